"""jgraph: the TensorFlow 1.x graph programming model, rebuilt on JAX.

``import jgraph as tf`` and write TF1: build a graph of ``Variable``s,
``placeholder``s and ops, then ``Session.run`` it. Each fetch set compiles to one
jitted pure function of the session state.
"""

import sys as _sys

from jgraph import (
    app as app,
    bitwise as bitwise,
    compat as compat,
    data as data,
    distribute as distribute,
    errors as errors,
    flags as flags,
    gfile as gfile,
    image as image,
    initializers as initializers,
    io as io,
    layers as layers,
    linalg as linalg,
    logging as logging,
    losses as losses,
    math as math,
    metrics as metrics,
    nn as nn,
    ops as ops,
    queue as queue,
    random as random,
    strings as strings,
    summary as summary,
    train as train,
)
from jgraph._behavior import (
    disable_eager_execution as disable_eager_execution,
    disable_v2_behavior as disable_v2_behavior,
    enable_eager_execution as enable_eager_execution,
    enable_v2_behavior as enable_v2_behavior,
    executing_eagerly as executing_eagerly,
)
from jgraph.compile.gradients import gradients as gradients
from jgraph.config import ConfigProto as ConfigProto, GPUOptions as GPUOptions
from jgraph.graph import dtypes as _dtypes
from jgraph.graph.dtypes import (
    DType as DType,
    as_dtype as as_dtype,
    bfloat16 as bfloat16,
    double as double,
    float16 as float16,
    float32 as float32,
    float64 as float64,
    half as half,
    int8 as int8,
    int16 as int16,
    int32 as int32,
    int64 as int64,
    string as string,
    uint8 as uint8,
    uint16 as uint16,
    uint32 as uint32,
    uint64 as uint64,
)
from jgraph.graph.graph import (
    Graph as Graph,
    GraphKeys as GraphKeys,
    Operation as Operation,
    get_default_graph as get_default_graph,
    reset_default_graph as reset_default_graph,
)
from jgraph.graph.shape import (
    Dimension as Dimension,
    TensorShape as TensorShape,
)
from jgraph.graph.tensor import (
    Tensor as Tensor,
    get_default_session as get_default_session,
)
from jgraph.logging import get_logger as get_logger
from jgraph.ops import logging_ops as _logging_ops, state_ops as _state_ops
from jgraph.ops.array_ops import (
    boolean_mask as boolean_mask,
    broadcast_to as broadcast_to,
    concat as concat,
    expand_dims as expand_dims,
    eye as eye,
    fill as fill,
    gather as gather,
    gather_nd as gather_nd,
    lin_space as lin_space,
    linspace as linspace,
    newaxis as newaxis,
    one_hot as one_hot,
    ones as ones,
    ones_like as ones_like,
    pad as pad,
    range as range,
    rank as rank,
    reshape as reshape,
    reverse as reverse,
    reverse_sequence as reverse_sequence,
    reverse_v2 as reverse_v2,
    shape as shape,
    size as size,
    slice as slice,
    split as split,
    squeeze as squeeze,
    stack as stack,
    stop_gradient as stop_gradient,
    tile as tile,
    transpose as transpose,
    unstack as unstack,
    zeros as zeros,
    zeros_like as zeros_like,
)
from jgraph.ops.clip_ops import (
    clip_by_global_norm as clip_by_global_norm,
    clip_by_norm as clip_by_norm,
    global_norm as global_norm,
)
from jgraph.ops.control_flow_ops import (
    case as case,
    cond as cond,
    foldl as foldl,
    foldr as foldr,
    map_fn as map_fn,
    scan as scan,
    while_loop as while_loop,
)
from jgraph.ops.conversion import (
    constant as constant,
    convert_to_tensor as convert_to_tensor,
)
from jgraph.ops.data_flow_ops import (
    FIFOQueue as FIFOQueue,
    PaddingFIFOQueue as PaddingFIFOQueue,
    QueueBase as QueueBase,
    RandomShuffleQueue as RandomShuffleQueue,
    dynamic_partition as dynamic_partition,
    unique as unique,
    unique_with_counts as unique_with_counts,
)
from jgraph.ops.init_ops import (
    constant_initializer as constant_initializer,
    glorot_normal_initializer as glorot_normal_initializer,
    glorot_uniform_initializer as glorot_uniform_initializer,
    ones_initializer as ones_initializer,
    orthogonal_initializer as orthogonal_initializer,
    random_normal_initializer as random_normal_initializer,
    random_uniform_initializer as random_uniform_initializer,
    truncated_normal_initializer as truncated_normal_initializer,
    variance_scaling_initializer as variance_scaling_initializer,
    zeros_initializer as zeros_initializer,
)
from jgraph.ops.io_ops import (
    ReaderBase as ReaderBase,
    TextLineReader as TextLineReader,
    WholeFileReader as WholeFileReader,
    decode_csv as decode_csv,
    read_file as read_file,
)
from jgraph.ops.linalg_ops import (
    cholesky as cholesky,
    diag as diag,
    matrix_band_part as matrix_band_part,
    matrix_determinant as matrix_determinant,
    matrix_diag as matrix_diag,
    matrix_diag_part as matrix_diag_part,
    matrix_inverse as matrix_inverse,
    matrix_solve as matrix_solve,
    matrix_transpose as matrix_transpose,
    matrix_triangular_solve as matrix_triangular_solve,
    norm as norm,
    qr as qr,
    self_adjoint_eig as self_adjoint_eig,
    self_adjoint_eigvals as self_adjoint_eigvals,
    svd as svd,
    trace as trace,
)
from jgraph.ops.logging_ops import Print as Print
from jgraph.ops.math_ops import (
    abs as abs,
    acos as acos,
    add as add,
    add_n as add_n,
    arg_max as arg_max,
    arg_min as arg_min,
    argmax as argmax,
    argmin as argmin,
    asin as asin,
    atan as atan,
    atan2 as atan2,
    cast as cast,
    ceil as ceil,
    clip_by_value as clip_by_value,
    cos as cos,
    cosh as cosh,
    count_nonzero as count_nonzero,
    cumprod as cumprod,
    cumsum as cumsum,
    div as div,
    div_no_nan as div_no_nan,
    divide as divide,
    einsum as einsum,
    equal as equal,
    erf as erf,
    exp as exp,
    expm1 as expm1,
    floor as floor,
    floor_div as floor_div,
    floordiv as floordiv,
    floormod as floormod,
    greater as greater,
    greater_equal as greater_equal,
    is_finite as is_finite,
    is_inf as is_inf,
    is_nan as is_nan,
    less as less,
    less_equal as less_equal,
    lgamma as lgamma,
    log as log,
    log1p as log1p,
    log_sigmoid as log_sigmoid,
    logical_and as logical_and,
    logical_not as logical_not,
    logical_or as logical_or,
    logical_xor as logical_xor,
    matmul as matmul,
    maximum as maximum,
    minimum as minimum,
    mod as mod,
    multiply as multiply,
    negative as negative,
    not_equal as not_equal,
    pow as pow,
    realdiv as realdiv,
    reciprocal as reciprocal,
    reduce_all as reduce_all,
    reduce_any as reduce_any,
    reduce_logsumexp as reduce_logsumexp,
    reduce_max as reduce_max,
    reduce_mean as reduce_mean,
    reduce_min as reduce_min,
    reduce_prod as reduce_prod,
    reduce_sum as reduce_sum,
    rint as rint,
    round as round,
    rsqrt as rsqrt,
    saturate_cast as saturate_cast,
    scalar_mul as scalar_mul,
    segment_max as segment_max,
    segment_mean as segment_mean,
    segment_min as segment_min,
    segment_prod as segment_prod,
    segment_sum as segment_sum,
    sequence_mask as sequence_mask,
    sigmoid as sigmoid,
    sign as sign,
    sin as sin,
    sinh as sinh,
    sqrt as sqrt,
    square as square,
    squared_difference as squared_difference,
    subtract as subtract,
    tan as tan,
    tanh as tanh,
    tensordot as tensordot,
    to_double as to_double,
    to_float as to_float,
    to_int32 as to_int32,
    to_int64 as to_int64,
    truediv as truediv,
    unsorted_segment_max as unsorted_segment_max,
    unsorted_segment_mean as unsorted_segment_mean,
    unsorted_segment_min as unsorted_segment_min,
    unsorted_segment_prod as unsorted_segment_prod,
    unsorted_segment_sum as unsorted_segment_sum,
    where as where,
    where_v2 as where_v2,
)
from jgraph.ops.random_ops import (
    multinomial as multinomial,
    random_normal as random_normal,
    random_shuffle as random_shuffle,
    random_uniform as random_uniform,
    set_random_seed as set_random_seed,
    truncated_normal as truncated_normal,
)
from jgraph.ops.script_ops import (
    numpy_function as numpy_function,
    py_func as py_func,
    py_function as py_function,
)
from jgraph.ops.state_ops import (
    assign as assign,
    assign_add as assign_add,
    assign_sub as assign_sub,
    group as group,
    identity as identity,
    is_variable_initialized as is_variable_initialized,
    no_op as no_op,
    placeholder as placeholder,
    placeholder_with_default as placeholder_with_default,
    report_uninitialized_variables as report_uninitialized_variables,
    scatter_add as scatter_add,
    scatter_sub as scatter_sub,
    scatter_update as scatter_update,
)
from jgraph.ops.string_ops import (
    as_string as as_string,
    reduce_join as reduce_join,
    string_join as string_join,
    string_strip as string_strip,
    string_to_number as string_to_number,
)
from jgraph.ops.variable_scope import (
    AUTO_REUSE as AUTO_REUSE,
    VariableScope as VariableScope,
    get_local_variable as get_local_variable,
    get_variable as get_variable,
    get_variable_scope as get_variable_scope,
    no_regularizer as no_regularizer,
    variable_scope as variable_scope,
)
from jgraph.ops.variables import (
    Variable as Variable,
    all_variables as all_variables,
    assert_variables_initialized as assert_variables_initialized,
    global_variables as global_variables,
    global_variables_initializer as global_variables_initializer,
    initialize_all_variables as initialize_all_variables,
    local_variables as local_variables,
    local_variables_initializer as local_variables_initializer,
    model_variables as model_variables,
    moving_average_variables as moving_average_variables,
    trainable_variables as trainable_variables,
    variables_initializer as variables_initializer,
)
from jgraph.runtime.session import (
    InteractiveSession as InteractiveSession,
    RetracingWarning as RetracingWarning,
    RunStats as RunStats,
    Session as Session,
    SessionState as SessionState,
)

# The TF1 API level jgraph implements, then jgraph's own version (PEP 440 local
# part), so that programs that parse ``tf.__version__`` see a 1.x TensorFlow.
__version__ = "1.15.0+jgraph.0.1.0"
VERSION = __version__

# TF1 names that shadow Python builtins inside this namespace only.
bool = _dtypes.bool_
tuple = _state_ops.tuple_
print = _logging_ops.print_v2


def get_collection(key: str, scope: str | None = None) -> list:
    """The items of collection ``key`` in the default graph (filtered by ``scope``)."""
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key: str) -> list:
    """The live list of collection ``key`` in the default graph."""
    return get_default_graph().get_collection_ref(key)


def add_to_collection(name: str, value: object) -> None:
    """Adds ``value`` to collection ``name`` of the default graph."""
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names: list[str] | str, value: object) -> None:
    get_default_graph().add_to_collections(names, value)


def name_scope(
    name: str | None, default_name: str | None = None, values: object = None
):
    """A name scope in the default graph; yields the scope string (``'a/'``)."""
    return get_default_graph().name_scope(name if name is not None else default_name)


def control_dependencies(control_inputs: object):
    """Ops created inside run after ``control_inputs`` (``None`` clears)."""
    return get_default_graph().control_dependencies(control_inputs)  # type: ignore[arg-type]


def device(device_name_or_function: object):
    """Places ops created inside on a device (``"/cpu:0"``, ``"/gpu:1"``, ...)."""
    return get_default_graph().device(device_name_or_function)


# ``tf.compat.v1`` is this module itself: TF1's API.
compat.v1 = _sys.modules[__name__]
_sys.modules[f"{compat.__name__}.v1"] = compat.v1

# Last: contrib's modules use the whole public namespace above.
from jgraph import contrib as contrib  # noqa: E402
