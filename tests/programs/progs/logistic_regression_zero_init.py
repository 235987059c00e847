# expect: rtol=1e-4 atol=1e-6 -- numpy data and zero initial values: the same math on both sides
# Binary logistic regression started from zeros, as many tutorials do: every logit
# of the first step is exactly 0.
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(3)
X_data = rng.randn(40, 3).astype(np.float32)
Y_data = (X_data @ np.array([[1.0], [-1.0], [0.5]]) > 0).astype(np.float32)
X = tf.placeholder(tf.float32, [None, 3])
Y = tf.placeholder(tf.float32, [None, 1])
W = tf.Variable(tf.zeros([3, 1]), name="weight")
b = tf.Variable(tf.zeros([1]), name="bias")
logits = tf.matmul(X, W) + b
cost = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=Y, logits=logits))
train = tf.train.GradientDescentOptimizer(0.5).minimize(cost)
predicted = tf.cast(logits > 0, tf.float32)
accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted, Y), tf.float32))
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(21):
        c, _ = sess.run([cost, train], {X: X_data, Y: Y_data})
        if step % 5 == 0:
            print(step, "%.6f" % c)
    print("W", sess.run(W).ravel(), "b", sess.run(b))
    print("accuracy", sess.run(accuracy, {X: X_data, Y: Y_data}))
