"""Tutorials support code, mirroring TF1's ``tensorflow.examples.tutorials``."""
