"""What a host step costs: a ``tf.py_func`` between compiled ops, per ``Session.run``.

Four ways to compute ``sum(f(2 * x))`` for a fed ``x`` of ``--size`` floats, with
``f`` = ``np.sin`` in Python (or ``tf.sin`` in the graph):

- ``graph``: ``tf.sin`` in the graph: one compiled call (the floor).
- ``host step``: ``tf.py_func(np.sin)``: jgraph cuts the run into a compiled
  segment, the Python function and a second compiled segment.
- ``jax split``: the same cut written by hand in JAX (two ``jax.jit`` calls and
  ``np.sin`` between them): what the cut costs without jgraph's Python.
- ``jax callback``: one ``jax.jit`` with ``jax.pure_callback(np.sin)`` inside:
  the alternative for a Python function whose output shape is static.

Runs are interleaved (rounds of each), medians reported; the machine may be
shared, so compare figures from one invocation only.

    python experiments/host_steps.py [--size 256] [--runs 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

import jgraph as tf


def _jgraph_run(use_py_func: bool) -> tuple[Callable[[np.ndarray], object], object]:
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None])
        doubled = x * 2.0
        if use_py_func:
            mapped = tf.py_func(lambda a: np.sin(a), [doubled], tf.float32)
        else:
            mapped = tf.sin(doubled)
        total = tf.reduce_sum(mapped)
    sess = tf.Session(graph=graph)
    return (lambda value: sess.run(total, {x: value})), sess


def _jax_split() -> Callable[[np.ndarray], object]:
    first = jax.jit(lambda v: v * 2.0)
    second = jax.jit(jnp.sum)

    def run(value: np.ndarray) -> object:
        host = np.sin(np.asarray(first(value)))
        return np.asarray(second(host))

    return run


def _jax_callback() -> Callable[[np.ndarray], object]:
    @jax.jit
    def fn(v: jax.Array) -> jax.Array:
        spec = jax.ShapeDtypeStruct(v.shape, v.dtype)
        return jnp.sum(jax.pure_callback(np.sin, spec, v * 2.0))

    return lambda value: np.asarray(fn(value))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    value = np.linspace(-1.0, 1.0, args.size, dtype=np.float32)
    want = float(np.sin(value * 2.0).sum())
    graph_run, graph_sess = _jgraph_run(use_py_func=False)
    host_run, host_sess = _jgraph_run(use_py_func=True)
    ways = {
        "graph": graph_run,
        "host step": host_run,
        "jax split": _jax_split(),
        "jax callback": _jax_callback(),
    }
    for name, run in ways.items():
        got = float(run(value))  # compiles
        assert abs(got - want) < 1e-3 * max(1.0, abs(want)), (name, got, want)
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.rounds):
        for name, run in ways.items():
            start = time.perf_counter()
            for _ in range(args.runs):
                run(value)
            times[name].append((time.perf_counter() - start) / args.runs * 1e6)
    print(f"size {args.size}, {args.runs} runs x {args.rounds} rounds (median us/run)")
    for name, samples in times.items():
        print(f"  {name:13s} {statistics.median(samples):8.1f}")
    graph_sess.close()
    host_sess.close()


if __name__ == "__main__":
    main()
