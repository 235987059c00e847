"""The one oracle of the conformance suite: run a program with TF1, then with jgraph.

A *program* is a function of the module it builds with (``tf``): it builds a graph
in the fresh default graph it is given, runs it with ``tf.Session``, and returns
any nest of what it saw (fetched values, :func:`static` descriptions of tensors,
error classes). :func:`both` runs it once with ``tf.compat.v1`` (graph mode) and
once with ``jgraph``; :func:`assert_same` compares the two nests: container types
(namedtuples by name and fields), numpy dtypes, shapes and values (per-dtype
tolerances, NaN where NaN, infinities exactly), Python scalar types, strings.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import tensorflow as _tf

import jgraph

tf1 = _tf.compat.v1

# (rtol, atol) per float dtype; a comparison may scale them.
TOLERANCES = {
    "float16": (2e-3, 1e-3),
    "bfloat16": (2e-2, 2e-2),
    "float32": (4e-6, 1e-6),
    "float64": (1e-12, 1e-13),
}


class TensorInfo(NamedTuple):
    """What a program's build shows of a tensor: TF1 name, dtype and static shape."""

    name: str
    dtype: str
    shape: tuple[int | None, ...] | None


class OpInfo(NamedTuple):
    name: str
    type: str


@dataclass(frozen=True)
class Raised:
    """A program that raised: the error class's name (TF1 and jgraph share them) and
    the names of its bases."""

    error: str
    message: str = ""
    bases: tuple[str, ...] = ()

    def caught_by(self, error: str) -> bool:
        """Whether ``except <error>`` catches it (by class name)."""
        return error == self.error or error in self.bases

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Raised) and other.error == self.error

    def __hash__(self) -> int:
        return hash(self.error)


def _is_tensor(value: Any) -> bool:
    return isinstance(value, (tf1.Tensor, jgraph.Tensor))


def _is_variable(value: Any) -> bool:
    return isinstance(value, (tf1.Variable, jgraph.Variable))


def _is_op(value: Any) -> bool:
    return isinstance(value, (tf1.Operation, jgraph.Operation))


def _shape_info(shape: Any) -> tuple[int | None, ...] | None:
    if shape.ndims is None:
        return None
    return tuple(shape.as_list())


def static(nest: Any) -> Any:
    """``nest`` with tensors, variables and operations replaced by their descriptions."""
    if _is_tensor(nest) or _is_variable(nest):
        # TF1's ref dtypes (``float32_ref`` from assign ops) are jgraph's plain ones.
        dtype = nest.dtype.name.removesuffix("_ref")
        return TensorInfo(nest.name, dtype, _shape_info(nest.shape))
    if _is_op(nest):
        return OpInfo(nest.name, nest.type)
    if isinstance(nest, dict):
        return type(nest)((k, static(v)) for k, v in nest.items())
    if isinstance(nest, tuple) and hasattr(nest, "_fields"):
        return type(nest)(*(static(v) for v in nest))
    if isinstance(nest, list | tuple):
        return type(nest)(static(v) for v in nest)
    return nest


def raised(fn: Callable[[], Any]) -> Any:
    """``fn()``, or :class:`Raised` with the class name of what it raised."""
    try:
        return fn()
    except Exception as err:  # the class is what we compare
        message = (str(err).splitlines() or [""])[0][:200]
        bases = tuple(c.__name__ for c in type(err).__mro__[1:])
        return Raised(type(err).__name__, message, bases)


def run_program(tf: Any, program: Callable[[Any], Any]) -> Any:
    """``program(tf)`` in a fresh default graph of ``tf``; an escaping error is the
    outcome (``Raised``)."""
    with tf.Graph().as_default():
        return raised(lambda: program(tf))


def both(program: Callable[[Any], Any]) -> tuple[Any, Any]:
    """(TF1's outcome, jgraph's outcome) of ``program``."""
    return run_program(tf1, program), run_program(jgraph, program)


def check(program: Callable[[Any], Any], tol: float = 1.0) -> Any:
    """Runs ``program`` in both and asserts the same outcome; returns TF1's."""
    want, got = both(program)
    assert_same(want, got, tol=tol)
    return want


def assert_same(want: Any, got: Any, path: str = "result", tol: float = 1.0) -> None:
    """Asserts that jgraph's ``got`` matches TF1's ``want`` (see module docstring)."""
    if isinstance(want, Raised) or isinstance(got, Raised):
        assert isinstance(want, Raised) and isinstance(got, Raised), (
            f"{path}: TF1 gave {_short(want)}, jgraph gave {_short(got)}"
        )
        # jgraph's class may be a subclass of TF1's (InvalidArgumentError is a
        # ValueError): TF1 code that catches TF1's class catches jgraph's.
        assert got.caught_by(want.error), (
            f"{path}: TF1 raised {want.error} ({want.message}), jgraph raised"
            f" {got.error} ({got.message})"
        )
        return
    if want is None or got is None:
        assert want is None and got is None, f"{path}: TF1 {want!r}, jgraph {got!r}"
        return
    if isinstance(want, tuple) and hasattr(want, "_fields"):
        assert (
            type(got).__name__ == type(want).__name__
            and getattr(got, "_fields", None) == want._fields
        ), f"{path}: TF1 gave a {type(want).__name__}, jgraph a {type(got).__name__}"
        for field_name, a, b in zip(want._fields, want, got, strict=True):
            assert_same(a, b, f"{path}.{field_name}", tol)
        return
    if isinstance(want, Mapping):
        assert isinstance(got, Mapping) and type(got).__name__ == type(want).__name__, (
            f"{path}: TF1 gave a {type(want).__name__}, jgraph a {type(got).__name__}"
        )
        assert list(want) == list(got), f"{path}: keys {list(want)} vs {list(got)}"
        for key in want:
            assert_same(want[key], got[key], f"{path}[{key!r}]", tol)
        return
    if isinstance(want, list | tuple):
        assert type(got) is type(want), (
            f"{path}: TF1 gave a {type(want).__name__}, jgraph a {type(got).__name__}"
        )
        assert len(want) == len(got), f"{path}: length {len(want)} vs {len(got)}"
        for i, (a, b) in enumerate(zip(want, got, strict=True)):
            assert_same(a, b, f"{path}[{i}]", tol)
        return
    if isinstance(want, np.ndarray | np.generic):
        _assert_array(want, got, path, tol)
        return
    assert type(got) is type(want), (
        f"{path}: TF1 gave {type(want).__name__} {want!r}, jgraph"
        f" {type(got).__name__} {got!r}"
    )
    if isinstance(want, float) and math.isnan(want):
        assert math.isnan(got), f"{path}: TF1 nan, jgraph {got!r}"
    else:
        assert want == got, f"{path}: TF1 {want!r}, jgraph {got!r}"


def _short(value: Any) -> str:
    if isinstance(value, Raised):
        return f"{value.error} ({value.message})"
    return "a value"


def _assert_array(want: Any, got: Any, path: str, tol: float) -> None:
    assert isinstance(got, np.ndarray | np.generic), (
        f"{path}: TF1 gave a numpy {type(want).__name__}, jgraph a {type(got).__name__}"
    )
    assert type(got) is type(want), (
        f"{path}: TF1 gave {type(want).__name__}, jgraph {type(got).__name__}"
    )
    assert got.dtype == want.dtype, f"{path}: dtype {got.dtype}, TF1 {want.dtype}"
    assert got.shape == want.shape, f"{path}: shape {got.shape}, TF1 {want.shape}"
    if want.dtype.kind == "O":
        assert want.tolist() == got.tolist(), f"{path}: {got!r}, TF1 {want!r}"
        return
    if want.dtype.kind in "fc" or want.dtype.name == "bfloat16":
        rtol, atol = TOLERANCES[want.dtype.name]
        np.testing.assert_allclose(
            np.asarray(got, np.float64),
            np.asarray(want, np.float64),
            rtol=rtol * tol,
            atol=atol * tol,
            equal_nan=True,
            err_msg=f"{path} (jgraph: actual, TF1: desired)",
        )
        return
    np.testing.assert_array_equal(got, want, err_msg=f"{path} (jgraph vs TF1)")


def cotangent(shape: tuple[int, ...], dtype: Any, salt: str) -> np.ndarray:
    """Deterministic, exactly representable, non-uniform values (gradient seeds)."""
    rng = np.random.default_rng(zlib.crc32(salt.encode()))
    choices = np.array([-1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0])
    return rng.choice(choices, size=shape).astype(dtype)
