"""TF1 device names resolved to this cluster's JAX devices.

Where it sits: under the session's placement (``placement.py``), which resolves
every op's ``tf.device`` string with a :class:`DeviceMap`, and
:func:`list_local_devices` (TF1's ``device_lib.list_local_devices``), which lists
the same table. Task names come from the cluster layout (``tasks.py``).

TF1 difference: listed names use the tutorial-era short form (``'/cpu:0'``,
``'/gpu:0'``); ``tf.device`` accepts it and the long form (``/device:GPU:0``)
alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jax

from jgraph.graph.device_spec import DeviceSpec
from jgraph.runtime.tasks import current_cluster

if TYPE_CHECKING:
    from jaxlib._jax import Device


# -- TF1 device names -> JAX devices -----------------------------------------------

_TYPE_OF_PLATFORM = {
    "cpu": "CPU",
    "gpu": "GPU",
    "cuda": "GPU",
    "rocm": "GPU",
    "tpu": "TPU",
}
_TYPE_ALIASES = {"XLA_CPU": "CPU", "XLA_GPU": "GPU", "XLA_TPU": "TPU"}
DEVICE_HELP = (
    "Make sure the device specification refers to a valid device, or create the"
    " session with jg.ConfigProto(allow_soft_placement=True) to run such ops on the"
    " default device."
)


class SoftPlacementWarning(UserWarning):
    """An op's device does not exist; it runs on the default device instead."""


def device_type(device: Device) -> str:
    """TF1's device type of a JAX device: ``CPU``, ``GPU`` or ``TPU``."""
    platform = str(device.platform)
    return _TYPE_OF_PLATFORM.get(platform, platform.upper())


class DeviceMap:
    """The devices a session may use, and TF1 device strings resolved to them.

    Devices are grouped by (process, type) in JAX's order; ``device_count`` and
    ``gpu_options.visible_device_list`` of ``config`` hide and renumber them as TF1.
    """

    def __init__(self, config: Any = None) -> None:
        self._config = config
        self._table: dict[tuple[int, str], list[Device]] | None = None
        self._resolved: dict[str, Device | None] = {}

    @property
    def table(self) -> dict[tuple[int, str], list[Device]]:
        if self._table is None:
            self._table = self._build_table()
        return self._table

    def _build_table(self) -> dict[tuple[int, str], list[Device]]:
        table: dict[tuple[int, str], list[Device]] = {}
        for platform in ("cpu", "gpu", "tpu"):
            try:
                devices = jax.devices(platform)
            except RuntimeError:  # no such backend here
                continue
            for device in devices:
                kind = device_type(device)
                table.setdefault((device.process_index, kind), []).append(device)
        gpu_options = getattr(self._config, "gpu_options", None)
        visible = gpu_options.visible_indices() if gpu_options is not None else None
        for (process, kind), devices in list(table.items()):
            if kind == "GPU" and visible is not None:
                devices = [devices[i] for i in visible if i < len(devices)]
            limit = _device_limit(self._config, kind)
            if limit is not None:
                devices = devices[:limit]
            table[(process, kind)] = devices
        return table

    def default_type(self, process: int) -> str:
        """GPU (or TPU) when the process has one, as TF1; else CPU."""
        preferred = _TYPE_OF_PLATFORM.get(jax.default_backend(), "CPU")
        return preferred if self.table.get((process, preferred)) else "CPU"

    @property
    def default(self) -> Device:
        """Where ops without a device run: the default device of task 0."""
        layout = current_cluster()
        process = 0 if layout is not None else jax.process_index()
        return self.table[(process, self.default_type(process))][0]

    @property
    def local_default(self) -> Device:
        """This process's default device (for values every task holds)."""
        process = jax.process_index()
        return self.table[(process, self.default_type(process))][0]

    def resolve(self, spec: str) -> Device | None:
        """The device ``spec`` names, or ``None`` when there is no such device."""
        if spec in self._resolved:
            return self._resolved[spec]
        parsed = DeviceSpec.from_string(spec)
        layout = current_cluster()
        process: int | None
        if parsed.replica not in (None, 0):
            process = None
        elif layout is None:
            local = parsed.job in (None, "localhost") and parsed.task in (None, 0)
            process = jax.process_index() if local else None
        else:
            job = parsed.job if parsed.job is not None else layout.tasks[0][0]
            process = layout.process_of(job, parsed.task or 0)
        device = None
        if process is not None:
            kind = parsed.device_type or self.default_type(process)
            kind = _TYPE_ALIASES.get(kind, kind)
            devices = self.table.get((process, kind), [])
            index = parsed.device_index or 0
            device = devices[index] if index < len(devices) else None
        self._resolved[spec] = device
        return device

    def name(self, device: Device) -> str:
        """TF1's full name: ``/job:localhost/replica:0/task:0/device:CPU:0``."""
        layout = current_cluster()
        if layout is None:
            job, task = "localhost", 0
        else:
            job, task = layout.tasks[device.process_index]
        kind = device_type(device)
        index = self.table[(device.process_index, kind)].index(device)
        return f"/job:{job}/replica:0/task:{task}/device:{kind}:{index}"

    def names(self) -> list[str]:
        return [self.name(d) for devices in self.table.values() for d in devices]


def _device_limit(config: Any, kind: str) -> int | None:
    for name, count in (getattr(config, "device_count", None) or {}).items():
        if name.upper() == kind:
            return int(count)
    return None


# -- device_lib.list_local_devices ---------------------------------------------------


@dataclass(frozen=True)
class DeviceAttributes:
    """What TF1's ``DeviceAttributes`` proto offered that JAX knows."""

    name: str
    device_type: str
    memory_limit: int
    incarnation: int
    physical_device_desc: str


def local_device_name(device: Device, session_config: Any = None) -> str:
    """TF1's short name for a JAX device of this process: ``/cpu:0``, ``/gpu:1``."""
    kind = device_type(device)
    devices = DeviceMap(session_config).table[(device.process_index, kind)]
    return f"/{kind.lower()}:{devices.index(device)}"


def list_local_devices(session_config: Any = None) -> list[DeviceAttributes]:
    """This process's devices, CPUs first (``x.name``: ``'/cpu:0'``, ``'/gpu:0'``).

    Args:
      session_config: a ``ConfigProto``; its ``device_count`` and
        ``gpu_options.visible_device_list`` hide devices, as for a session.

    >>> list_local_devices()[0].name
    '/cpu:0'
    """
    table = DeviceMap(session_config).table
    me = jax.process_index()
    result = []
    for kind in ("CPU", "GPU", "TPU"):
        for index, device in enumerate(table.get((me, kind), [])):
            stats = device.memory_stats() if hasattr(device, "memory_stats") else None
            result.append(
                DeviceAttributes(
                    name=f"/{kind.lower()}:{index}",
                    device_type=kind,
                    memory_limit=int((stats or {}).get("bytes_limit", 0)),
                    incarnation=device.id,
                    physical_device_desc=(
                        f"device: {index}, name: {device.device_kind}, id: {device.id}"
                    ),
                )
            )
    return result
