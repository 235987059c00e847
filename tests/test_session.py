"""Session.run: fetch structures, feeds, state semantics, caching and errors."""

from __future__ import annotations

import collections
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jgraph as tf
from jgraph import errors


@pytest.fixture
def sess():
    with tf.Session() as session:
        yield session


# -- fetch structures --------------------------------------------------------------------


def test_fetch_nests_keep_their_structure(sess):
    a = tf.constant(1.0)
    b = tf.constant([2, 3])
    pair = collections.namedtuple("pair", "x y")
    noop = tf.no_op()
    result = sess.run({"a": a, "nest": [b, (a, pair(a, b))], "op": noop})
    assert set(result) == {"a", "nest", "op"}
    assert result["a"] == 1.0 and isinstance(result["a"], np.float32)
    assert result["op"] is None
    nested = result["nest"]
    assert isinstance(nested, list) and isinstance(nested[1], tuple)
    assert isinstance(nested[1][1], pair)
    np.testing.assert_array_equal(nested[1][1].y, [2, 3])


def test_fetch_by_name_and_variable(sess):
    v = tf.Variable(7, name="v")
    c = tf.multiply(v, 2, name="double")
    sess.run(tf.global_variables_initializer())
    assert sess.run("double:0") == 14
    assert sess.run(v) == 7
    assert sess.run(["v:0", c]) == [7, 14]
    assert sess.run("double") is None  # an operation name runs the op


def test_fetching_a_tensor_twice_computes_it_once(sess):
    v = tf.Variable(0)
    bump = tf.assign_add(v, 1)
    sess.run(v.initializer)
    assert sess.run([bump, bump]) == [1, 1]
    assert sess.run(v) == 1


def test_feeding_any_tensor_overrides_it(sess):
    a = tf.constant(2.0)
    b = a * 3
    c = b + 1
    assert sess.run(c) == 7.0
    assert sess.run(c, {b: 10.0}) == 11.0
    assert sess.run(b, {b: 5.0}) == 5.0
    assert sess.run(c, {"mul:0": 1.0}) == 2.0


def test_only_the_needed_subgraph_runs(sess):
    v = tf.Variable(1)
    bump = tf.assign_add(v, 100)
    unrelated = v * 2
    sess.run(tf.global_variables_initializer())
    del bump
    assert sess.run(unrelated) == 2
    assert sess.run(v) == 1


def test_graph_may_grow_after_the_session_starts(sess):
    a = tf.constant(2)
    assert sess.run(a) == 2
    b = a + 5
    assert sess.run(b) == 7


def test_strings_come_back_as_bytes(sess):
    s = tf.constant("hello")
    assert sess.run(s) == b"hello"


# -- state semantics ------------------------------------------------------------------------


def test_assign_returns_new_value_and_a_fetched_variable_its_end_value(sess):
    v = tf.Variable(1)
    update = tf.assign(v, 5)
    sess.run(v.initializer)
    # As TF1: a fetched variable is its value at the end of the run; an op reading
    # it without the update among its inputs sees the start value (TF1: undefined).
    assert sess.run([update, v, v + 0]) == [5, 5, 1]
    assert sess.run(v) == 5


def test_read_value_under_control_dependencies_sees_update(sess):
    v = tf.Variable(1.0)
    update = v.assign_add(2.0)
    with tf.control_dependencies([update]):
        after = v.read_value()
    sess.run(v.initializer)
    assert sess.run(after) == 3.0
    assert sess.run(v) == 3.0


def test_repeated_assign_add_accumulates(sess):
    v = tf.Variable(np.zeros(3, np.float32))
    step = tf.assign_add(v, [1.0, 2.0, 3.0])
    sess.run(v.initializer)
    for _ in range(4):
        sess.run(step)
    np.testing.assert_array_equal(sess.run(v), [4.0, 8.0, 12.0])


def test_initializers_run_in_dependency_order(sess):
    # c is created first but depends on a and b, created later.
    holder = []

    def make_c():
        return holder[0] * holder[1]

    a = tf.Variable(3.0)
    b = tf.Variable(4.0)
    holder.extend([a, b])
    c = tf.Variable(make_c())
    d = tf.Variable(c + a)
    sess.run(tf.global_variables_initializer())
    assert sess.run([a, b, c, d]) == [3.0, 4.0, 12.0, 15.0]


def test_initialized_value_and_reporting(sess):
    a = tf.Variable(2.0, name="a")
    b = tf.Variable(a.initialized_value() * 3, name="b")
    assert list(sess.run(tf.report_uninitialized_variables())) == [b"a", b"b"]
    assert not sess.run(tf.is_variable_initialized(a))
    sess.run(b.initializer)  # a itself not initialised: its initial value is used
    assert sess.run(b) == 6.0
    assert list(sess.run(tf.report_uninitialized_variables())) == [b"a"]
    sess.run(a.initializer)
    assert sess.run(tf.is_variable_initialized(a))


def test_uninitialized_variable_error_names_it(sess):
    v = tf.Variable(1.0, name="weights")
    y = v * 2
    with pytest.raises(
        errors.FailedPreconditionError, match="uninitialized value 'weights'"
    ):
        sess.run(y)
    with pytest.raises(RuntimeError, match="global_variables_initializer"):
        sess.run(y)


def test_random_ops_reproducible_with_graph_seed():
    def draw():
        tf.reset_default_graph()
        tf.set_random_seed(42)
        w = tf.Variable(tf.random_normal([3, 3]))
        noise = tf.random_uniform([2])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return sess.run(w), sess.run(noise), sess.run(noise)

    w1, n1, n1b = draw()
    w2, n2, n2b = draw()
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(n1, n2)
    np.testing.assert_array_equal(n1b, n2b)
    assert not np.array_equal(n1, n1b)  # the key advances every run


def test_op_seed_selects_an_independent_stream(sess):
    tf.set_random_seed(0)
    x = tf.random_uniform([4], seed=1)
    y = tf.random_uniform([4], seed=1)
    z = tf.random_uniform([4], seed=2)
    with tf.Session() as s:
        xv, yv, zv = s.run([x, y, z])
    np.testing.assert_array_equal(xv, yv)
    assert not np.array_equal(xv, zv)


def test_op_seed_alone_is_reproducible_across_sessions_as_tf1():
    def draw(graph_seed: int | None) -> tuple[np.ndarray, ...]:
        with tf.Graph().as_default():
            if graph_seed is not None:
                tf.set_random_seed(graph_seed)
            seeded = tf.random_uniform([4], seed=7)
            unseeded = tf.random_uniform([4])
            with tf.Session() as s:
                first, free = s.run([seeded, unseeded])
                return first, s.run(seeded), free

    first, second, free = draw(None)
    again_first, again_second, again_free = draw(None)
    np.testing.assert_array_equal(first, again_first)
    np.testing.assert_array_equal(second, again_second)
    assert not np.array_equal(first, second)  # still a new draw every run
    assert not np.array_equal(free, again_free)  # no seed at all: random
    # A graph seed changes the seeded op's stream, as TF1's does.
    assert not np.array_equal(draw(1)[0], first)


def test_set_state_takes_a_single_jax_key(sess):
    noise = tf.random_uniform([3])
    sess.set_state({}, key=jax.random.PRNGKey(5))
    a = sess.run(noise)
    sess.set_state({}, key=jax.random.PRNGKey(5))
    np.testing.assert_array_equal(sess.run(noise), a)
    with pytest.raises(ValueError, match="shape \\[3, 2\\]"):
        sess.set_state({}, key=np.zeros((3, 2), np.uint32))


def test_64bit_types_without_global_x64(sess):
    big = tf.constant(2**40, dtype=tf.int64)
    precise = tf.constant(1.0, dtype=tf.float64) + 1e-12
    assert sess.run(big + 1) == 2**40 + 1
    assert sess.run(precise) == 1.0 + 1e-12
    assert sess.run(tf.argmax([1, 3, 2])).dtype == np.int64
    assert not jax.config.jax_enable_x64


# -- caching and compile counts -------------------------------------------------------


def test_repeated_runs_trace_once(sess):
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.reduce_sum(x * 2.0)
    for _ in range(5):
        sess.run(y, {x: np.ones((4, 3))})
    (stats,) = [s for s in sess.stats() if s.calls == 5]
    assert stats.traces == 1 and stats.compiles == 1
    sess.run(y, {x: np.ones((6, 3))})  # a new shape compiles once more
    assert stats.compiles == 2


def test_recompiling_for_many_shapes_warns(sess):
    x = tf.placeholder(tf.float32, [None])
    y = x + 1.0
    with pytest.warns(tf.RetracingWarning, match="compiled 8 times"):
        for n in range(1, 10):
            sess.run(y, {x: np.zeros(n)})


def test_make_callable_matches_run(sess):
    x = tf.placeholder(tf.float32, [2])
    v = tf.Variable([1.0, 1.0])
    y = x * v
    sess.run(v.initializer)
    fast = sess.make_callable([y, tf.reduce_sum(y)], [x])
    values, total = fast(np.array([2.0, 3.0], np.float32))
    np.testing.assert_array_equal(values, [2.0, 3.0])
    assert total == 5.0


def test_as_function_is_differentiable_with_jax(sess):
    x = tf.placeholder(tf.float32, [3])
    w = tf.Variable([1.0, 2.0, 3.0], name="w")
    loss = tf.reduce_sum(tf.square(w * x))
    sess.run(w.initializer)
    fn, variables = sess.as_function(loss, [x])

    def loss_of(params: dict, xs: jax.Array) -> jax.Array:
        return fn(params, xs)[0]

    xs = jnp.array([1.0, 1.0, 2.0])
    grads = jax.grad(loss_of)(variables, xs)
    np.testing.assert_allclose(
        grads["w"], 2 * np.array([1.0, 2.0, 3.0]) * np.array([1, 1, 4])
    )
    batched = jax.vmap(lambda xv: loss_of(variables, xv))(jnp.ones((4, 3)))
    np.testing.assert_allclose(batched, np.full(4, 14.0))


# -- bad input ------------------------------------------------------------------------------------


def test_missing_feed_names_the_placeholder(sess):
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    with pytest.raises(
        errors.InvalidArgumentError,
        match=r"must feed a value for placeholder tensor 'x' with dtype float32 and shape \[\?,784\]",
    ):
        sess.run(x * 2)


def test_feed_with_wrong_shape(sess):
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with pytest.raises(
        errors.InvalidArgumentError,
        match=r"Cannot feed value of shape \[2,4\] for Tensor 'x:0', which has shape \[\?,3\]",
    ):
        sess.run(x, {x: np.zeros((2, 4))})


def test_feed_with_wrong_dtype(sess):
    x = tf.placeholder(tf.int32, [2], name="ints")
    with pytest.raises(errors.InvalidArgumentError, match="'ints:0' of dtype int32"):
        sess.run(x, {x: [1.5, 2.5]})
    with pytest.raises(errors.InvalidArgumentError, match="'ints:0'"):
        sess.run(x, {x: ["a", "b"]})


def test_a_fetched_fed_string_is_the_fed_value_as_tf1_returns_it(sess):
    # TF1 (2.21, graph mode) returns np.asarray(fed, object): str stays str, bytes
    # stay bytes, a scalar is a 0-d array.
    x = tf.placeholder(tf.string)
    pair = tf.placeholder(tf.string, [2])
    got = sess.run(x, {x: "abc"})
    assert type(got) is np.ndarray and got.dtype == object and got.shape == ()
    assert got.item() == "abc"
    assert sess.run(x, {x: b"abc"}).item() == b"abc"
    got = sess.run([x, pair], {x: ["a", "b"], pair: ["a", b"bc"]})
    assert [v.tolist() for v in got] == [["a", "b"], ["a", b"bc"]]
    assert sess.run(x, {x: np.array(["h\u00e9llo", "c"])}).tolist() == [
        "h\u00e9llo",
        "c",
    ]
    assert sess.run({"x": x}, {x: [["a"], ["b"]]})["x"].tolist() == [["a"], ["b"]]
    empty = sess.run(x, {x: []})
    assert empty.dtype == object and empty.shape == (0,)


def test_a_fed_str_reaches_the_ops_utf8_encoded(sess):
    x = tf.placeholder(tf.string, [None])
    seen = []

    def lengths(a):
        seen.append(a.tolist())
        return np.array([len(s) for s in a], np.int32)

    n = tf.py_func(lengths, [x], tf.int32)
    fed, got = sess.run([x, n], {x: ["h\u00e9llo", b"x"]})
    assert fed.tolist() == ["h\u00e9llo", b"x"] and got.tolist() == [6, 1]
    assert seen == [[b"h\xc3\xa9llo", b"x"]]  # what TF1's py_func got


def test_only_strings_feed_a_string_tensor(sess):
    x = tf.placeholder(tf.string, name="text")
    with pytest.raises(TypeError, match="'text:0' of dtype string"):  # TF1's class
        sess.run(x, {x: 3})
    # TF1 hands these back unchecked when fetched (and fails when an op takes
    # them); jgraph refuses them at once, naming the tensor and the value.
    for value in ([1, 2], [b"a", None], bytearray(b"ab"), np.array([1], object)):
        with pytest.raises(
            errors.InvalidArgumentError, match=r"'text:0'.*not a string"
        ):
            sess.run(x, {x: value})
    with pytest.raises(TypeError, match="Expected string, but got 3 of type 'int'"):
        tf.constant(3, tf.string)  # TF1's message; it made three zero bytes


def test_feed_key_not_in_graph(sess):
    tf.constant(1)
    with pytest.raises(errors.NotFoundError, match="nothere:0"):
        sess.run(tf.constant(2), {"nothere:0": 1})
    other = tf.Graph()
    with other.as_default():
        foreign = tf.placeholder(tf.float32)
    with pytest.raises(errors.NotFoundError, match="not an element of this graph"):
        sess.run(tf.constant(2), {foreign: 1.0})


def test_unknown_fetch_name(sess):
    # TF1 raises ValueError (conformance: test_fetch_structure[unknown-*]).
    tf.constant(1, name="present")
    with pytest.raises(
        ValueError,
        match=r"operation, 'presnt', does not exist.*Did you mean 'present'",
    ):
        sess.run("presnt:0")
    for name in ("missing_op", "present:1"):
        with pytest.raises(ValueError, match=f"Fetch argument '{name}'"):
            sess.run(name)


def test_fetch_from_another_graph(sess):
    other = tf.Graph()
    with other.as_default():
        foreign = tf.constant(1)
    with pytest.raises(ValueError, match="not an element of this graph"):
        sess.run(foreign)


def test_closed_session():
    session = tf.Session()
    c = tf.constant(1)
    session.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        session.run(c)


def test_run_time_errors_never_escape_as_raw_jax_errors(sess):
    x = tf.placeholder(tf.float32)  # unknown rank
    y = tf.reshape(x, [2, 2])
    with pytest.raises(errors.InvalidArgumentError, match="Reshape"):
        sess.run(y, {x: np.zeros(3)})


def test_set_state_is_all_or_nothing(sess):
    a = tf.Variable(1.0, name="a")
    b = tf.Variable([1.0, 2.0], name="b")
    sess.run(tf.global_variables_initializer())
    with pytest.raises(errors.InvalidArgumentError, match="'b' of shape"):
        sess.set_state({"a": np.float32(5.0), "b": np.zeros(3, np.float32)})
    assert sess.run(a) == 1.0
    with pytest.raises(errors.NotFoundError, match="no variable named 'c'"):
        sess.set_state({"c": 1.0})
    sess.set_state({"a": np.float32(5.0)})
    assert sess.run(a) == 5.0
    del b


def test_eval_without_default_session_fails_clearly():
    c = tf.constant(1)
    with pytest.raises(ValueError, match="No default session"):
        c.eval()


def test_no_warnings_on_plain_runs(sess):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sess.run(tf.constant(3) * 2) == 6
