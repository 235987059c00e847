"""``tf.io``: reading files and decoding records (TF 1.13+ names)."""

from jgraph.ops.io_ops import decode_csv as decode_csv, read_file as read_file

__all__ = ["decode_csv", "read_file"]
