# expect: rtol=2e-3 atol=2e-4 -- zero initial values and in-order batches
# The contrib.learn MNIST loader and softmax regression with sparse labels.
import tensorflow as tf
from tensorflow.contrib.learn.python.learn.datasets.mnist import read_data_sets

mnist = read_data_sets("MNIST-data", one_hot=False)
x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.int64, [None])
W = tf.Variable(tf.zeros([784, 10]))
b = tf.Variable(tf.zeros([10]))
logits = tf.matmul(x, W) + b
loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
train = tf.train.GradientDescentOptimizer(0.3).minimize(loss)
correct = tf.nn.in_top_k(logits, y, 1)
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
print(mnist.train.num_examples, mnist.validation.num_examples, mnist.test.num_examples)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(40):
        sess.run(
            train,
            {
                x: mnist.train.images[i * 50 : (i + 1) * 50],
                y: mnist.train.labels[i * 50 : (i + 1) * 50],
            },
        )
    print(
        "validation accuracy %.4f"
        % sess.run(
            accuracy,
            {x: mnist.validation.images[:1000], y: mnist.validation.labels[:1000]},
        )
    )
