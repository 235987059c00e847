"""Control flow, as TF1's ``tf.cond``, ``tf.case``, ``tf.while_loop``, ``tf.map_fn``,
``tf.scan``, ``tf.foldl`` and ``tf.foldr``.

Stage 2 of the pipeline (ops). The Python callables build their ops into the graph
once, as *graph functions* (:class:`_Function`): placeholders stand for the
arguments, and the outer tensors the ops read are *captured* as inputs of the one
op (``If``, ``While``, ``Scan``) that runs the function. The main run never sees
the function's ops (they are not inputs of anything it runs); the op's lowering
evaluates them inside ``lax.switch`` / ``lax.while_loop`` / ``lax.scan`` through the lowering context, threading the variables they assign.

As in TF1, a function's stateful ops run only if its outputs depend on them
(``tf.control_dependencies`` inside the function makes them). Random ops inside a
loop body draw new numbers every iteration.

TF1 differences: both branches of a ``cond`` must give outputs of one shape (XLA
compiles both); a loop variable keeps its shape across iterations
(``shape_invariants`` may leave dims unknown at build time, not let them change);
gradients flow through ``while_loop`` only when ``maximum_iterations`` is a Python
int (the loop then compiles to a fixed-length scan whose finished iterations do
nothing). The output of ``cond`` is named ``cond/Merge`` and those of
``while_loop`` ``while/Exit`` (``:0``, ``:1``, ... for several), after TF1's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Operation, get_default_graph
from jgraph.graph.shape import TensorShape, as_shape, is_known
from jgraph.graph.tensor import Tensor
from jgraph.graph.traversal import ancestors, topological_order
from jgraph.ops import array_ops, math_ops, state_ops
from jgraph.ops.conversion import build, convert_to_tensor
from jgraph.ops.folding import constant_value
from jgraph.ops.registry import REGISTRY, op, variables_touched
from jgraph.ops.variables import Variable

# -- graph functions (build time) -------------------------------------------------------


@dataclass(frozen=True)
class _Function:
    """The ops one Python callable built: argument placeholders -> flat outputs."""

    args: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]
    captured: tuple[Tensor, ...]  # outer tensors the ops read, in first-use order
    var_names: tuple[str, ...]  # variables the ops read or write
    uses_rng: bool
    structure: Any  # treedef of the callable's result


def _is_leaf(value: Any) -> bool:
    return isinstance(value, Tensor | Variable) or hasattr(value, "_as_tensor")


def _trace(
    make: Callable[[], Any], args: Sequence[Tensor], what: str
) -> tuple[_Function, list[Operation]]:
    """Calls ``make()`` (which uses the placeholders ``args``) and collects the ops
    it built; also returns the outer ops those wait for (control inputs), for the op
    that runs the function to wait for."""
    graph = get_default_graph()
    first = len(graph.get_operations())
    result = make()
    leaves, structure = jax.tree_util.tree_flatten(result, is_leaf=_is_leaf)
    if any(isinstance(leaf, Operation) for leaf in leaves):
        raise TypeError(
            f"{what} returned an Operation; return tensors (use tf.identity under"
            " tf.control_dependencies to return a value after an update)."
        )
    outputs = tuple(convert_to_tensor(leaf) for leaf in leaves)
    built = set(graph.get_operations()[first:])
    # Only the ops the outputs need run (TF1: a function's other ops never do), so
    # only their outer inputs are captured: an unused op on an unfed placeholder
    # must not make every run of the function need that feed.
    roots = [t.op for t in outputs if t not in args]
    used = topological_order(ancestors(roots, stop=args) & built, stop=args)
    inside = set(used)
    captured: dict[Tensor, None] = {}
    waits: dict[Operation, None] = {}
    var_names: dict[str, None] = {}
    uses_rng = False
    for built_op in used:
        captured.update(
            (t, None) for t in built_op.inputs if t.op not in inside and t not in args
        )
        waits.update((c, None) for c in built_op.control_inputs if c not in built)
        var_names.update((n, None) for n in variables_touched(built_op))
        opdef = REGISTRY[built_op.type]
        uses_rng = uses_rng or opdef.random or bool(built_op.attrs.get("_uses_rng"))
    captured.update((t, None) for t in outputs if t.op not in inside and t not in args)
    function = _Function(
        tuple(args),
        outputs,
        tuple(captured),
        tuple(var_names),
        uses_rng,
        structure,
    )
    return function, list(waits)


def _placeholders(specs: Sequence[tuple[Any, TensorShape]], name: str) -> list[Tensor]:
    """One argument placeholder per ``(dtype, shape)``."""
    return [
        state_ops.placeholder(
            dtype, None if shape.ndims is None else shape.as_list(), name=f"{name}_{i}"
        )
        for i, (dtype, shape) in enumerate(specs)
    ]


def _union(
    functions: Sequence[_Function],
) -> tuple[tuple[Tensor, ...], tuple[str, ...]]:
    """The captured tensors and variables of several functions, without repeats."""
    captured: dict[Tensor, None] = {}
    names: dict[str, None] = {}
    for f in functions:
        captured.update(dict.fromkeys(f.captured))
        names.update(dict.fromkeys(f.var_names))
    return tuple(captured), tuple(names)


def _specs(specs: Any, attrs: dict[str, Any]) -> list[tuple[Any, Any]]:
    return list(attrs["output_specs"])


# -- run time ---------------------------------------------------------------------------------


def _state_of(ctx: Any, names: Sequence[str]) -> dict[str, Any]:
    """The current values of ``names`` (uninitialised ones left out: reading one
    inside the function raises ``FailedPreconditionError`` naming it)."""
    values = {n: ctx.try_variable_value(n) for n in names}
    return {n: v for n, v in values.items() if v is not None}


def _write_back(ctx: Any, state: dict[str, Any]) -> None:
    for name, value in state.items():
        ctx.write_state(name, value)


def _call(
    ctx: Any,
    function: _Function,
    captured: dict[Tensor, Any],
    args: Sequence[Any],
    state: dict[str, Any],
    specs: Sequence[tuple[Any, Any]],
    iteration: Any = None,
) -> tuple[list[Any], dict[str, Any]]:
    """Evaluates ``function`` on ``args``; outputs cast to ``specs``' dtypes.
    ``iteration`` (a loop counter) gives its random ops new numbers each time."""
    feeds = {t: captured[t] for t in function.captured}
    feeds.update(zip(function.args, args, strict=True))
    outputs, new_state = ctx.call_function(
        function.outputs, feeds, state, iteration=iteration
    )
    cast = [
        jnp.asarray(value, dtype.np)
        for value, (dtype, _) in zip(outputs, specs, strict=True)
    ]
    return cast, {n: new_state[n] for n in state}


@op("If", needs_context=True, list_input="captured", same_dtype=False, shape_fn=_specs)
def _if_impl(
    ctx: Any,
    pred: Any,
    captured: Sequence[Any],
    *,
    branches: tuple[_Function, ...],
    captured_tensors: tuple[Tensor, ...],
    var_names: tuple[str, ...],
    output_specs: tuple[tuple[Any, Any], ...],
    _uses_rng: bool = False,
    _inner_outputs: tuple[Tensor, ...] = (),
) -> Any:
    values = dict(zip(captured_tensors, captured, strict=True))
    state = _state_of(ctx, var_names)

    def branch(function: _Function) -> Callable[[dict], tuple]:
        def run(state: dict) -> tuple:
            outputs, new_state = _call(ctx, function, values, (), state, output_specs)
            return tuple(outputs), new_state

        return run

    # ``pred`` is a bool for tf.cond (branches: true, false), else tf.case's index.
    index = jnp.where(pred, 0, 1) if pred.dtype == jnp.bool_ else pred
    outputs, new_state = lax.switch(index, [branch(f) for f in branches], state)
    _write_back(ctx, new_state)
    return outputs


def _check_same_outputs(functions: Sequence[_Function], what: str) -> list[Any]:
    """The output specs all ``functions`` share (TF1's structure and dtype rules)."""
    first = functions[0]
    specs = []
    for f in functions[1:]:
        if f.structure != first.structure:
            raise ValueError(
                f"{what} must have the same nested structure of return values, got"
                f" {first.structure} and {f.structure}."
            )
    for i, out in enumerate(first.outputs):
        shape, dims = out.shape, out.dims
        for f in functions[1:]:
            other = f.outputs[i]
            if other.dtype != out.dtype:
                raise ValueError(
                    f"{what} must return the same dtypes: output {i} is"
                    f" {out.dtype.name} ({out.name}) in one and {other.dtype.name}"
                    f" ({other.name}) in another."
                )
            if not shape.is_compatible_with(other.shape):
                raise ValueError(
                    f"{what} must return the same shapes (XLA compiles every branch):"
                    f" output {i} is {shape} ({out.name}) in one and {other.shape}"
                    f" ({other.name}) in another."
                )
            shape = shape.merge_with(other.shape)
            dims = _merge_dims(dims, other.dims)
        specs.append((out.dtype, dims))
    return specs


def _merge_dims(a: Sequence[Any] | None, b: Sequence[Any] | None) -> Any:
    """Compatible dims (ints, or symbolic for unknown) with the known ones kept."""
    if a is None or b is None:
        return b if a is None else a
    return tuple(
        x if is_known(x) or not is_known(y) else y for x, y in zip(a, b, strict=True)
    )


def _run_functions(
    selector: Tensor,
    functions: Sequence[_Function],
    waits: Sequence[Operation],
    specs: Sequence[tuple[Any, Any]],
    name: str,
) -> list[Tensor]:
    graph = get_default_graph()
    captured, var_names = _union(functions)
    with graph.control_dependencies(list(waits)):
        result = build(
            _if_impl,
            selector,
            list(captured),
            branches=tuple(functions),
            captured_tensors=captured,
            var_names=var_names,
            output_specs=tuple(specs),
            _uses_rng=any(f.uses_rng for f in functions),
            _inner_outputs=tuple(t for f in functions for t in f.outputs),
            name=name,
        )
    return [result] if isinstance(result, Tensor) else list(result)


def cond(
    pred: Any,
    true_fn: Callable[[], Any] | None = None,
    false_fn: Callable[[], Any] | None = None,
    strict: bool = False,
    name: str | None = None,
    fn1: Callable[[], Any] | None = None,
    fn2: Callable[[], Any] | None = None,
) -> Any:
    """``true_fn()`` if ``pred`` else ``false_fn()``, as TF1 ``tf.cond``.

    Both callables build their ops once; the run evaluates only the chosen one
    (``lax.cond``). They must return the same structure, dtypes and shapes.
    ``strict=False`` unpacks a one-element list result, as TF1.

    >>> import jgraph as jg
    >>> x = jg.constant(3.0)
    >>> float(jg.Session().run(cond(x > 2.0, lambda: x * 2.0, lambda: x - 2.0)))
    6.0
    """
    true_fn = true_fn if true_fn is not None else fn1
    false_fn = false_fn if false_fn is not None else fn2
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("tf.cond needs callables true_fn and false_fn.")
    graph = get_default_graph()
    with graph.name_scope(name or "cond"):
        pred = convert_to_tensor(pred, name="pred")
        if pred.dtype is not _dtypes.bool_ or (
            pred.shape.ndims is not None and pred.shape.ndims != 0
        ):
            raise ValueError(
                f"tf.cond: pred must be a scalar bool tensor, got {pred.name} of dtype"
                f" {pred.dtype.name} and shape {pred.shape}."
            )
        with graph.name_scope("true"):
            true_f, true_waits = _trace(true_fn, (), "tf.cond's true_fn")
        with graph.name_scope("false"):
            false_f, false_waits = _trace(false_fn, (), "tf.cond's false_fn")
        functions = (true_f, false_f)
        specs = _check_same_outputs(functions, "tf.cond's true_fn and false_fn")
        outputs = _run_functions(
            pred, functions, true_waits + false_waits, specs, "Merge"
        )
    result = jax.tree_util.tree_unflatten(true_f.structure, outputs)
    if not strict and isinstance(result, list | tuple) and len(result) == 1:
        return result[0]
    return result


def case(
    pred_fn_pairs: Any,
    default: Callable[[], Any] | None = None,
    exclusive: bool = False,
    strict: bool = False,
    name: str = "case",
) -> Any:
    """The function of the first true predicate, else ``default()``, as TF1 ``tf.case``.

    ``pred_fn_pairs`` is a list of ``(pred, fn)`` pairs (or a dict). With
    ``exclusive=True``, more than one true predicate is an error in TF1; here the
    first one wins (no run-time assertion inside compiled code).
    """
    pairs = list(
        pred_fn_pairs.items() if isinstance(pred_fn_pairs, dict) else pred_fn_pairs
    )
    fns = [fn for _, fn in pairs] + ([default] if default is not None else [])
    if not fns:
        raise ValueError("tf.case needs at least one (pred, fn) pair or a default.")
    # Without a default, TF1 makes the last fn the default.
    pairs = pairs if default is not None else pairs[:-1]
    del exclusive
    graph = get_default_graph()
    with graph.name_scope(name):
        preds = [convert_to_tensor(p, _dtypes.bool_) for p, _ in pairs]
        functions, waits = [], []
        for i, fn in enumerate(fns):
            with graph.name_scope(f"case_{i}"):
                f, w = _trace(fn, (), f"tf.case's function {i}")
            functions.append(f)
            waits.extend(w)
        specs = _check_same_outputs(functions, "tf.case's functions")
        if preds:
            # The index of the first true predicate, len(preds) when none is.
            stacked = math_ops.cast(array_ops.stack(preds), _dtypes.int32)
            found = math_ops.reduce_max(stacked)
            first = math_ops.cast(math_ops.argmax(stacked), _dtypes.int32)
            selector = first + (1 - found) * len(preds)
        else:
            selector = convert_to_tensor(0, _dtypes.int32)
        outputs = _run_functions(selector, functions, waits, specs, "Merge")
    result = jax.tree_util.tree_unflatten(functions[0].structure, outputs)
    if not strict and isinstance(result, list | tuple) and len(result) == 1:
        return result[0]
    return result


# -- loops ------------------------------------------------------------------------------


@op("While", needs_context=True, list_input="values", same_dtype=False, shape_fn=_specs)
def _while_impl(
    ctx: Any,
    values: Sequence[Any],
    *,
    cond_fn: _Function,
    body_fn: _Function,
    n_loop_vars: int,
    captured_tensors: tuple[Tensor, ...],
    var_names: tuple[str, ...],
    output_specs: tuple[tuple[Any, Any], ...],
    maximum_iterations: int | None,
    differentiable: bool,
    _uses_rng: bool = False,
    _inner_outputs: tuple[Tensor, ...] = (),
) -> Any:
    loop_vars, rest = tuple(values[:n_loop_vars]), values[n_loop_vars:]
    limit = rest[0] if maximum_iterations == -1 else maximum_iterations
    captured = dict(
        zip(captured_tensors, rest[maximum_iterations == -1 :], strict=True)
    )
    bool_spec = [(_dtypes.bool_, ())]

    def keep_going(i: Any, loop_vars: tuple, state: dict) -> Any:
        (keep,), _ = _call(ctx, cond_fn, captured, loop_vars, state, bool_spec, i)
        return keep if limit is None else jnp.logical_and(keep, i < limit)

    def body(i: Any, loop_vars: tuple, state: dict) -> tuple[tuple, dict]:
        new_vars, new_state = _call(
            ctx, body_fn, captured, loop_vars, state, output_specs, i
        )
        return tuple(new_vars), new_state

    start = (jnp.int32(0), loop_vars, _state_of(ctx, var_names))
    if differentiable:
        # A fixed-length scan that skips finished iterations: reverse-mode
        # differentiable, unlike lax.while_loop.
        def step(carry: tuple, _: Any) -> tuple[tuple, None]:
            i, loop_vars, state = carry
            return lax.cond(
                keep_going(i, loop_vars, state),
                lambda: (i + 1, *body(i, loop_vars, state)),
                lambda: carry,
            ), None

        (_, loop_vars, state), _ = lax.scan(step, start, length=maximum_iterations)
    else:
        _, loop_vars, state = lax.while_loop(
            lambda carry: keep_going(*carry),
            lambda carry: (carry[0] + 1, *body(*carry)),
            start,
        )
    _write_back(ctx, state)
    return loop_vars


def _loop_var_specs(
    loop_vars: Sequence[Tensor], shape_invariants: Sequence[Any] | None
) -> list[tuple[Any, TensorShape]]:
    if shape_invariants is None:
        return [(v.dtype, v.shape) for v in loop_vars]
    specs = []
    for var, invariant in zip(loop_vars, shape_invariants, strict=True):
        shape = as_shape(invariant)
        if not shape.is_compatible_with(var.shape):
            raise ValueError(
                f"The shape invariant specified for {var.name} is not compatible with"
                f" the initial shape of the loop variable. It enters the loop with"
                f" shape {var.shape}, but the specified shape invariant is {shape}."
            )
        specs.append((var.dtype, shape))
    return specs


def _static_int(value: Any) -> int | None:
    """``value`` as a Python int when it is known at build time."""
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        folded = constant_value(convert_to_tensor(value))
        return None if folded is None else int(folded)
    return int(value)


def _check_cond(cond_f: _Function) -> None:
    """A loop condition must give one scalar bool."""
    (keep,) = cond_f.outputs if len(cond_f.outputs) == 1 else (None,)
    if (
        keep is None
        or keep.dtype is not _dtypes.bool_
        or keep.shape.ndims not in (None, 0)
    ):
        got = ", ".join(f"{t.name} ({t.dtype.name}{t.shape})" for t in cond_f.outputs)
        raise ValueError(
            f"tf.while_loop's cond must return one scalar bool, got {got}."
        )


def _check_carry(
    inputs: Sequence[Tensor],
    specs: Sequence[tuple[Any, TensorShape]],
    body_f: _Function,
    what: str,
) -> None:
    """TF1's build-time checks of what a loop body gives back for its loop vars."""
    if len(body_f.outputs) != len(inputs):
        raise ValueError(
            f"{what} returned {len(body_f.outputs)} values for {len(inputs)} loop"
            " variables."
        )
    for var, out, (dtype, shape) in zip(inputs, body_f.outputs, specs, strict=True):
        if out.dtype != dtype:
            raise TypeError(
                f"Input tensor '{var.name}' enters the loop with type {dtype.name},"
                f" but has type {out.dtype.name} after one iteration ({out.name})."
            )
        if not shape.is_compatible_with(out.shape):
            raise ValueError(
                f"Input tensor '{var.name}' enters the loop with shape {shape}, but"
                f" has shape {out.shape} after one iteration. To allow the shape to"
                " vary across iterations, use the `shape_invariants` argument of"
                " tf.while_loop to specify a less-specific shape (its run-time shape"
                " must still stay the same: XLA compiles the loop for one shape)."
            )


def while_loop(
    cond: Callable[..., Any],
    body: Callable[..., Any],
    loop_vars: Any,
    shape_invariants: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    name: str | None = None,
    maximum_iterations: Any = None,
    return_same_structure: bool = False,
) -> Any:
    """Repeats ``body`` while ``cond`` holds, as TF1 ``tf.while_loop``.

    ``cond`` and ``body`` take the loop variables (a nested structure of tensors);
    ``body`` returns new values of the same structure, dtypes and shapes. Gradients
    flow through the loop when ``maximum_iterations`` is a Python int (and
    ``back_prop``); otherwise it is a ``lax.while_loop``, forward only.

    >>> import jgraph as jg
    >>> i = while_loop(lambda i: i < 10, lambda i: i + 3, [jg.constant(0)])
    >>> int(jg.Session().run(i))
    12
    """
    del parallel_iterations, swap_memory  # XLA schedules the loop
    if not callable(cond) or not callable(body):
        raise TypeError("tf.while_loop needs callables cond and body.")
    graph = get_default_graph()
    leaves, structure = jax.tree_util.tree_flatten(loop_vars, is_leaf=_is_leaf)
    if not leaves:
        raise ValueError("tf.while_loop: no loop variables given.")
    with graph.name_scope(name or "while"):
        inputs = [convert_to_tensor(v) for v in leaves]
        invariants = (
            None
            if shape_invariants is None
            else structure.flatten_up_to(shape_invariants)
        )
        specs = _loop_var_specs(inputs, invariants)
        args = _placeholders(specs, "loop_var")
        packed = jax.tree_util.tree_unflatten(structure, args)
        call_args = packed if isinstance(packed, list | tuple) else [packed]
        cond_f, cond_waits = _trace(
            lambda: cond(*call_args), args, "tf.while_loop's cond"
        )
        body_f, body_waits = _trace(
            lambda: body(*call_args), args, "tf.while_loop's body"
        )
        _check_cond(cond_f)
        _check_carry(inputs, specs, body_f, "tf.while_loop's body")
        limit: Any = None
        if maximum_iterations is not None:
            static = _static_int(maximum_iterations)
            limit = (
                static
                if static is not None
                else convert_to_tensor(
                    maximum_iterations, _dtypes.int32, name="maximum_iterations"
                )
            )
        differentiable = back_prop and isinstance(limit, int)
        captured, var_names = _union((cond_f, body_f))
        dynamic_limit = [limit] if isinstance(limit, Tensor) else []
        with graph.control_dependencies(cond_waits + body_waits):
            result = build(
                _while_impl,
                [*inputs, *dynamic_limit, *captured],
                cond_fn=cond_f,
                body_fn=body_f,
                n_loop_vars=len(inputs),
                captured_tensors=captured,
                var_names=var_names,
                output_specs=tuple((a.dtype, a.dims) for a in args),
                maximum_iterations=-1 if dynamic_limit else limit,
                differentiable=differentiable,
                _uses_rng=cond_f.uses_rng or body_f.uses_rng,
                _inner_outputs=body_f.outputs,
                name="Exit",
            )
    outputs = [result] if isinstance(result, Tensor) else list(result)
    if len(outputs) == 1 and not return_same_structure:
        return outputs[0]
    return jax.tree_util.tree_unflatten(structure, outputs)


@op("Scan", needs_context=True, list_input="values", same_dtype=False, shape_fn=_specs)
def _scan_impl(
    ctx: Any,
    values: Sequence[Any],
    *,
    fn: _Function,
    n_elems: int,
    n_carry: int,
    reverse: bool,
    captured_tensors: tuple[Tensor, ...],
    var_names: tuple[str, ...],
    output_specs: tuple[tuple[Any, Any], ...],
    _uses_rng: bool = False,
    _inner_outputs: tuple[Tensor, ...] = (),
) -> Any:
    """``fn(*carry, *element) -> outputs`` over the elements; the first ``n_carry``
    outputs are the next carry; returns every step's outputs, stacked."""
    elems = tuple(values[:n_elems])
    carry = tuple(values[n_elems : n_elems + n_carry])
    captured = dict(zip(captured_tensors, values[n_elems + n_carry :], strict=True))
    item_specs = [(dtype, dims[1:]) for dtype, dims in output_specs]

    def step(loop: tuple, elem: tuple) -> tuple[tuple, tuple]:
        i, carry, state = loop
        args = (*carry, *elem)
        outputs, state = _call(ctx, fn, captured, args, state, item_specs, i)
        return (i + 1, tuple(outputs[:n_carry]), state), tuple(outputs)

    start = (jnp.int32(0), carry, _state_of(ctx, var_names))
    (_, _, state), outputs = lax.scan(step, start, elems, reverse=reverse)
    _write_back(ctx, state)
    return outputs


def _scan(
    fn: Callable[..., Any],
    elems: Any,
    initializer: Any,
    reverse: bool,
    what: str,
    dtype: Any = None,
) -> tuple[list[Tensor], Any]:
    """Builds one ``Scan`` op in the current name scope: ``fn(element)`` (no
    ``initializer``: a map) or ``fn(accumulator, element)``; returns the stacked
    outputs and their structure."""
    if not callable(fn):
        raise TypeError(f"{what} needs a callable fn.")
    graph = get_default_graph()
    leaves, structure = jax.tree_util.tree_flatten(elems, is_leaf=_is_leaf)
    inputs = [convert_to_tensor(e) for e in leaves]
    if not inputs or any(t.shape.ndims in (0, None) for t in inputs):
        raise ValueError(
            f"{what}: elems must be one or more tensors of rank >= 1, got"
            f" {[f'{t.name} {t.shape}' for t in inputs]}."
        )
    length = inputs[0].shape[:1]
    for t in inputs[1:]:
        if not length.is_compatible_with(t.shape[:1]):
            raise ValueError(
                f"{what}: all elems must have the same first dimension, got"
                f" {[f'{u.name} {u.shape}' for u in inputs]}."
            )
    elem_args = _placeholders([(t.dtype, t.shape[1:]) for t in inputs], "elem")
    element = jax.tree_util.tree_unflatten(structure, elem_args)
    if initializer is None:
        carry, carry_args, acc_structure = [], [], None
        make = lambda: fn(element)  # noqa: E731
    else:
        acc_leaves, acc_structure = jax.tree_util.tree_flatten(
            initializer, is_leaf=_is_leaf
        )
        carry = [convert_to_tensor(a) for a in acc_leaves]
        carry_args = _placeholders([(a.dtype, a.shape) for a in carry], "acc")
        accumulator = jax.tree_util.tree_unflatten(acc_structure, carry_args)
        make = lambda: fn(accumulator, element)  # noqa: E731
    fn_f, waits = _trace(make, (*carry_args, *elem_args), f"{what}'s fn")
    if acc_structure is not None:
        _check_carry(carry, [(a.dtype, a.shape) for a in carry], fn_f, f"{what}'s fn")
    if dtype is not None:
        expected = [_dtypes.as_dtype(d) for d in jax.tree_util.tree_leaves(dtype)]
        got = [t.dtype for t in fn_f.outputs]
        if expected != got:
            raise TypeError(
                f"{what}: fn returned dtypes {[d.name for d in got]}, but dtype says"
                f" {[d.name for d in expected]}."
            )
    unknown = [t.name for t in fn_f.outputs if t.dims is None]
    if unknown:
        raise ValueError(f"{what}: fn's outputs {unknown} have an unknown rank.")
    first_dims = inputs[0].dims
    assert first_dims is not None  # the rank was checked above
    specs = tuple((t.dtype, (first_dims[0], *(t.dims or ()))) for t in fn_f.outputs)
    with graph.control_dependencies(waits):
        result = build(
            _scan_impl,
            [*inputs, *carry, *fn_f.captured],
            fn=fn_f,
            n_elems=len(inputs),
            n_carry=len(carry),
            reverse=reverse,
            captured_tensors=fn_f.captured,
            var_names=fn_f.var_names,
            output_specs=specs,
            _uses_rng=fn_f.uses_rng,
            _inner_outputs=fn_f.outputs,
            name="TensorArrayStack/TensorArrayGatherV3",
        )
    return ([result] if isinstance(result, Tensor) else list(result)), fn_f.structure


def map_fn(
    fn: Callable[[Any], Any],
    elems: Any,
    dtype: Any = None,
    parallel_iterations: int | None = None,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    name: str | None = None,
) -> Any:
    """``fn`` applied to each slice of ``elems`` along axis 0, stacked, as TF1
    ``tf.map_fn`` (one ``lax.scan``, so ``fn`` may hold variables and random ops).

    ``elems`` may be a nested structure of tensors; ``fn`` gets one element of the
    same structure. ``dtype`` is accepted for TF1 compatibility and checked.

    >>> import jgraph as jg
    >>> jg.Session().run(map_fn(lambda x: x * x, jg.constant([1, 2, 3])))
    array([1, 4, 9], dtype=int32)
    """
    del parallel_iterations, back_prop, swap_memory, infer_shape
    with get_default_graph().name_scope(name or "map"):
        outputs, structure = _scan(fn, elems, None, False, "tf.map_fn", dtype)
    return jax.tree_util.tree_unflatten(structure, outputs)


def scan(
    fn: Callable[[Any, Any], Any],
    elems: Any,
    initializer: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    reverse: bool = False,
    name: str | None = None,
) -> Any:
    """Every step's accumulator of ``acc = fn(acc, element)`` over ``elems``'
    first axis, stacked, as TF1 ``tf.scan``. Without ``initializer`` the first
    element starts the accumulator and is the first output.

    >>> import jgraph as jg
    >>> jg.Session().run(scan(lambda a, x: a + x, jg.constant([1, 2, 3, 4])))
    array([ 1,  3,  6, 10], dtype=int32)
    """
    del parallel_iterations, back_prop, swap_memory, infer_shape
    with get_default_graph().name_scope(name or "scan"):
        first = None
        if initializer is None:
            leaves, structure = jax.tree_util.tree_flatten(elems, is_leaf=_is_leaf)
            tensors = [convert_to_tensor(t) for t in leaves]
            index = -1 if reverse else 0
            rest = slice(None, -1) if reverse else slice(1, None)
            first = [t[index] for t in tensors]
            initializer = jax.tree_util.tree_unflatten(structure, first)
            elems = jax.tree_util.tree_unflatten(structure, [t[rest] for t in tensors])
        outputs, structure = _scan(fn, elems, initializer, reverse, "tf.scan")
        if first is not None:
            pieces = [(row, out) for row, out in zip(first, outputs, strict=True)]
            outputs = [
                array_ops.concat(
                    [out, array_ops.expand_dims(row, 0)]
                    if reverse
                    else [array_ops.expand_dims(row, 0), out],
                    0,
                )
                for row, out in pieces
            ]
    return jax.tree_util.tree_unflatten(structure, outputs)


def _fold(
    fn: Callable[[Any, Any], Any],
    elems: Any,
    initializer: Any,
    reverse: bool,
    name: str,
) -> Any:
    """The last accumulator of :func:`scan` (TF1's ``foldl``/``foldr``)."""
    with get_default_graph().name_scope(name):
        stacked = scan(fn, elems, initializer, reverse=reverse)
        last = 0 if reverse else -1
        return jax.tree_util.tree_map(lambda t: t[last], stacked, is_leaf=_is_leaf)


def foldl(
    fn: Callable[[Any, Any], Any],
    elems: Any,
    initializer: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    name: str | None = None,
) -> Any:
    """``fn(...fn(fn(initializer, e0), e1)..., en)``, as TF1 ``tf.foldl``."""
    del parallel_iterations, back_prop, swap_memory
    return _fold(fn, elems, initializer, False, name or "foldl")


def foldr(
    fn: Callable[[Any, Any], Any],
    elems: Any,
    initializer: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    name: str | None = None,
) -> Any:
    """Like :func:`foldl` from the last element to the first, as TF1 ``tf.foldr``."""
    del parallel_iterations, back_prop, swap_memory
    return _fold(fn, elems, initializer, True, name or "foldr")
