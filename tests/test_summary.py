"""tf.summary: summary ops, FileWriter and the GraphDef, read back with TensorBoard.

Event files are checked with TensorBoard's own reader (the ``tensorboard`` package's
``EventAccumulator``), so what these tests accept is what TensorBoard shows.
"""

from __future__ import annotations

import io
import os
import wave

import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import (
    STORE_EVERYTHING_SIZE_GUIDANCE,
    EventAccumulator,
)
from tensorboardX.proto import types_pb2

import jgraph as tf
import jgraph.summary  # registers tf.summary until jgraph/__init__ exports it
from jgraph import errors


def read_events(logdir) -> EventAccumulator:
    accumulator = EventAccumulator(str(logdir), STORE_EVERYTHING_SIZE_GUIDANCE)
    accumulator.Reload()
    return accumulator


def parse(serialized: bytes) -> tf.summary.Summary:
    assert isinstance(serialized, bytes)
    return tf.summary.Summary.FromString(serialized)


# -- scalar and tags ------------------------------------------------------------------


def test_scalar_run_returns_serialized_summary_bytes():
    x = tf.placeholder(tf.float32, [], name="x")
    summary = tf.summary.scalar("x_value", x * 2.0)
    assert summary.dtype is tf.string and summary.shape.as_list() == []
    with tf.Session() as sess:
        (value,) = parse(sess.run(summary, {x: 1.25})).value
    assert value.tag == "x_value" and value.simple_value == 2.5


def test_tags_and_op_names_carry_name_scopes_and_are_unique_like_tf1():
    v = tf.constant(1.0)
    with tf.name_scope("train"):
        first = tf.summary.scalar("loss", v)
        second = tf.summary.scalar("loss", v)
    family = tf.summary.scalar("acc", v, family="eval")
    assert first.op.name == "train/loss" and first.op.attrs["tag"] == "train/loss"
    assert second.op.name == "train/loss_1"
    assert family.op.attrs["tag"] == "eval/eval/acc"
    assert tf.summary.scalar("bad name!", v).op.attrs["tag"] == "bad_name_"


def test_summaries_go_to_the_summaries_collection_or_the_given_ones():
    v = tf.constant(1.0)
    default = tf.summary.scalar("a", v)
    custom = tf.summary.scalar("b", v, collections=["mine"])
    hidden = tf.summary.histogram("c", v, collections=[])
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [default]
    assert tf.get_collection("mine") == [custom]
    assert hidden not in tf.get_collection(tf.GraphKeys.SUMMARIES)


def test_scalar_of_an_int_variable_and_bad_inputs():
    counter = tf.Variable(7, name="counter")
    summary = tf.summary.scalar("counter", counter)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert parse(sess.run(summary)).value[0].simple_value == 7.0
    with pytest.raises(
        ValueError, match=r"needs a scalar tensor; 'Const.*:0' has shape"
    ):
        tf.summary.scalar("vector", tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"real numeric tensor.*dtype bool"):
        tf.summary.scalar("flag", tf.constant(True))
    with pytest.raises(ValueError, match="non-empty name"):
        tf.summary.scalar("", tf.constant(1.0))


def test_scalar_of_unknown_rank_fails_at_run_time_when_not_scalar():
    x = tf.placeholder(tf.float32, None, name="x")
    summary = tf.summary.scalar("x", x)
    with tf.Session() as sess:
        assert parse(sess.run(summary, {x: 3.0})).value[0].simple_value == 3.0
        with pytest.raises(errors.InvalidArgumentError, match="not the same shape"):
            sess.run(summary, {x: [1.0, 2.0]})


def test_scalar_series_reads_back_with_steps_and_values(tmp_path):
    x = tf.placeholder(tf.float32, [], name="x")
    with tf.name_scope("train"):
        summary = tf.summary.scalar("loss", x)
    values = [0.5, 0.25, -1.0, 3.0]
    with tf.Session() as sess, tf.summary.FileWriter(tmp_path) as writer:
        for step, value in enumerate(values):
            writer.add_summary(sess.run(summary, {x: value}), step * 10)
    events = read_events(tmp_path).Scalars("train/loss")
    assert [e.step for e in events] == [0, 10, 20, 30]
    assert [e.value for e in events] == values


# -- histogram ------------------------------------------------------------------------


def _check_histogram(histo, values: np.ndarray) -> None:
    """Checks a HistogramProto against the values, independently of how it was made:
    every bucket counts exactly the values in [previous limit, limit), and non-empty
    buckets of positive values are TF1's narrow (10%) ones."""
    limits = np.asarray(histo.bucket_limit)
    counts = np.asarray(histo.bucket)
    assert np.all(np.diff(limits) > 0)
    lower = np.concatenate([[-np.inf], limits[:-1]])
    expected = [
        np.sum((values >= lo) & (values < hi))
        for lo, hi in zip(lower, limits, strict=True)
    ]
    np.testing.assert_array_equal(counts, expected)
    assert histo.num == values.size
    assert histo.min == pytest.approx(values.min())
    assert histo.max == pytest.approx(values.max())
    assert histo.sum == pytest.approx(values.sum(), rel=1e-5)
    assert histo.sum_squares == pytest.approx(np.sum(values**2), rel=1e-5)
    for lo, hi, count in zip(lower, limits, counts, strict=True):
        if count and lo > 1e-11:
            assert hi / lo == pytest.approx(1.1, rel=1e-6)


def test_histogram_matches_tf1_buckets_and_reads_back(tmp_path):
    rng = np.random.default_rng(0)
    data = (rng.normal(size=(20, 30)) * 3).astype(np.float32)
    data[0, :3] = 0.0  # exact zeros go to the bucket [0, 1e-12)
    w = tf.Variable(data, name="w")
    with tf.name_scope("layer"):
        summary = tf.summary.histogram("weights", w)
    with tf.Session() as sess, tf.summary.FileWriter(tmp_path) as writer:
        sess.run(tf.global_variables_initializer())
        serialized = sess.run(summary)
        writer.add_summary(serialized, 5)
    _check_histogram(parse(serialized).value[0].histo, data.astype(np.float64))
    (event,) = read_events(tmp_path).Histograms("layer/weights")
    assert event.step == 5 and event.histogram_value.num == data.size


def test_histogram_of_an_empty_tensor_and_of_nan():
    x = tf.placeholder(tf.float32, [None], name="x")
    summary = tf.summary.histogram("x", x)
    with tf.Session() as sess:
        histo = parse(sess.run(summary, {x: np.zeros(0, np.float32)})).value[0].histo
        assert histo.num == 0 and sum(histo.bucket) == 0
        with pytest.raises(
            errors.InvalidArgumentError, match="Nan in summary histogram for: x"
        ):
            sess.run(summary, {x: [1.0, np.nan]})


# -- image ----------------------------------------------------------------------------


def decode_png(encoded: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(encoded)))


def test_image_float_normalisation_like_tf1():
    positive = np.array([0.0, 0.5, 1.0, 2.0], np.float32).reshape(1, 2, 2, 1)
    signed = np.array([-2.0, 0.0, 1.0, 2.0], np.float32).reshape(1, 2, 2, 1)
    x = tf.placeholder(tf.float32, [None, 2, 2, 1], name="x")
    summary = tf.summary.image("img", x, max_outputs=1)
    with tf.Session() as sess:
        (value,) = parse(sess.run(summary, {x: positive})).value
        assert value.tag == "img/image"
        np.testing.assert_array_equal(
            decode_png(value.image.encoded_image_string).ravel(), [0, 63, 127, 255]
        )
        (value,) = parse(sess.run(summary, {x: signed})).value
        # 0 maps to 128 and the largest magnitude (2) to +-127 around it.
        np.testing.assert_array_equal(
            decode_png(value.image.encoded_image_string).ravel(), [1, 128, 191, 255]
        )


def test_image_nonfinite_pixels_are_red_and_uint8_passes_through():
    rgb = np.ones((1, 2, 2, 3), np.float32)
    rgb[0, 0, 1, 2] = np.nan
    pixels = np.arange(12, dtype=np.uint8).reshape(1, 2, 2, 3)
    floats = tf.summary.image("floats", tf.constant(rgb))
    exact = tf.summary.image("exact", tf.constant(pixels))
    with tf.Session() as sess:
        decoded = decode_png(
            parse(sess.run(floats)).value[0].image.encoded_image_string
        )
        np.testing.assert_array_equal(decoded[0, 1], [255, 0, 0])
        np.testing.assert_array_equal(decoded[1, 1], [255, 255, 255])
        value = parse(sess.run(exact)).value[0]
        np.testing.assert_array_equal(
            decode_png(value.image.encoded_image_string), pixels[0]
        )
        assert value.image.colorspace == 3


def test_image_max_outputs_tags_and_readback(tmp_path):
    batch = np.random.default_rng(1).random((5, 6, 4, 4)).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 6, 4, 4], name="x")
    summary = tf.summary.image("input", x, max_outputs=3)
    with tf.Session() as sess, tf.summary.FileWriter(tmp_path) as writer:
        assert [v.tag for v in parse(sess.run(summary, {x: batch[:2]})).value] == [
            "input/image/0",
            "input/image/1",
        ]
        writer.add_summary(sess.run(summary, {x: batch}), 1)
    accumulator = read_events(tmp_path)
    assert sorted(accumulator.Tags()["images"]) == [
        f"input/image/{i}" for i in range(3)
    ]
    (event,) = accumulator.Images("input/image/2")
    assert (event.width, event.height, event.step) == (4, 6, 1)


def test_image_bad_inputs_fail_when_building():
    with pytest.raises(
        ValueError, match=r"4-D .* 1, 3 or 4 channels.*shape \(2, 2, 2\)"
    ):
        tf.summary.image("i", tf.zeros([2, 2, 2]))
    with pytest.raises(ValueError, match="4-D"):
        tf.summary.image("i", tf.zeros([1, 2, 2, 2]))
    with pytest.raises(TypeError, match="uint8 or float"):
        tf.summary.image("i", tf.zeros([1, 2, 2, 1], tf.int32))


# -- audio ----------------------------------------------------------------------------


def decode_wav(encoded: bytes) -> tuple[np.ndarray, int, int]:
    with wave.open(io.BytesIO(encoded)) as wav:
        frames = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
        return (
            frames.reshape(-1, wav.getnchannels()),
            wav.getframerate(),
            wav.getnchannels(),
        )


def test_audio_is_16_bit_wav_clipped_like_tf1(tmp_path):
    clip = np.array(
        [[[0.0, 0.5], [-0.25, 1.0], [-1.0, 2.0]]], np.float32
    )  # 1 clip, 3 frames, 2 ch
    summary = tf.summary.audio("sound", tf.constant(clip), 8000, max_outputs=1)
    with tf.Session() as sess, tf.summary.FileWriter(tmp_path) as writer:
        serialized = sess.run(summary)
        writer.add_summary(serialized, 2)
    (value,) = parse(serialized).value
    assert value.tag == "sound/audio" and value.audio.content_type == "audio/wav"
    assert (
        value.audio.sample_rate,
        value.audio.num_channels,
        value.audio.length_frames,
    ) == (8000, 2, 3)
    samples, rate, channels = decode_wav(value.audio.encoded_audio_string)
    assert (rate, channels) == (8000, 2)
    np.testing.assert_array_equal(
        samples, [[0, 16384], [-8192, 32767], [-32768, 32767]]
    )
    (event,) = read_events(tmp_path).Audio("sound/audio")
    assert (event.step, event.sample_rate, event.length_frames) == (2, 8000, 3)


def test_audio_two_dimensional_clips_and_tensor_sample_rate():
    x = tf.placeholder(tf.float32, [None, None], name="x")
    rate = tf.placeholder(tf.float32, [], name="rate")
    summary = tf.summary.audio("a", x, rate, max_outputs=2)
    with tf.Session() as sess:
        values = parse(sess.run(summary, {x: np.zeros((3, 10)), rate: 16000.0})).value
    assert [v.tag for v in values] == ["a/audio/0", "a/audio/1"]
    assert values[1].audio.sample_rate == 16000 and values[1].audio.num_channels == 1
    with pytest.raises(TypeError, match="float tensor"):
        tf.summary.audio("a", tf.zeros([1, 4], tf.int32), 100)


# -- text and tensors -----------------------------------------------------------------


def test_text_summary_reads_back_as_a_text_plugin_tensor(tmp_path):
    with tf.name_scope("notes"):
        summary = tf.summary.text("readme", tf.constant("hello **world**"))
    with tf.Session() as sess, tf.summary.FileWriter(tmp_path) as writer:
        writer.add_summary(sess.run(summary), 0)
        writer.add_summary(sess.run(summary), 1)
    accumulator = read_events(tmp_path)
    events = accumulator.Tensors("notes/readme")
    assert [e.step for e in events] == [0, 1]
    assert list(events[0].tensor_proto.string_val) == [b"hello **world**"]
    assert accumulator.SummaryMetadata("notes/readme").plugin_data.plugin_name == "text"


def test_text_needs_a_constant_string():
    with pytest.raises(ValueError, match="dtype string, got float32"):
        tf.summary.text("t", tf.constant(1.0))
    with pytest.raises(ValueError, match="must be known when the graph is built"):
        tf.summary.text("t", tf.placeholder(tf.string, [], name="s"))


def test_tensor_summary_of_a_computed_tensor():
    x = tf.placeholder(tf.float32, [2], name="x")
    summary = tf.summary.tensor_summary("t", x * 2.0)
    with tf.Session() as sess:
        proto = parse(sess.run(summary, {x: [1.0, 3.0]})).value[0].tensor
    assert [d.size for d in proto.tensor_shape.dim] == [2]
    np.testing.assert_array_equal(
        np.frombuffer(proto.tensor_content, "<f4"), [2.0, 6.0]
    )


# -- merge ----------------------------------------------------------------------------


def test_merge_all_returns_every_value_in_one_summary():
    x = tf.placeholder(tf.float32, [None], name="x")
    tf.summary.scalar("average", tf.reduce_mean(x))
    tf.summary.histogram("x", x)  # an op is named "x": the tag is "x_1", as TF1
    tf.summary.text("note", "hi")
    merged = tf.summary.merge_all()
    assert merged.op.name == "Merge/MergeSummary" and merged.dtype is tf.string
    with tf.Session() as sess:
        values = parse(sess.run(merged, {x: [1.0, 3.0]})).value
    assert [v.tag for v in values] == ["average", "x_1", "note"]
    assert values[0].simple_value == 2.0 and values[1].histo.num == 2


def test_merge_named_nested_and_fetched_with_other_tensors():
    v = tf.Variable(1.0, name="v")
    step = tf.assign_add(v, 1.0)
    a = tf.summary.scalar("a", v)
    b = tf.summary.scalar("b", v * 10.0)
    inner = tf.summary.merge([a], name="inner")
    outer = tf.summary.merge([inner, b])
    assert inner.op.name == "inner/inner"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        new_value, serialized = sess.run([step, outer])
    assert new_value == 2.0
    # The summaries read v with no update upstream: the start value (DESIGN.md).
    assert {v.tag: v.simple_value for v in parse(serialized).value} == {
        "a": 1.0,
        "b": 10.0,
    }


def test_merge_rejects_duplicates_and_non_summaries_and_merge_all_of_nothing():
    a = tf.summary.scalar("a", tf.constant(1.0))
    with pytest.raises(ValueError, match=r"Duplicate tag\(s\) \['a'\]"):
        tf.summary.merge([a, a])
    with pytest.raises(TypeError, match=r"can merge summaries only.*Const"):
        tf.summary.merge([a, tf.constant("x")])
    assert tf.summary.merge_all("no_such_collection") is None


def test_summaries_in_another_graph():
    graph = tf.Graph()
    with graph.as_default():
        summary = tf.summary.scalar("s", tf.constant(4.0))
        merged = tf.summary.merge_all()
    assert summary.graph is graph and tf.get_collection(tf.GraphKeys.SUMMARIES) == []
    with tf.Session(graph=graph) as sess:
        assert parse(sess.run(merged)).value[0].simple_value == 4.0


# -- the graph ------------------------------------------------------------------------


def _input_name(tensor) -> str:
    return tensor.op.name if tensor.value_index == 0 else tensor.name


def test_graph_def_nodes_inputs_attrs_and_shapes():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.name_scope("layer"):
        w = tf.Variable(tf.zeros([3, 2]), name="w")
        y = tf.matmul(x, w, name="y")
    pair = tf.constant([[1.0, 2.0]], name="pair")
    first, second = tf.split(pair, 2, axis=1, name="parts")
    with tf.control_dependencies([y]):
        with tf.device("/cpu:0"):
            z = tf.add(first, second, name="z")
    nodes = {n.name: n for n in tf.summary.graph_def().node}
    assert [n.name for n in tf.summary.graph_def().node] == [
        op.name for op in tf.get_default_graph().get_operations()
    ]
    assert nodes["layer/y"].op == "MatMul"
    assert list(nodes["layer/y"].input) == [_input_name(t) for t in y.op.inputs]
    assert nodes["layer/y"].input[0] == "x"
    assert list(nodes["z"].input) == ["parts", "parts:1", "^layer/y"]
    assert nodes["z"].device == z.op.device and "CPU" in nodes["z"].device.upper()
    shape = nodes["layer/y"].attr["_output_shapes"].list.shape[0]
    assert [d.size for d in shape.dim] == [-1, 2]
    assert nodes["x"].attr["dtype"].type == types_pb2.DT_FLOAT
    assert [d.size for d in nodes["x"].attr["shape"].shape.dim] == [-1, 3]
    assert nodes["layer/y"].attr["T"].type == types_pb2.DT_FLOAT
    assert nodes["layer/y"].attr["transpose_a"].b is False
    value = nodes["pair"].attr["value"].tensor
    assert nodes["pair"].attr["dtype"].type == types_pb2.DT_FLOAT
    np.testing.assert_array_equal(
        np.frombuffer(value.tensor_content, "<f4"), [1.0, 2.0]
    )


def test_session_graph_def_and_file_writer_graph_read_back(tmp_path):
    with tf.name_scope("outer"):
        tf.multiply(tf.constant(2), tf.constant(3), name="product")
    with tf.Session() as sess:
        assert "outer/product" in {n.name for n in sess.graph_def.node}
        tf.summary.FileWriter(tmp_path, sess.graph).close()
    names = {n.name for n in read_events(tmp_path).Graph().node}
    assert {"outer/product", "outer/Const", "outer/Const_1"} <= names


# -- FileWriter -----------------------------------------------------------------------


def test_flush_makes_events_visible_before_close(tmp_path):
    writer = tf.summary.FileWriter(tmp_path)
    value = tf.summary.Summary.Value(tag="manual", simple_value=1.5)
    writer.add_summary(tf.summary.Summary(value=[value]), 3)
    writer.flush()
    (event,) = read_events(tmp_path).Scalars("manual")
    assert (event.step, event.value) == (3, 1.5)
    writer.close()
    with pytest.raises(RuntimeError, match="is closed; call reopen"):
        writer.add_summary(tf.summary.Summary(value=[value]), 4)


def test_reopen_and_two_writers_in_one_directory_keep_all_events(tmp_path):
    value = tf.summary.Summary.Value(tag="s", simple_value=1.0)
    first = tf.summary.FileWriter(tmp_path)
    second = tf.summary.FileWriter(tmp_path)  # same second: needs its own file
    first.add_summary(tf.summary.Summary(value=[value]), 0)
    second.add_summary(tf.summary.Summary(value=[value]), 1)
    first.close()
    first.reopen()
    first.add_summary(tf.summary.Summary(value=[value]), 2)
    first.close()
    second.close()
    assert len([f for f in os.listdir(tmp_path) if "tfevents" in f]) == 3
    assert sorted(e.step for e in read_events(tmp_path).Scalars("s")) == [0, 1, 2]


def test_add_summary_input_types_session_log_and_misuse(tmp_path):
    with tf.summary.FileWriter(tmp_path, filename_suffix=".v1") as writer:
        assert writer.get_logdir() == str(tmp_path)
        writer.add_session_log(
            tf.summary.SessionLog(status=tf.summary.SessionLog.START), 0
        )
        with pytest.raises(TypeError, match=r"serialized Summary .* got int"):
            writer.add_summary(3, 0)
        with pytest.raises(ValueError, match="only graph or graph_def"):
            writer.add_graph(tf.get_default_graph(), graph_def=tf.summary.graph_def())
    assert all(f.endswith(".v1") for f in os.listdir(tmp_path))
    with pytest.raises(NotImplementedError, match="session"):
        tf.summary.FileWriter(tmp_path, session=object())


def test_file_writer_cache_shares_one_writer_per_logdir(tmp_path):
    try:
        writer = tf.summary.FileWriterCache.get(tmp_path)
        assert tf.summary.FileWriterCache.get(str(tmp_path)) is writer
    finally:
        tf.summary.FileWriterCache.clear()
    assert read_events(tmp_path).Graph() is not None
