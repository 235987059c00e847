"""The opt-in persistent compilation cache (``runtime/compile_cache.py``): a second
process running the same program loads its compiled runs from the directory named
by ``ConfigProto(compilation_cache_dir=...)`` or ``JGRAPH_COMPILATION_CACHE_DIR``.

Each program runs in its own process: JAX's cache setting is per process."""

from __future__ import annotations

import os
import subprocess
import sys

import jax
import numpy as np

import jgraph as tf

# Prints: cache hits, cache misses (compiles), the result, the threshold. The threshold is set first (all runs
# are written however fast they compile); jgraph leaves a threshold a user set.
PROGRAM = """
import sys, jax, numpy as np
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
import jgraph as tf
events = []
jax.monitoring.register_event_listener(lambda e, **k: events.append(e))
jax.monitoring.register_event_duration_secs_listener(
    lambda e, d, **k: events.append(e))
x = tf.placeholder(tf.float32, [None, 4])
w = tf.Variable(np.eye(4, dtype=np.float32) * 2)
y = tf.reduce_sum(tf.tanh(tf.matmul(x, w)), axis=1)
config = tf.ConfigProto(compilation_cache_dir=sys.argv[1]) if sys.argv[1] else None
with tf.Session(config=config) as sess:
    sess.run(w.initializer)
    out = sess.run(y, {x: np.ones((3, 4), np.float32)})
print(events.count("/jax/compilation_cache/cache_hits"),
      events.count("/jax/compilation_cache/cache_misses"),
      round(float(out[0]), 5), jax.config.jax_persistent_cache_min_compile_time_secs)
"""


def _run(config_dir: str, env_dir: str | None = None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if "COMPILATION_CACHE" not in k}
    env["JAX_PLATFORMS"] = "cpu"
    if env_dir is not None:
        env["JGRAPH_COMPILATION_CACHE_DIR"] = env_dir
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, config_dir],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_second_process_loads_its_compiled_runs(tmp_path):
    cache = tmp_path / "cache"
    hits, misses, value, threshold = _run(str(cache))
    assert (hits, int(misses) > 0) == ("0", True)
    assert threshold == "0"  # the user's threshold is kept
    assert any(cache.iterdir())
    expected = str(round(4 * float(np.tanh(2.0)), 5))
    assert value == expected
    # Everything compiled the first time comes from the cache; nothing compiles.
    assert _run(str(cache))[:3] == [misses, "0", expected]
    # The environment variable names the same directory.
    assert _run("", env_dir=str(cache))[:3] == [misses, "0", expected]


def test_no_cache_unless_asked() -> None:
    before = jax.config.jax_compilation_cache_dir
    if os.environ.get("JGRAPH_COMPILATION_CACHE_DIR"):
        return
    with tf.Session() as sess:
        sess.run(tf.constant(1.0) + 1.0)
    assert jax.config.jax_compilation_cache_dir == before
