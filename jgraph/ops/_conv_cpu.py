"""CPU formulations of the convolution and pooling ops and of their gradients.

Stage 2 of the pipeline (ops), private to ``conv_ops.py``. XLA:CPU runs the forward
convolution near the speed of a plain matrix product, but several gradients far
slower (measured on a 2-core AVX2 machine, batch 128): the max-pool gradient
(``select_and_scatter``) 15x the reshape form below, the average-pool gradient 50x,
the filter gradient of a convolution 2-3x a patches-times-GEMM form, and a depthwise
convolution and its filter gradient 20x to 100x a sum of shifted slices.
``conv_ops`` picks these formulations on the CPU only (:func:`on_cpu`); elsewhere
the ops keep XLA's own lowering, which cuDNN/TPU kernels make fast.

XLA:CPU (jaxlib 0.10) runs a convolution and its input gradient as a YNNPACK fusion
on one thread by default; a run holding a convolution op is compiled with
:data:`COMPILER_OPTIONS`, which leave convolutions to Eigen, on every core (about
half the wall-clock time on 2 cores, the same CPU time), and the filter gradient
then takes XLA's form where that is faster (:func:`filter_grad`). Winograd
F(2x2,3x3) and F(4x4,3x3) written in ``jnp`` measured no better on the tutorial
CNN's 3x3 layers (0.97-2.0x XLA's CPU time, 3x on one input channel), and a
one-channel convolution as a sum of slices is fused by XLA into each of its
consumers and computed again in each (the tutorial step ran no faster).

Every function here equals its XLA lowering to float rounding; the gradients are
TF1's: a max-pool gradient goes to the *first* maximum of each window in row-major
window order (TF1's ``MaxPoolGrad``, also XLA's ``select_and_scatter``).

Arrays are channels-last (``[batch, spatial..., channels]``), filters
``[spatial..., in, out]``; pads are explicit ``(low, high)`` pairs.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

Pairs = tuple[tuple[int, int], ...]

# ``JGRAPH_CPU_KERNELS=xla`` keeps XLA's own lowering on the CPU too (read when a
# run is traced): for comparing the two, or ruling these formulations out.
_ENV = "JGRAPH_CPU_KERNELS"


def enabled() -> bool:
    """Whether the CPU formulations are in use (``JGRAPH_CPU_KERNELS`` is not
    ``xla``)."""
    return os.environ.get(_ENV, "fast").lower() != "xla"


# XLA:CPU compiler options for an executable that runs convolutions: YNNPACK's
# library fusions for dots only, so convolutions run as Eigen's, on every core
# (YNNPACK's run on one thread). Measured on 2 cores (wall ms, same process,
# interleaved): 128x14x14x32->64 3x3 forward 10.6 -> 5.4, input gradient 10.3 ->
# 5.8, filter gradient 14.1 -> 8.3; 128x7x7x64->128 10.3 -> 4.5, 10.3 -> 5.3,
# 10.0 -> 5.7; 128x32x32x3->32 14.0 -> 10.7. A convolution of one input channel
# is 2-3x slower as Eigen's (128x28x28x1->32 with its ReLU and pool: 2.6 -> 8.6),
# so it does not ask for them. The options act on a whole executable, so an op
# declares them (``OpDef.compiler_options``) and every run holding one is
# compiled with them.
COMPILER_OPTIONS: dict[str, str] = {
    "xla_cpu_experimental_ynn_fusion_type": "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT"
}

# The fewest input channels for which XLA's filter gradient (Eigen, every core)
# beats patches times dy (one thread): 128x28x28x1->32 3x3, patches 1.6 ms
# against 2.0; 32 channels and up, XLA's 0.6-0.75x the patches' time (2-D and
# 1-D; 3-D keeps patches: 2.7x faster).
_EIGEN_FILTER_GRAD_MIN_CHANNELS = 8


def compiler_options(filter_dims: Sequence[Any] | None) -> dict[str, str]:
    """The XLA compiler options a run holding a convolution with a filter of
    ``filter_dims`` (``[spatial..., in, out]``) is compiled with:
    :data:`COMPILER_OPTIONS` unless the filter has one input channel, or
    ``JGRAPH_CPU_KERNELS=xla`` keeps XLA's own lowering."""
    one_channel = filter_dims is not None and filter_dims[-2] == 1
    return {} if one_channel or not enabled() else dict(COMPILER_OPTIONS)


def on_cpu(fast: Callable[..., Any], default: Callable[..., Any], *args: Any) -> Any:
    """``fast(*args)`` where the computation is compiled for a CPU, else
    ``default(*args)``.

    The choice is made when the traced program is compiled for its device
    (``lax.platform_dependent``), not when it is traced: a run whose ops are placed
    on ``/cpu:0`` of a GPU machine gets the CPU form, the same graph on the GPU gets
    XLA's. Both forms are traced, and only one is compiled. Shapes with unknown
    (symbolic) dims, which only shape inference traces, get XLA's form: the CPU
    forms size their pieces from concrete shapes, and both give the same shapes.
    """
    if not enabled() or not all(_concrete(a) for a in args):
        return default(*args)
    return lax.platform_dependent(*args, cpu=fast, default=default)


def _concrete(x: Any) -> bool:
    return all(isinstance(d, int | np.integer) for d in np.shape(x))


def _is_float(x: Any) -> bool:
    return jnp.issubdtype(x.dtype, jnp.floating)


# -- pooling ------------------------------------------------------------------------------


def _out_size(n: int, k: int, s: int, pad: tuple[int, int]) -> int:
    return (n + pad[0] + pad[1] - k) // s + 1


def _disjoint(ksize: Sequence[int], strides: Sequence[int]) -> bool:
    return all(k <= s for k, s in zip(ksize, strides, strict=True))


def _window_view(
    x: Any, ksize: Sequence[int], strides: Sequence[int], pads: Pairs, fill: Any
) -> Any:
    """Disjoint windows as axes: ``[o0, k0, o1, k1, ...]`` (axis ``a`` split into
    its ``o`` windows and the ``k`` elements of each), padding filled with
    ``fill``. Needs ``k <= s`` on every axis."""
    outs = [
        _out_size(n, k, s, p)
        for n, k, s, p in zip(x.shape, ksize, strides, pads, strict=True)
    ]
    # One pad/crop to exactly o * s elements per axis (lax.pad crops on < 0).
    config = [
        (lo, o * s - lo - n, 0)
        for n, s, o, (lo, _) in zip(x.shape, strides, outs, pads, strict=True)
    ]
    v = lax.pad(x, np.array(fill, x.dtype), config)
    v = v.reshape([d for o, s in zip(outs, strides, strict=True) for d in (o, s)])
    if any(k < s for k, s in zip(ksize, strides, strict=True)):
        v = v[
            tuple(
                slice(None) if i % 2 == 0 else slice(0, ksize[i // 2])
                for i in range(v.ndim)
            )
        ]
    return v


def _from_window_view(
    g: Any,
    shape: Sequence[int],
    ksize: Sequence[int],
    strides: Sequence[int],
    pads: Pairs,
) -> Any:
    """The inverse of :func:`_window_view` for a gradient: back to ``shape``, zero
    where no window reads (gaps between windows, cropped tails)."""
    if any(k < s for k, s in zip(ksize, strides, strict=True)):
        gap = [(0, 0, 0)] * g.ndim
        for a, (k, s) in enumerate(zip(ksize, strides, strict=True)):
            gap[2 * a + 1] = (0, s - k, 0)
        g = lax.pad(g, np.array(0, g.dtype), gap)
    outs = g.shape[0::2]
    g = g.reshape([o * s for o, s in zip(outs, strides, strict=True)])
    config = [
        (-lo, n + lo - o * s, 0)
        for n, s, o, (lo, _) in zip(shape, strides, outs, pads, strict=True)
    ]
    return lax.pad(g, np.array(0, g.dtype), config)


def _window_positions(ksize: Sequence[int]) -> list[tuple[int, ...]]:
    """Every position in a window, in row-major order (TF1's scan order)."""
    return list(itertools.product(*(range(k) for k in ksize)))


def _pool_init(dtype: Any) -> np.ndarray:
    # A numpy (concrete) scalar: JAX recognises max-pooling only with a concrete init.
    if jnp.issubdtype(dtype, jnp.floating):
        return np.array(-np.inf, dtype)
    return np.array(np.iinfo(dtype).min, dtype)


def max_pool_xla(
    x: Any, ksize: Sequence[int], strides: Sequence[int], pads: Pairs
) -> Any:
    """Max pooling as ``reduce_window`` (XLA's lowering; JAX differentiates it
    with ``select_and_scatter``)."""
    return lax.reduce_window(x, _pool_init(x.dtype), lax.max, ksize, strides, pads)


def max_pool(x: Any, ksize: Sequence[int], strides: Sequence[int], pads: Pairs) -> Any:
    """Max pooling with TF1's gradient in a form XLA:CPU runs fast."""
    if not _is_float(x):
        return max_pool_xla(x, ksize, strides, pads)
    return _max_pool(x, tuple(ksize), tuple(strides), tuple(pads))


@functools.partial(jax.custom_vjp, nondiff_argnums=(1, 2, 3))
def _max_pool(x: Any, ksize: tuple, strides: tuple, pads: Pairs) -> Any:
    return _max_pool_forward(x, ksize, strides, pads)


def _max_pool_forward(x: Any, ksize: tuple, strides: tuple, pads: Pairs) -> Any:
    if not _disjoint(ksize, strides):
        return max_pool_xla(x, ksize, strides, pads)
    view = _window_view(x, ksize, strides, pads, _pool_init(x.dtype))
    return jnp.max(view, axis=tuple(range(1, view.ndim, 2)))


def _max_pool_fwd(x: Any, ksize: tuple, strides: tuple, pads: Pairs) -> tuple:
    y = _max_pool_forward(x, ksize, strides, pads)
    return y, (x, y)


def _max_pool_bwd(
    ksize: tuple, strides: tuple, pads: Pairs, res: tuple, dy: Any
) -> tuple:
    x, y = res
    return (max_pool_grad(x, y, dy, ksize, strides, pads),)


_max_pool.defvjp(_max_pool_fwd, _max_pool_bwd)


def max_pool_grad(
    x: Any, y: Any, dy: Any, ksize: Sequence[int], strides: Sequence[int], pads: Pairs
) -> Any:
    """TF1's ``MaxPoolGrad``: each window's ``dy`` goes to the first element (in
    row-major window order) equal to the window's maximum.

    The maximum is taken again here from ``x``, not read from ``y``: XLA may fuse
    ``x``'s producer (a sum of products) into the forward pool and into this
    gradient separately and round it differently in each, and a window none of
    whose ``x`` then equals ``y`` would drop its gradient (seen: a one-channel
    convolution as a sum of slices changed a slim convnet's training). ``y``
    only marks the windows holding a NaN, which take no gradient, as before.
    Padding is filled with NaN, which equals nothing and ``fmax`` skips, so it
    never takes the gradient (TF1 never picks a padded position either).
    """
    nan = np.array(np.nan, x.dtype)
    positions = _window_positions(ksize)

    def window_max(values: list[Any]) -> Any:
        return jnp.where(jnp.isnan(y), y, functools.reduce(jnp.fmax, values))

    if _disjoint(ksize, strides):
        view = _window_view(x, ksize, strides, pads, nan)
        ats = [
            view[tuple(i for p in pos for i in (slice(None), p))] for pos in positions
        ]
        top = window_max(ats)
        found = None
        parts: dict[tuple[int, ...], Any] = {}
        for pos, at in zip(positions, ats, strict=True):
            hit = at == top if found is None else (at == top) & ~found
            found = hit if found is None else found | hit
            parts[pos] = jnp.where(hit, dy, jnp.zeros_like(dy))
        grad = _assemble(parts, ksize, dy.ndim)
        return _from_window_view(grad, x.shape, ksize, strides, pads)
    # Overlapping windows: the index of each window's first maximum, then every
    # window position scatters its share with an interior-padded ``pad``.
    padded, slices = _strided_windows(x, ksize, strides, pads, nan)
    top = window_max([slices(pos) for pos in positions])
    first = jnp.full(y.shape, len(positions), jnp.int32)
    for index in reversed(range(len(positions))):
        first = jnp.where(slices(positions[index]) == top, index, first)
    zero = jnp.zeros_like(dy)
    terms = {
        pos: jnp.where(first == index, dy, zero) for index, pos in enumerate(positions)
    }
    return _scatter_windows(terms, padded.shape, x.shape, strides, pads)


def _assemble(
    parts: dict[tuple[int, ...], Any], ksize: Sequence[int], rank: int
) -> Any:
    """Arrays ``parts[pos]`` of the pooled shape, interleaved into the window view
    ``[o0, k0, o1, k1, ...]``."""

    def build(prefix: tuple[int, ...]) -> Any:
        axis = len(prefix)
        if axis == rank:
            part = parts[prefix]
            return part.reshape([d for o in part.shape for d in (o, 1)])
        pieces = [build((*prefix, i)) for i in range(ksize[axis])]
        return pieces[0] if len(pieces) == 1 else jnp.concatenate(pieces, 2 * axis + 1)

    return build(())


def _strided_windows(
    x: Any,
    ksize: Sequence[int],
    strides: Sequence[int],
    pads: Pairs,
    fill: Any,
    dilations: Sequence[int] | None = None,
) -> tuple[Any, Callable[[tuple[int, ...]], Any]]:
    """``x`` padded (or cropped) to cover every window exactly, and a function
    giving, for a window position, that element of every window (an array of the
    output's shape)."""
    rates = (1,) * x.ndim if dilations is None else tuple(dilations)
    outs = [
        (n + lo + hi - (k - 1) * d - 1) // s + 1
        for n, k, s, d, (lo, hi) in zip(
            x.shape, ksize, strides, rates, pads, strict=True
        )
    ]
    spans = [(o - 1) * s + 1 for o, s in zip(outs, strides, strict=True)]
    config = [
        (lo, span + (k - 1) * d - lo - n, 0)
        for n, k, d, span, (lo, _) in zip(
            x.shape, ksize, rates, spans, pads, strict=True
        )
    ]
    padded = lax.pad(x, np.array(fill, x.dtype), config)

    def at(pos: tuple[int, ...]) -> Any:
        starts = [p * d for p, d in zip(pos, rates, strict=True)]
        limits = [b + span for b, span in zip(starts, spans, strict=True)]
        return lax.slice(padded, starts, limits, strides)

    return padded, at


def _scatter_windows(
    terms: dict[tuple[int, ...], Any],
    padded_shape: Sequence[int],
    shape: Sequence[int],
    strides: Sequence[int],
    pads: Pairs,
    dilations: Sequence[int] | None = None,
) -> Any:
    """The transpose of :func:`_strided_windows`: the sum over window positions of
    each term put back where its elements came from, cropped to ``shape``."""
    rates = (1,) * len(shape) if dilations is None else tuple(dilations)
    total = None
    for pos, term in terms.items():
        config = [
            (p * d, size - p * d - ((o - 1) * s + 1), s - 1)
            for p, d, size, o, s in zip(
                pos, rates, padded_shape, term.shape, strides, strict=True
            )
        ]
        placed = lax.pad(term, np.array(0, term.dtype), config)
        total = placed if total is None else total + placed
    assert total is not None  # a window has at least one position
    crop = [
        (-lo, n + lo - size, 0)
        for n, size, (lo, _) in zip(shape, padded_shape, pads, strict=True)
    ]
    return lax.pad(total, np.array(0, total.dtype), crop)


def window_sum_xla(
    x: Any, ksize: Sequence[int], strides: Sequence[int], pads: Pairs
) -> Any:
    """The sum over each window as ``reduce_window`` (XLA's lowering)."""
    return lax.reduce_window(x, np.array(0, x.dtype), lax.add, ksize, strides, pads)


def window_sum(
    x: Any, ksize: Sequence[int], strides: Sequence[int], pads: Pairs
) -> Any:
    """The sum over each window (padding counts as zero), with a gradient that
    XLA:CPU runs fast: a broadcast for disjoint windows, else interior-padded
    copies of the cotangent."""
    if not _is_float(x):
        return window_sum_xla(x, ksize, strides, pads)
    return _window_sum(x, tuple(ksize), tuple(strides), tuple(pads), tuple(x.shape))


@functools.partial(jax.custom_vjp, nondiff_argnums=(1, 2, 3, 4))
def _window_sum(x: Any, ksize: tuple, strides: tuple, pads: Pairs, shape: tuple) -> Any:
    del shape
    if not _disjoint(ksize, strides):
        return window_sum_xla(x, ksize, strides, pads)
    view = _window_view(x, ksize, strides, pads, 0)
    return jnp.sum(view, axis=tuple(range(1, view.ndim, 2)))


def _window_sum_fwd(
    x: Any, ksize: tuple, strides: tuple, pads: Pairs, shape: tuple
) -> tuple[Any, None]:
    return _window_sum(x, ksize, strides, pads, shape), None


def _window_sum_bwd(
    ksize: tuple, strides: tuple, pads: Pairs, shape: tuple, res: None, dy: Any
) -> tuple:
    return (window_sum_grad(dy, shape, ksize, strides, pads),)


_window_sum.defvjp(_window_sum_fwd, _window_sum_bwd)


def window_sum_grad(
    dy: Any,
    shape: Sequence[int],
    ksize: Sequence[int],
    strides: Sequence[int],
    pads: Pairs,
) -> Any:
    """The gradient of :func:`window_sum` w.r.t. an input of ``shape``: every
    element gets the sum of ``dy`` over the windows that cover it."""
    if _disjoint(ksize, strides):
        view_shape = [d for o, k in zip(dy.shape, ksize, strict=True) for d in (o, k)]
        spread = jnp.broadcast_to(
            dy.reshape([d for o in dy.shape for d in (o, 1)]), view_shape
        )
        return _from_window_view(spread, shape, ksize, strides, pads)
    spans = [(o - 1) * s + 1 for o, s in zip(dy.shape, strides, strict=True)]
    padded_shape = [span + k - 1 for span, k in zip(spans, ksize, strict=True)]
    terms = dict.fromkeys(_window_positions(ksize), dy)
    return _scatter_windows(terms, padded_shape, shape, strides, pads)


# -- convolution ----------------------------------------------------------------------------

# Bytes of patches the filter gradient builds at a time: small enough to stay in
# cache, large enough that each matrix product is efficient (measured: 1 MiB chunks
# ran 2x faster than building all patches at once).
_PATCH_BYTES = 1 << 20


def _dimension_numbers(rank: int) -> tuple[str, str, str]:
    spatial = "DHW"[3 - (rank - 2) :]
    return f"N{spatial}C", f"{spatial}IO", f"N{spatial}C"


def conv_xla(
    x: Any,
    w: Any,
    strides: Sequence[int],
    pads: Pairs,
    dilations: Sequence[int],
    groups: int = 1,
) -> Any:
    """The convolution as XLA's ``conv_general_dilated`` (strides, pads and
    dilations spatial only)."""
    return lax.conv_general_dilated(
        x,
        w,
        window_strides=tuple(strides),
        padding=tuple(pads),
        rhs_dilation=tuple(dilations),
        dimension_numbers=_dimension_numbers(x.ndim),
        feature_group_count=groups,
    )


def conv_input_grad_xla(
    w: Any,
    dy: Any,
    in_shape: Sequence[int],
    strides: Sequence[int],
    pads: Pairs,
    dilations: Sequence[int],
) -> Any:
    """The gradient of :func:`conv_xla` w.r.t. an input of ``in_shape``: its
    linear transpose, which XLA runs as a convolution of ``dy``."""
    spec = jax.ShapeDtypeStruct(tuple(in_shape), dy.dtype)

    def forward(x: Any) -> Any:
        return conv_xla(x, w, strides, pads, dilations)

    return jax.linear_transpose(forward, spec)(dy)[0]


def conv(
    x: Any, w: Any, strides: Sequence[int], pads: Pairs, dilations: Sequence[int]
) -> Any:
    """The convolution (XLA's forward) with a filter gradient that XLA:CPU runs
    fast (:func:`conv_filter_grad`)."""
    if not _is_float(x):
        return conv_xla(x, w, strides, pads, dilations)
    return _conv(x, w, tuple(strides), tuple(pads), tuple(dilations))


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3, 4))
def _conv(x: Any, w: Any, strides: tuple, pads: Pairs, dilations: tuple) -> Any:
    return conv_xla(x, w, strides, pads, dilations)


def _conv_fwd(x: Any, w: Any, strides: tuple, pads: Pairs, dilations: tuple) -> tuple:
    return conv_xla(x, w, strides, pads, dilations), (x, w)


def _conv_bwd(
    strides: tuple, pads: Pairs, dilations: tuple, res: tuple, dy: Any
) -> tuple:
    x, w = res
    dx = conv_input_grad(w, dy, x.shape, strides, pads, dilations)
    dw = filter_grad(x, dy, w.shape, strides, pads, dilations)
    return dx, dw


_conv.defvjp(_conv_fwd, _conv_bwd)


def conv_input_grad(
    w: Any,
    dy: Any,
    in_shape: Sequence[int],
    strides: Sequence[int],
    pads: Pairs,
    dilations: Sequence[int],
) -> Any:
    """The gradient of the convolution w.r.t. its input (``conv2d_transpose``), as
    XLA computes it, whose own filter gradient is :func:`conv_filter_grad`."""
    if not _is_float(dy):
        return conv_input_grad_xla(w, dy, in_shape, strides, pads, dilations)
    return _conv_input_grad(
        w, dy, tuple(in_shape), tuple(strides), tuple(pads), tuple(dilations)
    )


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3, 4, 5))
def _conv_input_grad(
    w: Any, dy: Any, in_shape: tuple, strides: tuple, pads: Pairs, dilations: tuple
) -> Any:
    return conv_input_grad_xla(w, dy, in_shape, strides, pads, dilations)


def _conv_input_grad_fwd(
    w: Any, dy: Any, in_shape: tuple, strides: tuple, pads: Pairs, dilations: tuple
) -> tuple:
    out = conv_input_grad_xla(w, dy, in_shape, strides, pads, dilations)
    return out, (w, dy)


def _conv_input_grad_bwd(
    in_shape: tuple, strides: tuple, pads: Pairs, dilations: tuple, res: tuple, ct: Any
) -> tuple:
    # <conv^T(dy), ct> = <dy, conv(ct)>: the cotangent ct plays the input.
    w, dy = res
    dw = filter_grad(ct, dy, w.shape, strides, pads, dilations)
    ddy = conv(ct, w, strides, pads, dilations)
    return dw, ddy


_conv_input_grad.defvjp(_conv_input_grad_fwd, _conv_input_grad_bwd)


def conv_filter_grad_xla(
    x: Any,
    dy: Any,
    w_shape: Sequence[int],
    strides: Sequence[int],
    pads: Pairs,
    dilations: Sequence[int],
) -> Any:
    """The gradient of :func:`conv_xla` w.r.t. a filter of ``w_shape``, as JAX
    derives it (a convolution whose window is the whole ``dy``)."""
    spec = jax.ShapeDtypeStruct(tuple(w_shape), dy.dtype)

    def forward(w: Any) -> Any:
        return conv_xla(x, w, strides, pads, dilations)

    return jax.linear_transpose(forward, spec)(dy)[0]


def filter_grad(
    x: Any,
    dy: Any,
    w_shape: Sequence[int],
    strides: Sequence[int],
    pads: Pairs,
    dilations: Sequence[int],
) -> Any:
    """The filter gradient in the form that runs fastest on XLA:CPU with
    :data:`COMPILER_OPTIONS`: XLA's own (Eigen's multi-threaded convolution) for
    1-D and 2-D convolutions of :data:`_EIGEN_FILTER_GRAD_MIN_CHANNELS` input
    channels or more, else patches times ``dy`` (:func:`conv_filter_grad`)."""
    if x.ndim <= 4 and x.shape[-1] >= _EIGEN_FILTER_GRAD_MIN_CHANNELS:
        return conv_filter_grad_xla(x, dy, w_shape, strides, pads, dilations)
    return conv_filter_grad(x, dy, w_shape, strides, pads, dilations)


def conv_filter_grad(
    x: Any,
    dy: Any,
    w_shape: Sequence[int],
    strides: Sequence[int],
    pads: Pairs,
    dilations: Sequence[int],
) -> Any:
    """The filter gradient as patches times ``dy``, one batch chunk at a time.

    For each chunk of images, the patches are built channel-major
    (``[window positions * in, images * out positions]``, strided slices of the
    padded chunk) so that one plain matrix product with ``dy``
    (``[images * out positions, out]``) sums the chunk's share; chunks are sized to
    stay in cache (``_PATCH_BYTES``) and summed in a loop (a smaller last chunk
    outside it).
    """
    n, *spatial, c_in = x.shape
    *window, _, c_out = w_shape
    outs = dy.shape[1:-1]
    spans = [
        (o - 1) * s + (k - 1) * d + 1
        for o, s, k, d in zip(outs, strides, window, dilations, strict=True)
    ]
    crop_or_pad = [(0, 0, 0), (0, 0, 0)] + [
        (lo, span - lo - size, 0)
        for size, span, (lo, _) in zip(spatial, spans, pads, strict=True)
    ]
    positions = _window_positions(window)
    acc_dtype = jnp.promote_types(x.dtype, jnp.float32)
    per_image = len(positions) * c_in * math.prod(outs) * x.dtype.itemsize
    most = max(1, min(n, _PATCH_BYTES // max(per_image, 1)))
    # Chunks of equal size within the budget, not as many full ones as fit plus a
    # remainder: 128x28x28x1 -> 32 (3x3) as 4 chunks of 32 images ran 6.5 ms
    # against 14.6 ms as 3 of 37 and one of 17 (measured, interleaved, CPU time).
    count = -(-n // most)  # chunks needed, rounded up
    chunk = -(-n // count)

    def chunk_grad(xc: Any, dyc: Any) -> Any:
        # xc [c, spatial..., in] -> [in, c, spatial...], padded/cropped to the spans.
        xt = jnp.moveaxis(xc, -1, 0)
        xt = lax.pad(xt, np.array(0, x.dtype), crop_or_pad)
        patches = jnp.stack(
            [
                lax.slice(
                    xt,
                    (0, 0, *(p * d for p, d in zip(pos, dilations, strict=True))),
                    (
                        *xt.shape[:2],
                        *(
                            p * d + (o - 1) * s + 1
                            for p, d, o, s in zip(
                                pos, dilations, outs, strides, strict=True
                            )
                        ),
                    ),
                    (1, 1, *strides),
                )
                for pos in positions
            ]
        ).reshape(len(positions) * c_in, -1)
        return jnp.matmul(
            patches, dyc.reshape(-1, c_out), preferred_element_type=acc_dtype
        )

    full = n // chunk
    total = None
    if full > 1:
        xs = x[: full * chunk].reshape(full, chunk, *spatial, c_in)
        dys = dy[: full * chunk].reshape(full, chunk, *outs, c_out)

        def body(acc: Any, pair: tuple) -> tuple[Any, None]:
            return acc + chunk_grad(*pair), None

        start = jnp.zeros((len(positions) * c_in, c_out), acc_dtype)
        total, _ = lax.scan(body, start, (xs, dys))
    elif full == 1:
        total = chunk_grad(x[:chunk], dy[:chunk])
    if n % chunk:
        rest = chunk_grad(x[full * chunk :], dy[full * chunk :])
        total = rest if total is None else total + rest
    assert total is not None  # n >= 1
    return total.reshape(tuple(w_shape)).astype(x.dtype)


# -- depthwise convolution -------------------------------------------------------------


def depthwise_xla(
    x: Any, w: Any, strides: Sequence[int], pads: Pairs, dilations: Sequence[int]
) -> Any:
    """TF's depthwise convolution (filter ``[spatial..., in, multiplier]``, output
    channel ``c * multiplier + m``) as XLA's grouped convolution."""
    *window, c_in, multiplier = w.shape
    kernel = jnp.reshape(w, (*window, 1, c_in * multiplier))
    return conv_xla(x, kernel, strides, pads, dilations, groups=c_in)


def depthwise(
    x: Any, w: Any, strides: Sequence[int], pads: Pairs, dilations: Sequence[int]
) -> Any:
    """The depthwise convolution as a sum of shifted, strided slices times the
    filter (one fused loop), with gradients of the same kind."""
    if not _is_float(x):
        return depthwise_xla(x, w, strides, pads, dilations)
    return _depthwise(x, w, tuple(strides), tuple(pads), tuple(dilations))


def _depthwise_windows(
    x: Any, window: Sequence[int], strides: tuple, pads: Pairs, dilations: tuple
) -> tuple[Any, Callable[[tuple[int, ...]], Any]]:
    """:func:`_strided_windows` over the spatial axes of ``x``."""
    return _strided_windows(
        x,
        (1, *window, 1),
        (1, *strides, 1),
        ((0, 0), *pads, (0, 0)),
        0,
        (1, *dilations, 1),
    )


def _at(pos: tuple[int, ...]) -> tuple[int, ...]:
    return (0, *pos, 0)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3, 4))
def _depthwise(x: Any, w: Any, strides: tuple, pads: Pairs, dilations: tuple) -> Any:
    *window, c_in, multiplier = w.shape
    _, at = _depthwise_windows(x, window, strides, pads, dilations)
    total = None
    for pos in _window_positions(window):
        term = at(_at(pos))[..., None] * w[pos]
        total = term if total is None else total + term
    assert total is not None
    return total.reshape(*total.shape[:-2], c_in * multiplier)


def _depthwise_fwd(
    x: Any, w: Any, strides: tuple, pads: Pairs, dilations: tuple
) -> tuple:
    return _depthwise(x, w, strides, pads, dilations), (x, w)


def _depthwise_bwd(
    strides: tuple, pads: Pairs, dilations: tuple, res: tuple, dy: Any
) -> tuple:
    x, w = res
    *window, c_in, multiplier = w.shape
    dy = dy.reshape(*dy.shape[:-1], c_in, multiplier)
    padded, _ = _depthwise_windows(x, window, strides, pads, dilations)
    positions = _window_positions(window)
    terms = {_at(pos): jnp.sum(dy * w[pos], axis=-1) for pos in positions}
    dx = _scatter_windows(
        terms,
        padded.shape,
        x.shape,
        (1, *strides, 1),
        ((0, 0), *pads, (0, 0)),
        (1, *dilations, 1),
    )
    # The filter gradient as XLA derives it for its grouped convolution: with
    # Eigen's convolutions (COMPILER_OPTIONS) 2.2x faster than the sum over window
    # positions of slices times dy (64x28x28x64, 3x3: 28 ms against 62).
    spec = jax.ShapeDtypeStruct(w.shape, w.dtype)
    flat_dy = dy.reshape(*dy.shape[:-2], c_in * multiplier)

    def forward(w: Any) -> Any:
        return depthwise_xla(x, w, strides, pads, dilations)

    dw = jax.linear_transpose(forward, spec)(flat_dy)[0]
    return dx, dw


_depthwise.defvjp(_depthwise_fwd, _depthwise_bwd)
