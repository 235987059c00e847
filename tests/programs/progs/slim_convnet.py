# expect: rtol=1e-3 atol=1e-4 -- variables reassigned from numpy; names exact
# A slim-style convnet: arg_scope, conv2d, max_pool2d, flatten, fully_connected,
# dropout, the l2 regularizer and tf.losses.get_total_loss.
import numpy as np
import tensorflow as tf
import tensorflow.contrib.slim as slim

rng = np.random.RandomState(7)
images = rng.rand(16, 12, 12, 1).astype(np.float32)
labels = rng.randint(0, 3, 16)


def net(inputs, is_training):
    with slim.arg_scope(
        [slim.conv2d, slim.fully_connected],
        activation_fn=tf.nn.relu,
        weights_regularizer=slim.l2_regularizer(0.0005),
    ):
        net = slim.conv2d(inputs, 4, [3, 3], scope="conv1")
        net = slim.max_pool2d(net, [2, 2], scope="pool1")
        net = slim.conv2d(net, 8, [3, 3], scope="conv2")
        net = slim.max_pool2d(net, [2, 2], scope="pool2")
        net = slim.flatten(net)
        net = slim.fully_connected(net, 16, scope="fc3")
        net = slim.dropout(net, 0.5, is_training=is_training, scope="dropout3")
        return slim.fully_connected(net, 3, activation_fn=None, scope="fc4")


x = tf.placeholder(tf.float32, [None, 12, 12, 1])
y = tf.placeholder(tf.int32, [None])
logits = net(x, is_training=False)
print(logits)
for v in slim.get_model_variables():
    print(v.op.name, v.shape.as_list())
tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
total_loss = tf.losses.get_total_loss()
print(len(tf.losses.get_regularization_losses()))
train_op = tf.train.GradientDescentOptimizer(0.1).minimize(total_loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for v in sorted(tf.trainable_variables(), key=lambda v: v.name):
        sess.run(v.assign(rng.normal(0.0, 0.3, v.shape.as_list()).astype(np.float32)))
    for step in range(15):
        _, l = sess.run([train_op, total_loss], {x: images, y: labels})
        if step % 5 == 0:
            print("step %d total loss %.5f" % (step, l))
