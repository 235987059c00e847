# expect: rtol=2e-3 atol=1e-4 -- data and noise from numpy, weights numpy-seeded: same math
# A tiny GAN learning a 1-D Gaussian: separate generator and discriminator scopes,
# two optimizers with var_list, alternating updates.
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(13)


def linear(x, n_out, name):
    with tf.variable_scope(name):
        w = tf.get_variable(
            "w",
            initializer=(rng.randn(x.shape[1].value, n_out) * 0.3).astype(np.float32),
        )
        b = tf.get_variable("b", [n_out], initializer=tf.constant_initializer(0.0))
        return tf.matmul(x, w) + b


def generator(z):
    with tf.variable_scope("G"):
        return linear(tf.nn.softplus(linear(z, 8, "g0")), 1, "g1")


def discriminator(x, reuse=False):
    with tf.variable_scope("D", reuse=reuse):
        return linear(tf.tanh(linear(x, 8, "d0")), 1, "d1")


z = tf.placeholder(tf.float32, [None, 1])
x = tf.placeholder(tf.float32, [None, 1])
G = generator(z)
D_real = discriminator(x)
D_fake = discriminator(G, reuse=True)
d_loss = tf.reduce_mean(
    tf.nn.sigmoid_cross_entropy_with_logits(logits=D_real, labels=tf.ones_like(D_real))
) + tf.reduce_mean(
    tf.nn.sigmoid_cross_entropy_with_logits(logits=D_fake, labels=tf.zeros_like(D_fake))
)
g_loss = tf.reduce_mean(
    tf.nn.sigmoid_cross_entropy_with_logits(logits=D_fake, labels=tf.ones_like(D_fake))
)
d_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="D")
g_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="G")
print([v.name for v in d_vars], [v.name for v in g_vars])
d_opt = tf.train.AdamOptimizer(0.01, beta1=0.5).minimize(d_loss, var_list=d_vars)
g_opt = tf.train.AdamOptimizer(0.01, beta1=0.5).minimize(g_loss, var_list=g_vars)

with tf.Session() as sess:
    tf.global_variables_initializer().run()
    data_rng = np.random.RandomState(0)
    for step in range(60):
        real = data_rng.normal(4.0, 0.5, (32, 1)).astype(np.float32)
        noise = data_rng.uniform(-1.0, 1.0, (32, 1)).astype(np.float32)
        dl, _ = sess.run([d_loss, d_opt], {x: real, z: noise})
        gl, _ = sess.run([g_loss, g_opt], {z: noise})
        if step % 20 == 0:
            print("step %d d_loss %.4f g_loss %.4f" % (step, dl, gl))
    samples = sess.run(G, {z: np.linspace(-1, 1, 5, dtype=np.float32)[:, None]})
    print("samples", np.round(samples.ravel(), 3))
