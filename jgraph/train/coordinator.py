"""``tf.train.Coordinator``: lets threads ask each other to stop, as TF1.

A ``MonitoredSession`` passes one to its hooks' ``after_create_session``; a hook
(or a thread it starts) may ``request_stop()``, and the session's
``should_stop()`` then returns True.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from jgraph import errors

logger = logging.getLogger("jgraph")


class Coordinator:
    """Coordinates the termination of a set of threads.

    Args:
      clean_stop_exception_types: exception types that request a stop without
        being re-raised by :meth:`join` (default: ``OutOfRangeError``).
    """

    def __init__(
        self, clean_stop_exception_types: Sequence[type[BaseException]] | None = None
    ) -> None:
        if clean_stop_exception_types is None:
            clean_stop_exception_types = (errors.OutOfRangeError,)
        self._clean_stop_exception_types = tuple(clean_stop_exception_types)
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._exc_info_to_raise: Any = None
        self._joined = False
        self._registered_threads: set[threading.Thread] = set()

    def request_stop(self, ex: BaseException | tuple | None = None) -> None:
        """Asks the threads to stop; ``ex`` (an exception or ``sys.exc_info()``)
        is re-raised by :meth:`join` unless it is a clean-stop type."""
        with self._lock:
            if self._joined:
                return
            # As TF1, only the request that stops the threads records its
            # exception: errors of threads cancelled by the stop are not reported.
            if ex is not None and not self._stop_event.is_set():
                if isinstance(ex, tuple):
                    exc_info = ex
                else:
                    exc_info = (type(ex), ex, ex.__traceback__)
                if not issubclass(exc_info[0], self._clean_stop_exception_types):
                    self._exc_info_to_raise = exc_info
            if not self._stop_event.is_set():
                if ex is not None:
                    logger.info("Error reported to Coordinator: %s", ex)
                self._stop_event.set()

    def clear_stop(self) -> None:
        """Clears the stop flag and the recorded exception."""
        with self._lock:
            self._joined = False
            self._exc_info_to_raise = None
            self._stop_event.clear()

    def should_stop(self) -> bool:
        return self._stop_event.is_set()

    @contextlib.contextmanager
    def stop_on_exception(self) -> Iterator[None]:
        """Requests a stop with any exception raised inside the block."""
        try:
            yield
        except BaseException:
            self.request_stop(ex=sys.exc_info())

    def wait_for_stop(self, timeout: float | None = None) -> bool:
        """Waits until a stop is requested (at most ``timeout`` seconds)."""
        return self._stop_event.wait(timeout)

    def register_thread(self, thread: threading.Thread) -> None:
        with self._lock:
            self._registered_threads.add(thread)

    def join(
        self,
        threads: Iterable[threading.Thread] | None = None,
        stop_grace_period_secs: float = 120,
        ignore_live_threads: bool = False,
    ) -> None:
        """Waits for the threads (and the registered ones) to end after a stop;
        re-raises the exception passed to :meth:`request_stop`, if any.

        Raises:
          RuntimeError: threads still run ``stop_grace_period_secs`` after the
            stop (unless ``ignore_live_threads``).
        """
        with self._lock:
            all_threads = self._registered_threads | set(threads or ())
        while any(t.is_alive() for t in all_threads) and not self.wait_for_stop(1.0):
            pass
        deadline = time.monotonic() + stop_grace_period_secs
        for thread in all_threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            self._joined = True
            self._registered_threads = set()
            exc_info = self._exc_info_to_raise
        alive = [t.name for t in all_threads if t.is_alive()]
        if exc_info is not None:
            raise exc_info[1].with_traceback(exc_info[2])
        if alive and not ignore_live_threads:
            raise RuntimeError(
                f"Coordinator stopped with threads still running: {' '.join(alive)}"
            )

    @property
    def joined(self) -> bool:
        return self._joined

    def raise_requested_exception(self) -> None:
        """Raises the exception passed to :meth:`request_stop`, if any."""
        with self._lock:
            exc_info = self._exc_info_to_raise
        if exc_info is not None:
            self._joined = True
            raise exc_info[1].with_traceback(exc_info[2])


__all__ = ["Coordinator"]
