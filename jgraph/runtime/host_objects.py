"""A session's host objects: what its host steps keep between runs.

Where it sits: owned by the session (``session.py``), handed to the host steps
that declare ``OpDef.host_context`` (queues, readers, host dataset iterators)
as their :class:`~jgraph.ops.registry.HostContext`. TF1's queues and readers are
per-session resources; so are these: each session makes its own on first use,
keyed by the graph object they stand for (a queue, a reader, an iterator).
Closing the session cancels what waits on them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np

from jgraph.compile.interpreter import uninitialized_error
from jgraph.runtime.state import State


class HostObjects:
    """One session's host objects by key, and the context its host steps get.

    Args:
      state: the session's state (for :meth:`update_variable`).
      run: the session's ``run`` (for sub-runs).
    """

    def __init__(self, state: State, run: Callable[..., Any]) -> None:
        self._state = state
        self._run = run
        self._lock = threading.Lock()
        self._objects: dict[Hashable, Any] = {}

    def resource(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The object for ``key``, made by ``make()`` on first use."""
        with self._lock:
            found = self._objects.get(key)
            if found is None:
                found = self._objects[key] = make()
            return found

    def update_variable(self, name: str, update: Callable[[Any], Any]) -> Any:
        """Replaces variable ``name``'s value by ``update(value)`` under the
        state lock (atomic between threads); returns the new value."""
        state = self._state
        with state.held() as variables:
            value = variables.get(name)
            if value is None:
                raise uninitialized_error(name, None)
            new = update(np.asarray(value))
            state.set(state.converted({name: new}))
            return new

    def run(self, fetches: Any, feed_dict: Mapping[Any, Any] | None = None) -> Any:
        """A sub-run of the session (outside the run's compiled segments)."""
        return self._run(fetches, feed_dict)

    def close(self) -> None:
        """Cancels what waits on the objects (TF1: closing a session cancels the
        ops waiting on its queues) and forgets them."""
        with self._lock:
            objects, self._objects = list(self._objects.values()), {}
        for obj in objects:
            cancel = getattr(obj, "cancel", None)
            if cancel is not None:
                cancel()
