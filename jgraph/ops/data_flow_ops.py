"""Ops whose output shapes depend on their inputs' values: ``tf.unique``,
``tf.unique_with_counts``, ``tf.dynamic_partition``.

XLA compiles static shapes, so these ops declare ``host_step``: a run is cut
around them (``compile/segments.py``), they run in numpy on the host, and the
ops after them are compiled for the shapes they produce (once per new shape).
``tf.where(condition)`` and ``tf.boolean_mask`` with a run-time mask are the
same kind of op (``array_ops``).

Gradients are TF1's: ``Unique`` has none (``tf.gradients`` through it raises
``LookupError``, as TF1); ``dynamic_partition`` is TF1's composite of host-made
positions and a ``gather``, so the gradient flows to ``data`` through the gather.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.shape import format_shape
from jgraph.graph.tensor import Tensor
from jgraph.ops.array_ops import concat, gather, ones_like, reshape, shape
from jgraph.ops.conversion import build, check_dtype, convert_to_tensor
from jgraph.ops.inference import fresh_dim
from jgraph.ops.math_ops import cumsum
from jgraph.ops.registry import Fold, op

_INDEX_TYPES = (_dtypes.int32, _dtypes.int64)
_UNIQUE_NO_GRADIENT = (
    "TF1 registers none for Unique; wrap its input in tf.stop_gradient if the"
    " gradient need not flow there."
)


# -- unique ------------------------------------------------------------------------------


def _unique_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    spec = specs[0]
    if spec is not None and len(spec.shape) != 1:
        raise ValueError(
            f"tf.unique needs a 1-D tensor; got shape {format_shape(spec.shape)}."
        )
    graph = get_default_graph()
    idx_dims = (fresh_dim(graph),) if spec is None else tuple(spec.shape)
    outputs = [(attrs["_dtype"], (fresh_dim(graph),)), (attrs["out_idx"], idx_dims)]
    if attrs["_counts"]:
        outputs.append((attrs["out_idx"], (fresh_dim(graph),)))
    return outputs


def _unique(x: Any, out_idx: _dtypes.DType, counts: bool) -> tuple[np.ndarray, ...]:
    """TF1's unique in numpy: values in order of first appearance."""
    values = np.asarray(x)
    if values.ndim != 1:
        raise ValueError(
            f"tf.unique needs a 1-D tensor; got shape {format_shape(values.shape)}."
        )
    # TF1 hashes values: every NaN is a value of its own.
    sorted_values, first, inverse, count = np.unique(
        values,
        return_index=True,
        return_inverse=True,
        return_counts=True,
        equal_nan=False,
    )
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    y = sorted_values[order].astype(values.dtype)
    idx = rank[inverse.reshape(-1)].astype(out_idx.np)
    if counts:
        return y, idx, count[order].astype(out_idx.np)
    return y, idx


def _unique_op(op_type: str, num_outputs: int) -> Callable[[Any], Any]:
    """Registers ``Unique`` or ``UniqueWithCounts``: a host step, no gradient."""
    return op(
        op_type,
        same_dtype=False,
        shape_fn=_unique_spec,
        num_outputs=num_outputs,
        host_step=True,
        no_gradient=_UNIQUE_NO_GRADIENT,
        fold=Fold.VALUES,
    )


@_unique_op("Unique", 2)
def _unique_impl(
    x: Any, *, out_idx: _dtypes.DType = _dtypes.int32
) -> tuple[np.ndarray, ...]:
    return _unique(x, out_idx, counts=False)


@_unique_op("UniqueWithCounts", 3)
def _unique_with_counts_impl(
    x: Any, *, out_idx: _dtypes.DType = _dtypes.int32
) -> tuple[np.ndarray, ...]:
    return _unique(x, out_idx, counts=True)


def _build_unique(impl: Any, x: Any, out_idx: Any, name: str | None) -> Any:
    tensor = convert_to_tensor(x)
    if tensor.dtype is _dtypes.string:
        raise TypeError(
            f"tf.unique of the string tensor {tensor.name}: jgraph computes no"
            " strings inside a run."
        )
    index_type = _dtypes.as_dtype(out_idx)
    if index_type not in _INDEX_TYPES:
        raise TypeError(f"tf.unique: out_idx must be int32 or int64, got {index_type}.")
    return build(
        impl,
        tensor,
        out_idx=index_type,
        _dtype=tensor.dtype,
        _counts=impl is _unique_with_counts_impl,
        name=name,
    )


def unique(x: Any, out_idx: Any = _dtypes.int32, name: str | None = None) -> Any:
    """The distinct values of the 1-D ``x`` in order of first appearance, and for
    each entry of ``x`` the index of its value among them, as TF1 ``tf.unique``:
    ``(y, idx)`` with ``x == y[idx]``. A host step (the count sets the shape)."""
    return _build_unique(_unique_impl, x, out_idx, name)


def unique_with_counts(
    x: Any, out_idx: Any = _dtypes.int32, name: str | None = None
) -> Any:
    """``tf.unique`` plus how often each distinct value occurs: ``(y, idx,
    count)``, as TF1."""
    return _build_unique(_unique_with_counts_impl, x, out_idx, name)


# -- dynamic_partition -------------------------------------------------------------------


def _partition_spec(specs: Any, attrs: dict[str, Any]) -> list[Any]:
    data, partitions = specs
    graph = get_default_graph()
    rest: tuple[Any, ...] = ()
    if data is not None and partitions is not None:
        rest = tuple(data.shape[len(partitions.shape) :])
    dtype = attrs["_dtype"]
    return [(dtype, (fresh_dim(graph), *rest))] * attrs["num_partitions"]


@op(
    "DynamicPartition",
    same_dtype=False,
    shape_fn=_partition_spec,
    num_outputs=-1,
    host_step=True,
    differentiable=False,
    fold=Fold.VALUES,
)
def _dynamic_partition_impl(
    data: Any, partitions: Any, *, num_partitions: int
) -> tuple[np.ndarray, ...]:
    values, parts = np.asarray(data), np.asarray(partitions)
    if values.shape[: parts.ndim] != parts.shape:
        raise ValueError(
            f"data.shape {format_shape(values.shape)} must start with"
            f" partitions.shape {format_shape(parts.shape)}."
        )
    outside = (parts < 0) | (parts >= num_partitions)
    if outside.any():
        where = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValueError(
            f"partitions{list(where)} = {int(parts[where])} is not in [0,"
            f" {num_partitions})."
        )
    rows = values.reshape((parts.size, *values.shape[parts.ndim :]))
    flat = parts.reshape(-1)
    return tuple(rows[flat == i] for i in builtins.range(num_partitions))


def dynamic_partition(
    data: Any, partitions: Any, num_partitions: int, name: str | None = None
) -> list[Tensor]:
    """Splits ``data`` into ``num_partitions`` tensors by ``partitions``, as TF1:
    output ``i`` stacks, in order, the slices ``data[j...]`` with
    ``partitions[j...] == i`` (``partitions`` is an int32 tensor covering the
    first dimensions of ``data``; its rank must be known).

    As TF1's gradient does, the positions of each partition are found on the host
    (a host step) and the slices gathered from ``data``, so the gradient flows to
    ``data``. A partition value outside ``[0, num_partitions)`` raises
    ``InvalidArgumentError`` when the graph runs.
    """
    count = int(num_partitions)
    if count < 1:
        raise ValueError(
            f"dynamic_partition: num_partitions must be >= 1, got {count}."
        )
    graph = get_default_graph()
    with graph.name_scope(name or "DynamicPartition"):
        data = convert_to_tensor(data, name="data")
        partitions = convert_to_tensor(partitions, name="partitions")
        check_dtype(partitions, (_dtypes.int32,), "DynamicPartition", "partitions")
        if partitions.dims is None:
            raise ValueError(
                f"dynamic_partition: the rank of partitions {partitions.name} must be"
                " known when the graph is built."
            )
        k = len(partitions.dims)
        if data.dims is not None and not data.shape[:k].is_compatible_with(
            partitions.shape
        ):
            raise ValueError(
                f"dynamic_partition: data of shape {data.shape} must start with the"
                f" shape {partitions.shape} of partitions."
            )
        flat_partitions = reshape(partitions, [-1])
        rows = cumsum(ones_like(flat_partitions), exclusive=True)
        positions = build(
            _dynamic_partition_impl,
            rows,
            flat_partitions,
            num_partitions=count,
            _dtype=_dtypes.int32,
            name="positions",
        )
        positions = [positions] if isinstance(positions, Tensor) else list(positions)
        # The rows of data, as many as partitions has entries (a misfit fails here).
        flat_data = reshape(data, concat([shape(flat_partitions), shape(data)[k:]], 0))
        return [gather(flat_data, p) for p in positions]
