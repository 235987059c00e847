"""Data-parallel scaling of MNIST training: 1, 2 and 4 CPU devices, 1 and 2 processes.

Each configuration trains the same MLP (784 -> 500 relu -> 100 relu -> 10, softmax
cross-entropy, plain gradient descent) on the same global batches of MNIST with
``jg.distribute.DataParallel``, in fresh processes:

- ``plain``: one device, the default placement (the baseline);
- ``1p x Nd``: one process with N CPU devices
  (``XLA_FLAGS=--xla_force_host_platform_device_count=N``);
- ``2p x Nd``: two processes on 127.0.0.1 (``jg.train.Server``), N devices each,
  each feeding its half of every batch.

The configurations run interleaved (``--repeats`` rounds of all of them), so the
machine's noise hits each alike; the figure is the median examples/s over the
rounds, timed over ``--steps`` steps after ``--warmup`` (compilation) steps, each
step fetching the loss as a TF1 training loop does.

    python experiments/scaling.py [--steps 40] [--repeats 3] [--out results/scaling.json]

NOTE: CPU "devices" share the machine's cores; on a small machine more devices
split the same cores, so the figures show jgraph's overhead per device and
process (collectives, dispatch) more than a speed-up.
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

CONFIGS = [  # (name, processes, devices per process, placement)
    ("plain", 1, 1, "default"),
    ("1p x 1d", 1, 1, "data_parallel"),
    ("1p x 2d", 1, 2, "data_parallel"),
    ("1p x 4d", 1, 4, "data_parallel"),
    ("2p x 1d", 2, 1, "data_parallel"),
    ("2p x 2d", 2, 2, "data_parallel"),
]


# -- one task of one configuration ---------------------------------------------------


def worker(args: argparse.Namespace) -> None:
    """Trains for ``warmup + steps`` steps; task 0 prints ``RESULT <json>``."""
    import jgraph as jg
    import jgraph.distribute
    from jgraph.config import ConfigProto
    from jgraph.examples.tutorials.mnist import input_data
    from jgraph.train.server import ClusterSpec, Server

    target = ""
    if args.tasks > 1:
        ports = args.ports.split(",")
        cluster = ClusterSpec({"worker": [f"127.0.0.1:{p}" for p in ports]})
        config = ConfigProto(operation_timeout_in_ms=120_000)
        target = Server(cluster, "worker", args.task, config=config).target
    mnist = input_data.read_data_sets(args.data_dir, one_hot=True)
    images, labels = mnist.train.images, mnist.train.labels

    jg.set_random_seed(0)
    x = jg.placeholder(jg.float32, [None, 784], name="x")
    y = jg.placeholder(jg.float32, [None, 10], name="y")
    h, fan_in = x, 784
    for i, width in enumerate((500, 100)):
        w = jg.Variable(jg.truncated_normal([fan_in, width], stddev=0.1, seed=i))
        h = jg.nn.relu(jg.matmul(h, w) + jg.Variable(jg.zeros([width])))
        fan_in = width
    w = jg.Variable(jg.truncated_normal([100, 10], stddev=0.1, seed=9))
    logits = jg.matmul(h, w) + jg.Variable(jg.zeros([10]))
    loss = jg.reduce_mean(
        jg.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits)
    )
    train = jg.train.GradientDescentOptimizer(0.1).minimize(loss)

    placement = (
        jgraph.distribute.DataParallel() if args.placement == "data_parallel" else None
    )
    local = args.batch // args.tasks
    rows = slice(args.task * local, (args.task + 1) * local)
    with jg.Session(target, placement=placement) as sess:
        sess.run(jg.global_variables_initializer())

        def step(i: int) -> float:
            start = (i * args.batch) % (len(images) - args.batch)
            xs = images[start : start + args.batch][rows]
            ys = labels[start : start + args.batch][rows]
            return sess.run([train, loss], {x: xs, y: ys})[1]

        for i in range(args.warmup):
            step(i)
        began = time.perf_counter()
        losses = [step(args.warmup + i) for i in range(args.steps)]
        elapsed = time.perf_counter() - began
    if args.task == 0:
        print(
            "RESULT "
            + json.dumps(
                {
                    "examples_per_s": args.steps * args.batch / elapsed,
                    "step_ms": 1000 * elapsed / args.steps,
                    "last_loss": float(losses[-1]),
                }
            ),
            flush=True,
        )


# -- the driver ------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def run_config(
    processes: int, devices: int, placement: str, args: argparse.Namespace
) -> dict:
    """Runs one configuration in fresh processes; returns task 0's result."""
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    ports = ",".join(map(str, free_ports(processes)))
    common = [
        "--worker",
        f"--tasks={processes}",
        f"--ports={ports}",
        f"--placement={placement}",
        f"--steps={args.steps}",
        f"--warmup={args.warmup}",
        f"--batch={args.batch}",
        f"--data-dir={args.data_dir}",
    ]
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, *common, f"--task={task}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for task in range(processes)
    ]
    try:
        outputs = [p.communicate(timeout=args.timeout) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (_, err) in zip(procs, outputs, strict=True):
        if p.returncode != 0:
            raise RuntimeError(f"a task failed ({p.returncode}):\n{err[-3000:]}")
    line = next(x for x in outputs[0][0].splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def drive(args: argparse.Namespace) -> dict:
    runs: dict[str, list[dict]] = {name: [] for name, *_ in CONFIGS}
    for round_ in range(args.repeats):
        for name, processes, devices, placement in CONFIGS:
            result = run_config(processes, devices, placement, args)
            runs[name].append(result)
            print(
                f"round {round_ + 1}/{args.repeats} {name:>8}:"
                f" {result['examples_per_s']:9.0f} examples/s",
                flush=True,
            )
    summary = {}
    baseline = statistics.median(r["examples_per_s"] for r in runs["plain"])
    for name, processes, devices, placement in CONFIGS:
        rates = [r["examples_per_s"] for r in runs[name]]
        summary[name] = {
            "processes": processes,
            "devices_per_process": devices,
            "placement": placement,
            "examples_per_s": rates,
            "median_examples_per_s": statistics.median(rates),
            "median_step_ms": statistics.median(r["step_ms"] for r in runs[name]),
            "relative_to_plain": statistics.median(rates) / baseline,
            "last_loss": runs[name][-1]["last_loss"],
        }
    return {
        "what": "MNIST MLP training throughput, jgraph DataParallel on CPU devices",
        "cpu_count": os.cpu_count(),
        "global_batch": args.batch,
        "steps": args.steps,
        "warmup": args.warmup,
        "repeats": args.repeats,
        "configs": summary,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=512, help="global batch")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument(
        "--data-dir", default=os.environ.get("JGRAPH_MNIST_DIR", "MNIST_data")
    )
    parser.add_argument("--out", type=Path, default=None, help="JSON results file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--task", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--tasks", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--ports", default="", help=argparse.SUPPRESS)
    parser.add_argument("--placement", default="default", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    if args.batch % 4:
        parser.error("--batch must split over 4 devices (a multiple of 4)")
    results = drive(args)
    print(f"\n{'config':>8}  {'examples/s':>10}  {'step ms':>8}  {'vs plain':>8}")
    for name, row in results["configs"].items():
        print(
            f"{name:>8}  {row['median_examples_per_s']:10.0f}"
            f"  {row['median_step_ms']:8.2f}  {row['relative_to_plain']:8.2f}"
        )
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
