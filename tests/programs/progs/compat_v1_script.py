# expect: rtol=1e-4 atol=1e-6 -- constant initializers; no randomness
# The TF2-era way of running TF1 code: import tensorflow.compat.v1 and disable v2.
import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()

x = tf.placeholder(tf.float32, shape=[None, 2])
h = tf.layers.dense(
    x,
    3,
    activation=tf.nn.tanh,
    kernel_initializer=tf.constant_initializer([[0.1, 0.2, 0.3], [-0.1, 0.4, 0.0]]),
)
out = tf.layers.dense(h, 1, kernel_initializer=tf.ones_initializer())
print(h, out)
print([v.name for v in tf.trainable_variables()])
loss = tf.reduce_mean(tf.square(out - 1.0))
train = tf.train.AdamOptimizer(0.05).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    data = np.array([[1.0, 2.0], [0.5, -1.0], [0.0, 0.0]], np.float32)
    for i in range(15):
        _, l = sess.run([train, loss], {x: data})
    print("loss %.6f" % l)
    print(tf.executing_eagerly())
