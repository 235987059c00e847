"""Latency of jgraph's cluster runs and of one-device placement (issue 17).

Three figures, medians over interleaved rounds (this machine is shared and noisy):

- ``cross_task``: ``Session.run(c)`` of the TF1 tutorial (``b = a * 10`` on task 0,
  ``c = b + a`` on task 1) from a client process outside a two-worker cluster on
  127.0.0.1: two shipped segments, one request each;
- ``bare_collective``: the same two processes' floor for exchanging a few bytes
  with JAX's own engine: a jitted ``psum`` of one int32 per task over
  ``jax.distributed`` (gloo), as a data-parallel step would;
- ``one_device``: a small softmax-regression train step placed wholly on
  ``/cpu:3`` against the same step on the default device (4 CPU devices);
- ``replicas``: between-graph replication as TF1 wrote it (a ps and two workers,
  ``replica_device_setter``, ``SyncReplicasOptimizer``,
  ``MonitoredTrainingSession``): a trivial collective step (``assign_add`` of the
  global step) and an MNIST MLP step (784-128-10, batch 100 per worker), per
  ``run`` on worker 0, against the same two processes with bare
  ``jax.distributed``: the hand-written data-parallel step of the same MLP, and a
  ``psum`` of a gradient-sized float32 vector alone.

    python experiments/dist_latency.py [--calls 200] [--rounds 5] [--out results/]
        [--only replicas]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def _ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _per_call_us(fn, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


# -- roles (subprocesses) -----------------------------------------------------------


def worker(ports: list[int], index: int) -> None:
    import jgraph as tf

    cluster = tf.train.ClusterSpec({"my_job": [f"127.0.0.1:{p}" for p in ports]})
    tf.train.Server(cluster, job_name="my_job", task_index=index).join()


def client(ports: list[int], calls: int, rounds: int) -> None:
    import jgraph as tf

    a = tf.Variable(5)
    with tf.device("/job:my_job/task:0"):
        b = tf.multiply(a, 10)
    with tf.device("/job:my_job/task:1"):
        c = tf.add(b, a)
    with tf.Session(f"grpc://127.0.0.1:{ports[0]}") as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(c) == 55
        times = [_per_call_us(lambda: sess.run(c), calls) for _ in range(rounds)]
    print("RESULT " + json.dumps({"cross_task_us": statistics.median(times)}))


def collective(ports: list[int], index: int, calls: int, rounds: int) -> None:
    import jax
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(f"127.0.0.1:{ports[0]}", 2, index)
    mesh = Mesh(np.array(jax.devices()), ("tasks",))
    sharded = NamedSharding(mesh, PartitionSpec("tasks"))
    local = jax.device_put(np.array([index + 1], np.int32), jax.local_devices()[0])
    x = jax.make_array_from_single_device_arrays((2,), sharded, [local])
    total = jax.jit(
        lambda v: v.sum(), out_shardings=NamedSharding(mesh, PartitionSpec())
    )
    assert int(total(x).addressable_data(0)) == 3

    def step() -> None:
        np.asarray(total(x).addressable_data(0))

    times = [_per_call_us(step, calls) for _ in range(rounds)]
    print("RESULT " + json.dumps({"bare_collective_us": statistics.median(times)}))
    jax.distributed.shutdown()


def one_device(calls: int, rounds: int) -> None:
    import numpy as np

    import jgraph as tf

    sessions = {}
    for where in ("", "/cpu:3"):
        graph = tf.Graph()
        with graph.as_default(), tf.device(where):
            x = tf.placeholder(tf.float32, [None, 4])
            y = tf.placeholder(tf.float32, [None, 3])
            w = tf.Variable(tf.zeros([4, 3]))
            loss = tf.reduce_mean(
                tf.nn.softmax_cross_entropy_with_logits_v2(
                    labels=y, logits=tf.matmul(x, w)
                )
            )
            train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
            sess = tf.Session(graph=graph)
            sess.run(tf.global_variables_initializer())
        feed = {x: np.ones((8, 4), np.float32), y: np.eye(3, dtype=np.float32)[[0] * 8]}
        sessions[where or "default"] = (sess, train, feed)
    times: dict[str, list[float]] = {k: [] for k in sessions}
    for _ in range(rounds):
        for name, (sess, train, feed) in sessions.items():
            step = sess.make_callable(train, list(feed))
            values = list(feed.values())
            step(*values)
            times[name].append(_per_call_us(lambda: step(*values), calls))  # noqa: B023
    print(
        "RESULT "
        + json.dumps({f"step_{k}_us": statistics.median(v) for k, v in times.items()})
    )


MLP = (784, 128, 10)
ROWS = 100  # per worker


def _mnist_batch(index: int):
    import numpy as np

    rng = np.random.RandomState(index)
    xs = rng.rand(ROWS, MLP[0]).astype(np.float32)
    ys = np.eye(MLP[2], dtype=np.float32)[rng.randint(0, MLP[2], ROWS)]
    return xs, ys


def replica(ports: list[int], index: int, calls: int, rounds: int) -> None:
    """Task ``index`` of a ps + 2 workers cluster (0 is the ps)."""
    import jgraph as tf

    addresses = [f"127.0.0.1:{p}" for p in ports]
    cluster = tf.train.ClusterSpec({"ps": addresses[:1], "worker": addresses[1:]})
    job, task = ("ps", 0) if index == 0 else ("worker", index - 1)
    server = tf.train.Server(cluster, job_name=job, task_index=task)
    if job == "ps":
        server.join()
        return
    setter = tf.train.replica_device_setter(
        worker_device=f"/job:worker/task:{task}", cluster=cluster
    )
    with tf.device(setter):
        x = tf.placeholder(tf.float32, [None, MLP[0]])
        y = tf.placeholder(tf.float32, [None, MLP[2]])
        hidden = tf.layers.dense(x, MLP[1], activation=tf.nn.relu)
        logits = tf.layers.dense(hidden, MLP[2])
        loss = tf.reduce_mean(
            tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits)
        )
        step = tf.train.get_or_create_global_step()
        opt = tf.train.SyncReplicasOptimizer(tf.train.GradientDescentOptimizer(0.1), 2)
        train = opt.minimize(loss, global_step=step)
        tick = tf.assign_add(step, 1)
    xs, ys = _mnist_batch(task)
    with tf.train.MonitoredTrainingSession(
        master=server.target,
        is_chief=task == 0,
        hooks=[opt.make_session_run_hook(task == 0)],
    ) as sess:
        trivial, mnist = [], []
        for _ in range(rounds):  # interleaved
            trivial.append(_per_call_us(lambda: sess.run(tick), calls))
            mnist.append(
                _per_call_us(lambda: sess.run(train, {x: xs, y: ys}), calls // 4)
            )
    if task == 0:
        print(
            "RESULT "
            + json.dumps(
                {
                    "replicas_trivial_step_us": statistics.median(trivial),
                    "replicas_mnist_step_us": statistics.median(mnist),
                }
            )
        )


def bare_mnist(ports: list[int], index: int, calls: int, rounds: int) -> None:
    """The same MLP step hand-written on bare ``jax.distributed`` (2 processes)."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(f"127.0.0.1:{ports[0]}", 2, index)
    mesh = Mesh(np.array(jax.devices()), ("tasks",))
    rows = NamedSharding(mesh, PartitionSpec("tasks"))
    same = NamedSharding(mesh, PartitionSpec())
    me = jax.local_devices()[0]

    def put(local, sharding, shape):
        return jax.make_array_from_single_device_arrays(
            shape, sharding, [jax.device_put(local, me)]
        )

    rng = np.random.RandomState(0)
    params = [
        rng.randn(MLP[0], MLP[1]).astype(np.float32) * 0.05,
        np.zeros(MLP[1], np.float32),
        rng.randn(MLP[1], MLP[2]).astype(np.float32) * 0.05,
        np.zeros(MLP[2], np.float32),
    ]
    params = [put(p, same, p.shape) for p in params]
    xs, ys = _mnist_batch(index)

    def loss_fn(p, x, y):
        hidden = jax.nn.relu(x @ p[0] + p[1])
        logits = hidden @ p[2] + p[3]
        return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(logits), axis=1))

    @jax.jit
    def train(p, x, y):
        grads = jax.grad(loss_fn)(p, x, y)
        return [a - 0.1 * g for a, g in zip(p, grads, strict=True)]

    size = sum(int(np.prod(np.shape(p))) for p in params)
    stacked = put(np.ones((1, size), np.float32), rows, (2, size))
    psum = jax.jit(lambda v: v.sum(axis=0), out_shardings=same)
    state = {"p": params}

    def step() -> None:
        x = put(xs, rows, (2 * ROWS, MLP[0]))
        y = put(ys, rows, (2 * ROWS, MLP[2]))
        state["p"] = jax.block_until_ready(train(state["p"], x, y))

    def reduce() -> None:
        jax.block_until_ready(psum(stacked))

    step()
    reduce()
    mnist, collective = [], []
    for _ in range(rounds):
        collective.append(_per_call_us(reduce, calls))
        mnist.append(_per_call_us(step, calls // 4))
    if index == 0:
        print(
            "RESULT "
            + json.dumps(
                {
                    "bare_mnist_step_us": statistics.median(mnist),
                    "bare_psum_grad_size_us": statistics.median(collective),
                }
            )
        )
    jax.distributed.shutdown()


# -- the driver ---------------------------------------------------------------------------


def _run(roles: list[list[str]], env: dict, timeout: float) -> dict:
    procs = [
        subprocess.Popen(
            [sys.executable, str(HERE), *role],
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        for role in roles
    ]
    results: dict = {}
    try:
        for proc in procs:
            out, _ = proc.communicate(timeout=timeout)
            for line in out.splitlines():
                if line.startswith("RESULT "):
                    results.update(json.loads(line[len("RESULT ") :]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return results


def _replicas_figures(common: list[str], env: dict, results: dict) -> None:
    ports = [str(p) for p in _ports(3)]
    results.update(
        _run([[*common, "replica", *ports, str(i)] for i in range(3)], env, 900)
    )
    ports = [str(p) for p in _ports(2)]
    results.update(
        _run([[*common, "bare_mnist", *ports, str(i)] for i in range(2)], env, 900)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", default="")
    parser.add_argument(
        "--only", default="", help="'replicas': only the between-graph figures"
    )
    args, rest = parser.parse_known_args()
    if rest:
        role, *params = rest
        numbers = [int(p) for p in params]
        if role == "worker":
            worker(numbers[:2], numbers[2])
        elif role == "client":
            client(numbers[:2], args.calls, args.rounds)
        elif role == "collective":
            collective(numbers[:2], numbers[2], args.calls, args.rounds)
        elif role == "one_device":
            one_device(args.calls, args.rounds)
        elif role == "replica":
            replica(numbers[:3], numbers[3], args.calls, args.rounds)
        elif role == "bare_mnist":
            bare_mnist(numbers[:2], numbers[2], args.calls, args.rounds)
        return
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env.pop("XLA_FLAGS", None)
    common = ["--calls", str(args.calls), "--rounds", str(args.rounds)]
    results: dict = {}
    if args.only not in ("", "replicas"):
        parser.error(f"--only {args.only!r}: only 'replicas' is known")
    if args.only:
        _replicas_figures(common, env, results)
        print(json.dumps(results, indent=2))
        return
    ports = [str(p) for p in _ports(2)]
    workers = [
        subprocess.Popen([sys.executable, str(HERE), "worker", *ports, str(i)], env=env)
        for i in range(2)
    ]
    try:
        results.update(_run([[*common, "client", *ports]], env, 600))
    finally:
        for proc in workers:
            proc.terminate()
            proc.wait(60)
    ports = [str(p) for p in _ports(2)]
    results.update(
        _run([[*common, "collective", *ports, str(i)] for i in range(2)], env, 600)
    )
    _replicas_figures(common, env, results)
    four = dict(env, XLA_FLAGS="--xla_force_host_platform_device_count=4")
    results.update(_run([[*common, "one_device"]], four, 600))
    print(json.dumps(results, indent=2))
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "dist_latency.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
