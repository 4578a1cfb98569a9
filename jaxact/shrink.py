"""The shrink family (from torch.nn.functional): hardshrink, softshrink, tanhshrink."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxact import _stable
from jaxact.registry import LEAN_PIECEWISE, inf, register


def _d_shrink(x: jax.Array, lambd: Any = 0.5) -> jax.Array:
    return jnp.where(jnp.abs(x) <= lambd, 0, 1).astype(x.dtype)


@register(
    path="autodiff",
    why=LEAN_PIECEWISE,
    derivative=_d_shrink,
    range=(-inf, inf),
    formula="x if |x| > l else 0",
    monotone=True,
    zero_centred=True,
    odd=True,
    torch="hardshrink",
    kinks=lambda lambd: (-lambd, lambd),
    constraints={"lambd": ("nonnegative",)},
    jump_params=("lambd",),
    examples=({"lambd": 1.5},),
    mp=lambda m, x, lambd: x if abs(x) > lambd else m.mpf(0),
    citation="Donoho & Johnstone, 'Ideal spatial adaptation by wavelet shrinkage', Biometrika 1994",
)
def hardshrink(x: ArrayLike, lambd: Any = 0.5) -> jax.Array:
    """Hard shrinkage: f(x) = x if |x| > λ else 0 (λ = 0.5). Range ℝ.

    f'(x) = 1 for |x| > λ, 0 for |x| ≤ λ (0 at the jumps).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.hardshrink(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), lambd=1.5)
      Array([-2.,  0.,  0.,  0.,  2.], dtype=float32)
    """
    return jnp.where(jnp.abs(x) <= lambd, jnp.zeros_like(x), x)


@register(
    path="autodiff",
    why=LEAN_PIECEWISE,
    derivative=_d_shrink,
    range=(-inf, inf),
    formula="x - l*sign(x) if |x| > l else 0",
    monotone=True,
    zero_centred=True,
    odd=True,
    torch="softshrink",
    kinks=lambda lambd: (-lambd, lambd),
    constraints={"lambd": ("nonnegative",)},
    examples=({"lambd": 1.5},),
    mp=lambda m, x, lambd: (x - m.sign(x) * lambd) if abs(x) > lambd else m.mpf(0),
    citation="Donoho, 'De-noising by soft-thresholding', IEEE Trans. Inf. Theory 1995",
)
def softshrink(x: ArrayLike, lambd: Any = 0.5) -> jax.Array:
    """Soft shrinkage: f(x) = x − λ·sign(x) if |x| > λ else 0 (λ = 0.5). Range ℝ.

    f'(x) = 1 for |x| > λ, 0 for |x| ≤ λ.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.softshrink(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), lambd=1.5)
      Array([-0.5,  0. ,  0. ,  0. ,  0.5], dtype=float32)
    """
    return jnp.where(jnp.abs(x) <= lambd, jnp.zeros_like(x), x - lambd * jnp.sign(x))


# x − tanh x = (x cosh x − sinh x)/cosh x, both series in y = x² with positive terms only, so
# neither cancels (the Taylor series of x − tanh x alternates): x cosh x − sinh x = x³·Σ 2k y^(k−1)/(2k+1)!,
# cosh x = Σ y^k/(2k)!. Below the cut the direct x − tanh x loses up to ulp(tanh x)/ulp(f) (4x at
# |x| = 1, 300x at 0.1); above it f ≥ 0.59 shares tanh's binade. The terms kept (float32, float64)
# leave a truncation error below 0.1 ulp at the cut.
_TANHSHRINK_CUT = 1.5
_TANHSHRINK_NUM = tuple(2 * k / math.factorial(2 * k + 1) for k in range(1, 11))
_TANHSHRINK_COSH = tuple(1 / math.factorial(2 * k) for k in range(11))


def _d_tanhshrink(x: jax.Array) -> jax.Array:
    return jnp.square(_stable.tanh(x))


@register(
    path="closed_form",
    why="fwd+bwd 2.1–2.8x faster than autodiff through the series branch",
    derivative=_d_tanhshrink,
    range=(-inf, inf),
    formula="x - tanh(x)",
    monotone=True,
    smooth=True,
    zero_centred=True,
    odd=True,
    torch="tanhshrink",
    mp=lambda m, x: x - m.tanh(x),
    f64_ulps=(6, 8),
    accuracy_note=(
        "f′ = tanh² doubles the error of XLA's float32 tanh (up to 4 ulp: 7.6; float64's tanh ≤ 3: 6). The "
        "value's series branch (x − tanh x cancelled up to 300 ulp in float64, 16 in float32) takes five "
        "roundings (up to 4 ulp) and ~1.14x the float32 forward's time"
    ),
    citation="torch.nn.Tanhshrink (x − tanh x), PyTorch (Paszke et al., NeurIPS 2019)",
)
def tanhshrink(x: ArrayLike) -> jax.Array:
    """Tanh shrink: f(x) = x − tanh(x). Range ℝ. f'(x) = tanh²(x).

    Near 0 the subtraction cancels (f ≈ x³/3), so |x| < 1.5 takes (x cosh x − sinh x)/cosh x with
    both as series of positive terms.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.tanhshrink(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-1.036 , -0.0379,  0.    ,  0.0379,  1.036 ], dtype=float32)
    """
    num, den = (10, 11) if x.dtype == jnp.float64 else (6, 7)
    small = jnp.abs(x) < _TANHSHRINK_CUT
    xs = jnp.where(small, x, jnp.zeros_like(x))
    y = xs * xs
    ratio = _stable.horner(_TANHSHRINK_NUM[:num], y) / _stable.horner(_TANHSHRINK_COSH[:den], y)
    return jnp.where(small, (xs * y) * ratio, x - _stable.tanh(x))
