"""The TF1 tutorial's MNIST network, trained with jgraph as TF1 code, and its speed
against a hand-written ``jax.jit`` + optax step of the same math.

Network: 784 -> 500 softmax -> dropout -> 100 relu -> dropout -> 10, Adam(0.001),
batch 100, keep_prob 0.2, 20000 steps (``--steps`` to shorten). Every 100 steps the
accuracy and loss of the current batch are written to TensorBoard; every 1000 steps
the test accuracy is measured for the plot. At the end: a checkpoint, the final test
accuracy, and ``mnist.json`` (accuracy, steps/s, wall time, peak memory, compile time).

``--compare`` also trains the hand-written JAX step in the same process on the same
batches, interleaving blocks of steps so the machine's noise hits both alike, and
reports the median steps/s ratio. ``--summary-overhead`` measures what writing the
summaries every 100 steps costs, the same way.

    python experiments/mnist.py [--steps 20000] [--compare] [--out results/mnist]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import optax
from tqdm import tqdm

import jgraph as tf
from jgraph.examples.tutorials.mnist import input_data

BATCH = 100
KEEP_PROB = 0.2
LEARNING_RATE = 0.001


# -- the tutorial's program, as TF1 code ---------------------------------------------


def build_tutorial_graph() -> dict[str, Any]:
    """The tutorial's graph, written exactly as a TF1 user would."""
    with tf.name_scope("input"):
        x = tf.placeholder(tf.float32, [None, 28 * 28], name="input")
        labels = tf.placeholder(tf.float32, [None, 10], name="label")
        keep_prob = tf.placeholder(tf.float32, name="keep_prob")
    with tf.name_scope("model"):
        with tf.name_scope("fc1"):
            w1 = tf.Variable(
                tf.truncated_normal([28 * 28, 500], stddev=0.1), name="weights"
            )
            b1 = tf.Variable(tf.constant(0.1, shape=[500]), name="biases")
            with tf.name_scope("softmax_activation"):
                a1 = tf.nn.softmax(tf.matmul(x, w1) + b1)
            with tf.name_scope("dropout"):
                drop1 = tf.nn.dropout(a1, keep_prob)
        with tf.name_scope("fc2"):
            w2 = tf.Variable(
                tf.truncated_normal([500, 100], stddev=0.1), name="weights"
            )
            b2 = tf.Variable(tf.constant(0.1, shape=[100]), name="biases")
            with tf.name_scope("relu_activation"):
                a2 = tf.nn.relu(tf.matmul(drop1, w2) + b2)
            with tf.name_scope("dropout"):
                drop2 = tf.nn.dropout(a2, keep_prob)
        with tf.name_scope("fc3"):
            w3 = tf.Variable(tf.truncated_normal([100, 10], stddev=0.1), name="weights")
            b3 = tf.Variable(tf.constant(0.1, shape=[10]), name="biases")
            with tf.name_scope("logits"):
                logits = tf.matmul(drop2, w3) + b3
    with tf.name_scope("train"):
        with tf.name_scope("loss"):
            cross_entropy = tf.nn.softmax_cross_entropy_with_logits(
                labels=labels, logits=logits
            )
        train_step = tf.train.AdamOptimizer(LEARNING_RATE).minimize(cross_entropy)
    with tf.name_scope("evaluation"):
        correct_prediction = tf.equal(tf.argmax(logits, 1), tf.argmax(labels, 1))
        accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
    tf.summary.scalar("Accuracy", accuracy)
    mean_loss = tf.reduce_mean(cross_entropy)
    tf.summary.scalar("Loss", mean_loss)
    return {
        "x": x,
        "labels": labels,
        "keep_prob": keep_prob,
        "train_step": train_step,
        "accuracy": accuracy,
        "loss": mean_loss,
        "summary_op": tf.summary.merge_all(),
        "saver": tf.train.Saver(),
    }


# -- the reference: the same math, hand-written in JAX + optax ------------------------------


def jax_reference(seed: int) -> tuple[Callable[..., Any], Any]:
    """A jitted train step of the tutorial network and its initial state."""
    keys = jax.random.split(jax.random.PRNGKey(seed), 4)

    def weights(key: jax.Array, shape: tuple[int, int]) -> jax.Array:
        return 0.1 * jax.random.truncated_normal(key, -2.0, 2.0, shape, jnp.float32)

    params = {
        "w1": weights(keys[0], (784, 500)),
        "b1": jnp.full((500,), 0.1, jnp.float32),
        "w2": weights(keys[1], (500, 100)),
        "b2": jnp.full((100,), 0.1, jnp.float32),
        "w3": weights(keys[2], (100, 10)),
        "b3": jnp.full((10,), 0.1, jnp.float32),
    }
    optimizer = optax.adam(LEARNING_RATE, eps=1e-8)

    def dropout(key: jax.Array, x: jax.Array) -> jax.Array:
        keep = jax.random.uniform(key, x.shape) < KEEP_PROB
        return jnp.where(keep, x / KEEP_PROB, 0.0)

    def loss_fn(p: dict, key: jax.Array, xs: jax.Array, ys: jax.Array) -> jax.Array:
        k1, k2 = jax.random.split(key)
        a1 = dropout(k1, jax.nn.softmax(xs @ p["w1"] + p["b1"]))
        a2 = dropout(k2, jax.nn.relu(a1 @ p["w2"] + p["b2"]))
        logits = a2 @ p["w3"] + p["b3"]
        return jnp.sum(optax.softmax_cross_entropy(logits, ys))

    def step(state: tuple, xs: jax.Array, ys: jax.Array) -> tuple:
        p, opt_state, key = state
        key, sub = jax.random.split(key)
        grads = jax.grad(loss_fn)(p, sub, xs, ys)
        updates, opt_state = optimizer.update(grads, opt_state, p)
        return optax.apply_updates(p, updates), opt_state, key

    state = (params, optimizer.init(params), keys[3])
    return jax.jit(step, donate_argnums=0), state


# -- running --------------------------------------------------------------------------------


def _rate(steps: int, seconds: float) -> float:
    return steps / seconds if seconds > 0 else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument(
        "--data-dir", default=os.environ.get("JGRAPH_MNIST_DIR", "MNIST_data")
    )
    parser.add_argument("--out", type=Path, default=Path("results/mnist"))
    parser.add_argument(
        "--compare", action="store_true", help="time a hand-written JAX step too"
    )
    parser.add_argument(
        "--summary-overhead", action="store_true", help="time the summaries' cost"
    )
    parser.add_argument("--block", type=int, default=200, help="steps per timed block")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    mnist = input_data.read_data_sets(args.data_dir, one_hot=True, seed=args.seed)
    tf.reset_default_graph()
    tf.set_random_seed(args.seed)
    g = build_tutorial_graph()
    x, labels, keep_prob = g["x"], g["labels"], g["keep_prob"]
    test_feed = {x: mnist.test.images, labels: mnist.test.labels, keep_prob: 1.0}

    reference_step, reference_state = (
        jax_reference(args.seed) if args.compare else (None, None)
    )
    timings: dict[str, list[float]] = {"jgraph": [], "jax": [], "jgraph_no_summary": []}
    history: list[dict[str, float]] = []
    wall_start = time.perf_counter()
    probe = tf.trainable_variables()[0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        fw = tf.summary.FileWriter(str(args.out / "summary"), sess.graph)
        batch_xs, batch_ys = mnist.train.next_batch(BATCH)
        compile_start = time.perf_counter()
        sess.run(g["train_step"], {x: batch_xs, labels: batch_ys, keep_prob: KEEP_PROB})
        sess.run(g["summary_op"], {x: batch_xs, labels: batch_ys, keep_prob: 1.0})
        compile_seconds = time.perf_counter() - compile_start
        if reference_step is not None:
            reference_state = reference_step(reference_state, batch_xs, batch_ys)
            jax.block_until_ready(reference_state)

        step = 1
        progress = tqdm(total=args.steps, initial=1, unit="step", mininterval=2.0)
        while step < args.steps:
            block = min(args.block, args.steps - step)
            batches = [mnist.train.next_batch(BATCH) for _ in range(block)]
            if args.summary_overhead:
                # The same steps without summaries, from a snapshot of the state that
                # is put back afterwards: the model still trains exactly args.steps.
                snapshot = sess.get_state()
                start = time.perf_counter()
                for bx, by in batches:
                    sess.run(g["train_step"], {x: bx, labels: by, keep_prob: KEEP_PROB})
                sess.run(probe)
                timings["jgraph_no_summary"].append(
                    _rate(block, time.perf_counter() - start)
                )
                sess.set_state(snapshot.variables, key=snapshot.key)
            # jgraph, as TF1 code: summaries every 100 steps.
            start = time.perf_counter()
            for i, (bx, by) in enumerate(batches):
                sess.run(g["train_step"], {x: bx, labels: by, keep_prob: KEEP_PROB})
                if (step + i) % 100 == 0:
                    summary = sess.run(
                        g["summary_op"], {x: bx, labels: by, keep_prob: 1.0}
                    )
                    fw.add_summary(summary, step + i)
            sess.run(probe)  # runs are asynchronous: wait for the last step
            timings["jgraph"].append(_rate(block, time.perf_counter() - start))
            if reference_step is not None:
                start = time.perf_counter()
                for bx, by in batches:
                    reference_state = reference_step(reference_state, bx, by)
                jax.block_until_ready(reference_state)
                timings["jax"].append(_rate(block, time.perf_counter() - start))
            step += block
            progress.update(block)
            if step % 1000 < block or step >= args.steps:
                acc, loss = sess.run([g["accuracy"], g["loss"]], test_feed)
                history.append(
                    {
                        "step": step,
                        "test_accuracy": float(acc),
                        "test_loss": float(loss),
                    }
                )
                progress.set_postfix(test_accuracy=f"{acc:.4f}")
        progress.close()
        final_accuracy = float(sess.run(g["accuracy"], test_feed))
        (args.out / "checkpoint").mkdir(exist_ok=True)
        checkpoint = g["saver"].save(sess, str(args.out / "checkpoint" / "my_nn.ckpt"))
        fw.close()
    wall_seconds = time.perf_counter() - wall_start

    result: dict[str, Any] = {
        "steps": args.steps,
        "final_test_accuracy": final_accuracy,
        "jgraph_steps_per_s": statistics.median(timings["jgraph"])
        if timings["jgraph"]
        else None,
        "wall_seconds": wall_seconds,
        "compile_seconds": compile_seconds,
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "checkpoint": checkpoint,
        "history": history,
    }
    if timings["jax"]:
        result["jax_steps_per_s"] = statistics.median(timings["jax"])
        result["ratio_vs_jax"] = (
            result["jgraph_steps_per_s"] / result["jax_steps_per_s"]
        )
    if timings["jgraph_no_summary"]:
        result["no_summary_steps_per_s"] = statistics.median(
            timings["jgraph_no_summary"]
        )
        result["summary_slowdown"] = (
            1 - result["jgraph_steps_per_s"] / result["no_summary_steps_per_s"]
        )
    (args.out / "mnist.json").write_text(json.dumps(result, indent=2))
    print(f"Final Test Accuracy: {final_accuracy:.4f}")
    print(
        f"jgraph: {result['jgraph_steps_per_s']:.1f} steps/s (median of {len(timings['jgraph'])} blocks)"
    )
    if "ratio_vs_jax" in result:
        print(
            f"hand-written jax.jit + optax: {result['jax_steps_per_s']:.1f} steps/s;"
            f" jgraph / jax = {result['ratio_vs_jax']:.3f} (target >= 0.95)"
        )
    if "summary_slowdown" in result:
        print(
            f"summaries every 100 steps cost {100 * result['summary_slowdown']:.1f}% (target < 5%)"
        )
    if not args.no_plot and history:
        plot(history, args.out / "mnist.png")


def plot(history: list[dict[str, float]], path: Path) -> None:
    """Test accuracy and loss against steps, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [h["step"] for h in history]
    fig, ax1 = plt.subplots(figsize=(7, 4))
    ax1.plot(steps, [h["test_accuracy"] for h in history], color="tab:blue")
    ax1.set_xlabel("step")
    ax1.set_ylabel("test accuracy", color="tab:blue")
    ax2 = ax1.twinx()
    ax2.plot(steps, [h["test_loss"] for h in history], color="tab:red")
    ax2.set_ylabel("test loss (mean cross entropy)", color="tab:red")
    ax1.set_title("jgraph: the TF1 tutorial MLP on MNIST")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
