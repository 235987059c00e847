"""TF1's in-graph client and serving workers (runtime/serving.py, runtime/cluster.py).

Real clusters on 127.0.0.1 (``localhost``), each process a subprocess bounded in
time and killed in ``finally``: the TF1 tutorial's cluster example as its users
wrote it (``tests/_tf1_cluster.py``), and the failures of a cluster's start-up.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("_tf1_cluster.py")
sys.path.insert(0, str(SCRIPT.parent))
from test_distribute import free_ports  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


class Procs:
    """Subprocesses of one test, each logging to its own file; all killed at the end."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.procs: dict[str, subprocess.Popen] = {}
        self.env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONUNBUFFERED="1")
        self.env.pop("XLA_FLAGS", None)

    def start(self, name: str, *args: str, script: Path = SCRIPT) -> subprocess.Popen:
        with open(self.tmp_path / f"{name}.log", "w") as out:
            proc = subprocess.Popen(
                [sys.executable, str(script), *args],
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
