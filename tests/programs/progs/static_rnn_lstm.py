# expect: rtol=1e-3 atol=1e-4 -- LSTM weights reassigned from numpy; in-order batches
# Sequence classification with tf.contrib.rnn.BasicLSTMCell and static_rnn over
# tf.unstack'ed time steps (the classic "MNIST rows as a sequence" layout).
import numpy as np
import tensorflow as tf
from tensorflow.contrib import rnn

rng = np.random.RandomState(5)
timesteps, num_input, num_hidden, num_classes = 6, 4, 12, 2
X_data = rng.randn(40, timesteps, num_input).astype(np.float32)
Y_data = np.eye(2)[(X_data[:, :, 0].sum(1) > 0).astype(int)].astype(np.float32)

X = tf.placeholder("float", [None, timesteps, num_input])
Y = tf.placeholder("float", [None, num_classes])
weights = {"out": tf.Variable(tf.random_normal([num_hidden, num_classes]))}
biases = {"out": tf.Variable(tf.random_normal([num_classes]))}


def RNN(x, weights, biases):
    x = tf.unstack(x, timesteps, 1)
    lstm_cell = rnn.BasicLSTMCell(num_hidden, forget_bias=1.0)
    outputs, states = rnn.static_rnn(lstm_cell, x, dtype=tf.float32)
    return tf.matmul(outputs[-1], weights["out"]) + biases["out"]


logits = RNN(X, weights, biases)
prediction = tf.nn.softmax(logits)
loss_op = tf.reduce_mean(
    tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=Y)
)
train_op = tf.train.GradientDescentOptimizer(learning_rate=0.5).minimize(loss_op)
correct_pred = tf.equal(tf.argmax(prediction, 1), tf.argmax(Y, 1))
accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))
print([v.name for v in tf.trainable_variables()])

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for v in sorted(tf.trainable_variables(), key=lambda v: v.name):
        sess.run(v.assign(rng.uniform(-0.3, 0.3, v.shape.as_list()).astype(np.float32)))
    for step in range(1, 41):
        batch_x, batch_y = (
            X_data[(step % 4) * 10 : (step % 4 + 1) * 10],
            Y_data[(step % 4) * 10 : (step % 4 + 1) * 10],
        )
        sess.run(train_op, feed_dict={X: batch_x, Y: batch_y})
        if step % 10 == 0 or step == 1:
            loss, acc = sess.run(
                [loss_op, accuracy], feed_dict={X: batch_x, Y: batch_y}
            )
            print(
                "Step "
                + str(step)
                + ", Minibatch Loss= "
                + "{:.4f}".format(loss)
                + ", Training Accuracy= "
                + "{:.3f}".format(acc)
            )
    print("Testing Accuracy:", sess.run(accuracy, feed_dict={X: X_data, Y: Y_data}))
