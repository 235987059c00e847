"""Stage 2 (ops), the op registry: what an op type declares, and ``@op``, which
registers it.

An op is a JAX implementation plus a decorator::

    @op("MatMul")
    def _matmul_impl(a, b, *, transpose_a=False, transpose_b=False):
        ...

Positional parameters are input tensors (a parameter named in ``list_input`` takes
a list of tensors); keyword-only parameters are static attributes. ``@op``
registers an :class:`OpDef` under the TF1 op-type string and returns the impl
unchanged; TF1-named builders add the op to a graph with
``conversion.build(_matmul_impl, a, b, ...)``. Shape inference (``inference.py``),
constant folding (``folding.py``), lowering and gradients all call the same
``impl``, so shapes, values and gradients come from one definition.

The ``OpDef`` is also everything the later stages know about an op: pruning,
lowering, segmenting, the gradient and the session ask it (:func:`opdef_for`),
never the op's type string. How the lowering calls ``impl`` follows from it:

- plain: ``impl(*inputs, **attrs)``.
- ``random=True``: ``impl(key, *inputs, **attrs)``, a fresh key per op and run
  from the op's own stream (its ``seed`` attr and the graph seed, see ``rng``).
- ``effects=Effects(...)``: ``impl(var_values, *inputs, **attrs) -> (new_values,
  outputs)`` for the variables named by the op's ``var_names`` attr
  (``new_values`` may be ``None``: nothing written).
- ``needs_context=True``: ``impl(ctx, *inputs, **attrs)`` where ``ctx`` is the
  run's ``compile.interpreter.Interpreter`` (its effects, if any, are declared
  the same way; it reads and writes them through ``ctx``); such ops give
  ``shape_fn``.
- ``host_step``: the same call, on numpy values, in Python between the compiled
  segments of the run (``compile/segments.py``); with ``host_context=True``,
  ``impl(ctx, *inputs, **attrs)`` where ``ctx`` is the session's
  :class:`HostContext` (queues, readers, host iterators).
- an op taking or making strings (XLA has none) runs on the host too, by its
  ``strings`` declaration (:meth:`OpDef.call_on_strings`); strings are numpy
  object arrays of ``bytes`` there.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import inspect
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import jax
import numpy as np

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Operation
from jgraph.graph.shape import Shape
from jgraph.graph.tensor import Tensor

KEY_SPEC = jax.ShapeDtypeStruct((2,), np.uint32)

OutputSpecs = list[tuple[_dtypes.DType, Shape | None]]  # None: unknown rank
ShapeFn = Callable[..., OutputSpecs]
# (args, attrs) -> [(dtype, dims with None for unknown sizes, or None), ...], or None.
ShapeRule = Callable[[list[Any], dict[str, Any]], list[tuple[Any, Any]] | None]
ImplT = TypeVar("ImplT", bound=Callable[..., Any])


# -- what an op may declare ---------------------------------------------------------


class Reads(enum.Enum):
    """How an op with :class:`Effects` reads its variables."""

    REQUIRED = "required"  # each must hold a value (else FailedPreconditionError)
    OPTIONAL = "optional"  # each is passed in only if it holds a value
    NONE = "none"  # not read: the op only writes them, so it can initialise them


@dataclass(frozen=True)
class Effects:
    """What an op does to the session state: the variables its ``var_names`` attr
    names (``opdef.variables(op)``).

    Attributes:
      reads: whether the op reads them, and whether they must hold a value.
      writes: the op may write them (its new values replace theirs).
      ref: its output is TF1's reference to the variable (``v`` itself, what
        ``assign`` returns): an op consuming it reads the variable when it runs,
        and fetching it gives the value at the end of the run (the read rule is
        in ``compile/interpreter.py``).
      is_read: its one output is the variable's value (``v``, ``v.read_value()``):
        the gradient reaches the variable through it.
    """

    reads: Reads = Reads.REQUIRED
    writes: bool = False
    ref: bool = False
    is_read: bool = False


class Fold(enum.Enum):
    """Whether constant folding may evaluate an op when the graph is built."""

    NEVER = "never"
    VALUES = "values"  # from its inputs' folded values
    SHAPES = "shapes"  # from its inputs' static shapes alone (Shape, Size, Rank)


class Strings(enum.Enum):
    """How an op computes on strings (``OpDef.strings``), besides a numpy impl."""

    # Its results depend on where its string inputs' elements sit, never on their
    # values: it moves them (reshape, concat, gather) or counts them (shape,
    # size). On the host its impl runs with element indices standing for the
    # strings, and a string output takes the elements at the indices it returns.
    BY_POSITION = "by position"


@dataclass(frozen=True)
class GraphFunction:
    """The ops one Python callable built into the graph, run by one op: a branch
    or loop body of control flow, a dataset's map function.

    Attributes:
      args: the placeholders that stand for the callable's arguments.
      outputs: the tensors it returned (flattened).
      captured: outer tensors its ops read, in first-use order.
      var_names: the variables its ops read or write.
      uses_rng: some op of it draws random numbers.
      structure: the treedef of the callable's result.
    """

    args: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]
    captured: tuple[Tensor, ...]
    var_names: tuple[str, ...]
    uses_rng: bool
    structure: Any


class HostStream(Protocol):
    """The host side of an auto-fed source in one session (an iterator's position
    in its index stream)."""

    def take(self, steps: int | None) -> tuple[Any, ...]:
        """The values of the fed inputs for one run (``steps=None``) or for
        ``steps`` runs stacked along a leading axis; advances the stream."""
        ...


class AutoFeed(Protocol):
    """Inputs of an op that the session feeds itself every run, from a host source
    (a dataset iterator's next indices; later a queue's dequeues)."""

    @property
    def inputs(self) -> tuple[Tensor, ...]:
        """The op's inputs fed this way (placeholders)."""
        ...

    @property
    def source(self) -> Hashable:
        """The host source: ops fed from one source share one stream."""
        ...

    @property
    def restarted_by(self) -> tuple[str, ...]:
        """Variables whose write by a run not fed from the source restarts it
        (an iterator's position, reset by its initializer)."""
        ...

    def open(self, variables: Mapping[str, Any]) -> HostStream:
        """The source's stream, positioned from the session's ``variables``."""
        ...


class HostContext(Protocol):
    """What a host step declaring ``host_context`` may use of the session running
    it (the session provides it; see ``runtime/host_objects.py``)."""

    def resource(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The session's host object for ``key`` (a queue's host queue, a reader's
        position), made by ``make()`` on its first use in the session."""
        ...

    def update_variable(self, name: str, update: Callable[[Any], Any]) -> Any:
        """Replaces variable ``name``'s value ``v`` by ``update(v)`` (numpy), at
        once and atomically, outside the run's read rule (TF1's ``count_up_to``
        of an epoch counter); returns the new value. An uninitialised variable
        raises ``FailedPreconditionError`` naming it; what ``update`` raises
        leaves the variable as it was."""
        ...

    def run(self, fetches: Any, feed_dict: Mapping[Any, Any] | None = None) -> Any:
        """``Session.run`` of the same session (a sub-run: a switching iterator
        takes the element of the iterator it stands for)."""
        ...


# A TF1 registered gradient, as a JAX JVP rule next to the impl:
# ``jvp(primals, tangents, **attrs) -> (outputs, output_tangents)``.
JvpRule = Callable[..., tuple[Any, Any]]


@dataclass(frozen=True)
class OpDef:
    """One op type: its implementation, how builders and the lowering call it, and
    everything the pipeline needs to know about it (see the module docstring)."""

    type: str
    impl: Callable[..., Any]
    input_names: tuple[str, ...]
    list_input: str | None = None
    static_inputs: frozenset[str] = frozenset()
    same_dtype: bool | tuple[str, ...] = True
    dtypes: frozenset[_dtypes.DType] | None = None
    shape_fn: ShapeFn | None = None
    shape_rule: ShapeRule | None = None
    num_outputs: int | None = None
    attr_names: tuple[str, ...] = ()
    attr_defaults: dict[str, Any] = field(default_factory=dict)
    # -- what the pipeline asks ----------------------------------------------------
    random: bool = False
    effects: Effects | None = None
    needs_context: bool = False
    declared_attrs: frozenset[str] = frozenset()
    subgraphs: Callable[[Mapping[str, Any]], Sequence[GraphFunction]] | None = None
    recomputes: bool = False
    must_feed: bool = False
    host_value: Callable[[Operation, Mapping[str, Any]], Any] | None = None
    host_only: bool = False
    host_finalizer: Callable[[Operation, Any], Any] | None = None
    host_callback: bool = False
    host_step: bool = False
    host_context: bool = False
    auto_feed: Callable[[Operation], AutoFeed] | None = None
    differentiable: bool = True
    no_gradient: str | None = None
    jvp: JvpRule | None = None
    fold: Fold = Fold.NEVER
    fold_value: Callable[..., Any] | None = None
    compiler_options: Callable[[Operation], Mapping[str, str]] | None = None
    strings: Strings | Callable[..., Any] | None = None

    @property
    def stateful(self) -> bool:
        """The impl takes the variables' values first and returns new ones."""
        return self.effects is not None and not self.needs_context

    @property
    def pure(self) -> bool:
        """Its outputs depend on its inputs and attrs alone, and running it does
        nothing else (it may be folded, or evaluated while tracing)."""
        return not (
            self.random
            or self.effects
            or self.needs_context
            or self.host_callback
            or self.host_context
        )

    # -- an op's own declarations, from its attrs ----------------------------------
    def variables(self, op: Operation) -> tuple[str, ...]:
        """The state entries (variable names) ``op`` reads or writes."""
        if self.effects is None:
            return ()
        return tuple(op.attrs.get("var_names", ()))

    def written(self, op: Operation) -> tuple[str, ...]:
        """The variables ``op`` may write."""
        writes = self.effects is not None and self.effects.writes
        return self.variables(op) if writes else ()

    @property
    def returns_ref(self) -> bool:
        """Its output is a reference to a variable (``Effects.ref``)."""
        return self.effects is not None and self.effects.ref

    def initializes(self, op: Operation) -> bool:
        """``op`` is its variable's initializer (``v.initializer``): a run that
        reads the variable runs it first."""
        return bool(op.attrs.get("initializer")) and bool(self.variables(op))

    def rng(self, op: Operation) -> tuple[int, tuple[int, int] | None]:
        """A random op's slot among the graph's random ops and its TF1 seed pair
        ``(graph seed, op seed)`` (``None``: unseeded), fixed when it was built
        (``Graph.random_op``)."""
        return op.attrs["_rng"]

    def functions(self, op: Operation) -> Sequence[GraphFunction]:
        """The graph functions ``op`` runs (control-flow bodies, map functions)."""
        return () if self.subgraphs is None else self.subgraphs(op.attrs)

    def uses_rng(self, op: Operation) -> bool:
        """``op`` draws random numbers, itself or in a graph function it runs."""
        return self.random or any(f.uses_rng for f in self.functions(op))

    def feeds(self, op: Operation) -> AutoFeed | None:
        """The inputs of ``op`` the session feeds itself, or ``None``."""
        return None if self.auto_feed is None else self.auto_feed(op)

    # -- strings (XLA has none: they stay on the host) -------------------------------
    @staticmethod
    def touches_strings(op: Operation) -> bool:
        """``op`` takes or makes a string tensor."""
        return any(t.dtype is _dtypes.string for t in (*op.inputs, *op.outputs))

    def runs_on_host(self, op: Operation) -> bool:
        """``op`` runs in Python between the compiled segments of its run: a host
        step, or an op taking or making strings that no host finalizer turns
        into a payload."""
        return self.host_step or (
            self.host_finalizer is None and self.touches_strings(op)
        )

    @property
    def computes_strings(self) -> bool:
        """Strings it takes or makes are computed on the host: a host step (its
        impl runs on numpy values), a host-valued constant, a host finalizer's
        payload, or a declared ``strings`` implementation."""
        return (
            self.host_step
            or self.host_value is not None
            or self.host_finalizer is not None
            or self.strings is not None
        )

    def call_on_strings(self, op: Operation, inputs: Sequence[Any]) -> Any:
        """``op``'s outputs on host values where strings are involved: its numpy
        ``strings`` implementation, or its impl on element indices
        (``Strings.BY_POSITION``)."""
        if self.strings is Strings.BY_POSITION:
            return self._by_position(op, inputs)
        assert callable(self.strings), f"{self.type} declares no strings"
        result = self.call(None, inputs, op.attrs, self.strings)
        if isinstance(result, tuple | list):
            return tuple(
                _as_strings(v, t) for v, t in zip(result, op.outputs, strict=True)
            )
        return _as_strings(result, op.outputs[0])

    def _by_position(self, op: Operation, inputs: Sequence[Any]) -> Any:
        """``Strings.BY_POSITION``: the impl on element indices standing for the
        strings; string outputs take the elements at the indices it returns."""
        pool = [
            np.asarray(value, object).reshape(-1)
            for tensor, value in zip(op.inputs, inputs, strict=True)
            if tensor.dtype is _dtypes.string
        ]
        elements = np.concatenate(pool) if pool else np.empty(0, object)
        wide = elements.size > np.iinfo(np.int32).max
        stand_ins: list[Any] = []
        offset = 0
        for tensor, value in zip(op.inputs, inputs, strict=True):
            if tensor.dtype is not _dtypes.string:
                stand_ins.append(value)
                continue
            shape = np.shape(value)
            size = int(np.prod(shape))
            index_type = np.int64 if wide else np.int32
            stand_ins.append(
                np.arange(offset, offset + size, dtype=index_type).reshape(shape)
            )
            offset += size
        with jax.enable_x64(True) if wide else contextlib.nullcontext():
            result = self.call(None, stand_ins, op.attrs)
        several = isinstance(result, tuple | list)
        outputs = tuple(
            elements[np.asarray(value).reshape(-1)].reshape(np.shape(value))
            if tensor.dtype is _dtypes.string
            else value
            for tensor, value in zip(
                op.outputs, result if several else (result,), strict=True
            )
        )
        return outputs if several else outputs[0]

    # -- calling the impl ----------------------------------------------------------
    def call(
        self,
        leading: Any,
        inputs: Sequence[Any],
        attrs: dict[str, Any],
        impl: Callable[..., Any] | None = None,
    ) -> Any:
        """Calls ``impl`` (default: the op's) with the flat input values regrouped
        as the op declares (``leading``: the key, variable values or context, else
        ``None``)."""
        args = self.group_inputs(inputs, attrs)
        impl_attrs = {k: attrs[k] for k in self.attr_names if k in attrs}
        if impl is None and self.jvp is not None:
            fn = jax.custom_jvp(functools.partial(self.impl, **impl_attrs))
            fn.defjvp(functools.partial(self.jvp, **impl_attrs))
            return fn(*args) if leading is None else fn(leading, *args)
        impl = impl or self.impl
        if leading is None:
            return impl(*args, **impl_attrs)
        return impl(leading, *args, **impl_attrs)

    def group_inputs(self, inputs: Sequence[Any], attrs: dict[str, Any]) -> list[Any]:
        """Flat input values -> the impl's positional arguments (lists regrouped,
        static inputs folded at build time taken from ``attrs``)."""
        args: list[Any] = []
        position = 0
        for input_name in self.input_names:
            if input_name in self.static_inputs and input_name in attrs:
                args.append(attrs[input_name])
            elif input_name == self.list_input:
                count = attrs["_list_len"]
                args.append(list(inputs[position : position + count]))
                position += count
            else:
                args.append(inputs[position])
                position += 1
        return args

    def shape_inputs(self, attrs: dict[str, Any]) -> list[int]:
        """The flat input slots whose *values* set output shapes, so the run needs
        them as concrete values when it is traced: the slots the op's builder
        listed in ``attrs["_shape_inputs"]`` (a slice's tensor bounds; none for a
        run-time ``begin``, a dynamic slice), else the static inputs not folded
        when the graph was built."""
        marked = attrs.get("_shape_inputs")
        if marked is not None:
            return list(marked)
        names = self.input_positions(attrs)
        return [i for i, name in enumerate(names) if name in self.static_inputs]

    def input_positions(self, attrs: dict[str, Any]) -> list[str]:
        """The input name of each flat input slot (after static inputs were folded)."""
        names = []
        for input_name in self.input_names:
            if input_name in attrs and input_name in self.static_inputs:
                continue
            if input_name == self.list_input:
                names.extend([input_name] * attrs["_list_len"])
            else:
                names.append(input_name)
        return names


REGISTRY: dict[str, OpDef] = {}
_BY_IMPL: dict[Callable[..., Any], OpDef] = {}


def _as_strings(value: Any, tensor: Tensor) -> Any:
    """A string output as an array of ``bytes`` objects (numpy gives a 0-d result
    as a scalar, and ``bytes_`` arrays fetch as ``bytes_``, where TF1 gives
    ``bytes``)."""
    return np.asarray(value, object) if tensor.dtype is _dtypes.string else value


def opdef_for(op: Operation) -> OpDef:
    """The definition of ``op``'s type: what every later stage asks about ``op``."""
    return REGISTRY[op.type]


def opdef_of(impl: Callable[..., Any]) -> OpDef:
    """The definition ``@op`` registered for ``impl``."""
    try:
        return _BY_IMPL[impl]
    except KeyError:
        raise TypeError(f"{impl!r} is not an op implementation (no @op).") from None


def op(
    op_type: str,
    *,
    list_input: str | None = None,
    static_inputs: Sequence[str] = (),
    same_dtype: bool | tuple[str, ...] = True,
    dtypes: Collection[_dtypes.DType] | None = None,
    shape_fn: ShapeFn | None = None,
    shape_rule: ShapeRule | None = None,
    num_outputs: int | None = None,
    random: bool = False,
    effects: Effects | None = None,
    needs_context: bool = False,
    declared_attrs: Sequence[str] = (),
    subgraphs: Callable[[Mapping[str, Any]], Sequence[GraphFunction]] | None = None,
    recomputes: bool = False,
    must_feed: bool = False,
    host_value: Callable[[Operation, Mapping[str, Any]], Any] | None = None,
    host_only: bool = False,
    host_finalizer: Callable[[Operation, Any], Any] | None = None,
    host_callback: bool = False,
    host_step: bool = False,
    host_context: bool = False,
    auto_feed: Callable[[Operation], AutoFeed] | None = None,
    differentiable: bool = True,
    no_gradient: str | None = None,
    jvp: JvpRule | None = None,
    fold: Fold | None = None,
    fold_value: Callable[..., Any] | None = None,
    compiler_options: Callable[[Operation], Mapping[str, str]] | None = None,
    strings: Strings | Callable[..., Any] | None = None,
) -> Callable[[ImplT], ImplT]:
    """Registers ``impl`` under ``op_type``; returns ``impl`` unchanged.

    Builders add the op to a graph with ``conversion.build(impl, ...)``.

    Args:
      op_type: the TF1 op-type string, e.g. ``"MatMul"``; also the default op name.
      list_input: name of the positional parameter that takes a list of tensors.
      static_inputs: positional parameters whose *values* must be known when the
        graph is built (a shape, an axis list); Python values and constant-foldable
        tensors are accepted and passed to ``impl`` as numpy values.
      same_dtype: all tensor inputs (or the named ones) must share one dtype;
        Python values are converted to it.
      dtypes: the element types the inputs may have (TF1's "allowed values"),
        checked when the graph is built; ``None`` allows any.
      shape_fn: ``(input_specs, attrs) -> [(dtype, dims), ...]`` for ops that
        ``jax.eval_shape`` cannot infer.
      shape_rule: ``(args, attrs) -> [(dtype, dims), ...] | None``: TF1's shape
        function for what ``jax.eval_shape`` cannot see: an input of unknown rank
        or unknown dims, or a static input known only when the run is traced
        (``args``: the impl's positional arguments as tensors, static inputs
        folded to values where known; ``None`` for an unknown size or rank).
        Returning ``None`` leaves it to the generic inference (``inference.py``).
      num_outputs: fixed output count; default is whatever the impl returns.
      random: the impl takes a PRNG key first (its ``seed`` attr, if any, is TF1's
        op seed).
      effects: what the op does to the variables its ``var_names`` attr names; the
        impl takes their values first and returns ``(new_values, outputs)``
        (unless ``needs_context``).
      needs_context: the impl takes the run's ``Interpreter`` first.
      declared_attrs: attrs that are declarations for the pipeline, not impl
        arguments (``initializer``, ``iterator``).
      subgraphs: ``attrs -> [GraphFunction, ...]``, the graph functions the op
        runs (their randomness, variables and outputs count as the op's).
      recomputes: the op re-evaluates earlier ops of the run (a gradient), so it
        needs every value they read.
      must_feed: running the op without feeding its output is an error
        (``Placeholder``).
      host_value: ``(op, session variables) -> value``: the op's fetched value is
        made on the host, not in the compiled run (``Const``).
      host_only: the op never runs inside the compiled run (its value is only
        ever ``host_value``).
      host_finalizer: ``(op, payload) -> value``: the compiled run computes a
        payload (any pytree of arrays) and the fetched value is made from it on
        the host (summaries: a serialized protobuf).
      host_callback: the op calls back into Python while the compiled run runs
        (``jax.debug.callback``: printing), so it is never folded nor evaluated
        while tracing.
      host_step: the op needs the values of its inputs on the host (its output
        shape depends on them, or it calls the user's Python): the run is cut
        there, and the impl runs in Python on numpy values between the compiled
        segments before and after it; a gradient never recomputes it (its
        outputs are constants to it). Inside a compiled function (a loop body,
        ``run_steps``) such an op is an error naming it.
      host_context: a ``host_step`` that uses the session running it (its host
        objects: queues, readers, host iterators; atomic variable updates;
        sub-runs): the impl takes a :class:`HostContext` first. The session
        holds its state lock only around compiled segments, so such an op may
        wait (a dequeue on an empty queue) without blocking other threads' runs.
      auto_feed: ``op -> AutoFeed``: inputs the session feeds itself every run.
      differentiable: gradients flow through the op's outputs (TF1's
        ``NotDifferentiable`` is ``False``).
      no_gradient: TF1 has no gradient for the op: ``tf.gradients`` from an
        output back to a tensor before it raises ``LookupError``, with this text
        (why, and what to do instead).
      jvp: TF1's registered gradient where JAX's derivative differs, as a JVP
        rule ``jvp(primals, tangents, **attrs) -> (outputs, tangents)``.
      fold: whether constant folding may evaluate the op; default: from its
        values when it is pure and has no ``shape_fn``.
      fold_value: the impl's numpy twin for constant folding (same arguments), for
        ops whose value can be given without materialising it (a broadcast view).
      compiler_options: ``op -> {option: value}``: XLA compiler options a run
        holding the op is compiled with (they act on the whole executable: the
        convolutions' multi-threaded XLA:CPU kernels); two ops of one run must
        not ask different values of one option.
      strings: how the op computes when it takes or makes strings (then it runs
        on the host, XLA has none): ``Strings.BY_POSITION`` (its impl on element
        indices, see :class:`Strings`) or a numpy implementation called like the
        impl (strings as object arrays of ``bytes``). A host step needs none:
        its impl runs on numpy values. Without one, a run of the op on strings
        raises ``UnimplementedError``.
    """
    if op_type in REGISTRY:
        raise ValueError(f"Op type '{op_type}' is already registered.")
    if host_context and not host_step:
        raise ValueError(f"Op type '{op_type}': host_context needs host_step=True.")

    def decorate(impl: ImplT) -> ImplT:
        params = list(inspect.signature(impl).parameters.values())
        leading = random or (effects is not None) or needs_context or host_context
        positional = [
            p.name
            for p in params[int(leading) :]
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        keyword_only = [p for p in params if p.kind == p.KEYWORD_ONLY]
        attr_defaults = {
            p.name: p.default for p in keyword_only if p.default is not p.empty
        }
        pure = not (random or effects or needs_context or host_callback or host_context)
        default_fold = Fold.VALUES if pure and shape_fn is None else Fold.NEVER
        opdef = OpDef(
            type=op_type,
            impl=impl,
            input_names=tuple(positional),
            list_input=list_input,
            static_inputs=frozenset(static_inputs),
            same_dtype=same_dtype,
            dtypes=None if dtypes is None else frozenset(dtypes),
            shape_fn=shape_fn,
            shape_rule=shape_rule,
            num_outputs=num_outputs,
            attr_names=tuple(p.name for p in keyword_only),
            attr_defaults=attr_defaults,
            random=random,
            effects=effects,
            needs_context=needs_context,
            declared_attrs=frozenset(declared_attrs),
            subgraphs=subgraphs,
            recomputes=recomputes,
            must_feed=must_feed,
            host_value=host_value,
            host_only=host_only,
            host_finalizer=host_finalizer,
            host_callback=host_callback,
            host_step=host_step,
            host_context=host_context,
            auto_feed=auto_feed,
            differentiable=differentiable,
            no_gradient=no_gradient,
            jvp=jvp,
            fold=fold if fold is not None else default_fold,
            fold_value=fold_value,
            compiler_options=compiler_options,
            strings=strings,
        )
        REGISTRY[op_type] = opdef
        _BY_IMPL[impl] = opdef
        return impl

    return decorate
