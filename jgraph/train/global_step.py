"""The global step: an int64 variable counting training steps, as TF1.

Where it sits: a client building a ``Variable``; optimizers increment it inside
their train op when given ``global_step=``, and learning-rate schedules read it.
It lives in ``GLOBAL_VARIABLES`` and ``GLOBAL_STEP``, so initialisers and the
Saver see it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Graph, GraphKeys, get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.ops.conversion import constant
from jgraph.ops.variables import Variable

GLOBAL_STEP_NAME = "global_step"


def get_global_step(graph: Graph | None = None) -> Variable | Tensor | None:
    """The global step of ``graph`` (default graph), or ``None`` if there is none.

    Looks in the ``GLOBAL_STEP`` collection, then for a tensor ``global_step:0``.

    Raises:
      TypeError: the global step found is not an integer scalar.
      ValueError: the ``GLOBAL_STEP`` collection holds more than one item.

    TF1 difference: more than one item in the collection raises instead of
    logging an error and returning ``None``.

    >>> get_global_step() is None
    True
    """
    graph = graph if graph is not None else get_default_graph()
    items = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(items) > 1:
        raise ValueError(
            "Multiple tensors in global_step collection:"
            f" {[getattr(i, 'name', i) for i in items]}."
        )
    if items:
        step = items[0]
    else:
        try:
            step = graph.get_tensor_by_name(f"{GLOBAL_STEP_NAME}:0")
        except KeyError:
            return None
    assert_global_step(step)
    return step


def assert_global_step(global_step_tensor: Any) -> None:
    """Raises ``TypeError`` unless ``global_step_tensor`` is an integer scalar."""
    if not isinstance(global_step_tensor, Variable | Tensor):
        raise TypeError(
            f'Existing "global_step" must be a Variable or Tensor: {global_step_tensor}.'
        )
    if not global_step_tensor.dtype.is_integer:
        raise TypeError(
            'Existing "global_step" does not have integer type:'
            f" {global_step_tensor.dtype.name}"
        )
    if global_step_tensor.shape.ndims != 0:
        raise TypeError(
            f'Existing "global_step" is not scalar: {global_step_tensor.shape}'
        )


def create_global_step(graph: Graph | None = None) -> Variable:
    """Creates the int64 scalar ``global_step`` variable, starting at 0.

    Raises:
      ValueError: ``graph`` already has a global step.
    """
    graph = graph if graph is not None else get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    # Top-level name, free of the caller's control dependencies, as TF1.
    with (
        graph.as_default(),
        graph.name_scope(None),
        graph.control_dependencies(None),
    ):
        return Variable(
            lambda: constant(np.int64(0), _dtypes.int64, name="zeros"),
            trainable=False,
            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP],
            name=GLOBAL_STEP_NAME,
        )


def get_or_create_global_step(graph: Graph | None = None) -> Variable | Tensor:
    """The global step of ``graph``, created first if missing.

    >>> step = get_or_create_global_step()
    >>> step.op.name
    'global_step'
    """
    graph = graph if graph is not None else get_default_graph()
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)


GLOBAL_STEP_READ_KEY = "global_step_read_op_cache"


def global_step_read(graph: Graph | None = None) -> Tensor | None:
    """A read of the global step that no update precedes, made once per graph
    (TF1's ``global_step_read_op_cache``): fetched beside a train op it gives the
    step at the start of the run, which is what TF1's hooks see. ``None`` when
    the graph has no global step."""
    graph = graph if graph is not None else get_default_graph()
    step = get_global_step(graph)
    if step is None:
        return None
    cached = graph.get_collection(GLOBAL_STEP_READ_KEY)
    if cached:
        return cached[0]
    with graph.control_dependencies(None), graph.name_scope(None):
        read = step.read_value() if isinstance(step, Variable) else step + 0
    graph.add_to_collection(GLOBAL_STEP_READ_KEY, read)
    return read


def global_step(sess: Any, global_step_tensor: Any) -> int:
    """The current value of the global step, as a Python int."""
    return int(sess.run(global_step_tensor))


__all__ = [
    "assert_global_step",
    "create_global_step",
    "get_global_step",
    "get_or_create_global_step",
    "global_step",
]
