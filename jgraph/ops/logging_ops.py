"""Printing ops, as TF1's ``logging_ops``: ``tf.Print`` (op ``Print``) and
``tf.print`` (op ``PrintV2``).

Stage 2 of the pipeline (ops). Both print from inside the compiled run, through
``jax.debug.callback``: the text appears every time the op runs, with that run's
values, formatted on the host as TF1 formats them. Their ``OpDef`` says so
(``host_callback``): they are never folded to constants nor evaluated while the
graph is built or traced, so a print of a constant prints on every run too.

TF1 differences: string tensors cannot be printed (printing happens inside the
compiled run; strings are computed on the host): put text in ``message``, or
pass Python strings to ``tf.print``.
``tf.print`` formats inside ``PrintV2`` (TF1 adds a ``StringFormat`` op), and its
``log(...)`` streams write to the ``"jgraph"`` logger (see ``tf.logging``).
"""

from __future__ import annotations

import pprint
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import jax
import numpy as np

from jgraph import logging as tf_logging
from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import Operation
from jgraph.graph.tensor import Tensor
from jgraph.ops.conversion import build, convert_to_tensor
from jgraph.ops.registry import op

if TYPE_CHECKING:
    from jgraph.compile.interpreter import Interpreter

# -- TF1's tensor formatting (tensorflow/core/framework/tensor.cc) --------------------


def _element(value: Any, dtype: np.dtype) -> str:
    """One element as TF1's ``StrCat`` writes it: shortest ``%g`` that round-trips
    (6 then 9 digits for 32-bit floats, 15 then 17 for doubles); bools as 1/0."""
    if dtype.kind == "b":
        return "1" if value else "0"
    if dtype.kind in "iu":
        return str(int(value))
    number = float(value)
    if dtype == np.float64:
        short, narrow = f"{number:.15g}", np.float64
        long = f"{number:.17g}"
    else:
        short, narrow = f"{number:.6g}", np.float32
        long = f"{number:.9g}"
    if np.isnan(number) or narrow(short) == narrow(number):
        return short
    return long


def summarize_v1(values: np.ndarray, summarize: int) -> str:
    """``Tensor::SummarizeValue`` as ``tf.Print`` uses it: the first ``summarize``
    elements (all if negative) in nested brackets, then ``...`` if there are more.

    >>> summarize_v1(np.arange(5), 3)
    '0 1 2...'
    >>> summarize_v1(np.arange(6).reshape(2, 3), 3)
    '[0 1 2]...'
    """
    flat = values.reshape(-1)
    limit = flat.size if summarize < 0 else min(summarize, flat.size)
    if values.ndim == 0:
        text = " ".join(_element(v, values.dtype) for v in flat[:limit])
        return text + ("..." if flat.size > limit else "")
    out: list[str] = []
    position = 0

    def one_dim(index: int) -> None:
        nonlocal position
        if position >= limit:
            return
        if index == values.ndim - 1:
            for i in range(values.shape[index]):
                if position >= limit:
                    if index != 0:
                        out.append("...")
                    return
                if i > 0:
                    out.append(" ")
                out.append(_element(flat[position], values.dtype))
                position += 1
            return
        for _ in range(values.shape[index]):
            opened = position < limit
            if opened:
                out.append("[")
            one_dim(index + 1)
            if opened:
                out.append("]")

    one_dim(0)
    if flat.size > limit:
        out.append("...")
    return "".join(out)


def summarize_v2(values: np.ndarray, summarize: int) -> str:
    """``Tensor::SummarizeValue`` as ``tf.print`` uses it: numpy-like nested
    brackets with the first and last ``summarize`` entries of each dimension (all
    if negative) and ``...`` between them.

    >>> summarize_v2(np.arange(10), 3)
    '[0 1 2 ... 7 8 9]'
    >>> print(summarize_v2(np.array([[1.0, 0.5], [0.1, -2.0]]), 3))
    [[1 0.5]
     [0.1 -2]]
    """
    if values.ndim == 0:
        return _element(values.reshape(()), values.dtype)
    flat = values.reshape(-1)
    edge = flat.size if summarize < 0 else min(summarize, flat.size)
    out: list[str] = []

    def spacing(index: int) -> None:
        if index == values.ndim - 1:
            out.append(" ")
        else:
            out.append("\n" * (values.ndim - index - 1) + " " * (index + 1))

    def one_dim(index: int, offset: int) -> None:
        if index == values.ndim:
            out.append(_element(flat[offset], values.dtype))
            return
        out.append("[")
        count = values.shape[index]
        step = int(np.prod(values.shape[index + 1 :]))
        for i in range(min(edge, count)):
            if i > 0:
                spacing(index)
            one_dim(index + 1, offset + step * i)
        if count > 2 * edge:
            spacing(index)
            out.append("...")
        for i in range(max(edge, count - edge), count):
            spacing(index)
            one_dim(index + 1, offset + step * i)
        out.append("]")

    one_dim(0, 0)
    return "".join(out)


# -- output streams ------------------------------------------------------------------

_LOG_STREAMS = {
    "log(info)": tf_logging.INFO,
    "log(warning)": tf_logging.WARN,
    "log(error)": tf_logging.ERROR,
}


def _stream_name(output_stream: Any) -> str:
    """TF1's ``PrintV2`` ``output_stream`` attr for an ``output_stream`` argument."""
    if output_stream is sys.stdout or output_stream is sys.__stdout__:
        return "stdout"
    if output_stream is sys.stderr or output_stream is sys.__stderr__:
        return "stderr"
    by_logger = {
        tf_logging.info: "log(info)",
        tf_logging.INFO: "log(info)",
        tf_logging.warning: "log(warning)",
        tf_logging.WARN: "log(warning)",
        tf_logging.error: "log(error)",
        tf_logging.ERROR: "log(error)",
    }
    if isinstance(output_stream, str):
        if output_stream in ("stdout", "stderr", *_LOG_STREAMS) or (
            output_stream.startswith("file://")
        ):
            return output_stream
    elif callable(output_stream) or isinstance(output_stream, int):
        name = by_logger.get(output_stream)
        if name is not None:
            return name
    raise ValueError(
        f"Unsupported output stream, logging level, or file: {output_stream!r}."
        " Use sys.stdout, sys.stderr, tf.logging.info/warning/error (or their"
        " levels), or a 'file://' path."
    )


def _write(stream: str, text: str, end: str) -> None:
    """Writes one printed line where ``stream`` (an ``output_stream`` attr) says."""
    if stream in _LOG_STREAMS:
        tf_logging.get_logger().log(_LOG_STREAMS[stream], "%s", text)
    elif stream.startswith("file://"):
        with open(stream[len("file://") :], "a", encoding="utf-8") as file:
            file.write(text + end)
    else:
        target = sys.stdout if stream == "stdout" else sys.stderr
        target.write(text + end)
        target.flush()


def _printable(value: Any, what: str, op_type: str) -> Tensor:
    tensor = convert_to_tensor(value)
    if tensor.dtype is _dtypes.string:
        raise TypeError(
            f"{op_type}: cannot print the string tensor {tensor.name} ({what}):"
            " jgraph prints from inside the compiled run, and computes strings on"
            " the host. Put the text in the message (tf.Print) or pass a Python"
            " string (tf.print)."
        )
    return tensor


# -- tf.Print ------------------------------------------------------------------------


def _print_spec(specs: Any, attrs: dict[str, Any]) -> list[tuple[Any, Any]]:
    spec = specs[0]
    return [(attrs["_dtype"], None if spec is None else tuple(spec.shape))]


@op(
    "Print",
    list_input="data",
    same_dtype=False,
    needs_context=True,
    host_callback=True,
    shape_fn=_print_spec,
)
def _print_impl(
    ctx: Interpreter,
    input: Any,
    data: Sequence[Any],
    *,
    message: str = "",
    first_n: int = -1,
    summarize: int = 3,
) -> Any:
    printed = ctx.op.attrs["_printed"]  # this op's count, kept across runs

    def emit(*values: np.ndarray) -> None:
        if first_n >= 0:
            if printed[0] >= first_n:
                return
            printed[0] += 1
        parts = (f"[{summarize_v1(np.asarray(v), summarize)}]" for v in values)
        _write("stderr", message + "".join(parts), "\n")

    # Prints in the forward pass only: differentiation goes through the JVP rule,
    # so a gradient recomputing this op does not print again (TF1 prints once).
    @jax.custom_jvp
    def passthrough(x: Any, *values: Any) -> Any:
        jax.debug.callback(emit, *values)
        return x

    @passthrough.defjvp
    def passthrough_jvp(primals: Any, tangents: Any) -> Any:
        return primals[0], tangents[0]

    return passthrough(input, *data)


def Print(
    input_: Any,
    data: Any,
    message: str | None = None,
    first_n: int | None = None,
    summarize: int | None = None,
    name: str | None = None,
) -> Tensor:
    """``input_`` unchanged; running it prints ``message`` and the values of the
    tensors in ``data`` to stderr, as TF1 ``tf.Print`` (``message[v1 v2 v3...]``).

    Args:
      input_: the tensor passed through.
      data: the tensors to print (a list; a single tensor is taken as one).
      message: printed before the values.
      first_n: print only on the first ``first_n`` runs of this op (all if
        ``None`` or negative).
      summarize: print at most this many entries of each tensor (3 if ``None``,
        all if negative).
      name: op name.

    Only runs that compute ``input_``'s result print (wire the result into the
    graph, as in TF1).
    """
    tensor = _printable(input_, "input_", "Print")
    items = data if isinstance(data, list | tuple) else [data]
    tensors = [_printable(item, "data", "Print") for item in items]
    return build(
        _print_impl,
        tensor,
        tensors,
        message="" if message is None else str(message),
        first_n=-1 if first_n is None else int(first_n),
        summarize=3 if summarize is None else int(summarize),
        _dtype=tensor.dtype,
        _printed=[0],
        name=name,
    )


# -- tf.print ------------------------------------------------------------------------


@op(
    "PrintV2",
    list_input="inputs",
    same_dtype=False,
    host_callback=True,
    shape_fn=lambda specs, attrs: [],
)
def _print_v2_impl(
    inputs: Sequence[Any],
    *,
    template: tuple[str, ...],
    summarize: int = 3,
    output_stream: str = "stderr",
    end: str = "\n",
) -> None:

    def emit(*values: np.ndarray) -> None:
        texts = (summarize_v2(np.asarray(v), summarize) for v in values)
        pieces = [template[0]]
        for text, piece in zip(texts, template[1:], strict=True):
            pieces += [text, piece]
        _write(output_stream, "".join(pieces), end)

    jax.debug.callback(emit, *inputs)


def _is_tensor(value: Any) -> bool:
    return isinstance(value, Tensor) or hasattr(value, "_as_tensor")


def _replace_tensors(structure: Any, replace: Any) -> Any:
    """``structure`` (nested lists, tuples, dicts) with each tensor ``replace(t)``."""
    if _is_tensor(structure):
        return replace(structure)
    if isinstance(structure, list | tuple):
        return type(structure)(_replace_tensors(v, replace) for v in structure)
    if isinstance(structure, dict):
        return {k: _replace_tensors(v, replace) for k, v in structure.items()}
    return structure


def _template(inputs: Sequence[Any], sep: str) -> tuple[tuple[str, ...], list[Any]]:
    """TF1's print template: strings as they are, other Python values and
    structures through ``pprint.pformat``, each tensor a slot. Returns the text
    between the slots and the tensors in slot order."""
    free = " ".join(
        v if isinstance(v, str) else pprint.pformat(_replace_tensors(v, lambda t: ""))
        for v in inputs
    )
    mark = "{}"
    while mark in free:
        mark += "#"
    tensors: list[Any] = []

    def slot(tensor: Any) -> str:
        tensors.append(tensor)
        return f"{mark}{len(tensors) - 1}{mark}"

    texts = []
    for value in inputs:
        if isinstance(value, str):
            texts.append(value)
        elif _is_tensor(value):
            texts.append(slot(value))
        else:
            text = pprint.pformat(_replace_tensors(value, slot))
            texts.append(
                re.sub(f"'({re.escape(mark)}\\d+{re.escape(mark)})'", r"\1", text)
            )
    pattern = re.compile(f"{re.escape(mark)}(\\d+){re.escape(mark)}")
    parts = pattern.split(sep.join(texts))
    order = [int(i) for i in parts[1::2]]
    return tuple(parts[0::2]), [tensors[i] for i in order]


def print_v2(
    *inputs: Any,
    output_stream: Any = "stderr",
    summarize: int | None = 3,
    sep: str = " ",
    end: str = "\n",
    name: str | None = None,
) -> Operation:
    """An op that prints ``inputs`` each time it runs, as TF1 ``tf.print``.

    Tensors print as nested brackets with the first and last ``summarize``
    entries per dimension (3 if ``None``, all if -1); Python strings as they
    are, other Python values as ``pprint`` writes them; joined by ``sep`` and
    followed by ``end``.

    Args:
      inputs: tensors, Python values, and lists/tuples/dicts of them.
      output_stream: ``sys.stderr`` (the default), ``sys.stdout``,
        ``tf.logging.info``/``warning``/``error`` (or their levels), or a
        ``"file://path"`` to append to.
      summarize: entries shown at each end of every dimension.
      sep: separator between inputs.
      end: written after the line (not for logging streams).
      name: op name.

    Returns:
      The ``PrintV2`` operation: run it, or make it a control dependency, as in
      TF1 graph mode.

    >>> import jgraph as tf
    >>> op = print_v2("x:", tf.constant([1, 2]), output_stream=sys.stdout)
    >>> with tf.Session() as sess:
    ...     sess.run(op)
    x: [1 2]
    """
    stream = _stream_name(output_stream)
    template, tensors = _template(inputs, sep)
    printed = [_printable(t, "input", "PrintV2") for t in tensors]
    return build(
        _print_v2_impl,
        printed,
        template=template,
        summarize=3 if summarize is None else int(summarize),
        output_stream=stream,
        end=end,
        name=name,
    )


__all__ = ["Print", "print_v2"]
