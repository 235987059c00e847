"""The TF1 tutorial's cluster example, as its users wrote it (tests/test_serving.py).

``python tests/_tf1_cluster.py ROLE PORT0 PORT1``: ``worker N`` is the tutorial's
worker script (task N: start, join); ``client`` its client in a process outside
the cluster; ``client_task1`` its client as written, which is task 1 itself. The
cluster is ``{"my_job": ["localhost:PORT0", "localhost:PORT1"]}``. The clients
print the value of ``c`` and then ``INFO <json>``: each task's pid and the ops
that ran in its process. ``task N --timeout-ms T`` and ``client_loop`` are the
failure cases' tasks and client.
"""

from __future__ import annotations

import json
import sys
import time

import jgraph as tf
from jgraph.runtime.serving import task_info


def worker(task_number: int, cluster) -> None:
    server = tf.train.Server(cluster, job_name="my_job", task_index=task_number)
    print("Worker #{}".format(task_number), flush=True)  # noqa: UP032 -- as written
    server.start()
    server.join()


def client(target: str, initialize: bool) -> None:
    a = tf.Variable(5)
    with tf.device("/job:my_job/task:0"):
        b = tf.multiply(a, 10)
    with tf.device("/job:my_job/task:1"):
        c = tf.add(b, a)
    with tf.Session(target) as sess:
        if initialize:
            sess.run(tf.global_variables_initializer())
        try:
            res = sess.run(c)
        except tf.errors.OpError as err:
            print(f"ERROR {type(err).__name__}: {err}", flush=True)
            return
        print(res, flush=True)
        print("AGAIN", sess.run(c + 0), flush=True)


def task(index: int, addresses: list[str], flags: list[str]) -> None:
    """A task started with ``--timeout-ms T`` (and ``--spec3``: a ClusterSpec with
    a third task) that reports how its start ended: ``ERROR <class>: <message>``
    and exit code 3, or ``STARTED`` and serving."""
    if "--spec3" in flags:
        addresses = [*addresses, "localhost:1"]
    timeout_ms = int(flags[flags.index("--timeout-ms") + 1])
    config = tf.ConfigProto(operation_timeout_in_ms=timeout_ms)
    cluster = tf.train.ClusterSpec({"my_job": addresses})
    start = time.monotonic()
    try:
        server = tf.train.Server(
            cluster, job_name="my_job", task_index=index, config=config
        )
    except tf.errors.OpError as err:
        print(f"AFTER {time.monotonic() - start:.1f}", flush=True)
        print(f"ERROR {type(err).__name__}: {err.message}", flush=True)
        sys.exit(3)
    print("STARTED", flush=True)
    server.join()


def client_loop(target: str) -> None:
    """The tutorial's client, running ``c`` again for every line on stdin."""
    a = tf.Variable(5)
    with tf.device("/job:my_job/task:0"):
        b = tf.multiply(a, 10)
    with tf.device("/job:my_job/task:1"):
        c = tf.add(b, a)
    with tf.Session(target) as sess:
        sess.run(tf.global_variables_initializer())
        print("RAN", sess.run(c), flush=True)
        for _ in sys.stdin:
            start = time.monotonic()
            try:
                print("RAN", sess.run(c), flush=True)
            except tf.errors.OpError as err:
                print(f"AFTER {time.monotonic() - start:.1f}", flush=True)
                print(f"ERROR {type(err).__name__}: {err.message}", flush=True)
                return


def main() -> None:
    role, port0, port1 = sys.argv[1], sys.argv[2], sys.argv[3]
    flags = sys.argv[4:]
    addresses = [f"localhost:{port0}", f"localhost:{port1}"]
    cluster = tf.train.ClusterSpec({"my_job": addresses})
    if role == "worker":
        worker(int(flags[0]), cluster)
        return
    if role == "task":
        task(int(flags[0]), addresses, flags[1:])
        return
    if role == "client_loop":
        client_loop(f"grpc://localhost:{port0}")
        return
    if role == "client_task1":
        server = tf.train.Server(cluster, job_name="my_job", task_index=1)
        del server
    client(f"grpc://localhost:{port0}", "--no-init" not in flags)
    jobs = {"my_job": dict(enumerate(addresses))}
    info = [task_info(jobs, ("my_job", i)) for i in range(2)]
    print("INFO " + json.dumps(info), flush=True)


if __name__ == "__main__":
    main()
