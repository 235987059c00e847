"""Convolution, pooling and normalisation ops of ``tf.nn``: ``conv1d``/``2d``/``3d``,
their transposes (2-D, 3-D), ``atrous_conv2d``, ``depthwise_conv2d``,
``separable_conv2d``, ``max_pool``/``avg_pool`` (2-D, 3-D, ``pool``), ``moments``,
``normalize_moments``, ``l2_normalize``, ``batch_normalization``,
``embedding_lookup``.

Stage 2 of the pipeline (ops). Convolutions lower to ``jax.lax.conv_general_dilated``
(``conv2d_transpose`` to its linear transpose, so JAX differentiates it) and pooling to
``jax.lax.reduce_window``; both use TF's ``SAME`` padding rule (pad
``max((ceil(n / s) - 1) * s + k - n, 0)`` in total, the extra one after), so
output shapes and values match TF1. The composite functions (``moments``, ...)
build the same small subgraphs TF1 builds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.shape import format_shape, is_known
from jgraph.graph.tensor import Tensor
from jgraph.ops import _conv_cpu, array_ops, math_ops
from jgraph.ops.conversion import build, convert_to_tensor
from jgraph.ops.folding import constant_value
from jgraph.ops.inference import fresh_dim
from jgraph.ops.registry import op, opdef_of

Padding = str | tuple[tuple[int, int], ...]


def _filter_options(index: int) -> Callable[[Any], dict[str, str]]:
    """``OpDef.compiler_options`` of a convolution op whose filter is input
    ``index`` (``_conv_cpu.compiler_options``)."""
    return lambda op: _conv_cpu.compiler_options(op.inputs[index].dims)


# -- argument normalisation (build time) ---------------------------------------------


def _channel_index(data_format: str) -> int:
    if data_format in ("NHWC", "NWC", "NDHWC"):
        return -1
    if data_format in ("NCHW", "NCW", "NCDHW"):
        return 1
    raise ValueError(f"data_format must be 'NHWC' or 'NCHW', got {data_format!r}.")


def _spatial_axes(data_format: str, rank: int = 4) -> tuple[int, ...]:
    return (
        tuple(range(1, rank - 1)) if data_format[-1] == "C" else tuple(range(2, rank))
    )


def _sequence(value: Any, n: int, data_format: str, what: str) -> tuple[int, ...]:
    """TF1's ``_get_sequence``: an int, ``n`` spatial values or a full-rank list,
    as a full-rank tuple (1 on batch and channel)."""
    if value is None:
        return (1,) * (n + 2)
    if isinstance(value, int | np.integer):
        spatial = [int(value)] * n
    else:
        values = [int(v) for v in value]
        if len(values) == 1:
            spatial = values * n
        elif len(values) == n:
            spatial = values
        elif len(values) == n + 2:
            return tuple(values)
        else:
            raise ValueError(
                f"{what} should be of length 1, {n} or {n + 2} but was {len(values)}."
            )
    full = [1] * (n + 2)
    for axis, v in zip(_spatial_axes(data_format, n + 2), spatial, strict=True):
        full[axis] = v
    return tuple(full)


def _check_batch_and_depth(
    values: tuple[int, ...], data_format: str, what: str
) -> None:
    channel = _channel_index(data_format) % len(values)
    if values[0] != 1 or values[channel] != 1:
        raise ValueError(
            f"Current implementation does not yet support {what} in the batch and"
            f" depth dimensions (got {list(values)} for data_format {data_format})."
        )


def _strides_and_dilations(
    strides: Any, dilations: Any, data_format: str, what: str, n: int = 2
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """An ``n``-D convolution's full-rank strides and dilations (``what`` names the
    latter in errors), with TF1's checks."""
    strides_t = _sequence(strides, n, data_format, "strides")
    dilations_t = _sequence(dilations, n, data_format, what)
    _check_batch_and_depth(strides_t, data_format, "strides")
    _check_batch_and_depth(dilations_t, data_format, what)
    if max(strides_t) > 1 and max(dilations_t) > 1:
        raise ValueError(
            "strides > 1 not supported in conjunction with dilation_rate > 1"
        )
    return strides_t, dilations_t


def _padding(padding: Any, data_format: str) -> Padding:
    """'SAME'/'VALID' (any case) or explicit per-dimension pairs."""
    if isinstance(padding, str):
        upper = padding.upper()
        if upper not in ("SAME", "VALID"):
            raise ValueError(
                f"padding must be 'SAME', 'VALID' or a list of pairs, got {padding!r}."
            )
        return upper
    pairs = tuple((int(lo), int(hi)) for lo, hi in padding)
    channel = _channel_index(data_format) % len(pairs)
    if pairs[0] != (0, 0) or pairs[channel] != (0, 0):
        raise ValueError(
            "Explicit padding in the batch and depth dimensions is not supported, got"
            f" {[list(p) for p in pairs]}."
        )
    return pairs


def _require_rank(x: Any, rank: int, what: str) -> None:
    if x.ndim != rank:
        raise ValueError(f"Shape must be rank {rank} but is rank {x.ndim} ({what})")


# -- convolution ------------------------------------------------------------------------


def _conv_xla(
    input: Any,
    filter: Any,
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str,
    dilations: tuple[int, ...],
    feature_group_count: int = 1,
) -> Any:
    """The forward convolution as XLA's ``conv_general_dilated``, for 1 to 3
    spatial dimensions (``data_format`` gives the rank; filters
    ``[spatial..., in, out]``)."""
    rank = len(data_format)
    spatial = _spatial_axes(data_format, rank)
    pads = padding if isinstance(padding, str) else tuple(padding[a] for a in spatial)
    return lax.conv_general_dilated(
        input,
        filter,
        window_strides=tuple(strides[a] for a in spatial),
        padding=pads,
        rhs_dilation=tuple(dilations[a] for a in spatial),
        dimension_numbers=(data_format, "DHWIO"[5 - rank :], data_format),
        feature_group_count=feature_group_count,
    )


def _conv_forward(
    input: Any,
    filter: Any,
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str,
    dilations: tuple[int, ...],
    feature_group_count: int = 1,
) -> Any:
    """The forward convolution every conv op lowers to (as :func:`_conv_xla`). On
    the CPU an ungrouped convolution gets a faster filter gradient
    (``_conv_cpu.conv``)."""

    def xla(x: Any, w: Any) -> Any:
        return _conv_xla(
            x, w, strides, padding, data_format, dilations, feature_group_count
        )

    if feature_group_count != 1:
        return xla(input, filter)

    def cpu(x: Any, w: Any) -> Any:
        x = _to_channels_last(x, data_format)
        geometry = _cpu_geometry(
            x.shape[1:-1], w.shape, strides, padding, data_format, dilations
        )
        return _from_channels_last(_conv_cpu.conv(x, w, *geometry), data_format)

    return _conv_cpu.on_cpu(cpu, xla, input, filter)


def _cpu_geometry(
    in_spatial: Sequence[int],
    w_shape: Sequence[int],
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str,
    dilations: tuple[int, ...],
) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...], tuple[int, ...]]:
    """A conv op's spatial strides, explicit pads and spatial dilations, as the
    ``_conv_cpu`` functions take them (``in_spatial``: the input's spatial sizes)."""
    spatial = _spatial_axes(data_format, len(data_format))
    s = tuple(strides[a] for a in spatial)
    d = tuple(dilations[a] for a in spatial)
    if isinstance(padding, str):
        window = [(k - 1) * r + 1 for k, r in zip(w_shape[:-2], d, strict=True)]
        pads = tuple(lax.padtype_to_pads(in_spatial, window, s, padding))
    else:
        pads = tuple(padding[a] for a in spatial)
    return s, pads, d


def _to_channels_last(x: Any, data_format: str) -> Any:
    return x if data_format[-1] == "C" else jnp.moveaxis(x, 1, -1)


def _channels_last_shape(shape: Sequence[Any], data_format: str) -> tuple[Any, ...]:
    if data_format[-1] == "C":
        return tuple(shape)
    return (shape[0], *shape[2:], shape[1])


def _from_channels_last(x: Any, data_format: str) -> Any:
    return x if data_format[-1] == "C" else jnp.moveaxis(x, -1, 1)


# TF1's "allowed values" of the conv ops' ``T`` attr (Conv2D also takes int32).
_CONV_DTYPES = frozenset(
    {_dtypes.float16, _dtypes.bfloat16, _dtypes.float32, _dtypes.float64}
)


def _grouped_conv(
    input: Any,
    filter: Any,
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str,
    dilations: tuple[int, ...],
) -> Any:
    """``Conv2D``/``Conv3D``: an input depth that is a multiple of the filter's
    gives a grouped convolution."""
    rank = len(data_format)
    _require_rank(input, rank, "input")
    _require_rank(filter, rank, "filter")
    channel = _channel_index(data_format)
    in_depth, filter_depth = input.shape[channel], filter.shape[-2]
    if in_depth % filter_depth:
        raise ValueError(
            f"Depth of input ({in_depth}) is not a multiple of input depth of filter"
            f" ({filter_depth})"
        )
    return _conv_forward(
        input,
        filter,
        strides,
        padding,
        data_format,
        dilations,
        feature_group_count=in_depth // filter_depth,
    )


@op("Conv2D", compiler_options=_filter_options(1))
def _conv2d_impl(
    input: Any,
    filter: Any,
    *,
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str = "NHWC",
    dilations: tuple[int, ...] = (1, 1, 1, 1),
) -> Any:
    return _grouped_conv(input, filter, strides, padding, data_format, dilations)


@op("Conv3D", dtypes=_CONV_DTYPES, compiler_options=_filter_options(1))
def _conv3d_impl(
    input: Any,
    filter: Any,
    *,
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str = "NDHWC",
    dilations: tuple[int, ...] = (1, 1, 1, 1, 1),
) -> Any:
    return _grouped_conv(input, filter, strides, padding, data_format, dilations)


def conv2d(
    input: Any,
    filter: Any = None,
    strides: Any = None,
    padding: Any = None,
    use_cudnn_on_gpu: bool = True,
    data_format: str = "NHWC",
    dilations: Any = None,
    name: str | None = None,
    filters: Any = None,
) -> Tensor:
    """2-D convolution (cross-correlation), as TF1 ``tf.nn.conv2d``.

    Args:
      input: ``[batch, height, width, in_channels]`` (``NCHW``: channels second).
      filter: ``[filter_height, filter_width, in_channels, out_channels]``; an input
        depth that is a multiple of ``in_channels`` gives a grouped convolution.
      strides: an int, 2 spatial ints, or 4 ints with 1 on batch and channel.
      padding: ``"SAME"``, ``"VALID"``, or explicit ``[[0, 0], [t, b], [l, r],
        [0, 0]]``.
      use_cudnn_on_gpu: ignored (XLA picks the kernel).
      data_format: ``"NHWC"`` or ``"NCHW"``.
      dilations: like ``strides``; > 1 gives an atrous convolution.
      name: op name.
      filters: alias of ``filter`` (TF 1.14+).

    >>> import jgraph as jg
    >>> x = jg.placeholder(jg.float32, [None, 8, 8, 3])
    >>> conv2d(x, jg.ones([3, 3, 3, 4]), strides=2, padding="SAME").shape.as_list()
    [None, 4, 4, 4]
    """
    filter = filters if filter is None else filter
    if filter is None:
        raise ValueError("conv2d needs a filter.")
    if padding is None:
        raise ValueError("conv2d needs a padding ('SAME' or 'VALID').")
    strides_t, dilations_t = _strides_and_dilations(
        strides, dilations, data_format, "dilations"
    )
    return build(
        _conv2d_impl,
        input,
        filter,
        strides=strides_t,
        padding=_padding(padding, data_format),
        data_format=data_format,
        dilations=dilations_t,
        name=name,
    )


def conv3d(
    input: Any,
    filter: Any = None,
    strides: Any = None,
    padding: Any = None,
    data_format: str = "NDHWC",
    dilations: Any = None,
    name: str | None = None,
    filters: Any = None,
) -> Tensor:
    """3-D convolution (cross-correlation), as TF1 ``tf.nn.conv3d`` (op ``Conv3D``).

    Args:
      input: ``[batch, depth, height, width, in_channels]`` (``NCDHW``: channels
        second).
      filter: ``[filter_depth, filter_height, filter_width, in_channels,
        out_channels]``.
      strides: an int, 3 spatial ints, or 5 ints with 1 on batch and channel.
      padding: ``"SAME"``, ``"VALID"`` or explicit pairs (5 of them).
      data_format: ``"NDHWC"`` or ``"NCDHW"``.
      dilations: like ``strides``.
      name: op name.
      filters: alias of ``filter``.

    >>> import jgraph as jg
    >>> x = jg.placeholder(jg.float32, [None, 4, 6, 6, 2])
    >>> conv3d(x, jg.ones([2, 3, 3, 2, 5]), [1, 2, 2, 2, 1], "SAME").shape.as_list()
    [None, 2, 3, 3, 5]
    """
    filter = _argument_alias("filters", filters, "filter", filter)
    if filter is None or padding is None:
        raise ValueError("conv3d needs a filter and a padding ('SAME' or 'VALID').")
    data_format = _check_format(data_format, ("NDHWC", "NCDHW"))
    strides_t, dilations_t = _strides_and_dilations(
        strides, dilations, data_format, "dilations", n=3
    )
    return build(
        _conv3d_impl,
        input,
        filter,
        strides=strides_t,
        padding=_padding(padding, data_format),
        data_format=data_format,
        dilations=dilations_t,
        name=name,
    )


def atrous_conv2d(
    value: Any, filters: Any, rate: int, padding: Any, name: str | None = None
) -> Tensor:
    """Atrous (dilated) 2-D convolution, as TF1 ``tf.nn.atrous_conv2d``: ``conv2d``
    with stride 1 and dilation ``rate`` on both spatial dimensions.

    TF1 difference: one ``Conv2D`` op with ``dilations`` (same values) where TF1
    builds ``SpaceToBatchND``/``Conv2D``/``BatchToSpaceND``.
    """
    rate = int(rate)
    if rate < 1:
        raise ValueError(f"rate {rate} cannot be less than one")
    return conv2d(
        value,
        filters,
        strides=1,
        padding=padding,
        dilations=[1, rate, rate, 1],
        name=name or "convolution",
    )


def conv1d(
    value: Any = None,
    filters: Any = None,
    stride: Any = 1,
    padding: Any = None,
    use_cudnn_on_gpu: bool | None = None,
    data_format: str | None = None,
    name: str | None = None,
    input: Any = None,
    dilations: Any = None,
) -> Tensor:
    """1-D convolution of ``[batch, width, in_channels]`` by ``[width, in, out]``;
    like TF1, a ``conv2d`` over an inserted height-1 dimension."""
    value = input if value is None else value
    data_format = data_format or "NWC"
    if data_format not in ("NWC", "NCW"):
        raise ValueError(f"data_format must be 'NWC' or 'NCW', got {data_format!r}.")
    spatial = 1 if data_format == "NWC" else 2
    graph = get_default_graph()
    with graph.name_scope(name or "conv1d") as scope:
        x = array_ops.expand_dims(value, spatial, name="ExpandDims")
        w = array_ops.expand_dims(filters, 0, name="ExpandDims_1")
        stride_v = _conv1d_value(stride, spatial, "stride")
        dilation_v = _conv1d_value(dilations, spatial, "dilations")
        y = conv2d(
            x,
            w,
            strides=[1, stride_v],
            padding=padding,
            data_format="NHWC" if data_format == "NWC" else "NCHW",
            dilations=[1, dilation_v],
            name="Conv2D",
        )
        return array_ops.squeeze(y, [spatial], name=scope)


def _conv1d_value(value: Any, spatial: int, what: str) -> int:
    """conv1d's stride/dilation: an int, ``[s]`` or ``[1, s, 1]``."""
    if value is None:
        return 1
    values = [int(v) for v in np.asarray(value).reshape(-1)]
    if len(values) == 1:
        return values[0]
    if len(values) == 3:
        return values[spatial]
    raise ValueError(f"conv1d {what} should be of length 1 or 3, got {values}.")


# -- transposed, depthwise and separable convolutions -----------------------------------

Dims = Sequence[Any]  # a shape whose entries may be None (unknown)


def _argument_alias(new_name: str, new: Any, old_name: str, old: Any) -> Any:
    """TF1's ``deprecated_argument_lookup``: an argument that has two names."""
    if new is not None and old is not None:
        raise ValueError(f"Cannot specify both '{new_name}' and '{old_name}'")
    return old if new is None else new


def _is_tensor(value: Any) -> bool:
    return isinstance(value, Tensor) or hasattr(value, "_as_tensor")


def _check_format(data_format: str, allowed: tuple[str, str]) -> str:
    if data_format not in allowed:
        raise ValueError(
            f"data_format must be {allowed[0]!r} or {allowed[1]!r}, got"
            f" {data_format!r}."
        )
    return data_format


def _check_2d_format(data_format: str) -> str:
    return _check_format(data_format, ("NHWC", "NCHW"))


def _forward_size(size: int, k: int, stride: int, dilation: int, pad: Any) -> int:
    """The forward convolution's output size along one spatial dimension (TF's rules:
    ``SAME`` gives ``ceil(size / stride)``)."""
    if pad == "SAME":
        return -(-size // stride)
    low, high = (0, 0) if pad == "VALID" else pad
    return max((size + low + high - (k - 1) * dilation - 1) // stride + 1, 0)


def _transpose_problem(
    sizes: Dims,
    filter_shape: Dims | None,
    value_shape: Dims | None,
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str,
    dilations: tuple[int, ...],
) -> str | None:
    """Why the convolution of an input of shape ``sizes`` cannot have
    ``value_shape`` (``None`` if it can); unknown (``None``) dims are not checked."""
    rank = len(data_format)
    for dims in (sizes, filter_shape, value_shape):
        if dims is not None and len(dims) != rank:
            return f"Shape must be rank {rank} but is rank {len(dims)}"
    unknown = (None,) * rank
    f = unknown if filter_shape is None else tuple(filter_shape)
    v = unknown if value_shape is None else tuple(value_shape)
    channel = _channel_index(data_format) % rank

    def differ(a: Any, b: Any) -> bool:
        return a is not None and b is not None and a != b

    if differ(sizes[channel], f[-2]):
        return (
            "output_shape does not match filter's output channels,"
            f" {sizes[channel]} != {f[-2]}"
        )
    if differ(v[channel], f[-1]):
        return f"input channels does not match filter's input channels, {v[channel]} != {f[-1]}"
    if differ(sizes[0], v[0]):
        return (
            "input and out_backprop must have the same batch size, output_shape"
            f" batch {sizes[0]} != value batch {v[0]}"
        )
    for i, axis in enumerate(_spatial_axes(data_format, rank)):
        size, k, out = sizes[axis], f[i], v[axis]
        if size is None or k is None or out is None:
            continue
        pad = padding if isinstance(padding, str) else padding[axis]
        computed = _forward_size(size, k, strides[axis], dilations[axis], pad)
        if computed != out:
            return (
                "Size of out_backprop doesn't match computed: actual ="
                f" {out}, computed = {computed} spatial_dim: {axis} input: {size}"
                f" filter: {k} output: {out} stride: {strides[axis]} dilation:"
                f" {dilations[axis]}"
            )
    return None


def _backprop_input_spec(specs: Any, attrs: dict[str, Any]) -> Any:
    """TF1's shape function: the output has shape ``input_sizes``; its batch is the
    value's (run-time) batch."""
    value = specs[1]
    sizes = attrs["input_sizes"]
    if value is not None and len(value.shape) == len(sizes):
        batch = value.shape[0]
    elif sizes[0] >= 0:
        batch = sizes[0]
    else:
        batch = fresh_dim(get_default_graph())
    return [(attrs["_dtype"], (batch, *sizes[1:]))]


def _backprop_input(
    input_sizes: tuple[int, ...],
    filter: Any,
    out_backprop: Any,
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str,
    dilations: tuple[int, ...],
) -> Any:
    """The gradient of the convolution w.r.t. an input of shape ``input_sizes``
    (batch ``-1``: the value's): the linear transpose of the forward convolution."""
    rank = len(data_format)
    _require_rank(filter, rank, "filter")
    _require_rank(out_backprop, rank, "out_backprop")
    sizes = tuple(None if d < 0 else d for d in input_sizes)
    problem = _transpose_problem(
        sizes,
        filter.shape,
        out_backprop.shape,
        strides,
        padding,
        data_format,
        dilations,
    )
    if problem is not None:
        raise ValueError(problem)
    in_shape = (out_backprop.shape[0], *input_sizes[1:])

    def xla(w: Any, dy: Any) -> Any:
        def forward(x: Any) -> Any:
            return _conv_xla(x, w, strides, padding, data_format, dilations)

        spec = jax.ShapeDtypeStruct(in_shape, dy.dtype)
        return jax.linear_transpose(forward, spec)(dy)[0]

    def cpu(w: Any, dy: Any) -> Any:
        dy = _to_channels_last(dy, data_format)
        shape = _channels_last_shape(in_shape, data_format)
        geometry = _cpu_geometry(
            shape[1:-1], w.shape, strides, padding, data_format, dilations
        )
        grad = _conv_cpu.conv_input_grad(w, dy, shape, *geometry)
        return _from_channels_last(grad, data_format)

    return _conv_cpu.on_cpu(cpu, xla, filter, out_backprop)


def _backprop_input_op(op_type: str) -> Any:
    return op(
        op_type,
        static_inputs=("input_sizes",),
        dtypes=_CONV_DTYPES,
        shape_fn=_backprop_input_spec,
        compiler_options=_filter_options(0),
    )


@_backprop_input_op("Conv2DBackpropInput")
def _conv2d_backprop_input_impl(
    input_sizes: tuple[int, ...],
    filter: Any,
    out_backprop: Any,
    *,
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str = "NHWC",
    dilations: tuple[int, ...] = (1, 1, 1, 1),
) -> Any:
    return _backprop_input(
        input_sizes, filter, out_backprop, strides, padding, data_format, dilations
    )


@_backprop_input_op("Conv3DBackpropInputV2")
def _conv3d_backprop_input_impl(
    input_sizes: tuple[int, ...],
    filter: Any,
    out_backprop: Any,
    *,
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str = "NDHWC",
    dilations: tuple[int, ...] = (1, 1, 1, 1, 1),
) -> Any:
    return _backprop_input(
        input_sizes, filter, out_backprop, strides, padding, data_format, dilations
    )


def _static_entry(value: Any) -> int | None:
    if not _is_tensor(value):
        return int(value)
    folded = constant_value(value)
    return None if folded is None else int(folded)


def _output_shape_entries(output_shape: Any) -> list[int | None]:
    """The entries of ``output_shape`` known when the graph is built (``None`` for
    those only known at run time, such as ``tf.shape(x)[0]``)."""
    if isinstance(output_shape, list | tuple):
        return [_static_entry(v) for v in output_shape]
    if not _is_tensor(output_shape):
        array = np.asarray(output_shape)
        if array.ndim != 1:
            raise ValueError(
                f"Shape must be rank 1 but is rank {array.ndim} (output_shape)"
            )
        return [int(v) for v in array]
    tensor = convert_to_tensor(output_shape)
    rank = tensor.shape.ndims
    if rank is not None and rank != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {rank} (output_shape)")
    folded = constant_value(tensor)
    if folded is not None:
        return [int(v) for v in np.reshape(folded, -1)]
    if tensor.op.type == "Pack" and tensor.op.attrs["axis"] == 0:
        return [_static_entry(t) for t in tensor.op.inputs]
    length = None if rank is None else tensor.shape.as_list()[0]
    if length is None:
        raise ValueError(
            f"The length of output_shape ({tensor.name}) must be known when the graph"
            " is built."
        )
    return [None] * length


def _known_dims(tensor: Tensor) -> list[int | None] | None:
    return None if tensor.shape.ndims is None else tensor.shape.as_list()


def conv2d_transpose(
    value: Any = None,
    filter: Any = None,
    output_shape: Any = None,
    strides: Any = None,
    padding: Any = "SAME",
    data_format: str = "NHWC",
    name: str | None = None,
    input: Any = None,
    filters: Any = None,
    dilations: Any = None,
) -> Tensor:
    """The transpose (gradient) of ``conv2d``, as TF1 ``tf.nn.conv2d_transpose``.

    One ``Conv2DBackpropInput`` op (named ``conv2d_transpose`` by default): the
    gradient of ``conv2d(x, filter, strides, padding)`` w.r.t. an ``x`` of shape
    ``output_shape``, applied to ``value``.

    Args:
      value: ``[batch, height, width, in_channels]`` (``NCHW``: channels second).
      filter: ``[height, width, output_channels, in_channels]``.
      output_shape: the output's shape, 4 entries in ``data_format`` order: a list,
        tuple, array or 1-D int tensor. All but the batch must be known when the
        graph is built; the batch is always the value's.
      strides: an int, 2 spatial ints, or 4 ints with 1 on batch and channel.
      padding: ``"SAME"``, ``"VALID"`` or explicit pairs (as :func:`conv2d`).
      data_format: ``"NHWC"`` or ``"NCHW"``.
      name: op name.
      input: alias of ``value``.
      filters: alias of ``filter``.
      dilations: like ``strides``.

    Raises:
      ValueError: ``output_shape`` is not 4 long or its height, width or channels
        are unknown, the channels do not match ``filter``, or ``conv2d`` of
        ``output_shape`` would not have ``value``'s spatial shape.

    >>> import jgraph as jg
    >>> x = jg.placeholder(jg.float32, [None, 4, 4, 3])
    >>> out = [jg.shape(x)[0], 8, 8, 2]
    >>> y = conv2d_transpose(x, jg.ones([3, 3, 2, 3]), out, strides=2)
    >>> y.op.type, y.shape.as_list()
    ('Conv2DBackpropInput', [None, 8, 8, 2])
    """
    value = _argument_alias("input", input, "value", value)
    filter = _argument_alias("filters", filters, "filter", filter)
    data_format = _check_2d_format(data_format or "NHWC")
    return _conv_transpose(
        _conv2d_backprop_input_impl,
        value,
        filter,
        output_shape,
        strides,
        padding,
        data_format,
        dilations,
        name or "conv2d_transpose",
    )


def conv3d_transpose(
    value: Any = None,
    filter: Any = None,
    output_shape: Any = None,
    strides: Any = None,
    padding: Any = "SAME",
    data_format: str = "NDHWC",
    name: str | None = None,
    input: Any = None,
    filters: Any = None,
    dilations: Any = None,
) -> Tensor:
    """The transpose (gradient) of ``conv3d``, as TF1 ``tf.nn.conv3d_transpose``:
    one ``Conv3DBackpropInputV2`` op (named ``conv3d_transpose`` by default).

    Arguments as :func:`conv2d_transpose`, with 3 spatial dimensions: ``value``
    ``[batch, depth, height, width, in_channels]``, ``filter`` ``[depth, height,
    width, output_channels, in_channels]``, ``output_shape`` 5 entries,
    ``data_format`` ``"NDHWC"`` or ``"NCDHW"``.

    >>> import jgraph as jg
    >>> x = jg.placeholder(jg.float32, [2, 2, 3, 3, 4])
    >>> conv3d_transpose(x, jg.ones([3, 3, 3, 1, 4]), [2, 4, 6, 6, 1], 2).shape.as_list()
    [2, 4, 6, 6, 1]
    """
    value = _argument_alias("input", input, "value", value)
    filter = _argument_alias("filters", filters, "filter", filter)
    data_format = _check_format(data_format or "NDHWC", ("NDHWC", "NCDHW"))
    return _conv_transpose(
        _conv3d_backprop_input_impl,
        value,
        filter,
        output_shape,
        strides,
        padding,
        data_format,
        dilations,
        name or "conv3d_transpose",
    )


def conv1d_transpose(
    input: Any,
    filters: Any,
    output_shape: Any,
    strides: Any,
    padding: Any = "SAME",
    data_format: str = "NWC",
    dilations: Any = None,
    name: str | None = None,
) -> Tensor:
    """The transpose (gradient) of ``conv1d``, as TF 1.15 ``tf.nn.conv1d_transpose``:
    like TF, a ``conv2d_transpose`` over an inserted height-1 dimension.

    Args:
      input: ``[batch, width, in_channels]`` (``NCW``: channels second).
      filters: ``[width, output_channels, in_channels]``.
      output_shape: 3 entries in ``data_format`` order: a list or tuple (entries
        may be scalar tensors such as ``tf.shape(x)[0]``), an array or a 1-D
        tensor known when the graph is built.
      strides: an int, ``[s]`` or ``[1, s, 1]``.
      padding: ``"SAME"`` or ``"VALID"``.
      data_format: ``"NWC"`` or ``"NCW"``.
      dilations: like ``strides``.
      name: name scope.
    """
    data_format = _check_format(data_format or "NWC", ("NWC", "NCW"))
    spatial = 1 if data_format == "NWC" else 2
    if _is_tensor(output_shape):
        tensor = convert_to_tensor(output_shape)
        folded = constant_value(tensor)
        if folded is not None:
            output_shape = folded
        elif tensor.op.type == "Pack" and tensor.op.attrs["axis"] == 0:
            output_shape = list(tensor.op.inputs)
        else:
            raise ValueError(
                "conv1d_transpose needs output_shape as a list (entries may be"
                f" tensors) or a tensor known when the graph is built, got {tensor}."
            )
    entries = (
        list(np.asarray(output_shape))
        if isinstance(output_shape, np.ndarray)
        else list(output_shape)
    )
    entries.insert(spatial, 1)
    graph = get_default_graph()
    with graph.name_scope(name or "conv1d_transpose") as scope:
        x = array_ops.expand_dims(input, spatial, name="ExpandDims")
        w = array_ops.expand_dims(filters, 0, name="ExpandDims_1")
        y = conv2d_transpose(
            x,
            w,
            entries,
            strides=[1, _conv1d_value(strides, spatial, "strides")],
            padding=padding,
            data_format="NHWC" if data_format == "NWC" else "NCHW",
            dilations=[1, _conv1d_value(dilations, spatial, "dilations")],
            name="conv2d_transpose",
        )
        return array_ops.squeeze(y, [spatial], name=scope)


def _conv_transpose(
    impl: Callable[..., Any],
    value: Any,
    filter: Any,
    output_shape: Any,
    strides: Any,
    padding: Any,
    data_format: str,
    dilations: Any,
    name: str,
) -> Tensor:
    """``conv2d_transpose``/``conv3d_transpose``: checks the shapes when the graph
    is built (TF1's messages) and adds the backprop-input op of ``impl``."""
    n = len(data_format) - 2
    what = f"conv{n}d_transpose"
    if value is None or filter is None or output_shape is None:
        raise ValueError(f"{what} needs a value, a filter and an output_shape.")
    strides_t = _sequence(strides, n, data_format, "strides")
    dilations_t = _sequence(dilations, n, data_format, "dilations")
    _check_batch_and_depth(strides_t, data_format, "strides")
    _check_batch_and_depth(dilations_t, data_format, "dilations")
    pads = _padding(padding, data_format)
    op_type = opdef_of(impl).type
    graph = get_default_graph()
    with graph.name_scope(name) as scope:
        # Inputs converted as TF1's generated op does: the filter first.
        filter = convert_to_tensor(filter, name="filter")
        hint = None if isinstance(value, np.ndarray) else filter.dtype
        value = convert_to_tensor(value, name="out_backprop", preferred_dtype=hint)
        sizes = _output_shape_entries(output_shape)
        filter_dims, value_dims = _known_dims(filter), _known_dims(value)
        problem = _transpose_problem(
            sizes, filter_dims, value_dims, strides_t, pads, data_format, dilations_t
        )
        if problem is None and any(d is None for d in sizes[1:]):
            spatial = "depth, height, width" if n == 3 else "height, width"
            problem = (
                f"{what} needs output_shape's {spatial} and channels when"
                " the graph is built (only the batch may be dynamic), got"
                f" {format_shape(sizes)}"
            )
        if problem is not None:
            raise ValueError(
                f"{problem} for '{scope[:-1]}' (op: '{op_type}') with"
                f" output_shape {format_shape(sizes)}, filter shape"
                f" {format_shape(filter_dims)} and value shape"
                f" {format_shape(value_dims)}."
            )
        return build(
            impl,
            tuple(-1 if d is None else d for d in sizes),
            filter,
            value,
            strides=strides_t,
            padding=pads,
            data_format=data_format,
            dilations=dilations_t,
            _dtype=value.dtype,
            name=scope,
        )


@op(
    "DepthwiseConv2dNative",
    dtypes=_CONV_DTYPES,
    compiler_options=_filter_options(1),
)
def _depthwise_conv2d_native_impl(
    input: Any,
    filter: Any,
    *,
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str = "NHWC",
    dilations: tuple[int, ...] = (1, 1, 1, 1),
) -> Any:
    _require_rank(input, 4, "input")
    _require_rank(filter, 4, "filter")
    in_depth = input.shape[_channel_index(data_format)]
    height, width, filter_depth, multiplier = filter.shape
    if is_known(in_depth) and is_known(filter_depth) and in_depth != filter_depth:
        raise ValueError(
            f"Dimensions must be equal, but are {in_depth} and {filter_depth}"
        )

    def xla(x: Any, w: Any) -> Any:
        # One group per input channel c, whose outputs c * multiplier + m use
        # filter[:, :, c, m] (TF's channel order).
        kernel = jnp.reshape(w, (height, width, 1, filter_depth * multiplier))
        return _conv_xla(
            x,
            kernel,
            strides,
            padding,
            data_format,
            dilations,
            feature_group_count=filter_depth,
        )

    def cpu(x: Any, w: Any) -> Any:
        # XLA:CPU runs grouped convolutions one group at a time: 20-100x slower
        # than this sum of shifted slices.
        x = _to_channels_last(x, data_format)
        geometry = _cpu_geometry(
            x.shape[1:-1], w.shape, strides, padding, data_format, dilations
        )
        return _from_channels_last(_conv_cpu.depthwise(x, w, *geometry), data_format)

    return _conv_cpu.on_cpu(cpu, xla, input, filter)


def _depthwise(
    input: Tensor,
    filter: Tensor,
    strides: Any,
    padding: Any,
    rate: Any,
    data_format: str,
    name: str,
) -> Tensor:
    strides_t, rate_t = _strides_and_dilations(strides, rate, data_format, "rate")
    return build(
        _depthwise_conv2d_native_impl,
        input,
        filter,
        strides=strides_t,
        padding=_padding(padding, data_format),
        data_format=data_format,
        dilations=rate_t,
        name=name,
    )


def depthwise_conv2d(
    input: Any,
    filter: Any,
    strides: Any,
    padding: Any,
    rate: Any = None,
    name: str | None = None,
    data_format: str | None = None,
    dilations: Any = None,
) -> Tensor:
    """Depthwise 2-D convolution, as TF1 ``tf.nn.depthwise_conv2d``.

    Each input channel ``c`` is convolved with its own ``filter[:, :, c, :]``;
    output channel ``c * channel_multiplier + m`` is ``c`` convolved with
    ``filter[:, :, c, m]``. One ``DepthwiseConv2dNative`` op, named ``depthwise``.

    Args:
      input: ``[batch, height, width, in_channels]`` (``NCHW``: channels second).
      filter: ``[height, width, in_channels, channel_multiplier]``.
      strides: an int, 2 spatial ints, or 4 ints with 1 on batch and channel.
      padding: ``"SAME"`` or ``"VALID"`` (or explicit pairs).
      rate: the dilation rate (2 ints, or an int); > 1 needs stride 1.
      name: op name.
      data_format: ``"NHWC"`` (default) or ``"NCHW"``.
      dilations: alias of ``rate``.

    >>> import jgraph as jg
    >>> x = jg.placeholder(jg.float32, [None, 6, 6, 3])
    >>> depthwise_conv2d(x, jg.ones([3, 3, 3, 2]), [1, 2, 2, 1], "SAME").shape.as_list()
    [None, 3, 3, 6]
    """
    rate = _argument_alias("dilations", dilations, "rate", rate)
    data_format = _check_2d_format(data_format or "NHWC")
    graph = get_default_graph()
    with graph.name_scope(name or "depthwise") as scope:
        input = convert_to_tensor(input, name="tensor_in")
        filter = convert_to_tensor(filter, name="filter_in")
        return _depthwise(input, filter, strides, padding, rate, data_format, scope)


def separable_conv2d(
    input: Any,
    depthwise_filter: Any,
    pointwise_filter: Any,
    strides: Any,
    padding: Any,
    rate: Any = None,
    name: str | None = None,
    data_format: str | None = None,
    dilations: Any = None,
) -> Tensor:
    """A depthwise convolution then a 1x1 ``conv2d``, as TF1
    ``tf.nn.separable_conv2d`` (ops ``separable_conv2d/depthwise`` and
    ``separable_conv2d``).

    Args:
      input: ``[batch, height, width, in_channels]`` (``NCHW``: channels second).
      depthwise_filter: ``[height, width, in_channels, channel_multiplier]``.
      pointwise_filter: ``[1, 1, in_channels * channel_multiplier, out_channels]``.
      strides: the depthwise convolution's strides (as :func:`depthwise_conv2d`).
      padding: the depthwise convolution's padding.
      rate: the depthwise convolution's dilation rate.
      name: name scope.
      data_format: ``"NHWC"`` (default) or ``"NCHW"``.
      dilations: alias of ``rate``.
    """
    rate = _argument_alias("dilations", dilations, "rate", rate)
    data_format = _check_2d_format(data_format or "NHWC")
    graph = get_default_graph()
    with graph.name_scope(name or "separable_conv2d") as scope:
        input = convert_to_tensor(input, name="tensor_in")
        depthwise_filter = convert_to_tensor(depthwise_filter, name="depthwise_filter")
        pointwise_filter = convert_to_tensor(pointwise_filter, name="pointwise_filter")
        dims = _known_dims(pointwise_filter)
        if dims is not None and len(dims) != 4:
            raise ValueError(
                f"Shape {pointwise_filter.shape} must have rank 4 (pointwise_filter)"
            )
        for d in (dims or [None, None])[:2]:
            if d is not None and d != 1:
                raise ValueError(
                    f"Dimensions {d} and 1 are not compatible (pointwise_filter must"
                    " be 1x1)"
                )
        depthwise = _depthwise(
            input, depthwise_filter, strides, padding, rate, data_format, "depthwise"
        )
        return conv2d(
            depthwise,
            pointwise_filter,
            [1, 1, 1, 1],
            padding="VALID",
            data_format=data_format,
            name=scope,
        )


# -- pooling ------------------------------------------------------------------------------


def _pool_pads(
    shape: tuple[Any, ...],
    ksize: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Padding,
) -> tuple[tuple[Any, int], ...]:
    if not isinstance(padding, str):
        return padding
    return tuple(lax.padtype_to_pads(shape, ksize, strides, padding))


def _max_pool(
    input: Any, ksize: tuple[int, ...], strides: tuple[int, ...], padding: Padding
) -> Any:
    _require_rank(input, len(ksize), "input")
    pads = _pool_pads(input.shape, ksize, strides, padding)

    def xla(x: Any) -> Any:
        # reduce_window with lax.max and -inf: JAX's differentiable max-pool.
        return _conv_cpu.max_pool_xla(x, ksize, strides, pads)

    def cpu(x: Any) -> Any:
        return _conv_cpu.max_pool(x, ksize, strides, pads)

    return _conv_cpu.on_cpu(cpu, xla, input)


def _avg_pool(
    input: Any, ksize: tuple[int, ...], strides: tuple[int, ...], padding: Padding
) -> Any:
    _require_rank(input, len(ksize), "input")
    pads = _pool_pads(input.shape, ksize, strides, padding)

    def xla(x: Any) -> Any:
        return _conv_cpu.window_sum_xla(x, ksize, strides, pads)

    def cpu(x: Any) -> Any:
        return _conv_cpu.window_sum(x, ksize, strides, pads)

    sums = _conv_cpu.on_cpu(cpu, xla, input)
    if padding == "VALID":
        return sums / jnp.array(np.prod(ksize), input.dtype)
    # TF1 divides each window by the number of *real* elements it covers. The
    # count depends only on the pooled dimensions, so compute it on a ones array
    # that is size 1 along the others (the batch, usually the channels).
    count_shape = tuple(
        1 if (k == 1 and s == 1 and tuple(p) == (0, 0)) else n
        for n, k, s, p in zip(input.shape, ksize, strides, pads, strict=True)
    )
    ones = jnp.ones(count_shape, input.dtype)
    counts = _conv_cpu.window_sum_xla(ones, ksize, strides, pads)
    return sums / counts


@op("MaxPool")
def _max_pool_impl(
    input: Any,
    *,
    ksize: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str = "NHWC",
) -> Any:
    return _max_pool(input, ksize, strides, padding)


@op("AvgPool")
def _avg_pool_impl(
    input: Any,
    *,
    ksize: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str = "NHWC",
) -> Any:
    return _avg_pool(input, ksize, strides, padding)


@op("MaxPool3D", dtypes=_CONV_DTYPES)
def _max_pool3d_impl(
    input: Any,
    *,
    ksize: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str = "NDHWC",
) -> Any:
    return _max_pool(input, ksize, strides, padding)


@op("AvgPool3D", dtypes=_CONV_DTYPES)
def _avg_pool3d_impl(
    input: Any,
    *,
    ksize: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Padding,
    data_format: str = "NDHWC",
) -> Any:
    return _avg_pool(input, ksize, strides, padding)


def _pool(
    impl: Callable[..., Any],
    value: Any,
    ksize: Any,
    strides: Any,
    padding: Any,
    data_format: str,
    name: str | None,
    what: str,
    rank: int | None = None,
) -> Tensor:
    value = convert_to_tensor(value)
    n = (rank or value.shape.ndims or 4) - 2
    ksize_t = _sequence(ksize, n, data_format, "ksize")
    strides_t = _sequence(strides, n, data_format, "strides")
    if ksize_t[0] != 1 or strides_t[0] != 1:
        raise ValueError(
            f"{what} is not yet supported on the batch dimension (ksize"
            f" {list(ksize_t)}, strides {list(strides_t)})."
        )
    return build(
        impl,
        value,
        ksize=ksize_t,
        strides=strides_t,
        padding=_padding(padding, data_format),
        data_format=data_format,
        name=name,
    )


def max_pool(
    value: Any = None,
    ksize: Any = None,
    strides: Any = None,
    padding: Any = None,
    data_format: str = "NHWC",
    name: str | None = None,
    input: Any = None,
) -> Tensor:
    """Max pooling, as TF1 ``tf.nn.max_pool``.

    Args:
      value: ``[batch, height, width, channels]`` (or ``NCHW``).
      ksize: window size: an int, 2 spatial ints, or 4 ints with 1 on the batch.
      strides: window stride, same forms.
      padding: ``"SAME"`` or ``"VALID"``.
      data_format: ``"NHWC"`` or ``"NCHW"``.
      name: op name.
      input: alias of ``value``.

    >>> import jgraph as jg
    >>> x = jg.placeholder(jg.float32, [None, 5, 5, 2])
    >>> max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME").shape.as_list()
    [None, 3, 3, 2]
    """
    value = input if value is None else value
    return _pool(
        _max_pool_impl, value, ksize, strides, padding, data_format, name, "MaxPooling"
    )


def avg_pool(
    value: Any = None,
    ksize: Any = None,
    strides: Any = None,
    padding: Any = None,
    data_format: str = "NHWC",
    name: str | None = None,
    input: Any = None,
) -> Tensor:
    """Average pooling, as TF1 ``tf.nn.avg_pool`` (arguments as :func:`max_pool`).

    With ``"SAME"`` padding each output is the mean of the input elements its
    window covers (padding is not counted), as TF1.
    """
    value = input if value is None else value
    return _pool(
        _avg_pool_impl, value, ksize, strides, padding, data_format, name, "AvgPooling"
    )


max_pool2d = max_pool
avg_pool2d = avg_pool


def max_pool3d(
    input: Any,
    ksize: Any,
    strides: Any,
    padding: Any,
    data_format: str = "NDHWC",
    name: str | None = None,
) -> Tensor:
    """3-D max pooling, as TF1 ``tf.nn.max_pool3d`` (op ``MaxPool3D``).

    Args:
      input: ``[batch, depth, height, width, channels]`` (or ``NCDHW``).
      ksize: window size: an int, 3 spatial ints, or 5 ints with 1 on the batch.
      strides: window stride, same forms.
      padding: ``"SAME"`` or ``"VALID"``.
      data_format: ``"NDHWC"`` or ``"NCDHW"``.
      name: op name.
    """
    data_format = _check_format(data_format, ("NDHWC", "NCDHW"))
    return _pool(
        _max_pool3d_impl,
        input,
        ksize,
        strides,
        padding,
        data_format,
        name,
        "MaxPooling3D",
        rank=5,
    )


def avg_pool3d(
    input: Any,
    ksize: Any,
    strides: Any,
    padding: Any,
    data_format: str = "NDHWC",
    name: str | None = None,
) -> Tensor:
    """3-D average pooling, as TF1 ``tf.nn.avg_pool3d`` (op ``AvgPool3D``; arguments
    as :func:`max_pool3d`); ``"SAME"`` windows average their real elements only."""
    data_format = _check_format(data_format, ("NDHWC", "NCDHW"))
    return _pool(
        _avg_pool3d_impl,
        input,
        ksize,
        strides,
        padding,
        data_format,
        name,
        "AvgPooling3D",
        rank=5,
    )


def pool(
    input: Any,
    window_shape: Any,
    pooling_type: str,
    padding: Any,
    dilation_rate: Any = None,
    strides: Any = None,
    name: str | None = None,
    data_format: str | None = None,
) -> Tensor:
    """N-D (N = 1, 2, 3) max or average pooling, as TF1 ``tf.nn.pool``.

    1-D pooling runs as 2-D pooling over an inserted height-1 dimension, as TF1.
    Dilated pooling (``dilation_rate`` > 1) is not supported (``NotImplementedError``).
    """
    if pooling_type not in ("MAX", "AVG"):
        raise ValueError(f"Invalid pooling_type: {pooling_type!r}")
    window = [int(w) for w in np.asarray(window_shape).reshape(-1)]
    n = len(window)
    if n not in (1, 2, 3):
        raise ValueError(f"window_shape must have length 1, 2 or 3, got {window}.")
    strides_l = [1] * n if strides is None else [int(s) for s in strides]
    rates = [1] * n if dilation_rate is None else [int(r) for r in dilation_rate]
    if len(strides_l) != n or len(rates) != n:
        raise ValueError(
            "strides and dilation_rate must have len(window_shape) entries."
        )
    if any(r != 1 for r in rates):
        raise NotImplementedError("tf.nn.pool with dilation_rate > 1 is not supported.")
    formats = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}[n]
    data_format = _check_format(data_format or formats[0], formats)
    channels_last = data_format[-1] == "C"
    if n == 3:
        pool_3d = max_pool3d if pooling_type == "MAX" else avg_pool3d
        return pool_3d(input, window, strides_l, padding, data_format, name)
    pool_2d = max_pool if pooling_type == "MAX" else avg_pool
    if n == 2:
        return pool_2d(input, window, strides_l, padding, data_format, name)
    graph = get_default_graph()
    with graph.name_scope(name or f"{pooling_type.lower()}_pool") as scope:
        axis = 1 if channels_last else 2
        x = array_ops.expand_dims(input, axis)
        y = pool_2d(
            x,
            [1, *window],
            [1, *strides_l],
            padding,
            "NHWC" if channels_last else "NCHW",
        )
        return array_ops.squeeze(y, [axis], name=scope)


# -- normalisation -------------------------------------------------------------------------


def _static_axes(axes: Any, what: str) -> list[int]:
    if isinstance(axes, Tensor):
        folded = constant_value(axes)
        if folded is None:
            raise ValueError(f"{what}: axes must be known when the graph is built.")
        axes = folded
    return [int(a) for a in np.asarray(axes).reshape(-1)]


def moments(
    x: Any,
    axes: Any,
    shift: Any = None,
    name: str | None = None,
    keep_dims: bool | None = None,
    keepdims: bool | None = None,
) -> tuple[Tensor, Tensor]:
    """Mean and (population) variance of ``x`` over ``axes``, as TF1 ``tf.nn.moments``.

    float16 inputs are reduced in float32 and cast back, as TF1.

    >>> import jgraph as jg
    >>> mean, var = moments(jg.constant([[1.0, 3.0]]), axes=[1])
    >>> mean.shape.as_list(), var.shape.as_list()
    ([1], [1])
    """
    keep = bool(keepdims if keepdims is not None else keep_dims)
    axes_list = _static_axes(axes, "moments")
    graph = get_default_graph()
    with graph.name_scope(name or "moments"):
        x = convert_to_tensor(x)
        y = math_ops.cast(x, _dtypes.float32) if x.dtype == _dtypes.float16 else x
        mean = math_ops.reduce_mean(y, axes_list, keepdims=True, name="mean")
        # The variance's gradient into the mean is zero anyway; TF1 stops it.
        variance = math_ops.reduce_mean(
            math_ops.squared_difference(y, array_ops.stop_gradient(mean)),
            axes_list,
            keepdims=True,
            name="variance",
        )
        if not keep:
            mean = array_ops.squeeze(mean, axes_list)
            variance = array_ops.squeeze(variance, axes_list)
        if x.dtype == _dtypes.float16:
            return math_ops.cast(mean, x.dtype), math_ops.cast(variance, x.dtype)
        return mean, variance


def normalize_moments(
    counts: Any,
    mean_ss: Any,
    variance_ss: Any,
    shift: Any,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """Mean and variance from sufficient statistics, as TF1
    ``tf.nn.normalize_moments``: ``mean = mean_ss / counts (+ shift)``,
    ``variance = variance_ss / counts - (mean_ss / counts) ** 2``."""
    graph = get_default_graph()
    with graph.name_scope(name or "normalize"):
        mean_ss = convert_to_tensor(mean_ss)
        divisor = math_ops.reciprocal(
            convert_to_tensor(counts, preferred_dtype=mean_ss.dtype), name="divisor"
        )
        shifted_mean = math_ops.multiply(mean_ss, divisor, name="shifted_mean")
        if shift is not None:
            mean = math_ops.add(shifted_mean, shift, name="mean")
        else:
            mean = array_ops.identity(shifted_mean, name="mean")
        variance = math_ops.subtract(
            math_ops.multiply(variance_ss, divisor),
            math_ops.square(shifted_mean),
            name="variance",
        )
        return mean, variance


def l2_normalize(
    x: Any,
    axis: Any = None,
    epsilon: float = 1e-12,
    name: str | None = None,
    dim: Any = None,
) -> Tensor:
    """``x / sqrt(max(sum(x ** 2, axis), epsilon))``, as TF1 ``tf.nn.l2_normalize``."""
    axis = dim if axis is None else axis
    graph = get_default_graph()
    with graph.name_scope(name or "l2_normalize") as scope:
        x = convert_to_tensor(x, name="x")
        square_sum = math_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        x_inv_norm = math_ops.rsqrt(
            math_ops.maximum(square_sum, convert_to_tensor(epsilon, x.dtype))
        )
        return math_ops.multiply(x, x_inv_norm, name=scope)


def batch_normalization(
    x: Any,
    mean: Any,
    variance: Any,
    offset: Any,
    scale: Any,
    variance_epsilon: float,
    name: str | None = None,
) -> Tensor:
    """``(x - mean) * scale / sqrt(variance + eps) + offset``, computed as TF1's
    ``tf.nn.batch_normalization`` (``offset``/``scale`` may be ``None``)."""
    graph = get_default_graph()
    with graph.name_scope(name or "batchnorm"):
        x = convert_to_tensor(x)
        variance = convert_to_tensor(variance)
        inv = math_ops.rsqrt(
            variance + convert_to_tensor(variance_epsilon, variance.dtype)
        )
        if scale is not None:
            inv = inv * scale
        shift = offset - mean * inv if offset is not None else -mean * inv
        return x * math_ops.cast(inv, x.dtype) + math_ops.cast(shift, x.dtype)


# -- embeddings ---------------------------------------------------------------------------


@op("ShardedGather", list_input="params", same_dtype=("params",))
def _sharded_gather_impl(params: Sequence[Any], ids: Any) -> Any:
    """TF1's ``"mod"`` partition strategy: id ``i`` is row ``i // n`` of shard
    ``i % n``."""
    n = len(params)
    shard = ids % n
    row = ids // n
    result = jnp.zeros(ids.shape + params[0].shape[1:], params[0].dtype)
    for p, table in enumerate(params):
        picked = jnp.take(table, row, axis=0, mode="clip")
        mask = (shard == p).reshape(shard.shape + (1,) * (table.ndim - 1))
        result = jnp.where(mask, picked, result)
    return result


@op("ClipByNormRows")
def _clip_rows_impl(x: Any, *, max_norm: float, rank: int) -> Any:
    # Each embedding (the last `rank` dims of a looked-up row) is scaled down to
    # norm max_norm if larger, as TF1's embedding_lookup(max_norm=...).
    axes = tuple(range(x.ndim - rank, x.ndim))
    norm = jnp.sqrt(jnp.sum(jnp.square(x), axis=axes, keepdims=True))
    limit = jnp.asarray(max_norm, x.dtype)
    return x * jnp.where(norm > limit, limit / jnp.maximum(norm, 1e-30), 1).astype(
        x.dtype
    )


def embedding_lookup(
    params: Any,
    ids: Any,
    partition_strategy: str = "mod",
    name: str | None = None,
    validate_indices: bool = True,
    max_norm: float | None = None,
) -> Tensor:
    """Rows of ``params`` at ``ids``, as TF1 ``tf.nn.embedding_lookup``.

    Args:
      params: a tensor or variable ``[vocab, dim...]``, or a list of shards of one.
      ids: integer tensor of any shape; the result has shape
        ``ids.shape + params.shape[1:]``.
      partition_strategy: ``"mod"`` or ``"div"``: how ids map to shards.
      name: op name.
      validate_indices: ignored (as in TF1).
      max_norm: if set, embeddings with a larger L2 norm are scaled down to it.

    TF1 difference: out-of-range ids are clipped (as ``tf.gather`` in jgraph) rather
    than raising.
    """
    if partition_strategy not in ("mod", "div"):
        raise ValueError(f"Unrecognized partition strategy: {partition_strategy}")
    shards = list(params) if isinstance(params, list | tuple) else [params]
    if not shards:
        raise ValueError("Need at least one param")
    graph = get_default_graph()
    with graph.name_scope(name or "embedding_lookup") as scope:
        tables = [convert_to_tensor(p) for p in shards]
        ids = convert_to_tensor(ids, name="ids")
        if len(tables) == 1:
            result = array_ops.gather(tables[0], ids)
        elif partition_strategy == "div":
            # "div" keeps contiguous id ranges per shard: the shards concatenated
            # are the whole table.
            result = array_ops.gather(array_ops.concat(tables, 0), ids)
        else:
            result = build(_sharded_gather_impl, tables, ids)
        if max_norm is not None:
            rank = max((tables[0].shape.ndims or 1) - 1, 1)
            result = build(_clip_rows_impl, result, max_norm=float(max_norm), rank=rank)
        return array_ops.identity(result, name=scope)


__all__ = [
    "atrous_conv2d",
    "avg_pool",
    "avg_pool2d",
    "avg_pool3d",
    "batch_normalization",
    "conv1d",
    "conv1d_transpose",
    "conv2d",
    "conv2d_transpose",
    "conv3d",
    "conv3d_transpose",
    "depthwise_conv2d",
    "embedding_lookup",
    "l2_normalize",
    "max_pool",
    "max_pool2d",
    "max_pool3d",
    "moments",
    "normalize_moments",
    "pool",
    "separable_conv2d",
]
