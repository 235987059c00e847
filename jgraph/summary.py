"""``tf.summary``: summary ops, the TensorBoard ``FileWriter`` and the graph export.

A client of the core (see DESIGN.md). Summary ops are ordinary graph ops whose
numbers are computed inside the one jitted function of a run: a scalar's value, a
histogram's bucket counts, an image batch already converted to ``uint8``, audio
already quantised to 16 bits. Their outputs are string tensors, as in TF1; the
serialized ``Summary`` protobuf is built on the host after the call by a host
finalizer (``_registry.HOST_FINALIZERS``), so ``sess.run(summary_op)`` returns
``bytes`` like TF1 while large tensors never travel to the host.

``FileWriter`` writes those bytes (and the graph, as a ``GraphDef`` with scoped
names, so TensorBoard groups nodes by name scope) to an event file with
tensorboardX's event writer. Image (PNG) and audio (WAV) encoding happen on the
host, off the jitted path.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import logging
import os
import re
import socket
import threading
import time
import wave
import weakref
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from google.protobuf.message import Message
from tensorboardX.event_file_writer import EventsWriter
from tensorboardX.proto import (
    attr_value_pb2 as _attr_value_pb2,
    event_pb2 as _event_pb2,
    graph_pb2 as _graph_pb2,
    node_def_pb2 as _node_def_pb2,
    summary_pb2 as _summary_pb2,
    tensor_pb2 as _tensor_pb2,
    tensor_shape_pb2 as _tensor_shape_pb2,
    types_pb2 as _types_pb2,
    versions_pb2 as _versions_pb2,
)

from jgraph import _dtypes, errors
from jgraph._graph import Graph, GraphKeys, Operation, Tensor, get_default_graph
from jgraph._registry import (
    HOST_FINALIZERS,
    constant_value,
    convert_to_tensor,
    is_known,
    op,
)

# NOTE: protobuf makes its message classes at run time, so type checkers cannot see
# them: the generated modules are typed ``Any``, and so are the public aliases.
attr_value_pb2: Any = _attr_value_pb2
event_pb2: Any = _event_pb2
graph_pb2: Any = _graph_pb2
node_def_pb2: Any = _node_def_pb2
summary_pb2: Any = _summary_pb2
tensor_pb2: Any = _tensor_pb2
tensor_shape_pb2: Any = _tensor_shape_pb2
types_pb2: Any = _types_pb2
versions_pb2: Any = _versions_pb2

# The protobuf messages of TF1's ``tf.summary`` namespace (tensorboardX's copies);
# annotations name their common base, ``Message``.
Summary: Any = summary_pb2.Summary
SummaryMetadata: Any = summary_pb2.SummaryMetadata
Event: Any = event_pb2.Event
SessionLog: Any = event_pb2.SessionLog
TaggedRunMetadata: Any = event_pb2.TaggedRunMetadata
GraphDef: Any = graph_pb2.GraphDef

_log = logging.getLogger(__name__)


def _string_output(specs: Any, attrs: dict[str, Any]) -> list[tuple[Any, Any]]:
    """Every summary op has one scalar string output: its serialized Summary."""
    return [(_dtypes.string, ())]


# -- tags and scopes -----------------------------------------------------------------

_INVALID_TAG_CHARACTERS = re.compile(r"[^-/\w\.]")


def _clean_tag(name: str | None) -> str | None:
    """TF1's tag cleaning: illegal characters become ``_``, leading ``/`` go."""
    if name is None:
        return None
    cleaned = _INVALID_TAG_CHARACTERS.sub("_", name).lstrip("/")
    if cleaned != name:
        _log.info("Summary name %s is illegal; using %s instead.", name, cleaned)
    return cleaned


@contextlib.contextmanager
def _summary_scope(
    graph: Graph, name: str, family: str | None
) -> Iterator[tuple[str, str]]:
    """TF1's ``summary_scope``: opens a name scope for the summary and yields
    ``(tag, scope)``; the tag is the scope's full name, so it carries the enclosing
    name scopes and is unique like an op name (``loss``, ``loss_1``)."""
    name = _clean_tag(name) or ""
    if not name:
        raise ValueError("A summary needs a non-empty name.")
    family = _clean_tag(family)
    base = name if family is None else f"{family}/{name}"
    with graph.as_default(), graph.name_scope(base) as scope:
        tag = scope.rstrip("/")
        yield (tag if family is None else f"{family}/{tag}"), scope


def _graph_of(value: Any) -> Graph:
    """The graph of a Tensor or Variable; the default graph for Python values."""
    as_tensor = getattr(value, "_as_tensor", None)
    tensor = as_tensor() if as_tensor is not None else value
    return tensor.graph if isinstance(tensor, Tensor) else get_default_graph()


def _collect(
    graph: Graph, tensor: Tensor, collections: Sequence[str] | None, default: list
) -> None:
    for key in default if collections is None else collections:
        graph.add_to_collection(key, tensor)


def _check_real(tensor: Tensor, what: str) -> None:
    dtype = tensor.dtype
    if not (dtype.is_floating or dtype.is_integer):
        raise TypeError(
            f"{what} needs a real numeric tensor; '{tensor.name}' has dtype"
            f" {dtype.name}."
        )


# -- scalar --------------------------------------------------------------------------


@op("ScalarSummary", same_dtype=False, shape_fn=_string_output)
def _scalar_summary_impl(values: Any, *, tag: str) -> Any:
    """Device part: the value as float32 (what ``simple_value`` stores)."""
    return values.astype(jnp.float32)


def _finalize_scalar(op_: Operation, payload: Any) -> bytes:
    value = np.asarray(payload)
    if value.shape != ():
        raise errors.InvalidArgumentError(
            None,
            op_,
            f"tags and values not the same shape: [] != {list(value.shape)} (tag"
            f" '{op_.attrs['tag']}')",
        )
    summary = Summary(
        value=[Summary.Value(tag=op_.attrs["tag"], simple_value=float(value))]
    )
    return summary.SerializeToString()


def scalar(
    name: str,
    tensor: Any,
    collections: Sequence[str] | None = None,
    family: str | None = None,
) -> Tensor:
    """A summary of one real number, as TF1 ``tf.summary.scalar``.

    Args:
      name: the summary's name; its tag is the name with the enclosing name
        scopes (``train/loss``).
      tensor: a real numeric scalar tensor (a Variable works too).
      collections: collections to add the summary to (default ``[SUMMARIES]``).
      family: optional prefix for the tag, shown as a TensorBoard tab.

    Returns:
      A scalar string tensor; running it gives a serialized ``Summary`` (bytes).

    Raises:
      ValueError: when the tensor's shape is known and not a scalar.
      TypeError: when it is not real numeric.

    >>> import jgraph as tf
    >>> tf.summary.scalar("loss", tf.constant(0.5)).op.type  # doctest: +SKIP
    'ScalarSummary'
    """
    graph = _graph_of(tensor)
    with _summary_scope(graph, name, family) as (tag, scope):
        tensor = convert_to_tensor(tensor, graph=graph)
        _check_real(tensor, "tf.summary.scalar")
        if tensor._dims is not None and tensor._dims != ():
            raise ValueError(
                f"tf.summary.scalar '{tag}' needs a scalar tensor; '{tensor.name}'"
                f" has shape {tensor.shape}."
            )
        summary = _scalar_summary_impl(tensor, tag=tag, _tags=(tag,), name=scope)
    _collect(graph, summary, collections, [GraphKeys.SUMMARIES])
    return summary


# -- histogram -----------------------------------------------------------------------


def _default_bucket_limits() -> np.ndarray:
    """TF1's default histogram buckets: +-1e-12 growing by 10% up to +-1e20, the
    largest doubles at both ends, and 0 in the middle."""
    positive = []
    limit = 1.0e-12
    while limit < 1.0e20:
        positive.append(limit)
        limit *= 1.1
    positive.append(np.finfo(np.float64).max)
    negative = [-v for v in reversed(positive)]
    return np.array([*negative, 0.0, *positive], np.float64)


_BUCKET_LIMITS = _default_bucket_limits()
# The same edges for the device, in float32; the outermost ones (+-DBL_MAX) are
# +-inf there, which counts the same values.
_BUCKET_LIMITS_F32 = np.concatenate(
    [[-np.inf], _BUCKET_LIMITS[1:-1].astype(np.float32), [np.inf]]
).astype(np.float32)


@op("HistogramSummary", same_dtype=False, shape_fn=_string_output)
def _histogram_summary_impl(values: Any, *, tag: str) -> dict[str, Any]:
    """Device part: min, max, sum, sum of squares and TF1's bucket counts, so only
    ~1.5k counts travel to the host whatever the tensor's size."""
    x = jnp.ravel(values).astype(jnp.float32)
    finite = jnp.isfinite(x)
    clean = jnp.where(finite, x, 0.0)
    # TF1 (Histogram::Add): a value goes to the first bucket whose limit exceeds it.
    # (The unrolled binary search is ~25% faster on CPU than the default loop.)
    index = jnp.searchsorted(
        jnp.asarray(_BUCKET_LIMITS_F32), clean, side="right", method="scan_unrolled"
    )
    counts = (
        jnp.zeros(_BUCKET_LIMITS.shape, jnp.int32)
        .at[index]
        .add(finite.astype(jnp.int32))
    )
    return {
        "min": jnp.min(jnp.where(finite, x, jnp.inf), initial=jnp.inf),
        "max": jnp.max(jnp.where(finite, x, -jnp.inf), initial=-jnp.inf),
        "sum": jnp.sum(clean),
        "sum_squares": jnp.sum(clean * clean),
        "counts": counts,
        "nonfinite": jnp.sum(~finite),
    }


def _finalize_histogram(op_: Operation, payload: Any) -> bytes:
    host = jax.device_get(payload)
    tag = op_.attrs["tag"]
    if host["nonfinite"]:
        raise errors.InvalidArgumentError(
            None, op_, f"Nan in summary histogram for: {tag}"
        )
    counts = np.asarray(host["counts"], np.float64)
    # TF1's EncodeToProto: each run of empty buckets collapses into its last one.
    empty = counts == 0
    keep = ~empty | np.append(~empty[1:], True)
    limits, kept = _BUCKET_LIMITS[keep], counts[keep]
    num = float(counts.sum())
    dbl_max = float(np.finfo(np.float64).max)
    histo = summary_pb2.HistogramProto(
        min=float(host["min"]) if num else dbl_max,
        max=float(host["max"]) if num else -dbl_max,
        num=num,
        sum=float(host["sum"]),
        sum_squares=float(host["sum_squares"]),
        bucket_limit=limits.tolist(),
        bucket=kept.tolist(),
    )
    return Summary(value=[Summary.Value(tag=tag, histo=histo)]).SerializeToString()


def histogram(
    name: str,
    values: Any,
    collections: Sequence[str] | None = None,
    family: str | None = None,
) -> Tensor:
    """A histogram summary of a tensor's values, as TF1 ``tf.summary.histogram``.

    Buckets are TF1's default ones (exponential, 10% apart). Non-finite values
    make the run fail with ``InvalidArgumentError``, as in TF1.

    Args:
      name: the summary's name (the tag carries the enclosing name scopes).
      values: a real numeric tensor of any shape.
      collections: collections to add the summary to (default ``[SUMMARIES]``).
      family: optional tag prefix.

    Returns:
      A scalar string tensor; running it gives a serialized ``Summary`` (bytes).

    TF1 difference: the statistics are computed in float32 on the device.
    """
    graph = _graph_of(values)
    with _summary_scope(graph, name, family) as (tag, scope):
        values = convert_to_tensor(values, graph=graph)
        _check_real(values, "tf.summary.histogram")
        summary = _histogram_summary_impl(values, tag=tag, _tags=(tag,), name=scope)
    _collect(graph, summary, collections, [GraphKeys.SUMMARIES])
    return summary


# -- image ---------------------------------------------------------------------------

_BAD_COLOR = (255, 0, 0, 255)


@op("ImageSummary", same_dtype=False, shape_fn=_string_output)
def _image_summary_impl(
    tensor: Any, *, tag: str, max_images: int = 3, bad_color: tuple = _BAD_COLOR
) -> Any:
    """Device part: the first ``max_images`` images as uint8, normalised like TF1."""
    images = tensor[:max_images]
    if images.dtype == jnp.uint8:
        return images
    x = images.astype(jnp.float32)
    finite = jnp.isfinite(x)
    axes = (1, 2, 3)
    low = jnp.min(jnp.where(finite, x, jnp.inf), axis=axes, keepdims=True)
    high = jnp.max(jnp.where(finite, x, -jnp.inf), axis=axes, keepdims=True)
    # TF1 (NormalizeFloatImage), per image: with negative values 0 maps to 128 and
    # the largest magnitude to 1 or 255; else the maximum maps to 255.
    max_abs = jnp.maximum(jnp.abs(low), jnp.abs(high))
    signed = low < 0
    scale = jnp.where(
        signed,
        jnp.where(max_abs < 1e-6, 0.0, 127.0 / max_abs),
        jnp.where(high < 1e-6, 0.0, 255.0 / high),
    )
    offset = jnp.where(signed, 128.0, 0.0)
    pixels = (jnp.where(finite, x, 0.0) * scale + offset).astype(jnp.uint8)
    bad_pixel = ~jnp.all(finite, axis=-1, keepdims=True)
    bad = jnp.asarray(bad_color[: images.shape[-1]], jnp.uint8)
    return jnp.where(bad_pixel, bad, pixels)


def _encode_png(image: np.ndarray) -> bytes:
    from PIL import Image  # pillow: imported only when an image summary is written

    pixels = image[:, :, 0] if image.shape[-1] == 1 else image
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="PNG")
    return buffer.getvalue()


def _finalize_image(op_: Operation, payload: Any) -> bytes:
    images = np.asarray(payload)
    tag = op_.attrs["tag"]
    if images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
        raise errors.InvalidArgumentError(
            None,
            op_,
            f"Tensor must be 4-D with last dim 1, 3, or 4, not {list(images.shape)}"
            f" (tag '{tag}')",
        )
    many = op_.attrs["max_images"] > 1
    values = []
    for i, image in enumerate(images):
        height, width, channels = image.shape
        encoded = Summary.Image(
            height=height,
            width=width,
            colorspace=channels,
            encoded_image_string=_encode_png(image),
        )
        values.append(
            Summary.Value(
                tag=f"{tag}/image/{i}" if many else f"{tag}/image", image=encoded
            )
        )
    return Summary(value=values).SerializeToString()


def image(
    name: str,
    tensor: Any,
    max_outputs: int = 3,
    collections: Sequence[str] | None = None,
    family: str | None = None,
) -> Tensor:
    """An image summary, as TF1 ``tf.summary.image``.

    Float images are converted to uint8 per image as TF1 does: if all values are
    non-negative they are scaled so the largest is 255; otherwise 0 maps to 128
    and the largest magnitude to 1 or 255. Non-finite pixels are drawn red.

    Args:
      name: the summary's name; tags are ``<tag>/image/<i>`` (``<tag>/image`` when
        ``max_outputs`` is 1).
      tensor: a 4-D ``[batch, height, width, channels]`` tensor, channels 1, 3
        or 4, of dtype uint8, float16, float32 or float64.
      max_outputs: the most images to summarise (the first ones of the batch).
      collections: collections to add the summary to (default ``[SUMMARIES]``).
      family: optional tag prefix.

    Returns:
      A scalar string tensor; running it gives a serialized ``Summary`` (bytes).
    """
    graph = _graph_of(tensor)
    with _summary_scope(graph, name, family) as (tag, scope):
        tensor = convert_to_tensor(tensor, graph=graph)
        if not (tensor.dtype is _dtypes.uint8 or tensor.dtype.is_floating):
            raise TypeError(
                f"tf.summary.image needs a uint8 or float tensor; '{tensor.name}' has"
                f" dtype {tensor.dtype.name}."
            )
        dims = tensor._dims
        if dims is not None and (
            len(dims) != 4 or (is_known(dims[3]) and dims[3] not in (1, 3, 4))
        ):
            raise ValueError(
                f"tf.summary.image '{tag}' needs a 4-D [batch, height, width,"
                f" channels] tensor with 1, 3 or 4 channels; '{tensor.name}' has"
                f" shape {tensor.shape}."
            )
        if int(max_outputs) < 1:
            raise ValueError(f"max_outputs must be at least 1, got {max_outputs}.")
        summary = _image_summary_impl(
            tensor, tag=tag, max_images=int(max_outputs), _tags=(tag,), name=scope
        )
    _collect(graph, summary, collections, [GraphKeys.SUMMARIES])
    return summary


# -- audio ---------------------------------------------------------------------------


@op("AudioSummaryV2", same_dtype=False, shape_fn=_string_output)
def _audio_summary_impl(
    tensor: Any, sample_rate: Any, *, tag: str, max_outputs: int = 3
) -> dict[str, Any]:
    """Device part: the first clips as 16-bit samples ``[clips, frames, channels]``."""
    clips = tensor[:max_outputs].astype(jnp.float32)
    if clips.ndim == 2:
        clips = clips[:, :, None]
    # TF1 (wav_io FloatToInt16Sample): round half away from zero, then clamp.
    scaled = clips * 32768.0
    rounded = jnp.sign(scaled) * jnp.floor(jnp.abs(scaled) + 0.5)
    samples = jnp.clip(rounded, -32768, 32767).astype(jnp.int16)
    return {"samples": samples, "sample_rate": sample_rate.astype(jnp.float32)}


def _encode_wav(samples: np.ndarray, sample_rate: float) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(samples.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(round(sample_rate))
        wav.writeframes(samples.astype("<i2").tobytes())
    return buffer.getvalue()


def _finalize_audio(op_: Operation, payload: Any) -> bytes:
    host = jax.device_get(payload)
    samples, sample_rate = np.asarray(host["samples"]), float(host["sample_rate"])
    tag = op_.attrs["tag"]
    if sample_rate <= 0:
        raise errors.InvalidArgumentError(
            None, op_, f"sample_rate must be positive, got {sample_rate} (tag '{tag}')"
        )
    many = op_.attrs["max_outputs"] > 1
    values = []
    for i, clip in enumerate(samples):
        frames, channels = clip.shape
        audio_proto = Summary.Audio(
            sample_rate=sample_rate,
            num_channels=channels,
            length_frames=frames,
            encoded_audio_string=_encode_wav(clip, sample_rate),
            content_type="audio/wav",
        )
        values.append(
            Summary.Value(
                tag=f"{tag}/audio/{i}" if many else f"{tag}/audio", audio=audio_proto
            )
        )
    return Summary(value=values).SerializeToString()


def audio(
    name: str,
    tensor: Any,
    sample_rate: Any,
    max_outputs: int = 3,
    collections: Sequence[str] | None = None,
    family: str | None = None,
) -> Tensor:
    """An audio summary, as TF1 ``tf.summary.audio``: clips as 16-bit WAV.

    Args:
      name: the summary's name; tags are ``<tag>/audio/<i>`` (``<tag>/audio`` when
        ``max_outputs`` is 1).
      tensor: float32 ``[batch, frames, channels]`` or ``[batch, frames]`` samples
        in ``[-1, 1]`` (values outside are clipped).
      sample_rate: samples per second (a number or a scalar float tensor).
      max_outputs: the most clips to summarise (the first ones of the batch).
      collections: collections to add the summary to (default ``[SUMMARIES]``).
      family: optional tag prefix.

    Returns:
      A scalar string tensor; running it gives a serialized ``Summary`` (bytes).
    """
    graph = _graph_of(tensor)
    with _summary_scope(graph, name, family) as (tag, scope):
        tensor = convert_to_tensor(tensor, graph=graph)
        if not tensor.dtype.is_floating:
            raise TypeError(
                f"tf.summary.audio needs a float tensor; '{tensor.name}' has dtype"
                f" {tensor.dtype.name}."
            )
        if tensor._dims is not None and len(tensor._dims) not in (2, 3):
            raise ValueError(
                f"tf.summary.audio '{tag}' needs a [batch, frames] or [batch, frames,"
                f" channels] tensor; '{tensor.name}' has shape {tensor.shape}."
            )
        if int(max_outputs) < 1:
            raise ValueError(f"max_outputs must be at least 1, got {max_outputs}.")
        rate = convert_to_tensor(sample_rate, graph=graph)
        if not (rate.dtype.is_floating or rate.dtype.is_integer) or rate._dims != ():
            raise ValueError(
                f"sample_rate of tf.summary.audio '{tag}' must be a scalar number;"
                f" got {rate}."
            )
        summary = _audio_summary_impl(
            tensor,
            rate,
            tag=tag,
            max_outputs=int(max_outputs),
            _tags=(tag,),
            name=scope,
        )
    _collect(graph, summary, collections, [GraphKeys.SUMMARIES])
    return summary


# -- tensors and text ----------------------------------------------------------------


@op(
    "TensorSummaryV2",
    same_dtype=False,
    static_inputs=("tensor",),
    shape_fn=_string_output,
)
def _tensor_summary_impl(
    tensor: Any,
    *,
    tag: str,
    dtype: Any,
    serialized_summary_metadata: bytes = b"",
) -> Any:
    """Device part: the tensor itself; a constant (strings always are) was folded
    into the ``tensor`` attr when the graph was built, and nothing travels."""
    # A folded constant arrives as a Python value (no shape); an array is computed.
    return tensor if hasattr(tensor, "shape") else {}


def _tensor_proto(array: np.ndarray, dtype: _dtypes.DType) -> Message:
    shape = _shape_proto(array.shape)
    if dtype is _dtypes.string:
        flat = [v if isinstance(v, bytes) else str(v).encode() for v in array.flat]
        return tensor_pb2.TensorProto(
            dtype=types_pb2.DT_STRING, tensor_shape=shape, string_val=flat
        )
    little = np.ascontiguousarray(array, dtype.np.newbyteorder("<"))
    return tensor_pb2.TensorProto(
        dtype=_data_type(dtype), tensor_shape=shape, tensor_content=little.tobytes()
    )


def _finalize_tensor(op_: Operation, payload: Any) -> bytes:
    dtype = op_.attrs["dtype"]
    if isinstance(payload, dict):  # folded when the graph was built
        array = np.array(op_.attrs["tensor"], dtype.np)
    else:
        array = np.asarray(payload)
    value = Summary.Value(tag=op_.attrs["tag"], tensor=_tensor_proto(array, dtype))
    metadata = op_.attrs["serialized_summary_metadata"]
    if metadata:
        value.metadata.ParseFromString(metadata)
    return Summary(value=[value]).SerializeToString()


def tensor_summary(
    name: str,
    tensor: Any,
    summary_description: str | None = None,
    collections: Sequence[str] | None = None,
    summary_metadata: Message | None = None,
    family: str | None = None,
    display_name: str | None = None,
) -> Tensor:
    """A summary holding a whole tensor, as TF1 ``tf.summary.tensor_summary``.

    Args:
      name: the summary's name (the tag carries the enclosing name scopes).
      tensor: a numeric tensor, or a string tensor known when the graph is built.
      summary_description: optional description stored in the metadata.
      collections: collections to add the summary to (default ``[SUMMARIES]``).
      summary_metadata: a ``SummaryMetadata`` proto (e.g. naming a plugin).
      family: optional tag prefix.
      display_name: optional display name stored in the metadata.

    Returns:
      A scalar string tensor; running it gives a serialized ``Summary`` (bytes).

    TF1 difference: string tensors must be constants (jgraph computes no strings
    inside a run); anything else raises ``ValueError`` when the graph is built.
    """
    metadata = SummaryMetadata()
    if summary_metadata is not None:
        metadata.CopyFrom(summary_metadata)
    if display_name is not None:
        metadata.display_name = display_name
    if summary_description is not None:
        metadata.summary_description = summary_description
    return _tensor_summary(name, tensor, metadata, collections, family)


def _tensor_summary(
    name: str,
    tensor: Any,
    metadata: Message,
    collections: Sequence[str] | None,
    family: str | None,
    *,
    text: bool = False,
) -> Tensor:
    graph = _graph_of(tensor)
    with _summary_scope(graph, name, family) as (tag, scope):
        tensor = convert_to_tensor(tensor, graph=graph)
        if text and tensor.dtype is not _dtypes.string:
            raise ValueError(
                f"Expected tensor {tensor.name} to have dtype string, got"
                f" {tensor.dtype.name}"
            )
        if tensor.dtype is _dtypes.string and constant_value(tensor) is None:
            raise ValueError(
                f"The string tensor '{tensor.name}' of summary '{tag}' must be known"
                " when the graph is built (a constant): jgraph computes no strings"
                " inside a run."
            )
        summary = _tensor_summary_impl(
            tensor,
            tag=tag,
            dtype=tensor.dtype,
            serialized_summary_metadata=metadata.SerializeToString(),
            _tags=(tag,),
            name=scope,
        )
    _collect(graph, summary, collections, [GraphKeys.SUMMARIES])
    return summary


def text(name: str, tensor: Any, collections: Sequence[str] | None = None) -> Tensor:
    """A text summary (Markdown, shown in TensorBoard's Text tab), as TF1
    ``tf.summary.text``.

    Args:
      name: the summary's name (the tag carries the enclosing name scopes).
      tensor: a string tensor (or Python string) known when the graph is built.
      collections: collections to add the summary to (default ``[SUMMARIES]``).

    Returns:
      A scalar string tensor; running it gives a serialized ``Summary`` (bytes).

    Raises:
      ValueError: when ``tensor`` is not a string tensor, or not a constant.

    TF1 difference: the text must be a constant (see :func:`tensor_summary`).
    """
    metadata = SummaryMetadata(
        plugin_data=SummaryMetadata.PluginData(plugin_name="text")
    )
    return _tensor_summary(name, tensor, metadata, collections, None, text=True)


# -- merge ---------------------------------------------------------------------------


@op("MergeSummary", list_input="inputs", shape_fn=_string_output)
def _merge_summary_impl(inputs: list) -> dict[int, Any]:
    """Device part: the payloads of the merged summaries, finalized on the host."""
    return dict(enumerate(inputs))


def _finalize_merge(op_: Operation, payload: Any) -> bytes:
    # A Summary has only one (repeated) field, so concatenated serialized Summaries
    # are the serialized merged Summary.
    return b"".join(
        HOST_FINALIZERS[t.op.type](t.op, payload[i]) for i, t in enumerate(op_.inputs)
    )


def merge(
    inputs: Sequence[Any],
    collections: Sequence[str] | None = None,
    name: str | None = None,
) -> Tensor:
    """Merges summaries into one, as TF1 ``tf.summary.merge``.

    Args:
      inputs: summary tensors (outputs of ``tf.summary.*`` or other merges).
      collections: collections to add the merged summary to (default none).
      name: name scope of the op (default ``Merge``).

    Returns:
      A scalar string tensor; running it gives one serialized ``Summary`` (bytes)
      with the values of all inputs.

    Raises:
      TypeError: when an input is not a summary.
      ValueError: when two inputs use the same tag.

    TF1 difference: a duplicate tag fails when the graph is built, not when it runs.
    """
    tensors = [convert_to_tensor(t) for t in inputs]
    tags: list[str] = []
    for tensor in tensors:
        if tensor.op.type not in _SUMMARY_TYPES:
            raise TypeError(
                f"tf.summary.merge can merge summaries only; '{tensor.name}' is the"
                f" output of a {tensor.op.type} op."
            )
        tags.extend(tensor.op.attrs["_tags"])
    duplicates = sorted({t for t in tags if tags.count(t) > 1})
    if duplicates:
        raise ValueError(f"Duplicate tag(s) {duplicates} in the summaries to merge.")
    graph = tensors[0].graph if tensors else get_default_graph()
    with graph.as_default(), graph.name_scope(name or "Merge"):
        merged = _merge_summary_impl(tensors, _tags=tuple(tags), name=name)
    _collect(graph, merged, collections, [])
    return merged


def merge_all(
    key: str = GraphKeys.SUMMARIES, scope: str | None = None, name: str | None = None
) -> Tensor | None:
    """Merges all summaries of collection ``key``, as TF1 ``tf.summary.merge_all``.

    Returns:
      The merged summary tensor, or ``None`` when the collection is empty.
    """
    summaries = get_default_graph().get_collection(key, scope=scope)
    if not summaries:
        return None
    return merge(summaries, name=name)


_FINALIZERS = {
    "ScalarSummary": _finalize_scalar,
    "HistogramSummary": _finalize_histogram,
    "ImageSummary": _finalize_image,
    "AudioSummaryV2": _finalize_audio,
    "TensorSummaryV2": _finalize_tensor,
    "MergeSummary": _finalize_merge,
}
_SUMMARY_TYPES = frozenset(_FINALIZERS)
HOST_FINALIZERS.update(_FINALIZERS)


# -- the graph as a GraphDef ---------------------------------------------------------

_DATA_TYPES = {
    "float16": types_pb2.DT_HALF,
    "bfloat16": types_pb2.DT_BFLOAT16,
    "float32": types_pb2.DT_FLOAT,
    "float64": types_pb2.DT_DOUBLE,
    "int8": types_pb2.DT_INT8,
    "int16": types_pb2.DT_INT16,
    "int32": types_pb2.DT_INT32,
    "int64": types_pb2.DT_INT64,
    "uint8": types_pb2.DT_UINT8,
    "uint16": types_pb2.DT_UINT16,
    # tensorboardX's types.proto predates these; TF1 numbers them 22 and 23.
    "uint32": 22,
    "uint64": 23,
    "bool": types_pb2.DT_BOOL,
    "string": types_pb2.DT_STRING,
}
# Const values up to this many bytes go into the GraphDef; larger ones keep only
# their dtype and shape (TensorBoard shows the attr; it never needs the numbers).
_MAX_CONST_BYTES = 1024


def _data_type(dtype: _dtypes.DType) -> int:
    return _DATA_TYPES[dtype.name]


def _shape_proto(dims: Sequence[Any] | None) -> Message:
    if dims is None:
        return tensor_shape_pb2.TensorShapeProto(unknown_rank=True)
    return tensor_shape_pb2.TensorShapeProto(
        dim=[
            tensor_shape_pb2.TensorShapeProto.Dim(size=int(d) if is_known(d) else -1)
            for d in dims
        ]
    )


def _attr_value(value: Any) -> Message | None:
    """An op attribute as an ``AttrValue``; ``None`` for kinds a GraphDef can't hold."""
    if isinstance(value, _dtypes.DType):
        return attr_value_pb2.AttrValue(type=_data_type(value))
    if isinstance(value, np.ndarray):
        dtype = _dtypes.as_dtype(value.dtype)
        if value.nbytes > _MAX_CONST_BYTES:
            proto = tensor_pb2.TensorProto(
                dtype=_data_type(dtype), tensor_shape=_shape_proto(value.shape)
            )
        else:
            proto = _tensor_proto(value, dtype)
        return attr_value_pb2.AttrValue(tensor=proto)
    scalar_value = _scalar_attr(value)
    if scalar_value is not None:
        return attr_value_pb2.AttrValue(**scalar_value)
    if isinstance(value, list | tuple):
        items = [_scalar_attr(v) for v in value]
        kinds = {kind for item in items if item is not None for kind in item}
        if any(item is None for item in items) or len(kinds) > 1:
            return None
        listed = {kind: [item[kind] for item in items if item] for kind in kinds}
        return attr_value_pb2.AttrValue(
            list=attr_value_pb2.AttrValue.ListValue(**listed)
        )
    return None


def _scalar_attr(value: Any) -> dict[str, Any] | None:
    if isinstance(value, bool | np.bool_):
        return {"b": bool(value)}
    if isinstance(value, int | np.integer):
        return {"i": int(value)} if -(2**63) <= value < 2**63 else None
    if isinstance(value, float | np.floating):
        return {"f": float(value)}
    if isinstance(value, str):
        return {"s": value.encode()}
    if isinstance(value, bytes):
        return {"s": value}
    if isinstance(value, _dtypes.DType):
        return {"type": _data_type(value)}
    return None


def _input_name(tensor: Tensor) -> str:
    index = tensor.value_index
    return tensor.op.name if index == 0 else f"{tensor.op.name}:{index}"


def _node_def(op_: Operation, add_shapes: bool) -> Message:
    node = node_def_pb2.NodeDef(
        name=op_.name,
        op=op_.type,
        input=[_input_name(t) for t in op_.inputs]
        + [f"^{c.name}" for c in op_.control_inputs],
        device=op_.device,
    )
    for key, value in op_.attrs.items():
        if key.startswith("_") or value is None:
            continue
        if key == "shape" and op_.outputs:  # Placeholder, VariableV2: the real shape
            node.attr[key].CopyFrom(
                attr_value_pb2.AttrValue(shape=_shape_proto(op_.outputs[0]._dims))
            )
            continue
        attr = _attr_value(value)
        if attr is not None:
            node.attr[key].CopyFrom(attr)
    if "T" not in node.attr and "dtype" not in node.attr:
        typed = op_.inputs or op_.outputs
        if typed:
            key = "T" if op_.inputs else "dtype"
            node.attr[key].CopyFrom(
                attr_value_pb2.AttrValue(type=_data_type(typed[0].dtype))
            )
    if add_shapes and op_.outputs:
        shapes = [_shape_proto(t._dims) for t in op_.outputs]
        node.attr["_output_shapes"].CopyFrom(
            attr_value_pb2.AttrValue(
                list=attr_value_pb2.AttrValue.ListValue(shape=shapes)
            )
        )
    return node


def graph_def(graph: Graph | None = None, add_shapes: bool = True) -> Message:
    """The graph as a ``GraphDef`` protobuf, as TF1 ``graph.as_graph_def()``.

    One ``NodeDef`` per op, in creation order, with its scoped name (TensorBoard
    groups nodes by name scope), op type, inputs (``op``, ``op:1``; control inputs
    as ``^op``), device and attributes: the op's static attributes, ``T`` or
    ``dtype``, Const values (small ones) and, with ``add_shapes``, each output's
    shape in ``_output_shapes`` (unknown dims as -1) for the edges.

    Args:
      graph: the graph (default: the default graph).
      add_shapes: add the ``_output_shapes`` attribute.

    >>> import jgraph as tf
    >>> graph = tf.Graph()
    >>> with graph.as_default():
    ...     _ = tf.constant(1.0, name="one")
    >>> [node.name for node in graph_def(graph).node]
    ['one']
    """
    return _make_graph_def(
        graph if graph is not None else get_default_graph(), add_shapes
    )


def _make_graph_def(graph: Graph, add_shapes: bool) -> Message:
    nodes = [_node_def(op_, add_shapes) for op_ in graph.get_operations()]
    return GraphDef(node=nodes, versions=versions_pb2.VersionDef(producer=22))


# -- writing event files -------------------------------------------------------------


def _as_summary(summary: Any) -> Message:
    if isinstance(summary, bytes | np.bytes_):
        parsed = Summary()
        parsed.ParseFromString(bytes(summary))
        return parsed
    if isinstance(summary, Summary):
        return summary
    serialize = getattr(summary, "SerializeToString", None)
    if serialize is None:
        raise TypeError(
            "add_summary takes a serialized Summary (bytes, what running a summary op"
            f" returns) or a Summary proto, got {type(summary).__name__}."
        )
    return Summary.FromString(serialize())  # a Summary from another protobuf module


class FileWriter:
    """Writes summaries and the graph to an event file for TensorBoard, as TF1
    ``tf.summary.FileWriter``.

    Args:
      logdir: directory for the event file (created if missing).
      graph: a ``Graph`` to write (``sess.graph``), or ``None``.
      max_queue: accepted for TF1 compatibility (see below).
      flush_secs: how often, in seconds, buffered events are flushed to disk.
      graph_def: a ``GraphDef`` to write instead of ``graph`` (TF1's deprecated form).
      filename_suffix: appended to the event file's name.
      session: not supported (raises ``NotImplementedError``).

    >>> import tempfile, jgraph as tf
    >>> with tf.summary.FileWriter(tempfile.mkdtemp()) as writer:  # doctest: +SKIP
    ...     writer.add_summary(summary_bytes, global_step=0)

    TF1 difference: events are encoded and buffered in the calling thread (no
    writer thread); the buffer is flushed when ``flush_secs`` have passed at the
    next ``add_*`` call, on ``flush()`` and on ``close()``, so ``max_queue`` is
    unused. ``flush()`` returns only when every event added before it is on disk.
    """

    def __init__(
        self,
        logdir: str | os.PathLike,
        graph: Graph | Message | None = None,
        max_queue: int = 10,
        flush_secs: float = 120,
        graph_def: Message | None = None,
        filename_suffix: str | None = None,
        session: Any = None,
    ) -> None:
        if session is not None:
            raise NotImplementedError(
                "FileWriter(session=...) (TF1's session-based summary writer) is not"
                " supported by jgraph; leave `session` out."
            )
        self._logdir = os.fspath(logdir)
        self._max_queue = max_queue
        self._flush_secs = float(flush_secs)
        self._suffix = filename_suffix or ""
        self._lock = threading.Lock()
        self._seen_tags: set[str] = set()
        self._events: EventsWriter | None = None
        self._open()
        _open_writers.add(self)
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def _open(self) -> None:
        os.makedirs(self._logdir, exist_ok=True)
        suffix = self._suffix
        # Two writers opened in the same second would pick the same file name (and
        # the second would truncate the first's file): make the name unique.
        host = socket.gethostname()
        count = 0
        while os.path.exists(
            os.path.join(
                self._logdir,
                f"events.out.tfevents.{str(time.time())[:10]}.{host}{suffix}",
            )
        ):
            count += 1
            suffix = f"{self._suffix}.{os.getpid()}.{count}"
        self._events = EventsWriter(os.path.join(self._logdir, "events"), suffix)
        self._last_flush = time.monotonic()

    def get_logdir(self) -> str:
        """The directory the event file is in."""
        return self._logdir

    def add_event(self, event: Message) -> None:
        """Adds an ``Event`` protobuf to the event file."""
        with self._lock:
            if self._events is None:
                raise RuntimeError(
                    f"FileWriter for '{self._logdir}' is closed; call reopen() first."
                )
            self._events.write_event(event)
            if time.monotonic() - self._last_flush >= self._flush_secs:
                self._flush_locked()

    def _add_event(self, event: Any, step: Any) -> None:
        event.wall_time = time.time()
        if step is not None:
            event.step = int(step)
        self.add_event(event)

    def add_summary(self, summary: Any, global_step: Any = None) -> None:
        """Adds a summary: the bytes ``sess.run(summary_op)`` returned, or a
        ``Summary`` proto, at step ``global_step``.

        As TF1, plugin metadata is kept only on the first value of each tag.
        """
        summary = _as_summary(summary)
        for value in summary.value:
            if not value.HasField("metadata"):
                continue
            if value.tag in self._seen_tags:
                value.ClearField("metadata")
            else:
                self._seen_tags.add(value.tag)
        self._add_event(Event(summary=summary), global_step)

    def add_graph(
        self,
        graph: Graph | Message | None,
        global_step: Any = None,
        graph_def: Message | None = None,
    ) -> None:
        """Adds a graph (a ``Graph``, or a ``GraphDef``) for TensorBoard's Graphs tab."""
        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph or graph_def, but not both.")
        proto: Any = graph if graph is not None else graph_def
        if isinstance(proto, Graph):
            proto = _make_graph_def(proto, add_shapes=True)
        elif proto is None:
            raise ValueError("add_graph needs a graph or a graph_def.")
        elif not hasattr(proto, "SerializeToString"):
            raise TypeError(
                "add_graph takes a jgraph Graph or a GraphDef protobuf, got"
                f" {type(proto).__name__}."
            )
        self._add_event(Event(graph_def=proto.SerializeToString()), global_step)

    def add_session_log(self, session_log: Message, global_step: Any = None) -> None:
        """Adds a ``SessionLog`` (e.g. ``SessionLog(status=SessionLog.START)``)."""
        self._add_event(Event(session_log=session_log), global_step)

    def add_run_metadata(
        self, run_metadata: Any, tag: str, global_step: Any = None
    ) -> None:
        """Adds serialized ``RunMetadata`` (bytes or a proto) under ``tag``."""
        data = (
            run_metadata
            if isinstance(run_metadata, bytes)
            else run_metadata.SerializeToString()
        )
        tagged = TaggedRunMetadata(tag=tag, run_metadata=data)
        self._add_event(Event(tagged_run_metadata=tagged), global_step)

    def flush(self) -> None:
        """Writes every event added so far to disk."""
        with self._lock:
            if self._events is not None:
                self._flush_locked()

    def _flush_locked(self) -> None:
        assert self._events is not None
        self._events.flush()
        self._last_flush = time.monotonic()

    def close(self) -> None:
        """Flushes and closes the event file; ``reopen()`` starts a new one."""
        with self._lock:
            if self._events is not None:
                self._events.close()
                self._events = None

    def reopen(self) -> None:
        """After ``close()``, continues writing into a new event file in ``logdir``."""
        with self._lock:
            if self._events is None:
                self._open()

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# Writers still open when the program ends are closed, so buffered events reach disk.
_open_writers: weakref.WeakSet[FileWriter] = weakref.WeakSet()


@atexit.register
def _close_open_writers() -> None:
    for writer in list(_open_writers):
        writer.close()


class FileWriterCache:
    """One ``FileWriter`` per log directory, shared, as TF1 ``FileWriterCache``."""

    _cache: ClassVar[dict[str, FileWriter]] = {}
    _lock = threading.Lock()

    @staticmethod
    def get(logdir: str | os.PathLike) -> FileWriter:
        """The cached writer for ``logdir`` (made, with the default graph, if new)."""
        key = os.fspath(logdir)
        with FileWriterCache._lock:
            writer = FileWriterCache._cache.get(key)
            if writer is None:
                writer = FileWriter(key, graph=get_default_graph())
                FileWriterCache._cache[key] = writer
            return writer

    @staticmethod
    def clear() -> None:
        """Closes and forgets all cached writers."""
        with FileWriterCache._lock:
            for writer in FileWriterCache._cache.values():
                writer.close()
            FileWriterCache._cache.clear()


__all__ = [
    "Event",
    "FileWriter",
    "FileWriterCache",
    "GraphDef",
    "SessionLog",
    "Summary",
    "SummaryMetadata",
    "TaggedRunMetadata",
    "audio",
    "graph_def",
    "histogram",
    "image",
    "merge",
    "merge_all",
    "scalar",
    "tensor_summary",
    "text",
]
