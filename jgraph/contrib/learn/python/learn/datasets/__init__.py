"""TF1's ``tensorflow.contrib.learn.python.learn.datasets`` import path: the same
modules as ``tf.contrib.learn.datasets``."""

from jgraph.contrib.learn.datasets import load_dataset as load_dataset, mnist as mnist
