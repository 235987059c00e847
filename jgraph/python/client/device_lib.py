"""``device_lib.list_local_devices()``: the JAX devices of this process, named as TF1."""

from __future__ import annotations

from dataclasses import dataclass

import jax


@dataclass(frozen=True)
class DeviceAttributes:
    """What TF1's ``DeviceAttributes`` proto offered that JAX knows."""

    name: str
    device_type: str
    memory_limit: int
    incarnation: int
    physical_device_desc: str


def local_device_name(device: jax.Device) -> str:
    """TF1's short name for a JAX device of this process: ``/cpu:0``, ``/gpu:1``."""
    kind = (
        "cpu"
        if device.platform == "cpu"
        else device.platform.replace("cuda", "gpu").replace("rocm", "gpu")
    )
    index = jax.local_devices(backend=device.platform).index(device)
    return f"/{kind}:{index}"


def list_local_devices(session_config: object = None) -> list[DeviceAttributes]:
    """The local devices, CPU first, as TF1 (``x.name`` is ``'/cpu:0'``, ``'/gpu:0'``)."""
    devices = list(jax.local_devices(backend="cpu"))
    if jax.default_backend() != "cpu":
        devices += list(jax.local_devices())
    result = []
    for device in devices:
        name = local_device_name(device)
        stats = device.memory_stats() if hasattr(device, "memory_stats") else None
        result.append(
            DeviceAttributes(
                name=name,
                device_type=name.split(":")[0].strip("/").upper(),
                memory_limit=int((stats or {}).get("bytes_limit", 0)),
                incarnation=device.id,
                physical_device_desc=f"device: {device.id}, name: {device.device_kind}",
            )
        )
    return result
