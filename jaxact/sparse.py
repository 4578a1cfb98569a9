"""Sparse probability maps along an axis: sparsemax and 1.5-entmax.

Like softmax they return a probability vector, but one with exact zeros: the
Euclidean projection of x onto the simplex (sparsemax) and its α = 1.5 Tsallis
generalisation (entmax). Both find their threshold τ by sorting along the axis,
and both have a closed-form JVP on the output's support S:
J = diag(s) − s sᵀ / Σ s, with s = 1_S (sparsemax) and s = √y (1.5-entmax).
"""

from __future__ import annotations

import functools
from math import inf
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxact import _stable
from jaxact.normalizers import _check_axis_where
from jaxact.registry import register


def _check_one_axis(x: jax.Array, axis: Any = -1, *, fname: str) -> dict[str, Any] | None:
    """One positional axis: the threshold is found by sorting along it (None, a longer tuple or a
    mapped axis's name, which softmax takes, met JAX's own errors deep in the sort). A one-element
    tuple is that axis, as it always worked."""
    one = axis[0] if isinstance(axis, tuple) and len(axis) == 1 else axis
    if isinstance(one, bool) or not isinstance(one, (int, np.integer)):
        raise TypeError(f"jaxact.{fname}: 'axis' must be an int (one axis, sorted along), got {axis!r}.")
    _check_axis_where(x, one, fname=fname)
    return {"axis": int(one)} if one is not axis else None


def _last(x: jax.Array, axis: int) -> tuple[jax.Array, jax.Array, Any]:
    """(x with ``axis`` moved last, its rows' maxima, x's dtype). Computed in float32 for half
    precisions (rounded once at the end: the cumulative sums of the threshold search would
    otherwise round at every step), shifted by the row's maximum and clipped below (entries more
    than 1 (sparsemax) or 2 (entmax) under the maximum are never in the support; the clip keeps
    −inf and ±max finite). A row without a finite maximum is shifted by nothing: ``_rows_threshold``
    sets it."""
    dtype = x.dtype
    z = jnp.moveaxis(x, axis, -1)
    if jnp.dtype(dtype).itemsize < 4:
        z = z.astype(jnp.float32)
    m = jax.lax.stop_gradient(jnp.max(z, -1, keepdims=True))
    z = z - jnp.where(jnp.isfinite(m), m, 0)
    return jnp.maximum(z, -4.0), m, dtype


def _rows_threshold(tau: jax.Array, m: jax.Array) -> jax.Array:
    """τ with the rows without a finite maximum m set as softmax's: +inf for a row of all −inf (a
    fully masked attention row: all outputs 0, zero gradient), NaN for a row with +inf or NaN (all
    outputs NaN). Left to the threshold search, an all −inf row was NaN (∞ − ∞ in the shift), and
    so was its gradient even where the loss masked the row out (reaching the weights that made it);
    a row with one +inf gave NaN there and 1/(n − 1) beside it, an answer that looked like one. Set
    on τ, one value per row, not on the outputs: autodiff then saves no per-entry mask."""
    return jnp.where(jnp.isfinite(m), tau, jnp.where(m < 0, inf, jnp.nan))


def _ranks(z: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(z sorted in decreasing order, 1..n in z's dtype).

    Under explicit sharding (``jax.make_mesh``'s default axis types) the sort runs with the mesh's
    axes automatic, its result's rows sharded as z's and each row whole: JAX 0.10's sort refuses a
    sharded sorting dimension (naming the moved axis, not the caller's), and its JVP, which sorts
    an unsharded iota beside the keys, refuses any sharded input (the autodiff path's gradient,
    every path's second derivative). τ, one value per row, then keeps z's sharding."""
    sharding = jax.typeof(z).sharding
    if sharding.mesh.explicit_axes:
        sort = jax.sharding.auto_axes(
            # The explicit axes only: a shard_map's manual ones stay manual (JAX refuses Manual → Auto).
            lambda v: -jnp.sort(-v, axis=-1),
            axes=sharding.mesh.explicit_axes,
            out_sharding=jax.P(*sharding.spec[:-1], None),
        )
        with jax.sharding.use_abstract_mesh(sharding.mesh):  # given by the input, not by jax.set_mesh
            zs = sort(z)
    else:
        zs = -jnp.sort(-z, axis=-1)
    return zs, jnp.arange(1, z.shape[-1] + 1, dtype=z.dtype)


def _at_support_size(v: jax.Array, in_support: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(v at the last index of the prefix-shaped support, the support's size), keepdims."""
    k = jnp.sum(in_support, -1, keepdims=True)
    return jnp.take_along_axis(v, k - 1, -1), k.astype(v.dtype)


def _support_jvp(s: jax.Array, t: jax.Array, axis: int) -> jax.Array:
    """(diag(s) − s sᵀ/Σ s) t along ``axis``: s ⊙ (t − Σ s t / Σ s). An empty support (a row of all
    −inf, output all 0) has the zero Jacobian: Σ s = 0 is divided as 1 there, not 0/0."""
    total = jnp.sum(s, axis, keepdims=True)
    return s * (t - jnp.sum(s * t, axis, keepdims=True) / jnp.where(total == 0, 1, total))


def _mp_sorted_threshold(m: Any, row: list[Any], tau_of: Any) -> Any:
    zs = sorted(row, reverse=True)
    taus = [tau_of(zs[:k]) for k in range(1, len(zs) + 1)]
    # The support is the largest k whose k-th value is not below its own threshold (k = 1 always
    # qualifies; ≥ so that it still does where the working precision cannot see the 1 in z − 1).
    return [tau for k, tau in enumerate(taus) if zs[k] >= tau][-1]


def _mp_sparsemax(m: Any, row: list[Any]) -> list[Any]:
    tau = _mp_sorted_threshold(m, row, lambda top: (m.fsum(top) - 1) / len(top))
    return [max(v - tau, m.mpf(0)) for v in row]


def _mp_entmax15(m: Any, row: list[Any]) -> list[Any]:
    half = [v / 2 for v in row]

    def tau_of(top: list[Any]) -> Any:
        k = len(top)
        mean = m.fsum(top) / k
        ss = m.fsum((v - mean) ** 2 for v in top)
        return mean - m.sqrt(max((1 - ss) / k, m.mpf(0)))

    tau = _mp_sorted_threshold(m, half, tau_of)
    return [max(v - tau, m.mpf(0)) ** 2 for v in half]


def _jvp_sparsemax(x: jax.Array, y: jax.Array, t: jax.Array, axis: int = -1) -> jax.Array:
    # A NaN output (a row with +inf or NaN) keeps a NaN tangent, as the outputs beside it.
    return _support_jvp(jnp.where(jnp.isnan(y), y, (y > 0).astype(y.dtype)).astype(t.dtype), t, axis)


@register(
    path="closed_form",
    why=(
        "fwd+bwd 0.74–0.77x autodiff's time, 0.50x its residual bytes: the JVP needs only the output's "
        "support, not the sort"
    ),
    jvp=_jvp_sparsemax,
    range=(0.0, 1.0),
    formula="max(x - tau(x), 0), sum = 1",
    smooth=False,
    static=("axis",),
    validate=functools.partial(_check_one_axis, fname="sparsemax"),
    examples=({"axis": 0},),
    mp=_mp_sparsemax,
    thresholded=True,
    masked_by=-inf,
    accuracy_note=(
        "f = x − τ near the support's edge is a difference of O(1) terms: small outputs keep the terms' "
        "absolute error (a few eps·max(1, |x|)), many ulps of themselves; the JVP has no such difference"
    ),
    citation=(
        "Martins & Astudillo, 'From Softmax to Sparsemax: A Sparse Model of Attention and Multi-Label "
        "Classification', ICML 2016"
    ),
)
def sparsemax(x: ArrayLike, axis: int = -1) -> jax.Array:
    """Sparsemax: the Euclidean projection of x onto the probability simplex along ``axis``,
    f(x) = max(x − τ, 0) with τ chosen so that the outputs sum to 1. Range [0, 1].

    τ = (Σ_{j≤k} x_(j) − 1)/k for the largest k with 1 + k·x_(k) > Σ_{j≤k} x_(j) (x sorted in
    decreasing order). JVP on the support S = {i: f_i > 0}: t_i − mean_S(t) there, 0 elsewhere.
    Piecewise linear: not differentiable where an entry enters or leaves the support.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.sparsemax(jnp.array([[-2.0, 0.0, 0.5]]))
      Array([[0.  , 0.25, 0.75]], dtype=float32)
    """
    if x.shape[axis] == 0:  # no entries: nothing to normalise (as softmax's empty row)
        return x
    z, m, dtype = _last(x, axis)
    zs, k = _ranks(z)
    cs = jnp.cumsum(zs, -1)
    top, size = _at_support_size(cs, 1 + k * zs > cs)
    tau = _rows_threshold((top - 1) / size, m)
    return jnp.moveaxis(jnp.maximum(z - tau, 0), -1, axis).astype(dtype)


def _jvp_entmax15(x: jax.Array, y: jax.Array, t: jax.Array, axis: int = -1) -> jax.Array:
    y = y.astype(_stable.wider(y.dtype, jnp.float32))
    # √ of a guarded input off the support: √′(0) = inf times y's zero tangent there would make
    # second derivatives NaN.
    on = y > 0
    s = jnp.where(on, jnp.sqrt(jnp.where(on, y, 1)), jnp.where(jnp.isnan(y), y, 0))
    return _support_jvp(s, t.astype(s.dtype), axis).astype(t.dtype)  # s is float32 for half-precision y


@register(
    path="closed_form",
    why="fwd+bwd 0.68–0.97x autodiff's time, 0.23x its residual bytes: the JVP needs only √y, not the sort",
    jvp=_jvp_entmax15,
    range=(0.0, 1.0),
    formula="max(x/2 - tau(x), 0)^2, sum = 1",
    smooth=False,
    static=("axis",),
    validate=functools.partial(_check_one_axis, fname="entmax15"),
    examples=({"axis": 0},),
    mp=_mp_entmax15,
    thresholded=True,
    masked_by=-inf,
    accuracy_note=(
        "as sparsemax's: near the support's edge f = (x/2 − τ)² squares a difference of O(1) terms, whose "
        "absolute error small outputs keep (146 ulp float32, 83 float64), and the JVP's s = √f half of it. The "
        "JVP of a dominant entry, s_i(t_i − Σ s t / Σ s), also cancels to its neighbours' small s_j (float64 426 "
        "ulp of its terms; autodiff 86): both errors grow as 1/s_j. Shifting t by its value at the largest "
        "output, as softmax's float64 JVP does, removes the second (21.5 on the table's row) but not the first "
        "(36–2.9e3 ulp on rows built with s_j = 0.002–1e−4): not taken, for a boolean mask it would add to the "
        "backward pass. Exact small outputs need τ in more than the working precision"
    ),
    citation=(
        "Peters, Niculae & Martins, 'Sparse Sequence-to-Sequence Models', ACL 2019 (α-entmax; the exact "
        "sort-based 1.5-entmax)"
    ),
)
def entmax15(x: ArrayLike, axis: int = -1) -> jax.Array:
    """1.5-entmax: f(x) = max(x/2 − τ, 0)² along ``axis``, τ chosen so that the outputs sum to 1.
    Range [0, 1]; sparse like sparsemax, smooth inside its support like softmax.

    τ from the sorted values: for the top k of z = x/2, τ_k = mean − √((1 − k·var)/k); the support
    is the largest k with τ_k ≤ z_(k). JVP with s = √f: s ⊙ (t − Σ s t / Σ s).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.entmax15(jnp.array([[-2.0, 0.0, 0.5]]))
      Array([[0.   , 0.326, 0.674]], dtype=float32)
    """
    if x.shape[axis] == 0:  # no entries: nothing to normalise (as softmax's empty row)
        return x
    z, m, dtype = _last(x, axis)
    z = z / 2
    zs, k = _ranks(z)
    mean = jnp.cumsum(zs, -1) / k
    mean_sq = jnp.cumsum(zs * zs, -1) / k
    delta = (1 - k * (mean_sq - mean * mean)) / k
    # Past the support δ can be ≤ 0; √ of a guarded input there (√′(0) = inf would turn the zero
    # cotangent of those unused τ_k into NaN in the autodiff path).
    pos = delta > 0
    tau = mean - jnp.where(pos, jnp.sqrt(jnp.where(pos, delta, 1)), 0)
    tau_star, _ = _at_support_size(tau, tau <= zs)
    tau_star = _rows_threshold(tau_star, m)
    return jnp.moveaxis(jnp.square(jnp.maximum(z - tau_star, 0)), -1, axis).astype(dtype)
