"""Run an existing TF1 script unchanged on jgraph: ``python -m jgraph.run script.py
[args...]`` (or ``-m module``).

For that run only, ``import tensorflow`` (and ``tensorflow.compat.v1``,
``tensorflow.contrib.*``, ``tensorflow.examples.tutorials.mnist``...) gives
jgraph; the script sees its own path as ``sys.argv[0]`` and its arguments after
it, as with ``python script.py``. ``python -m jgraph.run --alias-path`` prints
the directory of the ``tensorflow`` alias package instead, for ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import runpy
import sys

from jgraph._alias import ALIAS_DIR, install

USAGE = (
    "usage: python -m jgraph.run script.py [args...]\n"
    "       python -m jgraph.run -m module [args...]\n"
    "       python -m jgraph.run --alias-path"
)


def main(argv: list[str]) -> int:
    """Runs the script or module named by ``argv`` with the alias installed."""
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    if argv[0] == "--alias-path":
        print(ALIAS_DIR)
        return 0
    install()
    if argv[0] == "-m":
        if len(argv) < 2:
            print(USAGE, file=sys.stderr)
            return 2
        sys.argv = argv[1:]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return 0
    script = argv[0]
    if not os.path.exists(script):
        print(f"jgraph.run: can't open file {script!r}: no such file", file=sys.stderr)
        return 2
    sys.argv = list(argv)
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
