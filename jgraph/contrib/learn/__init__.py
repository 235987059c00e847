"""``tf.contrib.learn``: only its MNIST dataset loader (``learn.datasets.mnist``).

The estimators (``Estimator``, ``RunConfig``, ``ModeKeys``...) and
``preprocessing`` are not provided; touching them raises an error naming the
replacement.
"""

from typing import Any

from jgraph.contrib.learn import datasets as datasets

_NOT_PROVIDED = {
    "preprocessing": "a vocabulary built in Python (dict of word -> id) fed as int ids",
    "Estimator": "a tf.Session training loop",
    "RunConfig": "a tf.Session training loop",
    "ModeKeys": "a Python flag for training/inference",
    "DNNClassifier": "tf.layers.dense layers and a tf.Session training loop",
    "LinearClassifier": "tf.layers.dense and a tf.Session training loop",
    "infer_real_valued_columns_from_input": "placeholders of the input's shape",
}


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    hint = _NOT_PROVIDED.get(name, "a tf.Session training loop")
    raise AttributeError(
        f"tf.contrib.learn.{name} is not provided by jgraph (no estimators); use {hint}."
    )
