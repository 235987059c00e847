"""``device_lib.list_local_devices()``: this process's JAX devices, named as TF1.

TF1's module path, re-exporting ``jgraph.runtime.devices``: the names listed are
exactly the ones ``tf.device`` accepts (``/cpu:K`` is the K-th CPU device of this
process, ``/gpu:K`` the K-th GPU).
"""

from jgraph.runtime.devices import (
    DeviceAttributes as DeviceAttributes,
    list_local_devices as list_local_devices,
    local_device_name as local_device_name,
)

__all__ = ["DeviceAttributes", "list_local_devices", "local_device_name"]
