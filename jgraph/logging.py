"""``tf.logging``: TF1's logging functions over Python's :mod:`logging`.

TF1 logs to the logger ``"tensorflow"``; jgraph's own messages (the saver, the
summaries) go to the logger ``"jgraph"`` and its children, so ``tf.logging`` uses
``"jgraph"``: ``tf.logging.set_verbosity(tf.logging.INFO)`` shows what jgraph
reports, as it showed what TensorFlow reported. The levels are Python's
(``DEBUG`` = 10 ... ``FATAL`` = 50).

As TF1, the first use of ``tf.logging`` gives the logger a handler writing
``LEVEL:jgraph:message`` lines to ``sys.stderr``, unless the root logger already
has handlers (then records reach those through propagation). Unlike TF1, the
threshold is not raised to ``INFO`` in interactive sessions, and ``fatal`` logs
at ``FATAL`` without ending the program (as TF1's Python ``fatal``).
"""

from __future__ import annotations

import logging as _logging
import sys as _sys
from typing import Any

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = _logging.WARN
ERROR = _logging.ERROR
FATAL = _logging.FATAL

_LOGGER_NAME = "jgraph"
_configured = False
_counts: dict[tuple[str, int], int] = {}


class _StderrHandler(_logging.Handler):
    """Writes records to whatever ``sys.stderr`` is when each is emitted."""

    def emit(self, record: _logging.LogRecord) -> None:
        try:
            _sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def get_logger() -> _logging.Logger:
    """The ``"jgraph"`` logger ``tf.logging`` writes to (see the module docstring)."""
    global _configured
    logger = _logging.getLogger(_LOGGER_NAME)
    if not _configured:
        _configured = True
        if not _logging.getLogger().handlers:
            handler = _StderrHandler()
            handler.setFormatter(_logging.Formatter(_logging.BASIC_FORMAT))
            logger.addHandler(handler)
    return logger


def log(level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
    """Logs ``msg % args`` at ``level``."""
    kwargs.setdefault("stacklevel", 2)
    get_logger().log(level, msg, *args, **kwargs)


def debug(msg: Any, *args: Any, **kwargs: Any) -> None:
    """Logs ``msg % args`` at ``DEBUG``."""
    kwargs.setdefault("stacklevel", 2)
    get_logger().debug(msg, *args, **kwargs)


def info(msg: Any, *args: Any, **kwargs: Any) -> None:
    """Logs ``msg % args`` at ``INFO``."""
    kwargs.setdefault("stacklevel", 2)
    get_logger().info(msg, *args, **kwargs)


def warning(msg: Any, *args: Any, **kwargs: Any) -> None:
    """Logs ``msg % args`` at ``WARN``."""
    kwargs.setdefault("stacklevel", 2)
    get_logger().warning(msg, *args, **kwargs)


warn = warning


def error(msg: Any, *args: Any, **kwargs: Any) -> None:
    """Logs ``msg % args`` at ``ERROR``."""
    kwargs.setdefault("stacklevel", 2)
    get_logger().error(msg, *args, **kwargs)


def fatal(msg: Any, *args: Any, **kwargs: Any) -> None:
    """Logs ``msg % args`` at ``FATAL`` (the program goes on, as TF1's Python
    ``fatal``)."""
    kwargs.setdefault("stacklevel", 2)
    get_logger().critical(msg, *args, **kwargs)


def vlog(level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
    """Logs ``msg % args`` at ``level`` (TF1's verbose log is a plain log)."""
    kwargs.setdefault("stacklevel", 2)
    get_logger().log(level, msg, *args, **kwargs)


def log_if(level: int, msg: Any, condition: Any, *args: Any) -> None:
    """Logs ``msg % args`` at ``level`` if ``condition`` is true."""
    if condition:
        get_logger().log(level, msg, *args, stacklevel=2)


def _next_count() -> int:
    """How many times the caller's caller's line called this before."""
    frame = _sys._getframe(2)
    token = (frame.f_code.co_filename, frame.f_lineno)
    count = _counts.get(token, 0)
    _counts[token] = count + 1
    return count


def log_every_n(level: int, msg: Any, n: int, *args: Any) -> None:
    """Logs ``msg % args`` at ``level`` on the 1st, (n+1)th, ... call from one line."""
    if _next_count() % n == 0:
        get_logger().log(level, msg, *args, stacklevel=2)


def log_first_n(level: int, msg: Any, n: int, *args: Any) -> None:
    """Logs ``msg % args`` at ``level`` on the first ``n`` calls from one line."""
    if _next_count() < n:
        get_logger().log(level, msg, *args, stacklevel=2)


def flush() -> None:
    """Flushes the logger's handlers."""
    for handler in get_logger().handlers:
        handler.flush()


def get_verbosity() -> int:
    """The level below which records are dropped (effective level of the logger)."""
    return get_logger().getEffectiveLevel()


def set_verbosity(v: int) -> None:
    """Sets the level below which records are dropped (``tf.logging.INFO``, ...)."""
    get_logger().setLevel(v)


def TaskLevelStatusMessage(msg: Any) -> None:
    """Logs ``msg`` at ``ERROR``, as TF1."""
    get_logger().error(msg, stacklevel=2)


__all__ = [
    "DEBUG",
    "ERROR",
    "FATAL",
    "INFO",
    "WARN",
    "TaskLevelStatusMessage",
    "debug",
    "error",
    "fatal",
    "flush",
    "get_logger",
    "get_verbosity",
    "info",
    "log",
    "log_every_n",
    "log_first_n",
    "log_if",
    "set_verbosity",
    "vlog",
    "warn",
    "warning",
]
