"""Per-call cost of ``Session.run`` against a plain ``jax.jit`` call of the same math.

Two graphs: ``a * b`` on two scalar variables, and ``x @ w + b`` on a fed
``(100, 784)`` placeholder. The reference is the same pure function written by
hand, jitted with the state donated and threaded through, its output brought back
to numpy: exactly what ``Session.run`` must do. Runs are interleaved in rounds and
the medians of process CPU time per call compared, because this machine is noisy.

    python experiments/overhead.py [--rounds 15] [--calls 2000] [--out results/]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jgraph as jg


def _time_per_call(fn: Callable[[], object], calls: int) -> float:
    # Process CPU time: steadier than wall-clock time on a shared machine, and the
    # per-call cost is all this process's work (XLA's threads included).
    start = time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - start) / calls * 1e6


def scalar_case() -> tuple[Callable[[], object], Callable[[], object]]:
    graph = jg.Graph()
    with graph.as_default():
        a = jg.Variable(3.0)
        b = jg.Variable(4.0)
        c = a * b
        sess = jg.Session(graph=graph)
        sess.run(jg.global_variables_initializer())

    step = jax.jit(lambda s: (s, s["a"] * s["b"]), donate_argnums=0)
    state = {"a": jnp.float32(3.0), "b": jnp.float32(4.0)}

    def reference() -> object:
        nonlocal state
        state, out = step(state)
        return np.asarray(out)

    return (lambda: sess.run(c)), reference


def fed_case() -> tuple[Callable[[], object], Callable[[], object]]:
    rng = np.random.default_rng(0)
    batch = rng.random((100, 784), dtype=np.float32)
    graph = jg.Graph()
    with graph.as_default():
        x = jg.placeholder(jg.float32, [None, 784])
        w = jg.Variable(jg.zeros([784, 10]))
        b = jg.Variable(jg.zeros([10]))
        y = jg.matmul(x, w) + b
        sess = jg.Session(graph=graph)
        sess.run(jg.global_variables_initializer())

    step = jax.jit(lambda s, xs: (s, xs @ s["w"] + s["b"]), donate_argnums=0)
    state = {"w": jnp.zeros((784, 10)), "b": jnp.zeros((10,))}

    def reference() -> object:
        nonlocal state
        state, out = step(state, batch)
        return np.asarray(out)

    return (lambda: sess.run(y, {x: batch})), reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path("results"))
    args = parser.parse_args()

    results = {}
    for name, make in [("scalar a*b", scalar_case), ("fed (100,784) x@w+b", fed_case)]:
        jgraph_run, reference = make()
        for _ in range(200):  # compile and warm up both
            jgraph_run()
            reference()
        jgraph_us, reference_us = [], []
        for _ in range(args.rounds):  # interleaved rounds
            jgraph_us.append(_time_per_call(jgraph_run, args.calls))
            reference_us.append(_time_per_call(reference, args.calls))
        median_j = statistics.median(jgraph_us)
        median_r = statistics.median(reference_us)
        results[name] = {
            "jgraph_us_per_call": round(median_j, 2),
            "jax_jit_us_per_call": round(median_r, 2),
            "ratio": round(median_j / median_r, 3),
        }
        print(
            f"{name:24s} Session.run {median_j:8.2f} us   jax.jit {median_r:8.2f} us"
            f"   ratio {median_j / median_r:5.2f}x   (target <= 1.5x)"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "overhead.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
