"""Project tasks: ``nox -s tests``, ``nox -s mnist``, ``nox -s lint``, ``nox -s bench``...

Each session installs what it needs into its own virtualenv, so every command
works on a fresh machine with Python 3.11+ and nox.
"""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite (CPU, both cores, derandomized hypothesis)."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "-n",
        os.environ.get("PYTEST_WORKERS", "2"),
        *session.posargs,
        env={"JAX_PLATFORMS": "cpu", "HYPOTHESIS_PROFILE": "ci"},
    )


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """Differential tests against TF1 itself (tensorflow-cpu, tf.compat.v1 graph mode)."""
    session.install("-e", ".[test]", "tensorflow-cpu", "tf-keras")
    session.run(
        "pytest",
        "tests/conformance",
        "-n",
        os.environ.get("PYTEST_WORKERS", "2"),
        *session.posargs,
        env={
            "JAX_PLATFORMS": "cpu",
            "TF_USE_LEGACY_KERAS": "1",  # tf.compat.v1.layers and rnn_cell
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "CUDA_VISIBLE_DEVICES": "",
        },
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Check style with ruff (lint and format)."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Type-check the library with pyright (basic mode)."""
    session.install("-e", ".", "pyright>=1.1.380")
    session.run("pyright", "jgraph")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Micro-benchmarks: Session.run overhead against a plain jax.jit call."""
    session.install("-e", ".")
    session.run("python", "experiments/overhead.py", *session.posargs)


@nox.session(python=PYTHON)
def mnist(session: nox.Session) -> None:
    """The main job: train the TF1 tutorial MLP on MNIST, compare with hand-written JAX."""
    session.install("-e", ".[bench]")
    args = session.posargs or ["--compare", "--summary-overhead"]
    session.run("python", "experiments/mnist.py", *args)


@nox.session(python=PYTHON)
def tensorboard_screenshot(session: nox.Session) -> None:
    """Opt-in: render a jgraph run in TensorBoard (headless Chromium), save PNGs."""
    session.install("-e", ".[test]")
    session.run("python", "experiments/tensorboard_screenshot.py", *session.posargs)


@nox.session(python=PYTHON)
def fused(session: nox.Session) -> None:
    """Steps/s: feed_dict, tf.data iterator, fused run_steps, hand-written jax.jit."""
    session.install("-e", ".")
    session.run("python", "experiments/fused.py", *session.posargs)


@nox.session(python=PYTHON)
def cnn(session: nox.Session) -> None:
    """Conv nets: jgraph vs hand-written JAX vs TF1 (tensorflow-cpu, this venv only)."""
    session.install("-e", ".[bench]", "tensorflow-cpu")
    session.run("python", "experiments/cnn.py", *session.posargs)


@nox.session(python=PYTHON)
def checkpoint_bench(session: nox.Session) -> None:
    """Save/restore time: jgraph Saver vs plain orbax vs numpy, 10 MB to 1 GB."""
    session.install("-e", ".")
    session.run("python", "experiments/checkpoint_bench.py", *session.posargs)


@nox.session(python=PYTHON)
def soak(session: nox.Session) -> None:
    """Memory over 100k Session.run calls, and per compiled shape over 2000 shapes."""
    session.install("-e", ".")
    session.run("python", "experiments/soak.py", *session.posargs)


@nox.session(python=PYTHON)
def scaling(session: nox.Session) -> None:
    """MNIST training throughput on 1, 2, 4 CPU devices and 1, 2 processes."""
    session.install("-e", ".")
    session.run("python", "experiments/scaling.py", *session.posargs)


@nox.session(python=PYTHON)
def wheel(session: nox.Session) -> None:
    """Build the wheel, install it, and run a graph from outside the source tree."""
    tmp = session.create_tmp()
    session.install("build")
    session.run("python", "-m", "build", "--wheel", "--outdir", tmp)
    (wheel_file,) = (f for f in os.listdir(tmp) if f.endswith(".whl"))
    session.install(os.path.join(tmp, wheel_file))
    session.chdir(tmp)
    session.run(
        "python",
        "-c",
        "import jgraph as tf; c = tf.Variable(3) * 4; s = tf.Session();"
        " s.run(tf.global_variables_initializer()); assert s.run(c) == 12;"
        " print('wheel ok:', c)",
    )


@nox.session(python=PYTHON)
def dist_latency(session: nox.Session) -> None:
    """Cross-task run latency vs a bare jax.distributed collective; one-device placement."""
    session.install("-e", ".")
    session.run("python", "experiments/dist_latency.py", *session.posargs)
