"""TF1's ``tensorflow.contrib.learn.python.learn.datasets.mnist`` import path."""

from jgraph.contrib.learn.datasets.mnist import (
    DataSet as DataSet,
    Datasets as Datasets,
    dense_to_one_hot as dense_to_one_hot,
    extract_images as extract_images,
    extract_labels as extract_labels,
    load_mnist as load_mnist,
    read_data_sets as read_data_sets,
)
