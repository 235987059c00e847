"""The opt-in ``tensorflow`` alias: ``import tensorflow as tf`` gives jgraph.

Used by ``python -m jgraph.run script.py`` and by the ``tensorflow`` alias package
(``python -m jgraph.run --alias-path`` prints the directory to put on
``PYTHONPATH``). :func:`install` puts a finder first on ``sys.meta_path`` that
maps ``tensorflow`` to ``jgraph`` and ``tensorflow.<x>`` to ``jgraph.<x>``
(``tensorflow.compat.v1``, ``tensorflow.contrib.rnn``,
``tensorflow.examples.tutorials.mnist``, ``tensorflow.python.framework.ops``...),
so each name is the jgraph module itself. A name jgraph lacks raises
``ModuleNotFoundError`` saying what to use instead.

Nothing happens unless a user asks for it; when a real TensorFlow is installed
too, :func:`install` says on stderr that it is not the one being used.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from types import ModuleType
from typing import Any

ALIAS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_tf_alias")

# (TF1 prefix, jgraph prefix), most specific first.
_PREFIXES = (
    ("tensorflow.python.ops", "jgraph.ops"),
    ("tensorflow.python.training", "jgraph.train"),
    ("tensorflow", "jgraph"),
)
# TF1 modules jgraph has no counterpart for, with what to use instead.
_MISSING_HINTS = {
    "tensorflow.keras": "tf.layers and tf.nn (jgraph has no Keras)",
    "tensorflow.estimator": "a tf.Session training loop (jgraph has no estimators)",
    "tensorflow.compat.v2": "tensorflow.compat.v1 (jgraph is the TF1 API)",
    "tensorflow.feature_column": "placeholders holding the features",
    "tensorflow.saved_model": "tf.train.Saver checkpoints",
    "tensorflow.lite": "nothing: TF Lite is not provided",
}


def _target(fullname: str) -> str:
    for tf_prefix, jg_prefix in _PREFIXES:
        if fullname == tf_prefix or fullname.startswith(tf_prefix + "."):
            return jg_prefix + fullname[len(tf_prefix) :]
    raise AssertionError(fullname)


class _AliasLoader(importlib.abc.Loader):
    """Hands back an already imported jgraph module under its TF1 name."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module
        self._spec = module.__spec__

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self._module

    def exec_module(self, module: ModuleType) -> None:
        # The import system set __spec__ to the alias's spec; keep jgraph's own.
        module.__spec__ = self._spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Any, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "tensorflow" and not fullname.startswith("tensorflow."):
            return None
        name = _target(fullname)
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if (
                e.name is None
                or not name.startswith(e.name)
                or "not provided" in str(e)
            ):
                raise
            hint = next(
                (
                    f"use {h}"
                    for p, h in _MISSING_HINTS.items()
                    if fullname.startswith(p)
                ),
                "jgraph's docs/tf1-coverage.md lists what it provides",
            )
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: 'tensorflow' is jgraph here, and"
                f" jgraph has no {name!r}; {hint}.",
                name=fullname,
            ) from None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(module))


def _real_tensorflow() -> str | None:
    """Where a real TensorFlow is installed (outside the alias), if anywhere."""
    for entry in sys.path:
        if not entry or os.path.abspath(entry) == ALIAS_DIR:
            continue
        candidate = os.path.join(entry, "tensorflow", "__init__.py")
        if os.path.exists(candidate) and os.path.abspath(
            os.path.dirname(candidate)
        ) != os.path.join(ALIAS_DIR, "tensorflow"):
            return os.path.dirname(candidate)
    return None


def install() -> ModuleType:
    """Makes ``tensorflow`` (and its submodules) jgraph in this process; returns
    the ``jgraph`` module. Idempotent."""
    import jgraph

    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())
        real = _real_tensorflow()
        if real is not None:
            print(
                f"jgraph: 'import tensorflow' gives jgraph in this run; the TensorFlow"
                f" installed at {real} is not used.",
                file=sys.stderr,
            )
    sys.modules["tensorflow"] = jgraph
    return jgraph
