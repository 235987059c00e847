"""``tf.contrib.slim``: the layers, ``arg_scope`` and variable helpers that slim
model definitions use (the same functions as ``tf.contrib.layers`` and
``tf.contrib.framework``). ``slim.learning`` and ``slim.evaluation`` are not
provided: train with a ``tf.Session`` loop."""

from typing import Any

from jgraph import losses as losses
from jgraph.contrib.framework import (
    add_arg_scope as add_arg_scope,
    arg_scope as arg_scope,
    get_model_variables as get_model_variables,
    get_or_create_global_step as get_or_create_global_step,
    get_variables as get_variables,
    get_variables_by_name as get_variables_by_name,
    get_variables_to_restore as get_variables_to_restore,
    model_variable as model_variable,
    variable as variable,
)
from jgraph.contrib.layers import (
    avg_pool2d as avg_pool2d,
    batch_norm as batch_norm,
    conv2d as conv2d,
    conv2d_transpose as conv2d_transpose,
    dropout as dropout,
    flatten as flatten,
    fully_connected as fully_connected,
    l1_regularizer as l1_regularizer,
    l2_regularizer as l2_regularizer,
    linear as linear,
    max_pool2d as max_pool2d,
    one_hot_encoding as one_hot_encoding,
    repeat as repeat,
    stack as stack,
    variance_scaling_initializer as variance_scaling_initializer,
    xavier_initializer as xavier_initializer,
)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"tf.contrib.slim.{name} is not provided by jgraph; use a tf.Session training"
        " loop (for slim.learning / slim.evaluation) or the tf.layers equivalent."
    )
