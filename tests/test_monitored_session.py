"""tf.train.MonitoredTrainingSession and the hooks: stopping, checkpoints and their
recovery, summaries (read back with TensorBoard), logging, NaN checks, hook fetches
merged into the caller's run, request_stop, end of input, Scaffold."""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import (
    STORE_EVERYTHING_SIZE_GUIDANCE,
    EventAccumulator,
)

import jgraph as tf
from jgraph import errors
from jgraph.data import Dataset

X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)
Y = np.array([[1.0], [2.0], [3.0]], np.float32)


@pytest.fixture(autouse=True)
def close_cached_writers():
    yield
    tf.summary.FileWriterCache.clear()


def build_model(learning_rate=0.01):
    w = tf.get_variable("w", [2, 1], initializer=tf.zeros_initializer())
    loss = tf.reduce_mean(tf.square(tf.matmul(tf.constant(X), w) - Y), name="loss")
    step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(learning_rate).minimize(
        loss, global_step=step
    )
    return w, loss, step, train


def np_train(w, steps, learning_rate=0.01):
    """Plain gradient descent on the same loss, for reference values."""
    for _ in range(steps):
        w = w - learning_rate * 2 * X.T @ (X @ w - Y) / len(X)
    return w


def read_events(logdir):
    accumulator = EventAccumulator(str(logdir), STORE_EVERYTHING_SIZE_GUIDANCE)
    accumulator.Reload()
    return accumulator


class RecordingHook(tf.train.SessionRunHook):
    """Records the calls it gets, and asks for ``fetches`` (and ``feeds``) each run."""

    def __init__(self, fetches=None, feeds=None, stop_after=None):
        self.fetches, self.feeds, self.stop_after = fetches, feeds, stop_after
        self.calls, self.results = [], []

    def begin(self):
        self.calls.append("begin")

    def after_create_session(self, session, coord):
        assert tf.get_default_graph().finalized
        self.calls.append("after_create_session")

    def before_run(self, run_context):
        self.calls.append("before_run")
        if self.fetches is None and self.feeds is None:
            return None
        return tf.train.SessionRunArgs(self.fetches, self.feeds)

    def after_run(self, run_context, run_values):
        self.calls.append("after_run")
        self.results.append(run_values.results)
        if self.stop_after is not None and len(self.results) >= self.stop_after:
            run_context.request_stop()

    def end(self, session):
        self.calls.append("end")


# -- stopping -------------------------------------------------------------------------------


def test_stop_at_step_hook_stops_at_the_last_step():
    _, _, step, train = build_model()
    hook = RecordingHook(fetches=step)
    with tf.train.MonitoredTrainingSession(
        hooks=[tf.train.StopAtStepHook(last_step=7), hook]
    ) as sess:
        runs = 0
        while not sess.should_stop():
            sess.run(train)
            runs += 1
    assert runs == 7
    # A fetched variable is its end-of-run value: the step after the run's train
    # op, as TF1 (a ref variable fetched beside the op that updates it).
    assert hook.results == list(range(1, 8))
    assert hook.calls[:2] == ["begin", "after_create_session"]
    assert hook.calls[-1] == "end" and hook.calls.count("after_run") == 7
    assert not tf.get_default_graph().finalized


def test_stop_at_step_hook_num_steps_counts_from_the_start_and_validates():
    _, _, step, train = build_model()
    jump = tf.assign(step, 10)
    with tf.train.SingularMonitoredSession(
        hooks=[tf.train.StopAtStepHook(num_steps=3)]
    ) as sess:
        sess.raw_session().run(jump)
        # num_steps was resolved when the session was created (at step 0).
        assert sess.run([train, step])[1] == 11  # the end-of-run value, as TF1
        assert sess.should_stop()
    with pytest.raises(ValueError, match="One of num_steps or last_step"):
        tf.train.StopAtStepHook()
    with pytest.raises(ValueError, match="Only one of num_steps or last_step"):
        tf.train.StopAtStepHook(num_steps=1, last_step=2)


def test_hooks_needing_a_global_step_say_so():
    tf.Variable(1.0)
    with pytest.raises(RuntimeError, match="Global step should be created"):
        tf.train.MonitoredSession(hooks=[tf.train.StopAtStepHook(last_step=1)])
    assert not tf.get_default_graph().finalized


def test_request_stop_from_a_hook_and_running_after_a_stop():
    _, loss, _, train = build_model()
    hook = RecordingHook(fetches=loss, stop_after=3)
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        while not sess.should_stop():
            sess.run(train)
        with pytest.raises(RuntimeError, match="Run called even after should_stop"):
            sess.run(train)
    assert len(hook.results) == 3


def test_coordinator_request_stop_stops_the_session():
    _, _, _, train = build_model()

    class CoordHook(tf.train.SessionRunHook):
        def after_create_session(self, session, coord):
            self.coord = coord

        def after_run(self, run_context, run_values):
            self.coord.request_stop()

    with tf.train.MonitoredSession(hooks=[CoordHook()]) as sess:
        sess.run(train)
        assert sess.should_stop()


# -- hook fetches and feeds ------------------------------------------------------------------


def test_hook_fetches_and_feeds_join_the_callers_single_run():
    scale = tf.placeholder(tf.float32, [], name="scale")
    offset = tf.placeholder(tf.float32, [], name="offset")
    _, loss, _, train = build_model()
    scaled = tf.multiply(loss, scale, name="scaled")
    shifted = tf.add(loss, offset, name="shifted")
    hook = RecordingHook(
        fetches={"scaled": scaled, "pair": [train, "global_step:0"]},
        feeds={scale: 3.0},
    )
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        raw = sess._sess
        calls = []
        original_run = raw.run

        def counting_run(*args, **kwargs):
            calls.append(args)
            return original_run(*args, **kwargs)

        raw.run = counting_run
        results = []
        for _ in range(3):
            results.append(sess.run({"loss": loss, "shifted": shifted}, {offset: 1.0}))
    assert len(calls) == 3  # one Session.run per MonitoredSession.run
    for user, hook_values in zip(results, hook.results, strict=True):
        assert set(user) == {"loss", "shifted"}
        np.testing.assert_allclose(user["shifted"], user["loss"] + 1.0, rtol=1e-6)
        np.testing.assert_allclose(hook_values["scaled"], 3 * user["loss"], rtol=1e-6)
        assert hook_values["pair"][0] is None
    assert [h["pair"][1] for h in hook.results] == [1, 2, 3]  # end-of-run values
    # The hook's train op ran once per run: three gradient steps.
    expected_losses = [
        np.mean((X @ np_train(np.zeros((2, 1)), i) - Y) ** 2) for i in range(3)
    ]
    np.testing.assert_allclose([r["loss"] for r in results], expected_losses, rtol=1e-5)


def test_hook_returning_none_gets_none_and_feed_conflicts_raise():
    x = tf.placeholder(tf.float32, [], name="x")
    y = x * 2.0
    quiet = RecordingHook()
    feeder = RecordingHook(feeds={x: 1.0})
    with tf.train.MonitoredSession(hooks=[quiet, feeder]) as sess:
        assert sess.run(y) == 2.0
        assert quiet.results == [None] and feeder.results == [None]
        with pytest.raises(RuntimeError, match="fed by a SessionRunHook and user"):
            sess.run(y, {x: 5.0})
    with tf.train.MonitoredSession(
        hooks=[feeder, RecordingHook(feeds={x: 2.0})]
    ) as sess:
        with pytest.raises(RuntimeError, match="fed by two hooks"):
            sess.run(y)


def test_feed_fn_hook_feeds_every_run():
    x = tf.placeholder(tf.float32, [], name="x")
    y = x * 10.0
    values = iter([1.0, 2.0, 3.0])
    with tf.train.MonitoredSession(
        hooks=[tf.train.FeedFnHook(lambda: {x: next(values)})]
    ) as sess:
        assert [sess.run(y) for _ in range(3)] == [10.0, 20.0, 30.0]


# -- checkpoints ---------------------------------------------------------------------------------


def checkpoint_steps(directory):
    state = tf.train.get_checkpoint_state(str(directory))
    return sorted(int(p.rsplit("-", 1)[1]) for p in state.all_model_checkpoint_paths)


def test_checkpoints_every_n_steps_and_a_second_session_resumes(tmp_path):
    w, _, step, train = build_model()
    with tf.train.MonitoredTrainingSession(
        checkpoint_dir=str(tmp_path),
        save_checkpoint_steps=3,
        save_summaries_steps=None,
        log_step_count_steps=None,
        hooks=[tf.train.StopAtStepHook(last_step=7)],
    ) as sess:
        while not sess.should_stop():
            sess.run(train)
    # At the start (step 0), every 3 steps, and at the end (step 7).
    assert checkpoint_steps(tmp_path) == [0, 3, 6, 7]
    saved = tf.train.load_variable(str(tmp_path), "w")
    np.testing.assert_allclose(saved, np_train(np.zeros((2, 1)), 7), rtol=1e-5)

    tf.reset_default_graph()
    w, _, step, train = build_model()
    hook = RecordingHook(fetches=[step, w])
    with tf.train.MonitoredTrainingSession(
        checkpoint_dir=str(tmp_path),
        save_checkpoint_steps=3,
        save_summaries_steps=None,
        log_step_count_steps=None,
        hooks=[tf.train.StopAtStepHook(last_step=10), hook],
    ) as sess:
        while not sess.should_stop():
            sess.run(train)
    # Fetched variables are end-of-run values (TF1): the restored step 7, trained.
    assert [r[0] for r in hook.results] == [8, 9, 10]
    np.testing.assert_allclose(
        hook.results[0][1], np_train(np.zeros((2, 1)), 8), rtol=1e-5
    )
    # The restored step 7 is saved again at the start, then every 3 steps.
    assert checkpoint_steps(tmp_path) == [0, 3, 6, 7, 10]
    np.testing.assert_allclose(
        tf.train.load_variable(str(tmp_path), "w"),
        np_train(np.zeros((2, 1)), 10),
        rtol=1e-5,
    )


def test_checkpoint_saver_hook_with_a_saver_and_listeners(tmp_path):
    _, _, step, train = build_model()
    events = []

    class Listener(tf.train.CheckpointSaverListener):
        def begin(self):
            events.append("begin")

        def before_save(self, session, global_step_value):
            events.append(("before", global_step_value))

        def after_save(self, session, global_step_value):
            events.append(("after", global_step_value))
            return global_step_value >= 4  # asks to stop

        def end(self, session, global_step_value):
            events.append(("end", global_step_value))

    saver = tf.train.Saver()
    hook = tf.train.CheckpointSaverHook(
        str(tmp_path), save_steps=2, saver=saver, listeners=[Listener()]
    )
    with tf.train.SingularMonitoredSession(hooks=[hook]) as sess:
        while not sess.should_stop():
            sess.run(train)
        assert sess.raw_session().run(step) == 4
    assert events == [
        "begin",
        ("before", 0),
        ("after", 0),
        ("before", 2),
        ("after", 2),
        ("before", 4),
        ("after", 4),
        ("end", 4),
    ]
    assert saver.last_checkpoints == [
        os.path.join(str(tmp_path), f"model.ckpt-{i}") for i in (0, 2, 4)
    ]
    with pytest.raises(ValueError, match="both saver and scaffold"):
        tf.train.CheckpointSaverHook(
            str(tmp_path), save_steps=1, saver=saver, scaffold=tf.train.Scaffold()
        )
    with pytest.raises(ValueError, match="Either every_secs or every_steps"):
        tf.train.CheckpointSaverHook(str(tmp_path))


def test_chief_session_creator_restores_a_given_checkpoint(tmp_path):
    w, _, _, _ = build_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign(w, [[4.0], [5.0]]))
        path = tf.train.Saver().save(sess, str(tmp_path / "manual"))
    tf.reset_default_graph()
    w, _, _, _ = build_model()
    with tf.train.SingularMonitoredSession(checkpoint_filename_with_path=path) as sess:
        np.testing.assert_array_equal(sess.run(w), [[4.0], [5.0]])


def test_a_worker_creator_without_a_chief_initialises_and_restores_itself(tmp_path):
    # One process: no chief shares its state, so a worker's creator does what the
    # chief's does (a jgraph difference: TF1 would wait for a chief).
    w, _, _, _ = build_model()
    assert not isinstance(tf.train.WorkerSessionCreator(), tf.train.ChiefSessionCreator)
    with tf.train.MonitoredTrainingSession(is_chief=False) as sess:
        np.testing.assert_array_equal(sess.run(w), [[0.0], [0.0]])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign(w, [[4.0], [5.0]]))
        tf.train.Saver().save(sess, str(tmp_path / "model.ckpt"))
    creator = tf.train.WorkerSessionCreator(checkpoint_dir=str(tmp_path))
    with tf.train.MonitoredSession(session_creator=creator) as sess:
        np.testing.assert_array_equal(sess.run(w), [[4.0], [5.0]])
    with pytest.raises(RuntimeError, match=r"did not make model ready.*global_step"):
        tf.train.MonitoredSession(
            session_creator=tf.train.WorkerSessionCreator(
                scaffold=tf.train.Scaffold(init_op=tf.variables_initializer([w]))
            )
        )


# -- summaries -------------------------------------------------------------------------------------


def test_summaries_and_steps_per_second_are_written_every_n_steps(tmp_path):
    _, loss, _, train = build_model()
    tf.summary.scalar("train_loss", loss)
    losses = []
    with tf.train.MonitoredTrainingSession(
        summary_dir=str(tmp_path),
        save_summaries_steps=2,
        log_step_count_steps=2,
        hooks=[tf.train.StopAtStepHook(last_step=6)],
    ) as sess:
        while not sess.should_stop():
            losses.append(sess.run([train, loss])[1])
    events = read_events(tmp_path)
    scalars = events.Scalars("train_loss")
    # Written at the step after the run that computed them: 1, 3, 5.
    assert [e.step for e in scalars] == [1, 3, 5]
    np.testing.assert_allclose(
        [e.value for e in scalars], [losses[0], losses[2], losses[4]], rtol=1e-6
    )
    speed = events.Scalars("global_step/sec")
    assert [e.step for e in speed] == [3, 5] and all(e.value > 0 for e in speed)


def test_summary_saver_hook_with_its_own_op_and_argument_checks(tmp_path):
    _, loss, _, train = build_model()
    summary = tf.summary.scalar("my_loss", loss, collections=[])
    hook = tf.train.SummarySaverHook(
        save_steps=3, output_dir=str(tmp_path), summary_op=summary
    )
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        for _ in range(7):
            sess.run(train)
    assert [e.step for e in read_events(tmp_path).Scalars("my_loss")] == [1, 4, 7]
    with pytest.raises(ValueError, match="Exactly one of scaffold or summary_op"):
        tf.train.SummarySaverHook(save_steps=1)


# -- logging and NaN ----------------------------------------------------------------------------------


def test_logging_tensor_hook_logs_values_every_n_iter_and_at_end(caplog):
    _, loss, step, train = build_model()
    caplog.set_level(logging.INFO, logger="jgraph")
    hook = tf.train.LoggingTensorHook(
        {"step": step, "loss": "loss"}, every_n_iter=2, at_end=True
    )
    fetched = []
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        for _ in range(5):
            fetched.append(sess.run([train, step, loss])[1:])
    lines = [r.getMessage() for r in caplog.records if "step = " in r.getMessage()]
    assert len(lines) == 4  # runs 0, 2, 4, and the end
    for line, (step_value, loss_value) in zip(lines, fetched[::2], strict=False):
        assert line.startswith(f"loss = {loss_value}, step = {step_value}")
    assert lines[-1].startswith("loss = ") and "step = 5" in lines[-1]
    with pytest.raises(
        ValueError, match="exactly one of every_n_iter and every_n_secs"
    ):
        tf.train.LoggingTensorHook([loss])


def test_logging_tensor_hook_with_a_list_and_a_formatter(caplog):
    _, loss, _, train = build_model()
    caplog.set_level(logging.INFO, logger="jgraph")
    hook = tf.train.LoggingTensorHook(
        [loss], every_n_iter=1, formatter=lambda values: f"L={values[loss]:.4f}"
    )
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        value = sess.run([train, loss])[1]
    assert f"L={value:.4f}" in [r.getMessage() for r in caplog.records]


def test_nan_tensor_hook_raises_or_requests_a_stop():
    x = tf.placeholder(tf.float32, [], name="x")
    loss = tf.sqrt(x)
    _, _, _, train = build_model()
    ended = RecordingHook()
    with pytest.raises(tf.train.NanLossDuringTrainingError, match="NaN loss"):
        with tf.train.MonitoredSession(
            hooks=[tf.train.NanTensorHook(loss), ended]
        ) as sess:
            sess.run(train, {x: 4.0})
            sess.run(train, {x: -1.0})
    assert "end" not in ended.calls  # no hook ends after an error, as TF1
    with tf.train.MonitoredSession(
        hooks=[tf.train.NanTensorHook(loss, fail_on_nan_loss=False)]
    ) as sess:
        sess.run(train, {x: 4.0})
        assert not sess.should_stop()
        sess.run(train, {x: -1.0})
        assert sess.should_stop()


# -- end of input, step functions, scaffold -------------------------------------------------------


def test_out_of_range_ends_the_loop_and_the_hooks_still_end(tmp_path):
    batch = Dataset.from_tensor_slices(np.arange(5.0, dtype=np.float32))
    batch = batch.batch(2).make_one_shot_iterator().get_next()
    _, _, step, train = build_model()
    final = tf.train.FinalOpsHook(step)
    seen = []
    with tf.train.MonitoredTrainingSession(
        checkpoint_dir=str(tmp_path),
        save_summaries_steps=None,
        log_step_count_steps=None,
        hooks=[final],
    ) as sess:
        while not sess.should_stop():
            seen.append(sess.run([train, batch])[1].tolist())
    assert seen == [[0.0, 1.0], [2.0, 3.0], [4.0]]
    assert sess.should_stop()
    assert final.final_ops_values == 3
    assert checkpoint_steps(tmp_path) == [0, 3]  # the final checkpoint at the end


def test_should_stop_is_true_after_out_of_range():
    value = Dataset.from_tensor_slices(np.arange(2)).make_one_shot_iterator().get_next()
    sess = tf.train.MonitoredSession()
    assert [sess.run(value), sess.run(value)] == [0, 1]
    assert not sess.should_stop()
    with pytest.raises(errors.OutOfRangeError):
        sess.run(value)
    assert sess.should_stop()
    sess.close()
    with pytest.raises(RuntimeError, match="already closed"):
        sess.close()


def test_run_step_fn_runs_with_and_without_hooks_and_can_stop():
    x = tf.placeholder(tf.float32, [], name="x")
    y = x + 1.0
    hook = RecordingHook(fetches=y, feeds=None)

    def step_fn(step_context):
        raw = step_context.session.run(y, {x: 1.0})
        if raw > 1.5 and len(hook.results) >= 2:
            step_context.request_stop()
        return step_context.run_with_hooks(y, {x: 2.0})

    results = []
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        while not sess.should_stop():
            results.append(sess.run_step_fn(step_fn))
    assert results == [3.0, 3.0] and hook.results == [3.0, 3.0]
    with (
        tf.train.MonitoredSession() as sess,
        pytest.raises(ValueError, match="step_fn"),
    ):
        sess.run_step_fn(lambda ctx: None)


def test_scaffold_init_fn_local_init_and_ready_checks():
    w, _, _, _ = build_model()
    _, update = tf.metrics.mean(tf.constant([2.0, 4.0]))
    # The op init_fn runs must exist before the graph is finalized.
    assign_w = tf.assign(w, [[7.0], [8.0]])
    scaffold = tf.train.Scaffold(
        init_fn=lambda scaffold, session: session.run(assign_w)
    )
    with tf.train.MonitoredSession(
        session_creator=tf.train.ChiefSessionCreator(scaffold=scaffold)
    ) as sess:
        np.testing.assert_array_equal(sess.run(w), [[7.0], [8.0]])
        assert sess.run(update) == 3.0  # the metric's local variables are set up
        assert scaffold.saver is tf.get_collection(tf.GraphKeys.SAVERS)[0]
        assert scaffold.init_op is tf.get_collection(tf.GraphKeys.INIT_OP)[0]
    with pytest.raises(RuntimeError, match=r"did not make model ready.*global_step"):
        tf.train.MonitoredSession(
            session_creator=tf.train.ChiefSessionCreator(
                scaffold=tf.train.Scaffold(init_op=tf.variables_initializer([w]))
            )
        )
    assert not tf.get_default_graph().finalized


def test_an_initializable_iterator_fed_by_a_hook():
    data = tf.placeholder(tf.float32, [None], name="data")
    iterator = Dataset.from_tensor_slices(data).batch(2).make_initializable_iterator()
    batch = iterator.get_next()

    class IteratorInitializerHook(tf.train.SessionRunHook):
        def after_create_session(self, session, coord):
            session.run(iterator.initializer, {data: np.arange(3.0, dtype=np.float32)})

    with tf.train.MonitoredSession(hooks=[IteratorInitializerHook()]) as sess:
        seen = []
        while not sess.should_stop():
            seen.append(sess.run(batch).tolist())
    assert seen == [[0.0, 1.0], [2.0]]
