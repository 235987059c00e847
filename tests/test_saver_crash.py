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
        while not glob.glob(prefix + "-3.orbax-checkpoint-tmp*"):
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
    return bool(glob.glob(prefix + "-3.orbax-checkpoint-tmp*"))


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
