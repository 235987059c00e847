# expect: rtol=1e-3 atol=1e-4 -- LSTM weights reassigned from numpy
# tf.contrib.rnn.static_bidirectional_rnn with forward and backward LSTM cells.
import numpy as np
import tensorflow as tf
from tensorflow.contrib import rnn

rng = np.random.RandomState(9)
timesteps, num_input, num_hidden = 5, 3, 6
data = rng.randn(12, timesteps, num_input).astype(np.float32)
labels = np.eye(2)[(data[:, -1, 0] > data[:, 0, 0]).astype(int)].astype(np.float32)

X = tf.placeholder("float", [None, timesteps, num_input])
Y = tf.placeholder("float", [None, 2])
x = tf.unstack(X, timesteps, 1)
lstm_fw_cell = rnn.BasicLSTMCell(num_hidden, forget_bias=1.0)
lstm_bw_cell = rnn.BasicLSTMCell(num_hidden, forget_bias=1.0)
outputs, state_fw, state_bw = rnn.static_bidirectional_rnn(
    lstm_fw_cell, lstm_bw_cell, x, dtype=tf.float32
)
W = tf.Variable(tf.zeros([2 * num_hidden, 2]))
b = tf.Variable(tf.zeros([2]))
logits = tf.matmul(outputs[-1], W) + b
loss = tf.reduce_mean(
    tf.nn.softmax_cross_entropy_with_logits_v2(labels=Y, logits=logits)
)
train = tf.train.AdamOptimizer(0.05).minimize(loss)
print(len(outputs), outputs[0])
print(state_fw.c, state_bw.h)
print([v.name for v in tf.trainable_variables()])

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for v in sorted(tf.trainable_variables(), key=lambda v: v.name):
        sess.run(v.assign(rng.uniform(-0.3, 0.3, v.shape.as_list()).astype(np.float32)))
    for step in range(25):
        _, l = sess.run([train, loss], {X: data, Y: labels})
        if step % 8 == 0:
            print("step %d loss %.5f" % (step, l))
