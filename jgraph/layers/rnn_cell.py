"""``tf.nn.rnn_cell``: TF1's recurrent cells (``BasicRNNCell``, ``BasicLSTMCell``,
``LSTMCell``, ``GRUCell``), ``MultiRNNCell`` and the wrappers.

A client of the layers: as in TF1 1.15 every cell is a :class:`jgraph.layers.Layer`,
so its first call opens a variable scope named after the cell (``basic_lstm_cell``,
``lstm_cell``, ``gru_cell``, ... or its ``name``, made unique in the enclosing
scope) and creates ``<scope>/kernel`` (glorot-uniform unless an initializer or the
variable scope says otherwise) and ``<scope>/bias`` (zeros) there; later calls
reuse them. Under ``tf.nn.dynamic_rnn`` that gives TF1's names, e.g.
``rnn/basic_lstm_cell/kernel:0`` or ``rnn/multi_rnn_cell/cell_0/gru_cell/gates/kernel:0``.

The formulas, gate orders (LSTM: ``i, j, f, o``; GRU: ``r, u``) and variable shapes
are TF1's, so TF1 checkpoints of these cells load unchanged.

TF1 differences: ``DropoutWrapper(variational_recurrent=True)`` and the
deprecated ``num_unit_shards`` / ``num_proj_shards`` of ``LSTMCell`` (variable
partitioning) raise ``NotImplementedError``.
"""

from __future__ import annotations

import collections
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import jax

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.shape import TensorShape, as_shape
from jgraph.graph.tensor import Tensor
from jgraph.layers.core import Layer
from jgraph.ops import (
    array_ops,
    init_ops,
    math_ops,
    nn_ops,
    variable_scope as vs,
)
from jgraph.ops.conversion import convert_to_tensor
from jgraph.ops.folding import constant_value

__all__ = [
    "BasicLSTMCell",
    "BasicRNNCell",
    "DeviceWrapper",
    "DropoutWrapper",
    "GRUCell",
    "LSTMCell",
    "LSTMStateTuple",
    "MultiRNNCell",
    "RNNCell",
    "ResidualWrapper",
]

_ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "tanh": math_ops.tanh,
    "sigmoid": math_ops.sigmoid,
    "relu": nn_ops.relu,
    "relu6": nn_ops.relu6,
    "elu": nn_ops.elu,
    "selu": nn_ops.selu,
    "softplus": nn_ops.softplus,
    "softsign": nn_ops.softsign,
    "linear": lambda x: x,
}


def _activation(activation: Any) -> Callable[[Any], Any]:
    """TF1's ``activations.get``: a callable, a Keras name, or ``tanh`` for None."""
    if not activation:
        return math_ops.tanh
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"Unknown activation function: {activation} (known:"
                f" {', '.join(sorted(_ACTIVATIONS))}; or pass a callable)."
            )
        return _ACTIVATIONS[activation]
    if not callable(activation):
        raise TypeError(f"activation must be callable, got {activation!r}.")
    return activation


def _is_leaf(value: Any) -> bool:
    return isinstance(value, Tensor) or hasattr(value, "_as_tensor")


def flatten(structure: Any) -> list[Any]:
    """The leaves of a (nested) structure of tensors or sizes, as TF1's
    ``nest.flatten`` (tuples, lists, namedtuples, dicts)."""
    return jax.tree_util.tree_leaves(structure, is_leaf=_is_leaf)


def pack_as(structure: Any, leaves: Sequence[Any]) -> Any:
    """``leaves`` in the nesting of ``structure`` (TF1's ``nest.pack_sequence_as``)."""
    treedef = jax.tree_util.tree_structure(structure, is_leaf=_is_leaf)
    return jax.tree_util.tree_unflatten(treedef, list(leaves))


_LSTMStateTupleBase = collections.namedtuple("LSTMStateTuple", ("c", "h"))


class LSTMStateTuple(_LSTMStateTupleBase):
    """``(c, h)``: an LSTM's cell state and output, as TF1's ``LSTMStateTuple``."""

    __slots__ = ()

    @property
    def dtype(self) -> _dtypes.DType:
        """The one dtype of ``c`` and ``h``."""
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype} vs {h.dtype}")
        return c.dtype


def _state_shape(batch_size: Any, size: Any) -> tuple[Any, list[int | None]]:
    """The dynamic and static shapes ``[batch_size, *size]``."""
    dims = as_shape(size).as_list() if not isinstance(size, int) else [size]
    if any(d is None for d in dims):
        raise ValueError(f"State size {size} must be fully defined.")
    if isinstance(batch_size, Tensor):
        static = constant_value(batch_size)
        if static is None:
            return array_ops.stack([batch_size, *dims]), [None, *dims]
        batch_size = static
    batch = int(batch_size)
    return [batch, *dims], [batch, *dims]


def zero_state_tensors(state_size: Any, batch_size: Any, dtype: Any) -> Any:
    """Zeros of shape ``[batch_size, size]`` for each size in ``state_size``."""

    def zeros(size: Any) -> Tensor:
        dynamic, static = _state_shape(batch_size, size)
        tensor = array_ops.zeros(dynamic, dtype=dtype)
        tensor.set_shape(static)
        return tensor

    return jax.tree_util.tree_map(
        zeros, state_size, is_leaf=lambda s: isinstance(s, TensorShape)
    )


class RNNCell(Layer):
    """Abstract recurrent cell, as TF1's ``tf.nn.rnn_cell.RNNCell``.

    Subclasses define ``state_size``, ``output_size`` and ``call(inputs, state)
    -> (output, new_state)``; ``build(inputs_shape)`` creates their variables on
    the first call, inside the cell's variable scope.
    """

    # The rank the inputs must have (TF1's ``input_spec``); None: not checked.
    _input_ndim: int | None = None

    def __init__(
        self,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)

    @property
    def state_size(self) -> Any:
        """The size(s) of the state: an int, a ``TensorShape`` or a tuple of them."""
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self) -> Any:
        """The size of the output (an int or ``TensorShape``)."""
        raise NotImplementedError("Abstract method")

    def call(self, inputs: Any, state: Any = None, **kwargs: Any) -> Any:
        """``(output, new_state)`` for one time step."""
        raise NotImplementedError("Abstract method")

    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> Any:
        """Runs one step: ``(output, new_state)``; creates the variables on the
        first call (in ``scope`` if given, else a scope named after the cell)."""
        if self._input_ndim is not None:
            self._check_inputs(convert_to_tensor(inputs))
        return super().__call__(inputs, state, scope=scope)

    def _check_inputs(self, inputs: Tensor) -> None:
        ndim = inputs.shape.ndims
        if ndim is not None and ndim != self._input_ndim:
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible with the layer:"
                f" expected ndim={self._input_ndim}, found ndim={ndim}. Full shape"
                f" received: {inputs.shape.as_list()}"
            )

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        """Zeros of shape ``[batch_size, size]`` for each of ``state_size``
        (``batch_size`` may be an int or a scalar int tensor)."""
        graph = get_default_graph()
        with graph.name_scope(type(self).__name__ + "ZeroState"):
            return zero_state_tensors(self.state_size, batch_size, dtype)

    def get_initial_state(
        self, inputs: Any = None, batch_size: Any = None, dtype: Any = None
    ) -> Any:
        """The zero state for ``inputs``' batch size and dtype (or the given ones)."""
        if inputs is not None:
            inputs = convert_to_tensor(inputs, name="inputs")
            static = inputs.shape.as_list()[0] if inputs.shape.ndims else None
            batch_size = static or array_ops.shape(inputs)[0]
            dtype = inputs.dtype
        if batch_size is None or dtype is None:
            raise ValueError(
                "batch_size and dtype cannot be None while constructing initial"
                f" state: batch_size={batch_size}, dtype={dtype}"
            )
        return self.zero_state(batch_size, dtype)


def _input_depth(cell: RNNCell, inputs_shape: TensorShape) -> int:
    depth = None if inputs_shape.ndims is None else inputs_shape.as_list()[-1]
    if depth is None:
        raise ValueError(
            f"Expected inputs.shape[-1] to be known, saw shape: {inputs_shape}"
            f" (cell {cell.name})."
        )
    return depth


class BasicRNNCell(RNNCell):
    """``output = new_state = activation(concat([inputs, state]) @ kernel + bias)``,
    as TF1's ``BasicRNNCell``; ``kernel`` is ``[input_depth + num_units,
    num_units]``."""

    _input_ndim = 2

    def __init__(
        self,
        num_units: int,
        activation: Any = None,
        reuse: Any = None,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = int(num_units)
        self._activation = _activation(activation)

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units

    def build(self, input_shape: TensorShape) -> None:
        depth = _input_depth(self, input_shape)
        self._kernel = self.add_weight(
            "kernel", shape=[depth + self._num_units, self._num_units]
        )
        self._bias = self.add_weight(
            "bias",
            shape=[self._num_units],
            initializer=init_ops.zeros_initializer(dtype=self.dtype),
        )

    def call(self, inputs: Any, state: Any = None, **kwargs: Any) -> Any:
        gate_inputs = math_ops.matmul(
            array_ops.concat([inputs, state], 1), self._kernel
        )
        gate_inputs = nn_ops.bias_add(gate_inputs, self._bias)
        output = self._activation(gate_inputs)
        return output, output


class BasicLSTMCell(RNNCell):
    """TF1's ``BasicLSTMCell``: one ``kernel`` ``[input_depth + num_units,
    4 * num_units]`` gives gates ``i, j, f, o``;
    ``c' = c * sigmoid(f + forget_bias) + sigmoid(i) * activation(j)``,
    ``h' = activation(c') * sigmoid(o)``. The state is ``LSTMStateTuple(c, h)``
    (or ``concat([c, h], 1)`` with ``state_is_tuple=False``)."""

    _input_ndim = 2

    def __init__(
        self,
        num_units: int,
        forget_bias: float = 1.0,
        state_is_tuple: bool = True,
        activation: Any = None,
        reuse: Any = None,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = int(num_units)
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)

    @property
    def state_size(self) -> Any:
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    @property
    def output_size(self) -> int:
        return self._num_units

    def build(self, input_shape: TensorShape) -> None:
        depth = _input_depth(self, input_shape)
        n = self._num_units
        self._kernel = self.add_weight("kernel", shape=[depth + n, 4 * n])
        self._bias = self.add_weight(
            "bias",
            shape=[4 * n],
            initializer=init_ops.zeros_initializer(dtype=self.dtype),
        )

    def call(self, inputs: Any, state: Any = None, **kwargs: Any) -> Any:
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = array_ops.split(state, 2, axis=1)
        gate_inputs = math_ops.matmul(array_ops.concat([inputs, h], 1), self._kernel)
        gate_inputs = nn_ops.bias_add(gate_inputs, self._bias)
        i, j, f, o = array_ops.split(gate_inputs, 4, axis=1)
        forget_bias = convert_to_tensor(self._forget_bias, f.dtype)
        new_c = math_ops.add(
            math_ops.multiply(c, math_ops.sigmoid(math_ops.add(f, forget_bias))),
            math_ops.multiply(math_ops.sigmoid(i), self._activation(j)),
        )
        new_h = math_ops.multiply(self._activation(new_c), math_ops.sigmoid(o))
        if self._state_is_tuple:
            return new_h, LSTMStateTuple(new_c, new_h)
        return new_h, array_ops.concat([new_c, new_h], 1)


class LSTMCell(RNNCell):
    """TF1's ``LSTMCell``: :class:`BasicLSTMCell`'s gates with optional peepholes
    (``w_f_diag``, ``w_i_diag``, ``w_o_diag``), cell clipping and a projection
    ``projection/kernel`` ``[num_units, num_proj]`` of the output (then the state
    is ``LSTMStateTuple(c, m)`` with ``m`` of size ``num_proj``).

    ``initializer`` initialises the kernel, peepholes and projection (default:
    the variable scope's, else glorot-uniform); the bias is zeros.
    """

    _input_ndim = 2

    def __init__(
        self,
        num_units: int,
        use_peepholes: bool = False,
        cell_clip: float | None = None,
        initializer: Any = None,
        num_proj: int | None = None,
        proj_clip: float | None = None,
        num_unit_shards: int | None = None,
        num_proj_shards: int | None = None,
        forget_bias: float = 1.0,
        state_is_tuple: bool = True,
        activation: Any = None,
        reuse: Any = None,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        if num_unit_shards is not None or num_proj_shards is not None:
            raise NotImplementedError(
                "LSTMCell: num_unit_shards / num_proj_shards (deprecated variable"
                " partitioning) are not supported; leave them None."
            )
        self._num_units = int(num_units)
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = None if num_proj is None else int(num_proj)
        self._proj_clip = proj_clip
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation)

    @property
    def state_size(self) -> Any:
        n, m = self._num_units, self._num_proj or self._num_units
        return LSTMStateTuple(n, m) if self._state_is_tuple else n + m

    @property
    def output_size(self) -> int:
        return self._num_proj or self._num_units

    def build(self, input_shape: TensorShape) -> None:
        depth = _input_depth(self, input_shape)
        n = self._num_units
        h_depth = self._num_proj or n
        init = self._initializer
        self._kernel = self.add_weight(
            "kernel", shape=[depth + h_depth, 4 * n], initializer=init
        )
        self._bias = self.add_weight(
            "bias",
            shape=[4 * n],
            initializer=init_ops.zeros_initializer(dtype=self.dtype),
        )
        if self._use_peepholes:
            self._w_f_diag = self.add_weight("w_f_diag", shape=[n], initializer=init)
            self._w_i_diag = self.add_weight("w_i_diag", shape=[n], initializer=init)
            self._w_o_diag = self.add_weight("w_o_diag", shape=[n], initializer=init)
        if self._num_proj is not None:
            self._proj_kernel = self.add_weight(
                "projection/kernel", shape=[n, self._num_proj], initializer=init
            )

    def call(self, inputs: Any, state: Any = None, **kwargs: Any) -> Any:
        n = self._num_units
        sigmoid = math_ops.sigmoid
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev, m_prev = array_ops.split(state, [n, self._num_proj or n], axis=1)
        lstm_matrix = math_ops.matmul(
            array_ops.concat([inputs, m_prev], 1), self._kernel
        )
        lstm_matrix = nn_ops.bias_add(lstm_matrix, self._bias)
        i, j, f, o = array_ops.split(lstm_matrix, 4, axis=1)
        forget, write = f + self._forget_bias, i
        if self._use_peepholes:
            forget = forget + self._w_f_diag * c_prev
            write = write + self._w_i_diag * c_prev
        c = sigmoid(forget) * c_prev + sigmoid(write) * self._activation(j)
        if self._cell_clip is not None:
            c = math_ops.clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = sigmoid(o + self._w_o_diag * c) * self._activation(c)
        else:
            m = sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            m = math_ops.matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = math_ops.clip_by_value(m, -self._proj_clip, self._proj_clip)
        if self._state_is_tuple:
            return m, LSTMStateTuple(c, m)
        return m, array_ops.concat([c, m], 1)


class GRUCell(RNNCell):
    """TF1's ``GRUCell``: ``r, u = split(sigmoid(concat([x, h]) @ gates/kernel +
    gates/bias))``, ``c = activation(concat([x, r * h]) @ candidate/kernel +
    candidate/bias)``, ``h' = u * h + (1 - u) * c``. The gates' bias starts at
    ones, the candidate's at zeros (unless ``bias_initializer`` is given)."""

    _input_ndim = 2

    def __init__(
        self,
        num_units: int,
        activation: Any = None,
        reuse: Any = None,
        kernel_initializer: Any = None,
        bias_initializer: Any = None,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = int(num_units)
        self._activation = _activation(activation)
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units

    def build(self, input_shape: TensorShape) -> None:
        depth = _input_depth(self, input_shape)
        n = self._num_units
        bias_init = self._bias_initializer
        self._gate_kernel = self.add_weight(
            "gates/kernel",
            shape=[depth + n, 2 * n],
            initializer=self._kernel_initializer,
        )
        self._gate_bias = self.add_weight(
            "gates/bias",
            shape=[2 * n],
            initializer=bias_init
            or init_ops.constant_initializer(1.0, dtype=self.dtype or _dtypes.float32),
        )
        self._candidate_kernel = self.add_weight(
            "candidate/kernel",
            shape=[depth + n, n],
            initializer=self._kernel_initializer,
        )
        self._candidate_bias = self.add_weight(
            "candidate/bias",
            shape=[n],
            initializer=bias_init or init_ops.zeros_initializer(dtype=self.dtype),
        )

    def call(self, inputs: Any, state: Any = None, **kwargs: Any) -> Any:
        gate_inputs = math_ops.matmul(
            array_ops.concat([inputs, state], 1), self._gate_kernel
        )
        gate_inputs = nn_ops.bias_add(gate_inputs, self._gate_bias)
        r, u = array_ops.split(math_ops.sigmoid(gate_inputs), 2, axis=1)
        candidate = math_ops.matmul(
            array_ops.concat([inputs, r * state], 1), self._candidate_kernel
        )
        candidate = nn_ops.bias_add(candidate, self._candidate_bias)
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
        return new_h, new_h


class MultiRNNCell(RNNCell):
    """Cells stacked in layers, as TF1's ``MultiRNNCell``: cell ``i`` runs in
    variable scope ``cell_<i>`` (``multi_rnn_cell/cell_0/lstm_cell/kernel``) on the
    previous cell's output; the state is the tuple of the cells' states (or their
    concatenation with ``state_is_tuple=False``)."""

    def __init__(self, cells: Sequence[RNNCell], state_is_tuple: bool = True) -> None:
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not isinstance(cells, list | tuple):
            raise TypeError(f"cells must be a list or tuple, but saw: {cells}.")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple and any(
            isinstance(c.state_size, tuple) for c in self._cells
        ):
            raise ValueError(
                "Some cells return tuples of states, but the flag state_is_tuple is"
                " not set.  State sizes are:"
                f" {[c.state_size for c in self._cells]}"
            )

    @property
    def state_size(self) -> Any:
        if self._state_is_tuple:
            return tuple(cell.state_size for cell in self._cells)
        return sum(cell.state_size for cell in self._cells)

    @property
    def output_size(self) -> Any:
        return self._cells[-1].output_size

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        if not self._state_is_tuple:
            return super().zero_state(batch_size, dtype)
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            return tuple(cell.zero_state(batch_size, dtype) for cell in self._cells)

    def call(self, inputs: Any, state: Any = None, **kwargs: Any) -> Any:
        position = 0
        current = inputs
        new_states = []
        for i, cell in enumerate(self._cells):
            with vs.variable_scope(f"cell_{i}"):
                if self._state_is_tuple:
                    if not isinstance(state, tuple | list):
                        raise ValueError(
                            f"Expected state to be a tuple of length"
                            f" {len(self.state_size)}, but received: {state}"
                        )
                    cell_state = state[i]
                else:
                    size = cell.state_size
                    cell_state = array_ops.slice(state, [0, position], [-1, size])
                    position += size
                current, new_state = cell(current, cell_state)
                new_states.append(new_state)
        if self._state_is_tuple:
            return current, tuple(new_states)
        return current, array_ops.concat(new_states, 1)


class _Wrapper(RNNCell):
    """A cell around ``cell`` whose variables are the wrapped cell's (TF1's
    ``_RNNCellWrapperV1``: no scope of its own)."""

    def __init__(self, cell: RNNCell, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        check_rnn_cell("cell", cell)
        self._cell = cell

    @property
    def wrapped_cell(self) -> RNNCell:
        """The wrapped cell."""
        return self._cell

    @property
    def state_size(self) -> Any:
        return self._cell.state_size

    @property
    def output_size(self) -> Any:
        return self._cell.output_size

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            return self._cell.zero_state(batch_size, dtype)

    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> Any:
        result = self._call_wrapped(inputs, state, scope)
        self.built = True  # the wrapped cell has its variables now
        return result

    def _call_wrapped(self, inputs: Any, state: Any, scope: Any) -> Any:
        raise NotImplementedError


def _seed(seed: int | None, salt_prefix: str, index: int) -> int | None:
    """TF1's ``DropoutWrapper._gen_seed``."""
    if seed is None:
        return None
    digest = hashlib.md5(f"{seed}{salt_prefix}_{index}".encode()).hexdigest()
    return int(digest[:8], 16) & 0x7FFFFFFF


def _default_state_filter(substate: Any) -> Any:
    """No dropout on an LSTM's memory ``c`` (TF1's default filter)."""
    if isinstance(substate, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)
    return True


class DropoutWrapper(_Wrapper):
    """Dropout on the inputs, outputs and state of ``cell``, as TF1's
    ``DropoutWrapper`` (``variational_recurrent=False``): a fresh mask each step.

    Keep probabilities may be floats in ``[0, 1]`` (1 skips the dropout) or scalar
    tensors. ``dropout_state_filter_visitor(substate)`` says which parts of the
    state get dropout (default: all but an ``LSTMStateTuple``'s ``c``).
    """

    def __init__(
        self,
        cell: RNNCell,
        input_keep_prob: Any = 1.0,
        output_keep_prob: Any = 1.0,
        state_keep_prob: Any = 1.0,
        variational_recurrent: bool = False,
        input_size: Any = None,
        dtype: Any = None,
        seed: int | None = None,
        dropout_state_filter_visitor: Callable[[Any], Any] | None = None,
    ) -> None:
        super().__init__(cell, dtype=dtype)
        if variational_recurrent:
            raise NotImplementedError(
                "DropoutWrapper(variational_recurrent=True) is not supported; use"
                " the default variational_recurrent=False (a new mask every step)."
            )
        del input_size  # only used by variational_recurrent
        self._seed = seed
        self._state_filter = dropout_state_filter_visitor or _default_state_filter
        with get_default_graph().name_scope("DropoutWrapperInit"):
            self._input_keep_prob = _keep_prob(input_keep_prob, "input_keep_prob")
            self._state_keep_prob = _keep_prob(state_keep_prob, "state_keep_prob")
            self._output_keep_prob = _keep_prob(output_keep_prob, "output_keep_prob")

    def _dropout(self, values: Any, salt: str, keep_prob: Any, mask: Any) -> Any:
        """Dropout on the leaves of ``values`` where ``mask`` (a shallow structure
        of bools, or True) says so; leaves are numbered as TF1 does for seeds."""
        counter = iter(range(1 << 30))

        def visit(do: Any, value: Any) -> Any:
            if isinstance(do, bool):
                index = next(counter)
                if not do:
                    return value
                return jax.tree_util.tree_map(
                    lambda v: nn_ops.dropout(
                        v, keep_prob=keep_prob, seed=_seed(self._seed, salt, index)
                    ),
                    value,
                    is_leaf=_is_leaf,
                )
            kind = type(value)
            parts = [visit(d, v) for d, v in zip(do, value, strict=True)]
            return kind(*parts) if hasattr(kind, "_fields") else kind(parts)

        return visit(mask, values)

    def _shallow_filter(self, state: Any) -> Any:
        """TF1's ``get_traverse_shallow_structure`` of the state filter."""
        wanted = self._state_filter(state)
        if _is_leaf(state):
            if not isinstance(wanted, bool):
                raise TypeError(
                    "dropout_state_filter_visitor must return a bool for a tensor,"
                    f" got {wanted!r}."
                )
            return wanted
        if isinstance(wanted, bool):
            if not wanted:
                return False
            wanted = [True] * len(state)
        kind = type(state)
        parts = [
            self._shallow_filter(sub) if w else False
            for w, sub in zip(wanted, state, strict=True)
        ]
        return kind(*parts) if hasattr(kind, "_fields") else kind(parts)

    def _call_wrapped(self, inputs: Any, state: Any, scope: Any) -> Any:
        if _should_dropout(self._input_keep_prob):
            inputs = self._dropout(inputs, "input", self._input_keep_prob, True)
        output, new_state = self._cell(inputs, state, scope=scope)
        if _should_dropout(self._state_keep_prob):
            new_state = self._dropout(
                new_state,
                "state",
                self._state_keep_prob,
                self._shallow_filter(new_state),
            )
        if _should_dropout(self._output_keep_prob):
            output = self._dropout(output, "output", self._output_keep_prob, True)
        return output, new_state


def _keep_prob(value: Any, what: str) -> Any:
    """A Python float when ``value`` is known when the graph is built, else the
    tensor; raises outside ``[0, 1]``."""
    tensor = convert_to_tensor(value)
    folded = constant_value(tensor)
    if folded is None:
        return tensor
    number = float(folded)
    if not 0 <= number <= 1:
        raise ValueError(f"Parameter {what} must be between 0 and 1: {number}")
    return number


def _should_dropout(keep_prob: Any) -> bool:
    return not isinstance(keep_prob, float) or keep_prob < 1


class ResidualWrapper(_Wrapper):
    """``output = residual_fn(inputs, cell_output)`` (default: their sum), as TF1's
    ``ResidualWrapper``; the state is the cell's."""

    def __init__(
        self,
        cell: RNNCell,
        residual_fn: Callable[[Any, Any], Any] | None = None,
    ) -> None:
        super().__init__(cell)
        self._residual_fn = residual_fn

    def _call_wrapped(self, inputs: Any, state: Any, scope: Any) -> Any:
        output, new_state = self._cell(inputs, state, scope=scope)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, output), new_state
        in_leaves, out_leaves = flatten(inputs), flatten(output)
        if len(in_leaves) != len(out_leaves):
            raise ValueError(
                f"ResidualWrapper: inputs {inputs} and outputs {output} have"
                " different structures."
            )
        summed = [
            convert_to_tensor(x) + y for x, y in zip(in_leaves, out_leaves, strict=True)
        ]
        return pack_as(output, summed), new_state


class DeviceWrapper(_Wrapper):
    """Builds ``cell``'s ops (and its zero state) on ``device``, as TF1's
    ``DeviceWrapper``."""

    def __init__(self, cell: RNNCell, device: str) -> None:
        super().__init__(cell)
        self._device = device

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        with get_default_graph().device(self._device):
            return super().zero_state(batch_size, dtype)

    def _call_wrapped(self, inputs: Any, state: Any, scope: Any) -> Any:
        with get_default_graph().device(self._device):
            return self._cell(inputs, state, scope=scope)


def check_rnn_cell(name: str, cell: Any) -> None:
    """Raises ``TypeError`` unless ``cell`` looks like an RNN cell (TF1's
    ``assert_like_rnncell``)."""
    problems = [
        f"'{attr}' property is missing"
        for attr in ("output_size", "state_size")
        if not hasattr(type(cell), attr) and not hasattr(cell, attr)
    ]
    if not hasattr(cell, "zero_state") and not hasattr(cell, "get_initial_state"):
        problems.append("either 'zero_state' or 'get_initial_state' method is required")
    if not callable(cell):
        problems.append("is not callable")
    if problems:
        raise TypeError(
            f"The argument {name!r} ({cell}) is not an RNNCell: {', '.join(problems)}."
        )
