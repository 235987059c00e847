"""Saver on real file systems: odd directory names, read-back, leftovers, disk full."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import orbax.checkpoint as ocp
import pytest

import jgraph as tf
from jgraph import errors
from jgraph.checkpoint import saver as saver_lib
from jgraph.checkpoint.saver import (
    NewCheckpointReader,
    Saver,
    checkpoint_exists,
    get_checkpoint_state,
    latest_checkpoint,
    list_variables,
)

LINUX = sys.platform.startswith("linux")

# Directory names the OS allows that orbax or tensorstore used to misread: '['
# and '*?' as glob patterns (sweep directories like 'exp[lr=0.1]'), '\' as a
# path separator; the others are spaces, quoting, non-ASCII and shell-ish names.
ODD_NAMES = {
    "brackets": "exp[lr=0.1]",
    "spaces": "my run 1",
    "backslash": "back\\slash",
    "unicode": "ünïcødé ☃ 日本",
    "glob": "glob*?[]{a,b}",
    "leading-dash": "-rf --help",
    "quotes-newline": 'it\'s "q"\nline',
    "long": "d" * 240,
    "not-utf8": os.fsdecode(b"latin1-\xe9\xff"),
}


def _model():
    w = tf.Variable(tf.fill([2, 3], 1.0), name="dense/kernel")
    step = tf.Variable(0, name="step")
    return w, step


@pytest.mark.parametrize("name", list(ODD_NAMES.values()), ids=list(ODD_NAMES))
def test_odd_directory_and_file_names_work_end_to_end(tmp_path, name):
    if not saver_lib._is_literal(str(tmp_path / name)) and not os.path.isdir(
        "/proc/self/fd"
    ):
        pytest.skip("this name reaches orbax through /proc/self/fd (Linux)")
    directory = tmp_path / name
    directory.mkdir()
    prefix = str(directory / (name[:40] + "[ckpt]"))  # an odd file name too
    w, step = _model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver = Saver(max_to_keep=2)
        paths = []
        for value in (1, 2, 3):
            sess.run([w.assign(tf.fill([2, 3], float(value))), step.assign(value)])
            paths.append(saver.save(sess, prefix, global_step=value))
        assert paths == [f"{prefix}-{v}" for v in (1, 2, 3)]
        # Rotation deleted the first one; the index lists the kept ones.
        assert not checkpoint_exists(paths[0])
        state = get_checkpoint_state(str(directory))
        assert state.all_model_checkpoint_paths == paths[1:]
        assert latest_checkpoint(str(directory)) == paths[2]
        sess.run(step.assign(0))
        saver.restore(sess, paths[1])
        assert sess.run(step) == 2
        np.testing.assert_array_equal(sess.run(w), np.full([2, 3], 2.0))
    assert sorted(os.listdir(directory)) == sorted(
        ["checkpoint", *(os.path.basename(p) for p in paths[1:])]
    )
    assert os.listdir(tmp_path) == [name]  # nothing written beside the directory
    assert list_variables(str(directory)) == [("dense/kernel", [2, 3]), ("step", [])]
    reader = NewCheckpointReader(paths[2])
    np.testing.assert_array_equal(
        reader.get_tensor("dense/kernel"), np.full([2, 3], 3.0)
    )
    assert reader.get_tensor("step") == 3


def test_names_too_long_for_the_file_system_are_refused_before_writing(tmp_path):
    name_max = os.pathconf(tmp_path, "PC_NAME_MAX")
    _model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver = Saver()
        longest = str(tmp_path / ("n" * name_max))
        assert saver.save(sess, longest) == longest  # exactly the limit: works
        assert checkpoint_exists(longest)
        # The step suffix takes the name past the limit.
        with pytest.raises(
            errors.InvalidArgumentError,
            match=rf"Cannot save a checkpoint at .*n-7': its name is {name_max + 2}"
            rf" bytes long and this file system allows {name_max}\. Nothing was",
        ):
            saver.save(sess, longest, global_step=7)
        # A path the OS cannot open whole (its parent is made step by step).
        deep = os.open(tmp_path, os.O_RDONLY)
        try:
            for _ in range(20):
                os.mkdir("d" * 250, dir_fd=deep)
                inner = os.open("d" * 250, os.O_RDONLY, dir_fd=deep)
                os.close(deep)
                deep = inner
        finally:
            os.close(deep)
        too_deep = os.path.join(str(tmp_path), *["d" * 250] * 20, "model.ckpt")
        before = sorted(os.listdir(tmp_path))
        with pytest.raises(
            errors.InvalidArgumentError, match=r"bytes long; with the files .* limit"
        ):
            saver.save(sess, too_deep)
        with pytest.raises(errors.InvalidArgumentError, match="names a directory"):
            saver.save(sess, str(tmp_path) + "/")
        assert sorted(os.listdir(tmp_path)) == before
    assert get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths == [longest]


def test_odd_names_without_proc_are_refused_before_writing(tmp_path, monkeypatch):
    monkeypatch.setattr(saver_lib, "_PROC_FD", str(tmp_path / "no-proc"))
    directory = tmp_path / "exp[lr=0.1]"
    directory.mkdir()
    _model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(
            errors.InvalidArgumentError,
            match=r"Cannot use the checkpoint path '.*exp\[lr=0\.1\]/model\.ckpt-1':"
            r" orbax reads '\[', '\*' and '\?' in a path as glob patterns",
        ):
            Saver().save(sess, str(directory / "model.ckpt"), global_step=1)
        Saver().save(sess, str(tmp_path / "plain"))  # other names still work
    assert os.listdir(directory) == []


def test_a_users_directory_of_the_checkpoints_name_is_never_replaced(tmp_path):
    mine = tmp_path / "model.ckpt"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    _model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(ValueError, match=r"is not a checkpoint .*left untouched"):
            Saver().save(sess, str(mine))
    assert os.listdir(mine) == ["notes.txt"]
    assert sorted(os.listdir(tmp_path)) == ["model.ckpt"]


# -- read-back ------------------------------------------------------------------------------


def _damage_metadata_after_orbax_writes(monkeypatch, damage):
    """orbax's save writes the checkpoint, then storage loses part of it."""
    real_save = ocp.Checkpointer.save

    def save(self, directory, *args, **kwargs):
        real_save(self, directory, *args, **kwargs)
        damage(os.fspath(directory))

    monkeypatch.setattr(ocp.Checkpointer, "save", save)


def _truncate_metadata(directory):
    with open(os.path.join(directory, "_METADATA"), "r+b") as file:
        file.truncate(10)


def _drop_an_array(directory):
    path = os.path.join(directory, "_METADATA")
    with open(path) as file:
        metadata = json.load(file)
    tree = metadata["tree_metadata"]
    del tree[next(k for k in tree if "step" in k)]
    with open(path, "w") as file:
        json.dump(metadata, file)


@pytest.mark.parametrize(
    "damage",
    [_truncate_metadata, _drop_an_array, lambda d: os.remove(f"{d}/_METADATA")],
    ids=["truncated", "array-missing", "file-missing"],
)
def test_a_save_that_does_not_read_back_raises_and_changes_nothing(
    tmp_path, monkeypatch, damage
):
    w, step = _model()
    prefix = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver = Saver(max_to_keep=1)
        sess.run(step.assign(1))
        good = saver.save(sess, prefix, global_step=1)
        sess.run([step.assign(2), w.assign(tf.fill([2, 3], 5.0))])
        with monkeypatch.context() as patch:
            _damage_metadata_after_orbax_writes(patch, damage)
            with pytest.raises(
                errors.DataLossError,
                match=r"model\.ckpt-2' was written but does not read back: .*"
                r"removed; the index file and the earlier checkpoints are unchanged",
            ):
                saver.save(sess, prefix, global_step=2)
        # The index still points at the good one, which max_to_keep=1 kept.
        assert latest_checkpoint(str(tmp_path)) == good
        assert saver.last_checkpoints == [good]
        assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.ckpt-1"]
        saver.restore(sess, good)
        assert sess.run(step) == 1
        # Next time it works, and rotation goes on.
        assert saver.save(sess, prefix, global_step=3) == prefix + "-3"
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.ckpt-3"]


def test_read_back_failure_of_a_resave_keeps_the_old_copy(tmp_path, monkeypatch):
    _w, step = _model()
    path = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        Saver().save(sess, path)
        sess.run(step.assign(5))
        with monkeypatch.context() as patch:
            _damage_metadata_after_orbax_writes(patch, _truncate_metadata)
            with pytest.raises(errors.DataLossError, match="does not read back"):
                Saver().save(sess, path)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.ckpt"]
    assert NewCheckpointReader(path).get_tensor("step") == 0


def test_disk_full_while_writing_the_index_keeps_the_old_index(tmp_path, monkeypatch):
    _model()
    prefix = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver = Saver(max_to_keep=1)
        first = saver.save(sess, prefix, global_step=1)

        def full_disk(fd):
            raise OSError(errno.ENOSPC, "No space left on device")

        with monkeypatch.context() as patch:
            patch.setattr(os, "fsync", full_disk)
            with pytest.raises(
                errors.ResourceExhaustedError,
                match=r"Cannot write the checkpoint index file '.*checkpoint': no space",
            ):
                saver.save(sess, prefix, global_step=2)
    # The index still lists the first checkpoint, which was not rotated out; the
    # second one is complete but unlisted, and no index temp file is left.
    assert latest_checkpoint(str(tmp_path)) == first
    assert sorted(os.listdir(tmp_path)) == [
        "checkpoint",
        "model.ckpt-1",
        "model.ckpt-2",
    ]


# -- rotation deletes by renaming first ----------------------------------------------------------


def test_deletion_renames_before_removing(tmp_path, monkeypatch):
    """Whatever instant a deletion stops at, the checkpoint is whole or gone."""
    _model()
    prefix = str(tmp_path / "model.ckpt")
    seen = []
    remove_tree = saver_lib._remove_tree

    def observe(path):
        # Called to remove files: the checkpoint's own name must already be gone.
        seen.append((os.path.basename(path), checkpoint_exists(prefix + "-1")))
        remove_tree(path)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver = Saver(max_to_keep=1)
        saver.save(sess, prefix, global_step=1)
        monkeypatch.setattr(saver_lib, "_remove_tree", observe)
        saver.save(sess, prefix, global_step=2)
    deleted = [
        (name, exists) for name, exists in seen if name.startswith(".jgraph-del-")
    ]
    assert deleted and all(not exists for _, exists in deleted)


# -- disk full -----------------------------------------------------------------------------------

_DISK_FULL_CHILD = textwrap.dedent(
    """
    import json, os, sys
    os.environ["JAX_PLATFORMS"] = "cpu"
    import numpy as np
    import jgraph as tf
    from jgraph.checkpoint.saver import Saver, latest_checkpoint

    directory, mode = sys.argv[1], sys.argv[2]
    small = tf.Variable(np.arange(8, dtype=np.float32), name="small")
    big = tf.Variable(tf.zeros([1 << 20]), name="big")  # zeros: stored as nothing
    noise = np.random.default_rng(0).standard_normal(1 << 20).astype(np.float32)
    report = {}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver = Saver(max_to_keep=2)
        prefix = os.path.join(directory, "model.ckpt")
        first = saver.save(sess, prefix, global_step=1)
        report["used_before"] = sorted(os.listdir(directory))
        stat = os.statvfs(directory)
        report["free_before"] = stat.f_bfree * stat.f_frsize
        if mode == "enospc":
            sys.path.insert(0, sys.argv[3])
            import _enospc
            _enospc.fail_file_writes()
        else:
            big.load(noise, sess)  # 4 MiB of noise: far more than the disk holds
        try:
            saver.save(sess, prefix, global_step=2)
        except Exception as err:
            report["error"] = [type(err).__name__, str(err)]
        stat = os.statvfs(directory)
        report["free_after"] = stat.f_bfree * stat.f_frsize
        report["after"] = sorted(os.listdir(directory))
        report["latest"] = latest_checkpoint(directory)
        report["last_checkpoints"] = saver.last_checkpoints
        report["first"] = first
    print("REPORT " + json.dumps(report), flush=True)
    """
)


def _check_disk_full_report(report: dict, directory: str) -> None:
    kind, message = report["error"]
    assert kind == "ResourceExhaustedError", message
    assert (
        f"Cannot write checkpoint '{directory}/model.ckpt-2': no space left" in message
    )
    assert "Whatever it wrote was removed" in message
    # The temporary directory is gone; the index still points at the first one.
    assert report["after"] == report["used_before"] == ["checkpoint", "model.ckpt-1"]
    assert report["latest"] == report["first"] == f"{directory}/model.ckpt-1"
    assert report["last_checkpoints"] == [report["first"]]


def _report(stdout: str) -> dict:
    lines = [line for line in stdout.splitlines() if line.startswith("REPORT ")]
    assert lines, stdout[-3000:]
    return json.loads(lines[-1][len("REPORT ") :])


def test_disk_full_on_a_real_small_file_system(tmp_path):
    """A 1 MiB tmpfs in a private mount namespace: the real ENOSPC from the kernel."""
    unshare = shutil.which("unshare")
    mount = shutil.which("mount")
    if not LINUX or unshare is None or mount is None:
        pytest.skip("needs Linux with unshare(1) and mount(8) to mount a small tmpfs")
    probe = subprocess.run(
        [unshare, "-rm", "sh", "-c", f"{mount} -t tmpfs -o size=64k tmpfs {tmp_path}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if probe.returncode != 0:
        pytest.skip(
            "this machine does not let an unprivileged user namespace mount a tmpfs"
            f" (unshare -rm mount: {probe.stderr.strip()})"
        )
    directory = tmp_path / "small_disk"
    directory.mkdir()
    script = (
        f'{mount} -t tmpfs -o size=1m tmpfs "$1" && '
        f'exec "$2" -c "$3" "$1" tmpfs'  # the mount vanishes with the process
    )
    command = [unshare, "-rm", "sh", "-c", script, "sh", str(directory)]
    result = subprocess.run(
        [*command, sys.executable, _DISK_FULL_CHILD],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = _report(result.stdout)
    _check_disk_full_report(report, str(directory))
    # The space the failed save took is free again (within a few blocks).
    assert report["free_after"] >= report["free_before"] - 16 * 1024
    assert os.listdir(directory) == []  # the tmpfs was private to the child


@pytest.mark.skipif(
    not LINUX, reason="seccomp (to make file writes fail) exists only on Linux"
)
def test_disk_full_from_the_kernel_write_calls(tmp_path):
    """Every file write of the child fails with ENOSPC at the system-call level
    (a seccomp filter), so orbax, tensorstore and jgraph meet the real error."""
    helpers = os.path.dirname(os.path.abspath(__file__))
    result = subprocess.run(
        [sys.executable, "-c", _DISK_FULL_CHILD, str(tmp_path), "enospc", helpers],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = _report(result.stdout)
    _check_disk_full_report(report, str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.ckpt-1"]
