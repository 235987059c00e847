"""``tf.gfile``: TF1's file helpers, on the local file system.

TF1 difference: only local paths (no ``gs://`` or ``hdfs://``); the functions
are thin wrappers over ``os``, ``glob`` and ``shutil`` and raise
``jgraph.errors.NotFoundError`` where TF1 does.
"""

from __future__ import annotations

import glob as _glob
import os
import shutil
from collections.abc import Iterator
from typing import IO, Any

from jgraph import errors

__all__ = [
    "Copy",
    "DeleteRecursively",
    "Exists",
    "FastGFile",
    "GFile",
    "Glob",
    "IsDirectory",
    "ListDirectory",
    "MakeDirs",
    "MkDir",
    "Open",
    "Remove",
    "Rename",
    "Walk",
]


def _not_found(path: str, what: str) -> errors.NotFoundError:
    return errors.NotFoundError(
        None, None, f"{path}; No such file or directory ({what})"
    )


class GFile:
    """A file object, as TF1 ``tf.gfile.GFile(name, mode)`` (text unless the
    mode has ``b``); usable as a context manager and iterable by lines."""

    def __init__(self, name: str, mode: str = "r") -> None:
        try:
            self._file: IO[Any] = open(name, mode)
        except FileNotFoundError:
            raise _not_found(name, "GFile") from None
        self.name = name
        self.mode = mode

    def read(self, n: int = -1) -> Any:
        return self._file.read(n)

    def readline(self) -> Any:
        return self._file.readline()

    def readlines(self) -> list[Any]:
        return self._file.readlines()

    def write(self, data: Any) -> None:
        self._file.write(data)

    def flush(self) -> None:
        self._file.flush()

    def seek(self, offset: int, whence: int = 0) -> None:
        self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def size(self) -> int:
        return os.path.getsize(self.name)

    def close(self) -> None:
        self._file.close()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._file)

    def __enter__(self) -> GFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


FastGFile = GFile
Open = GFile


def Exists(filename: str) -> bool:
    """Whether ``filename`` (a file or directory) exists."""
    return os.path.exists(filename)


def IsDirectory(dirname: str) -> bool:
    return os.path.isdir(dirname)


def MakeDirs(dirname: str) -> None:
    """Creates ``dirname`` and its parents (no error if it exists)."""
    os.makedirs(dirname, exist_ok=True)


def MkDir(dirname: str) -> None:
    """Creates ``dirname``; its parent must exist.

    Raises:
      jgraph.errors.NotFoundError: the parent does not exist.
      jgraph.errors.AlreadyExistsError: ``dirname`` exists.
    """
    try:
        os.mkdir(dirname)
    except FileNotFoundError:
        raise _not_found(dirname, "MkDir") from None
    except FileExistsError:
        raise errors.AlreadyExistsError(None, None, f"{dirname}; File exists") from None


def ListDirectory(dirname: str) -> list[str]:
    """The entries of ``dirname`` (names, not paths)."""
    if not os.path.isdir(dirname):
        raise _not_found(dirname, "ListDirectory")
    return os.listdir(dirname)


def Glob(filename: str) -> list[str]:
    """The paths matching the pattern ``filename``."""
    return _glob.glob(filename)


def Remove(filename: str) -> None:
    """Deletes the file ``filename``."""
    try:
        os.remove(filename)
    except FileNotFoundError:
        raise _not_found(filename, "Remove") from None


def DeleteRecursively(dirname: str) -> None:
    """Deletes ``dirname`` and everything under it (or a single file)."""
    if os.path.isdir(dirname):
        shutil.rmtree(dirname)
    elif os.path.exists(dirname):
        os.remove(dirname)
    else:
        raise _not_found(dirname, "DeleteRecursively")


def Rename(oldname: str, newname: str, overwrite: bool = False) -> None:
    """Renames ``oldname`` to ``newname`` (which must not exist unless
    ``overwrite``)."""
    if os.path.exists(newname) and not overwrite:
        raise errors.AlreadyExistsError(None, None, f"{newname}; File exists")
    os.replace(oldname, newname)


def Copy(oldpath: str, newpath: str, overwrite: bool = False) -> None:
    """Copies the file ``oldpath`` to ``newpath``."""
    if os.path.exists(newpath) and not overwrite:
        raise errors.AlreadyExistsError(None, None, f"{newpath}; File exists")
    shutil.copyfile(oldpath, newpath)


def Walk(top: str, in_order: bool = True) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(top)`` (top-down when ``in_order``)."""
    yield from os.walk(top, topdown=in_order)
