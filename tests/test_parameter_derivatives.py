"""A learnable parameter's second and mixed derivatives (∂²f/∂p², ∂x(∂f/∂p), ∂p(∂f/∂x)), which
gradient penalties, meta-learning and jax.hessian take: finite wherever the maths is, and accurate
where an audit found them wrong (each case below failed before its fix). First derivatives in the
parameters are checked against mpmath in tests/test_reference.py."""

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest

import jaxact
from jaxact import registry

from .cases import entry_params


def _float_params(entry):
    return [k for k, v in entry.params.items() if isinstance(v, float)]


def _second_derivatives(entry, name, dtype, x):
    """(∂²f/∂p², ∂x(∂f/∂p), ∂p(∂f/∂x)) through the default path, one x at a time."""
    f = lambda p, v: entry.fn(v, **{**entry.params, name: p})  # noqa: E731
    p = jnp.asarray(entry.params[name], dtype)
    x = jnp.asarray(x, dtype)
    # One jitted program: eager, each op of three second derivatives dispatches alone (3x the time).
    return jax.jit(
        lambda p, x: tuple(jax.vmap(jax.grad(jax.grad(f, i), j), (None, 0))(p, x) for i, j in ((0, 0), (0, 1), (1, 0)))
    )(p, x)


# Finite x where the maths is finite: sine's and snake's x²·sin(·) leaves the float range beyond
# |x| = 1e4 and pade's normalising w stops at |x| = 1/eps (docs/numerics.md); their inputs stop there.
_LIMITED = {"sine": 1e4, "snake": 1e4, "pade": 1e6}


# pade's ten coefficients compile three second derivatives and a Hessian each (7 s per dtype, jitted):
# its float64 case is `slow` (runs with JAXACT_FULL_TESTS=1), its float32 one in the runs that draw pade.
@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize(
    "entry,dtype",
    [
        pytest.param(
            e.values[0],
            d,
            id=f"{e.id}-{d.__name__}",
            marks=[pytest.mark.slow] if e.id == "pade" and d == jnp.float64 else [],
        )
        for e in entry_params()
        if e.values[0].elementwise and _float_params(e.values[0])
        for d in (jnp.float32, jnp.float64)
    ],
)
def test_second_and_mixed_parameter_derivatives_are_finite_at_finite_x(entry, dtype):
    """isru's and isrlu's forward-over-reverse mixed derivative was NaN where αx² overflows
    (float32 |x| > 1.8e19): the cap on s met a tangent α̇x² = inf."""
    big = float(jnp.finfo(dtype).max) / 4
    xs = np.array([0.0, -0.0, 1e-30, -1e-30, 0.5, -1.5, 20.0, -20.0, 1e4, -1e4, 1e20, -1e20, big, -big])
    xs = xs[np.abs(xs) <= _LIMITED.get(entry.name, np.inf)]
    for name in _float_params(entry):
        for what, d in zip(
            ("∂²f/∂p²", "∂x(∂f/∂p)", "∂p(∂f/∂x)"), _second_derivatives(entry, name, dtype, xs), strict=True
        ):
            bad = ~np.isfinite(np.asarray(d, np.float64))
            assert not bad.any(), f"{entry.name} {what} in {name}: {np.asarray(d)[bad]} at x={xs[bad]}"
        h = jax.jit(
            jax.vmap(jax.hessian(lambda p, v, n=name: entry.fn(v, **{**entry.params, n: p}), (0, 1)), (None, 0))
        )(jnp.asarray(entry.params[name], dtype), jnp.asarray(xs, dtype))
        for row in h:
            for d in row:
                bad = ~np.isfinite(np.asarray(d, np.float64))
                assert not bad.any(), f"{entry.name} jax.hessian in ({name}, x): non-finite at x={xs[bad]}"


def _mp_second(entry, name, x, order, params=None):
    params = {**entry.params, **(params or {})}
    with mpmath.workdps(60):
        p = {k: mpmath.mpf(v) if isinstance(v, float) else v for k, v in params.items()}
        g = lambda v, t: entry.mp(mpmath.mp, v, **{**p, name: t})  # noqa: E731
        return float(mpmath.diff(g, (mpmath.mpf(x), p[name]), order))


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64], ids=lambda d: d.__name__)
def test_celu_alpha_second_derivatives_keep_their_digits_in_the_tail(dtype):
    """∂²f/∂α² = u²eᵘ/α and ∂x(∂f/∂α) = −u·eᵘ/α (u = x/α): through expm1, whose jax derivative is
    expm1(u) + 1, they cancelled for u ≪ 0 (float32 5 % off at u = −20, float64 2 % at −50)."""
    e = registry.get("celu")
    xs = [-3.0, -10.0, -20.0] + ([-50.0] if dtype == jnp.float64 else [])
    d2, dx, _ = _second_derivatives(e, "alpha", dtype, xs)
    rtol = 1e-5 if dtype == jnp.float32 else 1e-12
    np.testing.assert_allclose(np.asarray(d2, np.float64), [_mp_second(e, "alpha", x, (0, 2)) for x in xs], rtol=rtol)
    np.testing.assert_allclose(np.asarray(dx, np.float64), [_mp_second(e, "alpha", x, (1, 1)) for x in xs], rtol=rtol)


@pytest.mark.parametrize("name", ["swish", "acon_c"])
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64], ids=lambda d: d.__name__)
def test_beta_second_derivative_near_zero_is_relatively_accurate(name, dtype):
    """∂²f/∂β² = x³σ″(βx) as βx → 0: σ′ as e/(1 + e)² cancels there (float32 7.5 % off at β = 0.1,
    x = 1e−5; 7 % at β = 1e−8, x = 100)."""
    e = registry.get(name)
    for beta, x in [(0.1, 1e-5), (1.0, 1e-5), (1e-8, 100.0), (1e-3, 1.0), (1.0, 1.0)]:
        f = lambda b, v: e.fn(v, beta=b)  # noqa: E731
        got = float(jax.grad(jax.grad(f))(jnp.asarray(beta, dtype), jnp.asarray(x, dtype)))
        want = _mp_second(e, "beta", x, (0, 2), {"beta": beta})
        rtol = 1e-5 if dtype == jnp.float32 else 1e-12
        assert abs(got - want) <= rtol * abs(want), f"{name} β={beta} x={x}: {got} vs mpmath {want}"


def test_pelu_mixed_derivatives_are_symmetric_at_zero():
    """∂x(∂f/∂a) at x = 0 is 1/b and ∂x(∂f/∂b) is −a/b², equal to the other order: jnp.minimum's
    derivative ½ at its tie halved the first (jax.hessian asymmetric)."""
    for name, want in [("a", 1 / 0.5), ("b", -1.5 / 0.25)]:
        f = lambda p, x, n=name: jaxact.pelu(x, **{**{"a": 1.5, "b": 0.5}, n: p})  # noqa: E731
        p = {"a": 1.5, "b": 0.5}[name]
        for x in (0.0, -0.0):
            assert float(jax.grad(jax.grad(f, 0), 1)(p, x)) == pytest.approx(want, rel=1e-6)
            assert float(jax.grad(jax.grad(f, 1), 0)(p, x)) == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("name,param,limit", [("celu", "alpha", -1.0), ("pelu", "b", 0.0)])
def test_half_precision_parameter_gradient_at_minus_inf_for_a_large_parameter(name, param, limit):
    """float16 parameter ≥ 6.56: the saturation test's −1e4·p overflowed to −inf, and u·eᵘ was NaN."""
    for p in (2.0, 8.0, 1000.0):
        g = jax.grad(lambda q: getattr(jaxact, name)(jnp.float16(-jnp.inf), **{param: q}))(jnp.float16(p))
        assert float(g) == limit, f"{name} ∂f/∂{param} at −inf, {param}={p}: {g}"


def test_squareplus_b_gradient_follows_one_over_four_x_where_x_squared_overflows():
    """∂f/∂b = 1/(4√(x² + b)): held at 1/(4t), t = √max/2, beyond t (11x the truth at 1e20, float32)."""
    xs = np.array([1e20, -1e20, 1e30, -1e30, 3.0, -2.0])
    got = jax.vmap(jax.grad(lambda b, v: jaxact.squareplus(v, b=b)), (None, 0))(jnp.float32(4.0), jnp.float32(xs))
    np.testing.assert_allclose(np.asarray(got, np.float64), 0.25 / np.sqrt(xs**2 + 4.0), rtol=2e-7)


@pytest.mark.parametrize("name", ["isru", "isrlu"])
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64], ids=lambda d: d.__name__)
def test_isru_second_derivative_at_infinity_for_small_alpha(name, dtype):
    """f″(±inf) = 0 and f″(±1e30) finite for every α > 0, and f′ = 1 at α = 0 (traced): a clip bound
    √((max/2)/α) overflowed for α < ½, and then nothing was clipped (0·inf)."""
    f = getattr(jaxact, name)
    x = jnp.asarray([jnp.inf, -jnp.inf, 1e30, -1e30], dtype)
    for alpha in (1e-30, 0.1, 0.4, 1.0, 3.0):
        d2 = jax.vmap(jax.grad(jax.grad(lambda v, a=alpha: f(v, alpha=a))))(x)
        d2 = np.asarray(d2)
        assert np.all(d2[:2] == 0.0) and np.all(np.isfinite(d2)), f"{name} f″ at α={alpha}: {d2}"
    d1 = jax.jit(jax.vmap(jax.grad(lambda v, a: f(v, alpha=a)), (0, None)))(x, jnp.asarray(0.0, dtype))
    np.testing.assert_array_equal(np.asarray(d1)[x > 0], 1.0)


# ∂p(∂f/∂x) at x = ±inf: the limit of ∂p(∂f/∂x) at ±max, finite for these entries (celu, swish and
# acon_c were NaN there until 41a4784). Not here: sine and snake (no limit), star_relu (∞).
_MIXED_AT_INFINITY = ("pelu", "celu", "swish", "acon_c")


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", _MIXED_AT_INFINITY)
def test_mixed_parameter_derivative_at_infinity_is_its_limit(name, dtype):
    """pelu's ∂b(∂f/∂x) at x = −inf was NaN (e^u·(−x/b²)); want the value at ±max."""
    e = registry.get(name)
    big = float(jnp.finfo(dtype).max)
    for p in _float_params(e):
        at_inf = np.asarray(_second_derivatives(e, p, dtype, [np.inf, -np.inf])[2], np.float64)
        at_max = np.asarray(_second_derivatives(e, p, dtype, [big, -big])[2], np.float64)
        np.testing.assert_array_equal(at_inf, at_max, err_msg=f"{name} ∂{p}(∂f/∂x) at ±inf")


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize(
    "params",
    [
        {"p1": 1.0, "p2": 0.25, "beta": 2.0},  # β(p1 − p2) > 0: the gate opens towards +inf
        {"p1": 1.0, "p2": -0.5, "beta": -1.0},  # < 0: it opens towards −inf
        {"p1": 0.5, "p2": 0.5, "beta": 1.0},  # p1 = p2: the line p2·x
        {"p1": 1.0, "p2": 0.0, "beta": 0.0},  # β = 0, ACON's linear end: the line ((p1 − p2)/2 + p2)·x
    ],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()),
)
def test_acon_c_at_infinity_follows_the_gate_for_every_sign_of_beta(params, dtype):
    """f and f′ at ±inf are the limits of f and f′ at ±max: with β(p1 − p2) < 0 f(+inf) was +inf for
    p1 > 0 > p2 (want −inf: slope p2 there), with β(p1 − p2) = 0 f′(±inf) was NaN and f(−inf) 0."""
    e = registry.get("acon_c")
    big = float(jnp.finfo(dtype).max) / 4
    x = jnp.asarray([np.inf, -np.inf], dtype)
    far = jnp.asarray([big, -big], dtype)
    for fn in (e.fn, e.autodiff):
        f = lambda v, fn=fn: fn(v, **params)  # noqa: E731
        np.testing.assert_array_equal(np.sign(f(x)), np.sign(f(far)))
        assert np.isinf(np.asarray(f(x))).all() or not np.asarray(f(far)).any()
        np.testing.assert_allclose(jax.vmap(jax.grad(f))(x), jax.vmap(jax.grad(f))(far), rtol=1e-6)


def test_an_axis_mixing_entrys_closed_parameter_derivative_is_taken_for_a_scalar_parameter_only():
    """A user's softmax(x/τ) with param_derivatives={'tau': ∂f/∂τ}: with τ one value per feature along
    the softmax's axis, ∂f/∂τ·t_τ (elementwise) left out how τ_j moves the other outputs of the row, and
    a linen/nnx per-feature τ learned from a wrong gradient (the closed path's against finite
    differences: signs apart). A scalar τ keeps the closed form; an array one takes autodiff."""

    def jvp(x, y, t, tau=1.0, axis=-1):
        tt = t / tau
        return y * (tt - (y * tt).sum(axis, keepdims=True))

    def dtau(x, tau=1.0, axis=-1):
        y = jax.nn.softmax(x / tau, axis=axis)
        u = -x / tau**2
        return y * (u - (y * u).sum(axis, keepdims=True))

    @jaxact.register(jvp=jvp, static=("axis",), param_derivatives={"tau": dtau}, constraints={"tau": ("positive",)})
    def tsoftmax(x, tau=1.0, axis=-1):
        """softmax(x/τ)."""
        return jax.nn.softmax(x / tau, axis=axis)

    try:
        x = jax.random.normal(jax.random.key(1), (3, 4))
        w = jax.random.normal(jax.random.key(2), (3, 4))
        for tau in (jnp.array([0.5, 1.0, 1.5, 2.0]), jnp.float32(0.7)):
            loss = lambda t, f: (f(x, tau=t) * w).sum()  # noqa: E731
            want = jax.grad(loss)(tau, jaxact.autodiff.tsoftmax)
            np.testing.assert_allclose(jax.grad(loss)(tau, jaxact.closed_form.tsoftmax), want, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(jax.grad(loss)(tau, tsoftmax), want, rtol=1e-5, atol=1e-6)
    finally:
        jaxact.unregister("tsoftmax")
