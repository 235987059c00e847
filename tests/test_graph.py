"""Graph building: TF1 names, scopes, collections, control dependencies, devices."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf
from jgraph.compile.prune import prune


def test_names_deduplicate_ignoring_case():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    assert tf.multiply(a, b).name == "Mul:0"
    assert (a * b).name == "mul_1:0"
    assert tf.multiply(a, b).name == "Mul_2:0"
    assert (a * 2.0).op.inputs[1].name == "mul_3/y:0"
    # Python values become constants in the op's own scope, named after the input.
    added = tf.add(a, 2.0)
    assert (added.name, added.op.inputs[1].name) == ("Add:0", "Add/y:0")


def test_variable_names_and_collections():
    v0 = tf.Variable(0)
    v1 = tf.Variable(0)
    named = tf.Variable(0, name="a")
    named_again = tf.Variable(0, name="a")
    frozen = tf.Variable(0, name="frozen", trainable=False)
    assert [v.name for v in (v0, v1, named, named_again)] == [
        "Variable:0",
        "Variable_1:0",
        "a:0",
        "a_1:0",
    ]
    assert tf.global_variables() == [v0, v1, named, named_again, frozen]
    assert frozen not in tf.trainable_variables()
    ops = {op.name for op in tf.get_default_graph().get_operations()}
    assert {"a", "a/initial_value", "a/Assign", "a/read"} <= ops


def test_name_scopes_nest_and_reenter():
    with tf.name_scope("outer"):
        with tf.name_scope("inner") as inner:
            c = tf.constant(1, name="c")
        assert inner == "outer/inner/"
    with tf.name_scope("outer"):
        d = tf.constant(1, name="c")
    with tf.name_scope("outer/inner/"):  # a trailing slash re-enters exactly
        e = tf.constant(1, name="c")
    with tf.name_scope(None):
        f = tf.constant(1, name="c")
    assert [t.name for t in (c, d, e, f)] == [
        "outer/inner/c:0",
        "outer_1/c:0",
        "outer/inner/c_1:0",
        "c:0",
    ]


def test_shapes_print_like_tf1():
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    w = tf.Variable(tf.zeros([784, 500]))
    y = tf.matmul(x, w)
    assert str(y) == 'Tensor("MatMul:0", shape=(?, 500), dtype=float32)'
    assert y.shape.as_list() == [None, 500]
    assert y.get_shape()[1].value == 500
    unknown = tf.placeholder(tf.float32)
    assert str(unknown.shape) == "<unknown>"
    assert str((unknown * 2.0).shape) == "<unknown>"


def test_shape_mismatch_fails_while_building():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    w = tf.zeros([4, 5])
    with pytest.raises(
        ValueError,
        match=r"'MatMul' \(op: 'MatMul'\) with input shapes: \[\?,3\], \[4,5\]",
    ):
        tf.matmul(x, w)


def test_independent_unknown_dims_still_build_and_run():
    a = tf.placeholder(tf.float32, [None, 3])
    b = tf.placeholder(tf.float32, [None, 3])
    c = a + b
    assert c.shape.as_list() == [None, 3]
    with tf.Session() as sess:
        out = sess.run(c, {a: np.ones((2, 3)), b: np.ones((2, 3))})
    np.testing.assert_array_equal(out, np.full((2, 3), 2.0))


def test_set_shape_refines_and_checks():
    x = tf.placeholder(tf.float32, [None, 3])
    x.set_shape([8, 3])
    assert x.shape.as_list() == [8, 3]
    with pytest.raises(ValueError, match="incompatible"):
        x.set_shape([8, 4])


def test_tensors_are_not_booleans():
    with pytest.raises(TypeError, match="as a Python `bool`"):
        bool(tf.constant(True))


def test_lookup_by_name():
    c = tf.constant(1, name="c")
    graph = tf.get_default_graph()
    assert graph.get_tensor_by_name("c:0") is c
    assert graph.get_operation_by_name("c") is c.op
    with pytest.raises(KeyError, match="'d:0' refers to a Tensor which does not exist"):
        graph.get_tensor_by_name("d:0")
    with pytest.raises(KeyError, match="only has 1 outputs"):
        graph.get_tensor_by_name("c:1")
    with pytest.raises(ValueError, match="appears to refer to a Tensor"):
        graph.get_operation_by_name("c:0")
    with pytest.raises(ValueError, match="Tensor names must be of the form"):
        graph.get_tensor_by_name("c")


def test_graphs_are_separate_and_default_is_a_stack():
    outer = tf.get_default_graph()
    g = tf.Graph()
    with g.as_default():
        inner = tf.constant(1)
        assert tf.get_default_graph() is g
    assert tf.get_default_graph() is outer
    assert inner.graph is g
    with pytest.raises(ValueError, match="same graph"):
        tf.add(inner, tf.constant(1))
    tf.reset_default_graph()
    assert tf.get_default_graph() is not outer


def test_collections():
    tf.add_to_collection("things", 1)
    tf.add_to_collections(["things", "other"], 2)
    assert tf.get_collection("things") == [1, 2]
    tf.get_collection_ref("other").append(3)
    assert tf.get_collection("other") == [2, 3]
    assert tf.get_collection("missing") == []


def test_control_dependencies_and_group():
    v = tf.Variable(0)
    first = tf.assign_add(v, 1)
    with tf.control_dependencies([first]):
        second = tf.assign_add(v, 10)
        assert first.op in second.op.control_inputs
        with tf.control_dependencies(None):
            free = tf.constant(1)
    assert free.op.control_inputs == []
    both = tf.group(first, second)
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(both)
        assert sess.run(v) == 11


def test_device_strings_merge_like_tf1():
    with tf.device("/job:worker/task:1"):
        with tf.device("/gpu:0"):
            a = tf.constant(1)
        with tf.device("/device:CPU:0"):
            b = tf.constant(1)
        with tf.device(None):
            c = tf.constant(1)
    assert a.device == "/job:worker/task:1/device:GPU:0"
    assert b.device == "/job:worker/task:1/device:CPU:0"
    assert c.device == ""


def test_device_functions_receive_the_op():
    seen = []

    def placer(op):
        seen.append(op.type)
        return "/cpu:0"

    with tf.device(placer):
        a = tf.constant(1) + 1
    assert a.device == "/device:CPU:0"
    assert "AddV2" in seen or "Add" in seen


def test_prune_orders_by_dependency_then_creation():
    a = tf.constant(1, name="a")
    b = tf.constant(2, name="b")
    c = tf.add(a, b, name="c")
    unused = tf.multiply(a, b, name="unused")
    order = prune([c], [], [])
    assert [op.name for op in order] == ["a", "b", "c"]
    assert unused.op not in order
    assert [op.name for op in prune([c], [], [a])] == ["b", "c"]
