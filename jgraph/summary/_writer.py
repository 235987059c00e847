"""``FileWriter``: writes summaries and the graph to TensorBoard event files.

Summaries arrive as the bytes a summary op's run returned (or ``Summary`` protos);
the graph is written as a ``GraphDef`` with scoped names, so TensorBoard groups
nodes by name scope. Events are written with tensorboardX's event writer.
``FileWriterCache`` shares one writer per log directory.
"""

from __future__ import annotations

import atexit
import os
import socket
import threading
import time
import weakref
from typing import Any, ClassVar

import numpy as np
from google.protobuf.message import Message
from tensorboardX.event_file_writer import EventsWriter
from tensorboardX.proto import event_pb2 as _event_pb2

from jgraph.graph.graph import Graph, get_default_graph
from jgraph.graph.graph_def import make_graph_def
from jgraph.summary._ops import Summary

# NOTE: protobuf makes its message classes at run time, so type checkers cannot see
# them: the generated modules are typed ``Any``, and so are the public aliases.
event_pb2: Any = _event_pb2

# The event messages of TF1's ``tf.summary`` namespace (tensorboardX's copies).
Event: Any = event_pb2.Event
SessionLog: Any = event_pb2.SessionLog
TaggedRunMetadata: Any = event_pb2.TaggedRunMetadata


def _as_summary(summary: Any) -> Message:
    if isinstance(summary, bytes | np.bytes_):
        parsed = Summary()
        parsed.ParseFromString(bytes(summary))
        return parsed
    if isinstance(summary, Summary):
        return summary
    serialize = getattr(summary, "SerializeToString", None)
    if serialize is None:
        raise TypeError(
            "add_summary takes a serialized Summary (bytes, what running a summary op"
            f" returns) or a Summary proto, got {type(summary).__name__}."
        )
    return Summary.FromString(serialize())  # a Summary from another protobuf module


def graph_def(graph: Graph | None = None, add_shapes: bool = True) -> Message:
    """The graph as a ``GraphDef`` protobuf, as TF1 ``graph.as_graph_def()`` (see
    ``jgraph.graph.graph_def.make_graph_def``).

    Args:
      graph: the graph (default: the default graph).
      add_shapes: add the ``_output_shapes`` attribute.

    >>> import jgraph as tf
    >>> graph = tf.Graph()
    >>> with graph.as_default():
    ...     _ = tf.constant(1.0, name="one")
    >>> [node.name for node in graph_def(graph).node]
    ['one']
    """
    return make_graph_def(
        graph if graph is not None else get_default_graph(), add_shapes
    )


class FileWriter:
    """Writes summaries and the graph to an event file for TensorBoard, as TF1
    ``tf.summary.FileWriter``.

    Args:
      logdir: directory for the event file (created if missing).
      graph: a ``Graph`` to write (``sess.graph``), or ``None``.
      max_queue: accepted for TF1 compatibility (see below).
      flush_secs: how often, in seconds, buffered events are flushed to disk.
      graph_def: a ``GraphDef`` to write instead of ``graph`` (TF1's deprecated form).
      filename_suffix: appended to the event file's name.
      session: not supported (raises ``NotImplementedError``).

    >>> import tempfile, jgraph as tf
    >>> with tf.summary.FileWriter(tempfile.mkdtemp()) as writer:  # doctest: +SKIP
    ...     writer.add_summary(summary_bytes, global_step=0)

    TF1 difference: events are encoded and buffered in the calling thread (no
    writer thread); the buffer is flushed when ``flush_secs`` have passed at the
    next ``add_*`` call, on ``flush()`` and on ``close()``, so ``max_queue`` is
    unused. ``flush()`` returns only when every event added before it is on disk.
    """

    def __init__(
        self,
        logdir: str | os.PathLike,
        graph: Graph | Message | None = None,
        max_queue: int = 10,
        flush_secs: float = 120,
        graph_def: Message | None = None,
        filename_suffix: str | None = None,
        session: Any = None,
    ) -> None:
        if session is not None:
            raise NotImplementedError(
                "FileWriter(session=...) (TF1's session-based summary writer) is not"
                " supported by jgraph; leave `session` out."
            )
        self._logdir = os.fspath(logdir)
        self._max_queue = max_queue
        self._flush_secs = float(flush_secs)
        self._suffix = filename_suffix or ""
        self._lock = threading.Lock()
        self._seen_tags: set[str] = set()
        self._events: EventsWriter | None = None
        self._open()
        _open_writers.add(self)
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def _open(self) -> None:
        os.makedirs(self._logdir, exist_ok=True)
        suffix = self._suffix
        # Two writers opened in the same second would pick the same file name (and
        # the second would truncate the first's file): make the name unique.
        host = socket.gethostname()
        count = 0
        while os.path.exists(
            os.path.join(
                self._logdir,
                f"events.out.tfevents.{str(time.time())[:10]}.{host}{suffix}",
            )
        ):
            count += 1
            suffix = f"{self._suffix}.{os.getpid()}.{count}"
        self._events = EventsWriter(os.path.join(self._logdir, "events"), suffix)
        self._last_flush = time.monotonic()

    def get_logdir(self) -> str:
        """The directory the event file is in."""
        return self._logdir

    def add_event(self, event: Message) -> None:
        """Adds an ``Event`` protobuf to the event file."""
        with self._lock:
            if self._events is None:
                raise RuntimeError(
                    f"FileWriter for '{self._logdir}' is closed; call reopen() first."
                )
            self._events.write_event(event)
            if time.monotonic() - self._last_flush >= self._flush_secs:
                self._flush_locked()

    def _add_event(self, event: Any, step: Any) -> None:
        event.wall_time = time.time()
        if step is not None:
            event.step = int(step)
        self.add_event(event)

    def add_summary(self, summary: Any, global_step: Any = None) -> None:
        """Adds a summary: the bytes ``sess.run(summary_op)`` returned, or a
        ``Summary`` proto, at step ``global_step``.

        As TF1, plugin metadata is kept only on the first value of each tag.
        """
        summary = _as_summary(summary)
        for value in summary.value:
            if not value.HasField("metadata"):
                continue
            if value.tag in self._seen_tags:
                value.ClearField("metadata")
            else:
                self._seen_tags.add(value.tag)
        self._add_event(Event(summary=summary), global_step)

    def add_graph(
        self,
        graph: Graph | Message | None,
        global_step: Any = None,
        graph_def: Message | None = None,
    ) -> None:
        """Adds a graph (a ``Graph``, or a ``GraphDef``) for TensorBoard's Graphs tab."""
        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph or graph_def, but not both.")
        proto: Any = graph if graph is not None else graph_def
        if isinstance(proto, Graph):
            proto = make_graph_def(proto, add_shapes=True)
        elif proto is None:
            raise ValueError("add_graph needs a graph or a graph_def.")
        elif not hasattr(proto, "SerializeToString"):
            raise TypeError(
                "add_graph takes a jgraph Graph or a GraphDef protobuf, got"
                f" {type(proto).__name__}."
            )
        self._add_event(Event(graph_def=proto.SerializeToString()), global_step)

    def add_session_log(self, session_log: Message, global_step: Any = None) -> None:
        """Adds a ``SessionLog`` (e.g. ``SessionLog(status=SessionLog.START)``)."""
        self._add_event(Event(session_log=session_log), global_step)

    def add_run_metadata(
        self, run_metadata: Any, tag: str, global_step: Any = None
    ) -> None:
        """Adds serialized ``RunMetadata`` (bytes or a proto) under ``tag``."""
        data = (
            run_metadata
            if isinstance(run_metadata, bytes)
            else run_metadata.SerializeToString()
        )
        tagged = TaggedRunMetadata(tag=tag, run_metadata=data)
        self._add_event(Event(tagged_run_metadata=tagged), global_step)

    def flush(self) -> None:
        """Writes every event added so far to disk."""
        with self._lock:
            if self._events is not None:
                self._flush_locked()

    def _flush_locked(self) -> None:
        assert self._events is not None
        self._events.flush()
        self._last_flush = time.monotonic()

    def close(self) -> None:
        """Flushes and closes the event file; ``reopen()`` starts a new one."""
        with self._lock:
            if self._events is not None:
                self._events.close()
                self._events = None

    def reopen(self) -> None:
        """After ``close()``, continues writing into a new event file in ``logdir``."""
        with self._lock:
            if self._events is None:
                self._open()

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# Writers still open when the program ends are closed, so buffered events reach disk.
_open_writers: weakref.WeakSet[FileWriter] = weakref.WeakSet()


@atexit.register
def _close_open_writers() -> None:
    for writer in list(_open_writers):
        writer.close()


class FileWriterCache:
    """One ``FileWriter`` per log directory, shared, as TF1 ``FileWriterCache``."""

    _cache: ClassVar[dict[str, FileWriter]] = {}
    _lock = threading.Lock()

    @staticmethod
    def get(logdir: str | os.PathLike) -> FileWriter:
        """The cached writer for ``logdir`` (made, with the default graph, if new)."""
        key = os.fspath(logdir)
        with FileWriterCache._lock:
            writer = FileWriterCache._cache.get(key)
            if writer is None:
                writer = FileWriter(key, graph=get_default_graph())
                FileWriterCache._cache[key] = writer
            return writer

    @staticmethod
    def clear() -> None:
        """Closes and forgets all cached writers."""
        with FileWriterCache._lock:
            for writer in FileWriterCache._cache.values():
                writer.close()
            FileWriterCache._cache.clear()
