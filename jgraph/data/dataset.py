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

import itertools
from collections.abc import Callable, Iterator as PyIterator, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jgraph import errors
from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import GraphKeys, get_default_graph
from jgraph.graph.shape import TensorShape, is_known
from jgraph.graph.tensor import Tensor
from jgraph.ops import state_ops
from jgraph.ops.array_ops import expand_dims
from jgraph.ops.conversion import add_op, constant, convert_to_tensor
from jgraph.ops.folding import constant_value
from jgraph.ops.inference import fresh_dim
from jgraph.ops.registry import REGISTRY, op
from jgraph.ops.variables import Variable

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

    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]
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
        return Dataset(components, structure, (), specs)

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
        """Randomly permutes each pass of the input (see the module's TF1 difference)."""
        del buffer_size
        if seed is None and get_default_graph().seed is not None:
            seed = get_default_graph().seed
        return self._with(
            _Stage("shuffle", seed=seed, reshuffle=reshuffle_each_iteration)
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
        graph = get_default_graph()
        with graph.name_scope("map"):
            inputs = tuple(
                state_ops.placeholder(
                    dtype, [d if is_known(d) else None for d in dims], name=f"arg{i}"
                )
                for i, (dtype, dims) in enumerate(self._specs)
            )
            element = jax.tree_util.tree_unflatten(self._structure, inputs)
            result = (
                map_func(*element) if isinstance(element, tuple) else map_func(element)
            )
        leaves, structure = jax.tree_util.tree_flatten(result, is_leaf=_is_leaf)
        outputs = tuple(convert_to_tensor(t) for t in leaves)
        depth = sum(
            1 for s in self._stages if isinstance(s, _Stage) and s.kind == "batch"
        )
        specs = tuple((t.dtype, t.dims) for t in outputs)
        return self._with(_Map(inputs, outputs, depth), specs, structure)

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


def _is_leaf(value: Any) -> bool:
    return isinstance(value, Tensor | Variable | np.ndarray) or hasattr(
        value, "_as_tensor"
    )


# -- the device side: one op per get_next ----------------------------------------------------------


def _get_next_specs(specs: Any, attrs: dict[str, Any]) -> list[tuple[Any, Any]]:
    return list(attrs["element_specs"])


@op(
    "IteratorGetNext",
    needs_context=True,
    list_input="components",
    same_dtype=False,
    shape_fn=_get_next_specs,
)
def _get_next_impl(
    ctx: Any,
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

        def apply(*vals: Any, stage: _Map = stage) -> tuple:
            return tuple(
                ctx.evaluate(stage.outputs, dict(zip(stage.inputs, vals, strict=True)))
            )

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
        graph.add_to_collection(ITERATORS, self)

    @property
    def initializer(self) -> Any:
        """The op that (re)starts the iterator (loads fed data for initializable ones)."""
        return self._initializer

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
                "_write_only": True,
                "_iterator": self,
            },
            name or "IteratorGetNext",
            graph=graph,
        )
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return jax.tree_util.tree_unflatten(dataset._structure, list(outputs))

    def source_length(self, session: Any) -> int:
        """How many elements the source has (known once the iterator is initialised)."""
        first = self._sources[0]
        if self._buffers:
            name = self._buffers[0].op.name
            if name not in session.initialized_variables():
                raise errors.FailedPreconditionError(
                    None,
                    self._initializer,
                    "GetNext() failed because the iterator has not been initialized."
                    " Ensure that you have run the initializer operation for this"
                    " iterator before getting the next element.",
                )
            return int(session.get_state(copy=False).variables[name].shape[0])
        return int(first.dims[0])


class HostIterator:
    """A session's host mirror of one iterator: its index stream and position."""

    def __init__(self, iterator: Iterator, session: Any) -> None:
        self.iterator = iterator
        variables = session.get_state(copy=False).variables
        name = iterator.position_variable.op.name
        restored = int(np.asarray(variables[name])) if name in variables else 0
        self.position = 0
        self._chunks = iterator._dataset.host_stream(iterator.source_length(session))()
        self._pending: list[np.ndarray] = []
        if restored:
            self.take(restored)  # replay the index stream up to the saved position

    def take(self, count: int) -> np.ndarray:
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
