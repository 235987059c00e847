"""jgraph.ops.string_ops and strings elsewhere in a run: one table against numpy,
then TF1's values (tensorflow 2.21, compat.v1 graph mode) pinned for parsing,
formatting, py_func, errors, and a CSV-style program."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf
from jgraph import errors

from ._check import STRING, Case, check_op, params


def _number_strings(rng, shape, dtype):
    values = rng.integers(-500, 500, shape) / 8  # exact in binary
    return np.array([f"{v:g}".encode() for v in values.reshape(-1)], object).reshape(
        shape
    )


def _int_strings(rng, shape, dtype):
    values = rng.integers(-1000, 1000, shape)
    return np.array([str(v).encode() for v in values.reshape(-1)], object).reshape(
        shape
    )


def _parsed(dtype):
    return lambda s: np.array([float(v) for v in s.reshape(-1)], dtype).reshape(s.shape)


def _formatted(form):
    return lambda x: np.array(
        [(form % v).encode() for v in x.reshape(-1).tolist()], object
    ).reshape(x.shape)


STRING_CASES = [
    Case(
        "StringToNumber",
        tf.string_to_number,
        _parsed(np.float32),
        ((3, 4),),
        STRING,
        _number_strings,
        out_dtype=tf.float32,
    ),
    Case(
        "StringToNumber",
        lambda s: tf.strings.to_number(s, tf.int64),
        lambda s: _parsed(np.float64)(s).astype(np.int64),
        ((5,),),
        STRING,
        _int_strings,
        out_dtype=tf.int64,
        id="int64",
    ),
    Case(
        "StringJoin",
        lambda a, b: tf.string_join([a, "-", b]),
        lambda a, b: a + b"-" + b,
        ((2, 3), (2, 3)),
        STRING,
    ),
    Case(
        "StringJoin",
        lambda a, b: tf.strings.join([a, b], separator="/"),
        lambda a, b: a + b"/" + b,
        ((4,), ()),
        STRING,
        id="scalar",
    ),
    Case(
        "StringLength",
        tf.strings.length,
        lambda s: np.vectorize(len, otypes=[np.int32])(s),
        ((3, 4),),
        STRING,
        out_dtype=tf.int32,
    ),
    Case(
        "StringStrip",
        lambda s: tf.strings.strip(tf.string_join([" ", s, "\t"])),
        lambda s: s,
        ((3, 2),),
        STRING,
    ),
    Case(
        "ReduceJoin",
        lambda s: tf.reduce_join(s, 1, separator=","),
        lambda s: np.array([b",".join(row) for row in s], object),
        ((3, 4),),
        STRING,
    ),
    Case(
        "AsString",
        tf.as_string,
        _formatted("%f"),
        ((3, 2),),
        (tf.float32, tf.float64),
        out_dtype=tf.string,
    ),
    Case(
        "AsString",
        tf.as_string,
        _formatted("%d"),
        ((5,),),
        (tf.int32, tf.int64),
        out_dtype=tf.string,
        id="ints",
    ),
]


@pytest.mark.parametrize("case", params(STRING_CASES))
def test_op_matches_numpy(case: Case) -> None:
    check_op(case)


def _run(fetches, feed_dict=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed_dict)


# -- string_to_number: C's strtod/strtol, as TF1 ------------------------------------

# text -> TF1's value per out_type (float32, float64, int32, int64); None: TF1's
# InvalidArgumentError.
_PARSED = {
    "2": (2.0, 2.0, 2, 2),
    " 2": (2.0, 2.0, 2, 2),
    "\t7\n": (7.0, 7.0, 7, 7),
    "+5": (5.0, 5.0, 5, 5),
    "0010": (10.0, 10.0, 10, 10),
    "1e3": (1000.0, 1000.0, None, None),
    "0x10": (16.0, 16.0, None, None),
    ".5": (0.5, 0.5, None, None),
    "3.": (3.0, 3.0, None, None),
    "99999999999": (1e11, 99999999999.0, None, 99999999999),
    "1e40": (np.inf, 1e40, None, None),
    "-Infinity": (-np.inf, -np.inf, None, None),
    "1e-50": (0.0, 1e-50, None, None),
    "": (None, None, None, None),
    "1_000": (None, None, None, None),
    "\uff11": (None, None, None, None),  # a full-width digit
    "1.5f": (None, None, None, None),
}
_OUT_TYPES = (tf.float32, tf.float64, tf.int32, tf.int64)


@pytest.mark.parametrize("text", list(_PARSED), ids=repr)
def test_string_to_number_parses_as_tf1(text) -> None:
    s = tf.placeholder(tf.string, [])
    outs = [tf.string_to_number(s, t) for t in _OUT_TYPES]
    with tf.Session() as sess:
        for out, dtype, want in zip(outs, _OUT_TYPES, _PARSED[text], strict=True):
            if want is None:
                with pytest.raises(
                    errors.InvalidArgumentError,
                    match="StringToNumberOp could not correctly convert string",
                ):
                    sess.run(out, {s: text})
                continue
            got = sess.run(out, {s: text})
            assert got.dtype == dtype.np and got == np.asarray(want, dtype.np)


def test_string_to_number_nan_and_its_refusals() -> None:
    assert np.isnan(_run(tf.string_to_number(tf.constant("NaN"))))
    with pytest.raises(TypeError, match="not in list of allowed values"):
        tf.string_to_number(tf.constant(["1"]), tf.int8)
    with pytest.raises(TypeError):  # TF1: a float32 input is a TypeError
        tf.string_to_number(tf.constant(1.0))


# -- as_string: printf, as TF1 ------------------------------------------------------

_FLOATS = [1.5, -0.0, float("nan"), float("inf"), -float("inf"), 1234567.891, 1e-7]


@pytest.mark.parametrize(
    ("kwargs", "want"),
    [
        ({}, ["1.500000", "-0.000000", "nan", "inf", "-inf", "1234567.875000", "0.000000"]),
        (
            {"scientific": True},
            ["1.500000e+00", "-0.000000e+00", "nan", "inf", "-inf", "1.234568e+06", "1.000000e-07"],
        ),
        ({"shortest": True}, ["1.5", "-0", "nan", "inf", "-inf", "1.23457e+06", "1e-07"]),
        ({"precision": 2}, ["1.50", "-0.00", "nan", "inf", "-inf", "1234567.88", "0.00"]),
        (
            {"width": 12, "fill": "0"},
            ["00001.500000", "-0000.000000", "         nan", "         inf", "        -inf", "1234567.875000", "00000.000000"],
        ),
    ],
)  # fmt: skip
def test_as_string_formats_floats_as_tf1(kwargs, want) -> None:
    got = _run(tf.as_string(tf.constant(_FLOATS, tf.float32), **kwargs))
    assert got.dtype == object and got.tolist() == [w.encode() for w in want]


def test_as_string_of_ints_bools_and_strings_as_tf1() -> None:
    ints = tf.constant([7, -42], tf.int64)
    got = _run(
        [
            tf.as_string(ints, width=5, fill="0"),
            tf.as_string(ints, width=5),
            tf.as_string(tf.constant([True, False]), width=6),  # width: ignored
            tf.as_string(tf.constant([200], tf.uint8)),
            tf.as_string(tf.constant([1.5], tf.float16)),
            tf.as_string(tf.constant(["a"])),
            tf.as_string(3.25),
        ]
    )
    assert [g.tolist() if isinstance(g, np.ndarray) else g for g in got] == [
        [b"00007", b"-0042"],
        [b"    7", b"  -42"],
        [b"true", b"false"],
        [b"200"],
        [b"1.500000"],
        [b"a"],
        b"3.250000",  # a scalar string fetches as bytes (TF1)
    ]


@pytest.mark.parametrize(
    ("x", "kwargs", "message"),
    [
        ([7], {"precision": 2}, "precision not supported for datatype int32"),
        ([1.0], {"fill": "x"}, 'Fill argument not supported: "x"'),
        (
            [1.0],
            {"scientific": True, "shortest": True},
            "Cannot select both scientific and shortest notation",
        ),
    ],
)
def test_as_string_refuses_what_tf1_refuses(x, kwargs, message) -> None:
    with pytest.raises(errors.InvalidArgumentError, match=message):
        _run(tf.as_string(tf.constant(x), **kwargs))


# -- string_join ----------------------------------------------------------------------


def test_string_join_shapes_as_tf1() -> None:
    a = tf.constant([["a"], ["b"]])
    joined = tf.string_join([a, "x"], separator=",")
    assert joined.shape.as_list() == [2, 1]
    assert _run(joined).tolist() == [[b"a,x"], [b"b,x"]]
    assert _run(tf.string_join([tf.constant(["a", "b"])])).tolist() == [b"a", b"b"]
    assert _run(tf.string_join(["p", "q"], separator=" ")) == b"p q"
    with pytest.raises(ValueError, match="Dimension 0 in both shapes must be equal"):
        tf.string_join([tf.constant(["a", "b"]), tf.constant(["c", "d", "e"])])
    x = tf.placeholder(tf.string, [None])
    y = tf.placeholder(tf.string, [None])
    with pytest.raises(errors.InvalidArgumentError, match="Input shapes do not match"):
        _run(tf.string_join([x, y]), {x: ["a"], y: ["b", "c"]})
    with pytest.raises(TypeError):
        tf.string_join([tf.constant([1])])


# -- strings through the ops that move, count and compare them ----------------------


def test_fed_strings_through_array_ops_as_tf1() -> None:
    x = tf.placeholder(tf.string, [None])
    s = tf.placeholder(tf.string, [])
    c = tf.constant(["a", "b"])
    fetches = {
        "identity": tf.identity(x),
        "scalar": tf.identity(s),
        "reshape": tf.reshape(x, [2, 1]),
        "concat": tf.concat([c, x], 0),
        "stack": tf.stack([x, c]),
        "unstack": tf.unstack(x, num=2),
        "expand": tf.expand_dims(x, 1),
        "squeeze": tf.squeeze(tf.reshape(x, [1, 2])),
        "gather": tf.gather(x, [1, 0, 1]),
        "slice": x[1:],
        "index": x[0],
        "size": tf.size(x),
        "shape": tf.shape(x),
        "rank": tf.rank(x),
        "equal": tf.equal(x, "1.5"),
        "not_equal": tf.not_equal(x, "2"),
        "where": tf.where([True, False], x, c),
        "tile": tf.tile(x, [2]),
        "fill": tf.fill([2], "z"),
        "zeros_like": tf.zeros_like(x),
        "add": x + "!",
        "unique": tf.unique(tf.concat([x, x], 0))[0],
    }
    got = _run(fetches, {x: [b"1.5", b"2"], s: "ab"})
    want = {
        "identity": np.array([b"1.5", b"2"], object),
        "scalar": b"ab",  # a computed scalar string is bytes (TF1)
        "reshape": np.array([[b"1.5"], [b"2"]], object),
        "concat": np.array([b"a", b"b", b"1.5", b"2"], object),
        "stack": np.array([[b"1.5", b"2"], [b"a", b"b"]], object),
        "unstack": [b"1.5", b"2"],
        "expand": np.array([[b"1.5"], [b"2"]], object),
        "squeeze": np.array([b"1.5", b"2"], object),
        "gather": np.array([b"2", b"1.5", b"2"], object),
        "slice": np.array([b"2"], object),
        "index": b"1.5",
        "size": np.int32(2),
        "shape": np.array([2], np.int32),
        "rank": np.int32(1),
        "equal": np.array([True, False]),
        "not_equal": np.array([True, False]),
        "where": np.array([b"1.5", b"b"], object),
        "tile": np.array([b"1.5", b"2", b"1.5", b"2"], object),
        "fill": np.array([b"z", b"z"], object),
        "zeros_like": np.array([b"", b""], object),
        "add": np.array([b"1.5!", b"2!"], object),
        "unique": np.array([b"1.5", b"2"], object),
    }
    for key, value in want.items():
        assert type(got[key]) is type(value), key
        if isinstance(value, np.ndarray):
            assert got[key].dtype == value.dtype, key
            np.testing.assert_array_equal(got[key], value, err_msg=key)
        else:
            assert got[key] == value, key
    assert fetches["size"].dtype == tf.int32 and fetches["equal"].dtype == tf.bool
    assert fetches["reshape"].dtype == tf.string
    assert fetches["gather"].shape.as_list() == [3]


def test_strings_mix_with_numbers_computed_on_the_device() -> None:
    # Size and string_to_number feed compiled ops; an index computed on the device
    # picks a string on the host.
    x = tf.placeholder(tf.string, [None])
    numbers = tf.string_to_number(x)
    mean = tf.reduce_sum(numbers) / tf.cast(tf.size(x), tf.float32)
    biggest = tf.gather(x, tf.argmax(numbers))
    got = _run([mean, biggest], {x: ["1", "7.5", "2.5"]})
    assert got == [np.float32(11 / 3), b"7.5"]


def test_gather_of_strings_checks_its_indices_as_tf1() -> None:
    x = tf.placeholder(tf.string, [None])
    with pytest.raises(errors.InvalidArgumentError, match=r"indices\[0\] = 5 is not"):
        _run(tf.gather(x, [5]), {x: ["a", "b", "c"]})
    with pytest.raises(errors.InvalidArgumentError, match="does not index into"):
        _run(tf.gather_nd(tf.reshape(x, [3, 1]), [[5, 0]]), {x: ["a", "b", "c"]})


def test_ops_without_strings_say_so_and_what_works() -> None:
    v = tf.Variable(["q"])  # TF1 has string variables; jgraph does not yet
    with pytest.raises(errors.UnimplementedError) as info:
        _run(v.initializer)
    message = str(info.value)
    assert "Assign" in message and "no string implementation" in message
    assert "Reshape" in message and "py_func" in message
    # TF1's while_loop carries strings; jgraph's compiles its body: refused.
    x = tf.placeholder(tf.string, [2])
    out = tf.while_loop(
        lambda i, s: i < 2, lambda i, s: (i + 1, tf.reverse(s, [0])), [0, x]
    )
    with pytest.raises(errors.UnimplementedError, match=r"While .*no string"):
        _run(out, {x: ["a", "b"]})


# -- py_func on strings, as TF1 ---------------------------------------------------------


def test_py_func_takes_and_returns_strings_as_tf1() -> None:
    s = tf.placeholder(tf.string, [])
    m = tf.placeholder(tf.string, [2, 1])
    f = tf.placeholder(tf.float32, [])
    seen = []

    def show(*values):
        seen.extend((type(v).__name__, v) for v in values)
        return np.float32(0)

    shown = tf.py_func(show, [s, m, f], tf.float32)
    upper = tf.py_func(lambda v: v.upper(), [s], tf.string)
    text = tf.py_func(lambda v: "h\u00e9", [s], tf.string)
    bytes_array = tf.py_func(lambda v: np.array([b"xy", b"z"]), [s], tf.string)
    str_array = tf.py_func(lambda v: np.array(["xy", "z"]), [s], tf.string)
    marked = tf.py_func(
        lambda v: np.array([w + b"!" for w in v.ravel()]), [m], tf.string
    )
    got = _run(
        [shown, upper, text, bytes_array, str_array, marked],
        {s: "\u00e9", m: [["a"], [b"b"]], f: 1.0},
    )
    assert [(n, v if n != "ndarray" else v.tolist()) for n, v in seen] == [
        ("bytes", b"\xc3\xa9"),  # TF1 passes a scalar string as bytes
        ("ndarray", [[b"a"], [b"b"]]),
        ("float32", 1.0),  # and a scalar number as a numpy scalar
    ]
    assert got[1:3] == [b"\xc3\xa9", b"h\xc3\xa9"]  # bytes.upper: ASCII only
    for array in got[3:5]:
        assert array.dtype == object and array.tolist() == [b"xy", b"z"]
    assert got[5].tolist() == [b"a!", b"b!"]


def test_py_func_string_outputs_refuse_what_tf1_refuses() -> None:
    s = tf.placeholder(tf.string, [])
    with pytest.raises(errors.InvalidArgumentError, match="is int64, but Tout"):
        _run(tf.py_func(lambda v: 3, [s], tf.string), {s: "x"})
    with pytest.raises(errors.InvalidArgumentError, match="is float32, but Tout"):
        _run(tf.py_func(lambda v: np.float32(3), [s], tf.string), {s: "x"})
    with pytest.raises(errors.InternalError, match="Unsupported object type int"):
        _run(
            tf.py_func(lambda v: np.array([b"a", 3], object), [s], tf.string), {s: "x"}
        )
    with pytest.raises(errors.InvalidArgumentError, match="returned 2 values"):
        _run(tf.py_func(lambda v: ["xy", "z"], [s], tf.string), {s: "x"})


# -- fetching a fed tensor, as TF1 ------------------------------------------------------


def test_a_fetched_fed_tensor_is_the_converted_feed() -> None:
    n = tf.placeholder(tf.float32, [])
    a = tf.placeholder(tf.float32, [None])
    i = tf.placeholder(tf.int64, [])
    y = a * 2
    z = n + 1
    with tf.Session() as sess:
        got = sess.run(n, {n: 3})
        assert type(got) is np.ndarray and got.dtype == np.float32 and got.shape == ()
        assert got == 3
        assert repr(sess.run(i, {i: 7})) == "array(7)"
        assert repr(sess.run(a, {a: [1, 2]})) == "array([1., 2.], dtype=float32)"
        assert sess.run(y, {a: [1.0], y: [5, 6]}).tolist() == [5.0, 6.0]
        assert repr(sess.run(z, {z: 4})) == "array(4., dtype=float32)"
        computed, fed = sess.run([z, n], {n: 1.0})
        assert (
            repr(computed) == "np.float32(2.0)"
            and repr(fed) == "array(1., dtype=float32)"
        )
        assert repr(sess.run(tf.placeholder_with_default(2.0, []))) == "np.float32(2.0)"


# -- a program: CSV lines and labels in, a vocabulary looked up by py_func ----------------


def test_csv_lines_labels_and_a_vocabulary_as_tf1() -> None:
    lines = tf.placeholder(tf.string, [None], name="lines")
    labels = tf.placeholder(tf.string, [None], name="labels")
    vocab = ["cat", "dog", "bird"]

    def lookup(words):
        return np.array([vocab.index(w.decode()) for w in words], np.int32)

    name, weight = tf.decode_csv(lines, [["?"], [0.0]])
    label_ids = tf.py_func(lookup, [labels], tf.int32)
    label_ids.set_shape([None])
    is_dog = tf.equal(labels, "dog")
    total = tf.reduce_sum(tf.where(is_dog, weight, tf.zeros_like(weight)))
    tagged = tf.string_join([name, tf.as_string(label_ids)], separator="#")
    batch = {"ids": label_ids, "dogs": total, "tagged": tagged, "n": tf.size(lines)}
    got = _run(
        batch,
        {lines: ["rex,2.5", "tom,1", "tweety,0.5"], labels: ["dog", "cat", "bird"]},
    )
    assert got["ids"].tolist() == [1, 0, 2]
    assert got["dogs"] == np.float32(2.5)
    assert got["tagged"].tolist() == [b"rex#1", b"tom#0", b"tweety#2"]
    assert got["n"] == np.int32(3)


def test_a_gradient_in_a_run_fed_with_strings() -> None:
    # The gradient recomputes the compiled ops before it, never the host ones: it
    # takes decode_csv's numbers, not the fed lines.
    lines = tf.placeholder(tf.string, [None])
    a, b = tf.decode_csv(lines, [[0.0], [0.0]])
    w = tf.Variable(1.0)
    loss = tf.reduce_sum((a * w - b) ** 2)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _, value = sess.run([train, loss], {lines: ["1,2", "3,4"]})
        assert value == np.float32(2.0)
        assert sess.run(w) == np.float32(1.8)  # w - 0.1 * sum(2 (a w - b) a)
