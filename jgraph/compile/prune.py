"""Stage 3 (compile): (fetches, feeds) -> the ordered tuple of operations one run needs.

Walks back from the fetched ops through data and control inputs, stopping at fed
tensors (any tensor can be fed), and orders the result topologically with ties
broken by creation order, so the order -- and with it the state semantics -- is
deterministic. One extra rule orders state: a variable's initializer runs before
any read of that variable in the same run, so ``Variable(a * b)`` initialises
whatever the creation order.
"""

from __future__ import annotations

from collections.abc import Iterable

from jgraph.graph.graph import Operation
from jgraph.graph.tensor import Tensor
from jgraph.graph.traversal import CycleError, ancestors, topological_order
from jgraph.ops.registry import variables_touched


def prune(
    fetches: Iterable[Tensor], targets: Iterable[Operation], fed: Iterable[Tensor]
) -> tuple[Operation, ...]:
    """The operations that compute ``fetches`` and run ``targets`` given ``fed``, in order.

    A fetched tensor that is also fed needs no op: the run returns the fed value.
    """
    fed_set = set(fed)
    roots = [t.op for t in fetches if t not in fed_set] + list(targets)
    needed = ancestors(roots, stop=fed_set)
    initializers = {
        op.attrs["var_names"][0]: op
        for op in needed
        if op.attrs.get("_initializer") and op.attrs.get("var_names")
    }

    def initializer_first(op: Operation) -> list[Operation]:
        return [initializers[n] for n in variables_touched(op) if n in initializers]

    try:
        return topological_order(
            needed,
            stop=fed_set,
            extra_edges=initializer_first if initializers else None,
        )
    except CycleError as err:
        names = ", ".join(op.name for op in err.ops[:8])
        raise ValueError(
            f"The graph has a cycle among the operations this run needs: {names}."
            " A variable's initial value probably depends on the variable itself."
        ) from None
