"""``tf.train.Supervisor``: TF1's older training manager, on the session creators
of ``monitored_session.py``.

The chief initialises the model (or restores the latest checkpoint of ``logdir``)
and runs the standard services in threads: a checkpoint every ``save_model_secs``
and the summaries every ``save_summaries_secs`` (each also once at the start, as
TF1), and the global step rate. A non-chief waits for the chief (in
between-graph replication, ``jgraph.distribute.replicas``, it takes the chief's
state) and runs no service, so checkpoints and summaries are written once.

TF1 differences: no ``start_queue_runners`` services beyond the threads it is given;
``recovery_wait_secs`` is not used (a non-chief waits on the chief's session, not by
polling); ``local_init_run_options`` is ignored.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from jgraph import errors
from jgraph.graph.graph import Graph, get_default_graph
from jgraph.ops.state_ops import no_op
from jgraph.runtime.session import Session
from jgraph.summary import FileWriter
from jgraph.train.coordinator import Coordinator
from jgraph.train.global_step import get_global_step
from jgraph.train.monitored_session import (
    ChiefSessionCreator,
    Scaffold,
    WorkerSessionCreator,
)


class _UseDefault:
    def __repr__(self) -> str:
        return "Supervisor.USE_DEFAULT"


USE_DEFAULT: Any = _UseDefault()


class Supervisor:
    """A training manager, as TF1's ``tf.train.Supervisor`` (see the module
    docstring).

    Args:
      graph: the graph (default: the default graph); it is finalized.
      ready_op, ready_for_local_init_op, init_op, local_init_op, summary_op, saver:
        as ``Scaffold``; ``USE_DEFAULT`` makes the default one, ``None`` none
        (``init_op``/``saver``/``summary_op`` only).
      is_chief: this task initialises, checkpoints and writes summaries.
      init_feed_dict, init_fn: as ``Scaffold`` (``init_fn(sess)``).
      logdir: where checkpoints and summaries go (``None``: neither).
      global_step: the global step (default: the graph's).
      save_summaries_secs, save_model_secs: the services' periods (0 or ``None``:
        that service is off).
      stop_grace_secs: how long ``stop`` waits for the threads.
      checkpoint_basename: the checkpoints' file name in ``logdir``.
      summary_writer: the writer (default: a ``FileWriter`` on ``logdir``, chief
        only).
    """

    USE_DEFAULT = USE_DEFAULT

    def __init__(
        self,
        graph: Graph | None = None,
        ready_op: Any = USE_DEFAULT,
        ready_for_local_init_op: Any = USE_DEFAULT,
        is_chief: bool = True,
        init_op: Any = USE_DEFAULT,
        init_feed_dict: Any = None,
        local_init_op: Any = USE_DEFAULT,
        logdir: str | None = None,
        summary_op: Any = USE_DEFAULT,
        saver: Any = USE_DEFAULT,
        global_step: Any = USE_DEFAULT,
        save_summaries_secs: float | None = 120,
        save_model_secs: float | None = 600,
        recovery_wait_secs: float = 30,
        stop_grace_secs: float = 120,
        checkpoint_basename: str = "model.ckpt",
        session_manager: Any = None,
        summary_writer: Any = USE_DEFAULT,
        init_fn: Callable[[Any], None] | None = None,
        local_init_run_options: Any = None,
    ) -> None:
        del recovery_wait_secs, local_init_run_options
        if session_manager is not None:
            raise errors.UnimplementedError(
                None,
                None,
                "Supervisor(session_manager=...) is not supported: the Supervisor"
                " creates its sessions with Chief/WorkerSessionCreator.",
            )
        self._graph = graph if graph is not None else get_default_graph()
        self._is_chief = is_chief
        self._logdir = logdir
        self._save_summaries_secs = save_summaries_secs
        self._save_model_secs = save_model_secs
        self._stop_grace_secs = stop_grace_secs
        self._save_path = os.path.join(logdir, checkpoint_basename) if logdir else None
        with self._graph.as_default():
            if global_step is USE_DEFAULT:
                global_step = get_global_step()
            self._global_step = global_step
            user_init_fn = init_fn
            self._scaffold = Scaffold(
                # None: no init op (init_fn or a checkpoint initialises).
                init_op=no_op() if init_op is None else _given(init_op),
                init_feed_dict=init_feed_dict,
                init_fn=None
                if user_init_fn is None
                else lambda scaffold, sess: user_init_fn(sess),
                ready_op=_given(ready_op),
                ready_for_local_init_op=_given(ready_for_local_init_op),
                local_init_op=_given(local_init_op),
                summary_op=_given(summary_op),
                saver=_given(saver),
            ).finalize()
        self._init_op = None if init_op is None else self._scaffold.init_op
        self._summary_op = None if summary_op is None else self._scaffold.summary_op
        self._saver = None if saver is None else self._scaffold.saver
        if summary_writer is USE_DEFAULT:
            summary_writer = (
                FileWriter(logdir, graph=self._graph) if is_chief and logdir else None
            )
        self._summary_writer = summary_writer
        self._coord = Coordinator()
        self._threads: list[threading.Thread] = []

    # -- properties -------------------------------------------------------------------
    @property
    def is_chief(self) -> bool:
        return self._is_chief

    @property
    def coord(self) -> Coordinator:
        return self._coord

    @property
    def saver(self) -> Any:
        return self._saver

    @property
    def summary_op(self) -> Any:
        return self._summary_op

    @property
    def summary_writer(self) -> Any:
        return self._summary_writer

    @property
    def global_step(self) -> Any:
        return self._global_step

    @property
    def init_op(self) -> Any:
        return self._init_op

    @property
    def ready_op(self) -> Any:
        return self._scaffold.ready_op

    @property
    def save_path(self) -> str | None:
        return self._save_path

    @property
    def save_model_secs(self) -> float | None:
        return self._save_model_secs

    @property
    def save_summaries_secs(self) -> float | None:
        return self._save_summaries_secs

    # -- sessions ---------------------------------------------------------------------
    def prepare_or_wait_for_session(
        self,
        master: str = "",
        config: Any = None,
        wait_for_checkpoint: bool = False,
        max_wait_secs: float = 7200,
        start_standard_services: bool = True,
    ) -> Session:
        """The chief: a session initialised (or restored from ``logdir``), with the
        standard services started; a non-chief: a session once the chief's is
        ready (at most ``max_wait_secs``).

        Raises:
          UnimplementedError: ``wait_for_checkpoint=True``.
        """
        if wait_for_checkpoint:
            raise errors.UnimplementedError(
                None,
                None,
                "Supervisor.prepare_or_wait_for_session(wait_for_checkpoint=True) is"
                " not supported: a non-chief waits for the chief's session instead.",
            )
        # Without a saver nothing is restored (TF1).
        checkpoint_dir = self._logdir if self._saver is not None else None
        with self._graph.as_default():
            if self._is_chief:
                creator: Any = ChiefSessionCreator(
                    self._scaffold, master, config, checkpoint_dir=checkpoint_dir
                )
            else:
                creator = WorkerSessionCreator(
                    self._scaffold,
                    master,
                    config,
                    max_wait_secs=max_wait_secs,
                    checkpoint_dir=checkpoint_dir,
                )
            sess = creator.create_session()
        if self._is_chief and start_standard_services:
            self.start_standard_services(sess)
        return sess

    def start_standard_services(self, sess: Session) -> list[threading.Thread]:
        """Starts the chief's checkpoint, summary and step-rate threads."""
        if not self._is_chief:
            raise RuntimeError("Only chief supervisor can start standard services.")
        threads = []
        if self._logdir and self._save_model_secs and self._saver is not None:
            threads.append(self.loop(self._save_model_secs, self._save, (sess,)))
        if self._summary_writer is not None and self._save_summaries_secs:
            if self._summary_op is not None:
                threads.append(
                    self.loop(self._save_summaries_secs, self._summarize, (sess,))
                )
        return threads

    @contextlib.contextmanager
    def managed_session(
        self,
        master: str = "",
        config: Any = None,
        start_standard_services: bool = True,
        close_summary_writer: bool = True,
    ) -> Iterator[Session]:
        """``prepare_or_wait_for_session`` in a ``with`` block: an exception in
        the block (other than ``OutOfRangeError``) stops the services and is
        raised; the session is closed at the end."""
        sess = self.prepare_or_wait_for_session(
            master, config, start_standard_services=start_standard_services
        )
        try:
            yield sess
        except Exception as err:
            self.request_stop(err)
        finally:
            try:
                self.stop(close_summary_writer=close_summary_writer)
            finally:
                sess.close()

    # -- stopping ---------------------------------------------------------------------
    def should_stop(self) -> bool:
        return self._coord.should_stop()

    def request_stop(self, ex: BaseException | None = None) -> None:
        self._coord.request_stop(ex)

    def stop(
        self,
        threads: Sequence[threading.Thread] | None = None,
        close_summary_writer: bool = True,
        ignore_live_threads: bool = False,
    ) -> None:
        """Stops the services (waiting up to ``stop_grace_secs``) and closes the
        summary writer; raises the exception a thread or ``request_stop`` gave."""
        self._coord.request_stop()
        try:
            self._coord.join(
                [*self._threads, *(threads or [])],
                stop_grace_period_secs=self._stop_grace_secs,
                ignore_live_threads=ignore_live_threads,
            )
        finally:
            if close_summary_writer and self._summary_writer is not None:
                self._summary_writer.close()
            self._threads = []

    # -- services -----------------------------------------------------------------------
    def loop(
        self,
        timer_interval_secs: float,
        target: Callable[..., Any],
        args: Sequence[Any] | None = None,
        kwargs: dict | None = None,
    ) -> threading.Thread:
        """Starts a thread calling ``target(*args, **kwargs)`` now and every
        ``timer_interval_secs`` until a stop is requested."""
        args = tuple(args or ())
        kwargs = dict(kwargs or {})
        coord = self._coord

        def run() -> None:
            with coord.stop_on_exception():
                while not coord.should_stop():
                    target(*args, **kwargs)
                    if coord.wait_for_stop(timer_interval_secs):
                        break

        thread = threading.Thread(target=run, daemon=True, name="jgraph-supervisor")
        coord.register_thread(thread)
        self._threads.append(thread)
        thread.start()
        return thread

    def summary_computed(
        self, sess: Session, summary: Any, global_step: Any = None
    ) -> None:
        """Writes ``summary`` (serialized) with the step (default: the global
        step's value)."""
        if self._summary_writer is None:
            raise RuntimeError(
                "Writing a summary requires a summary writer (a chief with a logdir)."
            )
        if global_step is None and self._global_step is not None:
            global_step = sess.run(self._global_step)
        self._summary_writer.add_summary(summary, global_step)

    def _step(self, sess: Session) -> int | None:
        if self._global_step is None:
            return None
        return int(sess.run(self._global_step))

    def _save(self, sess: Session) -> None:
        assert self._saver is not None and self._save_path is not None
        self._saver.save(sess, self._save_path, global_step=self._global_step)

    def _summarize(self, sess: Session) -> None:
        step = self._step(sess)
        summary = sess.run(self._summary_op)
        if summary is not None:
            self._summary_writer.add_summary(summary, step)


def _given(value: Any) -> Any:
    """A Scaffold argument: ``None`` (Scaffold's default) for ``USE_DEFAULT``
    and for ``None`` (the Supervisor then uses none of what Scaffold made)."""
    return None if value is USE_DEFAULT else value


__all__ = ["Supervisor"]
