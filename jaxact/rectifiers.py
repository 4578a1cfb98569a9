"""Rectifiers and their piecewise relatives: identity, step, ReLU family, ELU family.

Kink convention (same in both gradient paths, as in jax.nn): the derivative at a
kink is the value of the branch the comparison selects, e.g. relu'(0) = 0,
leaky_relu'(0) = 1, relu6'(0) = relu6'(6) = 0, elu'(0) = alpha.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from jaxact import _stable, _validate
from jaxact.registry import LEAN_PIECEWISE, inf, register

# Piecewise-linear functions are where() chains rather than jnp.maximum, which
# splits a tie's gradient as 0.5 (relu'(0) is 0, as jax.nn). The linear region
# is the outermost condition, so the backward pass keeps one boolean mask. A NaN
# fails every comparison and falls through to lax.stop_gradient(x): the value
# stays NaN with derivative 0, as jax.nn's relu.


def _d_identity(x: jax.Array) -> jax.Array:
    return jnp.ones_like(x)


@register(
    path="autodiff",
    why="autodiff passes the cotangent through untouched; the closed form multiplies it by ones",
    derivative=_d_identity,
    range=(-inf, inf),
    formula="x",
    monotone=True,
    smooth=True,
    zero_centred=True,
    odd=True,
    jax_nn="identity",
    mp=lambda m, x: x,
    citation="Widrow & Hoff, 'Adaptive switching circuits' (the linear unit, ADALINE), 1960",
)
def identity(x: ArrayLike) -> jax.Array:
    """Identity: f(x) = x. Range (−∞, ∞). f'(x) = 1.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.identity(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-2. , -0.5,  0. ,  0.5,  2. ], dtype=float32)
    """
    return x


def _d_binary_step(x: jax.Array) -> jax.Array:
    return jnp.zeros_like(x)


@register(
    path="autodiff",
    why="the derivative is 0: autodiff knows it symbolically (no backward work, ~1.5x the closed form's speed)",
    derivative=_d_binary_step,
    range=(0.0, 1.0),
    formula="1 if x >= 0 else 0",
    monotone=True,
    kinks=(0.0,),
    aliases=("heaviside",),
    mp=lambda m, x: m.mpf(1) if x >= 0 else m.mpf(0),
    citation="McCulloch & Pitts, 'A logical calculus of the ideas immanent in nervous activity', 1943",
)
def binary_step(x: ArrayLike) -> jax.Array:
    """Binary step (Heaviside): 0 for x < 0, 1 for x ≥ 0. Range {0, 1}.

    f'(x) = 0 almost everywhere (the jump at 0 is given derivative 0, so
    gradients through it vanish, as for any step).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.binary_step(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([0., 0., 1., 1., 1.], dtype=float32)
    """
    return jnp.where(x < 0, jnp.zeros_like(x), jnp.where(x >= 0, jnp.ones_like(x), lax.stop_gradient(x)))


def _d_relu(x: jax.Array) -> jax.Array:
    return jnp.where(x > 0, 1, 0).astype(x.dtype)


@register(
    path="autodiff",
    why=LEAN_PIECEWISE,
    derivative=_d_relu,
    range=(0.0, inf),
    formula="max(0, x)",
    monotone=True,
    jax_nn="relu",
    torch="relu",
    kinks=(0.0,),
    mp=lambda m, x: max(x, 0),
    citation=(
        "Nair & Hinton, 'Rectified Linear Units Improve Restricted Boltzmann Machines', ICML 2010 (Fukushima 1969)"
    ),
)
def relu(x: ArrayLike) -> jax.Array:
    """Rectified linear unit: f(x) = max(0, x). Range [0, ∞).

    f'(x) = 1 for x > 0, 0 for x ≤ 0 (relu'(0) = 0, as jax.nn).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.relu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([0. , 0. , 0. , 0.5, 2. ], dtype=float32)
    """
    return jnp.where(x > 0, x, jnp.where(x <= 0, jnp.zeros_like(x), lax.stop_gradient(x)))


def _d_relu6(x: jax.Array) -> jax.Array:
    return jnp.where((x > 0) & (x < 6), 1, 0).astype(x.dtype)


def _relu6(x: jax.Array) -> jax.Array:
    # lax.clamp: one op (jax.nn's min(max(x, 0), 6) is two), NaN stays NaN, and its
    # derivative is 1 strictly inside (0, 6), else 0: jax.nn's convention at both
    # kinks and at NaN, with no tie halving as jnp.minimum/maximum would give.
    return _stable.clamp(0, x, 6)  # Python bounds: a weakly typed x stays weak, as in jax.nn


@register(
    path="autodiff",
    why=LEAN_PIECEWISE,
    derivative=_d_relu6,
    range=(0.0, 6.0),
    formula="min(max(0, x), 6)",
    monotone=True,
    jax_nn="relu6",
    torch="relu6",
    kinks=(0.0, 6.0),
    mp=lambda m, x: min(max(x, 0), 6),
    citation="Krizhevsky, 'Convolutional Deep Belief Networks on CIFAR-10', 2010",
)
def relu6(x: ArrayLike) -> jax.Array:
    """ReLU capped at 6: f(x) = min(max(0, x), 6). Range [0, 6].

    f'(x) = 1 on (0, 6), else 0 (0 at both kinks, as jax.nn).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.relu6(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([0. , 0. , 0. , 0.5, 2. ], dtype=float32)
    """
    return _relu6(x)


def _d_leaky_relu(x: jax.Array, negative_slope: Any = 0.01) -> jax.Array:
    return jnp.where(x >= 0, jnp.ones_like(x), negative_slope * jnp.ones_like(x))


@register(
    path="autodiff",
    why=LEAN_PIECEWISE,
    derivative=_d_leaky_relu,
    range=(-inf, inf),
    formula="x if x >= 0 else a*x",
    monotone=True,
    jax_nn="leaky_relu",
    torch="leaky_relu",
    kinks=(0.0,),
    examples=({"negative_slope": 0.2},),
    mp=lambda m, x, negative_slope: x if x >= 0 else negative_slope * x,
    citation="Maas, Hannun & Ng, 'Rectifier Nonlinearities Improve Neural Network Acoustic Models', ICML workshop 2013",
)
def leaky_relu(x: ArrayLike, negative_slope: Any = 0.01) -> jax.Array:
    """Leaky ReLU: f(x) = x for x ≥ 0, a·x for x < 0 (a = negative_slope = 0.01). Range ℝ.

    f'(x) = 1 for x ≥ 0, a for x < 0.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.leaky_relu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), negative_slope=0.2)
      Array([-0.4, -0.1,  0. ,  0.5,  2. ], dtype=float32)
    """
    return jnp.where(x >= 0, x, negative_slope * x)


def _rrelu_slope(x: jax.Array, lower: Any, upper: Any, key: Any) -> Any:
    """The negative-side slope: U(lower, upper) per element from ``key`` (training), else the mean
    (lower + upper)/2 (evaluation), as torch's rrelu."""
    if key is None:
        return (lower + upper) / 2
    u = jax.random.uniform(key, x.shape, _stable.wider(x.dtype, jnp.float32))
    return (lower + (upper - lower) * u).astype(x.dtype)


def _check_rrelu(x: jax.Array, lower: Any = 0.125, upper: Any = 1 / 3, key: Any = None) -> None:
    # The registry checks the shapes of an elementwise entry's parameters where it has no hook of its own.
    _validate.check_broadcasts("rrelu", "lower", lower, x)
    _validate.check_broadcasts("rrelu", "upper", upper, x)
    if key is not None:
        dtype = getattr(key, "dtype", None)
        typed = dtype is not None and jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key)
        raw = dtype == jnp.uint32 and np.shape(key) == (2,)
        if not (typed and np.shape(key) == ()) and not raw:
            raise TypeError(
                "jaxact.rrelu: 'key' must be one PRNG key (jax.random.key(seed) or jax.random.PRNGKey(seed)), "
                f"got {type(key).__name__} of shape {np.shape(key)} and dtype {dtype}."
            )


def _d_rrelu(x: jax.Array, lower: Any = 0.125, upper: Any = 1 / 3, key: Any = None) -> jax.Array:
    return jnp.where(x >= 0, jnp.ones_like(x), _rrelu_slope(x, lower, upper, key) * jnp.ones_like(x))


@register(
    path="autodiff",
    why=LEAN_PIECEWISE,
    derivative=_d_rrelu,
    range=(-inf, inf),
    formula="x if x >= 0 else a*x, a ~ U(lower, upper) with a key, else (lower+upper)/2",
    monotone=True,
    torch="rrelu",
    torch_args=lambda lower, upper, key: {"lower": lower, "upper": upper, "training": key is not None},
    kinks=(0.0,),
    validate=_check_rrelu,
    ordered=(("lower", "upper"),),
    examples=({"lower": 0.1, "upper": 0.4},),
    mp=lambda m, x, lower, upper, key: x if x >= 0 else (lower + upper) / 2 * x,
    citation="Xu, Wang, Chen & Li, 'Empirical Evaluation of Rectified Activations in Convolutional Network', 2015",
)
def rrelu(x: ArrayLike, lower: Any = 0.125, upper: Any = 1 / 3, key: Any = None) -> jax.Array:
    """Randomized leaky ReLU: f(x) = x for x ≥ 0, a·x for x < 0. With a PRNG ``key`` (training)
    a ~ U(lower, upper) independently per element; without one (evaluation) a = (lower + upper)/2.
    Range ℝ.

    f'(x) = 1 for x ≥ 0, a for x < 0 (the same a: one key, one draw). Defaults as torch's rrelu
    (1/8, 1/3; the paper draws 1/a with a ~ U(3, 8)).

    Example:
      >>> import jax, jax.numpy as jnp, jaxact
      >>> jaxact.rrelu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-0.4583, -0.1146,  0.    ,  0.5   ,  2.    ], dtype=float32)
      >>> y = jaxact.rrelu(-jnp.ones(4), key=jax.random.key(0))
      >>> bool(((-y >= 0.125) & (-y <= 1 / 3)).all())
      True
    """
    return jnp.where(x >= 0, x, _rrelu_slope(x, lower, upper, key) * x)


def _slope_along(slope: Any, x: jax.Array, axis: int) -> jax.Array:
    a = jnp.asarray(slope)  # promotes with x as jax.nn's parameters do (a Python float: weak)
    if a.ndim == 1 and x.ndim > 0:
        shape = [1] * x.ndim
        shape[axis] = a.shape[0]
        a = a.reshape(shape)
    return a


def _check_prelu(x: jax.Array, negative_slope: Any = 0.25, axis: int = -1) -> None:
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"jaxact.prelu: 'axis' must be an int, got {axis!r}.")
    shape = tuple(np.shape(negative_slope))
    # An axis beyond x's is a mistake whatever the slope (a scalar one, read along no axis, hid it).
    if x.ndim and not -x.ndim <= axis < x.ndim:
        raise ValueError(f"jaxact.prelu: axis {axis} is out of range for an input of {x.ndim} dimension(s).")
    if len(shape) == 0:
        return
    if x.ndim == 0:
        if int(np.prod(shape)) != 1:
            raise ValueError(f"jaxact.prelu: 'negative_slope' of shape {shape} does not fit a scalar input.")
        return
    if len(shape) == 1:
        if shape[0] not in (1, x.shape[axis]):
            raise ValueError(
                f"jaxact.prelu: 'negative_slope' has {shape[0]} entries but the feature axis "
                f"{axis} of x (shape {x.shape}) has {x.shape[axis]}; give one slope per "
                "feature, a single slope, or pass axis= to pick the feature axis."
            )
        return
    try:
        if np.broadcast_shapes(shape, x.shape) == x.shape:
            return
    except ValueError:
        pass
    raise ValueError(
        f"jaxact.prelu: 'negative_slope' of shape {shape} does not broadcast to x of "
        f"shape {x.shape}; use a scalar, a 1-D array along the feature axis, or a "
        "broadcastable array."
    )


def _d_prelu(x: jax.Array, negative_slope: Any = 0.25, axis: int = -1) -> jax.Array:
    a = _slope_along(negative_slope, x, axis)
    return jnp.where(x >= 0, jnp.ones_like(x), a * jnp.ones_like(x))


@register(
    path="autodiff",
    why=LEAN_PIECEWISE,
    derivative=_d_prelu,
    range=(-inf, inf),
    formula="x if x >= 0 else a[c]*x",
    monotone=True,
    torch="prelu",
    torch_args=lambda negative_slope: {
        "weight": lambda torch, x: torch.as_tensor([negative_slope], dtype=x.dtype, device=x.device)
    },
    kinks=(0.0,),
    static=("axis",),
    feature_axis="axis",
    validate=_check_prelu,
    examples=({"negative_slope": 0.1},),
    mp=lambda m, x, negative_slope, axis: x if x >= 0 else negative_slope * x,
    citation="He, Zhang, Ren & Sun, 'Delving Deep into Rectifiers', ICCV 2015",
)
def prelu(x: ArrayLike, negative_slope: Any = 0.25, axis: int = -1) -> jax.Array:
    """Parametric ReLU: f(x) = x for x ≥ 0, a_c·x for x < 0. Range ℝ (monotone for a ≥ 0).

    ``negative_slope`` is a scalar or a learnable 1-D array with one slope per
    feature along ``axis`` (or any array broadcastable to x).
    f'(x) = 1 for x ≥ 0, a_c for x < 0; ∂f/∂a_c = min(x, 0).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.prelu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), negative_slope=0.1)
      Array([-0.2 , -0.05,  0.  ,  0.5 ,  2.  ], dtype=float32)
    """
    return jnp.where(x >= 0, x, _slope_along(negative_slope, x, axis) * x)


def _d_threshold(x: jax.Array, threshold: Any = 0.0, value: Any = 0.0) -> jax.Array:
    return jnp.where(x > threshold, 1, 0).astype(x.dtype)


@register(
    path="autodiff",
    why=LEAN_PIECEWISE,
    derivative=_d_threshold,
    range=lambda threshold, value: (min(float(threshold), float(value)), inf),  # (t, ∞) and the value
    formula="x if x > t else v",
    torch="threshold",
    kinks=lambda threshold: (threshold,),
    jump_params=("threshold",),
    examples=({"threshold": 1.0, "value": 2.0},),
    mp=lambda m, x, threshold, value: x if x > threshold else m.mpf(value),
    citation="torch.nn.functional.threshold, PyTorch (Paszke et al., NeurIPS 2019)",
)
def threshold(x: ArrayLike, threshold: Any = 0.0, value: Any = 0.0) -> jax.Array:
    """Threshold (torch.nn.functional.threshold): f(x) = x if x > threshold else value.

    Range (threshold, ∞) and value. f'(x) = 1 for x > threshold, else 0. With the defaults it is relu.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.threshold(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), threshold=1.0, value=-2.0)
      Array([-2., -2., -2., -2.,  2.], dtype=float32)
    """
    # value promotes with x as jax.nn's parameters do (a Python float takes x's dtype; a float32 array
    # with a bfloat16 x gives float32); NaN x takes neither comparison and stays NaN.
    return jnp.where(x > threshold, x, jnp.where(x <= threshold, value, lax.stop_gradient(x)))


def _elu_neg(x: jax.Array, alpha: Any) -> jax.Array:
    # Double where: expm1 only ever sees x <= 0, so no overflow leaks a NaN
    # into the gradient of the branch that where() discards.
    return alpha * jnp.expm1(jnp.where(x > 0, jnp.zeros_like(x), x))


def _d_elu(x: jax.Array, alpha: Any = 1.0) -> jax.Array:
    return jnp.where(x > 0, jnp.ones_like(x), alpha * jnp.exp(jnp.where(x > 0, jnp.zeros_like(x), x)))


@register(
    path="closed_form",
    why="fwd+bwd ~1.8x faster than autodiff through the double-where expm1",
    derivative=_d_elu,
    range=lambda alpha: (-float(alpha), inf),
    formula="x if x > 0 else a*(exp(x)-1)",
    monotone=True,
    jax_nn="elu",
    torch="elu",
    kinks=(0.0,),
    constraints={"alpha": ("nonnegative",)},
    examples=({"alpha": 0.5},),
    mp=lambda m, x, alpha: x if x > 0 else alpha * m.expm1(x),
    citation=(
        "Clevert, Unterthiner & Hochreiter, 'Fast and Accurate Deep Network Learning by Exponential Linear "
        "Units (ELUs)', ICLR 2016"
    ),
)
def elu(x: ArrayLike, alpha: Any = 1.0) -> jax.Array:
    """Exponential linear unit: f(x) = x for x > 0, α(eˣ − 1) for x ≤ 0. Range (−α, ∞).

    f'(x) = 1 for x > 0, α·eˣ for x ≤ 0 (elu'(0) = α, as jax.nn).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.elu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), alpha=0.5)
      Array([-0.4323, -0.1967,  0.    ,  0.5   ,  2.    ], dtype=float32)
    """
    return jnp.where(x > 0, x, _elu_neg(x, alpha))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _d_selu(x: jax.Array) -> jax.Array:
    return _SELU_SCALE * _d_elu(x, _SELU_ALPHA)


@register(
    path="closed_form",
    why="fwd+bwd ~1.6x faster than autodiff through the double-where expm1",
    derivative=_d_selu,
    range=(-_SELU_SCALE * _SELU_ALPHA, inf),
    formula="λ·elu(x, α), λ≈1.0507, α≈1.6733",
    monotone=True,
    zero_centred=True,
    jax_nn="selu",
    torch="selu",
    kinks=(0.0,),
    mp=lambda m, x: (
        m.mpf("1.0507009873554804934193349852946")
        * (x if x > 0 else m.mpf("1.6732632423543772848170429916717") * m.expm1(x))
    ),
    citation="Klambauer, Unterthiner, Mayr & Hochreiter, 'Self-Normalizing Neural Networks', NeurIPS 2017",
)
def selu(x: ArrayLike) -> jax.Array:
    """Scaled ELU: f(x) = λ·x for x > 0, λα(eˣ − 1) for x ≤ 0 (λ ≈ 1.0507, α ≈ 1.6733).

    Range (−λα, ∞). f'(x) = λ for x > 0, λα·eˣ for x ≤ 0.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.selu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([-1.5202, -0.6918,  0.    ,  0.5254,  2.1014], dtype=float32)
    """
    return _SELU_SCALE * jnp.where(x > 0, x, _elu_neg(x, _SELU_ALPHA))


def _d_celu(x: jax.Array, alpha: Any = 1.0) -> jax.Array:
    # e^(x/α) through _stable.exp_quotient: ∂α of it is 0, not NaN, at x = −inf.
    return jnp.where(x > 0, jnp.ones_like(x), _stable.exp_quotient(jnp.where(x > 0, jnp.zeros_like(x), x), alpha))


_EXP_ZERO = -1e4  # e^u = 0 below this in every float dtype, and u·e^u = −0


def _exp_argument(x: jax.Array, scale: Any) -> jax.Array:
    """u = min(x, 0)/scale for a parameter's derivative, the constant _EXP_ZERO where e^u is 0
    (x = −inf included). Reverse mode over ∂f/∂scale (its ∂²) then never forms 0·(−x/scale²) of an
    unused or saturated branch, which is NaN at x = −inf (and where −x/scale² overflows)."""
    # A select, not jnp.minimum: minimum's derivative is ½ at the tie x = 0, which halved pelu's
    # ∂x(∂f/∂a) there (jax.hessian asymmetric); x ≤ 0 takes derivative 1, NaN x stays NaN.
    m = jnp.where(x > 0, jnp.zeros_like(x), x)
    # A traced scale can be negative (the positivity check sees concrete values only): then
    # nothing is taken as gone, and u = m/scale as autodiff has it. m/scale, not _EXP_ZERO·scale:
    # that product overflows in float16 for scale > 6.55 (then nothing was gone, and −inf·0 was NaN).
    gone = (scale > 0) & (m / scale < _EXP_ZERO)
    return jnp.where(gone, _EXP_ZERO, jnp.where(gone, jnp.zeros_like(m), m) / scale)


# |u| below which expm1(u) − u·eᵘ is taken from its series: above it the two terms cancel by at most
# (|expm1 u| + |u·eᵘ|)/|difference| = 3.8 (7.7 at ½, where the direct form reached 6 ulp).
_SERIES_BELOW = 1.0


def _expm1_minus_u_exp(u: jax.Array) -> jax.Array:
    """expm1(u) − u·eᵘ = −Σ_{n≥2} (n − 1)uⁿ/n!, the series for |u| < 1: the two terms are both ≈ u
    and their difference ≈ −u²/2, so the direct form loses eps/|u| relatively (float32 u = −3e−8:
    2.5e7 ulp; median over |u| in [1e−9, 10]: 3e3). The number of terms is the dtype's (static)."""
    eps = float(jnp.finfo(u.dtype).eps)
    coef, n, fact = [], 2, 2.0
    # Term n against the first at the switch |u| = s: 2(n − 1)/n!·s^(n−2); stop below eps/8.
    while not coef or 2 * coef[-1] * _SERIES_BELOW ** (n - 3) > eps / 8:
        coef.append((n - 1) / fact)
        n += 1
        fact *= n
    small = jnp.abs(u) < _SERIES_BELOW
    us = jnp.where(small, u, jnp.zeros_like(u))  # the series' branch sees |u| < 1 only
    series = _stable.horner(coef, us)
    ud = jnp.where(small, -jnp.ones_like(u), u)  # and the direct one |u| ≥ 1 (finite for u ≤ 0)
    # eᵘ − 1, not expm1(u): the same value for u ≤ −1 (no cancellation there), and its derivative is eᵘ
    # itself, where jax differentiates expm1 as expm1(u) + 1, which cancels for u ≪ 0 (∂²f/∂α² and
    # ∂x(∂f/∂α) of celu 5 % off at u = −20 in float32, 2 % at −50 in float64).
    e = jnp.exp(ud)
    return jnp.where(small, -(us * us) * series, (e - 1) - ud * e)


def _d_celu_dalpha(x: jax.Array, alpha: Any = 1.0) -> jax.Array:
    # ∂/∂α of α·expm1(u), u = min(x, 0)/α: expm1(u) − u·eᵘ without autodiff's cancellation at small |u|,
    # and −1 (not NaN) at x = −inf.
    return _expm1_minus_u_exp(_exp_argument(x, alpha))


@register(
    path="closed_form",
    why="fwd+bwd 1.2–1.9x faster than autodiff of max(x, 0) + α·expm1(min(x, 0)/α)",
    derivative=_d_celu,
    param_derivatives={"alpha": _d_celu_dalpha},
    range=lambda alpha: (-float(alpha), inf),
    formula="x if x > 0 else a*(exp(x/a)-1)",
    monotone=True,
    smooth=True,
    jax_nn="celu",
    torch="celu",
    kinks=(0.0,),
    constraints={"alpha": ("positive",)},
    examples=({"alpha": 2.0},),
    mp=lambda m, x, alpha: x if x > 0 else alpha * m.expm1(x / alpha),
    citation="Barron, 'Continuously Differentiable Exponential Linear Units', arXiv:1704.07483, 2017",
)
def celu(x: ArrayLike, alpha: Any = 1.0) -> jax.Array:
    """Continuously differentiable ELU: f(x) = x for x > 0, α(e^(x/α) − 1) for x ≤ 0.

    Range (−α, ∞), α > 0. f'(x) = 1 for x > 0, e^(x/α) for x ≤ 0.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.celu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), alpha=2.0)
      Array([-1.2642, -0.4424,  0.    ,  0.5   ,  2.    ], dtype=float32)
    """
    # jax.nn's form: no select at the root (XLA's in-place CPU loop over a donated x ending in one
    # ran 1.3x), expm1 sees x ≤ 0 only, and autodiff gives f′(0) = ½ + ½ = 1 at the max/min ties.
    return jnp.maximum(x, 0) + alpha * jnp.expm1(_stable.minimum(x, 0) / alpha)


def _d_squared_relu(x: jax.Array) -> jax.Array:
    return 2 * jnp.maximum(x, 0)


@register(
    path="closed_form",
    why="fwd+bwd as autodiff's (0.92–1.03x its time) with 0.67x its residual bytes: f′ = 2·relu(x)",
    derivative=_d_squared_relu,
    range=(0.0, inf),
    formula="relu(x)^2",
    monotone=True,
    smooth=True,
    kinks=(0.0,),  # f″ jumps from 0 to 2
    mp=lambda m, x: max(x, 0) ** 2,
    citation=(
        "So, Mańke, Liu, Dai, Shazeer & Le, 'Primer: Searching for Efficient Transformers for Language "
        "Modeling', NeurIPS 2021"
    ),
)
def squared_relu(x: ArrayLike) -> jax.Array:
    """Squared ReLU (Primer): f(x) = max(0, x)². Range [0, ∞).

    f'(x) = 2·max(0, x); f is C¹, f″ jumps from 0 to 2 at 0.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.squared_relu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
      Array([0.  , 0.  , 0.  , 0.25, 4.  ], dtype=float32)
    """
    return jnp.square(jnp.maximum(x, 0))


_STAR_SCALE = 1 / math.sqrt(1.25)  # 1/std of relu(z)² for z ~ N(0, 1): 0.8944
_STAR_BIAS = -0.5 / math.sqrt(1.25)  # −E relu(z)²·scale: −0.4472


def _d_star_relu(x: jax.Array, scale: Any = _STAR_SCALE, bias: Any = _STAR_BIAS) -> jax.Array:
    return 2 * scale * jnp.maximum(x, 0)


@register(
    path="closed_form",
    why="fwd+bwd as autodiff's (0.96–1.02x its time) with 0.67x its residual bytes: f′ = 2s·relu(x)",
    derivative=_d_star_relu,
    range=lambda scale, bias: (float(bias), inf) if scale >= 0 else (-inf, float(bias)),
    formula="s*relu(x)^2 + b",
    monotone=True,
    smooth=True,
    zero_centred=True,
    kinks=(0.0,),
    examples=({"scale": 1.0, "bias": 0.0},),
    mp=lambda m, x, scale, bias: scale * max(x, 0) ** 2 + bias,
    # f crosses 0 at x = √(−b/s), where s·x² + b keeps the terms' rounding: unbounded in ulps of f.
    thresholded=True,
    citation=(
        "Yu, Si, Zhou, Yan, Wang & Feng, 'MetaFormer Baselines for Vision', IEEE TPAMI 2023 (arXiv:2210.13452, 2022)"
    ),
)
def star_relu(x: ArrayLike, scale: Any = _STAR_SCALE, bias: Any = _STAR_BIAS) -> jax.Array:
    """StarReLU: f(x) = s·max(0, x)² + b. Range [b, ∞) for s ≥ 0.

    The defaults s = 1/√1.25 ≈ 0.8944, b = −0.5/√1.25 ≈ −0.4472 are the paper's: they give
    f(z) zero mean and unit variance for z ~ N(0, 1) (the official code starts learnable s, b
    at 1 and 0). f'(x) = 2s·max(0, x); ∂f/∂s = max(0, x)², ∂f/∂b = 1.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.star_relu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), scale=1.0, bias=0.0)
      Array([0.  , 0.  , 0.  , 0.25, 4.  ], dtype=float32)
    """
    return scale * jnp.square(jnp.maximum(x, 0)) + bias


def _smelu_inner(x: jax.Array, beta: Any) -> jax.Array:
    # The quadratic piece on [−β, β], clipped so that neither outer branch sees a large square.
    u = _stable.clip(x, -beta, beta)
    return jnp.square(u + beta) / (4 * beta)


def _d_smelu(x: jax.Array, beta: Any = 1.0) -> jax.Array:
    u = _stable.clip(x, -beta, beta)
    return jnp.where(x >= beta, 1, (u + beta) / (2 * beta))


@register(
    path="closed_form",
    why="fwd+bwd 0.74–0.98x autodiff's time, 0.47x its residual bytes: f′ is a clip and a select",
    derivative=_d_smelu,
    range=(0.0, inf),
    formula="0 | (x+b)^2/(4b) | x",
    monotone=True,
    smooth=True,
    kinks=lambda beta: (-beta, beta),  # f″ jumps from 0 to 1/(2β) and back
    constraints={"beta": ("positive",)},
    examples=({"beta": 0.5},),
    mp=lambda m, x, beta: m.mpf(0) if x <= -beta else (x if x >= beta else (x + beta) ** 2 / (4 * beta)),
    citation=(
        "Shamir, Lin & Coviello, 'Smooth activations and reproducibility in deep networks', arXiv:2010.09931, 2020"
    ),
)
def smelu(x: ArrayLike, beta: Any = 1.0) -> jax.Array:
    """Smooth ReLU (SmeLU): f(x) = 0 for x ≤ −β, (x + β)²/(4β) for |x| < β, x for x ≥ β. Range [0, ∞).

    A ReLU with its kink replaced by a quadratic of half-width β (the paper sweeps β; the
    default 1 is jaxact's). f'(x) = 0, (x + β)/(2β), 1 on the three pieces: continuous.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.smelu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), beta=0.5)
      Array([0.   , 0.   , 0.125, 0.5  , 2.   ], dtype=float32)
    """
    return jnp.where(x >= beta, x, _smelu_inner(x, beta))


def _d_isrlu(x: jax.Array, alpha: Any = 1.0) -> jax.Array:
    # isru′ on the negative side (its input guarded there), 1 on the positive side.
    neg = _stable.isru_prime(jnp.where(x >= 0, jnp.zeros_like(x), x), alpha)
    return jnp.where(x >= 0, jnp.ones_like(x), neg)


@register(
    path="closed_form",
    why="fwd+bwd 0.35–0.64x autodiff's time, 0.19x its residual bytes: f′ = rsqrt(s)/s, s = 1 + αx²",
    derivative=_d_isrlu,
    range=lambda alpha: (-1 / math.sqrt(alpha), inf),
    formula="x if x >= 0 else x/sqrt(1+a*x^2)",
    monotone=True,
    smooth=True,
    kinks=(0.0,),  # C²: f″ is continuous (0 at 0), f‴ jumps from −3α to 0
    constraints={"alpha": ("positive",)},
    examples=({"alpha": 3.0},),
    mp=lambda m, x, alpha: x if x >= 0 else x / m.sqrt(1 + alpha * x**2),
    citation=(
        "Carlile, Delamarter, Kinney, Marti & Whitney, 'Improving Deep Learning by Inverse Square Root Linear"
        " Units (ISRLUs)', arXiv:1710.09967, 2017"
    ),
)
def isrlu(x: ArrayLike, alpha: Any = 1.0) -> jax.Array:
    """Inverse square root linear unit: f(x) = x for x ≥ 0, x/√(1 + αx²) for x < 0 (α > 0).
    Range (−1/√α, ∞); an ELU-like curve without an exp.

    f'(x) = 1 for x ≥ 0, (1 + αx²)^(−3/2) for x < 0 (continuous, and so is
    f″ = −3αx(1 + αx²)^(−5/2), 0 at 0: C² at 0; f‴ jumps there, from −3α to 0).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.isrlu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), alpha=3.0)
      Array([-0.5547, -0.378 ,  0.    ,  0.5   ,  2.    ], dtype=float32)
    """
    # isru's overflow-safe form on the negative side, its input guarded there.
    return jnp.where(x >= 0, x, _stable.isru(jnp.where(x >= 0, jnp.zeros_like(x), x), alpha))


def _d_pelu(x: jax.Array, a: Any = 1.0, b: Any = 1.0) -> jax.Array:
    # e^u with u = x/b taken as a constant where e^u is 0 (x = −inf included): ∂b(∂f/∂x) there is 0,
    # where e^u·(−x/b²) was 0·inf = NaN.
    e = jnp.exp(_exp_argument(x, b))
    lo = _stable.quotient_low(jnp.where(x > 0, jnp.zeros_like(x), x), b)  # float64: x/b's rounding, as celu's
    return jnp.where(x > 0, jnp.ones_like(x) * (a / b), (a / b) * (e if lo is None else e * (1 + lo)))


def _d_pelu_da(x: jax.Array, a: Any = 1.0, b: Any = 1.0) -> jax.Array:
    # x/b above 0, expm1(x/b) below (−1 at x = −inf; autodiff: NaN, the unused branch's 0·x).
    xp = jnp.where(x > 0, x, jnp.zeros_like(x))
    return jnp.where(x > 0, xp / b, jnp.expm1(_exp_argument(x, b)))


def _d_pelu_db(x: jax.Array, a: Any = 1.0, b: Any = 1.0) -> jax.Array:
    # −a·x/b² above 0, −(a/b)·u·eᵘ (u = x/b) below (0 at x = −inf; autodiff: NaN).
    xp = jnp.where(x > 0, x, jnp.zeros_like(x))
    u = _exp_argument(x, b)
    return jnp.where(x > 0, -a * (xp / b) / b, -(a / b) * (u * jnp.exp(u)))


@register(
    path="closed_form",
    why="fwd+bwd 0.34–0.64x autodiff's time, 0.44x its residual bytes: one exp, as elu's",
    derivative=_d_pelu,
    param_derivatives={"a": _d_pelu_da, "b": _d_pelu_db},
    range=lambda a, b: (-float(a), inf),
    formula="(a/b)x if x > 0 else a*(exp(x/b)-1)",
    monotone=True,
    smooth=True,
    kinks=(0.0,),  # C¹: f″ jumps at 0
    constraints={"a": ("positive",), "b": ("positive",)},
    examples=({"a": 1.5, "b": 0.5},),
    mp=lambda m, x, a, b: (a / b) * x if x > 0 else a * m.expm1(x / b),
    citation=(
        "Trottier, Giguère & Chaib-draa, 'Parametric Exponential Linear Unit for Deep Convolutional Neural "
        "Networks', ICMLA 2017"
    ),
)
def pelu(x: ArrayLike, a: Any = 1.0, b: Any = 1.0) -> jax.Array:
    """Parametric ELU: f(x) = (a/b)·x for x > 0, a(e^(x/b) − 1) for x ≤ 0 (a, b > 0, learned).
    Range (−a, ∞); differentiable at 0 for every a, b.

    f'(x) = a/b for x > 0, (a/b)·e^(x/b) for x ≤ 0.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.pelu(jnp.array([-2.0, -0.5, 0.0, 0.5, 2.0]), a=1.5, b=0.5)
      Array([-1.4725, -0.9482,  0.    ,  1.5   ,  6.    ], dtype=float32)
    """
    # x/b < −1: a(e^(x/b) − 1), which does not cancel there and whose autodiff derivative keeps its
    # digits (expm1′ = expm1 + 1 cancels in the tail); −1 ≤ x/b ≤ 0: a·expm1(x/b). Guarded inputs.
    u = jnp.where(x > 0, jnp.zeros_like(x), x) / b
    far = u < -1
    near = jnp.expm1(jnp.where(far, jnp.zeros_like(u), u))
    tail = jnp.exp(jnp.where(far, u, -jnp.ones_like(u))) - 1
    return jnp.where(x > 0, (a / b) * x, a * jnp.where(far, tail, near))


def _d_srelu(x: jax.Array, t_left: Any = -1.0, a_left: Any = 0.1, t_right: Any = 1.0, a_right: Any = 0.5) -> jax.Array:
    one = jnp.ones_like(x)
    return jnp.where(x >= t_right, a_right * one, jnp.where(x <= t_left, a_left * one, one))


@register(
    path="autodiff",
    why=LEAN_PIECEWISE,
    derivative=_d_srelu,
    range=(-inf, inf),
    formula="t_r + a_r(x - t_r) if x >= t_r; x if t_l < x < t_r; t_l + a_l(x - t_l) if x <= t_l",
    kinks=lambda t_left, a_left, t_right, a_right: (t_left, t_right),
    zero_centred=True,
    ordered=(("t_left", "t_right"),),
    monotone=True,
    examples=({"t_left": -0.4, "a_left": 0.2, "t_right": 2.0, "a_right": 0.25},),
    mp=lambda m, x, t_left, a_left, t_right, a_right: (
        t_right + a_right * (x - t_right) if x >= t_right else (t_left + a_left * (x - t_left) if x <= t_left else x)
    ),
    citation=(
        "Jin, Xu, Feng, Wei, Xiong & Yan, 'Deep Learning with S-shaped Rectified Linear Activation Units', AAAI 2016"
    ),
)
def srelu(x: ArrayLike, t_left: Any = -1.0, a_left: Any = 0.1, t_right: Any = 1.0, a_right: Any = 0.5) -> jax.Array:
    """S-shaped ReLU: three lines joined at t_left ≤ t_right, all four parameters learnable:
    f(x) = t_r + a_r(x − t_r) for x ≥ t_r, x between, t_l + a_l(x − t_l) for x ≤ t_l. Range ℝ
    (for positive slopes).

    f'(x) = a_r for x ≥ t_r, 1 between, a_l for x ≤ t_l. Monotone for positive slopes. (The paper
    starts from a leaky ReLU's shape, a_r = 1; there t_r does not matter and gets no gradient.)

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.srelu(jnp.array([-2.0, -0.5, 0.0, 0.5, 3.0]))
      Array([-1.1, -0.5,  0. ,  0.5,  2. ], dtype=float32)
    """
    right = t_right + a_right * (x - t_right)
    left = t_left + a_left * (x - t_left)
    return jnp.where(x >= t_right, right, jnp.where(x <= t_left, left, x))
