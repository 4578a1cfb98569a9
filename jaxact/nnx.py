"""Flax NNX modules for activations with learnable parameters (extra: ``jaxact[flax]``).

Same maths and defaults as :mod:`jaxact.linen`; NNX needs the feature count up
front: ``PReLU(num_features=64)`` learns one slope per feature along ``axis``,
``num_features=None`` a single scalar.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from jaxact import registry
from jaxact.linen import _along

try:
    from flax import nnx
except ImportError as e:  # pragma: no cover - only without the extra
    raise ImportError("jaxact.nnx needs flax: pip install 'jaxact[flax]'") from e


class _Learnable(nnx.Module):
    activation = ""
    param_name = ""
    default_init = 1.0

    def __init__(
        self,
        num_features: int | None = None,
        *,
        init: float | None = None,
        axis: int = -1,
        closed_form: bool = False,
        param_dtype: Any = jnp.float32,
    ):
        shape = () if num_features is None else (num_features,)
        value = self.default_init if init is None else init
        setattr(self, self.param_name, nnx.Param(jnp.full(shape, value, param_dtype)))
        self.axis = axis
        entry = registry.get(self.activation)
        self.fn = entry.closed_form if closed_form else entry.fn

    def __call__(self, x: jax.Array) -> jax.Array:
        v = getattr(self, self.param_name)[...]
        return self.fn(x, **{self.param_name: _along(v, x, self.axis)})


class PReLU(_Learnable):
    """f(x) = x for x ≥ 0, a_c·x for x < 0; learnable slope (init 0.25)."""

    activation = "prelu"
    param_name = "negative_slope"
    default_init = 0.25


class ELU(_Learnable):
    """ELU with learnable α (init 1.0)."""

    activation = "elu"
    param_name = "alpha"


class CELU(_Learnable):
    """CELU with learnable α (init 1.0)."""

    activation = "celu"
    param_name = "alpha"


class Swish(_Learnable):
    """Swish with learnable β (init 1.0)."""

    activation = "swish"
    param_name = "beta"
