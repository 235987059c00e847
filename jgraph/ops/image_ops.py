"""Image ops, as TF1's ``image_ops``: resizing, flips, crops and pads, colour and
dtype conversions, brightness and contrast (random ones included).

Stage 2 of the pipeline (ops). Images are ``[height, width, channels]`` or batches
``[batch, height, width, channels]``; heights and widths must be known when the
graph is built (XLA compiles static shapes). Resizing follows TF1 1.15's kernels
without ``half_pixel_centers``: bilinear samples ``in = out * scale`` and nearest
takes ``floor(out * scale)`` (``round`` with ``align_corners``), where ``scale`` is
``in_size / out_size`` or, with ``align_corners``, ``(in - 1) / (out - 1)``.
Decoding and encoding (``decode_png``, ...) are not provided.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.ops.array_ops import (
    expand_dims,
    identity,
    pad,
    reverse,
    slice,
    squeeze,
    static_int,
    static_ints,
    tile,
    transpose,
)
from jgraph.ops.conversion import build, convert_to_tensor
from jgraph.ops.math_ops import (
    NUMBERS,
    add,
    cast,
    floordiv,
    less,
    maximum,
    multiply,
    reduce_mean,
    rsqrt,
    saturate_cast,
    sqrt,
    square,
    subtract,
    tensordot,
    truediv,
    where,
    where_v2,
)
from jgraph.ops.random_ops import random_uniform
from jgraph.ops.registry import op


class ResizeMethod(enum.IntEnum):
    """TF1's ``tf.image.ResizeMethod``."""

    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


def _image_rank(image: Tensor, what: str = "image") -> int:
    """The rank of ``image`` (3 or 4), with TF1's message otherwise."""
    ndims = image.shape.ndims
    if ndims is None or ndims not in (3, 4):
        raise ValueError(
            f"'{what}' (shape {image.shape}) must have either 3 or 4 dimensions."
        )
    return ndims


def _height_width(image: Tensor) -> tuple[int, int]:
    dims = image.shape.as_list()
    height, width = dims[-3], dims[-2]
    if height is None or width is None:
        raise ValueError(
            f"The height and width of images must be known when the graph is built,"
            f" got shape {image.shape}."
        )
    return height, width


def _scale(in_size: int, out_size: int, align_corners: bool) -> float:
    if align_corners and out_size > 1:
        return (in_size - 1) / (out_size - 1)
    return in_size / out_size


# -- resizing ------------------------------------------------------------------------


def _check_resize_input(images: Any, size: tuple[int, ...]) -> None:
    if images.ndim != 4:
        raise ValueError(f"images must be 4-dimensional, got rank {images.ndim}")
    if len(size) != 2 or any(s <= 0 for s in size):
        raise ValueError(f"size must be 2 positive ints, got {list(size)}")


def _resize_rule(float_output: bool) -> Any:
    """Images of unknown height or width (TF1's resize shape function): batch and
    channels kept, ``size`` the new height and width; the run resizes the fed size."""

    def rule(args: list[Any], attrs: dict[str, Any]) -> Any:
        (images,) = args
        if images.dims is None or len(images.dims) != 4:
            return None  # the impl reports it
        dims = images.shape.as_list()
        dtype = _dtypes.float32 if float_output else images.dtype
        return [(dtype, (dims[0], *attrs["size"], dims[3]))]

    return rule


@op("ResizeBilinear", dtypes=NUMBERS, shape_rule=_resize_rule(float_output=True))
def _resize_bilinear_impl(
    images: Any, *, size: tuple[int, int], align_corners: bool = False
) -> Any:
    _check_resize_input(images, size)
    x = images.astype(jnp.float32)
    for axis, out_size in ((1, size[0]), (2, size[1])):
        in_size = x.shape[axis]
        position = np.arange(out_size) * _scale(in_size, out_size, align_corners)
        low = np.floor(position).astype(np.int32)
        high = np.minimum(low + 1, in_size - 1)
        shape = [1, 1, 1, 1]
        shape[axis] = out_size
        lerp = jnp.asarray((position - low).reshape(shape), jnp.float32)
        below = jnp.take(x, low, axis=axis)
        above = jnp.take(x, high, axis=axis)
        x = below + (above - below) * lerp
    return x


@op(
    "ResizeNearestNeighbor",
    dtypes=NUMBERS,
    shape_rule=_resize_rule(float_output=False),
)
def _resize_nearest_impl(
    images: Any, *, size: tuple[int, int], align_corners: bool = False
) -> Any:
    _check_resize_input(images, size)
    x = images
    for axis, out_size in ((1, size[0]), (2, size[1])):
        in_size = x.shape[axis]
        position = np.arange(out_size) * _scale(in_size, out_size, align_corners)
        # C's roundf rounds halves away from zero (positions are >= 0).
        index = np.floor(position + 0.5) if align_corners else np.floor(position)
        x = jnp.take(x, np.minimum(index.astype(np.int32), in_size - 1), axis=axis)
    return x


def _size(size: Any) -> tuple[int, int]:
    dims = static_ints(size, "size")
    if len(dims) != 2:
        raise ValueError(f"'size' must be a 1-D Tensor of 2 elements, got {list(dims)}")
    if any(d <= 0 for d in dims):
        raise ValueError(f"'size' must be positive, got {list(dims)}")
    return dims[0], dims[1]


def _resize(
    impl: Callable[..., Any],
    images: Any,
    size: Any,
    align_corners: bool,
    name: str | None,
) -> Tensor:
    images = convert_to_tensor(images)
    rank = _image_rank(images, "images")
    batched = images if rank == 4 else expand_dims(images, 0)
    result = build(
        impl, batched, size=_size(size), align_corners=align_corners, name=name
    )
    return result if rank == 4 else squeeze(result, [0])


def resize_bilinear(
    images: Any,
    size: Any,
    align_corners: bool = False,
    name: str | None = None,
    half_pixel_centers: bool = False,
) -> Tensor:
    """Bilinear resize of ``[batch, height, width, channels]`` images to ``size``
    (``[new_height, new_width]``); the result is float32, as TF1."""
    if half_pixel_centers:
        raise NotImplementedError("half_pixel_centers=True is not supported.")
    return _resize(_resize_bilinear_impl, images, size, align_corners, name)


def resize_nearest_neighbor(
    images: Any,
    size: Any,
    align_corners: bool = False,
    name: str | None = None,
    half_pixel_centers: bool = False,
) -> Tensor:
    """Nearest-neighbour resize (the input dtype is kept), as TF1."""
    if half_pixel_centers:
        raise NotImplementedError("half_pixel_centers=True is not supported.")
    return _resize(_resize_nearest_impl, images, size, align_corners, name)


def resize_images(
    images: Any,
    size: Any,
    method: int = ResizeMethod.BILINEAR,
    align_corners: bool = False,
    preserve_aspect_ratio: bool = False,
) -> Tensor:
    """Resizes 3-D or 4-D ``images`` to ``size``, as TF1 ``tf.image.resize_images``.

    ``method``: ``BILINEAR`` or ``NEAREST_NEIGHBOR`` (bicubic and area are not
    provided). ``preserve_aspect_ratio`` scales to fit inside ``size``. Images that
    already have the target size are returned as they are (TF1).
    """
    images = convert_to_tensor(images)
    _image_rank(images, "images")
    height, width = _height_width(images)
    new_height, new_width = _size(size)
    if preserve_aspect_ratio:
        factor = min(new_height / height, new_width / width)
        # TF1 rounds half to even (math_ops.round).
        new_height = int(np.round(height * factor))
        new_width = int(np.round(width * factor))
    if (new_height, new_width) == (height, width):
        return images
    with get_default_graph().name_scope("resize"):
        if method == ResizeMethod.BILINEAR:
            return resize_bilinear(images, [new_height, new_width], align_corners)
        if method == ResizeMethod.NEAREST_NEIGHBOR:
            return resize_nearest_neighbor(
                images, [new_height, new_width], align_corners
            )
    raise ValueError(
        f"Resize method {method!r} is not supported (BILINEAR, NEAREST_NEIGHBOR)."
    )


# -- flips, rotations, crops, pads --------------------------------------------------


def _spatial_axis(image: Tensor, axis: int) -> int:
    """Axis ``axis`` of one image (0: height, 1: width) in ``image``'s layout."""
    return axis + (_image_rank(image) - 3)


def flip_left_right(image: Any) -> Tensor:
    """Reverses the width axis of 3-D or 4-D images."""
    image = convert_to_tensor(image)
    return reverse(image, [_spatial_axis(image, 1)], name="flip_left_right")


def flip_up_down(image: Any) -> Tensor:
    """Reverses the height axis of 3-D or 4-D images."""
    image = convert_to_tensor(image)
    return reverse(image, [_spatial_axis(image, 0)], name="flip_up_down")


def transpose_image(image: Any) -> Tensor:
    """Swaps height and width of 3-D or 4-D images."""
    image = convert_to_tensor(image)
    perm = [1, 0, 2] if _image_rank(image) == 3 else [0, 2, 1, 3]
    return transpose(image, perm, name="transpose_image")


def rot90(image: Any, k: Any = 1, name: str | None = None) -> Tensor:
    """Rotates images counter-clockwise by ``k`` quarter turns (``k`` static)."""
    image = convert_to_tensor(image)
    turns = static_int(k, "k") % 4
    h, w = _spatial_axis(image, 0), _spatial_axis(image, 1)
    with get_default_graph().name_scope(name or "rot90") as scope:
        if turns == 0:
            return identity(image, name=scope)
        if turns == 1:
            return reverse(transpose_image(image), [h], name=scope)
        if turns == 2:
            return reverse(image, [h, w], name=scope)
        return transpose_image(reverse(image, [h], name="flip"))


def crop_to_bounding_box(
    image: Any,
    offset_height: Any,
    offset_width: Any,
    target_height: Any,
    target_width: Any,
) -> Tensor:
    """The ``[target_height, target_width]`` window at the given offsets."""
    image = convert_to_tensor(image)
    rank = _image_rank(image)
    height, width = _height_width(image)
    top, left = (
        static_int(offset_height, "offset_height"),
        static_int(offset_width, "offset_width"),
    )
    rows, columns = (
        static_int(target_height, "target_height"),
        static_int(target_width, "target_width"),
    )
    for ok, message in (
        (left >= 0, "offset_width must be >= 0."),
        (top >= 0, "offset_height must be >= 0."),
        (columns > 0, "target_width must be > 0."),
        (rows > 0, "target_height must be > 0."),
        (width >= columns + left, "width must be >= target + offset."),
        (height >= rows + top, "height must be >= target + offset."),
    ):
        if not ok:
            raise ValueError(message)
    lead = [0] * (rank - 3)
    return slice(
        image,
        [*lead, top, left, 0],
        [*(-1 for _ in lead), rows, columns, -1],
        name="crop_to_bounding_box",
    )


def pad_to_bounding_box(
    image: Any,
    offset_height: Any,
    offset_width: Any,
    target_height: Any,
    target_width: Any,
) -> Tensor:
    """Zero-pads ``image`` to ``[target_height, target_width]``, placing it at the
    given offsets."""
    image = convert_to_tensor(image)
    rank = _image_rank(image)
    height, width = _height_width(image)
    top, left = (
        static_int(offset_height, "offset_height"),
        static_int(offset_width, "offset_width"),
    )
    rows, columns = (
        static_int(target_height, "target_height"),
        static_int(target_width, "target_width"),
    )
    bottom, right = rows - top - height, columns - left - width
    for ok, message in (
        (top >= 0, "offset_height must be >= 0"),
        (left >= 0, "offset_width must be >= 0"),
        (right >= 0, "width must be <= target - offset"),
        (bottom >= 0, "height must be <= target - offset"),
    ):
        if not ok:
            raise ValueError(message)
    paddings = [[0, 0]] * (rank - 3) + [[top, bottom], [left, right], [0, 0]]
    return pad(image, paddings, name="pad_to_bounding_box")


def resize_image_with_crop_or_pad(
    image: Any, target_height: Any, target_width: Any
) -> Tensor:
    """Centrally crops and/or zero-pads ``image`` to the target size, as TF1."""
    image = convert_to_tensor(image)
    _image_rank(image)
    height, width = _height_width(image)
    rows = static_int(target_height, "target_height")
    columns = static_int(target_width, "target_width")
    if rows <= 0 or columns <= 0:
        raise ValueError("target_height and target_width must be > 0.")
    height_diff, width_diff = rows - height, columns - width
    cropped = crop_to_bounding_box(
        image,
        max(-height_diff // 2, 0),
        max(-width_diff // 2, 0),
        min(rows, height),
        min(columns, width),
    )
    return pad_to_bounding_box(
        cropped, max(height_diff // 2, 0), max(width_diff // 2, 0), rows, columns
    )


def central_crop(image: Any, central_fraction: float) -> Tensor:
    """The central ``central_fraction`` (in ``(0, 1]``) of each image, as TF1."""
    if central_fraction <= 0.0 or central_fraction > 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    image = convert_to_tensor(image)
    _image_rank(image)
    if central_fraction == 1.0:
        return image
    height, width = _height_width(image)
    top = int((height - height * central_fraction) / 2)
    left = int((width - width * central_fraction) / 2)
    return crop_to_bounding_box(image, top, left, height - 2 * top, width - 2 * left)


# -- dtypes and colours ---------------------------------------------------------------


def convert_image_dtype(
    image: Any, dtype: Any, saturate: bool = False, name: str | None = None
) -> Tensor:
    """Converts ``image`` to ``dtype``, rescaling as TF1: floats are in ``[0, 1)``,
    integers in ``[0, MAX]``; ``saturate`` clips before casting to an integer type."""
    image = convert_to_tensor(image)
    source = image.dtype
    target = _dtypes.as_dtype(dtype)
    for d in (source, target):
        if not (d.is_integer or d.is_floating):
            raise AttributeError(f"Image dtype must be integer or float, got {d.name}")
    if source == target:
        return identity(image, name=name or "convert_image")
    with get_default_graph().name_scope(name or "convert_image") as scope:
        narrow = saturate_cast if saturate else cast
        if source.is_integer and target.is_integer:
            if source.max > target.max:
                factor = (source.max + 1) // (target.max + 1)
                return narrow(floordiv(image, factor), target, name=scope)
            widened = narrow(image, target)
            return multiply(widened, (target.max + 1) // (source.max + 1), name=scope)
        if source.is_floating and target.is_floating:
            return cast(image, target, name=scope)
        if source.is_integer:
            return multiply(cast(image, target), 1.0 / source.max, name=scope)
        scaled = multiply(image, target.max + 0.5)
        return narrow(scaled, target, name=scope)


def rgb_to_grayscale(images: Any, name: str | None = None) -> Tensor:
    """``[..., 3]`` RGB -> ``[..., 1]`` luma with TF1's weights (0.2989, 0.5870,
    0.1140), in the input's dtype."""
    images = convert_to_tensor(images)
    dims = images.shape.as_list() if images.shape.ndims is not None else None
    if not dims or dims[-1] != 3:
        raise ValueError(f"The last dimension of images must be 3, got {images.shape}")
    with get_default_graph().name_scope(name or "rgb_to_grayscale") as scope:
        floats = convert_image_dtype(images, _dtypes.float32)
        weights = convert_to_tensor([0.2989, 0.5870, 0.1140], _dtypes.float32)
        gray = expand_dims(tensordot(floats, weights, [[-1], [-1]]), -1)
        return convert_image_dtype(gray, images.dtype, name=scope)


def grayscale_to_rgb(images: Any, name: str | None = None) -> Tensor:
    """``[..., 1]`` -> ``[..., 3]`` by repeating the channel."""
    images = convert_to_tensor(images)
    dims = images.shape.as_list() if images.shape.ndims is not None else None
    if not dims or len(dims) < 2 or dims[-1] != 1:
        raise ValueError(
            f"The last dimension of images must be 1 (rank >= 2), got {images.shape}"
        )
    return tile(images, [1] * (len(dims) - 1) + [3], name=name or "grayscale_to_rgb")


def per_image_standardization(image: Any) -> Tensor:
    """``(x - mean) / max(stddev, 1 / sqrt(num_elements))`` per image, as float32."""
    image = convert_to_tensor(image)
    _image_rank(image)
    height, width = _height_width(image)
    channels = image.shape.as_list()[-1]
    if channels is None:
        raise ValueError(f"The channels of images must be known, got {image.shape}")
    with get_default_graph().name_scope("per_image_standardization") as scope:
        x = cast(image, _dtypes.float32)
        axes = [-1, -2, -3]
        mean = reduce_mean(x, axes, keepdims=True)
        variance = maximum(
            subtract(reduce_mean(square(x), axes, keepdims=True), square(mean)), 0.0
        )
        floor = rsqrt(convert_to_tensor(float(height * width * channels)))
        return truediv(subtract(x, mean), maximum(sqrt(variance), floor), name=scope)


# -- brightness and contrast ----------------------------------------------------------


_FLOAT_IMAGES = frozenset({_dtypes.float16, _dtypes.float32})


@op("AdjustContrastv2", same_dtype=False, dtypes=_FLOAT_IMAGES)
def _adjust_contrast_impl(images: Any, contrast_factor: Any) -> Any:
    if images.ndim < 3:
        raise ValueError(f"images must be at least 3-D, got rank {images.ndim}")
    if contrast_factor.ndim != 0:
        raise ValueError("contrast_factor must be scalar")
    x = images.astype(jnp.float32)
    mean = jnp.mean(x, axis=(-3, -2), keepdims=True)
    return ((x - mean) * contrast_factor + mean).astype(images.dtype)


def _in_float(image: Tensor, fn: Any, name: str) -> Tensor:
    """``fn`` applied to ``image`` converted to float32 (floats: as they are), the
    result converted back with saturation, as TF1's adjust_* ops."""
    with get_default_graph().name_scope(name) as scope:
        source = image.dtype
        floats = (
            image
            if source in _FLOAT_IMAGES
            else convert_image_dtype(image, _dtypes.float32)
        )
        adjusted = fn(floats)
        return convert_image_dtype(adjusted, source, saturate=True, name=scope)


def adjust_brightness(image: Any, delta: Any) -> Tensor:
    """Adds ``delta`` to images (in float ``[0, 1)`` units for integer images)."""
    image = convert_to_tensor(image)
    return _in_float(
        image,
        lambda x: add(x, convert_to_tensor(delta, x.dtype, name="delta")),
        "adjust_brightness",
    )


def adjust_contrast(images: Any, contrast_factor: Any) -> Tensor:
    """``(x - mean) * contrast_factor + mean`` per image and channel (op
    ``AdjustContrastv2``, computed in float32)."""
    images = convert_to_tensor(images)

    def adjust(x: Tensor) -> Tensor:
        factor = convert_to_tensor(contrast_factor, _dtypes.float32, name="factor")
        return build(_adjust_contrast_impl, x, factor)

    return _in_float(images, adjust, "adjust_contrast")


def _random_flip(image: Any, axis: int, seed: int | None, name: str) -> Tensor:
    image = convert_to_tensor(image)
    rank = _image_rank(image)
    with get_default_graph().name_scope(name) as scope:
        if rank == 3:
            shape: list[int] = []
        else:
            batch = image.shape.as_list()[0]
            if batch is None:
                raise ValueError(
                    f"{name} needs the batch size of 4-D images when the graph is"
                    f" built, got shape {image.shape}."
                )
            shape = [batch]
        flip = less(random_uniform(shape, 0, 1.0, seed=seed), 0.5)
        flipped = reverse(image, [_spatial_axis(image, axis)])
        # A scalar condition broadcasts (SelectV2); a vector one picks whole images.
        select = where_v2 if rank == 3 else where
        return select(flip, flipped, image, name=scope)


def random_flip_left_right(image: Any, seed: int | None = None) -> Tensor:
    """Flips each image left-right with probability 1/2 (per image for 4-D)."""
    return _random_flip(image, 1, seed, "random_flip_left_right")


def random_flip_up_down(image: Any, seed: int | None = None) -> Tensor:
    """Flips each image upside down with probability 1/2 (per image for 4-D)."""
    return _random_flip(image, 0, seed, "random_flip_up_down")


def random_brightness(image: Any, max_delta: float, seed: int | None = None) -> Tensor:
    """``adjust_brightness`` by a delta drawn from ``[-max_delta, max_delta)``."""
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    delta = random_uniform([], -max_delta, max_delta, seed=seed)
    return adjust_brightness(image, delta)


def random_contrast(
    image: Any, lower: float, upper: float, seed: int | None = None
) -> Tensor:
    """``adjust_contrast`` by a factor drawn from ``[lower, upper)``."""
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    factor = random_uniform([], lower, upper, seed=seed)
    return adjust_contrast(image, factor)
