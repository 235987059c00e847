"""Stage 1 of the pipeline: the graph as pure data (no JAX here).

A :class:`Graph` holds :class:`Operation` s in creation order. Each operation has a
type (``"Mul"``), input and output :class:`Tensor` s, static attributes, control
inputs, a device string and the place in user code that created it. Names follow
TF1 exactly, including its case-insensitive de-duplication.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.device_spec import merge_device
from jgraph.graph.graph_def import make_graph_def
from jgraph.graph.shape import Shape
from jgraph.graph.tensor import Tensor, run_in_session


class GraphKeys:
    """Standard collection names, as TF1's ``tf.GraphKeys``."""

    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    MODEL_VARIABLES = "model_variables"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    METRIC_VARIABLES = "metric_variables"
    SUMMARIES = "summaries"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"
    TRAIN_OP = "train_op"
    GLOBAL_STEP = "global_step"
    SAVERS = "savers"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    READY_FOR_LOCAL_INIT_OP = "ready_for_local_init_op"
    SUMMARY_OP = "summary_op"
    ASSET_FILEPATHS = "asset_filepaths"
    QUEUE_RUNNERS = "queue_runners"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"


DEFAULT_GRAPH_SEED = 87654321  # TF1's, for ops given an op seed alone
# The jgraph package (this file is jgraph/graph/graph.py): frames there are not
# the user's.
_JGRAPH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_frame() -> str:
    """``file:line in function`` of the first caller outside jgraph (the op's creation site)."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_JGRAPH_DIR):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    filename = os.path.basename(frame.f_code.co_filename)
    return f"{filename}:{frame.f_lineno} in {frame.f_code.co_name}"


class Operation:
    """A node of the graph: an op type applied to input tensors, with static attrs."""

    def __init__(
        self,
        graph: Graph,
        name: str,
        op_type: str,
        inputs: Sequence[Tensor],
        attrs: dict[str, Any],
        output_specs: Sequence[tuple[_dtypes.DType, Shape | None]],
        control_inputs: Sequence[Operation],
        device: str,
        traceback: str,
    ) -> None:
        self._graph = graph
        self._name = name
        self._type = op_type
        self._inputs = tuple(inputs)
        self.attrs = attrs
        self._control_inputs = list(control_inputs)
        self._device = device
        self.traceback = traceback
        self._id = len(graph._ops)
        self._outputs = tuple(
            Tensor(self, i, dtype, dims) for i, (dtype, dims) in enumerate(output_specs)
        )

    @property
    def name(self) -> str:
        return self._name

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self) -> int:
        """Its position in the graph's creation order (ties in orders, op seeds)."""
        return self._id

    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def inputs(self) -> tuple[Tensor, ...]:
        return self._inputs

    @property
    def outputs(self) -> tuple[Tensor, ...]:
        return self._outputs

    @property
    def control_inputs(self) -> list[Operation]:
        return list(self._control_inputs)

    @property
    def device(self) -> str:
        return self._device

    def add_control_input(self, op: Operation) -> None:
        """Makes ``op`` a control input of this op (it runs first)."""
        if op not in self._control_inputs:
            self._control_inputs.append(op)

    def get_attr(self, name: str) -> Any:
        try:
            return self.attrs[name]
        except KeyError:
            raise ValueError(
                f"Operation '{self.name}' has no attr named '{name}'."
            ) from None

    def describe(self) -> str:
        """``op 'x' of type Placeholder, defined at model.py:12 in build``: for messages."""
        return f"op '{self.name}' of type {self.type}, defined at {self.traceback}"

    def run(self, feed_dict: dict | None = None, session: Any = None) -> None:
        """Runs this operation in ``session`` (default: the default session)."""
        run_in_session(self, feed_dict, session)

    def __repr__(self) -> str:
        return f"<jgraph.Operation '{self.name}' type={self.type}>"

    __hash__ = object.__hash__


class Graph:
    """A TF1 dataflow graph: operations, name scopes, collections and stacks.

    >>> g = Graph()
    >>> with g.as_default():
    ...     pass
    """

    def __init__(self) -> None:
        self._ops: list[Operation] = []
        self._ops_by_name: dict[str, Operation] = {}
        self._names_in_use: dict[str, int] = {}
        self._name_stack = ""
        self._collections: dict[str, list[Any]] = {}
        self._control_stack: list[list[Operation]] = []
        self._device_stack: list[Any] = []
        self.variables: dict[str, Any] = {}  # state name -> Variable
        self._finalized = False
        self.seed: int | None = None
        self.random_ops = 0  # random ops built so far (their slots)
        self._graph_seeded_ops = 0  # of them, those seeded by the graph seed alone
        # JAX's scope of the symbolic dims that stand for this graph's unknown
        # sizes (made by shape inference; opaque here).
        self.symbolic_scope: Any = None
        self._version = 0
        self._lock = threading.RLock()

    # -- building ---------------------------------------------------------------
    def create_op(
        self,
        op_type: str,
        inputs: Sequence[Tensor],
        output_specs: Sequence[tuple[_dtypes.DType, Shape | None]],
        *,
        name: str | None,
        default_name: str,
        attrs: dict[str, Any] | None = None,
    ) -> Operation:
        """Adds an operation; ``name`` ending in ``/`` is taken verbatim (as TF1)."""
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")
        for tensor in inputs:
            if tensor.graph is not self:
                raise ValueError(
                    f"Tensor {tensor.name} must be from the same graph as the op being"
                    f" created ({op_type}); it belongs to another graph."
                )
        with self._lock:
            if name is not None and name.endswith("/"):
                full_name = name[:-1]
                self._names_in_use.setdefault(full_name.lower(), 1)
            else:
                full_name = self.unique_name(name or default_name)
            control_inputs = self._current_control_inputs(inputs)
            op = Operation(
                self,
                full_name,
                op_type,
                inputs,
                attrs or {},
                output_specs,
                control_inputs,
                "",
                _user_frame(),
            )
            op._device = self._device_for(op)
            self._ops.append(op)
            self._ops_by_name[full_name] = op
            self._version += 1
        return op

    def random_op(self, op_seed: int | None) -> tuple[int, tuple[int, int] | None]:
        """For a random op built now with TF1 op seed ``op_seed``: its slot (the
        count of random ops built before it) and its ``(graph seed, op seed)`` pair,
        TF1's ``get_seed``. With only an op seed the graph seed is TF1's default;
        with only a graph seed the op seed counts the ops built so before; with
        neither there is no pair (``None``: numbers differ per session)."""
        slot = self.random_ops
        self.random_ops += 1
        if self.seed is None:
            return slot, None if op_seed is None else (DEFAULT_GRAPH_SEED, op_seed)
        if op_seed is None:
            op_seed = self._graph_seeded_ops
            self._graph_seeded_ops += 1
        return slot, (self.seed, op_seed)

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """TF1's scoped, case-insensitively de-duplicated name for ``name``."""
        if self._name_stack:
            name = f"{self._name_stack}/{name}"
        key = name.lower()
        count = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = count + 1
        if count > 0:
            base_key = key
            while key in self._names_in_use:
                key = f"{base_key}_{count}"
                count += 1
            if mark_as_used:
                self._names_in_use[key] = 1
            name = f"{name}_{count - 1}"
        return name

    @contextlib.contextmanager
    def name_scope(self, name: str | None) -> Iterator[str]:
        """Opens a name scope; yields the scope string with its trailing ``/``."""
        old_stack = self._name_stack
        if not name:
            new_stack = ""
        elif name.endswith("/"):
            new_stack = name[:-1]
        else:
            new_stack = self.unique_name(name)
        self._name_stack = new_stack
        try:
            yield f"{new_stack}/" if new_stack else ""
        finally:
            self._name_stack = old_stack

    def get_name_scope(self) -> str:
        return self._name_stack

    @contextlib.contextmanager
    def control_dependencies(
        self, control_inputs: Sequence[Any] | None
    ) -> Iterator[None]:
        """Ops created inside run after ``control_inputs``; ``None`` clears the stack."""
        if control_inputs is None:
            saved, self._control_stack = self._control_stack, []
            try:
                yield
            finally:
                self._control_stack = saved
            return
        ops = [as_operation(self, c) for c in control_inputs]
        self._control_stack.append(ops)
        try:
            yield
        finally:
            self._control_stack.pop()

    def _current_control_inputs(self, inputs: Sequence[Tensor]) -> list[Operation]:
        input_ops = {t.op for t in inputs}
        result: list[Operation] = []
        for frame in self._control_stack:
            for op in frame:
                if op not in input_ops and op not in result:
                    result.append(op)
        return result

    @contextlib.contextmanager
    def device(self, device_name_or_function: Any) -> Iterator[None]:
        """Records a device (string or function of the op) on ops created inside."""
        self._device_stack.append(device_name_or_function)
        try:
            yield
        finally:
            self._device_stack.pop()

    def _device_for(self, op: Operation) -> str:
        device = ""
        for entry in self._device_stack:
            if entry is None:
                device = ""
            elif callable(entry):  # a TF1 device function: op -> device string
                op._device = device
                device = merge_device(device, str(entry(op) or ""))
            else:
                device = merge_device(device, entry)
        return device

    # -- lookup -------------------------------------------------------------------
    def get_operations(self) -> list[Operation]:
        return list(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings (or similar), not {name!r}.")
        if ":" in name:
            raise ValueError(
                f"Name '{name}' appears to refer to a Tensor, not an Operation."
            )
        try:
            return self._ops_by_name[name]
        except KeyError:
            raise KeyError(
                f"The name '{name}' refers to an Operation not in the graph."
                + _did_you_mean(name, self._ops_by_name)
            ) from None

    def get_tensor_by_name(self, name: str) -> Tensor:
        if not isinstance(name, str):
            raise TypeError(f"Tensor names are strings (or similar), not {name!r}.")
        op_name, sep, index = name.rpartition(":")
        if not sep or not index.isdigit():
            raise ValueError(
                f"The name '{name}' looks like an (invalid) Operation name, not a Tensor."
                ' Tensor names must be of the form "<op_name>:<output_index>".'
            )
        op = self._ops_by_name.get(op_name)
        if op is None:
            raise KeyError(
                f"The name '{name}' refers to a Tensor which does not exist. The"
                f" operation, '{op_name}', does not exist in the graph."
                + _did_you_mean(op_name, self._ops_by_name)
            )
        if int(index) >= len(op.outputs):
            raise KeyError(
                f"The name '{name}' refers to a Tensor which does not exist. The"
                f" operation, '{op_name}', exists but only has {len(op.outputs)} outputs."
            )
        return op.outputs[int(index)]

    def as_graph_element(
        self, obj: Any, allow_tensor: bool = True, allow_operation: bool = True
    ) -> Any:
        """Resolves a Tensor, Operation, Variable or name string to a graph element."""
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                return self.get_tensor_by_name(obj)
            if allow_operation:
                return self.get_operation_by_name(obj)
        element = getattr(obj, "_as_graph_element", None)
        if element is not None:
            obj = element()
        if isinstance(obj, Tensor | Operation):
            if obj.graph is not self:
                raise ValueError(f"{obj} is not an element of this graph.")
            return obj
        raise TypeError(f"Can not convert a {type(obj).__name__} into a graph element.")

    # -- collections ----------------------------------------------------------------
    def add_to_collection(self, name: str, value: Any) -> None:
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names: Sequence[str] | str, value: Any) -> None:
        for name in [names] if isinstance(names, str) else set(names):
            self.add_to_collection(name, value)

    def get_collection(self, name: str, scope: str | None = None) -> list[Any]:
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        import re

        pattern = re.compile(scope)
        return [item for item in items if pattern.match(getattr(item, "name", ""))]

    def get_collection_ref(self, name: str) -> list[Any]:
        return self._collections.setdefault(name, [])

    def clear_collection(self, name: str) -> None:
        self._collections.pop(name, None)

    def get_all_collection_keys(self) -> list[str]:
        return list(self._collections)

    # -- misc ---------------------------------------------------------------------
    def as_graph_def(
        self, from_version: int | None = None, add_shapes: bool = False
    ) -> Any:
        """This graph as a TensorBoard ``GraphDef`` protobuf (``graph_def.py``)."""
        # TF1 arguments; the export always carries shapes (TensorBoard's edges).
        del from_version, add_shapes
        return make_graph_def(self, add_shapes=True)

    def finalize(self) -> None:
        self._finalized = True

    def _unsafe_unfinalize(self) -> None:
        """Allows changes again (``MonitoredSession.close`` undoes its ``finalize``)."""
        self._finalized = False

    @property
    def finalized(self) -> bool:
        return self._finalized

    @property
    def version(self) -> int:
        return self._version

    @contextlib.contextmanager
    def as_default(self) -> Iterator[Graph]:
        _default_graph_stack.append(self)
        try:
            yield self
        finally:
            _default_graph_stack.pop()

    def is_fetchable(self, tensor_or_op: Any) -> bool:
        """Always True: jgraph has no unfetchable ops (TF1 API)."""
        del tensor_or_op
        return True

    def __repr__(self) -> str:
        return f"<jgraph.Graph with {len(self._ops)} ops>"


def _did_you_mean(name: str, candidates: Any) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(candidates), n=3)
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def as_operation(graph: Graph, value: Any) -> Operation:
    """Resolves a control input (op, tensor, variable or name) to an Operation."""
    element = graph.as_graph_element(value)
    return element.op if isinstance(element, Tensor) else element


_default_graph_stack: list[Graph] = []
_global_default_graph = Graph()


def get_default_graph() -> Graph:
    """The innermost graph of ``Graph.as_default()`` blocks, else the global one."""
    return _default_graph_stack[-1] if _default_graph_stack else _global_default_graph


def reset_default_graph() -> None:
    """Replaces the global default graph with an empty one, as TF1."""
    global _global_default_graph
    if _default_graph_stack:
        raise AssertionError(
            "Do not use tf.reset_default_graph() to clear nested graphs. If you need a"
            " cleared graph, exit the nesting and create a new graph."
        )
    _global_default_graph = Graph()
