"""Stage 4 (runtime): the Session owns the state and runs fetch sets.

``Session.run(fetches, feed_dict)`` normalises the fetches, validates the feeds,
finds (or builds: prune -> lower -> jit) the compiled function for this fetch set
and feed set, calls it with the state, keeps the new state and returns numpy
values in the fetches' structure. The per-call Python work is a few dict lookups,
independent of graph size.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import jax
import numpy as np

from jgraph import errors
from jgraph.compile import rng as _rng
from jgraph.compile.lower import LoweredRun, uninitialized_error
from jgraph.compile.prune import prune
from jgraph.data.dataset import ITERATORS, HostIterator
from jgraph.graph.graph import Graph, Operation, get_default_graph
from jgraph.graph.shape import format_shape, is_known
from jgraph.graph.tensor import Tensor, default_session
from jgraph.ops.conversion import as_numpy
from jgraph.runtime.devices import list_local_devices
from jgraph.runtime.fetches import FetchStructure, is_hashable, to_numpy
from jgraph.runtime.placement import Placement, session_placement

RETRACE_WARNING_THRESHOLD = 8


class RetracingWarning(UserWarning):
    """One fetch set keeps compiling for new feed shapes (XLA compiles per shape)."""


class SessionState(NamedTuple):
    """The whole run-time state: variable values by name, and the RNG key."""

    variables: dict[str, jax.Array]
    key: jax.Array


@dataclass
class RunStats:
    """Counters for one compiled fetch set (see :meth:`Session.stats`)."""

    fetches: tuple[str, ...]
    feeds: tuple[str, ...]
    calls: int = 0
    traces: int = 0
    compiles: int = 0
    shapes: set = field(default_factory=set)


class _Plan:
    """Everything ``run`` needs for one (fetch structure, feed keys): built once."""

    __slots__ = (
        "constants",
        "feed_checks",
        "get_nexts",
        "lowered",
        "optional",
        "rebuild",
        "required_rw",
        "resets",
        "ro_names",
        "stats",
    )

    def __init__(
        self,
        lowered: LoweredRun,
        rebuild: Callable[[list], Any],
        stats: RunStats,
        num_user_feeds: int,
    ) -> None:
        self.lowered = lowered
        self.rebuild = rebuild
        self.stats = stats
        written = lowered.written_vars
        self.ro_names = tuple(n for n in lowered.required_vars if n not in written)
        self.required_rw = tuple(n for n in lowered.required_vars if n in written)
        self.optional = lowered.optional_vars
        self.constants: tuple = ()
        self.get_nexts: tuple[Operation, ...] = ()
        self.resets: tuple[Any, ...] = ()
        self.feed_checks = tuple(
            (
                t,
                t.dtype.np,
                None
                if t.dims is None
                else tuple(d if is_known(d) else None for d in t.dims),
            )
            for t in lowered.feeds[:num_user_feeds]
        )


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
        self._placement = session_placement(self._graph, target, config, placement)
        self._closed = False
        self._variables: dict[str, jax.Array] = {}
        self._key = _rng.initial_key(self._graph.seed)
        self._plans: dict[Any, _Plan] = {}
        self._constants: dict[Operation, jax.Array] = {}
        self._host_iterators: dict[Any, HostIterator] = {}
        self._scanned: dict[tuple[int, int, _Plan], Any] = {}
        self._lowered: dict[Any, LoweredRun] = {}
        self._stats: dict[Any, RunStats] = {}
        self._default_ctx: Any = None

    # -- context management ------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def graph_def(self) -> Any:
        return self._graph.as_graph_def()

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
        self._closed = True
        self._variables = {}
        self._plans.clear()
        self._lowered.clear()
        self._constants.clear()
        self._host_iterators.clear()
        self._scanned.clear()

    def __del__(self) -> None:
        self._closed = True

    # -- state -------------------------------------------------------------------------
    def get_state(self, copy: bool = True) -> SessionState:
        """The current state. With ``copy`` (default) the arrays stay valid after later
        runs (the live ones are donated to the next run that updates them)."""
        self._check_open()
        variables = dict(self._variables)
        if copy:
            variables = {k: v.copy() for k, v in variables.items()}
        return SessionState(variables, self._key)

    def set_state(self, variables: Mapping[str, Any], key: Any = None) -> None:
        """Sets variable values by name (all checked first: all or nothing), and the
        RNG key: a pair from :meth:`get_state`, or one ``jax.random.PRNGKey``."""
        self._check_open()
        checked = {}
        for name, value in variables.items():
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
        self._host_iterators.clear()  # positions may have changed (a restore)
        with jax.enable_x64(True):
            put = self._placement.put_state
            self._variables.update({k: put(k, v) for k, v in checked.items()})
            if key is not None:
                self._key = jax.device_put(_rng.as_state_key(key))

    def load_variables(self, values: Mapping[str, Any]) -> None:
        """Like :meth:`set_state`, converting values to each variable's dtype first."""
        converted = {}
        for name, value in values.items():
            variable = self._graph.variables.get(name)
            dtype = variable.dtype.np if variable is not None else None
            converted[name] = np.asarray(value, dtype)
        self.set_state(converted)

    def initialized_variables(self) -> frozenset[str]:
        return frozenset(self._variables)

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
        plan = self._cached_plan(fetches, feed_keys)
        feed_values = self._feed_values(plan, feed_dict.values()) if feed_dict else ()
        if plan.get_nexts:
            feed_values += self._iterator_feeds(plan, steps=None)
        return plan.rebuild(self._call(plan, feed_values))

    def _cached_plan(self, fetches: Any, feed_keys: tuple) -> _Plan:
        try:
            plan = (
                self._plans.get((fetches, feed_keys)) if is_hashable(fetches) else None
            )
        except TypeError:  # an unhashable nest (a tuple holding a list)
            plan = None
        return plan if plan is not None else self._plan(fetches, feed_keys)

    def _iterator_feeds(self, plan: _Plan, steps: int | None) -> tuple:
        """Index feeds for the run's ``get_next`` ops (stacked for ``steps`` steps)."""
        values: list[Any] = []
        for op in plan.get_nexts:
            iterator = op.attrs["_iterator"]
            host = self._host_iterators.get(iterator)
            if host is None:
                host = self._host_iterators[iterator] = HostIterator(iterator, self)
            rows = host.take(steps or 1)
            if steps is None:
                values += [rows[0], np.int32(host.position)]
            else:
                positions = np.arange(host.position - steps + 1, host.position + 1)
                values += [rows, positions.astype(np.int32)]
        return tuple(values)

    def _call(self, plan: _Plan, feed_values: tuple) -> list[Any]:
        lowered = plan.lowered
        variables = self._variables
        try:
            ro = {n: variables[n] for n in plan.ro_names}
            rw = {n: variables[n] for n in plan.required_rw}
        except KeyError as missing:
            raise self._uninitialized(lowered, missing.args[0]) from None
        for name in plan.optional:
            if name in variables:
                rw[name] = variables[name]
        plan.stats.calls += 1
        feed_values = self._placement.put_feeds(lowered.feeds, feed_values)
        traces = lowered.trace_count[0]
        key = self._key if lowered.uses_rng else None
        if lowered.needs_x64:
            with jax.enable_x64(True):
                new_rw, outputs, next_key = lowered.fn(
                    ro, rw, feed_values, key, plan.constants
                )
        else:
            new_rw, outputs, next_key = lowered.fn(
                ro, rw, feed_values, key, plan.constants
            )
        if lowered.trace_count[0] != traces:
            self._note_trace(plan, feed_values)
        if new_rw:
            variables.update(new_rw)
        if key is not None:
            self._key = next_key
        for iterator in plan.resets:  # re-initialised: its host mirror starts over
            self._host_iterators.pop(iterator, None)
        results = [None if v is None else to_numpy(v) for v in outputs]
        for index, host_fn in lowered.host_outputs.items():
            results[index] = to_numpy(np.array(host_fn(variables)))
        for index, finalize in lowered.host_finalizers:
            results[index] = finalize(outputs[index])
        return results

    def _note_trace(self, plan: _Plan, feed_values: tuple) -> None:
        stats = plan.stats
        stats.traces = plan.lowered.trace_count[0]
        stats.compiles += 1
        stats.shapes.add(tuple(np.shape(v) for v in feed_values))
        if stats.compiles == RETRACE_WARNING_THRESHOLD:
            warnings.warn(
                f"The fetch set {list(stats.fetches)} has been compiled"
                f" {stats.compiles} times, once per new feed shape (last shapes:"
                f" {[format_shape(np.shape(v)) for v in feed_values]}). XLA compiles per"
                " shape; pad batches to a few fixed sizes to avoid recompiling.",
                RetracingWarning,
                stacklevel=4,
            )

    @staticmethod
    def _uninitialized(lowered: LoweredRun, name: str) -> errors.OpError:
        return uninitialized_error(name, lowered.first_reader.get(name))

    @staticmethod
    def _feed_values(plan: _Plan, raw_values: Iterable[Any]) -> tuple:
        """Checks and converts the user's fed values."""
        return tuple(
            _checked_feed(check, value)
            for check, value in zip(plan.feed_checks, raw_values, strict=True)
        )

    # -- plans ----------------------------------------------------------------------------
    def _plan(self, fetches: Any, feed_keys: tuple) -> _Plan:
        structure = FetchStructure.of(fetches, self._graph)
        unique, targets = structure.tensors, structure.targets
        feeds = tuple(self._feed_tensor(k) for k in feed_keys)
        if len(set(feeds)) != len(feeds):
            raise errors.InvalidArgumentError(
                None, None, "The same tensor is fed twice in one feed_dict."
            )
        # Feeds keep the user's order: the same set fed in another order compiles anew.
        lowered_key = (unique, targets, feeds)
        lowered = self._lowered.get(lowered_key)
        if lowered is None:
            ops = prune(unique, targets, feeds)
            # Iterators' index placeholders are fed by the session itself.
            auto_feeds = tuple(
                t for op in ops if op.type == "IteratorGetNext" for t in op.inputs[:2]
            )
            if auto_feeds:
                ops = prune(unique, targets, feeds + auto_feeds)
            self._check_placeholders_fed(ops, feeds + auto_feeds)
            lowered = self._placement.lower(ops, unique, feeds + auto_feeds)
            self._lowered[lowered_key] = lowered
        stats = self._stats.setdefault(
            lowered_key,
            RunStats(
                tuple(t.name for t in unique) + tuple(o.name for o in targets),
                tuple(t.name for t in lowered.feeds),
            ),
        )

        plan = _Plan(lowered, structure.rebuild, stats, len(feeds))
        plan.constants = tuple(self._constant(op) for op in lowered.lifted_constants)
        plan.get_nexts = tuple(op for op in lowered.ops if op.type == "IteratorGetNext")
        advanced = {op.attrs["_iterator"] for op in plan.get_nexts}
        plan.resets = tuple(
            it
            for it in self._graph.get_collection(ITERATORS)
            if it.position_variable.op.name in lowered.written_vars
            and it not in advanced
        )
        if is_hashable(fetches):
            try:
                self._plans[(fetches, feed_keys)] = plan
            except TypeError:
                pass
        return plan

    def _constant(self, op: Operation) -> jax.Array:
        """The device copy of a big constant, made once per session."""
        array = self._constants.get(op)
        if array is None:
            with jax.enable_x64(True):
                array = self._placement.put_state(op.name, op.attrs["value"])
            self._constants[op] = array
        return array

    def _feed_tensor(self, key: Any) -> Tensor:
        try:
            element = self._graph.as_graph_element(key, allow_operation=False)
        except (KeyError, ValueError) as err:
            raise errors.NotFoundError(
                None, None, f"Cannot interpret feed_dict key {key!r} as a Tensor: {err}"
            ) from err
        except TypeError as err:
            raise TypeError(
                f"Cannot interpret feed_dict key {key!r} as a Tensor: {err}"
            ) from err
        if not isinstance(element, Tensor):
            raise TypeError(f"Cannot interpret feed_dict key {key!r} as a Tensor.")
        return element

    @staticmethod
    def _check_placeholders_fed(
        ops: Sequence[Operation], feeds: Sequence[Tensor]
    ) -> None:
        for op in ops:
            if op.type == "Placeholder":
                tensor = op.outputs[0]
                raise errors.InvalidArgumentError(
                    None,
                    op,
                    f"You must feed a value for placeholder tensor '{op.name}' with dtype"
                    f" {tensor.dtype.name} and shape {format_shape(tensor.dims)}\n"
                    f"  ({op.describe()})",
                )

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
        call, feed_values_of = self._call, self._feed_values

        def callable_(*values: Any, **unused: Any) -> Any:
            if self._closed:
                raise RuntimeError("Attempted to use a closed Session.")
            if len(values) != len(feed_keys):
                raise TypeError(
                    f"expected {len(feed_keys)} feed values, got {len(values)}"
                )
            feed_values = feed_values_of(plan, values) if values else ()
            if plan.get_nexts:
                feed_values += self._iterator_feeds(plan, steps=None)
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
        plan = self._cached_plan(fetches, (*fixed, *stacked))
        fixed_values = self._feed_values(plan, fixed.values()) if fixed else ()
        stacked_plan_checks = plan.feed_checks[len(fixed) :]
        stacked_values = tuple(
            _checked_feed(check, value, steps)
            for check, value in zip(stacked_plan_checks, stacked.values(), strict=True)
        )
        if plan.get_nexts:
            stacked_values += self._iterator_feeds(plan, steps=steps)
        lowered = plan.lowered
        needed = (*plan.ro_names, *plan.required_rw)
        missing = [n for n in needed if n not in self._variables]
        if missing:
            raise self._uninitialized(lowered, missing[0])
        ro = {n: self._variables[n] for n in plan.ro_names}
        # The scan carries every written variable; one only written (never read
        # first) may not exist yet: start it from zeros, the first step overwrites it.
        rw = {
            n: self._variables[n] if n in self._variables else self._zeros_for(n)
            for n in sorted(lowered.written_vars)
        }
        scanned = self._scanned.get((steps, unroll, plan))
        if scanned is None:
            scanned = self._scanned[(steps, unroll, plan)] = _scan_steps(
                lowered, steps, unroll, self._placement
            )
        key = self._key if lowered.uses_rng else None
        context = (
            jax.enable_x64(True) if lowered.needs_x64 else contextlib.nullcontext()
        )
        with context:
            new_rw, outputs, next_key = scanned(
                ro, rw, fixed_values, stacked_values, key, plan.constants
            )
        plan.stats.calls += steps
        self._variables.update(new_rw)
        if key is not None:
            self._key = next_key
        for iterator in plan.resets:
            self._host_iterators.pop(iterator, None)
        finalizers = dict(lowered.host_finalizers)
        results: list[Any] = []
        for index, value in enumerate(outputs):
            if index in lowered.host_outputs:
                value = np.array(lowered.host_outputs[index](self._variables))
                per_step = [value] * steps
            elif index in finalizers:
                per_step = [
                    finalizers[index](
                        jax.tree_util.tree_map(lambda v, k=k: v[k], value)
                    )
                    for k in range(steps)
                ]
            else:
                array = np.asarray(value)
                results.append(array if return_all else to_numpy(array[-1]))
                continue
            results.append(per_step if return_all else per_step[-1])
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
        names = (*plan.ro_names, *plan.required_rw)
        try:
            variables = {n: self._variables[n].copy() for n in names}
        except KeyError as missing:
            raise self._uninitialized(lowered, missing.args[0]) from None
        rebuild = plan.rebuild

        def fn(variables: dict, *feed_values: Any, key: Any = None) -> tuple[Any, dict]:
            ro = {n: variables[n] for n in plan.ro_names}
            rw = {n: variables[n] for n in plan.required_rw}
            run_key = _rng.as_state_key(
                key if key is not None else jax.random.PRNGKey(0)
            )
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
        """Call, trace and compile counts per compiled fetch set."""
        return list(self._stats.values())

    def list_devices(self) -> list[Any]:
        return list_local_devices()

    def _zeros_for(self, name: str) -> jax.Array:
        variable = self._graph.variables[name]
        with jax.enable_x64(variable.dtype.is_64bit):
            return jax.numpy.zeros(variable.spec.shape, variable.dtype.np)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")


def _checked_feed(check: tuple, value: Any, steps: int = 0) -> Any:
    """One fed value, converted to the tensor's dtype and checked against its shape.

    With ``steps`` > 0 the value stacks one feed per step along a leading axis.
    """
    tensor, np_dtype, dims = check
    # Fast path first: a numpy batch of the right dtype (type() is cheaper than the
    # isinstance check against jax.Array's ABC).
    if (type(value) is np.ndarray or isinstance(value, jax.Array)) and (
        value.dtype == np_dtype
    ):
        array = value
    else:
        try:
            array = as_numpy(value, tensor.dtype)
        except (TypeError, ValueError) as err:
            raise errors.InvalidArgumentError(
                None,
                tensor.op,
                f"Cannot feed value {_short(value)} to tensor '{tensor.name}' of"
                f" dtype {tensor.dtype.name}: {err}",
            ) from err
    shape = array.shape
    if steps:
        if not shape or shape[0] != steps:
            raise errors.InvalidArgumentError(
                None,
                tensor.op,
                f"A stacked feed for '{tensor.name}' needs a leading axis of length"
                f" steps={steps}, got shape {format_shape(shape)}.",
            )
        shape = shape[1:]
    if dims is not None and (len(shape) != len(dims) or not _fits(shape, dims)):
        raise errors.InvalidArgumentError(
            None,
            tensor.op,
            f"Cannot feed value of shape {format_shape(shape)} for Tensor"
            f" '{tensor.name}', which has shape {format_shape(dims)}.",
        )
    return array


def _fits(shape: tuple[int, ...], dims: tuple[int | None, ...]) -> bool:
    for size, dim in zip(shape, dims, strict=True):
        if dim is not None and dim != size:
            return False
    return True


def _scan_steps(
    lowered: LoweredRun, steps: int, unroll: int, placement: Placement
) -> Any:
    """``steps`` runs of ``lowered`` as one jitted ``lax.scan`` over the state."""
    pure_fn = lowered.pure_fn

    def multi(
        ro: dict, rw: dict, fixed: tuple, stacked: tuple, key: Any, consts: tuple
    ) -> tuple:
        def body(carry: tuple, per_step: tuple) -> tuple:
            state, step_key = carry
            new_state, outputs, next_key = pure_fn(
                ro, state, (*fixed, *per_step), step_key, consts
            )
            return ({**state, **new_state}, next_key), outputs

        (state, key), outputs = jax.lax.scan(
            body, (rw, key), stacked, length=steps, unroll=unroll
        )
        return state, outputs, key

    return placement.jit(multi, donate_argnums=(1,))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


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
