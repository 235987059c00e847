# expect: rtol=1e-6 atol=1e-6 -- no randomness
# A FIFOQueue fed by a QueueRunner thread, dequeued by the training loop, with a
# Coordinator stopping the threads.
import numpy as np
import tensorflow as tf

data = tf.constant(np.arange(12, dtype=np.float32).reshape(6, 2))
queue = tf.FIFOQueue(capacity=10, dtypes=[tf.float32], shapes=[[2]])
enqueue = queue.enqueue_many([data])
qr = tf.train.QueueRunner(queue, [enqueue])
tf.train.add_queue_runner(qr)
batch = queue.dequeue_many(3)
total = tf.reduce_sum(batch)
with tf.Session() as sess:
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess=sess, coord=coord)
    for i in range(4):
        print("batch", i, "sum", sess.run(total))
    coord.request_stop()
    coord.join(threads)
