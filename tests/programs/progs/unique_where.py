# expect: rtol=1e-6 atol=1e-6 -- no randomness
# Ops whose output size depends on the values: tf.unique, tf.where(cond), boolean_mask.
import numpy as np
import tensorflow as tf

x = tf.placeholder(tf.int32, [None])
mask = tf.placeholder(tf.bool, [None])
values, idx = tf.unique(x)
positions = tf.where(x > 2)
kept = tf.boolean_mask(x, mask)
with tf.Session() as sess:
    feed = {x: [4, 1, 4, 3, 1, 7], mask: [True, False, True, False, False, True]}
    v, i, p, k = sess.run([values, idx, positions, kept], feed)
    print(v, i)
    print(p.ravel())
    print(k)
