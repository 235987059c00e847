"""``tf.train.SyncReplicasOptimizer``: synchronous training over the workers of
between-graph replication (``jgraph.distribute.replicas``).

TF1 accumulates the workers' gradients on the parameter servers and applies their
average once ``replicas_to_aggregate`` have come (then ``global_step`` grows by
one). jgraph's workers take every step together: a step's update is the gradient of
the loss over all workers' batches together, computed in one collective program
(each worker holds a replica of the variables), and ``global_step`` grows by one per
step. For a loss that is a mean over the batch and workers that feed the same number
of rows (uneven batches raise ``InvalidArgumentError``), that is exactly TF1's
average of the replicas' gradients.

Differences, with honest errors: ``replicas_to_aggregate`` must equal
``total_num_replicas`` and the number of workers (no backup workers, no stale
gradients: every worker contributes to every step); ``variable_averages`` is not
supported; there is no token queue (``get_init_tokens_op`` is a ``NoOp``) and no
chief queue runner.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jgraph import errors
from jgraph.distribute.replicas import replica_placement
from jgraph.graph.graph import Operation
from jgraph.ops.state_ops import no_op
from jgraph.train.optimizer import Optimizer
from jgraph.train.session_run_hook import SessionRunHook


class SyncReplicasOptimizer(Optimizer):
    """Wraps ``opt`` so that the workers' steps are one synchronous step.

    Args:
      opt: the optimizer computing and applying the (global-batch) gradients.
      replicas_to_aggregate: gradients per step: must equal ``total_num_replicas``.
      total_num_replicas: the number of workers (default: ``replicas_to_aggregate``).
      variable_averages, variables_to_average: not supported (``None``).

    Raises:
      UnimplementedError: ``replicas_to_aggregate != total_num_replicas``, or
        ``variable_averages`` given.
    """

    def __init__(
        self,
        opt: Optimizer,
        replicas_to_aggregate: int,
        total_num_replicas: int | None = None,
        variable_averages: Any = None,
        variables_to_average: Any = None,
        use_locking: bool = False,
        name: str = "sync_replicas",
    ) -> None:
        super().__init__(use_locking, name)
        if total_num_replicas is None:
            total_num_replicas = replicas_to_aggregate
        if replicas_to_aggregate != total_num_replicas:
            raise errors.UnimplementedError(
                None,
                None,
                f"SyncReplicasOptimizer(replicas_to_aggregate={replicas_to_aggregate},"
                f" total_num_replicas={total_num_replicas}): TF1 would apply the first"
                f" {replicas_to_aggregate} gradients of each step and drop the others"
                " as stale (backup workers), or take several from one worker. jgraph's"
                " workers step together, every worker contributing one gradient per"
                " step: pass replicas_to_aggregate == total_num_replicas == the number"
                " of workers.",
            )
        if variable_averages is not None or variables_to_average is not None:
            raise errors.UnimplementedError(
                None,
                None,
                "SyncReplicasOptimizer(variable_averages=...) is not supported: apply"
                " an ExponentialMovingAverage after the train op instead (its update"
                " runs in the same synchronous step).",
            )
        self._opt = opt
        self.replicas_to_aggregate = replicas_to_aggregate
        self.total_num_replicas = total_num_replicas
        self._applied = False

    def minimize(
        self,
        loss: Any,
        global_step: Any = None,
        var_list: Sequence[Any] | None = None,
        gate_gradients: int = Optimizer.GATE_OP,
        aggregation_method: Any = None,
        colocate_gradients_with_ops: bool = False,
        name: str | None = None,
        grad_loss: Any = None,
    ) -> Operation:
        """``compute_gradients`` then ``apply_gradients``, as TF1's ``minimize``."""
        grads_and_vars = self.compute_gradients(
            loss,
            var_list=var_list,
            gate_gradients=gate_gradients,
            aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops,
            grad_loss=grad_loss,
        )
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, *args: Any, **kwargs: Any) -> list:
        """The wrapped optimizer's gradients (of this worker's part of the loss;
        the collective step makes them the global batch's)."""
        return self._opt.compute_gradients(*args, **kwargs)

    def apply_gradients(
        self, grads_and_vars: Any, global_step: Any = None, name: str | None = None
    ) -> Operation:
        """Applies the gradients with the wrapped optimizer, once per synchronous
        step, and increments ``global_step`` by one.

        Raises:
          ValueError: no ``global_step`` (TF1 needs it to drop stale gradients).
        """
        if global_step is None:
            raise ValueError("Global step is required to check staleness")
        self._applied = True
        return self._opt.apply_gradients(grads_and_vars, global_step, name=name)

    def get_slot(self, *args: Any, **kwargs: Any) -> Any:
        return self._opt.get_slot(*args, **kwargs)

    def get_slot_names(self, *args: Any, **kwargs: Any) -> list[str]:
        return self._opt.get_slot_names(*args, **kwargs)

    def variables(self) -> list:
        return self._opt.variables()

    def get_init_tokens_op(self, num_tokens: int = -1) -> Operation:
        """A ``NoOp``: jgraph's synchronous steps need no tokens (TF1's chief ran
        this once to let the workers start)."""
        del num_tokens
        if not self._applied:
            raise ValueError(
                "get_init_tokens_op() should be called after apply_gradients()."
            )
        return no_op(name="sync_replicas_init_tokens")

    def make_session_run_hook(
        self, is_chief: bool, num_tokens: int = -1
    ) -> SessionRunHook:
        """The hook TF1's programs pass to ``MonitoredTrainingSession``: it checks,
        once the session exists, that the cluster has ``total_num_replicas``
        workers stepping together."""
        del num_tokens
        return _SyncReplicasHook(self, is_chief)


class _SyncReplicasHook(SessionRunHook):
    def __init__(self, optimizer: SyncReplicasOptimizer, is_chief: bool) -> None:
        self._optimizer = optimizer
        self._is_chief = is_chief

    def begin(self) -> None:
        if not self._optimizer._applied:
            raise ValueError(
                "SyncReplicasOptimizer.apply_gradient should be called before using"
                " the hook."
            )

    def after_create_session(self, session: Any, coord: Any) -> None:
        del coord
        placement = replica_placement(session)
        workers = len(placement.workers) if placement is not None else 1
        wanted = self._optimizer.total_num_replicas
        if workers != wanted:
            where = (
                f"the cluster has {workers} worker tasks"
                if placement is not None
                else "this session is not a worker of a cluster with ps tasks"
                " (replica_device_setter), so it is one replica"
            )
            raise errors.InvalidArgumentError(
                None,
                None,
                f"SyncReplicasOptimizer(total_num_replicas={wanted}), but {where}. TF1"
                " would wait for the missing gradients, or take several from one"
                " worker; jgraph's workers step together: pass the number of worker"
                " tasks.",
            )
