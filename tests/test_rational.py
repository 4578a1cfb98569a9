"""The Padé Activation Unit beyond what is generated for every entry: the reference
implementation's formula and start, fitting to other activations, learning it in Flax."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact
from jaxact import rational


def test_pade_is_the_reference_implementations_safe_form():
    """ml-research/pau's PADEACTIVATION_F_python: P(x)/(1 + Σ|b_k||x|^k) with its leaky-ReLU start."""
    a, b = rational._A, rational._B
    x = np.linspace(-5, 5, 101)
    ref = sum(a[j] * x**j for j in range(6)) / (1 + sum(abs(b[k - 1]) * np.abs(x) ** k for k in range(1, 5)))
    np.testing.assert_allclose(np.asarray(jaxact.pade(jnp.asarray(x))), ref, rtol=2e-6, atol=1e-6)
    # That start is a leaky ReLU's shape on [−3, 3] (its a0 lifts f(0) to 0.034).
    xs = jnp.linspace(-3.0, 3.0, 601)
    assert float(jnp.max(jnp.abs(jaxact.pade(xs) - jax.nn.leaky_relu(xs, 0.01)))) < 0.04


def test_tails_do_not_overflow():
    big = jnp.asarray([1e30, -1e30, 3e38], jnp.float32)
    slope = rational._A[5] / rational._B[3]
    np.testing.assert_allclose(np.asarray(jaxact.pade(big)), slope * np.asarray(big, np.float64), rtol=1e-5)
    assert np.all(np.isfinite(np.asarray(jaxact.get("pade").derivative(jnp.asarray([jnp.inf, -jnp.inf, 1e38])))))


# gelu, snake, exponential: 0.021, 0.43 and 8.9 from the linearised start alone (LM stalled where a b_k
# reached |b_k|'s corner at 0); the drawn starts find 0.0034, 0.14 and 0.86.
@pytest.mark.parametrize(
    "name,tol",
    [("tanh", 1e-3), ("swish", 1e-3), ("gelu", 0.005), ("relu", 0.05), ("snake", 0.2), ("exponential", 1.5)],
)
def test_pade_fit_starts_the_unit_as_another_activation(name, tol):
    c = jaxact.pade_fit(name)
    x = jnp.linspace(-3.0, 3.0, 601)
    assert float(jnp.max(jnp.abs(jaxact.pade(x, **c) - jaxact.get(name).fn(x)))) < tol
    assert set(c) == set(rational.A_NAMES + rational.B_NAMES)


def test_pade_fit_takes_a_function_and_refuses_a_bad_interval():
    c = jaxact.pade_fit(lambda v: 0.5 * v, -2.0, 2.0)
    np.testing.assert_allclose(np.asarray(jaxact.pade(jnp.asarray([1.0]), **c)), [0.5], atol=1e-4)
    with pytest.raises(ValueError, match="finite lo < hi"):
        jaxact.pade_fit("tanh", 1.0, -1.0)
    # An axis-mixing entry has no function of x to fit: softmax of the whole grid was fitted, glu met its
    # own odd-axis error (found by an audit).
    for name in ("softmax", "glu"):
        with pytest.raises(ValueError, match=rf"^jaxact.pade_fit: {name} mixes elements along an axis"):
            jaxact.pade_fit(name)
    with pytest.raises(ValueError, match=r"^jaxact.pade_fit: softmax mixes elements along an axis"):
        jaxact.pade_fit(jaxact.softmax)  # the function itself, not its name
    # A NaN in the target met numpy's "SVD did not converge".
    with pytest.raises(ValueError, match=r"^jaxact.pade_fit: the activation gives nan at x = 0 on \[-3.0, 3.0\]"):
        jaxact.pade_fit(lambda v: jnp.sin(v) / v)
    # The fit is one pade computes in float32: a drawn start fitting eˣ on [80, 88] reached a2 ≈ −1.2e44
    # (NaN at every point); such fits are left out.
    c = jaxact.pade_fit(jnp.exp, 80.0, 88.0)
    assert np.all(np.isfinite(np.asarray(jaxact.pade(jnp.linspace(80.0, 88.0, 9), **c))))


def test_coefficient_gradients_in_closed_form_match_autodiff():
    x = jnp.asarray(np.random.default_rng(0).normal(scale=2.0, size=256), jnp.float32)
    c = jaxact.pade_fit("gelu")
    for k in c:
        g = [
            jax.grad(lambda v, f=f, k=k: jnp.sum(f(x, **{**c, k: v}) * x))(jnp.float32(c[k]))
            for f in (jaxact.closed_form.pade, jaxact.autodiff.pade)
        ]
        np.testing.assert_allclose(g[0], g[1], rtol=2e-4, atol=2e-4, err_msg=k)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_coefficient_gradients_in_the_tails_match_the_definition(dtype):
    """∂f/∂a_j = x^j/Q and ∂f/∂b_k = −P·sign(b_k)|x|^k/Q², evaluated in 200-digit mpmath, for
    1 < |x| < 1/eps (the unit normalises by w = 1/|x| there; beyond, w stops at eps, and the
    coefficients' gradients are (|x|·eps)^(4−k) too large: left as they are, see the closing note),
    with b_4 = 0, all b = 0 and a_5 = 0 among the cases (where a smaller floor for w made them NaN, and
    the autodiff twin's select on a_5·x cut ∂f/∂a_5), through both paths: ∂f/∂b_k is 0 while b_k = 0
    in both (the reference implementation's |b|′(0) = 0)."""
    import mpmath

    mp = mpmath.mp
    e = jaxact.get("pade")
    xs = np.asarray([1.5, -30.0, 1e3, -2e5, 1e6] + ([1e9, -1e12] if dtype == jnp.float64 else []))
    zero_b = dict.fromkeys(rational.B_NAMES, 0.0)
    cases = (
        dict(e.params),
        {**e.params, "b1": 0.0, "b3": -0.5, "a5": -0.2},
        {**e.params, "b4": 0.0},
        {**e.params, **zero_b},
        {**e.params, "a5": 0.0, "b1": 0.0},
    )
    for params, fn in itertools.product(cases, (e.fn, jaxact.autodiff.pade)):
        with mp.workdps(200):
            a = [mp.mpf(params[n]) for n in rational.A_NAMES]
            b = [mp.mpf(params[n]) for n in rational.B_NAMES]
            for k, name in enumerate(rational.A_NAMES + rational.B_NAMES):
                want = []
                for v in xs:
                    x = mp.mpf(v)
                    P = mp.fsum(a[j] * x**j for j in range(6))
                    Q = 1 + mp.fsum(abs(b[i]) * abs(x) ** (i + 1) for i in range(4))
                    want.append(float(x**k / Q if k < 6 else -P * mp.sign(b[k - 6]) * abs(x) ** (k - 5) / Q**2))
                got = jax.vmap(jax.grad(lambda p, v, n=name, c=params, f=fn: f(v, **{**c, n: p})), (None, 0))(
                    jnp.asarray(params[name], dtype), jnp.asarray(xs, dtype)
                )
                tol = 1e-4 if dtype == jnp.float32 else 1e-10
                np.testing.assert_allclose(
                    np.asarray(got, np.float64), want, rtol=tol, atol=1e-30, err_msg=f"{name} {fn.__module__}"
                )


def test_learnable_pade_starts_from_a_fit_and_learns_in_linen_and_nnx():
    flax = pytest.importorskip("flax")
    del flax
    import optax

    from jaxact import linen, nnx as jnnx

    c = jaxact.pade_fit("tanh")
    x = jnp.linspace(-2.0, 2.0, 64)
    target = jnp.sin(x)
    module = linen.Learnable(jaxact.configure("pade", **c))
    params = module.init(jax.random.key(0), x)
    np.testing.assert_allclose(module.apply(params, x), jaxact.pade(x, **c), rtol=1e-5, atol=1e-6)
    loss = lambda p: jnp.mean((module.apply(p, x) - target) ** 2)  # noqa: E731
    opt = optax.adam(1e-2)
    state = opt.init(params)
    first = float(loss(params))
    for _ in range(100):
        g = jax.grad(loss)(params)
        updates, state = opt.update(g, state)
        params = optax.apply_updates(params, updates)
    assert float(loss(params)) < 0.5 * first
    m = jnnx.Learnable(jaxact.configure("pade", **c))
    np.testing.assert_allclose(m(x), jaxact.pade(x, **c), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("path", ["closed_form", "autodiff"])
def test_mixed_partials_agree_where_a_denominator_coefficient_is_zero(path):
    """∂b_k(∂f/∂x) = ∂x(∂f/∂b_k): 0 while b_k = 0 in either order (jnp.abs's derivative +1 at 0 gave
    −1.26 in one order at x = 1 with the registry's example, b_1 = 0)."""
    e = jaxact.get("pade")
    params = {**e.params, **e.examples[0]}
    fn = getattr(jaxact, path).pade
    for v in (-2.0, 0.5, 1.0, 3.0):
        f = lambda b1, x: fn(x, **{**params, "b1": b1})  # noqa: E731
        assert float(jax.grad(jax.grad(f, 0), 1)(0.0, v)) == 0.0
        assert float(jax.grad(jax.grad(f, 1), 0)(0.0, v)) == 0.0
    # ∂f/∂b_1 at b_1 = 0 is 0 at ±inf too (b·sign(b)'s 0 met q's infinite cotangent there: NaN).
    g = jax.vmap(jax.grad(lambda b1, x: fn(x, **{**params, "b1": b1})), (None, 0))
    assert np.all(np.asarray(g(0.0, jnp.asarray([1e30, jnp.inf, -jnp.inf]))) == 0.0)
