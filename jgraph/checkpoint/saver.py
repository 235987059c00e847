"""Checkpoints: ``Saver`` writes and reads Session variables with orbax.

Where it sits: a client of the Session (stage 5 of the pipeline). ``save`` takes
copies of the variables through ``Session.get_state`` and hands them to orbax;
``restore`` reads a checkpoint, checks every name, shape, dtype and checksum, and
only then calls ``Session.set_state`` once, so a bad checkpoint changes nothing.

On disk, one checkpoint is one orbax checkpoint directory (``model.ckpt-1000/``),
written by ``orbax.checkpoint.StandardCheckpointHandler``: a flat dict
``{variable name: array}`` keyed by the TF1 names (``"fc1/weights"``; the ``/``
stays inside the key, nothing nests). Next to the checkpoints, a TF1-style text
index file ``checkpoint`` lists the latest and the kept checkpoints. jgraph's own
data lives in the tree metadata's ``custom_metadata["jgraph"]`` (plain JSON): a
format version, the session RNG key (so a restored run continues bit for bit) and
a checksum per array.

Reading a jgraph checkpoint with plain orbax, no jgraph needed:

    import orbax.checkpoint as ocp
    arrays = ocp.StandardCheckpointer().restore("/tmp/train/model.ckpt-1000")
    arrays["fc1/weights"]   # a jax.Array (pass a target tree to choose devices)

Safety:
  * Crashes: a checkpoint is written under a temporary name in its directory
    (``.jgraph-tmp-<hash>``; orbax itself writes into ``<that>.orbax-checkpoint-tmp``
    and renames it when complete), its metadata is read back and checked, and only
    then is it renamed to its final name and the index file rewritten (temp file +
    ``os.replace``). A process killed mid-save leaves every earlier checkpoint
    intact and the index pointing at complete ones; a save that cannot be read
    back raises and changes nothing. Saving over an existing path swaps the two
    directories (two renames; a crash between them is recovered on reading).
  * Deleting (``max_to_keep``) renames the checkpoint to ``.jgraph-del-<random>``
    before removing its files, so a checkpoint is either whole under its name or
    gone; the index stops listing it before that.
  * Leftovers: every save removes the temporary and half-deleted directories
    that killed saves left in its directory (only jgraph's ``.jgraph-*`` names;
    so, as with the shared index file, two processes must not save into one
    directory at the same time).
  * Disk full and other storage errors raise ``tf.errors`` classes
    (``ResourceExhaustedError`` for a full disk) naming the checkpoint, after the
    partial checkpoint was removed.
  * Odd paths: orbax reads a checkpoint directory's path as a glob pattern (``[``
    ``*`` ``?``) and tensorstore reads ``\\`` as a separator, so such paths reach
    them by another name (``/proc/self/fd/<n>`` of the directory); any name the OS
    accepts works, or (no ``/proc``, or a name too long) is refused before
    anything is written.
  * Corruption: orbax/tensorstore store no checksum of array bytes (a flipped
    byte in a data file restores silently), so ``save`` records a 64-bit
    fingerprint per array, computed on the arrays' devices, and ``restore``
    checks it before touching the session: ``DataLossError`` on a mismatch.
  * Nothing is unpickled or executed: orbax's standard handlers read JSON
    metadata and tensorstore (zarr/OCDBT) array data; jgraph reads only those and
    its own text index. ``restore`` refuses a directory without orbax's
    ``_METADATA`` file before orbax sees it (orbax's legacy msgpack format is
    never read).

Placement: ``restore`` reads each array straight onto the device or sharding of
the variable's current value in the session (so a session laid out differently
from the one that saved gets its own layout), or onto the default device for a
variable without a value yet.

Several processes (jax.distributed): every process calls ``save`` and
``restore`` (orbax writes and reads each process's shards and synchronises them);
process 0 alone writes the index file and deletes old checkpoints.

Asynchronous saving: ``Saver(async_save=True)`` or ``save(..., blocking=False)``
takes copies of the values (on their devices) and returns; a background thread
writes them, then updates the index. ``Saver.wait_until_finished()`` waits and
raises the write's error, if any; the next ``save``/``restore`` waits too.

TF1 difference: no ``.meta`` graph file is written (``write_meta_graph`` is
accepted and ignored; ``import_meta_graph`` raises ``UnimplementedError``); the index file stores paths relative to its directory
(TF1's ``save_relative_paths=True``); ``max_to_keep`` holds across restarts: a new
``Saver`` adopts the checkpoints listed in the directory's index file on its first
save there; the session RNG key is saved and, when the ``Saver`` covers all
variables (``var_list=None``), restored.
"""

from __future__ import annotations

import codecs
import collections
import concurrent.futures
import contextlib
import dataclasses
import difflib
import errno
import hashlib
import json
import logging
import numbers
import os
import pickle
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import orbax.checkpoint as ocp
from jax import lax
from jax.experimental import multihost_utils

from jgraph import errors
from jgraph.compile.rng import RngState, grown
from jgraph.graph.dtypes import as_dtype
from jgraph.graph.graph import GraphKeys, get_default_graph
from jgraph.graph.shape import format_shape
from jgraph.ops.variables import Variable

__all__ = [
    "CheckpointReader",
    "CheckpointState",
    "NewCheckpointReader",
    "Saver",
    "checkpoint_exists",
    "get_checkpoint_state",
    "latest_checkpoint",
    "list_variables",
    "load_checkpoint",
    "load_variable",
    "update_checkpoint_state",
]

logger = logging.getLogger("jgraph")

INDEX_FILENAME = "checkpoint"
FORMAT_VERSION = 1
# jgraph's JSON entry in the orbax tree metadata's custom_metadata.
_META_KEY = "jgraph"
# orbax's temporary-directory marker (orbax.checkpoint path atomicity).
_ORBAX_TMP_SUFFIX = ".orbax-checkpoint-tmp"
_ORBAX_METADATA_FILE = "_METADATA"


def _now() -> float:
    """Wall-clock seconds; a function so tests can move time forward."""
    return time.time()


# -- the TF1 index file ("checkpoint") ------------------------------------------------


@dataclasses.dataclass
class CheckpointState:
    """The contents of a ``checkpoint`` index file, as TF1's ``CheckpointState`` proto.

    Paths are as stored (relative to the directory) in the file; the object that
    ``get_checkpoint_state`` returns has them joined with the directory.
    """

    model_checkpoint_path: str = ""
    all_model_checkpoint_paths: list[str] = dataclasses.field(default_factory=list)
    all_model_checkpoint_timestamps: list[float] = dataclasses.field(
        default_factory=list
    )
    last_preserved_timestamp: float = 0.0


def _escape(text: str) -> str:
    """Protobuf text-format (C-style) escaping of a UTF-8 string."""
    out = []
    # surrogateescape: a name the OS gave as undecodable bytes keeps its bytes.
    for byte in text.encode("utf-8", "surrogateescape"):
        char = chr(byte)
        if char in "\\\"'":
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


def _format_index(state: CheckpointState) -> str:
    lines = [f'model_checkpoint_path: "{_escape(state.model_checkpoint_path)}"']
    lines += [
        f'all_model_checkpoint_paths: "{_escape(p)}"'
        for p in state.all_model_checkpoint_paths
    ]
    lines += [
        f"all_model_checkpoint_timestamps: {t!r}"
        for t in state.all_model_checkpoint_timestamps
    ]
    if state.last_preserved_timestamp:
        lines.append(f"last_preserved_timestamp: {state.last_preserved_timestamp!r}")
    return "\n".join(lines) + "\n"


_INDEX_LINE = re.compile(r'^\s*(\w+)\s*:\s*(?:"((?:[^"\\]|\\.)*)"|([-+0-9.eE]+))\s*$')


def _parse_index(text: str, filename: str) -> CheckpointState:
    state = CheckpointState()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _INDEX_LINE.match(line)
        if match is None:
            raise errors.DataLossError(
                None,
                None,
                f"Checkpoint index file '{filename}' is corrupted: cannot parse line"
                f" {number}: {line!r}.",
            )
        key, quoted, number_text = match.groups()
        try:
            if quoted is not None:
                value: Any = codecs.escape_decode(quoted.encode("ascii"))[0].decode(
                    "utf-8", "surrogateescape"
                )
            else:
                value = float(number_text)
        except (UnicodeError, ValueError) as err:
            raise errors.DataLossError(
                None,
                None,
                f"Checkpoint index file '{filename}' is corrupted at line {number}:"
                f" {err}",
            ) from err
        if key == "model_checkpoint_path":
            state.model_checkpoint_path = value
        elif key == "all_model_checkpoint_paths":
            state.all_model_checkpoint_paths.append(value)
        elif key == "all_model_checkpoint_timestamps":
            state.all_model_checkpoint_timestamps.append(float(value))
        elif key == "last_preserved_timestamp":
            state.last_preserved_timestamp = float(value)
    return state


def _index_path(checkpoint_dir: str, latest_filename: str | None) -> str:
    return os.path.join(checkpoint_dir, latest_filename or INDEX_FILENAME)


def _read_index(
    checkpoint_dir: str, latest_filename: str | None
) -> CheckpointState | None:
    filename = _index_path(checkpoint_dir, latest_filename)
    try:
        with open(filename, encoding="ascii") as file:
            text = file.read()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as err:
        raise errors.DataLossError(
            None, None, f"Checkpoint index file '{filename}' is corrupted: {err}"
        ) from err
    return _parse_index(text, filename)


def _absolute(checkpoint_dir: str, path: str) -> str:
    return path if os.path.isabs(path) else os.path.join(checkpoint_dir, path)


def _relative(checkpoint_dir: str, path: str) -> str:
    """``path`` relative to ``checkpoint_dir`` when it lies directly inside it."""
    if os.path.dirname(os.path.abspath(path)) == os.path.abspath(checkpoint_dir):
        return os.path.basename(path)
    return os.path.abspath(path)


def get_checkpoint_state(
    checkpoint_dir: str, latest_filename: str | None = None
) -> CheckpointState | None:
    """Reads the ``checkpoint`` index file of a directory, as TF1.

    Args:
      checkpoint_dir: the directory the checkpoints were saved in.
      latest_filename: the index file's name (default ``"checkpoint"``).

    Returns:
      A :class:`CheckpointState` whose paths are joined with ``checkpoint_dir``,
      or ``None`` when there is no index file.

    Raises:
      DataLossError: the index file cannot be parsed.

    TF1 difference: a corrupted index file raises instead of being ignored with a
    logged warning.

    >>> get_checkpoint_state("/nonexistent") is None
    True
    """
    checkpoint_dir = os.fspath(checkpoint_dir)
    state = _read_index(checkpoint_dir, latest_filename)
    if state is None:
        return None
    return CheckpointState(
        _absolute(checkpoint_dir, state.model_checkpoint_path)
        if state.model_checkpoint_path
        else "",
        [_absolute(checkpoint_dir, p) for p in state.all_model_checkpoint_paths],
        list(state.all_model_checkpoint_timestamps),
        state.last_preserved_timestamp,
    )


def update_checkpoint_state(
    save_dir: str,
    model_checkpoint_path: str,
    all_model_checkpoint_paths: Sequence[str] | None = None,
    latest_filename: str | None = None,
    all_model_checkpoint_timestamps: Sequence[float] | None = None,
    last_preserved_timestamp: float | None = None,
) -> None:
    """Writes the ``checkpoint`` index file of ``save_dir`` atomically, as TF1.

    The file is written to a temporary name and renamed over the old one, so a
    reader (or a crash) sees either the old or the new index, never half of one.
    Paths inside ``save_dir`` are stored relative to it.

    Args:
      save_dir: the directory holding the checkpoints and the index.
      model_checkpoint_path: the latest checkpoint.
      all_model_checkpoint_paths: the kept checkpoints, oldest first; the latest
        is appended when missing.
      latest_filename: the index file's name (default ``"checkpoint"``).
      all_model_checkpoint_timestamps: save times of the kept checkpoints.
      last_preserved_timestamp: time of the last checkpoint kept for
        ``keep_checkpoint_every_n_hours``.
    """
    save_dir = os.fspath(save_dir)
    paths = [os.fspath(p) for p in (all_model_checkpoint_paths or [])]
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(os.fspath(model_checkpoint_path))
    timestamps = list(all_model_checkpoint_timestamps or [])
    if timestamps and len(timestamps) != len(paths):
        raise ValueError(
            f"all_model_checkpoint_timestamps has {len(timestamps)} entries for"
            f" {len(paths)} checkpoint paths."
        )
    state = CheckpointState(
        _relative(save_dir, model_checkpoint_path),
        [_relative(save_dir, p) for p in paths],
        timestamps,
        last_preserved_timestamp or 0.0,
    )
    filename = _index_path(save_dir, latest_filename)
    temporary = f"{filename}.tmp{os.getpid()}.{threading.get_ident()}"
    try:
        with open(temporary, "w", encoding="ascii") as file:
            file.write(_format_index(state))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, filename)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        mapped = _storage_error(err, f"the checkpoint index file '{filename}'")
        if mapped is None:
            raise
        raise mapped from err


def _is_complete(path: str) -> bool:
    """A finished orbax checkpoint directory (orbax renames it into place last)."""
    return os.path.isfile(os.path.join(path, _ORBAX_METADATA_FILE)) and not (
        _ORBAX_TMP_SUFFIX in os.path.basename(path)
        or _OWN_NAME.match(os.path.basename(path))
    )


def _resolve(path: str) -> str | None:
    """The directory holding the checkpoint saved as ``path``, or None.

    Normally ``path`` itself; if a crash interrupted swapping in a re-save of the
    same path (``path`` renamed aside, the new copy not yet renamed to it), the
    complete new copy (or the old one, if the new one is gone).
    """
    if _is_complete(path):
        return path
    if os.path.lexists(path):
        return None
    if _swap_interrupted(path):
        return _sibling(path, "tmp")
    if _is_complete_copy(_sibling(path, "old")):
        return _sibling(path, "old")
    return None


def checkpoint_exists(checkpoint_prefix: str) -> bool:
    """True if ``checkpoint_prefix`` names a complete checkpoint (as TF1).

    >>> checkpoint_exists("/nonexistent/model.ckpt")
    False
    """
    return _resolve(os.fspath(checkpoint_prefix)) is not None


def latest_checkpoint(
    checkpoint_dir: str, latest_filename: str | None = None
) -> str | None:
    """The path of the newest complete checkpoint listed in ``checkpoint_dir``.

    Args:
      checkpoint_dir: the directory the checkpoints were saved in.
      latest_filename: the index file's name (default ``"checkpoint"``).

    Returns:
      The path (as ``Saver.save`` returned it, joined with the directory), or
      ``None`` if there is none.

    TF1 difference: when the newest listed checkpoint is gone, the newest
    remaining one is returned instead of ``None``.

    >>> latest_checkpoint("/nonexistent") is None
    True
    """
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None:
        return None
    candidates = [
        state.model_checkpoint_path,
        *reversed(state.all_model_checkpoint_paths),
    ]
    for path in candidates:
        if path and checkpoint_exists(path):
            return path
    return None


# -- the checkpoint directory on disk ------------------------------------------------

# Names jgraph gives its own temporary directories beside the checkpoints:
# ``.jgraph-tmp-<hash>`` (a checkpoint being written), ``.jgraph-old-<hash>`` (the
# previous copy while a re-save is swapped in), ``.jgraph-del-<random>`` (a
# checkpoint being deleted); orbax writes ``<name>.orbax-checkpoint-tmp`` first.
_OWN_PREFIX = ".jgraph-"
_OWN_NAME = re.compile(
    r"\.jgraph-(tmp|old|del)-([0-9a-f]{16})("
    + re.escape(_ORBAX_TMP_SUFFIX)
    + r".*)?\Z",
    re.DOTALL,
)
# Path characters orbax or tensorstore do not take literally: orbax finds the
# per-process OCDBT stores and array metadata with etils' ``Path.glob``, which
# joins the directory into the pattern (``[`` starts a character class, ``*`` and
# ``?`` match other names); tensorstore's file driver splits paths at ``\``.
_NOT_LITERAL = re.compile(r"[\[*?\\]")
_PROC_FD = "/proc/self/fd"
# Room left for what orbax creates inside a checkpoint (``ocdbt.process_0/d/<32 hex>``).
_PATH_MARGIN = 128


def _sibling(path: str, kind: str) -> str:
    """The temporary name (``kind``: ``"tmp"`` or ``"old"``) used for ``path``.

    Derived from the name alone, so every process (and a later process that
    recovers an interrupted save) computes the same one; made of characters that
    orbax and every file system take literally.
    """
    name = os.path.basename(path).encode("utf-8", "surrogateescape")
    digest = hashlib.sha256(name).hexdigest()[:16]
    return os.path.join(os.path.dirname(path), f"{_OWN_PREFIX}{kind}-{digest}")


def _is_literal(path: str) -> bool:
    if _NOT_LITERAL.search(path):
        return False
    try:
        path.encode("utf-8")  # tensorstore takes UTF-8 paths only
    except UnicodeEncodeError:
        return False
    return True


@contextlib.contextmanager
def _literal_path(directory: str) -> Iterator[str]:
    """An absolute path to ``directory`` that orbax and tensorstore take literally.

    The directory's own path when it has no special characters, else
    ``/proc/self/fd/<n>`` of an open descriptor of it (Linux).
    """
    absolute = os.path.abspath(directory)
    if _is_literal(absolute):
        yield absolute
        return
    if not os.path.isdir(_PROC_FD):
        raise errors.InvalidArgumentError(None, None, _not_literal_message(directory))
    descriptor = os.open(absolute, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield f"{_PROC_FD}/{descriptor}"
    finally:
        os.close(descriptor)


def _not_literal_message(path: str) -> str:
    return (
        f"Cannot use the checkpoint path {path!r}: orbax reads '[', '*' and '?' in"
        " a path as glob patterns and tensorstore reads '\\' as a separator (and"
        " needs UTF-8 names), so jgraph reaches such directories through"
        f" {_PROC_FD}, which this system lacks. Use a directory name without them."
    )


def _pathconf(path: str, name: str, default: int) -> int:
    try:
        return os.pathconf(path, name)
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows), no limit
        return default


def _check_save_path(path: str) -> None:
    """Refuses, before anything is written, a path a checkpoint cannot live at."""
    save_dir, name = os.path.split(path)
    save_dir = save_dir or "."
    problem = None
    if name in ("", ".", ".."):
        problem = (
            "it names a directory, not a checkpoint in one (give a prefix such as"
            " 'train/model.ckpt')"
        )
    elif "\0" in path:
        problem = "it contains a NUL character"
    elif not _is_literal(os.path.abspath(save_dir)) and not os.path.isdir(_PROC_FD):
        raise errors.InvalidArgumentError(None, None, _not_literal_message(path))
    else:
        try:
            name_bytes = len(os.fsencode(name))
            path_bytes = len(os.fsencode(os.path.abspath(path)))
        except UnicodeEncodeError as err:
            name_bytes = path_bytes = 0
            problem = f"the file system's encoding cannot hold it ({err})"
        name_max = _pathconf(save_dir, "PC_NAME_MAX", 255)
        path_max = _pathconf(save_dir, "PC_PATH_MAX", 4096)
        if name_bytes > name_max:
            problem = (
                f"its name is {name_bytes} bytes long and this file system allows"
                f" {name_max}"
            )
        elif path_bytes + _PATH_MARGIN > path_max:
            problem = (
                f"it is {path_bytes} bytes long; with the files a checkpoint holds it"
                f" would pass this system's limit of {path_max} bytes"
            )
    if problem is not None:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Cannot save a checkpoint at {path!r}: {problem}. Nothing was written.",
        )


_ERRNO_ERRORS: dict[int, tuple[type[errors.OpError], str]] = {
    errno.ENOSPC: (errors.ResourceExhaustedError, "no space left on the device"),
    errno.EDQUOT: (errors.ResourceExhaustedError, "the disk quota is exceeded"),
    errno.EACCES: (errors.PermissionDeniedError, "permission denied"),
    errno.EPERM: (errors.PermissionDeniedError, "operation not permitted"),
    errno.EROFS: (errors.PermissionDeniedError, "the file system is read-only"),
    errno.ENAMETOOLONG: (errors.InvalidArgumentError, "a file name is too long"),
}
# tensorstore raises ValueError("<absl status code>: ... [os_error_code='28']").
_STATUS_ERRORS: dict[str, type[errors.OpError]] = {
    "RESOURCE_EXHAUSTED": errors.ResourceExhaustedError,
    "PERMISSION_DENIED": errors.PermissionDeniedError,
    "DATA_LOSS": errors.DataLossError,
    "UNAVAILABLE": errors.UnavailableError,
}
_OS_ERROR_CODE = re.compile(r"os_error_code='?(\d+)")


def _storage_error(err: BaseException, subject: str) -> errors.OpError | None:
    """The ``tf.errors`` error for a failed write of ``subject``, or None.

    Looks through ``err`` and its causes for an ``OSError`` errno or a
    tensorstore status; other errors (bugs) are not translated.
    """
    seen: BaseException | None = err
    for _ in range(8):
        if seen is None:
            break
        code = seen.errno if isinstance(seen, OSError) else None
        text = str(seen)
        if code is None and (found := _OS_ERROR_CODE.search(text)):
            code = int(found.group(1))
        if code in _ERRNO_ERRORS:
            error_class, reason = _ERRNO_ERRORS[code]
        else:
            status = text.split(":", 1)[0].strip()
            if status not in _STATUS_ERRORS:
                seen = seen.__cause__ or seen.__context__
                continue
            error_class, reason = _STATUS_ERRORS[status], status.lower()
        return error_class(
            None,
            None,
            f"Cannot write {subject}: {reason} ({type(seen).__name__}: {text})."
            " Whatever it wrote was removed; the index file and the earlier"
            " checkpoints are unchanged.",
        )
    return None


def _remove_tree(path: str) -> None:
    """Removes one of jgraph's directories (or files); a missing one is fine."""
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        logger.warning("Ignoring: failed to remove %s: %s", path, err)


class _InFlight:
    """jgraph's temporary directories that this process is using right now."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: collections.Counter[str] = collections.Counter()

    @contextlib.contextmanager
    def claim(self, path: str) -> Iterator[None]:
        key = os.path.abspath(path)
        with self._lock:
            self._paths[key] += 1
        try:
            yield
        finally:
            with self._lock:
                self._paths[key] -= 1
                if not self._paths[key]:
                    del self._paths[key]

    def holds(self, path: str) -> bool:
        with self._lock:
            return os.path.abspath(path) in self._paths


_IN_FLIGHT = _InFlight()


def _swap_interrupted(path: str) -> bool:
    """A crash stopped a re-save of ``path`` between its two renames."""
    return os.path.lexists(_sibling(path, "old")) and os.path.isfile(
        os.path.join(_sibling(path, "tmp"), _ORBAX_METADATA_FILE)
    )


def _finish_interrupted_swap(path: str) -> None:
    """Puts back under ``path`` the checkpoint an interrupted re-save left aside."""
    if not os.path.lexists(path):
        if _swap_interrupted(path):
            os.rename(_sibling(path, "tmp"), path)
        elif _is_complete_copy(_sibling(path, "old")):
            os.rename(_sibling(path, "old"), path)
    if os.path.lexists(path):
        _remove_tree(_sibling(path, "old"))


def _is_complete_copy(path: str) -> bool:
    return os.path.isfile(os.path.join(path, _ORBAX_METADATA_FILE))


def _is_checkpoint_or_empty(path: str) -> bool:
    """Whether saving at ``path`` may replace what is there."""
    if os.path.islink(path) or not os.path.isdir(path):
        return False
    names = set(os.listdir(path))
    return not names or bool(names & {_ORBAX_METADATA_FILE, "_CHECKPOINT_METADATA"})


def _promote(staging: str, path: str) -> None:
    """Renames the checked ``staging`` directory to ``path`` (replacing one there)."""
    if not os.path.lexists(path):
        os.rename(staging, path)
        return
    old = _sibling(path, "old")
    with _IN_FLIGHT.claim(old):
        _remove_tree(old)
        os.rename(path, old)
        try:
            os.rename(staging, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.rename(old, path)
            raise
        _remove_tree(old)


def _discard_staging(staging: str) -> None:
    """Removes a failed save's directory and orbax's temporary one for it."""
    _remove_tree(staging)
    save_dir, name = os.path.split(staging)
    with contextlib.suppress(OSError):
        for entry in os.listdir(save_dir or "."):
            if entry.startswith(name + _ORBAX_TMP_SUFFIX):
                _remove_tree(os.path.join(save_dir, entry))


def _clean_leftovers(save_dir: str, latest_filename: str | None) -> None:
    """Removes what killed saves left in ``save_dir``; never anything else.

    That is jgraph's temporary directories (``.jgraph-*``, orbax's temporary
    directories inside those names included) and index temp files of dead
    processes. Kept: what this process is writing now, and the copies an
    interrupted re-save of a checkpoint the index lists left aside (``_resolve``
    reads them).
    """
    try:
        names = os.listdir(save_dir)
    except OSError:
        return
    try:
        state = get_checkpoint_state(save_dir, latest_filename)
    except errors.DataLossError:
        state = None
        protect_all = True
    else:
        protect_all = False
    listed = state.all_model_checkpoint_paths if state is not None else []
    if state is not None and state.model_checkpoint_path:
        listed = [*listed, state.model_checkpoint_path]
    protected = {
        os.path.basename(_sibling(p, kind))
        for p in listed
        if not os.path.lexists(p)
        for kind in ("tmp", "old")
    }
    index_temp = re.compile(
        re.escape(latest_filename or INDEX_FILENAME) + r"\.tmp(\d+)\.\d+\Z"
    )
    for name in names:
        full = os.path.join(save_dir, name)
        own = _OWN_NAME.match(name)
        if own is not None:
            kind, digest, orbax_tmp = own.groups()
            base = f"{_OWN_PREFIX}{kind}-{digest}"
            if _IN_FLIGHT.holds(os.path.join(save_dir, base)):
                continue
            if orbax_tmp is None and (
                name in protected or (protect_all and kind != "del")
            ):
                continue
            _remove_tree(full)
        elif (temp := index_temp.match(name)) and not _process_alive(
            int(temp.group(1))
        ):
            _remove_tree(full)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":
        return True  # (on Windows, os.kill(pid, 0) would send CTRL_C_EVENT)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


# -- checksums ------------------------------------------------------------------------


def _fmix32(h: jax.Array) -> jax.Array:
    """MurmurHash3's 32-bit finaliser: every input bit affects every output bit."""
    h = h ^ (h >> 16)
    h = h * jnp.uint32(0x85EBCA6B)
    h = h ^ (h >> 13)
    h = h * jnp.uint32(0xC2B2AE35)
    return h ^ (h >> 16)


def _words(x: jax.Array) -> jax.Array:
    """The array's bytes as a flat vector of uint32 (one word per 1-4 byte element)."""
    if x.dtype == jnp.bool_:
        x = x.astype(jnp.uint8)
    size = x.dtype.itemsize
    if size == 1:
        words = lax.bitcast_convert_type(x, jnp.uint8).astype(jnp.uint32)
    elif size == 2:
        words = lax.bitcast_convert_type(x, jnp.uint16).astype(jnp.uint32)
    else:  # 4 bytes, or 8 (bitcast adds a trailing axis of 2 words)
        words = lax.bitcast_convert_type(x, jnp.uint32)
    return words.ravel()


def _fingerprint(x: jax.Array) -> jax.Array:
    """Two 32-bit lanes of a position-dependent hash of ``x``'s bytes.

    Each word is mixed with its index, then summed modulo 2**32: integer sums are
    exact in any order, so the result does not depend on sharding or on how XLA
    splits the reduction.
    """
    words = _words(x)
    if words.size < 2**32:
        index = lax.iota(jnp.uint32, words.size)
    else:
        wide = lax.iota(jnp.uint64, words.size)
        index = (wide ^ (wide >> 32)).astype(jnp.uint32)
    mixed = _fmix32(words ^ (index * jnp.uint32(0x9E3779B9)))
    return jnp.stack(
        [
            jnp.sum(mixed, dtype=jnp.uint32),
            jnp.sum(_fmix32(mixed + jnp.uint32(0x7F4A7C15)), dtype=jnp.uint32),
        ]
    )


@jax.jit
def _fingerprints_fn(arrays: dict[str, jax.Array]) -> dict[str, jax.Array]:
    return {name: _fingerprint(x) for name, x in arrays.items()}


def _fingerprints(arrays: Mapping[str, Any]) -> dict[str, jax.Array]:
    """Dispatches the fingerprints (asynchronously) on the arrays' own devices."""
    # NOTE: x64 so that int64/float64 arrays keep their width inside jit.
    with jax.enable_x64(True):
        return _fingerprints_fn(dict(arrays))


def _fingerprints_json(fingerprints: Mapping[str, jax.Array]) -> dict[str, list[int]]:
    return {k: [int(w) for w in np.asarray(v)] for k, v in fingerprints.items()}


# -- orbax I/O ------------------------------------------------------------------------


def _latest_or_none(checkpoint_dir: str) -> str | None:
    """``latest_checkpoint``, or None where there is no readable index (for hints)."""
    try:
        return latest_checkpoint(checkpoint_dir)
    except errors.DataLossError:
        return None


def _checkpoint_errors(path: str) -> errors.OpError:
    """The error for a ``path`` that holds no readable checkpoint."""
    if not os.path.exists(path):
        parent = os.path.dirname(path) or "."
        latest = _latest_or_none(parent)
        hint = (
            f" The latest checkpoint in '{parent}' is {latest!r}."
            if latest is not None
            else ""
        )
        return errors.NotFoundError(
            None, None, f"Failed to find a checkpoint at '{path}'.{hint}"
        )
    latest = _latest_or_none(path) if os.path.isdir(path) else None
    if latest is not None:
        return errors.NotFoundError(
            None,
            None,
            f"'{path}' is a directory of checkpoints, not a checkpoint; pass"
            f" tf.train.latest_checkpoint('{path}') (= {latest!r}).",
        )
    if os.path.isdir(path) and any(
        os.path.exists(os.path.join(path, f))
        for f in ("manifest.ocdbt", "_CHECKPOINT_METADATA", "commit_success.txt")
    ):
        return errors.DataLossError(
            None,
            None,
            f"Checkpoint '{path}' is incomplete or corrupted: its"
            f" '{_ORBAX_METADATA_FILE}' file is missing.",
        )
    return errors.NotFoundError(
        None,
        None,
        f"'{path}' is not a checkpoint (an orbax checkpoint directory with a"
        f" '{_ORBAX_METADATA_FILE}' file).",
    )


def _checkpoint_dir(path: str) -> str:
    """The complete checkpoint directory for a saved path, or a clear error."""
    resolved = _resolve(path)
    if resolved is None:
        raise _checkpoint_errors(path)
    return resolved


def _find_checkpoint(ckpt_dir_or_file: str) -> str:
    """A checkpoint path, or the latest checkpoint of a directory (as TF1)."""
    path = os.fspath(ckpt_dir_or_file)
    if _resolve(path) is None and os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise errors.NotFoundError(
                None,
                None,
                f"Couldn't find a 'checkpoint' index file or checkpoints in the"
                f" directory '{path}'.",
            )
        path = latest
    return _checkpoint_dir(path)


@dataclasses.dataclass(frozen=True)
class _Contents:
    """What a checkpoint's metadata says: array specs and jgraph's JSON entry."""

    specs: dict[str, tuple[tuple[int, ...], np.dtype]]
    meta: dict[str, Any]


def _read_contents(directory: str) -> _Contents:
    try:
        with (
            _literal_path(directory) as literal,
            ocp.Checkpointer(ocp.PyTreeCheckpointHandler()) as checkpointer,
        ):
            metadata = checkpointer.metadata(literal).item_metadata
        tree = metadata.tree
        custom = metadata.custom_metadata or {}
    except errors.OpError:
        raise
    except Exception as err:  # orbax raises JSON, OS and ValueErrors alike
        raise errors.DataLossError(
            None,
            None,
            f"Checkpoint '{directory}' is corrupted: cannot read its metadata"
            f" ({type(err).__name__}: {err}).",
        ) from err
    if not isinstance(tree, Mapping):
        raise errors.DataLossError(
            None,
            None,
            f"Checkpoint '{directory}' holds a {type(tree).__name__}, not a flat"
            " {name: array} dict.",
        )
    specs = {}
    for name, leaf in tree.items():
        shape, dtype = getattr(leaf, "shape", None), getattr(leaf, "dtype", None)
        if shape is None or dtype is None:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Checkpoint '{directory}' entry '{name}' is not an array"
                f" ({type(leaf).__name__}); jgraph checkpoints are flat"
                " {name: array} dicts.",
            )
        specs[name] = (tuple(shape), np.dtype(dtype))
    meta = custom.get(_META_KEY) if isinstance(custom, Mapping) else None
    return _Contents(specs, dict(meta) if isinstance(meta, Mapping) else {})


def _read_arrays(
    directory: str, targets: Mapping[str, Any], alone: bool = False
) -> dict[str, Any]:
    """Reads ``targets`` (name -> ShapeDtypeStruct, or np.ndarray type) only;
    ``alone``: this process reads by itself, although it is one of several."""
    options = ocp.options.MultiprocessingOptions()
    if alone:
        me = jax.process_index()
        options = ocp.options.MultiprocessingOptions(
            primary_host=me, active_processes={me}
        )
    restore_args = {
        name: ocp.RestoreArgs(restore_type=np.ndarray)
        if target is np.ndarray
        else ocp.ArrayRestoreArgs(
            restore_type=jax.Array,
            sharding=target.sharding,
            global_shape=target.shape,
            dtype=target.dtype,
        )
        for name, target in targets.items()
    }
    item = {
        name: 0 if target is np.ndarray else target for name, target in targets.items()
    }
    try:
        # NOTE: x64, or orbax restores int64/float64 arrays as 32-bit ones.
        with (
            jax.enable_x64(True),
            _literal_path(directory) as literal,
            ocp.Checkpointer(
                ocp.PyTreeCheckpointHandler(multiprocessing_options=options),
                multiprocessing_options=options,
            ) as checkpointer,
        ):
            return checkpointer.restore(
                literal,
                args=ocp.args.PyTreeRestore(
                    item=item, restore_args=restore_args, partial_restore=True
                ),
            )
    except errors.OpError:
        raise
    except Exception as err:  # tensorstore reports damage as ValueError/OSError
        raise errors.DataLossError(
            None,
            None,
            f"Checkpoint '{directory}' is corrupted or truncated: reading"
            f" {sorted(targets)} failed ({type(err).__name__}: {err}).",
        ) from err


def _verify(directory: str, arrays: Mapping[str, Any], contents: _Contents) -> None:
    """Checks restored arrays against the specs and the checksums saved with them."""
    for name, value in arrays.items():
        shape, dtype = contents.specs[name]
        if tuple(value.shape) != shape or np.dtype(value.dtype) != dtype:
            raise errors.DataLossError(
                None,
                None,
                f"Checkpoint '{directory}': '{name}' was read as"
                f" {np.dtype(value.dtype).name}{format_shape(value.shape)}, but the"
                f" checkpoint declares {dtype.name}{format_shape(shape)}.",
            )
    saved = contents.meta.get("fingerprints")
    if not isinstance(saved, Mapping):
        return  # not written by jgraph: nothing to check against
    wanted = {n: v for n, v in arrays.items() if n in saved}
    actual = _fingerprints_json(_fingerprints(wanted))
    bad = sorted(n for n in wanted if actual[n] != list(saved[n]))
    if bad:
        raise errors.DataLossError(
            None,
            None,
            f"Checkpoint '{directory}' is corrupted: the data of {bad} does not match"
            " the checksums saved with it. Restore an earlier checkpoint.",
        )


_ALONE_TIMEOUT_S = 600  # the single-process writer of a lone save


def _alone(arrays: Mapping[str, Any]) -> bool:
    """Whether this process writes a checkpoint of ``arrays`` by itself although it
    is one of several (jax.distributed): it holds every value whole (a worker of
    between-graph replication saving its copy, ``jgraph.distribute.replicas``), so
    no other process takes part (a chief-only save must not wait for them)."""
    return jax.process_count() > 1 and all(
        isinstance(a, jax.Array) and a.is_fully_addressable for a in arrays.values()
    )


def _write_alone(path: str, arrays: Mapping[str, Any], meta: dict[str, Any]) -> None:
    """:func:`_write` from this process alone, although it is one of several.

    orbax's writers are collective once ``jax.distributed`` runs (process-local
    arrays are refused; numpy arrays and metadata are written by process 0 only),
    so a fresh single-process Python (``jgraph.checkpoint._alone``) writes the
    values this process hands it: the same files, staging and read-back as any
    save, at the cost of starting that process (a few seconds).
    """
    save_dir = os.path.dirname(path) or "."
    with tempfile.NamedTemporaryFile(
        dir=save_dir, prefix=".jgraph-alone-", suffix=".pkl", delete=False
    ) as handoff:
        pickle.dump(
            ({n: np.asarray(a) for n, a in arrays.items()}, meta),
            handoff,
            protocol=pickle.HIGHEST_PROTOCOL,
        )
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env["JAX_PLATFORMS"] = "cpu"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "jgraph.checkpoint._alone", handoff.name, path],
            env=env,
            capture_output=True,
            text=True,
            timeout=_ALONE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise errors.DeadlineExceededError(
            None,
            None,
            f"Writing checkpoint '{path}' took more than {_ALONE_TIMEOUT_S} s.",
        ) from err
    finally:
        os.unlink(handoff.name)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        last = lines[-1] if lines else f"exit status {done.returncode}"
        kind, _, message = last.partition(": ")
        error = getattr(errors, kind.rsplit(".", 1)[-1], None)
        if isinstance(error, type) and issubclass(error, errors.OpError):
            raise error(None, None, message)
        raise errors.UnknownError(
            None, None, f"Writing checkpoint '{path}' failed: {last}"
        )


def _write(path: str, arrays: Mapping[str, Any], meta: dict[str, Any]) -> None:
    """Writes a complete checkpoint at ``path``, replacing one that is there.

    orbax writes under a temporary name (``.jgraph-tmp-<hash>``), the metadata is
    read back and checked, and only then is the directory renamed to ``path``. On
    any error the partial checkpoint is removed and ``path`` is untouched.

    With several processes (jax.distributed), every process calls this (orbax
    synchronises them and writes each one's shards); only process 0 moves files
    and reads the metadata back.
    """
    save_dir = os.path.dirname(path) or "."
    staging = _sibling(path, "tmp")
    primary = jax.process_index() == 0
    with _IN_FLIGHT.claim(staging):
        try:
            if primary:
                _finish_interrupted_swap(path)
                _remove_tree(staging)
            with (
                _literal_path(save_dir) as literal_dir,
                ocp.Checkpointer(ocp.StandardCheckpointHandler()) as checkpointer,
            ):
                checkpointer.save(
                    os.path.join(literal_dir, os.path.basename(staging)),
                    args=ocp.args.StandardSave(
                        dict(arrays), custom_metadata={_META_KEY: meta}
                    ),
                )
            if primary:
                _read_back(staging, path, arrays, meta)
                _promote(staging, path)
        except BaseException as err:
            if primary:
                _discard_staging(staging)
            mapped = (
                _storage_error(err, f"checkpoint '{path}'")
                if isinstance(err, Exception) and not isinstance(err, errors.OpError)
                else None
            )
            if mapped is None:
                raise
            raise mapped from err


def _read_back(
    staging: str, path: str, arrays: Mapping[str, Any], meta: dict[str, Any]
) -> None:
    """Checks that the checkpoint just written reads back as what was saved."""
    expected = {n: (tuple(a.shape), np.dtype(a.dtype)) for n, a in arrays.items()}
    try:
        contents = _read_contents(staging)
        problem = None
        if contents.specs != expected:
            problem = (
                f"its arrays read back as {_describe_specs(contents.specs)}, not"
                f" {_describe_specs(expected)}"
            )
        elif contents.meta != json.loads(json.dumps(meta)):
            problem = "jgraph's metadata (checksums, RNG key) reads back differently"
    except errors.OpError as err:
        problem = err.message
    if problem is not None:
        raise errors.DataLossError(
            None,
            None,
            f"Checkpoint '{path}' was written but does not read back: {problem}. It"
            " was removed; the index file and the earlier checkpoints are unchanged.",
        )


def _describe_specs(specs: Mapping[str, tuple[tuple[int, ...], np.dtype]]) -> str:
    return ", ".join(
        f"'{n}': {np.dtype(d).name}{format_shape(s)}" for n, (s, d) in specs.items()
    )


# -- Saver -----------------------------------------------------------------------------


def _variable_map(var_list: Any) -> dict[str, Variable]:
    """``{name in checkpoint: Variable}`` from a TF1 ``var_list``."""
    if var_list is None:
        var_list = get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES)
    if isinstance(var_list, Mapping):
        items = list(var_list.items())
    elif isinstance(var_list, Sequence | set | frozenset) and not isinstance(
        var_list, str
    ):
        items = []
        for variable in var_list:
            if not isinstance(variable, Variable):
                raise TypeError(
                    f"Saver var_list entries must be Variables, got {variable!r}."
                )
            items.append((variable.op.name, variable))
    else:
        raise TypeError(
            f"Saver var_list must be a list of Variables or a dict"
            f" {{name: Variable}}, got {type(var_list).__name__}."
        )
    names: dict[str, Variable] = {}
    for name, variable in items:
        if not isinstance(name, str):
            raise TypeError(f"Saver var_list keys must be strings, got {name!r}.")
        if not isinstance(variable, Variable):
            raise TypeError(
                f"Saver var_list['{name}'] must be a Variable, got {variable!r}."
            )
        if name in names:
            raise ValueError(f"At least two variables have the same name: {name}")
        names[name] = variable
    return names


class Saver:
    """Saves and restores variables, as TF1's ``tf.train.Saver``.

    Args:
      var_list: the variables to save: a list of Variables (saved under their
        names) or a dict ``{name in checkpoint: Variable}``. Default: every
        global variable at construction time, optimizer slots and the global step
        included.
      max_to_keep: how many recent checkpoints to keep; older ones are deleted.
        ``None`` or ``0`` keeps all.
      keep_checkpoint_every_n_hours: additionally keep one checkpoint per this
        many hours.
      allow_empty: allow a Saver without variables (``save`` then does nothing).
      defer_build: collect the default ``var_list`` at the first save/restore.
      pad_step_number: write the step as 8 digits (``model.ckpt-00001000``).
      async_save: make ``save`` non-blocking by default (see ``save``).

    The other TF1 arguments (``sharded``, ``name``, ``restore_sequentially``,
    ``write_version``, ``filename``, ``save_relative_paths``) are accepted and have
    no effect: orbax always writes each array's shards in parallel.

    >>> Saver(var_list=[], allow_empty=True).last_checkpoints
    []
    """

    def __init__(
        self,
        var_list: Any = None,
        reshape: bool = False,
        sharded: bool = False,
        max_to_keep: int | None = 5,
        keep_checkpoint_every_n_hours: float = 10000.0,
        name: str | None = None,
        restore_sequentially: bool = False,
        saver_def: Any = None,
        builder: Any = None,
        defer_build: bool = False,
        allow_empty: bool = False,
        write_version: Any = None,
        pad_step_number: bool = False,
        save_relative_paths: bool = False,
        filename: str | None = None,
        *,
        async_save: bool = False,
    ) -> None:
        if reshape:
            raise NotImplementedError(
                "Saver(reshape=True) is not supported by jgraph: restore needs each"
                " variable's saved shape to match."
            )
        if saver_def is not None or builder is not None:
            raise NotImplementedError(
                "Saver(saver_def=...) and Saver(builder=...) are not supported by"
                " jgraph (there is no SaverDef graph)."
            )
        self._var_list_arg = var_list
        self._covers_all = var_list is None
        self._allow_empty = allow_empty
        self._variables: dict[str, Variable] | None = None
        self._max_to_keep = max_to_keep
        self._keep_every_s = keep_checkpoint_every_n_hours * 3600.0
        self._next_preserve_time = _now() + self._keep_every_s
        self._pad_step_number = pad_step_number
        self._async_save = async_save
        self._last_checkpoints: list[tuple[str, float]] = []
        self._adopted_dirs: set[str] = set()
        self._lock = threading.Lock()
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._pending: concurrent.futures.Future | None = None
        if not defer_build:
            self.build()

    # -- variables --------------------------------------------------------------------
    def build(self) -> None:
        """Collects the variables (done at construction unless ``defer_build``)."""
        if self._variables is not None:
            return
        variables = _variable_map(self._var_list_arg)
        if not variables and not self._allow_empty:
            raise ValueError("No variables to save")
        self._variables = variables

    def _variable_map(self) -> dict[str, Variable]:
        self.build()
        assert self._variables is not None
        return self._variables

    def _check_graph(self, sess: Any) -> None:
        for name, variable in self._variable_map().items():
            if variable.graph is not sess.graph:
                raise ValueError(
                    f"Saver: variable '{name}' is not in the session's graph; create"
                    " the Saver in the graph the session runs."
                )

    # -- checkpoint bookkeeping ---------------------------------------------------------
    @property
    def last_checkpoints(self) -> list[str]:
        """Paths of the checkpoints this Saver still manages, oldest first."""
        with self._lock:
            return [path for path, _ in self._last_checkpoints]

    def set_last_checkpoints_with_time(
        self, last_checkpoints_with_time: Sequence[tuple[str, float]]
    ) -> None:
        """Replaces the managed list with ``(path, save time)`` pairs."""
        with self._lock:
            self._last_checkpoints = [
                (os.fspath(p), float(t)) for p, t in last_checkpoints_with_time
            ]

    def set_last_checkpoints(self, last_checkpoints: Sequence[str]) -> None:
        """Replaces the managed list (deprecated in TF1; save times become now)."""
        now = _now()
        self.set_last_checkpoints_with_time([(p, now) for p in last_checkpoints])

    def recover_last_checkpoints(self, checkpoint_paths: Sequence[str]) -> None:
        """Manages existing checkpoints (e.g. after a restart), as TF1.

        Paths that are no longer complete checkpoints are skipped.
        """
        now = _now()
        self.set_last_checkpoints_with_time(
            [(p, now) for p in checkpoint_paths if checkpoint_exists(p)]
        )

    def _adopt_index(self, save_dir: str, latest_filename: str | None) -> None:
        """Picks up the checkpoints a previous process listed in ``save_dir``."""
        key = os.path.abspath(save_dir)
        if key in self._adopted_dirs:
            return
        self._adopted_dirs.add(key)
        try:
            state = get_checkpoint_state(save_dir, latest_filename)
        except errors.DataLossError as err:
            logger.warning("Ignoring the unreadable index file: %s", err)
            return
        if state is None:
            return
        times = state.all_model_checkpoint_timestamps
        if len(times) != len(state.all_model_checkpoint_paths):
            times = [_now()] * len(state.all_model_checkpoint_paths)
        known = {os.path.abspath(p) for p, _ in self._last_checkpoints}
        adopted = [
            (p, t)
            for p, t in zip(state.all_model_checkpoint_paths, times, strict=True)
            if os.path.abspath(p) not in known and checkpoint_exists(p)
        ]
        self._last_checkpoints = adopted + self._last_checkpoints
        if state.last_preserved_timestamp:
            self._next_preserve_time = (
                state.last_preserved_timestamp + self._keep_every_s
            )

    def _record(
        self,
        path: str,
        save_time: float,
        latest_filename: str | None,
        primary: bool = False,
    ) -> None:
        """Updates the index file, then deletes checkpoints beyond ``max_to_keep``
        (process 0 does, or ``primary``: a process that saved alone)."""
        primary = primary or jax.process_index() == 0
        save_dir = os.path.dirname(path) or "."
        to_delete = []
        with self._lock:
            if self._max_to_keep:
                self._adopt_index(save_dir, latest_filename)
                absolute = os.path.abspath(path)
                self._last_checkpoints = [
                    (p, t)
                    for p, t in self._last_checkpoints
                    if os.path.abspath(p) != absolute
                ]
                self._last_checkpoints.append((path, save_time))
                while len(self._last_checkpoints) > self._max_to_keep:
                    old_path, old_time = self._last_checkpoints.pop(0)
                    # TF1: keep one checkpoint per keep_checkpoint_every_n_hours.
                    if old_time > self._next_preserve_time:
                        self._next_preserve_time += self._keep_every_s
                    else:
                        to_delete.append(old_path)
                kept = list(self._last_checkpoints)
            else:
                kept = [(path, save_time)]
            if primary:
                update_checkpoint_state(
                    save_dir,
                    path,
                    [p for p, _ in kept],
                    latest_filename,
                    [t for _, t in kept],
                    self._next_preserve_time - self._keep_every_s,
                )
        if primary:
            for old_path in to_delete:
                _delete_checkpoint(old_path)

    # -- save -------------------------------------------------------------------------
    def save(
        self,
        sess: Any,
        save_path: str,
        global_step: Any = None,
        latest_filename: str | None = None,
        meta_graph_suffix: str = "meta",
        write_meta_graph: bool = True,
        write_state: bool = True,
        strip_default_attrs: bool = False,
        save_debug_info: bool = False,
        *,
        blocking: bool | None = None,
    ) -> str | None:
        """Saves the variables' current values; returns the checkpoint path.

        Args:
          sess: the Session whose values are saved.
          save_path: the checkpoint prefix, e.g. ``"/tmp/train/model.ckpt"``.
          global_step: appended as ``-<step>``: an int, or a Tensor or Variable
            whose value is read with ``sess``.
          latest_filename: the index file's name (default ``"checkpoint"``).
          write_state: update the index file (and delete old checkpoints).
          blocking: wait until the checkpoint is on disk (default: not
            ``async_save``). When ``False``, copies of the values are taken now
            and written by a background thread while training goes on; call
            :meth:`wait_until_finished` to wait for it and see its errors (the
            next ``save`` or ``restore`` waits too).

        ``meta_graph_suffix``, ``write_meta_graph``, ``strip_default_attrs`` and
        ``save_debug_info`` are accepted for TF1 compatibility and have no effect.

        Returns:
          The checkpoint path (``save_path`` or ``save_path-<step>``), or ``None``
          for an empty Saver.

        Raises:
          FailedPreconditionError: a variable has no value yet.
          ValueError: the parent directory of ``save_path`` does not exist, or
            something other than a checkpoint has the checkpoint's name.
          InvalidArgumentError: no checkpoint can live at this path (a name too
            long for the file system, ...); raised before anything is written.
          ResourceExhaustedError: the disk is full (``PermissionDeniedError``: not
            writable); the partial checkpoint was removed.
          DataLossError: the checkpoint written does not read back.
        """
        variables = self._variable_map()
        self.wait_until_finished()
        if not variables:
            return None
        self._check_graph(sess)
        save_path = os.fsdecode(os.fspath(save_path))
        if global_step is not None:
            if not isinstance(global_step, numbers.Number):
                global_step = sess.run(global_step)
            step = int(np.asarray(global_step))
            path = (
                f"{save_path}-{step:08d}"
                if self._pad_step_number
                else f"{save_path}-{step}"
            )
        else:
            path = save_path
        save_dir = os.path.dirname(path) or "."
        _check_save_path(path)
        if not os.path.isdir(save_dir):
            raise ValueError(f"Parent directory of {path} doesn't exist, can't save.")
        if os.path.lexists(path) and not _is_checkpoint_or_empty(path):
            raise ValueError(
                f"Cannot save a checkpoint at '{path}': a file or directory of that"
                " name exists and is not a checkpoint (it was left untouched)."
            )

        # Copies now, taken as one consistent state even while another thread
        # trains: the live arrays are donated to (and deleted by) the next run.
        state = sess.get_state(names=[v.op.name for v in variables.values()])
        arrays = {}
        with jax.enable_x64(True):
            for name, variable in variables.items():
                value = state.variables.get(variable.op.name)
                if value is None:
                    raise errors.FailedPreconditionError(
                        None,
                        variable.op,
                        f"Attempting to save uninitialized value '{variable.op.name}'."
                        " Run jg.global_variables_initializer() (or restore) first.",
                    )
                if not isinstance(value, jax.Array):
                    raise errors.UnimplementedError(
                        None,
                        variable.op,
                        f"Cannot save variable '{variable.op.name}': its value lives"
                        f" in another process ({type(value).__name__}), and Saver"
                        " saves only values this process can address.",
                    )
                arrays[name] = value
            key = _rng_json(state.key)
        fingerprints = _fingerprints(arrays)
        save_time = _now()
        alone = _alone(arrays)

        def write() -> None:
            meta: dict[str, Any] = {
                "format_version": FORMAT_VERSION,
                "rng_key": key,
                "fingerprints": _fingerprints_json(fingerprints),
            }
            if alone or jax.process_index() == 0:
                _clean_leftovers(save_dir, latest_filename)
            if alone:
                _write_alone(path, arrays, meta)
            else:
                _write(path, arrays, meta)
            if write_state:
                self._record(path, save_time, latest_filename, alone)
            if jax.process_count() > 1 and not alone:
                # Process 0 renames and writes the index: nobody returns before.
                multihost_utils.sync_global_devices(f"jgraph Saver.save {path}")

        if blocking is None:
            blocking = not self._async_save
        if blocking:
            write()
        else:
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="jgraph-saver"
                )
            self._pending = self._executor.submit(write)
        return path

    def wait_until_finished(self) -> None:
        """Waits for a non-blocking ``save``; raises the error it met, if any."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    # -- restore ------------------------------------------------------------------------
    def restore(self, sess: Any, save_path: str) -> None:
        """Restores the variables from a checkpoint; all or nothing.

        Every name, shape, dtype and checksum is checked, and everything is read,
        before any session value changes. Restored variables count as
        initialised. Each value goes where the variable's current value lives
        (its device or sharding), or to the default device.

        Args:
          sess: the Session to restore into.
          save_path: a path ``save`` returned (e.g. from ``latest_checkpoint``).

        Raises:
          ValueError: ``save_path`` is None.
          NotFoundError: no checkpoint at ``save_path``, or variables missing in it.
          InvalidArgumentError: a variable's shape or dtype differs from the
            checkpoint's.
          DataLossError: the checkpoint is truncated or corrupted.
        """
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        self.wait_until_finished()
        variables = self._variable_map()
        if not variables:
            return
        self._check_graph(sess)
        save_path = os.fspath(save_path)
        logger.info("Restoring parameters from %s", save_path)
        directory = _checkpoint_dir(save_path)
        contents = _read_contents(directory)
        _check_names(save_path, variables, contents)
        _check_specs(save_path, variables, contents)

        current = sess.get_state(copy=False)
        if _alone_restore(current.variables):
            # Every value is read whole by this process (a worker of between-graph
            # replication restoring its replica): the session places them.
            arrays = _read_arrays(
                directory, dict.fromkeys(variables, np.ndarray), alone=True
            )
            arrays = {n: np.asarray(a, contents.specs[n][1]) for n, a in arrays.items()}
            return self._restored(sess, save_path, variables, arrays, contents, current)
        default_sharding = None
        targets = {}
        for name, variable in variables.items():
            shape, dtype = contents.specs[name]
            live = current.variables.get(variable.op.name)
            if isinstance(live, jax.Array) and tuple(live.shape) == shape:
                sharding = live.sharding
            else:
                if default_sharding is None:
                    default_sharding = jax.device_put(np.zeros((), np.uint8)).sharding
                sharding = default_sharding
            targets[name] = jax.ShapeDtypeStruct(shape, dtype, sharding=sharding)
        arrays = _read_arrays(directory, targets)
        self._restored(sess, save_path, variables, arrays, contents, current)

    def _restored(
        self,
        sess: Any,
        save_path: str,
        variables: Mapping[str, Variable],
        arrays: Mapping[str, Any],
        contents: _Contents,
        current: Any,
    ) -> None:
        """Checks what ``restore`` read and sets it in ``sess``."""
        _verify(_checkpoint_dir(save_path), arrays, contents)
        key = (
            _rng_from_json(contents.meta.get("rng_key"), current.key, save_path)
            if self._covers_all
            else None
        )
        sess.set_state(
            {variable.op.name: arrays[name] for name, variable in variables.items()},
            key=key,
        )


def _alone_restore(live: Mapping[str, Any]) -> bool:
    """Whether a restore reads the checkpoint in this process alone, although it is
    one of several: the session keeps no value spread over processes (see
    :func:`_alone`), so no other process takes part."""
    return jax.process_count() > 1 and all(
        isinstance(v, jax.Array) and v.is_fully_addressable for v in live.values()
    )


def _rng_json(state: RngState | None) -> dict[str, Any] | None:
    """The session's random state as JSON: its root keys and per-op run counts."""
    if state is None:
        return None
    return {
        "roots": _key_json(state.roots),
        "counts": [int(c) for c in np.asarray(state.counts)],
    }


def _rng_from_json(saved: Any, current: RngState, save_path: str) -> Any:
    """The saved random state in the form of the session's, or None."""
    if not isinstance(saved, Mapping) or current is None:
        return None
    if "roots" not in saved:  # roots alone (no per-op streams yet): counts at 0
        saved = {"roots": saved, "counts": []}
    roots = _key_from_json(saved["roots"], current.roots, save_path)
    if roots is None:
        return None
    try:
        counts = np.asarray(saved["counts"], np.uint32).reshape(-1)
    except (KeyError, TypeError, ValueError, OverflowError) as err:
        raise errors.DataLossError(
            None, None, f"Checkpoint '{save_path}' has malformed RNG counts: {err}"
        ) from err
    return grown(RngState(jnp.asarray(roots), jnp.asarray(counts)), ())


def _key_json(key: Any) -> dict[str, Any] | None:
    """The session RNG key as JSON (raw uint32 words; typed keys by their data)."""
    if key is None:
        return None
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    data = np.asarray(key)
    return {
        "dtype": data.dtype.name,
        "shape": list(data.shape),
        "data": [int(x) for x in data.ravel()],
    }


def _key_from_json(saved: Any, current: Any, save_path: str) -> Any:
    """The saved RNG key in the form of the session's current key, or None."""
    if not isinstance(saved, Mapping) or current is None:
        return None
    try:
        data = np.asarray(saved["data"], dtype=saved["dtype"]).reshape(saved["shape"])
    except (KeyError, TypeError, ValueError) as err:
        raise errors.DataLossError(
            None, None, f"Checkpoint '{save_path}' has a malformed RNG key: {err}"
        ) from err
    typed = jnp.issubdtype(current.dtype, jax.dtypes.prng_key)
    current_data = np.asarray(jax.random.key_data(current) if typed else current)
    if data.shape != current_data.shape or data.dtype != current_data.dtype:
        logger.warning(
            "Not restoring the RNG key of '%s': it is %s%s, the session's is %s%s"
            " (a different PRNG implementation).",
            save_path,
            data.dtype,
            list(data.shape),
            current_data.dtype,
            list(current_data.shape),
        )
        return None
    if typed:
        return jax.random.wrap_key_data(
            jnp.asarray(data), impl=jax.random.key_impl(current)
        )
    return data


def _check_names(
    save_path: str, variables: Mapping[str, Variable], contents: _Contents
) -> None:
    missing = [name for name in variables if name not in contents.specs]
    if not missing:
        return
    unused = [name for name in contents.specs if name not in variables]
    lines = []
    for name in missing:
        close = difflib.get_close_matches(name, unused, n=1, cutoff=0.6)
        hint = f" (renamed? the checkpoint has '{close[0]}')" if close else ""
        lines.append(f"  '{name}'{hint}")
    raise errors.NotFoundError(
        None,
        variables[missing[0]].op,
        f"Key(s) not found in checkpoint '{save_path}':\n"
        + "\n".join(lines)
        + "\nTo restore a variable from another name, pass Saver(var_list="
        "{'name_in_checkpoint': variable}).",
    )


def _check_specs(
    save_path: str, variables: Mapping[str, Variable], contents: _Contents
) -> None:
    problems = []
    first = None
    for name, variable in variables.items():
        shape, dtype = contents.specs[name]
        if not variable.shape.is_compatible_with(shape) or dtype != variable.dtype.np:
            first = variable if first is None else first
            problems.append(
                f"  '{name}': the variable '{variable.op.name}' is"
                f" {variable.dtype.name}{format_shape(variable.shape.as_list())},"
                f" the checkpoint has {dtype.name}{format_shape(shape)}"
            )
    if problems:
        raise errors.InvalidArgumentError(
            None,
            first.op if first is not None else None,
            f"Cannot restore from checkpoint '{save_path}': shapes or dtypes differ:\n"
            + "\n".join(problems),
        )


def _delete_checkpoint(path: str) -> None:
    """Deletes a checkpoint so that it is never seen half deleted.

    It is renamed to ``.jgraph-del-<random>`` first (one atomic step after which
    ``checkpoint_exists`` is False), then its files are removed; a process killed
    in between leaves that directory for the next save to remove.
    """
    for victim in (path, _sibling(path, "tmp"), _sibling(path, "old")):
        if not os.path.lexists(victim):
            continue
        trash = os.path.join(
            os.path.dirname(victim), f"{_OWN_PREFIX}del-{secrets.token_hex(8)}"
        )
        with _IN_FLIGHT.claim(trash):
            try:
                os.rename(victim, trash)
            except OSError as err:
                logger.warning(
                    "Ignoring: failed to delete old checkpoint %s: %s", victim, err
                )
                continue
            _remove_tree(trash)


# -- inspecting checkpoints ---------------------------------------------------------------


class CheckpointReader:
    """Reads names, shapes and values of one checkpoint (TF1 ``CheckpointReader``).

    Args:
      ckpt_dir_or_file: a checkpoint path, or a directory (its latest checkpoint).
    """

    def __init__(self, ckpt_dir_or_file: str) -> None:
        self._directory = _find_checkpoint(ckpt_dir_or_file)
        self._contents = _read_contents(self._directory)

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return {n: list(s) for n, (s, _) in self._contents.specs.items()}

    def get_variable_to_dtype_map(self) -> dict[str, Any]:
        return {n: as_dtype(d) for n, (_, d) in self._contents.specs.items()}

    def has_tensor(self, name: str) -> bool:
        return _strip_output(name) in self._contents.specs

    def get_tensor(self, name: str) -> np.ndarray:
        """The value of one variable as a numpy array (only its data is read)."""
        name = _strip_output(name)
        if name not in self._contents.specs:
            close = difflib.get_close_matches(name, list(self._contents.specs), n=3)
            hint = f" Close names: {close}." if close else ""
            raise errors.NotFoundError(
                None,
                None,
                f"Key '{name}' not found in checkpoint '{self._directory}'.{hint}",
            )
        array = _read_arrays(self._directory, {name: np.ndarray})[name]
        _verify(self._directory, {name: array}, self._contents)
        return array


def _strip_output(name: str) -> str:
    return name[:-2] if name.endswith(":0") else name


def NewCheckpointReader(filepattern: str) -> CheckpointReader:
    """TF1's ``tf.train.NewCheckpointReader``: a :class:`CheckpointReader`."""
    return CheckpointReader(filepattern)


def load_checkpoint(ckpt_dir_or_file: str) -> CheckpointReader:
    """A :class:`CheckpointReader` for a checkpoint or a directory's latest one."""
    return CheckpointReader(ckpt_dir_or_file)


def list_variables(ckpt_dir_or_file: str) -> list[tuple[str, list[int]]]:
    """``[(name, shape)]`` of a checkpoint, sorted by name; reads only metadata.

    Args:
      ckpt_dir_or_file: a checkpoint path, or a directory (its latest checkpoint).
    """
    reader = CheckpointReader(ckpt_dir_or_file)
    return sorted(reader.get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file: str, name: str) -> np.ndarray:
    """One variable's value from a checkpoint as a numpy array (reads only it).

    Args:
      ckpt_dir_or_file: a checkpoint path, or a directory (its latest checkpoint).
      name: the variable's name in the checkpoint (a trailing ``:0`` is ignored).
    """
    return CheckpointReader(ckpt_dir_or_file).get_tensor(name)


def import_meta_graph(meta_graph_or_file: Any, *args: Any, **kwargs: Any) -> Saver:
    """Not supported: jgraph writes no ``.meta`` graphs (op attributes include
    Python functions, which have no portable encoding)."""
    raise errors.UnimplementedError(
        None,
        None,
        f"tf.train.import_meta_graph({meta_graph_or_file!r}): jgraph writes and reads"
        " no .meta graph files. Rebuild the graph with the code that built it, then"
        " restore the weights with tf.train.Saver().restore(sess, checkpoint);"
        " tf.train.list_variables(checkpoint) lists the names and shapes saved.",
    )


def export_meta_graph(filename: str | None = None, *args: Any, **kwargs: Any) -> Any:
    """Not supported; see :func:`import_meta_graph`."""
    raise errors.UnimplementedError(
        None,
        None,
        f"tf.train.export_meta_graph({filename!r}): jgraph writes no .meta graph"
        " files; save the weights with tf.train.Saver and keep the model code.",
    )
