"""The op table's row type, its edge-value inputs, and the program that runs a row.

A :class:`Row` names a registered op type and builds it with TF1's public API from
``tf`` (TF1 or jgraph) on placeholders, for each of its cases (a tuple of numpy
inputs). :func:`row_program` builds every case twice in one graph, on
placeholders of the known shapes and on placeholders whose dims are all unknown,
runs the forward pass, then ``tf.gradients`` of the floating outputs (seeded with
fixed non-uniform cotangents) with respect to the floating inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._harness import TensorInfo, cotangent, raised, static

# -- edge values -----------------------------------------------------------------------

FLOAT_EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, 6.0, -6.0, 7.5]
SPECIALS = [np.nan, np.inf, -np.inf]
F32, F64 = np.float32, np.float64
I32, I64 = np.int32, np.int64


def edges(dtype: Any = F32, specials: bool = True) -> np.ndarray:
    """Edge values of ``dtype``: 0, -0, +-1, halves, clip/relu6 bounds (0, 6), NaN and
    +-inf for floats; 0, +-1, +-2, 7, the dtype's min and max for integers; both
    truth values for bool."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return np.array([False, True])
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        small = [0, 1, 2, 7] if dtype.kind == "u" else [0, 1, -1, 2, -2, 7, -7]
        return np.array([*small, info.min, info.max], dtype)
    return np.array(FLOAT_EDGES + (SPECIALS if specials else []), dtype)


def pairs(x: np.ndarray, y: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of ``x`` and ``y`` by broadcasting: ``[n, 1]`` and ``[m]`` (ties
    included when both hold the same values)."""
    y = x if y is None else y
    return x.reshape(-1, 1), y


def flat_pairs(
    x: np.ndarray, y: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of ``x`` and ``y`` as two vectors of one shape (no broadcasting)."""
    y = x if y is None else y
    return np.repeat(x, len(y)), np.tile(y, len(x))


def grid(dtype: Any, shape: tuple[int, ...], seed: int = 0, specials: bool = False):
    """An array of ``shape`` filled with edge values (with repeats, so ties)."""
    values = edges(dtype, specials)
    rng = np.random.default_rng(seed)
    return rng.choice(values, size=shape).astype(dtype)


def randn(shape: tuple[int, ...], dtype: Any = F32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def uniform(shape, low, high, dtype: Any = F32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


def empty(shape: tuple[int, ...] = (0,), dtype: Any = F32) -> np.ndarray:
    return np.zeros(shape, dtype)


# -- the row --------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of the op table.

    Attributes:
      type: the registered op type the row covers (its jgraph build must contain it).
      build: ``(tf, *inputs) -> tensor or tuple`` with TF1's public API.
      cases: input tuples; each is built on known-shape and unknown-dim placeholders.
      grad: differentiate (``tf.gradients``) the floating outputs w.r.t. the
        floating inputs; ``False`` only for ops whose outputs are not floating.
      unknown_dims: also build each case on placeholders whose dims are all ``None``.
      tol, grad_tol: scale the per-dtype tolerances.
      names: compare output names; ``False`` where TF1's function is a composite
        whose output name is internal to its implementation (jgraph: one op).
      known_dims: jgraph may know dims that TF1 leaves unknown (XLA needs them at
        build time, e.g. the segment count of constant segment ids).
      id: tells rows of one type apart.
    """

    type: str
    build: Callable[..., Any]
    cases: Sequence[tuple[np.ndarray, ...]]
    grad: bool = True
    unknown_dims: bool = True
    tol: float = 1.0
    grad_tol: float = 1.0
    names: bool = True
    known_dims: bool = False
    id: str = ""
    marks: Sequence[Any] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return f"{self.type}-{self.id}" if self.id else self.type


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if isinstance(value, list | tuple):
        return tuple(value)
    return (value,)


def _floating(tf: Any, tensor: Any) -> bool:
    return tensor.dtype.is_floating


def _dense(tf: Any, grad: Any) -> Any:
    # TF1 gives IndexedSlices for gather-like gradients; jgraph dense tensors.
    if grad is not None and type(grad).__name__ == "IndexedSlices":
        return tf.convert_to_tensor(grad)
    return grad


def _unnamed(info: Any) -> Any:
    """Gradient descriptions without names (jgraph's gradient is one op)."""
    if isinstance(info, dict):
        return {k: _unnamed(v) for k, v in info.items()}
    if isinstance(info, list):
        return [_unnamed(v) for v in info]
    return None if info is None else (info.dtype, info.shape)


def row_program(row: Row) -> Callable[[Any], Any]:
    """The program comparing ``row`` (see module docstring): returns
    ``(result nest, the op types of the built graph)``."""

    def program(tf: Any) -> Any:
        feed: dict[Any, np.ndarray] = {}
        inputs: dict[str, list[Any]] = {}
        outputs: dict[str, tuple[Any, ...]] = {}
        for i, case in enumerate(row.cases):
            variants = {"known": [list(np.shape(v)) for v in case]}
            if row.unknown_dims:
                variants["unknown"] = [[None] * np.ndim(v) for v in case]
            for variant, shapes in variants.items():
                key = f"case {i} {variant}"
                placeholders = [
                    tf.placeholder(tf.as_dtype(np.asarray(v).dtype), s)
                    for v, s in zip(case, shapes, strict=True)
                ]
                feed.update(zip(placeholders, case, strict=True))
                inputs[key] = placeholders
                outputs[key] = _as_tuple(row.build(tf, *placeholders))
        graph = tf.get_default_graph()
        types = {op.type for op in graph.get_operations()}
        sess = tf.Session()
        if tf.global_variables():
            sess.run(tf.global_variables_initializer())
        values = sess.run(outputs, feed)
        result: dict[str, Any] = {"static": static(outputs), "values": values}
        if row.grad:
            result["gradients"] = raised(
                lambda: _gradients(tf, sess, row, inputs, outputs, values, feed)
            )
        return result, types

    return program


def _dims(shape: Any) -> list[int | None] | None:
    return None if shape.ndims is None else shape.as_list()


def _gradients(tf, sess, row, inputs, outputs, values, feed) -> Any:
    grads: dict[str, list[Any]] = {}
    for key, outs in outputs.items():
        ys = [(j, y) for j, y in enumerate(outs) if _floating(tf, y)]
        xs = [x for x in inputs[key] if _floating(tf, x)]
        if not ys or not xs:
            continue
        # Fed like the inputs, so a seed's static shape is its y's (a constant's
        # known shape would refine TF1's gradient shapes where the inputs' are None).
        seeds = []
        for j, y in ys:
            seed = tf.placeholder(y.dtype, _dims(y.shape))
            value = values[key][j]
            feed[seed] = cotangent(np.shape(value), value.dtype, f"{row.name}{j}")
            seeds.append(seed)
        found = tf.gradients([y for _, y in ys], xs, grad_ys=seeds)
        grads[key] = [_dense(tf, g) for g in found]
    fetch = {k: [g for g in v if g is not None] for k, v in grads.items()}
    return {
        "static": _unnamed(static(grads)),
        "values": sess.run(fetch, feed),
    }


def _dims_like(want: Any, got: Any, keep: Callable[[Any, Any], Any]) -> Any:
    """``got`` with each dim of a (dtype, shape) or TensorInfo replaced by
    ``keep(want_dim, got_dim)``; other values as they are."""
    if isinstance(got, dict) and isinstance(want, dict) and list(got) == list(want):
        return {k: _dims_like(want[k], got[k], keep) for k in got}
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        return [_dims_like(w, g, keep) for w, g in zip(want, got, strict=True)]
    if isinstance(got, TensorInfo) and isinstance(want, TensorInfo):
        return got._replace(shape=_shape_like(want.shape, got.shape, keep))
    if isinstance(got, tuple) and isinstance(want, tuple) and len(got) == len(want):
        if len(got) == 2 and isinstance(got[0], str):  # (dtype, shape)
            return (got[0], _shape_like(want[1], got[1], keep))
        return tuple(_dims_like(w, g, keep) for w, g in zip(want, got, strict=True))
    return got


def _shape_like(want: Any, got: Any, keep: Callable[[Any, Any], Any]) -> Any:
    if want is None or got is None or len(want) != len(got):
        return got
    return tuple(keep(w, g) for w, g in zip(want, got, strict=True))


def refined_as_unknown(want: Any, got: Any) -> Any:
    """jgraph's dims that TF1 leaves unknown, shown unknown (``Row.known_dims``)."""
    return _dims_like(want, got, lambda w, g: None if w is None else g)


def unknown_as_known(want: Any, got: Any) -> Any:
    """jgraph's unknown dims where TF1 knows them, shown as TF1's (gradient shapes:
    jgraph's gradient has the static shape of its ``x``)."""
    return _dims_like(want, got, lambda w, g: w if g is None else g)


def without_names(info: Any) -> Any:
    if isinstance(info, dict):
        return {k: without_names(v) for k, v in info.items()}
    if isinstance(info, tuple) and not isinstance(info, TensorInfo):
        return tuple(without_names(v) for v in info)
    if isinstance(info, TensorInfo):
        return info._replace(name="")
    return info
