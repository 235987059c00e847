"""Linear algebra ops, as TF1's ``linalg_ops``: inverse, determinant, decompositions,
solves, matrix diagonals, trace and norms.

Stage 2 of the pipeline (ops). Every op works on batches of matrices ``[..., M, N]``
as TF1 does; values and gradients come from ``jnp.linalg`` / ``jax.lax.linalg``.
TF1 difference: only float32 and float64 are accepted (no half or complex).
"""

from __future__ import annotations

import builtins
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.shape import is_known
from jgraph.graph.tensor import Tensor
from jgraph.ops.array_ops import eye as eye, identity, squeeze, static_ints, transpose
from jgraph.ops.conversion import build, convert_to_tensor
from jgraph.ops.math_ops import (
    abs,
    log,
    matmul as matmul,
    multiply,
    pow,
    reduce_max,
    reduce_sum,
    sqrt,
    tensordot as tensordot,
)
from jgraph.ops.registry import op

LINALG_FLOATS = frozenset({_dtypes.float32, _dtypes.float64})


def _check_matrix(x: Any, square: bool = True, what: str = "input") -> None:
    """TF1's shape errors: rank at least 2, and square matrices where required."""
    if x.ndim < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {x.ndim} ({what})")
    rows, columns = x.shape[-2], x.shape[-1]
    if square and is_known(rows) and is_known(columns) and rows != columns:
        raise ValueError(
            f"Dimensions must be equal, but are {rows} and {columns} ({what} must be"
            " square)"
        )


def _adjoint(x: Any) -> Any:
    return jnp.swapaxes(x, -1, -2)


def _check_rhs(matrix: Any, rhs: Any) -> None:
    _check_matrix(rhs, square=False, what="rhs")
    m, k = matrix.shape[-1], rhs.shape[-2]
    if is_known(m) and is_known(k) and m != k:
        raise ValueError(f"Dimensions must be equal, but are {m} and {k}")


# -- inverse, determinant -----------------------------------------------------------


@op("MatrixInverse", dtypes=LINALG_FLOATS)
def _inverse_impl(input: Any, *, adjoint: bool = False) -> Any:
    _check_matrix(input)
    return jnp.linalg.inv(_adjoint(input) if adjoint else input)


def matrix_inverse(
    input: Any, adjoint: bool = False, name: str | None = None
) -> Tensor:
    """The inverse of each square matrix ``[..., M, M]`` (of its adjoint if
    ``adjoint``), as TF1 ``tf.matrix_inverse`` / ``tf.linalg.inv``."""
    return build(_inverse_impl, input, adjoint=adjoint, name=name)


@op("MatrixDeterminant", dtypes=LINALG_FLOATS)
def _determinant_impl(input: Any) -> Any:
    _check_matrix(input)
    return jnp.linalg.det(input)


def matrix_determinant(input: Any, name: str | None = None) -> Tensor:
    """The determinant of each square matrix ``[..., M, M]`` -> ``[...]``."""
    return build(_determinant_impl, input, name=name)


@op("LogMatrixDeterminant", dtypes=LINALG_FLOATS)
def _slogdet_impl(input: Any) -> Any:
    _check_matrix(input)
    sign, log_abs = jnp.linalg.slogdet(input)
    return sign, log_abs


def slogdet(input: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """``(sign, log|det|)`` of each square matrix, as TF1 ``tf.linalg.slogdet``."""
    return build(_slogdet_impl, input, name=name)


def logdet(matrix: Any, name: str | None = None) -> Tensor:
    """``log(det(matrix))`` of Hermitian positive definite matrices, as TF1
    ``tf.linalg.logdet``: twice the sum of the logs of the Cholesky diagonal."""
    with get_default_graph().name_scope(name or "logdet"):
        chol = cholesky(matrix)
        return multiply(
            2.0, reduce_sum(log(matrix_diag_part(chol)), axis=[-1]), name="mul"
        )


# -- decompositions -----------------------------------------------------------------


@op("Cholesky", dtypes=LINALG_FLOATS)
def _cholesky_impl(input: Any) -> Any:
    _check_matrix(input)
    # TF1 reads only the lower triangle.
    lower = jnp.tril(input)
    return jnp.linalg.cholesky(lower + _adjoint(jnp.tril(input, -1)))


def cholesky(input: Any, name: str | None = None) -> Tensor:
    """The lower Cholesky factor ``L`` (``input = L L^T``) of each matrix; only the
    lower triangle of ``input`` is read, as TF1."""
    return build(_cholesky_impl, input, name=name)


@op("Qr", dtypes=LINALG_FLOATS)
def _qr_impl(input: Any, *, full_matrices: bool = False) -> Any:
    _check_matrix(input, square=False)
    q, r = jnp.linalg.qr(input, mode="complete" if full_matrices else "reduced")
    return q, r


def qr(
    input: Any, full_matrices: bool = False, name: str | None = None
) -> tuple[Tensor, Tensor]:
    """``(q, r)`` with ``input = q @ r``; ``q`` is ``[..., M, P]`` and ``r``
    ``[..., P, N]``, ``P = min(M, N)`` (``M`` with ``full_matrices``)."""
    return build(_qr_impl, input, full_matrices=full_matrices, name=name)


@op("Svd", dtypes=LINALG_FLOATS)
def _svd_impl(
    input: Any, *, compute_uv: bool = True, full_matrices: bool = False
) -> Any:
    _check_matrix(input, square=False)
    if not compute_uv:
        return jnp.linalg.svd(input, compute_uv=False)
    u, s, vh = jnp.linalg.svd(input, full_matrices=full_matrices)
    return s, u, _adjoint(vh)


def svd(
    tensor: Any,
    full_matrices: bool = False,
    compute_uv: bool = True,
    name: str | None = None,
) -> Any:
    """Singular values ``s`` (descending) and, with ``compute_uv``, ``(s, u, v)`` such
    that ``tensor = u @ diag(s) @ transpose(v)`` (TF1's order; ``v`` not transposed)."""
    return build(
        _svd_impl, tensor, compute_uv=compute_uv, full_matrices=full_matrices, name=name
    )


@op("SelfAdjointEigV2", dtypes=LINALG_FLOATS)
def _eig_impl(input: Any, *, compute_v: bool = True) -> Any:
    _check_matrix(input)
    e, v = jnp.linalg.eigh(input, UPLO="L")
    return (e, v) if compute_v else e


def self_adjoint_eig(tensor: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """``(e, v)``: ascending eigenvalues and eigenvectors (columns) of symmetric
    matrices (the lower triangle is read), as TF1 ``tf.self_adjoint_eig``."""
    return build(_eig_impl, tensor, compute_v=True, name=name)


def self_adjoint_eigvals(tensor: Any, name: str | None = None) -> Tensor:
    """The ascending eigenvalues of symmetric matrices (see :func:`self_adjoint_eig`)."""
    return build(_eig_impl, tensor, compute_v=False, name=name)


# -- solves -------------------------------------------------------------------------


@op("MatrixSolve", dtypes=LINALG_FLOATS)
def _solve_impl(matrix: Any, rhs: Any, *, adjoint: bool = False) -> Any:
    _check_matrix(matrix, what="matrix")
    _check_rhs(matrix, rhs)
    return jnp.linalg.solve(_adjoint(matrix) if adjoint else matrix, rhs)


def matrix_solve(
    matrix: Any, rhs: Any, adjoint: bool = False, name: str | None = None
) -> Tensor:
    """``X`` with ``matrix @ X = rhs`` (``adjoint(matrix) @ X`` with ``adjoint``);
    ``matrix`` is ``[..., M, M]``, ``rhs`` ``[..., M, K]``."""
    return build(_solve_impl, matrix, rhs, adjoint=adjoint, name=name)


@op("MatrixTriangularSolve", dtypes=LINALG_FLOATS)
def _triangular_solve_impl(
    matrix: Any, rhs: Any, *, lower: bool = True, adjoint: bool = False
) -> Any:
    _check_matrix(matrix, what="matrix")
    _check_rhs(matrix, rhs)
    triangle = jnp.tril(matrix) if lower else jnp.triu(matrix)
    return jax.lax.linalg.triangular_solve(
        triangle, rhs, left_side=True, lower=lower, transpose_a=adjoint
    )


def matrix_triangular_solve(
    matrix: Any,
    rhs: Any,
    lower: bool = True,
    adjoint: bool = False,
    name: str | None = None,
) -> Tensor:
    """Solves ``matrix @ X = rhs`` for triangular ``matrix`` (only its lower, or with
    ``lower=False`` upper, triangle is read), as TF1."""
    return build(
        _triangular_solve_impl, matrix, rhs, lower=lower, adjoint=adjoint, name=name
    )


# -- diagonals, transpose, trace, norm ----------------------------------------------


@op("MatrixDiag")
def _matrix_diag_impl(diagonal: Any) -> Any:
    if diagonal.ndim < 1:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    n = diagonal.shape[-1]
    return diagonal[..., :, None] * jnp.eye(n, dtype=diagonal.dtype)


def matrix_diag(diagonal: Any, name: str = "diag") -> Tensor:
    """Batched diagonal matrices ``[..., N, N]`` from ``diagonal`` ``[..., N]``."""
    return build(_matrix_diag_impl, diagonal, name=name)


@op("MatrixDiagPart")
def _matrix_diag_part_impl(input: Any) -> Any:
    _check_matrix(input, square=False)
    return jnp.diagonal(input, axis1=-2, axis2=-1)


def matrix_diag_part(input: Any, name: str = "diag_part") -> Tensor:
    """The main diagonal ``[..., min(M, N)]`` of each matrix ``[..., M, N]``."""
    return build(_matrix_diag_part_impl, input, name=name)


@op("MatrixBandPart", same_dtype=False)
def _band_part_impl(input: Any, *, num_lower: int, num_upper: int) -> Any:
    _check_matrix(input, square=False)
    rows, columns = np.indices(input.shape[-2:])
    keep = ((num_lower < 0) | (rows - columns <= num_lower)) & (
        (num_upper < 0) | (columns - rows <= num_upper)
    )
    return jnp.where(keep, input, jnp.zeros_like(input))


def matrix_band_part(
    input: Any, num_lower: Any, num_upper: Any, name: str | None = None
) -> Tensor:
    """``input`` with entries outside the band zeroed: ``num_lower`` subdiagonals and
    ``num_upper`` superdiagonals are kept (negative: all). Needs static matrix dims."""
    (lower,) = static_ints(num_lower, "num_lower")
    (upper,) = static_ints(num_upper, "num_upper")
    return build(_band_part_impl, input, num_lower=lower, num_upper=upper, name=name)


def matrix_transpose(
    a: Any, name: str = "matrix_transpose", conjugate: bool = False
) -> Tensor:
    """Swaps the last two dims of ``a`` (rank >= 2, known), as TF1."""
    a = convert_to_tensor(a)
    ndims = a.shape.ndims
    if ndims is None:
        raise ValueError("matrix_transpose needs an input of known rank.")
    if ndims < 2:
        raise ValueError(
            f"Argument 'a' should be a (batch) matrix, with rank >= 2.  Found: {a.shape}"
        )
    perm = [*builtins.range(ndims - 2), ndims - 1, ndims - 2]
    return transpose(a, perm, name=name)


def adjoint(matrix: Any, name: str | None = None) -> Tensor:
    """The (conjugate) transpose of the last two dims; real dtypes: transpose."""
    return matrix_transpose(matrix, name=name or "adjoint")


def trace(x: Any, name: str | None = None) -> Tensor:
    """The sum of each matrix's diagonal: ``[..., M, N] -> [...]``, as TF1."""
    with get_default_graph().name_scope(name or "Trace") as scope:
        return reduce_sum(matrix_diag_part(x), axis=[-1], name=scope)


def norm(
    tensor: Any,
    ord: Any = "euclidean",
    axis: Any = None,
    keepdims: bool | None = None,
    name: str | None = None,
) -> Tensor:
    """Vector or matrix norm, as TF1 ``tf.norm``.

    ``axis`` None: the norm of the flattened tensor; an int: vector norms along it;
    a pair: matrix norms over those two axes. ``ord``: ``'euclidean'``/``'fro'``
    (Frobenius for matrices), a positive number or ``np.inf`` for vectors, or
    ``1``/``np.inf`` for matrices.
    """
    tensor = convert_to_tensor(tensor)
    axes: tuple[int, ...] = () if axis is None else static_ints(axis, "norm axis")
    is_matrix = len(axes) == 2
    if len(axes) > 2 or (is_matrix and axes[0] == axes[1]):
        raise ValueError(
            "'axis' must be None, an integer, or a tuple of 2 unique integers,"
            f" got {axis}"
        )
    if is_matrix:
        if ord not in ("euclidean", "fro", 1, np.inf):
            raise ValueError(
                f"'ord' must be a supported matrix norm in ['euclidean', 'fro', 1,"
                f" inf], got {ord}"
            )
    elif not (ord in ("euclidean", "fro") or (_is_number(ord) and ord > 0)):
        raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    ndims = tensor.shape.ndims
    with get_default_graph().name_scope(name or "norm") as scope:
        reduce_axes: Any = (
            list(builtins.range(ndims or 0)) if axis is None else list(axes)
        )
        if axis is None and ndims is None:
            raise ValueError("norm with axis=None needs an input of known rank.")
        if ord in ("euclidean", "fro") or (not is_matrix and ord == 2):
            result = sqrt(reduce_sum(tensor * tensor, reduce_axes, keepdims=True))
        elif is_matrix:
            inner, outer = (axes[0], axes[1]) if ord == 1 else (axes[1], axes[0])
            sums = reduce_sum(abs(tensor), [inner], keepdims=True)
            result = reduce_max(sums, [outer], keepdims=True)
        elif ord == np.inf:
            result = reduce_max(abs(tensor), reduce_axes, keepdims=True)
        else:
            p = convert_to_tensor(ord, tensor.dtype, name="ord")
            powered = reduce_sum(pow(abs(tensor), p), reduce_axes, keepdims=True)
            result = pow(powered, convert_to_tensor(1.0 / ord, tensor.dtype))
        if not keepdims:
            result = squeeze(result, reduce_axes)
        return identity(result, name=scope)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)


__all__ = [
    "adjoint",
    "cholesky",
    "eye",
    "logdet",
    "matmul",
    "matrix_band_part",
    "matrix_determinant",
    "matrix_diag",
    "matrix_diag_part",
    "matrix_inverse",
    "matrix_solve",
    "matrix_transpose",
    "matrix_triangular_solve",
    "norm",
    "qr",
    "self_adjoint_eig",
    "self_adjoint_eigvals",
    "slogdet",
    "svd",
    "tensordot",
    "trace",
]
