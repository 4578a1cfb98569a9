"""Second and third derivatives through both paths: at 0, beside kinks, near overflow, every dtype.

These are the sweeps that catch an unused but infinite ``where`` branch (it
poisons reverse-over-reverse mode with NaN) and a form whose slope at 0 is not
its branch's (a select choosing the x < 0 branch at 0 while the chain rule
through |x| takes JAX's +1 there, or a function of |x| whose slope at 0 JAX
takes as 0, such as jnp.maximum(x, −x): f″(0) or f‴(0) comes out wrong).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact
from jaxact import verify

from .cases import elementwise_cases

POINTS = np.array([0.0, 1e-8, -1e-8, 0.5, -0.5, 1.0, -1.3, 3.0, -3.0, 8.0, -8.0, 20.0, -20.0])
PATHS = ("autodiff", "closed_form")


def _nth_grad(f, n):
    for _ in range(n):
        f = jax.grad(f)
    return jax.vmap(f)


def _smooth_cases():
    return [c for c in elementwise_cases(dtypes=(jnp.float64,)) if c.values[0].smooth]


@pytest.mark.sampled
@pytest.mark.parametrize("entry,params,dtype", _smooth_cases())
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("order", [2, 3])
def test_higher_derivatives_match_finite_differences(entry, params, dtype, path, order):
    """f⁽ⁿ⁾ by nested grad vs a central difference of f⁽ⁿ⁻¹⁾ taken through the *other* path."""
    f = lambda v: entry.path(path)(v, **params)  # noqa: E731
    other = lambda v: entry.path(PATHS[path == "autodiff"])(v, **params)  # noqa: E731
    h = 1e-4
    # C¹ functions with kinks (celu, sparse_plus): f″ jumps there; stay clear by more than h.
    x = POINTS[verify.away_from_kinks(entry, params, POINTS, 10 * h)]
    x = jnp.asarray(x, dtype)
    # Jitted (eager nested grads dispatch op by op: 4-5x the time), both offsets in one call.
    got = np.asarray(jax.jit(_nth_grad(f, order))(x))
    lower = np.asarray(jax.jit(_nth_grad(other, order - 1))(jnp.concatenate([x + h, x - h])))
    fd = (lower[: x.size] - lower[x.size :]) / (2 * h)
    scale = np.maximum(1.0, np.abs(fd))
    bad = np.abs(got - fd) > 1e-5 * scale
    assert not bad.any(), f"{entry.name} {path} order {order} at x={np.asarray(x)[bad]}: {got[bad]} vs {fd[bad]}"


def _smooth_float32_cases():
    return [c for c in elementwise_cases(dtypes=(jnp.float32,)) if c.values[0].smooth]


@pytest.mark.sampled
@pytest.mark.parametrize("entry,params,dtype", _smooth_float32_cases())
@pytest.mark.parametrize("path", PATHS)
def test_float32_higher_derivatives_match_float64(entry, params, dtype, path):
    """f″ and f‴ in float32 against the same path in float64 at 0, ±1e−8 and the other POINTS: float64
    takes other forms (accurate branches near 0 and in the tails), so the float32 forms' slopes at 0
    are checked too (σ‴(0) = −1/8 needs the x ≥ 0 branch's slope of −|x| there)."""
    x = POINTS[verify.away_from_kinks(entry, params, POINTS, 1e-3)]
    x = x[np.abs(x) <= 8]  # beyond, third derivatives are float32 rounding of a tail's exponent
    got, ref = (
        jax.jit(lambda v: [_nth_grad(lambda u: entry.path(path)(u, **params), k)(v) for k in (2, 3)])(jnp.asarray(x, d))
        for d in (dtype, jnp.float64)
    )
    for k, g, r in zip((2, 3), got, ref, strict=True):
        g, r = np.asarray(g, np.float64), np.asarray(r, np.float64)
        bad = ~(np.abs(g - r) <= 1e-3 * np.maximum(1.0, np.abs(r)))
        assert not bad.any(), f"{entry.name} {params} {path} order {k} at x={x[bad]}: {g[bad]} vs {r[bad]} (float64)"


def _edge_inputs(dtype):
    fi = jnp.finfo(dtype)
    big = [float(fi.max), float(fi.max) / 2, 1e4, 6e3, 9000.0, 300.0, 40.0]
    small = [0.0, float(fi.tiny), float(fi.smallest_subnormal), 1.0]
    vals = [v for v in big + small if v <= float(fi.max)]
    return jnp.asarray(vals + [-v for v in vals], dtype)


@pytest.mark.sampled
@pytest.mark.parametrize(
    "entry,params,dtype", elementwise_cases(dtypes=(jnp.bfloat16, jnp.float16, jnp.float32, jnp.float64))
)
@pytest.mark.parametrize("path", PATHS)
def test_no_nan_in_first_and_second_derivatives_at_finite_inputs(entry, params, dtype, path):
    """Every derivative here is finite at every finite x: NaN means an inf·0 or inf − inf leaked.

    The closed form (the default of every smooth function) is NaN-free in f′ and
    f″ up to the largest float. Plain autodiff is held to that for f′; its f″
    only for |x| ≤ 1e4: beyond, reverse-over-reverse through the forward jnp code
    multiplies a cotangent by x before the vanishing factor (x·σ′(x) → inf·0),
    exactly as jax.nn's functions do.
    """
    f = lambda v: entry.path(path)(v, **params)  # noqa: E731
    x = _edge_inputs(dtype)
    both = jax.jit(lambda v: (_nth_grad(f, 1)(v), _nth_grad(f, 2)(v)))  # one compilation for both orders
    checked = {
        1: np.ones(x.shape, bool),
        2: np.abs(np.asarray(x, np.float64)) <= (1e4 if path == "autodiff" else np.inf),
    }
    for order, d in zip((1, 2), both(x), strict=True):
        nan = np.isnan(np.asarray(d.astype(jnp.float64))) & checked[order]
        assert not nan.any(), f"{entry.name} {path} order {order}: NaN at x={np.asarray(x)[nan]}"


def test_swish_derivative_where_beta_x_overflows():
    """float16 β=8 at x=±9000, float32 β=2 at x=±3e38: βx overflows, f′ is 1 / 0 (it was inf·0 = NaN)."""
    for dtype, beta, x in ((jnp.float16, 8.0, 9000.0), (jnp.float32, 2.0, 3e38)):
        xs = jnp.asarray([x, -x], dtype)
        for path in PATHS:
            g = jax.vmap(jax.grad(lambda v, p=path, b=beta: jaxact.get("swish").path(p)(v, b)))(xs)
            np.testing.assert_array_equal(np.asarray(g, np.float64), [1.0, 0.0])


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16, jnp.float32, jnp.float64])
def test_squareplus_second_derivative_at_zero(dtype):
    """f″(0) = 1/(2√b): reverse-over-reverse used to pass through a branch that is infinite at 0."""
    for b in (4.0, 0.5):
        for path in PATHS:
            f = lambda v, p=path, b=b: jaxact.get("squareplus").path(p)(v, b)  # noqa: E731
            got = float(jax.grad(jax.grad(f))(jnp.asarray(0.0, dtype)))
            np.testing.assert_allclose(got, 1 / (2 * np.sqrt(b)), rtol=float(jnp.finfo(dtype).eps) * 4)


def test_mish_second_derivative_at_zero():
    """mish″(0) = 2·sech²(ln 2)·σ(0) = 2·0.64·0.5 = 0.64; the |x|-based branch gave ≈ 0."""
    for path in PATHS:
        got = float(jax.grad(jax.grad(jaxact.get("mish").path(path)))(jnp.float64(0.0)))
        np.testing.assert_allclose(got, 0.64, rtol=1e-12)


@pytest.mark.sampled
@pytest.mark.parametrize(
    "entry,params,dtype",
    [c for c in elementwise_cases() if c.values[0].smooth and 2 not in c.values[0].oscillates],
)
def test_second_derivative_at_infinity_is_its_limit_not_nan(entry, params, dtype):
    """f″(±inf) is a limit (0 for every smooth entry here): an inf·0 in a branch that _at_infinity's
    select discards still leaks into reverse-over-reverse mode (float64 exact GELU's x·φ(x) did)."""
    x = jnp.array([jnp.inf, -jnp.inf], dtype)
    d2 = _nth_grad(lambda v: entry.fn(v, **params), 2)(x)
    assert not np.isnan(np.asarray(d2, np.float64)).any(), (entry.name, params, np.asarray(d2))


# Entries on the autodiff path keep plain autodiff's parameter gradients, as jax.nn's leaky_relu has:
# where(x ≥ 0, x, s·x) sends the discarded branch's cotangent 0 through ·x, 0·inf = NaN at x = +inf
# (the limit of ∂f/∂s is 0). Guarding it would add a select to the forward program (it is jax.nn's
# own) for a gradient at an infinite input.
_PARAM_NAN_AT_INF_ON_AUTODIFF_PATH = {"leaky_relu", "prelu", "rrelu", "srelu"}


def _float_param_cases():
    out = []
    for c in elementwise_cases(dtypes=(jnp.bfloat16, jnp.float16, jnp.float32, jnp.float64)):
        entry, params, dtype = c.values
        if entry.name in _PARAM_NAN_AT_INF_ON_AUTODIFF_PATH:
            continue
        for k in entry.numeric_params:
            if isinstance(params.get(k), float):
                out.append(pytest.param(entry, params, dtype, k, id=f"{c.id}-{k}"))
    return out


@pytest.mark.sampled
@pytest.mark.parametrize("entry,params,dtype,name", _float_param_cases())
def test_no_nan_in_parameter_derivatives_at_finite_and_infinite_inputs(entry, params, dtype, name):
    """∂f/∂p, ∂²f/∂p² and ∂p(∂f/∂x) of the default path (a learnable parameter's gradient, its
    Hessian, and the parameter's gradient of an input-gradient penalty) are not NaN where f (for the
    last, f′) is not: celu's ∂/∂α at −inf (−1), swish's ∂²/∂β² beyond |x| = 1.8e19 in float32 (0; x·x
    met σ″ = 0), acon_c's at the saturated end were; swish's ∂β f′, acon_c's ∂p f′ at ±inf and celu's
    ∂α f′ at −inf were too (0·inf in the discarded tangent of a saturated argument). Oscillating
    entries' second derivatives (x²·sin) are held to it for |x| ≤ 1e4, where they are representable."""
    x = jnp.concatenate([_edge_inputs(dtype), jnp.asarray([jnp.inf, -jnp.inf], dtype)])
    f = lambda p, v: entry.fn(v, **{**params, name: p})  # noqa: E731
    p = jnp.asarray(params[name], dtype)
    y, d1, d2, dx, mixed = jax.jit(
        lambda p, v: (
            jax.vmap(f, (None, 0))(p, v),
            jax.vmap(jax.grad(f), (None, 0))(p, v),
            jax.vmap(jax.grad(jax.grad(f)), (None, 0))(p, v),
            jax.vmap(jax.grad(f, 1), (None, 0))(p, v),
            jax.vmap(jax.grad(jax.grad(f, 1)), (None, 0))(p, v),
        )
    )(p, x)
    xv = np.asarray(x, np.float64)
    defined = ~np.isnan(np.asarray(y, np.float64))
    representable = (np.abs(xv) <= 1e4) | (not entry.oscillates)
    slope_defined = defined & ~np.isnan(np.asarray(dx, np.float64))
    for label, d, checked in (
        (f"∂/∂{name}", d1, defined),
        (f"∂²/∂{name}²", d2, defined & representable),
        (f"∂{name}(∂f/∂x)", mixed, slope_defined & representable),
    ):
        nan = np.isnan(np.asarray(d, np.float64)) & checked
        assert not nan.any(), f"{entry.name} {label}: NaN at x={xv[nan]}"


def test_parameter_derivatives_at_infinity_are_the_limits():
    """The values the closed forms give at ±inf (autodiff: NaN for each), float32 and float64."""
    inf = float("inf")
    cases = [  # (name, params, parameter, x, ∂f/∂p, ∂²f/∂p²)
        ("celu", {"alpha": 1.5}, "alpha", -inf, -1.0, 0.0),
        ("pelu", {"a": 1.5, "b": 0.5}, "a", -inf, -1.0, 0.0),
        ("pelu", {"a": 1.5, "b": 0.5}, "b", -inf, 0.0, 0.0),
        ("swish", {"beta": 1.0}, "beta", inf, 0.0, 0.0),
        ("swish", {"beta": 1.0}, "beta", -inf, 0.0, 0.0),
        ("acon_c", {"p1": 1.0, "p2": 0.25, "beta": 2.0}, "p1", -inf, 0.0, 0.0),
        ("acon_c", {"p1": 1.0, "p2": 0.25, "beta": 2.0}, "p1", inf, inf, 0.0),
        ("acon_c", {"p1": 1.0, "p2": 0.25, "beta": 2.0}, "p2", inf, 0.0, 0.0),
        ("acon_c", {"p1": 1.0, "p2": 0.25, "beta": 2.0}, "p2", -inf, -inf, 0.0),
        ("acon_c", {"p1": 1.0, "p2": 0.25, "beta": 2.0}, "beta", inf, 0.0, 0.0),
    ]
    for dtype in (jnp.float32, jnp.float64):
        for name, params, k, x, want1, want2 in cases:
            v = jnp.asarray(x, dtype)
            f = lambda p, name=name, params=params, k=k, v=v: jaxact.get(name).fn(v, **{**params, k: p})  # noqa: E731
            p = jnp.asarray(params[k], dtype)
            d1, d2 = jax.jit(lambda p, f=f: (jax.grad(f)(p), jax.grad(jax.grad(f))(p)))(p)  # eagerly 3x the time
            got = (float(d1), float(d2))
            assert got == (want1, want2), (name, k, x, dtype, got)


def test_mixed_derivatives_at_infinity_are_the_limits():
    """∂p(∂f/∂x) at ±inf, float16/32/64: f′ has saturated there, so its parameter derivative is 0,
    but for acon_c's p1 (p2) where f′ → p1 (p2). They were NaN (autodiff of the clip or the
    exponent multiplied a vanishing factor by the parameter's tangent ·x = ·inf)."""
    inf = float("inf")
    acon = {"p1": 1.0, "p2": 0.25, "beta": 2.0}
    cases = [  # (name, params, parameter, ∂p f′ at +inf, at −inf)
        ("swish", {"beta": 1.7}, "beta", 0.0, 0.0),
        ("celu", {"alpha": 1.5}, "alpha", 0.0, 0.0),
        ("acon_c", acon, "p1", 1.0, 0.0),
        ("acon_c", acon, "p2", 0.0, 1.0),
        ("acon_c", acon, "beta", 0.0, 0.0),
    ]
    for dtype in (jnp.float16, jnp.float32, jnp.float64):
        x = jnp.asarray([inf, -inf], dtype)
        for name, params, k, at_pos, at_neg in cases:
            f = lambda p, v, name=name, params=params, k=k: jaxact.get(name).fn(v, **{**params, k: p})  # noqa: E731
            mixed = jax.grad(jax.grad(f, 1))
            # One order more (∂p f″, ∂²p f′): the helpers' rules differentiate through themselves again.
            # Jitted: eagerly, third derivatives dispatch op by op (4x the time).
            orders = (mixed, jax.grad(jax.grad(jax.grad(f, 1), 1)), jax.grad(mixed))
            got, *third = jax.jit(lambda p, v, orders=orders: [jax.vmap(g, (None, 0))(p, v) for g in orders])(
                jnp.asarray(params[k], dtype), x
            )
            assert np.asarray(got, np.float64).tolist() == [at_pos, at_neg], (name, k, dtype, got)
            assert np.abs(np.asarray(third, np.float64)).tolist() == [[0.0, 0.0], [0.0, 0.0]], (name, k, dtype, third)


def test_acon_c_derivative_with_half_precision_parameters_that_multiply_past_their_range():
    """β(p1 − p2) = 300·300 overflows float16: formed in the computation's dtype, f′(0) = (p1 − p2)/2."""
    x = jnp.asarray([0.0, 1e-3, 1.0], jnp.float16)
    p = {"p1": jnp.float16(300.0), "p2": jnp.float16(0.0), "beta": jnp.float16(300.0)}
    got = jax.vmap(jax.grad(lambda v: jaxact.acon_c(v, **p)))(x)
    np.testing.assert_allclose(np.asarray(got, np.float64), [150.0, 300.0 * 0.99999, 300.0], rtol=1e-3)


def test_parameter_derivatives_for_a_traced_negative_parameter_are_autodiffs():
    """Under jit a parameter's sign cannot be checked: the closed forms then give what autodiff
    gives (celu's ∂/∂α with α = −0.5 was −1 everywhere: the exponent taken as underflowed)."""
    x = jnp.asarray([-2.0, -0.5, 1.0], jnp.float64)
    for name, k in (("celu", "alpha"), ("pelu", "b"), ("pelu", "a")):
        e = jaxact.get(name)
        g = [
            jax.jit(jax.vmap(jax.grad(lambda p, v, f=f, k=k: f(v, **{k: p})), (None, 0)))(-0.5, x)
            for f in (e.closed_form, e.autodiff)
        ]
        np.testing.assert_allclose(np.asarray(g[0]), np.asarray(g[1]), rtol=1e-12, err_msg=f"{name} {k}")
