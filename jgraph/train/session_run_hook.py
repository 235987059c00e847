"""``SessionRunHook`` and the values passed to it, as TF1's ``session_run_hook``.

A ``MonitoredSession`` calls its hooks around every ``run``: ``before_run`` may
return :class:`SessionRunArgs` (extra fetches and feeds, merged into the same
``Session.run`` call as the caller's), and ``after_run`` receives their values in
:class:`SessionRunValues`.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class SessionRunHook:
    """Hook to extend calls to ``MonitoredSession.run()``; every method is optional.

    Order: ``begin`` (the graph can still change), the session is created,
    ``after_create_session``, then per ``run``: ``before_run``, the run,
    ``after_run``; ``end`` when the session closes (not after an error).
    """

    def begin(self) -> None:
        """Called once before the session is created; may add ops to the graph."""

    def after_create_session(self, session: Any, coord: Any) -> None:
        """Called when the session has been created and initialised (or restored);
        the graph is finalized."""

    def before_run(self, run_context: SessionRunContext) -> SessionRunArgs | None:
        """Called before each ``run``; returns fetches and feeds to add, or None."""
        return None

    def after_run(
        self, run_context: SessionRunContext, run_values: SessionRunValues
    ) -> None:
        """Called after each ``run`` with the values of what ``before_run`` asked for."""

    def end(self, session: Any) -> None:
        """Called when the session closes without an error."""


class SessionRunArgs(NamedTuple):
    """What a hook adds to a ``run``: ``fetches`` (any fetch structure or None),
    ``feed_dict`` and ``options``."""

    fetches: Any
    feed_dict: Any = None
    options: Any = None


class SessionRunValues(NamedTuple):
    """The values of a hook's ``SessionRunArgs.fetches`` (``results``, in their
    structure; None if it asked for none), and the run's ``options`` and
    ``run_metadata``."""

    results: Any
    options: Any = None
    run_metadata: Any = None


class SessionRunContext:
    """The ``run`` call being made: the caller's ``original_args``, the raw
    ``session``, and :meth:`request_stop`."""

    def __init__(self, original_args: SessionRunArgs, session: Any) -> None:
        self._original_args = original_args
        self._session = session
        self._stop_requested = False

    @property
    def original_args(self) -> SessionRunArgs:
        """The caller's fetches and feed_dict."""
        return self._original_args

    @property
    def session(self) -> Any:
        """The underlying ``Session`` (running it does not call the hooks)."""
        return self._session

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def request_stop(self) -> None:
        """Makes the monitored session's ``should_stop()`` return True after this run."""
        self._stop_requested = True


__all__ = ["SessionRunArgs", "SessionRunContext", "SessionRunHook", "SessionRunValues"]
