# expect: rtol=1e-4 atol=1e-6 -- numpy data and zero initial values: the same math on both sides
# Linear regression with scalar placeholders of unknown shape, in the style of the
# classic example collections: feed one sample at a time, print the cost per epoch.
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(1)
train_X = np.linspace(0.0, 10.0, 17).astype(np.float32)
train_Y = (0.3 * train_X + 2.0 + rng.normal(0.0, 0.2, train_X.shape)).astype(np.float32)
n_samples = train_X.shape[0]

X = tf.placeholder("float")
Y = tf.placeholder("float")
W = tf.Variable(0.0, name="weight")
b = tf.Variable(0.0, name="bias")
pred = tf.add(tf.multiply(X, W), b)
cost = tf.reduce_sum(tf.pow(pred - Y, 2)) / (2 * n_samples)
optimizer = tf.train.GradientDescentOptimizer(0.01).minimize(cost)

init = tf.global_variables_initializer()
with tf.Session() as sess:
    sess.run(init)
    for epoch in range(30):
        for x, y in zip(train_X, train_Y):
            sess.run(optimizer, feed_dict={X: x, Y: y})
        if (epoch + 1) % 10 == 0:
            c = sess.run(cost, feed_dict={X: train_X, Y: train_Y})
            print(
                "Epoch: %04d cost= %.9f W= %.6f b= %.6f"
                % (epoch + 1, c, sess.run(W), sess.run(b))
            )
    print("Optimization Finished!")
    training_cost = sess.run(cost, feed_dict={X: train_X, Y: train_Y})
    print("Training cost=", training_cost, "W=", sess.run(W), "b=", sess.run(b))
