"""Data-flow ops: ops whose output shapes depend on their inputs' values
(``tf.unique``, ``tf.unique_with_counts``, ``tf.dynamic_partition``) and TF1's
queues (``FIFOQueue``, ``RandomShuffleQueue``, ``PaddingFIFOQueue``).

Both kinds declare ``host_step``: a run is cut around them
(``compile/segments.py``) and they run on the host between compiled segments.

Data-dependent shapes: XLA compiles static shapes, so these ops run in numpy,
and the ops after them are compiled for the shapes they produce (once per new
shape). ``tf.where(condition)`` and ``tf.boolean_mask`` with a run-time mask are
the same kind of op (``array_ops``). Gradients are TF1's: ``Unique`` has none
(``tf.gradients`` through it raises ``LookupError``, as TF1);
``dynamic_partition`` is TF1's composite of host-made positions and a
``gather``, so the gradient flows to ``data`` through the gather.

Queues are host objects, as in TF1: each session holds its own
:class:`HostQueue` (a list guarded by a condition variable), made on first use
through the session's host context (``OpDef.host_context``). A dequeue's values
go to the compiled segment after it (a ``dequeue_many`` hands over a whole batch
at once); an enqueue of computed values takes what the compiled segment before
it made. The session holds its state lock only while a compiled segment runs,
so a dequeue waiting for a queue runner thread blocks nothing else
(``jgraph.train.QueueRunner`` threads run enqueue ops in their own
``Session.run`` calls).

Closing follows TF1: after ``close()`` enqueues raise ``CancelledError``; a
dequeue that cannot get its elements from a closed queue raises
``OutOfRangeError`` (consuming nothing), while ``dequeue_up_to`` returns what
is left. Closing the session cancels every op waiting on its queues.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from jgraph import errors
from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Operation, get_default_graph
from jgraph.graph.shape import TensorShape, as_shape, format_shape, is_known
from jgraph.graph.tensor import Tensor
from jgraph.ops.array_ops import concat, gather, ones_like, reshape, shape
from jgraph.ops.conversion import add_op, build, check_dtype, convert_to_tensor
from jgraph.ops.inference import fresh_dim
from jgraph.ops.math_ops import cumsum
from jgraph.ops.registry import REGISTRY, Fold, HostContext, op

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


# -- queues ----------------------------------------------------------------------

DEFAULT_GRAPH_SEED = 87654321  # TF1's, with only an op seed (as compile/rng.py)


# -- the host side -------------------------------------------------------------------


class HostQueue:
    """One session's queue: elements (tuples of numpy arrays) in a list."""

    def __init__(self, queue: QueueBase) -> None:
        self.queue = queue
        self._cond = threading.Condition()
        self._items: list[tuple[np.ndarray, ...]] = []
        self._closed = False
        self._cancel_enqueues = False
        self._cancelled = False  # the session closed: everything waiting fails
        self._rng = np.random.default_rng(queue.host_seed)

    @property
    def size(self) -> int:
        return len(self._items)

    @property
    def closed(self) -> bool:
        return self._closed

    def enqueue(self, elements: Sequence[tuple[np.ndarray, ...]]) -> None:
        """Adds ``elements`` in order, waiting for room as TF1 (one at a time)."""
        with self._cond:
            if self._closed:
                raise errors.CancelledError(
                    None, None, f"{self.queue.describe()} is closed."
                )
            for element in elements:
                while len(self._items) >= self.queue.capacity:
                    if self._cancelled or self._cancel_enqueues:
                        raise errors.CancelledError(
                            None,
                            None,
                            f"Enqueue to {self.queue.describe()} was cancelled.",
                        )
                    self._cond.wait()
                self._items.append(element)
                self._cond.notify_all()

    def dequeue(self, count: int, up_to: bool) -> list[tuple]:
        """Takes ``count`` elements, waiting until they are there; a closed queue
        gives what it has (``up_to``) or raises OutOfRangeError."""
        reserve = self.queue.min_after_dequeue
        with self._cond:
            while True:
                if self._cancelled:
                    raise errors.CancelledError(
                        None,
                        None,
                        f"Dequeue from {self.queue.describe()} was cancelled.",
                    )
                held = len(self._items)
                if held - (0 if self._closed else reserve) >= count:
                    break
                if self._closed:
                    if up_to and held:
                        count = held
                        break
                    raise errors.OutOfRangeError(
                        None,
                        None,
                        f"{self.queue.describe()} is closed and has insufficient"
                        f" elements (requested {count}, current size {held})",
                    )
                self._cond.wait()
            if self.queue.shuffled:
                taken = [self._take_random() for _ in range(count)]
            else:
                taken, self._items = self._items[:count], self._items[count:]
            self._cond.notify_all()
            return taken

    def _take_random(self) -> tuple:
        index = int(self._rng.integers(len(self._items)))
        self._items[index], self._items[-1] = self._items[-1], self._items[index]
        return self._items.pop()

    def close(self, cancel_pending_enqueues: bool) -> None:
        with self._cond:
            self._closed = True
            self._cancel_enqueues = self._cancel_enqueues or cancel_pending_enqueues
            self._cond.notify_all()

    def cancel(self) -> None:
        """The session closed: every waiting op raises CancelledError."""
        with self._cond:
            self._closed = self._cancelled = True
            self._cond.notify_all()


def host_queue(ctx: HostContext, queue: QueueBase) -> HostQueue:
    """The session's host queue of ``queue`` (made on first use)."""
    return ctx.resource(queue, lambda: HostQueue(queue))


# -- the ops ------------------------------------------------------------------------------


def _no_outputs(specs: Any, attrs: dict[str, Any]) -> list:
    return []


def _component_specs(specs: Any, attrs: dict[str, Any]) -> list:
    return list(attrs["_output_specs"])


def _scalar_int(specs: Any, attrs: dict[str, Any]) -> list:
    return [(_dtypes.int32, ())]


def _scalar_bool(specs: Any, attrs: dict[str, Any]) -> list:
    return [(_dtypes.bool_, ())]


@op(
    "QueueEnqueueV2",
    host_step=True,
    host_context=True,
    list_input="components",
    same_dtype=False,
    shape_fn=_no_outputs,
)
def _enqueue_impl(
    ctx: HostContext, components: list, *, queue: QueueBase, many: bool = False
) -> tuple:
    values = [queue.check_component(i, v, many) for i, v in enumerate(components)]
    if many:
        counts = {len(v) for v in values}
        if len(counts) != 1:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"enqueue_many to {queue.describe()}: the components have different"
                f" first dimensions {sorted(counts)}.",
            )
        elements = [tuple(v[i] for v in values) for i in range(counts.pop())]
    else:
        elements = [tuple(values)]
    host_queue(ctx, queue).enqueue(elements)
    return ()


@op(
    "QueueDequeueV2",
    host_step=True,
    host_context=True,
    shape_fn=_component_specs,
)
def _dequeue_impl(
    ctx: HostContext, *, queue: QueueBase, count: int = 0, up_to: bool = False
) -> tuple:
    taken = host_queue(ctx, queue).dequeue(max(count, 1), up_to)
    if not count and not up_to:
        return taken[0]
    return queue.batch(taken)


@op("QueueSizeV2", host_step=True, host_context=True, shape_fn=_scalar_int)
def _size_impl(ctx: HostContext, *, queue: QueueBase) -> Any:
    return np.int32(host_queue(ctx, queue).size)


@op("QueueIsClosedV2", host_step=True, host_context=True, shape_fn=_scalar_bool)
def _is_closed_impl(ctx: HostContext, *, queue: QueueBase) -> Any:
    return np.bool_(host_queue(ctx, queue).closed)


@op("QueueCloseV2", host_step=True, host_context=True, shape_fn=_no_outputs)
def _close_impl(
    ctx: HostContext,
    *,
    queue: QueueBase,
    cancel_pending_enqueues: bool = False,
) -> tuple:
    host_queue(ctx, queue).close(cancel_pending_enqueues)
    return ()


# -- the TF1 classes ----------------------------------------------------------------------


def _as_dtypes(dtypes: Any) -> list[_dtypes.DType]:
    if not isinstance(dtypes, list | tuple):
        dtypes = [dtypes]
    return [_dtypes.as_dtype(d) for d in dtypes]


def _as_shapes(shapes: Any, count: int) -> list[TensorShape] | None:
    if shapes is None:
        return None
    if isinstance(shapes, TensorShape):
        shapes = [shapes]
    if not isinstance(shapes, list | tuple):
        raise TypeError(f"shapes must be a list of shapes, got {shapes!r}")
    if all(s is None or isinstance(s, int) for s in shapes):
        shapes = [shapes]  # one shape given for the one component
    result = [as_shape(s) for s in shapes]
    if len(result) != count:
        raise ValueError(
            f"Queue shapes must have the same length as dtypes: {len(result)} shapes"
            f" for {count} dtypes."
        )
    return result


class QueueBase:
    """A TF1 queue: the graph side (its ops) of a per-session host queue.

    Args:
      capacity: the most elements it holds; enqueues wait for room.
      dtypes: one dtype per component of an element.
      shapes: one shape per component (``None``: any shape; then
        ``dequeue_many`` is unavailable, as TF1).
      names: component names: elements are then dicts.
      kind: ``"FIFOQueue"``, ``"RandomShuffleQueue"`` or ``"PaddingFIFOQueue"``.
      min_after_dequeue: a shuffling queue keeps this many elements after a
        dequeue until it is closed.
      seed: a shuffling queue's op seed (TF1's rules with the graph seed).
    """

    def __init__(
        self,
        capacity: int,
        dtypes: Any,
        shapes: Any = None,
        names: Any = None,
        *,
        kind: str = "FIFOQueue",
        min_after_dequeue: int = 0,
        seed: int | None = None,
        name: str,
    ) -> None:
        graph = get_default_graph()
        self._graph = graph
        self._dtypes = _as_dtypes(dtypes)
        self._shapes = _as_shapes(shapes, len(self._dtypes))
        if kind == "PaddingFIFOQueue" and self._shapes is None:
            raise ValueError("PaddingFIFOQueue needs shapes (None marks a padded dim).")
        if kind != "PaddingFIFOQueue" and self._shapes is not None:
            for shape in self._shapes:
                if shape.ndims is not None and not shape.is_fully_defined():
                    raise ValueError(
                        f"{kind} needs fully defined shapes, got {shape}: use"
                        " PaddingFIFOQueue for components of varying size."
                    )
        if names is not None:
            names = [names] if isinstance(names, str) else list(names)
            if len(names) != len(self._dtypes):
                raise ValueError("Queue names must have the same length as dtypes.")
        self._names = names
        self.capacity = int(capacity)
        self.kind = kind
        self.min_after_dequeue = int(min_after_dequeue)
        self.shuffled = kind == "RandomShuffleQueue"
        scope = graph.get_name_scope()
        self._name = graph.unique_name(name)
        self._scope = scope
        if graph.seed is None and seed is None:
            self.host_seed: Any = None  # fresh randomness per session
        else:
            graph_seed = DEFAULT_GRAPH_SEED if graph.seed is None else graph.seed
            op_seed = len(graph.get_operations()) if seed is None else seed
            self.host_seed = [int(graph_seed), int(op_seed)]

    # -- TF1 attributes -----------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtypes(self) -> list[_dtypes.DType]:
        return list(self._dtypes)

    @property
    def shapes(self) -> list[TensorShape]:
        if self._shapes is None:
            return [TensorShape(None) for _ in self._dtypes]
        return list(self._shapes)

    @property
    def names(self) -> list[str] | None:
        return self._names

    @property
    def queue_ref(self) -> Any:
        raise NotImplementedError(
            "jgraph queues are host objects without a resource tensor: pass the"
            " queue object itself (QueueBase.from_list is not supported)."
        )

    def describe(self) -> str:
        return f"{self.kind} '{self._name}'"

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __repr__(self) -> str:
        return f"<jgraph.{self.kind} '{self._name}'>"

    # -- the ops --------------------------------------------------------------------
    def _flat(self, vals: Any) -> list[Any]:
        if self._names is not None:
            if not isinstance(vals, dict):
                raise ValueError(
                    f"{self.describe()} has names {self._names}: enqueue a dict."
                )
            missing = set(self._names) ^ set(vals)
            if missing:
                raise ValueError(
                    f"Keys in the enqueued dict {sorted(vals)} do not match the"
                    f" queue's names {self._names}."
                )
            return [vals[n] for n in self._names]
        if isinstance(vals, list | tuple) and (
            len(self._dtypes) > 1 or (len(vals) == 1 and len(self._dtypes) == 1)
        ):
            vals = list(vals)
        else:
            vals = [vals]
        if len(vals) != len(self._dtypes):
            raise ValueError(
                f"{self.describe()} takes {len(self._dtypes)} components, got"
                f" {len(vals)}."
            )
        return vals

    def _enqueue(
        self, vals: Any, many: bool, name: str | None, suffix: str
    ) -> Operation:
        graph = self._graph
        with graph.name_scope(name or f"{self._name}_{suffix}") as scope:
            tensors = []
            for i, (value, dtype) in enumerate(
                zip(self._flat(vals), self._dtypes, strict=True)
            ):
                tensor = convert_to_tensor(value, dtype=dtype, name=f"component_{i}")
                self._check_static(i, tensor, many)
                tensors.append(tensor)
            return add_op(
                REGISTRY["QueueEnqueueV2"],
                [tensors],
                {"queue": self, "many": many},
                scope,
                graph=graph,
            )

    def _check_static(self, index: int, tensor: Tensor, many: bool) -> None:
        if self._shapes is None:
            return
        shape = tensor.shape
        if many:
            if shape.ndims == 0:
                raise ValueError(
                    f"enqueue_many to {self.describe()}: component {index} is a"
                    " scalar; it needs a leading batch dimension."
                )
            shape = TensorShape(None) if shape.ndims is None else shape[1:]
        expected = self._shapes[index]
        if not shape.is_compatible_with(expected):
            raise ValueError(
                f"Shape {shape} of component {index} ({tensor.name}) is incompatible"
                f" with {self.describe()}'s shape {expected}."
            )

    def enqueue(self, vals: Any, name: str | None = None) -> Operation:
        """Enqueues one element (waits while the queue is full)."""
        return self._enqueue(vals, False, name, "enqueue")

    def enqueue_many(self, vals: Any, name: str | None = None) -> Operation:
        """Enqueues the slices of ``vals`` along their first dimension."""
        return self._enqueue(vals, True, name, "EnqueueMany")

    def _dequeue(self, count: int, up_to: bool, name: str | None, suffix: str) -> Any:
        if count and self._shapes is None:
            raise ValueError(
                f"{self.describe()} has no shapes: dequeue_many and dequeue_up_to need"
                " the components' shapes (give shapes= when creating the queue)."
            )
        graph = self._graph
        if up_to:
            first: Any = fresh_dim(graph)
        else:
            first = count
        specs = []
        for i, dtype in enumerate(self._dtypes):
            shape = None if self._shapes is None else self._shapes[i]
            if shape is None or shape.ndims is None:
                dims = None
            else:
                dims = tuple(
                    d if is_known(d) else fresh_dim(graph) for d in shape.as_list()
                )
                if count or up_to:
                    dims = (first, *dims)
            specs.append((dtype, dims))
        outputs = add_op(
            REGISTRY["QueueDequeueV2"],
            [],
            {
                "queue": self,
                "count": count,
                "up_to": up_to,
                "_output_specs": tuple(specs),
            },
            name or f"{self._name}_{suffix}",
            graph=graph,
        )
        outputs = list(outputs) if isinstance(outputs, tuple) else [outputs]
        if self._names is not None:
            return dict(zip(self._names, outputs, strict=True))
        return outputs[0] if len(outputs) == 1 else outputs

    def dequeue(self, name: str | None = None) -> Any:
        """Dequeues one element (waits while the queue is empty)."""
        return self._dequeue(0, False, name, "Dequeue")

    def dequeue_many(self, n: int, name: str | None = None) -> Any:
        """Dequeues ``n`` elements, stacked (one host step, one fed batch)."""
        return self._dequeue(int(n), False, name, "DequeueMany")

    def dequeue_up_to(self, n: int, name: str | None = None) -> Any:
        """As :meth:`dequeue_many`, but a closed queue gives what is left."""
        return self._dequeue(int(n), True, name, "DequeueUpTo")

    def _state_op(self, op_type: str, name: str | None, suffix: str) -> Tensor:
        return add_op(
            REGISTRY[op_type],
            [],
            {"queue": self},
            name or f"{self._name}_{suffix}",
            graph=self._graph,
        )

    def size(self, name: str | None = None) -> Tensor:
        """The number of elements in the queue (int32)."""
        return self._state_op("QueueSizeV2", name, "Size")

    def is_closed(self, name: str | None = None) -> Tensor:
        """Whether the queue is closed (bool)."""
        return self._state_op("QueueIsClosedV2", name, "IsClosed")

    def close(
        self, cancel_pending_enqueues: bool = False, name: str | None = None
    ) -> Operation:
        """Closes the queue: enqueues fail from now on; dequeues drain it."""
        return add_op(
            REGISTRY["QueueCloseV2"],
            [],
            {"queue": self, "cancel_pending_enqueues": bool(cancel_pending_enqueues)},
            name or f"{self._name}_Close",
            graph=self._graph,
        )

    # -- host helpers (used by the host steps) ------------------------------------------
    def check_component(self, index: int, value: np.ndarray, many: bool) -> np.ndarray:
        """A fed component as the queue's dtype, its shape checked (run time)."""
        value = np.asarray(value, dtype=self._dtypes[index].np)
        if self._shapes is None:
            return value
        expected = (
            self._shapes[index].as_list()
            if self._shapes[index].ndims is not None
            else None
        )
        if expected is None:
            return value
        shape = value.shape[1:] if many else value.shape
        if len(shape) != len(expected) or any(
            e is not None and e != s for e, s in zip(expected, shape, strict=True)
        ):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Shape mismatch in tuple component {index} of {self.describe()}."
                f" Expected {expected}, got {list(shape)}",
            )
        return value

    def batch(self, elements: list[tuple]) -> tuple:
        """Elements stacked per component (padded with zeros in a padding queue)."""
        stacked = []
        for i, dtype in enumerate(self._dtypes):
            parts = [e[i] for e in elements]
            if self.kind == "PaddingFIFOQueue":
                rank = parts[0].ndim
                size = [max(p.shape[d] for p in parts) for d in range(rank)]
                fill = b"" if dtype is _dtypes.string else 0
                padded = np.full((len(parts), *size), fill, dtype=dtype.np)
                for row, part in enumerate(parts):
                    padded[(row, *(slice(0, n) for n in part.shape))] = part
                stacked.append(padded)
            else:
                stacked.append(np.stack(parts).astype(dtype.np, copy=False))
        return tuple(stacked)


class FIFOQueue(QueueBase):
    """A queue that gives elements in the order they came (``tf.FIFOQueue``)."""

    def __init__(
        self,
        capacity: int,
        dtypes: Any,
        shapes: Any = None,
        names: Any = None,
        shared_name: str | None = None,
        name: str = "fifo_queue",
    ) -> None:
        del shared_name
        super().__init__(capacity, dtypes, shapes, names, kind="FIFOQueue", name=name)


class PaddingFIFOQueue(QueueBase):
    """A FIFO queue whose ``dequeue_many`` pads ``None`` dims to the batch's
    largest size with zeros (``tf.PaddingFIFOQueue``)."""

    def __init__(
        self,
        capacity: int,
        dtypes: Any,
        shapes: Any,
        names: Any = None,
        shared_name: str | None = None,
        name: str = "padding_fifo_queue",
    ) -> None:
        del shared_name
        super().__init__(
            capacity, dtypes, shapes, names, kind="PaddingFIFOQueue", name=name
        )


class RandomShuffleQueue(QueueBase):
    """A queue that gives its elements in random order (``tf.RandomShuffleQueue``);
    until it is closed it keeps ``min_after_dequeue`` elements after a dequeue."""

    def __init__(
        self,
        capacity: int,
        min_after_dequeue: int,
        dtypes: Any,
        shapes: Any = None,
        names: Any = None,
        seed: int | None = None,
        shared_name: str | None = None,
        name: str = "random_shuffle_queue",
    ) -> None:
        del shared_name
        super().__init__(
            capacity,
            dtypes,
            shapes,
            names,
            kind="RandomShuffleQueue",
            min_after_dequeue=min_after_dequeue,
            seed=seed,
            name=name,
        )
