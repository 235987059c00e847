# expect: rtol=2e-3 atol=2e-4 -- all variables reassigned from numpy after init; batch norm in training mode is deterministic
# A DCGAN-style pair built from tf.layers: dense -> reshape -> conv2d_transpose with
# batch normalization and leaky ReLU; the batch-norm update ops run with the train op.
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(17)


def generator(z, training):
    with tf.variable_scope("generator"):
        h = tf.layers.dense(z, 4 * 4 * 8)
        h = tf.nn.relu(
            tf.layers.batch_normalization(
                tf.reshape(h, [-1, 4, 4, 8]), training=training
            )
        )
        h = tf.layers.conv2d_transpose(h, 4, 3, strides=2, padding="same")
        h = tf.nn.relu(tf.layers.batch_normalization(h, training=training))
        return tf.tanh(tf.layers.conv2d_transpose(h, 1, 3, strides=2, padding="same"))


def discriminator(x, reuse=False):
    with tf.variable_scope("discriminator", reuse=reuse):
        h = tf.nn.leaky_relu(
            tf.layers.conv2d(x, 4, 3, strides=2, padding="same"), alpha=0.2
        )
        h = tf.nn.leaky_relu(
            tf.layers.conv2d(h, 8, 3, strides=2, padding="same"), alpha=0.2
        )
        return tf.layers.dense(tf.layers.flatten(h), 1)


z = tf.placeholder(tf.float32, [None, 8])
real = tf.placeholder(tf.float32, [None, 16, 16, 1])
fake = generator(z, training=True)
d_real, d_fake = discriminator(real), discriminator(fake, reuse=True)
xent = tf.nn.sigmoid_cross_entropy_with_logits
d_loss = tf.reduce_mean(
    xent(logits=d_real, labels=tf.ones_like(d_real))
    + xent(logits=d_fake, labels=tf.zeros_like(d_fake))
)
g_loss = tf.reduce_mean(xent(logits=d_fake, labels=tf.ones_like(d_fake)))
t_vars = tf.trainable_variables()
d_vars = [v for v in t_vars if v.name.startswith("discriminator")]
g_vars = [v for v in t_vars if v.name.startswith("generator")]
with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
    d_train = tf.train.AdamOptimizer(0.002, beta1=0.5).minimize(d_loss, var_list=d_vars)
    g_train = tf.train.AdamOptimizer(0.002, beta1=0.5).minimize(g_loss, var_list=g_vars)
print(fake)
print(len(d_vars), len(g_vars), len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)))
print(sum(int(np.prod(v.shape.as_list())) for v in t_vars))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for v in sorted(t_vars, key=lambda v: v.name):
        sess.run(v.assign(rng.normal(0.0, 0.2, v.shape.as_list()).astype(np.float32)))
    data_rng = np.random.RandomState(1)
    for step in range(6):
        images = np.tanh(data_rng.randn(8, 16, 16, 1)).astype(np.float32)
        noise = data_rng.uniform(-1, 1, (8, 8)).astype(np.float32)
        dl, _ = sess.run([d_loss, d_train], {real: images, z: noise})
        gl, _ = sess.run([g_loss, g_train], {z: noise})
        print("step %d d_loss %.4f g_loss %.4f" % (step, dl, gl))
    mm = [v for v in tf.global_variables() if "moving_mean" in v.name][0]
    print(mm.name, np.round(sess.run(mm)[:4], 4))
