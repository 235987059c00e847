"""One process of the multi-device and multi-task tests (tests/test_devices.py,
tests/test_distribute.py): ``python tests/_dist_worker.py SCENARIO [options]``.

Multi-task scenarios make one task of a 127.0.0.1 cluster whose task 0 listens on
``--ports[0]``; results go to stdout as ``RESULT <json>`` lines (and ``--out``
files). ``devices`` runs in one process with several CPU devices
(``XLA_FLAGS=--xla_force_host_platform_device_count=4``) and prints one JSON dict.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

import numpy as np

import jgraph as tf
from jgraph import distribute
from jgraph.checkpoint import saver as saver_module
from jgraph.compile.segments import HOST
from jgraph.config import ConfigProto
from jgraph.runtime.serving import task_info
from jgraph.train.server import ClusterSpec, Server

BATCH = 8  # rows per step, all tasks together
FEATURES, CLASSES = 4, 3


def batches(steps: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The global batches every run of the data-parallel model trains on."""
    rng = np.random.RandomState(0)
    return [
        (
            rng.randn(BATCH, FEATURES).astype(np.float32),
            np.eye(CLASSES, dtype=np.float32)[rng.randint(0, CLASSES, BATCH)],
        )
        for _ in range(steps)
    ]


def build_model():
    """A softmax regression trained by GradientDescentOptimizer (TF1 code)."""
    x, y, w, b, loss = model_loss()
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    return x, y, w, b, loss, train


def model_loss():
    """The softmax regression's inputs, variables and mean loss."""
    x = tf.placeholder(tf.float32, [None, FEATURES], name="x")
    y = tf.placeholder(tf.float32, [None, CLASSES], name="y")
    w = tf.Variable(
        np.linspace(-1, 1, FEATURES * CLASSES, dtype=np.float32).reshape(
            FEATURES, CLASSES
        ),
        name="w",
    )
    b = tf.Variable(np.zeros(CLASSES, np.float32), name="b")
    logits = tf.matmul(x, w) + b
    loss = tf.reduce_mean(
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits)
    )
    return x, y, w, b, loss


def _cluster(args, jobs=None):
    addresses = [f"127.0.0.1:{p}" for p in args.ports.split(",")]
    spec = jobs(addresses) if jobs else {"worker": addresses}
    config = ConfigProto(
        operation_timeout_in_ms=args.timeout_ms,
        heartbeat_timeout_in_ms=args.heartbeat_ms,
    )
    return ClusterSpec(spec), config


def result(**values) -> None:
    print("RESULT " + json.dumps(values), flush=True)


# -- multi-task scenarios ----------------------------------------------------------------


def placed(args) -> None:
    """TF1's in-graph placement over two tasks: task 1 serves (join), task 0's
    session places w on task 1, the matmul on task 0, and trains three times (the
    gradient where minimize runs, task 0; the update where w lives, task 1)."""
    cluster, config = _cluster(args)
    server = Server(cluster, job_name="worker", task_index=args.task, config=config)
    if args.task == 1:
        server.join()
        return
    x = tf.placeholder(tf.float32, [None, 3])
    with tf.device("/job:worker/task:1"):
        w = tf.Variable(np.ones((3, 2), np.float32), name="w")
    with tf.device("/job:worker/task:0"):
        h = tf.matmul(x, w)
    loss = tf.reduce_sum(h * h)
    train_op = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    xs = np.arange(6, dtype=np.float32).reshape(2, 3)
    with tf.Session(server.target, config=config) as sess:
        sess.run(tf.global_variables_initializer())
        losses = [float(sess.run([train_op, loss], {x: xs})[1]) for _ in range(3)]
        state = sess.get_state(copy=False).variables["w"]
        info = task_info(server._member.jobs, ("worker", 1))
        result(
            losses=losses,
            w=sess.run(w).tolist(),
            w_held_by=getattr(state, "task", "here"),
            ran_on_task1=sorted(info["ran"]),
        )


def train(args) -> None:
    """Data-parallel training: this task feeds its share of every global batch."""
    cluster, config = _cluster(args)
    server = Server(cluster, job_name="worker", task_index=args.task, config=config)
    tasks = cluster.num_tasks("worker")
    x, y, w, b, loss, train_op = build_model()
    saver = saver_module.Saver() if args.out else None
    placement = distribute.DataParallel()
    rows = slice(args.task * BATCH // tasks, (args.task + 1) * BATCH // tasks)
    with tf.Session(server.target, placement=placement) as sess:
        sess.run(tf.global_variables_initializer())
        losses = []
        for xs, ys in batches(args.steps):
            _, value = sess.run([train_op, loss], {x: xs[rows], y: ys[rows]})
            losses.append(float(value))
        trained = sess.run([w, b])
        state = sess.get_state(copy=False).variables
        out = {
            "w": trained[0].tolist(),
            "b": trained[1].tolist(),
            "losses": losses,
            "w_devices": len(state["w"].sharding.device_set),
        }
        if saver is not None:
            path = saver.save(sess, os.path.join(args.out, "model.ckpt"), global_step=1)
            sess.run([w.assign(tf.zeros_like(w)), b.assign(tf.zeros_like(b))])
            saver.restore(sess, path)
            out["restored_w"] = sess.run(w).tolist()
            out["latest"] = os.path.basename(saver_module.latest_checkpoint(args.out))
        result(**out)


def early(args) -> None:
    """Task 1 finishes its program after initializing; task 0 goes on training and
    must get an error naming task 1 at once, not after the timeout."""
    cluster, config = _cluster(args)
    server = Server(cluster, job_name="worker", task_index=args.task, config=config)
    x, y, _, _, loss, train_op = build_model()
    ((xs, ys),) = batches(1)
    rows = slice(args.task * 4, args.task * 4 + 4)
    with tf.Session(server.target, placement=distribute.DataParallel()) as sess:
        sess.run(tf.global_variables_initializer())
        if args.task == 1:
            print("FINISHING", flush=True)
            return
        import time

        time.sleep(2.0)  # task 1 is gone by now
        start = time.monotonic()
        try:
            sess.run([train_op, loss], {x: xs[rows], y: ys[rows]})
        except tf.errors.OpError as err:
            print(f"AFTER {time.monotonic() - start:.1f}", flush=True)
            print(f"ERROR {type(err).__name__}: {err}", flush=True)
            sys.exit(3)


def mismatch(args) -> None:
    """After one synchronized run of A (train) and B (loss), the tasks run them in
    opposite orders: every such run must raise on both tasks and update nothing."""
    cluster, config = _cluster(args)
    server = Server(cluster, job_name="worker", task_index=args.task, config=config)
    x, y, w, _, loss, train_op = build_model()
    ((xs, ys),) = batches(1)
    feed = {
        x: xs[args.task * 4 : args.task * 4 + 4],
        y: ys[args.task * 4 : args.task * 4 + 4],
    }
    with tf.Session(server.target, placement=distribute.DataParallel()) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train_op, feed)
        sess.run(loss, feed)
        before = sess.run(w).tolist()
        order = [train_op, loss] if args.task == 0 else [loss, train_op]
        errors_seen = []
        for fetch in order:
            try:
                sess.run(fetch, feed)
                errors_seen.append(None)
            except tf.errors.InvalidArgumentError as err:
                errors_seen.append(str(err))
        result(before=before, after=sess.run(w).tolist(), errors=errors_seen)


def kill(args) -> None:
    """Trains until killed; a dead peer must end this task with a clear error."""
    cluster, config = _cluster(args)
    server = Server(cluster, job_name="worker", task_index=args.task, config=config)
    x, y, _, _, loss, train_op = build_model()
    ((xs, ys),) = batches(1)
    rows = slice(args.task * 4, args.task * 4 + 4)
    with tf.Session(server.target, placement=distribute.DataParallel()) as sess:
        sess.run(tf.global_variables_initializer())
        step = 0
        try:
            while True:
                sess.run([train_op, loss], {x: xs[rows], y: ys[rows]})
                step += 1
                if step % 20 == 0:
                    print(f"STEP {step}", flush=True)
        except tf.errors.OpError as err:
            print(f"ERROR {type(err).__name__}: {err}", flush=True)
            os._exit(3)


def parameter_server(args) -> None:
    """Task 0 is a TF1 'ps' that only joins; the worker must fail, not hang."""
    cluster, _ = _cluster(args, lambda a: {"ps": a[:1], "worker": a[1:]})
    job, index = ("ps", 0) if args.task == 0 else ("worker", args.task - 1)
    # The servers wait long (the default) for each other; the run waits briefly.
    config = ConfigProto(heartbeat_timeout_in_ms=args.heartbeat_ms)
    server = Server(cluster, job_name=job, task_index=index, config=config)
    if job == "ps":
        print("PS JOINING", flush=True)
        server.join()
        print("PS JOINED", flush=True)
        return
    build_model()
    placement = distribute.DataParallel(operation_timeout_in_ms=args.timeout_ms)
    with tf.Session(server.target, placement=placement) as sess:
        try:
            sess.run(tf.global_variables_initializer())
        except tf.errors.OpError as err:
            print(f"ERROR {type(err).__name__}: {err}", flush=True)
            sys.exit(3)  # a clean exit: the ps's join() returns


def replicas(args) -> None:
    """Between-graph replication as TF1 programs wrote it: task 0 is the ps, the
    others workers running this same code (replica_device_setter,
    SyncReplicasOptimizer, MonitoredTrainingSession, chief-only checkpoints and
    summaries in --out). ``--rows-less 2``: the second worker feeds 2 rows fewer."""
    cluster, config = _cluster(args, lambda a: {"ps": a[:1], "worker": a[1:]})
    job, index = ("ps", 0) if args.task == 0 else ("worker", args.task - 1)
    server = Server(cluster, job_name=job, task_index=index, config=config)
    if job == "ps":
        server.join()
        print("PS JOINED", flush=True)
        return
    workers = cluster.num_tasks("worker")
    is_chief = index == 0
    setter = tf.train.replica_device_setter(
        worker_device=f"/job:worker/task:{index}", cluster=cluster
    )
    with tf.device(setter):
        x, y, w, b, loss = model_loss()
        global_step = tf.train.get_or_create_global_step()
        opt = tf.train.SyncReplicasOptimizer(
            tf.train.GradientDescentOptimizer(0.5),
            replicas_to_aggregate=workers,
            total_num_replicas=workers,
        )
        train_op = opt.minimize(loss, global_step=global_step)
        tf.summary.scalar("loss", loss)
    final = tf.train.FinalOpsHook([w, b])
    hooks = [
        opt.make_session_run_hook(is_chief),
        tf.train.StopAtStepHook(last_step=args.steps),
        final,
    ]
    rows = slice(index * BATCH // workers, (index + 1) * BATCH // workers)
    if index == 1:
        rows = slice(rows.start, rows.stop - args.rows_less)
    data = batches(args.steps)
    losses, steps = [], []
    if args.supervisor:
        supervisor_training(args, is_chief, (x, y, w, b, loss, global_step, train_op))
        return
    try:
        with tf.train.MonitoredTrainingSession(
            master=server.target,
            is_chief=is_chief,
            checkpoint_dir=args.out if is_chief else None,
            hooks=hooks,
            save_summaries_steps=1,
            config=config,
        ) as sess:
            # > 0 when the chief restored (read without the hooks' fetches).
            first = int(
                sess.run_step_fn(
                    lambda step_context: step_context.session.run(global_step)
                )
            )
            while not sess.should_stop():
                xs, ys = data[first + len(losses)]
                _, value, step = sess.run(
                    [train_op, loss, global_step], {x: xs[rows], y: ys[rows]}
                )
                losses.append(float(value))
                steps.append(int(step))
    except tf.errors.OpError as err:
        print(f"ERROR {type(err).__name__}: {err}", flush=True)
        sys.exit(3)  # a clean exit: the ps's join() returns
    w_value, b_value = final.final_ops_values
    result(
        devices=[w.device, global_step.device, loss.device],
        losses=losses,
        steps=steps,
        w=w_value.tolist(),
        b=b_value.tolist(),
    )


def supervisor_training(args, is_chief: bool, model: tuple) -> None:
    """The replicas scenario's workers with TF1's older Supervisor."""
    x, y, w, b, loss, global_step, train_op = model
    _, config = _cluster(args)
    workers = 2
    index = args.task - 1
    rows = slice(index * BATCH // workers, (index + 1) * BATCH // workers)
    data = batches(args.steps)
    sv = tf.train.Supervisor(
        is_chief=is_chief,
        logdir=args.out if is_chief else None,
        global_step=global_step,
        summary_op=None,  # the merged summaries need the batch: none in a thread
    )
    losses, steps = [], []
    try:
        with sv.managed_session(
            f"grpc://127.0.0.1:{args.ports.split(',')[args.task]}", config=config
        ) as sess:
            while not sv.should_stop() and len(losses) < args.steps:
                xs, ys = data[len(losses)]
                _, value, step = sess.run(
                    [train_op, loss, global_step], {x: xs[rows], y: ys[rows]}
                )
                losses.append(float(value))
                steps.append(int(step))
            w_value, b_value = sess.run([w, b])
    except tf.errors.OpError as err:
        print(f"ERROR {type(err).__name__}: {err}", flush=True)
        sys.exit(3)
    result(losses=losses, steps=steps, w=w_value.tolist(), b=b_value.tolist())


# -- several devices in one process ---------------------------------------------------


def devices(args) -> None:
    """Placement checks on 4 CPU devices; prints one JSON dict."""
    import jax

    from jgraph.python.client import device_lib

    out: dict = {"jax_devices": len(jax.devices())}
    out["device_lib"] = [d.name for d in device_lib.list_local_devices()]

    def ids(array):
        return sorted(d.id for d in array.devices())

    # Variables live on their device; ops run on theirs; values move between them.
    graph = tf.Graph()
    with graph.as_default():
        with tf.device("/cpu:1"):
            w = tf.Variable(tf.ones([3, 2]), name="w")
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        with tf.device("/device:CPU:2"):
            h = tf.matmul(x, w)
        with tf.device("/job:localhost/replica:0/task:0/device:CPU:3"):
            z = tf.reduce_sum(h) + 1.0
        loss = tf.reduce_sum(h * h)
        train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
        bump = tf.assign_add(w, tf.ones([3, 2]))  # colocated with w
        xs = np.arange(6, dtype=np.float32).reshape(2, 3)
        config = ConfigProto(log_device_placement=True)
        with tf.Session(config=config) as sess:
            sess.run(tf.global_variables_initializer())
            out["w_home"] = ids(sess.get_state(copy=False).variables["w"])
            plan = sess._plan([h, z], (x,))
            segments = plan.lowered.fn.segments
            out["segments"] = [s.device.id for s in segments]
            state = sess.get_state().variables
            _, outputs, _ = plan.lowered.fn({"w": state["w"]}, {}, (xs,), None, ())
            out["h_devices"] = ids(outputs[0])
            out["z_devices"] = ids(outputs[1])
            out["h"], out["z"] = (np.asarray(v).tolist() for v in outputs)
            sess.run(bump)
            out["w_after_bump"] = sess.run(w).tolist()
            out["w_home_after_bump"] = ids(sess.get_state(copy=False).variables["w"])
            for _ in range(3):
                sess.run(train, {x: xs})
            out["w_trained"] = sess.run(w).tolist()
            out["w_home_after_train"] = ids(sess.get_state(copy=False).variables["w"])

    # The same program without devices: the reference values.
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable(tf.ones([3, 2]), name="w")
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        h = tf.matmul(x, w)
        z = tf.reduce_sum(h) + 1.0
        train = tf.train.GradientDescentOptimizer(0.01).minimize(tf.reduce_sum(h * h))
        bump = tf.assign_add(w, tf.ones([3, 2]))
        with tf.Session(graph=graph) as sess:
            sess.run(tf.global_variables_initializer())
            out["ref_h"], out["ref_z"] = (
                np.asarray(v).tolist() for v in sess.run([h, z], {x: xs})
            )
            sess.run(bump)
            for _ in range(3):
                sess.run(train, {x: xs})
            out["ref_w_trained"] = sess.run(w).tolist()

    # The read rule across devices: a read under control_dependencies of an update
    # made on another device sees it; a read with no update upstream, the start.
    graph = tf.Graph()
    with graph.as_default():
        with tf.device("/cpu:1"):
            v = tf.Variable(1.0, name="v")
            inc = tf.assign_add(v, 1.0)
        with tf.device("/cpu:2"):
            with tf.control_dependencies([inc]):
                after = tf.identity(v)
            before = v * 1.0
        with tf.Session(graph=graph) as sess:
            sess.run(v.initializer)
            out["reads"] = [float(x) for x in sess.run([after, before, v])]

    # A graph wholly on one non-default device: one program there, state there.
    from jgraph.runtime.placement import OneDeviceRun, SegmentedRun

    for where in ("", "/cpu:3"):
        graph = tf.Graph()
        with graph.as_default(), tf.device(where):
            tf.set_random_seed(3)
            x, y, w, _, loss, train_op = build_model()
            noise = tf.random_uniform([2], seed=1)
            with tf.Session(graph=graph) as sess:
                sess.run(tf.global_variables_initializer())
                fn = sess._plan([train_op, loss], (x, y)).lowered.fn
                drawn = []
                for xs, ys in batches(3):
                    sess.run(train_op, {x: xs, y: ys})
                    drawn.append(sess.run(noise).tolist())  # interleaved fetch sets
                stats = {tuple(s.fetches): s.compiles for s in sess.stats()}
                out[f"one{where}"] = {
                    "w": sess.run(w).tolist(),
                    "drawn": drawn,
                    "run": type(fn).__name__,
                    "segmented": isinstance(fn, SegmentedRun),
                    "one_device": isinstance(fn, OneDeviceRun),
                    "w_home": ids(sess.get_state(copy=False).variables["w"]),
                    "compiles": sorted(stats.values()),
                }

    # Random ops draw the same numbers wherever they run.
    for where in ("", "/cpu:3"):
        graph = tf.Graph()
        with graph.as_default():
            tf.set_random_seed(7)
            with tf.device(where):
                r = tf.random_normal([4], seed=1)
            with tf.device("/cpu:1"):
                s = r * 2.0
            with tf.Session(graph=graph) as sess:
                out[f"random{where}"] = sess.run(s).tolist()

    # A host step between segments on other devices: values and state move.
    graph = tf.Graph()
    with graph.as_default():
        with tf.device("/cpu:1"):
            w = tf.Variable([1.0, -2.0, 3.0], name="w")
        with tf.device("/cpu:2"):
            doubled = w * 2.0
        kept = tf.boolean_mask(doubled, doubled > 0)  # a host step (tf.where)
        offset = tf.py_func(lambda a: a + 1.0, [kept], tf.float32)
        with tf.device("/cpu:3"):
            total = tf.reduce_sum(offset * kept)
        train = tf.train.GradientDescentOptimizer(0.1).minimize(total)
        with tf.Session(graph=graph) as sess:
            sess.run(w.initializer)
            plan = sess._plan(total, ())
            out["host_segments"] = [
                "host" if s.device is HOST else s.device.id
                for s in plan.lowered.fn.segments
            ]
            out["host_total"] = float(sess.run(total))
            sess.run(train)
            out["host_w"] = sess.run(w).tolist()
            out["host_w_home"] = ids(sess.get_state(copy=False).variables["w"])

    # A device that does not exist, with and without soft placement.
    graph = tf.Graph()
    with graph.as_default():
        with tf.device("/cpu:7"):
            q = tf.constant(3.0) * 2.0
        with tf.Session(graph=graph) as sess:
            try:
                sess.run(q)
            except tf.errors.InvalidArgumentError as err:
                out["missing_error"] = str(err)
        soft = ConfigProto(allow_soft_placement=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with tf.Session(graph=graph, config=soft) as sess:
                out["soft_value"] = float(sess.run(q))
                sess.run(q + 1.0)
        out["soft_warnings"] = [str(w.message) for w in caught]
        limited = ConfigProto(device_count={"CPU": 2})
        with tf.Session(graph=graph, config=limited) as sess:
            try:
                sess.run(q)
            except tf.errors.InvalidArgumentError as err:
                out["limited_error"] = str(err)

    # Data-parallel training on 4 devices == plain training on the same batches.
    results = {}
    for name in ("plain", "data_parallel"):
        graph = tf.Graph()
        with graph.as_default():
            x, y, w, _, loss, train_op = build_model()
            placement = distribute.DataParallel() if name != "plain" else None
            with tf.Session(graph=graph, placement=placement) as sess:
                sess.run(tf.global_variables_initializer())
                for xs, ys in batches(3):
                    sess.run(train_op, {x: xs, y: ys})
                results[name] = sess.run(w).tolist()
                variables = sess.get_state(copy=False).variables
                results[name + "_w_devices"] = len(variables["w"].sharding.device_set)
                try:
                    sess.run(loss, {x: xs[:3], y: ys[:3]})
                except tf.errors.InvalidArgumentError as err:
                    results[name + "_uneven"] = str(err)
    out["dp"] = results
    print(json.dumps(out), flush=True)


SCENARIOS = {
    "placed": placed,
    "train": train,
    "kill": kill,
    "early": early,
    "mismatch": mismatch,
    "ps": parameter_server,
    "replicas": replicas,
    "devices": devices,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--task", type=int, default=0)
    parser.add_argument("--ports", default="")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--out", default="")
    parser.add_argument("--timeout-ms", type=int, default=30_000)
    parser.add_argument("--heartbeat-ms", type=int, default=10_000)
    parser.add_argument("--rows-less", type=int, default=0)
    parser.add_argument("--supervisor", action="store_true")
    args = parser.parse_args(argv)
    SCENARIOS[args.scenario](args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
