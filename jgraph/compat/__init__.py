"""``tf.compat``: ``tf.compat.v1`` and TF1's text conversions.

``tf.compat.v1`` is jgraph itself, the TF1 API: ``jgraph/__init__.py`` sets
``v1`` and registers the ``jgraph`` module as ``jgraph.compat.v1`` in
``sys.modules`` (``v1.pyi`` says so to type checkers), so ``import
jgraph.compat.v1 as tf`` and ``tf.compat.v1.placeholder`` give jgraph's names.
There is no ``tf.compat.v2``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import ModuleType

v1: ModuleType  # the ``jgraph`` module, set by jgraph/__init__.py (which imports this)


def as_bytes(bytes_or_text: Any, encoding: str = "utf-8") -> bytes:
    """``bytes_or_text`` as bytes (``str`` is encoded with ``encoding``)."""
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text: Any, encoding: str = "utf-8") -> str:
    """``bytes_or_text`` as ``str`` (bytes are decoded with ``encoding``)."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text


def as_str_any(value: Any) -> str:
    """``value`` as ``str``: bytes are decoded (UTF-8), anything else is ``str()``."""
    return as_str(value) if isinstance(value, bytes) else str(value)


__all__ = ["as_bytes", "as_str", "as_str_any", "as_text", "v1"]
