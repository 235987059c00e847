# runs: --steps=6 --learning_rate=0.2 --name=run1
# expect: rtol=1e-5 atol=1e-7 -- no randomness
# tf.app.flags definitions and tf.app.run() calling main(argv).
import tensorflow as tf

flags = tf.app.flags
flags.DEFINE_integer("steps", 3, "Number of steps.")
flags.DEFINE_float("learning_rate", 0.1, "Learning rate.")
flags.DEFINE_string("name", "default", "Run name.")
flags.DEFINE_boolean("verbose", False, "Print more.")
FLAGS = flags.FLAGS


def main(_):
    print(
        "run",
        FLAGS.name,
        "steps",
        FLAGS.steps,
        "lr",
        FLAGS.learning_rate,
        "verbose",
        FLAGS.verbose,
    )
    v = tf.Variable(10.0)
    loss = tf.square(v - 2.0)
    train = tf.train.GradientDescentOptimizer(FLAGS.learning_rate).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(FLAGS.steps):
            sess.run(train)
        print("v %.6f" % sess.run(v))


if __name__ == "__main__":
    tf.app.run()
