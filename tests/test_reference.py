"""Values and first derivatives against each entry's own arbitrary-precision definition (mpmath).

The reference (``entry.mp``) is the textbook formula evaluated at 50 digits,
independent of the jnp code and of the hand-written derivative (derivatives are
mpmath's numerical differentiation of that formula). So a changed forward
formula — softshrink's λ → 0.9λ, threshold's value + 0.1, isru's α → 1.1α in
function and derivative alike — fails here even where jax.nn has no twin.
Checked in float64, at the default and at every example parameter set, on
seeded random inputs (replay with JAXACT_TEST_SEED) plus fixed points.
"""

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest

import jaxact
from jaxact import verify

from .cases import SEED, elementwise_cases, vector_cases

mp = mpmath.mp
mp.dps = 50
FIXED = np.array([1e-8, -1e-8, 0.1, -0.1, 0.7, -1.3, 5.0, -5.0, 15.0, -15.0, 30.0, -30.0])
# The float64 target is 4 ulp for values and first derivatives; the few entries above it
# carry their measured bound and reason in the registry (entry.f64_ulps, .accuracy_note).


def _mp_params(params):
    return {k: (mp.mpf(v) if isinstance(v, float) else v) for k, v in params.items()}


def _inputs(entry, params):
    x = np.concatenate([np.random.default_rng(SEED).normal(scale=3.0, size=40), FIXED])
    # mpmath differentiates numerically: stay well clear of the kinks.
    return x[verify.away_from_kinks(entry, params, x, 1e-6)]


def _ulp_error(got, ref):
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    spacing = np.spacing(np.maximum(np.abs(ref), np.finfo(np.float64).tiny))
    return np.where(got == ref, 0.0, np.abs(got - ref) / spacing)


def _report(name, what, x, got, ref):
    err = _ulp_error(got, ref)
    i = int(np.argmax(err))
    return (
        f"{name} {what}: max {err.flat[i]:.1f} ulp at x={np.asarray(x).flat[i]!r} "
        f"(got {got.flat[i]!r}, mpmath {ref.flat[i]!r}) seed={SEED}"
    )


@pytest.mark.parametrize("entry,params,dtype", elementwise_cases(dtypes=(jnp.float64,)))
def test_elementwise_values_and_derivatives_match_mpmath(entry, params, dtype):
    x = _inputs(entry, params)
    p = _mp_params(params)
    ref = np.array([float(entry.mp(mp, mp.mpf(v), **p)) for v in x])
    dref = np.array([float(mp.diff(lambda t: entry.mp(mp, t, **p), mp.mpf(v))) for v in x])
    xa = jnp.asarray(x, dtype)
    value_ulps, deriv_ulps = entry.f64_ulps
    for path in ("fn", "autodiff", "closed_form"):
        f = getattr(entry, path)
        y = np.asarray(f(xa, **params))
        if entry.thresholded:  # a sum of terms of both signs: their absolute error (the entry's field)
            rel = np.abs(y - ref) / np.maximum(1, np.abs(x))
            assert rel.max() <= 32 * np.finfo(np.float64).eps, f"{entry.name} {path} value: {rel.max():.3g}"
        else:
            assert _ulp_error(y, ref).max() <= value_ulps, _report(entry.name, f"{path} value", x, y, ref)
    # Near a root of f′ (swish, mish, gelu have one) any float64 evaluation is off by about
    # eps·|x·f″(x)| — the conditioning there — which is unbounded in ulps of the tiny f′.
    # That part is allowed on top of the ulp bound; it vanishes away from the root.
    d2ref = np.array([float(mp.diff(lambda t: entry.mp(mp, t, **p), mp.mpf(v), 2)) for v in x]) if entry.smooth else 0
    slack = 8 * np.finfo(np.float64).eps * np.abs(x * d2ref)
    for path in ("fn", "closed_form"):  # the default, and the hand-written derivative it may take
        f = getattr(entry, path)
        d = np.asarray(jax.vmap(jax.grad(lambda v, f=f: f(v, **params)))(xa))
        if entry.thresholded:  # P′/Q − f·Q′/Q: terms of size 1, whatever f′'s own size (jaxact accuracy's rule)
            err = np.abs(d - dref) / np.spacing(np.maximum(np.abs(dref), 1.0))
        else:
            err = _ulp_error(np.where(np.abs(d - dref) <= slack, dref, d), dref)
        assert err.max() <= deriv_ulps, _report(entry.name, f"{path} f'", x, d, dref)


def _slices(x, axis):
    moved = np.moveaxis(x, axis, -1)
    return moved.reshape(-1, moved.shape[-1]), moved.shape


@pytest.mark.parametrize("entry,params,dtype", vector_cases(dtypes=(jnp.float64,)))
def test_axis_mixing_values_and_jvps_match_mpmath(entry, params, dtype):
    rng = np.random.default_rng(SEED)
    x = rng.normal(scale=3.0, size=(4, 6))  # even along both axes (glu splits in halves)
    t = rng.normal(size=x.shape)
    axis = params.get("axis", -1)
    rows, _ = _slices(x, axis)
    trows, _ = _slices(t, axis)
    ref, dref = [], []
    for r, tr in zip(rows, trows, strict=True):
        r_mp = [mp.mpf(v) for v in r]
        ref.append([float(v) for v in entry.mp(mp, r_mp)])
        n_out = len(ref[-1])
        dref.append(
            [
                float(
                    mp.diff(
                        lambda h, i=i, r=r_mp, d=tr: entry.mp(mp, [a + h * b for a, b in zip(r, d, strict=True)])[i], 0
                    )
                )
                for i in range(n_out)
            ]
        )
    xa, ta = jnp.asarray(x, dtype), jnp.asarray(t, dtype)
    for path in ("fn", "autodiff", "closed_form"):
        f = getattr(entry, path)
        y, jt = jax.jvp(lambda v, f=f: f(v, **params), (xa,), (ta,))
        got, _ = _slices(np.asarray(y), axis)
        got_t, _ = _slices(np.asarray(jt), axis)
        ref_a, dref_a = np.asarray(ref), np.asarray(dref)
        if entry.thresholded:  # x_i − τ: the terms' absolute error (see the entry's field)
            rel = np.abs(got - ref_a) / np.maximum(1, np.abs(rows).max(axis=-1, keepdims=True))
            assert rel.max() <= 32 * np.finfo(np.float64).eps, f"{entry.name} {path} value: {rel.max():.3g}"
        else:
            ulps = entry.f64_ulps[0]
            assert _ulp_error(got, ref_a).max() <= ulps, _report(entry.name, f"{path} value", rows, got, ref_a)
        # A JVP sums terms of both signs (softmax's y(t − Σyt) cancels for a dominant entry):
        # its error is measured against the size of those terms, |t|·max(1, |x|) per slice.
        scale = np.abs(trows).max(axis=-1, keepdims=True) * np.maximum(1, np.abs(rows).max(axis=-1, keepdims=True))
        rel = np.abs(got_t - dref_a) / scale
        assert rel.max() <= 32 * np.finfo(np.float64).eps, f"{entry.name} {path} jvp: {rel.max():.3g} seed={SEED}"


@pytest.mark.parametrize("beta", [1.0, 1.7])
def test_swish_beta_gradient_matches_mpmath(beta):
    """∂swish/∂β = x²σ′(βx) in closed form: autodiff's σ(1 − σ) gives 0 at x = 40 (truth 6.8e−15)."""
    e = jaxact.get("swish")
    x = np.concatenate([np.random.default_rng(SEED).normal(scale=5.0, size=30), [40.0, -40.0, 30.0, 0.5]])
    ref = np.array([float(mp.diff(lambda b, v=v: e.mp(mp, mp.mpf(v), b), mp.mpf(beta))) for v in x])
    for f in (e.fn, e.closed_form):
        got = jax.vmap(jax.grad(lambda b, v, f=f: f(v, b)), in_axes=(None, 0))(jnp.float64(beta), jnp.asarray(x))
        # e^(−βx) amplifies the rounding of βx (half an ulp) by |βx|: that much is allowed on top.
        err = _ulp_error(np.asarray(got), ref) - np.abs(beta * x) / 2
        assert err.max() <= 8, _report("swish", "d/dbeta", x, np.asarray(got), ref)


@pytest.mark.parametrize("name", ["swish", "acon_c"])
def test_beta_second_derivative_matches_mpmath_near_zero(name):
    """∂²f/∂β² in float64 against mpmath's second derivative of the entry's definition, x near 0
    too: through e/(1+e)² it cancelled (0 at x = 1e−30, 1e8 ulp at 1e−8; an audit's finding)."""
    e = jaxact.get(name)
    x = np.array([1e-30, -1e-30, 1e-8, -1e-8, 1e-4, 0.3, -0.3, 2.0, -5.0, 12.0])
    ref = np.array([float(_mp_diff(lambda b, v=v: e.mp(mp, mp.mpf(v), beta=b, **_no_beta(e)), 1.0, 2)) for v in x])
    got = np.array([float(jax.grad(jax.grad(lambda b, v=v: e.fn(jnp.float64(v), beta=b)))(1.0)) for v in x])
    assert _ulp_error(got, ref).max() <= 16, _report(name, "d2/dbeta2", x, got, ref)


def _no_beta(e):
    return {k: v for k, v in e.params.items() if k != "beta"}


TAILS = np.array([1e-30, -1e-30, 1e-8, -1e-8, 0.3, -0.3, 2.0, -2.0, 12.0, -12.0, 25.0, -25.0, 40.0, -40.0])


def _mp_diff(f, v, n, precisions=(120, 240, 480)):
    # A step relative to |x| (absolute below |x| = 1 would swamp f″(1e−30) ≈ 1e−31), in a working
    # precision raised until two agree: the difference of f's values cancels to f⁽ⁿ⁾·hⁿ, which for a
    # tail f″ (serf″(12) ≈ 1e−61 beside f ≈ 12) is below 120 digits of f.
    last = None
    for dps in precisions:
        with mp.workdps(dps):
            x0 = mp.mpf(v)
            val = mp.diff(f, x0, n, h=mp.mpf(2) ** -130 * max(abs(x0), mp.mpf(1e-30)))
        if last is not None and abs(val - last) <= abs(val) * mp.mpf(10) ** -30:
            return val
        last = val
    return last


@pytest.mark.sampled
@pytest.mark.parametrize("entry,params,dtype", elementwise_cases(dtypes=(jnp.float64,)))
def test_elementwise_second_derivatives_match_mpmath(entry, params, dtype):
    """float64 f″ of every smooth entry, through the default path and the hand-written derivative,
    at random inputs and at tiny and tail ones (where jax's own rules for tanh and σ lose f″: 1 − tanh²
    is 0 past |x| = 19, e/(1 + e)² differentiated at |x| < 1e−16 is 0). Held to 8 ulp or the entry's
    f′ bound (f″ adds a layer of roundings: squareplus, isru 5–6; `jaxact accuracy` reports each
    against the 4-ulp target), plus f″'s conditioning near its roots, eps·|x·f‴(x)|, as for f′ above."""
    if not entry.smooth:
        pytest.skip("not smooth: f″ is not defined at its kinks")
    x = np.concatenate([np.random.default_rng(SEED).normal(scale=3.0, size=24), TAILS])
    x = x[verify.away_from_kinks(entry, params, x, 1e-6)]
    p = _mp_params(params)

    def f_mp(t):
        return entry.mp(mp, t, **p)

    ref = np.array([float(_mp_diff(f_mp, v, 2)) for v in x])
    d3 = np.array([float(_mp_diff(f_mp, v, 3, (120,))) for v in x])  # a tolerance: no agreement needed
    # A truth within 2^52 of the smallest normal may be a product with a subnormal factor, which XLA
    # on CPU flushes to 0 (telu″ ≈ −2x·e²ˣ·sech²(eˣ) near x = 5.88): absolute error there.
    floor = np.finfo(np.float64).tiny * 2.0**52
    slack = 8 * np.finfo(np.float64).eps * np.abs(x * d3)
    bound = max(8.0, entry.f64_ulps[1])  # one layer of roundings more than f′ (the table: the 4-ulp target)
    normal = np.abs(ref) >= floor
    xa = jnp.asarray(x, dtype)
    for path in ("fn", "closed_form"):
        f = getattr(entry, path)
        d2 = np.asarray(jax.vmap(jax.grad(jax.grad(lambda v, f=f: f(v, **params))))(xa))
        if entry.thresholded:  # a rational's P/Q: terms of size 1 whatever f″'s own size (as for f′)
            err = np.abs(d2 - ref) / np.spacing(np.maximum(np.abs(ref), 1.0))
        else:
            err = _ulp_error(np.where(np.abs(d2 - ref) <= slack, ref, d2), ref)
        err = np.where(normal, err, np.abs(d2 - ref) / np.maximum(slack, floor))
        assert err.max() <= bound, _report(entry.name, f"{path} f''", x, d2, ref)


def _mp_softmax_family(name, row, t):
    """(value, JVP along t, the size of the JVP's terms) of one row, in mpmath: softmin is softmax
    of −x (tangent −t), log_softmax's JVP t − Σ s t."""
    sign = -1 if name == "softmin" else 1
    z = [sign * mp.mpf(v) for v in row]
    tz = [sign * mp.mpf(v) for v in t]
    total = mp.fsum(mp.exp(v) for v in z)
    s = [mp.exp(v) / total for v in z]
    st = mp.fsum(a * b for a, b in zip(s, tz, strict=True))
    out, jvp, terms = [], [], []
    for i, (si, ti) in enumerate(zip(s, tz, strict=True)):
        others = mp.fsum(abs(tz[j]) * s[j] for j in range(len(s)) if j != i)
        if name == "log_softmax":
            out.append(z[i] - mp.log(total))
            jvp.append(ti - st)
            terms.append(abs(ti) * (1 - si) + others)
        else:
            out.append(si)
            jvp.append(si * (ti - st))
            terms.append(si * (abs(ti) * (1 - si) + others))
    return out, jvp, terms


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_family_float64_jvp_exact_where_one_entry_dominates(name):
    """float64 JVPs of every path held to 16 ulp of each component's terms, (|J|·|t|)_i: for the
    dominant entry those are ~Σ_{j≠i} e^(x_j − x_i), so a JVP computed as t_i − Σ y t (autodiff through
    a stopped maximum, jax.nn's) is off by ~1e10 of them; a tie at the maximum is one of the rows."""
    rng = np.random.default_rng(SEED)
    x = rng.normal(scale=3.0, size=(7, 8))
    sign = -1 if name == "softmin" else 1
    x[:6, 3] = sign * (np.abs(x[:6]).max(axis=1) + np.array([0.0, 5.0, 15.0, 25.0, 35.0, 45.0]))
    x[6, 2] = x[6, 5] = sign * 9.0  # a tie
    t = rng.normal(size=x.shape)
    rows = [_mp_softmax_family(name, r, tr) for r, tr in zip(x, t, strict=True)]
    ref, dref, terms = (np.array([row[k] for row in rows], np.float64) for k in range(3))
    entry = jaxact.get(name)
    spacing = np.spacing(np.maximum(np.maximum(np.abs(dref), terms), np.finfo(np.float64).tiny))
    for path in ("fn", "autodiff", "closed_form"):
        y, jt = jax.jvp(getattr(entry, path), (jnp.asarray(x),), (jnp.asarray(t),))
        assert _ulp_error(y, ref).max() <= 4, _report(name, f"{path} value", x, np.asarray(y), ref)
        err = np.abs(np.asarray(jt) - dref) / spacing
        i = np.unravel_index(np.argmax(err), err.shape)
        assert err.max() <= 16, f"{name} {path} jvp: {err.max():.3g} ulp of its terms at row {i[0]} seed={SEED}"


def _float_param_cases():
    out = []
    for c in elementwise_cases(dtypes=(jnp.float64,)):
        params = c.values[1]
        out += [pytest.param(*c.values, k, id=f"{c.id}-{k}") for k, v in params.items() if isinstance(v, float)]
    return out


@pytest.mark.parametrize("entry,params,dtype,name", _float_param_cases())
def test_parameter_derivatives_match_mpmath(entry, params, dtype, name):
    """∂f/∂p of every float parameter through the default path (a learnable parameter's gradient:
    a closed form where the entry has one, else autodiff with x fixed) against mpmath's
    differentiation of the entry's definition in p, float64, within 64 ulp of |∂f/∂p| + |x·∂²f/∂p∂x|:
    the exact value at an x a few ulp away is accepted (where ∂f/∂p crosses 0, e.g. acon_c's ∂/∂p2,
    nothing better is possible), a gradient that keeps a few digits of itself where it is small
    (celu's ∂f/∂α as expm1(u) − u·eᵘ at small u) is not. An entry whose value sums terms of both
    signs (the registry's ``thresholded``: pade's ∂f/∂b_k = −f·|x|^k/Q keeps f's error near P's
    roots) is measured against max(that, |x|, 1)."""
    small = np.array([1e-5, -1e-5, 1e-3, -1e-3])  # where such cancellations show (clear of a kink at 0)
    x = np.concatenate([_inputs(entry, params), small[verify.away_from_kinks(entry, params, small, 1e-6)]])
    p = _mp_params(params)
    g = lambda v, t: entry.mp(mp, v, **{**p, name: t})  # noqa: E731
    ref = np.array([float(mp.diff(g, (mp.mpf(v), p[name]), (0, 1))) for v in x])
    mixed = np.array([float(mp.diff(g, (mp.mpf(v), p[name]), (1, 1))) for v in x])
    f = lambda q, v: entry.fn(v, **{**params, name: q})  # noqa: E731
    got = np.asarray(jax.vmap(jax.grad(f), (None, 0))(jnp.float64(params[name]), jnp.asarray(x, dtype)))
    scale = np.maximum(np.abs(ref) + np.abs(x * mixed), np.finfo(np.float64).tiny)
    if entry.thresholded:
        scale = np.maximum(np.maximum(scale, np.abs(x)), 1.0)
    err = np.where(got == ref, 0.0, np.abs(got - ref) / (scale * np.finfo(np.float64).eps))
    i = int(np.argmax(err))
    assert err[i] <= 64, (
        f"{entry.name} ∂/∂{name}: {err[i]:.1f} at x={x[i]!r} (got {got[i]!r}, mpmath {ref[i]!r}) seed={SEED}"
    )


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64], ids=lambda d: d.__name__)
def test_celu_alpha_gradient_is_relatively_accurate_where_its_terms_cancel(dtype):
    """celu's ∂f/∂α = expm1(u) − u·eᵘ (u = x/α) is ≈ −u²/2 where both terms are ≈ u: computed as
    written it keeps only eps/|u| of itself (float32, u = −3e−8: 2.5e7 ulp). Relative to mpmath,
    with x and α as rounded to the dtype; the absolute test above cannot see it."""
    rng = np.random.default_rng(SEED)
    eps = float(np.finfo(dtype).eps)
    u = -np.concatenate([np.logspace(-9, 1, 200), rng.uniform(1e-4, 2.0, 50)])
    grad = jax.jit(jax.vmap(jax.grad(jaxact.celu, argnums=1), (0, None)))
    for alpha in (0.3, 1.0, 40.0):
        x = np.asarray(jnp.asarray(u * alpha, dtype)).astype(np.float64)
        a = mpmath.mpf(float(np.asarray(jnp.asarray(alpha, dtype), np.float64)))
        with mpmath.workdps(40):
            ref = np.array([float(mpmath.expm1(v / a) - (v / a) * mpmath.exp(v / a)) for v in map(mpmath.mpf, x)])
        got = np.asarray(grad(jnp.asarray(x, dtype), jnp.asarray(alpha, dtype)), np.float64)
        keep = ref != 0
        err = np.abs(got[keep] - ref[keep]) / (np.abs(ref[keep]) * eps)
        i = int(np.argmax(err))
        assert err[i] <= 4, f"α={alpha}: {err[i]:.3g} ulp at x={x[keep][i]!r} seed={SEED}"


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.float32, jnp.float64], ids=lambda d: d.__name__)
def test_acon_c_is_finite_where_only_its_gate_argument_overflows(dtype):
    """ACON-C with p1 and p2 of opposite signs: (p1 − p2)·x overflows where f = p1·x or p2·x does not
    (float32 x = −2e38, p1 = 1, p2 = −1: f = 2e38; written (p1 − p2)x·σ + p2·x it was −inf·0 = NaN).
    Both paths' values against mpmath, and the default path's f′ (p1 or p2 there)."""
    big = float(jnp.finfo(dtype).max) * 0.6
    x = np.array([big, -big, big / 2, -big / 2])
    for p1, p2 in ((1.0, -1.0), (0.5, -0.9), (-0.75, 1.0)):
        want = np.array([float(p1 * mpmath.mpf(v) if np.sign(v) * (p1 - p2) > 0 else p2 * mpmath.mpf(v)) for v in x])
        for f in (jaxact.acon_c, jaxact.autodiff.acon_c):
            got = np.asarray(f(jnp.asarray(x, dtype), p1, p2, 1.0), np.float64)
            np.testing.assert_allclose(got, want, rtol=float(jnp.finfo(dtype).eps), err_msg=f"{f} p1={p1} p2={p2}")
        slope = jax.vmap(jax.grad(lambda v, p1=p1, p2=p2: jaxact.acon_c(v, p1, p2, 1.0)))(jnp.asarray(x, dtype))
        want = np.where(np.sign(x) * (p1 - p2) > 0, p1, p2)  # (p1 − p2) + p2: one rounding off p1
        np.testing.assert_allclose(np.asarray(slope, np.float64), want, rtol=2 * float(jnp.finfo(dtype).eps))


@pytest.mark.parametrize(
    ("name", "params", "truth"),
    [
        ("celu", {"alpha": 0.7}, lambda m, x: m.exp(x / m.mpf(0.7))),
        ("celu", {"alpha": 3.0}, lambda m, x: m.exp(x / 3)),
        ("pelu", {"a": 1.5, "b": 0.3}, lambda m, x: m.mpf(1.5) / m.mpf(0.3) * m.exp(x / m.mpf(0.3))),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_float64_exponential_tails_carry_the_quotients_rounding(name, params, truth):
    """f′ = e^(x/α) of a rounded x/α is off by |x/α|·eps/2 relatively: celu′ at α = 0.7, x = −420 was
    385 ulp off, pelu′ at b = 0.3, x = −100 206 (every default is a power of two, where x/α is exact)."""
    scale = params.get("alpha", params.get("b"))
    x = np.linspace(-700 * scale, -1e-3, 301)
    got = np.asarray(jax.vmap(jax.grad(lambda v: getattr(jaxact, name)(v, **params)))(jnp.asarray(x, jnp.float64)))
    with mpmath.workprec(200):
        want = np.array([float(truth(mpmath, mpmath.mpf(v))) for v in x])
    normal = want > np.finfo(np.float64).tiny
    err = np.abs(got - want)[normal] / np.spacing(want[normal])
    assert err.max() <= 4, (name, params, float(err.max()), float(x[normal][np.argmax(err)]))


def test_the_ulp_is_the_dtypes_own_down_to_the_flush_of_the_dtype_computed_in():
    """float16's ulp was floored at float16's smallest normal, 2^-14: every float16 truth below 2^-4
    counted in ulps of 2^-14 (jax.nn's sigmoid′ of 0 where the truth is 4.876e-4: 2045 ulp read as 8).
    The floor is where the CPU's flush-to-zero acts: float32's smallest normal (float64's for float64)."""
    from jaxact.tools.numerics import ulp_error

    assert ulp_error(np.array([0.0]), np.array([4.876e-4]), jnp.float16)[0] == pytest.approx(4.876e-4 * 2**22)
    assert ulp_error(np.array([1.0 + 2**-10]), np.array([1.0]), jnp.float16)[0] == 1.0
    assert ulp_error(np.array([2.0**-24]), np.array([0.0]), jnp.float16)[0] == 1.0  # a subnormal's spacing
    tiny32 = float(jnp.finfo(jnp.float32).tiny)
    assert ulp_error(np.array([0.0]), np.array([1e-35]), jnp.float32)[0] == pytest.approx(1e-35 / tiny32)
    assert ulp_error(np.array([0.0]), np.array([2.0**-110]), jnp.bfloat16)[0] == 2.0**7  # its own ulp, 2^-117
