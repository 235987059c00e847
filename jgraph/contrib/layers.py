"""``tf.contrib.layers`` (and ``slim``'s layers): TF1's functional layers with
their variable names and defaults.

A client of the ops: each layer opens TF1's variable scope (``fully_connected``,
``Conv``, ``Conv2d_transpose``, ``BatchNorm``; made unique, or ``scope``) and
creates ``weights`` and ``biases`` there (``beta``/``gamma``/``moving_mean``/
``moving_variance`` for ``batch_norm``), in ``GLOBAL_VARIABLES`` and
``MODEL_VARIABLES``. As in TF1 the weights default to ``xavier_initializer()``
and ``fully_connected``/``conv2d`` apply ReLU unless ``activation_fn=None``. Every
function here honours ``tf.contrib.framework.arg_scope``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from jgraph.contrib.framework import add_arg_scope, model_variable
from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import GraphKeys, get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.layers import dropout as _layers_dropout, flatten as _layers_flatten
from jgraph.ops import (
    array_ops,
    conv_ops,
    init_ops,
    math_ops,
    nn_ops,
    random_ops,
    variable_scope as vs,
)
from jgraph.ops.control_flow_ops import cond
from jgraph.ops.conversion import convert_to_tensor
from jgraph.ops.init_ops import Initializer
from jgraph.train.moving_averages import assign_moving_average

__all__ = [
    "apply_regularization",
    "avg_pool2d",
    "batch_norm",
    "conv2d",
    "conv2d_transpose",
    "convolution2d",
    "convolution2d_transpose",
    "dropout",
    "flatten",
    "fully_connected",
    "l1_l2_regularizer",
    "l1_regularizer",
    "l2_regularizer",
    "linear",
    "max_pool2d",
    "one_hot_encoding",
    "relu",
    "repeat",
    "stack",
    "sum_regularizer",
    "variance_scaling_initializer",
    "xavier_initializer",
    "xavier_initializer_conv2d",
]


# -- initializers ---------------------------------------------------------------------------


class _ContribVarianceScaling(Initializer):
    """``tf.contrib.layers.variance_scaling_initializer``: with ``n`` the fan
    chosen by ``mode``, uniform in ``±sqrt(3 * factor / n)`` or a truncated normal
    with standard deviation ``sqrt(1.3 * factor / n)`` (TF1's contrib formula;
    ``tf.variance_scaling_initializer`` uses other names and constants)."""

    def __init__(
        self,
        factor: float = 2.0,
        mode: str = "FAN_IN",
        uniform: bool = False,
        seed: int | None = None,
        dtype: Any = _dtypes.float32,
    ) -> None:
        dtype = _dtypes.as_dtype(dtype)
        if not dtype.is_floating:
            raise TypeError("Cannot create initializer for non-floating point type.")
        if mode not in ("FAN_IN", "FAN_OUT", "FAN_AVG"):
            raise TypeError(f"Unknown mode {mode} [FAN_IN, FAN_OUT, FAN_AVG]")
        self.factor, self.mode, self.uniform = float(factor), mode, bool(uniform)
        self.seed, self.dtype = seed, dtype

    def __call__(
        self, shape: Sequence[int], dtype: Any = None, partition_info: Any = None
    ) -> Tensor:
        dtype = self._dtype(dtype)
        if not dtype.is_floating:
            raise TypeError("Cannot create initializer for non-floating point type.")
        dims = [int(d) for d in shape]
        fan_in, fan_out = init_ops.compute_fans(dims)
        n = {"FAN_IN": fan_in, "FAN_OUT": fan_out, "FAN_AVG": (fan_in + fan_out) / 2}[
            self.mode
        ]
        if self.uniform:
            limit = math.sqrt(3.0 * self.factor / n)
            return random_ops.random_uniform(dims, -limit, limit, dtype, seed=self.seed)
        stddev = math.sqrt(1.3 * self.factor / n)
        return random_ops.truncated_normal(dims, 0.0, stddev, dtype, seed=self.seed)

    def get_config(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "mode": self.mode,
            "uniform": self.uniform,
            "seed": self.seed,
            "dtype": self.dtype.name,
        }


def variance_scaling_initializer(
    factor: float = 2.0,
    mode: str = "FAN_IN",
    uniform: bool = False,
    seed: int | None = None,
    dtype: Any = _dtypes.float32,
) -> Initializer:
    """He-style initializer, TF1 contrib's signature and constants (see
    :class:`_ContribVarianceScaling`)."""
    return _ContribVarianceScaling(factor, mode, uniform, seed, dtype)


def xavier_initializer(
    uniform: bool = True, seed: int | None = None, dtype: Any = _dtypes.float32
) -> Initializer:
    """Glorot/Xavier: ``variance_scaling_initializer(1.0, "FAN_AVG", uniform)``."""
    return _ContribVarianceScaling(1.0, "FAN_AVG", uniform, seed, dtype)


xavier_initializer_conv2d = xavier_initializer

# TF1's default initializers (one instance each, as TF1's default arguments).
_XAVIER = xavier_initializer()
_ZEROS = init_ops.zeros_initializer()


# -- regularizers ---------------------------------------------------------------------------


def _check_scale(scale: Any) -> float:
    if isinstance(scale, int | float) and not isinstance(scale, bool):
        if scale < 0.0:
            raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale}")
        return float(scale)
    raise ValueError(
        f"scale cannot be an integer: {scale}"
        if isinstance(scale, int)
        else f"scale must be a float, got {scale!r}"
    )


def l1_regularizer(scale: float, scope: str | None = None) -> Callable[[Any], Any]:
    """``weights -> scale * sum(|weights|)`` (``None`` for ``scale == 0``)."""
    scale = _check_scale(scale)
    if scale == 0.0:
        return lambda _: None

    def l1(weights: Any) -> Tensor:
        with get_default_graph().name_scope(scope or "l1_regularizer") as name:
            weights = convert_to_tensor(weights)
            factor = convert_to_tensor(scale, weights.dtype, name="scale")
            return math_ops.multiply(
                factor, math_ops.reduce_sum(math_ops.abs(weights)), name=name
            )

    return l1


def l2_regularizer(scale: float, scope: str | None = None) -> Callable[[Any], Any]:
    """``weights -> scale * l2_loss(weights)`` = ``scale * sum(w ** 2) / 2``
    (``None`` for ``scale == 0``)."""
    scale = _check_scale(scale)
    if scale == 0.0:
        return lambda _: None

    def l2(weights: Any) -> Tensor:
        with get_default_graph().name_scope(scope or "l2_regularizer") as name:
            weights = convert_to_tensor(weights)
            factor = convert_to_tensor(scale, weights.dtype, name="scale")
            return math_ops.multiply(factor, nn_ops.l2_loss(weights), name=name)

    return l2


def sum_regularizer(
    regularizer_list: Sequence[Callable[[Any], Any]], scope: str | None = None
) -> Callable[[Any], Any]:
    """The sum of the given regularizers' penalties (``None`` when all are)."""

    def total(weights: Any) -> Any:
        penalties = [p for p in (r(weights) for r in regularizer_list) if p is not None]
        if not penalties:
            return None
        with get_default_graph().name_scope(scope or "sum_regularizer"):
            return math_ops.add_n(penalties)

    return total


def l1_l2_regularizer(
    scale_l1: float = 1.0, scale_l2: float = 1.0, scope: str | None = None
) -> Callable[[Any], Any]:
    """``l1_regularizer(scale_l1) + l2_regularizer(scale_l2)``."""
    return sum_regularizer(
        [l1_regularizer(scale_l1), l2_regularizer(scale_l2)],
        scope or "l1_l2_regularizer",
    )


def apply_regularization(
    regularizer: Callable[[Any], Any], weights_list: Sequence[Any] | None = None
) -> Tensor:
    """The summed penalty of ``regularizer`` over ``weights_list`` (default:
    ``GraphKeys.WEIGHTS``), also added to ``REGULARIZATION_LOSSES``.

    Raises:
      ValueError: no weights, or the regularizer gives no penalty.
    """
    graph = get_default_graph()
    if weights_list is None:
        weights_list = graph.get_collection(GraphKeys.WEIGHTS)
    if not weights_list:
        raise ValueError("No weights to regularize.")
    with graph.name_scope("get_regularization_penalty"):
        penalties = [p for p in (regularizer(w) for w in weights_list) if p is not None]
        if not penalties:
            raise ValueError("No regularization penalties were computed.")
        total = math_ops.add_n(penalties)
    graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, total)
    return total


# -- helpers --------------------------------------------------------------------------------


def _collections(collections: Any, name: str) -> list[str]:
    """TF1's ``variables_collections``: a list for every variable, or a dict by
    variable name."""
    if collections is None:
        return []
    if isinstance(collections, dict):
        found = collections.get(name) or []
        return [found] if isinstance(found, str) else list(found)
    return [collections] if isinstance(collections, str) else list(collections)


def _weight(
    name: str,
    shape: list[int],
    dtype: _dtypes.DType,
    initializer: Any,
    regularizer: Any,
    trainable: bool,
    collections: Any,
) -> Any:
    return model_variable(
        name,
        shape=shape,
        dtype=dtype,
        initializer=initializer,
        regularizer=regularizer,
        trainable=trainable,
        collections=_collections(collections, name),
    )


def _collect(collections: Any, alias: str, outputs: Tensor) -> Tensor:
    """Adds ``outputs`` to ``outputs_collections`` (TF1's
    ``collect_named_outputs``; the alias is the layer's scope)."""
    del alias  # TF1 also records it on the tensor; jgraph tensors have no aliases.
    if collections:
        get_default_graph().add_to_collections(
            [collections] if isinstance(collections, str) else list(collections),
            outputs,
        )
    return outputs


def _pair(value: Any, what: str) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    values = tuple(int(v) for v in value)
    if len(values) != 2:
        raise ValueError(f"{what} must be an int or a pair of ints, got {value!r}.")
    return values[0], values[1]


def _known_dim(x: Tensor, axis: int, what: str) -> int:
    dim = None if x.shape.ndims is None else x.shape.as_list()[axis]
    if dim is None:
        raise ValueError(
            f"{what}: the {'last' if axis == -1 else 'channel'} dimension of the"
            f" inputs must be known when the graph is built, got {x.name} with shape"
            f" {x.shape}."
        )
    return int(dim)


def _finish(
    outputs: Tensor,
    num_outputs: int,
    dtype: _dtypes.DType,
    normalizer_fn: Any,
    normalizer_params: Any,
    biases_initializer: Any,
    biases_regularizer: Any,
    activation_fn: Any,
    trainable: bool,
    variables_collections: Any,
    data_format: str = "NHWC",
) -> Tensor:
    """Bias (or the normaliser, which replaces it) then the activation."""
    if normalizer_fn is not None:
        outputs = normalizer_fn(outputs, **(normalizer_params or {}))
    elif biases_initializer is not None:
        biases = _weight(
            "biases",
            [num_outputs],
            dtype,
            biases_initializer,
            biases_regularizer,
            trainable,
            variables_collections,
        )
        outputs = nn_ops.bias_add(outputs, biases, data_format=data_format)
    if activation_fn is not None:
        outputs = activation_fn(outputs)
    return outputs


# -- layers ---------------------------------------------------------------------------------


@add_arg_scope
def fully_connected(
    inputs: Any,
    num_outputs: int,
    activation_fn: Any = nn_ops.relu,
    normalizer_fn: Any = None,
    normalizer_params: Any = None,
    weights_initializer: Any = _XAVIER,
    weights_regularizer: Any = None,
    biases_initializer: Any = _ZEROS,
    biases_regularizer: Any = None,
    reuse: Any = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    scope: Any = None,
) -> Tensor:
    """``activation_fn(inputs @ weights + biases)``, as TF1
    ``tf.contrib.layers.fully_connected``: variables ``fully_connected/weights``
    ``[depth, num_outputs]`` and ``fully_connected/biases`` (scope made unique,
    or ``scope``); ReLU unless ``activation_fn=None``. Inputs of rank > 2 are
    contracted over their last dimension.

    Raises:
      ValueError: ``num_outputs`` is not an int, or the inputs' last dimension
        is unknown.
    """
    if isinstance(num_outputs, bool) or not isinstance(num_outputs, int):
        raise ValueError(f"num_outputs should be int or long, got {num_outputs}.")
    with vs.variable_scope(scope, "fully_connected", [inputs], reuse=reuse) as sc:
        x = convert_to_tensor(inputs)
        depth = _known_dim(x, -1, "fully_connected")
        dtype = x.dtype if x.dtype.is_floating else _dtypes.float32
        weights = _weight(
            "weights",
            [depth, num_outputs],
            dtype,
            weights_initializer,
            weights_regularizer,
            trainable,
            variables_collections,
        )
        rank = x.shape.ndims
        if rank is not None and rank > 2:
            outputs = math_ops.tensordot(x, weights, [[rank - 1], [0]])
        else:
            outputs = math_ops.matmul(x, weights)
        outputs = _finish(
            outputs,
            num_outputs,
            dtype,
            normalizer_fn,
            normalizer_params,
            biases_initializer,
            biases_regularizer,
            activation_fn,
            trainable,
            variables_collections,
        )
        return _collect(outputs_collections, sc.name, outputs)


def linear(inputs: Any, num_outputs: int, **kwargs: Any) -> Tensor:
    """:func:`fully_connected` without an activation."""
    return fully_connected(inputs, num_outputs, activation_fn=None, **kwargs)


def relu(inputs: Any, num_outputs: int, **kwargs: Any) -> Tensor:
    """:func:`fully_connected` with ReLU."""
    return fully_connected(inputs, num_outputs, activation_fn=nn_ops.relu, **kwargs)


def _data_format(data_format: str | None) -> str:
    data_format = data_format or "NHWC"
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    return data_format


@add_arg_scope
def convolution2d(
    inputs: Any,
    num_outputs: int,
    kernel_size: Any,
    stride: Any = 1,
    padding: str = "SAME",
    data_format: str | None = None,
    rate: Any = 1,
    activation_fn: Any = nn_ops.relu,
    normalizer_fn: Any = None,
    normalizer_params: Any = None,
    weights_initializer: Any = _XAVIER,
    weights_regularizer: Any = None,
    biases_initializer: Any = _ZEROS,
    biases_regularizer: Any = None,
    reuse: Any = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    scope: Any = None,
) -> Tensor:
    """2-D convolution, as TF1 ``tf.contrib.layers.conv2d``: variables
    ``Conv/weights`` ``[kh, kw, in, num_outputs]`` and ``Conv/biases``; padding
    ``SAME`` and ReLU by default; ``rate`` is the dilation.

    Raises:
      ValueError: both ``stride`` and ``rate`` above 1, or unknown channels.
    """
    data_format = _data_format(data_format)
    with vs.variable_scope(scope, "Conv", [inputs], reuse=reuse) as sc:
        x = convert_to_tensor(inputs)
        channel_axis = -1 if data_format == "NHWC" else 1
        channels = _known_dim(x, channel_axis, "conv2d")
        kh, kw = _pair(kernel_size, "kernel_size")
        sh, sw = _pair(stride, "stride")
        rh, rw = _pair(rate, "rate")
        if (rh > 1 or rw > 1) and (sh > 1 or sw > 1):
            raise ValueError("Only one of rate or stride can be > 1")
        dtype = x.dtype if x.dtype.is_floating else _dtypes.float32
        weights = _weight(
            "weights",
            [kh, kw, channels, num_outputs],
            dtype,
            weights_initializer,
            weights_regularizer,
            trainable,
            variables_collections,
        )
        spatial = [1, sh, sw, 1] if data_format == "NHWC" else [1, 1, sh, sw]
        dilations = [1, rh, rw, 1] if data_format == "NHWC" else [1, 1, rh, rw]
        outputs = conv_ops.conv2d(
            x,
            weights,
            strides=spatial,
            padding=padding.upper(),
            data_format=data_format,
            dilations=dilations,
        )
        outputs = _finish(
            outputs,
            num_outputs,
            dtype,
            normalizer_fn,
            normalizer_params,
            biases_initializer,
            biases_regularizer,
            activation_fn,
            trainable,
            variables_collections,
            data_format,
        )
        return _collect(outputs_collections, sc.name, outputs)


conv2d = convolution2d


def _transposed_length(size: int, kernel: int, stride: int, padding: str) -> int:
    if padding == "SAME":
        return size * stride
    return size * stride + max(kernel - stride, 0)


@add_arg_scope
def convolution2d_transpose(
    inputs: Any,
    num_outputs: int,
    kernel_size: Any,
    stride: Any = 1,
    padding: str = "SAME",
    data_format: str = "NHWC",
    activation_fn: Any = nn_ops.relu,
    normalizer_fn: Any = None,
    normalizer_params: Any = None,
    weights_initializer: Any = _XAVIER,
    weights_regularizer: Any = None,
    biases_initializer: Any = _ZEROS,
    biases_regularizer: Any = None,
    reuse: Any = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    scope: Any = None,
) -> Tensor:
    """Transposed 2-D convolution, as TF1 ``tf.contrib.layers.conv2d_transpose``:
    variables ``Conv2d_transpose/weights`` ``[kh, kw, num_outputs, in]`` and
    ``biases``; each output size is ``n * stride`` (``SAME``) or
    ``n * stride + max(k - stride, 0)`` (``VALID``).

    Raises:
      ValueError: unknown spatial sizes or channels.
    """
    data_format = _data_format(data_format)
    padding = padding.upper()
    with vs.variable_scope(scope, "Conv2d_transpose", [inputs], reuse=reuse) as sc:
        x = convert_to_tensor(inputs)
        nhwc = data_format == "NHWC"
        channels = _known_dim(x, -1 if nhwc else 1, "conv2d_transpose")
        kh, kw = _pair(kernel_size, "kernel_size")
        sh, sw = _pair(stride, "stride")
        dims = x.shape.as_list()
        height, width = (dims[1], dims[2]) if nhwc else (dims[2], dims[3])
        if height is None or width is None:
            raise ValueError(
                f"conv2d_transpose: the spatial sizes of the inputs must be known when"
                f" the graph is built, got {x.name} with shape {x.shape}."
            )
        dtype = x.dtype if x.dtype.is_floating else _dtypes.float32
        weights = _weight(
            "weights",
            [kh, kw, num_outputs, channels],
            dtype,
            weights_initializer,
            weights_regularizer,
            trainable,
            variables_collections,
        )
        out_h = _transposed_length(height, kh, sh, padding)
        out_w = _transposed_length(width, kw, sw, padding)
        batch = array_ops.shape(x)[0]
        shape = (
            [batch, out_h, out_w, num_outputs]
            if nhwc
            else [batch, num_outputs, out_h, out_w]
        )
        outputs = conv_ops.conv2d_transpose(
            x,
            weights,
            array_ops.stack(shape),
            strides=[1, sh, sw, 1] if nhwc else [1, 1, sh, sw],
            padding=padding,
            data_format=data_format,
        )
        outputs = _finish(
            outputs,
            num_outputs,
            dtype,
            normalizer_fn,
            normalizer_params,
            biases_initializer,
            biases_regularizer,
            activation_fn,
            trainable,
            variables_collections,
            data_format,
        )
        return _collect(outputs_collections, sc.name, outputs)


conv2d_transpose = convolution2d_transpose


def _pool(
    pool: Callable[..., Tensor],
    default_name: str,
    inputs: Any,
    kernel_size: Any,
    stride: Any,
    padding: str,
    data_format: str,
    outputs_collections: Any,
    scope: Any,
) -> Tensor:
    data_format = _data_format(data_format)
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(stride, "stride")
    nhwc = data_format == "NHWC"
    with get_default_graph().name_scope(scope or default_name) as sc:
        outputs = pool(
            convert_to_tensor(inputs),
            [1, kh, kw, 1] if nhwc else [1, 1, kh, kw],
            [1, sh, sw, 1] if nhwc else [1, 1, sh, sw],
            padding.upper(),
            data_format=data_format,
        )
        return _collect(outputs_collections, sc, outputs)


@add_arg_scope
def max_pool2d(
    inputs: Any,
    kernel_size: Any,
    stride: Any = 2,
    padding: str = "VALID",
    data_format: str = "NHWC",
    outputs_collections: Any = None,
    scope: Any = None,
) -> Tensor:
    """2-D max pooling, as TF1 ``tf.contrib.layers.max_pool2d`` (stride 2 and
    ``VALID`` by default)."""
    return _pool(
        conv_ops.max_pool,
        "MaxPool2D",
        inputs,
        kernel_size,
        stride,
        padding,
        data_format,
        outputs_collections,
        scope,
    )


@add_arg_scope
def avg_pool2d(
    inputs: Any,
    kernel_size: Any,
    stride: Any = 2,
    padding: str = "VALID",
    data_format: str = "NHWC",
    outputs_collections: Any = None,
    scope: Any = None,
) -> Tensor:
    """2-D average pooling, as TF1 ``tf.contrib.layers.avg_pool2d``."""
    return _pool(
        conv_ops.avg_pool,
        "AvgPool2D",
        inputs,
        kernel_size,
        stride,
        padding,
        data_format,
        outputs_collections,
        scope,
    )


@add_arg_scope
def flatten(inputs: Any, outputs_collections: Any = None, scope: Any = None) -> Tensor:
    """``[batch, ...]`` -> ``[batch, k]``, as TF1 ``tf.contrib.layers.flatten``.

    Raises:
      ValueError: the inputs have unknown rank or rank < 2.
    """
    with get_default_graph().name_scope(scope or "Flatten") as sc:
        x = convert_to_tensor(inputs)
        if x.shape.ndims is None or x.shape.ndims < 2:
            raise ValueError(
                f"Inputs must have a least 2 dimensions, got {x.name} with shape"
                f" {x.shape}."
            )
        return _collect(outputs_collections, sc, _layers_flatten(x))


@add_arg_scope
def dropout(
    inputs: Any,
    keep_prob: Any = 0.5,
    noise_shape: Any = None,
    is_training: Any = True,
    outputs_collections: Any = None,
    scope: Any = None,
    seed: int | None = None,
) -> Tensor:
    """Dropout keeping ``keep_prob`` of the units (scaled by ``1 / keep_prob``)
    when ``is_training`` (a Python bool or a bool tensor), as TF1
    ``tf.contrib.layers.dropout``."""
    with get_default_graph().name_scope(scope or "Dropout") as sc:
        rate = (
            1.0 - keep_prob
            if isinstance(keep_prob, int | float)
            else math_ops.subtract(1.0, keep_prob)
        )
        outputs = _layers_dropout(
            inputs, rate=rate, noise_shape=noise_shape, seed=seed, training=is_training
        )
        return _collect(outputs_collections, sc, outputs)


@add_arg_scope
def batch_norm(
    inputs: Any,
    decay: float = 0.999,
    center: bool = True,
    scale: bool = False,
    epsilon: float = 0.001,
    activation_fn: Any = None,
    param_initializers: dict[str, Any] | None = None,
    param_regularizers: dict[str, Any] | None = None,
    updates_collections: Any = GraphKeys.UPDATE_OPS,
    is_training: Any = True,
    reuse: Any = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    batch_weights: Any = None,
    fused: bool | None = None,
    data_format: str = "NHWC",
    zero_debias_moving_mean: bool = False,
    scope: Any = None,
    renorm: bool = False,
    renorm_clipping: Any = None,
    renorm_decay: float = 0.99,
    adjustment: Any = None,
) -> Tensor:
    """Batch normalisation, as TF1 ``tf.contrib.layers.batch_norm`` (its fused
    path, for inputs of rank 2 or 4): variables ``BatchNorm/beta`` (``center``),
    ``BatchNorm/gamma`` (``scale``, off by default), ``moving_mean`` and
    ``moving_variance`` (not trainable).

    Training normalises with the batch's statistics and updates the moving ones
    with ``decay`` (the variance Bessel-corrected, as TF1's fused kernel); the
    update ops go to ``updates_collections`` (run them with the train op, as in
    TF1) or, with ``updates_collections=None``, run before the output.
    Inference (``is_training=False``) uses the moving statistics.
    ``is_training`` may be a bool tensor.

    Raises:
      ValueError: inputs not of rank 2 or 4, unknown channels.
      NotImplementedError: ``batch_weights``, ``renorm``, ``adjustment`` or
        ``fused=False`` (the non-fused path's other variance convention).
    """
    for flag, what in (
        (batch_weights is not None, "batch_weights"),
        (renorm, "renorm"),
        (adjustment is not None, "adjustment"),
        (fused is False, "fused=False"),
    ):
        if flag:
            raise NotImplementedError(
                f"tf.contrib.layers.batch_norm({what}) is not supported by jgraph; use"
                " tf.layers.batch_normalization for the non-fused variants."
            )
    data_format = _data_format(data_format)
    param_initializers = param_initializers or {}
    param_regularizers = param_regularizers or {}
    with vs.variable_scope(scope, "BatchNorm", [inputs], reuse=reuse) as sc:
        x = convert_to_tensor(inputs)
        rank = x.shape.ndims
        if rank not in (2, 4):
            raise ValueError(
                f"batch_norm: inputs must have rank 2 or 4, got {x.name} with shape"
                f" {x.shape}."
            )
        nhwc = data_format == "NHWC" or rank == 2
        channels = _known_dim(x, -1 if nhwc else 1, "batch_norm")
        dtype = x.dtype

        def param(name: str, default: Any, trainable_param: bool) -> Any:
            return _weight(
                name,
                [channels],
                dtype,
                param_initializers.get(name, default),
                param_regularizers.get(name),
                trainable and trainable_param,
                variables_collections,
            )

        beta = param("beta", init_ops.zeros_initializer(), True) if center else None
        gamma = param("gamma", init_ops.ones_initializer(), True) if scale else None
        moving_mean = param("moving_mean", init_ops.zeros_initializer(), False)
        moving_variance = param("moving_variance", init_ops.ones_initializer(), False)
        ones = array_ops.ones([channels], dtype)
        zeros = array_ops.zeros([channels], dtype)
        x4 = array_ops.reshape(x, [-1, 1, 1, channels]) if rank == 2 else x
        fmt = "NHWC" if rank == 2 else data_format

        def training() -> tuple[Tensor, Tensor, Tensor]:
            return nn_ops.fused_batch_norm(
                x4,
                gamma if gamma is not None else ones,
                beta if beta is not None else zeros,
                epsilon=epsilon,
                data_format=fmt,
                is_training=True,
            )

        def inference() -> tuple[Tensor, Tensor, Tensor]:
            return nn_ops.fused_batch_norm(
                x4,
                gamma if gamma is not None else ones,
                beta if beta is not None else zeros,
                mean=moving_mean,
                variance=moving_variance,
                epsilon=epsilon,
                data_format=fmt,
                is_training=False,
            )

        if isinstance(is_training, bool):
            outputs, mean, variance = training() if is_training else inference()
            needs_updates = is_training
        else:
            outputs, mean, variance = cond(is_training, training, inference)
            needs_updates = True
        if needs_updates:
            update_mean = assign_moving_average(
                moving_mean, mean, decay, zero_debias=zero_debias_moving_mean
            )
            update_variance = assign_moving_average(
                moving_variance, variance, decay, zero_debias=False
            )
            if not isinstance(is_training, bool):
                # The moving statistics move only on training runs.
                update_mean = cond(
                    is_training, lambda: update_mean, lambda: moving_mean
                )
                update_variance = cond(
                    is_training, lambda: update_variance, lambda: moving_variance
                )
            if updates_collections is None:
                with get_default_graph().control_dependencies(
                    [update_mean, update_variance]
                ):
                    outputs = array_ops.identity(outputs)
            else:
                keys = (
                    [updates_collections]
                    if isinstance(updates_collections, str)
                    else list(updates_collections)
                )
                for update in (update_mean, update_variance):
                    get_default_graph().add_to_collections(keys, update)
        if rank == 2:
            outputs = array_ops.reshape(outputs, [-1, channels])
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return _collect(outputs_collections, sc.name, outputs)


@add_arg_scope
def one_hot_encoding(
    labels: Any,
    num_classes: int,
    on_value: float = 1.0,
    off_value: float = 0.0,
    outputs_collections: Any = None,
    scope: Any = None,
) -> Tensor:
    """``tf.one_hot(labels, num_classes)`` (float32), under ``OneHotEncoding``."""
    with get_default_graph().name_scope(scope or "OneHotEncoding") as sc:
        labels = convert_to_tensor(labels)
        if labels.dtype == _dtypes.int32:
            labels = math_ops.cast(labels, _dtypes.int64)
        outputs = array_ops.one_hot(
            labels, num_classes, on_value=on_value, off_value=off_value
        )
        return _collect(outputs_collections, sc, outputs)


def repeat(
    inputs: Any, repetitions: int, layer: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    """Applies ``layer`` ``repetitions`` times, in scopes ``<scope>/<scope>_1``,
    ``_2``, ... (default scope: the layer's name), as TF1 ``slim.repeat``."""
    scope = kwargs.pop("scope", None)
    name = scope or getattr(layer, "__name__", "repeat")
    with vs.variable_scope(scope, name, [inputs]):
        outputs = inputs
        for i in range(repetitions):
            kwargs["scope"] = f"{name}_{i + 1}"
            outputs = layer(outputs, *args, **kwargs)
        return outputs


def stack(
    inputs: Any,
    layer: Callable[..., Any],
    stack_args: Sequence[Any],
    **kwargs: Any,
) -> Any:
    """Applies ``layer`` once per element of ``stack_args`` (a tuple is unpacked
    into positional arguments), in scopes ``<scope>/<scope>_1``, ... , as TF1
    ``slim.stack``."""
    scope = kwargs.pop("scope", None)
    name = scope or getattr(layer, "__name__", "stack")
    with vs.variable_scope(scope, name, [inputs]):
        outputs = inputs
        for i, args in enumerate(stack_args):
            kwargs["scope"] = f"{name}_{i + 1}"
            args = args if isinstance(args, tuple) else (args,)
            outputs = layer(outputs, *args, **kwargs)
        return outputs


_NOT_PROVIDED = {
    "optimize_loss": "tf.train.<Name>Optimizer(learning_rate).minimize(loss, global_step)"
    " (with tf.clip_by_global_norm for clip_gradients)",
    "embed_sequence": "tf.get_variable('embeddings', [vocab, dim]) with"
    " tf.nn.embedding_lookup",
    "layer_norm": "tf.nn.moments over the last axis (layer normalisation by hand)",
    "separable_conv2d": "tf.layers.separable_conv2d",
    "conv1d": "tf.layers.conv1d",
    "conv3d": "tf.layers.conv3d",
    "embedding_column": "no feature columns in jgraph: build the tensors directly",
    "real_valued_column": "no feature columns in jgraph: build the tensors directly",
    "sparse_column_with_hash_bucket": "no feature columns in jgraph",
    "summarize_tensors": "tf.summary.histogram / tf.summary.scalar per tensor",
}


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    hint = _NOT_PROVIDED.get(name)
    where = f"use {hint}" if hint else "docs/tf1-coverage.md lists what is"
    raise AttributeError(
        f"tf.contrib.layers.{name} is not provided by jgraph; {where}."
    )
