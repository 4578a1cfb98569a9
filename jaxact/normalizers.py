"""Normalisers that mix elements along an axis: softmax, log_softmax, softmin, glu.

Their closed-form gradients are Jacobian-vector products rather than elementwise
derivatives. Masking: with ``where``, masked entries give 0 (softmax) or −inf
(log_softmax), as in jax.nn. A row with no unmasked finite entry (all masked, or
all −inf) gives all 0 / all −inf and a zero gradient, never NaN (log_softmax on a
row of all −inf unmasked entries passes the cotangent through: docs/numerics.md).
A +inf entry gives NaN (inf/inf), as in jax.nn.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from jaxact import _stable, _validate, gates as _gates
from jaxact.registry import inf, register


def _check_axis_where(x: jax.Array, axis: Any = -1, where: Any = None, *, fname: str, scalar_ok: bool = False) -> None:
    # ``scalar_ok``: a 0-d x normalised over all (none) of its axes is 1 (softmax) or 0
    # (log_softmax), as jax.nn gives it; over mapped axes only (a vmap's element), the mapped row's.
    named = _validate.named_axes(axis)
    only_names = bool(named) and len(named) == (len(axis) if isinstance(axis, tuple) else 1)
    if x.ndim == 0 and not (scalar_ok and (axis in (None, ()) or only_names)):
        raise ValueError(
            f"jaxact.{fname}: needs at least a 1-D input, got a scalar"
            + (" (axis=None takes one: a scalar normalised over no axis)." if scalar_ok else ".")
        )
    _validate.normalize_axis(fname, axis, x.ndim, names=True)
    _validate.check_axis_names(fname, axis)
    if where is None:
        return
    if isinstance(where, (list, tuple)):  # under jit a pytree of tracers, met deep in jnp.where
        raise TypeError(
            f"jaxact.{fname}: argument 'where' must be an array, got a {type(where).__name__}. "
            "Wrap it first: jnp.asarray(where)."
        )
    wshape = tuple(np.shape(where))
    wdtype = where.dtype if hasattr(where, "dtype") else np.result_type(where)
    if wdtype != np.bool_:
        raise TypeError(f"jaxact.{fname}: 'where' must be a boolean mask, got dtype {wdtype}.")
    try:
        ok = np.broadcast_shapes(wshape, x.shape) == x.shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"jaxact.{fname}: 'where' of shape {wshape} does not broadcast to x of shape {x.shape}.")


def _along(reduce: Any, v: jax.Array, axes: tuple[int | str, ...], **kw: Any) -> jax.Array:
    """``reduce(v, axes, keepdims=True, **kw)`` (jnp.max, jnp.sum), positional axes first and then the
    mapped axes' names where both are given: JAX reduces over both at once under vmap but fails a bare
    assertion under shard_map (jax.nn.softmax(x, axis=(1, 'i')) too). ``initial`` enters once, as in
    one reduction: a sum's in the second (the first, on every device or mapped element, would add it
    once each), a maximum's in the first (an empty positional axis has no maximum without it)."""
    names = _validate.named_axes(axes)
    if not names or len(names) == len(axes):
        return reduce(v, axes, keepdims=True, **kw)
    rest = {k: w for k, w in kw.items() if k != "initial"}
    first, second = (rest, kw) if reduce is jnp.sum else (kw, rest)
    part = reduce(v, tuple(a for a in axes if not isinstance(a, str)), keepdims=True, **first)
    return reduce(part, names, keepdims=True, **second)


def _shifted(x: jax.Array, axis: Any, where: Any) -> tuple[jax.Array, jax.Array | None]:
    """(z = x − max along axis, masked entries −inf; float64: the rounding error of that difference,
    else None)."""
    axes = _validate.normalize_axis("softmax", axis, x.ndim, names=True)
    xs = x if where is None else jnp.where(where, x, -jnp.inf)
    # A row without a finite maximum (all masked or all -inf) shifts by the most negative float
    # instead of -inf, so its entries stay -inf rather than NaN: jnp.max's initial=, a max after
    # the reduction. On CPU that splits the kernel XLA fuses from the reduction, x − max and exp
    # (jax.nn's) in two. Raising every entry to that float first keeps it whole, at one more op
    # per entry inside it; measured against this form, paired (float32): forward 0.91–0.92x and
    # fwd+bwd 0.90–0.96x the time at 2^20, but 1.03–1.06x at 2^24, 1.05–1.17x with the input
    # donated at 2^20, 1.04–1.08x in a Dense→softmax→Dense block: no better overall, so not taken.
    # As the reduction's own start value it would cost nothing, but XLA drops it where it turns a
    # reduction over one element into a reshape (a row of one, or one element per device of a
    # sharded row: NaN).
    if x.dtype != jnp.float64:
        m = _along(jnp.max, lax.stop_gradient(xs), axes, initial=jnp.finfo(x.dtype).min)
        if x.dtype in _stable.HALF:
            # Half precision continues in float32 (rounded once, at the end), as the elementwise
            # functions do: XLA on CPU computes each op in float32 anyway and rounds after it
            # (float16 softmax 4.2 ulp, its JVP 1e3). The maximum is taken first, in x's own dtype
            # (exact): the reduction then reads x, not a float32 copy of it.
            return xs.astype(jnp.float32) - m.astype(jnp.float32), None
        return xs - m, None
    # float64 (static at trace time) differentiates through the maximum too: the shift then
    # cancels exactly in the derivative of the winning entry (its z = x − max has tangent
    # t_i − t_max = 0), whose JVP is −Σ_{j≠i} y_j(t_j − t_i), no longer the difference
    # t_i − Σ_j y_j t_j of two nearly equal numbers (1e10 ulp where one logit dominates).
    m = _along(jnp.max, lax.stop_gradient(xs), axes, initial=jnp.finfo(x.dtype).min)
    # The maximum's value, with the sum of the tangents of the entries at it as its tangent: any
    # differentiable shift leaves the derivatives' values unchanged (it cancels), and this one keeps
    # a boolean mask for the backward pass where max's own rule keeps arrays of x's dtype.
    # where(top, xs, m) is m everywhere (its tangent t at the maxima); a masked entry's −inf − (−inf)
    # is never formed, so jax_debug_nans has nothing to find even op by op.
    top = xs == m
    z = xs - (m + _along(jnp.sum, jnp.where(top, xs, m) - m, axes))
    # x − max is rounded, and exp(z) turns that into a relative error of |z|·eps (27 ulp of softmax):
    # its exact error (Knuth's two-sum, of an input that is finite where x is −inf, so no NaN is
    # made even where it is discarded), a constant of the derivative.
    a = lax.stop_gradient(jnp.where(z == -jnp.inf, m, xs))  # m is already a constant (of stopped xs)
    hi = a - m
    v = hi - a
    return z, (a - (hi - v)) - (m + v)


def _exp_shifted(z: jax.Array, lo: jax.Array | None) -> jax.Array:
    """e^(z + lo) of the shifted input: e^z·(1 + lo), |lo| ≤ ½ulp(z)."""
    return jnp.exp(z) if lo is None else jnp.exp(z) * (1 + lo)


# Added to each row's sum: absorbed by a row with an entry at its maximum (its sum is ≥ 1: that
# entry is e⁰), the whole sum of an empty row (all masked or all -inf), whose outputs are then
# 0/c = 0, not 0/0. 1/c and c⁻² stay far from overflow, so the quotient's derivatives t/c and
# −t·e/c² meet e = 0 as finite numbers (0, not inf·0) for any cotangent below ~1e17 (float32, which
# half precision computes its forward in) or ~1e248 (float64).
_EMPTY_SUM = {jnp.dtype(jnp.float32): 2.0**-35, jnp.dtype(jnp.float64): 2.0**-100}


def _sum(e: jax.Array, axis: Any) -> jax.Array:
    """Σ e along axis (one or a tuple, normalised) plus a tiny c (``_EMPTY_SUM``), so that an empty
    row gives 0, not 0/0.

    A constant add (jnp.sum's initial=, added after the reduction) rather than a guard that
    depends on the sum keeps softmax whole in one XLA fusion on CPU, forward and backward, as
    jax.nn's (the guard split the forward in four; bfloat16 ran 2x slower at 2^24).
    """
    axes = _validate.normalize_axis("softmax", axis, e.ndim, names=True)
    return _along(jnp.sum, e, axes, initial=_EMPTY_SUM[e.dtype])


def _softmax(x: jax.Array, axis: Any, where: Any) -> jax.Array:
    e = _exp_shifted(*_shifted(x, axis, where))  # float32 for half precision: rounded once, here
    return (e / _sum(e, axis)).astype(x.dtype)


def _relative_to_max(y: jax.Array, t: jax.Array, axes: tuple[int, ...]) -> jax.Array:
    """float64: t less the sum of its entries at the row's maximum of y (the softmax-like output, whose
    maximum is x's), for JVPs that stay exact where one entry dominates (see ``_shifted``): the JVP
    y(t − Σ y t) is unchanged by any shift of t along the row, and this one makes the dominant
    entry's t_i − Σ y t the sum −Σ_{j≠i} y_j(t_j − t_i) of exact differences. Lower precisions: t
    (the backward pass keeps y alone, as jax.nn's; float64 also keeps a boolean mask)."""
    if y.dtype != jnp.float64:
        return t
    # initial=: a zero-length axis has no maximum; y > 0: a row of all −inf (y = 0) shifts by nothing.
    # The maximum only selects (a mask): stopped, so a Hessian never differentiates it (a mapped
    # axis's pmax has no derivative).
    top = (y == _along(jnp.max, lax.stop_gradient(y), axes, initial=-jnp.inf)) & (y > 0)
    # t·0, not zeros: a zeros array would be a residual of its own (known before t is); a non-finite
    # tangent gives a non-finite JVP either way.
    return t - _along(jnp.sum, jnp.where(top, t, t * 0), axes)


def _jvp_softmax(x: jax.Array, y: jax.Array, t: jax.Array, axis: Any = -1, where: Any = None) -> jax.Array:
    # Built on the output alone (as jax.nn's), so the backward pass keeps y and nothing else (float64:
    # and a boolean mask, see _relative_to_max).
    axes = _validate.normalize_axis("softmax", axis, x.ndim, names=True)
    if y.dtype in _stable.HALF:
        return _tangent_in_float32(_softmax_tangent_normalised, axes)(y, t).astype(t.dtype)
    u = _relative_to_max(y, t, axes)
    return y * (u - _along(jnp.sum, y * u, axes))


def _softmax_tangent_normalised(y: jax.Array, t: jax.Array, axes: tuple[int | str, ...]) -> jax.Array:
    """y ⊙ (t − Σ y t / Σ y): the JVP of softmax from an output y rounded to half precision, in
    float32. Rounded, the entries no longer sum to 1 (a dominant y_i rounds to 1 where 1 − y_i is
    1e−4), and without Σ y in its place the dominant entry's t_i − Σ y t keeps that rounding, 2⁻¹¹
    of its terms in float16 (f′ 117 ulp of them; 1.1 with it, one more sum of y).

    The exact form, −y_i Σ_{j≠i} y_j(t_j − t_i) for the dominant entry, is also what float32's own
    resolution needs where 1 − y_i < 2⁻²⁴ (bfloat16's f′ keeps 217 ulp there): it needs t_i before
    the row's sum, a second pass over t, which made fwd+bwd 2.0–2.6x jax.nn's time at 2^24 (XLA on
    CPU keeps full float32 arrays between the passes), where this form takes 0.5x."""
    return y * _log_softmax_tangent_normalised(y, t, axes)


def _total(y: jax.Array, axes: tuple[int | str, ...]) -> jax.Array:
    """Σ y of a softmax rounded to half precision (≈ 1), at least ½: an empty row's (all masked or
    all −inf: 0) gives 0/½, and its derivative in y is 0 there, where 1/(Σ y + c) would hand second
    derivatives a cotangent of ~1/c, rounded to inf at the float16 input of the rematerialised maths."""
    return jnp.maximum(_along(jnp.sum, y, axes), 0.5)


@functools.cache
def _tangent_in_float32(
    f: Callable[[jax.Array, jax.Array, tuple[int | str, ...]], jax.Array], axes: tuple[int | str, ...]
) -> Callable[[jax.Array, jax.Array], jax.Array]:
    """``f(s, t, axes)``, a JVP linear in the tangent t given the half-precision primal s, computed in
    float32 (to be rounded to t's dtype by the caller).

    Rematerialised (``jax.checkpoint``) so that the backward pass keeps s in its own dtype, not the
    float32 copy the maths reads (twice the bytes in a scan over layers). Without the optimisation
    barrier (prevent_cse=False): inside one jit XLA may share the copy, and the barrier would keep
    the forward's output in memory for the backward pass of a fused fwd+bwd.
    """
    return jax.checkpoint(lambda s, t: f(s.astype(jnp.float32), t.astype(jnp.float32), axes), prevent_cse=False)


@register(
    path="closed_form",
    why=(
        "follows JAX's jax_softmax_custom_jvp flag as jax.nn.softmax does (autodiff while it is False, JAX's "
        "default; the closed form when True). The closed form — JVP y⊙(t − Σ y t) on the output alone, one "
        "residual instead of three, fwd+bwd time as autodiff's (each one XLA fusion on CPU) — is one flag away: "
        "jax.config.update('jax_softmax_custom_jvp', True) or jaxact.gradient_path('closed_form'). float64 "
        "always takes it, with t shifted by its value at the maximum: exact where one entry dominates (4 ulp; "
        "jax.nn's autodiff through a stopped maximum 2.7e10) keeping y and a boolean mask (jaxact's float64 "
        "autodiff, exact too through a differentiable maximum, keeps four arrays). bfloat16 and float16 always "
        "take it too: float32 maths rounded once, the JVP y ⊙ (t − Σ y t / Σ y) from y alone, kept in x's dtype "
        "(float16 f′ 1.1 ulp; jax.nn's, rounding after every op, 944), fwd+bwd 0.5–0.7x jax.nn's time "
        "(bfloat16), where autodiff of the float32 maths would keep float32 arrays"
    ),
    jax_flag="jax_softmax_custom_jvp",
    float64_path="closed_form",
    half_path="closed_form",
    jvp=_jvp_softmax,
    range=(0.0, 1.0),
    formula="exp(x_i)/sum_j exp(x_j)",
    smooth=True,
    jax_nn="softmax",
    masked_by=-inf,
    torch="softmax",
    static=("axis",),
    validate=functools.partial(_check_axis_where, fname="softmax", scalar_ok=True),
    examples=({"axis": 0},),
    mp=lambda m, row: [m.exp(v) / m.fsum(m.exp(u) for u in row) for v in row],
    accuracy_note=(
        "float32: exp(x − max) amplifies the rounding of x − max by |x − max| (8.6 ulp; carrying that rounding "
        "into exp as float64 does, 2.9 ulp, measured 1.27x the forward's time at 2^20 and 3.4x at 2^24, where XLA "
        "on CPU no longer fuses the row); the JVP y(t − Σ y t), "
        "as jax.nn's: for a dominant component (y ≈ 1) the difference t_i − Σ y t cancels, and the error is many "
        "ulps of that component's terms (speed forms: exact ones need a second pass over the row). float64 "
        "carries x − max's rounding error into exp and shifts t by its value at the maximum: 3 and 4 ulp. "
        "bfloat16/float16 compute in float32 (value 0.5 ulp); where 1 − y_max is below float32's resolution "
        "(2⁻²⁴), the dominant entry's JVP −y_i Σ_{j≠i} y_j(t_j − t_i) is lost in Σ y t (bfloat16 217 ulp, "
        "autodiff too; jax.nn's 379): its exact form needs t_i before the row's sum, a second pass over t "
        "(fwd+bwd 2.0–2.6x jax.nn's time at 2^24 on CPU, against 0.5x)"
    ),
    citation=(
        "Bridle, 'Probabilistic interpretation of feedforward classification network outputs', Neurocomputing 1990"
    ),
)
def softmax(x: ArrayLike, axis: int | str | Sequence[int | str] | None = -1, where: Any = None) -> jax.Array:
    """Softmax: s_i = exp(x_i)/Σ_j exp(x_j) along ``axis``; outputs in (0, 1) summing to 1.

    Jacobian ∂s_i/∂x_j = s_i(δ_ij − s_j), so the JVP is s ⊙ (t − Σ s t).

    ``axis`` may also name a mapped axis (``jax.vmap(..., axis_name=)``, ``shard_map``; beside positional
    axes in a tuple, which jax.nn's takes under vmap only): the row then spans vmapped
    elements or devices, differentiably by autodiff (jax.nn's forward takes names, its derivative
    fails on the maximum's ``pmax``).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.softmax(jnp.array([[1.0, 2.0, 3.0, 4.0]]))
      Array([[0.0321, 0.0871, 0.2369, 0.6439]], dtype=float32)
    """
    return _softmax(x, axis, where)


def _log_softmax(x: jax.Array, axis: Any, where: Any) -> jax.Array:
    y = _log_softmax_unmasked(x, axis, where)
    # A masked entry is the constant −inf (as jax.nn's): z − log Σ eᶻ would give it the row's
    # −d log Σ as a tangent, and through a cotangent there a gradient to every unmasked entry.
    return y if where is None else jnp.where(where, y, -jnp.inf)


def _log_softmax_unmasked(x: jax.Array, axis: Any, where: Any) -> jax.Array:
    z, lo = _shifted(x, axis, where)
    if lo is None:
        # jax.nn's formulation (speed parity): log Σ eᶻ rounds Σ to ulp(1), so the
        # winning entry loses its digits when the rest are tiny.
        return (z - jnp.log(_sum(jnp.exp(z), axis))).astype(x.dtype)
    # float64 (static at trace time) keeps them: log Σ eᶻ = log1p(Σ eᶻ − 1), where the
    # maxima (z = 0) contribute eᶻ − 1, exactly 0 but with the derivatives of eᶻ,
    # plus 1 for each tie beyond the first; z's rounding error is added back last.
    axes = _validate.normalize_axis("log_softmax", axis, x.ndim, names=True)
    top = z == 0
    e = _exp_shifted(z, lo)
    rest = _along(jnp.sum, jnp.where(top, e - 1, e), axes)
    ties = jnp.maximum(_along(jnp.sum, top, axes, dtype=rest.dtype), 1) - 1  # strict promotion: a float count
    return (z - jnp.log1p(rest + ties)) + lo


def _jvp_log_softmax(x: jax.Array, y: jax.Array, t: jax.Array, axis: Any = -1, where: Any = None) -> jax.Array:
    # softmax from the output (masked entries are -inf, so 0); float64 computes it from x again:
    # e^y turns y's rounding into a relative error of |y|·eps (23 ulp of the JVP).
    # Half precision too: e^y would turn y's rounding to bfloat16 into a relative error of |y|·2⁻⁹
    # in softmax; its value rounded once to x's dtype is 2⁻⁹ at most (and what the backward keeps).
    s = _softmax(x, axis, where) if x.dtype in (jnp.float64, *_stable.HALF) else jnp.exp(y)
    axes = _validate.normalize_axis("log_softmax", axis, x.ndim, names=True)
    if x.dtype in _stable.HALF:
        out = _tangent_in_float32(_log_softmax_tangent_normalised, axes)(s, t).astype(t.dtype)
    else:
        u = _relative_to_max(s, t, axes)
        out = u - _along(jnp.sum, s * u, axes)
    return out if where is None else jnp.where(where, out, jnp.zeros_like(out))


def _log_softmax_tangent_normalised(s: jax.Array, t: jax.Array, axes: tuple[int | str, ...]) -> jax.Array:
    """t − Σ s t / Σ s from softmax s rounded to half precision, in float32: log_softmax's JVP, and
    softmax's over s (``_softmax_tangent_normalised``, which says why Σ s)."""
    return t - _along(jnp.sum, s * t, axes) / _total(s, axes)


@register(
    path="autodiff",
    why=(
        "autodiff reuses exp(x − max) from the forward pass; the closed JVP recomputes "
        "softmax = exp(y) (one more exp, ~1.1x slower fwd+bwd). float64 takes the closed form, with t "
        "shifted by its value at the maximum: exact where one entry dominates (2 ulp; jax.nn's autodiff "
        "3.8e10) keeping softmax and a boolean mask (jaxact's float64 autodiff, exact too, keeps three arrays). "
        "bfloat16 and float16 take it too: float32 maths rounded once, the JVP t − Σ s t / Σ s from softmax s "
        "rounded to x's dtype, the one array kept (e^y would turn y's rounding into a relative error of "
        "|y|·2⁻⁹): float16 f′ 1.1 ulp (jax.nn's 943), fwd+bwd 0.4–1.0x jax.nn's time (bfloat16)"
    ),
    jvp=_jvp_log_softmax,
    float64_path="closed_form",
    half_path="closed_form",
    range=(-inf, 0.0),
    formula="x_i - logsumexp(x)",
    smooth=True,
    jax_nn="log_softmax",
    masked_by=-inf,
    torch="log_softmax",
    static=("axis",),
    validate=functools.partial(_check_axis_where, fname="log_softmax", scalar_ok=True),
    examples=({"axis": 0},),
    mp=lambda m, row: [v - m.log(m.fsum(m.exp(u) for u in row)) for v in row],
    accuracy_note=(
        "float32 and lower keep log(Σ eᶻ), the speed form, which cancels for a dominant logit, where the result "
        "is ≈ −Σ_{j≠i} e^(z_j) (2e4 ulp in float32, as jax.nn's; log1p of the sum without the maximum's 1 costs "
        "a second pass over the row for ties, 1.2–1.5x the forward time); the JVP t − Σ softmax·t cancels "
        "likewise. float64: log1p form, x − max's rounding error added back, t shifted by its value at the "
        "maximum: 2 ulp. bfloat16/float16 compute in float32 and round once (value 0.5 ulp; jax.nn's float16 16.4); "
        "their JVP loses the dominant entry's where 1 − softmax_max < 2⁻²⁴, as softmax's (bfloat16 217 ulp)"
    ),
    citation=(
        "Bridle, 'Probabilistic interpretation of feedforward classification network outputs', Neurocomputing 1990"
    ),
)
def log_softmax(x: ArrayLike, axis: int | str | Sequence[int | str] | None = -1, where: Any = None) -> jax.Array:
    """Log-softmax: x_i − log Σ_j exp(x_j) along ``axis``. Range (−∞, 0].

    JVP: t − Σ_j s_j t_j with s = softmax(x).

    ``axis`` may also name a mapped axis (``jax.vmap(..., axis_name=)``, ``shard_map``; beside positional
    axes in a tuple, which jax.nn's takes under vmap only): the row then spans vmapped
    elements or devices, differentiably by autodiff (jax.nn's forward takes names, its derivative
    fails on the maximum's ``pmax``).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.log_softmax(jnp.array([[1.0, 2.0, 3.0, 4.0]]))
      Array([[-3.4402, -2.4402, -1.4402, -0.4402]], dtype=float32)
    """
    return _log_softmax(x, axis, where)


def _jvp_softmin(x: jax.Array, y: jax.Array, t: jax.Array, axis: Any = -1, where: Any = None) -> jax.Array:
    return _jvp_softmax(-x, y, -t, axis, where)


@register(
    path="closed_form",
    why=(
        "JVP on the output alone, as softmax's: the backward pass keeps y only (float64: and a boolean mask; "
        "bfloat16/float16: y in x's dtype, the maths in float32 as softmax's); fwd+bwd within 7% of autodiff"
    ),
    jvp=_jvp_softmin,
    range=(0.0, 1.0),
    formula="softmax(-x)",
    masked_by=inf,
    smooth=True,
    torch="softmin",
    static=("axis",),
    validate=functools.partial(_check_axis_where, fname="softmin", scalar_ok=True),
    examples=({"axis": 0},),
    mp=lambda m, row: [m.exp(-v) / m.fsum(m.exp(-u) for u in row) for v in row],
    accuracy_note=(
        "as softmax's of −x: float32 values 10 ulp (exp(max − x) amplifies the rounding of max − x), the JVP "
        "cancels for a dominant component; float64 3 and 4 ulp; bfloat16/float16 as softmax's (values 0.5 ulp; "
        "f′ bfloat16 190 where 1 − y_max < 2⁻²⁴, float16 2.2: y's rounding and the result's)"
    ),
    citation="Bridle 1990 (softmax of −x); torch.nn.functional.softmin",
)
def softmin(x: ArrayLike, axis: int | str | Sequence[int | str] | None = -1, where: Any = None) -> jax.Array:
    """Softmin: softmax(−x) along ``axis``; outputs in (0, 1) summing to 1.

    JVP: s ⊙ (−t + Σ s t) with s = softmin(x).

    ``axis`` may also name a mapped axis (``jax.vmap(..., axis_name=)``, ``shard_map``; beside positional
    axes in a tuple, which jax.nn's takes under vmap only): the row then spans vmapped
    elements or devices, differentiably by autodiff (jax.nn's forward takes names, its derivative
    fails on the maximum's ``pmax``).

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.softmin(jnp.array([[1.0, 2.0, 3.0, 4.0]]))
      Array([[0.6439, 0.2369, 0.0871, 0.0321]], dtype=float32)
    """
    return _softmax(-x, axis, where)


def _check_halves(x: jax.Array, axis: int = -1, *, fname: str) -> None:
    """glu and the gated units split x along ``axis`` into two equal halves."""
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"jaxact.{fname}: 'axis' must be an int, got {axis!r}.")
    if x.ndim == 0:
        raise ValueError(f"jaxact.{fname}: needs at least a 1-D input, got a scalar.")
    (ax,) = _validate.normalize_axis(fname, axis, x.ndim)
    if x.shape[ax] % 2:
        raise ValueError(
            f"jaxact.{fname}: the size of axis {axis} must be even to split into value and "
            f"gate halves, got {x.shape[ax]} (x shape {x.shape})."
        )


def _gated_jvp(
    gate: Callable[[jax.Array], jax.Array], d_gate: Callable[[jax.Array], jax.Array]
) -> Callable[..., jax.Array]:
    """:func:`_gated_jvp_of_pair` of g and g′ computed apart."""
    return _gated_jvp_of_pair(lambda b: (gate(b), d_gate(b)))


def _gated_jvp_of_pair(both: Callable[[jax.Array], tuple[jax.Array, jax.Array]]) -> Callable[..., jax.Array]:
    """The JVP of a ⊙ g(b), [a, b] = split(x): t_a ⊙ g(b) + a ⊙ g′(b) ⊙ t_b, with both(b) = (g, g′)
    computed together where they share work (one exp rather than two).

    For a half-precision x the two factors g(b) and a·g′(b) are float32 maths rounded once to x's
    dtype, as the elementwise derivatives are: more accurate, and what the backward pass saves stays
    in x's dtype (a float32 tangent would make it save float32 factors, twice the bytes).
    """

    def jvp(x: jax.Array, y: jax.Array, t: jax.Array, axis: int = -1) -> jax.Array:
        a, b = jnp.split(x, 2, axis)
        ta, tb = jnp.split(t, 2, axis)
        if x.dtype in _stable.HALF:
            a32 = a.astype(jnp.float32)
            g, dg = both(b.astype(jnp.float32))
            return ta * g.astype(x.dtype) + (a32 * dg).astype(x.dtype) * tb
        g, dg = both(b)
        return ta * g + a * dg * tb

    return jvp


def _sigmoid_and_prime_apart(b: jax.Array) -> tuple[jax.Array, jax.Array]:
    # σ(b) and σ′(b) = e/(1 + e)² from one e = exp(−|b|), each with its own division: a shared
    # 1/(1 + e) is a loop of its own on CPU (XLA keeps it in memory for both consumers: four loops
    # in glu's fwd+bwd, where autodiff's has three).
    pos = b >= 0
    e = jnp.exp(jnp.where(pos, -b, b))
    return jnp.where(pos, 1.0, e) / (1 + e), e / ((1 + e) * (1 + e))


@register(
    path="closed_form",
    why=(
        "σ′ = e/(1 + e)² (float32 f′ 2.7 ulp; autodiff's σ(1 − σ), as jax.nn's, 73) and 0.75x the residual "
        "bytes, at a cost in time: fwd+bwd with f(x) kept 1.04–1.21x jax.nn's (float32, 2^16–2^24: the "
        "backward recomputes an exp and a division σ(1 − σ) reads from the output), 0.90–0.96x (bfloat16, "
        "float32 maths rounded once); Dense block 1.01x"
    ),
    jvp=_gated_jvp_of_pair(_sigmoid_and_prime_apart),
    range=(-inf, inf),
    formula="a*sigmoid(b), [a, b] = split(x)",
    smooth=True,
    jax_nn="glu",
    gated=True,
    torch="glu",
    static=("axis",),
    validate=functools.partial(_check_halves, fname="glu"),
    examples=({"axis": 0},),
    mp=lambda m, row: [a / (1 + m.exp(-b)) for a, b in zip(row[: len(row) // 2], row[len(row) // 2 :], strict=True)],
    citation="Dauphin, Fan, Auli & Grangier, 'Language Modeling with Gated Convolutional Networks', ICML 2017",
)
def glu(x: ArrayLike, axis: int = -1) -> jax.Array:
    """Gated linear unit: split x in halves [a, b] along ``axis``; f = a·σ(b). Range ℝ.

    JVP: t_a·σ(b) + a·σ(b)σ(−b)·t_b. As jax.nn: an infinite value half times a gate that has
    underflowed to 0 gives NaN.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.glu(jnp.array([[1.0, 2.0, 3.0, 4.0]]))
      Array([[0.9526, 1.964 ]], dtype=float32)
    """
    a, b = jnp.split(x, 2, axis)
    return a * _stable.sigmoid_differentiable(b)


def _halves_mp(gate: Callable[[Any, Any], Any]) -> Callable[[Any, list[Any]], list[Any]]:
    def mp(m: Any, row: list[Any]) -> list[Any]:
        h = len(row) // 2
        return [a * gate(m, b) for a, b in zip(row[:h], row[h:], strict=True)]

    return mp


_SHAZEER = "Shazeer, 'GLU Variants Improve Transformer', arXiv:2002.05202, 2020"


@register(
    path="closed_form",
    why=(
        "fwd+bwd as autodiff's (0.93–1.06x its time) with 0.75x its residual bytes; the JVP is two products "
        "and a select"
    ),
    jvp=_gated_jvp(lambda b: jnp.maximum(b, 0), lambda b: (b > 0).astype(b.dtype)),
    range=(-inf, inf),
    formula="a*relu(b), [a, b] = split(x)",
    gated=True,
    static=("axis",),
    validate=functools.partial(_check_halves, fname="reglu"),
    examples=({"axis": 0},),
    mp=_halves_mp(lambda m, b: max(b, 0)),
    kinks=(0.0,),
    citation=_SHAZEER,
)
def reglu(x: ArrayLike, axis: int = -1) -> jax.Array:
    """ReGLU: split x in halves [a, b] along ``axis``; f = a·relu(b). Range ℝ.

    The gated feed-forward unit of Shazeer 2020 (with the projections outside: FFN(x) =
    reglu(x·[W, V])·W₂). JVP: t_a·relu(b) + a·[b > 0]·t_b.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.reglu(jnp.array([[1.0, 2.0, -3.0, 4.0]]))
      Array([[0., 8.]], dtype=float32)
    """
    a, b = jnp.split(x, 2, axis)
    # relu as jaxact.relu writes it, not jnp.maximum(b, 0), whose derivative ½ at the tie b = 0 gave
    # the autodiff twin relu′(0) = ½ (jax.nn's and the default path's: 0); NaN stays NaN.
    return a * jnp.where(b > 0, b, jnp.where(b <= 0, jnp.zeros_like(b), lax.stop_gradient(b)))


def _gelu_exact(b: jax.Array) -> jax.Array:
    return _gates.gelu.activation.raw(b, approximate=False)


def _d_gelu_exact(b: jax.Array) -> jax.Array:
    return _gates.gelu.activation.raw_derivative(b, approximate=False)


@register(
    path="closed_form",
    why="fwd+bwd as autodiff's (0.94–1.01x its time: one erfc and one exp) with 0.40x its residual bytes",
    jvp=_gated_jvp(_gelu_exact, _d_gelu_exact),
    range=(-inf, inf),
    formula="a*gelu(b), [a, b] = split(x)",
    smooth=True,
    gated=True,
    static=("axis",),
    validate=functools.partial(_check_halves, fname="geglu"),
    examples=({"axis": 0},),
    mp=_halves_mp(lambda m, b: b * m.ncdf(b)),
    f64_ulps=(16, 4),
    accuracy_note=(
        "the gate is jaxact.gelu(b, approximate=False): float32's ½b·erfc(−b/√2) carries the rounding of "
        "b/√2, amplified in erfc's tail (40 ulp), and so does the JVP's φ(b), taken as e^(−u²) from erfc's own "
        "exp (70 ulp, as autodiff's; e^(−b²/2) is 40 at 1.17x the fwd+bwd time); float64 carries b/√2 in twice "
        "the precision, which leaves XLA's erfc just below u = 1, where it is 1 − erf(u) (5 ulp on the grid, up "
        "to 13)"
    ),
    citation=_SHAZEER,
)
def geglu(x: ArrayLike, axis: int = -1) -> jax.Array:
    """GEGLU: split x in halves [a, b] along ``axis``; f = a·GELU(b), GELU exact (erf). Range ℝ.

    JVP: t_a·GELU(b) + a·GELU′(b)·t_b. (For the tanh form: ``a * jaxact.gelu(b)``.)

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.geglu(jnp.array([[1.0, 2.0, -3.0, 4.0]]))
      Array([[-4.0497e-03,  7.9997e+00]], dtype=float32)
    """
    a, b = jnp.split(x, 2, axis)
    return a * _gelu_exact(b)


@register(
    path="closed_form",
    why=(
        "silu′'s accurate form (max f′ error 2.6 ulp float32, 3 float64; autodiff 7.4 and 8) and 0.43x "
        "autodiff's residual bytes, for 1.06–1.18x its fwd+bwd time with f(x) kept (float32, 2^16–2^22)"
    ),
    jvp=_gated_jvp_of_pair(_gates.silu_and_prime),
    range=(-inf, inf),
    formula="a*silu(b), [a, b] = split(x)",
    smooth=True,
    gated=True,
    static=("axis",),
    validate=functools.partial(_check_halves, fname="swiglu"),
    examples=({"axis": 0},),
    mp=_halves_mp(lambda m, b: b / (1 + m.exp(-b))),
    citation=_SHAZEER,
)
def swiglu(x: ArrayLike, axis: int = -1) -> jax.Array:
    """SwiGLU: split x in halves [a, b] along ``axis``; f = a·silu(b) = a·b·σ(b). Range ℝ.

    The feed-forward unit of PaLM and LLaMA. JVP: t_a·silu(b) + a·silu′(b)·t_b.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.swiglu(jnp.array([[1.0, 2.0, -3.0, 4.0]]))
      Array([[-0.1423,  7.8561]], dtype=float32)
    """
    a, b = jnp.split(x, 2, axis)
    return a * _gates.silu.activation.raw(b)


@register(
    path="closed_form",
    why="a tie: the JVP is autodiff's two products (fwd+bwd 1.00–1.05x its time, the same residual bytes)",
    jvp=_gated_jvp(lambda b: b, jnp.ones_like),
    range=(-inf, inf),
    formula="a*b, [a, b] = split(x)",
    smooth=True,
    gated=True,
    static=("axis",),
    validate=functools.partial(_check_halves, fname="bilinear"),
    examples=({"axis": 0},),
    mp=_halves_mp(lambda m, b: b),
    accuracy_note=(
        "JVP t_a·b + a·t_b: with a and b near the dtype's max both products overflow, to inf − inf = NaN "
        "where their true sum is finite (1 input of the edge sweep in bfloat16, float16, float32)"
    ),
    citation=_SHAZEER,
)
def bilinear(x: ArrayLike, axis: int = -1) -> jax.Array:
    """Bilinear GLU: split x in halves [a, b] along ``axis``; f = a·b. Range ℝ.

    JVP: t_a·b + a·t_b.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> jaxact.bilinear(jnp.array([[1.0, 2.0, -3.0, 4.0]]))
      Array([[-3.,  8.]], dtype=float32)
    """
    a, b = jnp.split(x, 2, axis)
    return a * b
