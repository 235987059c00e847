"""``tf.as_dtype`` follows TF1's table, and every dtype argument goes through it.

The expected table was recorded from TensorFlow 2.21's ``tf.compat.v1.as_dtype``
(the TF1 API; ``/work/tfvenv``): each accepted input with the dtype name TF1 gives,
and the inputs TF1 refuses with ``TypeError``.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import jgraph as tf

# (input, TF1's dtype name), as tf.compat.v1.as_dtype returns them.
TF1_ACCEPTS = [
    ("float", "float32"),
    ("double", "float64"),
    ("half", "float16"),
    ("float16", "float16"),
    ("float32", "float32"),
    ("float64", "float64"),
    ("bfloat16", "bfloat16"),
    ("int8", "int8"),
    ("int16", "int16"),
    ("int32", "int32"),
    ("int64", "int64"),
    ("uint8", "uint8"),
    ("uint16", "uint16"),
    ("uint32", "uint32"),
    ("uint64", "uint64"),
    ("bool", "bool"),
    ("string", "string"),
    (float, "float32"),
    (bool, "bool"),
    (object, "string"),
    (np.float16, "float16"),
    (np.float32, "float32"),
    (np.float64, "float64"),
    (np.int8, "int8"),
    (np.int16, "int16"),
    (np.int32, "int32"),
    (np.int64, "int64"),
    (np.uint8, "uint8"),
    (np.uint16, "uint16"),
    (np.uint32, "uint32"),
    (np.uint64, "uint64"),
    (np.bool_, "bool"),
    (np.str_, "string"),
    (np.bytes_, "string"),
    (np.object_, "string"),
    (np.longlong, "int64"),
    (np.intc, "int32"),
    (ml_dtypes.bfloat16, "bfloat16"),
    (np.dtype("float32"), "float32"),
    (np.dtype("<U3"), "string"),
    (np.dtype("S3"), "string"),
    (np.dtype("O"), "string"),
    # DataType enum values; TF1 looks them up by hash, so True and 3.0 count too.
    (1, "float32"),
    (2, "float64"),
    (3, "int32"),
    (4, "uint8"),
    (5, "int16"),
    (6, "int8"),
    (7, "string"),
    (9, "int64"),
    (10, "bool"),
    (14, "bfloat16"),
    (17, "uint16"),
    (19, "float16"),
    (22, "uint32"),
    (23, "uint64"),
    (True, "float32"),
    (3.0, "int32"),
    (np.int32(3), "int32"),
    # objects with a numpy dtype attribute
    (np.zeros(2), "float64"),
]

# Inputs TF1 refuses with TypeError.
TF1_REFUSES = [
    "float_",
    "int",
    "long",
    "str",
    "bytes",
    "object",
    "Float32",
    "FLOAT32",
    "f4",
    "f8",
    "i4",
    "<f4",
    "complex",
    " float32",
    "",
    int,
    str,
    bytes,
    complex,
    list,
    None,
    False,
    0,
    200,
    np.longdouble,
    np.dtype([("a", "f4")]),
]

# TF1 dtypes jgraph does not have: TypeError naming the dtype.
UNSUPPORTED = [
    ("complex64", "complex64"),
    ("complex128", "complex128"),
    ("qint8", "qint8"),
    ("resource", "resource"),
    ("variant", "variant"),
    ("float8_e5m2", "float8_e5m2"),
    ("int4", "int4"),
    ("float32_ref", "use 'float32'"),
    ("int32_ref", "use 'int32'"),
    (np.complex64, "complex64"),
    (np.dtype("complex128"), "complex128"),
    (8, "enum value 8"),
    (101, "enum value 101"),
]


@pytest.mark.parametrize(("value", "name"), TF1_ACCEPTS, ids=repr)
def test_as_dtype_accepts_what_tf1_accepts(value, name):
    assert tf.as_dtype(value).name == name
    assert tf.as_dtype(value) is getattr(tf, name if name != "bool" else "bool")


@pytest.mark.parametrize("value", TF1_REFUSES, ids=repr)
def test_as_dtype_refuses_what_tf1_refuses(value):
    with pytest.raises(TypeError, match=r"Cannot convert .* to a jgraph dtype"):
        tf.as_dtype(value)


@pytest.mark.parametrize(("value", "text"), UNSUPPORTED, ids=repr)
def test_tf1_dtypes_jgraph_lacks_are_named(value, text):
    with pytest.raises(TypeError, match=text):
        tf.as_dtype(value)


def test_python_int_error_says_what_to_write():
    with pytest.raises(TypeError, match=r"write tf\.int32 or tf\.int64"):
        tf.placeholder(int, [2])


def test_dtype_equality_uses_the_table():
    assert tf.float32 == "float"
    assert tf.float64 == "double"
    assert tf.float32 != "f4"
    assert not tf.float32.__eq__(int)


# Every public builder that takes a dtype: "float" must give float32 (was float64).
BUILDERS = {
    "placeholder": lambda d: tf.placeholder(d, [2]),
    "constant": lambda d: tf.constant([1, 2], dtype=d),
    "cast": lambda d: tf.cast([1, 2], d),
    "saturate_cast": lambda d: tf.saturate_cast([1.0, 2.0], d),
    "Variable": lambda d: tf.Variable([1, 2], dtype=d),
    "zeros": lambda d: tf.zeros([2], d),
    "ones": lambda d: tf.ones([2], dtype=d),
    "zeros_like": lambda d: tf.zeros_like([1.0, 2.0], dtype=d),
    "ones_like": lambda d: tf.ones_like([1.0, 2.0], dtype=d),
    "random_normal": lambda d: tf.random_normal([2], dtype=d),
    "random_uniform": lambda d: tf.random_uniform([2], dtype=d),
    "truncated_normal": lambda d: tf.truncated_normal([2], dtype=d),
    "get_variable": lambda d: tf.get_variable("v", [2], dtype=d),
    "get_variable_init": lambda d: tf.get_variable(
        "w", [2], dtype=d, initializer=tf.zeros_initializer()
    ),
    "range": lambda d: tf.range(0, 3, dtype=d),
    "one_hot": lambda d: tf.one_hot([0, 1], 2, dtype=d),
    "sequence_mask": lambda d: tf.sequence_mask([1, 2], 3, dtype=d),
    "eye": lambda d: tf.eye(2, dtype=d),
    "convert_to_tensor": lambda d: tf.convert_to_tensor([1.0, 2.0], dtype=d),
}


@pytest.mark.parametrize("builder", sorted(BUILDERS))
@pytest.mark.parametrize(
    ("name", "expected"),
    [("float", "float32"), ("double", "float64"), ("half", "float16")],
)
def test_every_dtype_argument_takes_tf1_names(builder, name, expected):
    assert BUILDERS[builder](name).dtype.name == expected


def test_float_placeholder_matmul_with_float32_variable_runs():
    # The line that stopped a quarter of the public programs.
    x = tf.placeholder("float", [None, 3])
    w = tf.Variable(np.ones((3, 2), np.float32))
    y = tf.matmul(x, w)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(y, {x: np.arange(6.0).reshape(2, 3)})
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[3.0, 3.0], [12.0, 12.0]])
