# expect: rtol=1e-3 atol=1e-4 -- weights reassigned from numpy; dropout fed keep_prob=1.0, so no randomness
# Two stacked LSTM layers (MultiRNNCell of DropoutWrapper'd LSTMCells) over
# dynamic_rnn, predicting the next value of a sine wave.
import numpy as np
import tensorflow as tf

steps, hidden = 8, 8
t = np.arange(0, 60, 0.5, dtype=np.float32)
wave = np.sin(t)
windows = np.stack([wave[i : i + steps + 1] for i in range(40)])
X_data, Y_data = windows[:, :steps, None], windows[:, steps:]

X = tf.placeholder(tf.float32, [None, steps, 1])
Y = tf.placeholder(tf.float32, [None, 1])
keep_prob = tf.placeholder(tf.float32)


def lstm_cell():
    cell = tf.contrib.rnn.LSTMCell(hidden, forget_bias=1.0)
    return tf.contrib.rnn.DropoutWrapper(cell, output_keep_prob=keep_prob)


stacked = tf.contrib.rnn.MultiRNNCell([lstm_cell() for _ in range(2)])
outputs, states = tf.nn.dynamic_rnn(stacked, X, dtype=tf.float32)
last = outputs[:, -1, :]
pred = tf.layers.dense(last, 1)
loss = tf.reduce_mean(tf.square(pred - Y))
train = tf.train.AdamOptimizer(0.02).minimize(loss)
print(len(states), states[1].h.shape)
print([v.name for v in tf.trainable_variables()])
rng = np.random.RandomState(12)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for v in sorted(tf.trainable_variables(), key=lambda v: v.name):
        sess.run(v.assign(rng.uniform(-0.3, 0.3, v.shape.as_list()).astype(np.float32)))
    for step in range(40):
        _, l = sess.run([train, loss], {X: X_data, Y: Y_data, keep_prob: 1.0})
        if step % 10 == 0:
            print("step %d mse %.6f" % (step, l))
    print("final mse %.6f" % sess.run(loss, {X: X_data, Y: Y_data, keep_prob: 1.0}))
