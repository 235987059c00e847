"""Every op, grouped as TF1 groups them; importing this package registers them all."""

from jgraph.ops import (  # noqa: F401 - imported to register the ops
    array_ops,
    clip_ops,
    conv_ops,
    data_flow_ops,
    init_ops,
    logging_ops,
    math_ops,
    nn_ops,
    random_ops,
    script_ops,
    state_ops,
    string_ops,
    variable_scope,
    variables,
)
