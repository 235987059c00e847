# expect: rtol=1e-5 atol=1e-6 -- no randomness
# make_initializable_iterator over placeholders: initialise it with the training
# arrays, then again with the test arrays.
import numpy as np
import tensorflow as tf

x_ph = tf.placeholder(tf.float32, [None, 3])
y_ph = tf.placeholder(tf.float32, [None])
dataset = tf.data.Dataset.from_tensor_slices((x_ph, y_ph)).batch(4)
iterator = dataset.make_initializable_iterator()
x, y = iterator.get_next()
total = tf.reduce_sum(x, 1) * y
train_x = np.arange(30, dtype=np.float32).reshape(10, 3)
test_x = -np.ones((6, 3), np.float32)

with tf.Session() as sess:
    for name, data in (("train", train_x), ("test", test_x)):
        sess.run(
            iterator.initializer,
            feed_dict={x_ph: data, y_ph: np.arange(len(data), dtype=np.float32)},
        )
        while True:
            try:
                print(name, sess.run(total))
            except tf.errors.OutOfRangeError:
                break
