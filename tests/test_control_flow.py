"""tf.cond, tf.case, tf.while_loop and tf.map_fn: values against numpy, TF1's names
and structures, state and randomness inside functions, gradients, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import jgraph as tf


@pytest.fixture
def sess():
    with tf.Session() as session:
        yield session


# -- cond ------------------------------------------------------------------------------------


def test_cond_takes_the_branch_pred_selects(sess):
    x = tf.placeholder(tf.float32, [3])
    y = tf.cond(tf.reduce_sum(x) > 0.0, lambda: x * 2.0, lambda: tf.abs(x) - 1.0)
    assert y.name == "cond/Merge:0" and y.op.type == "If"
    assert y.shape.as_list() == [3]
    up = np.array([1.0, 2.0, -0.5], np.float32)
    down = -up
    np.testing.assert_allclose(sess.run(y, {x: up}), up * 2.0)
    np.testing.assert_allclose(sess.run(y, {x: down}), np.abs(down) - 1.0)


def test_cond_returns_the_branch_structure(sess):
    p = tf.placeholder(tf.bool, [])
    out = tf.cond(
        p,
        lambda: {"a": tf.constant(1), "b": (tf.constant(2.0), tf.constant([3, 4]))},
        lambda: {"a": tf.constant(5), "b": (tf.constant(6.0), tf.constant([7, 8]))},
    )
    got = sess.run(out, {p: False})
    assert got["a"] == 5 and got["b"][0] == 6.0
    np.testing.assert_array_equal(got["b"][1], [7, 8])
    single = tf.cond(p, lambda: [tf.constant(1)], lambda: [tf.constant(2)])
    assert isinstance(single, tf.Tensor)  # strict=False unpacks, as TF1
    strict = tf.cond(p, lambda: [tf.constant(1)], lambda: [tf.constant(2)], strict=True)
    assert isinstance(strict, list) and sess.run(strict, {p: True}) == [1]


def test_cond_runs_only_the_chosen_branch_updates(sess):
    p = tf.placeholder(tf.bool, [])
    v = tf.Variable(10.0)
    w = tf.Variable(0.0)
    out = tf.cond(p, lambda: tf.assign_add(v, 1.0), lambda: tf.assign_sub(w, 1.0) + v)
    sess.run(tf.global_variables_initializer())
    assert sess.run(out, {p: True}) == 11.0
    assert sess.run(out, {p: True}) == 12.0
    assert sess.run(out, {p: False}) == 11.0  # -1 + 12: the false branch's values
    assert sess.run([v, w]) == [12.0, -1.0]


def test_cond_reuses_outer_values_instead_of_recomputing_them(sess):
    noise = tf.random_uniform([4])
    p = tf.placeholder(tf.bool, [])
    inside = tf.cond(p, lambda: noise + 0.0, lambda: noise * 1.0)
    outer, got = sess.run([noise, inside], {p: True})
    np.testing.assert_array_equal(outer, got)


def test_ops_a_function_builds_but_does_not_use_need_no_feeds(sess):
    unfed = tf.placeholder(tf.float32, [], name="unfed")

    def branch():
        unfed * 2.0  # built, never used: TF1 never runs it
        return tf.constant(1.0)

    out = tf.cond(tf.constant(True), branch, lambda: tf.constant(2.0))
    assert sess.run(out) == 1.0


def test_cond_gradients_follow_the_taken_branch(sess):
    x = tf.placeholder(tf.float32, [])
    w = tf.Variable(3.0)
    loss = tf.cond(x > 0.0, lambda: w * w * x, lambda: tf.sin(w))
    (grad,) = tf.gradients(loss, [w])
    sess.run(w.initializer)
    assert sess.run(grad, {x: 2.0}) == pytest.approx(2 * 3.0 * 2.0)
    assert sess.run(grad, {x: -1.0}) == pytest.approx(np.cos(3.0))


def test_gradients_reach_variables_read_inside_functions(sess):
    w = tf.Variable(3.0)
    p = tf.placeholder(tf.bool, [])
    inside = tf.cond(p, lambda: w.read_value() ** 2, lambda: tf.constant(0.0))
    mapped = tf.reduce_sum(tf.map_fn(lambda e: e * w.read_value(), tf.ones([3])))
    grads = tf.gradients([inside, mapped], [w])
    sess.run(w.initializer)
    assert sess.run(grads, {p: True}) == [pytest.approx(2 * 3.0 + 3.0)]
    assert sess.run(grads, {p: False}) == [pytest.approx(3.0)]


def test_gradient_through_an_unbounded_while_loop_says_what_to_do(sess):
    w = tf.Variable(1.5)
    _, power = tf.while_loop(lambda k, p: k < 4, lambda k, p: (k + 1, p * w), [0, 1.0])
    (grad,) = tf.gradients(power, [w])
    sess.run(w.initializer)
    assert sess.run(power) == pytest.approx(1.5**4)  # forward is fine
    with pytest.raises(tf.errors.InvalidArgumentError, match="maximum_iterations"):
        sess.run(grad)


def test_cond_trains_with_an_optimizer(sess):
    use_square = tf.placeholder(tf.bool, [])
    w = tf.Variable(5.0)
    loss = tf.cond(use_square, lambda: tf.square(w - 1.0), lambda: tf.abs(w - 1.0))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    sess.run(w.initializer)
    for _ in range(50):
        sess.run(train, {use_square: True})
    assert sess.run(w) == pytest.approx(1.0, abs=1e-3)


def test_cond_bad_input_errors():
    x = tf.constant(1.0)
    with pytest.raises(ValueError, match="scalar bool"):
        tf.cond(tf.constant([True, False]), lambda: x, lambda: x)
    with pytest.raises(ValueError, match=r"same dtypes.*float32.*int32"):
        tf.cond(x > 0.0, lambda: x, lambda: tf.constant(1))
    with pytest.raises(ValueError, match=r"same shapes.*\(2,\).*\(3,\)"):
        tf.cond(x > 0.0, lambda: tf.zeros([2]), lambda: tf.zeros([3]))
    with pytest.raises(ValueError, match="same nested structure"):
        tf.cond(x > 0.0, lambda: (x, x), lambda: [x])
    with pytest.raises(TypeError, match="callables"):
        tf.cond(x > 0.0, x, lambda: x)


def test_uninitialized_variable_in_a_branch_is_named(sess):
    v = tf.Variable(1.0, name="branch_var")
    out = tf.cond(tf.constant(True), lambda: v.read_value() * 2.0, lambda: 0.0 * v)
    with pytest.raises(tf.errors.FailedPreconditionError, match="branch_var"):
        sess.run(out)


# -- case ------------------------------------------------------------------------------------


def test_case_picks_the_first_true_predicate(sess):
    x = tf.placeholder(tf.float32, [])
    out = tf.case(
        [(x > 5.0, lambda: tf.constant(1)), (x > 0.0, lambda: tf.constant(2))],
        default=lambda: tf.constant(3),
    )
    assert [sess.run(out, {x: v}) for v in (6.0, 1.0, -1.0)] == [1, 2, 3]
    # Without a default, the last function is the default (TF1).
    last = tf.case({x > 5.0: lambda: tf.constant(1), x > 0.0: lambda: tf.constant(2)})
    assert [sess.run(last, {x: v}) for v in (6.0, 1.0, -1.0)] == [1, 2, 2]


# -- while_loop ------------------------------------------------------------------------------


def test_while_loop_counts_and_names_its_outputs(sess):
    i = tf.while_loop(lambda i: i < 10, lambda i: i + 3, [tf.constant(0)])
    assert i.name == "while/Exit:0" and i.op.type == "While"
    assert sess.run(i) == 12


@settings(deadline=None, max_examples=15)
@given(n=st.integers(0, 40))
def test_while_loop_sums_like_python(n):
    with tf.Graph().as_default():
        limit = tf.placeholder(tf.int32, [])
        _, total = tf.while_loop(
            lambda k, s: k < limit, lambda k, s: (k + 1, s + k * k), [0, 0]
        )
        with tf.Session() as sess:
            assert sess.run(total, {limit: n}) == sum(k * k for k in range(n))


def test_while_loop_keeps_the_loop_vars_structure(sess):
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))

    def body(state):
        return {"step": state["step"] + 1, "x": (state["x"][0] * 2.0,)}

    out = tf.while_loop(
        lambda state: state["step"] < 3,
        body,
        [{"step": tf.constant(0), "x": (x,)}],
    )
    got = sess.run(out)
    assert got[0]["step"] == 3
    np.testing.assert_array_equal(got[0]["x"][0], np.arange(6).reshape(2, 3) * 8)


def test_while_loop_maximum_iterations_static_and_fed(sess):
    forever = lambda i: tf.constant(True)  # noqa: E731
    assert (
        sess.run(tf.while_loop(forever, lambda i: i + 1, [0], maximum_iterations=7))
        == 7
    )
    cap = tf.placeholder(tf.int32, [])
    capped = tf.while_loop(
        lambda i: i < 100, lambda i: i + 1, [0], maximum_iterations=cap
    )
    assert sess.run(capped, {cap: 4}) == 4
    assert sess.run(capped, {cap: 400}) == 100


def test_while_loop_gradient_with_maximum_iterations(sess):
    w = tf.Variable(1.5)
    _, power = tf.while_loop(
        lambda k, p: k < 4, lambda k, p: (k + 1, p * w), [0, 1.0], maximum_iterations=10
    )
    (grad,) = tf.gradients(power, [w])
    sess.run(w.initializer)
    got_power, got_grad = sess.run([power, grad])
    assert got_power == pytest.approx(1.5**4)
    assert got_grad == pytest.approx(4 * 1.5**3)


def test_while_loop_body_updates_run_every_iteration(sess):
    v = tf.Variable(0)

    def body(i):
        with tf.control_dependencies([tf.assign_add(v, i)]):
            return i + 1

    out = tf.while_loop(lambda i: i < 5, body, [0])
    sess.run(v.initializer)
    assert sess.run(out) == 5
    assert sess.run(v) == 0 + 1 + 2 + 3 + 4


def test_while_loop_random_ops_draw_anew_each_iteration(sess):
    def body(i, draws):
        row = tf.random_uniform([1, 3])
        return i + 1, tf.concat([draws[1:], row], 0)

    _, draws = tf.while_loop(lambda i, d: i < 4, body, [0, tf.zeros([4, 3])])
    got = sess.run(draws)
    assert len({tuple(row) for row in got}) == 4


def test_while_loop_shape_invariants(sess):
    x = tf.placeholder(tf.float32, [None, 2])
    out = tf.while_loop(
        lambda i, a: i < 3,
        lambda i, a: (i + 1, a + 1.0),
        [0, x],
        shape_invariants=[tf.TensorShape([]), tf.TensorShape([None, 2])],
    )
    np.testing.assert_array_equal(
        sess.run(out, {x: np.zeros((5, 2))})[1], np.full((5, 2), 3.0)
    )


def test_while_loop_bad_input_errors():
    start = tf.constant([1.0, 2.0])
    with pytest.raises(ValueError, match=r"enters the loop with shape \(2,\).*\(4,\)"):
        tf.while_loop(lambda a: True, lambda a: tf.concat([a, a], 0), [start])
    with pytest.raises(TypeError, match=r"enters the loop with type float32.*int32"):
        tf.while_loop(lambda a: True, lambda a: tf.constant([1, 2]), [start])
    with pytest.raises(ValueError, match="one scalar bool"):
        tf.while_loop(lambda a: a, lambda a: a, [start])
    with pytest.raises(ValueError, match="returned 2 values for 1 loop variables"):
        tf.while_loop(lambda a: True, lambda a: (a, a), [start])
    with pytest.raises(ValueError, match="shape invariant"):
        tf.while_loop(lambda a: True, lambda a: a, [start], shape_invariants=[[3]])


# -- map_fn ------------------------------------------------------------------------------------


def test_map_fn_matches_numpy(sess):
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.map_fn(lambda row: tf.reduce_sum(row * row) + row[0], x)
    assert y.name == "map/TensorArrayStack/TensorArrayGatherV3:0"
    data = np.random.RandomState(0).randn(5, 3).astype(np.float32)
    np.testing.assert_allclose(
        sess.run(y, {x: data}), (data * data).sum(1) + data[:, 0], rtol=1e-5
    )


def test_map_fn_over_a_structure_with_variables_and_gradients(sess):
    a = tf.constant(np.arange(4, dtype=np.float32))
    b = tf.constant(np.arange(4, dtype=np.float32) * 10)
    w = tf.Variable(2.0)
    pairs = tf.map_fn(lambda ab: (ab[0] * w, ab[1] + ab[0]), (a, b))
    (grad,) = tf.gradients(tf.reduce_sum(pairs[0]), [w])
    sess.run(w.initializer)
    first, second = sess.run(pairs)
    np.testing.assert_array_equal(first, np.arange(4) * 2.0)
    np.testing.assert_array_equal(second, np.arange(4) * 11.0)
    assert sess.run(grad) == pytest.approx(np.arange(4).sum())


def test_map_fn_random_rows_differ(sess):
    rows = tf.map_fn(lambda e: e + tf.random_uniform([3]), tf.zeros([4, 3]))
    assert len({tuple(r) for r in sess.run(rows)}) == 4


def test_map_fn_bad_input_errors():
    with pytest.raises(ValueError, match="rank >= 1"):
        tf.map_fn(lambda e: e, tf.constant(1.0))
    with pytest.raises(ValueError, match="same first dimension"):
        tf.map_fn(lambda e: e[0], (tf.zeros([2]), tf.zeros([3])))
    with pytest.raises(TypeError, match=r"fn returned dtypes \['float32'\].*int32"):
        tf.map_fn(lambda e: e, tf.zeros([2]), dtype=tf.int32)


# -- scan, foldl, foldr ------------------------------------------------------------------------


def test_scan_matches_numpy_with_and_without_initializer(sess):
    x = tf.placeholder(tf.float32, [None, 2])
    data = np.random.RandomState(1).randn(5, 2).astype(np.float32)
    running = tf.scan(lambda acc, row: acc + row, x)
    scaled = tf.scan(lambda acc, row: acc * 0.5 + row, x, initializer=tf.ones([2]))
    backwards = tf.scan(lambda acc, row: acc + row, x, reverse=True)
    got_running, got_scaled, got_back = sess.run(
        [running, scaled, backwards], {x: data}
    )
    np.testing.assert_allclose(got_running, np.cumsum(data, 0), rtol=1e-5)
    expected, acc = [], np.ones(2, np.float32)
    for row in data:
        acc = acc * 0.5 + row
        expected.append(acc)
    np.testing.assert_allclose(got_scaled, expected, rtol=1e-5)
    np.testing.assert_allclose(got_back, np.cumsum(data[::-1], 0)[::-1], rtol=1e-5)


def test_scan_with_a_structured_accumulator_and_gradients(sess):
    w = tf.Variable(2.0)
    elems = tf.constant([1.0, 2.0, 3.0])
    total, count = tf.scan(
        lambda acc, e: (acc[0] + e * w, acc[1] + 1), elems, initializer=(0.0, 0)
    )
    (grad,) = tf.gradients(total[-1], [w])
    sess.run(w.initializer)
    got_total, got_count, got_grad = sess.run([total, count, grad])
    np.testing.assert_allclose(got_total, [2.0, 6.0, 12.0])
    np.testing.assert_array_equal(got_count, [1, 2, 3])
    assert got_grad == pytest.approx(6.0)


def test_gradients_reach_variables_created_inside_a_loop_body(sess):
    def body(acc, e):
        w = tf.get_variable("w_in_body", [], initializer=tf.constant_initializer(2.0))
        return acc + e * w * w

    total = tf.scan(body, tf.constant([1.0, 2.0, 3.0]), initializer=0.0)
    (w,) = tf.trainable_variables()
    (grad,) = tf.gradients(total[-1], [w])
    sess.run(tf.global_variables_initializer())
    assert sess.run(total[-1]) == pytest.approx(6.0 * 4.0)
    assert sess.run(grad) == pytest.approx(6.0 * 2 * 2.0)


def test_folds_match_python(sess):
    elems = tf.constant([1.0, 2.0, 3.0, 4.0])
    assert (
        sess.run(tf.foldl(lambda a, x: a * 2.0 + x, elems))
        == ((1 * 2 + 2) * 2 + 3) * 2 + 4
    )
    assert (
        sess.run(tf.foldr(lambda a, x: a * 2.0 + x, elems))
        == ((4 * 2 + 3) * 2 + 2) * 2 + 1
    )
    assert sess.run(tf.foldl(lambda a, x: a - x, elems, initializer=10.0)) == 0.0


def test_scan_bad_accumulator_is_named():
    with pytest.raises(TypeError, match=r"enters the loop with type float32.*int32"):
        tf.scan(lambda a, x: tf.cast(a, tf.int32), tf.zeros([3]), initializer=0.0)


# -- with the rest of jgraph -------------------------------------------------------------------


def test_control_flow_inside_fused_steps_matches_separate_runs():
    def build():
        tf.set_random_seed(3)
        v = tf.Variable(1.0)
        step = tf.train.get_or_create_global_step()
        grow = tf.cond(
            tf.equal(step % 2, 0), lambda: tf.assign(v, v * 1.5), lambda: v - 0.25
        )
        return v, grow, tf.assign_add(step, 1)

    results = []
    for fused in (False, True):
        with tf.Graph().as_default():
            v, grow, tick = build()
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                if fused:
                    sess.run_steps([grow, tick], 6)
                else:
                    for _ in range(6):
                        sess.run([grow, tick])
                results.append(sess.run(v))
    assert results[0] == results[1] == pytest.approx(1.5**3)


def test_graphs_with_control_flow_export_to_tensorboard(tmp_path):
    x = tf.placeholder(tf.float32, [])
    tf.cond(x > 0.0, lambda: x + 1.0, lambda: x - 1.0)
    tf.while_loop(lambda i: i < 3, lambda i: i + 1, [0])
    names = {node.name for node in tf.get_default_graph().as_graph_def().node}
    assert {"cond/Merge", "while/Exit", "cond/true/add"} <= names
