"""A task's membership of its cluster: its doorway, the coordination service, its peers.

Where it sits: under ``tf.train.Server`` (``train/server.py``), which makes one
:class:`Member` per task process, and under the serving sessions
(``serving.py``), which reach tasks through their doorways.

- **Doorway.** Every task listens on its own ClusterSpec address with
  ``multiprocessing.connection`` (stdlib framing and HMAC handshake; jgraph frames
  no bytes). Binding it is the first thing a task does: it is the port check
  (another process on the port is an error naming it, and nothing else is
  touched). A connection starts with a JSON hello (ClusterSpec fingerprint, who is
  calling, why); a mismatched ClusterSpec is refused with both specs named, before
  any pickled data is accepted. Then both sides prove the key derived from the
  fingerprint, and requests (``serving.py``'s handlers) follow as pickles.
- **Coordination service.** Task 0 starts it in a process of its own
  (``coordinator.py``) and tells each task its port when the task says hello:
  task 0 checks the hello (ClusterSpec, duplicate task) before the task registers.
  Each task then connects its own ``jaxlib`` client (the wait bounded here, in
  Python, with progress lines) and hands it to JAX for its collectives, as
  ``jax.distributed.initialize`` would.
- **Peers.** A task that finishes its program says so in the service's key-value
  store (``jgraph/done/<node>``) as it leaves; a task that was killed does not.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import multiprocessing
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing import connection as mpc
from pathlib import Path
from typing import Any

from jgraph import errors
from jgraph.runtime.tasks import DONE_PREFIX, finished_tasks

Jobs = dict[str, dict[int, str]]  # job -> task index -> "host:port"

PROGRESS_S = 5.0  # how often a waiting task says what it waits for


def _log(text: str) -> None:
    print(f"jgraph: {text}", file=sys.stderr, flush=True)


def order_of(jobs: Jobs) -> list[tuple[str, int]]:
    """The node (JAX process) of each task: jobs in name order, tasks in index order."""
    return [(job, i) for job in sorted(jobs) for i in sorted(jobs[job])]


def fingerprint(jobs: Jobs) -> str:
    canonical = {
        job: {str(i): a for i, a in sorted(t.items())} for job, t in jobs.items()
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _authkey(jobs: Jobs) -> bytes:
    return hashlib.sha256(b"jgraph doorway " + fingerprint(jobs).encode()).digest()


def _spec_text(jobs: Jobs) -> str:
    return str({job: [t[i] for i in sorted(t)] for job, t in sorted(jobs.items())})


def split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


def task_name(task: tuple[str, int]) -> str:
    return f"/job:{task[0]}/task:{task[1]}"


def _error(reply: dict) -> errors.OpError:
    return getattr(errors, reply["error"])(None, None, reply["message"])


def _jobs_of(raw: dict) -> Jobs:
    return {job: {int(i): a for i, a in tasks.items()} for job, tasks in raw.items()}


# -- the calling side of a doorway ----------------------------------------------------------


def hello(address: str, message: dict, timeout_s: float = 10.0) -> tuple[Any, dict]:
    """Connects to the doorway at ``address`` and says ``message``.

    Returns ``(connection, reply)``; the connection is ``None`` when the reply ends
    the exchange (an error, or a hello that asks no session). Raises ``OSError``
    when nothing listens there.
    """
    conn = mpc.Client(split_address(address))
    try:
        conn.send_bytes(json.dumps(message).encode())
        if not conn.poll(timeout_s):
            raise OSError(f"no answer from {address} within {timeout_s:g} s")
        reply = json.loads(conn.recv_bytes())
    except (EOFError, ValueError, OSError) as err:
        conn.close()
        raise OSError(f"{address} did not answer as a jgraph task ({err})") from err
    if reply.get("error") or not reply.get("session"):
        conn.close()
        return None, reply
    return conn, reply


def describe(address: str) -> dict | None:
    """Who listens at ``address``: ``{"jobs", "task", "pid", ...}``, or ``None`` when
    it is not a jgraph task (or nothing listens)."""
    try:
        _, reply = hello(address, {"why": "describe"}, timeout_s=5.0)
    except OSError:
        return None
    if "jobs" not in reply:
        return None
    return {**reply, "jobs": _jobs_of(reply["jobs"])}


class Channel:
    """An authenticated session connection to one task's doorway."""

    def __init__(
        self,
        jobs: Jobs,
        task: tuple[str, int],
        timeout_s: float,
        caller: tuple[str, int] | None = None,
    ) -> None:
        self.task = task
        self.address = jobs[task[0]][task[1]]
        self._lock = threading.Lock()
        message = {
            "why": "session",
            "fingerprint": fingerprint(jobs),
            "jobs": jobs,
            "task": list(caller) if caller else None,
            "pid": os.getpid(),
            "host": socket.gethostname(),
        }
        deadline = time.monotonic() + timeout_s
        next_note = time.monotonic() + PROGRESS_S
        while True:
            try:
                conn, reply = hello(self.address, message)
                break
            except OSError as err:
                now = time.monotonic()
                if now > deadline:
                    raise errors.UnavailableError(
                        None,
                        None,
                        f"Nothing answered at {self.address} ({task_name(task)}) for"
                        f" {timeout_s:g} s ({err}): that task was not started, has"
                        " exited, or is not on that address."
                        " (ConfigProto.operation_timeout_in_ms sets this wait.)",
                    ) from err
                if now > next_note:
                    _log(
                        f"waiting for {task_name(task)} at {self.address}: not"
                        f" listening yet ({now - deadline + timeout_s:.0f} s of"
                        f" {timeout_s:g} s)"
                    )
                    next_note = now + PROGRESS_S
                time.sleep(0.1)
        if conn is None:
            raise _error(reply)
        key = _authkey(jobs)
        mpc.answer_challenge(conn, key)
        mpc.deliver_challenge(conn, key)
        self._conn = conn
        self.pid = int(reply["pid"])

    def call(self, op: str, what: str, *args: Any) -> Any:
        """Runs request ``op`` on the task; ``what`` says what for, in errors."""
        with self._lock:
            try:
                self._conn.send((op, args))
                status, *value = self._conn.recv()
            except (EOFError, OSError) as err:
                raise errors.UnavailableError(
                    None,
                    None,
                    f"{task_name(self.task)} at {self.address} (pid {self.pid}) closed"
                    f" its connection ({type(err).__name__}) while {what}: that task"
                    " died or was stopped.",
                ) from err
        if status == "error":
            cls, message = value
            raise getattr(errors, cls, errors.InternalError)(None, None, message)
        return value[0]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.close()


# -- a task ---------------------------------------------------------------------------------


class Member:
    """This process's task: its doorway, its coordination client, its view of peers.

    Args:
      jobs: the ClusterSpec, ``{job: {index: "host:port"}}``.
      task: this task's ``(job, index)``.
      startup_s: how long :meth:`join_cluster` waits for the other tasks.
    """

    def __init__(self, jobs: Jobs, task: tuple[str, int], startup_s: float) -> None:
        self.jobs = jobs
        self.task = task
        self.order = order_of(jobs)
        self.node = self.order.index(task)
        self.address = jobs[task[0]][task[1]]
        self.fingerprint = fingerprint(jobs)
        self.startup_s = startup_s
        # Session requests (``serving.py`` installs them): op -> fn(*args).
        self.handlers: dict[str, Callable[..., Any]] = {}
        self.serving = threading.Event()  # set once the handlers are in
        self.joined: dict[int, dict] = {0: self._hello_of()} if self.node == 0 else {}
        self.rejected: list[errors.OpError] = []
        self.assembled = False
        self.service_address = ""
        self.client: Any = None
        self._listener = self._bind()
        self._closed = False
        threading.Thread(
            target=self._accept, daemon=True, name="jgraph-doorway"
        ).start()

    def name(self, node: int) -> str:
        return task_name(self.order[node])

    def addresses(self) -> list[str]:
        return [self.address_of(n) for n in range(len(self.order))]

    def address_of(self, node: int) -> str:
        job, index = self.order[node]
        return self.jobs[job][index]

    # -- the doorway ----------------------------------------------------------------------
    def _bind(self) -> Any:
        host, port = split_address(self.address)
        try:
            return mpc.Listener((host, port), backlog=64)
        except OSError as err:
            if err.errno == 99:  # EADDRNOTAVAIL
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"Cannot listen on {self.address}, the address of"
                    f" {task_name(self.task)} in its ClusterSpec: {err.strerror} (that"
                    " host is not this machine).",
                ) from err
            raise errors.UnavailableError(
                None,
                None,
                f"Cannot listen on {self.address}, the address of"
                f" {task_name(self.task)} in its ClusterSpec: {err.strerror}."
                f" {self._holder()} This task started nothing and contacted no other"
                " task.",
            ) from err

    def _holder(self) -> str:
        """Who holds this task's port, as its doorway describes itself."""
        them = describe(self.address)
        if them is None:
            return "Another program (not a jgraph task) holds that port."
        who = f"{task_name(tuple(them['task']))} (pid {them['pid']})"
        if them["fingerprint"] != self.fingerprint:
            return (
                f"It is held by {who} of a cluster with ClusterSpec"
                f" {_spec_text(them['jobs'])}, while this task's is"
                f" {_spec_text(self.jobs)}: another cluster runs on these ports, or the"
                " tasks were given different ClusterSpecs."
            )
        if tuple(them["task"]) == self.task:
            return f"It is held by {who}: this task was started twice."
        return f"It is held by {who} of the same cluster: an address is listed twice."

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn = self._listener.accept()
            except OSError:
                if self._closed:
                    return
                continue
            threading.Thread(
                target=self._serve, args=(conn,), daemon=True, name="jgraph-door"
            ).start()

    def _serve(self, conn: Any) -> None:
        with conn:
            try:
                if not conn.poll(30.0):
                    return  # a port probe, or a peer that never spoke
                message = json.loads(conn.recv_bytes())
                reply = self._hello_reply(message)
                conn.send_bytes(json.dumps(reply).encode())
                if not reply.get("session"):
                    return
                key = _authkey(self.jobs)
                mpc.deliver_challenge(conn, key)
                mpc.answer_challenge(conn, key)
            except (EOFError, OSError, ValueError, multiprocessing.AuthenticationError):
                return
            while True:
                try:
                    op, args = conn.recv()
                except (EOFError, OSError):
                    return
                try:
                    # A session may come while the cluster assembles: it waits.
                    self.serving.wait(self.startup_s)
                    handler = self.handlers.get(op)
                    if handler is None:
                        raise errors.UnavailableError(
                            None,
                            None,
                            f"{task_name(self.task)} does not serve {op!r} requests"
                            " (its tf.train.Server is not serving yet).",
                        )
                    conn.send(("ok", handler(*args)))
                except errors.OpError as err:
                    conn.send(("error", type(err).__name__, err.message))
                except Exception as err:
                    conn.send(
                        ("error", "InternalError", f"{type(err).__name__}: {err}")
                    )

    def _hello_reply(self, message: dict) -> dict:
        why = message.get("why")
        mine = {
            "jobs": self.jobs,
            "task": list(self.task),
            "pid": os.getpid(),
            "fingerprint": self.fingerprint,
        }
        if why == "describe":
            return mine
        if why == "status":
            return {"joined": sorted(self.joined)}
        theirs = (
            task_name(tuple(message["task"])) if message.get("task") else "a client"
        )
        if message.get("fingerprint") != self.fingerprint:
            text = (
                f"{theirs} (pid {message.get('pid')} on {message.get('host')}) has"
                f" ClusterSpec {_spec_text(_jobs_of(message.get('jobs') or {}))}, but"
                f" {task_name(self.task)} at {self.address} has {_spec_text(self.jobs)}."
                " Every task must be given the same ClusterSpec (jobs, task counts and"
                " addresses)."
            )
            if why == "join" and not self.assembled:
                self.rejected.append(errors.InvalidArgumentError(None, None, text))
            return {"error": "InvalidArgumentError", "message": text}
        if why == "join":
            return self._join_reply(message)
        if why == "session":
            return {**mine, "session": True}
        return {"error": "InvalidArgumentError", "message": f"unknown hello {why!r}"}

    def _join_reply(self, message: dict) -> dict:
        node = self.order.index(tuple(message["task"]))
        first = self.joined.get(node)
        if self.node != 0:
            text = (
                f"{task_name(self.order[node])} said hello to {task_name(self.task)} at"
                f" {self.address}, which is not task 0 of its cluster."
            )
            return {"error": "InvalidArgumentError", "message": text}
        if first is not None and first["nonce"] != message["nonce"]:
            text = (
                f"{task_name(self.order[node])} joined already (pid {first['pid']} on"
                f" {first['host']}); this process (pid {message['pid']} on"
                f" {message['host']}) was started with the same task index."
            )
            return {"error": "AlreadyExistsError", "message": text}
        self.joined[node] = message
        if not self.service_address:  # task 0 is still starting its service
            return {"retry": True}
        return {"service": self.service_address}

    def _hello_of(self) -> dict:
        return {
            "why": "join",
            "fingerprint": self.fingerprint,
            "jobs": self.jobs,
            "task": list(self.task),
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "nonce": os.urandom(8).hex(),
        }

    # -- joining the cluster ----------------------------------------------------------------
    def join_cluster(self, heartbeat_s: int) -> None:
        """Registers with the coordination service (task 0 starts it), waiting at
        most ``startup_s`` for the other tasks, then hands the client to JAX."""
        import jaxlib._jax as xj  # pyright: ignore[reportMissingModuleSource]

        tasks = len(self.order)
        deadline = time.monotonic() + self.startup_s
        if self.node == 0:
            self.service_address = self._start_coordinator(deadline, heartbeat_s)
        else:
            self.service_address = self._say_hello(deadline)
        client = xj.get_distributed_runtime_client(
            self.service_address,
            self.node,
            init_timeout=24 * 3600,  # bounded below, in Python
            heartbeat_timeout=heartbeat_s,
            shutdown_timeout=5,
            shutdown_on_destruction=False,
            use_compression=True,
        )
        connected = threading.Event()
        failed: list[BaseException] = []

        def connect() -> None:
            try:
                client.connect()
            except BaseException as err:
                failed.append(err)
            connected.set()

        threading.Thread(target=connect, daemon=True, name="jgraph-connect").start()
        every = min(PROGRESS_S, max(1.0, self.startup_s / 4))
        while not connected.wait(min(every, max(0.1, deadline - time.monotonic()))):
            if self.rejected:
                raise self.rejected[0]
            coordinator = getattr(self, "_coordinator", None)
            if coordinator is not None and coordinator.poll() is not None:
                raise errors.UnavailableError(
                    None,
                    None,
                    f"{task_name(self.task)}: the coordination service it started on"
                    f" {self.service_address} exited (code {coordinator.returncode})"
                    " before the cluster assembled; its port may have been taken."
                    " Start the cluster again.",
                )
            missing = self._missing()
            if time.monotonic() > deadline:
                raise errors.UnavailableError(
                    None,
                    None,
                    f"{task_name(self.task)}: the cluster did not assemble within"
                    f" {self.startup_s:g} s. Never started (or unreachable):"
                    f" {', '.join(missing) or 'none (all said hello, some did not connect)'}."
                    " (ConfigProto.operation_timeout_in_ms sets this wait.)",
                )
            waited = self.startup_s - (deadline - time.monotonic())
            _log(
                f"{task_name(self.task)} waits for the other tasks of its cluster:"
                f" {', '.join(missing) + ' not started yet' if missing else 'connecting'}"
                f" ({waited:.0f} s of {self.startup_s:g} s)"
            )
        if failed:
            raise errors.UnavailableError(
                None, None, f"{task_name(self.task)} could not join: {failed[0]}"
            )
        self.client = client
        self.assembled = True
        self._hand_to_jax(client, tasks)
        atexit.register(self.leave)

    def _start_coordinator(self, deadline: float, heartbeat_s: int) -> str:
        """Starts the coordinator process; the address its service listens on."""
        host = split_address(self.address)[0]
        script = Path(__file__).with_name("coordinator.py")
        self._coordinator = subprocess.Popen(
            [
                sys.executable,
                str(script),
                host,
                str(len(self.order)),
                str(heartbeat_s),
                *(self.address_of(n) for n in range(len(self.order))),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,  # outlives this task, and its Ctrl-C
        )
        out = self._coordinator.stdout
        assert out is not None
        with out:
            ready, _, _ = select.select(
                [out], [], [], max(1.0, deadline - time.monotonic())
            )
            line = out.readline().strip() if ready else ""
        if not line:
            self._coordinator.kill()
            raise errors.UnavailableError(
                None,
                None,
                f"{task_name(self.task)}: the coordination service of its cluster did"
                f" not start within {self.startup_s:g} s (exit code"
                f" {self._coordinator.poll()}). (ConfigProto.operation_timeout_in_ms"
                " sets this wait.)",
            )
        return line

    def _say_hello(self, deadline: float) -> str:
        """Says hello to task 0 until it answers with its service's address."""
        zero = self.address_of(0)
        message = self._hello_of()
        next_note = time.monotonic() + PROGRESS_S
        while True:
            try:
                _, reply = hello(zero, message)
                if "error" in reply:
                    raise _error(reply)
                if not reply.get("retry"):
                    return reply["service"]
                waiting_for, why = "its coordination service", "starting"
                problem: OSError | None = None
            except OSError as err:
                waiting_for, why, problem = zero, "not listening yet", err
            now = time.monotonic()
            if now > deadline:
                raise errors.UnavailableError(
                    None,
                    None,
                    f"{task_name(self.task)}: task 0 of the cluster ({self.name(0)}"
                    f" at {zero}) did not give the address of {waiting_for} within"
                    f" {self.startup_s:g} s ({problem or why}): it was not started, or"
                    " not on that address. (ConfigProto.operation_timeout_in_ms sets"
                    " this wait.)",
                ) from problem
            if now > next_note:
                _log(
                    f"{task_name(self.task)} waits for {self.name(0)}"
                    f" ({waiting_for}: {why})"
                )
                next_note = now + PROGRESS_S
            time.sleep(0.1)

    def _missing(self) -> list[str]:
        """The tasks that have not said hello to task 0."""
        if self.node == 0:
            joined = set(self.joined)
        else:
            try:
                _, status = hello(self.address_of(0), {"why": "status"}, 2.0)
                joined = set(status.get("joined", ()))
            except OSError:
                return [self.name(0)]
        return [self.name(n) for n in range(len(self.order)) if n not in joined]

    def _hand_to_jax(self, client: Any, tasks: int) -> None:
        # NOTE: private JAX API, the state jax.distributed.initialize sets; our own
        # client because initialize's turns every failure into a C++ abort.
        import jax
        from jax._src import distributed

        state = distributed.global_state
        state.client = client
        state.process_id = self.node
        state.num_processes = tasks
        state.coordinator_address = self.service_address
        jax.config.update("jax_cpu_collectives_implementation", "gloo")

    # -- peers and leaving ------------------------------------------------------------------
    def others_done(self) -> bool:
        """Whether every other task has finished its program (left the cluster
        cleanly: a task that was killed has not)."""
        if self.client is None:
            return False
        try:
            done = finished_tasks(self.client)
        except Exception:  # the service is gone: nobody is left
            return True
        return done >= set(range(len(self.order))) - {self.node}

    def leave(self) -> None:
        """Leaves the coordination service, then closes the doorway (at exit)."""
        if self._closed:
            return
        client, self.client = self.client, None
        if client is not None:
            done = threading.Event()

            def shutdown() -> None:
                with contextlib.suppress(Exception):
                    client.key_value_set(f"{DONE_PREFIX}{self.node}", "done")
                    client.shutdown()
                done.set()

            threading.Thread(target=shutdown, daemon=True).start()
            done.wait(10.0)
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()


_member: Member | None = None


def set_member(member: Member | None) -> None:
    global _member
    _member = member


def current_member() -> Member | None:
    """This process's task, once its ``tf.train.Server`` started."""
    return _member
