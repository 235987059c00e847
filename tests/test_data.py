"""tf.data: pipelines, iterators, end of sequence, and the position in the state."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf
from jgraph import errors
from jgraph.data import Dataset


def _drain(sess, element):
    values = []
    while True:
        try:
            values.append(sess.run(element))
        except errors.OutOfRangeError:
            return values


def test_slices_batches_and_end_of_sequence():
    x = np.arange(10, dtype=np.float32)
    a, b = (
        Dataset.from_tensor_slices((x, x * 10))
        .batch(4)
        .make_one_shot_iterator()
        .get_next()
    )
    assert a.shape.as_list() == [None]
    with tf.Session() as sess:
        batches = _drain(sess, [a, b])
    assert [len(p[0]) for p in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([p[0] for p in batches]), x)
    np.testing.assert_array_equal(np.concatenate([p[1] for p in batches]), x * 10)


def test_out_of_range_consumes_nothing_and_is_an_index_error():
    it = Dataset.from_tensor_slices(np.arange(3)).make_one_shot_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        assert [sess.run(nxt) for _ in range(3)] == [0, 1, 2]
        with pytest.raises(errors.OutOfRangeError, match="End of sequence"):
            sess.run(nxt)
        with pytest.raises(IndexError):
            sess.run(nxt)


def test_dict_elements_map_and_drop_remainder():
    data = {"x": np.arange(7, dtype=np.float32), "y": np.arange(7, dtype=np.int32)}
    ds = Dataset.from_tensor_slices(data).map(
        lambda e: {"x": e["x"] * 2.0, "y": e["y"] + 1}
    )
    nxt = ds.batch(3, drop_remainder=True).make_one_shot_iterator().get_next()
    assert nxt["x"].shape.as_list() == [3]
    with tf.Session() as sess:
        batches = _drain(sess, nxt)
    assert len(batches) == 2
    np.testing.assert_array_equal(batches[1]["x"], [6.0, 8.0, 10.0])
    np.testing.assert_array_equal(batches[0]["y"], [1, 2, 3])


def test_map_after_batch_sees_whole_batches():
    ds = Dataset.from_tensor_slices(np.arange(6, dtype=np.float32)).batch(3)
    nxt = ds.map(lambda b: tf.reduce_sum(b)).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert _drain(sess, nxt) == [3.0, 12.0]


def test_shuffle_repeat_take_skip():
    tf.set_random_seed(3)
    ds = Dataset.range(5).shuffle(5, seed=7).repeat(2).skip(1).take(8)
    nxt = ds.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        values = _drain(sess, nxt)
    assert len(values) == 8
    assert len(set(values[:4])) == 4
    # Same seed, same order; each pass is a permutation of the data.
    tf.reset_default_graph()
    again = (
        Dataset.range(5)
        .shuffle(5, seed=7)
        .repeat(2)
        .make_one_shot_iterator()
        .get_next()
    )
    with tf.Session() as sess:
        full = _drain(sess, again)
    assert full[1:9] == values
    assert sorted(full[:5]) == list(range(5)) and sorted(full[5:]) == list(range(5))
    assert full[:5] != full[5:]  # reshuffled for the second pass


def test_initializable_iterator_with_placeholders():
    features = tf.placeholder(tf.float32, [None, 2])
    it = Dataset.from_tensor_slices(features).batch(2).make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        with pytest.raises(
            errors.FailedPreconditionError, match="has not been initialized"
        ):
            sess.run(nxt)
        sess.run(
            it.initializer, {features: np.arange(6, dtype=np.float32).reshape(3, 2)}
        )
        assert len(_drain(sess, nxt)) == 2
        sess.run(it.initializer, {features: np.ones((4, 2), np.float32)})  # restart
        batches = _drain(sess, nxt)
    assert len(batches) == 2 and np.all(batches[0] == 1.0)


def test_one_shot_iterator_rejects_placeholders():
    x = tf.placeholder(tf.float32, [None])
    with pytest.raises(ValueError, match="make_initializable_iterator"):
        Dataset.from_tensor_slices(x).make_one_shot_iterator()


def test_position_lives_in_the_state_and_survives_set_state():
    it = Dataset.range(10).make_one_shot_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        assert [sess.run(nxt) for _ in range(3)] == [0, 1, 2]
        position_name = it.position_variable.op.name
        saved = sess.get_state().variables[position_name]
        assert int(saved) == 3
        assert sess.run(nxt) == 3
        sess.set_state({position_name: saved})  # e.g. what Saver.restore does
        assert sess.run(nxt) == 3


def test_get_next_feeds_only_indices():
    data = np.random.default_rng(0).random((5000, 4)).astype(np.float32)
    nxt = (
        Dataset.from_tensor_slices(data)
        .repeat()
        .batch(50)
        .make_one_shot_iterator()
        .get_next()
    )
    with tf.Session() as sess:
        first = sess.run(nxt)
        plan = sess._plan(nxt, ())
        assert plan.auto_feeds  # the session feeds the iterator's indices
        # The data is one device constant, passed in, not baked into the program.
        assert [c.shape for c in plan.constants] == [(5000, 4)]
    np.testing.assert_array_equal(first, data[:50])


def test_random_ops_in_a_map_draw_one_value_per_run():
    # The map function's random op makes the run take a key (its OpDef declares
    # the map functions it runs); the value is shared by a batch's elements.
    nxt = (
        Dataset.from_tensor_slices(np.zeros(8, np.float32))
        .map(lambda x: x + tf.random_uniform([]))
        .batch(4)
        .make_one_shot_iterator()
        .get_next()
    )
    with tf.Session() as sess:
        first, second = sess.run(nxt), sess.run(nxt)
    assert np.all(first == first[0]) and np.all(second == second[0])
    assert first[0] != second[0] and 0 <= first[0] < 1


def test_bad_sources():
    with pytest.raises(ValueError, match="rank >= 1"):
        Dataset.from_tensor_slices(np.float32(1.0))
    with pytest.raises(ValueError, match="one first dimension"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(NotImplementedError, match="zips datasets before"):
        Dataset.zip((Dataset.range(3).batch(2), Dataset.range(3)))


def test_saver_saves_the_iterator_position(tmp_path):
    nxt = Dataset.range(10).shuffle(10, seed=4).make_one_shot_iterator().get_next()
    saver = tf.train.Saver()
    path = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        seen = [sess.run(nxt) for _ in range(4)]
        saver.save(sess, path)
        rest = [sess.run(nxt) for _ in range(6)]
    with tf.Session() as sess:
        saver.restore(sess, path)
        assert [sess.run(nxt) for _ in range(6)] == rest
    assert sorted(seen + rest) == list(range(10))
