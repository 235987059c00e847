# expect: rtol=1e-5 atol=1e-7 -- numpy data and zero initial values
# ExponentialMovingAverage of the weights, applied after each step through
# tf.control_dependencies, and evaluation with the averaged weights.
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(10)
xs = rng.randn(30, 2).astype(np.float32)
ys = (xs @ np.array([[1.5], [-0.5]], np.float32) + 0.2).astype(np.float32)
x = tf.placeholder(tf.float32, [None, 2])
y = tf.placeholder(tf.float32, [None, 1])
w = tf.Variable(tf.zeros([2, 1]), name="w")
b = tf.Variable(tf.zeros([1]), name="b")
loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
ema = tf.train.ExponentialMovingAverage(decay=0.9)
with tf.control_dependencies([step]):
    train_op = ema.apply([w, b])
avg_loss = tf.reduce_mean(tf.square(tf.matmul(x, ema.average(w)) + ema.average(b) - y))
print(ema.average_name(w), ema.average(b).name)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(20):
        sess.run(train_op, {x: xs, y: ys})
    print("w", sess.run(w).ravel(), "ema w", sess.run(ema.average(w)).ravel())
    print(
        "loss %.6f averaged-weights loss %.6f"
        % tuple(sess.run([loss, avg_loss], {x: xs, y: ys}))
    )
