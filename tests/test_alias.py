"""Running TF1 scripts unchanged: ``python -m jgraph.run``, the ``tensorflow`` alias
package, ``tf.app`` / ``tf.flags`` / ``tf.gfile``, and the errors that name what
jgraph lacks."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import jgraph as tf
from jgraph import _alias

ENV = {**os.environ, "JAX_PLATFORMS": "cpu"}

SCRIPT = """\
import sys
import tensorflow as tf
import tensorflow.compat.v1 as tf1
from tensorflow.contrib import rnn
import tensorflow.contrib.layers as layers
import tensorflow.contrib.slim as slim
from tensorflow.contrib.learn.python.learn.datasets.mnist import read_data_sets
from tensorflow.examples.tutorials.mnist import input_data
from tensorflow.python.framework import ops
from tensorflow.python.ops import math_ops
print(tf.__name__, tf1 is tf, rnn.BasicLSTMCell is tf.nn.rnn_cell.BasicLSTMCell)
print(layers.fully_connected is slim.fully_connected, read_data_sets is input_data.read_data_sets)
print(ops.reset_default_graph is tf.reset_default_graph, math_ops.matmul is tf.matmul)
print(sys.argv[1:], __name__)
for name in ("tensorflow.contrib.eager", "tensorflow.keras", "tensorflow.contrib.nothing"):
    try:
        __import__(name)
    except ImportError as e:
        print(type(e).__name__, e)
"""


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env or ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _expected_lines() -> list[str]:
    return [
        "jgraph True True",
        "True True",
        "True True",
        "['a', '--b=1'] __main__",
        "ModuleNotFoundError tf.contrib.eager is not provided by jgraph; use graph mode:"
        " build the graph and run it in a tf.Session (jgraph has no eager execution).",
        "ModuleNotFoundError No module named 'tensorflow.keras': 'tensorflow' is jgraph"
        " here, and jgraph has no 'jgraph.keras'; use tf.layers and tf.nn (jgraph has"
        " no Keras).",
        "ModuleNotFoundError tf.contrib.nothing is not provided by jgraph;"
        " docs/tf1-coverage.md lists what is.",
    ]


def test_jgraph_run_maps_tensorflow_imports(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    out = _run(["-m", "jgraph.run", str(script), "a", "--b=1"], tmp_path)
    assert out.splitlines() == _expected_lines()


def test_alias_package_on_pythonpath(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    env = {**ENV, "PYTHONPATH": _alias.ALIAS_DIR}
    out = _run([str(script), "a", "--b=1"], tmp_path, env)
    assert out.splitlines() == _expected_lines()


def test_jgraph_run_module_mode_and_usage(tmp_path):
    (tmp_path / "mymod.py").write_text(
        "import tensorflow as tf\nprint(tf.__version__)\n"
    )
    out = _run(["-m", "jgraph.run", "-m", "mymod"], tmp_path)
    assert out.strip() == tf.__version__
    assert (
        _run(["-m", "jgraph.run", "--alias-path"], tmp_path).strip() == _alias.ALIAS_DIR
    )
    result = subprocess.run(
        [sys.executable, "-m", "jgraph.run", "missing.py"],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "missing.py" in result.stderr


def test_without_the_alias_tensorflow_is_untouched(tmp_path):
    # Importing jgraph never installs the alias: opt-in only.
    code = "import jgraph, sys; print('tensorflow' in sys.modules)"
    assert _run(["-c", code], tmp_path).strip() == "False"


def test_real_tensorflow_is_never_shadowed_silently(tmp_path):
    fake = tmp_path / "site" / "tensorflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "raise RuntimeError('real tensorflow imported')\n"
    )
    script = tmp_path / "s.py"
    script.write_text("import tensorflow as tf\nprint(tf.__name__)\n")
    env = {**ENV, "PYTHONPATH": str(tmp_path / "site")}
    result = subprocess.run(
        [sys.executable, "-m", "jgraph.run", str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stdout.strip() == "jgraph"
    assert f"the TensorFlow installed at {fake} is not used" in result.stderr


def test_version_parses_as_tf1():
    major, minor = tf.__version__.split(".")[:2]
    assert (int(major), int(minor)) == (1, 15)
    assert tf.VERSION == tf.__version__


def test_app_run_parses_flags_and_calls_main(tmp_path):
    script = tmp_path / "flags_script.py"
    script.write_text(
        textwrap.dedent(
            """\
            import tensorflow as tf
            tf.app.flags.DEFINE_integer("steps", 3, "steps")
            tf.flags.DEFINE_string("name", "x", "name")
            FLAGS = tf.app.flags.FLAGS
            print("module level", FLAGS.steps)
            def main(argv):
                print("main", FLAGS.steps, FLAGS.name, argv[1:])
                return 3
            tf.app.run()
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "jgraph.run", str(script), "--steps=7", "extra"],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3
    assert result.stdout.splitlines() == ["module level 7", "main 7 x ['extra']"]


def test_gfile_round_trip(tmp_path):
    d = tmp_path / "a" / "b"
    tf.gfile.MakeDirs(str(d))
    with tf.gfile.GFile(str(d / "f.txt"), "w") as f:
        f.write("one\ntwo\n")
    with tf.gfile.FastGFile(str(d / "f.txt"), "rb") as f:
        assert f.read() == b"one\ntwo\n"
    assert tf.gfile.Exists(str(d / "f.txt")) and tf.gfile.IsDirectory(str(d))
    assert tf.gfile.ListDirectory(str(d)) == ["f.txt"]
    assert tf.gfile.Glob(str(d / "*.txt")) == [str(d / "f.txt")]
    tf.gfile.Copy(str(d / "f.txt"), str(d / "g.txt"))
    with pytest.raises(tf.errors.AlreadyExistsError):
        tf.gfile.Copy(str(d / "f.txt"), str(d / "g.txt"))
    tf.gfile.Rename(str(d / "g.txt"), str(d / "h.txt"))
    tf.gfile.Remove(str(d / "h.txt"))
    with pytest.raises(tf.errors.NotFoundError, match="nothing"):
        tf.gfile.Remove(str(d / "nothing"))
    with pytest.raises(tf.errors.NotFoundError):
        tf.gfile.GFile(str(d / "nothing"))
    tf.gfile.DeleteRecursively(str(tmp_path / "a"))
    assert not tf.gfile.Exists(str(tmp_path / "a"))


def test_python_framework_ops_path():
    from jgraph.python.framework import dtypes, ops

    ops.reset_default_graph()
    assert ops.get_default_graph() is tf.get_default_graph()
    assert dtypes.float32 is tf.float32 and dtypes.as_dtype("float") is tf.float32


def test_dtype_str_and_repr_are_tf1s():
    assert str(tf.float32) == "<dtype: 'float32'>"
    assert repr(tf.float32) == "tf.float32"


def test_collecting_the_suite_leaves_tensorflow_unaliased():
    # Doctest collection imports every jgraph module; the alias package would
    # install itself process-wide (TensorBoard's reader would then take jgraph
    # for TensorFlow), so pytest must not collect it.
    assert "tensorflow" not in sys.modules
