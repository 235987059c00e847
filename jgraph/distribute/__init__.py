"""``jgraph.distribute``: data-parallel placement on one or many processes (a
client of the session's placement); see ``data_parallel``."""

from jgraph.distribute.data_parallel import (
    DataParallel as DataParallel,
    RemoteValue as RemoteValue,
    replica_device_setter as replica_device_setter,
)

__all__ = ["DataParallel", "RemoteValue", "replica_device_setter"]
