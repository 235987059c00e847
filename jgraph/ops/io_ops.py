"""TF1 readers and CSV decoding: ``TextLineReader``, ``WholeFileReader``,
``decode_csv``, ``read_file``.

These work on strings, which XLA has none of, so they are host steps
(``OpDef.host_step``, see ``compile/segments.py``): a reader's ``read`` takes
file names from a queue (``jgraph/ops/data_flow_ops.py``) and returns records,
``decode_csv`` turns them into numbers on the host, and the compiled segment
after them gets the numbers. A reader's position (its file and line) is per
session (``OpDef.host_context``), as TF1's reader resource.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import Any

import numpy as np

from jgraph import errors
from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.ops.conversion import add_op, convert_to_tensor
from jgraph.ops.data_flow_ops import QueueBase, host_queue
from jgraph.ops.inference import fresh_dim
from jgraph.ops.registry import REGISTRY, HostContext, op

# -- readers ------------------------------------------------------------------------------


class _HostReader:
    """One session's reader: the records of the current file, and where it is."""

    def __init__(self, reader: ReaderBase) -> None:
        self.reader = reader
        self.records: list[tuple[bytes, bytes]] = []
        self.next = 0
        self.produced = 0
        self.completed = 0

    def read(self, ctx: HostContext, queue: QueueBase, count: int) -> list[tuple]:
        """Up to ``count`` records (at least one), taking file names from
        ``queue`` as files run out; OutOfRangeError when the queue is done."""
        out: list[tuple[bytes, bytes]] = []
        while len(out) < count:
            if self.next >= len(self.records):
                if out:
                    break  # read_up_to: no waiting for a new file mid-batch
                self.completed += bool(self.records)
                (element,) = host_queue(ctx, queue).dequeue(1, False)
                self.records = self.reader.records(_as_bytes(element[0]))
                self.next = 0
                continue
            take = self.records[self.next : self.next + count - len(out)]
            out += take
            self.next += len(take)
        self.produced += len(out)
        return out


def _as_bytes(value: Any) -> bytes:
    value = value.item() if isinstance(value, np.ndarray) else value
    return value if isinstance(value, bytes) else str(value).encode()


def _read_bytes(filename: bytes) -> bytes:
    try:
        with open(filename, "rb") as f:
            return f.read()
    except OSError as err:
        raise errors.NotFoundError(
            None, None, f"{filename.decode(errors='replace')}: {err.strerror}"
        ) from None


def _read_specs(specs: Any, attrs: dict[str, Any]) -> list:
    many = attrs["count"] > 0
    dims: tuple = (fresh_dim(get_default_graph()),) if many else ()
    return [(_dtypes.string, dims), (_dtypes.string, dims)]


@op("ReaderReadV2", host_step=True, host_context=True, shape_fn=_read_specs)
def _reader_read_impl(
    ctx: HostContext, *, reader: ReaderBase, queue: QueueBase, count: int = 0
) -> tuple:
    host = ctx.resource(reader, lambda: _HostReader(reader))
    records = host.read(ctx, queue, max(count, 1))
    keys = np.array([k for k, _ in records], dtype=object)
    values = np.array([v for _, v in records], dtype=object)
    if count:
        return keys, values
    return keys[0], values[0]


class ReaderBase:
    """A TF1 reader: ``read(queue)`` gives ``(key, value)`` string tensors."""

    def __init__(self, name: str) -> None:
        self._name = get_default_graph().unique_name(name)

    def records(self, filename: bytes) -> list[tuple[bytes, bytes]]:
        """The (key, value) records of one file."""
        raise NotImplementedError

    @property
    def supports_serialize(self) -> bool:
        return False

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def _read(self, queue: Any, count: int, name: str | None) -> tuple:
        if not isinstance(queue, QueueBase):
            raise TypeError(
                f"{type(self).__name__}.read takes a queue of file names (such as"
                f" tf.train.string_input_producer(...)), got {queue!r}."
            )
        return add_op(
            REGISTRY["ReaderReadV2"],
            [],
            {"reader": self, "queue": queue, "count": count},
            name or ("ReaderReadUpToV2" if count else "ReaderReadV2"),
        )

    def read(self, queue: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
        """The next record: ``(key, value)``, taking a new file from ``queue``
        when the current one is done."""
        return self._read(queue, 0, name)

    def read_up_to(
        self, queue: Any, num_records: int, name: str | None = None
    ) -> tuple[Tensor, Tensor]:
        """Up to ``num_records`` records of the current file (vectors)."""
        return self._read(queue, int(num_records), name)


class TextLineReader(ReaderBase):
    """Reads the lines of text files; keys are ``b"file:line"`` (``tf.TextLineReader``)."""

    def __init__(self, skip_header_lines: int | None = None, name: str | None = None):
        super().__init__(name or "TextLineReaderV2")
        self._skip = int(skip_header_lines or 0)

    def records(self, filename: bytes) -> list[tuple[bytes, bytes]]:
        lines = _read_bytes(filename).splitlines()
        return [
            (filename + b":" + str(number).encode(), line)
            for number, line in enumerate(lines, start=1)
            if number > self._skip
        ]


class WholeFileReader(ReaderBase):
    """Reads whole files: ``(file name, contents)`` (``tf.WholeFileReader``)."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name or "WholeFileReaderV2")

    def records(self, filename: bytes) -> list[tuple[bytes, bytes]]:
        return [(filename, _read_bytes(filename))]


def _same_shape_string(specs: Any, attrs: dict[str, Any]) -> list:
    return [(_dtypes.string, attrs["_dims"])]


@op("ReadFile", host_step=True, shape_fn=_same_shape_string)
def _read_file_impl(filename: Any) -> Any:
    return np.array(_read_bytes(_as_bytes(filename)), dtype=object)


def read_file(filename: Any, name: str | None = None) -> Tensor:
    """The contents of file ``filename`` (a string tensor), as ``tf.read_file``."""
    tensor = convert_to_tensor(filename, dtype=_dtypes.string)
    return add_op(REGISTRY["ReadFile"], [tensor], {"_dims": ()}, name)


# -- decode_csv -------------------------------------------------------------------------


def _csv_specs(specs: Any, attrs: dict[str, Any]) -> list:
    return [(dtype, attrs["_dims"]) for dtype in attrs["out_types"]]


@op(
    "DecodeCSV",
    host_step=True,
    list_input="record_defaults",
    same_dtype=False,
    shape_fn=_csv_specs,
)
def _decode_csv_impl(
    records: Any,
    record_defaults: list,
    *,
    out_types: tuple,
    field_delim: str = ",",
    use_quote_delim: bool = True,
    na_value: str = "",
    select_cols: tuple[int, ...] | None = None,
) -> tuple:
    records = np.asarray(records, dtype=object)
    flat = records.reshape(-1)
    columns: list[list[Any]] = [[] for _ in out_types]
    for index, record in enumerate(flat):
        text = _as_bytes(record).decode()
        if use_quote_delim:
            fields = next(csv.reader([text], delimiter=field_delim), [""])
        else:
            fields = text.split(field_delim)
        if select_cols is not None:
            fields = [fields[c] if c < len(fields) else "" for c in select_cols]
        if len(fields) != len(out_types):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Expect {len(out_types)} fields but have {len(fields)} in record"
                f" {index}: {text!r}",
            )
        for column, (field, dtype) in enumerate(zip(fields, out_types, strict=True)):
            default = record_defaults[column]
            if field == "" or field == na_value:
                if np.size(default) == 0:
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        f"Field {column} is required but missing in record {index}!",
                    )
                columns[column].append(np.asarray(default).reshape(-1)[0])
            else:
                columns[column].append(_parse_field(field, dtype, column, index))
    return tuple(
        np.array(values, dtype=dtype.np).reshape(records.shape)
        for values, dtype in zip(columns, out_types, strict=True)
    )


def _parse_field(field: str, dtype: _dtypes.DType, column: int, index: int) -> Any:
    if dtype is _dtypes.string:
        return field.encode()
    try:
        if dtype.is_integer:
            return int(field.strip())
        return float(field)
    except ValueError:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Field {column} in record {index} is not a valid {dtype.name}: {field}",
        ) from None


def decode_csv(
    records: Any,
    record_defaults: Sequence[Any],
    field_delim: str = ",",
    use_quote_delim: bool = True,
    name: str | None = None,
    na_value: str = "",
    select_cols: Sequence[int] | None = None,
) -> list[Tensor]:
    """Parses CSV ``records`` (a string tensor) into one tensor per column, as
    ``tf.decode_csv``: ``record_defaults[i]`` gives column ``i``'s dtype and its
    default (an empty list: the field is required)."""
    records_t = convert_to_tensor(records, dtype=_dtypes.string)
    defaults = []
    for default in record_defaults:
        if isinstance(default, Tensor):
            defaults.append(default)
        else:
            array = np.asarray(default)
            if array.size == 0:
                raise ValueError(
                    "An empty record default needs a dtype: write"
                    " tf.constant([], dtype=tf.int32) for a required int32 field."
                )
            defaults.append(convert_to_tensor(default))
    out_types = tuple(d.dtype for d in defaults)
    return list(
        add_op(
            REGISTRY["DecodeCSV"],
            [records_t, defaults],
            {
                "out_types": out_types,
                "field_delim": field_delim,
                "use_quote_delim": use_quote_delim,
                "na_value": na_value,
                "select_cols": None if select_cols is None else tuple(select_cols),
                "_dims": records_t.dims,
            },
            name or "DecodeCSV",
        )
    )


__all__ = ["ReaderBase", "TextLineReader", "WholeFileReader", "decode_csv", "read_file"]
