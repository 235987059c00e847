"""``tf.flags`` / ``tf.app.flags``: TF1's command-line flags, which are absl's.

``tf.flags.DEFINE_string("data_dir", "/tmp", "help")`` then ``FLAGS.data_dir``;
the flags are parsed by ``tf.app.run()`` (or on first access, as TF1).
"""

from __future__ import annotations

import sys
from typing import Any

from absl import flags as _absl
from absl.flags import (
    DEFINE_bool as DEFINE_bool,
    DEFINE_boolean as DEFINE_boolean,
    DEFINE_enum as DEFINE_enum,
    DEFINE_float as DEFINE_float,
    DEFINE_integer as DEFINE_integer,
    DEFINE_list as DEFINE_list,
    DEFINE_multi_float as DEFINE_multi_float,
    DEFINE_multi_integer as DEFINE_multi_integer,
    DEFINE_multi_string as DEFINE_multi_string,
    DEFINE_string as DEFINE_string,
    Error as Error,
    Flag as Flag,
    FlagValues as FlagValues,
    mark_flag_as_required as mark_flag_as_required,
    mark_flags_as_required as mark_flags_as_required,
)


class _FlagValuesWrapper:
    """absl's ``FLAGS`` that parses ``sys.argv`` (unknown flags tolerated) on the
    first read, as TF1's ``tf.flags.FLAGS``: scripts read flags at module level
    without calling ``tf.app.run``."""

    def __init__(self, wrapped: _absl.FlagValues) -> None:
        self.__dict__["_wrapped"] = wrapped

    def _parsed(self) -> _absl.FlagValues:
        wrapped = self.__dict__["_wrapped"]
        if not wrapped.is_parsed():
            wrapped(sys.argv, known_only=True)
        return wrapped

    def __getattr__(self, name: str) -> Any:
        return getattr(self._parsed(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._parsed(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self.__dict__["_wrapped"], name)

    def __dir__(self) -> list[str]:
        return dir(self.__dict__["_wrapped"])

    def __getitem__(self, name: str) -> Any:
        return self.__dict__["_wrapped"][name]

    def __contains__(self, name: str) -> bool:
        return name in self.__dict__["_wrapped"]

    def __iter__(self) -> Any:
        return iter(self.__dict__["_wrapped"])

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__dict__["_wrapped"](*args, **kwargs)


FLAGS: Any = _FlagValuesWrapper(_absl.FLAGS)

__all__ = [
    "FLAGS",
    "DEFINE_bool",
    "DEFINE_boolean",
    "DEFINE_enum",
    "DEFINE_float",
    "DEFINE_integer",
    "DEFINE_list",
    "DEFINE_multi_float",
    "DEFINE_multi_integer",
    "DEFINE_multi_string",
    "DEFINE_string",
    "Error",
    "Flag",
    "FlagValues",
    "mark_flag_as_required",
    "mark_flags_as_required",
]
