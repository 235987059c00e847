"""``tf.contrib.learn.datasets.mnist``: the MNIST loader of
``tensorflow.examples.tutorials.mnist.input_data`` (the same functions)."""

from jgraph.examples.tutorials.mnist.input_data import (
    DataSet as DataSet,
    Datasets as Datasets,
    dense_to_one_hot as dense_to_one_hot,
    extract_images as extract_images,
    extract_labels as extract_labels,
    read_data_sets as read_data_sets,
)


def load_mnist(train_dir: str = "MNIST-data") -> Datasets:
    """``read_data_sets(train_dir)``, as TF1's ``load_mnist``."""
    return read_data_sets(train_dir)
