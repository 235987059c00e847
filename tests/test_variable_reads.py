"""The variable-read rule (DESIGN.md, ``compile/interpreter.py``).

A read of ``v`` by op ``X`` sees the last write to ``v`` among ``X``'s ancestors,
else the start-of-run value; writes compose in run order; a fetched variable (or
what ``assign`` returns) is its end-of-run value. TF1 gives the same values
wherever it is deterministic (checked against TF1 in
``tests/conformance/test_semantics.py``); the cases TF1 leaves to a race are pinned
here to the rule.
"""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf
from jgraph import errors


@pytest.fixture
def sess():
    with tf.Session() as session:
        yield session


def test_a_read_under_control_dependencies_sees_the_update(sess):
    v = tf.Variable(1.0)
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        y = tf.identity(v)
        doubled = v * 2.0
    sess.run(v.initializer)
    assert sess.run(y) == 2.0
    assert sess.run([y, doubled]) == [3.0, 6.0]  # one update per run, both see it
    assert sess.run(v) == 3.0


def test_a_read_without_the_write_among_its_ancestors_sees_the_start_value(sess):
    v = tf.Variable(1.0)
    inc = tf.assign_add(v, 1.0)
    read = v * 1.0
    sess.run(v.initializer)
    # TF1 leaves this to a race; the rule makes it the start value, every time.
    assert sess.run([inc, read, v]) == [2.0, 1.0, 2.0]
    assert sess.run([read, inc]) == [2.0, 3.0]


def test_the_last_write_among_the_ancestors_not_the_last_in_run_order(sess):
    v = tf.Variable(0.0)
    first = tf.assign(v, 10.0)
    second = tf.assign(v, 20.0)  # runs after ``first`` but is not upstream of ``y``
    with tf.control_dependencies([first]):
        y = tf.identity(v)
    sess.run(v.initializer)
    assert sess.run([y, second]) == [10.0, 20.0]
    assert sess.run(v) == 20.0


def test_writes_chained_by_control_dependencies(sess):
    v = tf.Variable(1.0)
    a = tf.assign_add(v, 1.0)
    with tf.control_dependencies([a]):
        b = tf.assign(v, v * 10.0)  # its input reads v after ``a``
    with tf.control_dependencies([b]):
        y = v + 0.0
    sess.run(v.initializer)
    assert sess.run(y) == 20.0
    assert sess.run(v) == 20.0


def test_read_modify_writes_of_one_run_compose(sess):
    v = tf.Variable(1.0)
    inc = tf.assign_add(v, 1.0)
    inc10 = tf.assign_add(v, 10.0)
    sess.run(v.initializer)
    # As TF1: both apply; fetched references give the end-of-run value.
    assert sess.run([inc, inc10]) == [12.0, 12.0]
    assert sess.run(v) == 12.0


def test_a_fetched_variable_is_its_end_of_run_value(sess):
    step = tf.train.get_or_create_global_step()
    bump = tf.assign_add(step, 1)
    sess.run(step.initializer)
    assert [sess.run([bump, step]) for _ in range(3)] == [[1, 1], [2, 2], [3, 3]]


def test_an_op_reading_what_assign_returns_sees_that_write(sess):
    v = tf.Variable(1.0)
    twice = tf.assign_add(v, 1.0) * 2.0
    sess.run(v.initializer)
    assert sess.run(twice) == 4.0
    assert sess.run(twice) == 6.0


def test_read_value_follows_the_rule(sess):
    v = tf.Variable(1.0)
    inc = tf.assign_add(v, 1.0)
    plain = v.read_value()
    with tf.control_dependencies([inc]):
        after = v.read_value()
    sess.run(v.initializer)
    assert sess.run([plain, after, inc]) == [1.0, 2.0, 2.0]


def test_a_train_step_fetches_the_loss_before_the_update(sess):
    w = tf.Variable(2.0)
    loss = w * w
    train = tf.train.GradientDescentOptimizer(0.25).minimize(loss)
    with tf.control_dependencies([train]):
        after = tf.identity(loss)  # re-reads nothing: loss is computed once per run
        w_after = tf.identity(w)
    sess.run(w.initializer)
    assert sess.run([train, loss, w_after]) == [None, 4.0, 1.0]
    assert sess.run([after, w]) == [1.0, 0.5]


def test_control_flow_reads_see_the_update_upstream_of_it(sess):
    v = tf.Variable(1.0)
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        out = tf.cond(tf.constant(True), lambda: v * 3.0, lambda: v * 0.0)
    sess.run(v.initializer)
    assert sess.run(out) == 6.0


def test_a_loop_body_sees_its_own_earlier_iterations(sess):
    v = tf.Variable(0.0)

    def body(i, total):
        with tf.control_dependencies([tf.assign_add(v, 1.0)]):
            return i + 1, total + tf.identity(v)

    _, total = tf.while_loop(lambda i, t: i < 3, body, [0, 0.0])
    sess.run(v.initializer)
    # TF1 runs iterations in parallel and races here (it gave 9.0 once).
    assert sess.run(total) == 1.0 + 2.0 + 3.0
    assert sess.run(v) == 3.0


def test_initialisers_still_run_in_dependency_order(sess):
    a = tf.Variable(3.0)
    b = tf.Variable(a * 2.0)  # reads a, which the same run initialises
    d = tf.Variable(a.initialized_value() + b.initialized_value())
    sess.run(tf.global_variables_initializer())
    assert sess.run([a, b, d]) == [3.0, 6.0, 9.0]
    # Re-running the initializer with a already set: b reads a's start value.
    sess.run(a.assign(5.0))
    sess.run(b.initializer)
    assert sess.run(b) == 10.0


def test_a_read_before_any_value_names_the_variable(sess):
    v = tf.Variable(1.0, name="never_set")
    with pytest.raises(errors.FailedPreconditionError, match="never_set"):
        sess.run(v * 2.0)


def test_a_read_only_variable_survives_its_run(sess):
    v = tf.Variable(np.array([1.0, 2.0], np.float32))
    x = tf.placeholder(tf.float32, [2])
    y = v.initialized_value() * x
    (grad,) = tf.gradients(y, [x])
    sess.run(v.initializer)
    ones = np.ones(2, np.float32)
    # Each run reads v without writing it: v is not donated to the run.
    np.testing.assert_array_equal(sess.run(grad, {x: ones}), [1.0, 2.0])
    np.testing.assert_array_equal(sess.run(grad, {x: ones}), [1.0, 2.0])
    np.testing.assert_array_equal(sess.run(tf.is_variable_initialized(v)), True)
    np.testing.assert_array_equal(sess.run(v), [1.0, 2.0])


def test_gradient_under_control_dependencies(sess):
    v = tf.Variable(3.0)
    inc = tf.assign_add(v, 1.0)
    x = tf.placeholder(tf.float32, [])
    with tf.control_dependencies([inc]):
        y = v * x
    (dx,) = tf.gradients(y, [x])
    sess.run(v.initializer)
    # The gradient sees the value the forward op saw (TF1 races: it gave 3.0).
    assert sess.run([y, dx], {x: 2.0}) == [8.0, 4.0]
