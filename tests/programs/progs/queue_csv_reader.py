# expect: rtol=1e-6 atol=1e-6 -- no shuffling: the lines come in file order
# Reading a CSV file with the TF1 queue pipeline until OutOfRangeError.
import tensorflow as tf

with open("data.csv", "w") as f:
    for i in range(10):
        f.write("%d,%.1f,%.1f\n" % (i % 2, i * 0.5, i * 1.5))
filename_queue = tf.train.string_input_producer(
    ["data.csv"], num_epochs=1, shuffle=False
)
reader = tf.TextLineReader()
key, value = reader.read(filename_queue)
label, f1, f2 = tf.decode_csv(value, record_defaults=[[0], [0.0], [0.0]])
features = tf.stack([f1, f2])
feature_batch, label_batch = tf.train.batch(
    [features, label], batch_size=4, allow_smaller_final_batch=True
)
with tf.Session() as sess:
    sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess=sess, coord=coord)
    try:
        while not coord.should_stop():
            f, l = sess.run([feature_batch, label_batch])
            print(f.sum(), list(l))
    except tf.errors.OutOfRangeError:
        print("Done reading")
    finally:
        coord.request_stop()
    coord.join(threads)
