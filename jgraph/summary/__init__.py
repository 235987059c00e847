"""``tf.summary``: summary ops, the TensorBoard ``FileWriter`` and the graph export.

A client of the core (see DESIGN.md), in three parts:

- ``_ops``: the summary ops (``scalar``, ``histogram``, ``image``, ``audio``,
  ``text``, ``tensor_summary``, ``merge``, ``merge_all``). Their numbers are
  computed inside the one jitted function of a run; the serialized ``Summary``
  protobuf is built on the host after the call by a host finalizer
  (``ops.registry.HOST_FINALIZERS``), so ``sess.run(summary_op)`` returns ``bytes``
  like TF1 while large tensors never travel to the host.
- ``_writer``: ``FileWriter`` and ``FileWriterCache``, which write those bytes and
  the graph to an event file with tensorboardX's event writer; ``graph_def(graph)``,
  the graph as a ``GraphDef`` with scoped names (``jgraph.graph.graph_def``), so
  TensorBoard groups nodes by name scope.

This module is the public surface only: it re-exports those names.
"""

from jgraph.graph.graph_def import GraphDef as GraphDef
from jgraph.summary._ops import (
    Summary as Summary,
    SummaryMetadata as SummaryMetadata,
    audio as audio,
    histogram as histogram,
    image as image,
    merge as merge,
    merge_all as merge_all,
    scalar as scalar,
    tensor_summary as tensor_summary,
    text as text,
)
from jgraph.summary._writer import (
    Event as Event,
    FileWriter as FileWriter,
    FileWriterCache as FileWriterCache,
    SessionLog as SessionLog,
    TaggedRunMetadata as TaggedRunMetadata,
    graph_def as graph_def,
)

__all__ = [
    "Event",
    "FileWriter",
    "FileWriterCache",
    "GraphDef",
    "SessionLog",
    "Summary",
    "SummaryMetadata",
    "TaggedRunMetadata",
    "audio",
    "graph_def",
    "histogram",
    "image",
    "merge",
    "merge_all",
    "scalar",
    "tensor_summary",
    "text",
]
