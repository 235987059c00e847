"""jgraph.ops.image_ops against numpy: resizing checked against numpy versions of TF1
1.15's formulas, the rest against plain numpy; then random ops, TF1 names and bad
inputs."""

from __future__ import annotations

import numpy as np
import pytest

import jgraph as tf

from ._check import Case, check_op, params


def pixels(rng, shape, dtype):
    """uint8-range integers, or floats in [0, 1)."""
    dtype = tf.as_dtype(dtype)
    if dtype.is_integer:
        return rng.integers(0, min(dtype.max, 255) + 1, shape).astype(dtype.np)
    return rng.random(shape).astype(dtype.np)


def _scale(in_size, out_size, align_corners):
    if align_corners and out_size > 1:
        return (in_size - 1) / (out_size - 1)
    return in_size / out_size


def _bilinear_ref(images, size, align_corners=False):
    """TF1 1.15 ResizeBilinear without half_pixel_centers, loop by loop."""
    x = images.astype(np.float64)
    batched = x if x.ndim == 4 else x[None]
    n, height, width, channels = batched.shape
    out = np.zeros((n, *size, channels))
    sy, sx = (
        _scale(height, size[0], align_corners),
        _scale(width, size[1], align_corners),
    )
    for i in range(size[0]):
        fy = i * sy
        y0 = int(np.floor(fy))
        y1, dy = min(y0 + 1, height - 1), fy - y0
        for j in range(size[1]):
            fx = j * sx
            x0 = int(np.floor(fx))
            x1, dx = min(x0 + 1, width - 1), fx - x0
            top = batched[:, y0, x0] + (batched[:, y0, x1] - batched[:, y0, x0]) * dx
            bottom = batched[:, y1, x0] + (batched[:, y1, x1] - batched[:, y1, x0]) * dx
            out[:, i, j] = top + (bottom - top) * dy
    out = out.astype(np.float32)
    return out if images.ndim == 4 else out[0]


def _nearest_ref(images, size, align_corners=False):
    """TF1 1.15 ResizeNearestNeighbor: floor(out * scale), or roundf with corners."""
    batched = images if images.ndim == 4 else images[None]
    height, width = batched.shape[1:3]

    def index(out_size, in_size):
        scale = _scale(in_size, out_size, align_corners)
        pos = np.arange(out_size) * scale
        idx = np.floor(pos + 0.5) if align_corners else np.floor(pos)
        return np.minimum(idx.astype(int), in_size - 1)

    out = batched[:, index(size[0], height)][:, :, index(size[1], width)]
    return out if images.ndim == 4 else out[0]


def _standardize_ref(x):
    x = x.astype(np.float64)
    axes = (-3, -2, -1)
    mean = x.mean(axis=axes, keepdims=True)
    std = x.std(axis=axes, keepdims=True)
    count = np.prod(x.shape[-3:])
    return ((x - mean) / np.maximum(std, 1 / np.sqrt(count))).astype(np.float32)


def _grayscale_ref(x):
    weights = np.array([0.2989, 0.5870, 0.1140], np.float32)
    if x.dtype == np.uint8:
        floats = x.astype(np.float32) / 255
        return ((floats @ weights)[..., None] * 255.5).astype(np.uint8)
    return (x @ weights)[..., None].astype(x.dtype)


def _contrast_ref(x, factor):
    floats = x.astype(np.float32)
    mean = floats.mean(axis=(-3, -2), keepdims=True)
    return ((floats - mean) * factor + mean).astype(x.dtype)


def _rot90_ref(k):
    return lambda x: np.rot90(x, k, axes=(x.ndim - 3, x.ndim - 2))


IMAGE = (4, 5, 3)
BATCH = (2, 4, 5, 3)
PIXEL_DTYPES = (tf.float32, tf.uint8)

IMAGE_CASES = [
    Case(
        "ResizeBilinear",
        lambda x: tf.image.resize_bilinear(x, [7, 3]),
        lambda x: _bilinear_ref(x, (7, 3)),
        (BATCH,),
        dtypes=(tf.float32, tf.uint8, tf.int32),
        inputs=pixels,
        out_dtype=tf.float32,
    ),
    Case(
        "ResizeBilinear",
        lambda x: tf.image.resize_bilinear(x, [3, 8], align_corners=True),
        lambda x: _bilinear_ref(x, (3, 8), True),
        (BATCH,),
        inputs=pixels,
        out_dtype=tf.float32,
        id="align_corners",
    ),
    Case(
        "ResizeBilinear",
        lambda x: tf.image.resize_images(x, [6, 2]),
        lambda x: _bilinear_ref(x, (6, 2)),
        (IMAGE,),
        dtypes=(tf.float32, tf.uint8),
        inputs=pixels,
        out_dtype=tf.float32,
        unknown_dims=False,
        id="resize_images-3d",
    ),
    Case(
        "ResizeBilinear",
        lambda x: tf.image.resize_images(x, [8, 8], preserve_aspect_ratio=True),
        lambda x: _bilinear_ref(x, (6, 8)),
        (BATCH,),
        inputs=pixels,
        out_dtype=tf.float32,
        id="preserve_aspect_ratio",
    ),
    Case(
        "ResizeNearestNeighbor",
        lambda x: tf.image.resize_nearest_neighbor(x, [7, 3]),
        lambda x: _nearest_ref(x, (7, 3)),
        (BATCH,),
        dtypes=(tf.float32, tf.uint8, tf.int32),
        inputs=pixels,
    ),
    Case(
        "ResizeNearestNeighbor",
        lambda x: tf.image.resize_images(
            x, [3, 9], tf.image.ResizeMethod.NEAREST_NEIGHBOR, align_corners=True
        ),
        lambda x: _nearest_ref(x, (3, 9), True),
        (BATCH,),
        dtypes=(tf.float32, tf.uint8),
        inputs=pixels,
        id="align_corners",
    ),
    Case(
        "AdjustContrastv2",
        lambda x: tf.image.adjust_contrast(x, 1.7),
        lambda x: _contrast_ref(x, 1.7),
        (BATCH,),
        dtypes=(tf.float32,),
        inputs=pixels,
    ),
    Case(
        "AdjustContrastv2",
        lambda x: tf.image.adjust_contrast(x, 0.4),
        lambda x: np.clip(
            _contrast_ref(x.astype(np.float32) / 255, 0.4) * 255.5, 0, 255
        ).astype(np.uint8),
        (IMAGE,),
        dtypes=(tf.uint8,),
        inputs=pixels,
        id="uint8",
    ),
    Case(
        "Add",
        lambda x: tf.image.adjust_brightness(x, 0.25),
        lambda x: x + np.float32(0.25),
        (BATCH,),
        dtypes=(tf.float32,),
        inputs=pixels,
        id="adjust_brightness",
    ),
    Case(
        "Add",
        lambda x: tf.image.adjust_brightness(x, -0.2),
        lambda x: np.clip(
            (x / np.float32(255) - np.float32(0.2)) * 255.5, 0, 255
        ).astype(np.uint8),
        (IMAGE,),
        dtypes=(tf.uint8,),
        inputs=pixels,
        id="adjust_brightness-uint8",
    ),
    Case(
        "ReverseV2",
        tf.image.flip_left_right,
        lambda x: np.flip(x, -2),
        (IMAGE,),
        dtypes=PIXEL_DTYPES,
        inputs=pixels,
        id="flip_left_right",
    ),
    Case(
        "ReverseV2",
        tf.image.flip_up_down,
        lambda x: np.flip(x, -3),
        (BATCH,),
        dtypes=PIXEL_DTYPES,
        inputs=pixels,
        id="flip_up_down",
    ),
    Case(
        "Transpose",
        tf.image.transpose_image,
        lambda x: np.swapaxes(x, -3, -2),
        (BATCH,),
        dtypes=PIXEL_DTYPES,
        inputs=pixels,
        id="transpose_image",
    ),
    *(
        Case(
            "ReverseV2",
            lambda x, k=k: tf.image.rot90(x, k),
            _rot90_ref(k),
            (shape,),
            inputs=pixels,
            id=f"rot90-{k}-{len(shape)}d",
        )
        for k in (1, 2, 3, 4)
        for shape in (IMAGE, BATCH)
    ),
    Case(
        "Mean",
        tf.image.per_image_standardization,
        _standardize_ref,
        (BATCH,),
        dtypes=(tf.float32, tf.uint8),
        inputs=pixels,
        out_dtype=tf.float32,
        tol=10,
        id="per_image_standardization",
    ),
    Case(
        "Tensordot",
        tf.image.rgb_to_grayscale,
        _grayscale_ref,
        (BATCH,),
        dtypes=(tf.float32, tf.uint8),
        inputs=pixels,
        id="rgb_to_grayscale",
    ),
    Case(
        "Tile",
        tf.image.grayscale_to_rgb,
        lambda x: np.repeat(x, 3, axis=-1),
        ((4, 5, 1),),
        dtypes=PIXEL_DTYPES,
        inputs=pixels,
        id="grayscale_to_rgb",
    ),
    Case(
        "Mul",
        lambda x: tf.image.convert_image_dtype(x, tf.float32),
        lambda x: x.astype(np.float32) * np.float32(1 / 255),
        (IMAGE,),
        dtypes=(tf.uint8,),
        inputs=pixels,
        out_dtype=tf.float32,
        id="convert-uint8-float",
    ),
    Case(
        "Cast",
        lambda x: tf.image.convert_image_dtype(x, tf.uint8),
        lambda x: (x * np.float32(255.5)).astype(np.uint8),
        (IMAGE,),
        dtypes=(tf.float32,),
        inputs=pixels,
        out_dtype=tf.uint8,
        id="convert-float-uint8",
    ),
    Case(
        "Cast",
        lambda x: tf.image.convert_image_dtype(x * 1.5 - 0.2, tf.uint8, saturate=True),
        lambda x: np.clip(
            (x * np.float32(1.5) - np.float32(0.2)) * np.float32(255.5), 0, 255
        ).astype(np.uint8),
        (IMAGE,),
        dtypes=(tf.float32,),
        inputs=pixels,
        out_dtype=tf.uint8,
        id="convert-saturate",
    ),
    Case(
        "FloorDiv",
        lambda x: tf.image.convert_image_dtype(x, tf.uint8),
        lambda x: (x // (2**31 // 2**8)).astype(np.uint8),
        (IMAGE,),
        dtypes=(tf.int32,),
        inputs=lambda rng, shape, dtype: rng.integers(0, 2**31 - 1, shape).astype(
            np.int32
        ),
        out_dtype=tf.uint8,
        id="convert-int32-uint8",
    ),
    Case(
        "Mul",
        lambda x: tf.image.convert_image_dtype(x, tf.int32),
        lambda x: x.astype(np.int32) * (2**31 // 2**8),
        (IMAGE,),
        dtypes=(tf.uint8,),
        inputs=pixels,
        out_dtype=tf.int32,
        id="convert-uint8-int32",
    ),
    Case(
        "Slice",
        lambda x: tf.image.crop_to_bounding_box(x, 1, 2, 2, 3),
        lambda x: x[..., 1:3, 2:5, :],
        (BATCH,),
        dtypes=PIXEL_DTYPES,
        inputs=pixels,
        id="crop_to_bounding_box",
    ),
    Case(
        "Slice",
        lambda x: tf.image.central_crop(x, 0.5),
        lambda x: x[..., 1:3, 1:4, :],
        (IMAGE,),
        inputs=pixels,
        unknown_dims=False,
        id="central_crop",
    ),
    Case(
        "PadV2",
        lambda x: tf.image.pad_to_bounding_box(x, 1, 2, 6, 8),
        lambda x: np.pad(x, [(0, 0)] * (x.ndim - 3) + [(1, 1), (2, 1), (0, 0)]),
        (BATCH,),
        dtypes=PIXEL_DTYPES,
        inputs=pixels,
        id="pad_to_bounding_box",
    ),
    Case(
        "PadV2",
        lambda x: tf.image.resize_image_with_crop_or_pad(x, 7, 2),
        lambda x: np.pad(x[:, 1:3], [(1, 2), (0, 0), (0, 0)]),
        (IMAGE,),
        inputs=pixels,
        unknown_dims=False,
        id="resize_image_with_crop_or_pad",
    ),
]


@pytest.mark.parametrize("case", params(IMAGE_CASES))
def test_op_matches_numpy(case: Case) -> None:
    check_op(case)


# -- random ops ----------------------------------------------------------------------------


def test_random_flips_flip_whole_images_and_vary_per_image() -> None:
    tf.set_random_seed(3)
    images = np.arange(16 * 2 * 3 * 1, dtype=np.float32).reshape(16, 2, 3, 1)
    flipped = tf.image.random_flip_left_right(tf.constant(images))
    upside = tf.image.random_flip_up_down(tf.constant(images[0]), seed=1)
    assert flipped.shape.as_list() == [16, 2, 3, 1]
    with tf.Session() as sess:
        runs = [sess.run([flipped, upside]) for _ in range(4)]
    seen = set()
    for batch, single in runs:
        for got, image in zip(batch, images, strict=True):
            same = np.array_equal(got, image)
            assert same or np.array_equal(got, image[:, ::-1])
            seen.add(same)
        assert np.array_equal(single, images[0]) or np.array_equal(
            single, images[0][::-1]
        )
    assert seen == {True, False}, "16 images x 4 runs should include both outcomes"


def test_random_brightness_and_contrast_stay_in_range() -> None:
    image = np.random.default_rng(0).random((4, 5, 3)).astype(np.float32)
    x = tf.constant(image)
    bright = tf.image.random_brightness(x, 0.3, seed=2)
    contrast = tf.image.random_contrast(x, 0.5, 1.5, seed=2)
    with tf.Session() as sess:
        for _ in range(3):
            b, c = sess.run([bright, contrast])
            delta = b - image
            assert np.allclose(delta, delta.flat[0], atol=1e-6)
            assert -0.3 <= delta.flat[0] < 0.3
            mean = image.mean(axis=(0, 1))
            factor = (c - mean) / (image - mean)
            assert np.allclose(factor, factor.flat[0], rtol=1e-3)
            assert 0.5 <= factor.flat[0] < 1.5


# -- TF1 names and bad inputs ------------------------------------------------------------


def test_op_types_and_dtypes_follow_tf1() -> None:
    images = tf.placeholder(tf.uint8, [None, 4, 6, 3])
    bilinear = tf.image.resize_images(images, [2, 3])
    nearest = tf.image.resize_images(images, [2, 3], method=1)
    assert (bilinear.op.type, bilinear.dtype) == ("ResizeBilinear", tf.float32)
    assert (nearest.op.type, nearest.dtype) == ("ResizeNearestNeighbor", tf.uint8)
    assert tf.image.resize_images(images, [4, 6]) is images  # same size: unchanged
    assert bilinear.shape.as_list() == [None, 2, 3, 3]
    gray = tf.image.rgb_to_grayscale(images)
    assert (gray.dtype, gray.shape.as_list()) == (tf.uint8, [None, 4, 6, 1])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: tf.image.resize_images(tf.zeros([4, 5]), [2, 2]), "3 or 4 dimensions"),
        (lambda: tf.image.resize_images(tf.zeros([4, 5, 3]), [2]), "2 elements"),
        (lambda: tf.image.resize_bilinear(tf.zeros([1, 4, 5, 3]), [0, 2]), "positive"),
        (
            lambda: tf.image.resize_images(tf.zeros([4, 5, 3]), [2, 2], method=2),
            "not supported",
        ),
        (
            lambda: tf.image.resize_images(
                tf.placeholder(tf.float32, [1, None, 5, 3]), [2, 2]
            ),
            "must be known",
        ),
        (lambda: tf.image.flip_left_right(tf.zeros([4, 5])), "3 or 4 dimensions"),
        (
            lambda: tf.image.crop_to_bounding_box(tf.zeros([4, 5, 3]), 0, 3, 2, 3),
            "width must be >= target \\+ offset",
        ),
        (
            lambda: tf.image.crop_to_bounding_box(tf.zeros([4, 5, 3]), -1, 0, 2, 3),
            "offset_height must be >= 0",
        ),
        (
            lambda: tf.image.pad_to_bounding_box(tf.zeros([4, 5, 3]), 2, 0, 5, 5),
            "height must be <= target - offset",
        ),
        (lambda: tf.image.central_crop(tf.zeros([4, 5, 3]), 0.0), "within \\(0, 1\\]"),
        (lambda: tf.image.rgb_to_grayscale(tf.zeros([4, 5, 4])), "must be 3"),
        (lambda: tf.image.grayscale_to_rgb(tf.zeros([4, 5, 3])), "must be 1"),
        (lambda: tf.image.random_brightness(tf.zeros([4, 5, 3]), -0.1), "non-negative"),
        (
            lambda: tf.image.random_contrast(tf.zeros([4, 5, 3]), 0.5, 0.5),
            "upper must be > lower",
        ),
        (
            lambda: tf.image.random_flip_left_right(
                tf.placeholder(tf.float32, [None, 4, 5, 3])
            ),
            "batch size",
        ),
    ],
)
def test_bad_inputs_raise_clear_errors(build, message) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_adjust_contrast_rejects_integer_op_inputs() -> None:
    with pytest.raises(TypeError, match="AdjustContrastv2"):
        from jgraph.ops.conversion import build
        from jgraph.ops.image_ops import _adjust_contrast_impl

        build(_adjust_contrast_impl, tf.zeros([2, 2, 1], tf.int32), 1.0)
