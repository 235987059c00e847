# runs: train | restore
# expect: rtol=1e-5 atol=1e-6 -- numpy data and initial values; the restore run prints exactly what was saved
# Train, save with tf.train.Saver, then restore in a second process and predict.
import os
import sys
import numpy as np
import tensorflow as tf

mode = sys.argv[1]
rng = np.random.RandomState(2)
data = rng.randn(20, 3).astype(np.float32)
target = data @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3

x = tf.placeholder(tf.float32, [None, 3], name="x")
y = tf.placeholder(tf.float32, [None, 1], name="y")
W = tf.Variable(np.zeros((3, 1), np.float32), name="W")
b = tf.Variable(0.0, name="b")
pred = tf.add(tf.matmul(x, W), b, name="pred")
loss = tf.reduce_mean(tf.square(pred - y))
global_step = tf.Variable(0, trainable=False, name="global_step")
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=global_step)
saver = tf.train.Saver()
ckpt_dir = "./checkpoints"

with tf.Session() as sess:
    if mode == "train":
        sess.run(tf.global_variables_initializer())
        for _ in range(25):
            sess.run(train, {x: data, y: target})
        os.makedirs(ckpt_dir, exist_ok=True)
        path = saver.save(
            sess, os.path.join(ckpt_dir, "model.ckpt"), global_step=global_step
        )
        print(
            "saved",
            os.path.relpath(path),
            "loss %.6f" % sess.run(loss, {x: data, y: target}),
        )
        print("W", sess.run(W).ravel(), "b", sess.run(b))
    else:
        ckpt = tf.train.get_checkpoint_state(ckpt_dir)
        print("restoring", os.path.relpath(ckpt.model_checkpoint_path))
        saver.restore(sess, ckpt.model_checkpoint_path)
        print("global step", sess.run(global_step))
        print("W", sess.run(W).ravel(), "b", sess.run(b))
        print("prediction", sess.run(pred, {x: [[1.0, 1.0, 1.0]]}))
