# expect: rtol=1e-5 atol=1e-6 -- no randomness; float32 sums
# Strings in the graph: CSV lines and string labels fed, a vocabulary lookup in
# tf.py_func, string keys built with string_join/as_string, a tiny logistic
# regression trained on the parsed numbers.
import numpy as np
import tensorflow as tf

VOCAB = ["cat", "dog", "bird"]
LINES = ["rex,2.5,1", "tom,1,0.5", "tweety,0.5,3", "fido,4,1.5", "kitty,1.5,0"]
LABELS = ["dog", "cat", "bird", "dog", "cat"]


def lookup(words):
    return np.array([VOCAB.index(w.decode()) for w in words], np.int32)


lines = tf.placeholder(tf.string, [None], name="lines")
labels = tf.placeholder(tf.string, [None], name="labels")
name, a, b = tf.decode_csv(lines, [["?"], [0.0], [0.0]])
features = tf.stack([a, b], axis=1)
ids = tf.py_func(lookup, [labels], tf.int32)
ids.set_shape([None])
w = tf.Variable(tf.zeros([2, len(VOCAB)]))
logits = tf.matmul(features, w)
loss = tf.reduce_mean(
    tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=logits)
)
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
predicted = tf.gather(tf.constant(VOCAB), tf.argmax(logits, 1))
keys = tf.string_join([name, tf.as_string(ids), predicted], separator="|")
hits = tf.reduce_sum(tf.cast(tf.equal(predicted, labels), tf.int32))
feed = {lines: LINES, labels: LABELS}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(20):
        _, value = sess.run([train, loss], feed)
        if step % 5 == 0:
            print(step, value)
    k, h, n = sess.run([keys, hits, tf.size(lines)], feed)
    print([s.decode() for s in k])
    print(h, "of", n)
    print(sess.run(tf.string_to_number(tf.constant(["1.5", "2"]))))
    print(sess.run(tf.shape(tf.concat([lines, labels], 0)), feed))
