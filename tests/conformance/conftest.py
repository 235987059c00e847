"""Conformance suite set-up: TF1 (``tf.compat.v1`` in graph mode) beside jgraph.

This directory needs TensorFlow, which the ordinary test run does not install: the
root ``pyproject.toml`` keeps ``conformance`` out of the default collection
(``norecursedirs``), and ``nox -s conformance`` runs it by path in a virtualenv
that has ``tensorflow-cpu`` and ``tf-keras``.
"""

from __future__ import annotations

import os

# Before TensorFlow is imported: quiet C++ logs, and tf_keras for tf.layers/rnn_cell.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import pytest

try:
    import tensorflow as _tf
except ImportError as err:  # pragma: no cover - a clear message beats a collect error
    raise pytest.UsageError(
        "tests/conformance compares jgraph with TF1 and needs tensorflow-cpu and"
        " tf-keras: run it with `python3 -m nox -s conformance`."
    ) from err

_tf.get_logger().setLevel("ERROR")
_tf.compat.v1.disable_v2_behavior()


def pytest_configure(config: pytest.Config) -> None:
    # TensorFlow's own deprecation chatter is not ours to fix; the suite's
    # ``filterwarnings = error`` still applies to jgraph's warnings.
    for line in (
        "ignore::DeprecationWarning:tensorflow.*",
        "ignore::DeprecationWarning:tf_keras.*",
        "ignore::DeprecationWarning:keras.*",
        "ignore::UserWarning:tensorflow.*",
        "ignore::UserWarning:tf_keras.*",
        "ignore:.*is deprecated.*:DeprecationWarning",
        "ignore:.*is deprecated.*:UserWarning",
        "ignore::FutureWarning",
    ):
        config.addinivalue_line("filterwarnings", line)
