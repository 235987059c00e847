"""jgraph.ops.logging_ops: ``tf.Print`` passes its input through (a numpy table row)
and prints TF1's text each time it runs; ``tf.print`` prints as TF1's PrintV2; the
formatting follows TF1's ``Tensor::SummarizeValue``; bad inputs."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

import jgraph as tf
from jgraph.ops.logging_ops import summarize_v1, summarize_v2

from ._check import FLOATS, Case, check_op, params

LOGGING_CASES = [
    Case(
        "Print",
        lambda x: tf.Print(x, [x], "x: "),
        lambda x: x,
        ((3, 4),),
        (tf.float32, tf.int64, tf.bool),
    ),
    Case(
        "Print",
        lambda x, y: tf.Print(x, [y, tf.shape(x)], summarize=-1, first_n=1),
        lambda x, y: x,
        ((2, 3), (4,)),
        FLOATS,
        id="data",
    ),
]


@pytest.mark.parametrize("case", params(LOGGING_CASES))
def test_op_matches_numpy(case: Case) -> None:
    check_op(case)


def _run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


# -- tf.Print --------------------------------------------------------------------------


def test_print_writes_its_message_to_stderr_on_every_run(capsys) -> None:
    x = tf.placeholder(tf.int32, [None])
    y = tf.Print(x, [x, tf.shape(x)], "x = ") * 2
    with tf.Session() as sess:
        got = sess.run(y, {x: [1, 2, 3, 4]})
        assert capsys.readouterr().err == "x = [1 2 3...][4]\n"
        sess.run(y, {x: [5]})
    np.testing.assert_array_equal(got, [2, 4, 6, 8])
    assert capsys.readouterr().err == "x = [5][1]\n"


def test_print_of_a_constant_prints_on_every_run(capsys) -> None:
    # A pure op on constants would be computed once, while tracing; Print is not.
    printed = tf.Print(tf.constant([1.5, 0.25]), [tf.constant(7)], "c: ")
    with tf.Session() as sess:
        for _ in range(3):
            np.testing.assert_array_equal(sess.run(printed), [1.5, 0.25])
    assert capsys.readouterr().err == "c: [7]\n" * 3


def test_print_first_n_and_summarize(capsys) -> None:
    x = tf.constant(np.arange(12).reshape(3, 4))
    printed = tf.Print(x, [x], first_n=2, summarize=6)
    with tf.Session() as sess:
        for _ in range(4):
            sess.run(printed)
    assert capsys.readouterr().err == "[[0 1 2 3][4 5...]...]\n" * 2


def test_print_runs_only_when_its_result_is_needed(capsys) -> None:
    x = tf.constant(3.0)
    tf.Print(x, [x], "unused: ")
    assert _run(x * 2) == 6.0
    assert capsys.readouterr().err == ""


def test_gradient_through_print_is_identity_and_prints_once_per_run(capsys) -> None:
    w = tf.Variable(2.0)
    y = tf.Print(w * 3.0, [w], "w: ")
    (grad,) = tf.gradients(y * y, [w])
    with tf.Session() as sess:
        sess.run(w.initializer)
        capsys.readouterr()
        assert sess.run([y, grad]) == [6.0, 36.0]  # d(9 w^2)/dw at w = 2
    assert capsys.readouterr().err == "w: [2]\n"


def test_print_is_named_and_shaped_like_its_input() -> None:
    x = tf.placeholder(tf.float32, [None, 3])
    printed = tf.Print(x, x, "one tensor as data")
    assert printed.name == "Print:0" and printed.op.type == "Print"
    assert printed.shape.as_list() == [None, 3] and printed.dtype == tf.float32
    assert tf.Print(tf.placeholder(tf.int64), []).shape.ndims is None


# -- tf.print ----------------------------------------------------------------------


def test_tf_print_formats_strings_values_and_structures(capsys) -> None:
    t = tf.constant([[1, 2, 3], [4, 5, 6]])
    op = tf.print("t:", t, {"b": [1, t[0, 0]], "a": 2.5}, 7, sep="|")
    assert isinstance(op, tf.Operation) and op.type == "PrintV2"
    _run(op)
    expected = "t:|[[1 2 3]\n [4 5 6]]|{'a': 2.5, 'b': [1, 1]}|7\n"
    assert capsys.readouterr().err == expected


def test_tf_print_stdout_end_summarize_and_control_dependencies(capsys) -> None:
    x = tf.placeholder(tf.float32, [None])
    show = tf.print(x, summarize=1, output_stream=sys.stdout, end="!\n")
    with tf.control_dependencies([show]):
        y = tf.identity(x)
    np.testing.assert_array_equal(_run(y, {x: [0.5, 2.0, 3.0]}), [0.5, 2.0, 3.0])
    assert capsys.readouterr() == ("[0.5 ... 3]!\n", "")


def test_tf_print_to_a_file_and_to_the_logger(tmp_path, caplog) -> None:
    path = tmp_path / "printed.txt"
    x = tf.constant([1, 2])
    to_file = tf.print("x", x, output_stream=f"file://{path}")
    to_log = tf.print("x", x, output_stream=tf.logging.warning)
    with caplog.at_level(logging.INFO, logger="jgraph"):
        _run([to_file, to_file])
        _run(to_log)
    assert path.read_text() == "x [1 2]\n"
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("jgraph", logging.WARNING, "x [1 2]")
    ]


def test_tf_print_placeholder_text_in_strings_is_kept(capsys) -> None:
    _run(tf.print("{}0{}", ["{}", tf.constant(1)]))
    assert capsys.readouterr().err == "{}0{} ['{}', 1]\n"


# -- TF1's formatting (tensorflow/core/framework/tensor.cc, SummarizeValue) ----------------


@pytest.mark.parametrize(
    ("values", "summarize", "text"),
    [
        (np.arange(5), 3, "0 1 2..."),
        (np.arange(6).reshape(2, 3), 3, "[0 1 2]..."),
        (np.arange(4).reshape(2, 2), 3, "[0 1][2...]..."),
        (np.arange(4).reshape(2, 2), -1, "[0 1][2 3]"),
        (np.array(7), 3, "7"),
        (np.zeros((0,)), 3, ""),
        (np.array([True, False]), 3, "1 0"),
    ],
)
def test_summarize_v1_is_tf1_print(values, summarize, text) -> None:
    assert summarize_v1(values, summarize) == text


@pytest.mark.parametrize(
    ("values", "summarize", "text"),
    [
        (np.arange(10), 3, "[0 1 2 ... 7 8 9]"),
        (np.arange(10), -1, "[0 1 2 3 4 5 6 7 8 9]"),
        (np.arange(6).reshape(2, 3), 3, "[[0 1 2]\n [3 4 5]]"),
        (
            np.arange(12).reshape(3, 2, 2),
            3,
            "[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]\n\n [[8 9]\n  [10 11]]]",
        ),
        (np.arange(8).reshape(4, 2), 1, "[[0 1]\n ...\n [6 7]]"),
        (np.arange(6).reshape(2, 3), 1, "[[0 ... 2]\n [3 ... 5]]"),
        (np.array(2.5, np.float32), 3, "2.5"),
        (
            np.array([1.0, 0.1, -2.5e-8, np.inf, np.nan, 1 / 3], np.float32),
            -1,
            "[1 0.1 -2.5e-08 inf nan 0.333333343]",
        ),
        (np.array([0.1, 1 / 3]), 3, "[0.1 0.33333333333333331]"),
        (np.array([[True], [False]]), 3, "[[1]\n [0]]"),
    ],
)
def test_summarize_v2_is_tf1_string_format(values, summarize, text) -> None:
    assert summarize_v2(values, summarize) == text


# -- bad inputs -------------------------------------------------------------------------

BAD_INPUTS = [
    pytest.param(
        lambda: tf.Print(tf.ones([2]), [tf.constant("text")]),
        TypeError,
        r"Print: cannot print the string tensor Const:0 \(data\).*message",
        id="print-string-data",
    ),
    pytest.param(
        lambda: tf.Print(tf.constant(["a"]), []),
        TypeError,
        "cannot print the string tensor",
        id="print-string-input",
    ),
    pytest.param(
        lambda: tf.print(tf.constant("a")),
        TypeError,
        r"PrintV2: cannot print the string tensor .*Python string",
        id="tf-print-string-tensor",
    ),
    pytest.param(
        lambda: tf.print(1, output_stream="stdout2"),
        ValueError,
        "Unsupported output stream, logging level, or file: 'stdout2'",
        id="tf-print-stream",
    ),
    pytest.param(
        lambda: tf.print(1, output_stream=print),
        ValueError,
        "Unsupported output stream",
        id="tf-print-stream-function",
    ),
]


@pytest.mark.parametrize(("build", "error", "match"), BAD_INPUTS)
def test_bad_inputs_raise_when_building(build, error, match) -> None:
    with pytest.raises(error, match=match):
        build()
