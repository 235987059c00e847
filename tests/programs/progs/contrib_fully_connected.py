# expect: rtol=2e-4 atol=1e-5 -- weights reassigned from numpy after init, so training is the same math; names and shapes exact
# tf.contrib.layers.fully_connected with its defaults (xavier weights, ReLU) and an
# L2 regularizer, as course code wrote MLPs.
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(3)
data = rng.randn(64, 5).astype(np.float32)
labels = (data[:, 0] * data[:, 1] > 0).astype(np.int64)

x = tf.placeholder(tf.float32, [None, 5])
y = tf.placeholder(tf.int64, [None])
reg = tf.contrib.layers.l2_regularizer(0.01)
h1 = tf.contrib.layers.fully_connected(x, 16, weights_regularizer=reg)
h2 = tf.contrib.layers.fully_connected(h1, 16, weights_regularizer=reg)
logits = tf.contrib.layers.fully_connected(h2, 2, activation_fn=None, scope="logits")
print(h1)
print(h2)
print(logits)
for v in tf.global_variables():
    print(v.name, v.shape.as_list())
print(
    len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)),
    len(tf.model_variables()),
)
xent = tf.reduce_mean(
    tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
)
loss = xent + tf.add_n(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
train = tf.train.AdamOptimizer(0.01).minimize(loss)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for v in sorted(tf.trainable_variables(), key=lambda v: v.name):
        sess.run(v.assign(rng.uniform(-0.5, 0.5, v.shape.as_list()).astype(np.float32)))
    for step in range(60):
        _, l = sess.run([train, loss], {x: data, y: labels})
        if step % 20 == 0:
            print("step %d loss %.5f" % (step, l))
    print("accuracy %.4f" % sess.run(accuracy, {x: data, y: labels}))
