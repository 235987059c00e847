"""Each optimizer's updates against a numpy reference of TF1's formula.

Gradients are fed through a placeholder into ``apply_gradients`` so the update
rule alone is compared, step by step; the slots are compared too, by their
TF1 names. ``minimize`` is checked to take the same steps as
``compute_gradients`` + ``apply_gradients``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import jgraph as tf
import jgraph.train  # registers tf.train

STEPS = 6
W0 = np.array([0.5, -1.0, 2.0, 0.1], np.float64)


def gradient_sequence(seed: int = 0) -> np.ndarray:
    rng = np.random.RandomState(seed)
    return rng.randn(STEPS, W0.size) * np.array([1.0, 0.1, 3.0, 1e-3])


# -- TF1's formulas, in numpy (float64) ----------------------------------------------


def sgd_ref(lr: float):
    def step(w, g, s):
        return w - lr * g, s

    return step, {}


def momentum_ref(lr: float, momentum: float, nesterov: bool = False):
    def step(w, g, s):
        accum = momentum * s["momentum"] + g
        if nesterov:
            w = w - lr * g - lr * momentum * accum
        else:
            w = w - lr * accum
        return w, {"momentum": accum}

    return step, {"momentum": np.zeros_like(W0)}


def adam_ref(lr: float, beta1=0.9, beta2=0.999, eps=1e-8):
    def step(w, g, s):
        t = s["t"] + 1
        m = beta1 * s["m"] + (1 - beta1) * g
        v = beta2 * s["v"] + (1 - beta2) * g * g
        lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
        return w - lr_t * m / (np.sqrt(v) + eps), {"m": m, "v": v, "t": t}

    return step, {"m": np.zeros_like(W0), "v": np.zeros_like(W0), "t": 0}


def adagrad_ref(lr: float, initial=0.1):
    def step(w, g, s):
        accum = s["accumulator"] + g * g
        return w - lr * g / np.sqrt(accum), {"accumulator": accum}

    return step, {"accumulator": np.full_like(W0, initial)}


def rmsprop_ref(lr: float, decay=0.9, momentum=0.0, eps=1e-10, centered=False):
    def step(w, g, s):
        ms = decay * s["rms"] + (1 - decay) * g * g
        new = {"rms": ms}
        denom = ms + eps
        if centered:
            mg = decay * s["mg"] + (1 - decay) * g
            new["mg"] = mg
            denom = ms - mg * mg + eps
        mom = momentum * s["momentum"] + lr * g / np.sqrt(denom)
        new["momentum"] = mom
        return w - mom, new

    state = {"rms": np.ones_like(W0), "momentum": np.zeros_like(W0)}
    if centered:
        state["mg"] = np.zeros_like(W0)
    return step, state


def adadelta_ref(lr: float, rho=0.95, eps=1e-8):
    def step(w, g, s):
        accum = rho * s["accum"] + (1 - rho) * g * g
        update = np.sqrt(s["accum_update"] + eps) / np.sqrt(accum + eps) * g
        accum_update = rho * s["accum_update"] + (1 - rho) * update * update
        return w - lr * update, {"accum": accum, "accum_update": accum_update}

    return step, {"accum": np.zeros_like(W0), "accum_update": np.zeros_like(W0)}


@dataclass
class Case:
    id: str
    make: Any  # () -> Optimizer
    reference: Any  # () -> (step fn, initial state)
    slots: dict[str, str]  # TF1 slot name -> variable name, for var "w"


CASES = [
    Case(
        "sgd", lambda: tf.train.GradientDescentOptimizer(0.1), lambda: sgd_ref(0.1), {}
    ),
    Case(
        "momentum",
        lambda: tf.train.MomentumOptimizer(0.1, 0.9),
        lambda: momentum_ref(0.1, 0.9),
        {"momentum": "w/Momentum"},
    ),
    Case(
        "nesterov",
        lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
        lambda: momentum_ref(0.1, 0.9, nesterov=True),
        {"momentum": "w/Momentum"},
    ),
    Case(
        "adam",
        lambda: tf.train.AdamOptimizer(0.01),
        lambda: adam_ref(0.01),
        {"m": "w/Adam", "v": "w/Adam_1"},
    ),
    Case(
        "adam_big_eps",  # where TF1's epsilon placement matters
        lambda: tf.train.AdamOptimizer(0.01, epsilon=0.1),
        lambda: adam_ref(0.01, eps=0.1),
        {"m": "w/Adam", "v": "w/Adam_1"},
    ),
    Case(
        "adagrad",
        lambda: tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.1),
        lambda: adagrad_ref(0.1, 0.1),
        {"accumulator": "w/Adagrad"},
    ),
    Case(
        "rmsprop",
        lambda: tf.train.RMSPropOptimizer(0.01, decay=0.9, momentum=0.0, epsilon=1e-10),
        lambda: rmsprop_ref(0.01),
        {"rms": "w/RMSProp", "momentum": "w/RMSProp_1"},
    ),
    Case(
        "rmsprop_momentum_centered",
        lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5, centered=True),
        lambda: rmsprop_ref(0.01, momentum=0.5, centered=True),
        {"rms": "w/RMSProp", "mg": "w/RMSProp_1", "momentum": "w/RMSProp_2"},
    ),
    Case(
        "adadelta",
        lambda: tf.train.AdadeltaOptimizer(1.0, rho=0.95, epsilon=1e-6),
        lambda: adadelta_ref(1.0, 0.95, 1e-6),
        {"accum": "w/Adadelta", "accum_update": "w/Adadelta_1"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_updates_match_tf1_formula(case: Case) -> None:
    w = tf.Variable(W0.astype(np.float32), name="w")
    g = tf.placeholder(tf.float32, W0.shape, name="g")
    opt = case.make()
    train = opt.apply_gradients([(g, w)])
    assert sorted(opt.get_slot_names()) == sorted(case.slots)
    slots = {name: opt.get_slot(w, name) for name in case.slots}
    assert {n: v.op.name for n, v in slots.items()} == case.slots
    step, state = case.reference()
    expected = W0.copy()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for grad in gradient_sequence():
            sess.run(train, {g: grad.astype(np.float32)})
            expected, state = step(expected, grad, state)
            np.testing.assert_allclose(sess.run(w), expected, rtol=2e-5, atol=1e-7)
            for name, slot in slots.items():
                np.testing.assert_allclose(
                    sess.run(slot), state[name], rtol=2e-5, atol=1e-7, err_msg=name
                )


def test_adam_optax_variant_differs_where_epsilon_matters() -> None:
    w = tf.Variable(W0.astype(np.float32), name="w")
    g = tf.placeholder(tf.float32, W0.shape)
    train = tf.train.AdamOptimizer(0.01, epsilon=0.1, tf1_exact=False).apply_gradients(
        [(g, w)]
    )
    tf1_step, tf1_state = adam_ref(0.01, eps=0.1)
    tf1 = W0.copy()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for grad in gradient_sequence():
            sess.run(train, {g: grad.astype(np.float32)})
            tf1, tf1_state = tf1_step(tf1, grad, tf1_state)
        got = sess.run(w)
    # optax's m_hat / (sqrt(v_hat) + eps): the reference with bias-corrected moments.
    m = v = np.zeros_like(W0)
    ref = W0.copy()
    for t, grad in enumerate(gradient_sequence(), start=1):
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        ref = ref - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 0.1)
    np.testing.assert_allclose(got, ref, rtol=2e-5, atol=1e-7)
    assert np.abs(got - tf1).max() > 1e-4


def test_adam_defaults_and_step_counter() -> None:
    opt = tf.train.AdamOptimizer()
    assert (opt._learning_rate, opt._beta1, opt._beta2, opt._epsilon) == (
        0.001,
        0.9,
        0.999,
        1e-8,
    )
    w = tf.Variable(W0.astype(np.float32), name="w")
    train = opt.minimize(tf.reduce_sum(w * w))
    (count,) = [v for v in opt.variables() if v.op.name == "Adam/count"]
    assert count.dtype == tf.int32 and not count.trainable
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        assert sess.run(count) == 3


@pytest.mark.parametrize("case", CASES[:4], ids=lambda c: c.id)
def test_minimize_equals_compute_then_apply(case: Case) -> None:
    def run(use_minimize: bool) -> np.ndarray:
        graph = tf.Graph()
        with graph.as_default():
            w = tf.Variable(W0.astype(np.float32), name="w")
            loss = tf.reduce_sum(tf.sin(w) * w) + tf.reduce_sum(w * w * w) / 3.0
            opt = case.make()
            if use_minimize:
                train = opt.minimize(loss)
            else:
                train = opt.apply_gradients(opt.compute_gradients(loss))
            with tf.Session(graph=graph) as sess:
                sess.run(tf.global_variables_initializer())
                for _ in range(STEPS):
                    sess.run(train)
                return sess.run(w)

    np.testing.assert_allclose(run(True), run(False), rtol=1e-6, atol=1e-7)


def test_slots_are_global_non_trainable_and_initialised() -> None:
    w = tf.Variable(W0.astype(np.float32), name="w")
    opt = tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.25)
    opt.minimize(tf.reduce_sum(w * w))
    accumulator = opt.get_slot(w, "accumulator")
    assert accumulator in tf.global_variables()
    assert accumulator not in tf.trainable_variables()
    assert opt.variables() == [accumulator]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(
            sess.run(accumulator), np.full(4, 0.25, np.float32)
        )
        assert "w/Adagrad" in sess.get_state().variables


def test_slot_names_do_not_depend_on_unrelated_graph_contents() -> None:
    def names(unrelated_first: bool) -> list[str]:
        graph = tf.Graph()
        with graph.as_default():
            if unrelated_first:
                other = tf.Variable(1.0, name="other")
                tf.train.MomentumOptimizer(0.1, 0.9).minimize(other * other)
                tf.Variable(2.0, name="Adam")
            w = tf.Variable(W0.astype(np.float32), name="w")
            b = tf.Variable(0.0, name="b")
            opt = tf.train.AdamOptimizer()
            opt.minimize(tf.reduce_sum(w * w) + b * b)
            return [v.op.name for v in opt.variables()]

    assert (
        names(False)
        == names(True)
        == [
            "Adam/count",
            "b/Adam",
            "b/Adam_1",
            "w/Adam",
            "w/Adam_1",
        ]
    )


def test_minimize_twice_reuses_slots() -> None:
    w = tf.Variable(W0.astype(np.float32), name="w")
    opt = tf.train.MomentumOptimizer(0.1, 0.9)
    opt.minimize(tf.reduce_sum(w * w))
    opt.minimize(tf.reduce_sum(w))
    assert [v.op.name for v in opt.variables()] == ["w/Momentum"]


def test_ftrl_is_reported_unavailable() -> None:
    with pytest.raises(NotImplementedError, match=r"optax .* has no FTRL rule"):
        tf.train.FtrlOptimizer(0.1)


def test_bad_hyperparameters() -> None:
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive"):
        tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)
    with pytest.raises(TypeError, match="beta1 must be a Python number"):
        tf.train.AdamOptimizer(beta1=tf.constant(0.9))
    with pytest.raises(ValueError, match="Must specify the optimizer name"):
        tf.train.GradientDescentOptimizer(0.1, name="")


def test_float64_adam_is_tf1_formula_to_rounding() -> None:
    w = tf.Variable(W0, name="w")
    g = tf.placeholder(tf.float64, W0.shape)
    # A Python learning rate is a float32 constant (as TF1): pick an exact one.
    train = tf.train.AdamOptimizer(2**-7, epsilon=0.1).apply_gradients([(g, w)])
    step, state = adam_ref(2**-7, eps=0.1)
    expected = W0.copy()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for grad in gradient_sequence():
            sess.run(train, {g: grad})
            expected, state = step(expected, grad, state)
        got = sess.run(w)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12)
