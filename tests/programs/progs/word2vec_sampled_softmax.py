# expect: rtol=0.2 atol=0.05 -- sampled classes come from TF's and jgraph's own samplers: mean loss over the last 100 steps and the nearest-neighbour check are compared
# Skip-gram with tf.nn.sampled_softmax_loss (weights [vocab, dim]), Adagrad.
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(1)
vocab = 30
groups = [list(range(0, 10)), list(range(10, 20)), list(range(20, 30))]
centers, contexts = [], []
for _ in range(3000):
    g = groups[rng.randint(3)]
    c, o = rng.choice(g, 2, replace=False)
    centers.append(c)
    contexts.append(o)
centers, contexts = np.array(centers), np.array(contexts)[:, None]

x = tf.placeholder(tf.int64, [None])
y = tf.placeholder(tf.int64, [None, 1])
emb = tf.get_variable(
    "emb", [vocab, 6], initializer=tf.random_uniform_initializer(-0.5, 0.5)
)
softmax_w = tf.get_variable(
    "softmax_w", [vocab, 6], initializer=tf.truncated_normal_initializer(stddev=0.3)
)
softmax_b = tf.get_variable("softmax_b", [vocab], initializer=tf.zeros_initializer())
loss = tf.reduce_mean(
    tf.nn.sampled_softmax_loss(
        softmax_w, softmax_b, y, tf.nn.embedding_lookup(emb, x), 5, vocab
    )
)
train = tf.train.AdagradOptimizer(0.5).minimize(loss)
logits = (
    tf.matmul(tf.nn.embedding_lookup(emb, x), softmax_w, transpose_b=True) + softmax_b
)
full_loss = tf.reduce_mean(
    tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.reshape(y, [-1]), logits=logits
    )
)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    losses = []
    for step in range(500):
        i = rng.randint(0, len(centers), 64)
        _, l = sess.run([train, loss], {x: centers[i], y: contexts[i]})
        losses.append(l)
    print("sampled loss over the last 100 steps %.3f" % np.mean(losses[-100:]))
    print("full softmax loss %.3f" % sess.run(full_loss, {x: centers, y: contexts}))
