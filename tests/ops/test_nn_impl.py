"""``tf.nn.nce_loss``, ``tf.nn.sampled_softmax_loss`` and the candidate samplers.

The losses are checked against a numpy transcription of TF1's
``_compute_sampled_logits`` with the same sampled candidates (passed through
``sampled_values``: the sampler's bits cannot match TF's). The samplers are
checked for TF1's distribution and expected-count formulas.
"""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf

FLOAT_MAX = np.finfo(np.float32).max


def _log_uniform_p(c, range_max):
    c = np.asarray(c, np.float64)
    return np.log((c + 2.0) / (c + 1.0)) / np.log(range_max + 1.0)


def _reference_logits(
    weights, biases, labels, inputs, sampled, true_exp, samp_exp, hits
):
    """TF1's _compute_sampled_logits in numpy (float64)."""
    num_true = labels.shape[1]
    true_logits = np.einsum("bd,btd->bt", inputs, weights[labels]) + biases[labels]
    sampled_logits = inputs @ weights[sampled].T + biases[sampled]
    if hits:
        mask = (labels[:, :, None] == sampled[None, None, :]).any(1)
        sampled_logits = sampled_logits + mask * -float(FLOAT_MAX)
    true_logits = true_logits - np.log(true_exp)
    sampled_logits = sampled_logits - np.log(samp_exp)
    logits = np.concatenate([true_logits, sampled_logits], 1)
    targets = np.concatenate(
        [np.full_like(true_logits, 1.0 / num_true), np.zeros_like(sampled_logits)], 1
    )
    return logits, targets


def _reference_nce(*args):
    logits, z = _reference_logits(*args)
    losses = np.maximum(logits, 0) - logits * z + np.log1p(np.exp(-np.abs(logits)))
    return losses.sum(1)


def _reference_sampled_softmax(*args):
    logits, z = _reference_logits(*args)
    shifted = logits - logits.max(1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    return -(z * log_softmax).sum(1)


def _problem(num_true, rng):
    vocab, dim, batch = 12, 5, 4
    weights = rng.randn(vocab, dim).astype(np.float32)
    biases = rng.randn(vocab).astype(np.float32)
    inputs = rng.randn(batch, dim).astype(np.float32)
    labels = np.array([[1, 3], [0, 7], [5, 2], [9, 1]], np.int64)[:, :num_true]
    sampled = np.array([3, 0, 8, 11, 1], np.int64)  # 3, 0, 1 hit some rows' labels
    true_exp = _log_uniform_p(labels, vocab) * 5
    samp_exp = -np.expm1(9 * np.log1p(-_log_uniform_p(sampled, vocab)))
    return weights, biases, labels, inputs, sampled, true_exp, samp_exp


@pytest.mark.parametrize("num_true", [1, 2])
@pytest.mark.parametrize("hits", [False, True])
@pytest.mark.parametrize(
    ("loss_fn", "reference"),
    [
        (tf.nn.nce_loss, _reference_nce),
        (tf.nn.sampled_softmax_loss, _reference_sampled_softmax),
    ],
)
def test_sampled_losses_follow_tf1_formula(num_true, hits, loss_fn, reference):
    w, b, labels, x, sampled, te, se = _problem(num_true, np.random.RandomState(0))
    loss = loss_fn(
        w,
        b,
        labels,
        x,
        num_sampled=5,
        num_classes=12,
        num_true=num_true,
        sampled_values=(
            sampled,
            te.astype(np.float32),
            se.astype(np.float32),
        ),
        remove_accidental_hits=hits,
    )
    assert loss.shape.as_list() == [4]
    with tf.Session() as sess:
        got = sess.run(loss)
    want = reference(
        w.astype(np.float64), b.astype(np.float64), labels, x.astype(np.float64),
        sampled, te, se, hits,
    )  # fmt: skip
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)


def test_default_removal_of_accidental_hits_differs_between_the_two_losses():
    # TF1: nce_loss keeps accidental hits by default, sampled_softmax_loss removes them.
    w, b, labels, x, sampled, te, se = _problem(1, np.random.RandomState(1))
    values = (sampled, te.astype(np.float32), se.astype(np.float32))
    nce = tf.nn.nce_loss(w, b, labels, x, 5, 12, sampled_values=values)
    ssm = tf.nn.sampled_softmax_loss(w, b, labels, x, 5, 12, sampled_values=values)
    args = (w.astype(np.float64), b.astype(np.float64), labels, x.astype(np.float64))
    with tf.Session() as sess:
        got_nce, got_ssm = sess.run([nce, ssm])
    np.testing.assert_allclose(
        got_nce, _reference_nce(*args, sampled, te, se, False), rtol=2e-5
    )
    np.testing.assert_allclose(
        got_ssm, _reference_sampled_softmax(*args, sampled, te, se, True), rtol=2e-5
    )


def test_sampled_losses_train_word_vectors_with_the_default_sampler():
    rng = np.random.RandomState(2)
    emb = tf.Variable(rng.uniform(-1, 1, (20, 4)).astype(np.float32))
    w = tf.Variable(rng.randn(20, 4).astype(np.float32) * 0.1)
    b = tf.Variable(np.zeros(20, np.float32))
    ids = tf.placeholder(tf.int32, [None])
    labels = tf.placeholder(tf.int64, [None, 1])
    x = tf.nn.embedding_lookup(emb, ids)
    nce = tf.reduce_mean(tf.nn.nce_loss(w, b, labels, x, 4, 20))
    ssm = tf.reduce_mean(tf.nn.sampled_softmax_loss(w, b, labels, x, 4, 20, seed=3))
    train = tf.train.GradientDescentOptimizer(0.3).minimize(nce + ssm)
    feed = {ids: np.arange(20) % 10, labels: (np.arange(20) % 10 + 10)[:, None]}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(nce + ssm, feed)
        for _ in range(200):
            sess.run(train, feed)
        last = np.mean([sess.run(nce + ssm, feed) for _ in range(10)])
    assert np.isfinite(first) and last < 0.5 * first


def test_log_uniform_sampler_unique_classes_and_tf1_expected_counts():
    true = tf.constant([[0], [5], [63]], tf.int64)
    sampled, true_exp, samp_exp = tf.nn.log_uniform_candidate_sampler(
        true, num_true=1, num_sampled=20, unique=True, range_max=64, seed=1
    )
    assert sampled.dtype == tf.int64 and sampled.shape.as_list() == [20]
    assert true_exp.shape.as_list() == [3, 1] and samp_exp.shape.as_list() == [20]
    with tf.Session() as sess:
        runs = [sess.run([sampled, true_exp, samp_exp]) for _ in range(5)]
    for s, te, se in runs:
        assert len(set(s.tolist())) == 20 and s.min() >= 0 and s.max() < 64
        p = _log_uniform_p(s, 64)
        # One number of tries n >= 20 explains every expected count (TF1's formula).
        tries = np.log1p(-se.astype(np.float64)) / np.log1p(-p)
        n = np.round(tries.mean())
        assert n >= 20
        np.testing.assert_allclose(tries, n, atol=1e-2 * n)
        if n > 20:
            want_true = -np.expm1(n * np.log1p(-_log_uniform_p([0, 5, 63], 64)))
        else:
            want_true = _log_uniform_p([0, 5, 63], 64) * 20
        np.testing.assert_allclose(te.ravel(), want_true, rtol=1e-4)
    assert len({tuple(s) for s, _, _ in runs}) > 1  # each run draws anew


def test_log_uniform_sampler_follows_zipf_distribution():
    true = tf.zeros([1, 1], tf.int64)
    sampled, _, samp_exp = tf.nn.log_uniform_candidate_sampler(
        true, 1, 4000, unique=False, range_max=10, seed=5
    )
    with tf.Session() as sess:
        s, se = sess.run([sampled, samp_exp])
    freq = np.bincount(s, minlength=10) / 4000
    np.testing.assert_allclose(freq, _log_uniform_p(np.arange(10), 10), atol=0.025)
    np.testing.assert_allclose(se, _log_uniform_p(s, 10) * 4000, rtol=1e-5)


def test_uniform_sampler():
    true = tf.constant([[1], [2]], tf.int64)
    s, te, se = tf.nn.uniform_candidate_sampler(true, 1, 3, True, 3)
    with tf.Session() as sess:
        s, te, se = sess.run([s, te, se])
    assert sorted(s.tolist()) == [0, 1, 2]
    assert se.min() > 0 and np.allclose(te, te.ravel()[0])


def test_sampler_rejects_bad_arguments():
    true = tf.constant([[1]], tf.int64)
    with pytest.raises(ValueError, match="unique"):
        tf.nn.log_uniform_candidate_sampler(true, 1, 10, True, 5)
    with pytest.raises(ValueError, match=r"\[batch_size, num_true=2\]"):
        tf.nn.log_uniform_candidate_sampler(true, 2, 3, True, 5)
    with pytest.raises(ValueError, match="labels must be"):
        tf.nn.nce_loss(tf.zeros([5, 2]), tf.zeros([5]), [1, 2], tf.zeros([2, 2]), 2, 5)
