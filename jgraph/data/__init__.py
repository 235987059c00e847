"""``tf.data``: in-memory input pipelines (a client of the core); see ``dataset``."""

from jgraph.data.dataset import Dataset as Dataset, Iterator as Iterator

__all__ = ["Dataset", "Iterator"]
