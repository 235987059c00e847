# expect: rtol=1e-6 atol=1e-6 -- no randomness
# dtype names as strings, tf.to_* casts, tf.arg_max / tf.arg_min, tf.diag.
import numpy as np
import tensorflow as tf

a = tf.placeholder("float", [None, 3])
b = tf.placeholder("double", [3])
c = tf.constant([1, 2, 3], dtype="int64")
h = tf.cast(a, "half")
print(a.dtype, b.dtype, c.dtype, h.dtype)
print(
    tf.zeros([2], "float").dtype,
    tf.ones([2], dtype="int32").dtype,
    tf.Variable(1.0, dtype="double").dtype.base_dtype,
)
print(
    tf.to_float(c).dtype,
    tf.to_int32(b).dtype,
    tf.to_int64(a).dtype,
    tf.to_double(a).dtype,
)
m = tf.arg_max(a, 1)
n = tf.arg_min(a, 0)
d = tf.diag(tf.to_float(c))
with tf.Session() as sess:
    feed = {
        a: np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 9.0]]),
        b: np.array([1.5, 2.5, -3.5]),
    }
    print(sess.run([m, n], feed))
    print(sess.run(d))
    print(sess.run(tf.to_int32(b), feed), sess.run(h, feed).dtype)
