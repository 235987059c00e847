"""``tf.contrib``: TF1's variable names, defaults and values.

``data/tf1_contrib_reference.json`` was recorded from TensorFlow 2.21's TF1 API
(``tf.compat.v1`` with ``tf_slim``, the extracted ``tf.contrib.layers``, as set up by
``tests/programs/tf1_runner.py``): the same graphs built with the same constant
or copied weights, their tensor names, shapes, variables and values.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import jgraph as tf
from jgraph.contrib import framework, layers as L, legacy_seq2seq, seq2seq, slim

REF = json.loads(
    (Path(__file__).parent / "data" / "tf1_contrib_reference.json").read_text()
)


def test_static_bidirectional_rnn_matches_tf1():
    ref = REF["sbrnn"]
    rng = np.random.RandomState(0)
    x = rng.randn(3, 4, 2).astype(np.float32)
    lengths = np.array([4, 2, 3], np.int32)
    with tf.variable_scope("m"):
        fw = tf.contrib.rnn.BasicLSTMCell(3)
        bw = tf.contrib.rnn.GRUCell(2)
        outs, state_fw, state_bw = tf.contrib.rnn.static_bidirectional_rnn(
            fw, bw, tf.unstack(tf.constant(x), 4, 1), dtype=tf.float32,
            sequence_length=lengths,
        )  # fmt: skip
    assert [v.name for v in tf.global_variables()] == ref["names"]
    with tf.Session() as sess:
        for v in tf.global_variables():
            sess.run(v.assign(np.array(ref["weights"][v.name], np.float32)))
        o, a, b = sess.run([outs, state_fw, state_bw])
    np.testing.assert_allclose(
        np.array(o), np.array(ref["outputs"]), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose([a.c, a.h], ref["state_fw"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b, ref["state_bw"], rtol=1e-5, atol=1e-6)
    assert tf.nn.static_bidirectional_rnn is tf.contrib.rnn.static_bidirectional_rnn


def test_contrib_layers_match_tf1_names_shapes_and_values():
    ref = REF["layers"]
    xi = tf.constant(np.array(ref["x"], np.float32))
    c = L.conv2d(xi, 4, [3, 2], stride=2, padding="VALID",
                 weights_initializer=tf.constant_initializer(0.05),
                 biases_initializer=tf.constant_initializer(0.01))  # fmt: skip
    ct = L.conv2d_transpose(c, 2, 3, stride=2, padding="SAME",
                            weights_initializer=tf.constant_initializer(0.02))  # fmt: skip
    ct2 = L.conv2d_transpose(c, 2, 3, stride=2, padding="VALID",
                             weights_initializer=tf.constant_initializer(0.02))  # fmt: skip
    p = L.avg_pool2d(xi, 2, stride=1, padding="SAME")
    f = L.flatten(c)
    h = L.fully_connected(
        f, 3, activation_fn=tf.nn.tanh, weights_initializer=tf.constant_initializer(0.1),
        normalizer_fn=L.batch_norm,
        normalizer_params={"scale": True, "updates_collections": None, "decay": 0.5},
    )  # fmt: skip
    bn_inf = L.batch_norm(xi, is_training=False, center=False, scope="bn2")
    r1 = L.l1_regularizer(0.5)(tf.constant([1.0, -2.0]))
    r2 = L.l2_regularizer(0.5)(tf.constant([1.0, -2.0]))
    r12 = L.l1_l2_regularizer(0.5, 0.25)(tf.constant([1.0, -2.0]))
    oh = L.one_hot_encoding(tf.constant([0, 2]), 3)
    tensors = (c, ct, ct2, p, f, h, bn_inf, oh)
    assert [t.shape.as_list() for t in tensors] == ref["shapes"]
    names = [t.name for t in (c, ct, ct2, p, f, h)]
    assert names == ref["names"][:6]
    trainable = tf.trainable_variables()
    got_vars = [
        [v.name, v.shape.as_list(), v in trainable] for v in tf.global_variables()
    ]
    assert got_vars == ref["vars"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values = sess.run([c, ct, ct2, p, h, bn_inf, r1, r2, r12, oh])
        moving_variance = sess.run("fully_connected/BatchNorm/moving_variance:0")
    for got, want in zip(values, ref["values"], strict=True):
        np.testing.assert_allclose(got, np.array(want), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(moving_variance, ref["moving_variance"], rtol=1e-5)


def test_fully_connected_defaults_are_tf1s():
    x = tf.placeholder(tf.float32, [None, 4, 6])
    y = L.fully_connected(x, 5)
    assert y.name == "fully_connected/Relu:0" and y.shape.as_list() == [None, 4, 5]
    assert [v.name for v in tf.model_variables()] == [
        "fully_connected/weights:0",
        "fully_connected/biases:0",
    ]
    z = L.fully_connected(y, 2, activation_fn=None)
    assert z.name == "fully_connected_1/BiasAdd:0"
    with pytest.raises(ValueError, match="num_outputs should be int"):
        L.fully_connected(x, 2.0)
    with pytest.raises(ValueError, match="last dimension"):
        L.fully_connected(tf.placeholder(tf.float32, [None, None]), 2)


@pytest.mark.parametrize(
    ("init", "std"),
    [
        (L.xavier_initializer(uniform=False), np.sqrt(1.3 * 2.0 / (300 + 200))),
        (L.xavier_initializer(), np.sqrt(2.0 / (300 + 200))),
        (L.variance_scaling_initializer(), np.sqrt(1.3 * 2.0 / 300)),
        (L.variance_scaling_initializer(1.0, "FAN_OUT", True), np.sqrt(1.0 / 200)),
    ],
)
def test_contrib_initializers_use_contrib_constants(init, std):
    # contrib's normal variant uses stddev sqrt(1.3 * factor / n) before truncation
    # at two standard deviations, whose std is 0.8796 of that.
    value = tf.Session().run(init([300, 200]))
    truncated = init.get_config()["uniform"] is False
    want = std * (0.87962566 if truncated else 1.0)
    assert abs(value.std() / want - 1) < 0.02


def test_regularizers_reject_bad_scales():
    with pytest.raises(ValueError, match="less than 0"):
        L.l2_regularizer(-1.0)
    assert L.l1_regularizer(0.0)(tf.constant([1.0])) is None
    with pytest.raises(ValueError, match="No weights"):
        L.apply_regularization(L.l2_regularizer(0.1))


def test_arg_scope_sets_defaults_and_nests():
    x = tf.placeholder(tf.float32, [None, 8, 8, 1])
    with framework.arg_scope([slim.conv2d, slim.fully_connected], activation_fn=None):
        with slim.arg_scope([slim.conv2d], padding="VALID") as scope:
            a = slim.conv2d(x, 2, 3)
            b = slim.conv2d(x, 2, 3, padding="SAME")
        f = slim.fully_connected(slim.flatten(a), 3)
    with slim.arg_scope(scope):
        c = slim.conv2d(x, 2, 3)
    d = slim.conv2d(x, 2, 3)
    assert a.shape.as_list() == [None, 6, 6, 2] and a.op.type == "BiasAdd"
    assert b.shape.as_list() == [None, 8, 8, 2] and f.op.type == "BiasAdd"
    assert c.shape.as_list() == [None, 6, 6, 2]
    assert d.shape.as_list() == [None, 8, 8, 2] and d.op.type == "Relu"
    with pytest.raises(ValueError, match="not decorated with @add_arg_scope"):
        with framework.arg_scope([tf.nn.relu], x=1):
            pass


def test_slim_repeat_and_stack_scopes():
    x = tf.placeholder(tf.float32, [None, 6, 6, 1])
    slim.repeat(x, 2, slim.conv2d, 3, [3, 3], scope="conv")
    slim.stack(slim.flatten(x), slim.fully_connected, [4, 5], scope="fc")
    assert [v.op.name for v in slim.get_model_variables()] == [
        "conv/conv_1/weights", "conv/conv_1/biases", "conv/conv_2/weights",
        "conv/conv_2/biases", "fc/fc_1/weights", "fc/fc_1/biases", "fc/fc_2/weights",
        "fc/fc_2/biases",
    ]  # fmt: skip
    assert [v.op.name for v in slim.get_variables_to_restore(exclude=["fc"])] == [
        "conv/conv_1/weights", "conv/conv_1/biases", "conv/conv_2/weights",
        "conv/conv_2/biases",
    ]  # fmt: skip


def test_batch_norm_with_training_tensor_updates_only_when_training():
    x = tf.placeholder(tf.float32, [None, 2])
    training = tf.placeholder(tf.bool, [])
    y = L.batch_norm(x, is_training=training, updates_collections=None, decay=0.5)
    data = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(y, {x: data, training: False})
        assert np.allclose(sess.run("BatchNorm/moving_mean:0"), 0.0)
        out = sess.run(y, {x: data, training: True})
        np.testing.assert_allclose(sess.run("BatchNorm/moving_mean:0"), [1.0, 2.0])
        # unbiased batch variance (2 and 8), as TF1's fused kernel
        np.testing.assert_allclose(sess.run("BatchNorm/moving_variance:0"), [1.5, 4.5])
    np.testing.assert_allclose(out, [[-1, -1], [1, 1]], atol=1e-3)


def test_sequence_losses_follow_tf1_formulas():
    rng = np.random.RandomState(0)
    logits = rng.randn(2, 3, 4).astype(np.float32)
    targets = np.array([[0, 3, 1], [2, 2, 0]], np.int32)
    weights = np.array([[1, 1, 0], [1, 0, 0]], np.float32)
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    xent = -np.take_along_axis(log_p, targets[..., None], -1)[..., 0] * weights
    with tf.Session() as sess:
        both, per_row, per_step, none = sess.run([
            seq2seq.sequence_loss(logits, targets, weights),
            seq2seq.sequence_loss(logits, targets, weights, average_across_batch=False),
            seq2seq.sequence_loss(logits, targets, weights, average_across_timesteps=False),
            seq2seq.sequence_loss(logits, targets, weights, False, False),
        ])  # fmt: skip
        by_example, total = sess.run([
            legacy_seq2seq.sequence_loss_by_example(
                list(logits.transpose(1, 0, 2)), list(targets.T), list(weights.T)),
            legacy_seq2seq.sequence_loss(
                list(logits.transpose(1, 0, 2)), list(targets.T), list(weights.T)),
        ])  # fmt: skip
    np.testing.assert_allclose(both, xent.sum() / weights.sum(), rtol=1e-5)
    np.testing.assert_allclose(per_row, xent.sum(1) / weights.sum(1), rtol=1e-5)
    col = weights.sum(0)
    want_step = np.where(col > 0, xent.sum(0) / np.where(col > 0, col, 1), 0.0)
    np.testing.assert_allclose(per_step, want_step, rtol=1e-5)
    np.testing.assert_allclose(none, xent, rtol=1e-5)
    np.testing.assert_allclose(
        by_example, xent.sum(1) / (weights.sum(1) + 1e-12), rtol=1e-5
    )
    np.testing.assert_allclose(
        total, (xent.sum(1) / (weights.sum(1) + 1e-12)).sum() / 2, rtol=1e-5
    )


def test_rnn_decoder_reuses_one_cell_scope():
    cell = tf.contrib.rnn.GRUCell(3)
    inputs = [tf.ones([2, 4]) * i for i in range(3)]
    outputs, state = legacy_seq2seq.rnn_decoder(
        inputs, cell.zero_state(2, tf.float32), cell
    )
    assert len(outputs) == 3 and state.shape.as_list() == [2, 3]
    assert [v.name for v in tf.trainable_variables()] == [
        "rnn_decoder/gru_cell/gates/kernel:0", "rnn_decoder/gru_cell/gates/bias:0",
        "rnn_decoder/gru_cell/candidate/kernel:0", "rnn_decoder/gru_cell/candidate/bias:0",
    ]  # fmt: skip


def test_stack_bidirectional_dynamic_rnn_scopes_and_shapes():
    x = tf.placeholder(tf.float32, [None, 5, 3])
    cells_fw = [tf.contrib.rnn.GRUCell(4), tf.contrib.rnn.GRUCell(2)]
    cells_bw = [tf.contrib.rnn.GRUCell(4), tf.contrib.rnn.GRUCell(2)]
    out, states_fw, states_bw = tf.contrib.rnn.stack_bidirectional_dynamic_rnn(
        cells_fw, cells_bw, x, dtype=tf.float32
    )
    assert out.shape.as_list() == [None, 5, 4]
    assert len(states_fw) == len(states_bw) == 2
    names = {v.name.split("/gru_cell")[0] for v in tf.trainable_variables()}
    assert names == {
        f"stack_bidirectional_rnn/cell_{i}/bidirectional_rnn/{d}"
        for i in (0, 1) for d in ("fw", "bw")
    }  # fmt: skip
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        value = sess.run(out, {x: np.ones((2, 5, 3), np.float32)})
    assert value.shape == (2, 5, 4) and np.isfinite(value).all()


def test_learn_mnist_paths_are_the_tutorial_loader():
    from jgraph.contrib.learn.python.learn.datasets import mnist as deep
    from jgraph.examples.tutorials.mnist import input_data

    assert tf.contrib.learn.datasets.mnist.read_data_sets is input_data.read_data_sets
    assert deep.read_data_sets is input_data.read_data_sets
    data = tf.contrib.learn.datasets.load_dataset("mnist", test_with_fake_data=True)
    assert data.train.next_batch(3)[0].shape == (3, 784)
    with pytest.raises(ValueError, match="only 'mnist'"):
        tf.contrib.learn.datasets.load_dataset("iris")


@pytest.mark.parametrize(
    ("where", "name", "text"),
    [
        (
            tf.contrib,
            "eager",
            "tf.contrib.eager is not provided by jgraph; use graph mode",
        ),
        (tf.contrib, "factorization", "tf.contrib.factorization is not provided"),
        (L, "optimize_loss", "use tf.train.<Name>Optimizer"),
        (tf.contrib.rnn, "LSTMBlockCell", "use tf.contrib.rnn.LSTMCell"),
        (tf.contrib.learn, "preprocessing", "no estimators"),
        (slim, "learning", "tf.contrib.slim.learning is not provided"),
        (seq2seq, "BasicDecoder", "only sequence_loss is"),
    ],
)
def test_missing_contrib_names_say_what_to_use(where, name, text):
    with pytest.raises(
        AttributeError, match=text.replace(".", r"\.").replace("<", ".")
    ):
        getattr(where, name)


def test_missing_contrib_submodule_import_names_the_replacement():
    with pytest.raises(
        ImportError, match=r"tf\.contrib\.tensor_forest is not provided"
    ):
        import jgraph.contrib.tensor_forest  # noqa: F401
