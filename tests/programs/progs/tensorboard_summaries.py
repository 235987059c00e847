# expect: rtol=1e-5 atol=1e-6 -- numpy data and zero initial values
# TensorBoard logging: scalar and histogram summaries, merge_all, FileWriter with the
# graph, add_summary every few steps.
import glob
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(6)
xs = rng.randn(50, 2).astype(np.float32)
ys = (xs @ np.array([[2.0], [-1.0]], np.float32)).astype(np.float32)
with tf.name_scope("inputs"):
    x = tf.placeholder(tf.float32, [None, 2], name="x_input")
    y = tf.placeholder(tf.float32, [None, 1], name="y_input")
with tf.name_scope("layer"):
    W = tf.Variable(tf.zeros([2, 1]), name="W")
    b = tf.Variable(tf.zeros([1]), name="b")
    tf.summary.histogram("weights", W)
    out = tf.matmul(x, W) + b
with tf.name_scope("loss"):
    loss = tf.reduce_mean(tf.square(out - y))
    tf.summary.scalar("loss", loss)
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
merged = tf.summary.merge_all()
print(merged.dtype, len(tf.get_collection(tf.GraphKeys.SUMMARIES)))

with tf.Session() as sess:
    writer = tf.summary.FileWriter("logs/", sess.graph)
    sess.run(tf.global_variables_initializer())
    for i in range(30):
        sess.run(train, {x: xs, y: ys})
        if i % 10 == 0:
            summary, l = sess.run([merged, loss], {x: xs, y: ys})
            writer.add_summary(summary, i)
            print("step %d loss %.6f" % (i, l))
    writer.close()
print("event files:", len(glob.glob("logs/events.out.tfevents.*")))
