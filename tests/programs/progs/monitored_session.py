# expect: rtol=1e-5 atol=1e-7 -- numpy data and zero initial values
# tf.train.MonitoredTrainingSession with a StopAtStepHook and a checkpoint directory,
# then a second session that resumes from the checkpoint.
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(16)
xs = rng.randn(16, 2).astype(np.float32)
ys = (xs @ np.array([[0.5], [2.0]], np.float32)).astype(np.float32)


def build():
    tf.reset_default_graph()
    global_step = tf.train.get_or_create_global_step()
    x = tf.constant(xs)
    w = tf.Variable(tf.zeros([2, 1]), name="w")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - ys))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(
        loss, global_step=global_step
    )
    return global_step, loss, train


for last_step in (10, 25):
    global_step, loss, train = build()
    hooks = [tf.train.StopAtStepHook(last_step=last_step)]
    with tf.train.MonitoredTrainingSession(
        checkpoint_dir="mts_ckpt",
        hooks=hooks,
        save_summaries_steps=None,
        save_checkpoint_secs=None,
        save_checkpoint_steps=5,
    ) as sess:
        runs = 0
        while not sess.should_stop():
            l, _ = sess.run([loss, train])
            runs += 1
        print("stopped at step", last_step, "after", runs, "runs, loss %.6f" % l)
