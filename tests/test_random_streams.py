"""TF1's seeding rules, op by op (``compile/rng.py``).

Each rule was observed in TF1 (``tf.compat.v1`` graph mode; the scenarios that
compare with TF1 directly are in ``tests/conformance/test_semantics.py``); the
numbers themselves are jgraph's, not TF1's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import jgraph as tf

# One random op of each kind, built with op seed ``seed``.
KINDS: dict[str, Callable[[int | None], tf.Tensor]] = {
    "uniform": lambda seed: tf.random_uniform([5], seed=seed),
    "normal": lambda seed: tf.random_normal([5], seed=seed),
    "truncated": lambda seed: tf.truncated_normal([5], seed=seed),
    "int-uniform": lambda seed: tf.random_uniform([5], 0, 1000, tf.int32, seed=seed),
    "shuffle": lambda seed: tf.random_shuffle(tf.range(20), seed=seed),
    "multinomial": lambda seed: tf.multinomial(tf.zeros([1, 50]), 5, seed=seed),
    "dropout": lambda seed: tf.nn.dropout(tf.ones([20]), keep_prob=0.5, seed=seed),
}


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a, b))


@pytest.mark.parametrize("kind", list(KINDS))
def test_two_ops_with_one_op_seed_draw_the_same_streams(kind):
    a, b = KINDS[kind](3), KINDS[kind](3)
    with tf.Session() as sess:
        runs = [sess.run([a, b]) for _ in range(3)]
    assert all(_equal(x, y) for x, y in runs)
    assert not _equal(runs[0][0], runs[1][0])  # and each run draws anew


@pytest.mark.parametrize("graph_seed", [None, 5])
def test_an_ops_stream_advances_only_when_that_op_runs(graph_seed):
    def program() -> tuple[tf.Session, tf.Tensor, tf.Tensor]:
        tf.reset_default_graph()
        if graph_seed is not None:
            tf.set_random_seed(graph_seed)
        a = tf.random_uniform([4], seed=None if graph_seed else 3)
        b = tf.random_uniform([4], seed=None if graph_seed else 4)
        return tf.Session(), a, b

    sess, a, b = program()
    sess.run(a)
    sess.run(a)
    after_a = [sess.run(b), sess.run(b)]
    sess, a, b = program()
    only_b = [sess.run(b), sess.run(b)]
    assert _equal(after_a[0], only_b[0]) and _equal(after_a[1], only_b[1])


def _first_draw(build: Callable[[], tf.Tensor]) -> np.ndarray:
    with tf.Graph().as_default():
        out = build()
        with tf.Session() as sess:
            return sess.run(out)


def _op_seed_of(build: Callable[[], tf.Tensor]) -> int | None:
    """The op seed that, with graph seed 9, draws what ``build``'s last op does."""
    drawn = _first_draw(build)
    for seed in range(6):

        def explicit(seed: int = seed) -> tf.Tensor:
            tf.set_random_seed(9)
            return tf.random_uniform([3], seed=seed)

        if _equal(drawn, _first_draw(explicit)):
            return seed
    return None


def _seeded(*before: Callable[[], object]) -> Callable[[], tf.Tensor]:
    def build() -> tf.Tensor:
        tf.set_random_seed(9)
        for make in before:
            make()
        return tf.random_uniform([3])

    return build


def test_a_graph_seed_alone_numbers_the_random_ops_as_tf1():
    assert _op_seed_of(_seeded()) == 0
    assert _op_seed_of(_seeded(lambda: tf.random_normal([2]))) == 1
    # Non-random ops do not count, nor ops with their own seed.
    assert _op_seed_of(_seeded(lambda: tf.constant(1.0) + 2.0)) == 0
    assert _op_seed_of(_seeded(lambda: tf.random_normal([2], seed=5))) == 0
    # A dropout, an initializer, a shuffle: one random op each.
    assert _op_seed_of(_seeded(lambda: tf.nn.dropout(tf.ones([3]), 0.5))) == 1
    assert _op_seed_of(_seeded(lambda: tf.get_variable("w", [3, 3]))) == 1
    assert _op_seed_of(_seeded(lambda: tf.random_shuffle(tf.range(3)))) == 1


def test_the_graph_seed_counts_when_the_op_is_built():
    def late() -> tf.Tensor:
        tf.random_uniform([3])  # built before the graph seed: not counted
        tf.set_random_seed(9)
        return tf.random_uniform([3])

    assert _op_seed_of(late) == 0

    def unseeded_then_seeded() -> tuple[tf.Tensor, tf.Tensor]:
        early = tf.random_uniform([3])
        tf.set_random_seed(9)
        return early, tf.random_uniform([3])

    # The op built before set_random_seed stays unseeded: it differs per session.
    first, second = _first_draw(unseeded_then_seeded), _first_draw(unseeded_then_seeded)
    assert not _equal(first[0], second[0])
    assert _equal(first[1], second[1])


def test_without_any_seed_sessions_differ():
    r = tf.random_uniform([4])
    with tf.Session() as one, tf.Session() as two:
        assert not _equal(one.run(r), two.run(r))


def test_rerunning_an_initializer_redraws_and_a_seeded_program_repeats():
    def program() -> tuple[np.ndarray, np.ndarray]:
        tf.reset_default_graph()
        tf.set_random_seed(1)
        v = tf.Variable(tf.random_normal([3]))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            first = sess.run(v)
            sess.run(v.initializer)
            return first, sess.run(v)

    first, redrawn = program()
    assert not _equal(first, redrawn)
    again_first, again_redrawn = program()
    assert _equal(first, again_first) and _equal(redrawn, again_redrawn)


def test_run_steps_draws_what_separate_runs_draw():
    tf.set_random_seed(3)
    a = tf.random_uniform([2])
    b = tf.random_uniform([2])
    with tf.Session() as sess:
        sess.run(b)  # b's stream ahead of a's
        separate = [sess.run([a, b]) for _ in range(3)]
    with tf.Session() as sess:
        sess.run(b)
        fused = sess.run_steps([a, b], 3)
    np.testing.assert_array_equal(np.stack([s[0] for s in separate]), fused[0])
    np.testing.assert_array_equal(np.stack([s[1] for s in separate]), fused[1])


def test_a_random_op_built_after_the_session_started_gets_its_own_stream():
    tf.set_random_seed(4)
    ops = [tf.random_uniform([1]) for _ in range(64)]  # the session's first counters
    with tf.Session() as sess:
        first = sess.run([ops[0], ops[63]])
        extra = tf.random_uniform([1])  # slot 64: the counters grow for it
        second = sess.run([ops[0], ops[63], extra])
        third = sess.run([ops[0], extra])
    assert not _equal(first[0], second[0]) and not _equal(first[1], second[1])
    assert not _equal(second[2], third[1])
    assert len({float(x[0]) for x in (*first, *second)}) == 5
