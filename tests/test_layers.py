"""tf.layers: TF1 variable and op names, sharing, values against numpy, training flags,
batch-norm moving averages, and a small conv net that learns."""

from __future__ import annotations

import re

import numpy as np
import pytest

import jgraph as tf
from jgraph import layers, losses
from jgraph.ops import init_ops
from jgraph.ops.variable_scope import AUTO_REUSE, variable_scope

RNG = np.random.RandomState(0)


def names(variables):
    return [v.name for v in variables]


def op_names():
    return [op.name for op in tf.get_default_graph().get_operations()]


# -- dense ------------------------------------------------------------------------------


def test_dense_names_values_and_shapes():
    x = tf.placeholder(tf.float32, [None, 3])
    y = layers.dense(x, 4, activation=tf.nn.relu)
    z = layers.dense(y, 2)
    assert names(tf.global_variables()) == [
        "dense/kernel:0",
        "dense/bias:0",
        "dense_1/kernel:0",
        "dense_1/bias:0",
    ]
    assert names(tf.trainable_variables()) == names(tf.global_variables())
    assert {"dense/MatMul", "dense/BiasAdd", "dense/Relu", "dense_1/MatMul"} <= set(
        op_names()
    )
    assert y.shape.as_list() == [None, 4] and z.shape.as_list() == [None, 2]
    xv = RNG.randn(5, 3).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        k0, b0, k1, b1 = sess.run(tf.global_variables())
        got = sess.run(z, {x: xv})
    np.testing.assert_array_equal(b0, np.zeros(4))  # bias starts at zero
    expected = np.maximum(xv @ k0 + b0, 0) @ k1 + b1
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_dense_reuse_by_name():
    x = tf.placeholder(tf.float32, [None, 3])
    layers.dense(x, 4, name="fc")
    y2 = layers.dense(x, 4, name="fc", reuse=True)
    assert names(tf.global_variables()) == ["fc/kernel:0", "fc/bias:0"]
    assert y2.op.name == "fc_1/BiasAdd"
    message = re.escape(
        "Variable fc/kernel already exists, disallowed. Did you mean to set reuse=True"
        " or reuse=tf.AUTO_REUSE in VarScope?"
    )
    with pytest.raises(ValueError, match=message):
        layers.dense(x, 4, name="fc")
    with pytest.raises(ValueError, match="Variable other/kernel does not exist"):
        layers.dense(x, 4, name="other", reuse=True)


def test_dense_reuse_through_variable_scopes():
    x = tf.placeholder(tf.float32, [None, 3])

    def net():
        return layers.dense(layers.dense(x, 4), 2)

    with variable_scope("net"):
        net()
    with variable_scope("net", reuse=True):
        net()
    with variable_scope("auto", reuse=AUTO_REUSE):
        layers.dense(x, 2, name="fc")
    with variable_scope("auto", reuse=AUTO_REUSE):
        layers.dense(x, 2, name="fc")
    assert names(tf.global_variables()) == [
        "net/dense/kernel:0",
        "net/dense/bias:0",
        "net/dense_1/kernel:0",
        "net/dense_1/bias:0",
        "auto/fc/kernel:0",
        "auto/fc/bias:0",
    ]


def test_layer_object_shares_weights_across_calls():
    layer = layers.Dense(3, use_bias=False, name="shared")
    a = layer(tf.ones([2, 4]))
    b = layer(tf.zeros([1, 4]))
    assert names(layer.variables) == ["shared/kernel:0"]
    assert [a.op.name, b.op.name] == ["shared/MatMul", "shared/MatMul_1"]
    assert layer.scope_name == "shared"
    assert len(tf.global_variables()) == 1


def test_dense_rank3_inputs_use_the_last_dimension():
    xv = RNG.randn(2, 5, 3).astype(np.float32)
    y = layers.dense(tf.constant(xv), 4)
    assert y.shape.as_list() == [2, 5, 4]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        kernel, got = sess.run([tf.global_variables()[0], y])
    np.testing.assert_allclose(got, xv @ kernel, rtol=1e-5, atol=1e-6)


def test_dense_initializers_from_scope_and_arguments():
    x = tf.ones([1, 2])
    with variable_scope("s", initializer=init_ops.constant_initializer(0.5)):
        y = layers.dense(x, 1, bias_initializer=init_ops.constant_initializer(1.0))
    z = layers.dense(x, 1, kernel_initializer=init_ops.ones_initializer())
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run([y, z]), [[[2.0]], [[2.0]]])


def test_dense_dtype_follows_inputs_and_errors():
    y = layers.dense(tf.placeholder(tf.float64, [None, 2]), 3)
    assert y.dtype == tf.float64
    assert tf.global_variables()[0].dtype == tf.float64
    with pytest.raises(ValueError, match="last dimension of the inputs to `Dense`"):
        layers.dense(tf.placeholder(tf.float32, [None, None]), 3)


def test_regularizers_and_trainable_flag():
    def l2(w):
        return 0.5 * tf.reduce_sum(tf.square(w))

    x = tf.ones([2, 3])
    layers.dense(x, 2, kernel_regularizer=l2, activity_regularizer=tf.reduce_sum)
    frozen = layers.Dense(2, trainable=False, name="frozen")
    frozen(x)
    reg = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert len(reg) == 2
    assert reg[0].name.startswith("dense/kernel/Regularizer/")
    assert reg[1].name.startswith("dense/ActivityRegularizer/")
    assert frozen.trainable_weights == []
    assert names(frozen.non_trainable_weights) == ["frozen/kernel:0", "frozen/bias:0"]
    assert not any(v.name.startswith("frozen") for v in tf.trainable_variables())


# -- conv2d and pooling --------------------------------------------------------------------


def np_conv_same(x, w):
    """Stride-1 SAME NHWC convolution (odd square kernel)."""
    k = w.shape[0]
    p = k // 2
    padded = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    out = np.zeros((*x.shape[:3], w.shape[-1]))
    for i in range(x.shape[1]):
        for j in range(x.shape[2]):
            out[:, i, j] = np.einsum(
                "nhwc,hwco->no", padded[:, i : i + k, j : j + k], w
            )
    return out


def test_conv2d_layer():
    x = tf.placeholder(tf.float32, [None, 6, 6, 2])
    y = layers.conv2d(x, 3, 3, padding="same", activation=tf.nn.relu)
    v = layers.conv2d(x, 3, [2, 3], strides=2, name="valid")
    assert names(tf.global_variables()) == [
        "conv2d/kernel:0",
        "conv2d/bias:0",
        "valid/kernel:0",
        "valid/bias:0",
    ]
    assert tf.global_variables()[0].shape.as_list() == [3, 3, 2, 3]
    assert {"conv2d/Conv2D", "conv2d/BiasAdd", "conv2d/Relu"} <= set(op_names())
    assert y.shape.as_list() == [None, 6, 6, 3]
    assert v.shape.as_list() == [None, 3, 2, 3]
    xv = RNG.randn(2, 6, 6, 2).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        kernel, bias = sess.run(tf.global_variables()[:2])
        got = sess.run(y, {x: xv})
    expected = np.maximum(np_conv_same(xv, kernel) + bias, 0)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_conv2d_channels_first_matches_channels_last():
    xv = RNG.randn(2, 5, 5, 3).astype(np.float32)
    init = init_ops.glorot_uniform_initializer(seed=3)
    last = layers.conv2d(xv, 4, 3, padding="same", kernel_initializer=init)
    first = layers.conv2d(
        np.transpose(xv, (0, 3, 1, 2)),
        4,
        3,
        padding="same",
        data_format="channels_first",
        kernel_initializer=init,
    )
    tf.set_random_seed(1)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got_last, got_first = sess.run([last, first])
    np.testing.assert_allclose(
        np.transpose(got_first, (0, 2, 3, 1)), got_last, rtol=1e-5, atol=1e-6
    )


def test_conv2d_argument_errors():
    x = tf.placeholder(tf.float32, [None, 6, 6, 2])
    with pytest.raises(
        ValueError, match='The `padding` argument must be one of "valid", "same"'
    ):
        layers.conv2d(x, 3, 3, padding="full")
    with pytest.raises(
        ValueError, match="channel dimension of the inputs should be defined"
    ):
        layers.conv2d(tf.placeholder(tf.float32, [None, 6, 6, None]), 3, 3)


def test_pooling_layers():
    xv = RNG.randn(1, 4, 4, 2).astype(np.float32)
    m = layers.max_pooling2d(xv, 2, 2)
    a = layers.average_pooling2d(xv, [2, 2], [2, 2], padding="same")
    assert [m.op.name, a.op.name] == [
        "max_pooling2d/MaxPool",
        "average_pooling2d/AvgPool",
    ]
    blocks = xv.reshape(1, 2, 2, 2, 2, 2).transpose(0, 1, 3, 2, 4, 5)
    with tf.Session() as sess:
        got_m, got_a = sess.run([m, a])
    np.testing.assert_allclose(got_m, blocks.max((3, 4)))
    np.testing.assert_allclose(got_a, blocks.mean((3, 4)), rtol=1e-6, atol=1e-6)


def test_flatten():
    x = tf.placeholder(tf.float32, [None, 2, 3, 4])
    y = layers.flatten(x)
    assert y.shape.as_list() == [None, 24] and y.op.name.startswith("flatten/")
    z = layers.flatten(x, data_format="channels_first")
    unknown = tf.placeholder(tf.float32, [None, None, 3])
    w = layers.flatten(unknown)
    xv = RNG.randn(2, 2, 3, 4).astype(np.float32)
    with tf.Session() as sess:
        got_y, got_z = sess.run([y, z], {x: xv})
        got_w = sess.run(w, {unknown: np.ones((2, 5, 3), np.float32)})
    np.testing.assert_array_equal(got_y, xv.reshape(2, -1))
    np.testing.assert_array_equal(got_z, np.transpose(xv, (0, 2, 3, 1)).reshape(2, -1))
    assert got_w.shape == (2, 15)


# -- conv2d_transpose and separable_conv2d ---------------------------------------------------


def _rng():
    """A private generator, so these tests leave the shared ``RNG`` sequence alone."""
    return np.random.RandomState(7)


def test_conv2d_transpose_layer_names_shapes_and_values():
    x = tf.placeholder(tf.float32, [None, 4, 4, 3])
    valid = layers.conv2d_transpose(x, 2, 3, strides=2, activation=tf.nn.relu)
    same = layers.conv2d_transpose(x, 5, [2, 3], strides=(2, 1), padding="same")
    unit = layers.conv2d_transpose(x, 1, 1, strides=2, use_bias=False)
    assert names(tf.global_variables()) == [
        "conv2d_transpose/kernel:0",
        "conv2d_transpose/bias:0",
        "conv2d_transpose_1/kernel:0",
        "conv2d_transpose_1/bias:0",
        "conv2d_transpose_2/kernel:0",
    ]
    assert [v.shape.as_list() for v in tf.global_variables()] == [
        [3, 3, 2, 3],
        [2],
        [2, 3, 5, 3],
        [5],
        [1, 1, 1, 3],
    ]
    # valid: n * s + max(k - s, 0); same: n * s.
    assert valid.shape.as_list() == [None, 9, 9, 2]
    assert same.shape.as_list() == [None, 8, 4, 5]
    assert unit.shape.as_list() == [None, 8, 8, 1]
    assert {
        "conv2d_transpose/conv2d_transpose",
        "conv2d_transpose/BiasAdd",
        "conv2d_transpose/Relu",
    } <= set(op_names())
    assert valid.op.inputs[0].op.inputs[0].op.type == "Conv2DBackpropInput"
    xv = _rng().randn(2, 4, 4, 3).astype(np.float32)
    kernel = tf.global_variables()[0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.global_variables()[1].assign([0.5, -0.5]))
        reference = tf.nn.conv2d_transpose(x, kernel, [2, 9, 9, 2], 2, "VALID")
        got, plain, bias = sess.run(
            [valid, reference, tf.global_variables()[1]], {x: xv}
        )
    np.testing.assert_allclose(got, np.maximum(plain + bias, 0), rtol=1e-5, atol=1e-6)
    assert np.any(got > 0) and np.any(got == 0)


def test_conv2d_transpose_layer_channels_first_matches_channels_last():
    xv = _rng().randn(2, 3, 3, 2).astype(np.float32)
    init = init_ops.glorot_uniform_initializer(seed=5)
    last = layers.conv2d_transpose(xv, 3, 3, 2, padding="same", kernel_initializer=init)
    first = layers.conv2d_transpose(
        np.transpose(xv, (0, 3, 1, 2)),
        3,
        3,
        2,
        padding="same",
        data_format="channels_first",
        kernel_initializer=init,
    )
    assert first.shape.as_list() == [2, 3, 6, 6]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got_last, got_first = sess.run([last, first])
    np.testing.assert_allclose(
        np.transpose(got_first, (0, 2, 3, 1)), got_last, rtol=1e-5, atol=1e-6
    )


def test_conv2d_transpose_layer_reuse():
    x = tf.placeholder(tf.float32, [None, 3, 3, 2])
    with variable_scope("decoder"):
        a = layers.conv2d_transpose(x, 4, 3, strides=2)
    with variable_scope("decoder", reuse=True):
        b = layers.conv2d_transpose(x, 4, 3, strides=2)
    layers.conv2d_transpose(x, 4, 3, name="up")
    c = layers.conv2d_transpose(x, 4, 3, name="up", reuse=True)
    assert names(tf.global_variables()) == [
        "decoder/conv2d_transpose/kernel:0",
        "decoder/conv2d_transpose/bias:0",
        "up/kernel:0",
        "up/bias:0",
    ]
    assert c.op.name == "up_1/BiasAdd"
    xv = _rng().randn(1, 3, 3, 2).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got_a, got_b = sess.run([a, b], {x: xv})
    np.testing.assert_array_equal(got_a, got_b)
    with pytest.raises(ValueError, match="Variable up/kernel already exists"):
        layers.conv2d_transpose(x, 4, 3, name="up")


def test_conv2d_transpose_layer_dilation_rate_keyword():
    # TF1's tf.layers.Conv2DTranspose passes extra keywords on to Keras, which
    # dilates the kernel: output n * s + max((k - 1) * d + 1 - s, 0).
    x = tf.placeholder(tf.float32, [None, 4, 4, 3])
    layer = layers.Conv2DTranspose(2, 3, dilation_rate=2, use_bias=False)
    y = layer(x)
    assert y.shape.as_list() == [None, 8, 8, 2]
    reference = tf.nn.conv2d_transpose(
        x, layer.kernel, [tf.shape(x)[0], 8, 8, 2], 1, "VALID", dilations=2
    )
    xv = _rng().randn(2, 4, 4, 3).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, want = sess.run([y, reference], {x: xv})
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_conv2d_transpose_layer_errors():
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layers.conv2d_transpose(tf.placeholder(tf.float32, [None, 4, 3]), 2, 3)
    with pytest.raises(ValueError, match="spatial dimensions of the inputs"):
        layers.conv2d_transpose(tf.placeholder(tf.float32, [None, None, 4, 3]), 2, 3)


def test_conv2d_transpose_layer_trains():
    """conv2d (stride 2) then conv2d_transpose (stride 2) learn to reconstruct."""
    from jgraph.train import AdamOptimizer

    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 6, 6, 1])
    h = layers.conv2d(x, 4, 3, strides=2, padding="same", activation=tf.nn.relu)
    y = layers.conv2d_transpose(h, 1, 3, strides=2, padding="same")
    assert y.shape.as_list() == [None, 6, 6, 1]
    loss = tf.reduce_mean(tf.square(y - x))
    train_op = AdamOptimizer(0.05).minimize(loss)
    xv = np.random.RandomState(2).rand(8, 6, 6, 1).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(loss, {x: xv})
        for _ in range(30):
            sess.run(train_op, {x: xv})
        after = sess.run(loss, {x: xv})
    assert after < 0.5 * before


def test_separable_conv2d_layer():
    x = tf.placeholder(tf.float32, [None, 6, 6, 3])
    y = layers.separable_conv2d(x, 4, 3, depth_multiplier=2, padding="same")
    z = layers.separable_conv2d(x, 2, (3, 2), strides=2)
    assert names(tf.global_variables()) == [
        "separable_conv2d/depthwise_kernel:0",
        "separable_conv2d/pointwise_kernel:0",
        "separable_conv2d/bias:0",
        "separable_conv2d_1/depthwise_kernel:0",
        "separable_conv2d_1/pointwise_kernel:0",
        "separable_conv2d_1/bias:0",
    ]
    assert [v.shape.as_list() for v in tf.global_variables()[:3]] == [
        [3, 3, 3, 2],
        [1, 1, 6, 4],
        [4],
    ]
    assert {
        "separable_conv2d/separable_conv2d/depthwise",
        "separable_conv2d/separable_conv2d",
        "separable_conv2d/BiasAdd",
    } <= set(op_names())
    assert y.shape.as_list() == [None, 6, 6, 4]
    assert z.shape.as_list() == [None, 2, 3, 2]
    xv = _rng().randn(2, 6, 6, 3).astype(np.float32)
    depthwise, pointwise, bias = tf.global_variables()[:3]
    reference = tf.nn.separable_conv2d(x, depthwise, pointwise, 1, "SAME") + bias
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, want = sess.run([y, reference], {x: xv})
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# -- dropout -----------------------------------------------------------------------------


def test_dropout_training_flags():
    tf.set_random_seed(0)
    x = tf.ones([100, 100])
    off = layers.dropout(x, 0.3)  # training=False: the identity
    on = layers.dropout(x, 0.3, training=True)
    flag = tf.placeholder(tf.bool, [])
    fed = layers.dropout(x, 0.3, training=flag)
    with tf.Session() as sess:
        got_off, got_on = sess.run([off, on])
        fed_false = sess.run(fed, {flag: False})
        fed_true = sess.run(fed, {flag: True})
    np.testing.assert_array_equal(got_off, np.ones((100, 100)))
    np.testing.assert_array_equal(fed_false, np.ones((100, 100)))
    for got in (got_on, fed_true):
        kept = got != 0
        assert abs(kept.mean() - 0.7) < 0.02
        np.testing.assert_allclose(got[kept], 1 / 0.7, rtol=1e-6)


def test_dropout_is_reproducible_with_a_graph_seed():
    def sample():
        tf.reset_default_graph()
        tf.set_random_seed(42)
        y = layers.dropout(tf.ones([50]), 0.5, training=True)
        with tf.Session() as sess:
            return sess.run(y), sess.run(y)

    (a1, a2), (b1, b2) = sample(), sample()
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)  # the key advances every run


# -- batch normalization ----------------------------------------------------------------------


def test_batch_norm_variables_and_inference():
    x = tf.placeholder(tf.float32, [None, 3])
    y = layers.batch_normalization(x)  # training=False: moving statistics
    assert names(tf.global_variables()) == [
        "batch_normalization/gamma:0",
        "batch_normalization/beta:0",
        "batch_normalization/moving_mean:0",
        "batch_normalization/moving_variance:0",
    ]
    assert names(tf.trainable_variables()) == names(tf.global_variables())[:2]
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    xv = RNG.randn(4, 3).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(y, {x: xv})
    np.testing.assert_allclose(got, xv / np.sqrt(1 + 1e-3), rtol=1e-5)


def test_batch_norm_training_and_moving_average_updates_2d():
    xv = (RNG.randn(8, 3) * [1.0, 2.0, 3.0] + [1.0, -1.0, 0.5]).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 3])
    y = layers.batch_normalization(x, training=True, momentum=0.9)
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert [u.op.name for u in updates] == [
        "batch_normalization/AssignMovingAvg",
        "batch_normalization/AssignMovingAvg_1",
    ]
    moving_mean, moving_var = tf.global_variables()[2:]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(y, {x: xv})
        sess.run(updates, {x: xv})
        got_mean, got_var = sess.run([moving_mean, moving_var])
    expected = (xv - xv.mean(0)) / np.sqrt(xv.var(0) + 1e-3)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_mean, 0.1 * xv.mean(0), rtol=1e-5)
    # 2-D inputs: the biased batch variance, as TF1's non-fused path.
    np.testing.assert_allclose(got_var, 0.9 + 0.1 * xv.var(0), rtol=1e-5)


def test_batch_norm_4d_uses_the_unbiased_variance_for_moving_averages():
    xv = RNG.randn(2, 3, 3, 2).astype(np.float32)
    y = layers.batch_normalization(tf.constant(xv), training=True, momentum=0.5)
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    moving_var = tf.global_variables()[3]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, _ = sess.run([y, updates])
        got_var = sess.run(moving_var)
    n = 2 * 3 * 3
    batch_var = xv.var((0, 1, 2))
    np.testing.assert_allclose(got_var, 0.5 + 0.5 * batch_var * n / (n - 1), rtol=1e-5)
    expected = (xv - xv.mean((0, 1, 2))) / np.sqrt(batch_var + 1e-3)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_batch_norm_channels_first_axis():
    xv = RNG.randn(2, 3, 2, 2).astype(np.float32)
    y = layers.batch_normalization(tf.constant(xv), axis=1, training=True)
    assert tf.global_variables()[0].shape.as_list() == [3]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(y)
    mean = xv.mean((0, 2, 3), keepdims=True)
    var = xv.var((0, 2, 3), keepdims=True)
    np.testing.assert_allclose(
        got, (xv - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5
    )


def test_batch_norm_training_placeholder():
    xv = (RNG.randn(6, 2) + 3.0).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 2])
    training = tf.placeholder(tf.bool, [])
    y = layers.batch_normalization(x, training=training)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        y_and_update = tf.identity(y)
    moving_mean = tf.global_variables()[2]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        infer = sess.run(y_and_update, {x: xv, training: False})
        assert np.all(sess.run(moving_mean) == 0)  # not training: no update
        train = sess.run(y_and_update, {x: xv, training: True})
        np.testing.assert_allclose(sess.run(moving_mean), 0.01 * xv.mean(0), rtol=1e-5)
    np.testing.assert_allclose(infer, xv / np.sqrt(1 + 1e-3), rtol=1e-5)
    np.testing.assert_allclose(train.mean(0), 0.0, atol=1e-5)


def test_batch_norm_reuse():
    x = tf.placeholder(tf.float32, [None, 2])
    layers.batch_normalization(x, training=True, name="bn")
    layers.batch_normalization(x, training=False, name="bn", reuse=True)
    assert len(tf.global_variables()) == 4
    assert len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)) == 2


# -- a small conv net learns ---------------------------------------------------------------


def _blob_batch(rng, n):
    """8x8 images with a bright quadrant; the label is the quadrant."""
    labels = rng.randint(0, 4, n)
    images = rng.rand(n, 8, 8, 1).astype(np.float32) * 0.3
    for i, label in enumerate(labels):
        r, q = divmod(int(label), 2)
        images[i, 4 * r : 4 * r + 4, 4 * q : 4 * q + 4, 0] += 1.0
    return images, labels.astype(np.int32)


# Two compilations of the train op: until Session.set_state keeps arrays uncommitted,
# the run after it recompiles.
@pytest.mark.slow
def test_small_conv_net_learns_reproducibly():
    """Conv + batch norm + dropout + dense, trained with Adam on the UPDATE_OPS
    pattern, learns; training again from the same state (variables and RNG key)
    gives bit-identical weights."""
    from jgraph.train import AdamOptimizer

    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 8, 8, 1])
    labels = tf.placeholder(tf.int32, [None])
    training = tf.placeholder_with_default(False, shape=[])
    h = layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu)
    h = layers.batch_normalization(h, training=training)
    h = layers.max_pooling2d(h, 2, 2)
    h = layers.dropout(layers.flatten(h), 0.2, training=training)
    logits = layers.dense(h, 4)
    loss = losses.sparse_softmax_cross_entropy(labels, logits)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train_op = AdamOptimizer(0.02).minimize(loss)
    correct = tf.equal(tf.cast(tf.argmax(logits, 1), tf.int32), labels)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    rng = np.random.RandomState(1)
    test_x, test_y = _blob_batch(rng, 200)
    batches = [_blob_batch(rng, 32) for _ in range(40)]

    def train(sess):
        for batch_x, batch_y in batches:
            sess.run(train_op, {x: batch_x, labels: batch_y, training: True})
        return sess.run(tf.global_variables())

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(accuracy, {x: test_x, labels: test_y})
        start = sess.get_state()  # after that run: every run advances the key
        weights = train(sess)
        after = sess.run(accuracy, {x: test_x, labels: test_y})
        sess.set_state(start.variables, start.key)
        weights_again = train(sess)
    assert before < 0.5
    assert after > 0.9
    moving_mean = weights[4]  # batch_normalization/moving_mean moved off zero
    assert np.abs(moving_mean).max() > 0.01
    for a, b in zip(weights, weights_again, strict=True):
        np.testing.assert_array_equal(a, b)


# -- 1-D and 3-D convolution and pooling layers ---------------------------------------------


def np_valid_conv(x, kernel, strides):
    """``[n, *spatial, c]`` x ``[*k, c, o]`` VALID cross-correlation, by taps."""
    ks = kernel.shape[:-2]
    outs = [
        (n - k) // s + 1 for n, k, s in zip(x.shape[1:-1], ks, strides, strict=True)
    ]
    out = np.zeros((x.shape[0], *outs, kernel.shape[-1]))
    for tap in np.ndindex(*ks):
        window = tuple(
            slice(t, t + (o - 1) * s + 1, s)
            for t, o, s in zip(tap, outs, strides, strict=True)
        )
        out += x[(slice(None), *window)] @ kernel[tap]
    return out


def test_conv1d_and_conv3d_layers_names_shapes_and_values():
    x1 = tf.placeholder(tf.float32, [None, 9, 3])
    x3 = tf.placeholder(tf.float32, [None, 4, 5, 6, 2])
    y1 = layers.conv1d(x1, 4, 3, strides=2, activation=tf.nn.relu)
    y3 = layers.conv3d(x3, 5, [2, 3, 2], strides=(1, 2, 2))
    assert names(tf.global_variables()) == [
        "conv1d/kernel:0",
        "conv1d/bias:0",
        "conv3d/kernel:0",
        "conv3d/bias:0",
    ]
    shapes = [v.shape.as_list() for v in tf.global_variables()]
    assert shapes == [[3, 3, 4], [4], [2, 3, 2, 2, 5], [5]]
    assert "conv3d/Conv3D" in op_names()
    assert y1.shape.as_list() == [None, 4, 4]
    assert y3.shape.as_list() == [None, 3, 2, 3, 5]
    xv1 = RNG.randn(2, 9, 3).astype(np.float32)
    xv3 = RNG.randn(2, 4, 5, 6, 2).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        biases = tf.global_variables()[1::2]  # zeros: make them count
        sess.run(
            [
                b.assign(RNG.randn(n).astype(np.float32))
                for b, n in zip(biases, [4, 5], strict=True)
            ]
        )
        k1, b1, k3, b3 = sess.run(tf.global_variables())
        got1, got3 = sess.run([y1, y3], {x1: xv1, x3: xv3})
    want1 = np.maximum(np_valid_conv(xv1, k1, (2,)) + b1, 0)
    np.testing.assert_allclose(got1, want1, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        got3, np_valid_conv(xv3, k3, (1, 2, 2)) + b3, rtol=1e-4, atol=1e-5
    )


def test_conv1d_layer_channels_first_and_reuse():
    xv = RNG.randn(2, 7, 3).astype(np.float32)
    init = init_ops.glorot_uniform_initializer(seed=5)
    last = layers.conv1d(xv, 2, 3, padding="same", kernel_initializer=init, name="c")
    first = layers.conv1d(
        np.transpose(xv, (0, 2, 1)),
        2,
        3,
        padding="same",
        data_format="channels_first",
        name="c",
        reuse=True,
    )
    assert names(tf.global_variables()) == ["c/kernel:0", "c/bias:0"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got_last, got_first = sess.run([last, first])
    np.testing.assert_allclose(
        np.transpose(got_first, (0, 2, 1)), got_last, rtol=1e-5, atol=1e-6
    )


def test_conv3d_transpose_layer_is_the_adjoint_of_conv3d():
    x = tf.placeholder(tf.float32, [None, 2, 3, 2, 4])
    y = layers.conv3d_transpose(x, 2, 3, strides=2, padding="same", use_bias=False)
    v = layers.conv3d_transpose(x, 2, [2, 3, 2], strides=(1, 2, 1), name="valid")
    kernel = tf.global_variables()[0]
    assert names(tf.global_variables()) == [
        "conv3d_transpose/kernel:0",
        "valid/kernel:0",
        "valid/bias:0",
    ]
    assert kernel.shape.as_list() == [3, 3, 3, 2, 4]
    assert y.shape.as_list() == [None, 4, 6, 4, 2]
    assert v.shape.as_list() == [None, 3, 7, 3, 2]
    assert isinstance(layers.Conv3DTranspose(2, 3), layers.Conv3D)
    xv = RNG.randn(2, 2, 3, 2, 4).astype(np.float32)
    zv = RNG.randn(2, 4, 6, 4, 2).astype(np.float32)
    forward = tf.nn.conv3d(zv, kernel, 2, "SAME")  # [2, 2, 3, 2, 4]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got_y, got_forward = sess.run([y, forward], {x: xv})
    # <conv3d_transpose(x), z> == <x, conv3d(z)>.
    np.testing.assert_allclose(np.sum(got_y * zv), np.sum(xv * got_forward), rtol=1e-4)


def test_pooling_1d_and_3d_layers():
    xv1 = RNG.randn(2, 7, 3).astype(np.float32)
    xv3 = RNG.randn(1, 4, 4, 6, 2).astype(np.float32)
    m1 = layers.max_pooling1d(xv1, 2, 2)
    a1 = layers.average_pooling1d(xv1, 3, 3, padding="same")
    m3 = layers.max_pooling3d(xv3, 2, 2)
    a3 = layers.AveragePooling3D([2, 2, 3], [2, 2, 3])(xv3)
    assert [m1.shape.as_list(), a1.shape.as_list()] == [[2, 3, 3], [2, 3, 3]]
    assert [m3.op.type, a3.op.type] == ["MaxPool3D", "AvgPool3D"]
    assert m3.op.name == "max_pooling3d/MaxPool3D"
    with tf.Session() as sess:
        got_m1, got_a1, got_m3, got_a3 = sess.run([m1, a1, m3, a3])
    np.testing.assert_allclose(got_m1, xv1[:, :6].reshape(2, 3, 2, 3).max(2))
    # "same": 2 padded elements, 1 before: windows cover [0, 2), [2, 5), [5, 7).
    want_a1 = np.stack([xv1[:, a:b].mean(1) for a, b in [(0, 2), (2, 5), (5, 7)]], 1)
    np.testing.assert_allclose(got_a1, want_a1, rtol=1e-6, atol=1e-6)
    want_m3 = xv3.reshape(1, 2, 2, 2, 2, 3, 2, 2).max((2, 4, 6))
    np.testing.assert_allclose(got_m3, want_m3)
    want_a3 = xv3.reshape(1, 2, 2, 2, 2, 2, 3, 2).mean((2, 4, 6))
    np.testing.assert_allclose(got_a3, want_a3, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="expected ndim=5, found ndim=4"):
        layers.max_pooling3d(np.zeros((1, 4, 4, 2), np.float32), 2, 2)
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        layers.conv1d(np.zeros((1, 4, 4, 2), np.float32), 2, 2)
    with pytest.raises(ValueError, match="must be a tuple of 3 integers"):
        layers.conv3d(np.zeros((1, 4, 4, 4, 2), np.float32), 2, [2, 2])
