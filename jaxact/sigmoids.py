"""Sigmoid-like squashing functions: logistic, tanh, their hard and sparse cousins."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxact import _stable
from jaxact.rectifiers import _relu6
from jaxact.registry import LEAN_PIECEWISE, inf, register


def _d_sigmoid(x: jax.Array) -> jax.Array:
    return _stable.sigmoid_prime(x)


@register(
    path="closed_form",
    why=(
        "σ′ = e/(1 + e)² is accurate in the tails, where autodiff's σ(1 − σ) rounds to 0 (float32 f′ 3.3 ulp "
        "against 1.7e7), for 1.05–1.28x autodiff's fwd+bwd time with f(x) kept (float32, 2^16–2^22: the "
        "backward recomputes an exp and a division σ(1 − σ) reads from the output; e·r² with r read from it "
        "measured 1.25x jax.nn's, 6 ulp)"
    ),
    derivative=_d_sigmoid,
    range=(0.0, 1.0),
    formula="1/(1+exp(-x))",
    monotone=True,
    smooth=True,
    jax_nn="sigmoid",
    torch="sigmoid",
    aliases=("logistic",),
    mp=lambda m, x: 1 / (1 + m.exp(-x)),
    citation="Rumelhart, Hinton & Williams, 'Learning representations by back-propagating errors', Nature 1986",
)
def sigmoid(x: ArrayLike) -> jax.Array:
    """Logistic sigmoid: σ(x) = 1/(1 + e^(−x)). Range (0, 1).

    σ'(x) = σ(x)(1 − σ(x)), computed as e/(1 + e)² with e = e^(−|x|), which avoids
    the cancellation in 1 − σ(x) for large x at the cost of one exp.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.sigmoid(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([0.1192, 0.3775, 0.5   , 0.6225, 0.8808], dtype=float32)
    """
    return _stable.sigmoid(x)


def _d_log_sigmoid(x: jax.Array) -> jax.Array:
    return _stable.softplus_prime(-x)


@register(
    path="closed_form",
    why=(
        "fwd+bwd with f(x) kept 1.00–1.04x autodiff's time (float32, 2^16–2^22) and 0.54–0.86x jax.nn's "
        "(2^16–2^24), 0.57x autodiff's residual bytes: σ(−x) from the forward's e = e^(−|x|), which XLA "
        "merges (lax.logistic beside it, a second exp, took 1.24–1.68x autodiff's time); σ(−x) exact in the tails"
    ),
    derivative=_d_log_sigmoid,
    range=(-inf, 0.0),
    formula="-softplus(-x)",
    monotone=True,
    smooth=True,
    jax_nn="log_sigmoid",
    torch="logsigmoid",
    mp=lambda m, x: -m.log1p(m.exp(-x)),
    citation=(
        "the logarithm of the logistic function; as a loss term: Bridle, 'Probabilistic interpretation of "
        "feedforward classification network outputs', 1990"
    ),
)
def log_sigmoid(x: ArrayLike) -> jax.Array:
    """Log-sigmoid: f(x) = log σ(x) = −log(1 + e^(−x)). Range (−∞, 0). f'(x) = σ(−x).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.log_sigmoid(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-2.1269, -0.9741, -0.6931, -0.4741, -0.1269], dtype=float32)
    """
    return -_stable.softplus(-x)


def _d_tanh(x: jax.Array) -> jax.Array:
    return _stable.tanh_prime(x)


@register(
    path="closed_form",
    why="same fwd+bwd speed as autodiff; float64 takes sech² = 4e/(1+e)², accurate where 1−tanh² rounds to 0",
    derivative=_d_tanh,
    range=(-1.0, 1.0),
    formula="(e^x-e^-x)/(e^x+e^-x)",
    monotone=True,
    smooth=True,
    zero_centred=True,
    odd=True,
    jax_nn="tanh",
    torch="tanh",
    mp=lambda m, x: m.tanh(x),
    accuracy_note=(
        "float32 f′ keeps (1 − t)(1 + t), as cheap as autodiff: it is 0 from |x| ≈ 8.0, where XLA's float32 tanh "
        "is exactly 1 (from |x| = 7.9988), while the truth there is still 4.5e−7 (sech² needs an exp the forward "
        "does not compute: slower on CPU)"
    ),
    citation="LeCun, Bottou, Orr & Müller, 'Efficient BackProp', in Neural Networks: Tricks of the Trade, 1998",
)
def tanh(x: ArrayLike) -> jax.Array:
    """Hyperbolic tangent: f(x) = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ) = 2σ(2x) − 1. Range (−1, 1), odd.

    f'(x) = 1 − tanh²(x), computed as (1 − tanh x)(1 + tanh x): as fast as autodiff;
    it is 0 from |x| ≈ 8.0 in float32, where XLA's float32 tanh is exactly 1 (from |x| = 7.9988;
    the true derivative there is 4.5e−7), as jax.nn's is.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.tanh(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-0.964 , -0.4621,  0.    ,  0.4621,  0.964 ], dtype=float32)
    """
    return _stable.tanh(x)


def _d_hard_sigmoid(x: jax.Array) -> jax.Array:
    return jnp.where((x > -3) & (x < 3), 1 / 6, 0).astype(x.dtype)


@register(
    path="autodiff",
    why=LEAN_PIECEWISE,
    derivative=_d_hard_sigmoid,
    range=(0.0, 1.0),
    formula="relu6(x+3)/6",
    monotone=True,
    jax_nn="hard_sigmoid",
    torch="hardsigmoid",
    kinks=(-3.0, 3.0),
    mp=lambda m, x: min(max(x + 3, 0), 6) / 6,
    citation=(
        "Courbariaux, Bengio & David, 'BinaryConnect', NeurIPS 2015 (the x/6 + 1/2 form: Howard et al., "
        "MobileNetV3, ICCV 2019)"
    ),
)
def hard_sigmoid(x: ArrayLike) -> jax.Array:
    """Hard sigmoid: f(x) = relu6(x + 3)/6. Range [0, 1].

    f'(x) = 1/6 on (−3, 3), else 0 (0 at both kinks, as jax.nn).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.hard_sigmoid(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([0.1667, 0.4167, 0.5   , 0.5833, 0.8333], dtype=float32)
    """
    return _relu6(x + 3) / 6


def _d_hard_tanh(x: jax.Array) -> jax.Array:
    # Written as "not outside" so that f'(NaN) = 1, as autodiff of jax.nn's hard_tanh.
    return jnp.where((x < -1) | (x > 1), 0, 1).astype(x.dtype)


@register(
    path="autodiff",
    why=LEAN_PIECEWISE,
    derivative=_d_hard_tanh,
    range=(-1.0, 1.0),
    formula="clip(x, -1, 1)",
    monotone=True,
    zero_centred=True,
    odd=True,
    jax_nn="hard_tanh",
    torch="hardtanh",
    kinks=(-1.0, 1.0),
    mp=lambda m, x: min(max(x, -1), 1),
    citation="Collobert, 'Large Scale Machine Learning', PhD thesis, 2004",
)
def hard_tanh(x: ArrayLike) -> jax.Array:
    """Hard tanh: f(x) = clip(x, −1, 1). Range [−1, 1].

    f'(x) = 1 on [−1, 1], else 0 (1 at both kinks, as jax.nn).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.hard_tanh(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-1. , -0.5,  0. ,  0.5,  1. ], dtype=float32)
    """
    return jnp.where(x > 1, jnp.ones_like(x), jnp.where(x < -1, -jnp.ones_like(x), x))


def _d_soft_sign(x: jax.Array) -> jax.Array:
    # Square of the reciprocal, not reciprocal of the square: (1+|x|)² overflows
    # float16 for |x| > 255 while the derivative is still representable.
    return jnp.square(1 / (1 + jnp.abs(x)))


@register(
    path="closed_form",
    why=(
        "fwd+bwd 0.97–1.26x autodiff's speed (float32, 2^10–2^26), and 1/(1+|x|)² does not cancel where "
        "autodiff's 1/(1+|x|) − |x|/(1+|x|)² does (f′ 3.2 vs 2.0e3 ulp, float32)"
    ),
    derivative=_d_soft_sign,
    range=(-1.0, 1.0),
    formula="x/(1+|x|)",
    monotone=True,
    smooth=True,
    zero_centred=True,
    odd=True,
    jax_nn="soft_sign",
    torch="softsign",
    kinks=(0.0,),  # f″ jumps from 2 to −2
    mp=lambda m, x: x / (1 + abs(x)),
    citation="Bergstra, Desjardins, Lamblin & Bengio, 'Quadratic polynomials learn better image features', 2009",
)
def soft_sign(x: ArrayLike) -> jax.Array:
    """Softsign: f(x) = x/(1 + |x|). Range (−1, 1). f'(x) = 1/(1 + |x|)².

    ±inf maps to ±1 (jax.nn gives NaN there: inf/inf).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.soft_sign(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-0.6667, -0.3333,  0.    ,  0.3333,  0.6667], dtype=float32)
    """
    # ±inf clipped to ±max gives max/(max + 1) = ±1 exactly, and a zero derivative there
    # (inf/inf would be NaN): two ops, where an isinf guard costs four.
    xc = _stable.finite(x)
    return xc / (jnp.abs(xc) + 1)


def _d_sparse_sigmoid(x: jax.Array) -> jax.Array:
    a = jnp.abs(x)
    return jnp.where(a < 1, 0.5, jnp.where(a == 1, 0.25, 0.0)).astype(x.dtype)


@register(
    path="autodiff",
    why=LEAN_PIECEWISE,
    derivative=_d_sparse_sigmoid,
    range=(0.0, 1.0),
    formula="clip((x+1)/2, 0, 1)",
    monotone=True,
    jax_nn="sparse_sigmoid",
    kinks=(-1.0, 1.0),
    mp=lambda m, x: min(max((x + 1) / 2, 0), 1),
    citation=(
        "Blondel, Martins & Niculae, 'Learning with Fenchel-Young Losses', JMLR 2020 (as in jax.nn.sparse_sigmoid)"
    ),
)
def sparse_sigmoid(x: ArrayLike) -> jax.Array:
    """Sparse sigmoid: f(x) = clip((x + 1)/2, 0, 1), the derivative of sparse_plus. Range [0, 1].

    f'(x) = 1/2 on (−1, 1), 0 outside, 1/4 at ±1 (the mean of the one-sided
    derivatives, which is what jax.nn's clip gives).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.sparse_sigmoid(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    """
    return 0.5 * _stable.clip(x + 1, 0, 2)


def _d_arctan(x: jax.Array) -> jax.Array:
    # 1/(1 + x²) below the square's overflow, 1/x² beyond; each branch sees only
    # its own range, so no derivative of this meets inf·0.
    t = _stable.square_threshold(x.dtype)
    xc = _stable.clip(x, -t, t)
    inv = 1 / jnp.maximum(jnp.abs(x), t)
    return jnp.where(jnp.abs(x) > t, inv * inv, 1 / (1 + xc * xc))


@register(
    path="closed_form",
    why="same fwd+bwd speed and formula 1/(1+x²) as autodiff",
    derivative=_d_arctan,
    range=(-math.pi / 2, math.pi / 2),
    formula="arctan(x)",
    monotone=True,
    smooth=True,
    zero_centred=True,
    odd=True,
    mp=lambda m, x: m.atan(x),
    citation=(
        "Kamruzzaman et al., 'Arctangent activation function to accelerate backpropagation learning', IEICE Trans. 2002"
    ),
)
def arctan(x: ArrayLike) -> jax.Array:
    """Arctangent: f(x) = arctan(x). Range (−π/2, π/2). f'(x) = 1/(1 + x²).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.arctan(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-1.1071, -0.4636,  0.    ,  0.4636,  1.1071], dtype=float32)
    """
    return jnp.arctan(x)


def _d_isru(x: jax.Array, alpha: Any = 1.0) -> jax.Array:
    return _stable.isru_prime(x, alpha)


@register(
    path="closed_form",
    why="fwd+bwd ~2.9x faster than autodiff through the overflow-safe branches",
    derivative=_d_isru,
    range=lambda alpha: (-1 / math.sqrt(alpha), 1 / math.sqrt(alpha)),
    formula="x/sqrt(1+a*x^2)",
    monotone=True,
    smooth=True,
    zero_centred=True,
    odd=True,
    constraints={"alpha": ("positive",)},
    examples=({"alpha": 3.0},),
    mp=lambda m, x, alpha: x / m.sqrt(1 + alpha * x**2),
    citation=(
        "Carlile, Delamarter, Kinney, Marti & Whitney, 'Improving Deep Learning by Inverse Square Root Linear"
        " Units (ISRLUs)', arXiv:1710.09967, 2017"
    ),
)
def isru(x: ArrayLike, alpha: Any = 1.0) -> jax.Array:
    """Inverse square root unit: f(x) = x/√(1 + αx²). Range (−1/√α, 1/√α), α > 0.

    f'(x) = (1 + αx²)^(−3/2).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.isru(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), alpha=3.0)
      Array([-0.5547, -0.378 ,  0.    ,  0.378 ,  0.5547], dtype=float32)
    """
    return _stable.isru(x, alpha)


def _d_penalized_tanh(x: jax.Array, a: Any = 0.25) -> jax.Array:
    return jnp.where(x > 0, jnp.ones_like(x), a * jnp.ones_like(x)) * _stable.tanh_prime(x)


@register(
    path="closed_form",
    why=(
        "for its residual bytes alone (0.62x autodiff's): the same work as autodiff (one tanh, one loop), yet "
        "fwd+bwd timed at 1.00–1.22x autodiff's in repeated runs"
    ),
    derivative=_d_penalized_tanh,
    range=lambda a: (-float(a), 1.0),
    formula="tanh(x) if x > 0 else a*tanh(x)",
    monotone=True,
    kinks=(0.0,),
    constraints={"a": ("nonnegative",)},
    examples=({"a": 0.5},),
    mp=lambda m, x, a: m.tanh(x) if x > 0 else a * m.tanh(x),
    f32_ulps=(32, 1.7e7),
    accuracy_note=(
        "as tanh's: float32 f′ keeps (1 − t)(1 + t), which is 0 from |x| ≈ 8.0 (XLA's float32 tanh is exactly 1 "
        "from |x| = 7.9988) where the truth is still 4.5e−7 (float64 takes sech² = 4e/(1 + e)²)"
    ),
    citation=(
        "Xu, Huang & Li, 'Revise Saturated Activation Functions', arXiv:1602.05980, 2016; found the most stable "
        "across NLP tasks by Eger, Youssef & Gurevych, 'Is it Time to Swish?', EMNLP 2018"
    ),
)
def penalized_tanh(x: ArrayLike, a: Any = 0.25) -> jax.Array:
    """Penalized tanh: f(x) = tanh(x) for x > 0, a·tanh(x) for x ≤ 0 (a = 0.25). Range (−a, 1).

    f'(x) = 1 − tanh²(x) for x > 0, a(1 − tanh²(x)) for x ≤ 0.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.penalized_tanh(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-0.241 , -0.1155,  0.    ,  0.4621,  0.964 ], dtype=float32)
    """
    t = _stable.tanh(x)
    return jnp.where(x > 0, t, a * t)
