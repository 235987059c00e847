"""Parsing and merging of TF1 device strings (``/job:w/task:1/device:GPU:0``, ``/gpu:1``)."""

from __future__ import annotations

import re
from typing import NamedTuple

_FIELD = re.compile(r"^(job|replica|task|device|cpu|gpu|tpu):?(.*)$", re.IGNORECASE)


class DeviceSpec(NamedTuple):
    """The parts of a device string; ``None`` where unspecified."""

    job: str | None = None
    replica: int | None = None
    task: int | None = None
    device_type: str | None = None
    device_index: int | None = None

    @classmethod
    def from_string(cls, spec: str) -> DeviceSpec:
        """Parses ``/job:w/replica:0/task:1/device:GPU:0``, ``/cpu:0``, ``gpu:1``, ...

        >>> DeviceSpec.from_string("/job:w/task:1/gpu:0").to_string()
        '/job:w/task:1/device:GPU:0'
        """
        fields: dict[str, object] = {}
        for part in (spec or "").split("/"):
            if not part:
                continue
            match = _FIELD.match(part)
            if match is None:
                raise ValueError(f"Unknown attribute: '{part}' in '{spec}'")
            key, value = match.group(1).lower(), match.group(2)
            if key == "job":
                fields["job"] = value
            elif key in ("replica", "task"):
                fields[key] = int(value)
            elif key == "device":
                device_type, _, index = value.partition(":")
                fields["device_type"] = device_type.upper()
                fields["device_index"] = None if index in ("", "*") else int(index)
            else:  # /cpu:0 and friends
                fields["device_type"] = key.upper()
                fields["device_index"] = None if value in ("", "*") else int(value)
        return cls(**fields)  # type: ignore[arg-type]

    def merge(self, inner: DeviceSpec) -> DeviceSpec:
        """Fields set on ``inner`` override this spec's, as nested ``tf.device`` blocks."""
        merged = {k: v for k, v in inner._asdict().items() if v is not None}
        if "device_type" in merged and "device_index" not in merged:
            merged["device_index"] = None
        return self._replace(**merged)

    def to_string(self) -> str:
        parts = []
        if self.job is not None:
            parts.append(f"/job:{self.job}")
        if self.replica is not None:
            parts.append(f"/replica:{self.replica}")
        if self.task is not None:
            parts.append(f"/task:{self.task}")
        if self.device_type is not None:
            index = "*" if self.device_index is None else self.device_index
            parts.append(f"/device:{self.device_type}:{index}")
        return "".join(parts)


def merge_device(outer: str, inner: str) -> str:
    """The device string of ``tf.device(inner)`` nested inside ``tf.device(outer)``."""
    if not inner:
        return outer
    return (
        DeviceSpec.from_string(outer).merge(DeviceSpec.from_string(inner)).to_string()
    )
