"""A process SIGKILLed in the middle of a save loses nothing that was saved before."""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import jgraph as tf
from jgraph.checkpoint import saver as saver_lib
from jgraph.checkpoint.saver import Saver, get_checkpoint_state, latest_checkpoint

SIZE = (
    4 * 1024 * 1024
)  # float32 values: 16 MiB, incompressible, so a save takes a while

CHILD = textwrap.dedent(
    """
    import os, sys
    os.environ["JAX_PLATFORMS"] = "cpu"
    import numpy as np
    import jgraph as tf
    from jgraph.checkpoint.saver import Saver

    directory, size = sys.argv[1], int(sys.argv[2])
    base = np.random.default_rng(0).standard_normal(size).astype(np.float32)
    w = tf.Variable(tf.zeros([size]), name="w")
    step_var = tf.Variable(0, name="step")
    base_in = tf.placeholder(tf.float32, [size])
    step_in = tf.placeholder(tf.int32, [])
    update = tf.group(w.assign(base_in + tf.cast(step_in, tf.float32)), step_var.assign(step_in))
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    saver = Saver(max_to_keep=3)
    step = 0
    while True:
        step += 1
        sess.run(update, {base_in: base, step_in: step})
        print("start", step, flush=True)
        saver.save(sess, os.path.join(directory, "model.ckpt"), global_step=step)
        print("done", step, flush=True)
    """
)


def _expected_w(step: int) -> np.ndarray:
    base = np.random.default_rng(0).standard_normal(SIZE).astype(np.float32)
    return base + np.float32(step)


def _kill_during_third_save(directory, log) -> bool:
    """Runs the saving child and SIGKILLs it as soon as the third save starts
    writing; True when the kill landed mid-write (a loaded machine can deschedule
    this process long enough for the save to finish first)."""
    prefix = str(directory / "model.ckpt")
    orbax_tmp = saver_lib._sibling(prefix + "-3", "tmp") + ".orbax-checkpoint-tmp*"
    with open(log, "w") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(directory), str(SIZE)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        lines = []
        while lines[-1:] != ["start 3"]:
            line = child.stdout.readline()
            assert line, f"the child exited after {lines}:\n{log.read_text()[-2000:]}"
            lines.append(line.strip())
        # Kill as soon as orbax's temporary directory of step 3 appears: mid-write.
        deadline = time.monotonic() + 30
        while not glob.glob(orbax_tmp):
            assert time.monotonic() < deadline, "the third save never started"
            time.sleep(0.0005)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
    assert lines == ["start 1", "done 1", "start 2", "done 2", "start 3"]
    return bool(glob.glob(orbax_tmp))


@pytest.mark.slow
def test_sigkill_mid_save_keeps_earlier_checkpoints(tmp_path):
    for attempt in range(3):
        directory = tmp_path / f"train{attempt}"
        directory.mkdir()
        if _kill_during_third_save(directory, tmp_path / f"child{attempt}.log"):
            break
    else:
        pytest.fail("three kills in a row landed after the third save finished")
    prefix = str(directory / "model.ckpt")
    assert not os.path.exists(prefix + "-3")

    # Every earlier checkpoint is intact and the index points at a complete one.
    assert latest_checkpoint(str(directory)) == prefix + "-2"
    w = tf.Variable(tf.zeros([SIZE]), name="w")
    step_var = tf.Variable(0, name="step")
    with tf.Session() as sess:
        saver = Saver(max_to_keep=2)
        for step in (1, 2):
            saver.restore(sess, f"{prefix}-{step}")
            assert sess.run(step_var) == step
            np.testing.assert_array_equal(sess.run(w), _expected_w(step))
        # A new process's Saver continues: max_to_keep counts the old checkpoints,
        # and the dead save's temporary directory is cleaned up.
        saver.save(sess, prefix, global_step=4)
    assert get_checkpoint_state(str(directory)).all_model_checkpoint_paths == [
        prefix + "-2",
        prefix + "-4",
    ]
    assert sorted(os.listdir(directory)) == [
        "checkpoint",
        "model.ckpt-2",
        "model.ckpt-4",
    ]


ROTATING_CHILD = textwrap.dedent(
    """
    import os, shutil, sys, threading
    os.environ["JAX_PLATFORMS"] = "cpu"
    import jgraph as tf
    from jgraph.checkpoint.saver import Saver

    directory = sys.argv[1]
    step = tf.Variable(0, name="step")
    sess = tf.Session()
    sess.run(step.initializer)
    saver = Saver(max_to_keep=2)
    prefix = os.path.join(directory, "model.ckpt")
    for value in (1, 2):
        sess.run(step.assign(value))
        saver.save(sess, prefix, global_step=value)

    real_rmtree = shutil.rmtree

    def stalling_rmtree(path, *args, **kwargs):
        # Deleting a checkpoint: remove all but its metadata file, then stall
        # until the parent kills this process (the worst moment to die).
        if os.path.isfile(os.path.join(path, "_METADATA")):
            for entry in os.listdir(path):
                if entry != "_METADATA":
                    full = os.path.join(path, entry)
                    if os.path.isdir(full):
                        real_rmtree(full)
                    else:
                        os.remove(full)
            print("deleting", os.path.basename(path), flush=True)
            threading.Event().wait()
        return real_rmtree(path, *args, **kwargs)

    shutil.rmtree = stalling_rmtree
    sess.run(step.assign(3))
    saver.save(sess, prefix, global_step=3)  # rotates model.ckpt-1 out
    print("finished", flush=True)
    """
)


def test_kill_9_during_max_to_keep_deletion_leaves_no_half_checkpoint(tmp_path):
    prefix = str(tmp_path / "model.ckpt")
    child = subprocess.Popen(
        [sys.executable, "-c", ROTATING_CHILD, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()  # blocks until the deletion stalls
        assert line.startswith("deleting"), line + child.stderr.read()[-3000:]
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    # Half of model.ckpt-1's files are gone (its metadata file is not); whatever
    # name they lie under, that is not a checkpoint any more.
    assert not tf.train.checkpoint_exists(prefix + "-1")
    state = get_checkpoint_state(str(tmp_path))
    assert state.all_model_checkpoint_paths == [prefix + "-2", prefix + "-3"]
    assert latest_checkpoint(str(tmp_path)) == prefix + "-3"
    saver = Saver(max_to_keep=2, var_list=[tf.Variable(0, name="step")])
    saver.recover_last_checkpoints([prefix + f"-{s}" for s in (1, 2, 3)])
    assert saver.last_checkpoints == [prefix + "-2", prefix + "-3"]
    with tf.Session() as sess:
        saver.restore(sess, prefix + "-3")
        assert sess.run("step:0") == 3
        # The next save in the directory removes the half-deleted remains.
        saver.save(sess, prefix, global_step=4)
    assert sorted(os.listdir(tmp_path)) == [
        "checkpoint",
        "model.ckpt-3",
        "model.ckpt-4",
    ]
