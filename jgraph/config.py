"""``ConfigProto`` and ``GPUOptions``: the session options TF1 programs pass.

Where it sits: read by the session's placement (``runtime/placement.py``) when a
``Session(config=...)`` is created, and by ``tf.train.Server(config=...)``.

Honoured: ``log_device_placement``, ``allow_soft_placement``, ``device_count``
(hides devices: ``{"GPU": 0}`` runs everything on the CPU),
``gpu_options.visible_device_list`` (which GPUs exist, renumbered from 0, as TF1),
``operation_timeout_in_ms`` (how long a multi-task run waits for the other tasks)
and, jgraph extensions, ``placement`` (e.g. ``jgraph.distribute.DataParallel()``),
``max_compiled_shapes`` and ``compilation_cache_dir`` (a persistent compilation cache).

TF1 difference: the thread-pool and memory options (``intra_op_parallelism_threads``,
``inter_op_parallelism_threads``, ``gpu_options.allow_growth``,
``per_process_gpu_memory_fraction``, ``graph_options``...) are accepted and kept but
have no effect: XLA owns its threads and allocator. Set ``XLA_PYTHON_CLIENT_PREALLOCATE=false``
or ``XLA_PYTHON_CLIENT_MEM_FRACTION`` in the environment before starting Python
for the GPU memory ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Multi-task runs wait this long for the other tasks when none is configured.
DEFAULT_OPERATION_TIMEOUT_MS = 300_000
# JAX's default is 100 s; a dead task is noticed after about this long.
DEFAULT_HEARTBEAT_TIMEOUT_MS = 100_000
# Compiled executables (one per feed shapes) a fetch set keeps by default.
DEFAULT_MAX_COMPILED_SHAPES = 32


@dataclass
class GPUOptions:
    """TF1's ``GPUOptions``; only ``visible_device_list`` changes what jgraph does.

    >>> GPUOptions(visible_device_list="1").visible_device_list
    '1'
    """

    allow_growth: bool = False
    per_process_gpu_memory_fraction: float = 0.0
    visible_device_list: str = ""
    allocator_type: str = ""
    force_gpu_compatible: bool = False

    def visible_indices(self) -> list[int] | None:
        """The GPU indices ``visible_device_list`` keeps (``None``: all of them)."""
        if not self.visible_device_list.strip():
            return None
        try:
            return [int(i) for i in self.visible_device_list.split(",")]
        except ValueError:
            raise ValueError(
                "GPUOptions.visible_device_list must be comma-separated GPU indices"
                f" like '0,1', got {self.visible_device_list!r}."
            ) from None


@dataclass
class ConfigProto:
    """TF1's ``ConfigProto`` (``tf.ConfigProto(log_device_placement=True)``).

    Args:
      log_device_placement: print ``op_name: (OpType): device`` for every op of a
        fetch set, to stderr, when the fetch set is first run.
      allow_soft_placement: an op on a device that does not exist runs on the
        default device instead (with a warning naming the device, once), rather
        than raising ``InvalidArgumentError``.
      device_count: at most this many devices of each type (``{"GPU": 0}``).
      operation_timeout_in_ms: how long a run waits for the other tasks of a
        cluster (0: the default, 300 s).
      heartbeat_timeout_in_ms: jgraph extension, read by ``tf.train.Server``: a task
        that stops answering for this long is declared dead, and the others fail.
      placement: jgraph extension: the session's placement (see
        ``jgraph.distribute``), as ``Session(placement=...)``.
      max_compiled_shapes: jgraph extension: how many compiled executables (one
        per feed shapes) a fetch set keeps; the least recently used is dropped
        (and compiled again if its shapes come back). ``Session.stats()`` counts
        the evictions.
      compilation_cache_dir: jgraph extension: a directory for JAX's persistent
        compilation cache, so the next run of the program loads its compiled runs
        instead of compiling them (``JGRAPH_COMPILATION_CACHE_DIR`` does the same;
        see ``jgraph/runtime/compile_cache.py``).

    >>> ConfigProto(allow_soft_placement=True).allow_soft_placement
    True
    """

    log_device_placement: bool = False
    allow_soft_placement: bool = False
    device_count: dict[str, int] | None = None
    gpu_options: GPUOptions = field(default_factory=GPUOptions)
    operation_timeout_in_ms: int = 0
    heartbeat_timeout_in_ms: int = 0
    intra_op_parallelism_threads: int = 0
    inter_op_parallelism_threads: int = 0
    use_per_session_threads: bool = False
    isolate_session_state: bool = False
    graph_options: Any = None
    rpc_options: Any = None
    cluster_def: Any = None
    experimental: Any = None
    placement: Any = None
    max_compiled_shapes: int = DEFAULT_MAX_COMPILED_SHAPES
    compilation_cache_dir: str = ""

    def device_limit(self, device_type: str) -> int | None:
        """The ``device_count`` limit for ``"CPU"``/``"GPU"`` (``None``: no limit)."""
        for name, count in (self.device_count or {}).items():
            if name.upper() == device_type.upper():
                return int(count)
        return None


def operation_timeout_ms(config: Any) -> int:
    """The multi-task wait of ``config`` (any object; missing fields: defaults)."""
    value = int(getattr(config, "operation_timeout_in_ms", 0) or 0)
    return value if value > 0 else DEFAULT_OPERATION_TIMEOUT_MS


def heartbeat_timeout_ms(config: Any) -> int:
    """The dead-task detection time of ``config``."""
    value = int(getattr(config, "heartbeat_timeout_in_ms", 0) or 0)
    return value if value > 0 else DEFAULT_HEARTBEAT_TIMEOUT_MS
