# expect: rtol=5e-3 atol=2e-3 -- numpy-seeded weights, in-order batches, Adam: same math; accuracy figures are multiples of 1/1000
# A two-hidden-layer perceptron on MNIST with a dict of weights and biases.
import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("data/", one_hot=True)
rng = np.random.RandomState(0)
n_hidden_1, n_hidden_2, n_input, n_classes = 64, 32, 784, 10

x = tf.placeholder(tf.float32, [None, n_input])
y = tf.placeholder(tf.float32, [None, n_classes])


def init(*shape):
    return tf.Variable((rng.randn(*shape) * 0.05).astype(np.float32))


weights = {
    "h1": init(n_input, n_hidden_1),
    "h2": init(n_hidden_1, n_hidden_2),
    "out": init(n_hidden_2, n_classes),
}
biases = {
    "b1": tf.Variable(tf.zeros([n_hidden_1])),
    "b2": tf.Variable(tf.zeros([n_hidden_2])),
    "out": tf.Variable(tf.zeros([n_classes])),
}


def multilayer_perceptron(x, weights, biases):
    layer_1 = tf.nn.relu(tf.add(tf.matmul(x, weights["h1"]), biases["b1"]))
    layer_2 = tf.nn.relu(tf.add(tf.matmul(layer_1, weights["h2"]), biases["b2"]))
    return tf.matmul(layer_2, weights["out"]) + biases["out"]


pred = multilayer_perceptron(x, weights, biases)
cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=pred, labels=y))
optimizer = tf.train.AdamOptimizer(learning_rate=0.001).minimize(cost)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(2):
        avg_cost = 0.0
        total_batch = 30
        for i in range(total_batch):
            batch_x = mnist.train.images[i * 100 : (i + 1) * 100]
            batch_y = mnist.train.labels[i * 100 : (i + 1) * 100]
            _, c = sess.run([optimizer, cost], feed_dict={x: batch_x, y: batch_y})
            avg_cost += c / total_batch
        print("Epoch:", "%04d" % (epoch + 1), "cost=", "{:.6f}".format(avg_cost))
    correct_prediction = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, "float"))
    print(
        "Accuracy:",
        accuracy.eval({x: mnist.test.images[:1000], y: mnist.test.labels[:1000]}),
    )
