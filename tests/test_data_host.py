"""Host datasets: from_generator, padded_batch, flat_map, interleave, filter,
TextLineDataset (elements made on the host, fed to the run). Values as TF1
gives them for the same pipelines."""

from __future__ import annotations

import numpy as np
import pytest
from test_data import _drain  # the one reader of a dataset until its end

import jgraph as tf
from jgraph import errors
from jgraph.data import Dataset


def test_from_generator_with_padded_batch():
    def gen():
        for i in range(1, 5):
            yield np.arange(i)

    ds = Dataset.from_generator(gen, tf.int64, tf.TensorShape([None]))
    nxt = ds.padded_batch(2, padded_shapes=[None]).make_one_shot_iterator().get_next()
    assert nxt.shape.as_list() == [None, None] and nxt.dtype == tf.int64
    with tf.Session() as sess:
        batches = _drain(sess, nxt)
    np.testing.assert_array_equal(batches[0], [[0, 0], [0, 1]])
    np.testing.assert_array_equal(batches[1], [[0, 1, 2, 0], [0, 1, 2, 3]])
    assert len(batches) == 2


def test_padded_batch_to_fixed_shapes_with_a_padding_value():
    ds = Dataset.from_tensor_slices(np.arange(6, dtype=np.int32).reshape(3, 2))
    nxt = (
        ds.padded_batch(2, padded_shapes=[4], padding_values=-1, drop_remainder=True)
        .make_one_shot_iterator()
        .get_next()
    )
    assert nxt.shape.as_list() == [2, 4]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(nxt), [[0, 1, -1, -1], [2, 3, -1, -1]])
        with pytest.raises(errors.OutOfRangeError):
            sess.run(nxt)
    small = ds.padded_batch(2, padded_shapes=[1]).make_one_shot_iterator().get_next()
    with (
        tf.Session() as sess,
        pytest.raises(errors.InvalidArgumentError, match="smaller"),
    ):
        sess.run(small)


def test_flat_map_and_interleave_orders_as_tf1():
    flat = Dataset.range(4).flat_map(lambda x: Dataset.from_tensors(x).repeat(2))
    inter = Dataset.range(3).interleave(
        lambda x: Dataset.from_tensors(x).repeat(3), cycle_length=2, block_length=2
    )
    a = flat.make_one_shot_iterator().get_next()
    b = inter.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert _drain(sess, a) == [0, 0, 1, 1, 2, 2, 3, 3]
        assert _drain(sess, b) == [0, 0, 1, 1, 0, 1, 2, 2, 2]


def test_filter_then_batch():
    nxt = (
        Dataset.range(10)
        .filter(lambda x: x % 3 > 0)
        .batch(3)
        .make_one_shot_iterator()
        .get_next()
    )
    with tf.Session() as sess:
        assert [b.tolist() for b in _drain(sess, nxt)] == [[1, 2, 4], [5, 7, 8]]


def test_host_shuffle_is_a_seeded_permutation():
    def order():
        tf.reset_default_graph()
        nxt = (
            Dataset.range(10)
            .filter(lambda x: x >= 0)
            .shuffle(4, seed=5)
            .make_one_shot_iterator()
            .get_next()
        )
        with tf.Session() as sess:
            return [int(v) for v in _drain(sess, nxt)]

    first = order()
    assert sorted(first) == list(range(10)) and first != list(range(10))
    assert order() == first


def test_text_line_dataset_with_decode_csv_in_map(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2.5\n3,4.5\n")
    ds = (
        tf.data.TextLineDataset(str(path))
        .skip(1)
        .map(lambda line: tf.decode_csv(line, [[0], [0.0]]))
        .batch(2)
    )
    a, b = ds.make_one_shot_iterator().get_next()
    assert a.dtype == tf.int32 and b.shape.as_list() == [None]
    with tf.Session() as sess:
        ints, doubled = sess.run([a, b * 2])
    np.testing.assert_array_equal(ints, [1, 3])
    np.testing.assert_array_equal(doubled, [5.0, 9.0])


def test_initializable_host_iterator_with_fed_file_names(tmp_path):
    (tmp_path / "a.txt").write_text("x\ny\n")
    (tmp_path / "b.txt").write_text("z\n")
    names = tf.placeholder(tf.string, [None])
    it = tf.data.TextLineDataset(names).make_initializable_iterator()
    line = it.get_next()
    with tf.Session() as sess:
        with pytest.raises(
            errors.FailedPreconditionError, match="not been initialized"
        ):
            sess.run(line)
        sess.run(it.initializer, {names: [str(tmp_path / "a.txt")]})
        assert _drain(sess, line) == [b"x", b"y"]
        sess.run(
            it.initializer, {names: [str(tmp_path / "b.txt"), str(tmp_path / "a.txt")]}
        )
        assert _drain(sess, line) == [b"z", b"x", b"y"]
    with pytest.raises(ValueError, match="placeholder"):
        tf.data.TextLineDataset(names).make_one_shot_iterator()


def test_generator_errors_name_the_problem():
    ds = Dataset.from_generator(lambda: iter([[1, 2], [1, 2, 3]]), tf.int32, [2])
    nxt = ds.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(nxt), [1, 2])
        with pytest.raises(errors.InvalidArgumentError, match="shape \\[3\\]"):
            sess.run(nxt)


def test_element_shapes_of_unknown_rank_and_a_mismatched_nest_as_tf1():
    def gen():
        yield np.array([1, 2], np.int32), np.float32(3.0)
        yield np.array([4], np.int32), np.float32(5.0)

    shapes = (tf.TensorShape(None), tf.TensorShape([]))
    ds = Dataset.from_generator(gen, (tf.int32, tf.float32), shapes)
    vector, scalar = ds.make_one_shot_iterator().get_next()
    assert vector.shape.ndims is None and scalar.shape.as_list() == []
    with tf.Session() as sess:
        got = [sess.run([vector, scalar]) for _ in range(2)]
    np.testing.assert_array_equal(got[0][0], [1, 2])
    np.testing.assert_array_equal(got[1][0], [4])
    assert [g[1] for g in got] == [3.0, 5.0]
    it = tf.data.Iterator.from_structure(tf.int64, tf.TensorShape(None))
    assert it.output_shapes.ndims is None
    # TF1: ValueError (the two structures do not have the same length).
    with pytest.raises(ValueError, match="output_shapes has 1 components"):
        Dataset.from_generator(gen, (tf.int32, tf.float32), ([2],))


# -- lists and strings in from_tensor_slices (values checked against TF1 2.21) -------


def test_a_python_list_is_one_tensor_tuples_and_dicts_are_structure():
    # TF1's tf.data converts a list to one tensor; tuples and dicts nest.
    assert Dataset.from_tensor_slices([1, 2, 3]).output_shapes == tf.TensorShape([])
    assert Dataset.from_tensor_slices([[1, 2], [3, 4]]).output_shapes == [2]
    pair = Dataset.from_tensor_slices(([1, 2], [3, 4]))
    assert pair.output_types == (tf.int32, tf.int32)
    assert Dataset.from_tensor_slices({"a": [1, 2]}).output_shapes == {
        "a": tf.TensorShape([])
    }
    assert Dataset.from_tensors([1, 2, 3]).output_shapes == [3]
    rows = tf.constant([1, 2])
    stacked = Dataset.from_tensor_slices([rows, rows * 10])  # packed, as TF1
    with tf.Session() as sess:
        got = _drain(sess, stacked.make_one_shot_iterator().get_next())
        assert [e.tolist() for e in got] == [[1, 2], [10, 20]]
        got = _drain(sess, pair.make_one_shot_iterator().get_next())
    assert [tuple(int(v) for v in e) for e in got] == [(1, 3), (2, 4)]


def test_string_slices_are_made_on_the_host_as_object_arrays_of_bytes():
    names = np.array([b"a", b"bb", b"c"], object)
    batches = Dataset.from_tensor_slices((names, np.array([1, 2, 3]))).batch(2)
    x, y = batches.make_one_shot_iterator().get_next()
    files = Dataset.from_tensor_slices(["a.csv", "b.csv"]).repeat(2)
    name = files.make_one_shot_iterator().get_next()
    lines = Dataset.from_tensor_slices(["1.5,2", "3,4"])
    a, b = (
        lines.map(lambda line: tf.decode_csv(line, [[0.0], [0]]))
        .make_one_shot_iterator()
        .get_next()
    )
    with tf.Session() as sess:
        first, labels = sess.run([x, y])
        assert first.dtype == object and first.tolist() == [b"a", b"bb"]
        np.testing.assert_array_equal(labels, [1, 2])
        assert sess.run(x).tolist() == [b"c"]
        with pytest.raises(errors.OutOfRangeError):
            sess.run(x)
        assert [sess.run(name) for _ in range(4)] == [b"a.csv", b"b.csv"] * 2
        assert sess.run([a, b]) == [1.5, 2]
        assert sess.run([a, b]) == [3.0, 4]
