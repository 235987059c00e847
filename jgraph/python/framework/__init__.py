"""TF1's ``tensorflow.python.framework`` import path (``ops``, ``dtypes``)."""

from jgraph.python.framework import dtypes as dtypes, ops as ops
