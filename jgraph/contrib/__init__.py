"""``tf.contrib``: the parts of TF1's contrib that real programs use most, as real
modules (``import tensorflow.contrib.layers`` works under the alias, see
``jgraph.run``).

Provided: ``rnn`` (the cells, ``static_rnn``, ``static_bidirectional_rnn``,
``stack_bidirectional_dynamic_rnn``...), ``layers`` (``fully_connected``,
``conv2d``, ``max_pool2d``, ``flatten``, ``batch_norm``, ``dropout``, the xavier
and variance-scaling initializers, the l1/l2 regularizers...), ``framework``
(``arg_scope``, the global step, variable helpers), ``slim`` (the same layers
under slim's names), ``learn.datasets.mnist``, ``seq2seq.sequence_loss`` and
``legacy_seq2seq`` (``rnn_decoder`` and its losses).

Anything else (an attribute or a submodule) raises ``AttributeError`` /
``ImportError`` naming the symbol and what to use instead.
"""

from __future__ import annotations

import importlib.abc
import sys
from typing import Any

from jgraph.contrib import (
    framework as framework,
    layers as layers,
    learn as learn,
    legacy_seq2seq as legacy_seq2seq,
    rnn as rnn,
    seq2seq as seq2seq,
    slim as slim,
)

# Submodules TF1 had that jgraph does not provide, with what to use instead.
NOT_PROVIDED: dict[str, str] = {
    "eager": "graph mode: build the graph and run it in a tf.Session (jgraph has no"
    " eager execution)",
    "keras": "tf.layers and tf.nn (jgraph has no Keras)",
    "estimator": "a tf.Session training loop",
    "tpu": "jgraph.distribute placements (no TPU estimator)",
    "data": "tf.data",
    "distributions": "the formulas written with tf ops (e.g. tf.random_normal and"
    " tf.log for a Gaussian's sample and log-density)",
    "losses": "tf.losses",
    "metrics": "tf.metrics",
    "training": "tf.train (HParams: a plain Python object or argparse)",
    "factorization": "K-means written with tf ops (tf.reduce_sum, tf.argmin)",
    "tensor_forest": "nothing: random forests are not provided",
    "boosted_trees": "nothing: boosted trees are not provided",
    "tensorboard": "tf.summary.FileWriter (projector plugins are not provided)",
    "crf": "a CRF written with tf ops",
    "lookup": "a Python dict of word -> id, fed as int ids",
    "image": "tf.image",
    "opt": "the tf.train optimizers",
    "quantize": "nothing: quantisation is not provided",
    "summary": "tf.summary",
    "util": "numpy (make_tensor_proto: np.asarray)",
    "cudnn_rnn": "tf.contrib.rnn cells with tf.nn.dynamic_rnn",
    "grid_rnn": "tf.contrib.rnn cells",
    "predictor": "tf.Session.run",
    "gan": "the GAN losses written with tf.nn.sigmoid_cross_entropy_with_logits",
    "integrate": "tf.while_loop",
    "signal": "tf ops (no signal processing module)",
    "timeseries": "nothing: not provided",
    "labeled_tensor": "plain tensors",
    "graph_editor": "nothing: graphs are built once in jgraph",
    "memory_stats": "nothing: XLA manages memory",
    "stat_summarizer": "nothing: not provided",
}


def not_provided_message(name: str) -> str:
    """The error text for ``tf.contrib.<name>``."""
    hint = NOT_PROVIDED.get(name.split(".")[0])
    if hint is None:
        return (
            f"tf.contrib.{name} is not provided by jgraph; docs/tf1-coverage.md lists"
            " what is."
        )
    return f"tf.contrib.{name} is not provided by jgraph; use {hint}."


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(not_provided_message(name))


class _NotProvidedFinder(importlib.abc.MetaPathFinder):
    """Last on ``sys.meta_path``: an unknown ``jgraph.contrib.<x>`` import raises
    ``ModuleNotFoundError`` naming ``tf.contrib.<x>`` and the replacement."""

    prefix = __name__ + "."

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        if fullname.startswith(self.prefix):
            name = fullname[len(self.prefix) :]
            raise ModuleNotFoundError(not_provided_message(name), name=fullname)
        return None


if not any(isinstance(f, _NotProvidedFinder) for f in sys.meta_path):
    sys.meta_path.append(_NotProvidedFinder())
