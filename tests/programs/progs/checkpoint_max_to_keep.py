# expect: rtol=0 atol=0 -- counters only
# Saver(max_to_keep=2) with a global step: which checkpoints remain, the
# checkpoint state file, and restoring an older one by path.
import os
import tensorflow as tf

counter = tf.Variable(0, name="counter")
step = tf.train.get_or_create_global_step()
inc = tf.group(tf.assign_add(counter, 10), tf.assign_add(step, 1))
saver = tf.train.Saver(max_to_keep=2)
os.makedirs("ckpt", exist_ok=True)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(4):
        sess.run(inc)
        saver.save(sess, "ckpt/model", global_step=step)
    state = tf.train.get_checkpoint_state("ckpt")
    print("latest", os.path.relpath(tf.train.latest_checkpoint("ckpt")))
    print("kept", [os.path.relpath(p) for p in state.all_model_checkpoint_paths])
    print(
        "exists", [tf.train.checkpoint_exists("ckpt/model-%d" % i) for i in range(1, 5)]
    )
    saver.restore(sess, "ckpt/model-3")
    print("after restoring model-3:", sess.run([counter, step]))
