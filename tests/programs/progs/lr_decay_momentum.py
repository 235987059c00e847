# expect: rtol=1e-5 atol=1e-7 -- numpy data and initial values
# A global step, tf.train.exponential_decay (staircase) and MomentumOptimizer.
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(14)
xs = rng.randn(40, 3).astype(np.float32)
ys = np.tanh(xs @ rng.randn(3, 1)).astype(np.float32)
x = tf.placeholder(tf.float32, [None, 3])
y = tf.placeholder(tf.float32, [None, 1])
w = tf.Variable(rng.randn(3, 1).astype(np.float32) * 0.1)
loss = tf.reduce_mean(tf.square(tf.tanh(tf.matmul(x, w)) - y))
global_step = tf.Variable(0, trainable=False)
learning_rate = tf.train.exponential_decay(0.5, global_step, 10, 0.5, staircase=True)
train = tf.train.MomentumOptimizer(learning_rate, 0.9).minimize(
    loss, global_step=global_step
)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(30):
        l, lr = sess.run([loss, learning_rate], {x: xs, y: ys})
        sess.run(train, {x: xs, y: ys})
        gs = sess.run(global_step)
        if i % 5 == 0:
            print("step %d lr %.4f loss %.6f" % (gs, lr, l))
