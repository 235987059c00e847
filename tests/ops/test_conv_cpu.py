"""The CPU lowerings of the conv and pool ops (``jgraph/ops/_conv_cpu.py``) against
XLA's own lowering: forward values and gradients on tables of shapes, strides,
paddings, dilations and data formats; the choice per platform; and the same ops
end to end in a jgraph graph under both lowerings."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import jgraph as tf
from jgraph.ops import _conv_cpu as cpu, conv_ops

RNG = np.random.default_rng(0)


def _pads(shape, window, strides, padding, dilations=None):
    """Explicit pads of TF's SAME/VALID rule, or ``padding`` if already pairs."""
    if not isinstance(padding, str):
        return tuple(padding)
    dilations = dilations or (1,) * len(window)
    effective = [(k - 1) * d + 1 for k, d in zip(window, dilations, strict=True)]
    return tuple(lax.padtype_to_pads(shape, effective, strides, padding))


def _ties(shape):
    """Normal values rounded to halves: many equal elements in every window."""
    return jnp.asarray(np.round(RNG.standard_normal(shape) * 2) / 2, jnp.float32)


def _normal(shape):
    return jnp.asarray(RNG.standard_normal(shape), jnp.float32)


def _close(actual, expected, scale=1.0):
    np.testing.assert_allclose(actual, expected, rtol=2e-5, atol=2e-5 * scale)


def _values_and_grads(fn, *args):
    """``fn(*args)`` and its gradients for a random cotangent (the same for every
    ``fn`` of one output shape), jitted."""
    shape = jax.eval_shape(fn, *args).shape
    cotangent = jnp.asarray(
        np.random.default_rng(7).standard_normal(shape), jnp.float32
    )

    @jax.jit
    def run(*args):
        out, pullback = jax.vjp(fn, *args)
        return out, pullback(cotangent)

    return run(*args)


def _check(fast, xla, *args, scale=1.0):
    """``fast`` equals ``xla``: values and gradients, within float tolerance."""
    y, grads = _values_and_grads(fast, *args)
    y0, grads0 = _values_and_grads(xla, *args)
    _close(y, y0, scale)
    for grad, expected in zip(grads, grads0, strict=True):
        _close(grad, expected, 3 * scale)


# -- pooling ------------------------------------------------------------------------------

POOL_CASES = [
    # (input shape, full-rank window, full-rank strides): 2-D, 1-D, 3-D, channels
    # first, disjoint (k == s, k < s) and overlapping windows, odd sizes.
    ((2, 6, 6, 3), (1, 2, 2, 1), (1, 2, 2, 1)),
    ((2, 7, 5, 3), (1, 2, 2, 1), (1, 2, 2, 1)),
    ((2, 9, 8, 2), (1, 2, 3, 1), (1, 3, 3, 1)),
    ((2, 7, 7, 3), (1, 3, 3, 1), (1, 2, 2, 1)),
    ((2, 5, 6, 3), (1, 3, 3, 1), (1, 1, 1, 1)),
    ((2, 3, 7, 7), (1, 1, 3, 2), (1, 1, 2, 2)),
    ((3, 9, 2), (1, 3, 1), (1, 2, 1)),
    ((2, 3, 5, 4, 2), (1, 2, 2, 2, 1), (1, 2, 2, 2, 1)),
    ((2, 5, 6, 7, 2), (1, 3, 2, 3, 1), (1, 2, 1, 2, 1)),
    ((1, 4, 4, 6), (1, 2, 2, 2), (1, 2, 2, 2)),
]


@pytest.mark.parametrize("window, stride", [(2, 2), (3, 1)])
def test_max_pool_gradient_does_not_need_y_to_equal_x_bitwise(window, stride):
    """XLA may round ``x``'s producer differently in the forward pool and in the
    gradient (each fuses it): a ``y`` one ulp off every maximum must still send
    each window's gradient to its first maximum; a NaN window takes none."""
    x = _ties((1, 6, 6, 1))
    full_window, full_stride = (1, window, window, 1), (1, stride, stride, 1)
    pads = _pads(x.shape, full_window, full_stride, "VALID")
    y = cpu.max_pool_xla(x, full_window, full_stride, pads)
    dy = jnp.arange(1, y.size + 1, dtype=jnp.float32).reshape(y.shape)
    exact = cpu.max_pool_grad(x, y, dy, full_window, full_stride, pads)
    off = jnp.nextafter(y, jnp.full_like(y, jnp.inf))
    np.testing.assert_array_equal(
        cpu.max_pool_grad(x, off, dy, full_window, full_stride, pads), exact
    )
    assert float(exact.sum()) == float(dy.sum())  # every window's share landed
    with_nan = x.at[0, 0, 0, 0].set(jnp.nan)
    y_nan = cpu.max_pool_xla(with_nan, full_window, full_stride, pads)
    grad = cpu.max_pool_grad(with_nan, y_nan, dy, full_window, full_stride, pads)
    # Only the first window holds the NaN: every other window's share landed.
    assert float(grad.sum()) == float(dy.sum() - dy[0, 0, 0, 0])


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("shape, window, strides", POOL_CASES)
def test_max_pool_and_gradient_equal_xla(shape, window, strides, padding):
    pads = _pads(shape, window, strides, padding)
    x = _ties(shape)
    y, (grad,) = _values_and_grads(lambda x: cpu.max_pool(x, window, strides, pads), x)
    y0, (expected,) = _values_and_grads(
        lambda x: cpu.max_pool_xla(x, window, strides, pads), x
    )
    np.testing.assert_array_equal(y, y0)
    # One element of each window (the first maximum) gets its cotangent: exact for
    # disjoint windows; overlapping ones may add an element's shares in another order.
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-6)


def test_max_pool_gradient_goes_to_the_first_maximum_as_tf1():
    # TF1's MaxPoolGrad (run with TF 2.21's tf.compat.v1) on this input and
    # cotangent 1, 2, 3, 4 per window.
    x = jnp.asarray(
        [[1, 1, 0, 2], [1, 1, 2, 2], [3, 0, 5, 5], [3, 3, 5, 5]], jnp.float32
    ).reshape(1, 4, 4, 1)
    tf1_disjoint = [[1, 0, 0, 2], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]]
    tf1_overlapping = [[1, 0, 0, 7], [0, 0, 2, 0], [27, 0, 99, 0], [0, 0, 0, 0]]
    for window, stride, padding, expected in [
        (2, 2, "VALID", tf1_disjoint),
        (3, 1, "SAME", tf1_overlapping),
    ]:
        full_window, full_stride = (1, window, window, 1), (1, stride, stride, 1)
        pads = _pads(x.shape, full_window, full_stride, padding)
        pool = functools.partial(
            cpu.max_pool, ksize=full_window, strides=full_stride, pads=pads
        )
        y = jax.eval_shape(pool, x)
        cotangent = jnp.arange(1, y.size + 1, dtype=jnp.float32).reshape(y.shape)
        grad = jax.jit(lambda x, ct: jax.vjp(pool, x)[1](ct)[0])(x, cotangent)  # noqa: B023
        np.testing.assert_array_equal(grad[0, :, :, 0], expected)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("shape, window, strides", POOL_CASES)
def test_window_sum_and_gradient_equal_xla(shape, window, strides, padding):
    pads = _pads(shape, window, strides, padding)
    _check(
        lambda x: cpu.window_sum(x, window, strides, pads),
        lambda x: cpu.window_sum_xla(x, window, strides, pads),
        _normal(shape),
        scale=10,
    )


def test_pool_padding_never_takes_the_gradient():
    # A SAME window starting in the padding, over real -inf values: the gradient
    # goes to the first *real* element (TF1), not to a padded position.
    x = jnp.full((1, 4, 1), -jnp.inf, jnp.float32)
    window, strides = (1, 3, 1), (1, 3, 1)
    pads = _pads(x.shape, window, strides, "SAME")
    assert pads[1] == (1, 1)
    y, pullback = jax.vjp(lambda x: cpu.max_pool(x, window, strides, pads), x)
    grad = pullback(jnp.ones_like(y))[0]
    np.testing.assert_array_equal(grad[0, :, 0], [1, 0, 1, 0])


# -- convolutions ---------------------------------------------------------------------------

CONV_CASES = [
    # (input shape, filter shape, strides, padding, dilations), channels-last.
    ((2, 5, 5, 3), (3, 3, 3, 4), (1, 1), "SAME", (1, 1)),
    ((3, 7, 6, 2), (3, 2, 2, 5), (2, 2), "SAME", (1, 1)),
    ((2, 9, 9, 3), (3, 3, 3, 2), (1, 1), "VALID", (2, 2)),
    ((5, 8, 8, 4), (5, 5, 4, 3), (1, 1), "SAME", (1, 1)),
    ((2, 8, 7, 3), (3, 3, 3, 2), (2, 1), ((1, 2), (0, 1)), (1, 1)),
    ((2, 6, 6, 2), (1, 1, 2, 3), (2, 2), "VALID", (1, 1)),
    ((2, 10, 3), (4, 3, 2), (3,), "VALID", (1,)),
    ((3, 11, 2), (3, 2, 4), (1,), "SAME", (2,)),
    ((2, 4, 5, 6, 2), (2, 3, 2, 2, 3), (1, 2, 1), "SAME", (1, 1, 1)),
]


@pytest.mark.parametrize("patch_bytes", [1 << 20, 64], ids=["one-chunk", "chunked"])
@pytest.mark.parametrize("x_shape, w_shape, strides, padding, dilations", CONV_CASES)
def test_conv_and_gradients_equal_xla(
    monkeypatch, patch_bytes, x_shape, w_shape, strides, padding, dilations
):
    # A tiny patch budget runs the filter gradient over many batch chunks (and a
    # remainder chunk when the batch does not divide).
    monkeypatch.setattr(cpu, "_PATCH_BYTES", patch_bytes)
    pads = _pads(x_shape[1:-1], w_shape[:-2], strides, padding, dilations)
    _check(
        lambda x, w: cpu.conv(x, w, strides, pads, dilations),
        lambda x, w: cpu.conv_xla(x, w, strides, pads, dilations),
        _normal(x_shape),
        _normal(w_shape),
        scale=10,
    )


def test_filter_gradient_in_equal_chunks_and_a_smaller_last_one(monkeypatch):
    # A budget of 2 images for 5: chunks of 2, 2 (the loop) and 1 (after it).
    x, w = _normal((5, 6, 6, 2)), _normal((3, 3, 2, 3))
    pads = _pads((6, 6), (3, 3), (1, 1), "SAME")
    monkeypatch.setattr(cpu, "_PATCH_BYTES", 2 * 9 * 2 * 36 * 4)
    dy = _normal((5, 6, 6, 3))
    args = (x, dy, w.shape, (1, 1), pads, (1, 1))
    _close(
        jax.jit(lambda x, dy: cpu.conv_filter_grad(x, dy, *args[2:]))(x, dy),
        cpu.conv_filter_grad_xla(*args),
        scale=10,
    )


@pytest.mark.parametrize(
    "x_shape, w_shape, strides, padding, dilations", CONV_CASES[:6]
)
def test_conv_transpose_gradients_equal_xla(
    x_shape, w_shape, strides, padding, dilations
):
    # conv_input_grad is conv2d_transpose; training through it needs its filter
    # gradient (the chunked GEMM with the roles swapped) and its value gradient.
    pads = _pads(x_shape[1:-1], w_shape[:-2], strides, padding, dilations)
    w = _normal(w_shape)
    dy = _normal(cpu.conv_xla(_normal(x_shape), w, strides, pads, dilations).shape)
    _check(
        lambda w, dy: cpu.conv_input_grad(w, dy, x_shape, strides, pads, dilations),
        lambda w, dy: cpu.conv_input_grad_xla(w, dy, x_shape, strides, pads, dilations),
        w,
        dy,
        scale=10,
    )


def test_conv_second_order_gradient_equals_xla():
    # The gradient (w.r.t. x) of the filter gradient's squared norm: it goes
    # through the custom filter gradient's own derivative.
    x, w = _normal((2, 6, 6, 2)), _normal((3, 3, 2, 3))
    pads = _pads((6, 6), (3, 3), (1, 1), "SAME")

    def grad_norm(conv):
        def loss(w, x):
            return jnp.sum(conv(x, w, (1, 1), pads, (1, 1)) ** 2)

        return lambda x: jnp.sum(jax.grad(loss)(w, x) ** 2)

    expected = jax.jit(jax.grad(grad_norm(cpu.conv_xla)))(x)
    assert float(jnp.abs(expected).max()) > 1
    _close(jax.jit(jax.grad(grad_norm(cpu.conv)))(x), expected, 1e3)


DEPTHWISE_CASES = [
    ((2, 5, 5, 3), (3, 3, 3, 2), (1, 1), "SAME", (1, 1)),
    ((2, 7, 6, 4), (3, 3, 4, 1), (2, 2), "SAME", (1, 1)),
    ((2, 9, 9, 2), (3, 3, 2, 3), (1, 1), "VALID", (2, 2)),
    ((2, 8, 8, 2), (2, 2, 2, 1), (2, 1), "SAME", (1, 1)),
]


@pytest.mark.parametrize(
    "x_shape, w_shape, strides, padding, dilations", DEPTHWISE_CASES
)
def test_depthwise_and_gradients_equal_xla(
    x_shape, w_shape, strides, padding, dilations
):
    pads = _pads(x_shape[1:-1], w_shape[:-2], strides, padding, dilations)
    _check(
        lambda x, w: cpu.depthwise(x, w, strides, pads, dilations),
        lambda x, w: cpu.depthwise_xla(x, w, strides, pads, dilations),
        _normal(x_shape),
        _normal(w_shape),
        scale=10,
    )


# -- the choice per platform ------------------------------------------------------------------


def _lowered(fn, *args, platform):
    return jax.jit(fn).trace(*args).lower(lowering_platforms=(platform,)).as_text()


def test_cpu_gets_the_cpu_lowering_and_gpu_keeps_xla():
    x, w = _normal((2, 6, 6, 3)), _normal((3, 3, 3, 4))

    def pool_loss(x):
        return jnp.sum(conv_ops._max_pool(x, (1, 2, 2, 1), (1, 2, 2, 1), "SAME") ** 2)

    def conv_loss(w):
        y = conv_ops._conv_forward(x, w, (1, 1, 1, 1), "SAME", "NHWC", (1, 1, 1, 1))
        return jnp.sum(y**2)

    pool_grad, conv_grad = jax.grad(pool_loss), jax.grad(conv_loss)
    assert "select_and_scatter" not in _lowered(pool_grad, x, platform="cpu")
    assert "select_and_scatter" in _lowered(pool_grad, x, platform="cuda")
    # The CPU filter gradient is a loop of matrix products; on GPU, a convolution.
    cpu_text = _lowered(conv_grad, w, platform="cpu")
    gpu_text = _lowered(conv_grad, w, platform="cuda")
    assert "stablehlo.dot_general" in cpu_text
    assert "stablehlo.dot_general" not in gpu_text
    assert gpu_text.count("stablehlo.convolution") == 2


def test_the_environment_switches_the_cpu_lowering_off(monkeypatch):
    x = _normal((2, 6, 6, 3))

    def pool_loss(x):
        return jnp.sum(conv_ops._max_pool(x, (1, 2, 2, 1), (1, 2, 2, 1), "SAME") ** 2)

    monkeypatch.setenv("JGRAPH_CPU_KERNELS", "xla")
    assert "select_and_scatter" in _lowered(jax.grad(pool_loss), x, platform="cpu")


# -- end to end: a jgraph graph under both lowerings -----------------------------------------


def _train_values(data_format: str) -> list[np.ndarray]:
    """Loss and gradients of a small net using every conv and pool op."""
    channels_last = data_format == "NHWC"
    rng = np.random.default_rng(1)
    graph = tf.Graph()
    with graph.as_default():
        shape = [3, 9, 9, 2] if channels_last else [3, 2, 9, 9]
        x = tf.constant(np.round(rng.standard_normal(shape) * 2) / 2, tf.float32)
        w1 = tf.Variable(rng.standard_normal([3, 3, 2, 4]).astype(np.float32))
        w2 = tf.Variable(rng.standard_normal([3, 3, 4, 2]).astype(np.float32))
        w3 = tf.Variable(rng.standard_normal([2, 2, 3, 8]).astype(np.float32))
        kw = {"data_format": data_format}
        strides = [1, 1]
        h = tf.nn.relu(tf.nn.conv2d(x, w1, strides, "SAME", **kw))
        h = tf.nn.max_pool(h, [3, 3], [2, 2], "SAME", **kw)
        h = tf.nn.depthwise_conv2d(h, w2, strides, "VALID", **kw)
        h = tf.nn.avg_pool(h, [2, 2], [2, 2], "SAME", **kw)
        out_shape = [3, 4, 4, 3] if channels_last else [3, 3, 4, 4]
        h = tf.nn.conv2d_transpose(h, w3, out_shape, [2, 2], "SAME", **kw)
        h = tf.nn.max_pool(h, [2, 2], [2, 2], "VALID", **kw)
        loss = tf.reduce_sum(h * h)
        fetches = [loss, *tf.gradients(loss, [x, w1, w2, w3])]
        with tf.Session(graph=graph) as sess:
            sess.run(tf.global_variables_initializer())
            return sess.run(fetches)


@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
def test_jgraph_ops_under_both_lowerings_agree(monkeypatch, data_format):
    fast = _train_values(data_format)
    monkeypatch.setenv("JGRAPH_CPU_KERNELS", "xla")
    xla = _train_values(data_format)
    for got, expected in zip(fast, xla, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)


def test_ops_on_unknown_shapes_build_and_run_the_cpu_lowering():
    # Shape inference traces with symbolic dims, which the CPU forms cannot size
    # their pieces from: it gets XLA's form; the run (concrete shapes) the CPU one.
    rng = np.random.default_rng(2)
    x_value = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    x3_value = rng.standard_normal((2, 4, 6, 6, 3)).astype(np.float32)
    w_value = rng.standard_normal((3, 3, 3, 2)).astype(np.float32)
    w3_value = rng.standard_normal((2, 2, 2, 3, 4)).astype(np.float32)
    x = tf.placeholder(tf.float32, [None] * 4)
    x3 = tf.placeholder(tf.float32, [None] * 5)
    w = tf.placeholder(tf.float32, [None] * 4)
    w3 = tf.placeholder(tf.float32, [None] * 5)
    outs = [
        tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME"),
        tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
        tf.nn.conv3d(x3, w3, [1, 1, 1, 1, 1], "SAME"),
        tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME"),
        tf.nn.avg_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME"),
    ]
    assert all(o.shape.rank in (4, 5) for o in outs)
    grads = tf.gradients([tf.reduce_sum(o * o) for o in outs], [x, w, x3, w3])
    feed = {x: x_value, w: w_value, x3: x3_value, w3: w3_value}
    with tf.Session() as sess:
        fast = sess.run(outs + grads, feed)
    known = {
        "conv2d": lambda: lax.conv_general_dilated(
            x_value, w_value, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        ),
        "max_pool": lambda: cpu.max_pool_xla(
            x_value, (1, 2, 2, 1), (1, 2, 2, 1), ((0, 0), (0, 0), (0, 0), (0, 0))
        ),
    }
    _close(fast[0], known["conv2d"](), scale=10)
    _close(fast[3], known["max_pool"]())
    assert [g.shape for g in fast[5:]] == [
        x_value.shape,
        w_value.shape,
        x3_value.shape,
        w3_value.shape,
    ]


# -- the filter gradient's form and the compiler options of runs with convolutions ---


@pytest.mark.parametrize(
    "x_shape, w_shape, form",
    [
        ((2, 6, 6, 1), (3, 3, 1, 4), "patches"),  # few input channels
        ((2, 6, 6, 7), (3, 3, 7, 4), "patches"),
        ((2, 6, 6, 8), (3, 3, 8, 4), "xla"),  # Eigen's, on every core
        ((2, 9, 8), (3, 8, 4), "xla"),  # 1-D
        ((2, 4, 4, 4, 8), (2, 2, 2, 8, 3), "patches"),  # 3-D: patches measured faster
    ],
)
def test_filter_gradient_form_follows_channels_and_rank(x_shape, w_shape, form):
    spatial = len(x_shape) - 2
    ones = (1,) * spatial
    pads = ((1, 1),) * spatial
    x, w = _normal(x_shape), _normal(w_shape)
    dy = _normal(cpu.conv_xla(x, w, ones, pads, ones).shape)

    def grad(x, dy):
        return cpu.filter_grad(x, dy, w.shape, ones, pads, ones)

    text = _lowered(grad, x, dy, platform="cpu")
    assert ("stablehlo.convolution" in text) == (form == "xla")
    expected = cpu.conv_filter_grad_xla(x, dy, w.shape, ones, pads, ones)
    _close(grad(x, dy), expected, scale=10)  # sums of ~100 products


def _ops_of(fetch) -> tuple:
    return tuple(fetch.graph.get_operations())


def _conv_run(kernels: str, monkeypatch) -> tuple:
    """A session's run of a 32-channel conv (YNNPACK fuses it by default) under
    ``JGRAPH_CPU_KERNELS=kernels``: its lowered run and compiled HLO text."""
    monkeypatch.setenv("JGRAPH_CPU_KERNELS", kernels)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 4, 4, 32])
        w = tf.Variable(tf.ones([3, 3, 32, 8]))
        y = tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
        sess = tf.Session()
        sess.run(w.initializer)
        batch = np.ones((2, 4, 4, 32), np.float32)
        np.testing.assert_allclose(sess.run(y, {x: batch})[0, 1, 1], 288.0)
    lowered = sess._plans.get(y, (x,)).lowered
    (jitted,) = lowered.fn._cache.values()
    variables = sess._state.variables
    ro = {n: variables[n] for n in lowered.required_vars}
    return lowered, jitted.lower(ro, {}, (batch,), None, ()).compile().as_text()


def test_runs_with_convolutions_compile_with_the_cpu_options(monkeypatch):
    from jgraph.compile.lower import compiler_options

    with tf.Graph().as_default():
        y = tf.nn.conv2d(tf.ones([1, 4, 4, 3]), tf.ones([3, 3, 3, 2]), [1] * 4, "SAME")
        dense = tf.matmul(tf.ones([2, 3]), tf.ones([3, 4]))
        # One input channel: YNNPACK's one-thread fusion is 2-3x faster for it.
        one = tf.nn.conv2d(
            tf.ones([1, 4, 4, 1]), tf.ones([3, 3, 1, 2]), [1] * 4, "SAME"
        )
        # The transposed convolution's filter is its first input.
        up = tf.nn.conv2d_transpose(
            tf.ones([2, 4, 4, 1]), tf.ones([3, 3, 8, 1]), [2, 8, 8, 8], [1, 2, 2, 1]
        )
    expected = tuple(sorted(cpu.COMPILER_OPTIONS.items()))
    assert compiler_options(_ops_of(y)) == expected
    assert compiler_options((dense.op,)) == ()
    assert compiler_options((one.op,)) == ()
    assert compiler_options((up.op,)) == expected
    # The session's executable: Eigen's convolution, not YNNPACK's one-thread fusion.
    lowered, text = _conv_run("fast", monkeypatch)
    assert lowered.compiler_options == expected
    assert "ynn" not in text
    # JGRAPH_CPU_KERNELS=xla: XLA's own lowering, and no options either.
    lowered, text = _conv_run("xla", monkeypatch)
    assert lowered.compiler_options == ()
    assert "ynn" in text


def test_ops_asking_different_values_of_one_option_raise(monkeypatch):
    import dataclasses

    from jgraph.compile.lower import compiler_options
    from jgraph.ops import registry

    key = next(iter(cpu.COMPILER_OPTIONS))
    matmul = registry.REGISTRY["MatMul"]
    monkeypatch.setitem(
        registry.REGISTRY,
        "MatMul",
        dataclasses.replace(matmul, compiler_options=lambda op: {key: "OTHER"}),
    )
    with tf.Graph().as_default():
        y = tf.nn.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 2]), [1] * 4, "SAME")
        z = tf.matmul(tf.reshape(y, [16, 2]), tf.ones([2, 2]))
    with pytest.raises(ValueError, match=f"different values of the XLA option {key}"):
        compiler_options(_ops_of(z))
