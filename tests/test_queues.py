"""TF1 queue pipelines: queues, queue runners, readers, decode_csv, batching.

Expected values and error classes were taken from TF1 (tensorflow 2.21's
``compat.v1`` in graph mode) running the same programs.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import jgraph as tf
from jgraph import errors

JOIN_TIMEOUT = 20  # seconds: no test may hang


def _drain(sess, fetch):
    values = []
    while True:
        try:
            values.append(sess.run(fetch))
        except errors.OutOfRangeError:
            return values


def _in_thread(fn):
    out: list = []

    def target():
        try:
            out.append(fn())
        except Exception as err:  # the test inspects it
            out.append(err)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, out


# -- queues ----------------------------------------------------------------------------


def test_fifo_order_dequeue_many_and_closing_as_tf1():
    q = tf.FIFOQueue(5, [tf.int32, tf.float32], shapes=[[], [2]])
    enq = q.enqueue_many([[1, 2, 3], np.ones((3, 2), np.float32)])
    d, dm, du = q.dequeue(), q.dequeue_many(2), q.dequeue_up_to(4)
    assert [t.shape.as_list() for t in dm] == [[2], [2, 2]]
    assert [t.shape.as_list() for t in du] == [[None], [None, 2]]
    assert dm[0].name == "fifo_queue_DequeueMany:0"
    with tf.Session() as sess:
        sess.run(enq)
        assert sess.run(q.size()) == 3
        ints, floats = sess.run(dm)
        np.testing.assert_array_equal(ints, [1, 2])
        assert floats.shape == (2, 2) and floats.dtype == np.float32
        assert sess.run(d)[0] == 3
        sess.run(enq)
        sess.run(q.close())
        assert sess.run(q.is_closed())
        # A closed queue with enough elements still gives them.
        np.testing.assert_array_equal(sess.run(dm)[0], [1, 2])
        with pytest.raises(errors.OutOfRangeError, match="closed and has insufficient"):
            sess.run(q.dequeue_many(4))
        assert sess.run(q.size()) == 1  # nothing consumed
        np.testing.assert_array_equal(sess.run(du)[0], [3])  # the remainder
        with pytest.raises(errors.OutOfRangeError):
            sess.run(du)
        with pytest.raises(errors.OutOfRangeError):
            sess.run(d)
        with pytest.raises(errors.CancelledError, match="is closed"):
            sess.run(enq)


def test_one_component_and_named_components():
    q = tf.FIFOQueue(3, tf.float32)
    x = q.dequeue()
    assert isinstance(x, tf.Tensor) and x.shape.ndims is None
    named = tf.FIFOQueue(3, [tf.int32, tf.float32], shapes=[[], []], names=["a", "b"])
    with tf.Session() as sess:
        sess.run(q.enqueue(1.5))
        assert sess.run(x) == np.float32(1.5)
        sess.run(named.enqueue({"a": 1, "b": 2.0}))
        assert sess.run(named.dequeue()) == {"a": 1, "b": 2.0}
    with pytest.raises(ValueError, match="dequeue_many"):
        q.dequeue_many(2)  # no shapes
    with pytest.raises(ValueError, match="incompatible"):
        tf.FIFOQueue(3, tf.float32, shapes=[[2]]).enqueue([[1.0, 2.0, 3.0]])


def test_enqueue_checks_shapes_when_running():
    q = tf.FIFOQueue(3, tf.float32, shapes=[[2]])
    p = tf.placeholder(tf.float32, [None])
    enq = q.enqueue([p])
    with tf.Session() as sess:
        sess.run(enq, {p: [1.0, 2.0]})
        with pytest.raises(
            errors.InvalidArgumentError, match="Expected \\[2\\], got \\[3\\]"
        ):
            sess.run(enq, {p: [1.0, 2.0, 3.0]})


def test_dequeue_feeds_the_compiled_run_and_enqueue_takes_computed_values():
    q = tf.FIFOQueue(10, tf.float32, shapes=[[2]])
    v = tf.Variable([1.0, 2.0])
    enq = q.enqueue(v * 3.0)  # computed in the run, pushed after it
    update = tf.assign_add(v, tf.reduce_sum(q.dequeue_many(2), axis=0))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(enq)
        sess.run(enq)
        np.testing.assert_allclose(sess.run(update), [7.0, 14.0])
        assert sess.run(q.size()) == 0


def test_random_shuffle_queue_seeded_permutation_and_min_after_dequeue():
    def run_once():
        tf.reset_default_graph()
        q = tf.RandomShuffleQueue(10, 2, [tf.int32], shapes=[[]], seed=3)
        with tf.Session() as sess:
            sess.run(q.enqueue_many([list(range(6))]))
            first = sess.run(q.dequeue_many(3))
            # 3 left, min_after_dequeue 2: a 2-element dequeue must wait.
            thread, out = _in_thread(lambda: sess.run(q.dequeue_many(2)))
            time.sleep(0.3)
            assert not out
            sess.run(q.close())  # closed: min_after_dequeue no longer applies
            thread.join(JOIN_TIMEOUT)
            rest = sess.run(q.dequeue_up_to(5))
            with pytest.raises(errors.OutOfRangeError):
                sess.run(q.dequeue())
            return list(first) + list(out[0]) + list(rest)

    order = run_once()
    assert sorted(order) == list(range(6))
    assert order != list(range(6))
    assert run_once() == order  # same seeds, same order


def test_padding_fifo_queue_pads_to_the_longest():
    q = tf.PaddingFIFOQueue(10, [tf.int32], shapes=[[None]])
    p = tf.placeholder(tf.int32, [None])
    enq = q.enqueue([p])
    batch = q.dequeue_many(3)
    assert batch.shape.as_list() == [3, None]
    with tf.Session() as sess:
        for value in ([1, 2], [3], [4, 5, 6]):
            sess.run(enq, {p: value})
        np.testing.assert_array_equal(
            sess.run(batch), [[1, 2, 0], [3, 0, 0], [4, 5, 6]]
        )
    with pytest.raises(TypeError):
        tf.PaddingFIFOQueue(10, [tf.int32])  # shapes are required, as TF1
    with pytest.raises(ValueError, match="PaddingFIFOQueue"):
        tf.FIFOQueue(10, [tf.int32], shapes=[[None]])


def test_a_waiting_dequeue_wakes_on_enqueue_and_on_close():
    q = tf.FIFOQueue(3, tf.int32, shapes=[[]])
    dm = q.dequeue_many(2)
    enq = q.enqueue(5)
    with tf.Session() as sess:
        thread, out = _in_thread(lambda: sess.run(dm))
        sess.run(enq)
        sess.run(enq)
        thread.join(JOIN_TIMEOUT)
        np.testing.assert_array_equal(out[0], [5, 5])
        thread, out = _in_thread(lambda: sess.run(dm))
        sess.run(enq)
        sess.run(q.close())
        thread.join(JOIN_TIMEOUT)
        assert isinstance(out[0], errors.OutOfRangeError)


def test_closing_the_session_cancels_waiting_ops():
    q = tf.FIFOQueue(1, tf.int32, shapes=[[]])
    sess = tf.Session()
    thread, out = _in_thread(lambda: sess.run(q.dequeue()))
    time.sleep(0.2)
    sess.close()
    thread.join(JOIN_TIMEOUT)
    assert isinstance(out[0], errors.CancelledError)


def test_a_full_queue_blocks_enqueue_until_cancelled():
    q = tf.FIFOQueue(1, tf.int32, shapes=[[]])
    enq = q.enqueue(1)
    with tf.Session() as sess:
        sess.run(enq)
        thread, out = _in_thread(lambda: sess.run(enq))
        time.sleep(0.2)
        assert not out  # waiting for room
        sess.run(q.close(cancel_pending_enqueues=True))
        thread.join(JOIN_TIMEOUT)
        assert isinstance(out[0], errors.CancelledError)
        assert sess.run(q.size()) == 1


def test_a_run_waiting_on_a_dequeue_holds_no_lock_against_the_enqueuing_run():
    # The consumer runs a compiled write, then waits on the empty queue; the
    # producer's run needs the state (a compiled assign_add) before it enqueues.
    # Holding the state lock across the wait would deadlock the two threads.
    q = tf.FIFOQueue(2, tf.float32, shapes=[[]])
    made, used = tf.Variable(0.0), tf.Variable(0.0)
    enq = q.enqueue(tf.assign_add(made, 1.0))
    with tf.control_dependencies([tf.assign_add(used, 10.0)]):
        taken = q.dequeue() * 2.0
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        consumer, out = _in_thread(lambda: sess.run(taken))
        producer, _ = _in_thread(lambda: sess.run(enq))
        producer.join(JOIN_TIMEOUT)
        consumer.join(JOIN_TIMEOUT)
        assert not producer.is_alive() and not consumer.is_alive()
        assert out == [2.0]
        assert sess.run([made, used]) == [1.0, 10.0]


def test_a_run_failing_after_its_compiled_part_keeps_the_state():
    # The write runs in the compiled segment before the dequeue; the closed,
    # empty queue ends the run with OutOfRangeError (as TF1) and the write of
    # the failed run is not kept; the session goes on.
    q = tf.FIFOQueue(2, tf.float32, shapes=[[]])
    v = tf.Variable(1.0)
    with tf.control_dependencies([tf.assign_add(v, 1.0)]):
        taken = q.dequeue() + 0.0
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(q.close())
        with pytest.raises(errors.OutOfRangeError, match="is closed"):
            sess.run(taken)
        assert sess.run(v) == 1.0
        assert sess.run(tf.assign_add(v, 1.0)) == 2.0


def test_an_interrupt_in_a_host_step_keeps_the_state_and_the_session():
    v = tf.Variable(1.0)
    bumped = tf.assign_add(v, 1.0)

    def interrupted(value):
        raise KeyboardInterrupt  # Ctrl-C while the run is between segments

    out = tf.py_func(interrupted, [bumped], tf.float32)
    with tf.Session() as sess:
        sess.run(v.initializer)
        with pytest.raises(KeyboardInterrupt):
            sess.run(out)
        assert sess.run(v) == 1.0
        assert sess.run(bumped) == 2.0


def test_run_steps_refuses_host_steps():
    q = tf.FIFOQueue(3, tf.float32, shapes=[[]])
    with tf.Session() as sess:
        with pytest.raises(errors.UnimplementedError, match="fifo_queue_Dequeue"):
            sess.run_steps(q.dequeue() * 2.0, 2)


# -- queue runners and the coordinator ---------------------------------------------------


def test_queue_runner_loop_with_coordinator():
    data = tf.constant(np.arange(12, dtype=np.float32).reshape(6, 2))
    q = tf.FIFOQueue(capacity=10, dtypes=[tf.float32], shapes=[[2]])
    tf.train.add_queue_runner(tf.train.QueueRunner(q, [q.enqueue_many([data])]))
    total = tf.reduce_sum(q.dequeue_many(3))
    with tf.Session() as sess:
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess=sess, coord=coord)
        assert [float(sess.run(total)) for _ in range(4)] == [15.0, 51.0, 15.0, 51.0]
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads)


def test_input_producer_epochs_need_local_init_as_tf1():
    q = tf.train.string_input_producer(["a", "b", "c"], num_epochs=2, shuffle=False)
    assert [v.op.name for v in tf.local_variables()] == [
        "input_producer/limit_epochs/epochs"
    ]
    name = q.dequeue()
    with tf.Session() as sess:
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        # No local_variables_initializer: the runner fails, the queue closes.
        with pytest.raises(errors.OutOfRangeError):
            sess.run(name)
        coord.request_stop()
        with pytest.raises(errors.FailedPreconditionError, match="epochs"):
            coord.join(threads, stop_grace_period_secs=JOIN_TIMEOUT)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        assert _drain(sess, name) == [b"a", b"b", b"c", b"a", b"b", b"c"]
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=JOIN_TIMEOUT)


def test_slice_input_producer_and_batch_with_a_smaller_final_batch():
    t = tf.constant(np.arange(10).reshape(5, 2))
    labels = tf.constant(np.arange(5) * 10)
    a, b = tf.train.slice_input_producer([t, labels], num_epochs=1, shuffle=False)
    assert a.shape.as_list() == [2] and b.shape.as_list() == []
    xs, ys = tf.train.batch([a, b], batch_size=2, allow_smaller_final_batch=True)
    assert xs.name == "batch:0" and xs.shape.as_list() == [None, 2]
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        batches = _drain(sess, [xs, ys])
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=JOIN_TIMEOUT)
    np.testing.assert_array_equal(batches[0][0], [[0, 1], [2, 3]])
    np.testing.assert_array_equal(batches[-1][0], [[8, 9]])
    np.testing.assert_array_equal(
        np.concatenate([y for _, y in batches]), [0, 10, 20, 30, 40]
    )


def test_batch_structures_as_tf1():
    x, y = tf.constant([1.0, 2.0]), tf.constant(3)
    assert tf.train.batch([x], 4).shape.as_list() == [4, 2]  # one tensor, unlisted
    d = tf.train.batch({"a": x, "b": y}, 4)
    assert sorted(d) == ["a", "b"] and d["b"].shape.as_list() == [4]
    many = tf.train.batch([x, tf.constant([1, 2])], 4, enqueue_many=True)
    assert [t.shape.as_list() for t in many] == [[4], [4]]
    with pytest.raises(ValueError, match="fully defined"):
        tf.train.batch([tf.placeholder(tf.float32, [None])], 4)
    padded = tf.train.batch([tf.placeholder(tf.float32, [None])], 4, dynamic_pad=True)
    assert padded.shape.as_list() == [4, None]
    joined = tf.train.batch_join([[x, y], [x + 1, y + 1]], 4)
    assert joined[0].name == "batch_join:0"


def test_shuffle_batch_gives_every_element_once_per_epoch():
    values = tf.constant(np.arange(20, dtype=np.int32))
    (element,) = tf.train.slice_input_producer([values], num_epochs=1, seed=1)
    batch = tf.train.shuffle_batch(
        [element],
        batch_size=4,
        capacity=10,
        min_after_dequeue=3,
        seed=2,
        num_threads=2,
        allow_smaller_final_batch=True,
    )
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        got = np.concatenate(_drain(sess, batch))
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=JOIN_TIMEOUT)
    assert sorted(got.tolist()) == list(range(20))
    assert got.tolist() != list(range(20))


def test_monitored_session_starts_queue_runners():
    (element,) = tf.train.slice_input_producer(
        [tf.constant(np.arange(6.0, dtype=np.float32))], num_epochs=1, shuffle=False
    )
    total = tf.reduce_sum(tf.train.batch([element], 2))
    sums = []
    with tf.train.MonitoredSession() as sess:
        while not sess.should_stop():
            sums.append(float(sess.run(total)))
    assert sums == [1.0, 5.0, 9.0]


def test_coordinator_keeps_only_the_exception_that_stopped():
    coord = tf.train.Coordinator()
    coord.request_stop()
    coord.request_stop(ValueError("after the stop"))
    coord.join([])  # TF1: nothing to raise


# -- readers and decode_csv ----------------------------------------------------------------


def test_text_line_reader_over_files(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("h1\n1,2\n3,4\n")
    second.write_text("h2\n5,6\n")
    files = tf.train.string_input_producer(
        [str(first), str(second)], num_epochs=1, shuffle=False
    )
    key, value = tf.TextLineReader(skip_header_lines=1).read(files)
    assert key.dtype == tf.string and value.shape.as_list() == []
    a, b = tf.decode_csv(value, record_defaults=[[0], [0.0]])
    doubled = a * 2
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        rows = _drain(sess, [key, doubled, b])
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=JOIN_TIMEOUT)
    assert [r[0] for r in rows] == [
        f"{first}:2".encode(),
        f"{first}:3".encode(),
        f"{second}:2".encode(),
    ]
    assert [int(r[1]) for r in rows] == [2, 6, 10]
    assert [float(r[2]) for r in rows] == [2.0, 4.0, 6.0]


def test_whole_file_reader_and_read_file(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"hello\nworld")
    files = tf.train.string_input_producer([str(path)], shuffle=False)
    name, contents = tf.WholeFileReader().read(files)
    with tf.Session() as sess:
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        assert sess.run([name, contents]) == [str(path).encode(), b"hello\nworld"]
        assert sess.run(tf.read_file(str(path))) == b"hello\nworld"
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=JOIN_TIMEOUT)
    with tf.Session() as sess, pytest.raises(errors.NotFoundError, match="nothere"):
        sess.run(tf.read_file(str(tmp_path / "nothere")))


def test_decode_csv_values_and_errors_as_tf1():
    cols = tf.decode_csv(tf.constant(['1,"a,b",2.5', "2,,"]), [[1], ["x"], [7.0]])
    assert [c.dtype for c in cols] == [tf.int32, tf.string, tf.float32]
    assert cols[0].shape.as_list() == [2]
    with tf.Session() as sess:
        ints, strings, floats = sess.run(cols)
        np.testing.assert_array_equal(ints, [1, 2])
        assert strings.tolist() == [b"a,b", b"x"]
        np.testing.assert_array_equal(floats, np.array([2.5, 7.0], np.float32))
        assert sess.run(tf.decode_csv("1,2.5e3", [[1], [2.0]])) == [1, 2500.0]
        required = tf.constant([], tf.int32)
        for record, defaults, message in [
            ("1,2,3", [[1], [2]], "Expect 2 fields but have 3"),
            ("a,2", [[1], [2]], "not a valid int32"),
            (",2", [required, [2]], "Field 0 is required"),
            ("1.5,2", [[1], [2]], "not a valid int32"),
        ]:
            with pytest.raises(errors.InvalidArgumentError, match=message):
                sess.run(tf.decode_csv(record, defaults))
