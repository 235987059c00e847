"""jgraph.ops.nn_ops against numpy: one table, one checker; then dropout statistics,
TF1 details and bad inputs. (The elementwise activations are rows of the math table.)"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

import jgraph as tf

from ._check import (
    FLOATS,
    INTS,
    NUMBERS,
    Case,
    check_op,
    distinct,
    indices,
    normal,
    params,
    positive,
    probabilities,
    wide,
)


def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _top_k(x, k):
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, order, -1), order.astype(np.int32)


def _in_top_k(predictions, targets, k):
    target = predictions[np.arange(len(targets)), targets]
    return np.sum(predictions > target[:, None], axis=1) < k


def _sigmoid_xent(labels, logits):
    return np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))


def uniform01(rng, shape, dtype):
    return rng.random(shape).astype(tf.as_dtype(dtype).np)


def _sparse_xent(labels, logits):
    log_probs = _log_softmax(logits)
    return -np.take_along_axis(log_probs, labels[:, None].astype(int), -1)[:, 0]


def _lrn(x, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5):
    """TF1's LRN formula, one channel at a time."""
    x = x.astype(np.float64)
    out = np.empty_like(x)
    for d in range(x.shape[-1]):
        window = x[..., max(d - depth_radius, 0) : d + depth_radius + 1]
        out[..., d] = x[..., d] / (bias + alpha * np.sum(window**2, -1)) ** beta
    return out


def _batch_norm_training(x, scale, offset, epsilon, channel=-1):
    axes = tuple(a for a in range(4) if a != channel % 4)
    shape = [1, 1, 1, 1]
    shape[channel] = -1
    mean, var = x.mean(axes), x.var(axes)
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + epsilon)
    count = x.size // x.shape[channel]
    unbiased = var * count / (count - 1)
    return y * scale.reshape(shape) + offset.reshape(shape), mean, unbiased


def _batch_norm_inference(x, scale, offset, mean, var, epsilon):
    y = (x - mean) / np.sqrt(var + epsilon) * scale + offset
    return y, mean, var


def _selu(x):
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return scale * np.where(x > 0, x, alpha * np.expm1(x))


NN_CASES = [
    Case("Softplus", tf.nn.softplus, lambda x: np.logaddexp(0, x), inputs=wide),
    Case("Softsign", tf.nn.softsign, lambda x: x / (1 + np.abs(x))),
    Case("Relu", tf.nn.relu, lambda x: np.maximum(x, 0), dtypes=NUMBERS),
    Case("Relu6", tf.nn.relu6, lambda x: np.clip(x, 0, 6), dtypes=NUMBERS, inputs=wide),
    Case("Elu", tf.nn.elu, lambda x: np.where(x > 0, x, np.expm1(x))),
    Case("Selu", tf.nn.selu, _selu),
    Case("LRN", tf.nn.lrn, _lrn, ((2, 3, 4, 7),), (tf.float16, tf.float32)),
    Case(
        "LRN",
        partial(
            tf.nn.local_response_normalization,
            depth_radius=2,
            bias=1.5,
            alpha=0.3,
            beta=0.75,
        ),
        partial(_lrn, depth_radius=2, bias=1.5, alpha=0.3, beta=0.75),
        ((2, 3, 2, 6),),
        (tf.float32,),
        id="params",
    ),
    Case(
        "FusedBatchNorm",
        lambda x, s, o: tf.nn.fused_batch_norm(x, s, o, epsilon=0.01),
        partial(_batch_norm_training, epsilon=0.01),
        ((2, 3, 4, 5), (5,), (5,)),
        (tf.float32,),
        tol=5,
        id="training",
    ),
    Case(
        "FusedBatchNorm",
        lambda x, s, o: tf.nn.fused_batch_norm(x, s, o, data_format="NCHW"),
        partial(_batch_norm_training, epsilon=0.001, channel=1),
        ((3, 4, 2, 5), (4,), (4,)),
        (tf.float32,),
        tol=5,
        id="training-nchw",
    ),
    Case(
        "FusedBatchNorm",
        lambda x, s, o, m, v: tf.nn.fused_batch_norm(
            x, s, o, m, v, epsilon=1e-6, is_training=False
        ),
        # TF1 raises epsilon to at least 1.001e-5.
        partial(_batch_norm_inference, epsilon=1.001e-5),
        ((2, 3, 4, 5), (5,), (5,), (5,), (5,)),
        (tf.float32,),
        (normal, normal, normal, normal, positive),
        tol=5,
        id="inference",
    ),
    Case("Softmax", tf.nn.softmax, _softmax, ((3, 5),), (tf.float16, *FLOATS)),
    Case(
        "Softmax",
        partial(tf.nn.softmax, axis=0),
        partial(_softmax, axis=0),
        ((3, 5),),
        FLOATS,
        id="axis",
    ),
    Case(
        "Softmax",
        partial(tf.nn.softmax, dim=1),
        partial(_softmax, axis=1),
        ((2, 3, 4),),
        FLOATS,
        id="dim",
    ),
    Case("LogSoftmax", tf.nn.log_softmax, _log_softmax, ((3, 5),), FLOATS),
    Case(
        "LogSoftmax",
        partial(tf.math.log_softmax, axis=0),
        partial(_log_softmax, axis=0),
        ((3, 5),),
        FLOATS,
        id="axis",
    ),
    Case("BiasAdd", tf.nn.bias_add, np.add, ((2, 3), (3,)), NUMBERS),
    Case("BiasAdd", tf.nn.bias_add, np.add, ((2, 4, 4, 3), (3,)), FLOATS, id="nhwc"),
    Case(
        "BiasAdd",
        partial(tf.nn.bias_add, data_format="NCHW"),
        lambda x, b: x + b[:, None, None],
        ((2, 3, 2, 2), (3,)),
        FLOATS,
        id="nchw",
    ),
    Case(
        "BiasAdd",
        tf.nn.xw_plus_b,
        lambda x, w, b: x @ w + b,
        ((2, 3), (3, 4), (4,)),
        FLOATS,
        id="xw-plus-b",
    ),
    Case(
        "LeakyRelu",
        partial(tf.nn.leaky_relu, alpha=0.1),
        lambda x: np.where(x > 0, x, 0.1 * x),
        ((3, 4),),
        FLOATS,
    ),
    Case(
        "LeakyRelu",
        tf.nn.leaky_relu,
        lambda x: np.where(x > 0, x, 0.2 * x),
        ((3, 4),),
        (tf.float16,),
        id="default",
    ),
    Case(
        "Mean",
        tf.nn.zero_fraction,
        lambda x: np.float32(np.mean(x == 0)),
        ((4, 5),),
        (tf.float32, tf.int32),
        indices(3),
        out_dtype=tf.float32,
        id="zero-fraction",
    ),
    Case(
        "TopKV2",
        partial(tf.nn.top_k, k=2),
        partial(_top_k, k=2),
        ((3, 5),),
        NUMBERS,
        distinct,
        out_dtype=(None, tf.int32),
    ),
    Case(
        "TopKV2",
        tf.math.top_k,
        partial(_top_k, k=1),
        ((4,),),
        FLOATS,
        distinct,
        out_dtype=(None, tf.int32),
        id="default",
    ),
    Case(
        "InTopKV2",
        partial(tf.nn.in_top_k, k=2),
        partial(_in_top_k, k=2),
        ((4, 5), (4,)),
        INTS,
        (distinct, indices(5)),
        (tf.float32, None),
        out_dtype=tf.bool,
    ),
    Case(
        "SoftmaxCrossEntropyWithLogits",
        lambda y, x: tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=x),
        lambda y, x: -np.sum(y * _log_softmax(x), -1),
        ((3, 5), (3, 5)),
        FLOATS,
        (probabilities, normal),
    ),
    Case(
        "SoftmaxCrossEntropyWithLogits",
        lambda y, x: tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x, dim=0),
        lambda y, x: -np.sum(y * _log_softmax(x, 0), 0),
        ((3, 5), (3, 5)),
        FLOATS,
        id="v1-dim",
    ),
    Case(
        "SparseSoftmaxCrossEntropyWithLogits",
        lambda y, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
        _sparse_xent,
        ((4,), (4, 3)),
        INTS,
        (indices(3), normal),
        (None, tf.float32),
        out_dtype=tf.float32,
    ),
    Case(
        "SparseSoftmaxCrossEntropyWithLogits",
        lambda y, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
        _sparse_xent,
        ((4,), (4, 3)),
        (tf.int32,),
        (indices(3), normal),
        (None, tf.float64),
        out_dtype=tf.float64,
        id="float64",
    ),
    Case(
        "SigmoidCrossEntropyWithLogits",
        lambda y, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=x),
        _sigmoid_xent,
        ((3, 4), (3, 4)),
        FLOATS,
        (uniform01, normal),
    ),
    Case(
        "L2Loss",
        tf.nn.l2_loss,
        lambda t: np.sum(t * t) / 2,
        ((3, 4),),
        (tf.float16, *FLOATS),
    ),
    # keep_prob 1 is the identity; the statistics are tested below.
    Case(
        "Dropout", partial(tf.nn.dropout, keep_prob=1.0), lambda x: x, ((3, 4),), FLOATS
    ),
]


@pytest.mark.parametrize("case", params(NN_CASES))
def test_op_matches_numpy(case: Case) -> None:
    check_op(case)


def _run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


def test_dropout_zeroes_a_fraction_and_scales_the_rest() -> None:
    x = tf.ones([200, 100])
    keep = tf.placeholder(tf.float32, [])
    dropped = tf.nn.dropout(x, keep)
    with tf.Session() as sess:
        half = sess.run(dropped, {keep: 0.5})
        full = sess.run(dropped, {keep: 1.0})
    assert set(np.unique(half)) == {0.0, 2.0}
    assert abs(np.mean(half == 0) - 0.5) < 0.02  # 20000 draws: sd 0.0035
    np.testing.assert_array_equal(full, np.ones((200, 100)))


def test_dropout_rate_and_noise_shape() -> None:
    x = tf.ones([50, 40])
    by_rate = tf.nn.dropout(x, rate=0.75)
    shared = tf.nn.dropout(x, keep_prob=0.5, noise_shape=[50, 1])
    got_rate, got_shared = _run([by_rate, shared])
    assert abs(np.mean(got_rate == 0) - 0.75) < 0.04
    assert set(np.unique(got_rate)) == {0.0, 4.0}
    # One decision per row: every row is all zeros or all twos.
    assert all(len(np.unique(row)) == 1 for row in got_shared)


def test_softmax_xent_v1_stops_the_gradient_into_labels() -> None:
    labels = tf.constant([[0.2, 0.8]])
    logits = tf.constant([[1.0, 2.0]])
    v1 = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    v2 = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    assert v1.op.inputs[0].op.type == "StopGradient"
    assert v2.op.inputs[0] is labels
    got_v1, got_v2 = _run([v1, v2])
    np.testing.assert_allclose(got_v1, got_v2)


def test_sparse_xent_out_of_range_label_gives_nan() -> None:
    # TF1 difference (documented): TF1 raises, XLA cannot.
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.constant([0, 3]), logits=tf.zeros([2, 3])
    )
    got = _run(loss)
    assert got[0] == pytest.approx(np.log(3)) and np.isnan(got[1])


def test_in_top_k_counts_ties_at_the_boundary_as_in() -> None:
    predictions = tf.constant([[1.0, 2.0, 2.0, 0.0], [3.0, 1.0, 1.0, 1.0]])
    got = _run(tf.nn.in_top_k(predictions, tf.constant([1, 3]), 1))
    np.testing.assert_array_equal(got, [True, False])


BAD_INPUTS = [
    pytest.param(
        lambda: tf.nn.softmax(tf.constant([1, 2])),
        TypeError,
        r"'Softmax'.*int32",
        id="softmax-int",
    ),
    pytest.param(
        lambda: tf.nn.bias_add(tf.ones([2, 3]), tf.ones([4])),
        ValueError,
        "but are 3 and 4 for 'BiasAdd'",
        id="bias-size",
    ),
    pytest.param(
        lambda: tf.nn.bias_add(tf.ones([2, 3]), tf.ones([1, 3])),
        ValueError,
        "rank 1",
        id="bias-rank",
    ),
    pytest.param(
        lambda: tf.nn.bias_add(tf.ones([2, 3]), tf.ones([3]), data_format="XY"),
        ValueError,
        "data_format",
        id="bias-format",
    ),
    pytest.param(
        lambda: tf.nn.dropout(tf.ones([2]), keep_prob=0.0),
        ValueError,
        r"keep_prob must be in the range \(0, 1\]",
        id="dropout-keep",
    ),
    pytest.param(
        lambda: tf.nn.dropout(tf.ones([2]), rate=1.0),
        ValueError,
        r"rate must be in the range \[0, 1\)",
        id="dropout-rate",
    ),
    pytest.param(
        lambda: tf.nn.dropout(tf.ones([2]), 0.5, rate=0.5),
        ValueError,
        "exactly one",
        id="dropout-both",
    ),
    pytest.param(
        lambda: tf.nn.dropout(tf.constant([1, 2]), 0.5),
        TypeError,
        r"'Dropout'.*int32",
        id="dropout-int",
    ),
    pytest.param(
        lambda: tf.nn.softmax_cross_entropy_with_logits_v2(
            labels=tf.ones([2, 3]), logits=tf.ones([2, 4])
        ),
        ValueError,
        "same shape",
        id="xent-shapes",
    ),
    pytest.param(
        lambda: tf.nn.softmax_cross_entropy_with_logits(tf.ones([2])),
        ValueError,
        "named arguments",
        id="xent-positional",
    ),
    pytest.param(
        lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.constant([0, 1, 2]), logits=tf.ones([2, 4])
        ),
        ValueError,
        "labels shape",
        id="sparse-xent-shapes",
    ),
    pytest.param(
        lambda: tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.constant([0.0]), logits=tf.ones([1, 4])
        ),
        TypeError,
        "labels",
        id="sparse-xent-float-labels",
    ),
    pytest.param(
        lambda: tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.ones([3]), logits=tf.ones([2])
        ),
        ValueError,
        "same shape",
        id="sigmoid-xent-shapes",
    ),
    pytest.param(
        lambda: tf.nn.top_k(tf.ones([2, 3]), k=4),
        ValueError,
        "at least k=4",
        id="top-k",
    ),
    pytest.param(
        lambda: tf.nn.in_top_k(tf.ones([2, 3]), tf.constant([0.0, 1.0]), 1),
        TypeError,
        "targets",
        id="in-top-k-targets",
    ),
    pytest.param(
        lambda: tf.nn.l2_loss(tf.constant([1, 2])),
        TypeError,
        r"'L2Loss'.*int32",
        id="l2-loss-int",
    ),
]


@pytest.mark.parametrize(("build", "error", "match"), BAD_INPUTS)
def test_bad_inputs_raise_when_building(build, error, match) -> None:
    with pytest.raises(error, match=match):
        build()


# -- composite activations and losses against numpy ---------------------------------------


def test_swish_and_crelu_match_numpy() -> None:
    xv = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    swish = tf.nn.swish(xv)
    crelu = tf.nn.crelu(xv)
    crelu0 = tf.nn.crelu(xv, axis=0)
    assert crelu.shape.as_list() == [3, 8] and crelu0.shape.as_list() == [6, 4]
    got_swish, got_crelu, got_crelu0 = _run([swish, crelu, crelu0])
    np.testing.assert_allclose(got_swish, xv / (1 + np.exp(-xv)), rtol=1e-6)
    both = np.concatenate([xv, -xv], -1)
    np.testing.assert_array_equal(got_crelu, np.maximum(both, 0))
    np.testing.assert_array_equal(got_crelu0, np.maximum(np.concatenate([xv, -xv]), 0))


def test_weighted_cross_entropy_with_logits_matches_numpy() -> None:
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((3, 4)) * 4
    labels = rng.random((3, 4))
    got = _run(
        tf.nn.weighted_cross_entropy_with_logits(
            labels=labels, logits=logits, pos_weight=3.0
        )
    )
    sigmoid = 1 / (1 + np.exp(-logits))
    want = -3.0 * labels * np.log(sigmoid) - (1 - labels) * np.log(1 - sigmoid)
    np.testing.assert_allclose(got, want, rtol=1e-10)
    old_name = tf.nn.weighted_cross_entropy_with_logits(
        targets=labels, logits=logits, pos_weight=1.0
    )
    np.testing.assert_allclose(
        _run(old_name), _sigmoid_xent(labels, logits), rtol=1e-10
    )
    with pytest.raises(ValueError, match="Cannot specify both 'labels' and 'targets'"):
        tf.nn.weighted_cross_entropy_with_logits(labels, logits, 2.0, targets=labels)
    with pytest.raises(ValueError, match="logits and labels must have the same shape"):
        tf.nn.weighted_cross_entropy_with_logits(labels[:2], logits, 2.0)


def test_log_poisson_loss_matches_numpy() -> None:
    targets = np.array([0.0, 0.5, 1.0, 2.0, 7.0])
    log_input = np.array([0.3, -1.0, 0.5, 1.2, 2.0])
    short, full = _run(
        [
            tf.nn.log_poisson_loss(targets, log_input),
            tf.nn.log_poisson_loss(targets, log_input, compute_full_loss=True),
        ]
    )
    base = np.exp(log_input) - log_input * targets
    np.testing.assert_allclose(short, base, rtol=1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        stirling = (
            targets * np.log(targets) - targets + 0.5 * np.log(2 * np.pi * targets)
        )
    np.testing.assert_allclose(
        full, base + np.where(targets > 1, stirling, 0), rtol=1e-12
    )


def test_lrn_and_fused_batch_norm_errors() -> None:
    with pytest.raises(ValueError, match="Shape must be rank 4 but is rank 3"):
        tf.nn.lrn(tf.zeros([2, 3, 4]))
    with pytest.raises(TypeError, match="float64 not in list of allowed values"):
        tf.nn.lrn(tf.zeros([1, 2, 2, 3], tf.float64))
    x = tf.zeros([2, 3, 3, 4])
    scale, offset = tf.ones([4]), tf.zeros([4])
    with pytest.raises(
        ValueError, match="Both 'mean' and 'variance' must be a 1D tensor"
    ):
        tf.nn.fused_batch_norm(x, scale, offset, is_training=False)
    with pytest.raises(
        ValueError, match="scale must be a 1-D tensor of the 4 channels"
    ):
        tf.nn.fused_batch_norm(x, tf.ones([3]), offset)
    with pytest.raises(ValueError, match="Shape must be rank 4 but is rank 2"):
        tf.nn.fused_batch_norm(tf.zeros([2, 4]), scale, offset)
    with pytest.raises(ValueError, match="data_format must be 'NHWC' or 'NCHW'"):
        tf.nn.fused_batch_norm(x, scale, offset, data_format="NCDHW")


def test_fused_batch_norm_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(3)
    xv = rng.standard_normal((2, 2, 2, 3)).astype(np.float32)
    x = tf.placeholder(tf.float32, xv.shape)
    weights = rng.standard_normal(xv.shape).astype(np.float32)
    y, _, _ = tf.nn.fused_batch_norm(x, tf.ones([3]), tf.zeros([3]))
    loss = tf.reduce_sum(y * weights)
    (grad,) = tf.gradients(loss, [x])
    with tf.Session() as sess:
        got = sess.run(grad, {x: xv})
        index, eps = (1, 0, 1, 2), 1e-2
        up, down = xv.copy(), xv.copy()
        up[index] += eps
        down[index] -= eps
        numeric = (sess.run(loss, {x: up}) - sess.run(loss, {x: down})) / (2 * eps)
    np.testing.assert_allclose(got[index], numeric, rtol=2e-2, atol=2e-3)
