"""``tf.contrib.learn.datasets``: ``mnist`` and ``load_dataset("mnist")``."""

from typing import Any

from jgraph.contrib.learn.datasets import mnist as mnist


def load_dataset(
    name: str, size: str = "small", test_with_fake_data: bool = False
) -> Any:
    """``load_dataset("mnist")``: ``mnist.load_mnist()``, as TF1.

    Raises:
      ValueError: any other dataset name (jgraph ships only the MNIST loader).
    """
    del size
    if name != "mnist":
        raise ValueError(
            f"Name of dataset is not supported by jgraph: {name!r}; only 'mnist' is"
            " (tf.contrib.learn.datasets.load_dataset)."
        )
    return (
        mnist.load_mnist()
        if not test_with_fake_data
        else mnist.read_data_sets("MNIST-data", fake_data=True)
    )
