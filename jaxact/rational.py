"""Learnable rational activations: the Padé Activation Unit (PAU, Molina et al. 2019).

f(x) = P(x)/Q(x) with P(x) = Σ_{j=0}^{5} a_j x^j and the "safe" denominator
Q(x) = 1 + Σ_{k=1}^{4} |b_k|·|x|^k ≥ 1 (no poles), as in the reference implementation.
Its ten coefficients are ordinary scalar parameters of the entry, so everything that
learns an entry's parameters learns them (``jaxact.linen.Learnable("pade")``, scalar or
per channel), each with a closed-form gradient. :func:`pade_fit` gives the coefficients
that make the unit start as any other activation.

For |x| > 1 the unit is evaluated with P and Q divided by |x|⁴ (powers of 1/|x|), so
x⁵ never overflows: f → (a_5/|b_4|)·x in both tails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxact.registry import entry_of, get, inf, register

# The reference implementation's "pade_optimized_leakyrelu" start (ml-research/pau).
_A = (3.35583603e-02, 5.05000375e-01, 1.65343934e00, 2.01001052e00, 9.31901999e-01, 1.52424124e-01)
_B = (3.30847488e-06, 3.98021568e00, 5.12471206e-07, 3.01830109e-01)
A_NAMES = tuple(f"a{j}" for j in range(6))
B_NAMES = tuple(f"b{k}" for k in range(1, 5))


def _powers(v: jax.Array, n: int) -> list[jax.Array]:
    """[1, v, v², ..., vⁿ] by products (jnp's v**0 has derivative 0·v⁻¹ = NaN at v = 0)."""
    out = [jnp.ones_like(v)]
    for _ in range(n):
        out.append(out[-1] * v)
    return out


def _parts(x: jax.Array, a: tuple[Any, ...], b: tuple[Any, ...]) -> dict[str, jax.Array]:
    """P and Q and their derivatives scaled by powers of w = 1/|x| (|x| > 1; else w = 1), so every
    power stays ≤ 1 in the tails: p = Pw⁴, q = Qw⁴, dp = P′w⁴, pw = Pw⁵ (no x in it: x·w = sign x),
    dqw = Q′w³, with xs = x·w. f = p/q, f′ = (dp − (pw/q)·dqw)/q.

    Beyond |x| = 1/eps, w stops at eps (a select, so no gradient reaches x through it): there the
    lower terms are below the top one's rounding, and reverse mode never meets p/q² · 0 with
    p ~ x overflowing."""
    # Weakly typed arrays, not Python floats: j·a_j then rounds in x's dtype whether the
    # coefficients arrive concrete or traced (the closed-form path traces them).
    a = tuple(jnp.asarray(v) for v in a)
    # |b_k| with derivative 0 at b_k = 0, as the default path's ∂f/∂b_k (the reference implementation's):
    # jnp.abs's is +1 there, which gave the autodiff twin a nonzero ∂f/∂b_k and ∂b_k(∂f/∂x) a value where
    # ∂x(∂f/∂b_k) is 0. A select, not b·sign(b): its 0 would meet q's infinite cotangent at x = ±inf.
    b = tuple(jnp.where(v == 0, jnp.zeros_like(v), jnp.abs(v)) for v in (jnp.asarray(v) for v in b))
    ax = jnp.abs(x)
    big = ax > 1
    cap = 1 / float(jnp.finfo(x.dtype).eps)
    w = 1 / jnp.where(big, jnp.where(ax > cap, cap, ax), jnp.ones_like(x))
    # In the tails xs = ±1 is a constant (stop_gradient: sign's zero derivative times an overflowed
    # cotangent would be NaN); |x|'s derivative at 0 is +1, as autodiff's.
    sgn = jax.lax.stop_gradient(jnp.where(x >= 0, jnp.ones_like(x), -jnp.ones_like(x)))
    xs = jnp.where(big, sgn, x)
    axs = jnp.where(big, jnp.ones_like(x), ax)
    xp, wp, ap = _powers(xs, 4), _powers(w, 5), _powers(axs, 4)
    # x^j·w⁴ = xs^j·w^(4−j) for j ≤ 4; the top term x⁵w⁴ = x·xs⁴ (a_5 = 0 adds 0, even at ±inf). The
    # select is on x, not on the product: a select of a_5·x would cut ∂f/∂a_5 = x⁵/Q wherever a_5 = 0.
    top = a[5] * jnp.where((a[5] == 0) & jnp.isinf(x), jnp.zeros_like(x), x) * xp[4]
    low = [a[j] * xp[j] for j in range(5)]
    return {
        "p": sum(low[j] * wp[4 - j] for j in range(5)) + top,
        "pw": sum(low[j] * wp[5 - j] for j in range(5)) + a[5] * xs * xp[4],
        "q": wp[4] + sum(b[k - 1] * ap[k] * wp[4 - k] for k in range(1, 5)),
        "dp": sum(j * a[j] * xp[j - 1] * wp[5 - j] for j in range(1, 6)),
        "dqw": sgn * sum(k * b[k - 1] * ap[k - 1] * wp[4 - k] for k in range(1, 5)),
        "xs": xs,
        "axs": axs,
        "w": w,
    }


def _coefficients(params: dict[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    return tuple(params[k] for k in A_NAMES), tuple(params[k] for k in B_NAMES)


def _d_pade(x: jax.Array, **params: Any) -> jax.Array:
    t = _parts(x, *_coefficients(params))
    return (t["dp"] - (t["pw"] / t["q"]) * t["dqw"]) / t["q"]


def _d_a(j: int) -> Callable[..., jax.Array]:
    def d(x: jax.Array, **params: Any) -> jax.Array:
        t = _parts(x, *_coefficients(params))
        xp, wp = _powers(t["xs"], 4), _powers(t["w"], 4)
        return (x * xp[4] if j == 5 else xp[j] * wp[4 - j]) / t["q"]

    return d


def _d_b(k: int) -> Callable[..., jax.Array]:
    def d(x: jax.Array, **params: Any) -> jax.Array:
        t = _parts(x, *_coefficients(params))
        ap, wp = _powers(t["axs"], 4), _powers(t["w"], 4)
        # f·|x|^k/Q = (p/q)·|xs|^k·w^(4−k)/q: the top power (k = 4) has no w, and f ~ x there.
        # b_k = 0 (|b_k|′ = sign 0 = 0, the reference implementation's) gives 0 also at x = ±inf,
        # where f is infinite: p is taken as 0 there by a select, so neither this (0·inf) nor its
        # derivative (reverse mode's 0·p/q²) meets an infinite p.
        bk = params[B_NAMES[k - 1]]
        p = jnp.where(bk == 0, jnp.zeros_like(t["p"]), t["p"])
        return -(p / t["q"]) * jnp.sign(bk) * ap[k] * wp[4 - k] / t["q"]

    return d


def _mp_pade(m: Any, x: Any, **params: Any) -> Any:
    a, b = _coefficients(params)
    return m.fsum(a[j] * x**j for j in range(6)) / (1 + m.fsum(abs(b[k - 1]) * abs(x) ** k for k in range(1, 5)))


@register(
    path="closed_form",
    why=(
        "f′ = (P′ − f·Q′)/Q reuses P and Q: fwd+bwd 2.6x autodiff's speed at 2^20, 3.6x at 2^22 (float32, "
        "2-core CPU: jaxact bench --names pade --sizes 20,22)"
    ),
    derivative=_d_pade,
    param_derivatives={
        **{n: _d_a(j) for j, n in enumerate(A_NAMES)},
        **{n: _d_b(k + 1) for k, n in enumerate(B_NAMES)},
    },
    range=(-inf, inf),
    formula="(a0 + a1 x + ... + a5 x^5)/(1 + |b1||x| + ... + |b4||x|^4)",
    smooth=True,
    kinks=(0.0,),  # |b1||x|: f′ jumps at 0 unless b1 = 0 (by 2|b1|a0, 2e−7 at the defaults)
    thresholded=True,
    f64_ulps=(4, 16),
    examples=({"a0": 0.0, "a1": 1.0, "a2": 0.5, "a3": 0.0, "a4": 0.0, "a5": 0.1, "b1": 0.0, "b2": 0.2, "b4": 0.1},),
    mp=lambda m, x, **params: _mp_pade(m, x, **params),
    accuracy_note=(
        "P sums powers of both signs: near its roots f keeps the terms' absolute error, many ulps of itself, "
        "so its error is measured against the terms (values in ulps of max(|f|, |x|), derivatives of "
        "max(|f′|, 1)); f′ = (P′ − f·Q′)/Q adds a few roundings"
    ),
    citation=(
        "Molina, Schramowski & Kersting, 'Padé Activation Units: End-to-end Learning of Flexible Activation "
        "Functions in Deep Networks', ICLR 2020 (arXiv:1907.06732, 2019)"
    ),
)
def pade(
    x: ArrayLike,
    a0: Any = _A[0],
    a1: Any = _A[1],
    a2: Any = _A[2],
    a3: Any = _A[3],
    a4: Any = _A[4],
    a5: Any = _A[5],
    b1: Any = _B[0],
    b2: Any = _B[1],
    b3: Any = _B[2],
    b4: Any = _B[3],
) -> jax.Array:
    """Padé Activation Unit: f(x) = P(x)/Q(x), P = Σ_{j≤5} a_j x^j, Q = 1 + Σ_{k≤4} |b_k||x|^k ≥ 1.
    Range ℝ (depends on the coefficients); the defaults are the reference implementation's start,
    close to a leaky ReLU on [−3, 3]. Learn the coefficients with ``jaxact.linen.Learnable("pade")``;
    start from another activation with ``jaxact.configure("pade", **jaxact.pade_fit("gelu"))``.

    f'(x) = (P′(x) − f(x)Q′(x))/Q(x), Q′ = sign(x)Σ k|b_k||x|^(k−1); ∂f/∂a_j = x^j/Q,
    ∂f/∂b_k = −f·sign(b_k)|x|^k/Q (0 while b_k = 0, as in the reference implementation).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.pade(jnp.array([-3.0, -1.0, 0.0, 1.0, 3.0])).round(2)
      Array([-0.04, -0.01,  0.03,  1.  ,  2.99], dtype=float32)
    """
    a = (a0, a1, a2, a3, a4, a5)
    b = (b1, b2, b3, b4)
    t = _parts(x, a, b)
    return t["p"] / t["q"]


_FIT_STARTS = 15  # pade_fit's drawn starts beside the linearised one


def pade_fit(
    activation: str | Callable[[jax.Array], jax.Array], lo: float = -3.0, hi: float = 3.0, steps: int = 60
) -> dict[str, float]:
    """Coefficients that make :func:`pade` approximate ``activation`` on [lo, hi]: least squares on
    a dense grid, Levenberg-Marquardt on the safe form (NumPy, float64) from a linearised start and 15
    drawn ones (a fixed seed), the best kept.

    Args:
      activation: a registered name (its default parameters) or a function of one array.
      lo, hi: the interval to match (the PAU paper fits [−3, 3]).
      steps: Levenberg-Marquardt iterations after the linearised start.

    Returns:
      ``{"a0": ..., ..., "b4": ...}``, for ``jaxact.configure("pade", **coefficients)`` or a
      ``Learnable``'s ``init``.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> c = jaxact.pade_fit("tanh")
      >>> x = jnp.linspace(-3.0, 3.0, 7)
      >>> bool(jnp.max(jnp.abs(jaxact.pade(x, **c) - jnp.tanh(x))) < 1e-2)
      True
    """
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"jaxact.pade_fit: needs finite lo < hi, got lo={lo} and hi={hi}.")
    entry = get(activation) if isinstance(activation, str) else entry_of(activation)
    if entry is not None and not entry.elementwise:  # glu's odd axis, or softmax of the whole grid: no f(x) to fit
        raise ValueError(
            f"jaxact.pade_fit: {entry.name} mixes elements along an axis (or gates one half by the other); "
            "pade is elementwise and fits elementwise activations."
        )
    f = entry.fn if isinstance(activation, str) else activation
    x = np.linspace(lo, hi, 2001)
    target = np.asarray(f(jnp.asarray(x, jnp.float32)), np.float64)
    if target.shape != x.shape or not np.all(np.isfinite(target)):  # lstsq met it as "SVD did not converge"
        bad = "a shape of " + str(target.shape) if target.shape != x.shape else f"{target[~np.isfinite(target)][0]}"
        at = "" if target.shape != x.shape else f" at x = {x[~np.isfinite(target)][0]:.6g}"
        raise ValueError(
            f"jaxact.pade_fit: the activation gives {bad}{at} on [{lo}, {hi}]; it needs a finite value at each "
            "of 2001 points."
        )
    powers = x[:, None] ** np.arange(6)
    absp = np.abs(x[:, None]) ** np.arange(1, 5)
    # Linearised start: P(x) − t(x)·(1 + Σ b_k|x|^k) = 0 is linear in (a, b).
    theta = np.linalg.lstsq(np.concatenate([powers, -target[:, None] * absp], 1), target, rcond=None)[0]

    def residual_and_jacobian(th: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        q = 1 + absp @ np.abs(th[6:])
        fx = (powers @ th[:6]) / q
        jac = np.concatenate([powers / q[:, None], -(fx / q)[:, None] * absp * np.sign(th[6:])], 1)
        return fx - target, jac

    def refined(theta: np.ndarray) -> tuple[float, np.ndarray]:
        r, jac = residual_and_jacobian(theta)
        cost, damping = float(r @ r), 1e-3
        for _ in range(steps):  # Levenberg-Marquardt on the safe (|b|) form
            step = np.linalg.solve(jac.T @ jac + damping * np.eye(10), -(jac.T @ r))
            r_new, jac_new = residual_and_jacobian(theta + step)
            if float(r_new @ r_new) < cost:
                theta, r, jac, cost, damping = theta + step, r_new, jac_new, float(r_new @ r_new), damping / 3
            else:
                damping *= 4
        return cost, theta

    # More starts than the linearised one: LM stalls where a b_k reaches 0, |b_k|'s corner, whose Jacobian
    # column vanishes (gelu's max error 0.021 where 0.004 exists, snake's 0.43, exponential's 8.9). Each
    # further start draws |b| (fixed seed: the result is reproducible) and solves P's coefficients for it
    # by linear least squares.
    starts = [theta]
    for b in np.random.default_rng(0).uniform(0.0, 2.0, (_FIT_STARTS, 4)):
        q = 1 + absp @ b
        a = np.linalg.lstsq(powers / q[:, None], target, rcond=None)[0]
        starts.append(np.concatenate([a, b]))

    def usable(theta: np.ndarray) -> bool:
        # pade computes in the input's dtype: coefficients that overflow float32 (a drawn start fitting
        # exp on [80, 88] reached a2 ≈ −1.2e44) gave NaN everywhere.
        with np.errstate(all="ignore"):
            t32 = theta.astype(np.float32)
            f32 = (powers.astype(np.float32) @ t32[:6]) / (1 + absp.astype(np.float32) @ np.abs(t32[6:]))
        return bool(np.all(np.isfinite(t32)) and np.all(np.isfinite(f32)))

    fits = [refined(t) for t in starts]
    kept = [ct for ct in fits if np.isfinite(ct[0]) and usable(ct[1])] or fits[:1]
    theta = min(kept, key=lambda ct: ct[0] if np.isfinite(ct[0]) else np.inf)[1]
    values = [float(v) for v in theta]
    return dict(zip(A_NAMES + B_NAMES, values, strict=True))
