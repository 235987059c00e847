"""Opt-in check that TensorBoard renders a jgraph run: screenshots of its pages.

Starts ``tensorboard --logdir <dir>`` on 127.0.0.1 (a free port), waits until it
serves, opens the Graphs and Scalars dashboards (and any others asked for) in
headless Chromium (Debian's ``chromium`` package), saves one PNG per page into the
output directory and stops TensorBoard. Without ``--logdir`` it first writes a
small demo run with jgraph: the TF1 tutorial's nested-scope graph, its
``ChangingNumber`` scalar over 1000 steps, and a histogram, an image and a text.

    python experiments/tensorboard_screenshot.py --out shots/
    python experiments/tensorboard_screenshot.py --logdir /tmp/nn/summary --out shots/

Not part of CI: it needs Chromium and a few seconds per page.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import jgraph as jg

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=15000",
    "--window-size=1400,900",
]
DASHBOARDS = ("graphs", "scalars", "histograms", "images", "audio", "text")


def write_demo_run(logdir: str) -> None:
    """The tutorial's TensorBoard examples, plus one histogram, image and text."""
    random.seed(0)
    with jg.name_scope("primitives"):
        a = jg.Variable(5, name="a")
        b = jg.Variable(10, name="b")
    with jg.name_scope("fancy_pants_procedure"):
        c = jg.multiply(a, b)
        with jg.name_scope("very_mean_reduction"):
            d = jg.reduce_mean([a, b, c])
        jg.add(c, d)
    with jg.name_scope("not_so_fancy_procedure"):
        jg.add(a, b)
    changing = jg.Variable(jg.multiply(a, b, name="result"), name="ChangingNumber")
    number = jg.placeholder(jg.int32, shape=[], name="number")
    update = jg.assign(changing, jg.add(changing, number))
    jg.summary.scalar("ChangingNumber", changing)
    noise = jg.random_normal([64, 32], seed=1, name="noise")
    jg.summary.histogram("noise", noise * jg.cast(changing, jg.float32) / 1000.0)
    gradient = jg.reshape(jg.linspace(0.0, 1.0, 32 * 32 * 3), [1, 32, 32, 3])
    jg.summary.image("gradient", gradient, max_outputs=1)
    jg.summary.text("about", jg.constant("A **jgraph** run, written by `FileWriter`."))
    summary_op = jg.summary.merge_all()
    with jg.Session() as sess:
        sess.run(jg.global_variables_initializer())
        with jg.summary.FileWriter(logdir, sess.graph) as writer:
            for step in range(1000):
                sess.run(update, feed_dict={number: int(random.random() * 100)})
                if step % 10 == 0:
                    writer.add_summary(sess.run(summary_op), step)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tensorboard exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/data/runs", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"tensorboard did not answer at {url} within {timeout:.0f} s")


def screenshot(chromium: str, url: str, path: str, profile: str) -> None:
    command = [
        chromium,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--screenshot={path}",
        url,
    ]
    subprocess.run(command, check=True, timeout=180, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--logdir", help="event files to show (default: a demo run)")
    parser.add_argument("--out", default="tensorboard_screenshots", help="PNG folder")
    parser.add_argument(
        "--pages",
        default="graphs,scalars",
        help=f"comma-separated dashboards, from {', '.join(DASHBOARDS)}",
    )
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    args = parser.parse_args()

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium not found: apt-get install -y chromium", file=sys.stderr)
        return 2
    tensorboard = shutil.which("tensorboard") or os.path.join(
        os.path.dirname(sys.executable), "tensorboard"
    )
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = sorted(set(pages) - set(DASHBOARDS))
    if unknown:
        parser.error(f"unknown dashboards {unknown}; choose from {DASHBOARDS}")
    os.makedirs(args.out, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="tb_shots_")
    logdir = args.logdir
    if logdir is None:
        logdir = os.path.join(scratch, "logs", "demo")
        write_demo_run(logdir)
        logdir = os.path.dirname(logdir)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = os.path.join(args.out, "tensorboard.log")
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                tensorboard,
                "--logdir",
                logdir,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(url, process, args.startup_timeout)
        for page in pages:
            path = os.path.abspath(os.path.join(args.out, f"{page}.png"))
            screenshot(chromium, f"{url}/#{page}", path, os.path.join(scratch, page))
            print(f"{page}: {path}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
