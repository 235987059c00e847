"""``tf.contrib.rnn``: TF1's RNN cells and RNN functions under their contrib names.

Aliases of ``tf.nn.rnn_cell`` and ``jgraph.layers.rnn`` (same classes, same variable
names), plus the stacked bidirectional RNNs that TF1 only had here.
"""

from typing import Any

from jgraph.layers.rnn import (
    bidirectional_dynamic_rnn as bidirectional_dynamic_rnn,
    dynamic_rnn as dynamic_rnn,
    stack_bidirectional_dynamic_rnn as stack_bidirectional_dynamic_rnn,
    stack_bidirectional_rnn as stack_bidirectional_rnn,
    static_bidirectional_rnn as static_bidirectional_rnn,
    static_rnn as static_rnn,
)
from jgraph.layers.rnn_cell import (
    BasicLSTMCell as BasicLSTMCell,
    BasicRNNCell as BasicRNNCell,
    DeviceWrapper as DeviceWrapper,
    DropoutWrapper as DropoutWrapper,
    GRUCell as GRUCell,
    LSTMCell as LSTMCell,
    LSTMStateTuple as LSTMStateTuple,
    MultiRNNCell as MultiRNNCell,
    ResidualWrapper as ResidualWrapper,
    RNNCell as RNNCell,
)

_NOT_PROVIDED = {
    "LSTMBlockCell": "tf.contrib.rnn.LSTMCell (or BasicLSTMCell)",
    "LSTMBlockFusedCell": "tf.nn.dynamic_rnn with tf.contrib.rnn.LSTMCell",
    "GRUBlockCell": "tf.contrib.rnn.GRUCell",
    "LayerNormBasicLSTMCell": "tf.contrib.rnn.BasicLSTMCell",
    "OutputProjectionWrapper": "tf.layers.dense on the RNN outputs",
    "InputProjectionWrapper": "tf.layers.dense on the RNN inputs",
    "EmbeddingWrapper": "tf.nn.embedding_lookup on the RNN inputs",
    "AttentionCellWrapper": "an attention written with tf ops over the outputs",
    "static_state_saving_rnn": "tf.contrib.rnn.static_rnn with the state fed back",
}


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    hint = _NOT_PROVIDED.get(name)
    where = f"use {hint}" if hint else "docs/tf1-coverage.md lists what is"
    raise AttributeError(f"tf.contrib.rnn.{name} is not provided by jgraph; {where}.")
