# expect: rtol=0.25 atol=0.12 -- eps is drawn by TF's and jgraph's own generators: only statistics of it (1000 draws) and a KL after training are compared
# The usual VAE reparameterisation: eps = tf.random_normal(tf.shape(z_mean)).
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(4)
data = (rng.rand(500, 10) > 0.5).astype(np.float32)
x = tf.placeholder(tf.float32, [None, 10])
w = tf.Variable((rng.randn(10, 4) * 0.2).astype(np.float32))
z_mean, z_log_var = tf.split(tf.matmul(x, w), 2, axis=1)
eps = tf.random_normal(tf.shape(z_mean), 0, 1, dtype=tf.float32)
z = z_mean + tf.exp(z_log_var / 2) * eps
kl = tf.reduce_mean(
    -0.5 * tf.reduce_sum(1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var), 1)
)
loss = kl + tf.reduce_mean(tf.square(z))
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    e = sess.run(eps, {x: data})
    print("eps shape", e.shape, "mean %.3f std %.3f" % (e.mean(), e.std()))
    for _ in range(20):
        sess.run(train, {x: data})
    print("kl %.3f" % sess.run(kl, {x: data}))
