"""Flax linen modules for activations with learnable parameters (extra: ``jaxact[flax]``).

Parameters follow the feature axis (``axis``, default −1): ``per_channel=True``
learns one value per feature, ``False`` a single scalar. ``closed_form=True``
differentiates with the hand-written derivative. Any plain jaxact function
(``jaxact.gelu``, ...) also works wherever linen accepts an activation callable.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from jaxact import registry

try:
    import flax.linen as nn
except ImportError as e:  # pragma: no cover - only without the extra
    raise ImportError("jaxact.linen needs flax: pip install 'jaxact[flax]'") from e


def _path(name: str, closed_form: bool) -> Any:
    e = registry.get(name)
    return e.closed_form if closed_form else e.fn


def _param_shape(x: jax.Array, axis: int, per_channel: bool) -> tuple[int, ...]:
    return (x.shape[axis],) if per_channel and x.ndim else ()


def _along(v: jax.Array, x: jax.Array, axis: int) -> jax.Array:
    if v.ndim == 0 or x.ndim == 0:
        return v
    shape = [1] * x.ndim
    shape[axis] = v.shape[0]
    return v.reshape(shape)


class PReLU(nn.Module):
    """f(x) = x for x ≥ 0, a_c·x for x < 0, with a learnable slope per feature (init 0.25)."""

    axis: int = -1
    negative_slope_init: float = 0.25
    per_channel: bool = True
    closed_form: bool = False
    param_dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        a = self.param(
            "negative_slope",
            nn.initializers.constant(self.negative_slope_init),
            _param_shape(x, self.axis, self.per_channel),
            self.param_dtype,
        )
        return _path("prelu", self.closed_form)(x, a, axis=self.axis)


class _Learnable(nn.Module):
    """Shared body: one learnable parameter of the named activation, broadcast along ``axis``."""

    init_value: float = 1.0
    axis: int = -1
    per_channel: bool = False
    closed_form: bool = False
    param_dtype: Any = jnp.float32
    activation: str = ""
    param_name: str = ""

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        v = self.param(
            self.param_name,
            nn.initializers.constant(self.init_value),
            _param_shape(x, self.axis, self.per_channel),
            self.param_dtype,
        )
        return _path(self.activation, self.closed_form)(x, **{self.param_name: _along(v, x, self.axis)})


class ELU(_Learnable):
    """ELU with learnable α (init 1.0): x for x > 0, α(eˣ − 1) otherwise."""

    activation: str = "elu"
    param_name: str = "alpha"


class CELU(_Learnable):
    """CELU with learnable α (init 1.0): x for x > 0, α(e^(x/α) − 1) otherwise."""

    activation: str = "celu"
    param_name: str = "alpha"


class Swish(_Learnable):
    """Swish with learnable β (init 1.0): x·σ(βx)."""

    activation: str = "swish"
    param_name: str = "beta"


class Activation(nn.Module):
    """Any registered activation by name, parameters fixed: ``Activation("gelu", approximate=False)``."""

    name_: str = "relu"
    closed_form: bool = False
    kwargs: Any = None

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        return _path(self.name_, self.closed_form)(x, **(self.kwargs or {}))
