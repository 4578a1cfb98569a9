"""Properties declared in the registry metadata, checked with hypothesis."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import jaxact
from jaxact import verify

from .cases import SEED, entry_params, sampled_entries

FLOATS = st.floats(min_value=-60, max_value=60, allow_nan=False, width=64)
SETTINGS = settings(max_examples=40, deadline=None)
# One shape per test: every new shape is a new compilation of the jitted function, which would
# cost more than the property it checks (hypothesis still shrinks the values).
ROW = hnp.arrays(np.float64, 32, elements=FLOATS)
ELEMENTWISE = [p for p in entry_params() if p.values[0].elementwise]
VECTOR = [p for p in entry_params() if not p.values[0].elementwise]


@pytest.mark.parametrize("entry", ELEMENTWISE)
@SETTINGS
@given(xs=ROW)
def test_output_within_declared_range(entry, xs):
    lo, hi = entry.output_range()
    y = np.asarray(entry.fn(jnp.asarray(xs)))
    assert np.all(y >= lo - 1e-12) and np.all(y <= hi + 1e-12), (xs, y)


@pytest.mark.parametrize("entry", ELEMENTWISE)
def test_declared_range_holds_on_a_dense_grid(entry):
    """Each parameter set's range against float64 values every 5e-5 over [−10, 10], where the minima
    of mish and gelu lie: their bounds were rounded above the minima (mish −0.30884, 3.4e−6 above;
    hypothesis found it once in a CI run)."""
    if entry.keyed:
        pytest.skip("random form: its range is tested with its key")
    x = jnp.linspace(-10, 10, 400001, dtype=jnp.float64)
    for p in verify.param_sets(entry):
        lo, hi = entry.output_range(**p)
        y = np.asarray(entry.fn(x, **p))
        assert y.min() >= lo - 1e-12 and y.max() <= hi + 1e-12, (p, lo, hi, y.min(), y.max())


@pytest.mark.parametrize("entry", [p for p in ELEMENTWISE if p.values[0].monotone])
@SETTINGS
@given(a=FLOATS, b=FLOATS)
def test_monotone(entry, a, b):
    lo, hi = sorted((a, b))
    f = entry.fn(jnp.asarray([lo, hi]))
    assert f[0] <= f[1]


@pytest.mark.parametrize("entry", [p for p in ELEMENTWISE if not p.values[0].monotone])
def test_not_monotone_flag_is_earned(entry):
    """Some registered parameter set decreases somewhere (threshold only when value > threshold)."""
    x = jnp.linspace(-10, 10, 20001)
    assert any(bool(jnp.any(jnp.diff(entry.fn(x, **p)) < 0)) for p in verify.param_sets(entry))


@pytest.mark.parametrize("entry", ELEMENTWISE)
def test_zero_centred_means_zero_mean_output_for_unit_normal_input(entry):
    """zero_centred: |E f(z)| <= 0.1·std f(z) for z ~ N(0, 1) (tanh, selu yes; relu, elu no)."""
    x = jnp.linspace(-12, 12, 240001)
    w = jnp.exp(-0.5 * x * x) / jnp.sqrt(2 * jnp.pi) * (x[1] - x[0])
    y = entry.fn(x)
    mean = float(jnp.sum(w * y))
    std = float(jnp.sqrt(jnp.sum(w * (y - mean) ** 2)))
    assert (abs(mean) <= 0.1 * std) == entry.zero_centred, (mean, std)


@pytest.mark.parametrize("entry", [p for p in ELEMENTWISE if p.values[0].odd])
@SETTINGS
@given(xs=ROW)
def test_odd_symmetry(entry, xs):
    x = jnp.asarray(xs)
    assert bool(jnp.all(entry.fn(-x) == -entry.fn(x)))


@pytest.mark.parametrize("entry", [p for p in ELEMENTWISE if not p.values[0].odd])
def test_not_odd_flag_is_earned(entry):
    """A claim of "not odd" shows on some input."""
    probe = jnp.linspace(0.1, 5, 50)
    assert not bool(jnp.allclose(entry.fn(-probe), -entry.fn(probe)))


@pytest.mark.parametrize("entry", ELEMENTWISE)
def test_smooth_flag_matches_derivative_continuity(entry):
    """smooth means C¹: no jump in f or f' on a fine grid; non-smooth ones show a jump at a kink."""
    h = 1e-6
    if entry.smooth:
        x = jnp.linspace(-8, 8, 40001)
        d = np.asarray(verify.closed_derivative(entry, entry.params, x))
        step = np.abs(np.diff(d)) / np.maximum(1, np.abs(d[:-1]))  # relative where f′ is large (eˣ)
        # A jump is a step far above its neighbours'; a steep f′ (sin(30x)′ = 30cos(30x)) has
        # large steps that change smoothly.
        neighbours = np.maximum(step[:-2], step[2:])
        jump = (step[1:-1] > 5e-3) & (step[1:-1] > 4 * neighbours)
        assert not jump.any(), x[1:-1][jump]
    else:
        jumps = []  # a jump for some registered parameter set (elu is C¹ only at alpha=1)
        for params in verify.param_sets(entry):
            k = jnp.asarray(verify.kink_points(entry, params))
            jump_f = jnp.abs(entry.fn(k + h, **params) - entry.fn(k - h, **params)) > 1e-3
            d = lambda v, p=params: verify.closed_derivative(entry, p, v)  # noqa: E731
            jumps.append(bool(jnp.any(jump_f | (jnp.abs(d(k + h) - d(k - h)) > 1e-3))))
        assert any(jumps)


@pytest.mark.parametrize("entry", ELEMENTWISE)
def test_bounded_flag_means_both_limits_finite(entry):
    lo, hi = entry.output_range()
    y = entry.fn(jnp.asarray([-1e6, 1e6]))
    assert entry.bounded == (math.isfinite(lo) and math.isfinite(hi))
    if entry.bounded:
        assert bool(jnp.all(jnp.isfinite(y)))
    else:
        assert float(jnp.max(jnp.abs(y))) >= 1e5 or not math.isfinite(lo) or not math.isfinite(hi)


# Four shapes (rows of one element and of several, one row and several): each is a compilation.
vec = hnp.arrays(np.float64, st.sampled_from([(1, 1), (4, 1), (1, 8), (3, 5)]), elements=FLOATS)


@SETTINGS
@given(x=vec, shift=FLOATS)
def test_softmax_sums_to_one_and_is_shift_invariant(x, shift):
    for f in (jaxact.softmax, jaxact.closed_form.softmax, jaxact.softmin):
        s = f(jnp.asarray(x))
        np.testing.assert_allclose(jnp.sum(s, axis=-1), 1.0, rtol=1e-12)
        assert bool(jnp.all((s >= 0) & (s <= 1)))
        np.testing.assert_allclose(f(jnp.asarray(x) + shift), s, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(x=vec)
def test_log_softmax_is_log_of_softmax(x):
    ls = jaxact.log_softmax(jnp.asarray(x))
    s = jaxact.softmax(jnp.asarray(x))
    ok = s > 1e-300
    np.testing.assert_allclose(np.asarray(ls)[ok], np.log(np.asarray(s))[ok], rtol=1e-10, atol=1e-12)
    assert bool(jnp.all(ls <= 0))


@SETTINGS
@given(x=vec)
def test_softmin_is_softmax_of_negation(x):
    np.testing.assert_allclose(jaxact.softmin(jnp.asarray(x)), jaxact.softmax(-jnp.asarray(x)), rtol=1e-15)


@SETTINGS
@given(xs=ROW)
def test_tanh_is_rescaled_sigmoid(xs):
    x = jnp.asarray(xs)
    np.testing.assert_allclose(jaxact.tanh(x), 2 * jaxact.sigmoid(2 * x) - 1, atol=1e-15)


@pytest.mark.parametrize("entry", VECTOR)
def test_vector_functions_preserve_shape(entry):
    x = jnp.ones((3, 4))
    y = entry.fn(x)
    assert y.shape == ((3, 2) if entry.gated else (3, 4))


def test_grad_flows_through_vmap_of_registry():
    """grad∘vmap of the closed path over the first axis is the unmapped gradient (an axis-mixing
    entry mixes along its last axis), for a third of the entries each run (all with JAXACT_FULL_TESTS=1)."""
    for e in sampled_entries():
        x = verify.random_inputs(e, e.params, jnp.float64, SEED, n=16)
        g = jax.grad(lambda v, e=e: jnp.sum(jnp.sin(jax.vmap(e.closed_form)(v))))(x)
        want = jax.grad(lambda v, e=e: jnp.sum(jnp.sin(e.closed_form(v))))(x)
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-14, err_msg=e.name)


_RANGE_GRID = np.concatenate(
    [np.linspace(-50, 50, 200_001), np.geomspace(50, 1e30, 2000), -np.geomspace(50, 1e30, 2000)]
).astype(np.float32)


@pytest.mark.parametrize("entry", ELEMENTWISE)
def test_declared_range_is_the_range_at_the_defaults(entry):
    """The catalogue's range column is tight: a finite end is reached on a grid to 1e-3, an infinite
    one passed beyond 1e6 (acon_c read (−∞, ∞) at its defaults, where it is swish, [−0.2785, ∞);
    threshold (−∞, ∞) where it is relu)."""
    lo, hi = entry.output_range()
    y = np.asarray(entry.fn(jnp.asarray(_RANGE_GRID)), np.float64)
    y = y[np.isfinite(y)]
    for end, seen, sign in ((lo, y.min(), -1), (hi, y.max(), 1)):
        if math.isfinite(end):
            assert abs(seen - end) <= 1e-3 * max(1.0, abs(end)), (end, seen)
        else:
            assert sign * seen > 1e6, (end, seen)
