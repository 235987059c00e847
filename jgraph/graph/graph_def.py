"""The graph as a TensorBoard ``GraphDef`` protobuf: ``graph_def(graph)``.

One ``NodeDef`` per op, with its scoped name (so TensorBoard groups nodes by name
scope), inputs, device and attributes. Also home of the ``TensorProto`` conversion
that ``tf.summary.tensor_summary`` and ``tf.summary.text`` share with Const attrs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from google.protobuf.message import Message
from tensorboardX.proto import (
    attr_value_pb2 as _attr_value_pb2,
    graph_pb2 as _graph_pb2,
    node_def_pb2 as _node_def_pb2,
    tensor_pb2 as _tensor_pb2,
    tensor_shape_pb2 as _tensor_shape_pb2,
    types_pb2 as _types_pb2,
    versions_pb2 as _versions_pb2,
)

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.shape import is_known
from jgraph.graph.tensor import Tensor

if TYPE_CHECKING:
    # Annotations only: graph.py exports through this module (as_graph_def).
    from jgraph.graph.graph import Graph, Operation

# NOTE: protobuf makes its message classes at run time, so type checkers cannot see
# them: the generated modules are typed ``Any``, and so are the public aliases.
attr_value_pb2: Any = _attr_value_pb2
graph_pb2: Any = _graph_pb2
node_def_pb2: Any = _node_def_pb2
tensor_pb2: Any = _tensor_pb2
tensor_shape_pb2: Any = _tensor_shape_pb2
types_pb2: Any = _types_pb2
versions_pb2: Any = _versions_pb2

# TF1's ``GraphDef`` message (tensorboardX's copy).
GraphDef: Any = graph_pb2.GraphDef

_DATA_TYPES = {
    "float16": types_pb2.DT_HALF,
    "bfloat16": types_pb2.DT_BFLOAT16,
    "float32": types_pb2.DT_FLOAT,
    "float64": types_pb2.DT_DOUBLE,
    "int8": types_pb2.DT_INT8,
    "int16": types_pb2.DT_INT16,
    "int32": types_pb2.DT_INT32,
    "int64": types_pb2.DT_INT64,
    "uint8": types_pb2.DT_UINT8,
    "uint16": types_pb2.DT_UINT16,
    # tensorboardX's types.proto predates these; TF1 numbers them 22 and 23.
    "uint32": 22,
    "uint64": 23,
    "bool": types_pb2.DT_BOOL,
    "string": types_pb2.DT_STRING,
}
# Const values up to this many bytes go into the GraphDef; larger ones keep only
# their dtype and shape (TensorBoard shows the attr; it never needs the numbers).
_MAX_CONST_BYTES = 1024


def _data_type(dtype: _dtypes.DType) -> int:
    return _DATA_TYPES[dtype.name]


def _shape_proto(dims: Sequence[Any] | None) -> Message:
    if dims is None:
        return tensor_shape_pb2.TensorShapeProto(unknown_rank=True)
    return tensor_shape_pb2.TensorShapeProto(
        dim=[
            tensor_shape_pb2.TensorShapeProto.Dim(size=int(d) if is_known(d) else -1)
            for d in dims
        ]
    )


def tensor_proto(array: np.ndarray, dtype: _dtypes.DType) -> Message:
    shape = _shape_proto(array.shape)
    if dtype is _dtypes.string:
        flat = [v if isinstance(v, bytes) else str(v).encode() for v in array.flat]
        return tensor_pb2.TensorProto(
            dtype=types_pb2.DT_STRING, tensor_shape=shape, string_val=flat
        )
    little = np.ascontiguousarray(array, dtype.np.newbyteorder("<"))
    return tensor_pb2.TensorProto(
        dtype=_data_type(dtype), tensor_shape=shape, tensor_content=little.tobytes()
    )


def _attr_value(value: Any) -> Message | None:
    """An op attribute as an ``AttrValue``; ``None`` for kinds a GraphDef can't hold."""
    if isinstance(value, _dtypes.DType):
        return attr_value_pb2.AttrValue(type=_data_type(value))
    if isinstance(value, np.ndarray):
        dtype = _dtypes.as_dtype(value.dtype)
        if value.nbytes > _MAX_CONST_BYTES:
            proto = tensor_pb2.TensorProto(
                dtype=_data_type(dtype), tensor_shape=_shape_proto(value.shape)
            )
        else:
            proto = tensor_proto(value, dtype)
        return attr_value_pb2.AttrValue(tensor=proto)
    scalar_value = _scalar_attr(value)
    if scalar_value is not None:
        return attr_value_pb2.AttrValue(**scalar_value)
    if isinstance(value, list | tuple):
        items = [_scalar_attr(v) for v in value]
        kinds = {kind for item in items if item is not None for kind in item}
        if any(item is None for item in items) or len(kinds) > 1:
            return None
        listed = {kind: [item[kind] for item in items if item] for kind in kinds}
        return attr_value_pb2.AttrValue(
            list=attr_value_pb2.AttrValue.ListValue(**listed)
        )
    return None


def _scalar_attr(value: Any) -> dict[str, Any] | None:
    if isinstance(value, bool | np.bool_):
        return {"b": bool(value)}
    if isinstance(value, int | np.integer):
        return {"i": int(value)} if -(2**63) <= value < 2**63 else None
    if isinstance(value, float | np.floating):
        return {"f": float(value)}
    if isinstance(value, str):
        return {"s": value.encode()}
    if isinstance(value, bytes):
        return {"s": value}
    if isinstance(value, _dtypes.DType):
        return {"type": _data_type(value)}
    return None


def _input_name(tensor: Tensor) -> str:
    index = tensor.value_index
    return tensor.op.name if index == 0 else f"{tensor.op.name}:{index}"


def _node_def(op_: Operation, add_shapes: bool) -> Message:
    node = node_def_pb2.NodeDef(
        name=op_.name,
        op=op_.type,
        input=[_input_name(t) for t in op_.inputs]
        + [f"^{c.name}" for c in op_.control_inputs],
        device=op_.device,
    )
    for key, value in op_.attrs.items():
        if key.startswith("_") or value is None:
            continue
        if key == "shape" and op_.outputs:  # Placeholder, VariableV2: the real shape
            node.attr[key].CopyFrom(
                attr_value_pb2.AttrValue(shape=_shape_proto(op_.outputs[0].dims))
            )
            continue
        attr = _attr_value(value)
        if attr is not None:
            node.attr[key].CopyFrom(attr)
    if "T" not in node.attr and "dtype" not in node.attr:
        typed = op_.inputs or op_.outputs
        if typed:
            key = "T" if op_.inputs else "dtype"
            node.attr[key].CopyFrom(
                attr_value_pb2.AttrValue(type=_data_type(typed[0].dtype))
            )
    if add_shapes and op_.outputs:
        shapes = [_shape_proto(t.dims) for t in op_.outputs]
        node.attr["_output_shapes"].CopyFrom(
            attr_value_pb2.AttrValue(
                list=attr_value_pb2.AttrValue.ListValue(shape=shapes)
            )
        )
    return node


def make_graph_def(graph: Graph, add_shapes: bool = True) -> Message:
    """The graph as a ``GraphDef`` protobuf, as TF1 ``graph.as_graph_def()``.

    One ``NodeDef`` per op, in creation order, with its scoped name (TensorBoard
    groups nodes by name scope), op type, inputs (``op``, ``op:1``; control inputs
    as ``^op``), device and attributes: the op's static attributes, ``T`` or
    ``dtype``, Const values (small ones) and, with ``add_shapes``, each output's
    shape in ``_output_shapes`` (unknown dims as -1) for the edges.
    """
    nodes = [_node_def(op_, add_shapes) for op_ in graph.get_operations()]
    return GraphDef(node=nodes, versions=versions_pb2.VersionDef(producer=22))
