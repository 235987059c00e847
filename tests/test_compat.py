"""``tf.compat`` (``tf.compat.v1`` is jgraph), TF1's execution-mode switches, and
``tf.logging`` over the ``"jgraph"`` logger."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import jgraph as tf
import jgraph.compat.v1 as v1


@pytest.fixture
def jgraph_logger():
    """The ``"jgraph"`` logger, its level restored after the test."""
    logger = logging.getLogger("jgraph")
    level = logger.level
    yield logger
    logger.setLevel(level)


# -- tf.compat -------------------------------------------------------------------------


def test_compat_v1_is_jgraph_itself() -> None:
    assert v1 is tf and tf.compat.v1 is tf
    assert v1.placeholder is tf.placeholder and v1.Session is tf.Session
    assert tf.compat.v1.compat.v1.logging is tf.logging
    x = v1.placeholder(v1.float32, [None])
    with v1.Session() as sess:
        np.testing.assert_array_equal(sess.run(x * 2, {x: [1.0, 2.0]}), [2.0, 4.0])


def test_a_fresh_interpreter_imports_compat_v1_and_logs_to_stderr() -> None:
    script = (
        "import jgraph.compat.v1 as tf\n"
        "from jgraph.compat.v1 import placeholder\n"
        "tf.disable_v2_behavior()\n"
        "assert placeholder is tf.placeholder and tf.__name__ == 'jgraph'\n"
        "tf.logging.debug('hidden')\n"
        "tf.logging.set_verbosity(tf.logging.INFO)\n"
        "tf.logging.info('step %d', 3)\n"
        "tf.logging.debug('still hidden')\n"
    )
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "INFO:jgraph:step 3\n"


def test_text_conversions() -> None:
    assert tf.compat.as_bytes("é") == "é".encode() == tf.compat.as_bytes(b"\xc3\xa9")
    assert tf.compat.as_bytes(bytearray(b"ab")) == b"ab"
    assert tf.compat.as_text(b"\xc3\xa9") == "é" == tf.compat.as_str("é")
    assert tf.compat.as_str_any(b"x") == "x" and tf.compat.as_str_any(3) == "3"
    with pytest.raises(TypeError, match="Expected binary or unicode string, got 3"):
        tf.compat.as_bytes(3)
    with pytest.raises(TypeError, match="Expected binary or unicode string"):
        tf.compat.as_text(None)


# -- execution-mode switches ------------------------------------------------------------


def test_graph_mode_switches_are_no_ops_and_eager_is_refused() -> None:
    assert tf.disable_v2_behavior() is None
    assert tf.compat.v1.disable_eager_execution() is None
    assert tf.executing_eagerly() is False
    with pytest.raises(NotImplementedError, match=r"TF1 graph API only.*tf\.Session"):
        tf.enable_eager_execution()
    with pytest.raises(NotImplementedError, match="enable_v2_behavior"):
        tf.compat.v1.enable_v2_behavior()
    # The graph API still works after the switches.
    assert tf.Session().run(tf.constant(2) + 1) == 3


# -- tf.logging ---------------------------------------------------------------------------


def test_logging_levels_and_verbosity(jgraph_logger) -> None:
    levels = (tf.logging.DEBUG, tf.logging.INFO, tf.logging.WARN, tf.logging.ERROR)
    assert levels == (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR)
    assert tf.logging.FATAL == logging.CRITICAL
    tf.logging.set_verbosity(tf.logging.ERROR)
    assert tf.logging.get_verbosity() == logging.ERROR == jgraph_logger.level
    assert tf.get_logger() is jgraph_logger


def test_logging_functions_log_at_their_level_from_the_caller(
    jgraph_logger, caplog
) -> None:
    tf.logging.set_verbosity(tf.logging.DEBUG)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tf.logging.warn is not Logger.warn
        with caplog.at_level(logging.DEBUG, logger="jgraph"):
            tf.logging.debug("d %s", 1)
            tf.logging.info("i %s", 2)
            tf.logging.warn("w %s", 3)
            tf.logging.warning("w %s", 4)
            tf.logging.error("e %s", 5)
            tf.logging.fatal("f %s", 6)
            tf.logging.log(tf.logging.INFO, "l %s", 7)
            tf.logging.vlog(tf.logging.WARN, "v %s", 8)
            tf.logging.log_if(tf.logging.INFO, "if %s", False, 9)
            tf.logging.log_if(tf.logging.INFO, "if %s", True, 10)
            tf.logging.TaskLevelStatusMessage("status")
            tf.logging.flush()
    got = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert got == [
        ("jgraph", "DEBUG", "d 1"),
        ("jgraph", "INFO", "i 2"),
        ("jgraph", "WARNING", "w 3"),
        ("jgraph", "WARNING", "w 4"),
        ("jgraph", "ERROR", "e 5"),
        ("jgraph", "CRITICAL", "f 6"),
        ("jgraph", "INFO", "l 7"),
        ("jgraph", "WARNING", "v 8"),
        ("jgraph", "INFO", "if 10"),
        ("jgraph", "ERROR", "status"),
    ]
    assert {r.filename for r in caplog.records} == {os.path.basename(__file__)}


def test_verbosity_filters_records(jgraph_logger, caplog) -> None:
    caplog.set_level(logging.DEBUG)  # the root lets everything through
    tf.logging.set_verbosity(tf.logging.WARN)
    tf.logging.info("dropped")
    tf.logging.warning("kept")
    assert [r.getMessage() for r in caplog.records] == ["kept"]


def test_log_first_n_and_every_n_count_per_call_site(jgraph_logger, caplog) -> None:
    tf.logging.set_verbosity(tf.logging.INFO)
    with caplog.at_level(logging.INFO, logger="jgraph"):
        for step in range(7):
            tf.logging.log_first_n(tf.logging.INFO, "first %d", 2, step)
            tf.logging.log_every_n(tf.logging.INFO, "every %d", 3, step)
        tf.logging.log_first_n(tf.logging.INFO, "other site %d", 1, 0)
    assert [r.getMessage() for r in caplog.records] == [
        "first 0",
        "every 0",
        "first 1",
        "every 3",
        "every 6",
        "other site 0",
    ]
