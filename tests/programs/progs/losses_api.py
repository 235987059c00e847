# expect: rtol=1e-5 atol=1e-6 -- no randomness
# tf.losses: the weighted losses, the LOSSES collection, get_total_loss with a
# regularizer from tf.contrib.layers.
import numpy as np
import tensorflow as tf

labels = tf.constant([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
logits = tf.constant([[2.0, -1.0], [0.5, 0.5], [-1.0, 3.0]])
pred = tf.constant([[0.9], [0.2], [0.4]])
target = tf.constant([[1.0], [0.0], [1.0]])
w = tf.get_variable(
    "w",
    initializer=np.array([1.0, -2.0, 3.0], np.float32),
    regularizer=tf.contrib.layers.l2_regularizer(0.1),
)
losses = [
    tf.losses.softmax_cross_entropy(labels, logits),
    tf.losses.softmax_cross_entropy(labels, logits, label_smoothing=0.1),
    tf.losses.sparse_softmax_cross_entropy([0, 1, 0], logits, weights=[1.0, 2.0, 0.0]),
    tf.losses.sigmoid_cross_entropy(labels, logits),
    tf.losses.mean_squared_error(target, pred),
    tf.losses.absolute_difference(target, pred, weights=0.5),
    tf.losses.huber_loss(target, pred * 3.0),
    tf.losses.log_loss(target, pred),
    tf.losses.hinge_loss(labels, logits),
]
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for value in sess.run(losses):
        print("%.6f" % value)
    print(len(tf.losses.get_losses()), len(tf.losses.get_regularization_losses()))
    print("total %.6f" % sess.run(tf.losses.get_total_loss()))
    print("regularization %.6f" % sess.run(tf.losses.get_regularization_loss()))
