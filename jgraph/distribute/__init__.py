"""``jgraph.distribute``: data-parallel placement on one or many processes (a
client of the session's placement; see ``data_parallel``), and between-graph
replication as TF1 wrote it (``ps`` tasks, ``replica_device_setter``, a chief; see
``replicas``)."""

from jgraph.distribute.data_parallel import (
    DataParallel as DataParallel,
    RemoteValue as RemoteValue,
)
from jgraph.distribute.replicas import (
    ReplicaPlacement as ReplicaPlacement,
    replica_device_setter as replica_device_setter,
    sync_session as sync_session,
)

__all__ = [
    "DataParallel",
    "RemoteValue",
    "ReplicaPlacement",
    "replica_device_setter",
    "sync_session",
]
