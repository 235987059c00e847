# expect: rtol=1e-5 atol=1e-6 -- constant initializers: same values on both sides
# Sharing weights between two towers with tf.variable_scope(reuse=...) and AUTO_REUSE.
import numpy as np
import tensorflow as tf


def tower(x):
    w = tf.get_variable(
        "w", [2, 2], initializer=tf.constant_initializer([[1.0, 2.0], [3.0, 4.0]])
    )
    b = tf.get_variable("b", [2], initializer=tf.constant_initializer(0.5))
    return tf.nn.relu(tf.matmul(x, w) + b)


x1 = tf.placeholder(tf.float32, [None, 2])
x2 = tf.placeholder(tf.float32, [None, 2])
with tf.variable_scope("siamese") as scope:
    o1 = tower(x1)
    scope.reuse_variables()
    o2 = tower(x2)
with tf.variable_scope("other", reuse=tf.AUTO_REUSE):
    o3 = tower(x1)
with tf.variable_scope("other", reuse=tf.AUTO_REUSE):
    o4 = tower(x2)
distance = tf.reduce_sum(tf.square(o1 - o2), 1)
print([v.name for v in tf.trainable_variables()])
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    feed = {
        x1: np.array([[1.0, -1.0], [0.5, 0.5]]),
        x2: np.array([[0.0, 1.0], [2.0, -3.0]]),
    }
    print(sess.run(distance, feed))
    print(sess.run(o3 - o4, feed))
