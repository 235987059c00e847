# expect: rtol=2e-3 atol=2e-4 -- all variables reassigned from numpy; dropout fed keep_prob=1.0
# A sentence-classification CNN: embedding, conv2d with three filter sizes over the
# whole embedding width, max-pool over time, concat, dropout, L2-regularised output.
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(23)
sequence_length, vocab_size, embedding_size, num_filters = 8, 20, 6, 3
filter_sizes = [2, 3, 4]
x_data = rng.randint(0, vocab_size, (24, sequence_length))
y_data = np.eye(2)[((x_data < 10).sum(1) > 4).astype(int)].astype(np.float32)

input_x = tf.placeholder(tf.int32, [None, sequence_length], name="input_x")
input_y = tf.placeholder(tf.float32, [None, 2], name="input_y")
dropout_keep_prob = tf.placeholder(tf.float32, name="dropout_keep_prob")
l2_loss = tf.constant(0.0)
with tf.name_scope("embedding"):
    W = tf.Variable(
        tf.random_uniform([vocab_size, embedding_size], -1.0, 1.0), name="W"
    )
    embedded_chars_expanded = tf.expand_dims(tf.nn.embedding_lookup(W, input_x), -1)
pooled_outputs = []
for filter_size in filter_sizes:
    with tf.name_scope("conv-maxpool-%s" % filter_size):
        W = tf.Variable(
            tf.truncated_normal(
                [filter_size, embedding_size, 1, num_filters], stddev=0.1
            ),
            name="W",
        )
        b = tf.Variable(tf.constant(0.1, shape=[num_filters]), name="b")
        conv = tf.nn.conv2d(
            embedded_chars_expanded,
            W,
            strides=[1, 1, 1, 1],
            padding="VALID",
            name="conv",
        )
        h = tf.nn.relu(tf.nn.bias_add(conv, b), name="relu")
        pooled = tf.nn.max_pool(
            h,
            ksize=[1, sequence_length - filter_size + 1, 1, 1],
            strides=[1, 1, 1, 1],
            padding="VALID",
            name="pool",
        )
        pooled_outputs.append(pooled)
num_filters_total = num_filters * len(filter_sizes)
h_pool_flat = tf.reshape(tf.concat(pooled_outputs, 3), [-1, num_filters_total])
h_drop = tf.nn.dropout(h_pool_flat, dropout_keep_prob)
with tf.name_scope("output"):
    W = tf.get_variable(
        "W",
        shape=[num_filters_total, 2],
        initializer=tf.contrib.layers.xavier_initializer(),
    )
    b = tf.Variable(tf.constant(0.1, shape=[2]), name="b")
    l2_loss += tf.nn.l2_loss(W) + tf.nn.l2_loss(b)
    scores = tf.nn.xw_plus_b(h_drop, W, b, name="scores")
    predictions = tf.argmax(scores, 1, name="predictions")
loss = (
    tf.reduce_mean(
        tf.nn.softmax_cross_entropy_with_logits(logits=scores, labels=input_y)
    )
    + 0.1 * l2_loss
)
accuracy = tf.reduce_mean(
    tf.cast(tf.equal(predictions, tf.argmax(input_y, 1)), "float"), name="accuracy"
)
global_step = tf.Variable(0, name="global_step", trainable=False)
train_op = tf.train.AdamOptimizer(1e-2).minimize(loss, global_step=global_step)
print(h_pool_flat, scores)
print([v.name for v in tf.trainable_variables()])

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for v in sorted(tf.trainable_variables(), key=lambda v: v.name):
        sess.run(v.assign(rng.normal(0.0, 0.3, v.shape.as_list()).astype(np.float32)))
    for _ in range(20):
        _, l, acc = sess.run(
            [train_op, loss, accuracy],
            {input_x: x_data, input_y: y_data, dropout_keep_prob: 1.0},
        )
        step = tf.train.global_step(sess, global_step)
        if step % 5 == 0:
            print("step {}, loss {:g}, acc {:g}".format(step, l, acc))
