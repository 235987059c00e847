"""TF1's ``tensorflow.python.client``."""
