"""``tf.nn``: activations, softmax, bias_add, dropout, top-k, losses (public surface).

Convolutions, pooling and normalisation come from ``jgraph.ops.conv_ops``.
Recurrent networks (``rnn_cell``, ``dynamic_rnn``, ``static_rnn``,
``bidirectional_dynamic_rnn``) come from ``jgraph.layers.rnn_cell`` and ``jgraph.layers.rnn``.
"""

from jgraph.layers import rnn_cell as rnn_cell
from jgraph.layers.rnn import (
    bidirectional_dynamic_rnn as bidirectional_dynamic_rnn,
    dynamic_rnn as dynamic_rnn,
    static_rnn as static_rnn,
)
from jgraph.ops.conv_ops import (
    atrous_conv2d as atrous_conv2d,
    avg_pool as avg_pool,
    avg_pool2d as avg_pool2d,
    avg_pool3d as avg_pool3d,
    batch_normalization as batch_normalization,
    conv1d as conv1d,
    conv1d_transpose as conv1d_transpose,
    conv2d as conv2d,
    conv2d_transpose as conv2d_transpose,
    conv3d as conv3d,
    conv3d_transpose as conv3d_transpose,
    depthwise_conv2d as depthwise_conv2d,
    embedding_lookup as embedding_lookup,
    l2_normalize as l2_normalize,
    max_pool as max_pool,
    max_pool2d as max_pool2d,
    max_pool3d as max_pool3d,
    moments as moments,
    normalize_moments as normalize_moments,
    pool as pool,
    separable_conv2d as separable_conv2d,
)
from jgraph.ops.nn_ops import (
    bias_add as bias_add,
    crelu as crelu,
    dropout as dropout,
    elu as elu,
    fused_batch_norm as fused_batch_norm,
    in_top_k as in_top_k,
    l2_loss as l2_loss,
    leaky_relu as leaky_relu,
    local_response_normalization as local_response_normalization,
    log_poisson_loss as log_poisson_loss,
    log_softmax as log_softmax,
    lrn as lrn,
    relu as relu,
    relu6 as relu6,
    selu as selu,
    sigmoid as sigmoid,
    sigmoid_cross_entropy_with_logits as sigmoid_cross_entropy_with_logits,
    softmax as softmax,
    softmax_cross_entropy_with_logits as softmax_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits_v2 as softmax_cross_entropy_with_logits_v2,
    softplus as softplus,
    softsign as softsign,
    sparse_softmax_cross_entropy_with_logits as sparse_softmax_cross_entropy_with_logits,
    swish as swish,
    tanh as tanh,
    top_k as top_k,
    weighted_cross_entropy_with_logits as weighted_cross_entropy_with_logits,
    xw_plus_b as xw_plus_b,
    zero_fraction as zero_fraction,
)
