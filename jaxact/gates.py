"""Smooth gates and soft rectifiers: softplus, swish/SiLU, GELU, mish, squareplus, ...

Most are x·g(x) with a gate g rising from 0 to 1. At x = ±inf that product is
inf·0 under autodiff, so ``_gated`` evaluates the formula on a finite stand-in
and selects the limits (f(+inf) = +inf with slope 1, f(−inf) = 0 with slope 0).
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxact import _stable
from jaxact.rectifiers import _relu6
from jaxact.registry import inf, register

_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_TWO_C = 2 * _SQRT_2_OVER_PI  # tanh-GELU's 2z = x(c + c·0.044715·x²) with these two constants
_TWO_C_K = _TWO_C * 0.044715
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_HALF = math.sqrt(0.5)
_GAUSSIAN_ZERO = 40.0  # e^(−1600) is 0 even in float64
_SIGMOID_SATURATED = 1e4  # σ(1e4) is 1 and σ′(1e4) is 0 in every float dtype; finite in float16


def _gated(x: jax.Array, finite: Callable[[jax.Array], jax.Array], at_pos_inf: Any, at_neg_inf: Any) -> jax.Array:
    """finite(x) for finite x (NaN included), the given limits at ±inf, NaN-free gradients."""
    xs = _finite(x)
    limit = jnp.where(x > 0, at_pos_inf, at_neg_inf)
    return jnp.where(jnp.isinf(x), limit, finite(xs))


def _finite(x: jax.Array) -> jax.Array:
    """x with ±inf read as 0: :func:`_gated`'s stand-in, for a derivative that must compute what
    the forward computes from it (XLA then merges the two)."""
    return jnp.where(jnp.isinf(x), jnp.zeros_like(x), x)


def _at_infinity(x: jax.Array, value: jax.Array, at_pos_inf: Any, at_neg_inf: Any) -> jax.Array:
    """value, with the limits selected at ±inf (where value may be inf·0 = NaN).

    Used for closed-form derivatives: unlike ``_gated`` it keeps one elementwise
    chain, which XLA fuses into the backward loop (a stand-in input gets
    materialised as its own loop on CPU). Only a second derivative taken at
    exactly ±inf sees the NaN of the discarded branch.
    """
    return jnp.where(jnp.isinf(x), jnp.where(x > 0, at_pos_inf, at_neg_inf), value)


def _d_softplus(x: jax.Array) -> jax.Array:
    return _stable.softplus_prime(x)


def _no_torch_twin(name: str, why: str) -> dict[str, Any]:
    raise ValueError(f"{name} has no torch twin for these parameters: {why}.")


@register(
    path="closed_form",
    why=(
        "fwd+bwd with f(x) kept 0.94–1.00x the time of autodiff through max(x, 0) + log1p(e^(−|x|)) (float32, "
        "2^16–2^22) and 0.72–0.90x jax.nn's (autodiff of logaddexp, 2^16–2^24), 0.57x autodiff's residual bytes: "
        "σ(x) from the forward's e = e^(−|x|), which XLA merges (lax.logistic beside it, a second exp, took "
        "1.15–1.58x autodiff's time); σ(x) exact in the tails"
    ),
    derivative=_d_softplus,
    range=(0.0, inf),
    formula="log(1+exp(x))",
    monotone=True,
    smooth=True,
    jax_nn="softplus",
    torch="softplus",
    mp=lambda m, x: m.log1p(m.exp(x)),
    citation=(
        "Dugas, Bengio, Bélisle, Nadeau & Garcia, 'Incorporating Second-Order Functional Knowledge for Better"
        " Option Pricing', NeurIPS 2001"
    ),
)
def softplus(x: ArrayLike) -> jax.Array:
    """Softplus: f(x) = ln(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)) (no overflow). Range (0, ∞). f'(x) = σ(x).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.softplus(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([0.1269, 0.4741, 0.6931, 0.9741, 2.1269], dtype=float32)
    """
    return _stable.softplus(x)


def _beta_x_error(x: jax.Array, beta: Any, beta_lo: float) -> jax.Array | None:
    """float64: βx − fl(βx) exactly (plus x·β_lo, the part of a decimal β below its float64 value),
    else None. A rounded βx is off by ½ulp(βx), which σ turns into a relative error of |βx|·eps
    (39 ulp of quick_gelu at x = −20); the error is a constant of the derivative (d(βx) = β·dx)."""
    if x.dtype != jnp.float64 or (isinstance(beta, (int, float)) and beta == 1 and beta_lo == 0):
        return None  # silu's and elish's βx = x is exact
    xi = jnp.where(jnp.abs(beta * x) < _SIGMOID_SATURATED, x, jnp.zeros_like(x))  # no inf·0 in the split
    return jax.lax.stop_gradient(_times(xi, (beta, beta_lo))[1])


def _sigmoid_of_scaled(x: jax.Array, beta: Any, beta_lo: float = 0.0) -> jax.Array:
    """σ(βx): XLA's logistic; float64 of βx carried in twice the precision (:func:`_beta_x_error`), unclipped
    (σ saturates by itself; Taylor mode, jax.experimental.jet, has no rule for a clip's broadcast)."""
    if x.dtype != jnp.float64:
        return _stable.sigmoid(beta * x)
    return _stable.sigmoid_and_prime(beta * x, _beta_x_error(x, beta, beta_lo))[0]


def _d_swish(x: jax.Array, beta: Any = 1.0, beta_lo: float = 0.0) -> jax.Array:
    return _swish_sigmoid_and_prime(x, beta, beta_lo)[1]


_EXP_SAFE_F32 = 87.336  # e^87.336 is finite in float32 and σ(−87.336) = 1.1762e−38 still a normal number


def _swish_sigmoid_and_prime(x: jax.Array, beta: Any = 1.0, beta_lo: float = 0.0) -> tuple[jax.Array, jax.Array]:
    """(σ(βx), f′), both from one exp: float64 by the accurate form below, other dtypes by
    :func:`_swish_sigmoid_and_prime_fast` (the dtype of βx decides: a float64 β promotes x)."""
    if jnp.result_type(x, beta) != jnp.float64:
        return _swish_sigmoid_and_prime_fast(x, beta)
    # f′ = σ(βx) + βx·σ′(βx). βx is clipped where σ has
    # long saturated, so an overflowing βx at finite x (float16 β = 8, x = 9000)
    # and x = ±inf give the limits 1 and 0 rather than inf·0.
    # With e = exp(−|βx|), r = 1/(1 + e) that sum is r²·(1 + e + βx·e) for βx ≥ 0 (all terms
    # positive) and r²·e·((1 + βx) + e) below, where f′ crosses 0 at βx ≈ −1.2785: 1 + βx is exact
    # there (Sterbenz) and so is its sum with e ≈ 0.2785, so only e's own rounding is left (σ + βxσ′
    # summed two rounded terms of size 0.2 and cancelled them: 42 ulp of float32 on a GPU).
    bx = _stable.clipped_product(beta, x, _SIGMOID_SATURATED)
    lo = _beta_x_error(x, beta, beta_lo)
    pos = bx >= 0
    e = jnp.exp(jnp.where(pos, -bx, bx))
    one_bx = 1 + bx
    if lo is not None:  # float64: βx = bx + lo
        e = e * jnp.where(pos, 1 - lo, 1 + lo)
        one_bx = one_bx + lo
    r = 1 / (1 + e)
    return jnp.where(pos, 1.0, e) * r, (r * r) * jnp.where(pos, (1 + e) + bx * e, e * (one_bx + e))


def _swish_sigmoid_and_prime_fast(x: jax.Array, beta: Any = 1.0) -> tuple[jax.Array, jax.Array]:
    # float32 (and half precision, computed in float32): e = exp(−βx), s = σ(βx) = 1/(1 + e) and
    # f′ = s·(s + (e·s)·(1 + βx)) — jax.nn's operation count (σ + βx·σ(1 − σ)), where the per-sign
    # form above costs 1.2–1.35x jax.nn's fwd+bwd time on CPU. e·s is σ(−βx) without 1 − σ's
    # cancellation, so the tails stay exact (σ′(30) is e^(−30), not 0). Near f′'s zero at
    # βx ≈ −1.2785, 1 + βx is exact (Sterbenz) and s + (e·s)(1 + βx) cancels only two roundings
    # of 0.22. βx is clipped to ±87.336, where e^87.336 is finite and σ still a normal number (below
    # −87.3365 σ is subnormal, flushed to 0 as jax.nn's is); below, where σ and f′ ≈ βx·e^(βx) are at
    # most 1.03e−36, both are 0, as their limits at −inf are (87 flushed f′ of −1e−36 to 0 over
    # (−87.336, −87), a normal number).
    xc = _stable.clipped_product(beta, x, _EXP_SAFE_F32)
    s, q = _stable.sigmoid_pair(xc)
    low = beta * x < -_EXP_SAFE_F32
    zero = jnp.zeros_like(s)
    return jnp.where(low, zero, s), jnp.where(low, zero, s * (s + q * (1 + xc)))


def silu_and_prime(x: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(silu(x), silu′(x)) from one exp, silu(+inf) = inf and silu(−inf) = 0: for a JVP that needs both
    (swiglu's), where :func:`silu`'s logistic beside :func:`_d_silu`'s exp would be two."""
    s, d = _swish_sigmoid_and_prime(x)
    return _gated(x, lambda xs: xs * s, x, jnp.zeros_like(x)), d


def _d_swish_dbeta(x: jax.Array, beta: Any = 1.0) -> jax.Array:
    # ∂f/∂β = x²σ′(βx), σ′ from the same non-cancelling e/(1+e)² (autodiff's σ(1 − σ) is 0 for
    # βx > 37 in float64, where the truth is ≈ x²e^(−βx)). x·σ′ first (σ′ is 0 where βx saturates,
    # so a huge x gives 0, not inf·0). x is replaced by 0 where it is ±inf or σ′ is 0 (the value is
    # 0 there either way): reverse mode over this (∂²f/∂β²) would otherwise carry x·x, which
    # overflows for |x| > 1.8e19 in float32 (> 256 in float16), into σ″ = 0: NaN where the truth is 0.
    # βx of x = ±inf is taken at ±max: the same clipped bx, and no 0·inf in reverse mode.
    bx = _stable.clip(beta * _stable.finite(x), -_SIGMOID_SATURATED, _SIGMOID_SATURATED)
    # σ′ near 0 as ¼ − ¼tanh²(βx/2): ∂²f/∂β² = x³σ″(βx) through e/(1+e)² cancels there (float64: 0 for
    # βx = 1e−30, 1e8 ulp at 1e−8; float32: 7.5 % off at β = 0.1, x = 1e−5, 7 % at β = 1e−8, x = 100).
    # Only a learned β's programs compute this; x's derivative keeps its one-exp form.
    ds = _stable.sigmoid_prime(bx, near_zero=True)
    xf = jnp.where(jnp.isfinite(x) & (ds != 0), x, jnp.zeros_like(x))
    return (xf * ds) * xf


_SWISH_MIN = -0.27846454276107374  # min of x·σ(x), at x ≈ −1.2785
_MISH_MIN = -0.30884341301725043  # min of x·tanh(softplus(x)), at x ≈ −1.1924 (mpmath; −0.30884 was above it)


@register(
    path="closed_form",
    why=(
        "fwd+bwd 0.90–0.96x autodiff's time (float32, 2^16–2^20), 0.40x its residual bytes; f′ from one exp, "
        "accurate in the tails where autodiff's σ(1−σ) rounds to 0 and near its zero; finite where βx overflows"
    ),
    derivative=_d_swish,
    param_derivatives={"beta": _d_swish_dbeta},
    range=lambda beta: (_SWISH_MIN / float(beta), inf),
    formula="x*sigmoid(b*x)",
    smooth=True,
    jax_nn="swish",
    torch="silu",
    torch_args=lambda beta: {} if beta == 1 else _no_torch_twin("swish", "torch's silu has β = 1 only"),
    constraints={"beta": ("positive",)},
    examples=({"beta": 1.7},),
    mp=lambda m, x, beta: x / (1 + m.exp(-beta * x)),
    f64_ulps=(4, 160),
    accuracy_note=(
        "σ(βx) amplifies the rounding of βx by |βx| (float32; float64 carries βx in twice the precision, "
        "28 → 3 ulp with β = 1.7); f′ crosses 0 at βx ≈ −1.2785, "
        "taken in float32 as s(s + (e·s)(1 + βx)), e = e^(−βx), s = σ(βx): 1 + βx is exact there and the last "
        "sum cancels two roundings of 0.22 (3.75 ulp; jax.nn's autodiff 74); float64 as r²e((1 + βx) + e) per "
        "sign, whose sums are exact, so e's rounding is what is left (5 ulp; jax.nn's 24); float64 f″ crosses 0 "
        "at βx ≈ −2.40, where its terms cancel (465 ulp)"
    ),
    citation="Ramachandran, Zoph & Le, 'Searching for Activation Functions', arXiv:1710.05941, 2017",
)
def swish(x: ArrayLike, beta: Any = 1.0) -> jax.Array:
    """Swish: f(x) = x·σ(βx) (β = 1 is SiLU). Range [−0.2785/β, ∞).

    f'(x) = σ(βx) + βx·σ(βx)σ(−βx); for β = 1 this is the seed form
    f(x) + σ(x)(1 − f(x)).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.swish(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), beta=1.7)
      Array([-0.0646, -0.1497,  0.    ,  0.3503,  1.9354], dtype=float32)
    """
    return _gated(x, lambda xs: xs * _sigmoid_of_scaled(xs, beta), x, jnp.zeros_like(x))


def _d_silu(x: jax.Array) -> jax.Array:
    return _d_swish(x, 1.0)


@register(
    path="closed_form",
    why=(
        "fwd+bwd 0.90–1.00x autodiff's time (float32, 2^16–2^20), 0.40x its residual bytes; f′ from one exp, "
        "accurate in the tails where autodiff's σ(1−σ) rounds to 0 and near its zero"
    ),
    derivative=_d_silu,
    range=(_SWISH_MIN, inf),
    formula="x*sigmoid(x)",
    smooth=True,
    jax_nn="silu",
    torch="silu",
    mp=lambda m, x: x / (1 + m.exp(-x)),
    f64_ulps=(4, 160),
    accuracy_note=(
        "f′ crosses 0 at x ≈ −1.2785, taken in float32 as s(s + (e·s)(1 + x)), e = e^(−x), s = σ(x): 1 + x is "
        "exact there and the last sum cancels two roundings of 0.22 (3.75 ulp; jax.nn's autodiff 74); float64 "
        "as r²e((1 + x) + e) per sign, whose sums are exact, so e's rounding is what is left (5 ulp; jax.nn's "
        "24); float64 f″ crosses 0 at x ≈ −2.40, where its terms cancel (465 ulp)"
    ),
    citation=(
        "Elfwing, Uchibe & Doya, 'Sigmoid-Weighted Linear Units for Neural Network Function Approximation', "
        "Neural Networks 2018"
    ),
)
def silu(x: ArrayLike) -> jax.Array:
    """SiLU: f(x) = x·σ(x). Range [−0.2785, ∞). f'(x) = σ(x)(1 + x(1 − σ(x))).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.silu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-0.2384, -0.1888,  0.    ,  0.3112,  1.7616], dtype=float32)
    """
    return _gated(x, lambda xs: xs * _stable.sigmoid(xs), x, jnp.zeros_like(x))


def _gelu_clip(x: jax.Array) -> jax.Array:
    """x clipped to |x| ≤ T for the tanh approximation's float64 f′: the cube is still finite there
    (float16 overflows at |x| ≈ 40) and σ(2z) has long saturated to exactly 0 or 1."""
    t = _stable.cube_threshold(x.dtype)
    return _stable.clip(x, -t, t)


def _gelu_x2_and_2z(xc: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(x², 2z) of the tanh approximation below float64, 2z = x(c + c·0.044715·x²), c = 2√(2/π): the
    forward's σ(2z) and f′ take it from here, so a program that needs both computes it once."""
    x2 = xc * xc
    return x2, xc * (_TWO_C + _TWO_C_K * x2)


def _cube_bounds(dtype: Any) -> tuple[jax.Array, jax.Array]:
    """∓ :func:`_stable.cube_threshold` in ``dtype``: where exact GELU's Φ is clamped, in the forward
    and in f′ alike (one erfc for both where a JVP needs both)."""
    t = _stable.cube_threshold(dtype)
    return jnp.asarray(-t, dtype), jnp.asarray(t, dtype)


def _hi_lo(v: decimal.Decimal) -> tuple[float, float]:
    hi = float(v)
    return hi, float(v - decimal.Decimal(hi))


def _times(x: jax.Array, c: tuple[Any, Any]) -> tuple[jax.Array, jax.Array]:
    """x·c as hi + lo for a constant c = c_hi + c_lo carried in two floats (:func:`_hi_lo`): the
    two-product of x and c_hi, and x·c_lo added to its low part."""
    hi, lo = _stable.two_prod(x, c[0])
    return hi, lo + x * c[1]


with decimal.localcontext() as _ctx:
    _ctx.prec = 50
    _PI = decimal.Decimal("3.14159265358979323846264338327950288419716939937510582")
    # 2√(2/π) and 2√(2/π)·0.044715 (the decimal constant of the tanh approximation) as hi + lo.
    _W1 = _hi_lo(2 * (2 / _PI).sqrt())
    _W3 = _hi_lo(2 * (2 / _PI).sqrt() * decimal.Decimal("0.044715"))
    _SQRT_HALF_HL = _hi_lo(decimal.Decimal("0.5").sqrt())
_W_SATURATED = 30.0  # |x| beyond which |2z| > 1900: σ(2z) is exactly 0 or 1 in float64


def _gelu_w64(xc: jax.Array) -> tuple[jax.Array, jax.Array]:
    """2z = 2√(2/π)(x + 0.044715x³) as hi + lo (float64): e^(2z) turns the rounding of 2z into a
    relative error of |2z|·eps (880 ulp of f at x = −19.7), so 2z is carried in twice the working
    precision, constants included, for :func:`_stable.sigmoid_and_prime`'s σ(hi + lo)."""
    x = _stable.clip(xc, -_W_SATURATED, _W_SATURATED)
    x2h, x2l = _stable.two_prod(x, x)
    x3h, x3l = _stable.two_prod(x2h, x)
    x3l = x3l + x2l * x
    ah, al = _times(x, _W1)
    bh, bl = _stable.two_prod(x3h, _W3[0])
    bl = bl + (_W3[0] * x3l + _W3[1] * x3h)
    hi = ah + bh  # Knuth's two-sum: hi + e = ah + bh exactly
    v = hi - ah
    e = (ah - (hi - v)) + (bh - v)
    lo = e + (al + bl)
    return hi + lo, lo - ((hi + lo) - hi)


def _gelu_cdf(xc: jax.Array, approximate: bool) -> jax.Array:
    """Φ(x) of an x already clipped as in :func:`_gelu_z` (XLA keeps a second clip of it)."""
    if approximate:
        if xc.dtype == jnp.float64:
            # ½(1 + tanh z) = σ(2z): no cancellation where z ≪ 0, 2z in twice the precision.
            return _stable.sigmoid_and_prime(*_gelu_w64(xc))[0]
        # ½(1 + tanh z) as σ(2z) = 1/(1 + e^(−2z)) (XLA's logistic): jax.nn's ½(1 + tanh z)
        # cancels for z ≪ 0, 1.7e6 ulp of float32 where f is still ~1e−6; σ's derivative is taken
        # from its value, so autodiff never meets e^(−2z) = inf. 2z = x(c + c·0.044715·x²), as in
        # f′ (a fwd+bwd program computes σ once): fewer roundings than 2·√(2/π)(x + 0.044715x³),
        # 15.7 ulp of f in float32 against 19.2, and 0.97x the time.
        return jax.lax.logistic(_gelu_x2_and_2z(xc)[1])
    if xc.dtype == jnp.float64:
        # u = −x/√2 carried as hi + lo (a rounded u is off by ½ulp(u), which erfc's tail turns into a
        # relative error of 2u²·eps: 260 ulp of f at x = −20); erfc(hi + lo) ≈ erfc(hi) − erfc′(hi)·lo.
        # XLA's float64 erfc(u ≥ 1) is e^(−fl(u²))·R(u), off by the rounding of u² (480 ulp at u = 25):
        # with u² = s + r exactly, erfc = that·(1 − r) (≤ 6 ulp; tests/test_reference.py holds it).
        # Both as a relative factor (erfc′/erfc·lo: an absolute erfc′·lo is subnormal, flushed to 0,
        # where erfc is ~1e−299), a constant of the derivative.
        # Φ is exactly 0 or 1 beyond |x| = 60 (erfc(42) underflows): clipped there, the squares below
        # stay finite at x = ±max.
        xq = _stable.clip(xc, -60.0, 60.0)
        uh, ul = _times(-xq, _SQRT_HALF_HL)
        _, r = _stable.two_prod(uh, uh)
        tail = jax.lax.erfc(uh)
        rho = (2 / math.sqrt(math.pi)) * jnp.exp(-uh * uh) / jnp.where(tail > 0, tail, jnp.ones_like(tail))
        factor = jnp.where(uh >= 1, 1 - r, jnp.ones_like(r)) - rho * ul
        return 0.5 * tail * jax.lax.stop_gradient(factor)
    return 0.5 * jax.lax.erfc(-xc * _SQRT_HALF)


def _gaussian_density(x: jax.Array) -> jax.Array:
    """φ(x) = e^(−x²/2)/√(2π); float64 with x² = hi + lo exactly (the rounding of x², amplified by
    x²/2 in the exponent, is 100 ulp of φ at |x| = 20): e^(−hi/2)·(1 − lo/2)."""
    if x.dtype != jnp.float64:
        return _INV_SQRT_2PI * jnp.exp(-0.5 * x * x)
    xq = _stable.clip(x, -_GAUSSIAN_ZERO, _GAUSSIAN_ZERO)  # φ(40) is 0: x² stays finite at ±max
    hi, lo = _stable.two_prod(xq, xq)
    return _INV_SQRT_2PI * (jnp.exp(-0.5 * hi) * (1 - 0.5 * lo))


def _d_gelu(x: jax.Array, approximate: bool = True) -> jax.Array:
    if approximate and x.dtype == jnp.float64:
        # As σ(2z) + x·2σ′(2z)·z′, one exp, no cancellation (½(1 − tanh² z) = 2σ′(2z)).
        xc = _gelu_clip(x)
        s, ds = _stable.sigmoid_and_prime(*_gelu_w64(xc))
        return s + xc * (2 * ds * (_SQRT_2_OVER_PI * (1 + 3 * 0.044715 * xc * xc)))
    if approximate:
        lo, hi = _cube_bounds(x.dtype)
        xc = _stable.clamp(lo, x, hi)  # the forward's clamp: a fwd+bwd program computes σ(2z) once
        # σ(2z) + x·2z′·σ(1 − σ), with 2z = x(c + 0.044715c·x²) and x·2z′ = x(c + 3·0.044715c·x²),
        # c = 2√(2/π), sharing x²: four multiplications fewer than from z (0.93x the fwd+bwd time
        # at 2^20–2^22, paired; the same 44 ulp at f′'s zero). σ(1 − σ) loses digits only where
        # σ ≈ 1, where that term is negligible beside σ. Beyond the clip σ has saturated to 0 or 1,
        # σ(1 − σ) is exactly 0, and the derivative is the step: ±inf included.
        x2, w = _gelu_x2_and_2z(xc)
        s = jax.lax.logistic(w)
        return s + (xc * (_TWO_C + 3 * _TWO_C_K * x2)) * (s * (1 - s))  # this order: 44 ulp at f′'s zero
    # Φ of x clamped as the forward's, so that XLA computes one erfc for both (a gated JVP needs
    # both); below float64, φ as e^(−u²)/√(2π) of erfc's own u = −x/√2, whose exp XLA's erfc
    # expansion computes too: fwd+bwd at jax.nn's time. e^(−x²/2), a second exp, is more accurate
    # (float32 f′ 14 ulp away from its zero against 53, jax.nn's) at 1.14–1.31x jax.nn's time (geglu:
    # 1.17x); correcting e^(−u²) for u's rounding (a two-product) costs 1.13x geglu's time, for u²'s too 1.2x.
    if x.dtype == jnp.float64:
        # Φ of x itself (its own clip at ±60): Φ of the forward's clamp would be shared with the forward
        # in a fwd+bwd program, whose fusion then rounds the double-double sums differently from the
        # derivative's own (last-bit differences). xs: no inf·0 for f″ at ±inf (_at_infinity's limits).
        xs = jnp.where(jnp.isinf(x), jnp.zeros_like(x), x)
        d = _gelu_cdf(x, False) + xs * _gaussian_density(xs)
    else:
        lo, hi = _cube_bounds(x.dtype)
        u = -_stable.clamp(lo, x, hi) * _SQRT_HALF
        d = 0.5 * jax.lax.erfc(u) + x * (_INV_SQRT_2PI * jnp.exp(-(u * u)))
    return _at_infinity(x, d, jnp.ones_like(x), jnp.zeros_like(x))


def _gelu_range(approximate: bool) -> tuple[float, float]:
    # The minima (mpmath), not rounded: −0.17004 and −0.16997 were above them.
    return (-0.17004075057125405, inf) if approximate else (-0.16997120747990366, inf)


@register(
    path="closed_form",
    why=(
        "fwd+bwd 0.69–0.94x the time of autodiff of max(x, −T)·σ(2z(clamp(x))) (float32, 2^16–2^22), 0.27x "
        "its residual bytes"
    ),
    derivative=_d_gelu,
    range=_gelu_range,
    formula="x*Phi(x) (tanh approx by default)",
    smooth=True,
    jax_nn="gelu",
    torch="gelu",
    torch_args=lambda approximate: {"approximate": "tanh" if approximate else "none"},  # torch's default is exact
    static=("approximate",),
    examples=({"approximate": False},),
    mp=lambda m, x, approximate: (
        # ½(1 + tanh z) written as 1/(1 + e^(−2z)), so 50 digits do not cancel to 0 either.
        x / (1 + m.exp(-2 * m.sqrt(2 / m.pi) * (x + m.mpf("0.044715") * x**3)))
        if approximate
        else x / 2 * m.erfc(-x / m.sqrt(2))
    ),
    f64_ulps=(16, 1024),
    accuracy_note=(
        "float64 carries 2z = 2√(2/π)(x + 0.044715x³) in twice the precision, constants included (its "
        "rounding, amplified by |2z| in e^(2z), was 880 ulp of f at x = −19.7): 3 ulp; left are the zeros of "
        "f′ at x ≈ −0.7525 (133 ulp on the grid) and of f″ at x ≈ ±1.4185 (222 on the grid, ~600 nearer), "
        "where the terms cancel. The exact "
        "(erfc) form: float64 carries x/√2 and the squares in erfc's and φ's exponents in twice the "
        "precision (x/√2's rounding, amplified in erfc's tail, was 1.9e3 ulp of f at x = −34): value ≤ 13 "
        "ulp (XLA's erfc just below u = 1, where it is 1 − erf(u), as jax.nn's), f′ ≤ 7 but at its zero "
        "x ≈ −0.7518, where Φ + xφ cancels (~400 ulp); "
        "float32 keeps the rounded x/√2 (value 40 ulp, as geglu's) and takes φ in f′ as e^(−u²) of that u, the exp "
        "XLA's erfc computes (53 ulp away from f′'s zero, as jax.nn's; e^(−x²/2) is 14 at 1.14–1.31x jax.nn's "
        "fwd+bwd time). float32 takes ½(1 + tanh z) as σ(2z) = "
        "1/(1 + e^(−2z)), which does not cancel for "
        "z ≪ 0 (jax.nn's ½x(1 + tanh z): 1.7e6 ulp where f is still ~1e−6; σ(2z), an exp and a division "
        "against XLA's rational tanh, cost 1–9 % of the forward's time on one CPU and 3–20 % on another, "
        "paired; measured on CPU, where XLA's logistic is 1/(1 + e^(−x))): "
        "left are z's rounding amplified by |2z| (16 ulp) and f′'s zero at x ≈ −0.75 (44 ulp); half precision "
        "is computed in float32 and meets the target"
    ),
    citation="Hendrycks & Gimpel, 'Gaussian Error Linear Units (GELUs)', arXiv:1606.08415, 2016",
)
def gelu(x: ArrayLike, approximate: bool = True) -> jax.Array:
    """GELU: f(x) = x·Φ(x) = ½x·erfc(−x/√2); approximate=True (the jax.nn default)
    uses Φ(x) ≈ ½(1 + tanh z), z = √(2/π)(x + 0.044715x³). Range ≈ [−0.17, ∞).

    f'(x) = Φ(x) + x·φ(x) (exact), or ½(1 + tanh z) + x·½(1 − tanh² z)·z'(x) (approximate),
    evaluated as σ(2z) + 2x·σ(2z)(1 − σ(2z))·z'(x), since ½(1 + tanh z) = σ(2z) does not cancel
    for x ≪ 0 (jax.nn's form loses every digit there).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.gelu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), approximate=False)
      Array([-0.0455, -0.1543,  0.    ,  0.3457,  1.9545], dtype=float32)
    """
    if not isinstance(approximate, bool):
        raise TypeError(f"jaxact.gelu: 'approximate' must be a bool, got {approximate!r}.")
    # Φ sees x clipped where x³ (or the tanh/erfc argument) has long saturated: Φ is exactly 0 or
    # 1 there, and autodiff never meets an overflowing cube (lax.clamp's derivative is a select, which
    # drops the inf·0 of a saturated Φ′ times x = ±inf). The factor x is clipped below only: the
    # value is x above T, ±0 below −T (jax.nn's x·Φ(x) is NaN at −inf). No select at the root: with
    # the input donated, XLA's CPU loop is 1.2–1.8x slower when a select on the input ends it.
    lo, hi = _cube_bounds(x.dtype)
    return jnp.maximum(x, lo) * _gelu_cdf(_stable.clamp(lo, x, hi), approximate)


def _d_mish(x: jax.Array) -> jax.Array:
    # mish'(x) = eˣω/δ², ω = 4(x+1) + 4e²ˣ + e³ˣ + eˣ(4x+6), δ = 2eˣ + e²ˣ + 2, written
    # in e = e^(−|x|) for each sign so nothing overflows: one exp, no tanh/softplus.
    # For x > 0 every term is positive; for x ≤ 0 the form cancels ~15x less than
    # tanh(sp) + x·sech²(sp)·σ(x) around the minimum at x ≈ −1.19. Products are
    # ordered exponential-first so e = 0 times a huge |x| stays 0. x is clipped
    # where e has underflowed (the value is then exactly 1 or 0, ±inf included),
    # so reverse-over-reverse never multiplies a cotangent by a huge x.
    # −|x| per branch: at 0 the x ≤ 0 branch's e = eˣ, slope +1 there (−jnp.abs(x)'s slope at 0 is −1,
    # the x ≥ 0 branch's, as JAX takes |x|′(0) = +1: it would break f″(0) here).
    # For x > 0 as 1 − δ/δ₊², δ = δ₊² − ω₊ = e²((2 − 4x) + e((4 − 4x) + 4e)) expanded by hand: f″
    # is autodiff of this, and of ω₊/δ₊² (two terms ≈ 2e that cancel) it lost x·e ulp in the tail.
    x = _stable.clip(x, -_SIGMOID_SATURATED, _SIGMOID_SATURATED)
    e = jnp.exp(jnp.where(x > 0, -x, x))
    e2 = e * e
    delta = e2 * ((2 - 4 * x) + e * ((4 - 4 * x) + 4 * e))
    den_pos = 1 + 2 * e + 2 * e2
    num_neg = 4 * (e * (x + 1)) + 4 * (e2 * e) + e2 * e2 + 4 * (e2 * (x + 1.5))
    den_neg = 2 * e + e2 + 2
    return jnp.where(x > 0, 1 - delta / (den_pos * den_pos), num_neg / (den_neg * den_neg))


@register(
    path="closed_form",
    why=(
        "0.22x autodiff's residual bytes and f′ 3.5 ulp in float32 where autodiff's is 94 (float64: 4 and 57), "
        "for 1.11–1.15x its fwd+bwd time (float32 2^14–2^22, 1.05–1.07x at 2^24–2^26; autodiff of the one-exp "
        "forward is that cheap)"
    ),
    derivative=_d_mish,
    range=(_MISH_MIN, inf),
    formula="x*tanh(softplus(x))",
    smooth=True,
    jax_nn="mish",
    torch="mish",
    mp=lambda m, x: x * m.tanh(m.log1p(m.exp(x))),
    f64_ulps=(4, 32),
    accuracy_note=(
        "f′ crosses 0 at x ≈ −1.1924, where its terms cancel (16 ulp at −1.189); float64 f″ crosses 0 at "
        "x ≈ 1.4906, where autodiff of the closed f′ cancels (109 ulp at 1.5)"
    ),
    citation="Misra, 'Mish: A Self Regularized Non-Monotonic Activation Function', BMVC 2020 (arXiv:1908.08681, 2019)",
)
def mish(x: ArrayLike) -> jax.Array:
    """Mish: f(x) = x·tanh(softplus(x)). Range ≈ [−0.3088, ∞).

    f'(x) = tanh(sp(x)) + x·sech²(sp(x))·σ(x), sp = softplus.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.mish(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-0.2525, -0.2207,  0.    ,  0.3752,  1.944 ], dtype=float32)
    """
    t = _tanh_softplus(x)  # finite at ±inf (its input is clamped): the stand-in is for the product only
    return _gated(x, lambda xs: xs * t, x, jnp.zeros_like(x))


def _tanh_softplus(x: jax.Array) -> jax.Array:
    """tanh(softplus(x)) from one exp and one division: with e = e^(−|x|) per sign, (1 + 2e)/(1 + 2e + 2e²)
    for x > 0 and (e² + 2e)/(e² + 2e + 2) below (tanh(ln u) = (u² − 1)/(u² + 1), u = 1 + eˣ, expanded).

    Every term is positive, so nothing cancels: 2.2 ulp in float32 and 2 in float64, where
    tanh(max(x, 0) + log1p(e^(−|x|))) took three transcendental functions for 3.8 and 4.
    """
    # x is clamped where e has underflowed: at x = max the product x·t hands t a cotangent of ~max,
    # which 2e doubles to inf and exp's rule multiplies by e = 0 (NaN); the clamp's rule is a select.
    x = _stable.clamp(-_SIGMOID_SATURATED, x, _SIGMOID_SATURATED)  # Python bounds: a weak x stays weak
    pos = x > 0
    e = jnp.exp(jnp.where(pos, -x, x))
    a = 2 * e
    e2 = e * e
    num = jnp.where(pos, 1 + a, e2 + a)
    return num / (num + jnp.where(pos, 2 * e2, 2.0))


def _d_hard_silu(x: jax.Array) -> jax.Array:
    return jnp.where(x <= -3, jnp.zeros_like(x), jnp.where(x >= 3, jnp.ones_like(x), (2 * x + 3) / 6))


@register(
    path="closed_form",
    why=(
        "piecewise quadratic: the closed form saves one float array (f′) for the backward pass, autodiff "
        "saves masks and the clipped input (~2x the bytes); fwd+bwd speed is the same"
    ),
    derivative=_d_hard_silu,
    range=(-0.375, inf),
    formula="x*relu6(x+3)/6",
    jax_nn="hard_silu",
    torch="hardswish",
    kinks=(-3.0, 3.0),
    aliases=("hard_swish",),
    mp=lambda m, x: x * min(max(x + 3, 0), 6) / 6,
    citation="Howard et al., 'Searching for MobileNetV3', ICCV 2019",
)
def hard_silu(x: ArrayLike) -> jax.Array:
    """Hard SiLU / hard swish: f(x) = x·relu6(x + 3)/6. Range [−3/8, ∞).

    f'(x) = 0 for x ≤ −3, (2x + 3)/6 on (−3, 3), 1 for x ≥ 3 (as jax.nn at the kinks).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.hard_silu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-0.3333, -0.2083,  0.    ,  0.2917,  1.6667], dtype=float32)
    """
    # jax.nn's x·relu6(x + 3)/6 with x as xm = max(x, −3): inf never reaches the dropped branch,
    # and x ≤ −3 is the middle piece too (−3·0 = −0, as jax.nn's x·0), so one select beside
    # jax.nn's ops. It returns xm, not x: a select handing back the input itself made XLA's
    # in-place CPU loop over a donated x 1.3–2x slower. Autodiff: relu6's derivative is 0 at its
    # kinks, max's halves at the tie x = −3 but meets relu6 = 0 there, and NaN gives NaN through
    # max's mask, as jax.nn's.
    xm = jnp.maximum(x, -3)
    return jnp.where(x >= 3, xm, xm * (_relu6(x + 3) / 6))


def _squareplus_abs(x: jax.Array) -> tuple[float, jax.Array, jax.Array]:
    """(t, |x|, min(|x|, t)) for squareplus and its derivatives: |x| per sign, slope +1 at 0 (the x ≥ 0
    branch's, as JAX's jnp.abs takes it too), and the square's input clipped at t, beyond which x² would
    overflow."""
    t = _stable.square_threshold(x.dtype)
    a = jnp.where(x >= 0, x, -x)
    return t, a, _stable.minimum(a, t)


def _d_squareplus(x: jax.Array, b: Any = 4.0) -> jax.Array:
    # f′ = (1 + x/r)/2 = 1 − q for x ≥ 0 and q below, q = b/(2rs), r = √(x² + b), s = r + |x|:
    # no cancellation, and f″ (autodiff of this) sums terms of one sign only (s/(2r) for x ≥ 0
    # differentiated to r − x·(x/r), 9e6 ulp at x = 1e4). Where x² would overflow (|x| > t), q is
    # 0 (±inf then gives 1 and 0); every branch is finite everywhere, as its derivative is taken
    # for f″.
    t, a, ac = _squareplus_abs(x)
    pos = x >= 0
    r = jnp.sqrt(ac * ac + b)
    q = b / ((2 * r) * (r + ac))  # one division; 4t² is the dtype's max: for b ≳ t², q is 0 near t
    # Beyond t, q = b/(4x²) is 0: below the smallest normal for b ≲ 4 (a larger b gives f′ exactly
    # 0 or 1 there, as before); a NaN x keeps q NaN.
    q = jnp.where(a > t, jnp.zeros_like(q), q)
    return jnp.where(pos, 1 - q, q)


def _d_squareplus_db(x: jax.Array, b: Any = 4.0) -> jax.Array:
    # ∂f/∂b = 1/(4r), r = √(x² + b) = |x| to working precision where x² would overflow (|x| > t): the
    # forward's clipped square would hold it at 1/(4t) there (11x the truth at x = 1e20 in float32).
    t, a, ac = _squareplus_abs(x)
    return 0.25 / jnp.where(a > t, a, jnp.sqrt(ac * ac + b))


@register(
    path="closed_form",
    why=(
        "fwd+bwd 0.61–0.78x the time of autodiff through the overflow guards (float32, 2^16–2^22), 0.33x its "
        "residual bytes"
    ),
    derivative=_d_squareplus,
    param_derivatives={"b": _d_squareplus_db},
    range=(0.0, inf),
    formula="(x+sqrt(x^2+b))/2",
    monotone=True,
    smooth=True,
    jax_nn="squareplus",
    constraints={"b": ("positive",)},
    examples=({"b": 0.5},),
    mp=lambda m, x, b: (x + m.sqrt(x**2 + b)) / 2,
    accuracy_note=(
        "float64 f″ = b/(2(x² + b)^(3/2)), autodiff of the closed f′ (terms of one sign), carries the rounding "
        "of its square root and two divisions: 6 ulp"
    ),
    citation="Barron, 'Squareplus: A Softplus-Like Algebraic Rectifier', arXiv:2112.11687, 2021",
)
def squareplus(x: ArrayLike, b: Any = 4.0) -> jax.Array:
    """Squareplus: f(x) = (x + √(x² + b))/2, b > 0. Range (0, ∞).

    f'(x) = (1 + x/√(x² + b))/2. For x < 0 both are evaluated as
    b/(2(√(x²+b) − x)) forms, free of cancellation.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.squareplus(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), b=0.5)
      Array([0.0607, 0.183 , 0.3536, 0.683 , 2.0607], dtype=float32)
    """
    # s = |x| + √(x² + b) never cancels: f = s/2 for x ≥ 0 and b/(2s) for x < 0 (jax.nn's
    # (x + √(x² + b))/2 is 0 at x = −1e4 in float32, where f = 1e−4). Where x² would
    # overflow, √(x² + b) = |x| to working precision; the square sees a clipped |x| only.
    _, a, ac = _squareplus_abs(x)
    # s/2 as a + (r − a)/2: finite up to x = ±max and at ±inf (XLA folds ½a + ½r into ½(a + r),
    # which overflows). Beyond t, r − a is taken at |x| = t, √(t² + b) − t ≈ b/(2t): below ulp(|x|)/2
    # for b < eps·t² (2e31 in float32), so h = |x| there without a select (one compare and select
    # fewer: 0.88x the forward's time at 2^20–2^22).
    h = a + 0.5 * (jnp.sqrt(ac * ac + b) - ac)
    return jnp.where(x >= 0, h, (0.25 * b) / h)


def _d_sparse_plus(x: jax.Array) -> jax.Array:
    return jnp.where(x <= -1, jnp.zeros_like(x), jnp.where(x >= 1, jnp.ones_like(x), (x + 1) / 2))


@register(
    path="closed_form",
    why=(
        "piecewise quadratic: the closed form saves one float array (f′) for the backward pass, autodiff "
        "saves masks and the clipped input (~2x the bytes); fwd+bwd speed is the same"
    ),
    derivative=_d_sparse_plus,
    range=(0.0, inf),
    formula="0 | (x+1)^2/4 | x",
    monotone=True,
    smooth=True,
    jax_nn="sparse_plus",
    kinks=(-1.0, 1.0),
    mp=lambda m, x: m.mpf(0) if x <= -1 else (x if x >= 1 else (x + 1) ** 2 / 4),
    citation="Blondel, Martins & Niculae, 'Learning with Fenchel-Young Losses', JMLR 2020 (as in jax.nn.sparse_plus)",
)
def sparse_plus(x: ArrayLike) -> jax.Array:
    """Sparse plus: 0 for x ≤ −1, (x + 1)²/4 on (−1, 1), x for x ≥ 1. Range [0, ∞).

    f'(x) = 0, (x + 1)/2, 1 on the three pieces (continuous: f is C¹).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.sparse_plus(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([0.    , 0.0625, 0.25  , 0.5625, 2.    ], dtype=float32)
    """
    # As hard_silu's: x clamped to [−1, 1] is also the x ≤ −1 piece ((−1 + 1)² = 0), and the
    # select hands back max(x, −1), not x itself. min/max: f′(NaN) is NaN, as jax.nn's.
    xm = jnp.maximum(x, -1)
    m = _stable.minimum(xm, 1)
    return jnp.where(x >= 1, xm, jnp.square(m + 1) / 4)


def _d_gaussian(x: jax.Array) -> jax.Array:
    xc = _stable.clip(x, -_GAUSSIAN_ZERO, _GAUSSIAN_ZERO)
    return -2 * (xc * _stable.exp_neg_square(xc))


@register(
    path="closed_form",
    why="fwd+bwd ~1.2x faster than autodiff through the ±inf guard",
    derivative=_d_gaussian,
    range=(0.0, 1.0),
    formula="exp(-x^2)",
    smooth=True,
    mp=lambda m, x: m.exp(-(x**2)),
    accuracy_note=(
        "float64 f″ = (4x² − 2)e^(−x²) (autodiff of the closed f′) loses 28 ulp near its root x = 1/√2, where "
        "its terms cancel"
    ),
    citation="Broomhead & Lowe, 'Multivariable functional interpolation and adaptive networks', Complex Systems 1988",
)
def gaussian(x: ArrayLike) -> jax.Array:
    """Gaussian bump: f(x) = e^(−x²). Range (0, 1]. f'(x) = −2x·e^(−x²).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.gaussian(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([0.0183, 0.7788, 1.    , 0.7788, 0.0183], dtype=float32)
    """
    # Clipped where e^(−x²) is 0 in every dtype: ±inf gives 0, and no derivative
    # of any order meets x² = inf.
    xc = _stable.clip(x, -_GAUSSIAN_ZERO, _GAUSSIAN_ZERO)
    return _stable.exp_neg_square(xc)


_QUICK, _QUICK_LO = _hi_lo(decimal.Decimal("1.702"))  # CLIP's constant (σ(1.702x) ≈ Φ(x)) and its part below float64


def _d_quick_gelu(x: jax.Array) -> jax.Array:
    return _d_swish(x, _QUICK, _QUICK_LO)


@register(
    path="closed_form",
    why="swish's closed form at β = 1.702 (f′ from one exp, finite where βx overflows)",
    derivative=_d_quick_gelu,
    range=(_SWISH_MIN / _QUICK, inf),
    formula="x*sigmoid(1.702x)",
    smooth=True,
    mp=lambda m, x: x / (1 + m.exp(-m.mpf("1.702") * x)),
    f64_ulps=(4, 200),
    f32_ulps=(32, 250),
    accuracy_note=(
        "as swish's: σ(1.702x) amplifies the rounding of 1.702x (11 ulp in float32; float64 carries 1.702x "
        "in twice the precision, the decimal constant's low part included: 39 → 3); near f′'s zero at "
        "1.702x ≈ −1.2785 the rounding of 1.702x is amplified (40 ulp in float32, 68 in float64 on the grid)"
    ),
    citation=(
        "Radford et al., 'Learning Transferable Visual Models From Natural Language Supervision' (CLIP), "
        "ICML 2021; the σ(1.702x) approximation of Φ: Hendrycks & Gimpel 2016"
    ),
)
def quick_gelu(x: ArrayLike) -> jax.Array:
    """Quick GELU (CLIP): f(x) = x·σ(1.702x), a sigmoid approximation of GELU. Range [−0.1636, ∞).

    f'(x) = σ(1.702x) + 1.702x·σ(1.702x)σ(−1.702x).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.quick_gelu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-0.0643, -0.1496,  0.    ,  0.3504,  1.9357], dtype=float32)
    """
    return _gated(x, lambda xs: xs * _sigmoid_of_scaled(xs, _QUICK, _QUICK_LO), x, jnp.zeros_like(x))


_TELU_CLIP = 30.0  # tanh(e^30) is 1 and its derivative 0 in every float dtype
_TELU_MIN = -0.353285777848211  # min of x·tanh(eˣ), at x ≈ −1.0789


def _d_telu(x: jax.Array) -> jax.Array:
    # f′ = tanh(eˣ) + x·eˣ·sech²(eˣ) on the forward's own guarded input (±inf read as 0, then min(x, 30),
    # where tanh(eˣ) = 1 and sech² = 0), written as the forward writes it so XLA merges the eˣ and the tanh
    # of the two (f(x) and f′ from one exp: 1.15–1.61x the fwd+bwd time without); the limits 1 and 0 are
    # selected at ±inf, so no branch meets eˣ = inf or (−inf)·0, not even in f″ at ±inf. Below x ≈ −104
    # eˣ is 0 and f′ = x·0 = 0 (finite x).
    xs = _stable.minimum(_finite(x), _TELU_CLIP)
    u = jnp.exp(xs)
    return _at_infinity(x, _stable.tanh(u) + xs * u * _stable.tanh_prime(u), 1.0, 0.0)


@register(
    path="closed_form",
    why=(
        "fwd+bwd with f(x) kept at autodiff's time (1.00–1.02x, float32 2^16–2^22), 0.29x its residual bytes: f′ "
        "shares the forward's guarded eˣ and tanh (XLA merges them; its own clip took 1.15–1.61x); finite where "
        "eˣ overflows"
    ),
    derivative=_d_telu,
    range=(_TELU_MIN, inf),
    formula="x*tanh(exp(x))",
    smooth=True,
    f64_ulps=(8, 500),
    f32_ulps=(32, 400),
    grad_ulps=512,
    accuracy_note=(
        "f′ crosses 0 at the minimum x ≈ −1.0789, where tanh(eˣ) + x·eˣ·sech²(eˣ) cancels (211 ulp in float32, "
        "55 in float64; autodiff 318 and 394); the float64 value is XLA's tanh (5 ulp); autodiff's 1 − tanh²(eˣ) "
        "loses about x·eˣ ulp for x ≈ 2–4. float64 f″ ≈ −2x·e²ˣ·sech²(eˣ) for x > 5.8 is normal (−3e−303 at "
        "x = 5.875) while its factor sech²(eˣ) is subnormal, which XLA on CPU flushes to 0"
    ),
    # tanh(eˣ) = 1 − O(e^(−2eˣ)): exactly 1 to any working precision beyond x = 50 (mpmath's
    # tanh overflows on e^(1e4)).
    mp=lambda m, x: x * (1 if x > 50 else m.tanh(m.exp(x))),
    citation="Fernandez & Mali, 'TeLU Activation Function for Fast and Stable Deep Learning', arXiv:2412.20269, 2024",
)
def telu(x: ArrayLike) -> jax.Array:
    """TeLU: f(x) = x·tanh(eˣ). Range [−0.3533, ∞).

    Close to x for x > 0 and to x·eˣ for x ≪ 0. f'(x) = tanh(eˣ) + x·eˣ·sech²(eˣ).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.telu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-0.269 , -0.2708,  0.    ,  0.4643,  2.    ], dtype=float32)
    """
    return _gated(x, lambda xs: xs * jnp.tanh(jnp.exp(_stable.minimum(xs, _TELU_CLIP))), x, jnp.zeros_like(x))


def _acon_c_range(p1: float, p2: float, beta: float) -> tuple[float, float]:
    """With p2 = 0, f = swish(u)/β in u = βp1·x, which spans ℝ (p1, β ≠ 0): swish's range over β, and
    the mirror image for β < 0. Otherwise ℝ (with p2 ≠ 0 a superset: the ends may both go one way)."""
    if p2 != 0 or p1 == 0 or beta == 0:
        return (0.0, 0.0) if p1 == 0 == p2 else (-inf, inf)
    return (_SWISH_MIN / beta, inf) if beta > 0 else (-inf, _SWISH_MIN / beta)


def _d_acon_c(x: jax.Array, p1: Any = 1.0, p2: Any = 0.0, beta: Any = 1.0) -> jax.Array:
    # With β(p1 − p2) = 0 the gate is ½ everywhere and f the line ((p1 − p2)/2 + p2)·x: x = ±inf is
    # taken as 0 there (swish's f′ at 0·inf or at ±inf with β = 0 was NaN). Otherwise swish's f′ has
    # its limits at ±inf. The test is a constant of the trace for Python-float parameters (XLA drops
    # it). Swish's f′ at y = (p1 − p2)x is its f′ at x with β(p1 − p2) for β: one product, whose
    # parameter tangents swish's clipped product keeps finite at ±inf (∂p(∂f/∂x) was NaN there).
    d = p1 - p2
    xs = jnp.where(jnp.isinf(x) & (beta * d == 0), jnp.zeros_like(x), x)
    # β(p1 − p2) in the computation's dtype: half-precision parameters' own product overflows (300·300
    # in float16: NaN at x = 0) where (p1 − p2)·x promoted to x's first.
    if not (isinstance(beta, (int, float)) and isinstance(d, (int, float))):
        w = jnp.result_type(xs, beta, d)
        beta, d = jnp.asarray(beta, w), jnp.asarray(d, w)
    return d * _d_swish(xs, beta * d) + p2


def _acon_c_gate(x: jax.Array, p1: Any, p2: Any, beta: Any) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """(y, u, saturated, xs) for the parameter derivatives: y = (p1 − p2)·x with x = ±inf taken at
    ±max and y kept finite; u = βy clipped where σ has saturated (|u| ≥ 1e4, x = ±inf included),
    ``saturated`` marking those; xs: x, but 0 there."""
    y = _stable.finite((p1 - p2) * _stable.finite(x))
    saturated = jnp.abs(beta * y) >= _SIGMOID_SATURATED
    u = _stable.clip(beta * y, -_SIGMOID_SATURATED, _SIGMOID_SATURATED)
    return y, u, saturated, jnp.where(saturated, jnp.zeros_like(x), x)


# ∂f/∂p1 = x·s and ∂f/∂p2 = x·(1 − s), s = σ(u) + u·σ′(u) (swish's f′ at y), 1 − s = σ(−u) − u·σ′(u)
# (no cancellation for u ≫ 0, where 1 − s ≈ (1 − u)e^(−u): 1 − s rounded s away, 2e3 ulp at x = −5).
# Where σ has saturated (s exactly 1 or 0) they are the limits x or 0 taken by a select, and the
# product sees x = 0: reverse mode over them (∂²f/∂p²) would otherwise carry x (or x·x) into s's own
# derivative, 0 there: 0·inf = NaN. ∂f/∂β = y²σ′(βy): swish's ∂/∂β at y.
def _d_acon_c_dp1(x: jax.Array, p1: Any = 1.0, p2: Any = 0.0, beta: Any = 1.0) -> jax.Array:
    y, u, saturated, xs = _acon_c_gate(x, p1, p2, beta)
    return jnp.where(saturated, jnp.where(u > 0, x, jnp.zeros_like(x)), xs * _d_swish(y, beta))


def _d_acon_c_dp2(x: jax.Array, p1: Any = 1.0, p2: Any = 0.0, beta: Any = 1.0) -> jax.Array:
    _, u, saturated, xs = _acon_c_gate(x, p1, p2, beta)
    s_neg, ds = _stable.sigmoid_and_prime(-u)  # σ(−u), σ′(−u) = σ′(u)
    return jnp.where(saturated, jnp.where(u > 0, jnp.zeros_like(x), x), xs * (s_neg - u * ds))


def _d_acon_c_dbeta(x: jax.Array, p1: Any = 1.0, p2: Any = 0.0, beta: Any = 1.0) -> jax.Array:
    y = _acon_c_gate(x, p1, p2, beta)[0]
    return _d_swish_dbeta(y, beta)


@register(
    path="closed_form",
    why=(
        "fwd+bwd 0.85–0.94x autodiff's time (float32, 2^16–2^20) with 0.38x its residual bytes; swish's "
        "closed form at (p1 − p2)x plus p2"
    ),
    derivative=_d_acon_c,
    param_derivatives={"p1": _d_acon_c_dp1, "p2": _d_acon_c_dp2, "beta": _d_acon_c_dbeta},
    range=lambda p1, p2, beta: _acon_c_range(float(p1), float(p2), float(beta)),
    formula="(p1-p2)x*sigmoid(b(p1-p2)x) + p2*x",
    smooth=True,
    examples=({"p1": 1.0, "p2": 0.25, "beta": 2.0},),
    mp=lambda m, x, p1, p2, beta: (p1 - p2) * x / (1 + m.exp(-beta * (p1 - p2) * x)) + p2 * x,
    f64_ulps=(64, 160),
    accuracy_note=(
        "as swish's (the defaults are swish): near f′'s zero two roundings of 0.22 are left in float32 (3.75 "
        "ulp), e's rounding in float64 (5 ulp; autodiff 74 and 33)"
    ),
    citation="Ma, Zhang, Liu & Sun, 'Activate or Not: Learning Customized Activation' (ACON), CVPR 2021",
)
def acon_c(x: ArrayLike, p1: Any = 1.0, p2: Any = 0.0, beta: Any = 1.0) -> jax.Array:
    """ACON-C: f(x) = (p1 − p2)x·σ(β(p1 − p2)x) + p2·x. Range ℝ in general; with p2 = 0 (the
    defaults) swish's, [−0.2785/β, ∞) for β > 0.

    A learnable switch between linear (β → 0) and max(p1·x, p2·x) (β → ∞); the defaults
    p1 = 1, p2 = 0, β = 1 are swish. f'(x) = (p1 − p2)·[σ(u) + u·σ′(u)] + p2, u = β(p1 − p2)x.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.acon_c(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), p1=1.0, p2=0.25, beta=2.0)
      Array([-0.5711, -0.2453,  0.    ,  0.3797,  1.9289], dtype=float32)
    """
    d = p1 - p2
    pos, neg = (jnp.where(c == 0, jnp.zeros_like(x), c * x) for c in _acon_c_slopes(p1, p2, beta))
    # x·((p1 − p2)σ + p2), not (p1 − p2)x·σ + p2·x: (p1 − p2)x overflows where f does not (x = −2e38,
    # p1 = 1, p2 = −1 in float32: −inf·0 = NaN for f = 2e38); β(p1 − p2)x = ±inf is σ's 1 or 0.
    return _gated(x, lambda xs: xs * (d * _stable.sigmoid(beta * d * xs) + p2), pos, neg)


def _acon_c_slopes(p1: Any, p2: Any, beta: Any) -> tuple[Any, Any]:
    """f′ at +inf and at −inf: the gate σ(β(p1 − p2)x) tends to 1 on the side where β(p1 − p2)x > 0
    (slope p1) and to 0 on the other (p2); with β(p1 − p2) = 0 it is ½ everywhere, and f is the line
    ((p1 − p2)/2 + p2)·x (ACON's linear end, β → 0)."""
    bd = beta * (p1 - p2)
    mid = 0.5 * (p1 - p2) + p2
    return jnp.where(bd > 0, p1, jnp.where(bd < 0, p2, mid)), jnp.where(bd > 0, p2, jnp.where(bd < 0, p1, mid))


def _d_exponential(x: jax.Array) -> jax.Array:
    return jnp.exp(x)


@register(
    path="autodiff",
    why="autodiff reuses the forward's eˣ as f′; the closed form computes it again",
    derivative=_d_exponential,
    range=(0.0, inf),
    formula="exp(x)",
    monotone=True,
    smooth=True,
    mp=lambda m, x: m.exp(x),
    citation="Keras 3, keras.activations.exponential (Chollet et al., Keras, 2015)",
)
def exponential(x: ArrayLike) -> jax.Array:
    """Exponential (Keras): f(x) = eˣ. Range (0, ∞); f'(x) = eˣ.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.exponential(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([0.1353, 0.6065, 1.    , 1.6487, 7.3891], dtype=float32)
    """
    return jnp.exp(x)


_LN2 = math.log(2.0)
_ELISH_MIN = -0.17157287525380990  # at x = −ln(1 + √2) (mpmath)
_SERF_MIN = -0.34843745875960642  # at x ≈ −1.1931 (mpmath)


def _shifted_softplus_raw(x: jax.Array) -> jax.Array:
    # |x| ≤ 1: log1p(expm1(x)/2) = log((1 + eˣ)/2), exact near 0 where softplus − ln 2 cancels;
    # x > 1: x − ln 2 + log1p(e^(−x)), no overflow; x < −1: log1p(eˣ) − ln 2, whose autodiff
    # derivative eˣ/(1 + eˣ) keeps its digits (expm1′ = expm1 + 1 would cancel there). Each
    # branch sees a guarded input.
    big, small = x > 1, x < -1
    xm = jnp.where(big | small, jnp.zeros_like(x), x)
    mid = jnp.log1p(jnp.expm1(xm) / 2)
    xb = jnp.where(big, x, jnp.ones_like(x))
    hi = (xb - _LN2) + jnp.log1p(jnp.exp(-xb))
    xs = jnp.where(small, x, -jnp.ones_like(x))
    lo = jnp.log1p(jnp.exp(xs)) - _LN2
    return jnp.where(big, hi, jnp.where(small, lo, mid))


def _d_shifted_softplus(x: jax.Array) -> jax.Array:
    return _stable.sigmoid_differentiable(x)


@register(
    path="closed_form",
    why=(
        "0.24x autodiff's residual bytes; fwd+bwd with f(x) kept 1.00–1.07x its time at 2^16–2^20, 0.57x at "
        "2^22 (float32): f′ = σ(x) from one exp (the forward's three branches share none with it)"
    ),
    derivative=_d_shifted_softplus,
    range=(-_LN2, inf),
    formula="log(1+exp(x)) - log(2)",
    monotone=True,
    smooth=True,
    mp=lambda m, x: m.log1p(m.expm1(x) / 2),
    citation=(
        "Schütt, Kindermans, Sauceda, Chmiela, Tkatchenko & Müller, 'SchNet: A continuous-filter "
        "convolutional neural network for modeling quantum interactions', NeurIPS 2017"
    ),
)
def shifted_softplus(x: ArrayLike) -> jax.Array:
    """Shifted softplus (SchNet): f(x) = ln(1 + eˣ) − ln 2 = ln((1 + eˣ)/2), so f(0) = 0.
    Range (−ln 2, ∞).

    f'(x) = σ(x). Near 0 computed as log1p(expm1(x)/2), which keeps f ≈ x/2 accurate where
    softplus(x) − ln 2 would cancel.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.shifted_softplus(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-0.5662, -0.2191,  0.    ,  0.2809,  1.4338], dtype=float32)
    """
    return _shifted_softplus_raw(x)


def _d_lisht(x: jax.Array) -> jax.Array:
    # tanh x + x·sech²x; x is clipped where sech² has underflowed (|x| > 400), so ±inf gives
    # ±1 + 0 rather than inf·0. Both terms take the clipped x: one tanh (tanh(x) beside tanh(xc)
    # is a second one, 1.2x the fwd+bwd time).
    xc = _stable.clip(x, -400.0, 400.0)
    return _stable.tanh(xc) + xc * _stable.tanh_prime(xc)


@register(
    path="closed_form",
    why="fwd+bwd 0.83–1.00x autodiff's time, 0.42x its residual bytes; f′ = tanh x + x·sech²x from one tanh",
    derivative=_d_lisht,
    range=(0.0, inf),
    formula="x*tanh(x)",
    smooth=True,
    mp=lambda m, x: x * m.tanh(x),
    accuracy_note=(
        "float32 f′ takes sech² as tanh's (1 − t)(1 + t), the speed form, which is 0 from |x| ≈ 8.0 (XLA's "
        "float32 tanh is exactly 1 from |x| = 7.9988): tanh x + x·sech²x loses its second term, ≈ 3e−6 at "
        "|x| = 8 (28 ulp); float64 f″ = 2sech²x·(1 − x·tanh x) crosses 0 at x ≈ ±1.1997, where autodiff of "
        "the closed f′ cancels (1.2e3 ulp at 1.2)"
    ),
    citation=(
        "Roy, Manna, Dubey & Chaudhuri, 'LiSHT: Non-Parametric Linearly Scaled Hyperbolic Tangent Activation "
        "Function for Neural Networks', arXiv:1901.05894, 2019"
    ),
)
def lisht(x: ArrayLike) -> jax.Array:
    """LiSHT: f(x) = x·tanh(x). Range [0, ∞), even.

    f'(x) = tanh(x) + x·(1 − tanh²(x)).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.lisht(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([1.9281, 0.2311, 0.    , 0.2311, 1.9281], dtype=float32)
    """
    # |x| > 40: tanh is ±1 to every float precision, f = |x|; the product sees a guarded input
    # (autodiff's x·(1 − tanh²) and its derivative would be huge·0 at ±max).
    big = jnp.abs(x) > 40
    xs = jnp.where(big, jnp.zeros_like(x), x)
    return jnp.where(big, jnp.where(x > 0, x, -x), xs * jnp.tanh(xs))


_SQRT2_M1_HI = 0.41421356237309503  # √2 − 1 in two parts: e − hi is exact near e = √2 − 1
_SQRT2_M1_LO = 1.4349369327781025e-17


def _d_elish(x: jax.Array) -> jax.Array:
    # x ≥ 0: swish′. x < 0, e = eˣ: eˣσ + (eˣ − 1)σ′ = e(e² + 2e − 1)/(1 + e)², which crosses 0 at
    # e = √2 − 1 (f's minimum); written (e − (√2 − 1))(e + 1 + √2) with the constant in two parts,
    # so only e's own rounding is left there. Each branch gets a guarded input.
    pos = x >= 0
    xp = jnp.where(pos, x, jnp.zeros_like(x))
    e = jnp.exp(jnp.where(pos, jnp.zeros_like(x), x))
    r = 1 / (1 + e)
    near = ((e - _SQRT2_M1_HI) - _SQRT2_M1_LO) * (e + (1 + math.sqrt(2)))
    return jnp.where(pos, _d_swish(xp, 1.0), e * (r * r) * near)


@register(
    path="closed_form",
    why="fwd+bwd 0.65–1.02x autodiff's time, 0.31x its residual bytes: one exp per branch",
    derivative=_d_elish,
    range=(_ELISH_MIN, inf),
    formula="x*sigmoid(x) if x >= 0 else (exp(x)-1)*sigmoid(x)",
    smooth=True,
    kinks=(0.0,),  # C¹: f″ jumps at 0 (½ from the right, 1 from the left)
    f32_ulps=(32, 128),
    accuracy_note=(
        "f′ crosses 0 at f's minimum, x = −ln(1 + √2), taken there as e(e − (√2 − 1))(e + 1 + √2)/(1 + e)² "
        "with the constant in two parts: e's own rounding is left (72 ulp float32 on the test grid; autodiff 106)"
    ),
    mp=lambda m, x: (x if x >= 0 else m.expm1(x)) / (1 + m.exp(-x)),
    citation="Basirat & Roth, 'The Quest for the Golden Activation Function', arXiv:1808.00783, 2018",
)
def elish(x: ArrayLike) -> jax.Array:
    """ELiSH: f(x) = x·σ(x) for x ≥ 0, (eˣ − 1)·σ(x) for x < 0. Range [−0.1716, ∞); C¹ at 0.

    f'(x) = σ(x)(1 + x(1 − σ(x))) for x ≥ 0, eˣσ(x) + (eˣ − 1)σ(x)(1 − σ(x)) for x < 0.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.elish(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-0.1031, -0.1486,  0.    ,  0.3112,  1.7616], dtype=float32)
    """

    def finite(xs: jax.Array) -> jax.Array:
        pos = xs >= 0
        return jnp.where(pos, xs, jnp.expm1(jnp.where(pos, jnp.zeros_like(xs), xs))) * _stable.sigmoid(xs)

    return _gated(x, finite, x, jnp.zeros_like(x))


def _serf_input(x: jax.Array) -> jax.Array:
    """serf's clipped input, [−800, 30], for f and f′ alike (XLA merges their softplus and erf)."""
    return _stable.clip(x, -800.0, 30.0)


def _d_serf(x: jax.Array) -> jax.Array:
    # erf(sp) + x·(2/√π)e^(−sp²)·σ(x), sp = softplus(x); x clipped as the forward clips it, so XLA merges
    # the forward's softplus and erf with these, and σ(x) from softplus's own e^(−|x|) (1.6–1.9x the
    # fwd+bwd time with a clip and a σ of its own). Above 30 the second term has underflowed
    # (e^(−900) = 0), so +inf gives 1 + 0 rather than inf·0; below −800 both terms are 0.
    xc = _serf_input(x)
    sp = _stable.softplus(xc)
    # float64 keeps XLA's logistic: at the zero crossing its rounding gave 51 ulp, the shared form 115.
    s = _stable.sigmoid(xc) if x.dtype == jnp.float64 else _stable.softplus_prime(xc)
    return jax.lax.erf(sp) + xc * (2 / math.sqrt(math.pi)) * jnp.exp(-sp * sp) * s


@register(
    path="closed_form",
    why=(
        "fwd+bwd with f(x) kept 0.89–0.97x autodiff's time (float32, 2^16–2^22), 0.23x its residual bytes: f′ "
        "shares the forward's softplus, erf and e^(−|x|) (XLA merges them; its own clip and σ took 1.6–1.9x)"
    ),
    derivative=_d_serf,
    range=(_SERF_MIN, inf),
    formula="x*erf(log(1+exp(x)))",
    smooth=True,
    f32_ulps=(32, 300),
    accuracy_note=(
        "f′ crosses 0 at x ≈ −1.193, where erf(sp) + x·(2/√π)e^(−sp²)σ(x) cancels: 200 ulp float32 (autodiff 156), "
        "51 float64 (autodiff 219)"
    ),
    mp=lambda m, x: x * m.erf(m.log(1 + m.exp(x))),
    citation=(
        "Nag, Bhattacharyya, Mukherjee & Kundu, 'SERF: Towards better training of deep neural networks "
        "using log-Softplus ERror activation Function', WACV 2023 (arXiv:2108.09598, 2021)"
    ),
)
def serf(x: ArrayLike) -> jax.Array:
    """Serf: f(x) = x·erf(ln(1 + eˣ)). Range [−0.3484, ∞).

    f'(x) = erf(sp) + x·(2/√π)·e^(−sp²)·σ(x), sp = ln(1 + eˣ).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.serf(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-0.2849, -0.2487,  0.    ,  0.4158,  1.9947], dtype=float32)
    """
    # x ≥ 30: erf(softplus x) is 1 in every float, f = x (at 30 too, where the clip would split the
    # gradient in half); x < −800: f underflows to 0 even in float64. Clipping the product's input
    # keeps autodiff's x·erf′ from overflowing before the
    # vanishing factor multiplies it (inf·0 at ±max).
    xs = _serf_input(x)
    return jnp.where(x >= 30, x, xs * jax.lax.erf(_stable.softplus(xs)))
