"""Checkpoint save and restore time: jgraph's Saver against plain orbax and numpy.

Models of 10 MB, 100 MB and 1 GB of float32 variables (8 variables each, random
normal values: incompressible, like trained weights). Per size, in interleaved
rounds, on the same arrays:

* ``jgraph``: ``Saver.save(sess, path)`` (blocking: copy, checksums, orbax write,
  index file) and ``Saver.restore(sess, path)`` (metadata checks, read onto the
  variables' devices, checksum verification, ``Session.set_state``); also the time
  a non-blocking ``save(..., blocking=False)`` holds training up.
* ``orbax``: ``ocp.StandardCheckpointer().save(path, arrays)`` +
  ``wait_until_finished()``, and ``restore(path, target)`` with the same targets.
* ``numpy``: ``np.save`` of the same bytes, one file per array, with ``fsync``
  (raw disk speed; tensorstore also syncs its files) and without (page cache),
  and ``np.load`` + ``jax.device_put`` back.

Restores read files just written, so they come from the OS page cache. Each
timing starts after ``os.sync()`` (no dirty pages of the previous method pending),
and the order of the three methods rotates from round to round. Every checkpoint
is deleted right after its method: the peak disk use is about one model.

    python experiments/checkpoint_bench.py [--sizes 10MB,100MB,1GB] [--rounds 3]
        [--out results/] [--tmp /tmp]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import numpy as np
import orbax.checkpoint as ocp

import jgraph as jg

VARIABLES_PER_MODEL = 8


def parse_size(text: str) -> int:
    """``"10MB"`` -> 10_000_000 bytes (decimal units, as disks are sold)."""
    units = {"KB": 10**3, "MB": 10**6, "GB": 10**9}
    text = text.strip().upper()
    for unit, factor in units.items():
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def build_model(nbytes: int) -> tuple[jg.Session, jg.train.Saver, dict[str, jax.Array]]:
    """A session holding ``nbytes`` of float32 variables, its Saver, and copies of
    the variables' arrays."""
    graph = jg.Graph()
    per_variable = nbytes // 4 // VARIABLES_PER_MODEL
    with graph.as_default():
        jg.set_random_seed(0)
        for i in range(VARIABLES_PER_MODEL):
            jg.Variable(jg.random_normal([per_variable]), name=f"layer_{i}/weights")
        sess = jg.Session(graph=graph)
        sess.run(jg.global_variables_initializer())
        saver = jg.train.Saver()
    return sess, saver, sess.get_state(copy=True).variables


def timed(fn: Callable[[], object]) -> float:
    """Seconds ``fn`` takes, starting with no dirty pages waiting to be written (so
    one method's writes are not charged to the next one)."""
    os.sync()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def numpy_save(directory: str, arrays: dict[str, jax.Array], sync: bool) -> None:
    os.makedirs(directory)
    for i, value in enumerate(arrays.values()):
        with open(os.path.join(directory, f"{i}.npy"), "wb") as file:
            np.save(file, np.asarray(value), allow_pickle=False)
            if sync:
                file.flush()
                os.fsync(file.fileno())


def numpy_load(directory: str, arrays: dict[str, jax.Array]) -> None:
    loaded = [
        jax.device_put(np.load(os.path.join(directory, f"{i}.npy"), allow_pickle=False))
        for i in range(len(arrays))
    ]
    jax.block_until_ready(loaded)


def jgraph_times(
    sess: jg.Session, saver: jg.train.Saver, arrays: dict[str, jax.Array], root: str
) -> dict[str, float]:
    del arrays  # the Saver reads the session's own state
    times = {}
    path = os.path.join(root, "model.ckpt")
    times["jgraph_save"] = timed(lambda: saver.save(sess, path))
    times["jgraph_restore"] = timed(lambda: saver.restore(sess, path))
    async_path = os.path.join(root, "async.ckpt")
    times["jgraph_save_async_blocking"] = timed(
        lambda: saver.save(sess, async_path, write_state=False, blocking=False)
    )
    saver.wait_until_finished()
    return times


def orbax_times(
    sess: jg.Session, saver: jg.train.Saver, arrays: dict[str, jax.Array], root: str
) -> dict[str, float]:
    path = os.path.join(root, "orbax")
    target = {
        name: jax.ShapeDtypeStruct(a.shape, a.dtype, sharding=a.sharding)
        for name, a in arrays.items()
    }

    def save() -> None:
        with ocp.StandardCheckpointer() as checkpointer:
            checkpointer.save(path, arrays)
            checkpointer.wait_until_finished()

    def restore() -> None:
        with ocp.StandardCheckpointer() as checkpointer:
            jax.block_until_ready(checkpointer.restore(path, target))

    return {"orbax_save": timed(save), "orbax_restore": timed(restore)}


def numpy_times(
    sess: jg.Session, saver: jg.train.Saver, arrays: dict[str, jax.Array], root: str
) -> dict[str, float]:
    path = os.path.join(root, "numpy")
    times = {"numpy_save_fsync": timed(lambda: numpy_save(path, arrays, sync=True))}
    times["numpy_load"] = timed(lambda: numpy_load(path, arrays))
    shutil.rmtree(path)
    times["numpy_save_page_cache"] = timed(lambda: numpy_save(path, arrays, sync=False))
    return times


METHODS = (jgraph_times, orbax_times, numpy_times)


def one_round(
    sess: jg.Session,
    saver: jg.train.Saver,
    arrays: dict[str, jax.Array],
    root: str,
    first: int,
) -> dict[str, float]:
    """Times every method once, starting with method ``first`` (the order rotates
    from round to round); deletes what each wrote before the next one runs."""
    times = {}
    for i in range(len(METHODS)):
        method = METHODS[(first + i) % len(METHODS)]
        directory = os.path.join(root, method.__name__)
        os.makedirs(directory)
        times.update(method(sess, saver, arrays, directory))
        shutil.rmtree(directory)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10MB,100MB,1GB")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("results"))
    parser.add_argument("--tmp", default=None, help="where checkpoints are written")
    args = parser.parse_args()

    results: dict[str, Any] = {
        "device": str(jax.devices()[0]),
        "rounds": args.rounds,
        "sizes": {},
    }
    root = tempfile.mkdtemp(prefix="checkpoint_bench_", dir=args.tmp)
    try:
        for size_text in args.sizes.split(","):
            nbytes = parse_size(size_text)
            sess, saver, arrays = build_model(nbytes)
            one_round(sess, saver, arrays, os.path.join(root, "warmup"), 0)  # compile
            rounds = [
                one_round(sess, saver, arrays, os.path.join(root, f"round{r}"), r)
                for r in range(args.rounds)
            ]
            order = [k for k in rounds[0] if k.startswith("jgraph")]
            order += [k for k in rounds[0] if not k.startswith("jgraph")]
            rounds = [{k: r[k] for k in order} for r in rounds]
            medians = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
            actual = sum(a.nbytes for a in arrays.values())
            entry = {
                "bytes": actual,
                "median_s": {k: round(v, 4) for k, v in medians.items()},
                "MB_per_s": {
                    k: round(actual / v / 1e6, 1) for k, v in medians.items() if v > 0
                },
                "ratios": {
                    "save_jgraph_over_orbax": medians["jgraph_save"]
                    / medians["orbax_save"],
                    "save_jgraph_over_numpy_fsync": medians["jgraph_save"]
                    / medians["numpy_save_fsync"],
                    "restore_jgraph_over_orbax": medians["jgraph_restore"]
                    / medians["orbax_restore"],
                    "restore_jgraph_over_numpy": medians["jgraph_restore"]
                    / medians["numpy_load"],
                },
            }
            entry["ratios"] = {k: round(v, 3) for k, v in entry["ratios"].items()}
            results["sizes"][size_text] = entry
            print(f"\n{size_text} ({actual / 1e6:.0f} MB), median of {args.rounds}:")
            for key, seconds in medians.items():
                print(
                    f"  {key:28s} {seconds:8.3f} s  {actual / seconds / 1e6:8.0f} MB/s"
                )
            for key, ratio in entry["ratios"].items():
                print(f"  {key:28s} {ratio:8.2f}x")
            sess.close()
            del arrays
    finally:
        shutil.rmtree(root, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "checkpoint_bench.json").write_text(json.dumps(results, indent=2))
    print(f"\nwrote {args.out / 'checkpoint_bench.json'}")


if __name__ == "__main__":
    main()
