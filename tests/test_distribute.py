"""ClusterSpec/Server on jax.distributed, data-parallel training, failures.

The multi-task tests start the tasks of a 127.0.0.1 cluster as subprocesses
(``tests/_dist_worker.py``), each bounded in time and killed in ``finally``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import jax
import numpy as np
import pytest

import jgraph as tf
from jgraph import distribute
from jgraph.runtime import cluster as _cluster, tasks as _tasks
from jgraph.train.server import ClusterSpec, Server

WORKER = Path(__file__).with_name("_dist_worker.py")
sys.path.insert(0, str(WORKER.parent))
import _dist_worker  # noqa: E402

# Clusters run one at a time (one xdist worker, --dist loadgroup): two at once on
# two cores starve each other's start-up and heartbeats.
pytestmark = pytest.mark.xdist_group("clusters")

# -- ClusterSpec, Server, targets: in process --------------------------------------------


def test_cluster_spec_describes_jobs_and_tasks():
    cluster = ClusterSpec(
        {"worker": ["w0:2222", "w1:2222"], "ps": {0: "p0:2222", 2: "p2:2222"}}
    )
    assert cluster.jobs == ["worker", "ps"]
    assert cluster.num_tasks("worker") == 2
    assert cluster.task_indices("ps") == [0, 2]
    assert cluster.task_address("ps", 2) == "p2:2222"
    assert cluster.job_tasks("ps") == ["p0:2222", None, "p2:2222"]
    assert cluster.as_dict() == {
        "worker": ["w0:2222", "w1:2222"],
        "ps": {0: "p0:2222", 2: "p2:2222"},
    }
    assert ClusterSpec(cluster) == cluster
    # Processes: jobs in name order, tasks in index order; task 0 coordinates.
    assert cluster.process_order() == [
        ("ps", 0),
        ("ps", 2),
        ("worker", 0),
        ("worker", 1),
    ]


@pytest.mark.parametrize(
    ("spec", "error", "match"),
    [
        ({"worker": ["nohostport"]}, ValueError, "expected 'host:port'"),
        ({"worker": "w0:1"}, TypeError, "must be a list or a dict"),
        (["w0:1"], TypeError, "expects a dict"),
    ],
)
def test_cluster_spec_rejects_bad_input(spec, error, match):
    with pytest.raises(error, match=match):
        ClusterSpec(spec)


def test_cluster_spec_lookup_errors():
    cluster = ClusterSpec({"worker": ["w0:1"]})
    with pytest.raises(ValueError, match="No such job in cluster: 'ps'"):
        cluster.num_tasks("ps")
    with pytest.raises(ValueError, match="No task with index 3 in job 'worker'"):
        cluster.task_address("worker", 3)


def test_server_arguments_are_checked():
    two_jobs = {"ps": ["p:1"], "worker": ["w:1", "w:2"]}
    with pytest.raises(ValueError, match="job_name must be given"):
        Server(two_jobs, start=False)
    with pytest.raises(ValueError, match="task_index must be given"):
        Server(two_jobs, job_name="worker", start=False)
    with pytest.raises(ValueError, match="No task with index 5"):
        Server(two_jobs, job_name="worker", task_index=5, start=False)
    with pytest.raises(ValueError, match="protocol 'grpc\\+verbs' is not supported"):
        Server(two_jobs, job_name="ps", protocol="grpc+verbs", start=False)
    server = Server(two_jobs, job_name="worker", task_index=1, start=False)
    assert server.target == "grpc://w:2"
    assert server.process_index == 2


def test_server_must_come_before_jax_runs():
    jax.devices()  # JAX has started: a multi-task server cannot start any more.
    server = Server(
        {"worker": ["127.0.0.1:1", "127.0.0.1:2"]},
        job_name="worker",
        task_index=0,
        start=False,
    )
    with pytest.raises(RuntimeError, match="must be created before anything runs JAX"):
        server.start()


@pytest.fixture
def local_server():
    server = Server.create_local_server()
    yield server
    _tasks.set_cluster(None)
    member = _cluster.current_member()
    assert member is not None
    member.leave()
    _cluster.set_member(None)


def test_session_on_a_local_server_target(local_server):
    local_server.start()  # idempotent
    a = tf.Variable(5)
    with tf.device("/job:localhost/task:0/cpu:0"):
        b = tf.multiply(a, 10)
    with tf.Session(local_server.target) as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(b) == 50
    with pytest.raises(RuntimeError, match="already started in this process"):
        Server.create_local_server()


def test_session_target_where_no_task_listens_is_unavailable_after_the_wait():
    (port,) = free_ports(1)
    config = tf.ConfigProto(operation_timeout_in_ms=1200)
    start = time.monotonic()
    with pytest.raises(
        tf.errors.UnavailableError,
        match=rf"No jgraph task answered at 127.0.0.1:{port} within 1.2 s: start its"
        r" tf.train.Server first.*operation_timeout_in_ms",
    ):
        tf.Session(f"grpc://127.0.0.1:{port}", config=config)
    assert time.monotonic() - start < 10


def test_session_target_held_by_another_program_is_unavailable():
    with socket.socket() as other:  # a listener that is no jgraph task
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        config = tf.ConfigProto(operation_timeout_in_ms=1000)
        with pytest.raises(tf.errors.UnavailableError, match="No jgraph task answered"):
            tf.Session(f"grpc://127.0.0.1:{port}", config=config)


class FakeCoordination:
    """The two calls of the coordination service ``tasks.wait_for_task`` makes:
    a key posted after ``posted_after`` polls (never if ``None``), tasks that left
    after ``left_after`` polls, and a failing service."""

    def __init__(self, posted_after=None, left_after=None, failure=None):
        self.posted_after, self.left_after, self.failure = (
            posted_after,
            left_after,
            failure,
        )
        self.polls = 0

    def blocking_key_value_get(self, key, timeout_ms):
        assert 0 <= timeout_ms <= 500
        self.polls += 1
        if self.failure is not None:
            raise RuntimeError(self.failure)
        if self.posted_after is not None and self.polls > self.posted_after:
            return f"value of {key}"
        time.sleep(min(timeout_ms, 50) / 1000)  # as a wait would, shorter
        raise RuntimeError("DEADLINE_EXCEEDED: Barrier timed out")

    def key_value_dir_get(self, prefix):
        assert prefix == _tasks.DONE_PREFIX
        if self.left_after is not None and self.polls > self.left_after:
            return [(f"{prefix}1", "done")]
        return [(f"{prefix}0", "done")]  # another task that left: not the one awaited


def test_waiting_for_a_task_returns_its_value_or_says_why_not():
    notes = []
    client = FakeCoordination(posted_after=2)
    got = _tasks.wait_for_task(client, "k", 1, 5.0, "left", notes.append, 0.0)
    assert got == "value of k" and client.polls == 3 and len(notes) == 2
    # Its leaving is seen at the first poll after it, not at the timeout.
    client = FakeCoordination(left_after=1)
    with pytest.raises(tf.errors.UnavailableError, match="task 1 left"):
        _tasks.wait_for_task(client, "k", 1, 60.0, "task 1 left")
    assert client.polls == 2
    start = time.monotonic()
    assert _tasks.wait_for_task(FakeCoordination(), "k", 1, 0.2, "left") is None
    assert time.monotonic() - start < 5.0
    with pytest.raises(tf.errors.UnavailableError, match="connection reset"):
        _tasks.wait_for_task(
            FakeCoordination(failure="connection reset"), "k", 1, 5.0, "left"
        )


def test_data_parallel_on_one_device_matches_plain_training():
    weights = {}
    for name in ("plain", "dp"):
        graph = tf.Graph()
        with graph.as_default():
            x, y, w, b, _, train = _dist_worker.build_model()
            placement = distribute.DataParallel() if name == "dp" else None
            with tf.Session(graph=graph, placement=placement) as sess:
                sess.run(tf.global_variables_initializer())
                for xs, ys in _dist_worker.batches(2):
                    sess.run(train, {x: xs, y: ys})
                weights[name] = sess.run([w, b])
    for plain, dp in zip(weights["plain"], weights["dp"], strict=True):
        np.testing.assert_allclose(dp, plain, atol=1e-6)


def test_data_parallel_splits_only_batch_feeds():
    placement = distribute.DataParallel()
    x = tf.placeholder(tf.float32, [None, 3])
    rate = tf.placeholder(tf.float32, [])
    fixed = tf.placeholder(tf.float32, [2, 3])
    assert placement.is_batch(x)
    assert not placement.is_batch(rate)
    assert not placement.is_batch(fixed)
    assert distribute.DataParallel(batch_feeds=[fixed]).is_batch(fixed)


# -- several tasks: subprocesses -----------------------------------------------------------


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Tasks:
    """The tasks of one localhost cluster, each writing to its own log file."""

    def __init__(self, tmp_path: Path, scenario: str, count: int, *args: str) -> None:
        ports = ",".join(map(str, free_ports(count)))
        env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONUNBUFFERED="1")
        env.pop("XLA_FLAGS", None)
        self.logs = [tmp_path / f"task{i}.log" for i in range(count)]
        self.procs = []
        for i, log in enumerate(self.logs):
            with open(log, "w") as out:
                self.procs.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            str(WORKER),
                            scenario,
                            "--task",
                            str(i),
                            "--ports",
                            ports,
                            *args,
                        ],
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        env=env,
                    )
                )

    def wait(self, timeout: float) -> list[int]:
        deadline = time.monotonic() + timeout
        return [p.wait(max(0.1, deadline - time.monotonic())) for p in self.procs]

    def output(self, i: int) -> str:
        return self.logs[i].read_text()

    def results(self, i: int) -> list[dict]:
        return [
            json.loads(line[len("RESULT ") :])
            for line in self.output(i).splitlines()
            if line.startswith("RESULT ")
        ]

    def kill(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()


@pytest.fixture
def cluster(tmp_path):
    started: list[Tasks] = []

    def start(scenario: str, count: int = 2, *args: str) -> Tasks:
        tasks = Tasks(tmp_path, scenario, count, *args)
        started.append(tasks)
        return tasks

    yield start
    for tasks in started:
        tasks.kill()


def test_explicitly_placed_training_across_tasks(cluster):
    tasks = cluster("placed", 2)
    assert tasks.wait(90) == [0, 0], tasks.output(0)[-2000:] + tasks.output(1)[-2000:]
    w = np.ones((3, 2), np.float32)
    xs = np.arange(6, dtype=np.float32).reshape(2, 3)
    losses = []
    for _ in range(3):
        h = xs @ w
        losses.append((h * h).sum())
        w = w - 0.01 * 2 * xs.T @ h
    (got,) = tasks.results(0)
    np.testing.assert_allclose(got["losses"], losses, rtol=1e-5)
    np.testing.assert_allclose(got["w"], w, rtol=1e-5, atol=1e-6)
    # w lives on task 1 (task 0's session holds a handle); its update ran there,
    # the matmul and the gradient on task 0.
    assert got["w_held_by"] == "/job:worker/task:1"
    assert "GradientDescent" in got["ran_on_task1"]
    assert "MatMul" not in got["ran_on_task1"]


def test_two_tasks_train_data_parallel_like_one_on_the_whole_batch(cluster, tmp_path):
    steps = 3
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    tasks = cluster("train", 2, "--steps", str(steps), "--out", str(ckpt))
    # The reference: this process, one device, the combined batches.
    x, y, w, b, loss, train = _dist_worker.build_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses = [
            sess.run([train, loss], {x: xs, y: ys})[1]
            for xs, ys in _dist_worker.batches(steps)
        ]
        want_w, want_b = sess.run([w, b])
    assert tasks.wait(120) == [0, 0], tasks.output(0)[-2000:] + tasks.output(1)[-2000:]
    for i in range(2):
        (got,) = tasks.results(i)
        np.testing.assert_allclose(got["w"], want_w, atol=1e-6)
        np.testing.assert_allclose(got["b"], want_b, atol=1e-6)
        np.testing.assert_allclose(got["losses"], losses, atol=1e-6)
        assert got["w_devices"] == 2  # replicated on both tasks' devices
        # Saver on the distributed state: saved once, restored on both tasks.
        np.testing.assert_allclose(got["restored_w"], got["w"])
        assert got["latest"] == "model.ckpt-1"
    assert (ckpt / "checkpoint").exists()


def test_killed_task_gives_the_other_a_clear_error_quickly(cluster):
    tasks = cluster("kill", 2, "--heartbeat-ms", "3000")
    deadline = time.monotonic() + 90
    while "STEP" not in tasks.output(1):
        assert time.monotonic() < deadline, tasks.output(1)[-2000:]
        assert tasks.procs[0].poll() is None, tasks.output(0)[-2000:]
        time.sleep(0.1)
    tasks.procs[1].kill()
    killed = time.monotonic()
    code = tasks.procs[0].wait(20)
    assert time.monotonic() - killed < 20
    assert code != 0
    output = tasks.output(0)
    # Mid-step: jgraph's UnavailableError; idle: JAX's coordination service ends it.
    assert (
        "ERROR UnavailableError: A step shared with another task failed" in output
        or "another task died" in output
    ), output[-3000:]


def test_a_task_finishing_early_is_an_error_naming_it_at_once(cluster):
    tasks = cluster("early", 2, "--timeout-ms", "60000")
    assert tasks.wait(90) == [3, 0], tasks.output(0)[-2000:] + tasks.output(1)[-2000:]
    output = tasks.output(0)
    assert (
        "ERROR UnavailableError: Task /job:worker/task:1 finished its program while"
        " this task (/job:worker/task:0) still runs Session.run calls that need it"
        in output
    ), output[-2000:]
    (after,) = [
        float(x.split()[1]) for x in output.splitlines() if x.startswith("AFTER")
    ]
    assert after < 10  # not the 60 s timeout


def test_tasks_running_different_steps_together_raise_on_both(cluster):
    tasks = cluster("mismatch", 2)
    assert tasks.wait(120) == [0, 0], tasks.output(0)[-2000:] + tasks.output(1)[-2000:]
    for i in range(2):
        (got,) = tasks.results(i)
        assert got["after"] == got["before"]  # nothing was updated
        assert all(e is not None for e in got["errors"]), got
        for error in got["errors"]:
            assert error.startswith(
                "The tasks ran different steps together; nothing was updated:"
            )
            assert "/job:worker/task:0: " in error and "/job:worker/task:1: " in error
            assert "with 4 rows" in error


def test_parameter_server_task_is_an_error_not_a_hang(cluster):
    tasks = cluster("ps", 2, "--timeout-ms", "2000")
    assert tasks.wait(120) == [0, 3], tasks.output(1)[-2000:]
    assert "PS JOINED" in tasks.output(0)
    worker = tasks.output(1)
    assert (
        "ERROR DeadlineExceededError: Task /job:ps/task:0 did not reach this"
        " Session.run" in worker
    )


def test_tasks_listen_only_on_their_cluster_addresses(cluster):
    psutil = pytest.importorskip("psutil")
    tasks = cluster("kill", 2)  # trains until killed
    deadline = time.monotonic() + 90
    while "STEP" not in tasks.output(0) or "STEP" not in tasks.output(1):
        assert time.monotonic() < deadline, tasks.output(0)[-2000:]
        time.sleep(0.1)
    listening = {
        (conn.laddr.ip, p.pid)
        for p in tasks.procs
        for conn in psutil.Process(p.pid).net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN
    }
    hosts = {ip for ip, _ in listening}
    coordinator = {c.pid for c in psutil.Process(tasks.procs[0].pid).children()}
    listening |= {
        (conn.laddr.ip, pid)
        for pid in coordinator
        for conn in psutil.Process(pid).net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN
    }
    hosts = {ip for ip, _ in listening}
    # The tasks' doorways and gloo endpoints, the coordination service (a process
    # task 0 started); no 0.0.0.0 / [::].
    assert hosts <= {"127.0.0.1", "::ffff:127.0.0.1"}, listening
    assert {pid for _, pid in listening} == {p.pid for p in tasks.procs} | coordinator
    assert len(coordinator) == 1
