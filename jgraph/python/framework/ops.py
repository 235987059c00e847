"""TF1's ``tensorflow.python.framework.ops``: the graph names programs import from
it (``from tensorflow.python.framework import ops; ops.reset_default_graph()``)."""

from jgraph import (
    add_to_collection as add_to_collection,
    control_dependencies as control_dependencies,
    convert_to_tensor as convert_to_tensor,
    device as device,
    get_collection as get_collection,
    name_scope as name_scope,
)
from jgraph.graph.graph import (
    Graph as Graph,
    GraphKeys as GraphKeys,
    Operation as Operation,
    get_default_graph as get_default_graph,
    reset_default_graph as reset_default_graph,
)
from jgraph.graph.tensor import Tensor as Tensor
