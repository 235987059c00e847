"""Property tests (hypothesis): shape inference, pruning + lowering, and caching.

- broadcast inference matches ``np.broadcast_shapes``, with unknown dims too;
- on random DAGs of elementwise ops, the pruned, lowered session result equals a
  naive op-by-op numpy evaluation (and ops outside the fetches never run);
- repeated runs with the same fetches and feed shapes trace exactly once;
- ``n`` runs of ``assign_add(v, d)`` give ``v0 + n * d``;
- save then restore is the identity, for any array.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import jgraph as tf

# Each example builds its own tf.Graph, so the per-test default-graph reset of
# conftest.py does not matter between examples.
examples = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@examples
@given(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4))
def test_broadcast_inference_matches_numpy(shapes) -> None:
    graph = tf.Graph()
    with graph.as_default():
        a, b, c = (tf.placeholder(tf.float32, s) for s in shapes.input_shapes)
        total = a + b * c
    assert tuple(total.shape.as_list()) == np.broadcast_shapes(*shapes.input_shapes)
    assert tuple(total.shape.as_list()) == shapes.result_shape


@examples
@given(
    hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3),
    st.data(),
)
def test_broadcast_with_unknown_dims_builds_and_agrees(shapes, data) -> None:
    """Hiding dims (``None``) never breaks the build, and what stays known is right."""
    hidden = [
        [None if data.draw(st.booleans()) else d for d in shape]
        for shape in shapes.input_shapes
    ]
    graph = tf.Graph()
    with graph.as_default():
        a, b = (tf.placeholder(tf.float32, s) for s in hidden)
        total = tf.maximum(a, b)
    static = total.shape.as_list()
    assert len(static) == len(shapes.result_shape)
    for known, true in zip(static, shapes.result_shape, strict=True):
        assert known is None or known == true


UNARY = {
    "neg": (tf.negative, np.negative),
    "abs": (tf.abs, np.abs),
    "tanh": (tf.tanh, np.tanh),
    "square": (tf.square, np.square),
    "sigmoid": (tf.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
}
BINARY = {
    "add": (tf.add, np.add),
    "sub": (tf.subtract, np.subtract),
    "mul": (tf.multiply, np.multiply),
    "max": (tf.maximum, np.maximum),
    "min": (tf.minimum, np.minimum),
}


@st.composite
def programs(draw):
    """A random DAG: input shapes, then ops each reading earlier nodes, and fetches."""
    shapes = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3)
    )
    n_inputs = len(shapes.input_shapes)
    ops = []
    for index in range(draw(st.integers(1, 8))):
        available = n_inputs + index
        if draw(st.booleans()):
            ops.append(
                (
                    draw(st.sampled_from(sorted(UNARY))),
                    draw(st.integers(0, available - 1)),
                )
            )
        else:
            ops.append(
                (
                    draw(st.sampled_from(sorted(BINARY))),
                    draw(st.integers(0, available - 1)),
                    draw(st.integers(0, available - 1)),
                )
            )
    total = n_inputs + len(ops)
    fetches = draw(st.lists(st.integers(n_inputs, total - 1), min_size=1, max_size=3))
    seed = draw(st.integers(0, 2**16))
    return shapes.input_shapes, ops, fetches, seed


def _apply(table, op, nodes):
    kind, *args = op
    fn = table[kind]
    return fn(*(nodes[a] for a in args))


@examples
@given(programs())
def test_random_dags_match_naive_numpy(program) -> None:
    shapes, ops, fetches, seed = program
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    graph = tf.Graph()
    with graph.as_default():
        inputs = [tf.placeholder(tf.float32, s) for s in shapes]
        nodes = list(inputs)
        for op in ops:
            table = {k: v[0] for k, v in {**UNARY, **BINARY}.items()}
            nodes.append(_apply(table, op, nodes))
        # A branch nobody fetches, reading a placeholder nobody feeds: pruning must
        # leave it out, or the run fails asking for that feed.
        never = tf.placeholder(tf.float32, [], name="never_fed")
        _ = nodes[-1] * never
    expected = list(values)
    numpy_table = {k: v[1] for k, v in {**UNARY, **BINARY}.items()}
    for op in ops:
        expected.append(_apply(numpy_table, op, expected))
    with tf.Session(graph=graph) as sess:
        got = sess.run(
            [nodes[i] for i in fetches], dict(zip(inputs, values, strict=True))
        )
    for index, result in zip(fetches, got, strict=True):
        np.testing.assert_allclose(result, expected[index], rtol=1e-5, atol=1e-6)
        assert result.dtype == np.float32


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([1, 2, 5]), min_size=1, max_size=6))
def test_same_feed_shapes_trace_once(batch_sizes) -> None:
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        w = tf.Variable(tf.ones([3, 2]))
        y = tf.reduce_sum(tf.matmul(x, w), axis=1)
        init = tf.global_variables_initializer()
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        for n in batch_sizes:
            got = sess.run(y, {x: np.full((n, 3), 2.0, np.float32)})
            np.testing.assert_allclose(got, np.full(n, 12.0))
        (stats,) = [s for s in sess.stats() if s.fetches == (y.name,)]
    assert stats.calls == len(batch_sizes)
    assert stats.traces == len(set(batch_sizes))
    assert stats.compiles == len(set(batch_sizes))


def test_repeated_runs_of_one_fetch_set_trace_once() -> None:
    x = tf.placeholder(tf.float32, [4])
    y = tf.reduce_mean(tf.square(x))
    with tf.Session() as sess:
        for value in range(5):
            sess.run(y, {x: np.full(4, float(value))})
        run = sess.make_callable(y, [x])
        for value in range(3):
            assert run(np.full(4, float(value), np.float32)) == pytest.approx(value**2)
        (stats,) = sess.stats()
    assert stats.traces == 1 and stats.calls == 8


@settings(max_examples=15, deadline=None)
@given(
    st.integers(-1000, 1000),
    st.lists(st.integers(-50, 50), min_size=1, max_size=3),
    st.integers(0, 12),
)
def test_n_assign_adds_give_v0_plus_n_times_d(v0, delta, n) -> None:
    graph = tf.Graph()
    with graph.as_default():
        v = tf.Variable(np.full(len(delta), v0, np.int32))
        bump = tf.assign_add(v, np.array(delta, np.int32))
        with tf.Session() as sess:
            sess.run(v.initializer)
            for _ in range(n):
                sess.run(bump)
            value = sess.run(v)
    np.testing.assert_array_equal(value, v0 + n * np.array(delta))


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    hnp.arrays(
        st.sampled_from([np.float32, np.int64, np.bool_, np.float16]),
        hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
    )
)
def test_save_then_restore_is_the_identity(tmp_path, value) -> None:
    graph = tf.Graph()
    with graph.as_default():
        v = tf.Variable(np.zeros_like(value), name="v")
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.assign(v, value))
            path = saver.save(sess, str(tmp_path / f"ckpt-{value.dtype}-{value.shape}"))
        with tf.Session() as sess:
            saver.restore(sess, path)
            restored = sess.run(v)
    np.testing.assert_array_equal(np.asarray(restored), value)
    assert np.asarray(restored).dtype == value.dtype
