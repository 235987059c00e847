# expect: rtol=2e-3 atol=1e-4 -- numpy-seeded weights, in-order batches, RMSProp: same math
# A sigmoid autoencoder on MNIST (784 -> 64 -> 16 -> 64 -> 784), RMSProp.
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data", one_hot=True)
rng = np.random.RandomState(21)
num_input, num_hidden_1, num_hidden_2 = 784, 64, 16
X = tf.placeholder("float", [None, num_input])


def w(*shape):
    return tf.Variable((rng.randn(*shape) * 0.1).astype(np.float32))


weights = {
    "encoder_h1": w(num_input, num_hidden_1),
    "encoder_h2": w(num_hidden_1, num_hidden_2),
    "decoder_h1": w(num_hidden_2, num_hidden_1),
    "decoder_h2": w(num_hidden_1, num_input),
}
biases = {
    "encoder_b1": w(num_hidden_1),
    "encoder_b2": w(num_hidden_2),
    "decoder_b1": w(num_hidden_1),
    "decoder_b2": w(num_input),
}


def encoder(x):
    layer_1 = tf.nn.sigmoid(
        tf.add(tf.matmul(x, weights["encoder_h1"]), biases["encoder_b1"])
    )
    return tf.nn.sigmoid(
        tf.add(tf.matmul(layer_1, weights["encoder_h2"]), biases["encoder_b2"])
    )


def decoder(x):
    layer_1 = tf.nn.sigmoid(
        tf.add(tf.matmul(x, weights["decoder_h1"]), biases["decoder_b1"])
    )
    return tf.nn.sigmoid(
        tf.add(tf.matmul(layer_1, weights["decoder_h2"]), biases["decoder_b2"])
    )


decoder_op = decoder(encoder(X))
loss = tf.reduce_mean(tf.pow(X - decoder_op, 2))
optimizer = tf.train.RMSPropOptimizer(0.01).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(1, 31):
        batch_x = mnist.train.images[(i - 1) * 64 : i * 64]
        _, l = sess.run([optimizer, loss], feed_dict={X: batch_x})
        if i % 10 == 0 or i == 1:
            print("Step %i: Minibatch Loss: %f" % (i, l))
    g = sess.run(decoder_op, feed_dict={X: mnist.test.images[:4]})
    print("reconstruction mean %.5f" % g.mean())
