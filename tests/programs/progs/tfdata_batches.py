# expect: rtol=1e-4 atol=1e-6 -- no shuffling; numpy data and constant initial values
# tf.data: from_tensor_slices -> map -> batch -> repeat, a one-shot iterator, and the
# OutOfRangeError that ends the loop.
import numpy as np
import tensorflow as tf

features = np.arange(24, dtype=np.float32).reshape(12, 2) / 10.0
labels = (features.sum(1) > 1.0).astype(np.float32)
dataset = tf.data.Dataset.from_tensor_slices((features, labels))
dataset = dataset.map(lambda x, y: (x * 2.0, tf.reshape(y, [1])))
dataset = dataset.batch(5).repeat(3)
iterator = dataset.make_one_shot_iterator()
x, y = iterator.get_next()
print(x, y)
w = tf.Variable([[0.1], [-0.2]])
logits = tf.matmul(x, w)
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    step = 0
    while True:
        try:
            _, l, n = sess.run([train, loss, tf.shape(x)[0]])
            print("batch %d size %d loss %.5f" % (step, n, l))
            step += 1
        except tf.errors.OutOfRangeError:
            print("end of data after", step, "batches")
            break
    print("w", sess.run(w).ravel())
