# expect: rtol=1e-4 atol=1e-5 -- batch norm has no randomness; weights reassigned from numpy
# tf.contrib.layers.batch_norm as a normalizer_fn, with its update ops run through
# tf.GraphKeys.UPDATE_OPS and an is_training placeholder.
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(11)
data = (rng.randn(32, 6) * 3.0 + 1.0).astype(np.float32)
target = data.sum(axis=1, keepdims=True).astype(np.float32)

x = tf.placeholder(tf.float32, [None, 6])
y = tf.placeholder(tf.float32, [None, 1])
is_training = tf.placeholder(tf.bool, name="is_training")
h = tf.contrib.layers.fully_connected(
    x,
    8,
    normalizer_fn=tf.contrib.layers.batch_norm,
    normalizer_params={"is_training": is_training, "decay": 0.9, "scale": True},
)
out = tf.contrib.layers.fully_connected(h, 1, activation_fn=None)
loss = tf.reduce_mean(tf.square(out - y))
for v in tf.global_variables():
    print(v.name, v.shape.as_list(), v in tf.trainable_variables())
update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
print(len(update_ops))
with tf.control_dependencies(update_ops):
    train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for v in sorted(tf.trainable_variables(), key=lambda v: v.name):
        if "weights" in v.name:
            sess.run(
                v.assign(rng.normal(0.0, 0.3, v.shape.as_list()).astype(np.float32))
            )
    for step in range(20):
        _, l = sess.run([train, loss], {x: data, y: target, is_training: True})
        if step % 5 == 0:
            print("step %d loss %.5f" % (step, l))
    mean, var = sess.run(
        [
            "fully_connected/BatchNorm/moving_mean:0",
            "fully_connected/BatchNorm/moving_variance:0",
        ]
    )
    print("moving mean", np.round(mean, 4))
    print("moving variance", np.round(var, 4))
    print(
        "inference loss %.5f" % sess.run(loss, {x: data, y: target, is_training: False})
    )
