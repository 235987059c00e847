# expect: rtol=1e-3 atol=1e-4 -- GRU weights reassigned from numpy
# Variable-length sequences with tf.nn.rnn_cell.GRUCell and tf.nn.dynamic_rnn
# (sequence_length): regress the sum of each sequence's valid steps.
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(8)
batch, max_len, depth = 16, 7, 3
lengths = rng.randint(2, max_len + 1, batch).astype(np.int32)
seqs = rng.randn(batch, max_len, depth).astype(np.float32)
for i, n in enumerate(lengths):
    seqs[i, n:] = 0.0
targets = np.array([seqs[i, :n, 0].sum() for i, n in enumerate(lengths)], np.float32)[
    :, None
]

inputs = tf.placeholder(tf.float32, [None, max_len, depth])
seq_len = tf.placeholder(tf.int32, [None])
y = tf.placeholder(tf.float32, [None, 1])
cell = tf.nn.rnn_cell.GRUCell(10)
outputs, state = tf.nn.dynamic_rnn(
    cell, inputs, sequence_length=seq_len, dtype=tf.float32
)
pred = tf.layers.dense(state, 1, name="head")
loss = tf.reduce_mean(tf.square(pred - y))
train = tf.train.RMSPropOptimizer(0.01).minimize(loss)
print(outputs)
print(state.shape, state.dtype)
print([v.name for v in tf.trainable_variables()])

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for v in sorted(tf.trainable_variables(), key=lambda v: v.name):
        sess.run(v.assign(rng.uniform(-0.4, 0.4, v.shape.as_list()).astype(np.float32)))
    feed = {inputs: seqs, seq_len: lengths, y: targets}
    for step in range(30):
        _, l = sess.run([train, loss], feed)
        if step % 10 == 0:
            print("step %d mse %.5f" % (step, l))
    out = sess.run(outputs, feed)
    print(
        "zeros past the lengths:",
        all(np.all(out[i, n:] == 0) for i, n in enumerate(lengths)),
    )
    print("final mse %.5f" % sess.run(loss, feed))
