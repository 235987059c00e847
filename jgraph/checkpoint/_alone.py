"""Writes one checkpoint in a single-process JAX: ``python -m
jgraph.checkpoint._alone HANDOFF PATH``, where ``HANDOFF`` is a pickle of
``(arrays, meta)`` (see ``saver._write_alone``). An error is printed as its last
line, ``ClassName: message``, and the exit status is 1."""

from __future__ import annotations

import pickle
import sys


def main(argv: list[str]) -> int:
    handoff, path = argv
    with open(handoff, "rb") as source:
        arrays, meta = pickle.load(source)
    import jax

    from jgraph.checkpoint import saver

    try:
        with jax.enable_x64(True):
            saver._write(
                path, {n: jax.numpy.asarray(a) for n, a in arrays.items()}, meta
            )
    except Exception as err:
        print(f"{type(err).__name__}: {err}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
