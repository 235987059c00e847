# expect: rtol=1e-6 atol=1e-6 -- no randomness: constants and variables only
# InteractiveSession, Tensor.eval, Operation.run and Variable.initializer.
import tensorflow as tf

sess = tf.InteractiveSession()
a = tf.constant([[1.0, 2.0], [3.0, 4.0]], name="a")
x = tf.Variable([1.0, 2.0], name="x")
x.initializer.run()
y = tf.matmul(a, tf.reshape(x, [2, 1]))
print(a)
print(y)
print(y.eval())
update = tf.assign_add(x, [0.5, 0.5])
update.op.run()
print(x.eval())
print(tf.reduce_sum(a).eval(), tf.reduce_mean(a, 0).eval())
sess.close()
