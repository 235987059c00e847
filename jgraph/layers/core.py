"""``tf.layers``: TF1's layer functions and classes (``dense``, ``conv2d``, ...).

A client of the graph builders: each layer opens a variable scope (``dense``,
``dense_1``, ... or its ``name``), creates its weights with ``get_variable``
(``dense/kernel``, ``dense/bias``) and builds its ops in that scope's name scope
(``dense/MatMul``, ``dense/BiasAdd``). Calling a layer object again, or the
function with the same ``name`` and ``reuse=True`` (or inside a reusing variable
scope), shares the weights, exactly as TF1.

``training`` arguments (``dropout``, ``batch_normalization``) may be a Python
bool, fixed when the graph is built, or a bool tensor such as a placeholder,
chosen at run time by a select inside the graph.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Graph, GraphKeys, get_default_graph
from jgraph.graph.shape import TensorShape
from jgraph.graph.tensor import Tensor
from jgraph.ops import (
    array_ops,
    conv_ops,
    init_ops,
    math_ops,
    nn_ops,
    state_ops,
    variable_scope as vs,
)
from jgraph.ops.conversion import convert_to_tensor
from jgraph.ops.variables import Variable

# -- the base class ---------------------------------------------------------------------

_LAYER_NAME_COUNTS: weakref.WeakKeyDictionary[Graph, dict[str, int]] = (
    weakref.WeakKeyDictionary()
)


def _to_snake_case(name: str) -> str:
    """Keras' class-name -> layer-name rule (``MaxPooling2D`` -> ``max_pooling2d``)."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()


def _unique_layer_name(base: str) -> str:
    counts = _LAYER_NAME_COUNTS.setdefault(get_default_graph(), {})
    count = counts.get(base, 0)
    counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


class Layer:
    """Base class of TF1 layers (``tf.layers.Layer``).

    Subclasses implement ``build(input_shape)`` (create weights with
    :meth:`add_weight`) and ``call(inputs, **kwargs)``.

    Args:
      trainable: whether the layer's weights are trainable.
      name: the layer's name, also its variable scope.
      dtype: weight dtype; default: the first input's (float32 for non-floats).
    """

    def __init__(
        self,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        scope = kwargs.pop("_scope", None)
        self._reuse = kwargs.pop("_reuse", None)
        for key in kwargs:
            raise TypeError(f"Keyword argument not understood: {key}")
        self.trainable = trainable
        self.built = False
        self._dtype = None if dtype is None else _dtypes.as_dtype(dtype)
        self._trainable_weights: list[Variable] = []
        self._non_trainable_weights: list[Variable] = []
        self._updates: list[Any] = []
        self._losses: list[Tensor] = []
        self._init_set_name(name)
        if scope:
            with vs.variable_scope(scope) as captured_scope:
                self._scope: vs.VariableScope | None = captured_scope
        else:
            self._scope = None
        self._current_scope: vs.VariableScope | None = None

    def _init_set_name(self, name: Any) -> None:
        base = _to_snake_case(type(self).__name__)
        if isinstance(name, vs.VariableScope):
            self._base_name = name.name
            self._name = _unique_layer_name(base)
        elif name:
            self._base_name = self._name = name
        else:
            self._base_name = base
            self._name = _unique_layer_name(base)

    # -- properties -----------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> _dtypes.DType | None:
        return self._dtype

    @property
    def scope_name(self) -> str:
        if self._scope is None:
            raise ValueError(
                f'No name available for layer scope because the layer "{self._name}"'
                " has not been used yet. The scope name is determined the first time"
                " the layer instance is called. You must therefore call the layer"
                " before querying `scope_name`."
            )
        return self._scope.name

    @property
    def trainable_weights(self) -> list[Variable]:
        return list(self._trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self) -> list[Variable]:
        if self.trainable:
            return list(self._non_trainable_weights)
        return self._trainable_weights + self._non_trainable_weights

    @property
    def weights(self) -> list[Variable]:
        return self.trainable_weights + self.non_trainable_weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    @property
    def updates(self) -> list[Any]:
        return list(self._updates)

    @property
    def losses(self) -> list[Tensor]:
        return list(self._losses)

    # -- building -----------------------------------------------------------------------
    def build(self, input_shape: TensorShape) -> None:
        """Creates the layer's weights; called once, before the first ``call``."""
        self.built = True

    def call(self, inputs: Tensor, **kwargs: Any) -> Any:
        """The layer's computation on ``inputs``."""
        return inputs

    def _set_scope(self, scope: Any = None) -> None:
        if self._scope is not None:
            return
        if self._reuse:
            with vs.variable_scope(
                scope if scope is not None else self._base_name
            ) as captured_scope:
                self._scope = captured_scope
        else:
            with vs.variable_scope(
                scope, default_name=self._base_name
            ) as captured_scope:
                self._scope = captured_scope

    def add_weight(
        self,
        name: str,
        shape: Sequence[int],
        dtype: Any = None,
        initializer: Any = None,
        regularizer: Callable[[Any], Any] | None = None,
        trainable: bool | None = None,
        constraint: Any = None,
        **kwargs: Any,
    ) -> Variable:
        """Creates (or, when reusing, gets) weight ``name`` in the layer's scope."""
        trainable = True if trainable is None else trainable
        dtype = dtype or self._dtype or _dtypes.float32
        self._set_scope(None)
        reuse = self.built or self._reuse
        graph = get_default_graph()
        with vs.variable_scope(
            self._scope, reuse=reuse, auxiliary_name_scope=False
        ) as scope:
            self._current_scope = scope
            with graph.name_scope(scope.original_name_scope):
                variable = vs.get_variable(
                    name,
                    shape=list(shape),
                    dtype=dtype,
                    initializer=initializer,
                    regularizer=regularizer,
                    trainable=trainable and self.trainable,
                    constraint=constraint,
                )
        owned = self._trainable_weights + self._non_trainable_weights
        if not any(variable is w for w in owned):
            in_trainable = any(
                variable is v
                for v in graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
            )
            if trainable and in_trainable:
                self._trainable_weights.append(variable)
            else:
                self._non_trainable_weights.append(variable)
        return variable

    def add_update(self, updates: Any, inputs: Any = None) -> None:
        """Records update ops (added to ``GraphKeys.UPDATE_OPS`` after the call)."""
        for update in updates if isinstance(updates, list | tuple) else [updates]:
            self._updates.append(update)

    def add_loss(self, losses: Any, inputs: Any = None) -> None:
        """Records losses; they also go to ``GraphKeys.REGULARIZATION_LOSSES``."""
        graph = get_default_graph()
        for loss in losses if isinstance(losses, list | tuple) else [losses]:
            if loss is None:
                continue
            self._losses.append(loss)
            _add_unique(graph.get_collection_ref(GraphKeys.REGULARIZATION_LOSSES), loss)

    # -- calling --------------------------------------------------------------------------
    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """Builds the layer (first call) and applies it to ``inputs``."""
        scope_arg = kwargs.pop("scope", None)
        self._set_scope(scope_arg)
        graph = get_default_graph()
        with vs.variable_scope(
            self._scope,
            reuse=True if self.built else self._reuse,
            auxiliary_name_scope=False,
        ) as scope:
            self._current_scope = scope
            with graph.name_scope(scope.original_name_scope):
                inputs = _as_tensor(inputs)
                if self._dtype is None:
                    self._dtype = (
                        inputs.dtype if inputs.dtype.is_floating else _dtypes.float32
                    )
                if not self.built:
                    self.build(inputs.shape)
                    self.built = True
                outputs = self.call(inputs, *args, **kwargs)
                self._handle_activity_regularization(outputs)
        update_ops = graph.get_collection_ref(GraphKeys.UPDATE_OPS)
        for update in self._updates:
            _add_unique(update_ops, update)
        return outputs

    def apply(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """Same as calling the layer."""
        return self(inputs, *args, **kwargs)

    def _handle_activity_regularization(self, outputs: Any) -> None:
        regularizer = getattr(self, "activity_regularizer", None)
        if regularizer is None:
            return
        with get_default_graph().name_scope("ActivityRegularizer"):
            loss = regularizer(outputs)
            batch = math_ops.cast(array_ops.shape(outputs)[0], loss.dtype)
            # Per-example strength, whatever the batch size (as Keras).
            self.add_loss(loss / batch)

    def _cast_inputs(self, inputs: Tensor) -> Tensor:
        assert self._dtype is not None
        if inputs.dtype != self._dtype:
            return math_ops.cast(inputs, self._dtype)
        return inputs


def _add_unique(collection: list[Any], item: Any) -> None:
    if not any(item is existing for existing in collection):
        collection.append(item)


def _as_tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else convert_to_tensor(value)


# -- argument normalisation ------------------------------------------------------------


def _tuple(value: Any, n: int, what: str) -> tuple[int, ...]:
    if isinstance(value, int | np.integer):
        return (int(value),) * n
    values = tuple(int(v) for v in value)
    if len(values) != n:
        raise ValueError(
            f"The `{what}` argument must be a tuple of {n} integers. Received: {value}"
        )
    return values


def _padding(padding: str) -> str:
    lowered = padding.lower() if isinstance(padding, str) else padding
    if lowered not in ("valid", "same"):
        raise ValueError(
            'The `padding` argument must be one of "valid", "same". Received: '
            f"{padding}"
        )
    return lowered.upper()


def _data_format(data_format: str | None) -> str:
    value = (data_format or "channels_last").lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError(
            'The `data_format` argument must be one of "channels_first",'
            f' "channels_last". Received: {data_format}'
        )
    return value


def _nhwc(data_format: str, rank: int = 2) -> str:
    """The TF data format of a ``rank``-D layer: ``NWC``/``NHWC``/``NDHWC`` or
    channels first (``NCW``, ...)."""
    spatial = "DHW"[3 - rank :]
    return f"N{spatial}C" if data_format == "channels_last" else f"NC{spatial}"


def _is_python_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_) or value is None


# -- layers -------------------------------------------------------------------------------


class Dense(Layer):
    """Densely connected layer: ``activation(inputs @ kernel + bias)``.

    Inputs of rank > 2 are contracted over their last dimension.
    """

    def __init__(
        self,
        units: int,
        activation: Callable[[Tensor], Tensor] | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = None,
        bias_initializer: Any = None,
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        trainable: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.units = int(units)
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer or init_ops.zeros_initializer()
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint

    def build(self, input_shape: TensorShape) -> None:
        last_dim = None if input_shape.ndims is None else input_shape.as_list()[-1]
        if last_dim is None:
            raise ValueError(
                "The last dimension of the inputs to `Dense` should be defined. Found"
                " `None`."
            )
        self.kernel = self.add_weight(
            "kernel",
            shape=[last_dim, self.units],
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            trainable=True,
        )
        self.bias = (
            self.add_weight(
                "bias",
                shape=[self.units],
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                trainable=True,
            )
            if self.use_bias
            else None
        )

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        inputs = self._cast_inputs(inputs)
        rank = inputs.shape.ndims
        if rank is not None and rank > 2:
            outputs = math_ops.tensordot(inputs, self.kernel, [[rank - 1], [0]])
        else:
            outputs = math_ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            outputs = nn_ops.bias_add(outputs, self.bias)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs


class _Conv(Layer):
    """The N-D convolution layers: ``activation(conv(inputs, kernel) + bias)``, the
    kernel of shape ``kernel_size + (input_channels, filters)``. Subclasses set
    ``_rank`` and ``_convolve``."""

    _rank = 2

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str = "channels_last",
        dilation_rate: Any = 1,
        activation: Callable[[Tensor], Tensor] | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = None,
        bias_initializer: Any = None,
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        trainable: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.filters = int(filters)
        self.kernel_size = _tuple(kernel_size, self._rank, "kernel_size")
        self.strides = _tuple(strides, self._rank, "strides")
        self.padding = _padding(padding)
        self.data_format = _data_format(data_format)
        self.dilation_rate = _tuple(dilation_rate, self._rank, "dilation_rate")
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer or init_ops.zeros_initializer()
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint

    def build(self, input_shape: TensorShape) -> None:
        input_dim = self._input_channels(input_shape)
        self.kernel = self.add_weight(
            "kernel",
            shape=[*self.kernel_size, input_dim, self.filters],
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            trainable=True,
        )
        self._build_bias()

    def _input_channels(self, input_shape: TensorShape) -> int:
        """The inputs' channel count, checking their rank and known channels."""
        if input_shape.ndims != self._rank + 2:
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible with the layer:"
                f" expected ndim={self._rank + 2}, found ndim={input_shape.ndims}."
                " Full shape"
                f" received: {input_shape.as_list() if input_shape.ndims else None}"
            )
        channel_axis = -1 if self.data_format == "channels_last" else 1
        input_dim = input_shape.as_list()[channel_axis]
        if input_dim is None:
            raise ValueError(
                "The channel dimension of the inputs should be defined. Found `None`."
            )
        return input_dim

    def _build_bias(self) -> None:
        self.bias = (
            self.add_weight(
                "bias",
                shape=[self.filters],
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                trainable=True,
            )
            if self.use_bias
            else None
        )

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        return self._bias_and_activation(self._convolve(self._cast_inputs(inputs)))

    def _convolve(self, inputs: Tensor) -> Tensor:
        raise NotImplementedError

    def _bias_and_activation(self, outputs: Tensor) -> Tensor:
        if self.bias is not None:
            outputs = nn_ops.bias_add(
                outputs, self.bias, data_format=_nhwc(self.data_format)
            )
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs


class Conv1D(_Conv):
    """1-D convolution layer (``tf.layers.Conv1D``): kernel ``[k, in, filters]``."""

    _rank = 1

    def _convolve(self, inputs: Tensor) -> Tensor:
        return conv_ops.conv1d(
            inputs,
            self.kernel,
            stride=self.strides[0],
            padding=self.padding,
            data_format=_nhwc(self.data_format, 1),
            dilations=self.dilation_rate[0],
        )


class Conv2D(_Conv):
    """2-D convolution layer (``tf.layers.Conv2D``): kernel ``[kh, kw, in,
    filters]``."""

    _rank = 2

    def _convolve(self, inputs: Tensor) -> Tensor:
        return conv_ops.conv2d(
            inputs,
            self.kernel,
            strides=list(self.strides),
            padding=self.padding,
            data_format=_nhwc(self.data_format),
            dilations=list(self.dilation_rate),
            name="Conv2D",
        )


class Conv3D(_Conv):
    """3-D convolution layer (``tf.layers.Conv3D``): kernel ``[kd, kh, kw, in,
    filters]``."""

    _rank = 3

    def _convolve(self, inputs: Tensor) -> Tensor:
        return conv_ops.conv3d(
            inputs,
            self.kernel,
            strides=list(self.strides),
            padding=self.padding,
            data_format=_nhwc(self.data_format, 3),
            dilations=list(self.dilation_rate),
            name="Conv3D",
        )


def _deconv_output_length(
    size: int, kernel: int, padding: str, stride: int, dilation: int
) -> int:
    """Keras' ``deconv_output_length``: ``conv2d_transpose``'s output size."""
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if padding == "VALID":
        return size * stride + max(kernel - stride, 0)
    return size * stride


class _ConvTranspose(_Conv):
    """The transposed convolution layers: ``activation(conv_transpose(inputs,
    kernel) + bias)``.

    The kernel has shape ``kernel_size + (filters, input_channels)``; each output
    spatial size is ``n * stride`` (``"same"``) or ``n * stride + max(k - stride, 0)``
    (``"valid"``). The inputs' spatial sizes must be known when the graph is built.
    Subclasses set ``_transpose``.
    """

    _transpose: Callable[..., Tensor]

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str = "channels_last",
        activation: Callable[[Tensor], Tensor] | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = None,
        bias_initializer: Any = None,
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        trainable: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            trainable=trainable,
            name=name,
            **kwargs,
        )

    def build(self, input_shape: TensorShape) -> None:
        input_dim = self._input_channels(input_shape)
        self.kernel = self.add_weight(
            "kernel",
            shape=[*self.kernel_size, self.filters, input_dim],
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            trainable=True,
        )
        self._build_bias()

    def _convolve(self, inputs: Tensor) -> Tensor:
        channels_last = self.data_format == "channels_last"
        dims = inputs.shape.as_list()
        first = 1 if channels_last else 2
        spatial = [d for d in dims[first : first + self._rank] if d is not None]
        if len(spatial) != self._rank:
            raise ValueError(
                f"The spatial dimensions of the inputs to {self.name} must be known"
                f" when the graph is built, got shape {inputs.shape}."
            )
        out = [
            _deconv_output_length(n, k, self.padding, s, d)
            for n, k, s, d in zip(
                spatial, self.kernel_size, self.strides, self.dilation_rate, strict=True
            )
        ]
        batch = array_ops.shape(inputs)[0]
        if channels_last:
            output_shape = [batch, *out, self.filters]
        else:
            output_shape = [batch, self.filters, *out]
        return type(self)._transpose(
            inputs,
            self.kernel,
            array_ops.stack(output_shape),
            strides=list(self.strides),
            padding=self.padding,
            data_format=_nhwc(self.data_format, self._rank),
            dilations=list(self.dilation_rate),
        )


class Conv2DTranspose(_ConvTranspose, Conv2D):
    """Transposed 2-D convolution layer (``tf.layers.Conv2DTranspose``): kernel
    ``[kh, kw, filters, in]``."""

    _transpose = staticmethod(conv_ops.conv2d_transpose)


class Conv3DTranspose(_ConvTranspose, Conv3D):
    """Transposed 3-D convolution layer (``tf.layers.Conv3DTranspose``): kernel
    ``[kd, kh, kw, filters, in]``."""

    _transpose = staticmethod(conv_ops.conv3d_transpose)


class SeparableConv2D(Conv2D):
    """Depthwise separable 2-D convolution layer (``tf.layers.SeparableConv2D``):
    ``activation(separable_conv2d(inputs, depthwise_kernel, pointwise_kernel) +
    bias)``.

    Weights: ``depthwise_kernel`` ``kernel_size + (input_channels,
    depth_multiplier)``, ``pointwise_kernel`` ``(1, 1, input_channels *
    depth_multiplier, filters)`` and ``bias``.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: str = "valid",
        data_format: str = "channels_last",
        dilation_rate: Any = (1, 1),
        depth_multiplier: int = 1,
        activation: Callable[[Tensor], Tensor] | None = None,
        use_bias: bool = True,
        depthwise_initializer: Any = None,
        pointwise_initializer: Any = None,
        bias_initializer: Any = None,
        depthwise_regularizer: Any = None,
        pointwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        pointwise_constraint: Any = None,
        bias_constraint: Any = None,
        trainable: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            bias_initializer=bias_initializer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint,
            trainable=trainable,
            name=name,
            **kwargs,
        )
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer = depthwise_initializer
        self.pointwise_initializer = pointwise_initializer
        self.depthwise_regularizer = depthwise_regularizer
        self.pointwise_regularizer = pointwise_regularizer
        self.depthwise_constraint = depthwise_constraint
        self.pointwise_constraint = pointwise_constraint

    def build(self, input_shape: TensorShape) -> None:
        input_dim = self._input_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel",
            shape=[*self.kernel_size, input_dim, self.depth_multiplier],
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
            trainable=True,
        )
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel",
            shape=[1, 1, input_dim * self.depth_multiplier, self.filters],
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
            trainable=True,
        )
        self._build_bias()

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        if self.data_format == "channels_last":
            strides = [1, *self.strides, 1]
        else:
            strides = [1, 1, *self.strides]
        outputs = conv_ops.separable_conv2d(
            self._cast_inputs(inputs),
            self.depthwise_kernel,
            self.pointwise_kernel,
            strides=strides,
            padding=self.padding,
            rate=list(self.dilation_rate),
            data_format=_nhwc(self.data_format),
        )
        return self._bias_and_activation(outputs)


class _Pooling(Layer):
    """The N-D pooling layers; subclasses set ``_rank`` and ``_pooling_type``."""

    _rank = 2
    _pooling_type = "MAX"

    def __init__(
        self,
        pool_size: Any,
        strides: Any = None,
        padding: str = "valid",
        data_format: str = "channels_last",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.pool_size = _tuple(pool_size, self._rank, "pool_size")
        self.strides = (
            self.pool_size
            if strides is None
            else _tuple(strides, self._rank, "strides")
        )
        self.padding = _padding(padding)
        self.data_format = _data_format(data_format)

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        rank = inputs.shape.ndims
        if rank is not None and rank != self._rank + 2:
            raise ValueError(
                f"Input 0 of layer {self.name} is incompatible with the layer:"
                f" expected ndim={self._rank + 2}, found ndim={rank}."
            )
        return conv_ops.pool(
            inputs,
            list(self.pool_size),
            self._pooling_type,
            self.padding,
            strides=list(self.strides),
            data_format=_nhwc(self.data_format, self._rank),
        )


class MaxPooling1D(_Pooling):
    """Max pooling over 1-D windows (``tf.layers.MaxPooling1D``)."""

    _rank = 1


class MaxPooling2D(_Pooling):
    """Max pooling over 2-D windows (``tf.layers.MaxPooling2D``)."""


class MaxPooling3D(_Pooling):
    """Max pooling over 3-D windows (``tf.layers.MaxPooling3D``)."""

    _rank = 3


class AveragePooling1D(_Pooling):
    """Average pooling over 1-D windows (``tf.layers.AveragePooling1D``); with
    ``"same"`` padding only real elements are averaged, as TF1 (all sizes)."""

    _rank = 1
    _pooling_type = "AVG"


class AveragePooling2D(_Pooling):
    """Average pooling over 2-D windows (``tf.layers.AveragePooling2D``)."""

    _pooling_type = "AVG"


class AveragePooling3D(_Pooling):
    """Average pooling over 3-D windows (``tf.layers.AveragePooling3D``)."""

    _rank = 3
    _pooling_type = "AVG"


class Flatten(Layer):
    """Flattens all but the first (batch) dimension."""

    def __init__(
        self, data_format: str | None = None, name: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.data_format = _data_format(data_format)

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        dims = inputs.shape.as_list() if inputs.shape.ndims is not None else None
        if dims is None:
            raise ValueError(f"Flatten needs an input of known rank, got {inputs}.")
        if len(dims) == 1:
            return array_ops.expand_dims(inputs, 1)
        if self.data_format == "channels_first" and len(dims) > 2:
            # Channels go last first, so the flattened order matches channels_last.
            perm = [0, *range(2, len(dims)), 1]
            inputs = array_ops.transpose(inputs, perm)
            dims = [dims[p] for p in perm]
        rest = [d for d in dims[1:] if d is not None]
        if len(rest) == len(dims) - 1:  # every non-batch dimension is known
            return array_ops.reshape(
                inputs, [-1 if dims[0] is None else dims[0], int(np.prod(rest))]
            )
        batch = array_ops.shape(inputs)[0]
        return array_ops.reshape(inputs, array_ops.stack([batch, -1]))


class Dropout(Layer):
    """Dropout: in training, zeroes inputs with probability ``rate`` and scales the
    rest by ``1 / (1 - rate)``; otherwise the identity.

    ``call(inputs, training=False)``: ``training`` is a Python bool or a bool tensor.
    """

    def __init__(
        self,
        rate: Any = 0.5,
        noise_shape: Any = None,
        seed: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed

    def call(self, inputs: Tensor, training: Any = False, **kwargs: Any) -> Tensor:
        if _is_python_bool(training):
            if not training:
                return state_ops.identity(inputs)
            return nn_ops.dropout(
                inputs, noise_shape=self.noise_shape, seed=self.seed, rate=self.rate
            )
        keep = 1 - convert_to_tensor(self.rate, inputs.dtype)
        # keep_prob 1 makes the Dropout op exactly the identity.
        keep = math_ops.where_v2(
            _as_tensor(training), keep, convert_to_tensor(1.0, inputs.dtype)
        )
        return nn_ops.dropout(
            inputs, keep_prob=keep, noise_shape=self.noise_shape, seed=self.seed
        )


class BatchNormalization(Layer):
    """Batch normalization (``tf.layers.BatchNormalization``).

    In training, normalises with the batch's mean and variance and creates two
    update ops, added to ``GraphKeys.UPDATE_OPS``, that move ``moving_mean`` and
    ``moving_variance`` towards them: ``moving = moving * momentum + batch * (1 -
    momentum)``. Otherwise it normalises with the moving averages. Run the update
    ops with the train op, as in TF1::

        with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
            train_op = optimizer.minimize(loss)

    As TF1's (fused) kernel, 4-D inputs normalised over channels update the moving
    variance with the unbiased batch variance (``n / (n - 1)``); other inputs
    with the biased one. The output always uses the biased batch variance.
    """

    def __init__(
        self,
        axis: Any = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = None,
        gamma_initializer: Any = None,
        moving_mean_initializer: Any = None,
        moving_variance_initializer: Any = None,
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        renorm: bool = False,
        renorm_clipping: Any = None,
        renorm_momentum: float = 0.99,
        fused: bool | None = None,
        trainable: bool = True,
        virtual_batch_size: int | None = None,
        adjustment: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        if renorm or virtual_batch_size is not None or adjustment is not None:
            raise NotImplementedError(
                "batch_normalization with renorm, virtual_batch_size or adjustment is"
                " not supported by jgraph."
            )
        self.axis = axis
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = beta_initializer or init_ops.zeros_initializer()
        self.gamma_initializer = gamma_initializer or init_ops.ones_initializer()
        self.moving_mean_initializer = (
            moving_mean_initializer or init_ops.zeros_initializer()
        )
        self.moving_variance_initializer = (
            moving_variance_initializer or init_ops.ones_initializer()
        )
        self.beta_regularizer = beta_regularizer
        self.gamma_regularizer = gamma_regularizer
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.fused = fused

    def build(self, input_shape: TensorShape) -> None:
        ndims = input_shape.ndims
        if not ndims:
            raise ValueError(f"Input has undefined rank: {input_shape}")
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        axes = [int(a) % ndims for a in axes]
        axis_dims = dict(zip(axes, _known_axis_dims(input_shape, axes), strict=True))
        self._axes = axes
        self._ndims = ndims
        # TF1 uses its fused kernel for 4-D inputs normalised over channels; that
        # kernel's moving variance is the unbiased (Bessel-corrected) one.
        self._unbiased_moving_variance = (
            self.fused is not False and ndims == 4 and axes in ([1], [3])
        )
        # As TF1: one axis gives 1-D parameters, several give full-rank ones.
        param_shape = (
            [axis_dims[axes[0]]]
            if len(axes) == 1
            else [axis_dims.get(i, 1) for i in range(ndims)]
        )
        assert self._dtype is not None
        param_dtype = (
            _dtypes.float32
            if self._dtype in (_dtypes.float16, _dtypes.bfloat16)
            else self._dtype
        )
        self.gamma = (
            self.add_weight(
                "gamma",
                shape=param_shape,
                dtype=param_dtype,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                trainable=True,
            )
            if self.scale
            else None
        )
        self.beta = (
            self.add_weight(
                "beta",
                shape=param_shape,
                dtype=param_dtype,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                trainable=True,
            )
            if self.center
            else None
        )
        self.moving_mean = self.add_weight(
            "moving_mean",
            shape=param_shape,
            dtype=param_dtype,
            initializer=self.moving_mean_initializer,
            trainable=False,
        )
        self.moving_variance = self.add_weight(
            "moving_variance",
            shape=param_shape,
            dtype=param_dtype,
            initializer=self.moving_variance_initializer,
            trainable=False,
        )

    def _broadcast(self, value: Any) -> Any:
        """A per-channel (1-D) parameter reshaped to broadcast against the input."""
        if value is None or len(self._axes) > 1 or self._axes == [self._ndims - 1]:
            return value
        shape = [1] * self._ndims
        shape[self._axes[0]] = -1
        return array_ops.reshape(value, shape)

    def _normalize(self, inputs: Tensor, mean: Any, variance: Any) -> Tensor:
        outputs = conv_ops.batch_normalization(
            inputs,
            self._broadcast(mean),
            self._broadcast(variance),
            self._broadcast(self.beta),
            self._broadcast(self.gamma),
            self.epsilon,
        )
        return outputs

    def call(self, inputs: Tensor, training: Any = False, **kwargs: Any) -> Tensor:
        param_dtype = self.moving_mean.dtype
        x = (
            inputs
            if inputs.dtype == param_dtype
            else math_ops.cast(inputs, param_dtype)
        )
        if _is_python_bool(training) and not training:
            outputs = self._normalize(x, self.moving_mean, self.moving_variance)
            return outputs if x is inputs else math_ops.cast(outputs, inputs.dtype)
        reduction_axes = [i for i in range(self._ndims) if i not in self._axes]
        batch_mean, batch_variance = conv_ops.moments(
            x, reduction_axes, keep_dims=len(self._axes) > 1
        )
        if _is_python_bool(training):
            mean, variance = batch_mean, batch_variance
            momentum: Any = self.momentum
        else:
            training_t = _as_tensor(training)
            mean = math_ops.where_v2(training_t, batch_mean, self.moving_mean)
            variance = math_ops.where_v2(
                training_t, batch_variance, self.moving_variance
            )
            # momentum 1 leaves the moving averages where they are.
            momentum = math_ops.where_v2(
                training_t,
                convert_to_tensor(self.momentum, param_dtype),
                convert_to_tensor(1.0, param_dtype),
            )
        outputs = self._normalize(x, mean, variance)
        moving_variance_target = batch_variance
        if self._unbiased_moving_variance:
            moving_variance_target = batch_variance * self._bessel_factor(
                x, param_dtype
            )
        self.add_update(_assign_moving_average(self.moving_mean, batch_mean, momentum))
        self.add_update(
            _assign_moving_average(
                self.moving_variance, moving_variance_target, momentum
            )
        )
        return outputs if x is inputs else math_ops.cast(outputs, inputs.dtype)

    def _bessel_factor(self, x: Tensor, dtype: _dtypes.DType) -> Tensor:
        channels = int(np.prod(_known_axis_dims(x.shape, self._axes)))
        count = math_ops.cast(array_ops.size(x), dtype) / convert_to_tensor(
            float(channels), dtype
        )
        one = convert_to_tensor(1.0, dtype)
        return count / math_ops.maximum(count - one, one)


def _known_axis_dims(shape: TensorShape, axes: Sequence[int]) -> list[int]:
    """The sizes of ``shape`` along ``axes``; raises if one of them is unknown."""
    dims = shape.as_list()
    known = [d for a in axes if (d := dims[a]) is not None]
    if len(known) != len(axes):
        raise ValueError(f"Input has undefined `axis` dimension. Input shape: {shape}")
    return known


def _assign_moving_average(variable: Variable, value: Tensor, momentum: Any) -> Tensor:
    """``variable -= (variable - value) * (1 - momentum)``, as TF1's layers."""
    graph = get_default_graph()
    with graph.name_scope("AssignMovingAvg") as scope:
        decay = 1.0 - (
            momentum
            if isinstance(momentum, Tensor)
            else convert_to_tensor(float(momentum), variable.dtype)
        )
        update_delta = (variable.value() - value) * decay
        return state_ops.assign_sub(variable, update_delta, name=scope)


# -- the functional interface ----------------------------------------------------------


def dense(
    inputs: Any,
    units: int,
    activation: Callable[[Tensor], Tensor] | None = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = None,
    kernel_regularizer: Any = None,
    bias_regularizer: Any = None,
    activity_regularizer: Any = None,
    kernel_constraint: Any = None,
    bias_constraint: Any = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: Any = None,
) -> Tensor:
    """Densely connected layer, as TF1 ``tf.layers.dense``.

    Creates ``<scope>/kernel`` (glorot-uniform unless the variable scope or
    ``kernel_initializer`` says otherwise) and ``<scope>/bias`` (zeros), where the
    scope is ``name`` or a fresh ``dense``, ``dense_1``, ...

    >>> import jgraph as jg
    >>> y = dense(jg.placeholder(jg.float32, [None, 3]), 4)
    >>> y.shape.as_list()
    [None, 4]
    """
    layer = Dense(
        units,
        activation=activation,
        use_bias=use_bias,
        kernel_initializer=kernel_initializer,
        bias_initializer=bias_initializer,
        kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer,
        kernel_constraint=kernel_constraint,
        bias_constraint=bias_constraint,
        trainable=trainable,
        name=name,
        _scope=name,
        _reuse=reuse,
    )
    return layer.apply(inputs)


def conv2d(
    inputs: Any,
    filters: int,
    kernel_size: Any,
    strides: Any = (1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate: Any = (1, 1),
    activation: Callable[[Tensor], Tensor] | None = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = None,
    kernel_regularizer: Any = None,
    bias_regularizer: Any = None,
    activity_regularizer: Any = None,
    kernel_constraint: Any = None,
    bias_constraint: Any = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: Any = None,
) -> Tensor:
    """2-D convolution layer, as TF1 ``tf.layers.conv2d`` (variables
    ``conv2d/kernel`` ``[kh, kw, in, filters]`` and ``conv2d/bias``)."""
    layer = Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
        activation=activation,
        use_bias=use_bias,
        kernel_initializer=kernel_initializer,
        bias_initializer=bias_initializer,
        kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer,
        kernel_constraint=kernel_constraint,
        bias_constraint=bias_constraint,
        trainable=trainable,
        name=name,
        _scope=name,
        _reuse=reuse,
    )
    return layer.apply(inputs)


def conv2d_transpose(
    inputs: Any,
    filters: int,
    kernel_size: Any,
    strides: Any = (1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    activation: Callable[[Tensor], Tensor] | None = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = None,
    kernel_regularizer: Any = None,
    bias_regularizer: Any = None,
    activity_regularizer: Any = None,
    kernel_constraint: Any = None,
    bias_constraint: Any = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: Any = None,
) -> Tensor:
    """Transposed 2-D convolution layer, as TF1 ``tf.layers.conv2d_transpose``
    (variables ``conv2d_transpose/kernel`` ``[kh, kw, filters, in]`` and
    ``conv2d_transpose/bias``).

    >>> import jgraph as jg
    >>> x = jg.placeholder(jg.float32, [None, 4, 4, 3])
    >>> conv2d_transpose(x, 2, 3, strides=2).shape.as_list()
    [None, 9, 9, 2]
    """
    layer = Conv2DTranspose(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        data_format=data_format,
        activation=activation,
        use_bias=use_bias,
        kernel_initializer=kernel_initializer,
        bias_initializer=bias_initializer,
        kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer,
        kernel_constraint=kernel_constraint,
        bias_constraint=bias_constraint,
        trainable=trainable,
        name=name,
        _scope=name,
        _reuse=reuse,
    )
    return layer.apply(inputs)


def separable_conv2d(
    inputs: Any,
    filters: int,
    kernel_size: Any,
    strides: Any = (1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate: Any = (1, 1),
    depth_multiplier: int = 1,
    activation: Callable[[Tensor], Tensor] | None = None,
    use_bias: bool = True,
    depthwise_initializer: Any = None,
    pointwise_initializer: Any = None,
    bias_initializer: Any = None,
    depthwise_regularizer: Any = None,
    pointwise_regularizer: Any = None,
    bias_regularizer: Any = None,
    activity_regularizer: Any = None,
    depthwise_constraint: Any = None,
    pointwise_constraint: Any = None,
    bias_constraint: Any = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: Any = None,
) -> Tensor:
    """Depthwise separable 2-D convolution layer, as TF1
    ``tf.layers.separable_conv2d`` (variables ``separable_conv2d/depthwise_kernel``,
    ``separable_conv2d/pointwise_kernel`` and ``separable_conv2d/bias``)."""
    layer = SeparableConv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
        depth_multiplier=depth_multiplier,
        activation=activation,
        use_bias=use_bias,
        depthwise_initializer=depthwise_initializer,
        pointwise_initializer=pointwise_initializer,
        bias_initializer=bias_initializer,
        depthwise_regularizer=depthwise_regularizer,
        pointwise_regularizer=pointwise_regularizer,
        bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer,
        depthwise_constraint=depthwise_constraint,
        pointwise_constraint=pointwise_constraint,
        bias_constraint=bias_constraint,
        trainable=trainable,
        name=name,
        _scope=name,
        _reuse=reuse,
    )
    return layer.apply(inputs)


def max_pooling2d(
    inputs: Any,
    pool_size: Any,
    strides: Any,
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
) -> Tensor:
    """Max pooling, as TF1 ``tf.layers.max_pooling2d``."""
    layer = MaxPooling2D(
        pool_size, strides, padding=padding, data_format=data_format, name=name
    )
    return layer.apply(inputs)


def average_pooling2d(
    inputs: Any,
    pool_size: Any,
    strides: Any,
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
) -> Tensor:
    """Average pooling, as TF1 ``tf.layers.average_pooling2d``."""
    layer = AveragePooling2D(
        pool_size, strides, padding=padding, data_format=data_format, name=name
    )
    return layer.apply(inputs)


def conv1d(
    inputs: Any,
    filters: int,
    kernel_size: Any,
    strides: Any = 1,
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate: Any = 1,
    activation: Callable[[Tensor], Tensor] | None = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = None,
    kernel_regularizer: Any = None,
    bias_regularizer: Any = None,
    activity_regularizer: Any = None,
    kernel_constraint: Any = None,
    bias_constraint: Any = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: Any = None,
) -> Tensor:
    """1-D convolution layer, as TF1 ``tf.layers.conv1d`` (variables
    ``conv1d/kernel`` ``[k, in, filters]`` and ``conv1d/bias``)."""
    layer = Conv1D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
        activation=activation,
        use_bias=use_bias,
        kernel_initializer=kernel_initializer,
        bias_initializer=bias_initializer,
        kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer,
        kernel_constraint=kernel_constraint,
        bias_constraint=bias_constraint,
        trainable=trainable,
        name=name,
        _scope=name,
        _reuse=reuse,
    )
    return layer.apply(inputs)


def conv3d(
    inputs: Any,
    filters: int,
    kernel_size: Any,
    strides: Any = (1, 1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate: Any = (1, 1, 1),
    activation: Callable[[Tensor], Tensor] | None = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = None,
    kernel_regularizer: Any = None,
    bias_regularizer: Any = None,
    activity_regularizer: Any = None,
    kernel_constraint: Any = None,
    bias_constraint: Any = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: Any = None,
) -> Tensor:
    """3-D convolution layer, as TF1 ``tf.layers.conv3d`` (variables
    ``conv3d/kernel`` ``[kd, kh, kw, in, filters]`` and ``conv3d/bias``)."""
    layer = Conv3D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
        activation=activation,
        use_bias=use_bias,
        kernel_initializer=kernel_initializer,
        bias_initializer=bias_initializer,
        kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer,
        kernel_constraint=kernel_constraint,
        bias_constraint=bias_constraint,
        trainable=trainable,
        name=name,
        _scope=name,
        _reuse=reuse,
    )
    return layer.apply(inputs)


def conv3d_transpose(
    inputs: Any,
    filters: int,
    kernel_size: Any,
    strides: Any = (1, 1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    activation: Callable[[Tensor], Tensor] | None = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = None,
    kernel_regularizer: Any = None,
    bias_regularizer: Any = None,
    activity_regularizer: Any = None,
    kernel_constraint: Any = None,
    bias_constraint: Any = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: Any = None,
) -> Tensor:
    """Transposed 3-D convolution layer, as TF1 ``tf.layers.conv3d_transpose``
    (variables ``conv3d_transpose/kernel`` ``[kd, kh, kw, filters, in]`` and
    ``conv3d_transpose/bias``)."""
    layer = Conv3DTranspose(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        data_format=data_format,
        activation=activation,
        use_bias=use_bias,
        kernel_initializer=kernel_initializer,
        bias_initializer=bias_initializer,
        kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer,
        kernel_constraint=kernel_constraint,
        bias_constraint=bias_constraint,
        trainable=trainable,
        name=name,
        _scope=name,
        _reuse=reuse,
    )
    return layer.apply(inputs)


def max_pooling1d(
    inputs: Any,
    pool_size: Any,
    strides: Any,
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
) -> Tensor:
    """1-D max pooling, as TF1 ``tf.layers.max_pooling1d``."""
    layer = MaxPooling1D(
        pool_size, strides, padding=padding, data_format=data_format, name=name
    )
    return layer.apply(inputs)


def max_pooling3d(
    inputs: Any,
    pool_size: Any,
    strides: Any,
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
) -> Tensor:
    """3-D max pooling, as TF1 ``tf.layers.max_pooling3d``."""
    layer = MaxPooling3D(
        pool_size, strides, padding=padding, data_format=data_format, name=name
    )
    return layer.apply(inputs)


def average_pooling1d(
    inputs: Any,
    pool_size: Any,
    strides: Any,
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
) -> Tensor:
    """1-D average pooling, as TF1 ``tf.layers.average_pooling1d``."""
    layer = AveragePooling1D(
        pool_size, strides, padding=padding, data_format=data_format, name=name
    )
    return layer.apply(inputs)


def average_pooling3d(
    inputs: Any,
    pool_size: Any,
    strides: Any,
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
) -> Tensor:
    """3-D average pooling, as TF1 ``tf.layers.average_pooling3d``."""
    layer = AveragePooling3D(
        pool_size, strides, padding=padding, data_format=data_format, name=name
    )
    return layer.apply(inputs)


def flatten(
    inputs: Any, name: str | None = None, data_format: str = "channels_last"
) -> Tensor:
    """Flattens all but the batch dimension, as TF1 ``tf.layers.flatten``.

    >>> import jgraph as jg
    >>> flatten(jg.placeholder(jg.float32, [None, 2, 3])).shape.as_list()
    [None, 6]
    """
    return Flatten(data_format=data_format, name=name).apply(inputs)


def dropout(
    inputs: Any,
    rate: Any = 0.5,
    noise_shape: Any = None,
    seed: int | None = None,
    training: Any = False,
    name: str | None = None,
) -> Tensor:
    """Dropout, as TF1 ``tf.layers.dropout``: active only when ``training`` is
    True (a Python bool, or a bool tensor fed per run); ``rate`` is the fraction
    dropped."""
    layer = Dropout(rate, noise_shape=noise_shape, seed=seed, name=name)
    return layer.apply(inputs, training=training)


def batch_normalization(
    inputs: Any,
    axis: Any = -1,
    momentum: float = 0.99,
    epsilon: float = 1e-3,
    center: bool = True,
    scale: bool = True,
    beta_initializer: Any = None,
    gamma_initializer: Any = None,
    moving_mean_initializer: Any = None,
    moving_variance_initializer: Any = None,
    beta_regularizer: Any = None,
    gamma_regularizer: Any = None,
    beta_constraint: Any = None,
    gamma_constraint: Any = None,
    training: Any = False,
    trainable: bool = True,
    name: str | None = None,
    reuse: Any = None,
    renorm: bool = False,
    renorm_clipping: Any = None,
    renorm_momentum: float = 0.99,
    fused: bool | None = None,
    virtual_batch_size: int | None = None,
    adjustment: Any = None,
) -> Tensor:
    """Batch normalization, as TF1 ``tf.layers.batch_normalization`` (see
    :class:`BatchNormalization`; variables ``gamma``, ``beta``, ``moving_mean``,
    ``moving_variance``)."""
    layer = BatchNormalization(
        axis=axis,
        momentum=momentum,
        epsilon=epsilon,
        center=center,
        scale=scale,
        beta_initializer=beta_initializer,
        gamma_initializer=gamma_initializer,
        moving_mean_initializer=moving_mean_initializer,
        moving_variance_initializer=moving_variance_initializer,
        beta_regularizer=beta_regularizer,
        gamma_regularizer=gamma_regularizer,
        beta_constraint=beta_constraint,
        gamma_constraint=gamma_constraint,
        renorm=renorm,
        renorm_clipping=renorm_clipping,
        renorm_momentum=renorm_momentum,
        fused=fused,
        trainable=trainable,
        virtual_batch_size=virtual_batch_size,
        adjustment=adjustment,
        name=name,
        _scope=name,
        _reuse=reuse,
    )
    return layer.apply(inputs, training=training)


__all__ = [
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "BatchNormalization",
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "Conv3D",
    "Conv3DTranspose",
    "Dense",
    "Dropout",
    "Flatten",
    "Layer",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "SeparableConv2D",
    "average_pooling1d",
    "average_pooling2d",
    "average_pooling3d",
    "batch_normalization",
    "conv1d",
    "conv2d",
    "conv2d_transpose",
    "conv3d",
    "conv3d_transpose",
    "dense",
    "dropout",
    "flatten",
    "max_pooling1d",
    "max_pooling2d",
    "max_pooling3d",
    "separable_conv2d",
]
