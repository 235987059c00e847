# expect: rtol=5e-3 atol=3e-3 -- numpy-seeded filters, in-order batches: same math; convolution sums reorder in float32
# A small convnet on MNIST with tf.nn.conv2d / max_pool and a dropout placeholder.
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data", one_hot=True)
rng = np.random.RandomState(42)


def weight_variable(shape):
    return tf.Variable((rng.randn(*shape) * 0.1).astype(np.float32))


def bias_variable(shape):
    return tf.Variable(tf.constant(0.1, shape=shape))


def conv2d(x, W):
    return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding="SAME")


def max_pool_2x2(x):
    return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")


x = tf.placeholder(tf.float32, [None, 784])
y_ = tf.placeholder(tf.float32, [None, 10])
keep_prob = tf.placeholder(tf.float32)
x_image = tf.reshape(x, [-1, 28, 28, 1])
h_conv1 = tf.nn.relu(
    conv2d(x_image, weight_variable([5, 5, 1, 8])) + bias_variable([8])
)
h_pool1 = max_pool_2x2(h_conv1)
h_conv2 = tf.nn.relu(
    conv2d(h_pool1, weight_variable([5, 5, 8, 16])) + bias_variable([16])
)
h_pool2 = max_pool_2x2(h_conv2)
h_flat = tf.reshape(h_pool2, [-1, 7 * 7 * 16])
h_fc1 = tf.nn.relu(
    tf.matmul(h_flat, weight_variable([7 * 7 * 16, 64])) + bias_variable([64])
)
h_fc1_drop = tf.nn.dropout(h_fc1, keep_prob)
y_conv = tf.matmul(h_fc1_drop, weight_variable([64, 10])) + bias_variable([10])

cross_entropy = tf.reduce_mean(
    tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=y_conv)
)
train_step = tf.train.AdamOptimizer(1e-3).minimize(cross_entropy)
correct_prediction = tf.equal(tf.argmax(y_conv, 1), tf.argmax(y_, 1))
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
print(h_pool2)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(40):
        xs, ys = (
            mnist.train.images[i * 50 : (i + 1) * 50],
            mnist.train.labels[i * 50 : (i + 1) * 50],
        )
        if i % 10 == 0:
            train_accuracy = accuracy.eval(feed_dict={x: xs, y_: ys, keep_prob: 1.0})
            print("step %d, training accuracy %g" % (i, train_accuracy))
        train_step.run(feed_dict={x: xs, y_: ys, keep_prob: 1.0})
    print(
        "test accuracy %g"
        % accuracy.eval(
            feed_dict={
                x: mnist.test.images[:1000],
                y_: mnist.test.labels[:1000],
                keep_prob: 1.0,
            }
        )
    )
