"""Stage 2 (ops), the op registry: what an op type declares, and ``@op``, which registers it.

An op is a JAX implementation plus a decorator::

    @op("MatMul")
    def _matmul_impl(a, b, *, transpose_a=False, transpose_b=False):
        ...

Positional parameters are input tensors (a parameter named in ``list_inputs`` takes
a list of tensors); keyword-only parameters are static attributes. ``@op``
registers ``OpDef(type, impl)`` under the TF1 op-type string and returns the impl
unchanged; TF1-named builders add the op to a graph with
``conversion.build(_matmul_impl, a, b, ...)``. Shape inference (``inference.py``),
constant folding (``folding.py``), lowering and gradients all call the same
``impl``, so shapes, values and gradients come from one definition.

Op kinds, declared by decorator flags (the impl's leading parameters change):

- plain: ``impl(*inputs, **attrs)``.
- ``random=True``: ``impl(key, *inputs, **attrs)``, a fresh key per op and run.
- ``stateful=True``: ``impl(var_values, *inputs, **attrs) -> (new_values, outputs)``
  for the variables named by the op's ``var_names`` attr (``new_values`` may be
  ``None`` for a read).
- ``needs_context=True``: ``impl(ctx, *inputs, **attrs)`` where ``ctx`` is a
  :class:`LoweringContext`; such ops give ``shape_fn``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Sequence
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
ImplT = TypeVar("ImplT", bound=Callable[..., Any])


class LoweringContext(Protocol):
    """What ``needs_context`` ops may ask of the lowering that runs them."""

    op: Operation

    def value(self, tensor: Tensor) -> Any:
        """The value computed for ``tensor`` earlier in this run."""
        ...

    def variable_value(self, name: str) -> Any:
        """The current (threaded) value of state entry ``name``."""
        ...

    def try_variable_value(self, name: str) -> Any:
        """Like :meth:`variable_value`, but ``None`` when it is not initialised."""
        ...

    def evaluate(
        self, targets: Sequence[Tensor], feeds: dict[Tensor, Any]
    ) -> list[Any]:
        """Evaluates ``targets`` from ``feeds`` alone (a function body in the graph)."""
        ...

    def call_function(
        self,
        targets: Sequence[Tensor],
        feeds: dict[Tensor, Any],
        state: dict[str, Any],
        iteration: Any = None,
    ) -> tuple[list[Any], dict[str, Any]]:
        """Evaluates a graph function over the variable values ``state``; returns
        ``targets``' values and the new state (``iteration`` varies random ops)."""
        ...

    def write_state(self, name: str, value: Any) -> None:
        """Sets state entry ``name`` for the rest of the run and the next runs."""
        ...

    def recompute(
        self, targets: Sequence[Tensor], substitutions: dict[Any, Any]
    ) -> list[Any]:
        """Re-evaluates ``targets`` with some tensors or variables (by state name)
        replaced by other values; used to build functions to differentiate."""
        ...


@dataclass(frozen=True)
class OpDef:
    """One op type: its implementation and how the builder and lowering call it."""

    type: str
    impl: Callable[..., Any]
    input_names: tuple[str, ...]
    list_input: str | None = None
    static_inputs: frozenset[str] = frozenset()
    random: bool = False
    stateful: bool = False
    reads_state: bool = True
    needs_context: bool = False
    same_dtype: bool | tuple[str, ...] = True
    dtypes: frozenset[_dtypes.DType] | None = None
    shape_fn: ShapeFn | None = None
    num_outputs: int | None = None
    attr_names: tuple[str, ...] = ()
    attr_defaults: dict[str, Any] = field(default_factory=dict)
    fold: Callable[..., Any] | None = None

    @property
    def pure(self) -> bool:
        return not (self.random or self.stateful or self.needs_context)

    def call(
        self,
        leading: Any,
        inputs: Sequence[Any],
        attrs: dict[str, Any],
        impl: Callable[..., Any] | None = None,
    ) -> Any:
        """Calls ``impl`` (default: the op's) with the flat input values regrouped
        as the op declares."""
        impl = impl or self.impl
        args = self.group_inputs(inputs, attrs)
        impl_attrs = {k: attrs[k] for k in self.attr_names if k in attrs}
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

# Op types whose fetched value the session computes on the host, from the op and the
# session's variables, instead of inside the jitted function (strings live here).
HOST_FETCHES: dict[str, Callable[[Operation, dict[str, Any]], Any]] = {
    "Const": lambda op, variables: op.attrs["value"],
}

# Op types whose fetched value is made on the host from what the jitted run computed
# for them (their *payload*: any pytree of arrays): ``fn(op, payload) -> value``.
# Such ops run inside the jitted function even when their output is a string tensor;
# only the final value (e.g. a serialized Summary protobuf) is built on the host.
HOST_FINALIZERS: dict[str, Callable[[Operation, Any], Any]] = {}


def variables_touched(op: Operation) -> tuple[str, ...]:
    """The state entries (variable names) that ``op`` reads or writes."""
    reads = op.attrs.get("_reads_variable")
    if reads is not None:
        return (reads,)
    return tuple(op.attrs.get("var_names", ()))


def op(
    op_type: str,
    *,
    list_input: str | None = None,
    static_inputs: Sequence[str] = (),
    random: bool = False,
    stateful: bool = False,
    reads_state: bool = True,
    needs_context: bool = False,
    same_dtype: bool | tuple[str, ...] = True,
    dtypes: Collection[_dtypes.DType] | None = None,
    shape_fn: ShapeFn | None = None,
    num_outputs: int | None = None,
    fold: Callable[..., Any] | None = None,
) -> Callable[[ImplT], ImplT]:
    """Registers ``impl`` under ``op_type``; returns ``impl`` unchanged.

    Builders add the op to a graph with ``conversion.build(impl, ...)``.

    Args:
      op_type: the TF1 op-type string, e.g. ``"MatMul"``; also the default op name.
      list_input: name of the positional parameter that takes a list of tensors.
      static_inputs: positional parameters whose *values* must be known when the
        graph is built (a shape, an axis list); Python values and constant-foldable
        tensors are accepted and passed to ``impl`` as numpy values.
      random: the impl takes a PRNG key first.
      stateful: the impl takes the op's variables' values first and returns
        ``(new_values, outputs)``.
      reads_state: False for stateful ops that only write (``Assign``): they may
        run on uninitialised variables (getting ``None``), and so initialise them.
      needs_context: the impl takes a :class:`LoweringContext` first.
      same_dtype: all tensor inputs (or the named ones) must share one dtype;
        Python values are converted to it.
      dtypes: the element types the inputs may have (TF1's "allowed values"),
        checked when the graph is built; ``None`` allows any.
      shape_fn: ``(input_specs, attrs) -> [(dtype, dims), ...]`` for ops that
        ``jax.eval_shape`` cannot infer.
      num_outputs: fixed output count; default is whatever the impl returns.
      fold: the impl's numpy twin for ``constant_value`` (same arguments), for ops
        whose value can be given without materialising it (a broadcast view).
    """
    if op_type in REGISTRY:
        raise ValueError(f"Op type '{op_type}' is already registered.")

    def decorate(impl: ImplT) -> ImplT:
        params = list(inspect.signature(impl).parameters.values())
        skip = int(random or stateful or needs_context)
        positional = [
            p.name
            for p in params[skip:]
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        keyword_only = [p for p in params if p.kind == p.KEYWORD_ONLY]
        attr_defaults = {
            p.name: p.default for p in keyword_only if p.default is not p.empty
        }
        opdef = OpDef(
            type=op_type,
            impl=impl,
            input_names=tuple(positional),
            list_input=list_input,
            static_inputs=frozenset(static_inputs),
            random=random,
            stateful=stateful,
            reads_state=reads_state,
            needs_context=needs_context,
            same_dtype=same_dtype,
            dtypes=None if dtypes is None else frozenset(dtypes),
            shape_fn=shape_fn,
            num_outputs=num_outputs,
            attr_names=tuple(p.name for p in keyword_only),
            attr_defaults=attr_defaults,
            fold=fold,
        )
        REGISTRY[op_type] = opdef
        _BY_IMPL[impl] = opdef
        return impl

    return decorate


def opdef_of(impl: Callable[..., Any]) -> OpDef:
    """The definition ``@op`` registered for ``impl``."""
    try:
        return _BY_IMPL[impl]
    except KeyError:
        raise TypeError(f"{impl!r} is not an op implementation (no @op).") from None
