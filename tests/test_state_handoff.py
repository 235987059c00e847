"""The session state is never lost: threads, exceptions and interrupts around the
hand-off (take state -> compiled call -> store), and every value entering the
state is checked (issue 14)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import warnings

import numpy as np
import pytest

import jgraph as tf
from jgraph.runtime import executables, session as session_module, state

# -- threads -------------------------------------------------------------------------


def test_four_threads_of_500_locked_increments_add_up_exactly():
    v = tf.Variable(0, name="v")
    inc = tf.assign_add(v, 1, use_locking=True)
    with tf.Session() as sess:
        sess.run(v.initializer)
        errors: list[BaseException] = []

        def work():
            try:
                for _ in range(500):
                    sess.run(inc)
            except BaseException as err:
                errors.append(err)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        assert sess.run(v) == 2000


def _pair_model():
    """Two variables one run always moves together (a == b after every run)."""
    a = tf.Variable(np.zeros(64, np.float32), name="a")
    b = tf.Variable(np.zeros(64, np.float32), name="b")
    step = tf.group(tf.assign_add(a, tf.ones([64])), tf.assign_add(b, tf.ones([64])))
    return a, b, step


def test_save_and_get_state_in_a_thread_see_one_consistent_state(tmp_path):
    a, b, step = _pair_model()
    saver = tf.train.Saver(max_to_keep=2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        stop = threading.Event()
        errors: list[BaseException] = []

        def train():
            try:
                while not stop.is_set():
                    sess.run(step)
            except BaseException as err:
                errors.append(err)

        trainer = threading.Thread(target=train)
        trainer.start()
        try:
            snapshots = [sess.get_state(names=["a", "b"]) for _ in range(20)]
            paths = [
                saver.save(sess, str(tmp_path / "model"), global_step=i)
                for i in range(3)
            ]
        finally:
            stop.set()
            trainer.join()
        assert not errors, errors[:3]
        for snap in snapshots:
            np.testing.assert_array_equal(snap.variables["a"], snap.variables["b"])
        saver.restore(sess, paths[-1])
        got_a, got_b = sess.run([a, b])
        np.testing.assert_array_equal(got_a, got_b)
        assert got_a[0] > 0


def test_an_eval_thread_runs_beside_a_training_thread():
    x = tf.placeholder(tf.float32, [None, 4])
    w = tf.Variable(np.ones((4, 1), np.float32), name="w")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w)))
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    data = np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses: list[float] = []
        errors: list[BaseException] = []

        def evaluate():
            try:
                for _ in range(200):
                    losses.append(float(sess.run(loss, {x: data})))
            except BaseException as err:
                errors.append(err)

        evaluator = threading.Thread(target=evaluate)
        evaluator.start()
        for _ in range(200):
            sess.run(train, {x: data})
        evaluator.join()
        assert not errors, errors[:3]
        assert len(losses) == 200 and all(np.isfinite(losses))
        # Training only lowers this convex loss: every evaluation saw a whole state.
        assert losses[-1] <= losses[0]


# -- exceptions and interrupts around the hand-off ----------------------------------------


def _counter():
    v = tf.Variable(0, name="count")
    return v, tf.assign_add(v, 1)


def test_a_warning_turned_error_while_compiling_loses_nothing(monkeypatch):
    v, inc = _counter()
    sess = tf.Session()
    sess.run(v.initializer)
    original = executables.Executables._compile

    def warn_then_compile(self, key, args):
        warnings.warn("a compile-time warning", UserWarning, stacklevel=1)
        return original(self, key, args)

    monkeypatch.setattr(executables.Executables, "_compile", warn_then_compile)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="compile-time"):
            sess.run(inc)
    monkeypatch.setattr(executables.Executables, "_compile", original)
    assert sess.run(v) == 0
    assert sess.run(inc) == 1


def test_the_retracing_warning_as_an_error_comes_after_the_state_is_stored():
    x = tf.placeholder(tf.float32, [None])
    total = tf.Variable(0.0, name="total")
    add = tf.assign_add(total, tf.reduce_sum(x))
    sess = tf.Session()
    sess.run(total.initializer)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for n in range(1, 8):
            sess.run(add, {x: np.ones(n, np.float32)})
        with pytest.raises(tf.RetracingWarning, match="'Placeholder:0'"):
            sess.run(add, {x: np.ones(8, np.float32)})
    assert sess.run(total) == sum(range(1, 9))


@pytest.mark.parametrize("where", ["restart", "results"])
def test_an_exception_after_the_store_keeps_the_new_state(monkeypatch, where):
    v, inc = _counter()
    sess = tf.Session()
    sess.run(v.initializer)
    sess.run(inc)

    def boom(*args, **kwargs):
        raise RuntimeError("injected")

    if where == "restart":
        monkeypatch.setattr(sess._host_feeds, "restart", boom)
    else:  # the fetched values' conversion to numpy
        monkeypatch.setattr(session_module, "to_numpy", boom)
    with pytest.raises(RuntimeError, match="injected"):
        sess.run(inc)
    monkeypatch.undo()
    assert sess.run(v) == 2
    assert sess.run(inc) == 3


def test_an_exception_raised_by_the_compiled_call_before_it_runs_keeps_the_state(
    monkeypatch,
):
    v, inc = _counter()
    sess = tf.Session()
    sess.run(v.initializer)
    sess.run(inc)

    def refuse(self, *args):
        raise KeyboardInterrupt  # as if Ctrl-C landed in JAX's dispatch

    monkeypatch.setattr(executables.Executables, "__call__", refuse)
    with pytest.raises(KeyboardInterrupt):
        sess.run(inc)
    monkeypatch.undo()
    assert sess.run(v) == 1
    assert sess.run(inc) == 2


def test_sigint_during_the_run_is_delivered_after_the_store(monkeypatch):
    v, inc = _counter()
    sess = tf.Session()
    sess.run(v.initializer)
    original = executables.Executables.__call__

    def interrupted(self, *args):
        signal.raise_signal(signal.SIGINT)  # Ctrl-C while the state is handed over
        return original(self, *args)

    monkeypatch.setattr(executables.Executables, "__call__", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sess.run(inc)
    monkeypatch.undo()
    assert sess.run(v) == 1  # the run completed and was stored, then Ctrl-C came
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigint_at_every_line_of_the_hand_off_never_loses_state():
    """Ctrl-C landing at each line executed inside ``State.call``, in turn."""
    v, inc = _counter()
    sess = tf.Session()
    sess.run(v.initializer)
    sess.run(inc)
    watched = {state.__file__, executables.__file__}
    line = target = 0

    def tracer(frame, event, arg):
        nonlocal line
        if frame.f_code.co_filename in watched and event == "line":
            line += 1
            if line == target:
                signal.raise_signal(signal.SIGINT)
        return tracer

    interrupted = completed_anyway = 0
    for at in range(1, 60):
        before = sess.run(v)
        line, target = 0, at
        sys.settrace(tracer)
        try:
            sess.run(inc)
        except KeyboardInterrupt:
            interrupted += 1
        finally:
            sys.settrace(None)
        after = sess.run(v)  # readable: nothing was lost
        # Either Ctrl-C came before the state was taken (no run), or it was held
        # back until the new state was stored.
        assert after in (before, before + 1)
        completed_anyway += after == before + 1
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert interrupted > 40
    assert completed_anyway > 40  # the hand-off itself is never cut short


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    os.environ["JAX_PLATFORMS"] = "cpu"
    import numpy as np
    import jgraph as tf

    x = tf.placeholder(tf.float32, [16, 8])
    w = tf.Variable(np.ones((8, 8), np.float32), name="w")
    a = tf.Variable(0, name="a")
    b = tf.Variable(0, name="b")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w)))
    train = tf.group(
        tf.train.AdamOptimizer(1e-3).minimize(loss), tf.assign_add(a, 1),
        tf.assign_add(b, 1),
    )
    data = np.random.default_rng(0).standard_normal((16, 8)).astype(np.float32)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    sess.run(train, {x: data})
    stop = []
    signal.signal(signal.SIGUSR1, lambda *_: stop.append(True))
    # SIGINT interrupts only while armed (around the runs), and disarms itself: a
    # process-directed signal may be caught by any thread, so masking the main
    # thread's signals cannot keep it off the loop's own lines.
    armed = [False]

    def on_sigint(*_):
        if armed[0]:
            armed[0] = False
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)
    print("ready", flush=True)
    interrupts = completed = 0
    while not stop:
        try:
            armed[0] = True
            sess.run(train, {x: data})
            completed += 1
            got_a, got_b = sess.run([a, b])  # readable, and moved together
            armed[0] = False
            assert got_a == got_b, (got_a, got_b)
        except KeyboardInterrupt:
            interrupts += 1
    got_a, got_b, got_loss = sess.run([a, b, loss], {x: data})
    assert got_a == got_b and np.isfinite(got_loss)
    assert completed + 1 <= got_a <= completed + 1 + interrupts, (got_a, completed)
    print("ok", interrupts, completed, got_a, flush=True)
    """
)


def test_150_sigints_into_a_training_loop_never_lose_state(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    sends = 150
    child = subprocess.Popen(
        [sys.executable, str(script), str(sends)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "JAX_PLATFORMS": "cpu"},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        rng = np.random.default_rng(0)
        for _ in range(sends):
            os.kill(child.pid, signal.SIGINT)
            threading.Event().wait(float(rng.uniform(0.002, 0.01)))
        os.kill(child.pid, signal.SIGUSR1)
        out, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err[-3000:]
    _, interrupts, _, _ = out.strip().splitlines()[-1].split()
    # Signals that arrive while one is pending merge into one.
    assert 50 <= int(interrupts) <= sends, out


# -- values entering the state are checked ------------------------------------------------


def test_assigning_a_fed_value_of_another_shape_raises_naming_the_variable():
    v = tf.Variable([1.0, 2.0], name="v")
    x = tf.placeholder(tf.float32, None)
    assign = tf.assign(v, x)
    sess = tf.Session()
    sess.run(v.initializer)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"'v' has shape \[2\]"):
        sess.run(assign, {x: [1.0, 2.0, 3.0]})
    np.testing.assert_array_equal(sess.run(v), [1.0, 2.0])
    np.testing.assert_array_equal(sess.run(assign, {x: [5.0, 6.0]}), [5.0, 6.0])


def test_a_broadcasting_update_of_another_shape_is_refused():
    v = tf.Variable([1.0], name="v")
    x = tf.placeholder(tf.float32, None)
    add = tf.assign_add(v, x)
    sess = tf.Session()
    sess.run(v.initializer)
    with pytest.raises(tf.errors.InvalidArgumentError, match="variable 'v'"):
        sess.run(add, {x: [1.0, 2.0, 3.0]})
    np.testing.assert_array_equal(sess.run(add, {x: 2.0}), [3.0])


def test_validate_shape_false_on_a_known_shape_is_refused_at_run_time():
    # TF1 reshapes the variable; jgraph keeps every variable's shape (README).
    v = tf.Variable([1.0, 2.0], name="v")
    x = tf.placeholder(tf.float32, None)
    assign = tf.assign(v, x, validate_shape=False)
    sess = tf.Session()
    sess.run(v.initializer)
    with pytest.raises(tf.errors.InvalidArgumentError, match="'v'"):
        sess.run(assign, {x: [1.0, 2.0, 3.0]})


def test_a_variable_of_unknown_shape_takes_values_of_any_size():
    v = tf.Variable([1.0, 2.0], name="v", validate_shape=False)
    x = tf.placeholder(tf.float32, None)
    assign = tf.assign(v, x, validate_shape=False)
    sess = tf.Session()
    sess.run(v.initializer)
    np.testing.assert_array_equal(sess.run(assign, {x: [1.0, 2.0, 3.0]}), [1, 2, 3])
    np.testing.assert_array_equal(sess.run(v), [1.0, 2.0, 3.0])


def test_a_static_wrong_shape_assign_is_a_value_error_when_built():
    v = tf.Variable([1.0, 2.0], name="v")
    with pytest.raises(ValueError, match="'v'"):
        tf.assign(v, [1.0, 2.0, 3.0])


# -- feeds ------------------------------------------------------------------------------


def _fed(dtype, value):
    x = tf.placeholder(dtype, None, name="x")
    with tf.Session() as sess:
        return sess.run(tf.identity(x), {x: value})


@pytest.mark.parametrize(
    ("dtype", "value", "error", "match"),
    [
        (tf.int32, 2**40, TypeError, r"'x:0'.*int32.*out of the range"),
        (tf.uint8, -2, TypeError, r"'x:0'.*uint8"),
        (tf.bool, 3, TypeError, r"'x:0'.*bool"),
        (tf.int64, 2**70, TypeError, r"'x:0'"),
        (tf.int32, np.int64(2**40), tf.errors.InvalidArgumentError, "out of the range"),
        (tf.uint8, np.array([-1], np.int32), tf.errors.InvalidArgumentError, "range"),
        (tf.float32, 1 + 2j, tf.errors.InvalidArgumentError, "complex"),
        (tf.int32, 1 + 2j, tf.errors.InvalidArgumentError, "complex"),
        (tf.float32, None, tf.errors.InvalidArgumentError, "None is not a number"),
        (tf.float32, [1.0, None], tf.errors.InvalidArgumentError, "None"),
        (tf.int32, None, TypeError, "'x:0'"),
        (tf.float32, "12", tf.errors.InvalidArgumentError, "string is not a number"),
        (tf.float32, "abc", tf.errors.InvalidArgumentError, "'x:0'"),
        (tf.int32, 2.5, tf.errors.InvalidArgumentError, "fraction"),
        (tf.int32, float("nan"), tf.errors.InvalidArgumentError, "NaN"),
        (tf.bool, [1, 2], tf.errors.InvalidArgumentError, "other than 0 and 1"),
        (tf.float32, [[1.0], [1.0, 2.0]], tf.errors.InvalidArgumentError, "'x:0'"),
    ],
)
def test_feeds_that_do_not_fit_raise_naming_the_tensor(dtype, value, error, match):
    with pytest.raises(error, match=match):
        _fed(dtype, value)


@pytest.mark.parametrize(
    ("dtype", "value", "expected"),
    [
        (tf.float32, 3, np.float32(3)),
        (tf.float32, 2**70, np.float32(2.0**70)),
        (tf.int32, 4.0, np.int32(4)),
        (tf.int32, True, np.int32(1)),
        (tf.int64, 2**40, np.int64(2**40)),
        (tf.uint8, np.int8(3), np.uint8(3)),
        (tf.bool, [1, 0], np.array([True, False])),
        (tf.float64, [[1.5], [2.0]], np.array([[1.5], [2.0]])),
        (tf.float16, np.float64(0.1), np.float16(0.1)),
    ],
)
def test_tf1s_accepted_feed_conversions_are_kept(dtype, value, expected):
    got = _fed(dtype, value)
    assert got.dtype == np.asarray(expected).dtype
    np.testing.assert_array_equal(got, expected)


def test_a_real_complex_feed_warns_as_tf1():
    with pytest.warns(np.exceptions.ComplexWarning):
        assert _fed(tf.float32, np.complex64(3.0)) == np.float32(3.0)


# -- compiled executables per fetch set ---------------------------------------------------


def test_compiled_shapes_are_bounded_and_evictions_counted():
    x = tf.placeholder(tf.float32, [None], name="x")
    y = tf.reduce_sum(x)
    config = tf.ConfigProto(max_compiled_shapes=3)
    with tf.Session(config=config) as sess, warnings.catch_warnings():
        warnings.simplefilter("ignore", tf.RetracingWarning)
        for n in range(1, 11):
            assert sess.run(y, {x: np.ones(n, np.float32)}) == n
        (stats,) = sess.stats()
        assert (stats.compiles, stats.evictions) == (10, 7)
        sess.run(y, {x: np.ones(9, np.float32)})  # still compiled
        assert sess.stats()[0].compiles == 10
        sess.run(y, {x: np.ones(1, np.float32)})  # evicted: compiled again
        assert (sess.stats()[0].compiles, sess.stats()[0].evictions) == (11, 8)
        assert sess.stats()[0].shape_changes == {"x:0": 11}


def test_jax_staging_caches_are_emptied_each_time_the_executables_turn_over(
    monkeypatch,
):
    """JAX keeps what it traced at every shape (some caches have no bound), so the
    executables' bound alone would not bound memory: once the executables turned
    over entirely, JAX's staging caches are emptied; live executables stay
    compiled."""
    from jax._src import interpreters

    trace_cache = interpreters.partial_eval.trace_to_jaxpr
    drops = []
    original = executables._drop_staging_caches

    def counted() -> None:
        original()
        drops.append(trace_cache.cache_info().currsize)

    monkeypatch.setattr(executables, "_drop_staging_caches", counted)
    x = tf.placeholder(tf.float32, [None], name="x")
    y = tf.reduce_sum(tf.nn.relu(x))
    config = tf.ConfigProto(max_compiled_shapes=2)
    with tf.Session(config=config) as sess, warnings.catch_warnings():
        warnings.simplefilter("ignore", tf.RetracingWarning)
        for n in range(1, 8):  # 7 shapes, bound 2: 5 evictions
            assert sess.run(y, {x: np.ones(n, np.float32)}) == n
        assert drops == [0, 0]  # at the 2nd and 4th eviction, the cache emptied
        compiles = sess.stats()[0].compiles
        assert sess.run(y, {x: -np.ones(7, np.float32)}) == 0  # still compiled
        assert sess.stats()[0].compiles == compiles


def test_the_retracing_warning_names_the_changing_feed_and_how_often():
    x = tf.placeholder(tf.float32, [None], name="x")
    k = tf.placeholder(tf.float32, [], name="k")
    y = tf.reduce_sum(x) * k
    with tf.Session() as sess, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(1, 17):
            sess.run(y, {x: np.ones(n, np.float32), k: 2.0})
    messages = [str(w.message) for w in caught if w.category is tf.RetracingWarning]
    assert len(messages) == 2  # at the 8th and the 16th compile
    assert "'x:0' (a new shape in 8 of 8 compiles, last [8])" in messages[0]
    assert "'k:0'" not in messages[0]
    assert "16 times" in messages[1]


def test_max_compiled_shapes_must_be_positive():
    with pytest.raises(ValueError, match="max_compiled_shapes"):
        tf.Session(config=tf.ConfigProto(max_compiled_shapes=0)).run(tf.constant(1) + 1)
