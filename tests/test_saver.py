"""tf.train.Saver on orbax: round trips, the index file, retention, bad files."""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import warnings

import jax
import ml_dtypes
import numpy as np
import orbax.checkpoint as ocp
import pytest

import jgraph as tf
from jgraph import errors
from jgraph.checkpoint import saver as saver_lib
from jgraph.checkpoint.saver import (
    Saver,
    checkpoint_exists,
    get_checkpoint_state,
    latest_checkpoint,
    list_variables,
    load_checkpoint,
    load_variable,
    update_checkpoint_state,
)

DTYPE_VALUES = {
    "float16": np.array([1.5, -2.25, 65504.0], np.float16),
    "bfloat16": np.array([1.5, -3.0e38, 7.0], ml_dtypes.bfloat16),
    "float32": np.array([np.pi, -0.0, 1e-30], np.float32),
    "float64": np.array([np.pi, 1e-300, -1e300], np.float64),
    "int8": np.array([-128, 0, 127], np.int8),
    "int16": np.array([-32768, 1, 32767], np.int16),
    "int32": np.array([-(2**31), 7, 2**31 - 1], np.int32),
    "int64": np.array([-(2**62), 2**40 + 1, 2**63 - 1], np.int64),
    "uint8": np.array([0, 128, 255], np.uint8),
    "bool": np.array([True, False, True]),
}


def _variables_of_every_dtype() -> dict[str, tf.Variable]:
    return {
        name: tf.Variable(tf.zeros([3], dtype=getattr(tf, name)), name=f"v_{name}")
        for name in DTYPE_VALUES
    }


def _bits(array: np.ndarray) -> bytes:
    return np.ascontiguousarray(array).tobytes()


def _simple_model(value: float = 1.0):
    w = tf.Variable(tf.fill([2, 3], value), name="dense/kernel")
    b = tf.Variable(tf.zeros([3]), name="dense/bias")
    return w, b


def _saved_checkpoint(tmp_path):
    """A checkpoint of _simple_model(1.0) with bias 7; returns its path."""
    _w, b = _simple_model(1.0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(b.assign(tf.fill([3], 7.0)))
        path = Saver().save(sess, str(tmp_path / "model.ckpt"))
    tf.reset_default_graph()
    return path


def _saved_random_checkpoint(tmp_path) -> str:
    """A checkpoint of one 100x100 random variable 'w' (big enough for a data file:
    orbax keeps values under 1 KiB inline in its index nodes)."""
    value = np.random.default_rng(0).standard_normal([100, 100]).astype(np.float32)
    w = tf.Variable(value, name="w")
    with tf.Session() as sess:
        sess.run(w.initializer)
        path = Saver().save(sess, str(tmp_path / "model.ckpt"))
    tf.reset_default_graph()
    return path


def _damage(path: str, damage: str) -> None:
    """Flips a byte in, or truncates, the largest array data file of a checkpoint."""
    files = [
        os.path.join(root, name)
        for root, _, names in os.walk(path)
        for name in names
        if os.path.basename(root) == "d"
    ]
    victim = max(files, key=os.path.getsize)
    with open(victim, "rb") as file:
        data = bytearray(file.read())
    if damage == "flip_data":
        data[len(data) // 2] ^= 0x01
    else:
        data = data[: len(data) // 2]
    with open(victim, "wb") as file:
        file.write(bytes(data))


# -- round trips ------------------------------------------------------------------------


def test_round_trip_every_dtype_bit_exact(tmp_path):
    variables = _variables_of_every_dtype()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for name, variable in variables.items():
            variable.load(DTYPE_VALUES[name], sess)
        path = Saver().save(sess, str(tmp_path / "model.ckpt"))

    tf.reset_default_graph()
    variables = _variables_of_every_dtype()
    with tf.Session() as sess:
        Saver().restore(sess, path)  # no initializer: restored counts as initialised
        values = sess.run(variables)
    for name, expected in DTYPE_VALUES.items():
        assert values[name].dtype == expected.dtype, name
        assert _bits(values[name]) == _bits(expected), name


def test_tf1_tutorial_restore_into_fresh_graph(tmp_path, caplog):
    # The TF1 "Save and Restore" tutorial, named and unnamed variables.
    a = tf.Variable(0, name=None)
    c = tf.Variable(0, name="my_variable")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run([a.assign(3), c.assign(4)])
        save_path = Saver().save(sess, str(tmp_path / "model.ckpt"))
    assert save_path == str(tmp_path / "model.ckpt")

    tf.reset_default_graph()
    a = tf.Variable(0)
    c = tf.Variable(0, name="my_variable")
    saver = Saver()
    with tf.Session() as sess, caplog.at_level(logging.INFO, logger="jgraph"):
        saver.restore(sess, save_path)
        assert sess.run([a, c]) == [3, 4]
    assert f"Restoring parameters from {save_path}" in caplog.messages
    assert caplog.records[-1].name == "jgraph"


def test_save_path_with_global_step_int_variable_tensor(tmp_path):
    _w, _ = _simple_model()
    step = tf.Variable(1000, name="global_step", trainable=False)
    prefix = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver = Saver()
        assert saver.save(sess, prefix, global_step=7) == prefix + "-7"
        assert saver.save(sess, prefix, global_step=step) == prefix + "-1000"
        assert saver.save(sess, prefix, global_step=step + 1) == prefix + "-1001"
        padded = Saver(pad_step_number=True).save(sess, prefix, global_step=3)
        assert padded == prefix + "-00000003"
    assert list_variables(prefix + "-7") == [
        ("dense/bias", [3]),
        ("dense/kernel", [2, 3]),
        ("global_step", []),
    ]


def test_var_list_dict_renames_and_partial_restore(tmp_path):
    w, _b = _simple_model(2.0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = Saver({"renamed/w": w}).save(sess, str(tmp_path / "model.ckpt"))
    assert list_variables(path) == [("renamed/w", [2, 3])]

    tf.reset_default_graph()
    w2 = tf.Variable(tf.zeros([2, 3]), name="other_name")
    extra = tf.Variable(5.0, name="extra")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        Saver({"renamed/w": w2}).restore(sess, path)
        np.testing.assert_array_equal(sess.run(w2), np.full([2, 3], 2.0, np.float32))
        assert sess.run(extra) == 5.0


def test_restore_subset_of_a_larger_checkpoint(tmp_path):
    path = _saved_checkpoint(tmp_path)
    b = tf.Variable(tf.zeros([3]), name="dense/bias")
    with tf.Session() as sess:
        Saver([b]).restore(sess, path)
        np.testing.assert_array_equal(sess.run(b), [7.0, 7.0, 7.0])


def test_names_with_slashes_dots_and_prefixes_of_each_other(tmp_path):
    names = ["a", "a/b", "a/b.c", "a.b", "layer_0/w"]
    variables = [
        tf.Variable(float(i), name=n.replace(".", "_")) for i, n in enumerate(names)
    ]
    var_list = dict(zip(names, variables, strict=True))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = Saver(var_list).save(sess, str(tmp_path / "model.ckpt"))
    assert [n for n, _ in list_variables(path)] == sorted(names)
    for i, name in enumerate(names):
        assert load_variable(path, name) == float(i)


def test_plain_orbax_reads_a_jgraph_checkpoint(tmp_path):
    path = _saved_checkpoint(tmp_path)
    arrays = ocp.StandardCheckpointer().restore(path)
    assert sorted(arrays) == ["dense/bias", "dense/kernel"]
    np.testing.assert_array_equal(np.asarray(arrays["dense/bias"]), [7.0, 7.0, 7.0])
    with warnings.catch_warnings():
        # orbax warns that it reads the sharding from the checkpoint when no
        # target is given; harmless here (same single CPU device).
        warnings.filterwarnings(
            "ignore", message="Sharding info not provided", category=UserWarning
        )
        tree = ocp.PyTreeCheckpointer().restore(path)
    np.testing.assert_array_equal(np.asarray(tree["dense/kernel"]), np.ones([2, 3]))


# -- the index file and retention ------------------------------------------------------


def test_index_file_is_tf1_text_with_relative_paths(tmp_path):
    _simple_model()
    prefix = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver = Saver(max_to_keep=2)
        for step in (1, 2, 3):
            saver.save(sess, prefix, global_step=step)
    lines = (tmp_path / "checkpoint").read_text().splitlines()
    assert lines[:3] == [
        'model_checkpoint_path: "model.ckpt-3"',
        'all_model_checkpoint_paths: "model.ckpt-2"',
        'all_model_checkpoint_paths: "model.ckpt-3"',
    ]
    assert latest_checkpoint(str(tmp_path)) == prefix + "-3"
    state = get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == prefix + "-3"
    assert state.all_model_checkpoint_paths == [prefix + "-2", prefix + "-3"]
    assert saver.last_checkpoints == [prefix + "-2", prefix + "-3"]
    assert not checkpoint_exists(prefix + "-1")
    assert sorted(os.listdir(tmp_path)) == [
        "checkpoint",
        "model.ckpt-2",
        "model.ckpt-3",
    ]


def test_index_round_trips_odd_paths(tmp_path):
    odd = str(tmp_path / 'we"ird\\näme ckpt')
    update_checkpoint_state(
        str(tmp_path), odd, [odd], all_model_checkpoint_timestamps=[1.5]
    )
    state = get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == odd
    assert state.all_model_checkpoint_paths == [odd]
    assert state.all_model_checkpoint_timestamps == [1.5]


def test_max_to_keep_holds_across_restarts(tmp_path):
    prefix = str(tmp_path / "model.ckpt")
    for steps in ((1, 2, 3), (4, 5)):  # a second "process": new graph, new Saver
        tf.reset_default_graph()
        _simple_model()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver = Saver(max_to_keep=3)
            for step in steps:
                saver.save(sess, prefix, global_step=step)
    kept = [prefix + f"-{s}" for s in (3, 4, 5)]
    assert get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths == kept
    assert sorted(p for p in os.listdir(tmp_path) if p != "checkpoint") == [
        os.path.basename(p) for p in kept
    ]


@pytest.mark.parametrize("max_to_keep", [None, 0])
def test_max_to_keep_none_or_zero_keeps_all(tmp_path, max_to_keep):
    _simple_model()
    prefix = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver = Saver(max_to_keep=max_to_keep)
        for step in range(4):
            saver.save(sess, prefix, global_step=step)
    assert all(checkpoint_exists(f"{prefix}-{s}") for s in range(4))
    assert latest_checkpoint(str(tmp_path)) == prefix + "-3"


def test_keep_checkpoint_every_n_hours(tmp_path, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(saver_lib, "_now", lambda: clock[0])
    _simple_model()
    prefix = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver = Saver(max_to_keep=1, keep_checkpoint_every_n_hours=1.0)
        for step in range(6):  # one save every 40 minutes
            saver.save(sess, prefix, global_step=step)
            clock[0] += 2400.0
    # Saved at t=1000+2400*s; the preserve deadline starts at 1000+3600 and moves
    # by an hour each time one is kept: steps 2 (t=5800) and 4 (t=10600) are kept.
    existing = [s for s in range(6) if checkpoint_exists(f"{prefix}-{s}")]
    assert existing == [2, 4, 5]
    assert saver.last_checkpoints == [prefix + "-5"]


def test_saving_the_same_path_twice_replaces_it(tmp_path):
    w, _ = _simple_model(1.0)
    path = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver = Saver()
        saver.save(sess, path)
        sess.run(w.assign(tf.fill([2, 3], 9.0)))
        assert saver.save(sess, path) == path
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.ckpt"]
    np.testing.assert_array_equal(
        load_variable(path, "dense/kernel"), np.full([2, 3], 9.0)
    )
    assert get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths == [path]


def _interrupt_a_resave(tmp_path, new_copy: bool) -> str:
    """A checkpoint (bias 7) re-saved with bias 9 and a crash between the two
    renames that swap the copies: the old copy lies at its '.jgraph-old-<hash>'
    name and, when ``new_copy``, the complete new one at '.jgraph-tmp-<hash>'."""
    path = _saved_checkpoint(tmp_path)
    os.rename(path, saver_lib._sibling(path, "old"))
    if new_copy:
        _w, b = _simple_model()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(b.assign(tf.fill([3], 9.0)))
            Saver().save(sess, str(tmp_path / "scratch"), write_state=False)
        tf.reset_default_graph()
        os.rename(tmp_path / "scratch", saver_lib._sibling(path, "tmp"))
    return path


@pytest.mark.parametrize("new_copy", [True, False], ids=["new-copy", "old-copy"])
def test_interrupted_replacement_is_recovered(tmp_path, new_copy):
    path = _interrupt_a_resave(tmp_path, new_copy)
    assert not os.path.exists(path)
    assert checkpoint_exists(path)
    assert latest_checkpoint(str(tmp_path)) == path
    expected = [9.0] * 3 if new_copy else [7.0] * 3
    assert load_variable(path, "dense/bias").tolist() == expected
    assert list_variables(str(tmp_path)) == [
        ("dense/bias", [3]),
        ("dense/kernel", [2, 3]),
    ]
    b = tf.Variable(tf.zeros([3]), name="dense/bias")
    with tf.Session() as sess:
        Saver().restore(sess, path)
        assert sess.run(b).tolist() == expected
        # Saving elsewhere in the directory keeps the copies (the index lists path).
        Saver().save(sess, str(tmp_path / "other.ckpt"), write_state=False)
        assert load_variable(path, "dense/bias").tolist() == expected
        # Saving the path again finishes the swap first, then replaces it.
        sess.run(b.assign([1.0, 2.0, 3.0]))
        Saver().save(sess, path)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.ckpt", "other.ckpt"]
    assert load_variable(path, "dense/bias").tolist() == [1.0, 2.0, 3.0]


def test_leftovers_of_killed_saves_are_removed_and_nothing_else(tmp_path):
    leftovers = [
        ".jgraph-tmp-0123456789abcdef",  # a save killed before its rename
        ".jgraph-tmp-0123456789abcdef.orbax-checkpoint-tmp",  # killed inside orbax
        ".jgraph-tmp-fedcba9876543210.orbax-checkpoint-tmp-1234",
        ".jgraph-old-00000000ffffffff",  # killed while removing a replaced copy
        ".jgraph-del-1111111122222222",  # killed while deleting (max_to_keep)
    ]
    for name in leftovers:
        (tmp_path / name).mkdir()
        (tmp_path / name / "partial").write_bytes(b"x")
    dead_index_temp = tmp_path / "checkpoint.tmp999999999.1"  # no such process
    dead_index_temp.write_text("half")
    users = [
        "model.ckpt-9.orbax-checkpoint-tmp-123",  # not jgraph's name
        ".jgraph-tmp-notahash",
        ".jgraph-cache",
        "notes.txt",
        f"checkpoint.tmp{os.getpid()}.5",  # this process: maybe being written
    ]
    for name in users:
        (tmp_path / name).write_text("mine")
    _simple_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        Saver().save(sess, str(tmp_path / "model.ckpt"), global_step=10)
    assert sorted(os.listdir(tmp_path)) == sorted(
        [*users, "checkpoint", "model.ckpt-10"]
    )


def test_corrupted_index_file(tmp_path, caplog):
    (tmp_path / "checkpoint").write_text("model_checkpoint_path: 'unterminated\n")
    with pytest.raises(errors.DataLossError, match="checkpoint' is corrupted"):
        latest_checkpoint(str(tmp_path))
    _simple_model()
    with tf.Session() as sess, caplog.at_level(logging.WARNING, logger="jgraph"):
        sess.run(tf.global_variables_initializer())
        path = Saver().save(sess, str(tmp_path / "model.ckpt"), global_step=1)
    assert "unreadable index file" in caplog.text
    assert latest_checkpoint(str(tmp_path)) == path


# -- async saving ------------------------------------------------------------------------


def test_async_save_while_training_continues(tmp_path):
    w = tf.Variable(tf.zeros([64, 64]), name="w")
    train = w.assign_add(tf.ones([64, 64]))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        saver = Saver(async_save=True)
        path = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=1)
        for _ in range(5):  # donates and replaces w's buffer while the write runs
            sess.run(train)
        saver.wait_until_finished()
        assert latest_checkpoint(str(tmp_path)) == path
        np.testing.assert_array_equal(load_variable(path, "w"), np.ones([64, 64]))
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(w), np.ones([64, 64]))
        blocking_path = saver.save(sess, str(tmp_path / "model.ckpt"), 2, blocking=True)
        assert latest_checkpoint(str(tmp_path)) == blocking_path


def test_async_save_error_surfaces_on_wait(tmp_path, monkeypatch):
    _simple_model()

    def failing_write(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(saver_lib, "_write", failing_write)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver = Saver()
        saver.save(sess, str(tmp_path / "model.ckpt"), 1, blocking=False)
        with pytest.raises(OSError, match="No space left"):
            saver.wait_until_finished()
        saver.wait_until_finished()  # reported once
    assert latest_checkpoint(str(tmp_path)) is None


# -- continuing training -------------------------------------------------------------------


def _adam_training_graph():
    """A small regression trained with Adam; the inputs get RNG noise each step, so
    resuming bit for bit also needs the session RNG key restored."""
    tf.set_random_seed(7)
    x = tf.placeholder(tf.float32, [4, 3])
    y = tf.placeholder(tf.float32, [4, 1])
    w = tf.Variable(tf.random_normal([3, 1], seed=1), name="dense/kernel")
    b = tf.Variable(tf.zeros([1]), name="dense/bias")
    noisy = x + 0.1 * tf.random_uniform([4, 3])
    loss = tf.reduce_mean(tf.square(tf.matmul(noisy, w) + b - y))
    global_step = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=global_step)
    feed = {
        x: np.arange(12, dtype=np.float32).reshape(4, 3) / 10,
        y: np.array([[1.0], [0.0], [2.0], [-1.0]], np.float32),
    }
    return train, feed


@pytest.mark.slow  # two sessions compile an Adam training step: ~3 s
def test_save_restore_continue_training_with_adam_is_bit_identical(tmp_path):
    train, feed = _adam_training_graph()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train, feed)
        path = Saver().save(sess, str(tmp_path / "model.ckpt"), global_step=3)
        for _ in range(3):
            sess.run(train, feed)
        uninterrupted = sess.run({v.op.name: v for v in tf.global_variables()})
    slots = [n for n in uninterrupted if "Adam" in n]
    assert len(slots) >= 4, uninterrupted.keys()  # m and v of both variables

    tf.reset_default_graph()
    train, feed = _adam_training_graph()
    with tf.Session() as sess:
        Saver().restore(sess, path)  # variables, Adam slots, global step, RNG key
        for _ in range(3):
            sess.run(train, feed)
        resumed = sess.run({v.op.name: v for v in tf.global_variables()})
    assert resumed.keys() == uninterrupted.keys()
    for name, value in uninterrupted.items():
        assert _bits(np.asarray(resumed[name])) == _bits(np.asarray(value)), name
    assert resumed["global_step"] == 6


def test_rng_key_json_round_trip_raw_and_typed():
    raw = jax.random.PRNGKey(3)
    back = saver_lib._key_from_json(saver_lib._key_json(raw), raw, "p")
    assert _bits(np.asarray(back)) == _bits(np.asarray(raw))
    typed = jax.random.key(5)
    back = saver_lib._key_from_json(saver_lib._key_json(typed), jax.random.key(0), "p")
    assert _bits(np.asarray(jax.random.key_data(back))) == _bits(
        np.asarray(jax.random.key_data(typed))
    )
    # A key of another PRNG implementation is not forced onto the session.
    assert saver_lib._key_from_json(saver_lib._key_json(raw), typed[None], "p") is None


# -- restore errors: all or nothing -------------------------------------------------------------


def test_missing_variable_lists_all_and_suggests_renames(tmp_path):
    path = _saved_checkpoint(tmp_path)
    tf.Variable(tf.zeros([2, 3]), name="dense_1/kernel")
    tf.Variable(tf.zeros([3]), name="dense_1/bias")
    tf.Variable(tf.zeros([5]), name="unrelated")
    with tf.Session() as sess:
        with pytest.raises(errors.NotFoundError) as info:
            Saver().restore(sess, path)
    message = str(info.value)
    assert "'dense_1/kernel' (renamed? the checkpoint has 'dense/kernel')" in message
    assert "'dense_1/bias' (renamed? the checkpoint has 'dense/bias')" in message
    assert "'unrelated'\n" in message
    assert "var_list" in message


def test_shape_and_dtype_mismatch_names_variables(tmp_path):
    path = _saved_checkpoint(tmp_path)
    w = tf.Variable(tf.zeros([3, 2]), name="dense/kernel")
    tf.Variable(tf.zeros([3], dtype=tf.float64), name="dense/bias")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(errors.InvalidArgumentError) as info:
            Saver().restore(sess, path)
        np.testing.assert_array_equal(sess.run(w), np.zeros([3, 2]))
    message = str(info.value)
    assert "'dense/kernel' is float32[3,2], the checkpoint has float32[2,3]" in message
    assert "'dense/bias' is float64[3], the checkpoint has float32[3]" in message


@pytest.mark.parametrize("damage", ["flip_data", "truncate_data", "drop_metadata"])
def test_corrupted_checkpoint_is_data_loss_and_session_untouched(tmp_path, damage):
    path = _saved_random_checkpoint(tmp_path)
    if damage == "drop_metadata":
        os.remove(os.path.join(path, "_METADATA"))
    else:
        _damage(path, damage)
    w = tf.Variable(tf.fill([100, 100], 3.0), name="w")
    with tf.Session() as sess:
        sess.run(w.initializer)
        with pytest.raises(errors.DataLossError, match=r"corrupted|incomplete"):
            Saver().restore(sess, path)
        np.testing.assert_array_equal(sess.run(w), np.full([100, 100], 3.0))


def test_flipped_byte_is_caught_by_load_variable_too(tmp_path):
    path = _saved_random_checkpoint(tmp_path)
    _damage(path, "flip_data")
    with pytest.raises(errors.DataLossError, match="does not match the checksums"):
        load_variable(path, "w")


def test_checksum_sees_every_single_bit_flip_in_every_dtype():
    arrays = {name: value.copy() for name, value in DTYPE_VALUES.items()}
    base = saver_lib._fingerprints_json(saver_lib._fingerprints(arrays))
    assert len({tuple(v) for v in base.values()}) == len(base)
    for name, value in DTYPE_VALUES.items():
        raw = value.view(np.uint8)
        for byte in range(raw.size):
            for bit in (0, 3, 7) if name != "bool" else (0,):
                flipped = raw.copy()
                flipped[byte] ^= np.uint8(1 << bit)
                changed = dict(arrays, **{name: flipped.view(value.dtype)})
                after = saver_lib._fingerprints_json(saver_lib._fingerprints(changed))
                assert after[name] != base[name], (name, byte, bit)


def test_paths_that_are_not_checkpoints(tmp_path):
    path = _saved_checkpoint(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "file.txt").write_text("hello")
    _simple_model()
    with tf.Session() as sess:
        saver = Saver()
        with pytest.raises(errors.NotFoundError, match="Failed to find a checkpoint"):
            saver.restore(sess, str(tmp_path / "missing.ckpt"))
        with pytest.raises(errors.NotFoundError, match="not a checkpoint"):
            saver.restore(sess, str(tmp_path / "empty"))
        with pytest.raises(errors.NotFoundError, match="not a checkpoint"):
            saver.restore(sess, str(tmp_path / "file.txt"))
        with pytest.raises(
            errors.NotFoundError, match="directory of checkpoints"
        ) as info:
            saver.restore(sess, str(tmp_path))
        assert repr(path) in str(info.value)
        with pytest.raises(ValueError, match="save_path when it is None"):
            saver.restore(sess, None)
        assert sess.initialized_variables() == frozenset()


def test_restore_never_unpickles(tmp_path, monkeypatch):
    path = _saved_checkpoint(tmp_path)
    # A malicious pickle where orbax's legacy format would look for one.
    os.makedirs(tmp_path / "evil")
    (tmp_path / "evil" / "checkpoint").write_bytes(pickle.dumps({"x": 1}))

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used during restore")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    monkeypatch.setattr(np, "load", refuse)
    _w, b = _simple_model()
    with tf.Session() as sess:
        Saver().restore(sess, path)
        assert sess.run(b).tolist() == [7.0, 7.0, 7.0]
        with pytest.raises(errors.NotFoundError, match="not a checkpoint"):
            Saver().restore(sess, str(tmp_path / "evil"))
    assert load_variable(path, "dense/bias:0").tolist() == [7.0, 7.0, 7.0]


# -- save errors ---------------------------------------------------------------------------------


def test_save_uninitialized_variable_fails(tmp_path):
    _simple_model()
    with tf.Session() as sess:
        with pytest.raises(errors.FailedPreconditionError, match="dense/kernel"):
            Saver().save(sess, str(tmp_path / "model.ckpt"))
    assert os.listdir(tmp_path) == []


def test_save_into_missing_directory_fails(tmp_path):
    _simple_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(ValueError, match=r"Parent directory of .* doesn't exist"):
            Saver().save(sess, str(tmp_path / "nope" / "model.ckpt"))


def test_saver_arguments():
    with pytest.raises(ValueError, match="No variables to save"):
        Saver()
    empty = Saver(allow_empty=True)
    with tf.Session() as sess:
        assert empty.save(sess, "/nonexistent/model.ckpt") is None
    with pytest.raises(NotImplementedError, match="reshape"):
        Saver(reshape=True, allow_empty=True)
    w, _ = _simple_model()
    with pytest.raises(TypeError, match="must be Variables"):
        Saver([w, "dense/bias"])
    with pytest.raises(ValueError, match="same name: dense/kernel"):
        Saver([w, w])
    deferred = Saver(defer_build=True)
    late = tf.Variable(1.0, name="late")
    assert late in deferred._variable_map().values()


# -- inspecting --------------------------------------------------------------------------------


def test_list_and_load_from_a_directory(tmp_path):
    path = _saved_checkpoint(tmp_path)
    assert list_variables(str(tmp_path)) == [
        ("dense/bias", [3]),
        ("dense/kernel", [2, 3]),
    ]
    np.testing.assert_array_equal(load_variable(str(tmp_path), "dense/bias"), [7.0] * 3)
    reader = load_checkpoint(path)
    assert reader.has_tensor("dense/kernel") and not reader.has_tensor("nope")
    assert reader.get_variable_to_dtype_map()["dense/kernel"] == tf.float32
    with pytest.raises(errors.NotFoundError, match="dense/kernel"):
        reader.get_tensor("dense/kernl")
    shutil.rmtree(path)
    with pytest.raises(errors.NotFoundError):
        list_variables(str(tmp_path / "missing"))


def test_restored_values_land_on_the_current_device(tmp_path):
    path = _saved_checkpoint(tmp_path)
    w, _b = _simple_model(0.0)
    with tf.Session() as sess:
        sess.run(w.initializer)  # b stays uninitialised: it goes to the default device
        placement = sess.get_state(copy=False).variables["dense/kernel"].sharding
        Saver().restore(sess, path)
        state = sess.get_state(copy=False).variables
        assert state["dense/kernel"].sharding == placement
        assert state["dense/bias"].devices() == {jax.devices()[0]}


def test_meta_graphs_are_refused_with_a_way_forward(tmp_path):
    meta = str(tmp_path / "model.ckpt.meta")
    with pytest.raises(
        NotImplementedError, match=r"model\.ckpt\.meta.*Saver\(\)\.restore"
    ):
        tf.train.import_meta_graph(meta)
    with pytest.raises(tf.errors.UnimplementedError, match=r"no \.meta graph"):
        tf.train.export_meta_graph(meta)


def test_relative_paths_save_restore_and_list(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir("ckpt")
    v = tf.Variable([1.0, 2.0], name="v")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(v.initializer)
        path = saver.save(sess, "ckpt/model.ckpt", global_step=3)
        assert path == "ckpt/model.ckpt-3"  # returned as given, as TF1
        sess.run(v.assign([5.0, 6.0]))
        saver.restore(sess, tf.train.latest_checkpoint("ckpt"))
        np.testing.assert_array_equal(sess.run(v), [1.0, 2.0])
    assert tf.train.list_variables("ckpt") == [("v", [2])]
