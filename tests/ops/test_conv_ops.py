"""Convolution (plain, transposed, depthwise, separable), pooling and normalisation
ops against plain numpy references."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import jgraph as tf
from jgraph.compile.gradients import gradients
from jgraph.ops import conv_ops

from ._check import FLOATS, Case, check_op, params

RNG = np.random.RandomState(0)


def run(fetches, feed_dict=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed_dict)


# -- numpy references: straightforward loops ----------------------------------------------


def _out_and_pad(size: int, k: int, s: int, padding: str) -> tuple[int, int]:
    """TF's output size and leading pad for one spatial dimension."""
    if padding == "VALID":
        return (size - k) // s + 1, 0
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2


def np_conv2d(x, w, strides, padding, dilations=(1, 1)):
    """NHWC x HWIO cross-correlation, one output position at a time."""
    n, h, wd, c = x.shape
    kh, kw, ci, co = w.shape
    groups = c // ci
    ekh, ekw = (kh - 1) * dilations[0] + 1, (kw - 1) * dilations[1] + 1
    oh, top = _out_and_pad(h, ekh, strides[0], padding)
    ow, left = _out_and_pad(wd, ekw, strides[1], padding)
    padded = np.zeros((n, h + 2 * ekh, wd + 2 * ekw, c), x.dtype)
    padded[:, top : top + h, left : left + wd] = x
    out = np.zeros((n, oh, ow, co), np.float64)
    per_group = co // groups
    for i, j in itertools.product(range(oh), range(ow)):
        r, q = i * strides[0], j * strides[1]
        patch = padded[:, r : r + ekh : dilations[0], q : q + ekw : dilations[1], :]
        for g in range(groups):
            out[:, i, j, g * per_group : (g + 1) * per_group] = np.einsum(
                "nhwc,hwco->no",
                patch[..., g * ci : (g + 1) * ci],
                w[..., g * per_group : (g + 1) * per_group],
            )
    return out


def np_pool(x, ksize, strides, padding, kind):
    """NHWC pooling over the real (unpadded) elements of each window."""
    n, h, wd, c = x.shape
    oh, top = _out_and_pad(h, ksize[0], strides[0], padding)
    ow, left = _out_and_pad(wd, ksize[1], strides[1], padding)
    out = np.zeros((n, oh, ow, c), np.float64)
    for i, j in itertools.product(range(oh), range(ow)):
        r0, q0 = i * strides[0] - top, j * strides[1] - left
        window = x[:, max(r0, 0) : r0 + ksize[0], max(q0, 0) : q0 + ksize[1], :]
        out[:, i, j, :] = window.max((1, 2)) if kind == "max" else window.mean((1, 2))
    return out


# -- conv2d -------------------------------------------------------------------------------

CONV_CASES = [
    # (input shape, filter shape, strides, padding, dilations)
    ((2, 5, 5, 3), (3, 3, 3, 4), (1, 1), "SAME", (1, 1)),
    ((2, 5, 5, 3), (3, 3, 3, 4), (1, 1), "VALID", (1, 1)),
    ((1, 7, 6, 2), (3, 2, 2, 3), (2, 2), "SAME", (1, 1)),
    ((1, 7, 6, 2), (3, 2, 2, 3), (2, 3), "VALID", (1, 1)),
    ((1, 6, 6, 1), (2, 2, 1, 2), (3, 3), "SAME", (1, 1)),
    ((1, 8, 8, 2), (3, 3, 2, 2), (1, 1), "SAME", (2, 2)),
    ((1, 8, 7, 2), (2, 3, 2, 1), (1, 1), "VALID", (2, 1)),
    ((1, 5, 5, 4), (3, 3, 2, 6), (1, 1), "SAME", (1, 1)),  # 2 groups
]


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "strides", "padding", "dilations"), CONV_CASES
)
def test_conv2d_matches_numpy(x_shape, w_shape, strides, padding, dilations):
    xv = RNG.randn(*x_shape).astype(np.float32)
    wv = RNG.randn(*w_shape).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, *x_shape[1:]])
    y = conv_ops.conv2d(
        x, wv, strides=list(strides), padding=padding, dilations=list(dilations)
    )
    expected = np_conv2d(xv, wv, strides, padding, dilations)
    assert y.shape.as_list() == [None, *expected.shape[1:]]
    assert y.op.type == "Conv2D"
    np.testing.assert_allclose(run(y, {x: xv}), expected, rtol=1e-4, atol=1e-4)


def test_conv2d_nchw_matches_nhwc():
    xv = RNG.randn(2, 6, 5, 3).astype(np.float32)
    wv = RNG.randn(3, 3, 3, 2).astype(np.float32)
    nhwc = conv_ops.conv2d(xv, wv, [1, 2, 2, 1], "SAME")
    nchw = conv_ops.conv2d(
        np.transpose(xv, (0, 3, 1, 2)), wv, [1, 1, 2, 2], "SAME", data_format="NCHW"
    )
    got_nhwc, got_nchw = run([nhwc, nchw])
    np.testing.assert_allclose(
        np.transpose(got_nchw, (0, 2, 3, 1)), got_nhwc, rtol=1e-5
    )


def test_conv2d_explicit_padding_and_filters_alias():
    xv = RNG.randn(1, 4, 4, 1).astype(np.float32)
    wv = RNG.randn(2, 2, 1, 1).astype(np.float32)
    y = conv_ops.conv2d(
        xv, filters=wv, strides=1, padding=[[0, 0], [1, 0], [0, 1], [0, 0]]
    )
    padded = np.pad(xv, ((0, 0), (1, 0), (0, 1), (0, 0)))
    np.testing.assert_allclose(
        run(y), np_conv2d(padded, wv, (1, 1), "VALID"), rtol=1e-5
    )


def test_conv1d_matches_numpy():
    xv = RNG.randn(2, 9, 3).astype(np.float32)
    wv = RNG.randn(3, 3, 4).astype(np.float32)
    y = conv_ops.conv1d(xv, wv, stride=2, padding="SAME")
    expected = np_conv2d(xv[:, None], wv[None], (1, 2), "SAME")[:, 0]
    assert y.shape.as_list() == list(expected.shape)
    np.testing.assert_allclose(run(y), expected, rtol=1e-4, atol=1e-5)


def test_conv2d_build_time_errors():
    x = tf.placeholder(tf.float32, [None, 5, 5, 3])
    with pytest.raises(
        ValueError,
        match=r"Depth of input \(3\) is not a multiple of input depth of filter \(4\) for 'Conv2D' \(op: 'Conv2D'\) with input shapes: \[\?,5,5,3\], \[3,3,4,8\]",
    ):
        conv_ops.conv2d(x, np.zeros((3, 3, 4, 8), np.float32), [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="strides in the batch and depth"):
        conv_ops.conv2d(x, np.zeros((3, 3, 3, 8), np.float32), [2, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="padding must be 'SAME', 'VALID'"):
        conv_ops.conv2d(x, np.zeros((3, 3, 3, 8), np.float32), 1, "FULL")
    with pytest.raises(ValueError, match="Shape must be rank 4 but is rank 3"):
        conv_ops.conv2d(
            tf.zeros([5, 5, 3]), np.zeros((3, 3, 3, 8), np.float32), 1, "SAME"
        )


# -- conv2d_transpose, depthwise_conv2d, separable_conv2d ---------------------------------


def np_conv2d_transpose(v, w, out_hw, strides, padding, dilations=(1, 1)):
    """NHWC transposed convolution by scattering: each value pixel (i, j) adds
    ``v[i, j] . w[a, b]`` to output pixel (i * s - pad_before + a * d, ...), where
    pad_before is TF's SAME rule applied to the *output* size."""
    n, ih, iw, _ = v.shape
    kh, kw, co, _ = w.shape
    pads = []
    for size, k, s, d in zip(out_hw, (kh, kw), strides, dilations, strict=True):
        effective = (k - 1) * d + 1
        total = max((-(-size // s) - 1) * s + effective - size, 0)
        pads.append(total // 2 if padding == "SAME" else 0)
    out = np.zeros((n, *out_hw, co), np.float64)
    for i, j, a, b in itertools.product(range(ih), range(iw), range(kh), range(kw)):
        r = i * strides[0] - pads[0] + a * dilations[0]
        q = j * strides[1] - pads[1] + b * dilations[1]
        if 0 <= r < out_hw[0] and 0 <= q < out_hw[1]:
            out[:, r, q, :] += np.einsum("nc,oc->no", v[:, i, j, :], w[a, b])
    return out


def np_depthwise_conv2d(x, w, strides, padding, rate=(1, 1)):
    """NHWC depthwise convolution: output channel c * M + m is input channel c
    correlated with w[:, :, c, m]."""
    n, h, wd, c = x.shape
    kh, kw, _, mult = w.shape
    ekh, ekw = (kh - 1) * rate[0] + 1, (kw - 1) * rate[1] + 1
    oh, top = _out_and_pad(h, ekh, strides[0], padding)
    ow, left = _out_and_pad(wd, ekw, strides[1], padding)
    padded = np.zeros((n, h + 2 * ekh, wd + 2 * ekw, c), np.float64)
    padded[:, top : top + h, left : left + wd] = x
    out = np.zeros((n, oh, ow, c * mult), np.float64)
    for i, j, ch, m in itertools.product(range(oh), range(ow), range(c), range(mult)):
        r, q = i * strides[0], j * strides[1]
        patch = padded[:, r : r + ekh : rate[0], q : q + ekw : rate[1], ch]
        out[:, i, j, ch * mult + m] = np.einsum("nhw,hw->n", patch, w[:, :, ch, m])
    return out


TRANSPOSE_CASES = [
    # (value shape, filter shape, output height/width, strides, padding, dilations)
    ((2, 4, 4, 3), (3, 3, 2, 3), (7, 7), (2, 2), "SAME", (1, 1)),  # 7 or 8: ambiguous
    ((2, 4, 4, 3), (3, 3, 2, 3), (8, 8), (2, 2), "SAME", (1, 1)),
    ((2, 3, 3, 1), (3, 3, 2, 1), (8, 7), (2, 2), "VALID", (1, 1)),  # 7 or 8 again
    ((1, 3, 5, 2), (2, 3, 4, 2), (4, 7), (1, 1), "VALID", (1, 1)),
    ((1, 5, 5, 2), (3, 3, 3, 2), (5, 5), (1, 1), "SAME", (1, 1)),
    ((1, 3, 4, 2), (2, 4, 1, 2), (6, 7), (2, 2), "SAME", (1, 1)),  # even kernel
    ((1, 4, 2, 2), (3, 2, 2, 2), (4, 6), (1, 3), "SAME", (1, 1)),
    ((1, 5, 5, 2), (3, 3, 2, 2), (5, 5), (1, 1), "SAME", (2, 2)),
    ((1, 3, 3, 2), (3, 3, 1, 2), (7, 7), (1, 1), "VALID", (2, 2)),
]


def _transpose_args(case):
    v_shape, w_shape, out_hw, strides, padding, dilations = case
    vv = RNG.randn(*v_shape).astype(np.float32)
    wv = RNG.randn(*w_shape).astype(np.float32)
    return vv, wv, out_hw, strides, padding, dilations


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv2d_transpose_matches_numpy_scatter(case):
    vv, wv, out_hw, strides, padding, dilations = _transpose_args(case)
    v = tf.placeholder(tf.float32, [None, *vv.shape[1:]])
    y = tf.nn.conv2d_transpose(
        v,
        wv,
        [tf.shape(v)[0], *out_hw, wv.shape[2]],  # dynamic batch
        strides=list(strides),
        padding=padding,
        dilations=list(dilations),
    )
    assert (y.op.type, y.op.name) == ("Conv2DBackpropInput", "conv2d_transpose")
    assert y.shape.as_list() == [None, *out_hw, wv.shape[2]]
    expected = np_conv2d_transpose(vv, wv, out_hw, strides, padding, dilations)
    np.testing.assert_allclose(run(y, {v: vv}), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", TRANSPOSE_CASES[:4])
def test_conv2d_transpose_is_the_adjoint_of_conv2d(case):
    # <conv2d(x, w), y> == <x, conv2d_transpose(y, w, x.shape)> for random x, y.
    vv, wv, out_hw, strides, padding, dilations = _transpose_args(case)
    xv = RNG.randn(vv.shape[0], *out_hw, wv.shape[2]).astype(np.float32)
    forward = conv_ops.conv2d(xv, wv, list(strides), padding, dilations=dilations)
    transpose = tf.nn.conv2d_transpose(
        vv, wv, xv.shape, list(strides), padding, dilations=list(dilations)
    )
    lhs, rhs = run([tf.reduce_sum(forward * vv), tf.reduce_sum(transpose * xv)])
    np.testing.assert_allclose(lhs, rhs, rtol=1e-4)


def test_conv2d_transpose_nchw_matches_nhwc():
    vv, wv, out_hw, strides, padding, _ = _transpose_args(TRANSPOSE_CASES[5])
    nhwc = tf.nn.conv2d_transpose(vv, wv, [1, *out_hw, 1], strides, padding)
    nchw = tf.nn.conv2d_transpose(
        np.transpose(vv, (0, 3, 1, 2)),
        wv,
        [1, 1, *out_hw],
        [1, 1, *strides],
        padding,
        data_format="NCHW",
    )
    assert nchw.shape.as_list() == [1, 1, *out_hw]
    got_nhwc, got_nchw = run([nhwc, nchw])
    np.testing.assert_allclose(
        np.transpose(got_nchw, (0, 2, 3, 1)), got_nhwc, rtol=1e-5, atol=1e-6
    )
    expected = np_conv2d_transpose(vv, wv, out_hw, strides, padding)
    np.testing.assert_allclose(got_nhwc, expected, rtol=1e-4, atol=1e-5)


def test_conv2d_transpose_output_shape_forms_and_dynamic_batch():
    vv, wv, out_hw, strides, padding, _ = _transpose_args(TRANSPOSE_CASES[0])
    v = tf.placeholder(tf.float32, [None, 4, 4, 3])
    batch = tf.shape(v)[0]
    outputs = [
        tf.nn.conv2d_transpose(v, wv, tf.stack([batch, 7, 7, 2]), 2),
        tf.nn.conv2d_transpose(v, tf.constant(wv), [batch, 7, 7, 2], 2),
        tf.nn.conv2d_transpose(
            input=v, filters=wv, output_shape=(2, 7, 7, 2), strides=2
        ),
        tf.nn.conv2d_transpose(v, wv, np.array([2, 7, 7, 2]), 2, name="deconv"),
        tf.nn.conv2d_transpose(v, wv, tf.constant([2, 7, 7, 2]), [2, 2]),
    ]
    assert [y.op.name for y in outputs] == [
        "conv2d_transpose",
        "conv2d_transpose_1",
        "conv2d_transpose_2",
        "deconv",
        "conv2d_transpose_3",
    ]
    assert [y.shape.as_list() for y in outputs] == [[None, 7, 7, 2]] * 5
    expected = np_conv2d_transpose(vv, wv, out_hw, strides, padding)
    for got in run(outputs, {v: vv}):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    # The same graph with another batch size.
    got = run(outputs[0], {v: vv[:1]})
    np.testing.assert_allclose(got, expected[:1], rtol=1e-4, atol=1e-4)


def test_conv2d_transpose_gradients_match_numpy():
    # The op is linear in the value and in the filter, so the gradient of
    # sum(conv2d_transpose(v, w) * c) w.r.t. either is the numpy reference applied
    # to basis vectors.
    vv, wv, out_hw, strides, padding, _ = _transpose_args(TRANSPOSE_CASES[2])
    cv = RNG.randn(vv.shape[0], *out_hw, wv.shape[2])
    v, w = tf.Variable(vv), tf.Variable(wv)
    y = tf.nn.conv2d_transpose(v, w, [vv.shape[0], *out_hw, wv.shape[2]], 2, padding)
    gv, gw = gradients(tf.reduce_sum(y * cv.astype(np.float32)), [v, w])
    got_gv, got_gw = run([gv, gw])

    def numeric(shape, ref):
        grad = np.zeros(shape)
        for index in np.ndindex(*shape):
            basis = np.zeros(shape)
            basis[index] = 1.0
            grad[index] = np.sum(ref(basis) * cv)
        return grad

    want_gv = numeric(
        vv.shape, lambda b: np_conv2d_transpose(b, wv, out_hw, strides, padding)
    )
    want_gw = numeric(
        wv.shape, lambda b: np_conv2d_transpose(vv, b, out_hw, strides, padding)
    )
    np.testing.assert_allclose(got_gv, want_gv, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got_gw, want_gw, rtol=1e-4, atol=1e-4)


def test_conv2d_transpose_build_time_errors():
    v = tf.placeholder(tf.float32, [None, 4, 4, 3])
    w = np.zeros((3, 3, 2, 3), np.float32)
    shapes = (
        r"with output_shape .*, filter shape \[3,3,2,3\] and value shape \[\?,4,4,3\]"
    )
    cases = [
        ([2, 8, 8], r"Shape must be rank 4 but is rank 3 for 'conv2d_transpose'"),
        ([2, 8, 8, 5], r"output_shape does not match filter's output channels, 5 != 2"),
        (
            [2, 9, 8, 2],
            r"Size of out_backprop doesn't match computed: actual = 4,"
            r" computed = 5 spatial_dim: 1 input: 9 filter: 3 output: 4 stride: 2",
        ),
        (
            [tf.shape(v)[0], tf.shape(v)[1] * 2, 8, 2],
            r"needs output_shape's height,"
            r" width and channels when the graph is built .* got \[\?,\?,8,2\]",
        ),
    ]
    for output_shape, message in cases:
        with pytest.raises(ValueError, match=message + ".*" + shapes):
            tf.nn.conv2d_transpose(v, w, output_shape, strides=2)
    with pytest.raises(
        ValueError,
        match=r"input channels does not match filter's input channels, 3 != 4 for"
        r" '\w+' \(op: 'Conv2DBackpropInput'\)",
    ):
        tf.nn.conv2d_transpose(v, np.zeros((3, 3, 2, 4), np.float32), [2, 8, 8, 2], 2)
    with pytest.raises(ValueError, match="must have the same batch size"):
        tf.nn.conv2d_transpose(tf.zeros([2, 4, 4, 3]), w, [3, 8, 8, 2], 2)
    with pytest.raises(ValueError, match="Cannot specify both 'input' and 'value'"):
        tf.nn.conv2d_transpose(v, w, [2, 8, 8, 2], 2, input=v)
    with pytest.raises(TypeError, match="DataType int32 not in list of allowed values"):
        tf.nn.conv2d_transpose(
            tf.zeros([1, 4, 4, 3], tf.int32),
            tf.zeros([3, 3, 2, 3], tf.int32),
            [1, 8, 8, 2],
            2,
        )


def test_conv2d_transpose_batch_mismatch_at_run_time():
    v = tf.placeholder(tf.float32, [None, 4, 4, 3])
    y = tf.nn.conv2d_transpose(v, np.zeros((3, 3, 2, 3), np.float32), [3, 8, 8, 2], 2)
    assert y.shape.as_list() == [None, 8, 8, 2]
    with pytest.raises(tf.errors.InvalidArgumentError, match="same batch size"):
        run(y, {v: np.zeros((2, 4, 4, 3), np.float32)})


DEPTHWISE_CASES = [
    # (input shape, filter shape, strides, padding, rate)
    ((2, 5, 5, 3), (3, 3, 3, 2), (1, 1), "SAME", (1, 1)),
    ((1, 7, 6, 2), (3, 2, 2, 3), (2, 2), "VALID", (1, 1)),
    ((1, 6, 5, 2), (2, 3, 2, 2), (2, 1), "SAME", (1, 1)),
    ((1, 8, 8, 2), (3, 3, 2, 2), (1, 1), "SAME", (2, 2)),
    ((1, 8, 7, 3), (2, 2, 3, 1), (1, 1), "VALID", (2, 1)),
]


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "strides", "padding", "rate"), DEPTHWISE_CASES
)
def test_depthwise_conv2d_matches_numpy(x_shape, w_shape, strides, padding, rate):
    xv = RNG.randn(*x_shape).astype(np.float32)
    wv = RNG.randn(*w_shape).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, *x_shape[1:]])
    y = tf.nn.depthwise_conv2d(x, wv, [1, *strides, 1], padding, rate=list(rate))
    expected = np_depthwise_conv2d(xv, wv, strides, padding, rate)
    assert (y.op.type, y.op.name) == ("DepthwiseConv2dNative", "depthwise")
    assert y.shape.as_list() == [None, *expected.shape[1:]]
    np.testing.assert_allclose(run(y, {x: xv}), expected, rtol=1e-4, atol=1e-5)


def test_depthwise_conv2d_nchw_and_gradient():
    xv = RNG.randn(2, 3, 5, 5).astype(np.float32)  # NCHW
    wv = RNG.randn(3, 3, 3, 2).astype(np.float32)
    x = tf.Variable(xv)
    y = tf.nn.depthwise_conv2d(x, wv, [1, 1, 2, 2], "SAME", data_format="NCHW")
    (gx,) = gradients(tf.reduce_sum(y), [x])
    got, got_gx = run([y, gx])
    nhwc = np.transpose(xv, (0, 2, 3, 1))
    expected = np_depthwise_conv2d(nhwc, wv, (2, 2), "SAME")
    np.testing.assert_allclose(
        np.transpose(got, (0, 2, 3, 1)), expected, rtol=1e-4, atol=1e-5
    )
    # d sum(y) / dx[c] = sum over the multiplier and the windows covering each pixel.
    ones = np.ones_like(expected)
    want = np.zeros_like(nhwc, np.float64)
    for index in np.ndindex(*nhwc.shape):
        basis = np.zeros_like(nhwc, np.float64)
        basis[index] = 1.0
        want[index] = np.sum(np_depthwise_conv2d(basis, wv, (2, 2), "SAME") * ones)
    np.testing.assert_allclose(
        np.transpose(got_gx, (0, 2, 3, 1)), want, rtol=1e-4, atol=1e-5
    )


@pytest.mark.parametrize(
    ("strides", "rate"), [((1, 1), (1, 1)), ((2, 2), (1, 1)), ((1, 1), (2, 2))]
)
def test_separable_conv2d_matches_numpy(strides, rate):
    xv = RNG.randn(2, 7, 6, 3).astype(np.float32)
    dv = RNG.randn(3, 3, 3, 2).astype(np.float32)
    pv = RNG.randn(1, 1, 6, 4).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 7, 6, 3])
    y = tf.nn.separable_conv2d(x, dv, pv, [1, *strides, 1], "SAME", rate=list(rate))
    depthwise = np_depthwise_conv2d(xv, dv, strides, "SAME", rate)
    expected = np.einsum("nhwc,co->nhwo", depthwise, pv[0, 0])
    assert (y.op.type, y.op.name) == ("Conv2D", "separable_conv2d")
    assert y.op.inputs[0].op.name == "separable_conv2d/depthwise"
    assert y.shape.as_list() == [None, *expected.shape[1:]]
    np.testing.assert_allclose(run(y, {x: xv}), expected, rtol=1e-4, atol=1e-4)


def test_depthwise_and_separable_errors():
    x = tf.placeholder(tf.float32, [None, 5, 5, 3])
    with pytest.raises(
        ValueError,
        match=r"Dimensions must be equal, but are 3 and 4 for 'depthwise' \(op:"
        r" 'DepthwiseConv2dNative'\)",
    ):
        tf.nn.depthwise_conv2d(x, np.zeros((3, 3, 4, 1), np.float32), 1, "SAME")
    with pytest.raises(ValueError, match="strides > 1 not supported in conjunction"):
        tf.nn.depthwise_conv2d(x, np.zeros((3, 3, 3, 1), np.float32), 2, "SAME", rate=2)
    with pytest.raises(ValueError, match="Cannot specify both 'dilations' and 'rate'"):
        tf.nn.depthwise_conv2d(
            x, np.zeros((3, 3, 3, 1), np.float32), 1, "SAME", rate=2, dilations=2
        )
    with pytest.raises(ValueError, match="Dimensions 3 and 1 are not compatible"):
        tf.nn.separable_conv2d(
            x,
            np.zeros((3, 3, 3, 2), np.float32),
            np.zeros((3, 1, 6, 4), np.float32),
            1,
            "SAME",
        )


def _np_transpose_case(v, w):
    return np_conv2d_transpose(v, w, (7, 7), (2, 2), "SAME")


# -- N-D references (used for 3-D): loops over output positions and kernel taps --------


def _positions(shape):
    return itertools.product(*(range(n) for n in shape))


def np_conv_nd(x, w, strides, padding, dilations=None):
    """``[n, *spatial, c]`` x ``[*k, c, o]`` cross-correlation, zero padded."""
    spatial, ks = x.shape[1:-1], w.shape[:-2]
    dilations = dilations or (1,) * len(ks)
    sizes = [
        _out_and_pad(n, (k - 1) * d + 1, s, padding)
        for n, k, s, d in zip(spatial, ks, strides, dilations, strict=True)
    ]
    outs, pads = [o for o, _ in sizes], [p for _, p in sizes]
    out = np.zeros((x.shape[0], *outs, w.shape[-1]), np.float64)
    for o in _positions(outs):
        for tap in _positions(ks):
            pos = [
                i * s - p + t * d
                for i, s, p, t, d in zip(o, strides, pads, tap, dilations, strict=True)
            ]
            if all(0 <= q < n for q, n in zip(pos, spatial, strict=True)):
                out[(slice(None), *o)] += x[(slice(None), *pos)] @ w[tap]
    return out


def np_conv_transpose_nd(v, w, out_spatial, strides, padding):
    """Scatter form of the transposed convolution: value position ``i`` adds
    ``v[i] . w[tap]`` at output position ``i * s - pad + tap``."""
    ks = w.shape[:-2]
    pads = [
        max((-(-n // s) - 1) * s + k - n, 0) // 2 if padding == "SAME" else 0
        for n, k, s in zip(out_spatial, ks, strides, strict=True)
    ]
    out = np.zeros((v.shape[0], *out_spatial, w.shape[-2]), np.float64)
    for i in _positions(v.shape[1:-1]):
        for tap in _positions(ks):
            pos = [
                a * s - p + t for a, s, p, t in zip(i, strides, pads, tap, strict=True)
            ]
            if all(0 <= q < n for q, n in zip(pos, out_spatial, strict=True)):
                out[(slice(None), *pos)] += v[(slice(None), *i)] @ w[tap].T
    return out


def np_pool_nd(x, ksize, strides, padding, kind):
    """``[n, *spatial, c]`` pooling over the real (unpadded) elements of windows."""
    spatial = x.shape[1:-1]
    sizes = [
        _out_and_pad(n, k, s, padding)
        for n, k, s in zip(spatial, ksize, strides, strict=True)
    ]
    out = np.zeros((x.shape[0], *(o for o, _ in sizes), x.shape[-1]), np.float64)
    for o in _positions([o for o, _ in sizes]):
        starts = [i * s - p for i, s, (_, p) in zip(o, strides, sizes, strict=True)]
        window = x[
            (
                slice(None),
                *(slice(max(a, 0), a + k) for a, k in zip(starts, ksize, strict=True)),
            )
        ]
        axes = tuple(range(1, len(spatial) + 1))
        out[(slice(None), *o)] = (
            window.max(axes) if kind == "max" else window.mean(axes)
        )
    return out


# check_op builds each row on known-shape and unknown-first-dim placeholders and on
# constants, in float32 and float64, and checks values, dtypes and static shapes.
CONV_CASES_TABLE = [
    Case(
        "Conv2DBackpropInput",
        lambda v, w: tf.nn.conv2d_transpose(v, w, [tf.shape(v)[0], 7, 7, 2], 2),
        _np_transpose_case,
        ((2, 4, 4, 3), (3, 3, 2, 3)),
        FLOATS,
        tol=20,
    ),
    Case(
        "DepthwiseConv2dNative",
        lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME"),
        lambda x, w: np_depthwise_conv2d(x, w, (2, 2), "SAME"),
        ((2, 5, 5, 3), (3, 3, 3, 2)),
        FLOATS,
        tol=20,
    ),
    Case(
        "Conv3D",
        lambda x, w: tf.nn.conv3d(x, w, [1, 2, 1, 2, 1], "SAME"),
        lambda x, w: np_conv_nd(x, w, (2, 1, 2), "SAME"),
        ((2, 4, 3, 5, 2), (2, 3, 2, 2, 3)),
        FLOATS,
        tol=20,
    ),
    Case(
        "Conv3D",
        lambda x, w: tf.nn.conv3d(x, w, 1, "VALID", dilations=[1, 2, 1, 1, 1]),
        lambda x, w: np_conv_nd(x, w, (1, 1, 1), "VALID", (2, 1, 1)),
        ((1, 5, 4, 4, 2), (2, 2, 3, 2, 2)),
        FLOATS,
        tol=20,
        id="dilated-valid",
    ),
    Case(
        "Conv3DBackpropInputV2",
        lambda v, w: tf.nn.conv3d_transpose(
            v, w, [tf.shape(v)[0], 5, 4, 6, 2], [1, 2, 2, 2, 1], "SAME"
        ),
        lambda v, w: np_conv_transpose_nd(v, w, (5, 4, 6), (2, 2, 2), "SAME"),
        ((2, 3, 2, 3, 3), (3, 2, 3, 2, 3)),
        FLOATS,
        tol=20,
    ),
    Case(
        "MaxPool3D",
        lambda x: tf.nn.max_pool3d(x, [1, 2, 3, 2, 1], [1, 2, 2, 1, 1], "SAME"),
        lambda x: np_pool_nd(x, (2, 3, 2), (2, 2, 1), "SAME", "max"),
        ((2, 5, 4, 3, 2),),
        FLOATS,
    ),
    Case(
        "AvgPool3D",
        lambda x: tf.nn.avg_pool3d(x, [1, 2, 3, 2, 1], [1, 2, 2, 1, 1], "SAME"),
        lambda x: np_pool_nd(x, (2, 3, 2), (2, 2, 1), "SAME", "avg"),
        ((2, 5, 4, 3, 2),),
        FLOATS,
    ),
    Case(
        "AvgPool3D",
        lambda x: tf.nn.avg_pool3d(x, 2, [1, 1, 2], "VALID"),
        lambda x: np_pool_nd(x, (2, 2, 2), (1, 1, 2), "VALID", "avg"),
        ((1, 3, 4, 5, 3),),
        FLOATS,
        id="valid",
    ),
]


@pytest.mark.parametrize("case", params(CONV_CASES_TABLE))
def test_conv_op_table(case: Case) -> None:
    check_op(case)


# -- pooling ------------------------------------------------------------------------------

POOL_CASES = [
    # (input shape, ksize, strides, padding)
    ((2, 5, 5, 3), (2, 2), (2, 2), "SAME"),
    ((2, 5, 5, 3), (2, 2), (2, 2), "VALID"),
    ((1, 7, 6, 2), (3, 3), (2, 2), "SAME"),
    ((1, 7, 6, 2), (3, 2), (1, 2), "VALID"),
    ((1, 4, 4, 1), (3, 3), (1, 1), "SAME"),
    ((1, 6, 5, 2), (2, 3), (3, 2), "SAME"),
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize(("x_shape", "ksize", "strides", "padding"), POOL_CASES)
def test_pool_matches_numpy(kind, x_shape, ksize, strides, padding):
    xv = RNG.randn(*x_shape).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, *x_shape[1:]])
    pool = conv_ops.max_pool if kind == "max" else conv_ops.avg_pool
    y = pool(x, [1, *ksize, 1], [1, *strides, 1], padding)
    expected = np_pool(xv, ksize, strides, padding, kind)
    assert y.op.type == ("MaxPool" if kind == "max" else "AvgPool")
    assert y.shape.as_list() == [None, *expected.shape[1:]]
    np.testing.assert_allclose(run(y, {x: xv}), expected, rtol=1e-5, atol=1e-6)


def test_avg_pool_same_divides_by_real_elements_only():
    # A 3x3 window at a corner of a 2x2 ones image covers 4 real elements: mean 1,
    # not 4 / 9 as zero padding would give.
    y = conv_ops.avg_pool(np.ones((1, 2, 2, 1), np.float32), 3, 1, "SAME")
    np.testing.assert_allclose(run(y), np.ones((1, 2, 2, 1)))


def test_pool_nchw_and_int_arguments():
    xv = RNG.randn(1, 2, 5, 5).astype(np.float32)
    y = conv_ops.max_pool(xv, 2, 2, "SAME", data_format="NCHW")
    expected = np_pool(np.transpose(xv, (0, 2, 3, 1)), (2, 2), (2, 2), "SAME", "max")
    np.testing.assert_allclose(np.transpose(run(y), (0, 2, 3, 1)), expected)


def test_pool_on_batch_dimension_is_rejected():
    with pytest.raises(ValueError, match="not yet supported on the batch dimension"):
        conv_ops.max_pool(tf.zeros([2, 4, 4, 1]), [2, 2, 2, 1], [1, 1, 1, 1], "VALID")


def test_pool_gradients():
    # d sum(max_pool(x)) / dx is 1 at each window's maximum; for avg_pool it is
    # the sum over the windows covering an element of 1 / (real elements).
    xv = RNG.permutation(16).astype(np.float32).reshape(1, 4, 4, 1)
    x = tf.placeholder(tf.float32, [1, 4, 4, 1])
    (g_max,) = gradients(tf.reduce_sum(conv_ops.max_pool(x, 2, 2, "VALID")), [x])
    (g_avg,) = gradients(tf.reduce_sum(conv_ops.avg_pool(x, 3, 1, "SAME")), [x])
    got_max, got_avg = run([g_max, g_avg], {x: xv})
    image = xv[0, :, :, 0]
    expected_max = np.zeros((4, 4))
    for bi, bj in itertools.product(range(2), range(2)):
        block = image[2 * bi : 2 * bi + 2, 2 * bj : 2 * bj + 2]
        r, q = np.unravel_index(block.argmax(), (2, 2))
        expected_max[2 * bi + r, 2 * bj + q] = 1
    np.testing.assert_array_equal(got_max[0, :, :, 0], expected_max)
    # Real elements under each output's 3x3 window: 2 or 3 per dimension.
    counts = np.outer([2, 3, 3, 2], [2, 3, 3, 2])
    expected_avg = np.zeros((4, 4))
    for i, j in itertools.product(range(4), range(4)):
        rows = range(max(i - 1, 0), min(i + 2, 4))
        cols = range(max(j - 1, 0), min(j + 2, 4))
        expected_avg[i, j] = sum(1 / counts[r, q] for r in rows for q in cols)
    np.testing.assert_allclose(got_avg[0, :, :, 0], expected_avg, rtol=1e-5)


def test_conv2d_gradient_matches_numpy():
    xv = RNG.randn(1, 4, 4, 2).astype(np.float32)
    wv = RNG.randn(3, 3, 2, 1).astype(np.float32)
    w = tf.Variable(wv)
    y = conv_ops.conv2d(xv, w, 1, "VALID")  # output 2x2
    (gw,) = gradients(tf.reduce_sum(y), [w])
    expected = sum(xv[0, i : i + 3, j : j + 3, :] for i in range(2) for j in range(2))
    np.testing.assert_allclose(run(gw)[..., 0], expected, rtol=1e-5)


# -- moments, l2_normalize, batch_normalization --------------------------------------------


@pytest.mark.parametrize(
    ("axes", "keep_dims"), [([0], False), ([0, 1, 2], False), ([1], True)]
)
def test_moments_match_numpy(axes, keep_dims):
    xv = RNG.randn(4, 3, 2, 5).astype(np.float32)
    mean, var = conv_ops.moments(tf.constant(xv), axes, keep_dims=keep_dims)
    got_mean, got_var = run([mean, var])
    np.testing.assert_allclose(
        got_mean, xv.mean(tuple(axes), keepdims=keep_dims), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        got_var, xv.var(tuple(axes), keepdims=keep_dims), rtol=1e-4, atol=1e-6
    )
    assert mean.op.name.startswith("moments/")


def test_moments_float16_is_reduced_in_float32():
    xv = (RNG.randn(64) * 100).astype(np.float16)
    mean, var = conv_ops.moments(tf.constant(xv), [0])
    assert mean.dtype == tf.float16 and var.dtype == tf.float16
    np.testing.assert_allclose(run(var), xv.astype(np.float32).var(), rtol=1e-3)


def test_l2_normalize_matches_numpy():
    xv = RNG.randn(3, 4).astype(np.float32)
    xv[1] = 0.0  # epsilon keeps the zero row finite
    y = conv_ops.l2_normalize(tf.constant(xv), axis=1)
    norms = np.sqrt(np.maximum((xv**2).sum(1, keepdims=True), 1e-12))
    np.testing.assert_allclose(run(y), xv / norms, rtol=1e-5)
    assert y.op.name == "l2_normalize"


def test_batch_normalization_formula():
    xv = RNG.randn(5, 3).astype(np.float32)
    mean, var = xv.mean(0), xv.var(0)
    offset, scale = RNG.randn(3).astype(np.float32), RNG.randn(3).astype(np.float32)
    y = conv_ops.batch_normalization(xv, mean, var, offset, scale, 1e-3)
    y_plain = conv_ops.batch_normalization(xv, mean, var, None, None, 1e-3)
    got, got_plain = run([y, y_plain])
    np.testing.assert_allclose(
        got, (xv - mean) / np.sqrt(var + 1e-3) * scale + offset, rtol=1e-4, atol=1e-5
    )
    np.testing.assert_allclose(
        got_plain, (xv - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5
    )


# -- embedding_lookup -----------------------------------------------------------------------


def test_embedding_lookup_single_table():
    table = RNG.randn(6, 3).astype(np.float32)
    params = tf.Variable(table)
    ids = tf.placeholder(tf.int32, [None, 2])
    y = conv_ops.embedding_lookup(params, ids)
    idv = np.array([[0, 5], [3, 3]])
    assert y.shape.as_list() == [None, 2, 3]
    np.testing.assert_array_equal(run(y, {ids: idv}), table[idv])


@pytest.mark.parametrize("strategy", ["mod", "div"])
def test_embedding_lookup_sharded(strategy):
    table = RNG.randn(7, 2).astype(np.float32)
    if strategy == "mod":
        shards = [table[p::3] for p in range(3)]  # sizes 3, 2, 2
    else:
        shards = [table[0:3], table[3:5], table[5:7]]
    idv = np.array([0, 1, 2, 3, 4, 5, 6, 2])
    y = conv_ops.embedding_lookup(
        [tf.constant(s) for s in shards], idv, partition_strategy=strategy
    )
    np.testing.assert_array_equal(run(y), table[idv])


def test_embedding_lookup_max_norm():
    table = np.array([[3.0, 4.0], [0.3, 0.4]], np.float32)
    y = conv_ops.embedding_lookup(tf.constant(table), [0, 1], max_norm=1.0)
    np.testing.assert_allclose(run(y), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)


# -- 3-D convolution and pooling, atrous conv2d, tf.nn.pool ----------------------------------


def test_conv3d_transpose_is_the_adjoint_of_conv3d():
    # <conv3d(x), v> == <x, conv3d_transpose(v)> for every x, v.
    xv = RNG.randn(2, 5, 4, 6, 2)
    vv = RNG.randn(2, 3, 2, 3, 3)
    wv = RNG.randn(3, 2, 3, 2, 3)
    strides = [1, 2, 2, 2, 1]
    forward = tf.nn.conv3d(xv, wv, strides, "SAME")
    back = tf.nn.conv3d_transpose(vv, wv, [2, 5, 4, 6, 2], strides, "SAME")
    got_forward, got_back = run([forward, back])
    assert back.op.type == "Conv3DBackpropInputV2"
    np.testing.assert_allclose(
        np.sum(got_forward * vv), np.sum(xv * got_back), rtol=1e-6
    )


def test_conv3d_ncdhw_matches_ndhwc():
    xv = RNG.randn(1, 4, 5, 3, 2).astype(np.float32)
    wv = RNG.randn(2, 2, 2, 2, 3).astype(np.float32)
    ndhwc = tf.nn.conv3d(xv, wv, [1, 1, 2, 1, 1], "SAME")
    ncdhw = tf.nn.conv3d(
        np.moveaxis(xv, -1, 1), wv, [1, 1, 1, 2, 1], "SAME", data_format="NCDHW"
    )
    pooled = tf.nn.max_pool3d(
        np.moveaxis(xv, -1, 1), [1, 1, 2, 2, 2], [1, 1, 2, 2, 2], "SAME", "NCDHW"
    )
    got_ndhwc, got_ncdhw, got_pooled = run([ndhwc, ncdhw, pooled])
    np.testing.assert_allclose(np.moveaxis(got_ncdhw, 1, -1), got_ndhwc, rtol=1e-5)
    np.testing.assert_allclose(
        np.moveaxis(got_pooled, 1, -1),
        np_pool_nd(xv, (2, 2, 2), (2, 2, 2), "SAME", "max"),
    )


def test_conv3d_gradients_match_finite_differences():
    xv = RNG.randn(1, 3, 4, 3, 2)
    wv = RNG.randn(2, 3, 2, 2, 2)
    cv = RNG.randn(1, 3, 2, 3, 2)  # weights of the scalar loss: sum(c * conv3d)
    x, w = tf.placeholder(tf.float64, xv.shape), tf.placeholder(tf.float64, wv.shape)
    loss = tf.reduce_sum(cv * tf.nn.conv3d(x, w, [1, 1, 2, 1, 1], "SAME"))
    grads = gradients(loss, [x, w])
    with tf.Session() as sess:
        got_loss, got_gx, got_gw = sess.run([loss, *grads], {x: xv, w: wv})

        def numeric(array, index, other):
            eps = 1e-6
            bumped = [array.copy(), array.copy()]
            bumped[0][index] += eps
            bumped[1][index] -= eps
            feeds = [
                {x: b, w: other} if array is xv else {x: other, w: b} for b in bumped
            ]
            up, down = (sess.run(loss, f) for f in feeds)
            return (up - down) / (2 * eps)

        for index in [(0, 0, 0, 0, 0), (0, 1, 2, 1, 1), (0, 2, 3, 2, 0)]:
            np.testing.assert_allclose(got_gx[index], numeric(xv, index, wv), rtol=1e-6)
        for index in [(0, 0, 0, 0, 0), (1, 2, 1, 1, 1), (1, 1, 0, 0, 1)]:
            np.testing.assert_allclose(got_gw[index], numeric(wv, index, xv), rtol=1e-6)
    assert got_loss == pytest.approx(np.sum(cv * np_conv_nd(xv, wv, (1, 2, 1), "SAME")))


def test_conv3d_and_pool3d_errors():
    x = tf.placeholder(tf.float32, [None, 4, 4, 4, 3])
    with pytest.raises(ValueError, match="Shape must be rank 5 but is rank 4"):
        tf.nn.conv3d(
            tf.zeros([4, 4, 4, 3]), np.zeros((2, 2, 2, 3, 1), np.float32), 1, "SAME"
        )
    with pytest.raises(ValueError, match=r"Depth of input \(3\) is not a multiple"):
        tf.nn.conv3d(x, np.zeros((2, 2, 2, 2, 1), np.float32), 1, "SAME")
    with pytest.raises(ValueError, match="strides in the batch and depth"):
        tf.nn.conv3d(x, np.zeros((2, 2, 2, 3, 1), np.float32), [1, 1, 1, 1, 2], "SAME")
    with pytest.raises(ValueError, match="data_format must be 'NDHWC' or 'NCDHW'"):
        tf.nn.conv3d(x, np.zeros((2, 2, 2, 3, 1), np.float32), 1, "SAME", "NHWC")
    with pytest.raises(ValueError, match="should be of length 1, 3 or 5"):
        tf.nn.conv3d(x, np.zeros((2, 2, 2, 3, 1), np.float32), [1, 1], "SAME")
    with pytest.raises(ValueError, match="Shape must be rank 5 but is rank 4"):
        tf.nn.max_pool3d(tf.zeros([4, 4, 4, 3]), 2, 2, "SAME")
    with pytest.raises(ValueError, match="not yet supported on the batch dimension"):
        tf.nn.avg_pool3d(x, [2, 1, 1, 1, 1], 1, "SAME")
    with pytest.raises(
        ValueError,
        match=r"Size of out_backprop doesn't match computed: actual = 2, computed = 3"
        r".*op: 'Conv3DBackpropInputV2'",
    ):
        tf.nn.conv3d_transpose(
            tf.zeros([1, 2, 2, 2, 1]), tf.zeros([2, 2, 2, 3, 1]), [1, 5, 4, 4, 3], 2
        )
    with pytest.raises(ValueError, match="needs output_shape's depth, height, width"):
        v = tf.placeholder(tf.float32, [None, 2, 2, 2, 1])
        tf.nn.conv3d_transpose(
            v, tf.zeros([2, 2, 2, 3, 1]), [1, tf.shape(v)[1] * 2, 4, 4, 3], 2
        )


def test_atrous_conv2d_is_a_dilated_conv2d():
    xv = RNG.randn(1, 8, 7, 2).astype(np.float32)
    wv = RNG.randn(3, 3, 2, 2).astype(np.float32)
    y = tf.nn.atrous_conv2d(xv, wv, rate=2, padding="SAME")
    assert y.op.type == "Conv2D"
    expected = np_conv2d(xv, wv, (1, 1), "SAME", (2, 2))
    np.testing.assert_allclose(run(y), expected, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="rate 0 cannot be less than one"):
        tf.nn.atrous_conv2d(xv, wv, rate=0, padding="SAME")


@pytest.mark.parametrize("pooling_type", ["MAX", "AVG"])
def test_nn_pool_in_1_2_and_3_dimensions(pooling_type):
    kind = pooling_type.lower()
    cases = [
        ((2, 9, 3), (3,), (2,)),
        ((1, 5, 6, 2), (2, 3), (2, 1)),
        ((1, 4, 3, 5, 1), (2, 2, 3), (1, 2, 2)),
    ]
    fetches, wants = [], []
    for shape, window, strides in cases:
        xv = RNG.randn(*shape).astype(np.float32)
        fetches.append(tf.nn.pool(xv, window, pooling_type, "SAME", strides=strides))
        wants.append(np_pool_nd(xv, window, strides, "SAME", kind))
    for got, want in zip(run(fetches), wants, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5)
    with pytest.raises(NotImplementedError, match="dilation_rate"):
        tf.nn.pool(
            np.zeros((1, 4, 4, 1), np.float32), [2, 2], pooling_type, "SAME", [2, 2]
        )
    with pytest.raises(ValueError, match="Invalid pooling_type"):
        tf.nn.pool(np.zeros((1, 4, 1), np.float32), [2], "MIN", "SAME")


def test_normalize_moments_from_sufficient_statistics():
    xv = RNG.randn(6, 3)
    shift = xv[0]
    counts, mean_ss, variance_ss = 6.0, (xv - shift).sum(0), ((xv - shift) ** 2).sum(0)
    mean, variance = tf.nn.normalize_moments(counts, mean_ss, variance_ss, shift)
    got_mean, got_variance = run([mean, variance])
    np.testing.assert_allclose(got_mean, xv.mean(0), rtol=1e-10)
    np.testing.assert_allclose(got_variance, xv.var(0), rtol=1e-10)
    plain_mean, _ = tf.nn.normalize_moments(6.0, xv.sum(0), (xv**2).sum(0), None)
    np.testing.assert_allclose(run(plain_mean), xv.mean(0), rtol=1e-10)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_conv1d_transpose_is_the_adjoint_of_conv1d(padding):
    width = 9 if padding == "SAME" else 11
    xv = RNG.randn(2, width, 3)
    wv = RNG.randn(3, 3, 4)
    forward = tf.nn.conv1d(xv, wv, stride=2, padding=padding)  # [2, 5, 4]
    vv = RNG.randn(2, 5, 4)
    v = tf.placeholder(tf.float64, [None, 5, 4])
    back = tf.nn.conv1d_transpose(v, wv, [tf.shape(v)[0], width, 3], 2, padding)
    assert back.shape.as_list() == [None, width, 3]
    got_forward, got_back = run([forward, back], {v: vv})
    np.testing.assert_allclose(
        np.sum(got_forward * vv), np.sum(xv * got_back), rtol=1e-10
    )
    # conv1d's filter [k, in, out] is conv1d_transpose's [k, output, in].
    want = np_conv_transpose_nd(vv, wv, (width,), (2,), padding)
    np.testing.assert_allclose(got_back, want, rtol=1e-10)
    with pytest.raises(ValueError, match="data_format must be 'NWC' or 'NCW'"):
        tf.nn.conv1d_transpose(v, wv, [2, width, 3], 2, data_format="NHWC")
