"""Stage 3 (compile): the structural fingerprint of a lowered run.

Where it sits: the session's planner (``runtime/plan.py``) keys compiled runs by it,
so two fetch sets that differ only in their ops' names -- a loop that builds the
same ops again every iteration, as evaluation and GAN code often does -- share one
traced and compiled executable.

Two runs with equal fingerprints compute the same function of the same arguments:
the fingerprint holds, for every op in order, what the interpreter's result depends
on -- its ``OpDef``, its attrs (values, with tensors and ops as positions in the
run), where its inputs come from, its output dtypes, its device, and for a random
op without a seed its creation index (TF1 gives a rebuilt op a new stream) -- and
the positions of the fetches and the feeds' dtypes. Names are left out. The value
of a lifted constant is an argument of the run, so only its dtype and shape count.

An attr value that is neither plain data nor hashable makes the run
unfingerprintable (``None``): it then compiles on its own, as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from typing import Any

import numpy as np

from jgraph.compile.lower import LoweredRun
from jgraph.graph.graph import Operation
from jgraph.graph.tensor import Tensor
from jgraph.ops.registry import opdef_for

# Arrays up to this size are kept as bytes; larger ones as a digest of them.
_INLINE_BYTES = 256


class _Unhashable(Exception):
    """An attr value the fingerprint cannot hold."""


def fingerprint(lowered: LoweredRun) -> Hashable | None:
    """The structural key of ``lowered`` (``None`` where an attr defeats it)."""
    places: dict[Tensor, tuple] = {t: ("feed", i) for i, t in enumerate(lowered.feeds)}
    positions: dict[Operation, int] = {}
    lifted = frozenset(lowered.lifted_constants)

    def ref(tensor: Tensor) -> Hashable:
        place = places.get(tensor)
        if place is not None:
            return place
        index = positions.get(tensor.op)
        # A tensor from outside the run: itself (compared by identity).
        return tensor if index is None else (index, tensor.value_index)

    def value(v: Any, shape_only: bool) -> Hashable:
        if v is None or isinstance(v, bool | int | str | bytes):
            return (type(v), v)
        if isinstance(v, float):
            return (float, v.hex())  # -0.0 differs from 0.0; NaN equals NaN
        if isinstance(v, Tensor):
            return ("tensor", ref(v))
        if isinstance(v, Operation):
            index = positions.get(v)
            return ("op", v if index is None else index)
        if isinstance(v, np.ndarray | np.generic):
            array = np.asarray(v)
            if shape_only:
                return ("lifted", array.dtype.str, array.shape)
            if array.dtype == object:
                raise _Unhashable
            data = np.ascontiguousarray(array).tobytes()
            if len(data) > _INLINE_BYTES:
                data = hashlib.blake2b(data, digest_size=20).digest()
            return (type(v), array.dtype.str, array.shape, data)
        if isinstance(v, tuple | list):
            return (type(v), tuple(value(x, shape_only) for x in v))
        if isinstance(v, dict):
            return (
                dict,
                tuple((k, value(x, shape_only)) for k, x in sorted(v.items())),
            )
        try:
            hash(v)
        except TypeError:
            raise _Unhashable from None
        # Anything else (dtypes, graph functions, callables): compared by its own
        # equality, which is identity unless the type defines a value equality.
        return ("object", type(v), v)

    parts: list[Hashable] = []
    try:
        for index, op in enumerate(lowered.ops):
            opdef = opdef_for(op)
            attrs = value(dict(op.attrs), op in lifted)
            # A random op's stream: its slot and seed pair (``OpDef.rng``).
            random_index = opdef.rng(op) if opdef.random else None
            parts.append(
                (
                    id(opdef),
                    attrs,
                    tuple(ref(t) for t in op.inputs),
                    tuple(value(c, False) for c in op.control_inputs),
                    tuple(t.dtype for t in op.outputs),
                    op.device,
                    random_index,
                )
            )
            positions[op] = index
        fetches = tuple(ref(t) for t in lowered.fetches)
    except _Unhashable:
        return None
    feeds = tuple(t.dtype for t in lowered.feeds)
    return (tuple(parts), fetches, feeds)
