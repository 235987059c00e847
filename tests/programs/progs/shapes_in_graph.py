# expect: rtol=1e-6 atol=1e-6 -- no randomness
# Shapes that come from tf.shape of a fed tensor.
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.float32, [None])
batch = tf.shape(x)[0]
z = tf.zeros(tf.shape(x)) + 1.0
r = tf.range(0, batch)
m = tf.reshape(x, [-1, 2])
o = tf.ones([batch, 3])
with tf.Session() as sess:
    print(sess.run([z, r, m, tf.reduce_sum(o)], {x: np.arange(6, dtype=np.float32)}))
    print(sess.run(tf.reduce_sum(m), {x: np.arange(4, dtype=np.float32)}))
