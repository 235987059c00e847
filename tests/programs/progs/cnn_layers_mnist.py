# expect: rtol=5e-3 atol=3e-3 -- variables reassigned from numpy after init and dropout off while training (fed training=False): the same math on both sides
# A convnet on MNIST written with tf.layers (conv2d, max_pooling2d, flatten, dense,
# dropout with a training flag), the way TF1.4+ tutorials wrote it.
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data", one_hot=False)
x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.int64, [None])
training = tf.placeholder_with_default(False, [])
net = tf.reshape(x, [-1, 28, 28, 1])
net = tf.layers.conv2d(net, 8, 5, padding="same", activation=tf.nn.relu)
net = tf.layers.max_pooling2d(net, 2, 2)
net = tf.layers.conv2d(net, 16, 5, padding="same", activation=tf.nn.relu)
net = tf.layers.max_pooling2d(net, 2, 2)
net = tf.layers.flatten(net)
net = tf.layers.dense(net, 64, activation=tf.nn.relu)
net = tf.layers.dropout(net, rate=0.4, training=training)
logits = tf.layers.dense(net, 10)
loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))
print(logits)
print([(v.name, v.shape.as_list()) for v in tf.trainable_variables()])
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    rng = np.random.RandomState(0)
    for v in sorted(tf.trainable_variables(), key=lambda v: v.name):
        scale = 1.0 / np.sqrt(np.prod(v.shape.as_list()[:-1]) or 1)
        sess.run(v.assign(rng.uniform(-scale, scale, v.shape.as_list()).astype(np.float32)))
    for i in range(40):
        xs, ys = (
            mnist.train.images[i * 64 : (i + 1) * 64],
            mnist.train.labels[i * 64 : (i + 1) * 64],
        )
        sess.run(train_op, {x: xs, y: ys, training: False})
    l, a = sess.run(
        [loss, accuracy], {x: mnist.test.images[:1000], y: mnist.test.labels[:1000]}
    )
    print("test loss %.3f accuracy %.3f" % (l, a))
