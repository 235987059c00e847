"""Plans: what one ``Session.run`` call needs, built once per fetch set and feeds.

Where it sits: between the session's run loop (``session.py``) and compilation.
:class:`Planner` turns ``(fetches, feed keys)`` into a :class:`Plan`: it
flattens the fetches (``fetches.py``), resolves the feed keys, prunes the graph
(``compile/prune.py``), adds the inputs the session feeds itself (an op's
``OpDef.feeds``: dataset iterators), checks every placeholder is fed, and lowers
the ops through the session's placement. Plans, lowered runs and their counters
are cached, so a repeated ``run`` is a few dict lookups.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import jax
import numpy as np

from jgraph import errors
from jgraph.compile.fingerprint import fingerprint
from jgraph.compile.interpreter import uninitialized_error
from jgraph.compile.lower import LoweredRun, host_constant
from jgraph.compile.prune import prune
from jgraph.compile.segments import has_host_steps
from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Graph, Operation
from jgraph.graph.shape import format_shape, is_known
from jgraph.graph.tensor import Tensor
from jgraph.ops.registry import AutoFeed, opdef_for
from jgraph.runtime.fetches import FetchStructure, is_hashable, to_numpy
from jgraph.runtime.placement import Placement
from jgraph.runtime.state import StateCall

# (tensor, numpy dtype, dims with None for unknown ones or None for unknown rank)
FeedCheck = tuple[Tensor, np.dtype, tuple[int | None, ...] | None]


@dataclass
class RunStats:
    """Counters for one compiled fetch set (see ``Session.stats``)."""

    fetches: tuple[str, ...]
    feeds: tuple[str, ...]
    calls: int = 0
    traces: int = 0
    compiles: int = 0
    evictions: int = 0  # compiled shapes dropped (ConfigProto.max_compiled_shapes)
    # per feed name: how many compiles came with a new shape of that feed
    shape_changes: dict[str, int] = field(default_factory=dict)
    last_shapes: tuple | None = None  # the feed shapes of the last compile


class Plan:
    """Everything ``run`` needs for one (fetch structure, feed keys): built once."""

    __slots__ = (
        "auto_feeds",
        "constants",
        "fed_fetches",
        "feed_checks",
        "host_run",
        "lowered",
        "plain",
        "rebuild",
        "sources",
        "state_call",
        "stats",
    )

    def __init__(
        self,
        lowered: LoweredRun,
        rebuild: Callable[[list], Any],
        stats: RunStats,
        feed_checks: tuple[FeedCheck, ...],
        auto_feeds: tuple[AutoFeed, ...],
        constants: tuple,
    ) -> None:
        self.lowered = lowered
        self.rebuild = rebuild
        self.stats = stats
        self.feed_checks = feed_checks
        self.auto_feeds = auto_feeds  # in the order of their feeds, after the user's
        self.sources = frozenset(f.source for f in auto_feeds)
        self.constants = constants
        # Fetched feeds come back as fed, converted (``checked_feed``): a scalar a
        # 0-d array, a str fed to a string tensor a str (TF1).
        fed = frozenset(lowered.feeds)
        self.fed_fetches = tuple(i for i, t in enumerate(lowered.fetches) if t in fed)
        # A run cut around host steps, run segment by segment with the session's
        # host context (``SegmentedRun.run_with_host``); else ``None``: one call
        # under the state lock.
        self.host_run: Callable[..., tuple[dict, tuple]] | None = (
            getattr(lowered.fn, "run_with_host", None)
            if has_host_steps(lowered.run_ops)
            else None
        )
        # Outputs that are all device arrays: ``results`` is one numpy conversion each.
        self.plain = not (
            self.fed_fetches or lowered.host_outputs or lowered.host_finalizers
        )
        written = lowered.written_vars
        self.state_call = StateCall(
            fn=lowered.fn,
            ro_names=tuple(n for n in lowered.required_vars if n not in written),
            rw_names=tuple(n for n in lowered.required_vars if n in written),
            # Donated only when written (a donated array is gone after the call).
            optional_names=tuple(n for n in lowered.optional_vars if n in written),
            zero_names=(),
            uses_rng=lowered.uses_rng,
            needs_x64=lowered.needs_x64,
            missing=functools.partial(missing_variable, lowered),
            optional_ro_names=tuple(
                n for n in lowered.optional_vars if n not in written
            ),
        )

    def feed_values(self, raw_values: Iterable[Any]) -> tuple:
        """Checks and converts the user's fed values."""
        return tuple(
            checked_feed(check, value)
            for check, value in zip(self.feed_checks, raw_values, strict=True)
        )

    def results(self, outputs: Sequence[Any], variables: dict[str, Any]) -> list[Any]:
        """The fetched values of one run: its outputs as numpy, host values made
        from the session's ``variables``, host finalizers applied."""
        lowered = self.lowered
        results = [None if v is None else to_numpy(v) for v in outputs]
        # A segmented run hands back the fed value itself (strings never leave
        # Python); a compiled one its device copy, equal to it.
        for index in self.fed_fetches:
            results[index] = np.asarray(outputs[index])
        for index, host_fn in lowered.host_outputs.items():
            results[index] = to_numpy(np.array(host_fn(variables)))
        for index, finalize in lowered.host_finalizers:
            results[index] = finalize(outputs[index])
        return results


def missing_variable(lowered: LoweredRun, name: str) -> errors.OpError:
    """The error for a run of ``lowered`` finding variable ``name`` uninitialised."""
    return uninitialized_error(name, lowered.first_reader.get(name))


class Planner:
    """A session's plans and compiled runs, cached by fetches and feed keys."""

    def __init__(self, graph: Graph, placement: Placement) -> None:
        self._graph = graph
        self._placement = placement
        self._plans: dict[Any, Plan] = {}
        self._lowered: dict[Any, LoweredRun] = {}
        # Structural fingerprint -> the first lowered run with it (its compiled fn).
        self._by_structure: dict[Hashable, LoweredRun] = {}
        self._stats: dict[Any, RunStats] = {}
        self._constants: dict[Operation, jax.Array] = {}

    def get(self, fetches: Any, feed_keys: tuple) -> Plan:
        """The cached plan of ``fetches`` fed by ``feed_keys``, built if new."""
        try:
            plan = (
                self._plans.get((fetches, feed_keys)) if is_hashable(fetches) else None
            )
        except TypeError:  # an unhashable nest (a tuple holding a list)
            plan = None
        return plan if plan is not None else self.build(fetches, feed_keys)

    def build(self, fetches: Any, feed_keys: tuple) -> Plan:
        """A new plan (and, for a new fetch set, its compiled run)."""
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
            lowered = self._lower(unique, targets, feeds)
            self._lowered[lowered_key] = lowered
        stats = self._stats.setdefault(
            lowered_key,
            RunStats(
                tuple(t.name for t in unique) + tuple(o.name for o in targets),
                tuple(t.name for t in lowered.feeds),
            ),
        )
        plan = Plan(
            lowered,
            structure.rebuild,
            stats,
            tuple(_feed_check(t) for t in feeds),
            _auto_feeds(lowered.ops),
            tuple(self._constant(op) for op in lowered.lifted_constants),
        )
        if is_hashable(fetches):
            try:
                self._plans[(fetches, feed_keys)] = plan
            except TypeError:
                pass
        return plan

    def stats(self) -> list[RunStats]:
        return list(self._stats.values())

    def clear(self) -> None:
        self._plans.clear()
        self._lowered.clear()
        self._by_structure.clear()
        self._constants.clear()

    def _lower(
        self,
        fetches: tuple[Tensor, ...],
        targets: tuple[Operation, ...],
        feeds: tuple[Tensor, ...],
    ) -> LoweredRun:
        ops = prune(fetches, targets, feeds)
        # Inputs the session feeds itself (an iterator's next indices).
        auto = tuple(t for f in _auto_feeds(ops) for t in f.inputs)
        if auto:
            fed = set(auto)
            ops = tuple(op for op in ops if not (op.outputs and set(op.outputs) <= fed))
        _check_fed(ops)
        return self._shared(self._placement.lower(ops, fetches, feeds + auto))

    def _shared(self, lowered: LoweredRun) -> LoweredRun:
        """``lowered`` with the compiled function of an earlier run of the same
        structure (ops rebuilt under new names), so it is not traced and compiled
        again; its own ops, fetches and feeds stay (names in errors, host values)."""
        key = fingerprint(lowered)
        if key is None:
            return lowered
        first = self._by_structure.setdefault(key, lowered)
        if first is lowered:
            return lowered
        return dataclasses.replace(
            lowered, fn=first.fn, pure_fn=first.pure_fn, trace_count=first.trace_count
        )

    def _constant(self, op: Operation) -> jax.Array:
        """The device copy of a big constant, made once per session."""
        array = self._constants.get(op)
        if array is None:
            with jax.enable_x64(True):
                array = self._placement.put_state(op.name, host_constant(op))
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


def _auto_feeds(ops: Iterable[Operation]) -> tuple[AutoFeed, ...]:
    feeds = (opdef_for(op).feeds(op) for op in ops)
    return tuple(f for f in feeds if f is not None)


def _check_fed(ops: Sequence[Operation]) -> None:
    """Raises TF1's error for a run that needs a placeholder nobody feeds."""
    for op in ops:
        if opdef_for(op).must_feed:
            tensor = op.outputs[0]
            raise errors.InvalidArgumentError(
                None,
                op,
                f"You must feed a value for placeholder tensor '{op.name}' with dtype"
                f" {tensor.dtype.name} and shape {format_shape(tensor.dims)}\n"
                f"  ({op.describe()})",
            )


def _feed_check(tensor: Tensor) -> FeedCheck:
    dims = tensor.dims
    known = None if dims is None else tuple(d if is_known(d) else None for d in dims)
    return (tensor, tensor.dtype.np, known)


def checked_feed(check: FeedCheck, value: Any, steps: int = 0) -> Any:
    """One fed value, converted to the tensor's dtype and checked against its shape.

    With ``steps`` > 0 the value stacks one feed per step along a leading axis.
    """
    tensor, np_dtype, dims = check
    # Fast path first: a numpy batch of the right dtype (type() is cheaper than the
    # isinstance check against jax.Array's ABC); strings' objects are checked.
    if (type(value) is np.ndarray or isinstance(value, jax.Array)) and (
        value.dtype == np_dtype and np_dtype.kind != "O"
    ):
        array = value
    else:
        array = _converted_feed(tensor, value)
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


def _converted_feed(tensor: Tensor, value: Any) -> np.ndarray:
    """``value`` as an array of ``tensor``'s dtype, refusing what would not fit.

    TF1 converts a fed value with numpy's cast and raises only for Python ints out
    of the dtype's range (``TypeError``) and values numpy cannot convert; those
    raise the same class here, naming the tensor. jgraph also refuses, with
    ``InvalidArgumentError``, what TF1's cast silently changes: integers out of
    range, fractions, NaN or infinity into integers, numbers other than 0 and 1
    into bool, complex numbers with an imaginary part into reals, and ``None`` or
    strings into numbers. Floats keep TF1's rounding (and overflow to infinity),
    with numpy's warnings as in TF1.
    """
    dtype = tensor.dtype
    if dtype is _dtypes.string:
        return _fed_strings(tensor, value)
    if _is_int(value):
        # TF1's own check, on Python ints only.
        if not (dtype.is_integer or dtype.is_floating or dtype.np.kind == "c") or (
            dtype.is_integer and not dtype.min <= value <= dtype.max
        ):
            reason = (
                f"out of the range [{dtype.min}, {dtype.max}]; give the placeholder a"
                " larger type (e.g. int64)"
                if dtype.is_integer
                else f"an int is not a {dtype.name}"
            )
            raise TypeError(_feed_message(tensor, value, reason))
    try:
        array = np.asarray(value)
    except ValueError as err:  # ragged nests
        raise _feed_error(tensor, value, str(err)) from err
    kind = array.dtype.kind
    if kind == "O" and array.size and all(_is_int(v) for v in array.flat):
        # Python ints beyond int64
        if not (dtype.is_floating or dtype.np.kind == "c"):
            raise _feed_error(tensor, value, f"out of the range of {dtype.name}")
        return np.asarray(value, dtype.np)
    if kind in "OUSV" and dtype.np.kind != "V":
        try:  # TF1's conversion, for its error class
            with np.errstate(all="ignore"):
                np.asarray(value, dtype.np)
        except TypeError as err:
            raise TypeError(_feed_message(tensor, value, str(err))) from err
        except (ValueError, OverflowError) as err:
            raise _feed_error(tensor, value, str(err)) from err
        raise _feed_error(tensor, value, f"{_what(array)} is not a number")
    if kind == "c" and dtype.np.kind != "c":
        if np.any(np.imag(array) != 0):
            raise _feed_error(tensor, value, "a complex value into a real dtype")
        if not dtype.is_bool:
            array.astype(dtype.np)  # numpy's ComplexWarning, as TF1 gives
        array = np.real(array)
        kind = array.dtype.kind
    if dtype.is_integer and array.size:
        if kind == "f" and not (
            np.all(np.isfinite(array)) and np.all(np.mod(array, 1) == 0)
        ):
            raise _feed_error(tensor, value, "a fraction, NaN or infinity")
        if kind in "iuf" and (array.min() < dtype.min or array.max() > dtype.max):
            raise _feed_error(
                tensor, value, f"out of the range [{dtype.min}, {dtype.max}]"
            )
    elif dtype.is_bool and kind != "b" and array.size:
        if not np.all((array == 0) | (array == 1)):
            raise _feed_error(tensor, value, "a number other than 0 and 1")
    # Floats round as in TF1; beyond the dtype's range they become infinities,
    # with numpy's overflow warning, as in TF1.
    return array.astype(dtype.np, copy=False)


def _fed_strings(tensor: Tensor, value: Any) -> np.ndarray:
    """A value fed to a string tensor as TF1 keeps it, ``np.asarray(value,
    object)`` with its str and bytes as given: a fetch of the tensor returns it
    (TF1), the ops take it UTF-8 encoded (``SegmentedRun`` encodes it).

    Raises:
      TypeError: a Python int (TF1's own check).
      InvalidArgumentError: anything else but str and bytes, or a ragged nest.
    """
    if _is_int(value):
        raise TypeError(_feed_message(tensor, value, "an int is not a string"))
    try:
        array = np.asarray(value, dtype=object)
    except ValueError as err:  # ragged nests
        raise _feed_error(tensor, value, str(err)) from err
    for item in array.flat:
        if not isinstance(item, str | bytes):
            raise _feed_error(
                tensor,
                value,
                f"{_short(item)} of type {type(item).__name__} is not a string",
            )
    return array


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _what(array: np.ndarray) -> str:
    if array.dtype.kind == "O":
        return "None" if any(v is None for v in array.flat) else "an object"
    return "a string"


def _feed_message(tensor: Tensor, value: Any, reason: str) -> str:
    return (
        f"Cannot feed value {_short(value)} to tensor '{tensor.name}' of dtype"
        f" {tensor.dtype.name}: {reason}."
    )


def _feed_error(tensor: Tensor, value: Any, reason: str) -> errors.OpError:
    return errors.InvalidArgumentError(
        None, tensor.op, _feed_message(tensor, value, reason)
    )


def _fits(shape: tuple[int, ...], dims: tuple[int | None, ...]) -> bool:
    for size, dim in zip(shape, dims, strict=True):
        if dim is not None and dim != size:
            return False
    return True


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."
