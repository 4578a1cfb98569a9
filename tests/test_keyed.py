"""Keyed activations (a PRNG ``key`` parameter: random while training, deterministic without
one), generated from the registry: every keyed entry gets these checks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact
from jaxact import verify

KEYED = [e for e in jaxact.entries() if e.keyed]


def test_the_catalogue_has_keyed_entries():
    assert {e.name for e in KEYED} >= {"rrelu"}


@pytest.mark.parametrize("entry", KEYED, ids=lambda e: e.name)
def test_keyed_entry(entry):
    x = jnp.asarray(np.random.default_rng(0).normal(size=512), jnp.float32)
    k0, k1 = jax.random.key(0), jax.random.key(1)
    f = entry.fn
    # Without a key: deterministic, and what the entry's own mpmath definition says (the mean).
    np.testing.assert_array_equal(f(x), f(x))
    # With a key: reproducible for one key, different for another, in both paths and under jit.
    y0 = f(x, key=k0)
    np.testing.assert_array_equal(y0, f(x, key=k0))
    np.testing.assert_array_equal(y0, jax.jit(lambda v, k: f(v, key=k))(x, k0))
    np.testing.assert_allclose(entry.closed_form(x, key=k0), y0, rtol=1e-6)
    assert not np.array_equal(y0, f(x, key=k1))
    # The legacy uint32 key works too.
    assert f(x, key=jax.random.PRNGKey(0)).shape == x.shape
    # One key, one draw: the closed-form derivative with the key is autodiff's with the key.
    report = verify.check(entry, dtypes=(jnp.float32,))
    assert any("key" in r.params for r in report.rows) and report.ok, str(report)
    for path in (entry.autodiff, entry.closed_form):
        g = jax.grad(lambda v, p=path: p(v, key=k0).sum())(x)
        np.testing.assert_allclose(g, entry.derivative(x, key=k0), rtol=1e-6)
    # Under vmap the key is shared: each row sees the same draw as a loop over rows.
    xs = x.reshape(4, 128)
    np.testing.assert_array_equal(jax.vmap(lambda r: f(r, key=k0))(xs), jnp.stack([f(r, key=k0) for r in xs]))
    with pytest.raises(TypeError, match="'key' must be one PRNG key"):
        f(x, key=3)


def test_rrelu_slopes_are_uniform_and_their_mean_is_the_evaluation_slope():
    x = -jnp.ones(200_000)
    lower, upper = 0.1, 0.4
    slopes = -np.asarray(jaxact.rrelu(x, lower, upper, key=jax.random.key(7)))
    assert slopes.min() >= lower and slopes.max() <= upper
    assert abs(slopes.mean() - (lower + upper) / 2) < 1e-3  # 6 standard errors of the mean
    np.testing.assert_allclose(np.histogram(slopes, 5, (lower, upper))[0] / x.size, 0.2, atol=0.005)
    np.testing.assert_allclose(jaxact.rrelu(x, lower, upper), -(lower + upper) / 2)
    with pytest.raises(ValueError, match="lower <= upper"):
        jaxact.rrelu(x, 0.5, 0.1)


def test_compare_trains_a_keyed_activation_on_its_random_form():
    """jaxact compare draws rrelu's slopes per seed, step and layer while training (one step's
    update depends on the step's number), and evaluates its deterministic form."""
    from jaxact.tools import compare, data

    ds = data.moons()
    cfg = compare.Config(depth=2, width=16, steps=4, batch_size=32, seeds=1, eval_every=2)
    idx = jnp.asarray(compare.batch_indices(cfg, ds.x_train.shape[0])[0, 0])
    for name, keyed in (("rrelu", True), ("leaky_relu", False)):
        tr = compare.Trainer(cfg, ds, name, "closed")
        params, opt_state = tr.init()
        one = jax.tree.map(lambda a: a[0], (params, opt_state))
        after = [tr._step(one, (idx, jnp.int32(n)))[0][0] for n in (0, 1)]
        leaves = zip(jax.tree.leaves(after[0]), jax.tree.leaves(after[1]), strict=True)
        same = all(bool(jnp.all(a == b)) for a, b in leaves)
        assert same != keyed, name
    # evaluation: no key, the mean slope
    logits, _ = tr.model.apply(jax.tree.map(lambda a: a[0], params), ds.x_test[:4], jaxact.rrelu)
    assert bool(jnp.all(jnp.isfinite(logits)))


@pytest.mark.parametrize("entry", KEYED, ids=lambda e: e.name)
def test_learnable_modules_draw_the_random_form_only_in_training(entry):
    flax = pytest.importorskip("flax")
    from flax import nnx

    from jaxact import linen, nnx as jnnx

    del flax
    x = -jnp.ones((2, 64), jnp.float32)  # the modules store float32 parameters
    mean = entry.fn(x)
    m = linen.Learnable(entry.name)
    p = m.init(jax.random.key(0), x)
    np.testing.assert_array_equal(m.apply(p, x), mean)  # unset: deterministic
    drawn = m.apply(p, x, deterministic=False, rngs={"dropout": jax.random.key(1)})
    assert not bool(jnp.all(drawn == mean))
    np.testing.assert_array_equal(drawn, m.apply(p, x, deterministic=False, rngs={"dropout": jax.random.key(1)}))
    n = jnnx.Learnable(entry.name, rngs=nnx.Rngs(dropout=0))
    assert not bool(jnp.all(n(x) == mean))
    n.eval()
    np.testing.assert_array_equal(n(x), mean)
    n.train()
    assert not bool(jnp.all(n(x) == mean))
    np.testing.assert_array_equal(jnnx.Learnable(entry.name)(x), mean)  # no rngs: deterministic
    with pytest.raises(ValueError, match="needs rngs"):
        jnnx.Learnable(entry.name, deterministic=False)


@pytest.mark.parametrize("make_key", [jax.random.key, jax.random.PRNGKey], ids=["typed", "legacy"])
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_a_key_is_no_number_to_promote_with_in_half_precision(make_key, dtype):
    """Half precision is computed in float32 and rounded back to the dtype x and the numeric
    parameters promote to: a key (typed or legacy) or an absent one is not among them."""
    x = jnp.array([-1.0, 2.0], dtype)
    key = make_key(0)
    for f in (jaxact.rrelu, jaxact.closed_form.rrelu, jaxact.autodiff.rrelu):
        assert f(x, key=key).dtype == x.dtype
        g = jax.grad(lambda v, f=f: f(v, key=key).astype(jnp.float32).sum())(x)
        assert g.dtype == x.dtype and bool(jnp.all(jnp.isfinite(g)))
    assert jaxact.get("rrelu").derivative(x).dtype == x.dtype
    assert jaxact.get("rrelu").derivative(x, key=key).dtype == x.dtype
