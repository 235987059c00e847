"""Shared test setup: CPU only, a fresh default graph per test, hypothesis profiles."""

from __future__ import annotations

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import hypothesis
import pytest

import jgraph as tf

hypothesis.settings.register_profile("dev", max_examples=25, deadline=None)
hypothesis.settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True, print_blob=True
)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def fresh_graph():
    """Every test starts from an empty default graph, as a fresh TF1 program."""
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()
