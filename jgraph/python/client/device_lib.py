"""``device_lib.list_local_devices()``: this process's JAX devices, named as TF1.

Where it sits: a client of the placement's device table (``_devices.DeviceMap``),
so the names listed are exactly the ones ``tf.device`` accepts: ``/cpu:K`` is the
K-th CPU device of this process (several with
``XLA_FLAGS=--xla_force_host_platform_device_count=N``), ``/gpu:K`` the K-th GPU.

TF1 difference: names use the tutorial-era short form (``'/cpu:0'``, ``'/gpu:0'``);
``tf.device`` accepts it and the long form (``/device:GPU:0``) alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jax

from jgraph._devices import DeviceMap, device_type

if TYPE_CHECKING:
    from jaxlib._jax import Device


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
