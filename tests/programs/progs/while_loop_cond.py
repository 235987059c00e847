# expect: rtol=1e-6 atol=1e-6 -- no randomness
# tf.while_loop (Collatz steps, a Newton iteration) and tf.cond on fed values.
import tensorflow as tf

n = tf.placeholder(tf.int32, [])


def cond(i, x):
    return tf.not_equal(x, 1)


def body(i, x):
    x = tf.cond(tf.equal(x % 2, 0), lambda: x // 2, lambda: 3 * x + 1)
    return i + 1, x


steps, _ = tf.while_loop(cond, body, [tf.constant(0), n])

a = tf.placeholder(tf.float32, [])
root = tf.while_loop(
    lambda k, r: k < 20, lambda k, r: (k + 1, 0.5 * (r + a / r)), [0, tf.constant(1.0)]
)[1]
sign = tf.cond(a > 10.0, lambda: tf.constant(1), lambda: tf.constant(-1))
with tf.Session() as sess:
    for value in (6, 7, 27):
        print("collatz", value, sess.run(steps, {n: value}))
    for value in (2.0, 49.0):
        r, s = sess.run([root, sign], {a: value})
        print("sqrt %.6f" % r, "big" if s > 0 else "small")
