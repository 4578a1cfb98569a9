"""Values: drop-in equality with jax.nn, dtype preservation, seed formulas, jit and vmap."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact
from jaxact import verify

from .cases import SEED, all_cases, jax_nn_entries, sampled_entries


@pytest.mark.parametrize("entry", jax_nn_entries())
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64], ids=["float32", "float64"])
def test_values_match_jax_nn(entry, dtype):
    x = verify.random_inputs(entry, entry.params, dtype, SEED, n=256)
    ours = entry.fn(x)
    theirs = getattr(jax.nn, entry.jax_nn)(x)
    assert ours.dtype == theirs.dtype == dtype
    # Where jaxact uses a more accurate form (σ(2z) in gelu's tail, sech² ...)
    # the two differ by jax.nn's rounding error, a few ulp of max(1, |x|).
    e = verify.eps(dtype)
    np.testing.assert_allclose(ours, theirs, rtol=8 * e, atol=8 * e * float(jnp.max(jnp.abs(x))), err_msg=f"{SEED}")


def test_values_match_jax_nn_with_arguments():
    x = jnp.asarray(np.random.default_rng(SEED).normal(size=(4, 6)), jnp.float32)
    mask = jnp.asarray(np.random.default_rng(SEED).random((4, 6)) > 0.3)
    pairs = [
        (jaxact.leaky_relu(x, 0.2), jax.nn.leaky_relu(x, 0.2)),
        (jaxact.elu(x, alpha=0.5), jax.nn.elu(x, alpha=0.5)),
        (jaxact.celu(x, 2.0), jax.nn.celu(x, 2.0)),
        (jaxact.gelu(x, approximate=False), jax.nn.gelu(x, approximate=False)),
        (jaxact.squareplus(x, b=0.5), jax.nn.squareplus(x, b=0.5)),
        (jaxact.softmax(x, axis=0), jax.nn.softmax(x, axis=0)),
        (jaxact.softmax(x, axis=None), jax.nn.softmax(x, axis=None)),
        (jaxact.softmax(x, axis=(0, 1)), jax.nn.softmax(x, axis=(0, 1))),
        (jaxact.softmax(x, where=mask), jax.nn.softmax(x, where=mask)),
        (jaxact.log_softmax(x, where=mask), jax.nn.log_softmax(x, where=mask)),
        (jaxact.log_softmax(x, axis=0), jax.nn.log_softmax(x, axis=0)),
        (jaxact.glu(x, axis=0), jax.nn.glu(x, axis=0)),
    ]
    for ours, theirs in pairs:
        assert ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize("entry,params,dtype", all_cases(dtypes=verify.FLOAT_DTYPES))
def test_output_keeps_input_dtype_in_both_paths(entry, params, dtype):
    x = verify.random_inputs(entry, params, dtype, SEED, n=16)
    assert entry.fn(x, **params).dtype == dtype
    assert entry.closed_form(x, **params).dtype == dtype
    assert jax.jit(jax.grad(lambda v: entry.closed_form(v, **params).astype(jnp.float32).sum()))(x).dtype == dtype


@pytest.mark.sampled
@pytest.mark.parametrize("entry,params,dtype", all_cases(dtypes=(jnp.float32,)))
def test_closed_form_values_equal_autodiff_values(entry, params, dtype):
    x = verify.random_inputs(entry, params, dtype, SEED)
    np.testing.assert_array_equal(entry.autodiff(x, **params), entry.closed_form(x, **params))


class TransformsTest(chex.TestCase):
    """jit equals no-jit, for both paths of a third of the activations each run (all with
    JAXACT_FULL_TESTS=1), chex variants."""

    @chex.variants(with_jit=True, without_jit=True)
    def test_jit_equals_eager(self):
        for entry in sampled_entries():
            for params in verify.param_sets(entry):
                x = verify.random_inputs(entry, params, jnp.float32, SEED)
                static = {k: v for k, v in params.items() if k in entry.static}
                numeric = {k: v for k, v in params.items() if k not in entry.static}
                for f in (entry.autodiff, entry.closed_form):
                    got = self.variant(lambda v, kw, f=f, static=static: f(v, **kw, **static))(x, numeric)
                    # jit and eager may use different tanh/exp kernels: a few ulp of max(1, |x|).
                    atol = 4e-7 * float(jnp.max(jnp.abs(x)))
                    np.testing.assert_allclose(got, f(x, **params), rtol=4e-7, atol=atol, err_msg=entry.name)

    @chex.variants(with_jit=True, without_jit=True)
    def test_grad_under_jit_equals_eager(self):
        for entry in sampled_entries():
            x = verify.random_inputs(entry, entry.params, jnp.float32, SEED)
            for f in (entry.autodiff, entry.closed_form):
                g = jax.grad(lambda v, f=f: jnp.sum(jnp.sin(f(v))))
                atol = 1e-6 + 4e-7 * float(jnp.max(jnp.abs(x)))  # see test_jit_equals_eager
                chex.assert_trees_all_close(self.variant(g)(x), g(x), rtol=1e-6, atol=atol)


@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize("entry,params,dtype", all_cases(dtypes=(jnp.float32,)))
@pytest.mark.parametrize("closed", [False, True], ids=["autodiff", "closed"])
def test_vmap_equals_python_loop(entry, params, dtype, closed):
    f = entry.closed_form if closed else entry.autodiff
    rng = np.random.default_rng(SEED)
    shape = verify.input_shape(entry, 16)
    xs = jnp.asarray(rng.normal(size=(3, *shape)), dtype)
    static = {k: v for k, v in params.items() if k in entry.static}  # vmap hides the batch axis
    numeric = {k: v for k, v in params.items() if k not in entry.static}
    batched = jax.vmap(lambda v: f(v, **numeric, **static))(xs)
    looped = jnp.stack([f(v, **numeric, **static) for v in xs])
    np.testing.assert_allclose(batched, looped, rtol=1e-6, atol=1e-7)
    grad = jax.jit(jax.grad(lambda v: jnp.sum(jnp.cos(f(v, **numeric, **static)))))  # one compile for the loop
    g = jax.vmap(grad)(xs)
    gl = jnp.stack([grad(v) for v in xs])
    np.testing.assert_allclose(g, gl, rtol=1e-6, atol=1e-7)


SEED_FORMULAS = {
    # The seed articles' stated derivatives, checked against the closed forms.
    "sigmoid": lambda x, f: f * (1 - f),
    "tanh": lambda x, f: 1 - f**2,
    "relu": lambda x, f: jnp.where(x > 0, 1.0, 0.0),
    "leaky_relu": lambda x, f: jnp.where(x >= 0, 1.0, 0.01),
    "elu": lambda x, f: jnp.where(x > 0, 1.0, jnp.exp(x)),
    "softplus": lambda x, f: 1 / (1 + jnp.exp(-x)),
    "swish": lambda x, f: f + jax.nn.sigmoid(x) * (1 - f),
    "identity": lambda x, f: jnp.ones_like(x),
    "binary_step": lambda x, f: jnp.zeros_like(x),
}


@pytest.mark.parametrize("name", sorted(SEED_FORMULAS))
def test_seed_article_derivatives(name):
    x = jnp.linspace(-6.0, 6.0, 241, dtype=jnp.float64)
    f = jaxact.get(name).fn(x)
    np.testing.assert_allclose(jaxact.derivative(name)(x), SEED_FORMULAS[name](x, f), rtol=1e-12, atol=1e-14)


def test_seed_article_forward_formulas():
    x = jnp.linspace(-6.0, 6.0, 241, dtype=jnp.float64)
    np.testing.assert_allclose(
        jaxact.tanh(x), (jnp.exp(x) - jnp.exp(-x)) / (jnp.exp(x) + jnp.exp(-x)), rtol=1e-13, atol=1e-15
    )
    np.testing.assert_allclose(jaxact.tanh(x), 2 / (1 + jnp.exp(-2 * x)) - 1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(jaxact.sigmoid(x), 1 / (1 + jnp.exp(-x)), rtol=1e-14)
    np.testing.assert_allclose(jaxact.softplus(x), jnp.log1p(jnp.exp(x)), rtol=1e-14)
    np.testing.assert_array_equal(jaxact.binary_step(jnp.array([-1.0, -0.0, 0.0, 2.0])), [0, 1, 1, 1])
    np.testing.assert_allclose(jaxact.leaky_relu(x), jnp.maximum(0.01 * x, x))
    np.testing.assert_allclose(jaxact.elu(x), jnp.where(x > 0, x, jnp.exp(x) - 1), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(jaxact.swish(x), x / (1 + jnp.exp(-x)), rtol=1e-14)


def test_prelu_per_channel_slope_and_gradient():
    x = jnp.asarray(np.random.default_rng(SEED).normal(size=(5, 3)))
    a = jnp.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(jaxact.prelu(x, a), jnp.where(x >= 0, x, a * x))
    for f in (jaxact.prelu, jaxact.closed_form.prelu):
        ga = jax.grad(lambda s, f=f: jnp.sum(f(x, s)))(a)
        np.testing.assert_allclose(ga, jnp.sum(jnp.minimum(x, 0), axis=0), rtol=1e-12)
    x_nchw = jnp.asarray(np.random.default_rng(SEED).normal(size=(2, 3, 4, 4)))
    y = jaxact.prelu(x_nchw, a, axis=1)
    np.testing.assert_allclose(y, jnp.where(x_nchw >= 0, x_nchw, a[None, :, None, None] * x_nchw))


@pytest.mark.parametrize(
    "name,param",
    [("elu", "alpha"), ("celu", "alpha"), ("swish", "beta"), ("leaky_relu", "negative_slope"), ("squareplus", "b")],
)
def test_parameter_gradients_agree_between_paths(name, param):
    e = jaxact.get(name)
    x = jnp.asarray(np.random.default_rng(SEED).normal(scale=2, size=64))
    p0 = jnp.asarray(0.7)
    grads = [jax.grad(lambda p, f=f: jnp.sum(jnp.sin(f(x, **{param: p}))))(p0) for f in (e.autodiff, e.closed_form)]
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)
