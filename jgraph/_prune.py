"""Stage 3: (fetches, feeds) -> the ordered tuple of operations one run needs.

Walks back from the fetched ops through data and control inputs, stopping at fed
tensors (any tensor can be fed), and orders the result topologically with ties
broken by creation order, so the order -- and with it the state semantics -- is
deterministic. One extra rule orders state: a variable's initializer runs before
any read of that variable in the same run, so ``Variable(a * b)`` initialises
whatever the creation order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from jgraph._graph import Operation, Tensor


def prune(
    fetches: Iterable[Tensor], targets: Iterable[Operation], fed: Iterable[Tensor]
) -> tuple[Operation, ...]:
    """The operations that compute ``fetches`` and run ``targets`` given ``fed``, in order.

    A fetched tensor that is also fed needs no op: the run returns the fed value.
    """
    fed_set = set(fed)
    needed: set[Operation] = set()
    stack = [t.op for t in fetches if t not in fed_set] + list(targets)
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        needed.add(op)
        stack.extend(t.op for t in op.inputs if t not in fed_set)
        stack.extend(op.control_inputs)
    return _order(needed, fed_set)


def variables_touched(op: Operation) -> tuple[str, ...]:
    """The state entries (variable names) that ``op`` reads or writes."""
    reads = op.attrs.get("_reads_variable")
    if reads is not None:
        return (reads,)
    return tuple(op.attrs.get("var_names", ()))


def _order(needed: set[Operation], fed: set[Tensor]) -> tuple[Operation, ...]:
    successors: dict[Operation, list[Operation]] = {op: [] for op in needed}
    indegree = dict.fromkeys(needed, 0)

    def edge(before: Operation, after: Operation) -> None:
        successors[before].append(after)
        indegree[after] += 1

    initializers = {
        op.attrs["var_names"][0]: op
        for op in needed
        if op.attrs.get("_initializer") and op.attrs.get("var_names")
    }
    for op in needed:
        for tensor in op.inputs:
            if tensor not in fed and tensor.op in needed:
                edge(tensor.op, op)
        for control in op.control_inputs:
            if control in needed:
                edge(control, op)
        if initializers:
            for name in variables_touched(op):
                init = initializers.get(name)
                if init is not None and init is not op:
                    edge(init, op)
    ready = [(op._id, op) for op in needed if indegree[op] == 0]
    heapq.heapify(ready)
    order: list[Operation] = []
    while ready:
        _, op = heapq.heappop(ready)
        order.append(op)
        for nxt in successors[op]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                heapq.heappush(ready, (nxt._id, nxt))
    if len(order) != len(needed):
        cycle = sorted((op for op in needed if indegree[op] > 0), key=lambda o: o._id)
        names = ", ".join(op.name for op in cycle[:8])
        raise ValueError(
            f"The graph has a cycle among the operations this run needs: {names}."
            " A variable's initial value probably depends on the variable itself."
        )
    return tuple(order)
