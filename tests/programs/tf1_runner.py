"""Runs TF1 programs on real TensorFlow (``tf.compat.v1`` in graph mode), for
``record.py``: ``python tf1_runner.py jobs.json results.json``, with the
TensorFlow interpreter.

TensorFlow 2.x has no ``tf.contrib`` and no ``tensorflow.examples``, so this maps
the names the programs import onto what TF 2.x still ships: ``tensorflow`` is
``tf.compat.v1``; ``tensorflow.contrib.layers`` / ``framework`` / ``slim`` are
``tf_slim`` (the extracted ``tf.contrib.layers`` and slim code, pip
``tf-slim``); ``tensorflow.contrib.rnn`` holds ``tf.compat.v1.nn.rnn_cell``'s cells
and ``static_rnn`` / ``static_bidirectional_rnn``; the MNIST modules are
jgraph's pure-numpy loader (so both sides read the same batches).
"""

from __future__ import annotations

import importlib
import os
import runpy
import sys
import types
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REPO = Path(__file__).resolve().parents[2]


def _module(name: str, **attrs: object) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


def _mnist_loader() -> types.ModuleType:
    """jgraph's ``input_data`` without importing jgraph (no JAX needed)."""
    for name, sub in (
        ("jgraph", "jgraph"),
        ("jgraph.examples", "jgraph/examples"),
        ("jgraph.examples.tutorials", "jgraph/examples/tutorials"),
        ("jgraph.examples.tutorials.mnist", "jgraph/examples/tutorials/mnist"),
    ):
        package = _module(name)
        package.__path__ = [str(REPO / sub)]
    return importlib.import_module("jgraph.examples.tutorials.mnist.input_data")


def install() -> None:
    import tensorflow as real_tf

    tf1 = real_tf.compat.v1
    tf1.disable_v2_behavior()
    from tensorflow.python.framework import ops
    from tensorflow.python.ops import control_flow_ops

    # tf_slim 1.1 still uses names TF 2.21 moved: ops.Tensor, control_flow_ops.cond.
    ops.Tensor = real_tf.Tensor
    control_flow_ops.cond = tf1.cond
    import tf_keras.src.legacy_tf_layers as legacy_layers

    # ... and tensorflow.python.layers looks for tf_keras.legacy_tf_layers.
    sys.modules.setdefault("tf_keras.legacy_tf_layers", legacy_layers)
    for sub in ("base", "convolutional", "core", "normalization", "pooling"):
        module = importlib.import_module(f"tf_keras.src.legacy_tf_layers.{sub}")
        sys.modules.setdefault(f"tf_keras.legacy_tf_layers.{sub}", module)
    import tf_slim

    slim_layers = importlib.import_module("tf_slim.layers")

    rnn_cell = tf1.nn.rnn_cell
    rnn = _module(
        "tensorflow.contrib.rnn",
        **{n: getattr(rnn_cell, n) for n in dir(rnn_cell) if not n.startswith("_")},
        static_rnn=tf1.nn.static_rnn,
        static_bidirectional_rnn=tf1.nn.static_bidirectional_rnn,
        dynamic_rnn=tf1.nn.dynamic_rnn,
        bidirectional_dynamic_rnn=tf1.nn.bidirectional_dynamic_rnn,
    )
    input_data = _mnist_loader()
    mnist_mod = _module("tensorflow.contrib.learn.datasets.mnist", **vars(input_data))
    datasets = _module("tensorflow.contrib.learn.datasets", mnist=mnist_mod)
    learn = _module("tensorflow.contrib.learn", datasets=datasets)
    for path in ("python", "python.learn", "python.learn.datasets"):
        _module(f"tensorflow.contrib.learn.{path}")
    sys.modules["tensorflow.contrib.learn.python.learn.datasets.mnist"] = mnist_mod
    framework = _module(
        "tensorflow.contrib.framework",
        **{
            **{n: getattr(tf_slim, n) for n in dir(tf_slim) if not n.startswith("_")},
            "get_or_create_global_step": tf1.train.get_or_create_global_step,
            "get_global_step": tf1.train.get_global_step,
        },
    )
    contrib = _module(
        "tensorflow.contrib",
        rnn=rnn,
        layers=slim_layers,
        framework=framework,
        slim=tf_slim,
        learn=learn,
    )
    sys.modules["tensorflow.contrib.layers"] = slim_layers
    sys.modules["tensorflow.contrib.slim"] = tf_slim
    tf1.contrib = contrib
    mnist = _module("tensorflow.examples.tutorials.mnist", input_data=input_data)
    sys.modules["tensorflow.examples.tutorials.mnist.input_data"] = input_data
    tutorials = _module("tensorflow.examples.tutorials", mnist=mnist)
    _module("tensorflow.examples", tutorials=tutorials)
    sys.modules["tensorflow.compat.v1"] = tf1
    sys.modules["tensorflow"] = tf1


def run_batch(jobs: list[dict[str, object]]) -> dict[str, object]:
    """Runs each job's program once per argument list, in one process (TensorFlow
    is imported once): a fresh default graph, the job's working directory, stdout
    captured. Returns ``{name: [stdout, ...]}`` or ``{name: {"error": text}}``."""
    import contextlib
    import io
    import traceback

    import tensorflow as tf1

    results: dict[str, object] = {}
    home = os.getcwd()
    for job in jobs:
        outputs = []
        try:
            for args in job["runs"]:  # type: ignore[union-attr]
                tf1.reset_default_graph()
                os.chdir(str(job["cwd"]))
                sys.argv = [str(job["path"]), *args]
                buffer = io.StringIO()
                with contextlib.redirect_stdout(buffer):
                    try:
                        runpy.run_path(str(job["path"]), run_name="__main__")
                    except SystemExit as e:
                        if e.code not in (None, 0):
                            raise
                outputs.append(buffer.getvalue())
            results[str(job["name"])] = outputs
        except BaseException:
            results[str(job["name"])] = {"error": traceback.format_exc()[-3000:]}
        finally:
            os.chdir(home)
    return results


if __name__ == "__main__":
    import json

    install()
    jobs_file, results_file = sys.argv[1:3]
    with open(jobs_file) as f:
        batch = json.load(f)
    with open(results_file, "w") as f:
        json.dump(run_batch(batch), f)
