"""``MonitoredSession`` and ``MonitoredTrainingSession``: a Session with hooks,
initialisation, checkpoint recovery and summaries, as TF1.

A client of the Session. ``MonitoredSession.run(fetches, feed_dict)`` asks every
hook's ``before_run`` for extra fetches and feeds, and makes ONE ``Session.run``
call with the caller's and the hooks' fetches together (flattened into a tuple of
graph elements, so each combination is one cached, compiled fetch set), then
hands each hook its values in ``after_run``.

Creation (``ChiefSessionCreator``): hooks' ``begin``; ``Scaffold.finalize`` (the
default init, ready and local-init ops, summary op and ``Saver``; the graph is
finalized); a ``Session``; restore of the latest checkpoint in ``checkpoint_dir``,
or the init op and ``init_fn``; the local init op; the ready checks; hooks'
``after_create_session``. Closing calls hooks' ``end`` (unless an error is being
raised), closes the Session and un-finalizes the graph.

End of input: a run that raises ``OutOfRangeError`` (a ``tf.data`` iterator is
exhausted) re-raises it, and from then on ``should_stop()`` is True; used as a
context manager, the session swallows ``OutOfRangeError`` and ``StopIteration``
and closes normally (hooks' ``end`` run, so a final checkpoint is written).

TF1 differences: no recovery from ``AbortedError``/``UnavailableError`` (a jgraph
session does not lose its state to a remote failure), so ``MonitoredSession``
and ``SingularMonitoredSession`` behave alike; no queue runners. A non-chief
(``is_chief=False``) gets the ``hooks`` only, as TF1, and a
``WorkerSessionCreator``: in between-graph replication it waits for the chief's
state (``jgraph.distribute.replicas``); elsewhere every jgraph task owns its state,
so it initialises its own session (restoring the checkpoint) instead of waiting.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Self

from jgraph import errors
from jgraph.checkpoint.saver import Saver, get_checkpoint_state
from jgraph.data.dataset import ITERATORS
from jgraph.distribute.replicas import replica_placement, sync_session
from jgraph.graph.graph import GraphKeys, get_default_graph
from jgraph.ops import state_ops
from jgraph.ops.variables import (
    global_variables,
    global_variables_initializer,
    local_variables,
    variables_initializer,
)
from jgraph.runtime.fetches import flatten_fetches
from jgraph.runtime.session import Session
from jgraph.summary import merge_all
from jgraph.train.basic_session_run_hooks import (
    CheckpointSaverHook,
    StepCounterHook,
    SummarySaverHook,
    logger,
)
from jgraph.train.coordinator import Coordinator
from jgraph.train.queue_runner import start_queue_runners
from jgraph.train.session_run_hook import (
    SessionRunArgs,
    SessionRunContext,
    SessionRunHook,
    SessionRunValues,
)


class _UseDefault:
    def __repr__(self) -> str:
        return "USE_DEFAULT"


USE_DEFAULT: Any = _UseDefault()
"""Marks an argument left at its default (see :func:`MonitoredTrainingSession`)."""


# -- Scaffold ------------------------------------------------------------------------------


class Scaffold:
    """The pieces a training session needs: init ops, ready checks, summary op
    and ``Saver``, taken from the graph's collections or made by :meth:`finalize`.

    Args:
      init_op: initialises the variables (default: the ``INIT_OP`` collection,
        else ``global_variables_initializer()``).
      init_feed_dict: feeds for ``init_op``.
      init_fn: called as ``init_fn(scaffold, session)`` after ``init_op``.
      ready_op: a 1-D string tensor of uninitialised variable names, empty when
        ready (default: global and local variables).
      ready_for_local_init_op: likewise, checked before ``local_init_op``
        (default: global variables).
      local_init_op: initialises local variables (default: the ``LOCAL_INIT_OP``
        collection, else ``local_variables_initializer()``).
      summary_op: the merged summaries (default: ``tf.summary.merge_all()``).
      saver: the ``Saver`` (default: the ``SAVERS`` collection, else a new one).
      copy_from_scaffold: take the pieces not given here from this scaffold.
    """

    def __init__(
        self,
        init_op: Any = None,
        init_feed_dict: Any = None,
        init_fn: Callable[[Scaffold, Any], None] | None = None,
        ready_op: Any = None,
        ready_for_local_init_op: Any = None,
        local_init_op: Any = None,
        summary_op: Any = None,
        saver: Any = None,
        copy_from_scaffold: Scaffold | None = None,
    ) -> None:
        if copy_from_scaffold is not None:
            if not isinstance(copy_from_scaffold, Scaffold):
                raise TypeError("copy_from_scaffold is not a Scaffold instance.")
            other = copy_from_scaffold

            def pick(mine: Any, theirs: Any) -> Any:
                return mine if mine is not None else theirs

            init_op = pick(init_op, other.init_op)
            init_feed_dict = pick(init_feed_dict, other.init_feed_dict)
            init_fn = pick(init_fn, other._user_init_fn)
            ready_op = pick(ready_op, other.ready_op)
            ready_for_local_init_op = pick(
                ready_for_local_init_op, other.ready_for_local_init_op
            )
            local_init_op = pick(local_init_op, other.local_init_op)
            summary_op = pick(summary_op, other.summary_op)
            saver = pick(saver, other.saver)
        self._user_init_fn = init_fn
        self._init_op = init_op
        self._init_feed_dict = init_feed_dict
        self._ready_op = ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._local_init_op = local_init_op
        self._summary_op = summary_op
        self._saver = saver

    def finalize(self) -> Scaffold:
        """Creates the missing pieces (adding them to their collections) and
        finalizes the default graph."""
        if self._init_op is None:
            self._init_op = Scaffold.get_or_default(
                "init_op", GraphKeys.INIT_OP, global_variables_initializer
            )
        if self._ready_op is None:
            self._ready_op = Scaffold.get_or_default(
                "ready_op",
                GraphKeys.READY_OP,
                lambda: state_ops.report_uninitialized_variables(
                    global_variables() + _local_variables()
                ),
            )
        if self._ready_for_local_init_op is None:
            self._ready_for_local_init_op = Scaffold.get_or_default(
                "ready_for_local_init_op",
                GraphKeys.READY_FOR_LOCAL_INIT_OP,
                lambda: state_ops.report_uninitialized_variables(global_variables()),
            )
        if self._local_init_op is None:
            self._local_init_op = Scaffold.get_or_default(
                "local_init_op", GraphKeys.LOCAL_INIT_OP, Scaffold.default_local_init_op
            )
        if self._summary_op is None:
            self._summary_op = Scaffold.get_or_default(
                "summary_op", GraphKeys.SUMMARY_OP, merge_all
            )
        if self._saver is None:
            self._saver = _get_saver_or_default()
        self._saver.build()
        get_default_graph().finalize()
        logger.info("Graph was finalized.")
        return self

    @property
    def init_fn(self) -> Callable[[Any], None] | None:
        """``init_fn`` bound to this scaffold: called as ``init_fn(session)``."""
        user_init_fn = self._user_init_fn
        if user_init_fn is None:
            return None
        return lambda session: user_init_fn(self, session)

    @property
    def init_op(self) -> Any:
        return self._init_op

    @property
    def ready_op(self) -> Any:
        return self._ready_op

    @property
    def ready_for_local_init_op(self) -> Any:
        return self._ready_for_local_init_op

    @property
    def local_init_op(self) -> Any:
        return self._local_init_op

    @property
    def summary_op(self) -> Any:
        return self._summary_op

    @property
    def saver(self) -> Any:
        return self._saver

    @property
    def init_feed_dict(self) -> Any:
        return self._init_feed_dict

    @staticmethod
    def get_or_default(
        arg_name: str, collection_key: str, default_constructor: Callable[[], Any]
    ) -> Any:
        """The single item of ``collection_key``, or a new one (added to it).

        Raises:
          RuntimeError: the collection holds more than one item.
        """
        graph = get_default_graph()
        elements = graph.get_collection(collection_key)
        if elements:
            if len(elements) > 1:
                raise RuntimeError(
                    f'More than one item in the collection "{collection_key}". Please'
                    " indicate which one to use by passing it to the tf.Scaffold"
                    f" constructor as:  tf.Scaffold({arg_name}=item to use)"
                )
            return elements[0]
        made = default_constructor()
        if made is not None:
            graph.add_to_collection(collection_key, made)
        return made

    @staticmethod
    def default_local_init_op() -> Any:
        """The default local init op: initialises the local variables (those of
        initializable ``tf.data`` iterators excepted: ``iterator.initializer``
        loads them, often from fed data, as TF1's iterators)."""
        return state_ops.group(variables_initializer(_local_variables(), name="init_1"))


def _local_variables() -> list[Any]:
    """The local variables, less the buffers of initializable iterators."""
    graph = get_default_graph()
    buffers = {
        id(b) for it in graph.get_collection(ITERATORS) for b in it.buffer_variables
    }
    return [v for v in local_variables() if id(v) not in buffers]


def _get_saver_or_default() -> Saver:
    """The ``Saver`` of the ``SAVERS`` collection, or a new one added to it."""
    graph = get_default_graph()
    savers = graph.get_collection(GraphKeys.SAVERS)
    if savers:
        if len(savers) > 1:
            raise RuntimeError(
                f"More than one item in collection {GraphKeys.SAVERS}. Please indicate"
                " which one to use by passing it to the constructor."
            )
        return savers[0]
    saver = Saver(sharded=True, allow_empty=True)
    graph.add_to_collection(GraphKeys.SAVERS, saver)
    return saver


# -- session creators ------------------------------------------------------------------------


class SessionCreator:
    """A factory of initialised ``Session`` s."""

    def create_session(self) -> Session:
        raise NotImplementedError(f"create_session is not implemented for {self}.")


class _ScaffoldSessionCreator(SessionCreator):
    """What the chief's and the workers' creators share: a ``Session`` on
    ``master``, initialised from the scaffold as the chief initialises it
    (``_initialize``), and closed again if that fails."""

    def __init__(
        self,
        scaffold: Scaffold | None = None,
        master: str = "",
        config: Any = None,
        checkpoint_dir: str | None = None,
        checkpoint_filename_with_path: str | None = None,
    ) -> None:
        self._scaffold = scaffold or Scaffold()
        self._master = master
        self._config = config
        self._checkpoint_dir = checkpoint_dir
        self._checkpoint_filename_with_path = checkpoint_filename_with_path

    def create_session(self) -> Session:
        scaffold = self._scaffold.finalize()
        session = Session(self._master, config=self._config)
        try:
            self._initialize(session, scaffold)
        except BaseException:
            session.close()
            raise
        return session

    def _initialize(self, session: Session, scaffold: Scaffold) -> None:
        """Restores the checkpoint, or runs the init op and ``init_fn``; then the
        local init op and the ready checks; then the workers take its state."""
        if not self._restore(session, scaffold.saver):
            if scaffold.init_op is not None:
                session.run(scaffold.init_op, feed_dict=scaffold.init_feed_dict)
            if scaffold.init_fn is not None:
                scaffold.init_fn(session)
        _finish_init(
            session,
            scaffold,
            "Init operations",
            f"Init op: {_op_name(scaffold.init_op)}, init fn: {scaffold.init_fn}",
        )
        # Between-graph replication: the workers take the chief's state.
        sync_session(session, is_chief=True)

    def _restore(self, session: Session, saver: Saver) -> bool:
        if self._checkpoint_filename_with_path:
            saver.restore(session, self._checkpoint_filename_with_path)
            return True
        if not self._checkpoint_dir:
            return False
        state = get_checkpoint_state(self._checkpoint_dir)
        if state is None or not state.model_checkpoint_path:
            logger.info("No checkpoint in %s: initialising.", self._checkpoint_dir)
            return False
        saver.restore(session, state.model_checkpoint_path)
        saver.recover_last_checkpoints(state.all_model_checkpoint_paths)
        return True


class ChiefSessionCreator(_ScaffoldSessionCreator):
    """Creates a ``Session``, restoring the latest checkpoint of
    ``checkpoint_dir`` (or ``checkpoint_filename_with_path``) if there is one,
    else running the scaffold's init op and ``init_fn``; then the local init op
    and the ready checks.

    Raises (from ``create_session``):
      RuntimeError: variables are still uninitialised afterwards.
    """


class WorkerSessionCreator(_ScaffoldSessionCreator):
    """Creates a ``Session`` for a non-chief worker: waits for the chief to
    initialise (or restore) the model, then runs the local init op.

    In between-graph replication (``replica_device_setter``, see
    ``jgraph.distribute.replicas``) the wait is for the chief's session, which then
    gives every worker its copy of the variables, at most ``max_wait_secs``
    (TF1's default, 30 minutes), saying every few seconds what it waits for.
    Elsewhere (one process, or data-parallel tasks that each own their state) no
    chief shares its variables with this session: it initialises them itself (or
    restores ``checkpoint_dir``), as a ``ChiefSessionCreator`` (a TF1 difference:
    TF1 would wait for a chief).

    Raises (from ``create_session``):
      UnavailableError: the chief did not come within ``max_wait_secs``.
      RuntimeError: variables are still uninitialised afterwards.
    """

    def __init__(
        self,
        scaffold: Scaffold | None = None,
        master: str = "",
        config: Any = None,
        max_wait_secs: float = 30 * 60,
        checkpoint_dir: str | None = None,
    ) -> None:
        super().__init__(scaffold, master, config, checkpoint_dir)
        self._max_wait_secs = max_wait_secs

    def _initialize(self, session: Session, scaffold: Scaffold) -> None:
        if replica_placement(session) is None:  # no chief to wait for
            super()._initialize(session, scaffold)
            return
        sync_session(session, is_chief=False, wait_s=self._max_wait_secs)
        _finish_init(
            session,
            scaffold,
            "The chief's session",
            "A non-chief worker initialises nothing itself (in one process use"
            " ChiefSessionCreator, or is_chief=True)",
        )


def _finish_init(session: Session, scaffold: Scaffold, what: str, how: str) -> None:
    """The end of a session's init, as TF1's ``SessionManager``: the local init
    op, once the model is ready for it, then the ready check.

    Raises:
      RuntimeError: ``what`` (with ``how``) did not make the model ready; the
        message names the uninitialised variables.
    """
    if scaffold.local_init_op is not None:
        missing = _not_ready(session, scaffold.ready_for_local_init_op)
        if missing:
            raise RuntimeError(
                f"{what} did not make model ready for local_init. {how}, error:"
                f" Variables not initialized: {missing}"
            )
        session.run(scaffold.local_init_op)
    missing = _not_ready(session, scaffold.ready_op)
    if missing:
        raise RuntimeError(
            f"{what} did not make model ready. {how}, local_init_op:"
            f" {_op_name(scaffold.local_init_op)}, error: Variables not initialized:"
            f" {missing}"
        )


def _not_ready(session: Session, ready_op: Any) -> str:
    """The names ``ready_op`` reports as uninitialised ('' when ready)."""
    if ready_op is None:
        return ""
    names = session.run(ready_op)
    if names is None or getattr(names, "size", 1) == 0:
        return ""
    return ", ".join(
        n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in names
    )


def _op_name(op: Any) -> str:
    return getattr(op, "name", str(op))


# -- the monitored session -----------------------------------------------------------------------


class _MonitoredSession:
    """See :class:`MonitoredSession` and :class:`SingularMonitoredSession`."""

    def __init__(
        self,
        session_creator: SessionCreator | None,
        hooks: Iterable[SessionRunHook] | None,
        stop_grace_period_secs: float = 120,
    ) -> None:
        graph = get_default_graph()
        self._graph = graph
        self._graph_was_finalized = graph.finalized
        self._hooks = list(hooks or [])
        self._stop_grace_period_secs = stop_grace_period_secs
        self._should_stop = False
        self._sess: Session | None = None
        try:
            for hook in self._hooks:
                hook.begin()
            creator = session_creator or ChiefSessionCreator()
            self._sess = creator.create_session()
            self._coord = Coordinator(clean_stop_exception_types=[])
            if graph.get_collection(GraphKeys.QUEUE_RUNNERS):  # as TF1
                start_queue_runners(sess=self._sess, coord=self._coord)
            for hook in self._hooks:
                hook.after_create_session(self._sess, self._coord)
        except BaseException:
            if self._sess is not None:
                self._sess.close()
                self._sess = None
            self._unfinalize()
            raise

    @property
    def graph(self) -> Any:
        """The graph the session runs."""
        return self._sess.graph if self._sess is not None else None

    def run(
        self,
        fetches: Any,
        feed_dict: Mapping[Any, Any] | None = None,
        options: Any = None,
        run_metadata: Any = None,
    ) -> Any:
        """``Session.run`` with the hooks: their fetches and feeds join this call.

        Raises:
          RuntimeError: a stop was requested already.
          OutOfRangeError: the input is exhausted (``should_stop()`` is True
            afterwards).
        """
        session = self._session()
        if self.should_stop():
            raise RuntimeError("Run called even after should_stop requested.")
        context = SessionRunContext(SessionRunArgs(fetches, feed_dict), session)
        requests: list[tuple[SessionRunHook, Any]] = []
        hook_feeds: dict[Any, Any] = {}
        for hook in self._hooks:
            request = hook.before_run(context)
            if request is None:
                continue
            if request.fetches is not None:
                requests.append((hook, request.fetches))
            if request.feed_dict:
                _raise_if_feeds_intersect(
                    hook_feeds, request.feed_dict, "Same tensor is fed by two hooks."
                )
                hook_feeds.update(request.feed_dict)
        if hook_feeds and feed_dict:
            _raise_if_feeds_intersect(
                feed_dict,
                hook_feeds,
                "Same tensor is fed by a SessionRunHook and user.",
            )
            hook_feeds.update(feed_dict)
        feeds = hook_feeds or feed_dict
        # One flat tuple of graph elements: hashable, so Session caches its plan.
        flat: list[Any] = []
        rebuild = flatten_fetches(
            (fetches, tuple(f for _, f in requests)), flat, session.graph
        )
        try:
            values = session.run(
                tuple(flat), feed_dict=feeds, options=options, run_metadata=run_metadata
            )
        except errors.OutOfRangeError:
            self._should_stop = True
            raise
        except BaseException:
            self._coord.raise_requested_exception()
            raise
        results, hook_results = rebuild(list(values))
        by_hook = dict(zip((h for h, _ in requests), hook_results, strict=True))
        for hook in self._hooks:
            hook.after_run(
                context,
                SessionRunValues(
                    results=by_hook.get(hook),
                    options=options,
                    run_metadata=run_metadata,
                ),
            )
        self._should_stop = self._should_stop or context.stop_requested
        return results

    def run_step_fn(self, step_fn: Callable[[StepContext], Any]) -> Any:
        """Calls ``step_fn(step_context)``; see :class:`StepContext`.

        Raises:
          ValueError: ``step_fn`` does not take one ``step_context`` argument.
          StopIteration: ``step_fn`` called ``step_context.request_stop()``
            (``should_stop()`` is True afterwards; a ``with`` block swallows it).
        """
        params = tuple(inspect.signature(step_fn).parameters)
        if params not in (("step_context",), ("self", "step_context")):
            raise ValueError(
                "`step_fn` may either have one `step_context` argument, or `self` and"
                " `step_context` arguments if it's an instance method. Got"
                f" {params} instead."
            )
        try:
            return step_fn(StepContext(self._session(), self.run))
        except StopIteration:
            self._should_stop = True
            raise

    def should_stop(self) -> bool:
        """True once a hook, the coordinator or ``step_fn`` asked to stop, the input
        ran out, or the session was closed."""
        if self._sess is None:
            return True
        self._coord.raise_requested_exception()
        return self._should_stop or self._coord.should_stop()

    def close(self) -> None:
        """Calls the hooks' ``end`` and closes the session."""
        self._close_internal()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exception_type: Any, exception_value: Any, tb: Any) -> bool:
        if exception_type in (errors.OutOfRangeError, StopIteration):
            exception_type = None
        self._close_internal(exception_type)
        return exception_type is None

    def _session(self) -> Session:
        if self._sess is None:
            raise RuntimeError("Attempted to use a closed MonitoredSession.")
        return self._sess

    def _close_internal(self, exception_type: Any = None) -> None:
        try:
            if not exception_type:
                for hook in self._hooks:
                    hook.end(self._sess)
        finally:
            try:
                if self._sess is None:
                    raise RuntimeError("Session is already closed.")
                self._coord.request_stop()
                try:
                    self._coord.join(
                        stop_grace_period_secs=self._stop_grace_period_secs,
                        ignore_live_threads=True,
                    )
                finally:
                    self._sess.close()
            finally:
                self._sess = None
                self._unfinalize()

    def _unfinalize(self) -> None:
        if not self._graph_was_finalized:
            self._graph._unsafe_unfinalize()


class StepContext:
    """What ``run_step_fn`` passes to ``step_fn``: the raw ``session`` (runs
    without hooks), ``run_with_hooks`` and ``request_stop``."""

    def __init__(self, session: Session, run_with_hooks_fn: Callable[..., Any]):
        self._session = session
        self._run_with_hooks_fn = run_with_hooks_fn

    @property
    def session(self) -> Session:
        return self._session

    def run_with_hooks(self, *args: Any, **kwargs: Any) -> Any:
        """Same as ``MonitoredSession.run``."""
        return self._run_with_hooks_fn(*args, **kwargs)

    def request_stop(self) -> None:
        """Ends ``step_fn`` (raises ``StopIteration``); ``should_stop()`` turns True."""
        raise StopIteration("step_fn has requested the iterations to stop.")


def _raise_if_feeds_intersect(
    feeds1: Mapping[Any, Any], feeds2: Mapping[Any, Any], message: str
) -> None:
    intersection = set(feeds1) & set(feeds2)
    if intersection:
        raise RuntimeError(f"{message} Conflict(s): {list(intersection)}")


class MonitoredSession(_MonitoredSession):
    """A session-like object that initialises (or restores) the model and runs
    hooks around every ``run``, as TF1's ``tf.train.MonitoredSession``.

    Args:
      session_creator: makes the ``Session`` (default: ``ChiefSessionCreator()``).
      hooks: ``SessionRunHook`` s.
      stop_grace_period_secs: how long ``close`` waits for coordinator threads.

    Typical use::

        with tf.train.MonitoredSession(hooks=[...]) as sess:
            while not sess.should_stop():
                sess.run(train_op)
    """

    def __init__(
        self,
        session_creator: SessionCreator | None = None,
        hooks: Iterable[SessionRunHook] | None = None,
        stop_grace_period_secs: float = 120,
    ) -> None:
        super().__init__(session_creator, hooks, stop_grace_period_secs)


class SingularMonitoredSession(_MonitoredSession):
    """A :class:`MonitoredSession` whose raw ``Session`` is reachable
    (:meth:`raw_session`), always created as chief."""

    def __init__(
        self,
        hooks: Iterable[SessionRunHook] | None = None,
        scaffold: Scaffold | None = None,
        master: str = "",
        config: Any = None,
        checkpoint_dir: str | None = None,
        stop_grace_period_secs: float = 120,
        checkpoint_filename_with_path: str | None = None,
    ) -> None:
        creator = ChiefSessionCreator(
            scaffold=scaffold,
            master=master,
            config=config,
            checkpoint_dir=checkpoint_dir,
            checkpoint_filename_with_path=checkpoint_filename_with_path,
        )
        super().__init__(creator, hooks, stop_grace_period_secs)

    def raw_session(self) -> Session:
        """The underlying ``Session``."""
        return self._session()


def MonitoredTrainingSession(
    master: str = "",
    is_chief: bool = True,
    checkpoint_dir: str | None = None,
    scaffold: Scaffold | None = None,
    hooks: Iterable[SessionRunHook] | None = None,
    chief_only_hooks: Iterable[SessionRunHook] | None = None,
    save_checkpoint_secs: float | None = USE_DEFAULT,
    save_summaries_steps: int | None = USE_DEFAULT,
    save_summaries_secs: float | None = USE_DEFAULT,
    config: Any = None,
    stop_grace_period_secs: float = 120,
    log_step_count_steps: int | None = 100,
    max_wait_secs: float = 7200,
    save_checkpoint_steps: int | None = USE_DEFAULT,
    summary_dir: str | None = None,
) -> MonitoredSession:
    """A :class:`MonitoredSession` for training, with TF1's standard hooks.

    For the chief: restores the latest checkpoint of ``checkpoint_dir`` (else
    initialises), and adds ``chief_only_hooks``, a ``StepCounterHook`` (every
    ``log_step_count_steps``) and a ``SummarySaverHook`` writing to
    ``summary_dir`` (default ``checkpoint_dir``), and a ``CheckpointSaverHook``
    on ``checkpoint_dir``; then ``hooks``.

    Defaults as TF1: checkpoints every 600 seconds unless
    ``save_checkpoint_steps`` is given; summaries every 100 steps unless
    ``save_summaries_secs`` is given. ``None`` for both of a pair turns that
    hook off. A non-chief (``is_chief=False``) gets a
    :class:`WorkerSessionCreator` (waiting at most ``max_wait_secs`` for the
    chief) and only ``hooks``, so that checkpoints and summaries are written once.
    """
    if save_summaries_steps is USE_DEFAULT and save_summaries_secs is USE_DEFAULT:
        save_summaries_steps, save_summaries_secs = 100, None
    elif save_summaries_secs is USE_DEFAULT:
        save_summaries_secs = None
    elif save_summaries_steps is USE_DEFAULT:
        save_summaries_steps = None
    if save_checkpoint_steps is USE_DEFAULT and save_checkpoint_secs is USE_DEFAULT:
        save_checkpoint_steps, save_checkpoint_secs = None, 600
    elif save_checkpoint_secs is USE_DEFAULT:
        save_checkpoint_secs = None
    elif save_checkpoint_steps is USE_DEFAULT:
        save_checkpoint_steps = None

    scaffold = scaffold or Scaffold()
    session_creator = ChiefSessionCreator(
        scaffold=scaffold, checkpoint_dir=checkpoint_dir, master=master, config=config
    )
    if not is_chief:
        worker_creator = WorkerSessionCreator(
            scaffold=scaffold,
            master=master,
            config=config,
            max_wait_secs=max_wait_secs,
            checkpoint_dir=checkpoint_dir,
        )
        return MonitoredSession(worker_creator, hooks, stop_grace_period_secs)

    all_hooks: list[SessionRunHook] = list(chief_only_hooks or [])
    summary_dir = summary_dir or checkpoint_dir
    if summary_dir:
        if log_step_count_steps and log_step_count_steps > 0:
            all_hooks.append(
                StepCounterHook(
                    output_dir=summary_dir, every_n_steps=log_step_count_steps
                )
            )
        if (save_summaries_steps and save_summaries_steps > 0) or (
            save_summaries_secs and save_summaries_secs > 0
        ):
            all_hooks.append(
                SummarySaverHook(
                    scaffold=scaffold,
                    save_steps=save_summaries_steps,
                    save_secs=save_summaries_secs,
                    output_dir=summary_dir,
                )
            )
    if checkpoint_dir and (
        (save_checkpoint_secs and save_checkpoint_secs > 0)
        or (save_checkpoint_steps and save_checkpoint_steps > 0)
    ):
        all_hooks.append(
            CheckpointSaverHook(
                checkpoint_dir,
                save_steps=save_checkpoint_steps,
                save_secs=save_checkpoint_secs,
                scaffold=scaffold,
            )
        )
    all_hooks.extend(hooks or [])
    return MonitoredSession(session_creator, all_hooks, stop_grace_period_secs)


__all__ = [
    "ChiefSessionCreator",
    "MonitoredSession",
    "MonitoredTrainingSession",
    "Scaffold",
    "SessionCreator",
    "SingularMonitoredSession",
    "StepContext",
    "WorkerSessionCreator",
]
