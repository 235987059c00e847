"""TF1's ``tensorflow.contrib.learn.python`` import path."""
