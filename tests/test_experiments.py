"""Every script in experiments/ runs end to end for a few steps (so none rots) and
writes its JSON result. The figures themselves come from full runs under nox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
MNIST_DIR = os.environ.get("JGRAPH_MNIST_DIR") or (
    str(SHARED_MNIST) if SHARED_MNIST.is_dir() else None
)
needs_mnist = pytest.mark.skipif(
    MNIST_DIR is None, reason="needs the MNIST files (set JGRAPH_MNIST_DIR)"
)


def _run(script: str, *args: str, timeout: float = 240) -> str:
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    if MNIST_DIR is not None:
        env["JGRAPH_MNIST_DIR"] = MNIST_DIR
    result = subprocess.run(
        [sys.executable, str(ROOT / "experiments" / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result.stdout


@pytest.mark.slow
def test_overhead(tmp_path):
    out = _run("overhead.py", "--rounds", "1", "--calls", "50", "--out", str(tmp_path))
    results = json.loads((tmp_path / "overhead.json").read_text())
    assert set(results) == {"scalar a*b", "fed (100,784) x@w+b"}
    assert "ratio" in out


@pytest.mark.slow
@needs_mnist
def test_mnist_benchmark(tmp_path):
    out = _run(
        "mnist.py",
        *("--steps", "120", "--block", "60", "--compare", "--summary-overhead"),
        *("--out", str(tmp_path), "--no-plot"),
    )
    result = json.loads((tmp_path / "mnist.json").read_text())
    assert result["steps"] == 120
    assert 0.1 < result["final_test_accuracy"] <= 1.0
    assert {"ratio_vs_jax", "summary_slowdown", "compile_seconds"} <= set(result)
    assert "Final Test Accuracy" in out
    assert (tmp_path / "summary").is_dir() and (tmp_path / "checkpoint").is_dir()


@pytest.mark.slow
@needs_mnist
def test_fused_benchmark(tmp_path):
    _run(
        "fused.py",
        *("--rounds", "1", "--steps", "100", "--models", "softmax_regression"),
        *("--out", str(tmp_path)),
    )
    result = json.loads((tmp_path / "fused.json").read_text())
    assert {"fused_vs_jax", "feed_dict_vs_jax"} <= set(result["softmax_regression"])


@pytest.mark.slow
def test_checkpoint_benchmark(tmp_path):
    _run(
        "checkpoint_bench.py",
        *("--sizes", "1MB", "--rounds", "1", "--out", str(tmp_path)),
        *("--tmp", str(tmp_path)),
    )
    assert list(tmp_path.glob("*.json"))


@pytest.mark.slow
@needs_mnist
def test_scaling_experiment(tmp_path):
    out_file = tmp_path / "scaling.json"
    _run(
        "scaling.py",
        *("--steps", "2", "--warmup", "1", "--repeats", "1", "--out", str(out_file)),
    )
    assert json.loads(out_file.read_text())


@pytest.mark.slow
def test_soak(tmp_path):
    out = _run(
        "soak.py",
        *("--steps", "300", "--shapes", "6", "--samples", "3"),
        *("--out", str(tmp_path)),
    )
    result = json.loads((tmp_path / "soak.json").read_text())
    assert result["steady_steps"]["runs"] == 300
    assert result["new_shape_every_run"]["compiles"] >= 6
    assert "MiB per compiled shape" in out


@pytest.mark.slow
def test_cnn_benchmark(tmp_path):
    out = _run(
        "cnn.py",
        *("--rounds", "1", "--steps", "1", "--models", "tutorial"),
        "--no-xla-lowering",
        *("--ops", "--op-rounds", "1", "--op-calls", "1"),
        *("--op-filter", "max_pool 2x2/2 128x7x7"),
        *("--out", str(tmp_path)),
        timeout=600,
    )
    result = json.loads((tmp_path / "cnn.json").read_text())
    modes = {"jgraph", "jax"} | ({"tf1"} if result["tf1"] else set())
    assert set(result["tutorial"]["steps_per_s"]) == modes
    assert "jgraph/jax" in result["tutorial"]["ratios"]
    assert "max_pool 2x2/2 128x7x7x128 dinput" in result["ops"]
    assert result["tf1"] or "TF1 skipped" in out
