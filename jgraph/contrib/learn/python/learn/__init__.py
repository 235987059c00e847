"""TF1's ``tensorflow.contrib.learn.python.learn`` import path."""
