"""Soak test: does a long-running Session hold its memory steady?

Two loads, each in a fresh graph and Session, with the process's resident memory
(RSS) sampled along the way:

(a) ``--steps`` (default 100,000) ``Session.run`` calls of one small training
    step (a 2-layer MLP with Adam on a fixed (32, 64) batch). After warm-up the
    RSS should be flat: start, end, max and the least-squares slope per 10k runs
    are reported.
(b) ``--shapes`` (default 2,000) runs, each with a batch of a new size: every
    run compiles a program (a softmax-regression SGD step, to keep 2,000
    compiles affordable). The RSS growth per compiled shape is reported
    (least-squares slope over the samples), with the total.

The numbers depend on the machine (this one is shared), so they are figures to
compare before/after a change on one machine, not pass/fail limits.

    python experiments/soak.py [--steps 100000] [--shapes 2000] [--out results/]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np

import jgraph as jg


def rss_mib() -> float:
    """The process's resident memory now, in MiB (Linux /proc; else psutil)."""
    try:
        with open("/proc/self/statm") as file:
            pages = int(file.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import psutil  # not a dependency: only off Linux

        return psutil.Process().memory_info().rss / 2**20


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs."""
    return float(np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)[0])


def _model(
    batch: int | None, mlp: bool
) -> tuple[jg.Session, jg.Tensor, jg.Operation, jg.Tensor]:
    """A training step on (batch, 64) inputs: a 2-layer MLP with Adam, or a
    softmax regression with SGD."""
    x = jg.placeholder(jg.float32, [batch, 64], name="x")
    y = jg.placeholder(jg.int32, [batch], name="y")
    hidden = jg.layers.dense(x, 64, activation=jg.nn.relu) if mlp else x
    logits = jg.layers.dense(hidden, 10)
    loss = jg.losses.sparse_softmax_cross_entropy(y, logits)
    optimizer = (
        jg.train.AdamOptimizer(1e-3) if mlp else jg.train.GradientDescentOptimizer(0.1)
    )
    train = optimizer.minimize(loss)
    sess = jg.Session()
    sess.run(jg.global_variables_initializer())
    return sess, x, train, y


def steady_steps(steps: int, samples: int) -> dict:
    """(a): many runs of one compiled training step."""
    rng = np.random.default_rng(0)
    batch = {
        "x": rng.standard_normal((32, 64)).astype(np.float32),
        "y": rng.integers(0, 10, 32).astype(np.int32),
    }
    with jg.Graph().as_default():
        sess, x, train, y = _model(32, mlp=True)
        feed = {x: batch["x"], y: batch["y"]}
        for _ in range(1000):  # warm-up: compile, allocator pools, caches
            sess.run(train, feed)
        every = max(1, steps // samples)
        marks, rss = [0], [rss_mib()]
        start = time.perf_counter()
        for step in range(1, steps + 1):
            sess.run(train, feed)
            if step % every == 0:
                marks.append(step)
                rss.append(rss_mib())
        seconds = time.perf_counter() - start
        sess.close()
    return {
        "runs": steps,
        "us_per_run": round(seconds / steps * 1e6, 1),
        "rss_start_mib": round(rss[0], 1),
        "rss_end_mib": round(rss[-1], 1),
        "rss_max_mib": round(max(rss), 1),
        "rss_slope_mib_per_10k_runs": round(slope(marks, rss) * 1e4, 3),
        "samples": [[m, round(r, 1)] for m, r in zip(marks, rss, strict=True)],
    }


def new_shape_every_run(shapes: int, samples: int) -> dict:
    """(b): a batch of a new size every run, so every run compiles."""
    rng = np.random.default_rng(1)
    with jg.Graph().as_default():
        sess, x, train, y = _model(None, mlp=False)
        sess.run(train, {x: np.zeros((1, 64), np.float32), y: np.zeros(1, np.int32)})
        every = max(1, shapes // samples)
        marks, rss = [0], [rss_mib()]
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jg.RetracingWarning)
            for n in range(2, shapes + 2):
                feed = {
                    x: rng.standard_normal((n, 64)).astype(np.float32),
                    y: rng.integers(0, 10, n).astype(np.int32),
                }
                sess.run(train, feed)
                if (n - 1) % every == 0:
                    marks.append(n - 1)
                    rss.append(rss_mib())
        seconds = time.perf_counter() - start
        stats = sess.stats()
        sess.close()
    return {
        "shapes": shapes,
        "ms_per_compiled_run": round(seconds / shapes * 1e3, 1),
        "compiles": sum(s.compiles for s in stats),
        "rss_start_mib": round(rss[0], 1),
        "rss_end_mib": round(rss[-1], 1),
        "rss_growth_mib": round(rss[-1] - rss[0], 1),
        "rss_mib_per_compiled_shape": round(slope(marks, rss), 3),
        "samples": [[m, round(r, 1)] for m, r in zip(marks, rss, strict=True)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--shapes", type=int, default=2_000)
    parser.add_argument("--samples", type=int, default=40, help="RSS samples per load")
    parser.add_argument("--out", type=Path, default=Path("results"))
    args = parser.parse_args()

    results = {}
    if args.steps:
        a = results["steady_steps"] = steady_steps(args.steps, args.samples)
        print(
            f"(a) {a['runs']} runs of one train step ({a['us_per_run']} us/run):"
            f" RSS start {a['rss_start_mib']} MiB, end {a['rss_end_mib']} MiB,"
            f" max {a['rss_max_mib']} MiB,"
            f" slope {a['rss_slope_mib_per_10k_runs']} MiB per 10k runs"
        )
    if args.shapes:
        b = results["new_shape_every_run"] = new_shape_every_run(
            args.shapes, args.samples
        )
        print(
            f"(b) {b['shapes']} feed shapes ({b['compiles']} compiles,"
            f" {b['ms_per_compiled_run']} ms/run): RSS {b['rss_start_mib']} ->"
            f" {b['rss_end_mib']} MiB (+{b['rss_growth_mib']} MiB),"
            f" {b['rss_mib_per_compiled_shape']} MiB per compiled shape"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
