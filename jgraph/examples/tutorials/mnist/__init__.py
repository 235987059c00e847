"""MNIST tutorial data, mirroring TF1's ``tensorflow.examples.tutorials.mnist``."""
