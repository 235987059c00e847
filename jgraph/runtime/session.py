"""Stage 4 (runtime): the Session owns the state and runs fetch sets.

``Session.run(fetches, feed_dict)`` finds (or builds: ``plan.py``) the plan of this
fetch set and feed set, checks the fed values, adds the values it feeds itself
(``host_feeds.py``), calls the compiled function on the state (``state.py``) and
returns numpy values in the fetches' structure (``fetches.py``);
``run_steps`` does the same for many steps in one call (``scan.py``). The
per-call Python work is a few dict lookups, independent of graph size.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import numpy as np

from jgraph.compile import rng as _rng
from jgraph.graph.graph import Graph, get_default_graph
from jgraph.graph.shape import format_shape
from jgraph.graph.tensor import default_session
from jgraph.runtime import compile_cache
from jgraph.runtime.devices import list_local_devices
from jgraph.runtime.fetches import to_numpy
from jgraph.runtime.host_feeds import HostFeeds
from jgraph.runtime.host_objects import HostObjects
from jgraph.runtime.placement import Placement, advanced_key
from jgraph.runtime.plan import Plan, Planner, RunStats, checked_feed
from jgraph.runtime.scan import StepRuns, step_results
from jgraph.runtime.serving import session_placement
from jgraph.runtime.state import SessionState, State

RETRACE_WARNING_THRESHOLD = 8

__all__ = [
    "InteractiveSession",
    "RetracingWarning",
    "RunStats",
    "Session",
    "SessionState",
]


class RetracingWarning(UserWarning):
    """One fetch set keeps compiling for new feed shapes (XLA compiles per shape)."""


class Session:
    """Runs a graph, TF1 style: ``with jg.Session() as sess: sess.run(c)``.

    Args:
      target: ``''`` for this process; a ``jg.train.Server``'s ``target`` also works.
      graph: the graph to run (default: the default graph).
      config: a ``jg.ConfigProto`` (``log_device_placement``,
        ``allow_soft_placement``, ``device_count``), or None.
      placement: where state and feeds live and how runs compile (default: JAX's
        default device); see ``jgraph.distribute``.
    """

    def __init__(
        self,
        target: str = "",
        graph: Graph | None = None,
        config: Any = None,
        placement: Placement | None = None,
    ) -> None:
        self._graph = graph if graph is not None else get_default_graph()
        self._target = target
        self._config = config
        compile_cache.configure(config)
        self._placement = session_placement(self._graph, target, config, placement)
        self._closed = False
        self._state = State(self._graph, self._placement)
        self._plans = Planner(self._graph, self._placement)
        self._host_feeds = HostFeeds()
        # Queues, readers and host iterators of this session (``OpDef.host_context``).
        self._host_objects = HostObjects(self._state, self.run)
        self._step_runs = StepRuns(self._placement)
        self._default_ctx: Any = None

    # -- context management ------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def graph_def(self) -> Any:
        return self._graph.as_graph_def()

    @property
    def placement(self) -> Placement:
        """Where the session's state and feeds live and how its runs compile."""
        return self._placement

    @property
    def sess_str(self) -> str:
        return self._target

    def as_default(self) -> contextlib.AbstractContextManager[Session]:
        """Makes this the default session (for ``Tensor.eval``) inside the block."""
        return default_session(self)

    def __enter__(self) -> Session:
        self._default_ctx = self.as_default()
        self._default_ctx.__enter__()
        self._graph_ctx = self._graph.as_default()
        self._graph_ctx.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._graph_ctx.__exit__(*exc)
        self._default_ctx.__exit__(*exc)
        self._default_ctx = None
        self.close()

    def close(self) -> None:
        """Frees the state; later calls to ``run`` raise ``RuntimeError``."""
        # First wake the runs waiting on this session's queues (CancelledError).
        self._host_objects.close()
        with self._state.lock:  # a run in another thread finishes first
            self._closed = True
            self._state.clear()
        self._plans.clear()
        self._host_feeds.clear()
        self._step_runs.clear()

    def __del__(self) -> None:
        self._closed = True

    # -- state -------------------------------------------------------------------------
    def get_state(
        self, copy: bool = True, names: Sequence[str] | None = None
    ) -> SessionState:
        """The current state (of the variables ``names`` that hold a value, if given).

        With ``copy`` (default) the arrays stay valid after later runs (the live
        ones are donated to the next run that updates them), and they are one
        consistent state even while other threads run the session."""
        self._check_open()
        return self._state.snapshot(copy, None if names is None else tuple(names))

    def set_state(self, variables: Mapping[str, Any], key: Any = None) -> None:
        """Sets variable values by name (all checked first: all or nothing), and the
        random state: one from :meth:`get_state`, or one ``jax.random.PRNGKey``."""
        self._check_open()
        self._state.set(variables, key)
        self._host_feeds.clear()  # positions may have changed (a restore)

    def load_variables(self, values: Mapping[str, Any]) -> None:
        """Like :meth:`set_state`, converting values to each variable's dtype first."""
        self.set_state(self._state.converted(values))

    def initialized_variables(self) -> frozenset[str]:
        return frozenset(self._state.variables)

    # -- running ---------------------------------------------------------------------------
    def run(
        self,
        fetches: Any,
        feed_dict: Mapping[Any, Any] | None = None,
        options: Any = None,
        run_metadata: Any = None,
    ) -> Any:
        """Runs the ops needed for ``fetches`` and returns their values.

        Args:
          fetches: a Tensor, Operation, Variable, name string, or a nest (list,
            tuple, namedtuple, dict) of them.
          feed_dict: values for tensors (keys: tensors, variables or names).

        Returns:
          numpy values in the structure of ``fetches``; ``None`` for operations.
        """
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        feed_keys = tuple(feed_dict) if feed_dict else ()
        plan = self._plans.get(fetches, feed_keys)
        feed_values = plan.feed_values(feed_dict.values()) if feed_dict else ()
        return plan.rebuild(self._call(plan, feed_values))

    def _call(self, plan: Plan, feed_values: tuple) -> list[Any]:
        if plan.host_run is not None:
            return self._call_with_host(plan, feed_values)
        lowered = plan.lowered
        state = self._state
        with state.exclusive:  # one run at a time takes and replaces the state
            if self._closed:
                raise RuntimeError("Attempted to use a closed Session.")
            if plan.auto_feeds:
                feed_values += self._host_feeds.values(plan.auto_feeds, state.variables)
            plan.stats.calls += 1
            feed_values = self._placement.put_feeds(lowered.feeds, feed_values)
            traces = lowered.trace_count[0]
            outputs = state.call(plan.state_call, (feed_values,), (plan.constants,))
            if lowered.written_vars:
                self._host_feeds.restart(lowered.written_vars, plan.sources)
            # Host values read the variables as this run left them.
            variables = dict(state.variables) if lowered.host_outputs else {}
        if lowered.trace_count[0] != traces:
            self._note_trace(plan, feed_values)
        if plan.plain:
            return list(map(to_numpy, outputs))
        return plan.results(outputs, variables)

    def _call_with_host(self, plan: Plan, feed_values: tuple) -> list[Any]:
        """A run with host steps (``OpDef.host_step``): the state lock is held
        while the run takes the key, around each compiled segment, and while it
        stores what it wrote (``State.held``), never while a host step runs (a
        dequeue may wait there for a queue runner thread)."""
        lowered = plan.lowered
        state = self._state
        takes = plan.state_call
        run = plan.host_run
        assert run is not None
        with state.held() as variables:
            self._check_open()
            for name in (*takes.ro_names, *takes.rw_names):
                if name not in variables:
                    raise takes.missing(name)
            if plan.auto_feeds:
                feed_values += self._host_feeds.values(plan.auto_feeds, variables)
            key = state.key if takes.uses_rng else None
            if key is not None:  # advanced now: runs meanwhile draw other numbers
                state.key = advanced_key(key, lowered.rng_slots)
            plan.stats.calls += 1
        feed_values = self._placement.put_feeds(lowered.feeds, feed_values)
        traces = lowered.trace_count[0]
        with jax.enable_x64(True) if takes.needs_x64 else contextlib.nullcontext():
            new_rw, outputs = run(
                state.held, feed_values, key, plan.constants, self._host_objects
            )
        with state.held() as variables:
            self._check_open()
            variables.update(new_rw)
            self._host_feeds.restart(lowered.written_vars, plan.sources)
            host_values = dict(variables) if lowered.host_outputs else {}
        if lowered.trace_count[0] != traces:
            self._note_trace(plan, feed_values)
        return plan.results(outputs, host_values)

    def _note_trace(self, plan: Plan, feed_values: tuple) -> None:
        """Counts a compile of ``plan``; warns when one fetch set keeps compiling,
        naming the feeds whose shapes keep changing."""
        stats = plan.stats
        stats.traces = plan.lowered.trace_count[0]
        stats.compiles += 1
        stats.evictions = getattr(plan.lowered.fn, "evictions", 0)
        shapes = tuple(np.shape(v) for v in feed_values)
        last = stats.last_shapes or ((),) * len(shapes)
        for tensor, old, new in zip(plan.lowered.feeds, last, shapes, strict=False):
            if old != new or stats.last_shapes is None:
                changes = stats.shape_changes
                changes[tensor.name] = changes.get(tensor.name, 0) + 1
        stats.last_shapes = shapes
        compiles = stats.compiles
        if compiles >= RETRACE_WARNING_THRESHOLD and compiles & (compiles - 1) == 0:
            # At the 8th compile, then the 16th, 32nd, ...: a loop that compiles
            # every step keeps being told, a few times.
            changing = sorted(stats.shape_changes.items(), key=lambda kv: -kv[1])
            names = ", ".join(
                f"'{name}' (a new shape in {count} of {compiles} compiles, last"
                f" {format_shape(shape)})"
                for name, count in changing
                if count > 1
                for tensor, shape in zip(plan.lowered.feeds, shapes, strict=False)
                if tensor.name == name
            )
            warnings.warn(
                f"The fetch set {list(stats.fetches)} has been compiled {compiles}"
                f" times, once per new feed shape (of the feeds, and of what"
                " data-dependent ops such as tf.unique, tf.where or py_func return);"
                f" the changing feeds: {names or '?'}."
                " XLA compiles per shape: pad batches to a few fixed sizes to avoid"
                f" recompiling. The session keeps the last {self._max_compiled()}"
                " compiled shapes per fetch set (ConfigProto(max_compiled_shapes=...));"
                f" {stats.evictions} evicted so far.",
                RetracingWarning,
                stacklevel=4,
            )

    def _max_compiled(self) -> int:
        return getattr(self._placement, "max_compiled_shapes", 0)

    def _plan(self, fetches: Any, feed_keys: tuple) -> Plan:
        """A new plan of ``fetches`` fed by ``feed_keys`` (cached for ``run``)."""
        return self._plans.build(fetches, feed_keys)

    def make_callable(
        self,
        fetches: Any,
        feed_list: Sequence[Any] | None = None,
        accept_options: bool = False,
    ) -> Callable[..., Any]:
        """A function ``f(*feed_values)`` equal to ``run(fetches, dict(zip(feed_list, ...)))``,
        with the planning done once."""
        feed_keys = tuple(feed_list or ())
        plan = self._plan(fetches, feed_keys)
        call = self._call

        def callable_(*values: Any, **unused: Any) -> Any:
            if self._closed:
                raise RuntimeError("Attempted to use a closed Session.")
            if len(values) != len(feed_keys):
                raise TypeError(
                    f"expected {len(feed_keys)} feed values, got {len(values)}"
                )
            feed_values = plan.feed_values(values) if values else ()
            return plan.rebuild(call(plan, feed_values))

        return callable_

    def run_steps(
        self,
        fetches: Any,
        steps: int,
        feed_dict: Mapping[Any, Any] | None = None,
        stacked_feed_dict: Mapping[Any, Any] | None = None,
        return_all: bool = True,
        unroll: int = 1,
    ) -> Any:
        """Runs ``fetches`` ``steps`` times inside ONE compiled call (``lax.scan``).

        The state afterwards is exactly that of ``steps`` separate ``run`` calls
        (same values, same RNG stream). Data per step comes from dataset iterators
        (their ``get_next`` ops advance once per step) or from ``stacked_feed_dict``,
        whose values have a leading axis of length ``steps``; ``feed_dict`` values are
        the same every step.

        Args:
          fetches: as for :meth:`run` (usually a train op and a few metrics).
          steps: how many steps.
          feed_dict: values fed unchanged to every step.
          stacked_feed_dict: values whose slice ``[i]`` is fed to step ``i``.
          return_all: return every step's fetches stacked (leading axis ``steps``;
            summaries come back as a list of ``steps`` serialized protos); else only
            the last step's.
          unroll: steps per iteration of the compiled loop (``lax.scan``'s
            ``unroll``): larger values let XLA optimise across steps (small models
            run faster) and compile longer.

        Returns:
          The fetched values in the structure of ``fetches``.
        """
        self._check_open()
        steps = int(steps)
        if steps < 1:
            raise ValueError(f"steps must be >= 1, got {steps}")
        fixed, stacked = dict(feed_dict or {}), dict(stacked_feed_dict or {})
        plan = self._plans.get(fetches, (*fixed, *stacked))
        fixed_values = plan.feed_values(fixed.values()) if fixed else ()
        stacked_values = tuple(
            checked_feed(check, value, steps)
            for check, value in zip(
                plan.feed_checks[len(fixed) :], stacked.values(), strict=True
            )
        )
        call = self._step_runs.state_call(plan, steps, unroll)
        state = self._state
        with state.exclusive:
            self._check_open()
            if plan.auto_feeds:
                stacked_values += self._host_feeds.values(
                    plan.auto_feeds, state.variables, steps
                )
            outputs = state.call(
                call, (fixed_values, stacked_values), (plan.constants,)
            )
            plan.stats.calls += steps
            self._host_feeds.restart(plan.lowered.written_vars, plan.sources)
            variables = dict(state.variables) if plan.lowered.host_outputs else {}
        results = step_results(plan, outputs, steps, return_all, variables)
        return plan.rebuild(results)

    def as_function(
        self, fetches: Any, feed_list: Sequence[Any] = ()
    ) -> tuple[Callable[..., Any], dict[str, jax.Array]]:
        """The fetch set as a pure JAX function, for ``jax.grad``/``vmap``/``jit``.

        Returns ``(fn, variables)``: ``fn(variables, *feed_values) -> (outputs,
        new_variables)`` where ``outputs`` has the structure of ``fetches``
        (operations give ``None``) and ``variables`` is a copy of the values the
        function reads. Random ops use the key ``jax.random.PRNGKey(0)`` unless
        ``fn`` is called with ``key=``.

        Something TF1 never offered: differentiate or vectorise a jgraph graph.
        """
        plan = self._plan(fetches, tuple(feed_list))
        lowered = plan.lowered
        takes = plan.state_call
        variables = self._state.copies(
            (*takes.ro_names, *takes.rw_names), takes.missing
        )
        rebuild = plan.rebuild

        def fn(variables: dict, *feed_values: Any, key: Any = None) -> tuple[Any, dict]:
            ro = {n: variables[n] for n in takes.ro_names}
            rw = {n: variables[n] for n in takes.rw_names}
            run_key = _rng.as_state(key if key is not None else jax.random.PRNGKey(0))
            new_rw, outputs, _ = lowered.pure_fn(
                ro,
                rw,
                tuple(feed_values),
                run_key if lowered.uses_rng else None,
                plan.constants,
            )
            return rebuild(list(outputs)), {**variables, **new_rw}

        return fn, variables

    def stats(self) -> list[RunStats]:
        """Per compiled fetch set: calls, traces, compiles, evicted compiled shapes
        and, per feed, how many compiles came with a new shape of it."""
        return self._plans.stats()

    def list_devices(self) -> list[Any]:
        return list_local_devices()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")


class InteractiveSession(Session):
    """A Session that installs itself as the default on construction (for notebooks)."""

    def __init__(
        self, target: str = "", graph: Graph | None = None, config: Any = None
    ) -> None:
        super().__init__(target, graph, config)
        self._interactive_ctx = self.as_default()
        self._interactive_ctx.__enter__()

    def close(self) -> None:
        context = getattr(self, "_interactive_ctx", None)
        if context is not None:
            context.__exit__(None, None, None)
            self._interactive_ctx = None
        super().close()
