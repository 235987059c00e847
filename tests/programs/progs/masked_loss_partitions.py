# expect: rtol=1e-4 atol=1e-5 -- numpy data and initial values; float32 sums over steps
# A padded-sequence regression: the loss only counts real steps (boolean_mask with a
# mask computed from fed lengths), per-group losses via dynamic_partition, the
# vocabulary of a fed batch via tf.unique, and a numpy metric through tf.py_func.
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(0)
batch, steps, features = 6, 5, 3
inputs = rng.randn(batch, steps, features).astype(np.float32)
targets = rng.randn(batch, steps).astype(np.float32)
lengths = np.array([5, 3, 1, 4, 2, 5], np.int32)
groups = np.array([0, 1, 1, 0, 2, 1], np.int32)
tokens = np.array([7, 3, 7, 1, 3, 9, 9, 7], np.int32)

x = tf.placeholder(tf.float32, [None, steps, features], name="x")
y = tf.placeholder(tf.float32, [None, steps], name="y")
seq_len = tf.placeholder(tf.int32, [None], name="seq_len")
group = tf.placeholder(tf.int32, [None], name="group")
ids = tf.placeholder(tf.int32, [None], name="ids")

w = tf.Variable(rng.randn(features, 1).astype(np.float32) * 0.5, name="w")
b = tf.Variable(np.zeros([1], np.float32), name="b")
pred = tf.reshape(tf.matmul(tf.reshape(x, [-1, features]), w) + b, [-1, steps])

mask = tf.sequence_mask(seq_len, steps)
errors = tf.boolean_mask(tf.square(pred - y), mask)
loss = tf.reduce_mean(errors)
train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

per_example = tf.reduce_sum(tf.square(pred - y) * tf.cast(mask, tf.float32), axis=1)
parts = tf.dynamic_partition(per_example, group, 3)
group_means = [tf.reduce_mean(p) for p in parts]
real_steps = tf.where(mask)


def median_abs(values):
    return np.float32(np.median(np.abs(values)))


median_error = tf.py_func(median_abs, [errors], tf.float32)
vocab, token_index = tf.unique(ids)

feed = {x: inputs, y: targets, seq_len: lengths, group: groups, ids: tokens}
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(21):
        _, loss_value = sess.run([train_op, loss], feed)
        if step % 5 == 0:
            print("step %d loss %.5f" % (step, loss_value))
    print("masked steps:", sess.run(tf.shape(errors), feed))
    print("first real steps:", sess.run(real_steps, feed)[:4].tolist())
    print("group means:", np.round(sess.run(group_means, feed), 5))
    print("median |error|: %.5f" % sess.run(median_error, feed))
    v, i = sess.run([vocab, token_index], feed)
    print("vocab:", v.tolist(), "index:", i.tolist())
