"""Small numerically safe building blocks used by several families.

Each helper is written so that autodiff through it never sees an inf * 0 or
inf - inf in a branch that ``jnp.where`` later discards ("double where").
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import lax


def sigmoid(x: jax.Array) -> jax.Array:
    return lax.logistic(x)


def sigmoid_prime(x: jax.Array) -> jax.Array:
    """σ(x)(1 − σ(x)) as e/(1 + e)², e = exp(−|x|): one exp, no cancellation in 1 − σ for x ≫ 0.

    −|x| is written per sign (not −jnp.abs(x), whose derivative at 0 is 0) so
    that the second and third derivatives through this form are right at 0.
    """
    e = jnp.exp(jnp.where(x >= 0, -x, x))
    return e / jnp.square(1 + e)


def sigmoid_and_prime(x: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(σ(x), σ′(x)) from one exp and one division, neither cancelling in the tails.

    e = exp(−|x|), r = 1/(1 + e): σ = r for x ≥ 0, e·r below; σ′ = e·r². |x| is
    taken as the branch's own sign of x (not jnp.abs, whose derivative at 0 is
    0), so derivatives of σ′ are right at 0 too.
    """
    pos = x >= 0
    e = jnp.exp(jnp.where(pos, -x, x))
    r = 1 / (1 + e)
    return jnp.where(pos, r, e * r), e * (r * r)


def tanh_prime(x: jax.Array) -> jax.Array:
    """1 − tanh²(x).

    float64 (static at trace time): sech²(x) = 4e/(1 + e)², e = exp(−2|x|), which
    keeps full relative accuracy in the tails. Lower precisions: (1 − t)(1 + t),
    as cheap as autodiff of tanh (XLA's fast tanh); its absolute error is below
    eps, but it rounds to 0 where the derivative itself is below eps (|x| > 9 in
    float32), as jax.nn's does.
    """
    if x.dtype == jnp.float64:
        e = jnp.exp(2 * jnp.where(x >= 0, -x, x))
        return 4 * e / jnp.square(1 + e)
    t = jnp.tanh(x)
    return (1 - t) * (1 + t)


def softplus(x: jax.Array) -> jax.Array:
    """log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)), never overflowing.

    Not jnp.logaddexp: that is a custom_jvp, which would put a custom rule inside
    the plain-autodiff path (and break Taylor mode there). −|x| is written per
    sign, so every derivative at 0 is right.
    """
    pos = x > 0
    return jnp.where(pos, x, jnp.zeros_like(x)) + jnp.log1p(jnp.exp(jnp.where(pos, -x, x)))


def exp_neg_square(x: jax.Array) -> jax.Array:
    """e^(−x²) with x² carried in twice the working precision.

    A rounded x² is off by up to ½ulp(x²), which e^(−x²) turns into a relative
    error of x²·eps/2 (≈ 20 ulp at x = 6). Dekker's split gives x² = hi + lo
    exactly, and e^(−x²) = e^(−hi)·(1 − lo) to within an ulp. float32 and
    float64 only; half precisions keep the plain form.
    """
    hi = x * x
    if x.dtype not in (jnp.float32, jnp.float64):
        return jnp.exp(-hi)
    split = float(2 ** ((jnp.finfo(x.dtype).nmant + 2) // 2) + 1)
    c = split * x
    xh = c - (c - x)
    xl = x - xh
    lo = ((xh * xh - hi) + 2 * (xh * xl)) + xl * xl
    return jnp.exp(-hi) * (1 - lo)


def isru(x: jax.Array, alpha: Any) -> jax.Array:
    """x/√(1 + αx²) without overflow: |x| < 1 as written; |x| ≥ 1 as sign(x)/√(α + 1/x²), so αx²
    never overflows. Each branch gets a stand-in input that keeps it finite (autodiff-safe);
    NaN fails the comparison and flows through the first branch."""
    big = jnp.abs(x) >= 1
    xs = jnp.where(big, jnp.zeros_like(x), x)
    inv = 1 / jnp.where(big, jnp.abs(x), jnp.ones_like(x))
    return jnp.where(big, jnp.sign(x) * jax.lax.rsqrt(alpha + inv * inv), xs * jax.lax.rsqrt(1 + alpha * xs * xs))


def isru_prime(x: jax.Array, alpha: Any) -> jax.Array:
    """(1 + αx²)^(−3/2) directly: where αx² overflows the true value underflows too. ±inf is
    clipped to ±max first: same value (0), but f″ is then 0 rather than inf·0 = NaN."""
    big = jnp.finfo(x.dtype).max
    xc = jnp.clip(x, -big, big)
    return jax.lax.rsqrt(1 + alpha * (xc * xc)) ** 3


def square_threshold(dtype: jnp.dtype) -> float:
    """Half the largest |x| whose square is still finite in ``dtype``."""
    return float(jnp.finfo(dtype).max) ** 0.5 / 2


def cube_threshold(dtype: jnp.dtype) -> float:
    """Half the largest |x| whose cube is still finite in ``dtype``."""
    return float(jnp.finfo(dtype).max) ** (1.0 / 3.0) / 2
