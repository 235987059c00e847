"""jgraph.ops.state_ops scatter ops (``tf.scatter_update/add/sub``) against numpy, run
in a Session: each returns the variable's new value and writes it; duplicate
indices; shapes of ``updates``; TF1 differences; bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf

from ._check import ALL_FLOATS, INTS, STRING, Case, check_op, params

# The feed points: every row of every table feeds placeholders, so these check
# that a fed value comes back unchanged, with its static shape and dtype.
STATE_CASES = [
    Case(
        "Placeholder", lambda x: x, lambda x: x, ((3, 4),), ALL_FLOATS + INTS + STRING
    ),
    Case(
        "PlaceholderWithDefault",
        lambda x: tf.placeholder_with_default(x, x.shape),
        lambda x: x,
        ((2, 5),),
        ALL_FLOATS + INTS + STRING,
    ),
]


@pytest.mark.parametrize("case", params(STATE_CASES))
def test_feed_points_match_numpy(case: Case) -> None:
    check_op(case)


def _numpy_scatter(kind, start, indices, updates):
    result = np.array(start, copy=True)
    if kind == "update":
        result[indices] = updates
    elif kind == "add":
        np.add.at(result, indices, updates)
    else:
        np.subtract.at(result, indices, updates)
    return result


SCATTERS = {"update": tf.scatter_update, "add": tf.scatter_add, "sub": tf.scatter_sub}


@pytest.mark.parametrize("kind", sorted(SCATTERS))
@pytest.mark.parametrize("dtype", [tf.float32, tf.float64, tf.int32, tf.int64])
def test_scatter_matches_numpy_and_writes_the_variable(kind, dtype) -> None:
    rng = np.random.default_rng(7)
    start = rng.integers(-9, 10, (6, 3)).astype(dtype.np)
    indices = np.array([[4, 0], [2, 5]])  # updates: indices.shape + [3]
    updates = rng.integers(-9, 10, (2, 2, 3)).astype(dtype.np)
    ref = tf.Variable(start)
    index_feed = tf.placeholder(tf.int32, [None, 2])
    update_feed = tf.placeholder(dtype, [None, 2, 3])
    new = SCATTERS[kind](ref, index_feed, update_feed)
    assert new.dtype == dtype and new.shape.as_list() == [6, 3]
    expected = _numpy_scatter(kind, start, indices, updates)
    with tf.Session() as sess:
        sess.run(ref.initializer)
        got = sess.run(new, {index_feed: indices, update_feed: updates})
        stored = sess.run(ref)
    assert got.dtype == dtype.np
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(stored, expected)


def test_scatter_add_and_sub_accumulate_duplicate_indices() -> None:
    ref = tf.Variable([0.0, 10.0, 20.0])
    added = tf.scatter_add(ref, [0, 2, 0, 0], [1.0, 2.0, 3.0, 4.0])
    subtracted = tf.scatter_sub(ref, tf.constant([1, 1], tf.int64), [0.5, 0.25])
    with tf.Session() as sess:
        sess.run(ref.initializer)
        np.testing.assert_array_equal(sess.run(added), [8.0, 10.0, 22.0])
        np.testing.assert_array_equal(sess.run(added), [16.0, 10.0, 24.0])
        np.testing.assert_array_equal(sess.run(subtracted), [16.0, 9.25, 24.0])


def test_scatter_update_takes_scalar_updates_and_python_values() -> None:
    ref = tf.Variable(np.zeros((3, 2)), dtype=tf.float64)
    update = tf.scatter_update(ref, [2, 0], 7)  # a Python int becomes float64
    rows = tf.scatter_update(ref, [1], [[1.5, -1.5]], name="rows")
    assert update.op.name == "ScatterUpdate" and rows.op.name == "rows"
    with tf.Session() as sess:
        sess.run(ref.initializer)
        sess.run(update)
        np.testing.assert_array_equal(
            sess.run(rows), [[7.0, 7.0], [1.5, -1.5], [7.0, 7.0]]
        )


def test_scatter_on_bool_and_under_control_dependencies() -> None:
    flags = tf.Variable([False, False, False])
    counter = tf.Variable([0, 0])
    set_flag = tf.scatter_update(flags, [1], [True])
    with tf.control_dependencies([set_flag]):
        bump = tf.scatter_add(counter, [0], [1])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(bump), [1, 0])
        np.testing.assert_array_equal(sess.run(flags), [False, True, False])


def test_run_time_indices_out_of_range_are_skipped() -> None:
    # TF1 difference (documented on scatter_update): XLA cannot raise inside a run.
    ref = tf.Variable([1, 2, 3])
    indices = tf.placeholder(tf.int32, [3])
    new = tf.scatter_add(ref, indices, [10, 20, 30])
    with tf.Session() as sess:
        sess.run(ref.initializer)
        np.testing.assert_array_equal(sess.run(new, {indices: [3, -1, 1]}), [1, 32, 3])


BAD_INPUTS = [
    pytest.param(
        lambda: tf.scatter_update(tf.constant([1.0]), [0], [2.0]),
        TypeError,
        "ScatterUpdate needs a jgraph Variable",
        id="not-a-variable",
    ),
    pytest.param(
        lambda: tf.scatter_add(
            tf.Variable([1.0, 2.0], name="v"), [0], tf.constant([1], tf.int32)
        ),
        TypeError,
        r"Input 'updates' of 'ScatterAdd' Op \(Const:0\) has type int32 that does not"
        r" match type float32 of variable 'v'",
        id="updates-dtype",
    ),
    pytest.param(
        lambda: tf.scatter_update(tf.Variable([1.0, 2.0]), [0.0], [1.0]),
        TypeError,
        r"'indices' of 'ScatterUpdate'.*float32",
        id="float-indices",
    ),
    pytest.param(
        lambda: tf.scatter_update(
            tf.Variable(np.zeros((4, 3))), [0, 1], np.ones((2, 2))
        ),
        ValueError,
        r"ScatterUpdate: updates .* must be a scalar or have shape indices.shape \+"
        r" ref.shape\[1:\] = \(2, 3\)",
        id="updates-shape",
    ),
    pytest.param(
        lambda: tf.scatter_sub(tf.Variable([1, 2], name="w"), [2], [1]),
        ValueError,
        r"ScatterSub: index 2 is not in \[0, 2\) for variable 'w'",
        id="constant-index-out-of-range",
    ),
    pytest.param(
        lambda: tf.scatter_add(tf.Variable([1, 2]), [-1], [1]),
        ValueError,
        r"index -1 is not in \[0, 2\)",
        id="negative-constant-index",
    ),
    pytest.param(
        lambda: tf.scatter_update(tf.Variable(1.0, name="s"), [0], 2.0),
        ValueError,
        "variable 's' is a scalar",
        id="scalar-variable",
    ),
    pytest.param(
        lambda: tf.scatter_add(tf.Variable([True]), [0], [True]),
        TypeError,
        r"ScatterAdd: variable .* has DataType bool; it needs a number type",
        id="add-to-bool",
    ),
]


@pytest.mark.parametrize(("build", "error", "match"), BAD_INPUTS)
def test_bad_inputs_raise_when_building(build, error, match) -> None:
    with pytest.raises(error, match=match):
        build()
