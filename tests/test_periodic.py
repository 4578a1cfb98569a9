"""SIREN's sine and snake beyond what is generated for every entry: the reference
implementations' formulas, SIREN's distribution claim, and sin of the exact product."""

import jax
import jax.numpy as jnp
import mpmath
import numpy as np

import jaxact
from jaxact import _stable

from .cases import SEED


def test_sine_is_sirens_sine_layer_activation():
    """vsitzmann/siren's SineLayer: torch.sin(omega_0 * x) with omega_0 = 30."""
    x = np.random.default_rng(SEED).uniform(-1, 1, size=200)
    # numpy rounds 30x first: its own error is up to half an ulp of 30 (jaxact's is not)
    np.testing.assert_allclose(np.asarray(jaxact.sine(jnp.asarray(x))), np.sin(30 * x), rtol=0, atol=30 * 2e-16)


def test_sirens_initialisation_keeps_the_activations_variance_through_depth():
    """SIREN's hidden-layer start, W ~ U(±√(6/n)/30) behind sin(30·), makes each pre-activation
    ≈ N(0, 2v) for inputs of second moment v, so E sin² = (1 − e^(−4v))/2: from U(−1, 1) inputs
    (v = 1/3) the first layer gives (1 − e^(−4/3))/2 = 0.368, and the layers after it settle at the
    fixed point v = (1 − e^(−4v))/2 = 0.3985 — neither vanishing nor exploding with depth."""
    n, rng = 512, np.random.default_rng(SEED)
    h = jnp.asarray(rng.uniform(-1, 1, size=(2048, n)), jnp.float32)
    v, fixed = 1 / 3, 0.3985
    for layer in range(8):
        w = jnp.asarray(rng.uniform(-1, 1, size=(n, n)) * np.sqrt(6 / n) / 30, jnp.float32)
        h = jaxact.sine(h @ w)
        v = (1 - np.exp(-4 * v)) / 2
        assert abs(float(jnp.mean(h * h)) - v) < 0.01, layer
    assert abs(v - fixed) < 1e-3


def test_snake_is_bigvgans_snake():
    """NVIDIA/BigVGAN's Snake: x + 1/(alpha + 1e-9)·sin²(alpha·x)."""
    x = np.random.default_rng(SEED).normal(scale=4.0, size=200)
    for alpha in (1.0, 0.5, 3.0):
        ref = x + 1.0 / (alpha + 1e-9) * np.sin(x * alpha) ** 2
        got = np.asarray(jaxact.snake(jnp.asarray(x), alpha))
        np.testing.assert_allclose(got, ref, rtol=1e-8, atol=1e-8)


def test_snake_learns_its_frequency():
    """The paper's point: with α learnt, snake fits a periodic target."""
    x = jnp.linspace(-6.0, 6.0, 256)
    target = x + jnp.sin(2.0 * x) ** 2 / 2.0
    loss = lambda a: jnp.mean((jaxact.snake(x, a) - target) ** 2)  # noqa: E731
    a = jnp.float32(1.6)
    for _ in range(200):
        a = a - 0.05 * jax.grad(loss)(a)
    assert abs(float(a) - 2.0) < 1e-3


def test_sin_of_the_exact_product_not_of_its_rounding():
    """float32 near sin's roots and far out, and ±max, against mpmath: sin(fl(30x)) is off by
    thousands of ulp there; the two-product keeps a few ulp of 1 (absolute)."""
    mpmath.mp.dps = 120
    rng = np.random.default_rng(SEED)
    k = rng.integers(-1000, 1000, size=100)
    near_roots = np.float32(k * np.pi / 30)  # ωx ≈ kπ after rounding
    far = np.float32(10 ** rng.uniform(3, 38, size=100)) * np.sign(rng.normal(size=100)).astype(np.float32)
    fmax = np.finfo(np.float32).max
    x = np.concatenate([near_roots, far, np.float32([fmax, -fmax])])
    s, c = _stable.sin_cos_of_product(jnp.float32(30.0), jnp.asarray(x))
    exact = [mpmath.mpf(30) * mpmath.mpf(float(v)) for v in x]
    rs = np.array([float(mpmath.sin(v)) for v in exact])
    rc = np.array([float(mpmath.cos(v)) for v in exact])
    eps = np.finfo(np.float32).eps
    # Near the roots: within a few eps of max(|sin|, ulp(30x)) — sin(hi) + cos(hi)·lo cancels there,
    # keeping sin(hi)'s rounding, ~eps·ulp(30x) — where sin(fl(30x)) is off by up to ulp(30x)/2.
    # Absolute (of 1) elsewhere, with 2^6 doublings at ±max.
    unit = np.maximum(np.abs(rs[:100]), np.spacing(np.abs(np.float32(30) * near_roots)).astype(np.float64))
    err_s = np.abs(np.asarray(s[:100], np.float64) - rs[:100]) / unit
    assert err_s.max() < 4 * eps, err_s.max()
    assert np.abs(np.asarray(s, np.float64) - rs).max() < 64 * eps
    assert np.abs(np.asarray(c, np.float64) - rc).max() < 64 * eps
    naive = np.abs(np.asarray(jnp.sin(jnp.float32(30) * jnp.asarray(near_roots)), np.float64) - rs[:100]) / unit
    assert naive.max() > 1000 * eps  # the rounding of 30x, which this guards against


def test_snakes_frequency_gradient_where_alpha_x_is_small():
    """∂f/∂α = x·sin 2αx/α − sin²αx/α² and ∂²f/∂α² against mpmath (200 digits, where the two terms
    cancel): for small |αx| both are ≈ x²·(2, 1); sin² underflowing first gave 2x² (α = 1e−20), and
    float32's ∂²f/∂α² lost its sign at x = 1e−8."""

    def exact(x, a):
        with mpmath.workdps(200):  # not mp.dps = ...: that would change it for every later test
            x, a = mpmath.mpf(x), mpmath.mpf(a)
            u = a * x
            d1 = x * mpmath.sin(2 * u) / a - mpmath.sin(u) ** 2 / a**2
            d2 = 2 * x**2 * mpmath.cos(2 * u) / a - 2 * x * mpmath.sin(2 * u) / a**2 + 2 * mpmath.sin(u) ** 2 / a**3
            return float(d1), float(d2)

    for dtype, ulps in ((jnp.float32, 8), (jnp.float64, 8)):
        eps, tiny = float(jnp.finfo(dtype).eps), float(jnp.finfo(dtype).tiny)
        for x in (1.0, 0.3, -2.0, 1e-4, 1e-8, 0.01):
            for a in (1e-20, 1e-3, 0.01, 0.4, 1.0, 3.0):
                xd, ad = dtype(x), dtype(a)
                d1 = jax.grad(lambda al, xd=xd: jaxact.snake(xd, alpha=al))(ad)
                d2 = jax.grad(jax.grad(lambda al, xd=xd: jaxact.snake(xd, alpha=al)))(ad)
                for got, want, what in zip((d1, d2), exact(float(xd), float(ad)), ("∂f/∂α", "∂²f/∂α²"), strict=True):
                    if abs(want) > tiny / eps:  # a normal number, with room for its ulp
                        err = abs(float(got) - want) / (abs(want) * eps)
                        assert err <= ulps, (dtype.__name__, what, x, a, float(got), want, err)
