"""Convolutional nets on the CPU: jgraph against TF1 and a hand-written JAX step.

Two models on MNIST-shaped batches of 128 (real MNIST from ``--data-dir`` /
``JGRAPH_MNIST_DIR`` when it is there, else random data of that shape):

- ``tutorial``: the TF1 tutorial CNN: three 3x3 conv + ReLU + 2x2 max-pool (SAME)
  blocks with 32/64/128 channels, dropout (keep 0.8) after each, a 625-unit ReLU
  layer with dropout (keep 0.5), 10 logits; RMSProp(0.001, decay 0.9).
- ``batchnorm``: two 5x5 conv (32, 64 channels) + batch norm (training mode,
  moving averages updated every step) + ReLU + 2x2 max-pool blocks, a 1024-unit
  ReLU layer, 10 logits; Adam(0.001).

Modes, interleaved in rounds of ``--steps`` steps each (the order rotates every
round, because this machine is shared and noisy), medians and the spread of the
rounds reported, wall-clock steps/s and CPU time per step (all threads, user +
system: the work done, which the machine's other load disturbs less):

- ``jgraph``: the model written as TF1 code, run by jgraph with its CPU lowerings;
- ``jgraph_xla``: the same with ``JGRAPH_CPU_KERNELS=xla`` (XLA's own lowering of
  every conv and pool op, what jgraph did before);
- ``jax``: the same math hand-written as a ``jax.jit`` + optax step, with plain
  ``lax.conv_general_dilated`` / ``lax.reduce_window``, as a JAX user writes it;
- ``tf1``: the same TF1 code run by TensorFlow (``tf.compat.v1``, graph mode),
  when ``tensorflow`` is installed (``nox -s cnn`` installs it), else skipped;
- with ``--malloc``, ``jgraph_keep`` and ``jax_keep``: ``jgraph`` and ``jax`` in
  processes started with glibc told to keep freed memory (``GLIBC_TUNABLES``, see
  :data:`KEEP_FREED_MEMORY`), which stops XLA:CPU's per-run buffers from being
  page-faulted back in every step.

``jax``, ``tf1`` and the ``_keep`` modes run in their own processes; every mode
feeds the same host batches. ``--ops`` also times each conv, pool and dropout piece (forward
and gradients) under both jgraph lowerings.

    python experiments/cnn.py [--rounds 7] [--steps 20] [--ops] [--out results/]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import multiprocessing
import os
import resource
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

import jgraph as jg
from jgraph.examples.tutorials.mnist import input_data

BATCH = 128
KERNELS_ENV = "JGRAPH_CPU_KERNELS"
# glibc: one arena, no mmap for big blocks, no trimming: freed memory is reused.
KEEP_FREED_MEMORY = (
    "glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0"
    ":glibc.malloc.trim_threshold=2147483647"
)


@contextlib.contextmanager
def xla_lowering(on: bool) -> Iterator[None]:
    """jgraph compiles with XLA's own conv/pool lowering while this is active (the
    choice is made when a run is first compiled)."""
    old = os.environ.get(KERNELS_ENV)
    if on:
        os.environ[KERNELS_ENV] = "xla"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(KERNELS_ENV, None)
        else:
            os.environ[KERNELS_ENV] = old


# -- the models as TF1 code (tf: jgraph or tensorflow.compat.v1) --------------------------


def tutorial_cnn(tf: Any, x: Any, y: Any) -> Any:
    """The TF1 tutorial CNN; returns its train op."""

    def weights(shape: list[int]) -> Any:
        return tf.Variable(tf.random_normal(shape, stddev=0.01))

    def block(h: Any, shape: list[int]) -> Any:
        h = tf.nn.relu(tf.nn.conv2d(h, weights(shape), [1, 1, 1, 1], "SAME"))
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        return tf.nn.dropout(h, 0.8)

    h = block(x, [3, 3, 1, 32])  # 28 -> 14
    h = block(h, [3, 3, 32, 64])  # 14 -> 7
    h = block(h, [3, 3, 64, 128])  # 7 -> 4
    h = tf.reshape(h, [-1, 128 * 4 * 4])
    h = tf.nn.dropout(tf.nn.relu(tf.matmul(h, weights([128 * 4 * 4, 625]))), 0.5)
    logits = tf.matmul(h, weights([625, 10]))
    loss = tf.reduce_mean(
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits)
    )
    return tf.train.RMSPropOptimizer(0.001, 0.9).minimize(loss)


def batchnorm_cnn(tf: Any, x: Any, y: Any) -> Any:
    """Two 5x5 conv + batch norm blocks; returns its train op (which also updates
    the moving averages)."""
    updates = []

    def conv_bn(h: Any, shape: list[int]) -> Any:
        w = tf.Variable(tf.truncated_normal(shape, stddev=0.1))
        h = tf.nn.conv2d(h, w, [1, 1, 1, 1], "SAME")
        depth = shape[-1]
        scale = tf.Variable(tf.ones([depth]))
        offset = tf.Variable(tf.zeros([depth]))
        moving_mean = tf.Variable(tf.zeros([depth]), trainable=False)
        moving_var = tf.Variable(tf.ones([depth]), trainable=False)
        mean, variance = tf.nn.moments(h, [0, 1, 2])
        updates.append(tf.assign(moving_mean, 0.99 * moving_mean + 0.01 * mean))
        updates.append(tf.assign(moving_var, 0.99 * moving_var + 0.01 * variance))
        h = tf.nn.batch_normalization(h, mean, variance, offset, scale, 1e-3)
        return tf.nn.max_pool(tf.nn.relu(h), [1, 2, 2, 1], [1, 2, 2, 1], "SAME")

    h = conv_bn(x, [5, 5, 1, 32])  # 28 -> 14
    h = conv_bn(h, [5, 5, 32, 64])  # 14 -> 7
    h = tf.reshape(h, [-1, 7 * 7 * 64])
    w1 = tf.Variable(tf.truncated_normal([7 * 7 * 64, 1024], stddev=0.1))
    b1 = tf.Variable(tf.constant(0.1, shape=[1024]))
    w2 = tf.Variable(tf.truncated_normal([1024, 10], stddev=0.1))
    b2 = tf.Variable(tf.constant(0.1, shape=[10]))
    logits = tf.matmul(tf.nn.relu(tf.matmul(h, w1) + b1), w2) + b2
    loss = tf.reduce_mean(
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits)
    )
    train = tf.train.AdamOptimizer(0.001).minimize(loss)
    return tf.group(train, *updates)


# -- the same math, hand-written in JAX + optax ---------------------------------------------


def conv(x: jax.Array, w: jax.Array) -> jax.Array:
    return lax.conv_general_dilated(
        x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
    )


def max_pool(x: jax.Array) -> jax.Array:
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "SAME")


def dropout(key: jax.Array, x: jax.Array, keep: float) -> jax.Array:
    return jnp.where(jax.random.uniform(key, x.shape) < keep, x / keep, 0.0)


def jax_tutorial() -> tuple[Callable[..., Any], Any]:
    """The tutorial CNN's jitted step and its start state."""
    keys = jax.random.split(jax.random.PRNGKey(0), 6)
    shapes = [(3, 3, 1, 32), (3, 3, 32, 64), (3, 3, 64, 128), (2048, 625), (625, 10)]
    params = [
        0.01 * jax.random.normal(k, s) for k, s in zip(keys[:5], shapes, strict=True)
    ]
    # TF1's RMSProp: mean square starts at 1, epsilon 1e-10.
    optimizer = optax.rmsprop(0.001, decay=0.9, eps=1e-10, initial_scale=1.0)

    def loss_fn(p: list, key: jax.Array, xs: jax.Array, ys: jax.Array) -> jax.Array:
        k = jax.random.split(key, 4)
        h = xs
        for i in range(3):
            h = dropout(k[i], max_pool(jax.nn.relu(conv(h, p[i]))), 0.8)
        h = dropout(k[3], jax.nn.relu(h.reshape(-1, 2048) @ p[3]), 0.5)
        return jnp.mean(optax.softmax_cross_entropy(h @ p[4], ys))

    def step(state: tuple, xs: jax.Array, ys: jax.Array) -> tuple:
        p, opt_state, key = state
        key, sub = jax.random.split(key)
        updates, opt_state = optimizer.update(
            jax.grad(loss_fn)(p, sub, xs, ys), opt_state, p
        )
        return optax.apply_updates(p, updates), opt_state, key

    state = (params, optimizer.init(params), keys[5])
    return jax.jit(step, donate_argnums=0), state


def jax_batchnorm() -> tuple[Callable[..., Any], Any]:
    """The batch-norm CNN's jitted step and its start state."""
    keys = jax.random.split(jax.random.PRNGKey(0), 4)

    def normal(key: jax.Array, shape: tuple[int, ...]) -> jax.Array:
        return 0.1 * jax.random.truncated_normal(key, -2.0, 2.0, shape)

    params = {
        "c1": normal(keys[0], (5, 5, 1, 32)),
        "s1": jnp.ones(32),
        "o1": jnp.zeros(32),
        "c2": normal(keys[1], (5, 5, 32, 64)),
        "s2": jnp.ones(64),
        "o2": jnp.zeros(64),
        "w1": normal(keys[2], (3136, 1024)),
        "b1": jnp.full(1024, 0.1),
        "w2": normal(keys[3], (1024, 10)),
        "b2": jnp.full(10, 0.1),
    }
    moving = {"m1": jnp.zeros(32), "v1": jnp.ones(32)}
    moving |= {"m2": jnp.zeros(64), "v2": jnp.ones(64)}
    optimizer = optax.adam(0.001, eps=1e-8)

    def conv_bn(h: jax.Array, w: jax.Array, scale: jax.Array, offset: jax.Array):
        h = conv(h, w)
        mean = jnp.mean(h, (0, 1, 2))
        var = jnp.mean(jnp.square(h - lax.stop_gradient(mean)), (0, 1, 2))
        h = (h - mean) * (scale * lax.rsqrt(var + 1e-3)) + offset
        return max_pool(jax.nn.relu(h)), (mean, var)

    def loss_fn(p: dict, xs: jax.Array, ys: jax.Array) -> tuple[jax.Array, Any]:
        h, stats1 = conv_bn(xs, p["c1"], p["s1"], p["o1"])
        h, stats2 = conv_bn(h, p["c2"], p["s2"], p["o2"])
        h = jax.nn.relu(h.reshape(-1, 3136) @ p["w1"] + p["b1"])
        logits = h @ p["w2"] + p["b2"]
        return jnp.mean(optax.softmax_cross_entropy(logits, ys)), (stats1, stats2)

    def step(state: tuple, xs: jax.Array, ys: jax.Array) -> tuple:
        p, opt_state, mv = state
        grads, ((m1, v1), (m2, v2)) = jax.grad(loss_fn, has_aux=True)(p, xs, ys)
        updates, opt_state = optimizer.update(grads, opt_state, p)
        new = {"m1": m1, "v1": v1, "m2": m2, "v2": v2}
        mv = {k: 0.99 * mv[k] + 0.01 * new[k] for k in mv}
        return optax.apply_updates(p, updates), opt_state, mv

    state = (params, optimizer.init(params), moving)
    return jax.jit(step, donate_argnums=0), state


MODELS = {
    "tutorial": (tutorial_cnn, jax_tutorial),
    "batchnorm": (batchnorm_cnn, jax_batchnorm),
}


# -- runners: each trains on a list of batch indices, returns (wall, CPU) seconds --------

Runner = Callable[[list[int]], tuple[float, float]]


def cpu_seconds() -> float:
    """CPU time of this process (all threads, user + system) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(train: Callable[[list[int]], None]) -> Runner:
    def run(picks: list[int]) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), cpu_seconds()
        train(picks)
        return time.perf_counter() - wall, cpu_seconds() - cpu

    return run


def jgraph_runner(model: str, data: tuple, xla: bool) -> Runner:
    images, labels = data
    graph = jg.Graph()
    with graph.as_default():
        jg.set_random_seed(0)
        x = jg.placeholder(jg.float32, [None, 28, 28, 1])
        y = jg.placeholder(jg.float32, [None, 10])
        train = MODELS[model][0](jg, x, y)
        probe = jg.trainable_variables()[0]
        sess = jg.Session(graph=graph)
        sess.run(jg.global_variables_initializer())
    compiled = False

    def run(picks: list[int]) -> None:
        nonlocal compiled
        with xla_lowering(xla and not compiled):  # the first run compiles
            for i in picks:
                sess.run(train, {x: images[i : i + BATCH], y: labels[i : i + BATCH]})
            sess.run(probe)  # runs are asynchronous: wait for the last one
        compiled = True

    return timed(run)


def jax_runner(model: str, data: tuple) -> Runner:
    images, labels = data
    step, state = MODELS[model][1]()

    def run(picks: list[int]) -> None:
        nonlocal state
        for i in picks:
            state = step(state, images[i : i + BATCH], labels[i : i + BATCH])
        jax.block_until_ready(state)

    return timed(run)


def tf1_runner(model: str, data: tuple) -> Runner:
    import tensorflow as tf

    images, labels = data
    tf1 = tf.compat.v1
    tf1.disable_v2_behavior()
    graph = tf1.Graph()
    with graph.as_default():
        tf1.set_random_seed(0)
        x = tf1.placeholder(tf1.float32, [None, 28, 28, 1])
        y = tf1.placeholder(tf1.float32, [None, 10])
        train = MODELS[model][0](tf1, x, y)
        sess = tf1.Session(graph=graph)
        sess.run(tf1.global_variables_initializer())

    def run(picks: list[int]) -> None:
        for i in picks:
            sess.run(train, {x: images[i : i + BATCH], y: labels[i : i + BATCH]})

    return timed(run)


def _serve(conn: Any, mode: str, model: str, data_dir: str) -> None:
    """A worker process: builds one mode, then trains on each list of batch
    indices it is sent, answering (wall, CPU) seconds, until it is sent None."""
    images, labels, _ = load_data(data_dir)
    data = (images, labels)
    kind = mode.removesuffix("_keep")
    if kind == "jgraph":
        runner = jgraph_runner(model, data, xla=False)
    else:
        runner = (jax_runner if kind == "jax" else tf1_runner)(model, data)
    while (picks := conn.recv()) is not None:
        conn.send(runner(picks))
    conn.close()


class Worker:
    """A mode run in its own process (hand-written JAX, TF1; a ``_keep`` mode with
    glibc keeping freed memory)."""

    def __init__(self, mode: str, model: str, data_dir: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        env = {"TF_CPP_MIN_LOG_LEVEL": "2"}
        if mode.endswith("_keep"):
            env["GLIBC_TUNABLES"] = KEEP_FREED_MEMORY
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            self.process = context.Process(
                target=_serve, args=(child, mode, model, data_dir), daemon=True
            )
            self.process.start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def __call__(self, picks: list[int]) -> tuple[float, float]:
        self.conn.send(picks)
        return self.conn.recv()

    def close(self) -> None:
        self.conn.send(None)
        self.process.join(timeout=60)


def tf1_available() -> bool:
    return importlib.util.find_spec("tensorflow") is not None


# -- timing ---------------------------------------------------------------------------------


def interleave(
    modes: dict[str, Callable[[Any], tuple[float, float]]],
    work: Callable[[], Any],
    rounds: int,
) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds per call of every mode, ``rounds`` times, in an order
    that rotates every round; each mode runs twice untimed first (compile, warm-up)."""
    names = list(modes)
    for name in names:
        modes[name](work())
        modes[name](work())
    seconds: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for r in range(rounds):
        todo = work()
        for name in names[r % len(names) :] + names[: r % len(names)]:
            seconds[name].append(modes[name](todo))
    return seconds


def summarize(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
    }


def measure_model(model: str, data: tuple, args: Any) -> dict[str, Any]:
    modes: dict[str, Any] = {
        "jgraph": jgraph_runner(model, data, xla=False),
        "jax": Worker("jax", model, args.data_dir),
    }
    if args.xla_lowering:
        modes["jgraph_xla"] = jgraph_runner(model, data, xla=True)
    if tf1_available():
        modes["tf1"] = Worker("tf1", model, args.data_dir)
    if args.malloc:
        for mode in ("jgraph_keep", "jax_keep"):
            modes[mode] = Worker(mode, model, args.data_dir)
    workers = [mode for mode in modes.values() if isinstance(mode, Worker)]
    rng = np.random.default_rng(0)

    def picks() -> list[int]:
        return [int(i) for i in rng.integers(0, len(data[0]) - BATCH, args.steps)]

    try:
        seconds = interleave(modes, picks, args.rounds)
    finally:
        for worker in workers:
            worker.close()
    result: dict[str, Any] = {"steps_per_s": {}, "cpu_ms_per_step": {}, "ratios": {}}
    for name, values in seconds.items():
        result["steps_per_s"][name] = summarize([args.steps / w for w, _ in values])
        result["cpu_ms_per_step"][name] = summarize(
            [1000 * c / args.steps for _, c in values]
        )
    # Paired per-round ratios (both timed in the same round) resist load drift.
    compared = [("jgraph", m) for m in modes if m != "jgraph"]
    if args.malloc:
        compared += [("jgraph_keep", "jax_keep")]
        compared += [("jgraph_keep", "tf1")] if "tf1" in modes else []
    for mode, other in compared:
        pairs = zip(seconds[mode], seconds[other], strict=True)
        result["ratios"][f"{mode}/{other}"] = summarize([a[0] / b[0] for a, b in pairs])
    return result


# -- per-op timings: each conv/pool piece under both lowerings -------------------------------


def op_cases() -> dict[str, tuple[Callable[..., Any], list[tuple[int, ...]]]]:
    """name -> (function of jgraph tensors returning the timed tensor, input shapes);
    a ``grad`` case differentiates w.r.t. its first input with a fed cotangent."""

    def conv2d(x: Any, w: Any, strides: int = 1) -> Any:
        return jg.nn.conv2d(x, w, strides, "SAME")

    def pool(kind: str, k: int, s: int) -> Callable[[Any], Any]:
        fn = jg.nn.max_pool if kind == "max" else jg.nn.avg_pool
        return lambda x: fn(x, [1, k, k, 1], [1, s, s, 1], "SAME")

    return {
        "max_pool 2x2/2 128x28x28x32": (pool("max", 2, 2), [(128, 28, 28, 32)]),
        "max_pool 2x2/2 128x14x14x64": (pool("max", 2, 2), [(128, 14, 14, 64)]),
        "max_pool 2x2/2 128x7x7x128": (pool("max", 2, 2), [(128, 7, 7, 128)]),
        "max_pool 3x3/2 64x28x28x32": (pool("max", 3, 2), [(64, 28, 28, 32)]),
        "avg_pool 2x2/2 128x28x28x32": (pool("avg", 2, 2), [(128, 28, 28, 32)]),
        "avg_pool 3x3/1 64x14x14x32": (pool("avg", 3, 1), [(64, 14, 14, 32)]),
        "dropout 0.8 128x14x14x32": (
            lambda x: jg.nn.dropout(x, 0.8, seed=1),
            [(128, 14, 14, 32)],
        ),
        "conv2d 3x3 128x28x28x1->32": (conv2d, [(128, 28, 28, 1), (3, 3, 1, 32)]),
        "conv2d 3x3 128x14x14x32->64": (conv2d, [(128, 14, 14, 32), (3, 3, 32, 64)]),
        "conv2d 3x3 128x7x7x64->128": (conv2d, [(128, 7, 7, 64), (3, 3, 64, 128)]),
        "conv2d 5x5 128x14x14x32->64": (conv2d, [(128, 14, 14, 32), (5, 5, 32, 64)]),
        "conv2d 3x3/2 64x28x28x32->64": (
            lambda x, w: conv2d(x, w, 2),
            [(64, 28, 28, 32), (3, 3, 32, 64)],
        ),
        "conv1d 5 64x256x32->64": (
            lambda x, w: jg.nn.conv1d(x, w, 1, "SAME"),
            [(64, 256, 32), (5, 32, 64)],
        ),
        "conv3d 3x3x3 8x16x16x16x16->32": (
            lambda x, w: jg.nn.conv3d(x, w, [1, 1, 1, 1, 1], "SAME"),
            [(8, 16, 16, 16, 16), (3, 3, 3, 16, 32)],
        ),
        "depthwise 3x3 64x28x28x64": (
            lambda x, w: jg.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
            [(64, 28, 28, 64), (3, 3, 64, 1)],
        ),
        "conv2d_transpose 3x3/2 64x14x14x64->32": (
            lambda v, w: jg.nn.conv2d_transpose(
                v, w, [64, 28, 28, 32], [1, 2, 2, 1], "SAME"
            ),
            [(64, 14, 14, 64), (3, 3, 32, 64)],
        ),
    }


def op_runner(
    fn: Callable[..., Any], shapes: list[tuple[int, ...]], part: str, xla: bool
) -> Runner:
    """Runs one piece ``calls`` times per call: the forward op (``part="fwd"``), or
    its gradient w.r.t. input 0 (``"dinput"``) or 1 (``"dfilter"``), written into
    a variable so that the whole result is computed and nothing leaves the device."""
    rng = np.random.default_rng(0)
    graph = jg.Graph()
    with graph.as_default():
        inputs = [
            jg.Variable(rng.standard_normal(s).astype(np.float32)) for s in shapes
        ]
        out = fn(*inputs)
        if part == "fwd":
            value = out
        else:
            cotangent = jg.Variable(
                rng.standard_normal(out.shape.as_list()).astype(np.float32)
            )
            wrt = inputs[0 if part == "dinput" else 1]
            value = jg.gradients(out, wrt, grad_ys=cotangent)[0]
        sink = jg.Variable(
            jg.zeros(value.shape.as_list(), value.dtype), trainable=False
        )
        write = jg.assign(sink, value).op
        probe = jg.Variable(0.0)
        sess = jg.Session(graph=graph)
        sess.run(jg.global_variables_initializer())

    compiled = False

    def run(calls: int) -> None:
        nonlocal compiled
        with xla_lowering(xla and not compiled):  # the first run compiles
            for _ in range(calls):
                sess.run(write)
            sess.run(probe)
        compiled = True

    return timed(run)


def measure_ops(
    rounds: int, calls: int, only: list[str]
) -> dict[str, dict[str, float]]:
    """Milliseconds per call of every piece (whose name contains one of ``only``;
    all if empty), XLA's lowering against jgraph's CPU one, interleaved."""
    results = {}
    for name, (fn, shapes) in op_cases().items():
        if only and not any(part in name for part in only):
            continue
        parts = ["fwd", "dinput"] + (["dfilter"] if len(shapes) > 1 else [])
        for part in parts:
            modes = {
                lowering: op_runner(fn, shapes, part, xla=lowering == "xla")
                for lowering in ("xla", "cpu")
            }
            seconds = interleave(modes, lambda: calls, rounds)
            ms = {
                k: 1000 * statistics.median(wall for wall, _ in v) / calls
                for k, v in seconds.items()
            }
            results[f"{name} {part}"] = {
                "xla_ms": round(ms["xla"], 2),
                "cpu_ms": round(ms["cpu"], 2),
                "speedup": round(ms["xla"] / ms["cpu"], 2),
            }
            row = results[f"{name} {part}"]
            print(
                f"  {name:40s} {part:8s} xla {row['xla_ms']:8.2f} ms"
                f"  cpu {row['cpu_ms']:8.2f} ms  {row['speedup']:6.2f}x",
                flush=True,
            )
    return results


# -- main -------------------------------------------------------------------------------------


def load_data(data_dir: str) -> tuple[np.ndarray, np.ndarray, str]:
    if os.path.isdir(data_dir):
        mnist = input_data.read_data_sets(data_dir, one_hot=True, seed=0)
        images = mnist.train.images.reshape(-1, 28, 28, 1)
        return images, mnist.train.labels, f"MNIST ({data_dir})"
    rng = np.random.default_rng(0)
    images = rng.random((10000, 28, 28, 1), np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 10000)]
    return images, labels, "random data of MNIST shape (no MNIST directory)"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--steps", type=int, default=20, help="steps per mode per round"
    )
    parser.add_argument("--models", nargs="*", default=list(MODELS), choices=MODELS)
    parser.add_argument(
        "--no-xla-lowering",
        dest="xla_lowering",
        action="store_false",
        help="skip the jgraph_xla mode",
    )
    parser.add_argument(
        "--malloc",
        action="store_true",
        help="also jgraph and jax with glibc keeping freed memory",
    )
    parser.add_argument("--ops", action="store_true", help="per-op timings too")
    parser.add_argument("--op-rounds", type=int, default=5)
    parser.add_argument("--op-calls", type=int, default=5)
    parser.add_argument(
        "--op-filter", nargs="*", default=[], help="only pieces whose name has one"
    )
    parser.add_argument(
        "--data-dir", default=os.environ.get("JGRAPH_MNIST_DIR", "MNIST_data")
    )
    parser.add_argument("--out", type=Path, default=Path("results"))
    args = parser.parse_args()

    images, labels, source = load_data(args.data_dir)
    print(f"data: {source}; batch {BATCH}; {os.cpu_count()} CPUs")
    if not tf1_available():
        print("TF1 skipped: tensorflow is not installed (nox -s cnn installs it)")
    results: dict[str, Any] = {"data": source, "tf1": tf1_available()}
    for model in args.models:
        result = measure_model(model, (images, labels), args)
        results[model] = result
        print(f"{model}: {args.rounds} rounds of {args.steps} steps per mode")
        for name, rate in result["steps_per_s"].items():
            cpu = result["cpu_ms_per_step"][name]
            print(
                f"  {name:11s} {rate['median']:7.2f} steps/s"
                f" (rounds {rate['min']:.2f}-{rate['max']:.2f})"
                f"  CPU {cpu['median']:6.0f} ms/step"
            )
        for name, ratio in result["ratios"].items():
            print(
                f"  time {name:18s} {ratio['median']:6.3f}"
                f" (rounds {ratio['min']:.3f}-{ratio['max']:.3f})"
            )
    if args.ops:
        print("per op, ms per call (median): xla = XLA's lowering, cpu = jgraph's")
        results["ops"] = measure_ops(args.op_rounds, args.op_calls, args.op_filter)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cnn.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
