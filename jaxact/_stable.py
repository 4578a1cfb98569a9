"""Small numerically safe building blocks used by several families.

Each helper is written so that autodiff through it never sees an inf * 0 or
inf - inf in a branch that ``jnp.where`` later discards ("double where").
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax
from jax.custom_derivatives import SymbolicZero

# The half-precision dtypes, computed in float32 and rounded once wherever jaxact picks the working
# precision (registry's elementwise wrappers, the normalisers).
HALF = (jnp.dtype(jnp.bfloat16), jnp.dtype(jnp.float16))


def wider(*dtypes: Any) -> Any:
    """The dtype standard promotion gives ``dtypes`` (bfloat16 and float32: float32), for a computation
    that picks its own working precision: ``jnp.promote_types`` raises under
    ``jax.numpy_dtype_promotion("strict")``, where the caller's dtypes are not mixed at all."""
    with jax.numpy_dtype_promotion("standard"):
        return jnp.result_type(*dtypes)


def broadcast_over(c: Any, x: Any) -> jax.Array:
    """``c`` broadcast against ``x``; of x's shape, it is sharded as x is wherever c is not sharded
    itself. Under explicit sharding (``jax.make_mesh``'s default axis types) a plain broadcast is
    typed as c is (replicated, for a parameter): its cotangent, of x's size, was all-gathered onto
    every device before the sum to c's shape (a learned slope over a sharded bfloat16 input; smelu's
    array β), and a select against x refused the mixed shardings (threshold's learned value). A c
    sharded otherwise than x keeps the plain broadcast: resharding it here would not help, as the
    function's own selects between x and c refuse the mixed layouts too (JAX's explicit-sharding
    rule; reshard such a parameter to x's layout first). Without a mesh, or with automatic axes,
    every spec is unsharded and the sharding given is the one the broadcast had."""
    shape = jnp.broadcast_shapes(jnp.shape(c), jnp.shape(x))
    if shape != jnp.shape(x):
        return jnp.broadcast_to(c, shape)
    to = jax.typeof(x).sharding
    own = tuple(jax.typeof(c).sharding.spec) if isinstance(c, jax.Array) else ()
    own = (None,) * (len(shape) - len(own)) + own
    if any(o is not None and o != t for o, t in zip(own, to.spec, strict=True)):
        return jnp.broadcast_to(c, shape)
    return jnp.broadcast_to(c, shape, out_sharding=to)


def _like(x: jax.Array, c: Any) -> Any:
    """``c`` broadcast to ``x``'s shape (and sharding: :func:`broadcast_over`); a Python number takes
    ``x``'s dtype, as it would as a weak scalar. jax.experimental.jet's rule for lax.min (and
    lax.clamp, which it expands into max then min) does not broadcast a scalar operand (JAX 0.10:
    "select cases must have the same shapes"), and XLA compiles a broadcast constant to the same
    program as the scalar."""
    if isinstance(c, (int, float)) and not isinstance(c, bool):
        return jnp.full_like(x, c)
    return broadcast_over(c, x)


def clip(x: jax.Array, lo: Any, hi: Any) -> jax.Array:
    """jnp.clip with its bounds broadcast to x (see :func:`_like`)."""
    return jnp.clip(x, _like(x, lo), _like(x, hi))


def clamp(lo: Any, x: jax.Array, hi: Any) -> jax.Array:
    """lax.clamp with its bounds broadcast to x (see :func:`_like`)."""
    return lax.clamp(_like(x, lo), x, _like(x, hi))


@functools.partial(jax.custom_jvp, nondiff_argnums=(2,))
def clipped_product(p: Any, x: jax.Array, bound: float) -> jax.Array:
    """clip(p·x, −bound, bound), the argument of a factor that has saturated beyond ±bound (σ, e^u).

    Its tangent is p·ẋ + ṗ·x inside and 0 beyond, by a select: autodiff of the clip multiplies by
    masks, so a parameter's tangent ṗ·x at x = ±inf (or one that overflows) became 0·inf = NaN in
    ∂p(∂f/∂x) where the truth is 0 (swish's and acon_c's ∂β f′ at ±inf); reverse mode sums ṗ's
    cotangent against x taken as 0 beyond. Not differentiated (a first derivative's program), it is
    the clip's own ops; a tangent in x alone (f″) skips ṗ's terms.
    """
    return clip(p * x, -bound, bound)


def _clipped_product_jvp(bound: float, primals: tuple[Any, jax.Array], tangents: tuple[Any, Any]) -> tuple[Any, Any]:
    (p, x), (tp, tx) = primals, tangents
    px = p * x
    inside = jnp.abs(px) < bound
    t = jnp.zeros_like(px) if type(tx) is SymbolicZero else p * tx
    if type(tp) is not SymbolicZero:
        t = t + tp * jnp.where(inside, x, jnp.zeros_like(x))
    # The primal through the helper again: a rule differentiated once more (∂p f″, ∂²p f′) keeps the guard.
    return clipped_product(p, x, bound), jnp.where(inside, t, jnp.zeros_like(t))


clipped_product.defjvp(_clipped_product_jvp, symbolic_zeros=True)


@jax.custom_jvp
def exp_quotient(x: jax.Array, a: Any) -> jax.Array:
    """e^(x/a), with a tangent that is finite where e^(x/a) is 0.

    The tangent e^u·(ẋ − u·ȧ)/a, u = x/a, takes u·ȧ as 0 where e^u is 0: autodiff multiplies e^u = 0
    by u's tangent −x·ȧ/a², 0·inf = NaN at x = −inf (celu's ∂α f′ there, whose truth is 0). Not
    differentiated it is the division and the exp; a tangent in x alone (f″) is autodiff's e^u·ẋ/a.
    """
    u = x / a
    lo = quotient_low(x, a)
    return jnp.exp(u) if lo is None else jnp.exp(u) * (1 + lo)


def quotient_low(x: jax.Array, a: Any) -> jax.Array | None:
    """float64: x/a − fl(x/a) to working precision, else None. A rounded u = x/a is off by up to
    ½ulp(u), which e^u turns into a relative error of |u|·eps/2 (celu′ at α = 0.7, x = −420: 385 ulp;
    exact for a power of two, every default); e^u·(1 + lo) corrects it. Taken as 0 beyond |x| = 1e300
    (Dekker's split overflows near max, and e^u is 0 or 1 there for any a the quotient does not
    overflow at); a constant of the derivative, as the error of swish's βx."""
    if x.dtype != jnp.float64:
        return None
    inside = jnp.abs(x) < 1e300  # NaN and ±inf too are outside
    xi = jnp.where(inside, x, jnp.zeros_like(x))
    u = xi / a
    hi, e = two_prod(u, a)
    return lax.stop_gradient(((xi - hi) - e) / a)


def _exp_quotient_jvp(primals: tuple[jax.Array, Any], tangents: tuple[Any, Any]) -> tuple[Any, Any]:
    (x, a), (tx, ta) = primals, tangents
    y = exp_quotient(x, a)  # through the helper again, as clipped_product's rule
    t = jnp.zeros_like(y) if type(tx) is SymbolicZero else tx / a
    if type(ta) is not SymbolicZero:
        xs = jnp.where(y == 0, jnp.zeros_like(x), x)  # a guarded input: no inf in a discarded branch
        t = t - (xs / a) * ta / a
    return y, y * t


exp_quotient.defjvp(_exp_quotient_jvp, symbolic_zeros=True)


def finite(x: jax.Array) -> jax.Array:
    """x with ±inf taken at ±max of its dtype (NaN stays NaN): the limit of a quotient or a
    saturating factor without inf/inf, and no 0·inf where reverse mode meets a discarded infinity.
    Python-float bounds: a weakly typed x stays weak."""
    big = float(jnp.finfo(x.dtype).max)
    return clip(x, -big, big)


def minimum(x: jax.Array, c: Any) -> jax.Array:
    """jnp.minimum(x, c) with c broadcast to x (see :func:`_like`)."""
    return jnp.minimum(x, _like(x, c))


def sigmoid(x: jax.Array) -> jax.Array:
    return lax.logistic(x)


def sigmoid_differentiable(x: jax.Array) -> jax.Array:
    """σ(x) for a derivative to be taken of it: XLA's logistic; float64 (static at trace time) as
    r or e·r, e = exp(−|x|) per sign and r = 1/(1 + e), the same value, whose autodiff is e·r²
    rather than σ(1 − σ): that is 0 for x > 37, where σ′ ≈ e^(−x), and every derivative taken
    through a σ (softplus″, log_sigmoid″, glu′) inherits it. Not for forwards that guard their
    input (swish's stand-in for ±inf): with three uses of x, XLA on CPU computes the stand-in
    as a loop of its own."""
    if x.dtype != jnp.float64:
        return lax.logistic(x)
    return sigmoid_and_prime(x)[0]  # XLA drops the unused σ′


def sigmoid_prime(x: jax.Array, near_zero: bool = False) -> jax.Array:
    """σ(x)(1 − σ(x)) as e/(1 + e)², e = exp(−|x|): one exp, no cancellation in 1 − σ for x ≫ 0.

    JAX differentiates |x| as +1 at ±0, the x ≥ 0 branch's slope, so e = e^(−x) around 0 and the
    second and third derivatives through this form are right there (σ‴(0) = −1/8). −jnp.abs
    compiles to an abs and a negate, where the per-sign ``jnp.where(x >= 0, -x, x)`` is a compare,
    a negate and a select: σ′'s fwd+bwd at jax.nn's time (0.99–1.01x, float32 2^16–2^24, paired,
    two runs), the select's 1.04–1.07x.
    float64, and any dtype with ``near_zero``, takes ¼ − ¼t², t = tanh(x/2), for |x| < 1: autodiff of
    e/(1 + e)² subtracts two terms of size ¼ there, and σ″ ≈ −x/8 rounds to 0 for |x| < 1e−16 (so
    would (1 − t)(1 + t)'s). A tanh and a select more: float32 forms that are differentiated again
    ask for it (a learned β's ∂²f/∂β²), f′ itself does not.
    """
    e = jnp.exp(-jnp.abs(x))
    tail = e / jnp.square(1 + e)
    if x.dtype != jnp.float64 and not near_zero:
        return tail
    t = tanh(0.5 * x)
    return jnp.where(jnp.abs(x) < 1, 0.25 - 0.25 * (t * t), tail)


def sigmoid_and_prime(x: jax.Array, lo: jax.Array | None = None) -> tuple[jax.Array, jax.Array]:
    """(σ(x), σ′(x)) from one exp and one division, neither cancelling in the tails.

    e = exp(−|x|), r = 1/(1 + e): σ = r for x ≥ 0, e·r below; σ′ = e·r². −|x| is
    taken per sign with the select σ needs anyway (JAX's slope of jnp.abs at 0 is the
    x ≥ 0 branch's too), so derivatives of σ′ are right at 0. With ``lo``, of the argument x + lo
    carried in twice the precision (|lo| ≤ ulp(x)/2): e = e^(−|x|)·(1 ∓ lo).
    """
    pos = x >= 0
    e = jnp.exp(jnp.where(pos, -x, x))
    if lo is not None:
        e = e * jnp.where(pos, 1 - lo, 1 + lo)
    r = 1 / (1 + e)
    return jnp.where(pos, 1.0, e) * r, e * (r * r)


@jax.custom_jvp
def sigmoid_pair(x: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(σ(x), σ(−x)) as s = 1/(1 + e) and e·s, e = e^(−x), with tangents ±σ(x)σ(−x)·ẋ. Autodiff of
    these would take −ė/(1 + e)², 0 for x < −44 in float32 where (1 + e)² overflows, and e·ṡ + ė·s,
    which cancels to rounding noise where e·s rounds to 1 (x < −17): f″ through swish's
    float32 derivative (gates) lost both (twice the truth at x = −50)."""
    e = jnp.exp(-x)
    s = 1 / (1 + e)
    return s, e * s


@sigmoid_pair.defjvp
def _sigmoid_pair_jvp(primals: tuple[jax.Array], tangents: tuple[jax.Array]) -> tuple[Any, Any]:
    (x,), (t,) = primals, tangents
    s, q = sigmoid_pair(x)
    d = (s * q) * t
    return (s, q), (d, -d)


def tanh(x: jax.Array) -> jax.Array:
    """tanh(x): XLA's; float64 (static at trace time) as n/(1 + e) per sign, e = exp(−2|x|) and
    n = 1 − e (−expm1(−2|x|) for |x| < ½, where 1 − e cancels), ≤ 3 ulp (XLA's float64 tanh: 6).

    Its autodiff is 2e/(1 + e) + 2en/(1 + e)², two positive terms, where jax's tanh rule takes
    1 − tanh², which is 0 or eps for |x| > 19 (sech² ≈ 4e^(−2|x|)): every derivative taken through
    a tanh (lisht″, telu″, tanhshrink″, mish″) inherits that. n is not −expm1 throughout: jax
    differentiates expm1(u) as expm1(u) + 1, which cancels where e ≪ 1.
    """
    if x.dtype != jnp.float64:
        return jnp.tanh(x)
    return _tanh_and_exp(x)[0]


def _tanh_and_exp(x: jax.Array) -> tuple[jax.Array, jax.Array]:
    """float64 (tanh(x), e = exp(−2|x|)) as in :func:`tanh`; :func:`tanh_prime` takes its sech² from
    the same e, so a derivative and its function share one exp."""
    # Clamped where e has underflowed (tanh = ±1): a cotangent of size max (mish's x·tanh at x = max)
    # would otherwise sum to inf in e's and meet e = 0. A select, so that its derivative is one too,
    # and one that lets NaN through (lax.clamp's derivative is 0 at NaN: tanh′(NaN) would be 0).
    x = jnp.where(jnp.abs(x) > 400, jnp.where(x > 0, _like(x, 400.0), _like(x, -400.0)), x)
    pos = x >= 0
    u = 2 * jnp.where(pos, -x, x)
    e = jnp.exp(u)
    t = jnp.where(u > -1, -jnp.expm1(u), 1 - e) / (1 + e)
    # ±t as a product: a select of t and −t would make XLA on CPU compute t in a loop of its own.
    return t * jnp.where(pos, _like(x, 1.0), _like(x, -1.0)), e


def tanh_prime(x: jax.Array) -> jax.Array:
    """1 − tanh²(x).

    float64 (static at trace time): sech²(x) = 4e/(1 + e)², e = exp(−2|x|), which
    keeps full relative accuracy in the tails, and 1 − t² with :func:`tanh`'s t for
    |x| < ½, where autodiff of 4e/(1 + e)² would cancel (tanh″ ≈ −2x rounds to 0 for
    |x| < 1e−16). Lower precisions: (1 − t)(1 + t), as cheap as autodiff of tanh (XLA's
    fast tanh); its absolute error is below eps, but it is 0 from |x| ≈ 8.0 in float32,
    where XLA's float32 tanh is exactly 1 (from |x| = 7.9988; the true derivative there is
    4.5e−7), as jax.nn's is.
    """
    if x.dtype != jnp.float64:
        t = jnp.tanh(x)
        return (1 - t) * (1 + t)
    t, e = _tanh_and_exp(x)
    return jnp.where(jnp.abs(x) < 0.5, 1 - t * t, 4 * e / jnp.square(1 + e))


def softplus(x: jax.Array) -> jax.Array:
    """log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)), never overflowing.

    Not jnp.logaddexp: that is a custom_jvp, which would put a custom rule inside
    the plain-autodiff path (and break Taylor mode there). −|x| is written per
    sign, so every derivative at 0 is right.
    """
    pos, e = _softplus_exp(x)
    return jnp.where(pos, x, jnp.zeros_like(x)) + jnp.log1p(e)


def _softplus_exp(x: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(x > 0, e^(−|x|)) as :func:`softplus` and :func:`softplus_prime` both take them: one
    expression, so that XLA merges the two exps where f and f′ meet in one program."""
    pos = x > 0
    return pos, jnp.exp(jnp.where(pos, -x, x))


def softplus_prime(x: jax.Array) -> jax.Array:
    """softplus′(x) = σ(x) from the e = e^(−|x|) that :func:`softplus` computes, written as it writes
    it: XLA then merges the two exps, and a program that keeps f(x) and f′(x) (a training step's
    forward and backward) computes one exp where ``lax.logistic`` beside the forward computes a
    second (fwd+bwd 1.15–1.68x autodiff's time, float32 2^16–2^22, with the forward kept). No
    cancellation: σ = 1/(1 + e) for x > 0, e/(1 + e) below; its own derivative, e/(1 + e)² on
    either side, is right at 0 (the x ≤ 0 branch's, e = 1). float64 keeps
    :func:`sigmoid_differentiable`, whose second derivative holds beyond x = 37.
    """
    if x.dtype == jnp.float64:
        return sigmoid_differentiable(x)
    pos, e = _softplus_exp(x)
    return jnp.where(pos, jnp.ones_like(x), e) / (1 + e)


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
    """(1 + αx²)^(−3/2) as rsqrt(s)/s: two roundings after s (rsqrt cubed has four: 5–7 ulp).
    s = 1 + (αx)·x, αx first, so that a tiny α does not meet an overflowing x² (α = 1e−30,
    x = 1e20: s = 1e10). x is clipped where αx² would pass half the dtype's max: the true value
    has underflowed there, and s stays finite, and so does its tangent α̇·x² for α ≥ 1 (a cap on s
    itself met α̇·x² = inf in forward-over-reverse: jax.hessian in (α, x) was NaN at x = 1e20 in
    float32; for α < 1, x² itself passes the max before αx² does, and that mixed derivative is
    still NaN beyond |x| ≈ 1.8e19). Every factor of f‴ is finite up to α ~1e18 in float32, whose α²
    terms overflow beyond. The bound is a constant of the derivative, as the cap was."""
    fi = jnp.finfo(x.dtype)
    # √(max/2)·α^(−½), not √((max/2)/α): that quotient overflows for α < ½ (then nothing was clipped,
    # and f″(±inf) was 0·inf); at most max, which α = 0 (s = 1 throughout) reaches.
    b = jax.lax.stop_gradient(
        jnp.minimum(float(fi.max / 2) ** 0.5 * jax.lax.rsqrt(jnp.maximum(alpha, fi.tiny)), fi.max)
    )
    xc = clip(x, -b, b)
    s = 1 + (alpha * xc) * xc
    return jax.lax.rsqrt(s) / s


def horner(coefficients: Sequence[float], y: jax.Array) -> jax.Array:
    """Σ c_k·y^k by Horner's rule (c_0 first): the series and rational forms that stand in for a
    formula where it cancels."""
    p = jnp.full_like(y, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        p = p * y + c
    return p


def square_threshold(dtype: jnp.dtype) -> float:
    """Half the largest |x| whose square is still finite in ``dtype``."""
    return float(jnp.finfo(dtype).max) ** 0.5 / 2


def cube_threshold(dtype: jnp.dtype) -> float:
    """Half the largest |x| whose cube is still finite in ``dtype``."""
    return float(jnp.finfo(dtype).max) ** (1.0 / 3.0) / 2


_DOUBLINGS = 8  # sin(ωx) where ωx overflows: |ω| up to 2^8 times the dtype's max / |x|


def _split(a: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Dekker's split a = hi + lo, each with half of the significand's bits. A huge a is split
    scaled down by 2^p (exact), so that 2^(p/2)·a does not overflow."""
    fi = jnp.finfo(a.dtype)
    half = (fi.nmant + 2) // 2
    big = jnp.abs(a) > 2.0 ** (fi.maxexp - half - 2)
    down = jnp.where(big, _like(a, 2.0 ** -(fi.nmant + 1)), _like(a, 1.0))
    up = jnp.where(big, _like(a, 2.0 ** (fi.nmant + 1)), _like(a, 1.0))
    b = a * down
    t = float(2**half + 1) * b
    hi = t - (t - b)
    return hi * up, (b - hi) * up


def two_prod(a: jax.Array, b: Any) -> tuple[jax.Array, jax.Array]:
    """a·b = hi + lo exactly (Dekker's two-product; |a·b| far below the dtype's max)."""
    hi = a * b
    ah, al = _split(a)
    bh, bl = _split(jnp.asarray(b, a.dtype) + jnp.zeros_like(a))
    return hi, ((ah * bh - hi) + ah * bl + al * bh) + al * bl


def sin_cos_of_product(w: Any, x: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(sin(w·x), cos(w·x)) of the exact product, not of its rounding.

    fl(w·x) is off by up to half an ulp of the product, which sin turns into an absolute error
    of that size: many ulps of a small sin near its roots, and no digits at all once the ulp of
    w·x passes π. Here w·x = hi + lo exactly (Dekker's two-product), and
    sin(hi + lo) = sin(hi)cos(lo) + cos(hi)sin(lo). Where w·x would overflow, the product is
    taken of x/2^n and the angle doubled n ≤ 8 times (sin 2θ = 2 sin θ cos θ,
    cos 2θ = (cos θ − sin θ)(cos θ + sin θ)), each doubling doubling the error: NaN-free for
    |w| ≤ 2^8 up to x = ±max (NaN at ±inf, where sin has no limit).

    Only selects, products and sums besides the four sin/cos: an exp2 or log here would be
    computed once into memory rather than fused into the backward loop.
    """
    w = jnp.asarray(w, x.dtype)
    fi = jnp.finfo(x.dtype)
    # n = the halvings that bring |w·x| below max/4: a count, so no gradient through it.
    xa = lax.stop_gradient(jnp.abs(x))
    first = float(fi.max) / 4 / jnp.maximum(lax.stop_gradient(jnp.abs(w)), 1.0)
    more = [xa > first * 2.0**i for i in range(_DOUBLINGS)]
    down = jnp.ones_like(x)
    for m in more:
        down = jnp.where(m, down * 0.5, down)
    hi, lo = two_prod(w, x * down)
    # Below 2^p·tiny the split's low part can be subnormal, which the CPU flushes to 0: there
    # ωx is tiny, sin(ωx) = fl(ωx) = hi already, and lo is dropped.
    lo = jnp.where(xa < float(fi.tiny) * 2.0 ** (fi.nmant + 1), jnp.zeros_like(lo), lo)
    sh, ch = jnp.sin(hi), jnp.cos(hi)
    sl, cl = jnp.sin(lo), jnp.cos(lo)
    s = sh * cl + ch * sl
    c = ch * cl - sh * sl
    for m in more:
        s, c = jnp.where(m, 2 * s * c, s), jnp.where(m, (c - s) * (c + s), c)
    return s, c
