# expect: rtol=2e-3 atol=1e-4 -- the noise is numpy and fed, the weights numpy-seeded: same math
# A variational autoencoder on synthetic binary data; the reparameterisation noise
# comes in through a placeholder (a common way to make VAEs reproducible).
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(4)
n, dim, hidden, latent = 64, 20, 16, 2
prototypes = rng.rand(4, dim) > 0.5
data = prototypes[rng.randint(0, 4, n)].astype(np.float32)

x = tf.placeholder(tf.float32, [None, dim])
eps = tf.placeholder(tf.float32, [None, latent])


def dense(inputs, n_out, name, act=None):
    with tf.variable_scope(name):
        w = tf.get_variable(
            "w",
            initializer=(rng.randn(inputs.shape[1].value, n_out) * 0.2).astype(
                np.float32
            ),
        )
        b = tf.get_variable("b", [n_out], initializer=tf.zeros_initializer())
        out = tf.matmul(inputs, w) + b
        return act(out) if act else out


h = dense(x, hidden, "enc", tf.nn.relu)
z_mean = dense(h, latent, "mean")
z_log_var = dense(h, latent, "log_var")
z = z_mean + tf.exp(0.5 * z_log_var) * eps
logits = dense(dense(z, hidden, "dec", tf.nn.relu), dim, "out")
recon = tf.reduce_sum(
    tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), 1
)
kl = -0.5 * tf.reduce_sum(1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var), 1)
loss = tf.reduce_mean(recon + kl)
kl_mean = tf.reduce_mean(kl)
train = tf.train.AdamOptimizer(0.01).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    noise_rng = np.random.RandomState(99)
    for step in range(40):
        e = noise_rng.randn(n, latent).astype(np.float32)
        _, l, k = sess.run([train, loss, kl_mean], {x: data, eps: e})
        if step % 10 == 0:
            print("step %d loss %.4f kl %.4f" % (step, l, k))
    print("latent means", np.round(sess.run(z_mean, {x: data[:3]}), 3))
