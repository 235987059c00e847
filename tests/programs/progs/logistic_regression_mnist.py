# expect: rtol=2e-3 atol=2e-4 -- zero initial weights and batches taken in order: same math; float32 sums over 784 inputs
# Softmax regression on MNIST, the TF1 "MNIST for ML beginners" way.
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)

x = tf.placeholder("float", [None, 784])
y = tf.placeholder("float", [None, 10])
W = tf.Variable(tf.zeros([784, 10]))
b = tf.Variable(tf.zeros([10]))
pred = tf.nn.softmax(tf.matmul(x, W) + b)
cost = tf.reduce_mean(-tf.reduce_sum(y * tf.log(pred + 1e-10), reduction_indices=1))
optimizer = tf.train.GradientDescentOptimizer(0.5).minimize(cost)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    batch = 100
    for i in range(60):
        xs = mnist.train.images[i * batch : (i + 1) * batch]
        ys = mnist.train.labels[i * batch : (i + 1) * batch]
        _, c = sess.run([optimizer, cost], feed_dict={x: xs, y: ys})
        if i % 20 == 0:
            print("step", i, "cost", "{:.5f}".format(c))
    correct = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
    accuracy = tf.reduce_mean(tf.cast(correct, "float"))
    print(
        "Accuracy:",
        accuracy.eval({x: mnist.test.images[:2000], y: mnist.test.labels[:2000]}),
    )
