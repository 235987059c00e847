"""TF1's in-graph client and serving workers (runtime/serving.py, runtime/cluster.py).

Real clusters on 127.0.0.1 (``localhost``), each process a subprocess bounded in
time and killed in ``finally``: the TF1 tutorial's cluster example as its users
wrote it (``tests/_tf1_cluster.py``), and the failures of a cluster's start-up.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("_tf1_cluster.py")
sys.path.insert(0, str(SCRIPT.parent))
from test_distribute import free_ports  # noqa: E402

# Clusters run one at a time (one xdist worker, --dist loadgroup): two at once on
# two cores starve each other's start-up and heartbeats.
pytestmark = pytest.mark.xdist_group("clusters")

ROOT = Path(__file__).resolve().parents[1]


class Procs:
    """Subprocesses of one test, each logging to its own file; all killed at the end."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.procs: dict[str, subprocess.Popen] = {}
        self.env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONUNBUFFERED="1")
        self.env.pop("XLA_FLAGS", None)

    def start(
        self, name: str, *args: str, stdin: int | None = None
    ) -> subprocess.Popen:
        with open(self.tmp_path / f"{name}.log", "w") as out:
            proc = subprocess.Popen(
                [sys.executable, str(SCRIPT), *args],
                stdin=stdin,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=ROOT,
            )
        self.procs[name] = proc
        return proc

    def output(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text()

    def wait(self, name: str, timeout: float) -> int:
        try:
            return self.procs[name].wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name} still running after {timeout} s:\n{self.dump()}")

    def dump(self) -> str:
        return "\n".join(
            f"--- {name}\n{self.output(name)[-3000:]}" for name in self.procs
        )

    def kill(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdin is not None:
                proc.stdin.close()


@pytest.fixture
def procs(tmp_path):
    started = Procs(tmp_path)
    yield started
    started.kill()


def coordinators(port: int) -> list[int]:
    """The coordinator processes of the cluster whose task 0 listens on ``port``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(a.endswith(b"coordinator.py") for a in cmdline) and any(
            a.endswith(f":{port}".encode()) for a in cmdline
        ):
            found.append(int(entry.name))
    return found


def assert_no_coordinator_left(port: int, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while coordinators(port):
        assert time.monotonic() < deadline, f"coordinator left running: {port}"
        time.sleep(0.2)


def info_of(output: str) -> list[dict]:
    (line,) = [x for x in output.splitlines() if x.startswith("INFO ")]
    return json.loads(line[len("INFO ") :])


def assert_b_on_task0_c_on_task1(info: list[dict], pids: list[int]) -> None:
    task0, task1 = info
    assert [task0["pid"], task1["pid"]] == pids  # the worker processes themselves
    assert task0["ran"].get("Mul") and "Mul" not in task1["ran"]  # b = a * 10
    assert task1["ran"].get("Add") and "Add" not in task0["ran"]  # c = b + a
    assert "Variable/Assign" in task0["ran"]  # a lives on the target's task


def test_tutorial_two_workers_and_a_client_print_55(procs):
    p0, p1 = map(str, free_ports(2))
    workers = [procs.start(f"worker{i}", "worker", p0, p1, str(i)) for i in range(2)]
    procs.start("client", "client", p0, p1)
    assert procs.wait("client", 120) == 0, procs.dump()
    lines = procs.output("client").splitlines()
    assert "55" in lines and "AGAIN 55" in lines
    assert_b_on_task0_c_on_task1(
        info_of(procs.output("client")), [w.pid for w in workers]
    )
    # The workers serve until stopped (TF1's join); SIGTERM ends them cleanly.
    time.sleep(1.0)
    assert all(w.poll() is None for w in workers), procs.dump()
    for w in workers:
        w.send_signal(signal.SIGTERM)
    assert [procs.wait(f"worker{i}", 30) for i in range(2)] == [0, 0], procs.dump()
    assert "Worker #0" in procs.output("worker0")
    assert_no_coordinator_left(int(p0))


def test_tutorial_client_as_task_1_prints_55(procs):
    p0, p1 = map(str, free_ports(2))
    worker = procs.start("worker0", "worker", p0, p1, "0")
    client = procs.start("client", "client_task1", p0, p1)
    assert procs.wait("client", 120) == 0, procs.dump()
    assert "55" in procs.output("client").splitlines()
    assert_b_on_task0_c_on_task1(
        info_of(procs.output("client")), [worker.pid, client.pid]
    )
    # Task 0's join() returns once every other task has exited.
    assert procs.wait("worker0", 30) == 0, procs.dump()
    assert_no_coordinator_left(int(p0))


def test_tutorial_without_initializer_is_failed_precondition_as_in_tf1(procs):
    p0, p1 = map(str, free_ports(2))
    procs.start("worker0", "worker", p0, p1, "0")
    procs.start("client", "client_task1", p0, p1, "--no-init")
    assert procs.wait("client", 120) == 0, procs.dump()
    assert (
        "ERROR FailedPreconditionError: Attempting to use uninitialized value 'Variable'"
        in procs.output("client")
    ), procs.dump()
    assert procs.wait("worker0", 30) == 0, procs.dump()


# -- failures: Python exceptions in bounded time, with true messages -----------------------


def lines_of(procs: Procs, name: str, prefix: str) -> list[str]:
    return [x for x in procs.output(name).splitlines() if x.startswith(prefix)]


def error_of(procs: Procs, name: str) -> tuple[str, float]:
    """The ``ERROR ...`` line of a process, and how long it took (``AFTER s``)."""
    (error,) = lines_of(procs, name, "ERROR ")
    (after,) = lines_of(procs, name, "AFTER ")
    return error, float(after.split()[1])


def wait_for(procs: Procs, name: str, text: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in procs.output(name):
        if time.monotonic() > deadline or procs.procs[name].poll() is not None:
            pytest.fail(f"{name} never printed {text!r}:\n{procs.dump()}")
        time.sleep(0.1)


def test_a_task_that_never_starts_is_unavailable_after_the_wait(procs):
    p0, p1 = map(str, free_ports(2))
    procs.start("task0", "task", p0, p1, "0", "--timeout-ms", "6000")
    assert procs.wait("task0", 90) == 3, procs.dump()
    error, after = error_of(procs, "task0")
    assert error.startswith(
        "ERROR UnavailableError: /job:my_job/task:0: the cluster did not assemble"
        " within 6 s. Never started (or unreachable): /job:my_job/task:1."
    ), error
    assert "operation_timeout_in_ms" in error
    assert 6 <= after < 12
    progress = [x for x in procs.output("task0").splitlines() if "waits for" in x]
    assert progress and "/job:my_job/task:1 not started yet" in progress[0]
    assert_no_coordinator_left(int(p0))


def test_mismatched_cluster_specs_are_refused_on_both_tasks(procs):
    p0, p1 = map(str, free_ports(2))
    procs.start("task0", "task", p0, p1, "0", "--timeout-ms", "60000")
    wait_for(procs, "task0", "not started yet")  # task 0 listens and waits
    procs.start("task1", "task", p0, p1, "1", "--timeout-ms", "60000", "--spec3")
    assert procs.wait("task1", 60) == 3, procs.dump()
    assert procs.wait("task0", 30) == 3, procs.dump()
    for name in ("task0", "task1"):
        error, _ = error_of(procs, name)
        assert error.startswith("ERROR InvalidArgumentError: /job:my_job/task:1"), error
        assert (
            f"has ClusterSpec {{'my_job': ['localhost:{p0}', 'localhost:{p1}',"
            " 'localhost:1']}, but /job:my_job/task:0" in error
        )
        assert f"has {{'my_job': ['localhost:{p0}', 'localhost:{p1}']}}" in error
    assert_no_coordinator_left(int(p0))


def test_a_port_in_use_is_refused_before_anything_starts(procs):
    p0, p1 = free_ports(2)
    with socket.socket() as other:  # another program holds task 0's port
        other.bind(("127.0.0.1", p0))
        other.listen()
        procs.start("task0", "task", str(p0), str(p1), "0", "--timeout-ms", "60000")
        assert procs.wait("task0", 60) == 3, procs.dump()
    error, after = error_of(procs, "task0")
    assert error == (
        f"ERROR UnavailableError: Cannot listen on localhost:{p0}, the address of"
        " /job:my_job/task:0 in its ClusterSpec: Address already in use. Another"
        " program (not a jgraph task) holds that port. This task started nothing and"
        " contacted no other task."
    )
    assert after < 10
    assert not coordinators(p0)


def test_a_duplicate_task_and_a_second_cluster_leave_the_running_one_alone(procs):
    p0, p1 = map(str, free_ports(2))
    for i in range(2):
        procs.start(f"worker{i}", "worker", p0, p1, str(i))
    procs.start("client", "client", p0, p1)
    assert procs.wait("client", 120) == 0, procs.dump()
    # Task 1 started a second time: refused at once, naming the running task.
    procs.start("again", "task", p0, p1, "1", "--timeout-ms", "60000")
    assert procs.wait("again", 60) == 3, procs.dump()
    error, after = error_of(procs, "again")
    pid = procs.procs["worker1"].pid
    assert error.startswith(
        f"ERROR UnavailableError: Cannot listen on localhost:{p1}, the address of"
        f" /job:my_job/task:1 in its ClusterSpec: Address already in use. It is held"
        f" by /job:my_job/task:1 (pid {pid}): this task was started twice."
    ), error
    assert after < 10
    # Another cluster on the same ports (a third task): refused the same way.
    procs.start("other", "task", p0, p1, "0", "--timeout-ms", "60000", "--spec3")
    assert procs.wait("other", 60) == 3, procs.dump()
    error, _ = error_of(procs, "other")
    assert (
        f"It is held by /job:my_job/task:0 (pid {procs.procs['worker0'].pid})" in error
    )
    assert "of a cluster with ClusterSpec" in error
    assert "another cluster runs on these ports" in error
    # The running cluster still answers.
    procs.start("client2", "client", p0, p1)
    assert procs.wait("client2", 180) == 0, procs.dump()
    assert "55" in procs.output("client2").splitlines()


def test_a_killed_task_is_unavailable_at_once_naming_it(procs):
    p0, p1 = map(str, free_ports(2))
    for i in range(2):
        procs.start(f"worker{i}", "worker", p0, p1, str(i))
    client = procs.start("client", "client_loop", p0, p1, stdin=subprocess.PIPE)
    wait_for(procs, "client", "RAN 55")
    procs.procs["worker1"].kill()
    procs.procs["worker1"].wait(10)
    assert client.stdin is not None
    client.stdin.write(b"again\n")
    client.stdin.flush()
    assert procs.wait("client", 60) == 0, procs.dump()
    error, after = error_of(procs, "client")
    pid = procs.procs["worker1"].pid
    assert error.startswith(
        f"ERROR UnavailableError: /job:my_job/task:1 at localhost:{p1} (pid {pid})"
        " closed its connection"
    ), error
    assert "that task died or was stopped" in error
    assert after < 5
