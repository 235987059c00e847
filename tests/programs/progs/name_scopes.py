# expect: rtol=0 atol=0 -- names, shapes and dtypes only
# Graph names: name scopes, variable scopes, uniquified names, tensor reprs.
import tensorflow as tf

with tf.name_scope("input"):
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
with tf.variable_scope("layer1"):
    w = tf.get_variable("weights", [3, 4], initializer=tf.zeros_initializer())
    h = tf.matmul(x, w)
with tf.variable_scope("layer1", reuse=True):
    w2 = tf.get_variable("weights")
with tf.name_scope("loss"):
    a = tf.add(h, 1.0)
    b = tf.add(h, 2.0)
    c = tf.identity(a, name="out")
    d = tf.identity(b, name="out")
print(x)
print(y)
print(w.name, w2.name, w is w2)
print(h)
print(a.name, b.name, c.name, d.name)
print(c.op.name, c.op.type, c.shape, c.dtype)
print(tf.get_default_graph().get_tensor_by_name("input/x:0") is x)
print([v.name for v in tf.global_variables()])
