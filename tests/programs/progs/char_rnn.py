# expect: rtol=2e-3 atol=2e-4 -- weights reassigned from numpy; greedy (argmax) sampling, no randomness
# A character-level LSTM language model: embedding, BasicLSTMCell, dynamic_rnn, the
# state fed back between batches, then greedy generation one character at a time.
import numpy as np
import tensorflow as tf

text = "hello world, hello tensorflow, hello graphs. " * 8
chars = sorted(set(text))
vocab = {c: i for i, c in enumerate(chars)}
data = np.array([vocab[c] for c in text], np.int32)
batch_size, seq_length, rnn_size = 4, 10, 24

inputs = tf.placeholder(tf.int32, [None, None], name="inputs")
targets = tf.placeholder(tf.int32, [None, None], name="targets")
cell = tf.contrib.rnn.BasicLSTMCell(rnn_size)
batch = tf.shape(inputs)[0]
c_in = tf.placeholder(tf.float32, [None, rnn_size])
h_in = tf.placeholder(tf.float32, [None, rnn_size])
initial_state = tf.contrib.rnn.LSTMStateTuple(c_in, h_in)
embedding = tf.get_variable("embedding", [len(chars), rnn_size])
emb = tf.nn.embedding_lookup(embedding, inputs)
outputs, final_state = tf.nn.dynamic_rnn(cell, emb, initial_state=initial_state)
logits = tf.layers.dense(outputs, len(chars), name="softmax")
loss = tf.reduce_mean(
    tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
)
tvars = tf.trainable_variables()
grads, _ = tf.clip_by_global_norm(tf.gradients(loss, tvars), 5.0)
train_op = tf.train.AdamOptimizer(0.01).apply_gradients(zip(grads, tvars))
probs = tf.nn.softmax(logits[:, -1])
rng = np.random.RandomState(31)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for v in sorted(tvars, key=lambda v: v.name):
        sess.run(v.assign(rng.uniform(-0.2, 0.2, v.shape.as_list()).astype(np.float32)))
    n_batches = (len(data) - 1) // (batch_size * seq_length)
    xdata = data[: n_batches * batch_size * seq_length].reshape(batch_size, -1)
    ydata = data[1 : n_batches * batch_size * seq_length + 1].reshape(batch_size, -1)
    for epoch in range(4):
        c = np.zeros((batch_size, rnn_size), np.float32)
        h = np.zeros((batch_size, rnn_size), np.float32)
        total = 0.0
        for b in range(n_batches):
            feed = {
                inputs: xdata[:, b * seq_length : (b + 1) * seq_length],
                targets: ydata[:, b * seq_length : (b + 1) * seq_length],
                c_in: c,
                h_in: h,
            }
            l, (c, h), _ = sess.run([loss, final_state, train_op], feed)
            total += l
        print("epoch %d train_loss %.4f" % (epoch, total / n_batches))
    c = np.zeros((1, rnn_size), np.float32)
    h = np.zeros((1, rnn_size), np.float32)
    generated = "hel"
    p, (c, h) = sess.run(
        [probs, final_state],
        {inputs: [[vocab[ch] for ch in generated]], c_in: c, h_in: h},
    )
    for _ in range(20):
        nxt = chars[int(np.argmax(p[0]))]
        generated += nxt
        p, (c, h) = sess.run(
            [probs, final_state], {inputs: [[vocab[nxt]]], c_in: c, h_in: h}
        )
    print("sample:", repr(generated))
