# expect: rtol=1e-5 atol=1e-6 -- no randomness
# Placeholders with no shape at all, multiplied as matrices: the shapes are known
# only when the values are fed.
import numpy as np
import tensorflow as tf

X = tf.placeholder(tf.float32)
W = tf.Variable(np.array([[1.0, 0.5], [-1.0, 2.0]], np.float32))
Y = tf.matmul(X, W)
print(X)
print(Y)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print(sess.run(Y, {X: [[1.0, 2.0]]}))
    print(sess.run(Y, {X: [[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]]}))
