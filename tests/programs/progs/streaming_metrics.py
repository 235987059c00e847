# expect: rtol=1e-6 atol=1e-6 -- no randomness
# tf.metrics.accuracy / mean / precision / recall over batches with their update ops
# and the local variables initializer.
import numpy as np
import tensorflow as tf

labels = tf.placeholder(tf.int64, [None])
predictions = tf.placeholder(tf.int64, [None])
values = tf.placeholder(tf.float32, [None])
acc, acc_op = tf.metrics.accuracy(labels, predictions)
mean, mean_op = tf.metrics.mean(values)
prec, prec_op = tf.metrics.precision(labels, predictions)
rec, rec_op = tf.metrics.recall(labels, predictions)
print([v.name for v in tf.local_variables()])
with tf.Session() as sess:
    sess.run(tf.local_variables_initializer())
    batches = [
        ([1, 0, 1, 1], [1, 1, 1, 0], [0.5, 1.5, 2.0, 3.0]),
        ([0, 0, 1], [0, 1, 1], [4.0, 1.0, 1.0]),
    ]
    for l, p, v in batches:
        sess.run(
            [acc_op, mean_op, prec_op, rec_op], {labels: l, predictions: p, values: v}
        )
        print(
            "accuracy %.4f mean %.4f precision %.4f recall %.4f"
            % tuple(sess.run([acc, mean, prec, rec]))
        )
