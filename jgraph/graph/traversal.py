"""Walks over the graph: every stage that follows edges uses these.

Where it sits: stage 1 (the graph as pure data). Pruning (which ops a run needs),
the lowering's recomputations, the gradient's reach, a tensor's consumers and
segmenting all walk the same edges: an op's data inputs and its control inputs.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Annotations only: the walks use ops' and tensors' attributes, so every module
    # of the graph package (tensor.py included) can use them.
    from jgraph.graph.graph import Operation
    from jgraph.graph.tensor import Tensor


class CycleError(ValueError):
    """The edges among the ops to order form a cycle; ``ops`` are the ops on it
    (and those after it), in creation order."""

    def __init__(self, ops: list[Operation]) -> None:
        names = ", ".join(op.name for op in ops[:8])
        super().__init__(f"The graph has a cycle among the operations {names}.")
        self.ops = ops


def ancestors(
    roots: Iterable[Operation],
    *,
    stop: Collection[Tensor] = (),
    within: Collection[Operation] | None = None,
) -> set[Operation]:
    """``roots`` and every op they depend on through data and control inputs.

    The walk does not go through a tensor in ``stop`` (a fed value: its op is not
    needed), nor leave ``within`` when it is given.
    """
    found: set[Operation] = set()
    stack = list(roots)
    while stack:
        op = stack.pop()
        if op in found or (within is not None and op not in within):
            continue
        found.add(op)
        stack.extend(t.op for t in op.inputs if t not in stop)
        stack.extend(op.control_inputs)
    return found


def topological_order(
    ops: Collection[Operation],
    *,
    stop: Collection[Tensor] = (),
    extra_edges: Callable[[Operation], Iterable[Operation]] | None = None,
) -> tuple[Operation, ...]:
    """``ops`` ordered so that every op comes after its inputs' ops and control
    inputs among ``ops`` (edges through ``stop`` tensors do not count), ties broken
    by creation order, so the order is deterministic.

    ``extra_edges(op)`` names more ops of ``ops`` that must come before ``op``.

    Raises:
      CycleError: the edges among ``ops`` form a cycle.
    """
    successors: dict[Operation, list[Operation]] = {op: [] for op in ops}
    indegree = dict.fromkeys(ops, 0)

    def edge(before: Operation, after: Operation) -> None:
        successors[before].append(after)
        indegree[after] += 1

    for op in ops:
        for tensor in op.inputs:
            if tensor not in stop and tensor.op in successors:
                edge(tensor.op, op)
        for control in op.control_inputs:
            if control in successors:
                edge(control, op)
        if extra_edges is not None:
            for before in extra_edges(op):
                if before is not op and before in successors:
                    edge(before, op)
    ready = [(op.index, op) for op in ops if indegree[op] == 0]
    heapq.heapify(ready)
    order: list[Operation] = []
    while ready:
        _, op = heapq.heappop(ready)
        order.append(op)
        for nxt in successors[op]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                heapq.heappush(ready, (nxt.index, nxt))
    if len(order) != len(ops):
        raise CycleError(
            sorted((op for op in ops if indegree[op] > 0), key=lambda o: o.index)
        )
    return tuple(order)


def consumers(tensor: Tensor) -> list[Operation]:
    """The ops that take ``tensor`` as an input, in creation order."""
    return [op for op in tensor.graph.get_operations() if tensor in op.inputs]
