"""The one checker for op tests: a table row (``Case``) and ``check_op``.

``check_op`` builds the op three ways in one graph -- on placeholders of the known
shapes, on placeholders whose first dim is unknown (``None``), and on constants --
runs all three in one ``Session.run`` on seeded random inputs, and compares each
against the numpy reference: values (per-dtype tolerance), the TF1 result dtype,
and the static shape against the run-time shape.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import jgraph as tf

Generator = Callable[[np.random.Generator, tuple[int, ...], Any], np.ndarray]

FLOATS = (tf.float32, tf.float64)
ALL_FLOATS = (tf.float16, tf.float32, tf.float64)
INTS = (tf.int32, tf.int64)
NUMBERS = (tf.float32, tf.float64, tf.int32, tf.int64)
BOOL = (tf.bool,)
STRING = (tf.string,)

# (rtol, atol) per float dtype; a case may scale them.
TOLERANCES = {
    tf.float16: (1e-2, 1e-2),
    tf.bfloat16: (2e-2, 2e-2),
    tf.float32: (2e-5, 2e-6),
    tf.float64: (1e-10, 1e-12),
}


# -- input generators: (rng, shape, dtype) -> numpy array of that dtype ----------------


def normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Standard normal floats; ints in [-9, 9] (unsigned: [0, 9]); random bools;
    strings: distinct bytes (``b"s0"``, ``b"s1"``, ... shuffled)."""
    dtype = tf.as_dtype(dtype)
    if dtype == tf.string:
        size = int(np.prod(shape))
        names = [f"s{i}".encode() for i in rng.permutation(size)]
        return np.array(names, object).reshape(shape)
    if dtype.is_bool:
        return rng.random(shape) < 0.5
    if dtype.is_integer:
        low = 0 if dtype.is_unsigned else -9
        return rng.integers(low, 10, shape).astype(dtype.np)
    return rng.standard_normal(shape).astype(dtype.np)


def wide(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Normal values scaled to [-9, 9] or so (ints as normal)."""
    dtype = tf.as_dtype(dtype)
    if dtype.is_integer:
        return normal(rng, shape, dtype)
    return (rng.standard_normal(shape) * 5).astype(dtype.np)


def positive(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: Any
) -> np.ndarray:
    """Values in [0.5, 3] (ints: [1, 9])."""
    dtype = tf.as_dtype(dtype)
    if dtype.is_integer:
        return rng.integers(1, 10, shape).astype(dtype.np)
    return rng.uniform(0.5, 3.0, shape).astype(dtype.np)


def nonzero(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Values of magnitude in [0.5, 3] (ints: [1, 9]) with random signs."""
    sign = np.where(rng.random(shape) < 0.5, -1, 1)
    return (positive(rng, shape, dtype) * sign).astype(tf.as_dtype(dtype).np)


def unit(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Values in [-0.9, 0.9] (for asin, acos)."""
    return rng.uniform(-0.9, 0.9, shape).astype(tf.as_dtype(dtype).np)


def small(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Values in [-2, 2] (ints: [0, 3]), so powers stay in range."""
    dtype = tf.as_dtype(dtype)
    if dtype.is_integer:
        return rng.integers(0, 4, shape).astype(dtype.np)
    return rng.uniform(-2.0, 2.0, shape).astype(dtype.np)


def halves(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Exact halves (-4.5 ... 4.5) and a few random values: where rounding modes differ."""
    values = rng.integers(-5, 5, shape) + 0.5
    noise = rng.standard_normal(shape) * 3
    return np.where(rng.random(shape) < 0.7, values, noise).astype(
        tf.as_dtype(dtype).np
    )


def distinct(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: Any
) -> np.ndarray:
    """Distinct values (a permutation), so argmax/top_k have no ties."""
    size = int(np.prod(shape))
    return (
        (rng.permutation(size) - size // 2).reshape(shape).astype(tf.as_dtype(dtype).np)
    )


def indices(limit: int, low: int = 0) -> Generator:
    """Integers in ``[low, limit)``, of the input's dtype."""

    def generate(
        rng: np.random.Generator, shape: tuple[int, ...], dtype: Any
    ) -> np.ndarray:
        return rng.integers(low, limit, shape).astype(tf.as_dtype(dtype).np)

    return generate


def probabilities(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: Any
) -> np.ndarray:
    """Rows that are probability distributions (last axis sums to 1)."""
    raw = rng.random(shape) + 0.1
    return (raw / raw.sum(axis=-1, keepdims=True)).astype(tf.as_dtype(dtype).np)


def with_specials(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: Any
) -> np.ndarray:
    """Normal values with some NaN, +inf and -inf mixed in."""
    values = normal(rng, shape, dtype)
    choice = rng.integers(0, 5, shape)
    specials = np.array([np.nan, np.inf, -np.inf], dtype=values.dtype)
    return np.where(choice < 3, specials[np.minimum(choice, 2)], values)


# -- the table row -----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One row of an op table.

    Attributes:
      type: the op type (``REGISTRY`` key) this row covers.
      fn: builds the op from input tensors (jgraph).
      ref: computes the expected value(s) from numpy arrays.
      shapes: one shape per input.
      dtypes: the input dtypes to try, one run each.
      inputs: a generator for all inputs, or one per input.
      input_dtypes: per-input dtype overrides (``None`` entries: the run's dtype).
      out_dtype: TF1's result dtype: ``None`` (the run's dtype), a dtype, a callable
        ``run dtype -> dtype``, or a tuple of those (one per output).
      unknown_dims: also build on placeholders with an unknown first dim.
      data_dependent: the output shape depends on the input values (a host step),
        so the static shape may be partly unknown even for known input shapes.
      tol: scales the float tolerances.
      id: distinguishes rows of one type.
    """

    type: str
    fn: Callable[..., Any]
    ref: Callable[..., Any]
    shapes: Sequence[tuple[int, ...]] = ((3, 4),)
    dtypes: Sequence[Any] = FLOATS
    inputs: Generator | Sequence[Generator] = normal
    input_dtypes: Sequence[Any] | None = None
    out_dtype: Any = None
    unknown_dims: bool = True
    data_dependent: bool = False
    tol: float = 1.0
    id: str = ""
    marks: Sequence[Any] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return f"{self.type}-{self.id}" if self.id else self.type


def params(cases: Sequence[Case]) -> list[Any]:
    """One ``pytest.param`` per case (all its dtypes run in it)."""
    return [pytest.param(case, id=case.name, marks=case.marks) for case in cases]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _expected_dtypes(case: Case, dtype: Any, count: int) -> list[Any]:
    spec = case.out_dtype
    if callable(spec) and not isinstance(spec, tf.DType):
        spec = spec(dtype)
    specs = list(spec) if isinstance(spec, tuple) else [spec] * count
    return [tf.as_dtype(dtype if s is None else s) for s in specs]


def _unknown_first(shape: tuple[int, ...]) -> list[int | None]:
    return [None, *shape[1:]] if shape else []


def make_inputs(case: Case, dtype: Any) -> tuple[list[Any], list[np.ndarray]]:
    """The input dtypes and seeded random values of one run of ``case``."""
    # repr keeps the seeds these cases always had ("tf.float32").
    label = repr(dtype) if isinstance(dtype, tf.DType) else str(dtype)
    rng = np.random.default_rng(zlib.crc32(f"{case.name}/{label}".encode()))
    count = len(case.shapes)
    in_dtypes = [
        tf.as_dtype(dtype if d is None else d)
        for d in (case.input_dtypes or [None] * count)
    ]
    generators = (
        list(case.inputs)
        if isinstance(case.inputs, list | tuple)
        else [case.inputs] * count
    )
    values = [
        np.asarray(gen(rng, tuple(shape), d))
        for gen, shape, d in zip(generators, case.shapes, in_dtypes, strict=True)
    ]
    return in_dtypes, values


def check_op(case: Case) -> None:
    """Runs ``case`` for each of its dtypes and compares it with its numpy reference.

    Dtypes that need 64 bits run apart from the others, since such a run switches
    JAX to 64-bit mode for the whole function; the rest share one graph and one
    compilation, to keep the tables fast. The constants variant runs for the first
    dtype of each group.
    """
    dtypes = [tf.as_dtype(d) for d in case.dtypes]
    wide = [d for d in dtypes if _needs_x64(case, d)]
    narrow = [d for d in dtypes if d not in wide]
    for group in (narrow, wide):
        if group:
            _check_dtypes(case, group)


def _needs_x64(case: Case, dtype: Any) -> bool:
    in_dtypes, _ = make_inputs(case, dtype)
    outs = _expected_dtypes(case, dtype, 2)
    return any(d.is_64bit for d in (*in_dtypes, *outs))


def _check_dtypes(case: Case, dtypes: Sequence[Any]) -> None:
    graph = tf.Graph()
    feed: dict[Any, np.ndarray] = {}
    outputs: dict[str, list[Any]] = {}
    expected: dict[str, tuple[Any, list[np.ndarray]]] = {}
    with graph.as_default():
        for dtype in dtypes:
            in_dtypes, values = make_inputs(case, dtype)
            variants: dict[str, list[Any]] = {}
            known = [
                tf.placeholder(d, s)
                for d, s in zip(in_dtypes, case.shapes, strict=True)
            ]
            variants["placeholders"] = known
            feed.update(zip(known, values, strict=True))
            if case.unknown_dims and case.shapes:
                unknown = [
                    tf.placeholder(d, _unknown_first(s))
                    for d, s in zip(in_dtypes, case.shapes, strict=True)
                ]
                variants["unknown dims"] = unknown
                feed.update(zip(unknown, values, strict=True))
            if case.shapes and dtype is dtypes[0]:
                # Ops on constants run eagerly at trace time (another code path),
                # compiling each op on its own: once per dtype group is enough.
                variants["constants"] = [tf.constant(v) for v in values]
            for variant, inputs in variants.items():
                key = f"{dtype.name} {variant}"
                outputs[key] = _as_list(case.fn(*inputs))
                expected[key] = (
                    dtype,
                    [np.asarray(e) for e in _as_list(case.ref(*values))],
                )
    with tf.Session(graph=graph) as sess:
        results = sess.run(outputs, feed)
    for key, tensors in outputs.items():
        dtype, wants = expected[key]
        want_dtypes = _expected_dtypes(case, dtype, len(wants))
        assert len(tensors) == len(wants), f"{case.name} [{key}]: number of outputs"
        for i, (tensor, got, want, want_dtype) in enumerate(
            zip(tensors, results[key], wants, want_dtypes, strict=True)
        ):
            where = f"{case.name} [{key}] output {i} ({tensor.name})"
            unknown = key.endswith("unknown dims") or case.data_dependent
            _check_one(
                where, tensor, np.asarray(got), want, want_dtype, case.tol, unknown
            )


def _check_one(
    where: str,
    tensor: Any,
    got: np.ndarray,
    want: np.ndarray,
    want_dtype: Any,
    tol: float,
    unknown_dims: bool,
) -> None:
    assert tensor.dtype == want_dtype, (
        f"{where}: static dtype {tensor.dtype}, want {want_dtype}"
    )
    assert got.dtype == want_dtype.np, (
        f"{where}: fetched dtype {got.dtype}, want {want_dtype.np}"
    )
    assert got.shape == want.shape, f"{where}: shape {got.shape}, want {want.shape}"
    static = tensor.shape
    if not unknown_dims:
        assert static.is_fully_defined(), (
            f"{where}: static shape {static} not fully known"
        )
    if static.ndims is not None:
        dims = static.as_list()
        assert len(dims) == got.ndim, (
            f"{where}: static rank {static} vs run-time {got.shape}"
        )
        for d, actual in zip(dims, got.shape, strict=True):
            assert d is None or d == actual, (
                f"{where}: static {static} vs run-time {got.shape}"
            )
    if want_dtype.is_floating:
        rtol, atol = TOLERANCES[want_dtype]
        np.testing.assert_allclose(
            got.astype(np.float64),
            want.astype(np.float64),
            rtol=rtol * tol,
            atol=atol * tol,
            equal_nan=True,
            err_msg=where,
        )
    else:
        np.testing.assert_array_equal(got, want.astype(want_dtype.np), err_msg=where)
