"""TF1's queue-based input pipeline builders (``tf.train.string_input_producer``,
``slice_input_producer``, ``batch``, ``shuffle_batch``, ...), as TF1 builds them.

Each builder makes a queue (``jgraph/ops/data_flow_ops.py``), enqueue ops and a
:class:`~jgraph.train.queue_runner.QueueRunner` added to the graph's
``QUEUE_RUNNERS`` collection; ``start_queue_runners`` starts the threads. The
epoch limit of a producer is a local variable (``.../limit_epochs/epochs``), so
``tf.local_variables_initializer()`` must run first, as TF1. Shuffling of a
producer is done on the host with TF1's seed rules (same seeds: same orders;
not TF1's numbers).

Not built: TF1's ``fraction_of_N_full`` queue summaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from jgraph import errors
from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import GraphKeys, get_default_graph
from jgraph.graph.shape import TensorShape
from jgraph.graph.tensor import Tensor
from jgraph.ops.array_ops import gather
from jgraph.ops.conversion import add_op, convert_to_tensor
from jgraph.ops.data_flow_ops import (
    DEFAULT_GRAPH_SEED,
    FIFOQueue,
    PaddingFIFOQueue,
    QueueBase,
    RandomShuffleQueue,
)
from jgraph.ops.registry import REGISTRY, HostContext, op
from jgraph.ops.variables import Variable
from jgraph.train.queue_runner import QueueRunner, add_queue_runner


def _same_spec(specs: Any, attrs: dict[str, Any]) -> list:
    return [attrs["_spec"]]


@op(
    "LimitEpochs",
    host_step=True,
    host_context=True,
    same_dtype=False,
    shape_fn=_same_spec,
)
def _limit_epochs_impl(
    ctx: HostContext, tensor: Any, *, counter: str, num_epochs: int
) -> Any:
    def count_up(done: Any) -> Any:
        # TF1's count_up_to: the counter stays at the limit once reached.
        if int(done) >= num_epochs:
            raise errors.OutOfRangeError(
                None, None, f"Reached limit of {num_epochs} (epoch counter {counter})"
            )
        return done + 1

    ctx.update_variable(counter, count_up)
    return tensor


@op(
    "HostRandomShuffle",
    host_step=True,
    host_context=True,
    same_dtype=False,
    shape_fn=_same_spec,
)
def _host_shuffle_impl(ctx: HostContext, value: Any, *, seed: Any, key: Any) -> Any:
    rng = ctx.resource(key, lambda: np.random.default_rng(seed))
    return value[rng.permutation(len(value))]


def _host_seed(seed: int | None) -> Any:
    graph = get_default_graph()
    if graph.seed is None and seed is None:
        return None
    graph_seed = DEFAULT_GRAPH_SEED if graph.seed is None else graph.seed
    return [int(graph_seed), int(len(graph.get_operations()) if seed is None else seed)]


def limit_epochs(
    tensor: Any, num_epochs: int | None = None, name: str | None = None
) -> Tensor:
    """``tensor``, for ``num_epochs`` runs; then ``OutOfRangeError``. The count is
    the local variable ``<name>/epochs`` (run ``local_variables_initializer``)."""
    tensor = convert_to_tensor(tensor)
    if num_epochs is None:
        return tensor
    if num_epochs <= 0:
        raise ValueError(f"num_epochs must be > 0 not {num_epochs}.")
    graph = get_default_graph()
    with graph.name_scope(name or "limit_epochs") as scope:
        counter = Variable(
            np.int64(0),
            name="epochs",
            trainable=False,
            collections=[GraphKeys.LOCAL_VARIABLES],
        )
        return add_op(
            REGISTRY["LimitEpochs"],
            [tensor],
            {
                "counter": counter.op.name,
                "num_epochs": int(num_epochs),
                "_spec": (tensor.dtype, tensor.dims),
            },
            scope,
        )


def input_producer(
    input_tensor: Any,
    element_shape: Any = None,
    num_epochs: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    capacity: int = 32,
    shared_name: str | None = None,
    summary_name: str | None = None,
    name: str | None = None,
    cancel_op: Any = None,
) -> QueueBase:
    """A queue filled with the rows of ``input_tensor`` (shuffled each epoch if
    ``shuffle``), ``num_epochs`` times (forever if ``None``)."""
    del shared_name, summary_name
    graph = get_default_graph()
    with graph.name_scope(name or "input_producer"):
        tensor = convert_to_tensor(input_tensor)
        shape = TensorShape(element_shape) if element_shape is not None else None
        if shape is None:
            if tensor.dims is None or not tensor.shape[1:].is_fully_defined():
                raise ValueError(
                    "Either `input_tensor` must have a fully defined shape or"
                    " `element_shape` must be specified"
                )
            shape = tensor.shape[1:]
        if shuffle:
            tensor = add_op(
                REGISTRY["HostRandomShuffle"],
                [tensor],
                {
                    "seed": _host_seed(seed),
                    "key": object(),
                    "_spec": (tensor.dtype, tensor.dims),
                },
                "RandomShuffle",
            )
        tensor = limit_epochs(tensor, num_epochs)
        queue = FIFOQueue(
            capacity, [tensor.dtype], [shape], name=name or "input_producer"
        )
        enqueue = queue.enqueue_many([tensor])
        add_queue_runner(
            QueueRunner(queue, [enqueue], cancel_op=cancel_op)
            if cancel_op is not None
            else QueueRunner(queue, [enqueue])
        )
        return queue


def string_input_producer(
    string_tensor: Any,
    num_epochs: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    capacity: int = 32,
    shared_name: str | None = None,
    name: str | None = None,
    cancel_op: Any = None,
) -> QueueBase:
    """A queue of file names (strings), for a reader's ``read``."""
    values = string_tensor
    if not isinstance(values, Tensor) and np.size(values) == 0:
        raise ValueError("string_input_producer requires a non-null input tensor")
    tensor = convert_to_tensor(values, dtype=_dtypes.string)
    return input_producer(
        tensor,
        [],
        num_epochs,
        shuffle,
        seed,
        capacity,
        name=name or "input_producer",
        cancel_op=cancel_op,
    )


def range_input_producer(
    limit: int,
    num_epochs: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    capacity: int = 32,
    shared_name: str | None = None,
    name: str | None = None,
) -> QueueBase:
    """A queue of the integers ``0 .. limit-1`` (int32)."""
    return input_producer(
        np.arange(int(limit), dtype=np.int32),
        [],
        num_epochs,
        shuffle,
        seed,
        capacity,
        name=name or "input_producer",
    )


def slice_input_producer(
    tensor_list: Sequence[Any],
    num_epochs: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    capacity: int = 32,
    shared_name: str | None = None,
    name: str | None = None,
) -> list[Tensor]:
    """One slice of every tensor of ``tensor_list`` per dequeue (the same row of
    each), as TF1: a queue of row indices, then a gather."""
    graph = get_default_graph()
    with graph.name_scope(name or "input_producer"):
        tensors = [convert_to_tensor(t) for t in tensor_list]
        if not tensors:
            raise ValueError("Expected at least one tensor in slice_input_producer().")
        rows = tensors[0].shape[0]
        if rows.value is None:
            raise ValueError(
                "slice_input_producer needs the number of rows known when the graph"
                f" is built; {tensors[0].name} has shape {tensors[0].shape}."
            )
        queue = range_input_producer(rows.value, num_epochs, shuffle, seed, capacity)
        index = queue.dequeue()
        return [gather(t, index) for t in tensors]


# -- batching ------------------------------------------------------------------------------


def _flatten(tensors: Any) -> tuple[list[Tensor], Any]:
    if isinstance(tensors, dict):
        keys = sorted(tensors)
        return [convert_to_tensor(tensors[k]) for k in keys], keys
    if isinstance(tensors, Tensor):
        raise TypeError(
            "tf.train.batch takes a list or dict of tensors (TF1 cannot iterate a"
            f" tensor either): write [{tensors.name}]."
        )
    return [convert_to_tensor(t) for t in tensors], None


def _restore(keys: Any, dequeued: Any) -> Any:
    if keys is None:
        return dequeued
    values = dequeued if isinstance(dequeued, list) else [dequeued]
    return dict(zip(keys, values, strict=True))


def _shapes(
    tensor_lists: list[list[Tensor]], shapes: Any, enqueue_many: bool, dynamic_pad: bool
) -> list[TensorShape]:
    if shapes is not None:
        return [TensorShape(s) for s in shapes]
    result = []
    for i, tensor in enumerate(tensor_lists[0]):
        shape = tensor.shape
        if enqueue_many:
            if shape.ndims == 0:
                raise ValueError(f"Shape {shape} must have rank at least 1")
            shape = shape[1:] if shape.ndims is not None else shape
        for others in tensor_lists[1:]:
            other = others[i].shape
            shape = shape.merge_with(other[1:] if enqueue_many else other)
        result.append(shape)
    if not dynamic_pad and not all(s.is_fully_defined() for s in result):
        raise ValueError(f"All shapes must be fully defined: {result}")
    return result


def _batch(
    tensor_lists: list[Any],
    batch_size: int,
    capacity: int,
    enqueue_many: bool,
    shapes: Any,
    dynamic_pad: bool,
    allow_smaller_final_batch: bool,
    name: str | None,
    default_name: str,
    threads_per_list: int = 1,
    shuffle: tuple[int, int | None] | None = None,
) -> Any:
    flat = [_flatten(t) for t in tensor_lists]
    keys = flat[0][1]
    lists = [f[0] for f in flat]
    graph = get_default_graph()
    with graph.name_scope(name or default_name) as scope:
        dtypes = [t.dtype for t in lists[0]]
        queue_shapes = _shapes(lists, shapes, enqueue_many, dynamic_pad)
        if shuffle is not None:
            min_after, seed = shuffle
            queue: QueueBase = RandomShuffleQueue(
                capacity, min_after, dtypes, queue_shapes, seed=seed
            )
        elif dynamic_pad:
            queue = PaddingFIFOQueue(capacity, dtypes, queue_shapes)
        else:
            queue = FIFOQueue(capacity, dtypes, queue_shapes)
        enqueues = []
        for tensors in lists:
            enqueue = queue.enqueue_many if enqueue_many else queue.enqueue
            enqueues += [enqueue(tensors)] * threads_per_list
        add_queue_runner(QueueRunner(queue, enqueues))
        take = queue.dequeue_up_to if allow_smaller_final_batch else queue.dequeue_many
        return _restore(keys, take(batch_size, name=scope))


def batch(
    tensors: Any,
    batch_size: int,
    num_threads: int = 1,
    capacity: int = 32,
    enqueue_many: bool = False,
    shapes: Any = None,
    dynamic_pad: bool = False,
    allow_smaller_final_batch: bool = False,
    shared_name: str | None = None,
    name: str | None = None,
) -> Any:
    """Batches ``tensors`` (a list or dict) through a FIFO queue filled by
    ``num_threads`` threads; the batches have the input's structure."""
    return _batch(
        [tensors],
        batch_size,
        capacity,
        enqueue_many,
        shapes,
        dynamic_pad,
        allow_smaller_final_batch,
        name,
        "batch",
        num_threads,
    )


def batch_join(
    tensors_list: Sequence[Any],
    batch_size: int,
    capacity: int = 32,
    enqueue_many: bool = False,
    shapes: Any = None,
    dynamic_pad: bool = False,
    allow_smaller_final_batch: bool = False,
    shared_name: str | None = None,
    name: str | None = None,
) -> Any:
    """As :func:`batch`, with one enqueueing thread per element of ``tensors_list``."""
    return _batch(
        list(tensors_list),
        batch_size,
        capacity,
        enqueue_many,
        shapes,
        dynamic_pad,
        allow_smaller_final_batch,
        name,
        "batch_join",
    )


def shuffle_batch(
    tensors: Any,
    batch_size: int,
    capacity: int,
    min_after_dequeue: int,
    num_threads: int = 1,
    seed: int | None = None,
    enqueue_many: bool = False,
    shapes: Any = None,
    allow_smaller_final_batch: bool = False,
    shared_name: str | None = None,
    name: str | None = None,
) -> Any:
    """Batches ``tensors`` in random order through a ``RandomShuffleQueue``."""
    return _batch(
        [tensors],
        batch_size,
        capacity,
        enqueue_many,
        shapes,
        False,
        allow_smaller_final_batch,
        name,
        "shuffle_batch",
        num_threads,
        (min_after_dequeue, seed),
    )


def shuffle_batch_join(
    tensors_list: Sequence[Any],
    batch_size: int,
    capacity: int,
    min_after_dequeue: int,
    seed: int | None = None,
    enqueue_many: bool = False,
    shapes: Any = None,
    allow_smaller_final_batch: bool = False,
    shared_name: str | None = None,
    name: str | None = None,
) -> Any:
    """As :func:`shuffle_batch`, one enqueueing thread per element of ``tensors_list``."""
    return _batch(
        list(tensors_list),
        batch_size,
        capacity,
        enqueue_many,
        shapes,
        False,
        allow_smaller_final_batch,
        name,
        "shuffle_batch_join",
        1,
        (min_after_dequeue, seed),
    )


__all__ = [
    "batch",
    "batch_join",
    "input_producer",
    "limit_epochs",
    "range_input_producer",
    "shuffle_batch",
    "shuffle_batch_join",
    "slice_input_producer",
    "string_input_producer",
]
