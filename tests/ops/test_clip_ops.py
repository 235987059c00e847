"""jgraph.ops.clip_ops against numpy: one table, one checker."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf

from ._check import Case, check_op, params


def _global_norm(*ts):
    return np.sqrt(sum(np.sum(np.square(t.astype(np.float64))) for t in ts))


def _clip_by_global_norm(a, b, clip=2.0):
    norm = _global_norm(a, b)
    scale = clip / max(norm, clip)
    return [a * scale, b * scale, np.asarray(norm, a.dtype)]


def _clip_by_norm(t, clip=1.5):
    norm = np.sqrt(np.sum(np.square(t.astype(np.float64))))
    return t * clip / max(norm, clip)


def _clip_global(a, b):
    clipped, norm = tf.clip_by_global_norm([a, b], 2.0)
    return [*clipped, norm]


CLIP_CASES = [
    Case(
        "GlobalNorm",
        lambda a, b: tf.global_norm([a, b]),
        lambda a, b: np.asarray(_global_norm(a, b), a.dtype),
        ((3, 4), (5,)),
        unknown_dims=False,
    ),
    Case("ClipByGlobalNorm", _clip_global, _clip_by_global_norm, ((3, 4), (5,))),
    Case("ClipByNorm", lambda t: tf.clip_by_norm(t, 1.5), _clip_by_norm, ((4, 3),)),
]


@pytest.mark.parametrize("case", params(CLIP_CASES))
def test_op_matches_numpy(case: Case) -> None:
    check_op(case)
