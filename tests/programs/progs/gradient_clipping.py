# expect: rtol=1e-5 atol=1e-7 -- numpy data and initial values
# compute_gradients, clip_by_global_norm / clip_by_value, apply_gradients.
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(15)
xs = (rng.randn(20, 4) * 5).astype(np.float32)
ys = rng.randn(20, 1).astype(np.float32)
x = tf.placeholder(tf.float32, [None, 4])
y = tf.placeholder(tf.float32, [None, 1])
w1 = tf.Variable(rng.randn(4, 8).astype(np.float32))
w2 = tf.Variable(rng.randn(8, 1).astype(np.float32))
loss = tf.reduce_mean(tf.square(tf.matmul(tf.nn.relu(tf.matmul(x, w1)), w2) - y))
opt = tf.train.GradientDescentOptimizer(0.01)
grads_and_vars = opt.compute_gradients(loss)
grads, variables = zip(*grads_and_vars)
clipped, global_norm = tf.clip_by_global_norm(grads, 1.0)
train = opt.apply_gradients(zip(clipped, variables))
capped = [(tf.clip_by_value(g, -0.1, 0.1), v) for g, v in grads_and_vars]
train_capped = opt.apply_gradients(capped)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(10):
        _, n, l = sess.run([train, global_norm, loss], {x: xs, y: ys})
        if i % 3 == 0:
            print("step %d global norm %.4f loss %.5f" % (i, n, l))
    for i in range(5):
        sess.run(train_capped, {x: xs, y: ys})
    print("after value clipping loss %.5f" % sess.run(loss, {x: xs, y: ys}))
