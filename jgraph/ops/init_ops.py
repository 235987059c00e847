"""Variable initializers, as TF1's ``init_ops`` classes (``tf.glorot_uniform_initializer``, ...).

Stage 2 of the pipeline (graph building helpers). An initializer is a callable ``init(shape, dtype=None, partition_info=None)`` that
builds the graph ops producing a starting value; ``get_variable`` calls it under the
variable's ``Initializer`` name scope. Random initializers build jgraph random ops,
so they draw from the session's RNG key (DESIGN.md): a graph seed makes the initial
values reproducible bit for bit, and an op ``seed`` pins one initializer.

TF1 difference: the numbers drawn differ from TF1's for the same seeds (JAX's
threefry generator, not TF's Philox); the distributions are the same.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax

from jgraph.graph import dtypes as _dtypes
from jgraph.graph.tensor import Tensor
from jgraph.ops import array_ops, random_ops
from jgraph.ops.conversion import build, constant
from jgraph.ops.registry import op

_FLOAT_ONLY = "Expected floating point type, got {dtype}."


def _as_float_dtype(dtype: Any) -> _dtypes.DType:
    dtype = _dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(_FLOAT_ONLY.format(dtype=dtype.name))
    return dtype


def _shape_list(shape: Any) -> list[int]:
    """A fully known shape as a list of ints (TF1 calls initializers with one)."""
    if isinstance(shape, Tensor):
        raise TypeError(
            f"Initializers need a shape known when the graph is built, got tensor"
            f" {shape.name}."
        )
    dims = list(shape.as_list() if hasattr(shape, "as_list") else shape)
    if any(d is None for d in dims):
        raise ValueError(f"Initializers need a fully defined shape, got {dims}.")
    return [int(d) for d in dims]


class Initializer:
    """Base class of initializers: ``init(shape, dtype=None, partition_info=None)``."""

    dtype: _dtypes.DType

    def __call__(
        self, shape: Sequence[int], dtype: Any = None, partition_info: Any = None
    ) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as TF1 (``type(init)(**init.get_config())``)."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        return cls(**config)

    def _dtype(self, dtype: Any) -> _dtypes.DType:
        return _dtypes.as_dtype(self.dtype if dtype is None else dtype)


class _Filled(Initializer):
    """A variable filled with one value (``_fill`` builds it)."""

    _fill: Any

    def __init__(self, dtype: Any = _dtypes.float32) -> None:
        self.dtype = _dtypes.as_dtype(dtype)

    def __call__(
        self, shape: Sequence[int], dtype: Any = None, partition_info: Any = None
    ) -> Tensor:
        return self._fill(_shape_list(shape), self._dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"dtype": self.dtype.name}


class Zeros(_Filled):
    """Zeros, as ``tf.zeros_initializer``.

    >>> Zeros()([2, 3]).shape.as_list()
    [2, 3]
    """

    _fill = staticmethod(array_ops.zeros)


class Ones(_Filled):
    """Ones, as ``tf.ones_initializer``."""

    _fill = staticmethod(array_ops.ones)


class Constant(Initializer):
    """A given value (a scalar is broadcast), as ``tf.constant_initializer``.

    Args:
      value: a Python scalar, list or numpy array; a list must have as many
        elements as the variable (it is reshaped to the variable's shape).
      dtype: default element type.
      verify_shape: require ``value`` to have exactly the variable's shape.
    """

    def __init__(
        self, value: Any = 0, dtype: Any = _dtypes.float32, verify_shape: bool = False
    ) -> None:
        if isinstance(value, Tensor):
            raise TypeError(
                "Invalid type for initial value: a Tensor; constant_initializer takes"
                " a Python value or numpy array (pass the tensor itself as the"
                " initializer instead)."
            )
        self.value = value
        self.dtype = _dtypes.as_dtype(dtype)
        self._verify_shape = verify_shape

    def __call__(
        self,
        shape: Sequence[int],
        dtype: Any = None,
        partition_info: Any = None,
        verify_shape: bool | None = None,
    ) -> Tensor:
        verify = self._verify_shape if verify_shape is None else verify_shape
        return constant(
            self.value,
            dtype=self._dtype(dtype),
            shape=_shape_list(shape),
            verify_shape=verify,
        )

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value, "dtype": self.dtype.name}


class RandomUniform(Initializer):
    """Uniform samples in ``[minval, maxval)``, as ``tf.random_uniform_initializer``.

    ``maxval=None`` means 1 for floats (integer dtypes need a ``maxval``).
    """

    def __init__(
        self,
        minval: Any = 0,
        maxval: Any = None,
        seed: int | None = None,
        dtype: Any = _dtypes.float32,
    ) -> None:
        self.minval = minval
        self.maxval = maxval
        self.seed = seed
        self.dtype = _dtypes.as_dtype(dtype)

    def __call__(
        self, shape: Sequence[int], dtype: Any = None, partition_info: Any = None
    ) -> Tensor:
        return random_ops.random_uniform(
            _shape_list(shape),
            self.minval,
            self.maxval,
            self._dtype(dtype),
            seed=self.seed,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "minval": self.minval,
            "maxval": self.maxval,
            "seed": self.seed,
            "dtype": self.dtype.name,
        }


class RandomNormal(Initializer):
    """Normal samples, as ``tf.random_normal_initializer``."""

    def __init__(
        self,
        mean: float = 0.0,
        stddev: float = 1.0,
        seed: int | None = None,
        dtype: Any = _dtypes.float32,
    ) -> None:
        self.mean = mean
        self.stddev = stddev
        self.seed = seed
        self.dtype = _as_float_dtype(dtype)

    def __call__(
        self, shape: Sequence[int], dtype: Any = None, partition_info: Any = None
    ) -> Tensor:
        return random_ops.random_normal(
            _shape_list(shape),
            self.mean,
            self.stddev,
            _as_float_dtype(self._dtype(dtype)),
            seed=self.seed,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "stddev": self.stddev,
            "seed": self.seed,
            "dtype": self.dtype.name,
        }


class TruncatedNormal(RandomNormal):
    """Normal samples redrawn beyond two standard deviations, as
    ``tf.truncated_normal_initializer``."""

    def __call__(
        self, shape: Sequence[int], dtype: Any = None, partition_info: Any = None
    ) -> Tensor:
        return random_ops.truncated_normal(
            _shape_list(shape),
            self.mean,
            self.stddev,
            _as_float_dtype(self._dtype(dtype)),
            seed=self.seed,
        )


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("normal", "uniform", "truncated_normal", "untruncated_normal")

# stddev of a standard normal truncated to [-2, 2]: dividing by it makes the
# truncated samples have the requested variance (TF1's constant).
_TRUNCATED_STDDEV = 0.87962566103423978


def compute_fans(shape: Sequence[int]) -> tuple[float, float]:
    """TF1's ``(fan_in, fan_out)`` of a weight shape (conv kernels: HWIO)."""
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive_field = math.prod(shape[:-2])
    return float(shape[-2] * receptive_field), float(shape[-1] * receptive_field)


class VarianceScaling(Initializer):
    """Samples scaled to the weight's fan, as ``tf.variance_scaling_initializer``.

    With ``n`` the fan chosen by ``mode``: ``truncated_normal`` (and its old name
    ``normal``) draws from a normal truncated at two standard deviations with
    variance ``scale / n``; ``untruncated_normal`` from a plain normal;
    ``uniform`` from ``[-limit, limit)`` with ``limit = sqrt(3 * scale / n)``.

    Args:
      scale: positive scaling factor.
      mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``.
      distribution: one of ``normal``, ``uniform``, ``truncated_normal``,
        ``untruncated_normal``.
      seed: op seed.
      dtype: default (floating) element type.
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
        dtype: Any = _dtypes.float32,
    ) -> None:
        if scale <= 0.0:
            raise ValueError("`scale` must be positive float.")
        if mode not in _MODES:
            raise ValueError(f"Invalid `mode` argument: {mode}")
        distribution = distribution.lower()
        if distribution not in _DISTRIBUTIONS:
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed
        self.dtype = _as_float_dtype(dtype)

    def __call__(
        self, shape: Sequence[int], dtype: Any = None, partition_info: Any = None
    ) -> Tensor:
        dims = _shape_list(shape)
        dtype = _as_float_dtype(self._dtype(dtype))
        fan_in, fan_out = compute_fans(dims)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        scale = self.scale / max(1.0, fan[self.mode])
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(scale) / _TRUNCATED_STDDEV
            return random_ops.truncated_normal(dims, 0.0, stddev, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            stddev = math.sqrt(scale)
            return random_ops.random_normal(dims, 0.0, stddev, dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_ops.random_uniform(dims, -limit, limit, dtype, seed=self.seed)

    def get_config(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
            "dtype": self.dtype.name,
        }


class GlorotUniform(VarianceScaling):
    """Uniform in ``[-limit, limit)``, ``limit = sqrt(6 / (fan_in + fan_out))``:
    ``tf.glorot_uniform_initializer``, the default of ``tf.get_variable``."""

    def __init__(self, seed: int | None = None, dtype: Any = _dtypes.float32) -> None:
        super().__init__(1.0, "fan_avg", "uniform", seed, dtype)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "dtype": self.dtype.name}


class GlorotNormal(VarianceScaling):
    """Truncated normal with variance ``2 / (fan_in + fan_out)``:
    ``tf.glorot_normal_initializer``."""

    def __init__(self, seed: int | None = None, dtype: Any = _dtypes.float32) -> None:
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, dtype)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "dtype": self.dtype.name}


@op("RandomOrthogonal", random=True, same_dtype=False)
def _orthogonal_impl(
    key: Any,
    *,
    shape: tuple[int, ...],
    gain: float,
    dtype: Any,
    seed: int | None = None,
) -> Any:
    # jax.nn.initializers.orthogonal follows TF1's recipe: QR of a normal matrix of
    # shape (prod(shape[:-1]), shape[-1]), signs fixed by diag(R), then reshaped.
    init = jax.nn.initializers.orthogonal(scale=gain, column_axis=-1)
    return init(key, shape, _dtypes.as_dtype(dtype).np)


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times ``gain``, as ``tf.orthogonal_initializer``.

    The shape is flattened to ``(prod(shape[:-1]), shape[-1])``; rows or columns
    (whichever are fewer) are orthonormal.
    """

    def __init__(
        self, gain: float = 1.0, seed: int | None = None, dtype: Any = _dtypes.float32
    ) -> None:
        self.gain = gain
        self.seed = seed
        self.dtype = _as_float_dtype(dtype)

    def __call__(
        self, shape: Sequence[int], dtype: Any = None, partition_info: Any = None
    ) -> Tensor:
        dims = _shape_list(shape)
        if len(dims) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional, got"
                f" shape {dims}."
            )
        dtype = _as_float_dtype(self._dtype(dtype))
        return build(
            _orthogonal_impl,
            shape=tuple(dims),
            gain=float(self.gain),
            dtype=dtype,
            seed=self.seed,
            name="orthogonal",
        )

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "seed": self.seed, "dtype": self.dtype.name}


def he_normal(seed: int | None = None) -> VarianceScaling:
    """Truncated normal with variance ``2 / fan_in`` (``tf.initializers.he_normal``)."""
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def he_uniform(seed: int | None = None) -> VarianceScaling:
    """Uniform with variance ``2 / fan_in`` (``tf.initializers.he_uniform``)."""
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def lecun_normal(seed: int | None = None) -> VarianceScaling:
    """Truncated normal with variance ``1 / fan_in``."""
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


def lecun_uniform(seed: int | None = None) -> VarianceScaling:
    """Uniform with variance ``1 / fan_in``."""
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


# TF1's public (lower-case) names for the classes.
zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
random_uniform_initializer = RandomUniform
random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
variance_scaling_initializer = VarianceScaling
glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal
orthogonal_initializer = Orthogonal


__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "Initializer",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "compute_fans",
    "constant_initializer",
    "glorot_normal_initializer",
    "glorot_uniform_initializer",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "ones_initializer",
    "orthogonal_initializer",
    "random_normal_initializer",
    "random_uniform_initializer",
    "truncated_normal_initializer",
    "variance_scaling_initializer",
    "zeros_initializer",
]
