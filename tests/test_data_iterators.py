"""tf.data iterators beyond one-shot: reinitializable (``from_structure``) and
feedable (``from_string_handle``) ones. Values as TF1 gives them for the same
programs."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf
from jgraph import errors
from jgraph.data import Dataset


def test_feedable_iterator_switches_between_iterators_that_keep_their_place():
    train = (
        Dataset.from_tensor_slices(np.arange(6, dtype=np.float32))
        .map(lambda x: x * 2)
        .batch(2)
        .repeat()
    )
    p = tf.placeholder(tf.float32, [None])
    valid = Dataset.from_tensor_slices(p).batch(2)
    handle = tf.placeholder(tf.string, shape=[])
    it = tf.data.Iterator.from_string_handle(
        handle, tf.data.get_output_types(train), tf.data.get_output_shapes(train)
    )
    nxt = it.get_next()
    assert nxt.shape.as_list() == [None] and nxt.dtype == tf.float32
    ti = tf.data.make_one_shot_iterator(train)
    vi = tf.data.make_initializable_iterator(valid)
    loss = tf.reduce_sum(nxt) * 10.0  # the fed element reaches a compiled op
    with tf.Session() as sess:
        th, vh = sess.run([ti.string_handle(), vi.string_handle()])
        assert isinstance(th, bytes) and th != vh
        np.testing.assert_array_equal(sess.run(nxt, {handle: th}), [0.0, 2.0])
        np.testing.assert_array_equal(sess.run(nxt, {handle: th}), [4.0, 6.0])
        sess.run(vi.initializer, {p: [5.0, 6.0, 7.0]})
        np.testing.assert_array_equal(sess.run(nxt, {handle: vh}), [5.0, 6.0])
        np.testing.assert_array_equal(sess.run(nxt, {handle: th}), [8.0, 10.0])
        assert sess.run(loss, {handle: vh}) == 70.0
        with pytest.raises(errors.OutOfRangeError):
            sess.run(nxt, {handle: vh})
        with pytest.raises(errors.InvalidArgumentError, match="junk"):
            sess.run(nxt, {handle: b"junk"})


def test_reinitializable_iterator_checks_types_and_initialization():
    it = tf.data.Iterator.from_structure(tf.float32, tf.TensorShape([None]))
    with pytest.raises(TypeError, match="int64"):
        it.make_initializer(Dataset.from_tensor_slices(np.arange(3)))
    nxt = it.get_next()
    with (
        tf.Session() as sess,
        pytest.raises(errors.FailedPreconditionError, match="not been initialized"),
    ):
        sess.run(nxt)


def test_reinitializable_iterator_restarts_and_switches_datasets():
    x = tf.placeholder(tf.float32, [None])
    fed = Dataset.from_tensor_slices(x).map(lambda v: v + 1.0).batch(2)
    const = Dataset.from_tensor_slices(np.array([10.0, 20.0], np.float32)).batch(2)
    it = tf.data.Iterator.from_structure(fed.output_types, fed.output_shapes)
    nxt = it.get_next()
    fed_init, const_init = it.make_initializer(fed), it.make_initializer(const)
    with tf.Session() as sess:
        sess.run(fed_init, {x: [1.0, 2.0, 3.0]})
        np.testing.assert_array_equal(sess.run(nxt), [2.0, 3.0])
        sess.run(const_init)
        np.testing.assert_array_equal(sess.run(nxt), [10.0, 20.0])
        with pytest.raises(errors.OutOfRangeError):
            sess.run(nxt)
        sess.run(fed_init, {x: [5.0]})  # from the start, with new data
        np.testing.assert_array_equal(sess.run(nxt), [6.0])
