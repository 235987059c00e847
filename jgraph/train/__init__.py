"""``tf.train``: optimizers over optax, learning-rate schedules, the global step,
moving averages, and the monitored training session with its hooks.

Where it sits: clients of the graph. An optimizer's ``minimize`` builds one op
whose lowering computes loss, gradients and the optax update inside the run's
jitted function; its slots live in the session state as variables.
"""

from jgraph.checkpoint.saver import (
    CheckpointReader as CheckpointReader,
    CheckpointState as CheckpointState,
    NewCheckpointReader as NewCheckpointReader,
    Saver as Saver,
    checkpoint_exists as checkpoint_exists,
    export_meta_graph as export_meta_graph,
    get_checkpoint_state as get_checkpoint_state,
    import_meta_graph as import_meta_graph,
    latest_checkpoint as latest_checkpoint,
    list_variables as list_variables,
    load_checkpoint as load_checkpoint,
    load_variable as load_variable,
    update_checkpoint_state as update_checkpoint_state,
)
from jgraph.distribute.replicas import (
    replica_device_setter as replica_device_setter,
)
from jgraph.train.basic_session_run_hooks import (
    CheckpointSaverHook as CheckpointSaverHook,
    CheckpointSaverListener as CheckpointSaverListener,
    FeedFnHook as FeedFnHook,
    FinalOpsHook as FinalOpsHook,
    LoggingTensorHook as LoggingTensorHook,
    NanLossDuringTrainingError as NanLossDuringTrainingError,
    NanTensorHook as NanTensorHook,
    SecondOrStepTimer as SecondOrStepTimer,
    StepCounterHook as StepCounterHook,
    StopAtStepHook as StopAtStepHook,
    SummarySaverHook as SummarySaverHook,
)
from jgraph.train.coordinator import Coordinator as Coordinator
from jgraph.train.global_step import (
    assert_global_step as assert_global_step,
    create_global_step as create_global_step,
    get_global_step as get_global_step,
    get_or_create_global_step as get_or_create_global_step,
    global_step as global_step,
)
from jgraph.train.input import (
    batch as batch,
    batch_join as batch_join,
    input_producer as input_producer,
    limit_epochs as limit_epochs,
    range_input_producer as range_input_producer,
    shuffle_batch as shuffle_batch,
    shuffle_batch_join as shuffle_batch_join,
    slice_input_producer as slice_input_producer,
    string_input_producer as string_input_producer,
)
from jgraph.train.learning_rate import (
    cosine_decay as cosine_decay,
    exponential_decay as exponential_decay,
    inverse_time_decay as inverse_time_decay,
    natural_exp_decay as natural_exp_decay,
    piecewise_constant as piecewise_constant,
    polynomial_decay as polynomial_decay,
)
from jgraph.train.monitored_session import (
    ChiefSessionCreator as ChiefSessionCreator,
    MonitoredSession as MonitoredSession,
    MonitoredTrainingSession as MonitoredTrainingSession,
    Scaffold as Scaffold,
    SessionCreator as SessionCreator,
    SingularMonitoredSession as SingularMonitoredSession,
    WorkerSessionCreator as WorkerSessionCreator,
)
from jgraph.train.moving_averages import (
    ExponentialMovingAverage as ExponentialMovingAverage,
)
from jgraph.train.optimizer import Optimizer as Optimizer
from jgraph.train.optimizers import (
    AdadeltaOptimizer as AdadeltaOptimizer,
    AdagradOptimizer as AdagradOptimizer,
    AdamOptimizer as AdamOptimizer,
    FtrlOptimizer as FtrlOptimizer,
    GradientDescentOptimizer as GradientDescentOptimizer,
    MomentumOptimizer as MomentumOptimizer,
    RMSPropOptimizer as RMSPropOptimizer,
)
from jgraph.train.queue_runner import (
    QueueRunner as QueueRunner,
    add_queue_runner as add_queue_runner,
    start_queue_runners as start_queue_runners,
)
from jgraph.train.server import ClusterSpec as ClusterSpec, Server as Server
from jgraph.train.session_run_hook import (
    SessionRunArgs as SessionRunArgs,
    SessionRunContext as SessionRunContext,
    SessionRunHook as SessionRunHook,
    SessionRunValues as SessionRunValues,
)
from jgraph.train.supervisor import Supervisor as Supervisor
from jgraph.train.sync_replicas_optimizer import (
    SyncReplicasOptimizer as SyncReplicasOptimizer,
)
