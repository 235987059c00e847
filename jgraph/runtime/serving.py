"""Serving tasks and the sessions that drive them (TF1's in-graph client and workers).

Where it sits: a placement (``placement.py``'s interface) for sessions in a cluster
of several tasks, and the worker side every ``tf.train.Server`` serves from its
doorway (``cluster.py``).

- **Placement by task.** An op runs on the task its ``tf.device`` names
  (``/job:J/task:K``); one without a task runs on the session's target task,
  except that an op reading or writing one variable runs where that variable lives
  (TF1 colocation). The lowered run is cut into per-task segments
  (``compile/segments.py``).
- **Shipping computations, not Python.** The session exports each segment with
  ``jax.export`` (serialized StableHLO, once per input signature) and sends it to
  its task once; each run then sends the segment's inputs and gets its outputs.
  The worker needs nothing but the ClusterSpec: it deserializes and runs the
  program on its default device. A segment of the session's own task runs in
  process (no export).
- **Variables live in the task that holds them**, across sessions (TF1): the
  worker keeps them; the session's state holds :class:`TaskValue` handles.
- **Values between tasks** travel through the session's process: a segment's
  outputs come back to it and go to the next segment's task as inputs.

Failures: a task that dies mid-run closes its connection, and the run raises
``UnavailableError`` naming it at once; a task that is not there yet is waited for
up to ``ConfigProto.operation_timeout_in_ms``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import jax
import numpy as np

from jgraph import errors
from jgraph.compile import rng as _rng
from jgraph.compile.lower import LoweredRun, lower
from jgraph.compile.segments import Segment, cut
from jgraph.config import operation_timeout_ms
from jgraph.graph.device_spec import DeviceSpec
from jgraph.graph.graph import Graph, Operation
from jgraph.graph.tensor import Tensor
from jgraph.ops.registry import opdef_for
from jgraph.runtime.cluster import (
    PROGRESS_S,
    Channel,
    Jobs,
    Member,
    current_member,
    describe,
    task_name,
)
from jgraph.runtime.placement import DevicePlacement, Placement, advanced_key
from jgraph.runtime.tasks import check_target

Task = tuple[str, int]


@dataclasses.dataclass(frozen=True)
class TaskValue:
    """A variable held by a task of the cluster: the session knows its shape only."""

    aval: jax.ShapeDtypeStruct
    task: str  # "/job:J/task:K"

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.aval.shape)

    @property
    def dtype(self) -> Any:
        return self.aval.dtype

    def copy(self) -> TaskValue:
        return self


def _aval(value: Any) -> jax.ShapeDtypeStruct:
    if isinstance(value, TaskValue):
        return value.aval
    value = np.asarray(value) if not isinstance(value, jax.Array) else value
    return jax.ShapeDtypeStruct(value.shape, value.dtype)


# -- the worker side ------------------------------------------------------------------------


class Worker:
    """What a task serves: shipped programs run on its variables.

    One per process; every session that reaches the task shares its variables.
    Requests are serialized (one at a time).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.variables: dict[str, jax.Array] = {}
        self.ran: Counter[str] = Counter()  # op name -> runs here (``info``)
        self._programs: dict[str, Any] = {}
        self._start: dict[str, jax.Array] = {}
        self._run_id = ""
        self._lock = threading.Lock()

    def install(self, member: Member) -> None:
        member.handlers.update(
            load=self.load,
            run=self.run,
            read=self.read,
            info=self.info,
            assign=self.assign,
        )
        member.serving.set()

    def load(self, digest: str, program: Any) -> None:
        """Installs a program: serialized ``jax.export`` bytes, or (in process) a
        jitted function."""
        from jax import export

        with self._lock:
            if digest in self._programs:
                return
            if isinstance(program, (bytes, bytearray)):
                program = jax.jit(export.deserialize(bytearray(program)).call)
            self._programs[digest] = program

    def run(
        self,
        digest: str,
        run_id: str,
        start_names: Sequence[str],
        cur_names: Sequence[str],
        inputs: tuple,
        key: Any,
        x64: bool,
        ops: Sequence[str],
        given: tuple[dict, dict] = ({}, {}),
    ) -> tuple[dict[str, jax.ShapeDtypeStruct], list[np.ndarray]]:
        """Runs a loaded program; keeps what it writes; returns (written avals,
        outputs). ``given`` holds the (start, current) values of variables that
        other tasks hold (a gradient recomputing ops that read them)."""
        with self._lock:
            program = self._programs.get(digest)
            if program is None:
                raise errors.NotFoundError(
                    None, None, f"{self.name} has no program {digest} (restarted?)."
                )
            self._begin(run_id)
            start_vals = self._values(self._start, start_names, given[0])
            cur_vals = self._values(self.variables, cur_names, given[1])
            with jax.enable_x64(x64):
                written, outs = program(start_vals, cur_vals, inputs, key)
                outs = [np.asarray(v) for v in jax.device_get(outs)]
            self.variables.update(written)
            self.ran.update(ops)
            return {n: _aval(v) for n, v in written.items()}, outs

    def _begin(self, run_id: str) -> None:
        if run_id != self._run_id:  # the state at the start of this run
            self._run_id, self._start = run_id, dict(self.variables)

    def read(self, run_id: str, names: Sequence[str]) -> tuple[dict, dict]:
        """The values of variables ``names`` at the start of run ``run_id`` (those
        that had one) and now."""
        with self._lock:
            self._begin(run_id)
            start = {n: self._start[n] for n in names if n in self._start}
            now = self._values(self.variables, names)
            return jax.device_get(start), jax.device_get(now)

    def _values(
        self, source: dict, names: Sequence[str], given: dict | None = None
    ) -> dict:
        given = given or {}
        missing = [n for n in names if n not in source and n not in given]
        if missing:
            raise errors.FailedPreconditionError(
                None,
                None,
                f"Attempting to use uninitialized value {missing[0]} (it lives on"
                f" {self.name}, which does not hold it: was the task restarted?)",
            )
        return {n: given[n] if n in given else source[n] for n in names}

    def assign(self, name: str, value: np.ndarray) -> None:
        """Sets a variable (a restore, ``Variable.load``)."""
        with self._lock:
            self.variables[name] = jax.numpy.asarray(value)

    def info(self) -> dict:
        """This task's process and what ran in it: the proof of where ops ran."""
        return {"task": self.name, "pid": os.getpid(), "ran": dict(self.ran)}


_worker: Worker | None = None


def serve(member: Member) -> Worker:
    """Makes ``member``'s doorway serve this process's :class:`Worker` (once)."""
    global _worker
    if _worker is None:
        _worker = Worker(task_name(member.task))
    _worker.install(member)
    return _worker


def task_info(jobs: Jobs, task: Task, timeout_s: float = 30.0) -> dict:
    """``{"task", "pid", "ran": {op name: runs}}`` of a serving task."""
    channel = Channel(jobs, task, timeout_s)
    try:
        return channel.call("info", "asking for its info")
    finally:
        channel.close()


# -- the session side -----------------------------------------------------------------------


class _Local:
    """The session's own task: its worker, called in process."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.pid = os.getpid()

    def call(self, op: str, what: str, *args: Any) -> Any:
        del what
        return getattr(self.worker, op)(*args)


class ServingPlacement(Placement):
    """Runs each op on the task its device names, each task's part in its process.

    Args:
      graph: the session's graph.
      config: the session's ``ConfigProto`` (``operation_timeout_in_ms``,
        ``log_device_placement``).
      jobs: the ClusterSpec.
      target: the task the session's target names (ops without a task run there).
      member: this process's task, if it is one (its segments run in process).
    """

    def __init__(
        self,
        graph: Graph,
        config: Any,
        jobs: Jobs,
        target: Task,
        member: Member | None,
    ) -> None:
        self._graph = graph
        self._jobs = jobs
        self._target = target
        self._timeout_s = operation_timeout_ms(config) / 1000
        self._log = bool(getattr(config, "log_device_placement", False))
        self._local: Task | None = member.task if member is not None else None
        self._channels: dict[Task, Any] = {}
        if member is not None:
            self._channels[member.task] = _Local(serve(member))

    def channel(self, task: Task) -> Any:
        channel = self._channels.get(task)
        if channel is None:
            channel = self._channels[task] = Channel(
                self._jobs, task, self._timeout_s, caller=self._local
            )
        return channel

    # -- where ops run ----------------------------------------------------------------------
    def task_of_device(self, spec: str, op: Operation | None) -> Task:
        if not spec:
            return self._target
        parsed = DeviceSpec.from_string(spec)
        job = parsed.job or self._target[0]
        index = parsed.task if parsed.task is not None else 0
        if job == "localhost" and job not in self._jobs:
            job, index = self._target  # TF1's name for "this task"
        if index not in self._jobs.get(job, {}):
            tasks = ", ".join(
                task_name((j, i)) for j in sorted(self._jobs) for i in self._jobs[j]
            )
            where = f"operation '{op.name}'" if op is not None else "a variable"
            raise errors.InvalidArgumentError(
                None,
                op,
                f"Cannot assign a device for {where}: {spec} names no task of the"
                f" cluster (its tasks: {tasks}).",
            )
        return (job, index)

    def home(self, name: str) -> Task:
        variable = self._graph.variables[name]
        return self.task_of_device(variable.op.device, variable.op)

    def task_of(self, op: Operation) -> Task:
        if not op.device:
            # TF1 colocates an op that reads or writes variables with them.
            homes = {self.home(n) for n in opdef_for(op).variables(op)}
            if len(homes) == 1:
                return homes.pop()
        return self.task_of_device(op.device, op)

    # -- the Placement interface ------------------------------------------------------------
    def lower(
        self,
        ops: tuple[Operation, ...],
        fetches: Sequence[Tensor],
        feeds: Sequence[Tensor],
    ) -> LoweredRun:
        lowered = lower(ops, fetches, feeds, jit=self.jit)
        placed: dict[Operation, Hashable] = {op: self.task_of(op) for op in lowered.ops}
        if self._log:
            lines = [
                f"{op.name}: ({op.type}): {task_name(self.task_of(op))}" for op in ops
            ]
            print("\n".join(lines), file=sys.stderr, flush=True)
        for op in lowered.run_ops:
            opdef = opdef_for(op)
            if not (opdef.effects is not None and opdef.effects.writes):
                continue  # reads of another task's variables are shipped in
            for name in opdef.variables(op):
                if self.home(name) != self.task_of(op):
                    raise errors.UnimplementedError(
                        None,
                        op,
                        f"Operation '{op.name}' runs on {task_name(self.task_of(op))} but"
                        f" writes variable '{name}', which lives on"
                        f" {task_name(self.home(name))}: an op that writes a variable"
                        " runs where the variable lives in jgraph. Leave the op's"
                        " device empty (it is then colocated) or place it with the"
                        " variable.",
                    )
        run = RemoteRun(self, lowered, cut(lowered, placed))
        return dataclasses.replace(lowered, fn=run)

    def put_state(self, name: str, value: Any) -> Any:
        if name not in self._graph.variables:  # a lifted constant: sent per run
            return np.asarray(value)
        task = self.home(name)
        self.channel(task).call("assign", f"setting {name}", name, np.asarray(value))
        return TaskValue(_aval(value), task_name(task))


_sessions = itertools.count()


class RemoteRun:
    """A ``LoweredRun.fn`` whose segments run on the tasks of a cluster.

    Called like the one-jit function: ``(ro, rw, feeds, key, consts) -> (new_rw,
    outputs, next_key)``; ``ro``/``rw`` hold :class:`TaskValue` handles.
    """

    def __init__(
        self, placement: ServingPlacement, lowered: LoweredRun, segments: tuple
    ) -> None:
        self._placement = placement
        self._lowered = lowered
        self.segments: tuple[Segment, ...] = segments
        self._lifted = tuple(op.outputs[0] for op in lowered.lifted_constants)
        self._programs: dict[Any, tuple[str, Any]] = {}
        self._loaded: set[tuple[Task, str]] = set()
        self._session = f"{os.getpid()}.{next(_sessions)}"
        self._runs = itertools.count()

    def __call__(
        self, ro: dict, rw: dict, feed_values: tuple, key: Any, consts: tuple = ()
    ) -> tuple[dict, tuple, Any]:
        lowered = self._lowered
        run_id = f"{self._session}.{next(self._runs)}"
        held = {n: _aval(v) for n, v in {**ro, **rw}.items()}  # at the run's start
        now = dict(held)  # written during the run too
        values: dict[Tensor, Any] = dict(zip(lowered.feeds, feed_values, strict=True))
        values.update(zip(self._lifted, consts, strict=True))
        # The RngState travels as a tuple of arrays (jax.export's pytrees are plain).
        key_data = None if key is None else tuple(np.asarray(x) for x in key)
        written: dict[str, TaskValue] = {}
        for index, segment in enumerate(self.segments):
            task: Task = segment.device
            start_names = tuple(n for n in segment.reads if n in held)
            cur_names = tuple(n for n in segment.reads if n in now)
            inputs = tuple(np.asarray(values[t]) for t in segment.inputs)
            signature = (
                index,
                tuple((n, held[n]) for n in start_names),
                tuple((n, now[n]) for n in cur_names),
                tuple(_aval(v) for v in inputs),
                None if key_data is None else tuple(_aval(x) for x in key_data),
            )
            digest = self._load(segment, task, signature)
            ops = [op.name for op in lowered.run_ops[segment.start : segment.stop]]
            given = self._foreign(task, cur_names, run_id)
            avals, outs = self._placement.channel(task).call(
                "run",
                f"running {', '.join(ops[:5])} of a Session.run",
                digest,
                run_id,
                start_names,
                cur_names,
                inputs,
                key_data,
                lowered.needs_x64,
                ops,
                given,
            )
            now.update(avals)
            written.update({n: TaskValue(a, task_name(task)) for n, a in avals.items()})
            values.update(zip(segment.outputs, outs, strict=True))
        outputs = tuple(
            None if i in lowered.host_outputs else values[t]
            for i, t in enumerate(lowered.fetches)
        )
        next_key = None if key is None else advanced_key(key, lowered.rng_slots)
        return written, outputs, next_key

    def _foreign(self, task: Task, names: Sequence[str], run_id: str) -> tuple:
        """The (start, current) values of the variables among ``names`` that
        another task than ``task`` holds, read from their tasks."""
        placement = self._placement
        by_home: dict[Task, list[str]] = {}
        for name in names:
            home = placement.home(name)
            if home != task:
                by_home.setdefault(home, []).append(name)
        start: dict[str, Any] = {}
        cur: dict[str, Any] = {}
        for home, homed in by_home.items():
            theirs = placement.channel(home).call(
                "read", f"reading {', '.join(homed)}", run_id, homed
            )
            start.update(theirs[0])
            cur.update(theirs[1])
        return start, cur

    def _load(self, segment: Segment, task: Task, signature: tuple) -> str:
        """The digest of the segment's program for ``signature``, loaded on
        ``task``."""
        known = self._programs.get(signature)
        local = task == self._placement._local
        if known is None:
            _, start, cur, ins, key = signature
            args = ({n: a for n, a in start}, {n: a for n, a in cur}, ins, key)
            if local:
                program: Any = jax.jit(_taking_rng_tuple(segment.pure))
                digest = f"local.{id(program)}"
            else:
                ops = self._lowered.run_ops[segment.start : segment.stop]
                program = _export(segment, ops, args, self._lowered.needs_x64)
                digest = hashlib.sha256(program).hexdigest()[:20]
            known = self._programs[signature] = (digest, program)
        digest, program = known
        if (task, digest) not in self._loaded:
            self._placement.channel(task).call(
                "load", "loading a program", digest, program
            )
            self._loaded.add((task, digest))
        return digest


def _taking_rng_tuple(pure: Callable[..., Any]) -> Callable[..., Any]:
    """``pure`` taking its RNG state as the tuple ``(roots, counts)``."""

    def call(start: dict, cur: dict, inputs: tuple, key: Any) -> Any:
        return pure(start, cur, inputs, None if key is None else _rng.RngState(*key))

    return call


def _export(
    segment: Segment, ops: Sequence[Operation], args: tuple, x64: bool
) -> bytes:
    from jax import export

    try:
        with jax.enable_x64(x64):
            jitted = jax.jit(_taking_rng_tuple(segment.pure))
            return bytes(export.export(jitted)(*args).serialize())
    except Exception as err:
        raise errors.UnimplementedError(
            None,
            None,
            f"The ops of a Session.run placed on /job:{segment.device[0]}/task:"
            f"{segment.device[1]} {[op.name for op in ops]} cannot be shipped to that task ({err}). Ops"
            " that call Python on the host (py_func, print, summaries, iterators) run"
            " only in the session's own process: leave their device empty.",
        ) from err


# -- choosing a session's placement -------------------------------------------------

# Rules a client package adds (``jgraph.distribute.replicas``): ``rule(graph, config,
# member) -> Placement | None`` for a session on this process's own task of a cluster
# of several tasks; the first placement returned wins.
PLACEMENT_RULES: list[Callable[[Graph, Any, Member], Placement | None]] = []


def session_placement(
    graph: Graph, target: str, config: Any, placement: Placement | None
) -> Placement:
    """The placement of ``Session(target, graph, config, placement)``.

    ``placement`` wins, then ``config.placement`` (their target must be a task of
    this process). Else, in a process that is a task of a cluster of several tasks,
    or for a target that is not this process's task, a :class:`ServingPlacement`
    (ops run on the tasks their devices name); otherwise a ``DevicePlacement``.
    """
    if placement is None:
        placement = getattr(config, "placement", None)
    if placement is not None:
        check_target(target)
        return placement
    member = current_member()
    address = target.split("://", 1)[-1]
    several = member is not None and len(member.order) > 1
    if member is not None and (not target or address == member.address):
        if not several:
            return DevicePlacement(graph, config)
        for rule in PLACEMENT_RULES:
            chosen = rule(graph, config, member)
            if chosen is not None:
                return chosen
        return ServingPlacement(graph, config, member.jobs, member.task, member)
    if not target:
        return DevicePlacement(graph, config)
    return client_placement(graph, target, config, member)


def client_placement(
    graph: Graph, target: str, config: Any, member: Member | None
) -> ServingPlacement:
    """The placement of a session on ``target``: from a task of the cluster
    (``member``), or from a process outside it (through the target's doorway)."""
    address = target.split("://", 1)[-1]
    if member is not None and address in member.addresses():
        jobs = member.jobs
    else:
        member = None  # another cluster's task: reached as from outside
        timeout_s = operation_timeout_ms(config) / 1000
        jobs = _describe_waiting(address, timeout_s)["jobs"]
    found = [(j, i) for j in sorted(jobs) for i, a in jobs[j].items() if a == address]
    if not found:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Session target {target!r} is no task of this process's cluster"
            f" {jobs}: pass one of its tasks' targets, or '' for this task.",
        )
    return ServingPlacement(graph, config, jobs, found[0], member)


def _describe_waiting(address: str, timeout_s: float) -> dict:
    start = time.monotonic()
    next_note = start + PROGRESS_S
    while True:
        them = describe(address)
        if them is not None:
            return them
        now = time.monotonic()
        if now - start > timeout_s:
            raise errors.UnavailableError(
                None,
                None,
                f"No jgraph task answered at {address} within {timeout_s:g} s: start"
                " its tf.train.Server first (or pass '' to run in this process)."
                " (ConfigProto.operation_timeout_in_ms sets this wait.)",
            )
        if now > next_note:
            print(
                f"jgraph: waiting for a tf.train.Server at {address}"
                f" ({now - start:.0f} s of {timeout_s:g} s)",
                file=sys.stderr,
                flush=True,
            )
            next_note = now + PROGRESS_S
        time.sleep(0.2)
