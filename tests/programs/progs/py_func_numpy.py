# expect: rtol=1e-6 atol=1e-6 -- no randomness
# tf.py_func wrapping a numpy function inside the graph.
import numpy as np
import tensorflow as tf


def clipped_cumsum(x):
    return np.minimum(np.cumsum(x), 5.0).astype(np.float32)


x = tf.placeholder(tf.float32, [None])
y = tf.py_func(clipped_cumsum, [x], tf.float32)
z = y * 2.0
with tf.Session() as sess:
    print(sess.run(z, {x: [1.0, 2.0, 3.0, 4.0]}))
    print(sess.run(z, {x: [0.5, 0.5]}))
