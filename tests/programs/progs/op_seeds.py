# expect: rtol=0 atol=0 -- booleans only: TF1's seeding rules, not its bits
# Op-level seeds without a graph seed: two ops with the same op seed draw the same
# numbers, and each op's stream moves on every run.
import numpy as np
import tensorflow as tf

a = tf.random_uniform([4], seed=7)
b = tf.random_uniform([4], seed=7)
c = tf.random_normal([4], seed=3)
with tf.Session() as sess:
    a1, b1 = sess.run([a, b])
    a2, b2 = sess.run([a, b])
    c1 = sess.run(c)
    c2 = sess.run(c)
    print("same op seed, same numbers:", np.array_equal(a1, b1), np.array_equal(a2, b2))
    print(
        "a new run, new numbers:",
        not np.array_equal(a1, a2),
        not np.array_equal(c1, c2),
    )
with tf.Session() as sess:
    print("a new session starts again:", np.array_equal(sess.run(a), a1))
