# expect: rtol=0.2 atol=0.05 -- the negative classes come from TF's and jgraph's own samplers: the mean NCE loss over the last 100 steps and the learned similarity structure are compared, not bits
# Skip-gram word2vec with tf.nn.nce_loss on a toy corpus with two topics.
import collections
import math
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(0)
topic_a = "cat dog pet fur paw tail bark purr".split()
topic_b = "stock bond market price trade share fund bank".split()
words = []
for _ in range(600):
    topic = topic_a if rng.rand() < 0.5 else topic_b
    words += list(rng.choice(topic, 6))
count = collections.Counter(words).most_common()
dictionary = {w: i for i, (w, _) in enumerate(count)}
data = [dictionary[w] for w in words]
vocabulary_size, embedding_size, num_sampled = len(dictionary), 8, 4
pairs = [
    (data[i], data[j])
    for i in range(len(data))
    for j in (i - 1, i + 1)
    if 0 <= j < len(data) and i // 6 == j // 6
]
pairs = np.array(pairs)

train_inputs = tf.placeholder(tf.int32, shape=[None])
train_labels = tf.placeholder(tf.int32, shape=[None, 1])
embeddings = tf.Variable(
    tf.random_uniform([vocabulary_size, embedding_size], -1.0, 1.0)
)
embed = tf.nn.embedding_lookup(embeddings, train_inputs)
nce_weights = tf.Variable(
    tf.truncated_normal(
        [vocabulary_size, embedding_size], stddev=1.0 / math.sqrt(embedding_size)
    )
)
nce_biases = tf.Variable(tf.zeros([vocabulary_size]))
loss = tf.reduce_mean(
    tf.nn.nce_loss(
        weights=nce_weights,
        biases=nce_biases,
        labels=train_labels,
        inputs=embed,
        num_sampled=num_sampled,
        num_classes=vocabulary_size,
    )
)
optimizer = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
norm = tf.sqrt(tf.reduce_sum(tf.square(embeddings), 1, keep_dims=True))
normalized_embeddings = embeddings / norm
similarity = tf.matmul(normalized_embeddings, normalized_embeddings, transpose_b=True)

with tf.Session() as sess:
    tf.global_variables_initializer().run()
    losses = []
    for step in range(600):
        batch = pairs[rng.randint(0, len(pairs), 64)]
        _, l = sess.run(
            [optimizer, loss], {train_inputs: batch[:, 0], train_labels: batch[:, 1:]}
        )
        losses.append(l)
    print("average loss over the last 100 steps %.3f" % np.mean(losses[-100:]))
    sim = similarity.eval()
    a = [dictionary[w] for w in topic_a]
    b = [dictionary[w] for w in topic_b]
    within = (sim[np.ix_(a, a)].mean() + sim[np.ix_(b, b)].mean()) / 2
    across = sim[np.ix_(a, b)].mean()
    print("topics separate:", within > across + 0.3)
