# expect: rtol=0.03 atol=0.003 -- initial values come from TF's and jgraph's own generators: the mean and standard deviation of 20000+ draws are compared (their sampling error is under 1%)
# The initializers programs use, checked by their statistics: contrib xavier (uniform
# and normal), contrib variance_scaling (He), glorot_uniform, truncated_normal,
# random_uniform, and tf.layers' default kernel.
import numpy as np
import tensorflow as tf

shape = [200, 150]
inits = {
    "xavier_uniform": tf.contrib.layers.xavier_initializer(),
    "xavier_normal": tf.contrib.layers.xavier_initializer(uniform=False),
    "he_normal": tf.contrib.layers.variance_scaling_initializer(),
    "he_uniform_avg": tf.contrib.layers.variance_scaling_initializer(
        factor=1.0, mode="FAN_AVG", uniform=True
    ),
    "glorot_uniform": tf.glorot_uniform_initializer(),
    "truncated_normal": tf.truncated_normal_initializer(stddev=0.1),
    "random_uniform": tf.random_uniform_initializer(-0.05, 0.05),
    "variance_scaling": tf.variance_scaling_initializer(scale=2.0),
}
variables = {
    name: tf.get_variable(name, shape, initializer=init) for name, init in inits.items()
}
dense = tf.layers.dense(tf.placeholder(tf.float32, [None, 200]), 150)
kernel = [v for v in tf.global_variables() if v.name == "dense/kernel:0"][0]
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for name in inits:
        value = sess.run(variables[name])
        print(
            "%-18s std %.5f max|x| %.4f"
            % (
                name,
                value.std(),
                np.abs(value).max() if "uniform" in name else value.std(),
            )
        )
    value = sess.run(kernel)
    print("dense kernel       std %.5f" % value.std())
