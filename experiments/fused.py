"""Training steps/s four ways, side by side in one run, on MNIST at batch 100:

1. ``feed_dict``: jgraph ``Session.run`` per step, batches fed from the host;
2. ``iterator``: jgraph ``run`` per step, batches from a ``tf.data`` iterator (data on
   the device, only indices fed);
3. ``fused``: jgraph ``Session.run_steps(train_op, 100)``: 100 steps in one call
   (also ``fused_unrolled``: the same with ``unroll=10``);
4. ``jax``: the reference, a hand-written per-step ``jax.jit`` + optax loop fed host
   batches every step;
5. ``jax_scan``: the ceiling for any fused loop, the same hand-written step inside a
   hand-written ``lax.scan`` (``unroll=10``) over batches already on the device, 100
   steps per call. ``fused_vs_jax_scan`` near 1 means jgraph's fusion costs nothing;
6. ``compute_only``: that scan training on one batch over and over (no data moves at
   all): the step's compute alone, which bounds every loop on this machine.

Two models: softmax regression (784 -> 10, plain SGD; per-step overhead dominates)
and the TF1 tutorial MLP (Adam, dropout). Modes are interleaved in rounds and the
medians compared, because this machine is noisy.

    python experiments/fused.py [--rounds 5] [--steps 500] [--out results/]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jgraph as tf
from jgraph.examples.tutorials.mnist import input_data

BATCH = 100
FUSED = 100
UNROLL = 10


def softmax_regression(x: Any, y: Any) -> tuple[Any, Any]:
    w = tf.Variable(tf.zeros([784, 10]))
    b = tf.Variable(tf.zeros([10]))
    logits = tf.matmul(x, w) + b
    loss = tf.reduce_mean(
        tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)
    )
    return loss, tf.train.GradientDescentOptimizer(0.5).minimize(loss)


def tutorial_mlp(x: Any, y: Any) -> tuple[Any, Any]:
    w1 = tf.Variable(tf.truncated_normal([784, 500], stddev=0.1))
    b1 = tf.Variable(tf.constant(0.1, shape=[500]))
    w2 = tf.Variable(tf.truncated_normal([500, 100], stddev=0.1))
    b2 = tf.Variable(tf.constant(0.1, shape=[100]))
    w3 = tf.Variable(tf.truncated_normal([100, 10], stddev=0.1))
    b3 = tf.Variable(tf.constant(0.1, shape=[10]))
    a1 = tf.nn.dropout(tf.nn.softmax(tf.matmul(x, w1) + b1), 0.2)
    a2 = tf.nn.dropout(tf.nn.relu(tf.matmul(a1, w2) + b2), 0.2)
    logits = tf.matmul(a2, w3) + b3
    loss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)
    return loss, tf.train.AdamOptimizer(0.001).minimize(loss)


def jax_softmax_regression() -> tuple[Callable[..., Any], Any]:
    """The reference step (unjitted) and its start state."""
    params = {"w": jnp.zeros((784, 10)), "b": jnp.zeros((10,))}
    optimizer = optax.sgd(0.5)

    def loss_fn(p: dict, xs: jax.Array, ys: jax.Array) -> jax.Array:
        return jnp.mean(optax.softmax_cross_entropy(xs @ p["w"] + p["b"], ys))

    def step(state: tuple, xs: jax.Array, ys: jax.Array) -> tuple:
        p, opt_state = state
        updates, opt_state = optimizer.update(
            jax.grad(loss_fn)(p, xs, ys), opt_state, p
        )
        return optax.apply_updates(p, updates), opt_state

    return step, (params, optimizer.init(params))


def jax_tutorial_mlp() -> tuple[Callable[..., Any], Any]:
    """The reference step (unjitted) and its start state."""
    keys = jax.random.split(jax.random.PRNGKey(0), 4)
    init = jax.nn.initializers.truncated_normal(0.1)
    params = {
        "w1": init(keys[0], (784, 500)),
        "b1": jnp.full((500,), 0.1),
        "w2": init(keys[1], (500, 100)),
        "b2": jnp.full((100,), 0.1),
        "w3": init(keys[2], (100, 10)),
        "b3": jnp.full((10,), 0.1),
    }
    optimizer = optax.adam(0.001, eps=1e-8)

    def dropout(key: jax.Array, x: jax.Array) -> jax.Array:
        return jnp.where(jax.random.uniform(key, x.shape) < 0.2, x / 0.2, 0.0)

    def loss_fn(p: dict, key: jax.Array, xs: jax.Array, ys: jax.Array) -> jax.Array:
        k1, k2 = jax.random.split(key)
        a1 = dropout(k1, jax.nn.softmax(xs @ p["w1"] + p["b1"]))
        a2 = dropout(k2, jax.nn.relu(a1 @ p["w2"] + p["b2"]))
        return jnp.sum(optax.softmax_cross_entropy(a2 @ p["w3"] + p["b3"], ys))

    def step(state: tuple, xs: jax.Array, ys: jax.Array) -> tuple:
        p, opt_state, key = state
        key, sub = jax.random.split(key)
        updates, opt_state = optimizer.update(
            jax.grad(loss_fn)(p, sub, xs, ys), opt_state, p
        )
        return optax.apply_updates(p, updates), opt_state, key

    return step, (params, optimizer.init(params), keys[3])


def scanned(
    step: Callable[..., Any], images: jax.Array, labels: jax.Array, move_data: bool
) -> Callable[..., Any]:
    """``FUSED`` reference steps in one call, on batch ``first + i`` of the device
    data (or, without ``move_data``, on batch 0 every step)."""

    def run(state: Any, first: jax.Array) -> Any:
        def body(state: Any, index: jax.Array) -> tuple[Any, None]:
            row = index % images.shape[0] if move_data else 0
            return step(state, images[row], labels[row]), None

        steps = first + jnp.arange(FUSED)
        return jax.lax.scan(body, state, steps, unroll=UNROLL)[0]

    return jax.jit(run, donate_argnums=0)


MODELS = {
    "softmax_regression": (softmax_regression, jax_softmax_regression),
    "tutorial_mlp": (tutorial_mlp, jax_tutorial_mlp),
}


def measure(
    model: str, images: np.ndarray, labels: np.ndarray, rounds: int, steps: int
) -> dict:
    build, build_reference = MODELS[model]
    steps = max(FUSED, steps // FUSED * FUSED)
    n_batches = len(images) // BATCH
    batches = [
        (images[i * BATCH : (i + 1) * BATCH], labels[i * BATCH : (i + 1) * BATCH])
        for i in range(n_batches)
    ]

    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(0)
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        _, fed_train = build(x, y)
        bx, by = (
            tf.data.Dataset.from_tensor_slices((images, labels))
            .repeat()
            .batch(BATCH, drop_remainder=True)
            .make_one_shot_iterator()
            .get_next()
        )
        _, iterator_train = build(bx, by)
        sess = tf.Session(graph=graph)
        sess.run(tf.global_variables_initializer())
    step, reference_state = build_reference()
    reference_step = jax.jit(step, donate_argnums=0)
    usable = n_batches * BATCH
    device_images = jnp.asarray(images[:usable].reshape(n_batches, BATCH, -1))
    device_labels = jnp.asarray(labels[:usable].reshape(n_batches, BATCH, -1))
    reference_scan = scanned(step, device_images, device_labels, move_data=True)
    compute_scan = scanned(step, device_images, device_labels, move_data=False)

    position = 0

    def next_batch() -> tuple[np.ndarray, np.ndarray]:
        nonlocal position
        position = (position + 1) % n_batches
        return batches[position]

    def run_feed_dict() -> None:
        for _ in range(steps):
            bx_, by_ = next_batch()
            sess.run(fed_train, {x: bx_, y: by_})

    def run_iterator() -> None:
        for _ in range(steps):
            sess.run(iterator_train)

    def run_fused() -> None:
        for _ in range(steps // FUSED):
            sess.run_steps(iterator_train, FUSED, return_all=False)

    def run_fused_unrolled() -> None:
        for _ in range(steps // FUSED):
            sess.run_steps(iterator_train, FUSED, return_all=False, unroll=UNROLL)

    def run_jax() -> None:
        nonlocal reference_state
        for _ in range(steps):
            bx_, by_ = next_batch()
            reference_state = reference_step(reference_state, bx_, by_)
        jax.block_until_ready(reference_state)

    def scan_runner(scan: Callable[..., Any]) -> Callable[[], None]:
        def run() -> None:
            nonlocal reference_state, position
            for _ in range(steps // FUSED):
                reference_state = scan(reference_state, position)
                position = (position + FUSED) % n_batches
            jax.block_until_ready(reference_state)

        return run

    modes = {
        "feed_dict": run_feed_dict,
        "iterator": run_iterator,
        "fused": run_fused,
        "fused_unrolled": run_fused_unrolled,
        "jax": run_jax,
        "jax_scan": scan_runner(reference_scan),
        "compute_only": scan_runner(compute_scan),
    }
    for run in modes.values():  # compile and warm up
        run()
    rates: dict[str, list[float]] = {name: [] for name in modes}
    probe = graph.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)[0]
    for _ in range(rounds):
        for name, run in modes.items():
            start = time.perf_counter()
            run()
            if name in ("feed_dict", "iterator", "fused", "fused_unrolled"):
                sess.run(probe)  # runs are asynchronous: wait for the device
            rates[name].append(steps / (time.perf_counter() - start))
    sess.close()
    medians = {name: statistics.median(values) for name, values in rates.items()}
    result = {f"{name}_steps_per_s": round(value, 1) for name, value in medians.items()}
    for name in (
        "feed_dict",
        "iterator",
        "fused",
        "fused_unrolled",
        "jax_scan",
        "compute_only",
    ):
        result[f"{name}_vs_jax"] = round(medians[name] / medians["jax"], 3)
    for name in ("fused", "fused_unrolled"):
        result[f"{name}_vs_jax_scan"] = round(medians[name] / medians["jax_scan"], 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--steps", type=int, default=500, help="steps per mode per round"
    )
    parser.add_argument(
        "--models", nargs="+", default=list(MODELS), choices=list(MODELS)
    )
    parser.add_argument(
        "--data-dir", default=os.environ.get("JGRAPH_MNIST_DIR", "MNIST_data")
    )
    parser.add_argument("--out", type=Path, default=Path("results"))
    args = parser.parse_args()

    mnist = input_data.read_data_sets(args.data_dir, one_hot=True, seed=0)
    images, labels = mnist.train.images, mnist.train.labels
    results = {}
    for model in args.models:
        results[model] = measure(model, images, labels, args.rounds, args.steps)
        print(model)
        for key, value in results[model].items():
            if key.endswith("_steps_per_s"):
                name = key.removesuffix("_steps_per_s")
                ratio = results[model].get(f"{name}_vs_jax", 1.0)
                print(f"  {name:15s} {value:9.1f} steps/s  {ratio:5.2f}x jax")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "fused.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
