"""Between-graph replication as TF1 programs wrote it: ``ps`` tasks, workers that all
run the same script, ``replica_device_setter``, a chief.

Where it sits: a client of the session's placement hook (``runtime/placement.py``)
and of the serving sessions' choice of placement (``runtime/serving.py``'s
``PLACEMENT_RULES``). :func:`replica_device_setter` places variables on ``ps`` and
ops on the worker, as TF1, and records on the graph that job ``ps`` holds
*replicated* state. A session on a worker task of such a graph gets a
:class:`ReplicaPlacement`:

- Every worker keeps a whole copy of the variables that TF1 kept on ``ps`` (the
  ``ps`` tasks only ``server.join()``: they hold nothing and return when the
  workers are done).
- A run that writes replicated state (a training step) is a *collective step*
  over the worker tasks: the ops that write it run as one program over a mesh of
  one device per worker, each worker's fed batch its share of the global batch
  (``jgraph.distribute``'s synchronous data parallelism), so every copy takes the
  same update: the one a single process takes on the concatenated batches. The
  step first compares every worker's step (fetch-set digest, batch rows, run
  number) inside the program, and runs only when they agree; otherwise nothing is
  updated and every worker raises ``InvalidArgumentError`` naming both sides
  (uneven batches included). The run's fetched values are this worker's own (its
  batch, the state at the run's start), as TF1 returns them.
- A run that only reads replicated state (evaluation, summaries, ``Saver.save``)
  runs on this worker alone: chief-only work never waits for the others.
- Runs before the session is synchronised (the chief's initialisation or restore)
  are local; then :func:`sync_session` broadcasts the chief's state to every worker
  (``ChiefSessionCreator`` / ``WorkerSessionCreator`` /
  ``MonitoredTrainingSession`` call it; a program with a plain ``Session`` calls
  ``jgraph.distribute.sync_session(sess, is_chief)`` after its chief's init).

TF1 differences: see the README's "What is different from TF1".
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import sys
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jgraph import errors
from jgraph.compile import rng as _rng
from jgraph.compile.lower import LoweredRun, lower
from jgraph.compile.prune import prune
from jgraph.compile.segments import has_host_steps
from jgraph.config import operation_timeout_ms
from jgraph.graph.device_spec import DeviceSpec
from jgraph.graph.graph import Graph, GraphKeys, Operation, get_default_graph
from jgraph.graph.shape import is_known
from jgraph.graph.tensor import Tensor
from jgraph.ops.registry import opdef_for
from jgraph.runtime import serving
from jgraph.runtime.cluster import PROGRESS_S, Member, current_member
from jgraph.runtime.placement import Placement, host_steps_unsupported
from jgraph.runtime.tasks import (
    ClusterLayout,
    collective_error,
    describe_run,
    is_runtime_failure,
    started_cluster,
    wait_for_task,
)

# The graph collection naming the jobs whose variables are replicated on the workers
# (set by replica_device_setter): plain strings, so it exports with the graph.
REPLICATED_JOBS = "jgraph_replicated_jobs"

AXIS = "replicas"

# TF1's default ps_ops: the op types replica_device_setter puts on ps tasks.
PS_OPS = (
    "Variable",
    "VariableV2",
    "AutoReloadVariable",
    "MutableHashTable",
    "MutableHashTableV2",
    "MutableHashTableOfTensors",
    "MutableHashTableOfTensorsV2",
    "MutableDenseHashTable",
    "MutableDenseHashTableV2",
    "VarHandleOp",
    "BoostedTreesEnsembleResourceHandleOp",
    "BoostedTreesQuantileStreamResourceHandleOp",
)


# -- tf.train.replica_device_setter -------------------------------------------------------


class _RoundRobin:
    """TF1's default ``ps_strategy``: ps tasks in turn, one per variable."""

    def __init__(self, num_tasks: int) -> None:
        self._num_tasks = num_tasks
        self._next = 0

    def __call__(self, op: Operation) -> int:
        del op
        task = self._next
        self._next = (self._next + 1) % self._num_tasks
        return task


def replica_device_setter(
    ps_tasks: int = 0,
    ps_device: str = "/job:ps",
    worker_device: str = "/job:worker",
    merge_devices: bool = True,
    cluster: Any = None,
    ps_ops: Sequence[str] | None = None,
    ps_strategy: Callable[[Operation], int] | None = None,
) -> Callable[[Operation], str] | None:
    """TF1's ``tf.train.replica_device_setter``: a device function for
    ``tf.device`` that puts variables on the ``ps`` tasks and other ops on
    ``worker_device``.

    As TF1: with no ps tasks it returns ``None``; ``cluster`` (a ``ClusterSpec`` or
    its dict) gives the number of ps tasks; variables go to the ps tasks round
    robin (or by ``ps_strategy``); devices already set on an op win
    (``merge_devices``). jgraph also records on the default graph that the ps
    job's variables are replicated on the workers (see the module docstring).

    >>> replica_device_setter(cluster={"worker": ["localhost:2222"]}) is None
    True
    """
    if cluster is not None:
        jobs = cluster.as_dict() if hasattr(cluster, "as_dict") else dict(cluster)
        ps_job = DeviceSpec.from_string(ps_device or "").job or "ps"
        ps_tasks = len(jobs.get(ps_job, ()))
    if ps_tasks == 0:
        return None
    if not merge_devices:
        raise errors.UnimplementedError(
            None,
            None,
            "replica_device_setter(merge_devices=False) is deprecated in TF1 and not"
            " supported: leave merge_devices=True.",
        )
    kinds = frozenset(ps_ops if ps_ops is not None else PS_OPS)
    strategy = ps_strategy if ps_strategy is not None else _RoundRobin(ps_tasks)
    ps_spec = DeviceSpec.from_string(ps_device or "")
    worker_spec = DeviceSpec.from_string(worker_device or "")
    graph = get_default_graph()
    if ps_spec.job and ps_spec.job not in graph.get_collection(REPLICATED_JOBS):
        graph.add_to_collection(REPLICATED_JOBS, ps_spec.job)

    def device_function(op: Operation) -> str:
        current = DeviceSpec.from_string(op.device or "")
        if ps_device and op.type in kinds:
            spec = ps_spec
            if spec.job and (not current.job or current.job == spec.job):
                spec = spec._replace(task=strategy(op))
            return spec.merge(current).to_string()
        return worker_spec.merge(current).to_string()

    return device_function


# -- the placement of a worker's sessions ---------------------------------------------------


class ReplicaPlacement(Placement):
    """A worker's session in between-graph replication (see the module docstring).

    Args:
      graph: the session's graph.
      config: the session's ``ConfigProto`` (``operation_timeout_in_ms``).
      layout: the cluster (which JAX process is which task).
    """

    def __init__(self, graph: Graph, config: Any, layout: ClusterLayout) -> None:
        self._graph = graph
        self._timeout_ms = operation_timeout_ms(config)
        self.layout = layout
        me = layout.process_index
        self.job = layout.tasks[me][0]
        self.workers = tuple(
            p for p, (job, _) in enumerate(layout.tasks) if job == self.job
        )
        # The collective step's mesh: one device per worker task, in task order.
        by_process: dict[int, Any] = {}
        for device in jax.devices():
            by_process.setdefault(device.process_index, device)
        self.device = by_process[me]
        self.mesh = Mesh(np.array([by_process[p] for p in self.workers]), (AXIS,))
        self.replicated = NamedSharding(self.mesh, PartitionSpec())
        self.batched = NamedSharding(self.mesh, PartitionSpec(AXIS))
        self.synced = len(self.workers) == 1
        self.runs = itertools.count(1)

    def task_name(self, process: int) -> str:
        return self.layout.task_name(process)

    def local_names(self) -> frozenset[str]:
        """Variables each worker keeps for itself (TF1's local variables)."""
        return frozenset(
            v.op.name for v in self._graph.get_collection(GraphKeys.LOCAL_VARIABLES)
        )

    def replicated_names(self) -> frozenset[str]:
        """The variables TF1 kept on the ps tasks (``replica_device_setter`` put
        them there), less local ones: every worker holds a replica, and runs that
        write them are collective steps. A variable placed elsewhere (a worker's
        own) is written by that worker alone."""
        jobs = set(self._graph.get_collection(REPLICATED_JOBS))
        return (
            frozenset(
                name
                for name, variable in self._graph.variables.items()
                if DeviceSpec.from_string(variable.op.device or "").job in jobs
            )
            - self.local_names()
        )

    # -- the Placement interface ------------------------------------------------------
    def lower(
        self,
        ops: tuple[Operation, ...],
        fetches: Sequence[Tensor],
        feeds: Sequence[Tensor],
    ) -> LoweredRun:
        lowered = super().lower(ops, fetches, feeds)
        writes = lowered.written_vars & self.replicated_names()
        if not writes or len(self.workers) == 1:
            return lowered
        # The step: only the ops that write replicated state and what they need, so
        # every worker runs the same program whatever else it fetches (the chief's
        # summaries, a hook's global step).
        targets = [
            op
            for op in lowered.run_ops
            if _writes(op) and set(opdef_for(op).variables(op)) & writes
        ]
        step_ops = prune([], targets, feeds)
        used = {id(t) for op in step_ops for t in op.inputs}
        step_feeds = tuple(t for t in feeds if id(t) in used)
        step = lower(step_ops, (), step_feeds, jit=_unjitted)
        if has_host_steps(step.run_ops):
            raise host_steps_unsupported(step, "a between-graph replicated step")
        return dataclasses.replace(lowered, fn=ReplicatedRun(self, lowered, step))

    def not_synced(self, what: str) -> errors.OpError:
        """The error of a training run before the workers share the chief's state."""
        me = self.task_name(self.layout.process_index)
        return errors.FailedPreconditionError(
            None,
            None,
            f"{me} runs a step that updates the replicated variables ({what}), but"
            " its session has not taken the chief's variables yet: the workers would"
            " train different replicas. MonitoredTrainingSession, Chief/"
            "WorkerSessionCreator and Supervisor do this; with a plain Session, call"
            " jgraph.distribute.sync_session(sess, is_chief) on every worker once"
            " the chief has initialised (see jgraph.distribute.replicas).",
        )

    def is_batch(self, tensor: Tensor) -> bool:
        """A fed tensor whose first dimension is unknown: each worker's rows."""
        dims = tensor.dims
        return bool(dims) and not is_known(dims[0])

    def global_array(self, local: Any, batched: bool) -> jax.Array:
        """The global array over the workers whose part on this task is ``local``
        (all of it when not ``batched``)."""
        local = jnp.asarray(local)
        if batched:
            shape = (local.shape[0] * len(self.workers), *local.shape[1:])
            sharding = self.batched
        else:
            shape, sharding = local.shape, self.replicated
        shard = jax.device_put(local, self.device)
        return jax.make_array_from_single_device_arrays(shape, sharding, [shard])


def _writes(op: Operation) -> bool:
    effects = opdef_for(op).effects
    return effects is not None and bool(effects.writes)


def _unjitted(fn: Callable[..., Any], donate_argnums: Sequence[int], **_: Any) -> Any:
    del donate_argnums
    return fn


def _mine(value: jax.Array) -> jax.Array:
    """This task's copy of a replicated global array."""
    return value.addressable_data(0)


class ReplicatedRun:
    """A ``LoweredRun.fn`` of a run that writes replicated state (see the module
    docstring). Called like the one-jit function."""

    def __init__(
        self, placement: ReplicaPlacement, lowered: LoweredRun, step: LoweredRun
    ) -> None:
        self._placement = placement
        self._lowered = lowered
        self._step = step
        self._local = jax.jit(lowered.pure_fn)  # not donated: the step runs after
        self._needs_local = bool(lowered.fetches) or bool(
            lowered.written_vars - step.written_vars
        )
        details = "\n".join(f"{op.name} {op.type}" for op in step.ops)
        details += "\n" + " ".join(t.name for t in step.feeds)
        digest = hashlib.sha256(details.encode()).digest()
        self._words = np.frombuffer(digest[:8], np.int32).copy()
        self.text = describe_run(lowered)
        self._batch = tuple(placement.is_batch(t) for t in step.feeds)
        # A step that reads what it writes (training, not initialisation).
        self._reads_replicated = bool(
            set(step.required_vars) & step.written_vars & placement.replicated_names()
        )
        self._program = jax.jit(self._checked, out_shardings=placement.replicated)

    def __call__(
        self, ro: dict, rw: dict, feed_values: tuple, key: Any, consts: tuple = ()
    ) -> tuple[dict, tuple, Any]:
        placement = self._placement
        lowered, step = self._lowered, self._step
        if not placement.synced:
            if self._reads_replicated:
                raise placement.not_synced(self.text)
            # The chief's initialisation, before its state is broadcast.
            return self._local(ro, rw, feed_values, key, consts)
        outputs: tuple = (None,) * len(lowered.fetches)
        new_rw: dict = {}
        if self._needs_local:
            new_rw, outputs, _ = self._local(ro, rw, feed_values, key, consts)
        state = {**ro, **rw}
        feeds = dict(zip(lowered.feeds, feed_values, strict=True))
        step_feeds = tuple(feeds[t] for t in step.feeds)
        by_const = dict(zip(lowered.lifted_constants, consts, strict=True))
        step_consts = tuple(by_const[op] for op in step.lifted_constants)
        names = (*step.required_vars, *step.optional_vars)
        step_rw = {n: state[n] for n in step.written_vars if n in state}
        step_ro = {n: state[n] for n in names if n in state and n not in step_rw}
        rows = next(
            (
                int(np.shape(v)[0])
                for v, b in zip(step_feeds, self._batch, strict=True)
                if b and np.ndim(v)
            ),
            -1,
        )
        mine = np.array([*self._words, rows, next(placement.runs)], np.int32)
        glob = placement.global_array
        args = (
            glob(mine[None], True),
            None
            if key is None
            else jax.tree.map(lambda k: glob(jnp.asarray(k)[None], True), key),
            jax.tree.map(lambda v: glob(v, False), step_ro),
            jax.tree.map(lambda v: glob(v, False), step_rw),
            tuple(glob(v, b) for v, b in zip(step_feeds, self._batch, strict=True)),
            jax.tree.map(lambda v: glob(v, False), step_consts),
        )
        try:
            ok, seen, written, next_key = jax.block_until_ready(self._program(*args))
        except (RuntimeError, ValueError) as err:
            if isinstance(err, errors.OpError) or not is_runtime_failure(err):
                raise
            raise collective_error(err) from err
        if not bool(np.asarray(_mine(ok))):
            raise self._mismatch(mine, np.asarray(_mine(seen)))
        new_rw.update(jax.tree.map(_mine, written))
        # A fetched variable is its end-of-run value: the step's.
        outputs = tuple(
            new_rw[lowered.final_reads[i]]
            if i in lowered.final_reads and lowered.final_reads[i] in step_rw
            else value
            for i, value in enumerate(outputs)
        )
        return new_rw, outputs, None if key is None else jax.tree.map(_mine, next_key)

    def _checked(
        self,
        descriptor: Any,
        keys: Any,
        ro: dict,
        rw: dict,
        feed_values: tuple,
        consts: tuple,
    ) -> tuple:
        """The collective step: compares the workers' descriptors (one small
        all-gather, the first collective, so it always pairs) and runs the step
        under ``lax.cond`` only when they agree."""
        replicated = self._placement.replicated
        seen = jax.lax.with_sharding_constraint(descriptor, replicated)
        ok = jnp.all(seen == seen[0])
        # Every worker steps with the chief's key (the first worker's row).
        key = (
            None
            if keys is None
            else jax.tree.map(
                lambda k: jax.lax.with_sharding_constraint(k, replicated)[0], keys
            )
        )
        pure = self._step.pure_fn

        def step(ro: dict, rw: dict) -> dict:
            return pure(ro, rw, feed_values, key, consts)[0]

        shapes = jax.eval_shape(step, ro, rw)

        def refused(ro: dict, rw: dict) -> dict:
            del ro
            return {
                n: rw[n] if n in rw else jnp.zeros(a.shape, a.dtype)
                for n, a in shapes.items()
            }

        written = jax.lax.cond(ok, step, refused, ro, rw)
        next_key = None if key is None else _rng.advance(key, self._lowered.rng_slots)
        return ok, seen, written, next_key

    def _mismatch(self, mine: np.ndarray, seen: np.ndarray) -> errors.OpError:
        placement = self._placement
        sides = []
        for row, process in zip(seen.tolist(), placement.workers, strict=True):
            rows = "no batch" if row[2] < 0 else f"{row[2]} rows"
            same = row[:2] == mine[:2].tolist()
            what = self.text if same else "another training step"
            sides.append(
                f"{placement.task_name(process)}: {what} with {rows} (step #{row[3]})"
            )
        uneven = len({row[2] for row in seen.tolist()}) > 1
        hint = (
            " Every worker must feed the same number of rows: the global batch is"
            " the workers' batches together, and uneven ones would weight them"
            " differently than one process on the combined batch."
            if uneven
            else " Every worker must make the same training runs, in the same order."
        )
        return errors.InvalidArgumentError(
            None,
            None,
            "The workers ran different training steps together; nothing was"
            f" updated: {'; '.join(sides)}.{hint} (See jgraph.distribute.replicas.)",
        )


# -- synchronising the workers' copies ------------------------------------------------------

_SYNCS = itertools.count()  # this process's syncs, in order


def replica_placement(session: Any) -> ReplicaPlacement | None:
    """The :class:`ReplicaPlacement` of ``session`` (a ``Session``), if it has one."""
    placement = getattr(session, "placement", None)
    return placement if isinstance(placement, ReplicaPlacement) else None


def sync_session(session: Any, is_chief: bool, wait_s: float | None = None) -> None:
    """Makes every worker's copy of the replicated state the chief's.

    Every worker's session calls this once, after the chief has initialised or
    restored its state (``ChiefSessionCreator``, ``WorkerSessionCreator`` and
    ``MonitoredTrainingSession`` do): each worker says it is here in the cluster's
    key-value store and waits for the others (a non-chief waits for the chief up to
    ``wait_s``, default ``ConfigProto.operation_timeout_in_ms``, saying every few
    seconds what it waits for); then one collective program broadcasts the chief's
    variables and random state. Later runs that write replicated state are
    collective steps. A no-op for a session that is not a replica.

    Raises:
      UnavailableError: a worker did not come within the wait, or finished its
        program.
      InvalidArgumentError: no worker, or several, said it is the chief.
      FailedPreconditionError: the chief has uninitialised variables.
    """
    placement = replica_placement(session)
    if placement is None or placement.synced:
        return
    member = current_member()
    assert member is not None
    graph: Graph = session.graph
    local = placement.local_names()
    names = sorted(n for n in graph.variables if n not in local)
    me = placement.layout.process_index
    state = session.get_state(copy=False, names=names)
    missing = [n for n in names if n not in state.variables]
    role = "worker"
    if is_chief:
        role = "chief" if not missing else "chief-uninitialized"
    # Every worker's scripts make their sessions in the same order: the n-th sync
    # of each process meets the others' n-th.
    prefix = f"jgraph/replicas/{next(_SYNCS)}/"
    member.client.key_value_set(prefix + str(me), role)
    if missing and is_chief:
        raise errors.FailedPreconditionError(
            None,
            None,
            f"The chief ({placement.task_name(me)}) shares its variables with the"
            f" other workers, but {', '.join(missing[:5])} are not initialized."
            " Run the init op (or restore) on the chief first.",
        )
    timeout_s = placement._timeout_ms / 1000 if wait_s is None else wait_s
    roles = {me: role}
    for process in placement.workers:
        if process != me:
            roles[process] = _wait_for(member, placement, prefix, process, timeout_s)
            if roles[process] == "chief-uninitialized":
                raise errors.FailedPreconditionError(
                    None,
                    None,
                    f"The chief ({placement.task_name(process)}) did not initialise"
                    " the variables it shares with this worker"
                    f" ({placement.task_name(me)}); see its error.",
                )
    chiefs = [p for p in placement.workers if roles[p] == "chief"]
    if len(chiefs) != 1:
        said = ", ".join(f"{placement.task_name(p)}: {roles[p]}" for p in roles)
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Between-graph replication needs exactly one chief worker; the workers"
            f" said: {said}. Pass is_chief=(task_index == 0) on every worker.",
        )
    chief_row = placement.workers.index(chiefs[0])
    if is_chief:
        values = [state.variables[n] for n in names]
    else:
        values = [
            np.zeros(graph.variables[n].spec.shape, graph.variables[n].dtype.np)
            for n in names
        ]
    glob = placement.global_array
    pick = jax.jit(
        lambda tree: jax.tree.map(lambda x: x[chief_row], tree),
        out_shardings=placement.replicated,
    )
    # 64-bit variables (the global step) keep their width on every worker.
    with jax.enable_x64(True):
        stacked = jax.tree.map(
            lambda v: glob(jnp.asarray(v)[None], True), (values, state.key)
        )
        try:
            values, key = jax.block_until_ready(pick(stacked))
        except (RuntimeError, ValueError) as err:
            if isinstance(err, errors.OpError) or not is_runtime_failure(err):
                raise
            raise collective_error(err) from err
    if not is_chief:
        session.set_state(
            {n: _mine(v) for n, v in zip(names, values, strict=True)},
            jax.tree.map(_mine, key),
        )
    placement.synced = True


def _wait_for(
    member: Member,
    placement: ReplicaPlacement,
    prefix: str,
    process: int,
    timeout_s: float,
) -> str:
    """What worker ``process`` posted under ``prefix`` (its role), waiting up to
    ``timeout_s`` with a progress line every few seconds."""
    name = placement.task_name(process)
    me = placement.task_name(placement.layout.process_index)

    def note(waited: float) -> None:
        print(
            f"jgraph: {me} waits for {name} to create its session"
            f" ({waited:.0f} s of {timeout_s:g} s)",
            file=sys.stderr,
            flush=True,
        )

    role = wait_for_task(
        member.client,
        prefix + str(process),
        process,
        timeout_s,
        f"Worker {name} finished its program before its session shared the"
        f" chief's variables with this worker ({me}).",
        note,
        PROGRESS_S,
    )
    if role is None:
        raise errors.UnavailableError(
            None,
            None,
            f"Worker {me} waited {timeout_s:g} s for {name} to create its session"
            " (the chief initialises the variables, then every worker takes its"
            " copy): it did not come. (The wait is ConfigProto."
            "operation_timeout_in_ms, or max_wait_secs of WorkerSessionCreator /"
            " MonitoredTrainingSession on a non-chief.)",
        )
    return role


def _placement_rule(graph: Graph, config: Any, member: Member) -> Placement | None:
    """``serving.PLACEMENT_RULES``: a worker's session on a graph whose ``ps``
    variables are replicated gets a :class:`ReplicaPlacement`."""
    jobs = graph.get_collection(REPLICATED_JOBS)
    layout = started_cluster()
    if not jobs or layout is None:
        return None
    job = member.task[0]
    if job in jobs:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"A session on {member.name(member.node)}: in between-graph replication"
            f" (replica_device_setter) the {job} tasks hold no state in jgraph (the"
            " workers keep replicas of it); a ps task only calls server.join().",
        )
    return ReplicaPlacement(graph, config, layout)


serving.PLACEMENT_RULES.append(_placement_rule)
