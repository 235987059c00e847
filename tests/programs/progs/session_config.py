# expect: rtol=1e-6 atol=1e-6 -- no randomness
# The ConfigProto options programs pass (GPU memory growth and fraction, device
# placement logging, soft placement, thread pools), with tf.device blocks.
import tensorflow as tf

config = tf.ConfigProto(
    allow_soft_placement=True,
    log_device_placement=False,
    intra_op_parallelism_threads=2,
    inter_op_parallelism_threads=2,
)
config.gpu_options.allow_growth = True
config.gpu_options.per_process_gpu_memory_fraction = 0.5
with tf.device("/cpu:0"):
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
with tf.device("/gpu:0"):
    b = tf.matmul(a, a)
gpu_options = tf.GPUOptions(per_process_gpu_memory_fraction=0.3)
with tf.Session(config=config) as sess:
    print(sess.run(b))
with tf.Session(
    config=tf.ConfigProto(gpu_options=gpu_options, allow_soft_placement=True)
) as sess:
    print(sess.run(tf.reduce_sum(b)))
