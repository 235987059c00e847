"""jgraph.ops.linalg_ops against numpy (np.linalg): one table, then gradients against
finite differences, TF1 names and bad inputs. Decompositions are compared by
reconstruction and sign-invariant forms, since their signs are not unique."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf

from ._check import Case, check_op, normal, params


def well_conditioned(rng, shape, dtype):
    """Normal matrices plus 4 * identity (invertible, moderate condition number)."""
    values = rng.standard_normal(shape) + 4 * np.eye(shape[-2], shape[-1])
    return values.astype(tf.as_dtype(dtype).np)


def spd(rng, shape, dtype):
    """Symmetric positive definite matrices ``a a^T + n I``."""
    a = rng.standard_normal(shape)
    values = a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])
    return values.astype(tf.as_dtype(dtype).np)


def symmetric(rng, shape, dtype):
    """Symmetric matrices (distinct eigenvalues, almost surely)."""
    a = rng.standard_normal(shape)
    return (a + np.swapaxes(a, -1, -2)).astype(tf.as_dtype(dtype).np)


def _t(x):
    return np.swapaxes(x, -1, -2)


def _eye_like(x):
    return np.broadcast_to(np.eye(x.shape[-1]), x.shape).astype(x.dtype)


def _qr_fn(x, full=False):
    q, r = tf.qr(x, full_matrices=full)
    return [tf.matmul(q, r), tf.matmul(q, q, transpose_a=True), tf.abs(r)]


def _qr_ref(x, full=False):
    q, r = np.linalg.qr(x, mode="complete" if full else "reduced")
    return [x, _eye_like(_t(q) @ q), np.abs(r)]


def _svd_fn(x, full=False):
    s, u, v = tf.svd(x, full_matrices=full)
    k = min(x.shape.as_list()[-2:])
    reconstructed = tf.matmul(
        u[..., :k] * tf.expand_dims(s, -2), v[..., :k], transpose_b=True
    )
    return [s, reconstructed, tf.abs(u[..., :k]), tf.matmul(v, v, transpose_a=True)]


def _svd_ref(x, full=False):
    u, s, vh = np.linalg.svd(x, full_matrices=full)
    k = s.shape[-1]
    return [s, x, np.abs(u[..., :k]), _eye_like(vh)]


def _eig_fn(x):
    e, v = tf.self_adjoint_eig(x)
    rebuilt = tf.matmul(v * tf.expand_dims(e, -2), v, transpose_b=True)
    return [e, tf.abs(v), rebuilt]


def _eig_ref(x):
    e, v = np.linalg.eigh(x)
    return [e, np.abs(v), x]


def _band_ref(x, lower, upper):
    rows, columns = np.indices(x.shape[-2:])
    keep = ((lower < 0) | (rows - columns <= lower)) & (
        (upper < 0) | (columns - rows <= upper)
    )
    return np.where(keep, x, 0)


def _vector_norm_ref(x, ord, axis=None, keepdims=False):
    flat_axis = tuple(range(x.ndim)) if axis is None else axis
    if ord == np.inf:
        return np.max(np.abs(x), axis=flat_axis, keepdims=keepdims)
    p = 2 if ord == "euclidean" else ord
    return np.sum(np.abs(x) ** p, axis=flat_axis, keepdims=keepdims) ** (1 / p)


SQUARE = ((2, 3, 3),)

LINALG_CASES = [
    Case(
        "MatrixInverse",
        tf.matrix_inverse,
        np.linalg.inv,
        SQUARE,
        inputs=well_conditioned,
        tol=20,
    ),
    Case(
        "MatrixInverse",
        lambda x: tf.linalg.inv(x, adjoint=True),
        lambda x: np.linalg.inv(_t(x)),
        SQUARE,
        inputs=well_conditioned,
        tol=20,
        id="adjoint",
    ),
    Case(
        "MatrixDeterminant",
        tf.matrix_determinant,
        np.linalg.det,
        SQUARE,
        inputs=well_conditioned,
        tol=20,
    ),
    Case(
        "MatrixDeterminant",
        tf.linalg.det,
        np.linalg.det,
        ((3, 3),),
        inputs=well_conditioned,
        tol=20,
        id="2d",
    ),
    Case(
        "LogMatrixDeterminant",
        tf.linalg.slogdet,
        lambda x: list(np.linalg.slogdet(x)),
        SQUARE,
        inputs=well_conditioned,
        tol=20,
    ),
    Case(
        "Cholesky",
        tf.linalg.logdet,
        lambda x: np.linalg.slogdet(x)[1],
        SQUARE,
        inputs=spd,
        tol=20,
        id="logdet",
    ),
    Case("Cholesky", tf.cholesky, np.linalg.cholesky, SQUARE, inputs=spd, tol=20),
    Case(
        "Cholesky",
        lambda x: tf.linalg.cholesky(tf.matrix_band_part(x, -1, 0)),
        np.linalg.cholesky,
        SQUARE,
        inputs=spd,
        tol=20,
        id="reads-lower-triangle",
    ),
    Case("Qr", _qr_fn, _qr_ref, ((2, 4, 3),), tol=20),
    Case(
        "Qr",
        lambda x: _qr_fn(x, True),
        lambda x: _qr_ref(x, True),
        ((2, 4, 3),),
        tol=20,
        id="full",
    ),
    Case("Svd", _svd_fn, _svd_ref, ((2, 4, 3),), tol=50),
    Case(
        "Svd",
        lambda x: _svd_fn(x, True),
        lambda x: _svd_ref(x, True),
        ((2, 3, 4),),
        tol=50,
        id="full",
    ),
    Case(
        "Svd",
        lambda x: tf.linalg.svd(x, compute_uv=False),
        lambda x: np.linalg.svd(x, compute_uv=False),
        ((2, 4, 3),),
        tol=50,
        id="values",
    ),
    Case("SelfAdjointEigV2", _eig_fn, _eig_ref, SQUARE, inputs=symmetric, tol=50),
    Case(
        "SelfAdjointEigV2",
        tf.linalg.eigvalsh,
        lambda x: np.linalg.eigvalsh(x),
        SQUARE,
        inputs=symmetric,
        tol=50,
        id="values",
    ),
    Case(
        "MatrixSolve",
        tf.matrix_solve,
        np.linalg.solve,
        ((2, 3, 3), (2, 3, 2)),
        inputs=(well_conditioned, normal),
        tol=20,
    ),
    Case(
        "MatrixSolve",
        lambda a, b: tf.linalg.solve(a, b, adjoint=True),
        lambda a, b: np.linalg.solve(_t(a), b),
        ((2, 3, 3), (2, 3, 2)),
        inputs=(well_conditioned, normal),
        tol=20,
        id="adjoint",
    ),
    Case(
        "MatrixTriangularSolve",
        tf.matrix_triangular_solve,
        lambda a, b: np.linalg.solve(np.tril(a), b),
        ((2, 3, 3), (2, 3, 2)),
        inputs=(well_conditioned, normal),
        tol=20,
    ),
    Case(
        "MatrixTriangularSolve",
        lambda a, b: tf.linalg.triangular_solve(a, b, lower=False, adjoint=True),
        lambda a, b: np.linalg.solve(_t(np.triu(a)), b),
        ((2, 3, 3), (2, 3, 2)),
        inputs=(well_conditioned, normal),
        tol=20,
        id="upper-adjoint",
    ),
    Case(
        "MatrixDiag",
        tf.linalg.diag,
        lambda d: d[..., :, None] * np.eye(d.shape[-1], dtype=d.dtype),
        ((2, 3),),
        dtypes=(tf.float32, tf.int32),
    ),
    Case(
        "MatrixDiagPart",
        tf.matrix_diag_part,
        lambda x: np.diagonal(x, axis1=-2, axis2=-1),
        ((2, 3, 4),),
        dtypes=(tf.float32, tf.int32),
    ),
    Case(
        "MatrixDiagPart",
        tf.trace,
        lambda x: np.trace(x, axis1=-2, axis2=-1),
        ((2, 4, 3),),
        dtypes=(tf.float32, tf.int32),
        id="trace",
    ),
    Case(
        "MatrixBandPart",
        lambda x: tf.linalg.band_part(x, 1, 0),
        lambda x: _band_ref(x, 1, 0),
        ((2, 4, 5),),
        dtypes=(tf.float32, tf.int32),
    ),
    Case(
        "MatrixBandPart",
        lambda x: tf.matrix_band_part(x, -1, 2),
        lambda x: _band_ref(x, -1, 2),
        ((2, 4, 5),),
        id="all-lower",
    ),
    Case(
        "Transpose",
        tf.matrix_transpose,
        _t,
        ((2, 3, 4),),
        dtypes=(tf.float32, tf.int32),
        id="matrix_transpose",
    ),
    Case(
        "Sum",
        tf.norm,
        lambda x: _vector_norm_ref(x, "euclidean"),
        ((2, 3, 4),),
        id="norm",
    ),
    Case(
        "Sum",
        lambda x: tf.norm(x, ord=1, axis=-1, keepdims=True),
        lambda x: _vector_norm_ref(x, 1, -1, True),
        ((2, 3, 4),),
        id="norm-1",
    ),
    Case(
        "Pow",
        lambda x: tf.linalg.norm(x, ord=3, axis=1),
        lambda x: _vector_norm_ref(x, 3, 1),
        ((2, 3, 4),),
        tol=10,
        id="norm-3",
    ),
    Case(
        "Max",
        lambda x: tf.norm(x, ord=np.inf, axis=2),
        lambda x: _vector_norm_ref(x, np.inf, 2),
        ((2, 3, 4),),
        id="norm-inf",
    ),
    Case(
        "Max",
        lambda x: tf.norm(x, ord=1, axis=[-2, -1]),
        lambda x: np.linalg.norm(x, ord=1, axis=(-2, -1)),
        ((2, 3, 4),),
        id="matrix-norm-1",
    ),
    Case(
        "Max",
        lambda x: tf.norm(x, ord=np.inf, axis=(1, 2)),
        lambda x: np.linalg.norm(x, ord=np.inf, axis=(1, 2)),
        ((2, 3, 4),),
        id="matrix-norm-inf",
    ),
    Case(
        "Sum",
        lambda x: tf.norm(x, ord="fro", axis=[1, 2]),
        lambda x: np.linalg.norm(x, ord="fro", axis=(1, 2)),
        ((2, 3, 4),),
        id="matrix-norm-fro",
    ),
]


@pytest.mark.parametrize("case", params(LINALG_CASES))
def test_op_matches_numpy(case: Case) -> None:
    check_op(case)


# -- gradients -------------------------------------------------------------------------


def _numeric_gradient(sess, y, x, point, eps=1e-6):
    grad = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        step = np.zeros_like(point)
        step[index] = eps
        up = sess.run(y, {x: point + step})
        down = sess.run(y, {x: point - step})
        grad[index] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize(
    ("fn", "generator"),
    [
        (
            lambda x: tf.reduce_sum(tf.matrix_inverse(x) * [[1.0, 2.0, 3.0]]),
            well_conditioned,
        ),
        (tf.matrix_determinant, well_conditioned),
        (lambda x: tf.reduce_sum(tf.cholesky(x) * [[1.0, -2.0, 3.0]]), spd),
    ],
    ids=["inverse", "determinant", "cholesky"],
)
def test_gradients_match_finite_differences(fn, generator) -> None:
    x = tf.placeholder(tf.float64, [3, 3])
    y = fn(x)
    (gx,) = tf.gradients(y, x)
    point = generator(np.random.default_rng(0), (3, 3), tf.float64)
    with tf.Session() as sess:
        got = sess.run(gx, {x: point})
        numeric = _numeric_gradient(sess, y, x, point)
    if fn is not tf.matrix_determinant and generator is spd:
        # Cholesky reads the lower triangle only: compare the gradient there.
        got, numeric = np.tril(got + np.triu(got, 1).T), np.tril(numeric)
    np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-7)


# -- TF1 names and details ---------------------------------------------------------------


def test_tf1_op_type_names_and_aliases() -> None:
    x = tf.placeholder(tf.float32, [3, 3])
    assert tf.matrix_inverse(x).op.type == "MatrixInverse"
    assert tf.linalg.det(x).op.type == "MatrixDeterminant"
    assert tf.self_adjoint_eig(x)[0].op.type == "SelfAdjointEigV2"
    assert tf.svd(x)[0].op.type == "Svd"
    assert tf.linalg.matmul is tf.matmul and tf.linalg.eye is tf.eye
    assert tf.linalg.tensordot is tf.tensordot
    assert tf.linalg.transpose is tf.matrix_transpose
    assert tf.linalg.trace is tf.trace and tf.linalg.norm is tf.norm
    assert tf.linalg.diag_part is tf.matrix_diag_part


def test_svd_returns_s_u_v_with_v_not_transposed() -> None:
    a = np.array([[3.0, 1.0], [1.0, 2.0], [0.0, 1.0]], np.float32)
    s, u, v = tf.svd(tf.constant(a))
    assert (s.shape.as_list(), u.shape.as_list(), v.shape.as_list()) == (
        [2],
        [3, 2],
        [2, 2],
    )
    with tf.Session() as sess:
        s_, u_, v_ = sess.run([s, u, v])
    np.testing.assert_allclose(u_ @ np.diag(s_) @ v_.T, a, atol=1e-5)


def test_batched_eye() -> None:
    value = tf.Session().run(tf.eye(2, 3, batch_shape=[2], dtype=tf.int32))
    np.testing.assert_array_equal(value, np.broadcast_to(np.eye(2, 3), (2, 2, 3)))


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: tf.matrix_inverse(tf.zeros([3])), ValueError, "at least rank 2"),
        (lambda: tf.matrix_determinant(tf.zeros([2, 3])), ValueError, "must be square"),
        (lambda: tf.cholesky(tf.zeros([2, 3, 4])), ValueError, "must be square"),
        (
            lambda: tf.matrix_solve(tf.zeros([3, 3]), tf.zeros([4, 1])),
            ValueError,
            "3 and 4",
        ),
        (lambda: tf.matrix_inverse(tf.zeros([2, 2], tf.int32)), TypeError, "int32"),
        (lambda: tf.matrix_transpose(tf.zeros([3])), ValueError, "rank >= 2"),
        (
            lambda: tf.norm(tf.zeros([2, 2]), ord=2, axis=[0, 1]),
            ValueError,
            "matrix norm",
        ),
        (lambda: tf.norm(tf.zeros([2, 2]), ord=-1), ValueError, "vector norm"),
        (lambda: tf.norm(tf.zeros([2, 2]), axis=[0, 0]), ValueError, "unique"),
    ],
)
def test_bad_inputs_raise_clear_errors(build, error, message) -> None:
    with pytest.raises(error, match=message):
        build()
