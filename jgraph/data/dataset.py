"""``tf.data`` for in-memory data: the data stays on the device, the session feeds indices.

A :class:`Dataset` is a description: a source of ``N`` elements (tensors sliced
along their first dimension) and a chain of stages. Stages that choose *which*
elements come next (``shuffle``, ``repeat``, ``batch``, ``take``, ``skip``) run on
the host as cheap integer work on index arrays; ``map`` functions are graph
functions evaluated on the device. ``iterator.get_next()`` is one op whose inputs
are the source tensors (big constants live on the device, see ``compile/lower.py``) and an
index array the session feeds each run: fetching a batch is a gather on the device,
not a host round trip of the data.

The iterator's position (how many elements or batches it has produced) is a
variable, so ``Saver`` saves it; the session keeps a host mirror of it and raises
``OutOfRangeError`` before a run that would read past the end, as TF1.

TF1 differences:
  - ``shuffle(buffer_size)`` draws a full permutation of each pass of its input,
    whatever ``buffer_size`` (TF1's is a sliding window: equal to this when
    ``buffer_size >= N``). Same ``seed``, same order.
  - ``prefetch`` and ``cache`` change nothing: the data is already on the device.
  - Random ops inside ``map`` draw one value per run, shared by the elements.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator as PyIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from jgraph import errors
from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Graph, GraphKeys, get_default_graph
from jgraph.graph.shape import TensorShape, is_known
from jgraph.graph.tensor import Tensor
from jgraph.graph.traversal import ancestors
from jgraph.ops import state_ops
from jgraph.ops.array_ops import expand_dims
from jgraph.ops.control_flow_ops import trace_function
from jgraph.ops.conversion import add_op, constant, convert_to_tensor
from jgraph.ops.folding import constant_value
from jgraph.ops.inference import fresh_dim
from jgraph.ops.registry import (
    REGISTRY,
    Effects,
    GraphFunction,
    HostContext,
    Reads,
    op,
)
from jgraph.ops.variables import Variable

if TYPE_CHECKING:
    from jgraph.compile.interpreter import Interpreter

# -- host-side index streams -------------------------------------------------------------
# A stream yields chunks: int arrays of shape (m, *unit_shape), m units each. A unit is
# one element index (unit shape ()) or a batch of them ((B,), (B1, B2), ...).

StreamFactory = Callable[[], PyIterator[np.ndarray]]

ITERATORS = "jgraph_iterators"  # graph collection: every Iterator, for the session


@dataclass(frozen=True)
class _Stage:
    """One host stage: builds a stream factory from its input's."""

    kind: str
    count: int | None = None
    seed: int | None = None
    drop_remainder: bool = False
    reshuffle: bool = True

    def apply(self, upstream: StreamFactory) -> StreamFactory:
        return getattr(self, f"_{self.kind}")(upstream)

    def _shuffle(self, upstream: StreamFactory) -> StreamFactory:
        passes = itertools.count()
        seed = (
            self.seed
            if self.seed is not None
            else int(np.random.SeedSequence().generate_state(1)[0])
        )

        def make() -> PyIterator[np.ndarray]:
            units = np.concatenate(list(upstream()), axis=0)
            pass_index = next(passes) if self.reshuffle else 0
            order = np.random.default_rng([seed, pass_index]).permutation(len(units))
            yield units[order]

        return make

    def _repeat(self, upstream: StreamFactory) -> StreamFactory:
        def make() -> PyIterator[np.ndarray]:
            for _ in range(self.count) if self.count is not None else itertools.count():
                yield from upstream()

        return make

    def _batch(self, upstream: StreamFactory) -> StreamFactory:
        size = int(self.count or 0)

        def make() -> PyIterator[np.ndarray]:
            pending: list[np.ndarray] = []
            held = 0
            for chunk in upstream():
                pending.append(chunk)
                held += len(chunk)
                if held >= size:
                    units = np.concatenate(pending, axis=0)
                    whole = held // size * size
                    yield units[:whole].reshape((held // size, size, *units.shape[1:]))
                    pending, held = [units[whole:]], held - whole
            if held and not self.drop_remainder:
                rest = np.concatenate(pending, axis=0)
                yield rest[np.newaxis]  # the final, smaller batch, alone in its chunk

        return make

    def _take(self, upstream: StreamFactory) -> StreamFactory:
        return _sliced(upstream, 0, self.count)

    def _skip(self, upstream: StreamFactory) -> StreamFactory:
        return _sliced(upstream, self.count or 0, None)


def _sliced(upstream: StreamFactory, start: int, count: int | None) -> StreamFactory:
    def make() -> PyIterator[np.ndarray]:
        to_skip, left = start, count
        for chunk in upstream():
            if to_skip:
                dropped = min(to_skip, len(chunk))
                chunk, to_skip = chunk[dropped:], to_skip - dropped
            if left is not None:
                if left <= 0:
                    return
                chunk, left = chunk[:left], left - min(left, len(chunk))
            if len(chunk):
                yield chunk

    return make


# -- the dataset description -------------------------------------------------------------


@dataclass(frozen=True)
class _Map:
    """A map function traced into the graph: element placeholders -> outputs."""

    function: GraphFunction
    depth: int  # how many batch stages precede it


class Dataset:
    """An in-memory input pipeline, as TF1's ``tf.data.Dataset``.

    >>> import numpy as np
    >>> ds = Dataset.from_tensor_slices(np.arange(6)).batch(4)
    >>> ds.output_shapes
    TensorShape([Dimension(None)])
    """

    def __init__(
        self,
        components: tuple[Tensor, ...],
        structure: Any,
        stages: tuple[_Stage | _Map, ...],
        specs: tuple[tuple[_dtypes.DType, tuple[Any, ...]], ...],
    ) -> None:
        self._components = components
        self._structure = structure  # a jax treedef over the element's tensors
        self._stages = stages
        self._specs = specs  # per flat output: dtype and dims (batch dims included)

    # -- sources ----------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any) -> Dataset:
        """Elements are the slices of ``tensors`` (a nest) along their first dim."""
        leaves, structure = jax.tree_util.tree_flatten(tensors, is_leaf=_is_leaf)
        components = tuple(convert_to_tensor(t) for t in leaves)
        lengths = {c.dims[0] for c in components if c.dims}
        known = {int(n) for n in lengths if is_known(n)}
        if not components or any(not c.dims for c in components) or len(known) > 1:
            shapes = [str(c.shape) for c in components]
            raise ValueError(
                f"from_tensor_slices needs tensors of rank >= 1 with one first"
                f" dimension, got shapes {shapes}."
            )
        specs = tuple((c.dtype, tuple((c.dims or ())[1:])) for c in components)
        dataset = Dataset(components, structure, (), specs)
        if any(c.dtype is _dtypes.string for c in components):
            # XLA has no strings: the elements are made on the host.
            return HostDataset.of(dataset)
        return dataset

    @staticmethod
    def from_tensors(tensors: Any) -> Dataset:
        """A dataset of one element: ``tensors``."""
        leaves, structure = jax.tree_util.tree_flatten(tensors, is_leaf=_is_leaf)
        expanded = [expand_dims(convert_to_tensor(t), 0) for t in leaves]
        return Dataset.from_tensor_slices(
            jax.tree_util.tree_unflatten(structure, expanded)
        )

    @staticmethod
    def range(*args: int) -> Dataset:
        """Elements ``start, start + step, ...`` below ``stop`` (int64, as TF1)."""
        return Dataset.from_tensor_slices(constant(np.arange(*args, dtype=np.int64)))

    @staticmethod
    def zip(datasets: Any) -> Dataset:
        """Elements are nests of the given datasets' elements (sources only)."""
        leaves, structure = jax.tree_util.tree_flatten(
            datasets, is_leaf=lambda d: isinstance(d, Dataset)
        )
        if any(d._stages for d in leaves):
            raise NotImplementedError(
                "jgraph zips datasets before any transformation only; zip the sources,"
                " then shuffle/batch/map the zipped dataset."
            )
        parts = [
            jax.tree_util.tree_unflatten(d._structure, d._components) for d in leaves
        ]
        return Dataset.from_tensor_slices(
            jax.tree_util.tree_unflatten(structure, parts)
        )

    # -- stages ----------------------------------------------------------------
    def _with(
        self, stage: _Stage | _Map, specs: Any = None, structure: Any = None
    ) -> Dataset:
        return Dataset(
            self._components,
            structure if structure is not None else self._structure,
            (*self._stages, stage),
            specs if specs is not None else self._specs,
        )

    def shuffle(
        self,
        buffer_size: int,
        seed: int | None = None,
        reshuffle_each_iteration: bool = True,
    ) -> Dataset:
        """Randomly permutes each pass of the input (see the module's TF1 difference;
        a host dataset shuffles with TF1's buffer of ``buffer_size``)."""
        if seed is None and get_default_graph().seed is not None:
            seed = get_default_graph().seed
        return self._with(
            _Stage(
                "shuffle",
                count=int(buffer_size),
                seed=seed,
                reshuffle=reshuffle_each_iteration,
            )
        )

    def repeat(self, count: int | None = None) -> Dataset:
        """Repeats the input ``count`` times (forever when ``None`` or -1)."""
        count = None if count is None or int(count) < 0 else int(count)
        return self._with(_Stage("repeat", count=count))

    def batch(self, batch_size: int, drop_remainder: bool = False) -> Dataset:
        """Groups ``batch_size`` consecutive elements; the last batch may be smaller
        unless ``drop_remainder`` (then its static size is known)."""
        size = int(batch_size)
        graph = get_default_graph()
        first = size if drop_remainder else fresh_dim(graph)
        specs = tuple((dtype, (first, *dims)) for dtype, dims in self._specs)
        return self._with(
            _Stage("batch", count=size, drop_remainder=drop_remainder), specs
        )

    def take(self, count: int) -> Dataset:
        """The first ``count`` elements (all when -1)."""
        count = int(count)
        return self if count < 0 else self._with(_Stage("take", count=count))

    def skip(self, count: int) -> Dataset:
        """All but the first ``count`` elements."""
        return self._with(_Stage("skip", count=int(count)))

    def prefetch(self, buffer_size: int) -> Dataset:
        """No-op: the data is on the device already."""
        del buffer_size
        return self

    def cache(self, filename: str = "") -> Dataset:
        """No-op: the data is in memory already."""
        del filename
        return self

    def map(
        self, map_func: Callable[..., Any], num_parallel_calls: int | None = None
    ) -> Dataset:
        """Applies ``map_func`` (which builds graph ops) to every element (or batch)."""
        del num_parallel_calls
        function = self._trace(map_func, "map", "Dataset.map's map_func")
        depth = sum(
            1 for s in self._stages if isinstance(s, _Stage) and s.kind == "batch"
        )
        specs = tuple((t.dtype, t.dims) for t in function.outputs)
        return self._with(_Map(function, depth), specs, function.structure)

    def _trace(self, fn: Callable[..., Any], scope: str, what: str) -> GraphFunction:
        """``fn`` applied to placeholders standing for an element, as a graph
        function (built in name scope ``scope``)."""
        graph = get_default_graph()
        with graph.name_scope(scope):
            inputs = _element_placeholders(self._specs, "")
            element = jax.tree_util.tree_unflatten(self._structure, list(inputs))
            function, _ = trace_function(
                lambda: fn(*element) if isinstance(element, tuple) else fn(element),
                inputs,
                what,
            )
        return function

    # -- stages of host datasets (the elements are made on the host) -----------------
    def padded_batch(
        self,
        batch_size: int,
        padded_shapes: Any = None,
        padding_values: Any = None,
        drop_remainder: bool = False,
    ) -> Dataset:
        """Batches of ``batch_size`` elements, each component padded to
        ``padded_shapes`` (``None``/-1 dims: the batch's longest) with
        ``padding_values`` (default 0, or ``b""``). Runs as a host dataset."""
        flat_shapes: list[Any]
        if padded_shapes is None:
            flat_shapes = [None] * len(self._specs)
        else:
            flat_shapes = jax.tree_util.tree_flatten(
                padded_shapes,
                is_leaf=lambda s: (
                    isinstance(s, TensorShape | list | tuple)
                    and all(d is None or isinstance(d, int) for d in s)
                ),
            )[0]
        if len(flat_shapes) != len(self._specs):
            raise ValueError(
                f"padded_shapes has {len(flat_shapes)} components, the dataset's"
                f" elements {len(self._specs)}."
            )
        values = (
            [None] * len(self._specs)
            if padding_values is None
            else jax.tree_util.tree_leaves(padding_values)
        )
        graph = get_default_graph()
        padding = []
        specs = []
        for (dtype, dims), shape, value in zip(
            self._specs, flat_shapes, values, strict=True
        ):
            if shape is None:
                if dims is None:
                    raise ValueError(
                        "padded_batch needs padded_shapes for components of unknown"
                        " rank."
                    )
                shape = [None] * len(dims)
            target = tuple(
                None if d is None or int(d) < 0 else int(d)
                for d in TensorShape(shape).as_list()
            )
            fill = (b"" if dtype is _dtypes.string else 0) if value is None else value
            if isinstance(fill, Tensor):
                fill = constant_value(fill)
            padding.append((target, np.asarray(fill, dtype=dtype.np)))
            first = int(batch_size) if drop_remainder else fresh_dim(graph)
            specs.append(
                (
                    dtype,
                    (first, *(fresh_dim(graph) if d is None else d for d in target)),
                )
            )
        stage = _HostStage(
            "padded_batch",
            count=int(batch_size),
            drop_remainder=drop_remainder,
            padding=tuple(padding),
        )
        return HostDataset.of(self)._with(stage, tuple(specs))

    def _inner(self, map_func: Callable[..., Any], scope: str) -> tuple[tuple, Any]:
        args = _element_placeholders(self._specs, scope)
        element = jax.tree_util.tree_unflatten(self._structure, list(args))
        inner = map_func(*element) if isinstance(element, tuple) else map_func(element)
        if not isinstance(inner, Dataset):
            raise TypeError(
                f"The function given to {scope} must return a Dataset, got {inner!r}."
            )
        return args, inner

    def flat_map(self, map_func: Callable[..., Any]) -> Dataset:
        """The elements of the datasets ``map_func`` makes of each element, in
        order. Runs as a host dataset."""
        args, inner = self._inner(map_func, "flat_map")
        stage = _HostStage("flat_map", args=args, inner=inner)
        return HostDataset.of(self)._with(stage, inner._specs, inner._structure)

    def interleave(
        self,
        map_func: Callable[..., Any],
        cycle_length: int = 1,
        block_length: int = 1,
        num_parallel_calls: int | None = None,
    ) -> Dataset:
        """As :meth:`flat_map`, taking ``block_length`` elements in turn from
        ``cycle_length`` inner datasets at a time (TF1's order)."""
        del num_parallel_calls
        args, inner = self._inner(map_func, "interleave")
        stage = _HostStage(
            "interleave",
            count=int(cycle_length),
            block=int(block_length),
            args=args,
            inner=inner,
        )
        return HostDataset.of(self)._with(stage, inner._specs, inner._structure)

    def filter(self, predicate: Callable[..., Any]) -> Dataset:
        """The elements for which ``predicate`` is true. Runs as a host dataset."""
        function = self._trace(predicate, "filter", "Dataset.filter's predicate")
        stage = _HostStage("filter", function=function)
        return HostDataset.of(self)._with(stage)

    def host_elements(self, ctx: HostContext, feeds: dict) -> ElementStream:
        """The element stream of this dataset made on the host, with ``feeds``
        for the placeholders it reads."""
        return HostDataset.of(self).host_elements(ctx, feeds)

    @staticmethod
    def from_generator(
        generator: Callable[..., Any],
        output_types: Any,
        output_shapes: Any = None,
        args: Any = None,
    ) -> Dataset:
        """Elements yielded by ``generator()`` (a host dataset)."""
        return _from_generator(generator, output_types, output_shapes, args)

    # -- TF1 attributes -----------------------------------------------------------------
    @property
    def output_types(self) -> Any:
        return jax.tree_util.tree_unflatten(
            self._structure, [d for d, _ in self._specs]
        )

    @property
    def output_shapes(self) -> Any:
        return jax.tree_util.tree_unflatten(
            self._structure, [TensorShape(dims) for _, dims in self._specs]
        )

    # -- iterators ------------------------------------------------------------------------
    def make_one_shot_iterator(self) -> Iterator:
        """An iterator that needs no initialisation (its sources must be constants)."""
        for component in self._components:
            if constant_value(component) is None:
                raise ValueError(
                    f"make_one_shot_iterator needs constant inputs, but {component.name}"
                    " depends on a placeholder or a variable: use"
                    " make_initializable_iterator() and run iterator.initializer."
                )
        return Iterator(self, initializable=False)

    def make_initializable_iterator(self, shared_name: str | None = None) -> Iterator:
        """An iterator to initialise with ``sess.run(it.initializer, feed_dict)``."""
        del shared_name
        return Iterator(self, initializable=True)

    def host_stream(self, length: int) -> StreamFactory:
        """The index stream of this pipeline over a source of ``length`` elements."""

        def source() -> PyIterator[np.ndarray]:
            yield np.arange(length, dtype=np.int32)

        factory: StreamFactory = source
        for stage in self._stages:
            if isinstance(stage, _Stage):
                factory = stage.apply(factory)
        return factory


_OBJECT = np.dtype(object)


def _is_text(value: Any) -> bool:
    """A string element (kept as an object array of bytes, as TF1 gives it)."""
    return isinstance(value, bytes | str) or getattr(value, "dtype", None) == _OBJECT


def _is_leaf(value: Any) -> bool:
    """One component of a dataset's element: a tensor-like, or a Python list (as
    TF1's ``tf.data``, which converts a list to one tensor: ``from_tensor_slices(
    ["a.csv", "b.csv"])`` has scalar elements; tuples and dicts are structure)."""
    return isinstance(value, Tensor | Variable | np.ndarray | list) or hasattr(
        value, "_as_tensor"
    )


# -- the device side: one op per get_next ----------------------------------------------------------


def _get_next_specs(specs: Any, attrs: dict[str, Any]) -> list[tuple[Any, Any]]:
    return list(attrs["element_specs"])


@dataclass(frozen=True)
class _IteratorFeed:
    """What the session feeds a ``get_next`` op: the indices of the next rows and
    the iterator's position after them, from the iterator's host stream."""

    iterator: Iterator
    inputs: tuple[Tensor, ...]

    @property
    def source(self) -> Iterator:
        return self.iterator

    @property
    def restarted_by(self) -> tuple[str, ...]:
        return (self.iterator.position_variable.op.name,)

    def open(self, variables: Mapping[str, Any]) -> HostIterator:
        return HostIterator(self.iterator, variables)


@op(
    "IteratorGetNext",
    needs_context=True,
    effects=Effects(reads=Reads.NONE, writes=True),
    subgraphs=lambda attrs: tuple(m.function for m in attrs["maps"]),
    auto_feed=lambda op_: _IteratorFeed(op_.attrs["iterator"], op_.inputs[:2]),
    declared_attrs=("iterator",),
    list_input="components",
    same_dtype=False,
    shape_fn=_get_next_specs,
)
def _get_next_impl(
    ctx: Interpreter,
    rows: Any,
    position: Any,
    components: Sequence[Any],
    *,
    var_names: tuple[str, ...],
    maps: tuple[_Map, ...],
    batch_depth: int,
    element_specs: tuple[Any, ...],
) -> Any:
    ctx.write_state(var_names[0], position)
    values = [jnp.take(c, rows, axis=0) for c in components]
    for stage in maps:

        def apply(*vals: Any, function: GraphFunction = stage.function) -> tuple:
            feeds = dict(zip(function.args, vals, strict=True))
            return tuple(ctx.evaluate(function.outputs, feeds))

        for _ in range(batch_depth - stage.depth):
            apply = jax.vmap(apply)
        values = list(apply(*values))
    del element_specs
    return tuple(values)


class Iterator:
    """Yields a dataset's elements: ``next = it.get_next()``; run ``next`` to advance."""

    def __init__(self, dataset: Dataset, initializable: bool) -> None:
        graph = get_default_graph()
        self._dataset = dataset
        self._graph = graph
        with graph.name_scope("Iterator") as scope:
            self._position = Variable(
                0, name="position", trainable=False, dtype=_dtypes.int32
            )
            self._buffers: tuple[Variable, ...] = ()
            sources: tuple[Any, ...] = dataset._components
            init_ops = [self._position.initializer]
            if initializable:
                self._buffers = tuple(
                    Variable(
                        c,
                        name=f"buffer_{i}",
                        trainable=False,
                        validate_shape=False,
                        collections=[GraphKeys.LOCAL_VARIABLES],
                    )
                    for i, c in enumerate(dataset._components)
                )
                sources = tuple(b.value() for b in self._buffers)
                init_ops += [b.initializer for b in self._buffers]
            self._initializer = state_ops.group(*init_ops, name="initializer")
            self._sources = sources
            self._scope = scope
        self._initializable = initializable
        self._host_next: list[Tensor] | None = None
        graph.add_to_collection(ITERATORS, self)

    @property
    def initializer(self) -> Any:
        """The op that (re)starts the iterator (loads fed data for initializable ones)."""
        return self._initializer

    @property
    def handle(self) -> bytes:
        """The value of :meth:`string_handle`: the iterator's unique scope name."""
        return self._scope.encode()

    def string_handle(self, name: str | None = None) -> Tensor:
        """A string naming this iterator, to feed a ``from_string_handle`` one."""
        self.host_next()
        return add_op(
            REGISTRY["IteratorToStringHandle"],
            [],
            {"iterator": self},
            name or "IteratorToStringHandle",
            graph=self._graph,
        )

    def host_next(self) -> list[Tensor]:
        """The flat tensors of this iterator's ``get_next`` that a switching
        iterator runs (built once)."""
        tensors = self._host_next
        if tensors is None:
            tensors = self._host_next = jax.tree_util.tree_leaves(self.get_next())
        return tensors

    @property
    def output_types(self) -> Any:
        return self._dataset.output_types

    @property
    def output_shapes(self) -> Any:
        return self._dataset.output_shapes

    @property
    def position_variable(self) -> Variable:
        return self._position

    @property
    def buffer_variables(self) -> tuple[Variable, ...]:
        """The local variables an initializable iterator loads its data into."""
        return self._buffers

    def get_next(self, name: str | None = None) -> Any:
        """The next element (or batch): a nest of tensors; running it advances."""
        dataset = self._dataset
        stages = dataset._stages
        batch_depth = sum(
            1 for s in stages if isinstance(s, _Stage) and s.kind == "batch"
        )
        graph = self._graph
        with graph.name_scope(self._scope):
            rows = state_ops.placeholder(
                _dtypes.int32, [None] * batch_depth, name="rows"
            )
            position = state_ops.placeholder(_dtypes.int32, [], name="next_position")
        outputs = add_op(
            REGISTRY["IteratorGetNext"],
            [rows, position, list(self._sources)],
            {
                "var_names": (self._position.op.name,),
                "maps": tuple(s for s in stages if isinstance(s, _Map)),
                "batch_depth": batch_depth,
                "element_specs": dataset._specs,
                "iterator": self,
            },
            name or "IteratorGetNext",
            graph=graph,
        )
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return jax.tree_util.tree_unflatten(dataset._structure, list(outputs))

    def source_length(self, variables: Mapping[str, Any]) -> int:
        """How many elements the source has (known once the iterator is initialised),
        given a session's ``variables``."""
        first = self._sources[0]
        if self._buffers:
            name = self._buffers[0].op.name
            if name not in variables:
                raise errors.FailedPreconditionError(
                    None,
                    self._initializer,
                    "GetNext() failed because the iterator has not been initialized."
                    " Ensure that you have run the initializer operation for this"
                    " iterator before getting the next element.",
                )
            return int(variables[name].shape[0])
        return int(first.dims[0])


class HostIterator:
    """A session's host mirror of one iterator: its index stream and position (the
    ``HostStream`` of its ``get_next`` ops' auto-fed inputs)."""

    def __init__(self, iterator: Iterator, variables: Mapping[str, Any]) -> None:
        self.iterator = iterator
        name = iterator.position_variable.op.name
        restored = int(np.asarray(variables[name])) if name in variables else 0
        self.position = 0
        length = iterator.source_length(variables)
        self._chunks = iterator._dataset.host_stream(length)()
        self._pending: list[np.ndarray] = []
        if restored:
            self.next_rows(restored)  # replay the index stream to the saved position

    def take(self, steps: int | None) -> tuple[Any, ...]:
        """The fed values of one run (``steps=None``: the next rows' indices and
        the position after them), or of ``steps`` runs stacked."""
        rows = self.next_rows(steps or 1)
        if steps is None:
            return rows[0], np.int32(self.position)
        positions = np.arange(self.position - steps + 1, self.position + 1)
        return rows, positions.astype(np.int32)

    def next_rows(self, count: int) -> np.ndarray:
        """The index arrays of the next ``count`` units, stacked.

        Raises ``OutOfRangeError`` (consuming nothing, as TF1) when fewer are left.
        """
        parts: list[np.ndarray] = []
        held = 0
        index = 0
        while held < count:
            if index == len(self._pending):
                chunk = next(self._chunks, None)
                if chunk is None:
                    raise errors.OutOfRangeError(None, None, "End of sequence")
                self._pending.append(chunk)
            chunk = self._pending[index]
            if parts and chunk.shape[1:] != parts[0].shape[1:]:
                raise errors.OutOfRangeError(
                    None,
                    None,
                    f"End of sequence: only {held} full batches are left before a"
                    " smaller final one (use drop_remainder=True, or fewer steps).",
                )
            used = min(count - held, len(chunk))
            parts.append(chunk[:used])
            held += used
            index += 1
        # Success: consume what was used.
        last_used = len(parts[-1])
        remainder = self._pending[index - 1][last_used:]
        self._pending = ([remainder] if len(remainder) else []) + self._pending[index:]
        self.position += count
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)


# -- host datasets: elements made in Python (generators, text files, flat_map) ----------------
# A host dataset's elements are made on the host, one at a time: its source is Python
# (a generator, the lines of files, the elements of another dataset), its map
# functions run as sub-runs of the session (so host ops such as decode_csv work in
# them), and its iterator's get_next is a host step whose element is fed to the run.
# Slower per element than an in-memory dataset; meant for small data and for what
# in-memory datasets cannot express (varying shapes, padding, Python sources).

Element = tuple[Any, ...]
ElementStream = Callable[[], PyIterator[Element]]
HostSource = Callable[[HostContext, dict], ElementStream]


def _run_function(
    ctx: HostContext, function: GraphFunction, element: Element, feeds: dict
) -> tuple:
    values = ctx.run(
        tuple(function.outputs),
        {**feeds, **dict(zip(function.args, element, strict=True))},
    )
    return tuple(values)


def _host_stage(
    stage: Any, upstream: ElementStream, ctx: HostContext, feeds: dict
) -> ElementStream:
    """``stage`` applied on the host to the element stream ``upstream``."""
    if isinstance(stage, _Map):
        function = stage.function

        def mapped() -> PyIterator[Element]:
            for element in upstream():
                yield _run_function(ctx, function, element, feeds)

        return mapped
    if isinstance(stage, _HostStage):
        return stage.apply(upstream, ctx, feeds)
    kind, count = stage.kind, stage.count
    if kind == "shuffle":
        return _buffer_shuffle(upstream, int(count or 1), stage.seed, stage.reshuffle)
    if kind == "repeat":

        def repeated() -> PyIterator[Element]:
            for _ in range(count) if count is not None else itertools.count():
                produced = False
                for element in upstream():
                    produced = True
                    yield element
                if not produced:
                    return  # an empty input repeated forever is empty

        return repeated
    if kind == "batch":
        return _batched(upstream, int(count or 0), stage.drop_remainder, None)
    if kind == "take":
        return lambda: itertools.islice(upstream(), count)
    if kind == "skip":
        return lambda: itertools.islice(upstream(), count, None)
    raise AssertionError(kind)


def _buffer_shuffle(
    upstream: ElementStream, size: int, seed: int | None, reshuffle: bool
) -> ElementStream:
    """TF1's shuffle: a buffer of ``size`` elements, a random one out at a time."""
    passes = itertools.count()
    seed = (
        seed if seed is not None else int(np.random.SeedSequence().generate_state(1)[0])
    )

    def make() -> PyIterator[Element]:
        rng = np.random.default_rng([seed, next(passes) if reshuffle else 0])
        buffer: list[Element] = []

        def pop() -> Element:
            index = int(rng.integers(len(buffer)))
            buffer[index], buffer[-1] = buffer[-1], buffer[index]
            return buffer.pop()

        for element in upstream():
            buffer.append(element)
            if len(buffer) >= size:
                yield pop()
        while buffer:
            yield pop()

    return make


def _batched(
    upstream: ElementStream,
    size: int,
    drop_remainder: bool,
    padding: tuple[tuple[tuple[int | None, ...], Any], ...] | None,
) -> ElementStream:
    """Groups of ``size`` elements, stacked per component (padded if ``padding``:
    per component the padded dims, ``None`` for the batch's largest, and the value)."""

    def stack(group: list[Element]) -> Element:
        out = []
        for i in range(len(group[0])):
            parts = [
                np.asarray(e[i], object if _is_text(e[i]) else None) for e in group
            ]
            if padding is None:
                if len({p.shape for p in parts}) > 1:
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        f"Cannot batch component {i}: its shapes differ within the"
                        f" batch ({sorted({p.shape for p in parts})}); use"
                        " padded_batch.",
                    )
                out.append(np.stack(parts))
                continue
            dims, value = padding[i]
            size_: list[int] = [
                max(p.shape[axis] for p in parts) if dim is None else dim
                for axis, dim in enumerate(dims)
            ]
            for part in parts:
                if any(n > m for n, m in zip(part.shape, size_, strict=True)):
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        f"Attempted to pad to a smaller size than the input element"
                        f" (component {i}: shape {list(part.shape)}, padded shape"
                        f" {size_}).",
                    )
            padded = np.full((len(parts), *size_), value, dtype=parts[0].dtype)
            for row, part in enumerate(parts):
                padded[(row, *(slice(0, n) for n in part.shape))] = part
            out.append(padded)
        return tuple(out)

    def make() -> PyIterator[Element]:
        group: list[Element] = []
        for element in upstream():
            group.append(element)
            if len(group) == size:
                yield stack(group)
                group = []
        if group and not drop_remainder:
            yield stack(group)

    return make


@dataclass(frozen=True)
class _HostStage:
    """A stage only a host dataset has (padded batches, inner datasets, filters)."""

    kind: str
    count: int = 0
    block: int = 1
    drop_remainder: bool = False
    padding: Any = None
    args: tuple[Tensor, ...] = ()  # an inner dataset's element placeholders
    inner: Any = None  # the inner dataset (flat_map, interleave)
    function: GraphFunction | None = None  # a filter's predicate

    def apply(
        self, upstream: ElementStream, ctx: HostContext, feeds: dict
    ) -> ElementStream:
        if self.kind == "padded_batch":
            return _batched(upstream, self.count, self.drop_remainder, self.padding)
        if self.kind == "filter":
            function = self.function
            assert function is not None

            def kept() -> PyIterator[Element]:
                for element in upstream():
                    if bool(
                        np.asarray(_run_function(ctx, function, element, feeds)[0])
                    ):
                        yield element

            return kept

        def inner(element: Element) -> PyIterator[Element]:
            bound = {**feeds, **dict(zip(self.args, element, strict=True))}
            return self.inner.host_elements(ctx, bound)()

        if self.kind == "flat_map":
            return lambda: itertools.chain.from_iterable(inner(e) for e in upstream())

        def interleaved() -> PyIterator[Element]:
            outer = upstream()
            open_: list[PyIterator[Element]] = []
            exhausted = False
            while True:
                while not exhausted and len(open_) < self.count:
                    element = next(outer, None)
                    if element is None:
                        exhausted = True
                    else:
                        open_.append(inner(element))
                if not open_:
                    return
                for stream in list(open_):
                    block = list(itertools.islice(stream, self.block))
                    yield from block
                    if len(block) < self.block:
                        open_.remove(stream)

        return interleaved


def _element_placeholders(specs: Any, scope: str) -> tuple[Tensor, ...]:
    """Placeholders standing for an element of ``specs`` (in name scope ``scope``;
    ``""``: the current one)."""
    graph = get_default_graph()
    with contextlib.nullcontext() if not scope else graph.name_scope(scope):
        return tuple(
            state_ops.placeholder(
                dtype,
                None if dims is None else [d if is_known(d) else None for d in dims],
                name=f"arg{i}",
            )
            for i, (dtype, dims) in enumerate(specs)
        )


def _source_inputs(dataset: Dataset) -> list[Tensor]:
    """Tensors a dataset's elements depend on (to find the placeholders an
    initializable iterator's initializer must be fed)."""
    tensors = list(dataset._components) + list(getattr(dataset, "_inputs", ()))
    for stage in dataset._stages:
        if isinstance(stage, _Map):
            tensors += stage.function.captured
        elif isinstance(stage, _HostStage):
            if stage.function is not None:
                tensors += stage.function.captured
            if stage.inner is not None:
                tensors += _source_inputs(stage.inner)
    return tensors


def _bound_args(dataset: Dataset) -> set[Tensor]:
    """The element placeholders of a dataset's inner datasets (bound per element)."""
    bound: set[Tensor] = set()
    for stage in dataset._stages:
        if isinstance(stage, _HostStage) and stage.inner is not None:
            bound |= set(stage.args) | _bound_args(stage.inner)
    return bound


class HostDataset(Dataset):
    """A dataset whose elements are made on the host (see the section comment)."""

    def __init__(
        self,
        source: HostSource,
        inputs: tuple[Tensor, ...],
        structure: Any,
        stages: tuple[Any, ...],
        specs: tuple[tuple[_dtypes.DType, Any], ...],
    ) -> None:
        super().__init__((), structure, stages, specs)
        self._source = source
        self._inputs = inputs

    @staticmethod
    def of(dataset: Dataset) -> HostDataset:
        """``dataset`` (in memory) as a host dataset, with the same stages."""
        if isinstance(dataset, HostDataset):
            return dataset
        components = dataset._components

        def source(ctx: HostContext, feeds: dict) -> ElementStream:
            def make() -> PyIterator[Element]:
                # Strings as TF1 gives them: object arrays of bytes.
                values = [
                    np.asarray(v, object if dtype is _dtypes.string else None)
                    for v, (dtype, _) in zip(
                        ctx.run(tuple(components), feeds), dataset._specs, strict=True
                    )
                ]
                for index in range(len(values[0])):
                    # A string stays a (0-d) object array, not a numpy bytes scalar.
                    yield tuple(
                        v[index, ...] if v.dtype == object else v[index] for v in values
                    )

            return make

        return HostDataset(
            source, components, dataset._structure, dataset._stages, dataset._specs
        )

    def _with(self, stage: Any, specs: Any = None, structure: Any = None) -> Dataset:
        return HostDataset(
            self._source,
            self._inputs,
            structure if structure is not None else self._structure,
            (*self._stages, stage),
            specs if specs is not None else self._specs,
        )

    def host_elements(self, ctx: HostContext, feeds: dict) -> ElementStream:
        stream = self._source(ctx, feeds)
        for stage in self._stages:
            stream = _host_stage(stage, stream, ctx, feeds)
        return stream

    def make_one_shot_iterator(self) -> Any:
        placeholders = _placeholders_of(self)
        if placeholders:
            raise ValueError(
                "make_one_shot_iterator needs constant inputs, but the dataset reads"
                f" the placeholder {placeholders[0].name}: use"
                " make_initializable_iterator() and run iterator.initializer."
            )
        return HostDatasetIterator(self, initializable=False)

    def make_initializable_iterator(self, shared_name: str | None = None) -> Any:
        del shared_name
        return HostDatasetIterator(self, initializable=True)


def _placeholders_of(dataset: Dataset) -> list[Tensor]:
    inputs = _source_inputs(dataset)
    ops = ancestors([t.op for t in inputs])
    bound = _bound_args(dataset)
    return sorted(
        (
            op.outputs[0]
            for op in ops
            if REGISTRY[op.type].must_feed and op.outputs[0] not in bound
        ),
        key=lambda t: t.op.index,
    )


def _from_generator(
    generator: Callable[..., Any],
    output_types: Any,
    output_shapes: Any = None,
    args: Any = None,
) -> HostDataset:
    """Elements from ``generator()`` (called anew for each pass), as TF1's
    ``Dataset.from_generator``; ``args`` (tensors) are evaluated and passed."""
    dtypes, shapes, structure = _flat_structure(output_types, output_shapes)
    specs = _element_specs(dtypes, shapes, get_default_graph())
    arg_tensors = tuple(convert_to_tensor(a) for a in (args or ()))

    def source(ctx: HostContext, feeds: dict) -> ElementStream:
        def make() -> PyIterator[Element]:
            values = ctx.run(arg_tensors, feeds) if arg_tensors else ()
            for item in generator(*values):
                leaves = (
                    jax.tree_util.tree_leaves(
                        item, is_leaf=lambda v: isinstance(v, np.ndarray | bytes | str)
                    )
                    if len(dtypes) > 1
                    else [item]
                )
                if len(leaves) != len(dtypes):
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        f"from_generator: the generator yielded {len(leaves)}"
                        f" components, output_types has {len(dtypes)}.",
                    )
                element = []
                for value, dtype, shape in zip(leaves, dtypes, shapes, strict=True):
                    array = np.asarray(value, dtype=dtype.np)
                    if not shape.is_compatible_with(array.shape):
                        raise errors.InvalidArgumentError(
                            None,
                            None,
                            f"from_generator: `generator` yielded an element of shape"
                            f" {list(array.shape)} where an element of shape {shape}"
                            " was expected.",
                        )
                    element.append(array)
                yield tuple(element)

        return make

    return HostDataset(source, arg_tensors, structure, (), specs)


def _flat_structure(
    output_types: Any, output_shapes: Any
) -> tuple[tuple[_dtypes.DType, ...], tuple[TensorShape, ...], Any]:
    """An element structure given as TF1 gives it (nests of ``output_types`` and
    ``output_shapes``; no shapes: unknown) as flat dtypes and shapes, and the
    tree structure of the nest."""
    types, structure = jax.tree_util.tree_flatten(
        output_types, is_leaf=lambda t: isinstance(t, _dtypes.DType)
    )
    dtypes = tuple(_dtypes.as_dtype(t) for t in types)
    if output_shapes is None:
        return dtypes, (TensorShape(None),) * len(dtypes), structure
    shapes = jax.tree_util.tree_flatten(
        output_shapes,
        # A shape is a TensorShape (perhaps of unknown rank) or a sequence of
        # dims; a nest of shapes holds sequences.
        is_leaf=lambda s: (
            isinstance(s, TensorShape)
            or (
                isinstance(s, list | tuple)
                and not any(isinstance(d, TensorShape | list | tuple) for d in s)
            )
        ),
    )[0]
    if len(shapes) != len(dtypes):
        raise ValueError(
            f"output_shapes has {len(shapes)} components, output_types {len(dtypes)}."
        )
    shapes = tuple(s if isinstance(s, TensorShape) else TensorShape(s) for s in shapes)
    return dtypes, shapes, structure


def _element_specs(
    dtypes: Sequence[_dtypes.DType], shapes: Sequence[TensorShape], graph: Graph
) -> tuple[tuple[_dtypes.DType, tuple | None], ...]:
    """The ``element_specs`` of an op making elements of these dtypes and shapes:
    a fresh symbolic dim for each unknown dim (an unknown rank: ``None``), so the
    graph knows no two of them equal."""
    return tuple(
        (
            dtype,
            None
            if shape.ndims is None
            else tuple(
                d if d is not None else fresh_dim(graph) for d in shape.as_list()
            ),
        )
        for dtype, shape in zip(dtypes, shapes, strict=True)
    )


class TextLineDataset(HostDataset):
    """The lines of text files, as ``tf.data.TextLineDataset`` (small files: each
    is read whole)."""

    def __init__(
        self,
        filenames: Any,
        compression_type: str | None = None,
        buffer_size: int | None = None,
    ) -> None:
        if compression_type:
            raise NotImplementedError(
                "TextLineDataset reads uncompressed files only in jgraph;"
                " decompress the file first."
            )
        del buffer_size
        names = convert_to_tensor(filenames, dtype=_dtypes.string)

        def source(ctx: HostContext, feeds: dict) -> ElementStream:
            def make() -> PyIterator[Element]:
                value = np.asarray(ctx.run(names, feeds), dtype=object)
                for name in value.reshape(-1):
                    path = name if isinstance(name, bytes) else str(name).encode()
                    try:
                        with open(path, "rb") as f:
                            lines = f.read().splitlines()
                    except OSError as err:
                        raise errors.NotFoundError(
                            None, None, f"{path.decode()}: {err.strerror}"
                        ) from None
                    for line in lines:
                        yield (np.array(line, dtype=object),)

            return make

        super().__init__(
            source,
            (names,),
            jax.tree_util.tree_structure(0),
            (),
            ((_dtypes.string, ()),),
        )


class _HostElements:
    """One session's place in a host dataset iterator's element stream."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stream: PyIterator[Element] | None = None


@op(
    "HostIteratorInit",
    host_step=True,
    host_context=True,
    list_input="fed",
    same_dtype=False,
    shape_fn=lambda specs, attrs: [],
)
def _host_iterator_init_impl(
    ctx: HostContext, fed: list, *, iterator: HostDatasetIterator
) -> tuple:
    feeds = dict(zip(iterator.placeholders, fed, strict=True))
    state = ctx.resource(iterator, _HostElements)
    with state.lock:
        state.stream = iterator.dataset.host_elements(ctx, feeds)()
    return ()


@op(
    "HostIteratorGetNext",
    host_step=True,
    host_context=True,
    shape_fn=_get_next_specs,
)
def _host_iterator_next_impl(
    ctx: HostContext, *, iterator: HostDatasetIterator, element_specs: tuple
) -> tuple:
    del element_specs
    state = ctx.resource(iterator, _HostElements)
    with state.lock:
        if state.stream is None:
            if iterator.initializable:
                raise errors.FailedPreconditionError(
                    None,
                    None,
                    "GetNext() failed because the iterator has not been initialized."
                    " Ensure that you have run the initializer operation for this"
                    " iterator before getting the next element.",
                )
            state.stream = iterator.dataset.host_elements(ctx, {})()
        element = next(state.stream, None)
    if element is None:
        raise errors.OutOfRangeError(None, None, "End of sequence")
    return element


class HostDatasetIterator(Iterator):
    """The iterator of a :class:`HostDataset`: its ``get_next`` is a host step."""

    def __init__(self, dataset: HostDataset, initializable: bool) -> None:
        graph = get_default_graph()
        self._dataset = dataset
        self._graph = graph
        self.initializable = initializable
        self.placeholders = tuple(_placeholders_of(dataset)) if initializable else ()
        with graph.name_scope("Iterator") as scope:
            self._scope = scope
            self._initializer = add_op(
                REGISTRY["HostIteratorInit"],
                [list(self.placeholders)],
                {"iterator": self},
                "initializer",
                graph=graph,
            )
        self._buffers = ()
        self._host_next = None
        graph.add_to_collection(ITERATORS, self)

    @property
    def dataset(self) -> HostDataset:
        return self._dataset  # type: ignore[return-value]

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def get_next(self, name: str | None = None) -> Any:
        dataset = self._dataset
        outputs = add_op(
            REGISTRY["HostIteratorGetNext"],
            [],
            {"iterator": self, "element_specs": dataset._specs},
            name or "IteratorGetNext",
            graph=self._graph,
        )
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return jax.tree_util.tree_unflatten(dataset._structure, list(outputs))


# -- iterators that stand for others: from_structure, from_string_handle ---------------------
# Their get_next is a host step (``OpDef.host_step``): it takes the element of the
# iterator it currently stands for, with a sub-run of that iterator's own get_next
# (the host context's ``run``), and the compiled segment after it gets it.


def _host_handle_specs(specs: Any, attrs: dict[str, Any]) -> list:
    return [(_dtypes.string, ())]


def _active(ctx: HostContext, switch: SwitchingIterator) -> dict[str, Any]:
    return ctx.resource(("active", switch), dict)


@op("IteratorToStringHandle", host_step=True, shape_fn=_host_handle_specs)
def _to_handle_impl(*, iterator: Iterator) -> Any:
    return np.array(iterator.handle, dtype=object)


@op(
    "IteratorSetActive",
    host_step=True,
    host_context=True,
    shape_fn=lambda specs, attrs: [],
)
def _set_active_impl(
    ctx: HostContext, *, switch: SwitchingIterator, iterator: Iterator
) -> tuple:
    _active(ctx, switch)["iterator"] = iterator
    return ()


@op(
    "IteratorGetNextSwitch",
    host_step=True,
    host_context=True,
    list_input="handle",
    shape_fn=_get_next_specs,
)
def _switch_get_next_impl(
    ctx: HostContext,
    handle: list,
    *,
    switch: SwitchingIterator,
    element_specs: tuple[Any, ...],
) -> tuple:
    del element_specs
    if handle:
        value = np.asarray(handle[0]).item()
        iterator = switch.find(value.encode() if isinstance(value, str) else value)
    else:
        iterator = _active(ctx, switch).get("iterator")
        if iterator is None:
            raise errors.FailedPreconditionError(
                None,
                None,
                "GetNext() failed because the iterator has not been initialized."
                " Ensure that you have run the initializer operation for this"
                " iterator before getting the next element (an iterator made by"
                " Iterator.from_structure is initialized by running"
                " make_initializer(dataset)).",
            )
    return tuple(ctx.run(tuple(iterator.host_next())))


class SwitchingIterator:
    """An iterator that stands for others of one element structure: TF1's
    reinitializable (``Iterator.from_structure`` + ``make_initializer``) and
    feedable (``Iterator.from_string_handle``) iterators.

    Each ``get_next`` run takes the element from the iterator it stands for (a
    sub-run of that iterator's ``get_next``, then fed to the run): one more host
    round trip per element than a one-shot iterator.
    """

    def __init__(
        self,
        output_types: Any,
        output_shapes: Any = None,
        handle: Tensor | None = None,
    ) -> None:
        self._types, self._shapes, self._structure = _flat_structure(
            output_types, output_shapes
        )
        self._handle = handle
        self._graph = get_default_graph()

    @property
    def output_types(self) -> Any:
        return jax.tree_util.tree_unflatten(self._structure, list(self._types))

    @property
    def output_shapes(self) -> Any:
        return jax.tree_util.tree_unflatten(self._structure, list(self._shapes))

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def _check(self, types: Any, shapes: Any, what: str) -> None:
        flat_types, structure = jax.tree_util.tree_flatten(
            types, is_leaf=lambda t: isinstance(t, _dtypes.DType)
        )
        if structure != self._structure or tuple(flat_types) != self._types:
            raise TypeError(
                f"Expected output types {self.output_types} but got {what} with"
                f" output types {types}."
            )
        flat_shapes = jax.tree_util.tree_leaves(
            shapes, is_leaf=lambda s: isinstance(s, TensorShape)
        )
        for mine, theirs in zip(self._shapes, flat_shapes, strict=True):
            if not mine.is_compatible_with(theirs):
                raise TypeError(
                    f"Expected output shapes compatible with {self.output_shapes} but"
                    f" got {what} with output shapes {shapes}."
                )

    def make_initializer(self, dataset: Dataset, name: str | None = None) -> Any:
        """The op that makes this iterator yield ``dataset``'s elements, from the
        start (the train/validation switch)."""
        if self._handle is not None:
            raise ValueError(
                "make_initializer is for Iterator.from_structure iterators; a"
                " from_string_handle iterator follows the fed handle."
            )
        self._check(dataset.output_types, dataset.output_shapes, "dataset")
        if isinstance(dataset, HostDataset):
            iterator: Iterator = HostDatasetIterator(
                dataset, initializable=bool(_placeholders_of(dataset))
            )
        else:
            needs_buffers = any(constant_value(c) is None for c in dataset._components)
            iterator = Iterator(dataset, initializable=needs_buffers)
        iterator.host_next()  # its get_next, built now (not while running)
        set_active = add_op(
            REGISTRY["IteratorSetActive"],
            [],
            {"switch": self, "iterator": iterator},
            "IteratorSetActive",
            graph=self._graph,
        )
        return state_ops.group(
            iterator.initializer, set_active, name=name or "make_initializer"
        )

    def find(self, handle: bytes) -> Iterator:
        """The iterator whose ``string_handle()`` is ``handle``."""
        for iterator in self._graph.get_collection(ITERATORS):
            if iterator.handle == handle:
                self._check(
                    iterator.output_types, iterator.output_shapes, "the fed iterator"
                )
                return iterator
        raise errors.InvalidArgumentError(
            None,
            None,
            f"The fed iterator handle {handle!r} names no iterator of this graph:"
            " feed the value of sess.run(iterator.string_handle()).",
        )

    def get_next(self, name: str | None = None) -> Any:
        """The next element of the iterator this one stands for."""
        graph = self._graph
        specs = _element_specs(self._types, self._shapes, graph)
        outputs = add_op(
            REGISTRY["IteratorGetNextSwitch"],
            [[] if self._handle is None else [self._handle]],
            {"switch": self, "element_specs": specs},
            name or "IteratorGetNext",
            graph=graph,
        )
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return jax.tree_util.tree_unflatten(self._structure, list(outputs))


def _from_structure(
    output_types: Any,
    output_shapes: Any = None,
    shared_name: str | None = None,
    output_classes: Any = None,
) -> SwitchingIterator:
    """A reinitializable iterator: ``make_initializer(dataset)`` switches it."""
    del shared_name, output_classes
    return SwitchingIterator(output_types, output_shapes)


def _from_string_handle(
    string_handle: Any,
    output_types: Any,
    output_shapes: Any = None,
    output_classes: Any = None,
) -> SwitchingIterator:
    """A feedable iterator: each run takes the element of the iterator whose
    ``string_handle()`` value is fed to ``string_handle``."""
    del output_classes
    handle = convert_to_tensor(string_handle, dtype=_dtypes.string)
    return SwitchingIterator(output_types, output_shapes, handle)


Iterator.from_structure = staticmethod(_from_structure)  # type: ignore[attr-defined]
Iterator.from_string_handle = staticmethod(_from_string_handle)  # type: ignore[attr-defined]
