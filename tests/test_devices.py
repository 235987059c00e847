"""tf.device placement, ConfigProto's device options, device_lib.

In-process tests use pytest's single CPU device; the multi-device checks run in a
subprocess with four CPU devices (``tests/_dist_worker.py devices``), because XLA
fixes its device count when it starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import jgraph as tf
from jgraph.config import ConfigProto, GPUOptions
from jgraph.python.client import device_lib
from jgraph.runtime.devices import SoftPlacementWarning
from jgraph.runtime.placement import SegmentedRun

CPU0 = "/job:localhost/replica:0/task:0/device:CPU:0"
WORKER = Path(__file__).with_name("_dist_worker.py")


# -- one device, in process --------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        "/cpu:0",
        "/device:CPU:0",
        "/job:localhost/replica:0/task:0/device:CPU:0",
        "cpu:*",
    ],
)
def test_device_names_of_this_process_run_in_one_jit(spec):
    with tf.device(spec):
        a = tf.constant(2.0) * 3.0
    with tf.Session() as sess:
        assert sess.run(a) == 6.0
        assert not isinstance(sess._plan(a, ()).lowered.fn, SegmentedRun)


def test_missing_device_is_an_error_naming_op_device_and_the_devices_there_are():
    with tf.device("/gpu:0"):
        a = tf.constant(2.0, name="a") * 3.0
    with tf.Session() as sess:
        with pytest.raises(
            tf.errors.InvalidArgumentError,
            match=r"Cannot assign a device for operation 'a': Operation was explicitly"
            r" assigned to /device:GPU:0 but available devices are"
            r" \[ /job:localhost/replica:0/task:0/device:CPU:0 \]"
            r".*allow_soft_placement=True.*\n  \(op 'a' of type Const, defined at",
        ):
            sess.run(a)


def test_job_and_task_without_a_cluster_do_not_exist():
    with tf.device("/job:worker/task:1"):
        a = tf.constant(1.0, name="a")
    with (
        tf.Session() as sess,
        pytest.raises(
            tf.errors.InvalidArgumentError, match="assigned to /job:worker/task:1"
        ),
    ):
        sess.run(a)


def test_soft_placement_falls_back_to_the_default_device_and_warns_once():
    with tf.device("/device:GPU:3"):
        a = tf.constant(2.0) * 3.0
        b = a + 1.0
    config = ConfigProto(allow_soft_placement=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tf.Session(config=config) as sess:
            assert sess.run(a) == 6.0
            assert sess.run(b) == 7.0
    messages = [str(w.message) for w in caught if w.category is SoftPlacementWarning]
    assert len(messages) == 1
    assert "'/device:GPU:3' does not exist" in messages[0]
    assert f"run on {CPU0}" in messages[0]


def test_soft_placement_warning_category():
    with tf.device("/gpu:1"):
        a = tf.constant(1.0)
    with tf.Session(config=ConfigProto(allow_soft_placement=True)) as sess:
        with pytest.warns(SoftPlacementWarning, match="GPU:1"):
            assert sess.run(a) == 1.0


def test_log_device_placement_prints_each_op_and_its_device(capfd):
    a = tf.constant(5, name="a")
    with tf.device("/cpu:0"):
        b = tf.multiply(a, 10, name="b")
    with tf.Session(config=ConfigProto(log_device_placement=True)) as sess:
        assert sess.run(b) == 50
        sess.run(b)  # logged once per fetch set, when it is first run
    lines = capfd.readouterr().err.splitlines()
    assert lines.count(f"a: (Const): {CPU0}") == 1
    assert lines.count(f"b: (Mul): {CPU0}") == 1


def test_nested_device_scopes_and_device_functions():
    with tf.device("/job:localhost"):
        with tf.device("/cpu:0"):
            a = tf.constant(1.0, name="a")
    with tf.device(lambda op: "/cpu:0" if op.type == "Mul" else ""):
        b = tf.multiply(a, 2.0, name="b")
        c = tf.add(b, 1.0, name="c")
    assert a.device == "/job:localhost/device:CPU:0"
    assert b.device == "/device:CPU:0"
    assert c.device == ""
    with tf.Session() as sess:
        assert sess.run(c) == 3.0


def test_device_count_hides_devices():
    with tf.device("/cpu:0"):
        a = tf.constant(1.0)
    with tf.Session(config=ConfigProto(device_count={"CPU": 0})) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="available devices"):
            sess.run(a)


def test_list_local_devices_uses_tf1_names():
    devices = device_lib.list_local_devices()
    assert devices[0].name == "/cpu:0"
    assert devices[0].device_type == "CPU"
    assert [d.name for d in devices if d.device_type == "CPU"] == ["/cpu:0"]


def test_config_options():
    config = ConfigProto(device_count={"gpu": 0}, gpu_options=GPUOptions())
    assert config.device_limit("GPU") == 0
    assert config.device_limit("CPU") is None
    assert GPUOptions(visible_device_list="1, 0").visible_indices() == [1, 0]
    assert GPUOptions().visible_indices() is None
    with pytest.raises(ValueError, match="comma-separated GPU indices"):
        GPUOptions(visible_device_list="gpu1").visible_indices()


# -- four CPU devices, in a subprocess ---------------------------------------------------


@pytest.fixture(scope="module")
def four_devices():
    env = dict(
        os.environ,
        JAX_PLATFORMS="cpu",
        XLA_FLAGS="--xla_force_host_platform_device_count=4",
    )
    done = subprocess.run(
        [sys.executable, str(WORKER), "devices"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_four_devices_are_listed(four_devices):
    out, _ = four_devices
    assert out["jax_devices"] == 4
    assert out["device_lib"] == ["/cpu:0", "/cpu:1", "/cpu:2", "/cpu:3"]


def test_variables_live_on_their_device(four_devices):
    out, _ = four_devices
    assert out["w_home"] == [1]
    assert out["w_home_after_bump"] == [1]  # assign_add ran there, colocated
    assert out["w_home_after_train"] == [1]  # the update was moved back


def test_ops_run_on_their_devices_and_values_move(four_devices):
    out, stderr = four_devices
    assert out["segments"] == [1, 2, 3]  # w's read, the matmul, the sum
    assert out["h_devices"] == [2]
    assert out["z_devices"] == [3]
    assert out["h"] == out["ref_h"]
    assert out["z"] == out["ref_z"]
    assert "MatMul: (MatMul): /job:localhost/replica:0/task:0/device:CPU:2" in stderr
    assert "w: (VariableV2): /job:localhost/replica:0/task:0/device:CPU:1" in stderr


def test_host_steps_between_devices_move_values_and_state(four_devices):
    out, _ = four_devices
    places = out["host_segments"]
    assert "host" in places and {1, 2, 3} <= set(places)
    assert out["host_total"] == 48.0  # kept [2, 6], py_func gave [3, 7]
    # The py_func's output is a constant to the gradient (TF1's NotDifferentiable).
    np.testing.assert_allclose(out["host_w"], [0.4, -2.0, 1.6], rtol=1e-6)
    assert out["host_w_home"] == [1]


def test_training_across_devices_equals_training_on_one(four_devices):
    out, _ = four_devices
    np.testing.assert_allclose(out["w_after_bump"], np.full((3, 2), 2.0))
    np.testing.assert_allclose(out["w_trained"], out["ref_w_trained"], rtol=1e-6)


def test_variable_reads_across_devices_follow_the_read_rule(four_devices):
    out, _ = four_devices
    assert out["reads"] == [2.0, 1.0, 2.0]  # after the update, before it, fetched


def test_random_numbers_do_not_depend_on_the_device(four_devices):
    out, _ = four_devices
    assert out["random"] == out["random/cpu:3"]


def test_missing_device_among_several(four_devices):
    out, _ = four_devices
    assert (
        "assigned to /device:CPU:7 but available devices are [" in out["missing_error"]
    )
    assert "device:CPU:3 ]" in out["missing_error"]
    assert out["soft_value"] == 6.0
    assert len(out["soft_warnings"]) == 1
    assert "device:CPU:1 ]" in out["limited_error"]


def test_data_parallel_on_four_devices_equals_one_device(four_devices):
    out, _ = four_devices
    dp = out["dp"]
    assert dp["plain_w_devices"] == 1
    assert dp["data_parallel_w_devices"] == 4  # replicated on every device
    np.testing.assert_allclose(dp["data_parallel"], dp["plain"], atol=1e-6)
    assert (
        "has 3 rows, which do not split evenly over this task's 4 devices"
        in dp["data_parallel_uneven"]
    )
    assert "plain_uneven" not in dp


def test_a_graph_wholly_on_one_device_runs_as_one_program_there(four_devices):
    out, _ = four_devices
    here, there = out["one"], out["one/cpu:3"]
    assert there["one_device"] and not there["segmented"]  # no per-segment path
    assert not here["one_device"] and not here["segmented"]  # the default: plain jit
    assert there["w_home"] == [3]  # the state stays on the device between runs
    np.testing.assert_allclose(there["w"], here["w"], rtol=1e-6)
    assert there["drawn"] == here["drawn"]  # the same random stream
    assert there["compiles"] == here["compiles"]  # interleaving never recompiles
