"""Time to the first training step, cold and warm: what the persistent compilation
cache (``ConfigProto(compilation_cache_dir=...)`` / ``JGRAPH_COMPILATION_CACHE_DIR``)
saves a program that is run again.

Each measurement is a fresh Python process that imports jgraph, builds a model as
TF1 code, runs the variables' initializer and one training step on an MNIST-shaped
batch, and reports the seconds from the start of the import to the end of that step
(and the compile share: from graph built to step done). Modes, interleaved in rounds
(the machine is shared and noisy), medians reported:

- ``no cache``: as jgraph runs by default;
- ``cold``: the cache on, with a new empty directory (compiles and writes);
- ``warm``: the cache on, with the directory the ``cold`` run of the round wrote.

Models: ``mlp`` (the TF1 tutorial MLP of ``experiments/mnist.py``) and ``cnn`` (the
tutorial CNN of ``experiments/cnn.py``); ``cnn_xla`` is the CNN with XLA's own conv
and pool lowering (``JGRAPH_CPU_KERNELS=xla``), for the compile cost of jgraph's
CPU lowerings.

    python experiments/first_step.py [--rounds 3] [--models mlp cnn cnn_xla]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = ("no cache", "cold", "warm")


def child(model: str) -> None:
    """Runs in the measured process: prints the timings as JSON."""
    start = time.perf_counter()
    import numpy as np

    import jgraph as tf

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    imported = time.perf_counter()
    rng = np.random.default_rng(0)
    if model == "mlp":
        from mnist import BATCH, KEEP_PROB, build_tutorial_graph

        g = build_tutorial_graph()
        feed = {
            g["x"]: rng.random((BATCH, 784), np.float32),
            g["labels"]: np.eye(10, dtype=np.float32)[rng.integers(0, 10, BATCH)],
            g["keep_prob"]: KEEP_PROB,
        }
        train = g["train_step"]
    else:
        from cnn import BATCH, tutorial_cnn

        x = tf.placeholder(tf.float32, [None, 28, 28, 1])
        y = tf.placeholder(tf.float32, [None, 10])
        train = tutorial_cnn(tf, x, y)
        feed = {
            x: rng.random((BATCH, 28, 28, 1), np.float32),
            y: np.eye(10, dtype=np.float32)[rng.integers(0, 10, BATCH)],
        }
    built = time.perf_counter()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, feed)
        sess.run(tf.trainable_variables()[0])  # wait for the step
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "total_s": done - start,
                "import_s": imported - start,
                "build_s": built - imported,
                "first_step_s": done - built,
            }
        )
    )


def measure(model: str, cache: str | None) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if "COMPILATION_CACHE" not in k}
    env.pop("JGRAPH_CPU_KERNELS", None)
    if cache is not None:
        env["JGRAPH_COMPILATION_CACHE_DIR"] = cache
    if model == "cnn_xla":
        env["JGRAPH_CPU_KERNELS"] = "xla"
    done = subprocess.run(
        [sys.executable, __file__, "--child", model.removesuffix("_xla")],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=["mlp", "cnn", "cnn_xla"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=Path("results"))
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    seconds: dict[str, dict[str, list[dict[str, float]]]] = {
        m: {mode: [] for mode in MODES} for m in args.models
    }
    for r in range(args.rounds):
        for model in args.models:
            with tempfile.TemporaryDirectory() as cache:
                dirs = {"no cache": None, "cold": cache}
                # Rotate no-cache and cold; warm needs the cold run's directory.
                order = ["no cache", "cold"] if r % 2 == 0 else ["cold", "no cache"]
                for mode in order:
                    seconds[model][mode].append(measure(model, dirs[mode]))
                seconds[model]["warm"].append(measure(model, cache))
            print(f"round {r + 1}/{args.rounds} {model} done", flush=True)
    results: dict[str, dict[str, dict[str, float]]] = {}
    print(f"seconds, medians of {args.rounds} rounds (import to first step done)")
    for model, modes in seconds.items():
        results[model] = {}
        for mode, runs in modes.items():
            row = {
                key: round(statistics.median(run[key] for run in runs), 2)
                for key in runs[0]
            }
            results[model][mode] = row
            print(
                f"  {model:8s} {mode:9s} total {row['total_s']:6.2f}"
                f"  (import {row['import_s']:5.2f}, build {row['build_s']:5.2f},"
                f" init + first step {row['first_step_s']:6.2f})"
            )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "first_step.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
