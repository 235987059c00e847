"""Between-graph replication as TF1 programs wrote it (``jgraph.distribute.replicas``):
``replica_device_setter`` with ps tasks, ``SyncReplicasOptimizer``,
``MonitoredTrainingSession(master, is_chief)``, ``WorkerSessionCreator``.

The cluster tests start a ps and two workers on 127.0.0.1 as subprocesses
(``tests/_dist_worker.py replicas``, the canonical TF1 program), each bounded in time
and killed in ``finally`` (``test_distribute.Tasks``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

import jgraph as tf
from jgraph.distribute.replicas import REPLICATED_JOBS

sys.path.insert(0, str(Path(__file__).parent))
import _dist_worker
from test_distribute import Tasks
from test_monitored_session import read_events

# Clusters run one at a time (see test_distribute.py).
pytestmark = pytest.mark.xdist_group("clusters")

# -- in one process ------------------------------------------------------------------------


def test_replica_device_setter_places_variables_on_ps_round_robin_ops_on_the_worker():
    cluster = tf.train.ClusterSpec({"ps": ["p0:1", "p1:1"], "worker": ["w0:1", "w1:1"]})
    setter = tf.train.replica_device_setter(
        worker_device="/job:worker/task:1", cluster=cluster
    )
    with tf.device(setter):
        a = tf.Variable(1.0, name="a")
        b = tf.Variable(2.0, name="b")
        c = tf.Variable(3.0, name="c")
        total = a + b * c
        with tf.device("/job:worker/task:0/cpu:0"):  # an op's own device wins
            pinned = total * 2.0
    # As TF1 (checked with the oracle): variables on the ps tasks in turn, the rest
    # on the worker device.
    assert [v.op.device for v in (a, b, c)] == [
        "/job:ps/task:0",
        "/job:ps/task:1",
        "/job:ps/task:0",
    ]
    assert total.op.device == "/job:worker/task:1"
    assert pinned.op.device == "/job:worker/task:0/device:CPU:0"
    assert tf.get_default_graph().get_collection(REPLICATED_JOBS) == ["ps"]


def test_replica_device_setter_without_ps_tasks_is_none():
    assert tf.train.replica_device_setter(ps_tasks=0) is None
    assert tf.train.replica_device_setter(cluster={"worker": ["w:1"]}) is None
    assert tf.get_default_graph().get_collection(REPLICATED_JOBS) == []


def test_replica_device_setter_with_ps_tasks_and_no_cluster_in_one_process_runs():
    # No Server: the graph runs in this process as TF1's would with soft placement.
    with tf.device(tf.train.replica_device_setter(ps_tasks=2)):
        v = tf.Variable(np.arange(3, dtype=np.float32))
        doubled = v * 2.0
    assert v.op.device == "/job:ps/task:0"
    config = tf.ConfigProto(allow_soft_placement=True)
    with pytest.warns(UserWarning), tf.Session(config=config) as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(doubled), [0, 2, 4])


def test_sync_replicas_optimizer_refuses_backup_workers_and_missing_global_step():
    sgd = tf.train.GradientDescentOptimizer(0.1)
    with pytest.raises(
        tf.errors.UnimplementedError,
        match=r"replicas_to_aggregate=1, total_num_replicas=2\): TF1 would apply"
        r" the first 1 gradients",
    ):
        tf.train.SyncReplicasOptimizer(sgd, 1, total_num_replicas=2)
    with pytest.raises(tf.errors.UnimplementedError, match="variable_averages"):
        tf.train.SyncReplicasOptimizer(sgd, 2, variable_averages=object())
    w = tf.Variable(1.0)
    opt = tf.train.SyncReplicasOptimizer(sgd, 2)
    with pytest.raises(ValueError, match="Global step is required"):
        opt.minimize(w * w)
    with pytest.raises(ValueError, match="apply_gradient should be called"):
        opt.make_session_run_hook(True).begin()


def test_sync_replicas_hook_names_the_replica_count_it_cannot_have():
    w = tf.Variable(1.0)
    opt = tf.train.SyncReplicasOptimizer(tf.train.GradientDescentOptimizer(0.1), 2)
    train = opt.minimize(w * w, global_step=tf.train.get_or_create_global_step())
    hook = opt.make_session_run_hook(is_chief=True)
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r"total_num_replicas=2\), but this session is not a worker of a cluster"
        r" with ps tasks",
    ):
        with tf.train.MonitoredTrainingSession(hooks=[hook]) as sess:
            sess.run(train)


def test_sync_replicas_optimizer_with_one_replica_trains_as_its_optimizer():
    x = np.array([[1.0, 2.0], [3.0, -1.0]], np.float32)
    results = []
    for sync in (False, True):
        with tf.Graph().as_default():
            w = tf.Variable(np.ones((2, 1), np.float32))
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w)))
            step = tf.train.get_or_create_global_step()
            opt = tf.train.GradientDescentOptimizer(0.1)
            hooks = []
            if sync:
                opt = tf.train.SyncReplicasOptimizer(opt, 1, total_num_replicas=1)
                hooks = [opt.make_session_run_hook(is_chief=True)]
            train = opt.minimize(loss, global_step=step)
            with tf.train.MonitoredTrainingSession(hooks=hooks) as sess:
                for _ in range(3):
                    sess.run(train)
                results.append(sess.run([w, step]))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    assert results[0][1] == results[1][1] == 3


def test_worker_session_creator_in_one_process_initialises_its_own_session():
    v = tf.Variable(7.0)
    with tf.train.MonitoredSession(
        session_creator=tf.train.WorkerSessionCreator(max_wait_secs=1)
    ) as sess:
        assert sess.run(v) == 7.0


# -- a ps and two workers on 127.0.0.1 --------------------------------------------------------


@pytest.fixture
def replicas(tmp_path):
    started: list[Tasks] = []

    def start(*args: str) -> Tasks:
        tasks = Tasks(tmp_path, "replicas", 3, "--timeout-ms", "240000", *args)
        started.append(tasks)
        return tasks

    yield start
    for tasks in started:
        tasks.kill()


def _outputs(tasks: Tasks) -> str:
    return "\n".join(f"--- task {i}\n{tasks.output(i)[-2500:]}" for i in range(3))


def _reference(steps: int, more: int) -> tuple:
    """One process training on the combined batches with the wrapped optimizer:
    the weights after ``steps`` and after ``steps + more`` steps, and each worker's
    own loss (its half of the batch) at every step."""
    data = _dist_worker.batches(steps + more)
    x, y, w, b, loss = _dist_worker.model_loss()
    global_step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss, global_step)
    own_losses: list[list[float]] = [[], []]
    halves = (slice(0, 4), slice(4, 8))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i, (xs, ys) in enumerate(data):
            for worker, rows in enumerate(halves):
                own_losses[worker].append(sess.run(loss, {x: xs[rows], y: ys[rows]}))
            sess.run(train, {x: xs, y: ys})
            if i == steps - 1:
                at_steps = sess.run([w, b])
        return at_steps, sess.run([w, b]), own_losses


def test_ps_and_two_workers_train_like_one_process_on_the_combined_batch(
    replicas, tmp_path
):
    steps = 3
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    tasks = replicas("--steps", str(steps), "--out", str(ckpt))
    (want_w, want_b), (later_w, later_b), own_losses = _reference(steps, 2)
    try:
        assert tasks.wait(420) == [0, 0, 0], _outputs(tasks)
    finally:
        tasks.kill()
    assert "PS JOINED" in tasks.output(0)
    for worker in range(2):
        (got,) = tasks.results(1 + worker)
        # Placement as TF1 records it: variables on ps, ops on the worker.
        assert got["devices"] == [
            "/job:ps/task:0",
            "/job:ps/task:0",
            f"/job:worker/task:{worker}",
        ]
        np.testing.assert_allclose(got["w"], want_w, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got["b"], want_b, rtol=1e-5, atol=1e-6)
        # Each worker's fetched loss is its own batch's (TF1), and global_step grew
        # by one per synchronous step.
        np.testing.assert_allclose(got["losses"], own_losses[worker][:steps], rtol=1e-5)
        assert got["steps"] == [1, 2, 3]
    # The chief alone wrote the checkpoints and the summaries (one event file, the
    # chief's own loss once per step).
    names = sorted(p.name for p in ckpt.iterdir())
    assert len([n for n in names if n.startswith("events.out.tfevents")]) == 1
    assert "model.ckpt-3" in names
    scalars = read_events(ckpt).Scalars("loss")
    np.testing.assert_allclose(
        [e.value for e in scalars], own_losses[0][:steps], rtol=1e-5
    )
    latest = tf.train.latest_checkpoint(str(ckpt))
    assert latest is not None and latest.endswith("model.ckpt-3")
    # It restores in one process.
    with tf.Graph().as_default():
        _, _, w2, b2, _ = _dist_worker.model_loss()
        step2 = tf.train.get_or_create_global_step()
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, latest)
            got_w, got_b, got_step = sess.run([w2, b2, step2])
    np.testing.assert_allclose(got_w, want_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_b, want_b, rtol=1e-5, atol=1e-6)
    assert got_step == steps
    # Started again on the same directory, the chief restores the checkpoint (alone),
    # the workers take its state and train on to step 5.
    again = replicas("--steps", str(steps + 2), "--out", str(ckpt))
    try:
        assert again.wait(420) == [0, 0, 0], _outputs(again)
    finally:
        again.kill()
    for worker in range(2):
        (got,) = again.results(1 + worker)
        assert got["steps"] == [4, 5]
        np.testing.assert_allclose(got["w"], later_w, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got["b"], later_b, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got["losses"], own_losses[worker][steps:], rtol=1e-5)


def test_supervisor_on_a_ps_and_two_workers_trains_like_one_process(replicas, tmp_path):
    steps = 3
    logdir = tmp_path / "logdir"
    logdir.mkdir()
    tasks = replicas("--steps", str(steps), "--out", str(logdir), "--supervisor")
    (want_w, want_b), _, own_losses = _reference(steps, 0)
    try:
        assert tasks.wait(420) == [0, 0, 0], _outputs(tasks)
    finally:
        tasks.kill()
    for worker in range(2):
        (got,) = tasks.results(1 + worker)
        np.testing.assert_allclose(got["w"], want_w, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got["b"], want_b, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got["losses"], own_losses[worker], rtol=1e-5)
        assert got["steps"] == [1, 2, 3]
    # The chief's checkpoint service saved once at the start (as TF1's).
    assert tf.train.latest_checkpoint(str(logdir)).endswith("model.ckpt-0")


def test_supervisor_in_one_process_initialises_saves_restores_and_stops(tmp_path):
    w = tf.Variable(np.ones(2, np.float32), name="w")
    step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.25).minimize(
        tf.reduce_sum(w * w), global_step=step
    )
    tf.summary.scalar("w_sum", tf.reduce_sum(w))
    sv = tf.train.Supervisor(logdir=str(tmp_path), global_step=step)
    with sv.managed_session() as sess:
        deadline = time.monotonic() + 60
        while tf.train.latest_checkpoint(str(tmp_path)) is None:  # saved at start
            assert time.monotonic() < deadline
            time.sleep(0.05)
        for _ in range(2):
            sess.run(train)
        assert not sv.should_stop()
        got = sess.run(w)
    np.testing.assert_allclose(got, [0.25, 0.25])  # w <- w - 0.25 * 2w, twice
    assert sv.should_stop()
    # The services ran at the start: a checkpoint at step 0 and one summary.
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-0")
    assert [e.step for e in read_events(tmp_path).Scalars("w_sum")] == [0]
    # A new Supervisor on the same logdir restores that checkpoint.
    sv2 = tf.train.Supervisor(logdir=str(tmp_path), global_step=step)
    sess = sv2.prepare_or_wait_for_session(start_standard_services=False)
    np.testing.assert_allclose(sess.run(w), [1.0, 1.0])
    sess.close()
    sv2.stop()  # closes its summary writer (its event file), as in TF1
    # An error in the block stops the services and is raised.
    sv3 = tf.train.Supervisor(logdir=None, global_step=step)
    with pytest.raises(ValueError, match="boom"):
        with sv3.managed_session():
            raise ValueError("boom")
    assert sv3.should_stop()


def test_uneven_worker_batches_raise_on_both_workers_naming_both(replicas):
    tasks = replicas("--steps", "2", "--rows-less", "2")
    try:
        assert tasks.wait(420) == [0, 3, 3], _outputs(tasks)
    finally:
        tasks.kill()
    for worker in (1, 2):
        output = tasks.output(worker)
        assert (
            "ERROR InvalidArgumentError: The workers ran different training steps"
            " together; nothing was updated:" in output
        ), _outputs(tasks)
        assert "/job:worker/task:0: " in output and "with 4 rows" in output
        assert "/job:worker/task:1: " in output and "with 2 rows" in output
        assert "Every worker must feed the same number of rows" in output
