"""tf.zeros / ones / fill / zeros_like / ones_like: TF1's ops, no host memory.

TF1 builds ``tf.zeros`` of fewer than 1000 elements as a ``Const`` and bigger ones
as a ``Fill`` of a ``shape_as_tensor`` constant (the graph stays small); jgraph
builds the same ops, and computes a ``Fill`` inside the compiled run, so
``tf.zeros([8192, 8192])`` costs nothing when the graph is built (it used to
allocate 256 MiB on the host, and again in every compiled program).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tracemalloc

import jax
import ml_dtypes
import numpy as np
import pytest

import jgraph as tf
from jgraph.ops.folding import constant_value

BIG = [8192, 8192]  # float32: 256 MiB


def _ops():
    return [(o.name, o.type) for o in tf.get_default_graph().get_operations()]


def _x(shape, name="x"):
    return tf.placeholder(tf.float32, shape, name=name)


# Recorded from TF1 (tensorflow 2.21, tf.compat.v1 graph mode): the result's name,
# dtype and static shape, and every op the call creates, in order.
TF1_GRAPHS = {
    "zeros-small": (
        lambda: tf.zeros([10, 99]),
        ("zeros:0", "float32", [10, 99]),
        [("zeros", "Const")],
    ),
    "zeros-1000": (
        lambda: tf.zeros([10, 100]),
        ("zeros:0", "float32", [10, 100]),
        [
            ("zeros/shape_as_tensor", "Const"),
            ("zeros/Const", "Const"),
            ("zeros", "Fill"),
        ],
    ),
    "zeros-big-named": (
        lambda: tf.zeros(BIG, name="z"),
        ("z:0", "float32", BIG),
        [("z/shape_as_tensor", "Const"), ("z/Const", "Const"), ("z", "Fill")],
    ),
    "zeros-int-shape": (
        lambda: tf.zeros(3000, tf.int32),
        ("zeros:0", "int32", [3000]),
        [
            ("zeros/shape_as_tensor", "Const"),
            ("zeros/Const", "Const"),
            ("zeros", "Fill"),
        ],
    ),
    "zeros-empty": (
        lambda: tf.zeros([0, 5000]),
        ("zeros:0", "float32", [0, 5000]),
        [("zeros", "Const")],
    ),
    "zeros-of-a-tensor": (
        lambda: tf.zeros(tf.constant([3000])),
        ("zeros:0", "float32", [3000]),
        [("Const", "Const"), ("zeros/Const", "Const"), ("zeros", "Fill")],
    ),
    "zeros-of-shape-x": (
        lambda: tf.zeros(tf.shape(_x([None, 5]))),
        ("zeros:0", "float32", [None, 5]),
        [
            ("x", "Placeholder"),
            ("Shape", "Shape"),
            ("zeros/Const", "Const"),
            ("zeros", "Fill"),
        ],
    ),
    "zeros-mixed-list": (
        lambda: tf.zeros([tf.shape(_x([None, 5]))[0], 10]),
        ("zeros:0", "float32", [None, 10]),
        None,  # TF1 also has strided_slice's begin/end/strides constants
    ),
    "ones-small": (
        lambda: tf.ones([3]),
        ("ones:0", "float32", [3]),
        [("ones", "Const")],
    ),
    "ones-big-bool": (
        lambda: tf.ones([2000], tf.bool),
        ("ones:0", "bool", [2000]),
        [("ones/shape_as_tensor", "Const"), ("ones/Const", "Const"), ("ones", "Fill")],
    ),
    "fill": (
        lambda: tf.fill(BIG, 0.5),
        ("Fill:0", "float32", BIG),
        [("Fill/dims", "Const"), ("Fill/value", "Const"), ("Fill", "Fill")],
    ),
    "fill-small-named": (
        lambda: tf.fill([3], 2, name="f"),
        ("f:0", "int32", [3]),
        [("f/dims", "Const"), ("f/value", "Const"), ("f", "Fill")],
    ),
    "fill-tensor-value": (
        lambda: tf.fill([2000], tf.constant(3.0)),
        ("Fill:0", "float32", [2000]),
        [("Const", "Const"), ("Fill/dims", "Const"), ("Fill", "Fill")],
    ),
    "zeros_like-big": (
        lambda: tf.zeros_like(_x(BIG)),
        ("zeros_like:0", "float32", BIG),
        [
            ("x", "Placeholder"),
            ("zeros_like/shape_as_tensor", "Const"),
            ("zeros_like/Const", "Const"),
            ("zeros_like", "Fill"),
        ],
    ),
    "zeros_like-small": (
        lambda: tf.zeros_like(_x([3])),
        ("zeros_like:0", "float32", [3]),
        [("x", "Placeholder"), ("zeros_like", "Const")],
    ),
    "zeros_like-unknown-dim": (
        lambda: tf.zeros_like(_x([None, 8192])),
        ("zeros_like:0", "float32", [None, 8192]),
        [("x", "Placeholder"), ("zeros_like", "ZerosLike")],
    ),
    "zeros_like-dtype-unknown-dim": (
        lambda: tf.zeros_like(_x([None, 8192]), dtype=tf.int32),
        ("zeros_like:0", "int32", [None, 8192]),
        [
            ("x", "Placeholder"),
            ("zeros_like/Shape", "Shape"),
            ("zeros_like/Const", "Const"),
            ("zeros_like", "Fill"),
        ],
    ),
    "zeros_like-not-optimized": (
        lambda: tf.zeros_like(tf.constant(1.0, shape=[5, 5]), optimize=False),
        ("zeros_like:0", "float32", [5, 5]),
        [("Const", "Const"), ("zeros_like", "ZerosLike")],
    ),
    "zeros_like-numpy": (
        lambda: tf.zeros_like(np.zeros([2000], np.float32)),
        ("zeros_like:0", "float32", [2000]),
        [
            ("zeros_like/tensor", "Const"),
            ("zeros_like/shape_as_tensor", "Const"),
            ("zeros_like/Const", "Const"),
            ("zeros_like", "Fill"),
        ],
    ),
    "ones_like-big": (
        lambda: tf.ones_like(_x(BIG)),
        ("ones_like:0", "float32", BIG),
        [
            ("x", "Placeholder"),
            ("ones_like/Shape/shape_as_tensor", "Const"),
            ("ones_like/Const", "Const"),
            ("ones_like", "Fill"),
        ],
    ),
    "ones_like-small-dtype": (
        lambda: tf.ones_like(_x([4]), dtype=tf.int64),
        ("ones_like:0", "int64", [4]),
        [
            ("x", "Placeholder"),
            ("ones_like/Shape/shape_as_tensor", "Const"),
            ("ones_like/Const", "Const"),
            ("ones_like", "Fill"),
        ],
    ),
    "ones_like-unknown-dim": (
        lambda: tf.ones_like(_x([None, 8192])),
        ("ones_like:0", "float32", [None, 8192]),
        [
            ("x", "Placeholder"),
            ("ones_like/Shape", "Shape"),
            ("ones_like/Const", "Const"),
            ("ones_like", "Fill"),
        ],
    ),
    "ones_like-unknown-rank": (
        lambda: tf.ones_like(tf.placeholder(tf.float32)),
        ("ones_like:0", "float32", None),
        [
            ("Placeholder", "Placeholder"),
            ("ones_like/Shape", "Shape"),
            ("ones_like/Const", "Const"),
            ("ones_like", "Fill"),
        ],
    ),
}


@pytest.mark.parametrize("case", list(TF1_GRAPHS))
def test_ops_names_dtypes_and_shapes_are_tf1s(case):
    build, (name, dtype, shape), ops = TF1_GRAPHS[case]
    result = build()
    dims = None if result.shape.ndims is None else result.shape.as_list()
    assert (result.name, result.dtype.name, dims) == (name, dtype, shape)
    if ops is not None:
        assert _ops() == ops


def test_repeated_calls_get_tf1s_unique_names():
    tf.zeros([2000])
    tf.zeros([2000])
    tf.ones([3])
    assert tf.ones([3]).name == "ones_1:0"
    assert _ops() == [
        ("zeros/shape_as_tensor", "Const"),
        ("zeros/Const", "Const"),
        ("zeros", "Fill"),
        ("zeros_1/shape_as_tensor", "Const"),
        ("zeros_1/Const", "Const"),
        ("zeros_1", "Fill"),
        ("ones", "Const"),
        ("ones_1", "Const"),
    ]


DTYPES = {
    "float32": np.float32,
    "float64": np.float64,
    "float16": np.float16,
    "bfloat16": ml_dtypes.bfloat16,
    "int32": np.int32,
    "int64": np.int64,
    "uint8": np.uint8,
    "bool": np.bool_,
}


@pytest.mark.parametrize("shape", [[], [3], [10, 99], [10, 100], [0, 5000], [3, 700]])
def test_values_and_dtypes_match_numpy(shape):
    """Const (< 1000 elements) and Fill alike, for every dtype, against numpy."""
    x = tf.placeholder(tf.float32, shape)
    fetches = {}
    for name, np_dtype in DTYPES.items():
        dtype = tf.as_dtype(name)
        fetches[name] = (
            tf.zeros(shape, dtype),
            tf.ones(shape, dtype),
            tf.zeros_like(x, dtype=dtype),
            tf.ones_like(x, dtype=dtype),
            tf.fill(shape, np.array(7, np_dtype) if name != "bool" else True),
        )
    with tf.Session() as sess:
        values = sess.run(fetches, {x: np.full(shape, 2.5, np.float32)})
    for name, np_dtype in DTYPES.items():
        seven = np.array(True if name == "bool" else 7, np_dtype)
        expected = (
            np.zeros(shape, np_dtype),
            np.ones(shape, np_dtype),
            np.zeros(shape, np_dtype),
            np.ones(shape, np_dtype),
            np.full(shape, seven, np_dtype),
        )
        for got, want in zip(values[name], expected, strict=True):
            assert got.dtype == want.dtype, name
            np.testing.assert_array_equal(got, want, err_msg=name)


def test_run_time_shapes():
    x = tf.placeholder(tf.float32, [None, 3])
    fetches = (
        tf.zeros(tf.shape(x)),
        tf.ones([tf.shape(x)[0], 2], tf.int32),
        tf.zeros_like(x),
        tf.zeros_like(x, dtype=tf.int64),
        tf.ones_like(x),
        tf.fill(tf.shape(x)[:1], 1.5),
        tf.zeros(tf.shape(x)[0]),  # a scalar shape tensor is reshaped, as TF1
    )
    with tf.Session() as sess:
        values = sess.run(fetches, {x: np.ones([4, 3], np.float32)})
    expected = (
        np.zeros([4, 3], np.float32),
        np.ones([4, 2], np.int32),
        np.zeros([4, 3], np.float32),
        np.zeros([4, 3], np.int64),
        np.ones([4, 3], np.float32),
        np.full([4], 1.5, np.float32),
        np.zeros([4], np.float32),
    )
    for got, want in zip(values, expected, strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_bad_shapes_and_values_are_refused():
    with pytest.raises(ValueError, match=r"partially known shape \[None, 3\]"):
        tf.zeros([None, 3])
    with pytest.raises(ValueError, match="value must be a scalar"):
        tf.fill([2], [1.0, 2.0])
    with pytest.raises(TypeError, match="Expected string"):
        tf.ones([2], tf.string)
    with tf.Session() as sess:
        assert sess.run(tf.zeros([2], tf.string)).tolist() == [b"", b""]


# -- memory ---------------------------------------------------------------------------------------

BUILDERS = {
    "zeros": lambda: tf.zeros(BIG),
    "ones": lambda: tf.ones(BIG),
    "fill": lambda: tf.fill(BIG, 0.5),
    "zeros_like": lambda: tf.zeros_like(_x(BIG)),
    "ones_like": lambda: tf.ones_like(_x(BIG)),
    "zeros_initializer": lambda: tf.zeros_initializer()(BIG),
}


@pytest.mark.parametrize("what", list(BUILDERS))
def test_building_a_256_mib_fill_takes_no_memory(what):
    value = 0.5 if what == "fill" else (0.0 if "zeros" in what else 1.0)
    BUILDERS[what]()  # warm up: first-call caches are not the fill's memory
    tf.reset_default_graph()
    tracemalloc.start()
    try:
        tensor = BUILDERS[what]()
        built = tracemalloc.get_traced_memory()[1]
        folded = constant_value(tensor)  # folding must not materialise it either
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert built < 1 << 20, f"building {what} took {built / 2**20:.1f} MiB"
    assert peak < 1 << 20, f"folding {what} took {peak / 2**20:.1f} MiB"
    assert folded.shape == tuple(BIG) and folded.dtype == np.float32
    assert not folded.flags.writeable
    assert folded[0, 0] == value and folded[-1, -1] == value


_RUN_CHILD = textwrap.dedent(
    """
    import json, os, sys
    os.environ["JAX_PLATFORMS"] = "cpu"
    import numpy as np
    import jgraph as tf

    def peak_mib():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM"):
                    return int(line.split()[1]) / 1024

    x = tf.placeholder(tf.float32, [])
    with tf.Session() as sess:
        sess.run(tf.reduce_sum(tf.zeros([4]) + x), {x: 1.0})  # warm up
        before = peak_mib()
        big = tf.zeros([8192, 8192])
        totals = [
            float(sess.run(tf.reduce_sum(big + x), {x: 1.0})),
            float(sess.run(tf.reduce_max(big * x + 2.0), {x: 1.0})),
            float(sess.run(tf.reduce_sum(tf.ones_like(big)[0]))),
        ]
        print(json.dumps({"peak_mib": peak_mib() - before, "totals": totals}))
    """
)


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads VmHWM from /proc"
)
def test_a_256_mib_fill_is_computed_inside_the_run():
    """No host copy while tracing, and none baked into the compiled programs:
    the process's peak memory grows far less than the 256 MiB fill."""
    result = subprocess.run(
        [sys.executable, "-c", _RUN_CHILD],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["totals"] == [8192 * 8192, 2.0, 8192]
    assert report["peak_mib"] < 64, report


def test_a_big_constant_is_one_device_copy_for_every_fetch_set():
    shape = (509, 521)  # 1 MiB of float32, a shape no other array here has
    value = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    c = tf.constant(value)
    x = tf.placeholder(tf.float32, [])
    fetch_sets = [
        tf.reduce_sum(c * x),
        tf.reduce_max(c + x),
        [tf.reduce_min(c), c[0, 0]],
    ]
    with tf.Session() as sess:
        for fetches in fetch_sets:
            sess.run(fetches, {x: 2.0})
        for fetches in fetch_sets:  # again: cached programs, still one copy
            sess.run(fetches, {x: 3.0})
        copies = [a for a in jax.live_arrays() if a.shape == shape]
        assert len(copies) == 1
        np.testing.assert_array_equal(np.asarray(copies[0]), value)
        assert len(sess.stats()) == len(fetch_sets)
