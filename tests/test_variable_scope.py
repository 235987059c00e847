"""variable_scope / get_variable: names, TF1's reuse rules and error messages."""

from __future__ import annotations

import re

import numpy as np
import pytest

import jgraph as tf
from jgraph.ops import init_ops
from jgraph.ops.variable_scope import (
    AUTO_REUSE,
    get_local_variable,
    get_variable,
    get_variable_scope,
    no_regularizer,
    variable_scope,
)

ALREADY_EXISTS = re.escape(
    "Variable dense/kernel already exists, disallowed. Did you mean to set reuse=True"
    " or reuse=tf.AUTO_REUSE in VarScope?"
)
DOES_NOT_EXIST = re.escape(
    "Variable dense/kernel does not exist, or was not created with tf.get_variable()."
    " Did you mean to set reuse=tf.AUTO_REUSE in VarScope?"
)


def run(fetches, feed_dict=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed_dict)


def test_names_follow_nested_variable_scopes():
    with variable_scope("foo"):
        with variable_scope("bar"):
            v = get_variable("v", [1])
            c = tf.constant(1.0, name="c")
    assert v.name == "foo/bar/v:0"
    assert c.name == "foo/bar/c:0"
    assert get_variable_scope().name == ""
    assert v.initializer.name == "foo/bar/v/Assign"


def test_variable_names_ignore_name_scopes():
    with tf.name_scope("ns"):
        v = get_variable("v", [2])
        with variable_scope("vs"):
            w = get_variable("w", [2])
            c = tf.constant(0.0, name="c")
    assert v.name == "v:0"
    assert w.name == "vs/w:0"
    assert c.name == "ns/vs/c:0"


def test_already_exists_error():
    with variable_scope("dense"):
        get_variable("kernel", [2, 3])
    with pytest.raises(ValueError, match=ALREADY_EXISTS + " Originally defined at"):
        with variable_scope("dense"):
            get_variable("kernel", [2, 3])


def test_does_not_exist_error():
    with pytest.raises(ValueError, match=DOES_NOT_EXIST):
        with variable_scope("dense", reuse=True):
            get_variable("kernel", [2, 3])


def test_reuse_true_returns_the_same_variable_with_a_new_name_scope():
    with variable_scope("foo"):
        v = get_variable("v", [2, 3])
    with variable_scope("foo", reuse=True):
        v1 = get_variable("v", [2, 3])
        c = tf.constant(1.0, name="c")
    assert v1 is v
    assert c.name == "foo_1/c:0"
    assert len(tf.global_variables()) == 1


def test_auto_reuse_creates_then_returns():
    def build():
        with variable_scope("foo", reuse=AUTO_REUSE):
            return get_variable("v", [1])

    assert build() is build()
    assert len(tf.global_variables()) == 1


def test_reuse_is_inherited_and_false_means_inherit():
    with variable_scope("a"):
        with variable_scope("b"):
            v = get_variable("v", [1])
    with variable_scope("a", reuse=True):
        with variable_scope("b", reuse=False):  # TF1: False is None: still reusing
            assert get_variable_scope().reuse is True
            assert get_variable("v", [1]) is v


def test_reuse_variables_on_a_captured_scope():
    with variable_scope("model") as scope:
        v = get_variable("w", [1])
        scope.reuse_variables()
        assert get_variable("w", [1]) is v


def test_reentering_a_scope_object():
    with variable_scope("foo") as foo_scope:
        v = get_variable("v", [1])
    with variable_scope(foo_scope, reuse=True):
        assert get_variable("v", [1]) is v
        c = tf.constant(1.0, name="c")
    # A new name scope named after the scope, as TF1 ...
    assert c.name == "foo_1/c:0"
    # ... unless the original one is re-entered explicitly.
    with variable_scope(foo_scope, auxiliary_name_scope=False) as scope:
        with tf.name_scope(scope.original_name_scope):
            d = tf.constant(1.0, name="d")
    assert scope.original_name_scope == "foo/"
    assert d.name == "foo/d:0"


def test_reentered_scope_object_keeps_its_name_inside_other_scopes():
    with variable_scope("outer") as outer:
        pass
    with variable_scope("elsewhere"):
        with variable_scope(outer):
            v = get_variable("v", [1])
    assert v.name == "outer/v:0"


def test_default_name_is_made_unique_and_counts_restart_on_reentry():
    def layer():
        with variable_scope(None, default_name="dense"):
            return get_variable("kernel", [1])

    with variable_scope("net"):
        a, b = layer(), layer()
    assert [a.name, b.name] == ["net/dense/kernel:0", "net/dense_1/kernel:0"]
    with variable_scope("net", reuse=True):
        assert layer() is a
        assert layer() is b


def test_shape_and_dtype_mismatch_when_sharing():
    with variable_scope("foo"):
        get_variable("v", [2])
    with variable_scope("foo", reuse=True):
        with pytest.raises(
            ValueError,
            match=re.escape(
                "Trying to share variable foo/v, but specified shape (3,) and found"
                " shape (2,)."
            ),
        ):
            get_variable("v", [3])
        with pytest.raises(
            ValueError,
            match="Trying to share variable foo/v, but specified dtype float64 and"
            " found dtype float32",
        ):
            get_variable("v", [2], dtype=tf.float64)
        assert get_variable("v").shape.as_list() == [2]  # shape None is compatible


def test_default_initializers():
    w = get_variable("w", [20, 30])
    n = get_variable("n", [3], dtype=tf.int32)
    got_w, got_n = run([w, n])
    limit = np.sqrt(6.0 / 50)
    assert np.abs(got_w).max() <= limit and got_w.std() > limit / 3
    np.testing.assert_array_equal(got_n, np.zeros(3, np.int32))
    assert "w/Initializer/random_uniform" in [
        op.name for op in tf.get_default_graph().get_operations()
    ]


def test_scope_initializer_is_inherited_and_overridable():
    with variable_scope("a", initializer=init_ops.constant_initializer(3.0)):
        v = get_variable("v", [2])
        with variable_scope("b"):
            w = get_variable("w", [2])
        with variable_scope("c", initializer=init_ops.constant_initializer(5.0)):
            x = get_variable("x", [2])
        y = get_variable("y", [2], initializer=init_ops.ones_initializer())
    got = run([v, w, x, y])
    np.testing.assert_array_equal(np.stack(got), [[3, 3], [3, 3], [5, 5], [1, 1]])


def test_initializer_class_is_instantiated():
    v = get_variable("v", [2], initializer=init_ops.ones_initializer)
    np.testing.assert_array_equal(run(v), [1.0, 1.0])


def test_initializer_from_a_value():
    v = get_variable("v", initializer=tf.constant([1, 2, 3]))
    w = get_variable("w", initializer=np.array([0.5, 1.5]))
    assert v.dtype == tf.int32 and v.shape.as_list() == [3]
    got_v, got_w = run([v, w])
    np.testing.assert_array_equal(got_v, [1, 2, 3])
    np.testing.assert_array_equal(got_w, [0.5, 1.5])
    with pytest.raises(
        ValueError, match="If initializer is a constant, do not specify shape"
    ):
        get_variable("x", [3], initializer=tf.constant([1.0, 2.0, 3.0]))
    with pytest.raises(
        ValueError,
        match="Initializer type 'float32' and explicit dtype 'int32' don't match",
    ):
        get_variable("y", dtype=tf.int32, initializer=tf.constant([1.0]))


def test_new_variable_needs_a_full_shape():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Shape of a new variable (v) must be fully defined, but instead was (?, 3)."
        ),
    ):
        get_variable("v", [None, 3])
    # An initializer taking no arguments provides its own shape.
    w = get_variable("w", initializer=lambda: tf.ones([2, 2]))
    assert w.shape.as_list() == [2, 2]


def test_regularizer_losses():
    def l1(w):
        return tf.reduce_sum(tf.abs(w))

    with variable_scope("layer", regularizer=l1):
        v = get_variable("v", [2], initializer=init_ops.constant_initializer(-2.0))
        get_variable("b", [2], regularizer=no_regularizer)
    with variable_scope("layer", reuse=True):
        get_variable("v", [2])  # reusing adds no second loss
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 1
    assert losses[0].name.startswith("layer/v/Regularizer/")
    assert run(losses[0]) == 4.0
    assert v.name == "layer/v:0"


def test_trainable_and_collections():
    a = get_variable("a", [1], trainable=False)
    b = get_variable("b", [1], collections=["mine", tf.GraphKeys.GLOBAL_VARIABLES])
    loc = get_local_variable("loc", [1])
    assert a not in tf.trainable_variables() and a in tf.global_variables()
    assert b in tf.get_collection("mine") and b in tf.trainable_variables()
    assert loc in tf.local_variables() and loc not in tf.global_variables()
    assert loc not in tf.trainable_variables()


def test_scope_dtype():
    with variable_scope("d", dtype=tf.float64):
        v = get_variable("v", [2])
    assert v.dtype == tf.float64
    assert run(v).dtype == np.float64


def test_scope_collections_helpers():
    with variable_scope("s") as scope:
        a = get_variable("a", [1])
        get_variable("b", [1], trainable=False)
    get_variable("other", [1])
    assert scope.global_variables()[0] is a and len(scope.global_variables()) == 2
    assert scope.trainable_variables() == [a]


def test_custom_getters_wrap_creation_and_chain():
    seen = []

    def outer_getter(getter, name, *args, **kwargs):
        seen.append(("outer", name))
        return getter(name, *args, **kwargs)

    def inner_getter(getter, name, *args, **kwargs):
        seen.append(("inner", name))
        kwargs["trainable"] = False
        return getter(name, *args, **kwargs)

    with variable_scope("o", custom_getter=outer_getter):
        with variable_scope("i", custom_getter=inner_getter):
            v = get_variable("v", [1])
    assert seen == [("inner", "o/i/v"), ("outer", "o/i/v")]
    assert v.name == "o/i/v:0" and v not in tf.trainable_variables()


def test_variables_ignore_surrounding_control_dependencies():
    gate = tf.no_op(name="gate")
    with tf.control_dependencies([gate]):
        v = get_variable("v", [1])
    assert v.initializer.control_inputs == []


def test_values_pick_the_graph():
    other = tf.Graph()
    with other.as_default():
        x = tf.constant(1.0)
    with variable_scope("s", values=[x]):
        v = get_variable("v", [1])
    assert v.graph is other
    assert tf.get_default_graph().get_operations() == []


def test_argument_errors():
    with pytest.raises(
        TypeError, match="If default_name is None then name_or_scope is required"
    ):
        variable_scope(None)
    with pytest.raises(
        ValueError, match="reuse=True cannot be used without a name_or_scope"
    ):
        with variable_scope(None, default_name="x", reuse=True):
            pass
    with pytest.raises(
        ValueError, match="The reuse parameter must be True or False or None"
    ):
        variable_scope("x", reuse="yes")
    with pytest.raises(
        TypeError, match="name_or_scope must be a string or VariableScope"
    ):
        with variable_scope(3):
            pass
    with pytest.raises(NotImplementedError, match="Partitioned variables"):
        get_variable("p", [4, 2], partitioner=lambda shape, dtype: [2, 1])


def test_each_graph_has_its_own_store():
    get_variable("v", [1])
    with tf.Graph().as_default():
        assert get_variable("v", [1]).name == "v:0"
    tf.reset_default_graph()
    assert get_variable("v", [1]).name == "v:0"


def test_tf_variable_follows_name_scopes_inside_variable_scope():
    with variable_scope("foo"):
        pass
    with variable_scope("foo"):
        v = tf.Variable(1.0, name="v")
        w = get_variable("w", [1])
    assert v.name == "foo_1/v:0"
    assert w.name == "foo/w:0"
