"""Autodiff against the hand-written derivatives, on fresh random inputs and kinks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxact import verify

from .cases import SEED, all_cases, elementwise_cases, entry_params, vector_cases


@pytest.mark.sampled
@pytest.mark.parametrize("entry,params,dtype", elementwise_cases())
def test_grad_equals_closed_form_derivative(entry, params, dtype):
    x = verify.random_inputs(entry, params, dtype, SEED)
    auto = verify.grad_autodiff(entry, params, x)
    closed = verify.closed_derivative(entry, params, x)
    assert auto.dtype == closed.dtype == dtype
    tol = verify.scale_tolerance(closed, dtype, entry)
    assert verify.max_abs_diff(auto, closed) <= tol, f"seed={SEED}"


@pytest.mark.sampled
@pytest.mark.parametrize("entry,params,dtype", elementwise_cases())
def test_closed_form_path_uses_the_derivative(entry, params, dtype):
    x = verify.random_inputs(entry, params, dtype, SEED)
    via_path = verify.grad_autodiff(entry, params, x, closed=True, jit=False)  # the derivative's own program
    closed = verify.closed_derivative(entry, params, x)
    if entry.thresholded:
        # A polynomial's multiply-adds: XLA's CPU fusion contracts some into FMAs, differently in
        # the custom_jvp's program and in the derivative's own, so the last bits of a sum of terms
        # (max(1, |x|) in size) may differ. Only the rounding of the terms is allowed here, which
        # autodiff's derivative may also meet: the path's plumbing is checked bit for bit by the others.
        tol = 4 * verify.eps(dtype) * np.maximum(1, np.abs(np.asarray(x, np.float64)))
        assert np.all(np.abs(np.asarray(via_path, np.float64) - np.asarray(closed, np.float64)) <= tol)
    else:
        np.testing.assert_array_equal(np.asarray(via_path), np.asarray(closed))


def _check_cases():
    """Each set ``jaxact check`` checks (defaults, examples, moved parameters; a keyed entry's draw is
    one of its key), in float32 and float64."""
    return [
        pytest.param(e, p, d, id=f"{e.name}[{verify.param_id(p, e)}]-{jnp.dtype(d).name}")
        for e in verify.entries()
        for p in verify.check_sets(e, 0)
        for d in (jnp.float32, jnp.float64)
    ]


@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize("entry,params,dtype", _check_cases())
def test_the_check_command_passes_for_every_built_in(entry, params, dtype):
    """The rows of `jaxact check` (f′ or the JVP, then each hand-written ∂f/∂p against autodiff in
    p) on the run's random inputs: a tolerance tighter than autodiff's own rounding fails the
    command a user runs on the catalogue (acon_c's ∂f/∂β at p1 = 1.5, float64, did at seed 0)."""
    if params.get("key") is not None:  # the keyed set's draw from the run's seed; the others keep key=None
        params = {**params, "key": jax.random.key(SEED)}
    bad = [r.where() for r in verify.check_case(entry, params, dtype, SEED) if not r.ok]
    assert not bad, f"seed={SEED}: {bad}"


@pytest.mark.parametrize("entry", [e for e in entry_params() if e.values[0].elementwise and not e.values[0].keyed])
def test_both_paths_agree_at_round_numbers(entry):
    """Where a form switches or clips at a round constant (serf at x = 30), a tie of min/max
    splits autodiff's gradient in half: f′ at every integer and half-integer in [−1000, 1000], float64,
    away from the kinks (where the paths' conventions are tested above)."""
    e = entry  # float64: the suite runs with x64 enabled (conftest)
    x = np.arange(-2000, 2001) / 2.0
    kinks = np.asarray(e.kink_points(), np.float64)
    if kinks.size:
        x = x[np.min(np.abs(x[:, None] - kinks[None, :]), axis=1) > 0.25]
    xj = jnp.asarray(x, jnp.float64)
    auto = verify.grad_autodiff(e, e.params, xj)
    closed = verify.closed_derivative(e, e.params, xj)
    a, c = np.asarray(auto), np.asarray(closed)
    # Coarse: a split tie is off by half; autodiff's own cancellation (1 − tanh², 1e−16) is not looked for.
    with np.errstate(invalid="ignore"):  # inf − inf where both overflow (exponential): equal, not bad
        bad = (a != c) & ~(np.abs(a - c) <= 1e-6 * np.maximum(1, np.abs(c)))
    assert not bad.any(), (x[bad][:5], a[bad][:5], c[bad][:5])


@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize("entry", [e for e in entry_params() if e.values[0].kink_points() and e.values[0].elementwise])
def test_kink_convention_same_in_both_paths(entry):
    e = entry
    x = jnp.asarray(e.kink_points(), jnp.float32)
    d = verify.closed_derivative(e, e.params, x)
    np.testing.assert_array_equal(verify.grad_autodiff(e, e.params, x, jit=False), d)
    np.testing.assert_array_equal(verify.grad_autodiff(e, e.params, x, closed=True, jit=False), d)
    if e.jax_nn:
        ref = jax.vmap(jax.grad(getattr(jax.nn, e.jax_nn)))(x)
        np.testing.assert_array_equal(d, ref)


@pytest.mark.parametrize("entry", [e for e in entry_params() if e.values[0].kink_points() and e.values[0].gated])
def test_gate_kink_convention_same_in_both_paths(entry):
    """A gated unit's gate at its kinks (reglu's relu at b = 0): the autodiff twin as the default path
    (jnp.maximum's tie gave it relu′(0) = ½)."""
    e = entry
    b = jnp.asarray(e.kink_points(), jnp.float32)
    x = jnp.concatenate([jnp.full_like(b, 2.0), b])[None, :]  # halves [a, b] along the last axis
    grads = [jax.grad(lambda v, f=f: f(v).sum())(x) for f in (e.fn, e.autodiff, e.closed_form)]
    np.testing.assert_array_equal(grads[1], grads[0])
    np.testing.assert_array_equal(grads[2], grads[0])


@pytest.mark.sampled
@pytest.mark.parametrize("entry,params,dtype", vector_cases())
def test_jvp_autodiff_equals_closed_form_jvp(entry, params, dtype):
    x = verify.random_inputs(entry, params, dtype, SEED)
    t = jnp.asarray(np.random.default_rng(SEED + 1).normal(size=x.shape), dtype)
    auto = verify.jvp_autodiff(entry, params, x, t)
    closed = verify.jvp_autodiff(entry, params, x, t, closed=True)
    assert verify.max_abs_diff(auto, closed) <= verify.scale_tolerance(closed, dtype, entry), f"seed={SEED}"


@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize("entry,params,dtype", all_cases())
@pytest.mark.parametrize("closed", [False, True], ids=["autodiff", "closed"])
def test_vjp_is_transpose_of_jvp(entry, params, dtype, closed):
    """<u, J t> == <Jᵀ u, t> for both paths."""
    f = entry.closed_form if closed else entry.autodiff
    x = verify.random_inputs(entry, params, dtype, SEED)
    rng = np.random.default_rng(SEED + 2)
    t = jnp.asarray(rng.normal(size=x.shape), dtype)
    u = jnp.asarray(rng.normal(size=jax.eval_shape(lambda v: f(v, **params), x).shape), dtype)

    @jax.jit  # one program for both products (eager autodiff dispatches op by op)
    def products(x, t, u):
        jt = jax.jvp(lambda v: f(v, **params), (x,), (t,))[1]
        return jt, jax.vjp(lambda v: f(v, **params), x)[1](u)[0]

    jt, jtu = products(x, t, u)
    lhs = float(jnp.vdot(u.astype(jnp.float64), jt.astype(jnp.float64)))
    rhs = float(jnp.vdot(jtu.astype(jnp.float64), t.astype(jnp.float64)))
    scale = float(jnp.sum(jnp.abs(u * jt))) + 1.0
    assert abs(lhs - rhs) <= 64 * verify.eps(dtype) * scale


def test_softmax_jacobian_is_seed_formula():
    """∂s_i/∂x_j = s_i(δ_ij − s_j), for both paths."""
    import jaxact

    x = jnp.asarray(np.random.default_rng(SEED).normal(size=5))
    s = jaxact.softmax(x)
    expected = jnp.diag(s) - jnp.outer(s, s)
    for f in (jaxact.softmax, jaxact.closed_form.softmax):
        np.testing.assert_allclose(jax.jacfwd(f)(x), expected, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(jax.jacrev(f)(x), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.sampled
@pytest.mark.parametrize("entry,params,dtype", elementwise_cases(dtypes=(jnp.float64,)))
@pytest.mark.parametrize("closed", [False, True], ids=["autodiff", "closed"])
def test_second_derivative_matches_finite_differences(entry, params, dtype, closed):
    """grad∘grad against central differences of the closed-form derivative, away from kinks."""
    f = entry.closed_form if closed else entry.autodiff
    x = np.random.default_rng(SEED).normal(scale=2.0, size=32)
    h = 1e-5
    x = x[verify.away_from_kinks(entry, params, x, 10 * h)]
    x = jnp.asarray(x, dtype)
    gg = jax.jit(jax.vmap(jax.grad(jax.grad(lambda v: f(v, **params)))))(x)
    d = np.asarray(verify.closed_derivative(entry, params, jnp.concatenate([x + h, x - h])))
    fd = (d[: x.size] - d[x.size :]) / (2 * h)
    np.testing.assert_allclose(gg, fd, rtol=1e-5, atol=1e-6, err_msg=f"seed={SEED}")


@pytest.mark.sampled
@pytest.mark.parametrize("entry,params,dtype", vector_cases(dtypes=(jnp.float64,)))
@pytest.mark.parametrize("closed", [False, True], ids=["autodiff", "closed"])
def test_second_order_vector_functions(entry, params, dtype, closed):
    """Hessian-vector product by forward-over-reverse vs central differences of the gradient."""
    f = entry.closed_form if closed else entry.autodiff
    rng = np.random.default_rng(SEED)
    x = verify.random_inputs(entry, params, dtype, SEED)
    w = jnp.asarray(rng.normal(size=f(x, **params).shape), dtype)
    v = jnp.asarray(rng.normal(size=x.shape), dtype)
    loss = lambda z: jnp.sum(w * f(z, **params))  # noqa: E731
    g = jax.jit(jax.grad(loss))
    hvp = jax.jit(lambda x, v: jax.jvp(g, (x,), (v,))[1])(x, v)
    h = 1e-5
    fd = (g(x + h * v) - g(x - h * v)) / (2 * h)
    np.testing.assert_allclose(hvp, fd, rtol=1e-5, atol=1e-6)


@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize("entry,params,dtype", elementwise_cases(dtypes=(jnp.float32,)))
def test_grad_equals_closed_form_on_exact_breakpoints(entry, params, dtype):
    """Multiples of 1/8 in [-8, 8] hit every branch switch exactly (clip/max ties halve a gradient)."""
    x = jnp.asarray(np.arange(-64, 65) / 8, dtype)
    closed = verify.closed_derivative(entry, params, x)
    for path in (False, True):
        got = verify.grad_autodiff(entry, params, x, closed=path)
        assert verify.max_abs_diff(got, closed) <= verify.scale_tolerance(closed, dtype, entry), (entry.name, path)
