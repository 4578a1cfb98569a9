"""Periodic activations: SIREN's sine and snake.

Both take sin of a product ω·x (αx). sin turns the half-ulp rounding of that product into an
absolute error of its size (many ulps of a small result near sin's roots, no digits once the
product's ulp passes π), so both use :func:`jaxact._stable.sin_cos_of_product`, the sine and
cosine of the exact product (a two-product), NaN-free up to x = ±max.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxact import _stable
from jaxact.registry import inf, register


def _d_sine(x: jax.Array, omega: Any = 30.0) -> jax.Array:
    return omega * _stable.sin_cos_of_product(omega, x)[1]


def _d_sine_omega(x: jax.Array, omega: Any = 30.0) -> jax.Array:
    return x * _stable.sin_cos_of_product(omega, x)[1]


@register(
    path="closed_form",
    why=(
        "f′ = ω·cos(ωx) from the same two-product as f: fwd+bwd 1.24x autodiff's speed at 2^20, 1.26x at 2^22 "
        "(float32, 2-core CPU: jaxact bench --names sine,snake --sizes 20,22)"
    ),
    derivative=_d_sine,
    param_derivatives={"omega": _d_sine_omega},
    range=(-1.0, 1.0),
    formula="sin(omega*x)",
    smooth=True,
    odd=True,
    zero_centred=True,
    oscillates=(0, 1, 2),
    f32_ulps=(64, 32),
    accuracy_note=(
        "≤ 1 ulp on the grid except at x = ±max, where ωx overflows: the angle of x/2^n is doubled n = 6 "
        "(float32) or 7 (float64) times, each doubling the error (value 38 ulp float32, 350 float64; f′ 86, "
        "f″ 305 float64). jnp.sin(30 * x), which rounds 30x first, is off by up to 2e9 ulp float32 near "
        "sin's roots (tests/test_periodic.py)"
    ),
    examples=({"omega": 1.0},),
    mp=lambda m, x, omega=30.0: m.sin(omega * x),
    citation=(
        "Sitzmann, Martel, Bergman, Lindell & Wetzstein, 'Implicit Neural Representations with Periodic "
        "Activation Functions' (SIREN), NeurIPS 2020"
    ),
)
def sine(x: ArrayLike, omega: Any = 30.0) -> jax.Array:
    """SIREN's sine: f(x) = sin(ωx), ω = 30 as in the paper's layers. Range [−1, 1]; odd.

    f'(x) = ω·cos(ωx); ∂f/∂ω = x·cos(ωx). sin of the exact product ωx, not of its rounding
    (``jaxact._stable.sin_cos_of_product``). No limit at ±inf: NaN there, as ``jnp.sin``; NaN too
    where |ω| > 256 and ωx overflows even after x is halved 8 times (|x| near the dtype's max).
    SIREN's initialisation (uniform weights in ±√(6/n)/ω) is the user's, not this function's.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.sine(jnp.array([-0.1, 0.0, 0.05, 0.1])).round(4)
      Array([-0.1411,  0.    ,  0.9975,  0.1411], dtype=float32)
    """
    return _stable.sin_cos_of_product(omega, x)[0]


def _snake_parts(x: jax.Array, alpha: Any) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(s, c, x_finite): sin and cos of αx, with ±inf replaced by 0 (snake → ±inf there)."""
    xf = jnp.where(jnp.isinf(x), jnp.zeros_like(x), x)
    s, c = _stable.sin_cos_of_product(alpha, xf)
    return s, c, xf


def _d_snake(x: jax.Array, alpha: Any = 1.0) -> jax.Array:
    # 1 + sin 2αx as (sin αx + cos αx)²: near its zeros the square keeps the relative accuracy
    # of the sum, where 1 + 2sc would keep only an absolute eps. No limit at ±inf: NaN there.
    s, c, _ = _snake_parts(x, alpha)
    return jnp.where(jnp.isinf(x), jnp.nan, jnp.square(s + c))


_SNAKE_SERIES_BELOW = 0.5  # |αx| below which ∂f/∂α is taken from its series


def _snake_h_coefficients(dtype: Any) -> list[float]:
    """h(u) = (u·sin 2u − sin²u)/u² = Σ_{m≥1} (−1)^(m−1)·2^(2m−1)(2m − 1)/(2m)!·u^(2m−2), in powers of
    u², up to the term below eps/8 at the switch (static: the dtype's)."""
    eps = float(jnp.finfo(dtype).eps)
    coef, m = [], 1
    while True:
        c = (-1) ** (m - 1) * 2 ** (2 * m - 1) * (2 * m - 1) / math.factorial(2 * m)
        coef.append(c)
        if m > 1 and abs(c) * _SNAKE_SERIES_BELOW ** (2 * m - 2) < eps / 8:
            return coef
        m += 1


def _d_snake_alpha(x: jax.Array, alpha: Any = 1.0) -> jax.Array:
    # ∂/∂α sin²(αx)/α = x·sin(2αx)/α − sin²(αx)/α² = x²·h(αx): for small |αx| both terms are ≈ x²·(2, 1)
    # and cancel (sin² underflowing first gave twice the value at α = 1e−20; f32 ∂²f/∂α² lost its
    # digits near x = 0), so there x²·h(u) by h's series; beyond, the direct form does not cancel.
    s, c, xf = _snake_parts(x, alpha)
    u = alpha * xf
    small = jnp.abs(u) < _SNAKE_SERIES_BELOW
    w = jnp.square(jnp.where(small, u, jnp.zeros_like(u)))  # the series sees |u| < ½ only
    h = _stable.horner(_snake_h_coefficients(u.dtype), w)
    a = jnp.where(small, jnp.ones_like(u), alpha)  # 1/α² overflows where α is tiny: not in the unused branch
    return jnp.where(small, jnp.square(xf) * h, (2 * s * c * xf - s * s / a) / a)


@register(
    path="closed_form",
    why=(
        "f′ = (sin αx + cos αx)² from the same two-product as f: fwd+bwd 1.19x autodiff's speed at 2^20, 1.20x "
        "at 2^22 (float32, 2-core CPU: jaxact bench --names sine,snake --sizes 20,22)"
    ),
    derivative=_d_snake,
    param_derivatives={"alpha": _d_snake_alpha},
    constraints={"alpha": ("positive",)},
    range=(-inf, inf),
    formula="x + sin(alpha*x)**2/alpha",
    smooth=True,
    monotone=True,
    oscillates=(1, 2),
    f32_ulps=(32, 2**18),  # autodiff's f′ (the closed form's is 239)
    accuracy_note=(
        "f′ = 2sin²(αx + π/4) has double zeros, where it is ill-conditioned (|x f″/f′| = 2|x|/d at a "
        "distance d): 239 ulp float32 at x = −3.92, where f′ = 7.9e−6 and the rounding of x alone moves it "
        "~2000 ulp; (sin + cos)² keeps the sum's relative accuracy, autodiff's 1 + sin 2αx loses it (1.2e5 "
        "ulp). float64 f″ 146 ulp near its roots"
    ),
    examples=({"alpha": 0.5},),
    mp=lambda m, x, alpha=1.0: x + m.sin(alpha * x) ** 2 / alpha,
    citation=(
        "Liu Ziyin, Tilman Hartwig & Masahito Ueda, 'Neural Networks Fail to Learn Periodic Functions and How to "
        "Fix It', NeurIPS 2020 (used by BigVGAN, ICLR 2023)"
    ),
)
def snake(x: ArrayLike, alpha: Any = 1.0) -> jax.Array:
    """Snake: f(x) = x + sin²(αx)/α, α > 0 (a learnable frequency in the paper). Range ℝ,
    monotone (f′ ≥ 0).

    f'(x) = 1 + sin(2αx) = (sin αx + cos αx)²; ∂f/∂α = x·sin(2αx)/α − sin²(αx)/α².
    f(±inf) = ±inf; f′ has no limit there (NaN).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.snake(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0])).round(4)
      Array([-1.1732, -0.2702,  0.    ,  0.7298,  2.8268], dtype=float32)
    """
    s, _, xf = _snake_parts(x, alpha)
    return jnp.where(jnp.isinf(x), x, xf + s * s / alpha)
