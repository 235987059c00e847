"""``tf.train.QueueRunner`` and ``start_queue_runners``: threads that fill queues.

As TF1: a runner runs each of its enqueue ops in a loop, one thread each, with
ordinary ``Session.run`` calls (so the enqueued values are computed by a compiled
run and pushed on the session's host queue, see ``jgraph/ops/data_flow_ops.py``).
When an enqueue raises ``OutOfRangeError`` (its input is exhausted: an input
producer's epochs are done, an upstream queue is closed) the last thread closes
the queue, so dequeues drain it and then raise ``OutOfRangeError``. With a
``Coordinator``, a stop request cancels the pending enqueues (the runner closes
its queue with ``cancel_pending_enqueues``) and other errors are reported to it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from jgraph import errors
from jgraph.graph.graph import GraphKeys, Operation, get_default_graph
from jgraph.graph.tensor import get_default_session

logger = logging.getLogger("jgraph")


class QueueRunner:
    """Holds a queue's enqueue ops, each run by its own thread.

    Args:
      queue: the queue the ops enqueue to.
      enqueue_ops: the enqueue ops (one thread each).
      close_op: closes the queue when the input ends (default ``queue.close()``).
      cancel_op: closes it on a coordinator's stop (default
        ``queue.close(cancel_pending_enqueues=True)``).
      queue_closed_exception_types: errors meaning the input ended (default
        ``(OutOfRangeError,)``).
    """

    def __init__(
        self,
        queue: Any = None,
        enqueue_ops: Sequence[Operation] | None = None,
        close_op: Operation | None = None,
        cancel_op: Operation | None = None,
        queue_closed_exception_types: Sequence[type[BaseException]] | None = None,
        queue_runner_def: Any = None,
        import_scope: str | None = None,
    ) -> None:
        if queue_runner_def is not None or import_scope is not None:
            raise NotImplementedError(
                "QueueRunner from a QueueRunnerDef (a MetaGraph import) is not"
                " supported by jgraph: build the QueueRunner from its queue."
            )
        if queue is None or not enqueue_ops:
            raise ValueError("QueueRunner needs a queue and a list of enqueue ops.")
        self._queue = queue
        self._enqueue_ops = list(enqueue_ops)
        self._close_op = close_op if close_op is not None else queue.close()
        self._cancel_op = (
            cancel_op
            if cancel_op is not None
            else queue.close(cancel_pending_enqueues=True)
        )
        self._closed_types = tuple(
            queue_closed_exception_types or (errors.OutOfRangeError,)
        )
        self._lock = threading.Lock()
        self._runs_per_session: dict[Any, int] = {}
        self._exceptions_raised: list[BaseException] = []

    @property
    def queue(self) -> Any:
        return self._queue

    @property
    def enqueue_ops(self) -> list[Operation]:
        return list(self._enqueue_ops)

    @property
    def close_op(self) -> Operation:
        return self._close_op

    @property
    def cancel_op(self) -> Operation:
        return self._cancel_op

    @property
    def queue_closed_exception_types(self) -> tuple[type[BaseException], ...]:
        return self._closed_types

    @property
    def exceptions_raised(self) -> list[BaseException]:
        """Errors of threads run without a coordinator."""
        return list(self._exceptions_raised)

    @property
    def name(self) -> str:
        return self._queue.name

    def create_threads(
        self,
        sess: Any,
        coord: Any = None,
        daemon: bool = False,
        start: bool = False,
    ) -> list[threading.Thread]:
        """The threads running the enqueue ops in ``sess`` (plus, with ``coord``,
        one that cancels the pending enqueues on a stop request); registered with
        ``coord`` and started if ``start``. None if they already run in ``sess``."""
        with self._lock:
            if self._runs_per_session.get(sess, 0) > 0:
                return []  # already running in this session
            self._runs_per_session[sess] = len(self._enqueue_ops)
            self._exceptions_raised = []
        threads = [
            threading.Thread(target=self._run, args=(sess, op, coord), daemon=daemon)
            for op in self._enqueue_ops
        ]
        if coord is not None:
            threads.append(
                threading.Thread(
                    target=self._close_on_stop, args=(sess, coord), daemon=True
                )
            )
        for thread in threads:
            if coord is not None:
                coord.register_thread(thread)
            if start:
                thread.start()
        return threads

    def _run(self, sess: Any, enqueue_op: Operation, coord: Any) -> None:
        decremented = False
        try:
            make_callable = getattr(sess, "make_callable", None)
            if make_callable is not None:
                enqueue = make_callable(enqueue_op)
            else:
                enqueue = lambda: sess.run(enqueue_op)  # noqa: E731
            while coord is None or not coord.should_stop():
                try:
                    enqueue()
                except self._closed_types:
                    # The input ended: the last thread closes the queue.
                    with self._lock:
                        self._runs_per_session[sess] -= 1
                        decremented = True
                        last = self._runs_per_session[sess] == 0
                    if last:
                        try:
                            sess.run(self._close_op)
                        except Exception as err:  # the session may be closing
                            logger.debug("Ignored exception: %s", err)
                    return
        except Exception as err:
            if coord is not None:
                coord.request_stop(err)
            else:
                logger.error("Exception in QueueRunner: %s", err)
                with self._lock:
                    self._exceptions_raised.append(err)
                raise
        finally:
            if not decremented:
                with self._lock:
                    self._runs_per_session[sess] -= 1

    def _close_on_stop(self, sess: Any, coord: Any) -> None:
        coord.wait_for_stop()
        try:
            sess.run(self._cancel_op)
        except Exception as err:  # the session may be closed already
            logger.debug("Ignored exception: %s", err)


def add_queue_runner(
    qr: QueueRunner, collection: str = GraphKeys.QUEUE_RUNNERS
) -> None:
    """Adds ``qr`` to the graph collection ``start_queue_runners`` starts."""
    get_default_graph().add_to_collection(collection, qr)


def start_queue_runners(
    sess: Any = None,
    coord: Any = None,
    daemon: bool = True,
    start: bool = True,
    collection: str = GraphKeys.QUEUE_RUNNERS,
) -> list[threading.Thread]:
    """Starts the threads of every queue runner in the graph's ``collection``.

    Returns:
      The threads (pass them to ``coord.join``).
    """
    if sess is None:
        sess = get_default_session()
        if sess is None:
            raise ValueError(
                "Cannot start queue runners: no default session is registered. Use"
                " `with sess.as_default()` or pass an explicit session to"
                " tf.start_queue_runners(sess=sess)"
            )
    threads: list[threading.Thread] = []
    for qr in sess.graph.get_collection(collection):
        threads.extend(qr.create_threads(sess, coord=coord, daemon=daemon, start=start))
    return threads


__all__ = ["QueueRunner", "add_queue_runner", "start_queue_runners"]
