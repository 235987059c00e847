"""The session state: every variable's value by name, and the RNG key.

Where it sits: owned by the session (``session.py``). :class:`State` is the one
place that reads and replaces the state: :meth:`State.call` takes what one
compiled run needs, calls it and stores what it returns (the run loop and
``run_steps`` both go through it), and :meth:`State.set` checks and stores values
from outside (a restore, ``Variable.load``). The arrays of variables a run
updates are donated to it: they are replaced, never read again.

The hand-off never loses the state:

- ``State.lock`` is held from taking the state to storing the new one, so runs
  from several threads are serialised there (XLA dispatch is asynchronous: the
  lock covers the dispatch, not the computation), and :meth:`snapshot` copies a
  consistent state while another thread trains.
- Tracing and compiling (where warnings, shape errors and interrupts happen) come
  before the compiled call consumes the donated arrays, and that call is one C++
  call (``executables.py``); the new state is stored right after it returns.
- ``SIGINT`` (Ctrl-C) arriving in the main thread meanwhile is held back and
  delivered once the new state is stored.
- A run with host steps (``OpDef.host_step``) holds the lock (:meth:`held`) only
  while it takes the state, while each of its compiled segments runs, and while
  it stores what it wrote at the end: never while a host step waits (a dequeue
  for a queue runner thread's enqueue). Its segments donate nothing, so an error
  or ``Ctrl-C`` in between leaves the state as it was before the run.
"""

from __future__ import annotations

import _signal  # pyright: ignore[reportMissingImports]  (no stub; CPython C module)
import contextlib
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

    def call(self, call: StateCall, before_key: tuple, after_key: tuple) -> Any:
        """Runs ``call.fn`` on the state it needs and keeps the state it returns;
        returns its outputs."""
        with self.lock, interrupts_deferred():
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
            key = self.key if call.uses_rng else None
            with jax.enable_x64(True) if call.needs_x64 else _NO_CONTEXT:
                new_rw, outputs, next_key = call.fn(
                    ro, rw, *before_key, key, *after_key
                )
                # Stored before anything else runs (still inside the context).
                variables.update(new_rw)
                if key is not None:
                    self.key = next_key
        return outputs

    @contextlib.contextmanager
    def held(self) -> Iterator[dict[str, jax.Array]]:
        """The lock held and interrupts deferred for the block, which gets the
        variables (a run with host steps holds it per compiled segment, see
        ``SegmentedRun.run_with_host``)."""
        with self.lock, interrupts_deferred():
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
_NO_CONTEXT = contextlib.nullcontext()  # re-entrant; one for every run


class interrupts_deferred:  # named as the function it replaced: `with interrupts_deferred():`
    """Holds back ``SIGINT`` for the duration of the block and delivers it after.

    Only the main thread receives signals (and may set handlers); elsewhere, and
    where the current handler was not set from Python, this does nothing. A class
    rather than a generator context manager, and ``_signal`` (the C module behind
    ``signal``, whose wrappers convert handlers and numbers to enums) rather than
    ``signal``: this is entered on every run, and those cost ~10x the swap itself.
    """

    __slots__ = ("_pending", "_previous")

    def __enter__(self) -> None:
        self._previous = None
        if threading.get_ident() != threading.main_thread().ident:
            return
        previous = _signal.getsignal(_SIGINT)
        if previous is None:
            return
        pending: list[FrameType | None] = []
        _signal.signal(_SIGINT, lambda signum, frame: pending.append(frame))
        self._pending = pending
        self._previous = previous

    def __exit__(self, *exc_info: object) -> None:
        previous = self._previous
        if previous is None:
            return
        _signal.signal(_SIGINT, previous)
        pending = self._pending
        if pending and callable(previous):
            previous(_SIGINT, pending[0])
        elif pending and previous == _signal.SIG_DFL:
            _signal.raise_signal(_SIGINT)
