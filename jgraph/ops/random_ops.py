"""Random ops, as TF1's ``random_ops``: normal, uniform, truncated normal, shuffle,
multinomial.

Stage 2 of the pipeline (ops). Each random op has its own stream, as in TF1: its
seed pair (graph seed, op seed) is fixed when it is built (``Graph.random_op``), and
its key in a run is that pair folded with the number of runs it drew in before
(``compile/rng.py``). So ``set_random_seed`` makes a whole program reproducible bit
for bit, an op seed alone makes that op reproducible, two ops with one seed pair
draw the same numbers, and an op's stream advances only when it runs. The numbers
themselves differ from TF1's (another generator).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.graph import get_default_graph
from jgraph.graph.tensor import Tensor
from jgraph.ops import _threefry
from jgraph.ops.array_ops import static_int
from jgraph.ops.conversion import build, convert_to_tensor
from jgraph.ops.folding import fold_static, partial_shape
from jgraph.ops.math_ops import FLOATS, INTEGERS, check_dtype
from jgraph.ops.registry import op


def set_random_seed(seed: int | None) -> None:
    """Sets the graph-level seed of the default graph: random ops built after it
    are seeded by it (those built before are not, as in TF1)."""
    get_default_graph().seed = None if seed is None else int(seed)


def _shape(shape: Any) -> Any:
    """The ``shape`` argument of a random op: a tuple of ints, or a 1-D int tensor
    known when the run is traced (``tf.shape(x)``, ``[batch_size, 10]``)."""
    folded = fold_static(shape)
    if folded is None:
        tensor = convert_to_tensor(shape, name="shape")
        check_dtype(tensor, INTEGERS, "random op", "shape")
        return tensor
    dims = tuple(int(d) for d in np.asarray(folded).reshape(-1))
    if any(d < 0 for d in dims):
        raise ValueError(f"Random op shapes must not be negative, got {list(dims)}.")
    return dims


def _dims(shape: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in np.asarray(shape).reshape(-1))


def _random_rule(args: list[Any], attrs: dict[str, Any]) -> Any:
    """A shape known only when the run is traced: its known sizes (TF1)."""
    shape, low, _ = args
    return [(low.dtype, partial_shape(shape))]


def _shaped(op_type: str) -> Any:
    """``@op`` for a random op whose first input is its output shape."""
    return op(
        op_type,
        random=True,
        same_dtype=False,
        static_inputs=("shape",),
        shape_rule=_random_rule,
    )


def _scalar(value: Any, dtype: _dtypes.DType, name: str) -> Tensor:
    return convert_to_tensor(value, dtype, name=name)


@_shaped("RandomStandardNormal")
def _normal_impl(
    key: Any, shape: Any, mean: Any, stddev: Any, *, seed: int | None = None
) -> Any:
    return mean + stddev * jax.random.normal(key, _dims(shape), mean.dtype)


@_shaped("RandomUniform")
def _uniform_impl(
    key: Any, shape: Any, minval: Any, maxval: Any, *, seed: int | None = None
) -> Any:
    if jnp.issubdtype(minval.dtype, jnp.integer):
        return jax.random.randint(key, _dims(shape), minval, maxval, minval.dtype)
    return _threefry.uniform(key, _dims(shape), minval.dtype, minval, maxval)


@_shaped("TruncatedNormal")
def _truncated_normal_impl(
    key: Any, shape: Any, mean: Any, stddev: Any, *, seed: int | None = None
) -> Any:
    # TF1 redraws values more than two standard deviations from the mean.
    return mean + stddev * jax.random.truncated_normal(
        key, -2.0, 2.0, _dims(shape), mean.dtype
    )


@op("RandomShuffle", random=True, same_dtype=False)
def _shuffle_impl(key: Any, value: Any, *, seed: int | None = None) -> Any:
    return jax.random.permutation(key, value, axis=0)


@op("Multinomial", random=True, same_dtype=False)
def _multinomial_impl(
    key: Any,
    logits: Any,
    *,
    num_samples: int,
    output_dtype: Any = _dtypes.int64,
    seed: int | None = None,
) -> Any:
    batch = logits.shape[0]
    samples = jax.random.categorical(
        key, logits[:, None, :], axis=-1, shape=(batch, num_samples)
    )
    return samples.astype(_dtypes.as_dtype(output_dtype).np)


def random_normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = _dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Normal samples of ``shape`` (``mean`` and ``stddev`` may be tensors)."""
    dtype = _dtypes.as_dtype(dtype)
    if dtype not in FLOATS:
        raise TypeError(f"random_normal: dtype must be a float type, got {dtype.name}")
    graph = get_default_graph()
    with graph.name_scope(name or "random_normal") as scope:
        return build(
            _normal_impl,
            _shape(shape),
            _scalar(mean, dtype, "mean"),
            _scalar(stddev, dtype, "stddev"),
            seed=seed,
            name=scope,
        )


def random_uniform(
    shape: Any,
    minval: Any = 0,
    maxval: Any = None,
    dtype: Any = _dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Uniform samples in ``[minval, maxval)`` (``maxval`` defaults to 1 for floats;
    integer dtypes need it)."""
    dtype = _dtypes.as_dtype(dtype)
    if dtype not in FLOATS | INTEGERS:
        raise TypeError(f"random_uniform: dtype must be numeric, got {dtype.name}")
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype.name}")
        maxval = 1
    graph = get_default_graph()
    with graph.name_scope(name or "random_uniform") as scope:
        return build(
            _uniform_impl,
            _shape(shape),
            _scalar(minval, dtype, "min"),
            _scalar(maxval, dtype, "max"),
            seed=seed,
            name=scope,
        )


def truncated_normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = _dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """Normal samples of ``shape``, redrawn beyond two standard deviations."""
    dtype = _dtypes.as_dtype(dtype)
    if dtype not in FLOATS:
        raise TypeError(
            f"truncated_normal: dtype must be a float type, got {dtype.name}"
        )
    graph = get_default_graph()
    with graph.name_scope(name or "truncated_normal") as scope:
        return build(
            _truncated_normal_impl,
            _shape(shape),
            _scalar(mean, dtype, "mean"),
            _scalar(stddev, dtype, "stddev"),
            seed=seed,
            name=scope,
        )


def random_shuffle(
    value: Any, seed: int | None = None, name: str | None = None
) -> Tensor:
    """``value`` with its first dimension randomly permuted."""
    return build(_shuffle_impl, value, seed=seed, name=name)


def multinomial(
    logits: Any,
    num_samples: Any,
    seed: int | None = None,
    name: str | None = None,
    output_dtype: Any = _dtypes.int64,
) -> Tensor:
    """``num_samples`` class indices per row of ``logits`` ``[batch, classes]``, drawn
    from ``softmax(logits)``: ``[batch, num_samples]`` of ``output_dtype``."""
    logits = convert_to_tensor(logits)
    check_dtype(logits, FLOATS, "Multinomial", "logits")
    if logits.dims is not None and len(logits.dims) != 2:
        raise ValueError(
            f"logits should be a matrix [batch, classes], got shape {logits.shape}"
        )
    output_dtype = _dtypes.as_dtype(output_dtype)
    if output_dtype not in (_dtypes.int32, _dtypes.int64):
        raise TypeError(f"output_dtype must be int32 or int64, got {output_dtype}")
    return build(
        _multinomial_impl,
        logits,
        num_samples=static_int(num_samples, "num_samples"),
        output_dtype=output_dtype,
        seed=seed,
        name=name,
    )


def categorical(
    logits: Any,
    num_samples: Any,
    dtype: Any = None,
    seed: int | None = None,
    name: str | None = None,
) -> Tensor:
    """As :func:`multinomial` (``tf.random.categorical``'s argument order)."""
    return multinomial(
        logits, num_samples, seed, name, _dtypes.int64 if dtype is None else dtype
    )


# -- candidate samplers (TF1's ``candidate_sampling_ops``) ----------------------------------


def _log_uniform_probability(value: Any, range_max: int) -> Any:
    """TF1's ``LogUniformSampler::Probability``: ``log((v + 2) / (v + 1)) / log(n + 1)``."""
    value = value.astype(jnp.float32)
    return jnp.log((value + 2.0) / (value + 1.0)) / jnp.log(range_max + 1.0)


def _log_uniform_draw(key: Any, shape: tuple[int, ...], range_max: int) -> Any:
    """TF1's ``LogUniformSampler::Sample``: ``floor(exp(u * log(n + 1))) - 1``."""
    u = jax.random.uniform(key, shape, jnp.float32)
    value = jnp.floor(jnp.exp(u * jnp.log(range_max + 1.0))).astype(jnp.int32) - 1
    return jnp.clip(value, 0, range_max - 1)


def _uniform_probability(value: Any, range_max: int) -> Any:
    return jnp.full(value.shape, 1.0 / range_max, jnp.float32)


def _uniform_draw(key: Any, shape: tuple[int, ...], range_max: int) -> Any:
    return jax.random.randint(key, shape, 0, range_max, jnp.int32)


_SAMPLERS = {
    "log_uniform": (_log_uniform_draw, _log_uniform_probability),
    "uniform": (_uniform_draw, _uniform_probability),
}


_SAMPLER_OP_NAMES = {
    "log_uniform": "LogUniformCandidateSampler",
    "uniform": "UniformCandidateSampler",
}


def _expected_count(p: Any, num_sampled: int, num_tries: Any) -> Any:
    """TF1's ``ExpectedCountHelper``: the expected times a class with probability
    ``p`` appears in ``num_tries`` draws (``p * num_sampled`` when every draw was
    kept)."""
    return jnp.where(
        num_tries == num_sampled,
        p * num_sampled,
        -jnp.expm1(num_tries.astype(jnp.float32) * jnp.log1p(-p)),
    )


@op("CandidateSampler", random=True, same_dtype=False, num_outputs=3)
def _candidate_sampler_impl(
    key: Any,
    true_classes: Any,
    *,
    distribution: str,
    num_sampled: int,
    unique: bool,
    range_max: int,
    seed: int | None = None,
) -> Any:
    draw, probability = _SAMPLERS[distribution]
    if unique:
        # Draw one class at a time until num_sampled distinct ones are in, counting
        # the tries: TF1's expected counts depend on how many draws it took.
        def cond(state: Any) -> Any:
            return state[0] < num_sampled

        def body(state: Any) -> Any:
            count, tries, seen, out = state
            value = draw(jax.random.fold_in(key, tries), (), range_max)
            new = ~seen[value]
            out = jnp.where(new, out.at[count].set(value), out)
            return count + new, tries + 1, seen.at[value].set(True), out

        start = (
            jnp.int32(0),
            jnp.int32(0),
            jnp.zeros((range_max,), jnp.bool_),
            jnp.zeros((num_sampled,), jnp.int32),
        )
        _, num_tries, _, sampled = jax.lax.while_loop(cond, body, start)
    else:
        sampled = draw(key, (num_sampled,), range_max)
        num_tries = jnp.int32(num_sampled)
    true_p = probability(true_classes, range_max)
    sampled_p = probability(sampled, range_max)
    return (
        sampled.astype(jnp.int64),
        _expected_count(true_p, num_sampled, num_tries),
        _expected_count(sampled_p, num_sampled, num_tries),
    )


def _candidate_sampler(
    distribution: str,
    true_classes: Any,
    num_true: int,
    num_sampled: int,
    unique: bool,
    range_max: int,
    seed: int | None,
    name: str | None,
) -> tuple[Tensor, Tensor, Tensor]:
    true_classes = convert_to_tensor(true_classes, name="true_classes")
    check_dtype(true_classes, INTEGERS, "CandidateSampler", "true_classes")
    dims = true_classes.shape.as_list() if true_classes.shape.ndims else None
    if dims is None or len(dims) != 2 or dims[1] not in (None, num_true):
        raise ValueError(
            f"true_classes must be a [batch_size, num_true={num_true}] matrix, got"
            f" {true_classes.name} with shape {true_classes.shape}."
        )
    num_sampled, range_max = int(num_sampled), int(range_max)
    if num_sampled < 1 or range_max < 1:
        raise ValueError(
            f"num_sampled and range_max must be positive, got {num_sampled} and"
            f" {range_max}."
        )
    if unique and num_sampled > range_max:
        raise ValueError(
            f"Sampler cannot draw {num_sampled} unique classes from only"
            f" {range_max} (num_sampled must be <= range_max when unique=True)."
        )
    outputs = build(
        _candidate_sampler_impl,
        true_classes,
        distribution=distribution,
        num_sampled=num_sampled,
        unique=bool(unique),
        range_max=range_max,
        seed=seed,
        name=name or _SAMPLER_OP_NAMES[distribution],
    )
    return outputs[0], outputs[1], outputs[2]


def log_uniform_candidate_sampler(
    true_classes: Any,
    num_true: int,
    num_sampled: int,
    unique: bool,
    range_max: int,
    seed: int | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Samples classes from TF1's log-uniform (Zipfian) distribution over
    ``[0, range_max)``: ``P(c) = log((c + 2) / (c + 1)) / log(range_max + 1)``.

    Returns ``(sampled_candidates [num_sampled] int64, true_expected_count
    [batch, num_true], sampled_expected_count [num_sampled])``, as TF1
    ``tf.nn.log_uniform_candidate_sampler``. With ``unique`` the classes are
    distinct and the expected counts are ``-expm1(tries * log1p(-P(c)))`` for the
    number of draws it took; otherwise ``P(c) * num_sampled``.

    TF1 difference: the classes drawn differ from TF1's for the same seeds
    (another generator); the distribution and the expected counts are TF1's.
    """
    return _candidate_sampler(
        "log_uniform",
        true_classes,
        num_true,
        num_sampled,
        unique,
        range_max,
        seed,
        name,
    )


def uniform_candidate_sampler(
    true_classes: Any,
    num_true: int,
    num_sampled: int,
    unique: bool,
    range_max: int,
    seed: int | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """As :func:`log_uniform_candidate_sampler` with ``P(c) = 1 / range_max``."""
    return _candidate_sampler(
        "uniform", true_classes, num_true, num_sampled, unique, range_max, seed, name
    )
