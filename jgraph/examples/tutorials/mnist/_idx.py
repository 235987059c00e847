"""IDX file format for MNIST: checked decoding, encoding, and the pickle rebuild.

The IDX format (http://yann.lecun.com/exdb/mnist/) is a big-endian header -- a
magic number ``0x0000TTNN`` (``TT`` = element type, ``0x08`` for unsigned bytes;
``NN`` = number of dimensions) followed by one ``uint32`` per dimension -- and
then the raw elements. MNIST images use magic 2051 (``0x00000803``: ``uint8``,
3 dimensions ``[count, rows, cols]``), labels magic 2049 (``0x00000801``).

Everything here is pure numpy + stdlib; nothing is written to disk.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import struct
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILE_NAMES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
_NDIM = {IMAGES_MAGIC: 3, LABELS_MAGIC: 1}
_KIND = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}

# MD5 of the official *uncompressed* IDX content, keyed by the .gz file name.
OFFICIAL_MD5: Mapping[str, str] = {
    TRAIN_IMAGES: "6bbc9ace898e44ae57da46a324031adb",
    TRAIN_LABELS: "a25bea736e30d166cdddb491f175f624",
    TEST_IMAGES: "2646ac647ad5339dbf082846283269ea",
    TEST_LABELS: "27ae3e4e09519cfbb04c329615203637",
}


class MnistFileError(ValueError):
    """An MNIST file is corrupt, truncated, or not the file that was expected.

    Attributes:
        path: The file (or URL) the problem was found in.
    """

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path


def expected_md5_for(path: str, table: Mapping[str, str] | None) -> str:
    """Returns the expected MD5 for the file at ``path``, looked up by its base name.

    Args:
        path: Path or URL of the file.
        table: ``{file name: MD5}``; ``None`` means `OFFICIAL_MD5`.

    Raises:
        MnistFileError: The file name has no entry in the table.
    """
    table = OFFICIAL_MD5 if table is None else table
    try:
        return table[os.path.basename(path)].lower()
    except KeyError:
        raise MnistFileError(
            path,
            f"no MD5 checksum is known for this file name (known: {sorted(table)}); "
            "pass expected_md5={name: md5} to read a custom file",
        ) from None


def gunzip(data: bytes, path: str) -> bytes:
    """Decompresses gzip ``data`` read from ``path``, which names it in errors."""
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        raise MnistFileError(
            path, f"expected a complete gzip file, found corrupt data ({e})"
        ) from None


def check_md5(payload: bytes, path: str, expected: str) -> None:
    """Raises `MnistFileError` unless ``md5(payload)`` is ``expected``."""
    found = hashlib.md5(payload, usedforsecurity=False).hexdigest()
    if found != expected.lower():
        raise MnistFileError(
            path,
            f"MD5 of the uncompressed IDX data is {found}, expected {expected} "
            "(the file is corrupt or not the official MNIST file)",
        )


def decode_idx(payload: bytes, path: str, magic: int) -> np.ndarray:
    """Parses uncompressed IDX bytes into a writable ``uint8`` array.

    Args:
        payload: The uncompressed file content.
        path: Names the file in error messages.
        magic: `IMAGES_MAGIC` (result ``[n, rows, cols]``) or `LABELS_MAGIC` (``[n]``).

    Raises:
        MnistFileError: Wrong magic number, short header, truncated or
            overlong data.
    """
    ndim = _NDIM[magic]
    kind = _KIND[magic]
    header_size = 4 * (1 + ndim)
    if len(payload) < header_size:
        raise MnistFileError(
            path,
            f"expected an IDX {kind} header of {header_size} bytes, "
            f"found only {len(payload)} bytes",
        )
    found_magic, *dims = struct.unpack(f">{1 + ndim}I", payload[:header_size])
    if found_magic != magic:
        hint = f" (an IDX {_KIND[found_magic]} file?)" if found_magic in _KIND else ""
        raise MnistFileError(
            path,
            f"expected IDX {kind} magic number {magic}, found {found_magic}{hint}",
        )
    count = int(np.prod(dims, dtype=np.int64))
    body = len(payload) - header_size
    if body != count:
        shape = " x ".join(map(str, dims))
        what = "truncated" if body < count else "has trailing garbage"
        raise MnistFileError(
            path,
            f"{what}: header declares {shape} = {count} bytes of {kind}, "
            f"found {body} bytes",
        )
    data = np.frombuffer(payload, dtype=np.uint8, count=count, offset=header_size)
    return data.reshape(dims).copy()


def encode_idx(array: np.ndarray) -> bytes:
    """Encodes a ``uint8`` array of shape ``[n]`` or ``[n, rows, cols]`` as IDX."""
    array = np.asarray(array)
    if array.dtype != np.uint8 or array.ndim not in (1, 3):
        raise ValueError(
            f"expected a uint8 array of 1 or 3 dimensions, found {array.dtype} "
            f"with shape {array.shape}"
        )
    magic = LABELS_MAGIC if array.ndim == 1 else IMAGES_MAGIC
    header = struct.pack(f">{1 + array.ndim}I", magic, *array.shape)
    return header + np.ascontiguousarray(array).tobytes()


def load_idx_gz(
    data: bytes, path: str, magic: int, expected_md5: str | None
) -> np.ndarray:
    """Gunzips, parses and checksums one IDX ``.gz`` file's bytes.

    Args:
        data: The compressed file content.
        path: Names the file in error messages.
        magic: `IMAGES_MAGIC` or `LABELS_MAGIC`.
        expected_md5: MD5 of the uncompressed content; ``None`` skips the check
            (only for callers that check it themselves).

    Raises:
        MnistFileError: Any problem with the file.
    """
    payload = gunzip(data, path)
    array = decode_idx(payload, path, magic)
    if expected_md5 is not None:
        check_md5(payload, path, expected_md5)
    return array


# ---------------------------------------------------------------------------
# Rebuilding the IDX files from deeplearning.net's mnist.pkl.gz.

# The pickle in mnist.pkl.gz was written by Python 2 / numpy 1.x. Only the
# globals needed to rebuild plain ndarrays may be loaded; numpy 2 renamed
# numpy.core to numpy._core, so both spellings map to the same objects (taken
# from live objects, which avoids importing the deprecated numpy.core).
_RECONSTRUCT = np.ndarray.__reduce__(np.empty(0))[0]
_ALLOWED_GLOBALS: Mapping[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can only rebuild numpy arrays (and builtin containers)."""

    def find_class(self, module: str, name: str) -> Any:
        """Returns an allowed numpy global; refuses everything else."""
        try:
            return _ALLOWED_GLOBALS[module, name]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load global {module}.{name} from an MNIST pickle"
            ) from None


def _pixels_to_uint8(x: Any, what: str) -> np.ndarray:
    """Turns ``uint8 / 256`` float pixels back into ``uint8``, checking exactness."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != 784 or x.dtype.kind != "f":
        raise ValueError(
            f"{what}: expected float pixels of shape [n, 784], "
            f"found {x.dtype} {x.shape}"
        )
    scaled = x * 256  # exact in float32 and float64 for k / 256
    pixels = np.rint(scaled)
    if x.size and (
        pixels.min() < 0 or pixels.max() > 255 or np.abs(scaled - pixels).max() > 1e-3
    ):
        raise ValueError(f"{what}: pixels are not of the form k/256, 0 <= k <= 255")
    return pixels.astype(np.uint8).reshape(-1, 28, 28)


def _labels_to_uint8(y: Any, n: int, what: str) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,) or y.dtype.kind not in "iu":
        raise ValueError(
            f"{what}: expected {n} integer labels, found {y.dtype} {y.shape}"
        )
    if n and (y.min() < 0 or y.max() > 9):
        raise ValueError(f"{what}: labels outside 0..9")
    return y.astype(np.uint8)


def idx_from_mnist_pickle(pickled: bytes) -> dict[str, bytes]:
    """Rebuilds the four uncompressed IDX files from an ``mnist.pkl`` pickle.

    The pickle (deeplearning.net's ``mnist.pkl.gz``, uncompressed) holds
    ``((train_x, train_y), (valid_x, valid_y), (test_x, test_y))`` with pixels as
    floats ``uint8 / 256`` of shape ``[n, 784]``; train + valid, in that order,
    is the official training set. Only numpy arrays are unpickled (see
    `RestrictedUnpickler`), but the caller still decides which pickles to trust.

    Args:
        pickled: The uncompressed pickle bytes.

    Returns:
        ``{file_name: uncompressed IDX bytes}`` for the names in `FILE_NAMES`.
        The caller must still check them against the expected MD5s.

    Raises:
        ValueError: The pickle does not have the expected structure.
        pickle.UnpicklingError: The pickle needs a non-numpy global.
    """
    obj = RestrictedUnpickler(io.BytesIO(pickled), encoding="latin1").load()
    if not (
        isinstance(obj, tuple | list)
        and len(obj) == 3
        and all(isinstance(p, tuple | list) and len(p) == 2 for p in obj)
    ):
        raise ValueError("mnist.pkl: expected ((x, y), (x, y), (x, y))")
    parts = []
    for (x, y), what in zip(obj, ("train", "valid", "test"), strict=True):
        images = _pixels_to_uint8(x, f"mnist.pkl {what} images")
        labels = _labels_to_uint8(y, len(images), f"mnist.pkl {what} labels")
        parts.append((images, labels))
    (tx, ty), (vx, vy), (sx, sy) = parts
    return {
        TRAIN_IMAGES: encode_idx(np.concatenate([tx, vx])),
        TRAIN_LABELS: encode_idx(np.concatenate([ty, vy])),
        TEST_IMAGES: encode_idx(sx),
        TEST_LABELS: encode_idx(sy),
    }
