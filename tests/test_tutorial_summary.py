"""The TF1 tutorial's TensorBoard examples (shared/seed/introduction-to-tensorflow.txt,
"Visualization"), written as a TF1 user would, with their event files read back by
TensorBoard's own reader."""

from __future__ import annotations

import random

from tensorboard.backend.event_processing.event_accumulator import (
    STORE_EVERYTHING_SIZE_GUIDANCE,
    EventAccumulator,
)

import jgraph as tf
import jgraph.summary  # registers tf.summary until jgraph/__init__ exports it


def read_events(logdir) -> EventAccumulator:
    accumulator = EventAccumulator(str(logdir), STORE_EVERYTHING_SIZE_GUIDANCE)
    accumulator.Reload()
    return accumulator


def test_graph_only(tmp_path, capsys):
    a = tf.Variable(5, name="a")
    b = tf.Variable(10, name="b")
    c = tf.multiply(a, b, name="result")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print(sess.run(c))
        fw = tf.summary.FileWriter(str(tmp_path), sess.graph)
        fw.close()
    assert capsys.readouterr().out == "50\n"
    nodes = {node.name: node for node in read_events(tmp_path).Graph().node}
    assert {"a", "b", "result"} <= set(nodes)
    assert nodes["result"].op == "Mul"
    assert [name.split(":")[0] for name in nodes["result"].input] == ["a", "b"]


def test_nested_scopes(tmp_path, capsys):
    with tf.name_scope("primitives"):
        a = tf.Variable(5, name="a")
        b = tf.Variable(10, name="b")
    with tf.name_scope("fancy_pants_procedure"):
        # this procedure has no significant interpretation
        # and was purely made to illustrate why you might want
        # to work at a higher level of abstraction
        c = tf.multiply(a, b)
        with tf.name_scope("very_mean_reduction"):
            d = tf.reduce_mean([a, b, c])
        e = tf.add(c, d)
    with tf.name_scope("not_so_fancy_procedure"):
        # this procedure suffers from imposter syndrome
        d = tf.add(a, b)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print(sess.run(c))
        print(sess.run(e))
        fw = tf.summary.FileWriter(str(tmp_path), sess.graph)
        fw.close()
    assert capsys.readouterr().out == "50\n71\n"  # 50 + mean(5, 10, 50) = 50 + 21
    names = {node.name for node in read_events(tmp_path).Graph().node}
    assert {
        "primitives/a",
        "primitives/b",
        "fancy_pants_procedure/Mul",
        "fancy_pants_procedure/Add",
        "not_so_fancy_procedure/Add",
    } <= names
    reduction = [
        n for n in names if n.startswith("fancy_pants_procedure/very_mean_reduction/")
    ]
    assert any(n.rsplit("/", 1)[1].startswith("Mean") for n in reduction), reduction


def test_changing_number_scalar_over_1000_steps(tmp_path):
    random.seed(1234)
    a = tf.Variable(5, name="a")
    b = tf.Variable(10, name="b")
    # set the intial value of c to be the product of a and b
    # in order to write a summary of c, c must be a variable
    init_value = tf.multiply(a, b, name="result")
    c = tf.Variable(init_value, name="ChangingNumber")
    # update the value of c by incrementing it by a placeholder number
    number = tf.placeholder(tf.int32, shape=[], name="number")
    c_update = tf.assign(c, tf.add(c, number))
    # create a summary to track to progress of c
    tf.summary.scalar("ChangingNumber", c)
    # in case we want to track multiple summaries
    # merge all summaries into a single operation
    summary_op = tf.summary.merge_all()
    fed = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        # initialize our summary file writer
        fw = tf.summary.FileWriter(str(tmp_path), sess.graph)
        # do 'training' operation
        for step in range(1000):
            # set placeholder number somewhere between 0 and 100
            num = int(random.random() * 100)
            fed.append(num)
            sess.run(c_update, feed_dict={number: num})
            # compute summary
            summary = sess.run(summary_op)
            # add merged summaries to filewriter,
            # so they are saved to disk
            fw.add_summary(summary, step)
        fw.close()

    expected, total = [], 50
    for num in fed:
        total += num
        expected.append(float(total))
    accumulator = read_events(tmp_path)
    # The variable already took the name "ChangingNumber", so the summary's name
    # scope, and with it the tag, is "ChangingNumber_1" -- exactly as in TF1.
    assert accumulator.Tags()["scalars"] == ["ChangingNumber_1"]
    events = accumulator.Scalars("ChangingNumber_1")
    assert [e.step for e in events] == list(range(1000))
    assert [e.value for e in events] == expected
    assert "ChangingNumber" in {node.name for node in accumulator.Graph().node}
