# expect: rtol=1e-5 atol=1e-6 -- no randomness
# A reinitializable iterator: one Iterator.from_structure, two datasets, switched
# with make_initializer (the usual train/validation pattern).
import numpy as np
import tensorflow as tf

train = tf.data.Dataset.from_tensor_slices(np.arange(8, dtype=np.float32)).batch(3)
valid = tf.data.Dataset.from_tensor_slices(-np.arange(4, dtype=np.float32)).batch(2)
iterator = tf.data.Iterator.from_structure(train.output_types, train.output_shapes)
batch = iterator.get_next()
train_init = iterator.make_initializer(train)
valid_init = iterator.make_initializer(valid)
with tf.Session() as sess:
    for epoch in range(2):
        for name, init in (("train", train_init), ("valid", valid_init)):
            sess.run(init)
            sums = []
            while True:
                try:
                    sums.append(float(sess.run(tf.reduce_sum(batch))))
                except tf.errors.OutOfRangeError:
                    break
            print(epoch, name, sums)
