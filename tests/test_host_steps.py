"""Host steps: ops that need their inputs' values on the host (data-dependent
shapes, the user's Python) cut a run into compiled segments.

Expected values are numpy's or, where TF1 has its own rules (orders, error
classes, gradients), what tf.compat.v1 (TF 2.21) gave for the same graph.
"""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf
from jgraph.compile.segments import HOST


def _run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


# -- tf.where(condition), boolean_mask, unique, dynamic_partition ------------------------


def test_where_coordinates_match_tf1_including_empty_and_all_true() -> None:
    cond = tf.placeholder(tf.bool, [None, None])
    coords = tf.where(cond)
    assert coords.dtype == tf.int64 and coords.shape.as_list() == [None, 2]
    grid = np.array([[True, False], [False, True]])
    np.testing.assert_array_equal(_run(coords, {cond: grid}), [[0, 0], [1, 1]])
    none = _run(coords, {cond: np.zeros((2, 3), bool)})
    assert none.shape == (0, 2) and none.dtype == np.int64
    every = _run(coords, {cond: np.ones((2, 2), bool)})
    np.testing.assert_array_equal(every, [[0, 0], [0, 1], [1, 0], [1, 1]])


def test_where_of_numbers_is_their_nonzero_entries_and_v2_agrees() -> None:
    x = tf.placeholder(tf.float32, [None])
    got, got_v2 = _run([tf.where(x), tf.where_v2(x)], {x: [0.0, -1.5, 0.0, 2.0]})
    np.testing.assert_array_equal(got, [[1], [3]])
    np.testing.assert_array_equal(got_v2, [[1], [3]])


def test_where_of_a_scalar_is_an_error() -> None:
    with pytest.raises(ValueError, match="rank >= 1; got a scalar"):
        tf.where(tf.constant(True))
    cond = tf.placeholder(tf.bool)  # unknown rank: found out when it runs
    with pytest.raises(tf.errors.InvalidArgumentError, match="got a scalar"):
        _run(tf.where(cond), {cond: True})


def test_boolean_mask_with_a_fed_mask_matches_tf1() -> None:
    x = tf.placeholder(tf.float32, [None])
    mask = tf.placeholder(tf.bool, [None])
    kept = tf.boolean_mask(x, mask)
    assert kept.shape.as_list() == [None]
    (grad,) = tf.gradients(tf.reduce_sum(kept**2), x)
    feed = {x: [1.0, 2.0, 3.0, 2.0, -1.0], mask: [True, False, True, False, True]}
    values, g = _run([kept, grad], feed)
    np.testing.assert_array_equal(values, [1.0, 3.0, -1.0])
    np.testing.assert_array_equal(g, [2.0, 0.0, 6.0, 0.0, -2.0])  # TF1's
    everything = {x: [1.0, 2.0], mask: [True, True]}
    np.testing.assert_array_equal(_run(kept, everything), [1.0, 2.0])
    nothing = _run([kept, grad], {x: [1.0, 2.0], mask: [False, False]})
    assert nothing[0].shape == (0,)
    np.testing.assert_array_equal(nothing[1], [0.0, 0.0])


def test_boolean_mask_of_a_computed_mask_gradient_is_tf1s() -> None:
    x = tf.placeholder(tf.float32, [None])
    kept = tf.boolean_mask(x, x > 0)
    (grad,) = tf.gradients(tf.reduce_sum(kept * x[:1]), x)
    g = _run(grad, {x: [1.0, 2.0, 3.0, 2.0, -1.0]})
    np.testing.assert_array_equal(g, [9.0, 1.0, 1.0, 1.0, 0.0])  # TF1's


def test_boolean_mask_two_dim_mask_and_axis() -> None:
    x = tf.reshape(tf.range(12), [2, 2, 3])
    grid = tf.placeholder(tf.bool, [None, None])
    rows = tf.placeholder(tf.bool, [3])
    got = _run(
        [tf.boolean_mask(x, grid), tf.boolean_mask(x, rows, axis=2)],
        {grid: [[True, False], [True, True]], rows: [True, False, True]},
    )
    full = np.arange(12).reshape(2, 2, 3)
    np.testing.assert_array_equal(got[0], full[[[True, False], [True, True]]])
    np.testing.assert_array_equal(got[1], full[:, :, [True, False, True]])


def test_boolean_mask_that_does_not_fit_raises_naming_the_shapes() -> None:
    mask = tf.placeholder(tf.bool, [None])
    kept = tf.boolean_mask(tf.constant([1, 2, 3]), mask)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"mask has shape \[2\].*are \[3\]"
    ):
        _run(kept, {mask: [True, False]})


def test_unique_orders_by_first_appearance_as_tf1() -> None:
    x = tf.placeholder(tf.float32, [None])
    y, idx = tf.unique(x)
    assert y.shape.as_list() == [None] and idx.dtype == tf.int32
    counted = tf.unique_with_counts(x, out_idx=tf.int64)
    feed = {x: [1.0, 2.0, 3.0, 2.0, -1.0]}
    got_y, got_idx, (cy, cidx, count) = _run([y, idx, counted], feed)
    np.testing.assert_array_equal(got_y, [1.0, 2.0, 3.0, -1.0])
    np.testing.assert_array_equal(got_idx, [0, 1, 2, 1, 3])
    np.testing.assert_array_equal(cy, got_y)
    assert cidx.dtype == np.int64 and count.dtype == np.int64
    np.testing.assert_array_equal(count, [1, 2, 1, 1])


def test_unique_edges_empty_and_nan() -> None:
    empty_y, empty_idx = _run(tf.unique(tf.constant([], tf.int64)))
    assert empty_y.shape == (0,) and empty_y.dtype == np.int64
    assert empty_idx.shape == (0,)
    # TF1 hashes values: NaN != NaN, so every NaN is its own value.
    y, idx = _run(tf.unique(tf.constant([np.nan, np.nan, 1.0, np.nan])))
    assert np.isnan(y[[0, 1, 3]]).all() and y[2] == 1.0
    np.testing.assert_array_equal(idx, [0, 1, 2, 3])


def test_unique_needs_a_vector_and_has_no_gradient() -> None:
    with pytest.raises(ValueError, match="1-D"):
        tf.unique(tf.constant([[1, 2]]))
    x = tf.placeholder(tf.float32, [None])
    y, _ = tf.unique(x)
    with pytest.raises(LookupError, match="No gradient defined for operation 'Unique'"):
        tf.gradients(tf.reduce_sum(y) + tf.reduce_sum(x), x)
    # Not on the way back to x: no error, as TF1.
    assert tf.gradients(tf.reduce_sum(y), y)[0] is not None


def test_dynamic_partition_values_and_gradient_match_tf1() -> None:
    x = tf.placeholder(tf.float32, [None])
    parts = tf.dynamic_partition(x, tf.cast(x, tf.int32) % 2, 2)
    (grad,) = tf.gradients(tf.reduce_sum(parts[1] * 3.0), x)
    got = _run([parts, grad], {x: [1.0, 2.0, 3.0, 2.0, -1.0]})
    np.testing.assert_array_equal(got[0][0], [2.0, 2.0])
    np.testing.assert_array_equal(got[0][1], [1.0, 3.0, -1.0])
    np.testing.assert_array_equal(got[1], [3.0, 0.0, 3.0, 0.0, 3.0])  # TF1's


def test_dynamic_partition_rows_two_dim_partitions_and_an_empty_part() -> None:
    rows = tf.dynamic_partition(
        tf.constant([[1, 2], [3, 4], [5, 6]]), tf.constant([1, 0, 1]), 3
    )
    assert [p.shape.as_list() for p in rows] == [[None, 2]] * 3
    got = _run(rows)
    np.testing.assert_array_equal(got[0], [[3, 4]])
    np.testing.assert_array_equal(got[1], [[1, 2], [5, 6]])
    assert got[2].shape == (0, 2)
    grid = tf.dynamic_partition(
        tf.constant([[1, 2], [3, 4]]), tf.constant([[1, 0], [0, 1]]), 2
    )
    got = _run(grid)
    np.testing.assert_array_equal(got[0], [2, 3])
    np.testing.assert_array_equal(got[1], [1, 4])


def test_dynamic_partition_bad_partition_raises() -> None:
    ids = tf.placeholder(tf.int32, [None])
    parts = tf.dynamic_partition(tf.constant([1.0, 2.0]), ids, 2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"= 5 is not in \[0, 2\)"):
        _run(parts, {ids: [0, 5]})
    with pytest.raises(ValueError, match="rank of partitions"):
        tf.dynamic_partition(tf.constant([1.0]), tf.placeholder(tf.int32), 2)


# -- py_func, numpy_function, py_function ----------------------------------------------


def test_py_func_runs_numpy_between_compiled_segments() -> None:
    x = tf.placeholder(tf.float32, [None])
    y = tf.py_func(
        lambda a: np.minimum(np.cumsum(a), 5.0).astype(np.float32), [x], tf.float32
    )
    assert y.op.type == "PyFunc" and y.shape.ndims is None
    z = y * 2.0
    with tf.Session() as sess:
        np.testing.assert_array_equal(
            sess.run(z, {x: [1.0, 2.0, 3.0, 4.0]}), [2.0, 6.0, 10.0, 10.0]
        )
        np.testing.assert_array_equal(sess.run(z, {x: [0.5, 0.5]}), [1.0, 2.0])
        np.testing.assert_array_equal(sess.run(z, {x: [3.0, 9.0]}), [6.0, 10.0])
        (stats,) = sess.stats()
    # The feed goes to the host step; the multiply is the one compiled segment,
    # compiled once per shape the function returned: the third run reuses one.
    assert stats.calls == 3 and stats.traces == 2


def test_py_func_outputs_tout_lists_and_no_outputs_as_tf1() -> None:
    x = tf.placeholder(tf.float32, [None])
    a, b = tf.py_func(lambda v: (v, v.astype(np.int64)), [x], [tf.float32, tf.int64])
    (single,) = tf.py_func(lambda v: v, [x], [tf.float32])
    constant = tf.py_func(lambda: np.float32(2), [], tf.float32)
    seen = []
    nothing = tf.py_func(lambda v: seen.append(v.tolist()), [x], [])
    assert isinstance(nothing, tf.Operation)
    stateless = tf.py_func(lambda v: -v, [x], tf.float32, stateful=False)
    assert stateless.op.type == "PyFuncStateless"
    numpy_fn = tf.numpy_function(lambda v: v + 1, [x], tf.float32)
    got = _run([a, b, single, constant, nothing, stateless, numpy_fn], {x: [1.5, 2.0]})
    np.testing.assert_array_equal(got[0], [1.5, 2.0])
    assert got[1].dtype == np.int64
    np.testing.assert_array_equal(got[2], [1.5, 2.0])
    assert got[3] == np.float32(2.0) and got[4] is None
    np.testing.assert_array_equal(got[5], [-1.5, -2.0])
    np.testing.assert_array_equal(got[6], [2.5, 3.0])
    assert seen == [[1.5, 2.0]]


def test_stateful_py_func_runs_every_time_once_per_run() -> None:
    calls = [0]

    def count():
        calls[0] += 1
        return np.int64(calls[0])

    counter = tf.py_func(count, [], tf.int64)
    with tf.Session() as sess:
        assert sess.run([counter, counter]) == [1, 1]  # one op, one call per run
        assert sess.run(counter) == 2
        assert sess.run(counter + 10) == 13


def test_py_function_passes_arrays_with_numpy_and_converts_results() -> None:
    x = tf.placeholder(tf.float32, [None])
    total = tf.py_function(lambda a: a.numpy().sum() * 2, [x], tf.float32)
    pair = tf.py_function(lambda a: [3.0, 1], [x], [tf.float32, tf.int64])
    assert total.op.type == "EagerPyFunc"
    got = _run([total, pair], {x: [1.0, 2.0]})
    assert got[0] == np.float32(6.0)
    assert got[1][0].dtype == np.float32 and got[1][1].dtype == np.int64


@pytest.mark.parametrize(
    ("raised", "error_class"),
    [
        (ValueError("bad value"), tf.errors.InvalidArgumentError),
        (TypeError("bad type"), tf.errors.InvalidArgumentError),
        (StopIteration(), tf.errors.OutOfRangeError),
        (NotImplementedError("later"), tf.errors.UnimplementedError),
        (MemoryError("full"), tf.errors.ResourceExhaustedError),
        (ZeroDivisionError("zero"), tf.errors.UnknownError),
        (KeyError("k"), tf.errors.UnknownError),
        (tf.errors.NotFoundError(None, None, "nf"), tf.errors.UnknownError),
    ],
)
def test_python_exceptions_become_tf1_error_classes(raised, error_class) -> None:
    def fail(a):
        raise raised

    x = tf.placeholder(tf.float32, [None])
    y = tf.py_func(fail, [x], tf.float32, name="my_func")
    with pytest.raises(error_class, match="PyFunc 'my_func'") as info:
        _run(y, {x: [1.0]})
    assert type(info.value) is error_class and info.value.op is y.op
    assert info.value.__cause__ is raised
    assert "test_host_steps.py" in str(info.value)  # where the op was built


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (3.0, "Value 0 .* is float64, but Tout declares float32"),
        (np.array([1, 2], np.int32), "is int32, but Tout declares float32"),
        ([1.0, 2.0], "returned 2 values, but Tout declares 1"),
        (None, "returned 0 values, but Tout declares 1"),
    ],
)
def test_py_func_results_must_match_tout_exactly(result, message) -> None:
    x = tf.placeholder(tf.float32, [None])
    y = tf.py_func(lambda a: result, [x], tf.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        _run(y, {x: [1.0]})


def test_a_failing_run_leaves_the_session_state_as_it_was() -> None:
    v = tf.Variable(1.0)
    bumped = tf.assign_add(v, 1.0)
    fail = [False]

    def maybe_fail(a):
        if fail[0]:
            raise ValueError("no")
        return a

    out = tf.py_func(maybe_fail, [bumped], tf.float32)
    after = tf.assign_add(v, out)  # written after the host step
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(after) == 4.0  # 1 + 1, then 2 + 2
        fail[0] = True
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(after)
        assert sess.run(v) == 4.0  # neither write of the failed run is kept
        fail[0] = False
        assert sess.run(after) == 10.0


def test_state_rules_hold_across_a_host_step() -> None:
    # The read rule holds across a host step: both reads wait (through the host
    # step) for the write, so both see it; the host step gets what the write gave.
    v = tf.Variable(10.0)
    write = tf.assign(v, 5.0)
    host = tf.py_func(lambda a: a * 2, [write], tf.float32)
    with tf.control_dependencies([host]):
        start = v + 0.0
        current = v.read_value()
    with tf.Session() as sess:
        sess.run(v.initializer)
        got = sess.run([host, start, current])
    assert got == [10.0, 5.0, 5.0]


def test_a_fetched_variable_gives_its_end_of_run_value_across_a_host_step() -> None:
    # As in a one-jit run (and TF1: [2.0, 2.0, [1, 2]]), not its value when the
    # compiled segment before the host step read it.
    v = tf.Variable(1.0)
    bump = tf.assign_add(v, 1.0)
    with tf.control_dependencies([bump]):
        host = tf.unique(tf.constant([1, 1, 2]))[0]
    with tf.Session() as sess:
        sess.run(v.initializer)
        got = sess.run([v, bump, host])
        assert got[:2] == [2.0, 2.0]
        np.testing.assert_array_equal(got[2], [1, 2])
        assert sess.run([v, bump]) == [3.0, 3.0]


def test_py_func_gradients_are_tf1s() -> None:
    x = tf.placeholder(tf.float32, [None])
    y = tf.py_func(lambda a: a * 2, [x], tf.float32)
    assert tf.gradients(tf.reduce_sum(y), x) == [None]  # NotDifferentiable
    (grad,) = tf.gradients(tf.reduce_sum(x * y), x)  # y is a constant to it
    np.testing.assert_array_equal(_run(grad, {x: [1.0, 2.0]}), [2.0, 4.0])
    eager = tf.py_function(lambda a: a, [x], tf.float32)
    with pytest.raises(LookupError, match=r"EagerPyFunc.*no eager mode"):
        tf.gradients(tf.reduce_sum(eager), x)


def test_host_steps_inside_compiled_functions_are_errors_naming_the_op() -> None:
    x = tf.placeholder(tf.float32, [None])

    def body(i, acc):
        return i + 1, acc + tf.py_func(lambda a: a, [acc], tf.float32, name="inner")

    looped = tf.while_loop(lambda i, acc: i < 2, body, [0, x])
    with pytest.raises(tf.errors.UnimplementedError, match="PyFunc 'while/inner'"):
        _run(looped, {x: [1.0]})
    counts = tf.unique(tf.constant([1, 1, 2]))[0]
    with (
        tf.Session() as sess,
        pytest.raises(
            tf.errors.UnimplementedError, match=r"Unique 'Unique'.*run_steps"
        ),
    ):
        sess.run_steps(counts, 2)


def test_segments_of_a_run_with_host_steps() -> None:
    x = tf.placeholder(tf.float32, [None])
    y = tf.unique(x * 2.0)[0]
    z = tf.reduce_sum(y)
    with tf.Session() as sess:
        plan = sess._plan(z, (x,))
        places = [s.device for s in plan.lowered.fn.segments]
        assert places[1] is HOST and places[0] is not HOST and len(places) == 3
        assert sess.run(z, {x: [1.0, 1.0, 2.0]}) == 6.0


def test_data_parallel_refuses_host_steps_by_name() -> None:
    x = tf.placeholder(tf.float32, [None])
    y = tf.py_func(lambda a: a, [x], tf.float32, name="prep")
    session = tf.Session(placement=tf.distribute.DataParallel())
    with pytest.raises(tf.errors.UnimplementedError, match=r"'prep'.*DataParallel"):
        session.run(y, {x: [1.0, 2.0]})


def test_pure_ops_regroup_so_host_steps_share_one_segment() -> None:
    x = tf.placeholder(tf.int32, [None])
    mask = tf.placeholder(tf.bool, [None])
    fetches = [tf.unique(x)[0], tf.where(x > 2), tf.boolean_mask(x, mask)]
    with tf.Session() as sess:
        plan = sess._plan(fetches, (x, mask))
        places = [s.device is HOST for s in plan.lowered.fn.segments]
        assert places == [False, True, False]  # in creation order: 6 segments
        feed = {x: [4, 1, 4, 3], mask: [True, False, False, True]}
        got = sess.run(fetches, feed)
    np.testing.assert_array_equal(got[0], [4, 1, 3])
    np.testing.assert_array_equal(got[1], [[0], [2], [3]])
    np.testing.assert_array_equal(got[2], [4, 3])


def test_python_side_effects_keep_the_graph_order() -> None:
    calls = []

    def note(tag):
        def fn(a):
            calls.append(tag)
            return a

        return fn

    x = tf.placeholder(tf.float32, [None])
    first = tf.py_func(note("first"), [x], tf.float32)
    doubled = x * 2.0  # pure, may move
    second = tf.py_func(note("second"), [doubled], tf.float32)
    third = tf.py_func(note("third"), [x], tf.float32)
    _run([third, second, first], {x: [1.0]})
    assert calls == ["first", "second", "third"]


def test_random_ops_draw_the_same_numbers_with_a_host_step_in_the_run() -> None:
    def draws(with_host_step: bool) -> list[np.ndarray]:
        graph = tf.Graph()
        with graph.as_default():
            tf.set_random_seed(7)
            r = tf.random_normal([3])
            fetches = [r]
            if with_host_step:
                fetches.append(tf.py_func(lambda a: a * 2, [r], tf.float32) + r)
            with tf.Session() as sess:
                return [sess.run(fetches)[0] for _ in range(2)]

    plain, cut = draws(False), draws(True)
    np.testing.assert_array_equal(plain[0], cut[0])
    np.testing.assert_array_equal(plain[1], cut[1])  # the key advances alike
    assert not np.array_equal(cut[0], cut[1])
