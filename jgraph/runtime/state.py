"""The session state: every variable's value by name, and the RNG key.

Where it sits: owned by the session (``session.py``). :class:`State` is the one
place that reads and replaces the state: :meth:`State.call` takes what one
compiled run needs, calls it and stores what it returns (the run loop and
``run_steps`` both go through it), and :meth:`State.set` checks and stores values
from outside (a restore, ``Variable.load``). The arrays of variables a run
updates are donated to it: they are replaced, never read again.

The hand-off never loses the state:

- ``State.exclusive`` (the state lock) is held from taking the state to storing
  the new one, so runs from several threads are serialised there (XLA dispatch
  is asynchronous: the lock covers the dispatch, not the computation), and
  :meth:`snapshot` copies a consistent state while another thread trains.
- Tracing and compiling (where warnings, shape errors and interrupts happen) come
  before the compiled call consumes the donated arrays, and that call is one C++
  call (``executables.py``); the new state is stored right after it returns.
- ``SIGINT`` (Ctrl-C) arriving in the main thread meanwhile is held back by
  ``State.exclusive`` and delivered once the new state is stored.
- A run with host steps (``OpDef.host_step``) holds the lock (:meth:`held`) only
  while it takes the state, while each of its compiled segments runs, and while
  it stores what it wrote at the end: never while a host step waits (a dequeue
  for a queue runner thread's enqueue). Its segments donate nothing, so an error
  or ``Ctrl-C`` in between leaves the state as it was before the run.
"""

from __future__ import annotations

import _signal  # pyright: ignore[reportMissingImports]  (no stub; CPython C module)
import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from types import FrameType
from typing import Any, NamedTuple

import jax
import numpy as np

from jgraph import errors
from jgraph.compile import rng as _rng
from jgraph.graph.graph import Graph
from jgraph.graph.shape import format_shape
from jgraph.runtime.placement import Placement


class SessionState(NamedTuple):
    """The whole run-time state: variable values by name, and the random state."""

    variables: dict[str, jax.Array]
    key: _rng.RngState


class StateCall(NamedTuple):
    """How one compiled function takes the state (built once per fetch set).

    ``fn(ro, rw, *before_key, key, *after_key) -> (new_rw, outputs, next_key)``
    gets the variables ``ro_names`` (read only) and, donated, ``rw_names`` (which
    must hold values), ``optional_names`` (those that do) and ``zero_names``
    (zeros for those that do not: written before any read); read only again,
    ``optional_ro_names`` that hold values.
    """

    fn: Callable[..., tuple[dict[str, Any], Any, Any]]
    ro_names: tuple[str, ...]
    rw_names: tuple[str, ...]
    optional_names: tuple[str, ...]
    zero_names: tuple[str, ...]
    uses_rng: bool
    needs_x64: bool
    missing: Callable[[str], Exception]  # the error for an uninitialised variable
    optional_ro_names: tuple[str, ...] = ()


class State:
    """The variables and RNG key of one session's graph.

    Attributes:
      lock: held while a run takes, replaces or copies the state (re-entrant).
    """

    def __init__(self, graph: Graph, placement: Placement) -> None:
        self._graph = graph
        self._placement = placement
        self.variables: dict[str, jax.Array] = {}
        self.key: _rng.RngState = _rng.initial_state(graph.random_ops)
        self.lock = threading.RLock()
        self.exclusive = Exclusive(self.lock)

    def call(self, call: StateCall, before_key: tuple, after_key: tuple) -> Any:
        """Runs ``call.fn`` on the state it needs and keeps the state it returns;
        returns its outputs. The caller is inside ``with self.exclusive``."""
        variables = self.variables
        try:
            ro = {n: variables[n] for n in call.ro_names}
            rw = {n: variables[n] for n in call.rw_names}
        except KeyError as missing:
            raise call.missing(missing.args[0]) from None
        for name in call.optional_names:
            if name in variables:
                rw[name] = variables[name]
        for name in call.optional_ro_names:
            if name in variables:
                ro[name] = variables[name]
        for name in call.zero_names:
            rw[name] = variables[name] if name in variables else self._zeros(name)
        if call.needs_x64:
            with jax.enable_x64(True):
                return self._call_and_store(call, ro, rw, before_key, after_key)
        return self._call_and_store(call, ro, rw, before_key, after_key)

    def _call_and_store(
        self, call: StateCall, ro: dict, rw: dict, before_key: tuple, after_key: tuple
    ) -> Any:
        """:meth:`call`'s compiled call, and the store of what it returns, before
        anything else runs (inside the x64 context, if any)."""
        key = self.key if call.uses_rng else None
        new_rw, outputs, next_key = call.fn(ro, rw, *before_key, key, *after_key)
        self.variables.update(new_rw)
        if key is not None:
            self.key = next_key
        return outputs

    @contextlib.contextmanager
    def held(self) -> Iterator[dict[str, jax.Array]]:
        """The lock held and interrupts deferred for the block, which gets the
        variables (a run with host steps holds it per compiled segment, see
        ``SegmentedRun.run_with_host``)."""
        with self.exclusive:
            yield self.variables

    def snapshot(
        self, copy: bool = True, names: tuple[str, ...] | None = None
    ) -> SessionState:
        """The current state (of the variables ``names`` that hold a value, if
        given); with ``copy`` the arrays stay valid after later runs (the copies
        are taken under the lock, so they are one consistent state)."""
        with self.lock:
            variables = self.variables
            if names is not None:
                variables = {n: variables[n] for n in names if n in variables}
            else:
                variables = dict(variables)
            if copy:
                variables = {k: v.copy() for k, v in variables.items()}
            return SessionState(variables, self.key)

    def copies(
        self, names: tuple[str, ...], missing: Callable[[str], Exception]
    ) -> dict:
        """Copies of the values of ``names`` (``missing(name)`` is raised for one
        without a value)."""
        with self.lock:
            try:
                return {n: self.variables[n].copy() for n in names}
            except KeyError as err:
                raise missing(err.args[0]) from None

    def set(self, values: Mapping[str, Any], key: Any = None) -> None:
        """Sets variable values by name (all checked first: all or nothing), and the
        random state: one from :meth:`snapshot`, or one ``jax.random.PRNGKey``."""
        checked = {}
        for name, value in values.items():
            variable = self._graph.variables.get(name)
            if variable is None:
                raise errors.NotFoundError(
                    None,
                    None,
                    f"Session.set_state: no variable named '{name}' in the graph.",
                )
            array = np.asarray(value) if not isinstance(value, jax.Array) else value
            if not variable.shape.is_compatible_with(array.shape):
                raise errors.InvalidArgumentError(
                    None,
                    variable.op,
                    f"Cannot set variable '{name}' of shape {variable.shape} to a value of"
                    f" shape {format_shape(array.shape)}.",
                )
            if array.dtype != variable.dtype.np:
                raise errors.InvalidArgumentError(
                    None,
                    variable.op,
                    f"Cannot set variable '{name}' of dtype {variable.dtype.name} to a"
                    f" value of dtype {array.dtype}.",
                )
            checked[name] = array
        with jax.enable_x64(True):
            put = self._placement.put_state
            placed = {k: put(k, v) for k, v in checked.items()}
            new_key = None if key is None else jax.device_put(_rng.as_state(key))
        with self.lock:
            self.variables.update(placed)
            if new_key is not None:
                self.key = new_key

    def converted(self, values: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """``values`` converted to each variable's dtype (for :meth:`set`)."""
        converted = {}
        for name, value in values.items():
            variable = self._graph.variables.get(name)
            dtype = variable.dtype.np if variable is not None else None
            converted[name] = np.asarray(value, dtype)
        return converted

    def clear(self) -> None:
        with self.lock:
            self.variables = {}

    def _zeros(self, name: str) -> jax.Array:
        variable = self._graph.variables[name]
        with jax.enable_x64(variable.dtype.is_64bit):
            return jax.numpy.zeros(variable.spec.shape, variable.dtype.np)


_SIGINT = int(signal.SIGINT)
_get_ident = threading.get_ident
_main_thread = [threading.main_thread().ident]  # the thread that receives signals
os.register_at_fork(
    after_in_child=lambda: _main_thread.__setitem__(0, threading.main_thread().ident)
)


class Exclusive:
    """``with state.exclusive:`` holds the state lock and holds back ``SIGINT``
    for the block; a ``SIGINT`` that came meanwhile is delivered after, once the
    lock is released.

    Only the main thread receives signals (and may set handlers); elsewhere, and
    where the current handler was not set from Python, only the lock is taken.
    Re-entrant, like the lock: an inner block defers nothing more (another
    state's, inside this one, hands what it held back to this one's). One object
    per state: its fields belong to the thread holding the lock. The handler is
    swapped before the lock is taken, so a ``KeyboardInterrupt`` can never leave
    the lock held; ``_signal`` (the C module behind ``signal``, whose wrappers
    convert handlers and numbers to enums) because this is entered on every run.
    """

    __slots__ = ("_depth", "_hold", "_lock", "_pending", "_previous")

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._depth = 0
        self._previous: Any = None
        self._pending: list[FrameType | None] = []
        self._hold = self._held  # one bound method: recognised when re-entered

    def _held(self, signum: int, frame: FrameType | None) -> None:
        self._pending.append(frame)

    def __enter__(self) -> None:
        previous = None
        if _get_ident() == _main_thread[0]:
            previous = _signal.getsignal(_SIGINT)
            if previous is None or previous is self._hold:
                previous = None  # not a Python handler, or re-entered
            else:
                self._pending = []
                _signal.signal(_SIGINT, self._hold)
        self._lock.acquire()
        self._depth += 1
        if previous is not None:
            self._previous = previous

    def __exit__(self, *exc_info: object) -> None:
        self._depth -= 1
        previous = None
        if not self._depth:
            previous, self._previous = self._previous, None
        self._lock.release()
        if previous is None:
            return
        _signal.signal(_SIGINT, previous)
        pending = self._pending
        if pending and callable(previous):
            previous(_SIGINT, pending[0])
        elif pending and previous == _signal.SIG_DFL:
            _signal.raise_signal(_SIGINT)
