"""Flax integration: learnable-parameter modules for linen and nnx, training, serialisation."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

flax = pytest.importorskip("flax")
import flax.linen as nn  # noqa: E402
from flax import nnx, serialization  # noqa: E402

import jaxact  # noqa: E402
from jaxact import linen as L, nnx as N  # noqa: E402
from jaxact.tools import data  # noqa: E402

DS = data.moons()
X, Y = jnp.asarray(DS.x_train[:512]), jnp.asarray(DS.y_train[:512])


class LinenModel(nn.Module):
    act: nn.Module

    @nn.compact
    def __call__(self, x):
        x = self.act(nn.Dense(32)(x))
        return nn.Dense(2)(x)


def _train(apply, params, steps=150):
    """Adam on the moons data; returns final params, the loss curve and the first gradients."""
    opt = optax.adam(1e-2)
    state = opt.init(params)

    def loss(p):
        return optax.softmax_cross_entropy_with_integer_labels(apply(p, X), Y).mean()

    @jax.jit
    def step(p, s):
        lv, g = jax.value_and_grad(loss)(p)
        u, s = opt.update(g, s, p)
        return optax.apply_updates(p, u), s, lv, g

    losses, grads = [], None
    for _ in range(steps):
        params, state, lv, g = step(params, state)
        losses.append(float(lv))
        grads = grads or g
    return params, losses, grads


def _train_linen(model, steps=150):
    return _train(model.apply, model.init(jax.random.PRNGKey(0), X), steps)


@pytest.mark.parametrize("closed", [False, True], ids=["autodiff", "closed"])
@pytest.mark.parametrize(
    "module,pname",
    [(L.PReLU, "negative_slope"), (L.ELU, "alpha"), (L.CELU, "alpha"), (L.Swish, "beta")],
    ids=["PReLU", "ELU", "CELU", "Swish"],
)
def test_linen_module_trains_and_its_parameter_gets_gradients(module, pname, closed):
    params, losses, grads = _train_linen(LinenModel(module(closed_form=closed)))
    assert losses[-1] < 0.7 * losses[0]
    g = grads["params"]["act"][pname]
    assert bool(jnp.any(g != 0)) and bool(jnp.all(jnp.isfinite(g)))
    restored = serialization.from_bytes(params, serialization.to_bytes(params))
    jax.tree.map(np.testing.assert_array_equal, restored, params)


def test_prelu_parameter_shape_follows_feature_axis():
    p = L.PReLU().init(jax.random.PRNGKey(0), jnp.ones((2, 5, 7)))
    assert p["params"]["negative_slope"].shape == (7,)
    p = L.PReLU(axis=1).init(jax.random.PRNGKey(0), jnp.ones((2, 5, 7)))
    assert p["params"]["negative_slope"].shape == (5,)
    p = L.PReLU(per_channel=False).init(jax.random.PRNGKey(0), jnp.ones((2, 5)))
    assert p["params"]["negative_slope"].shape == ()
    np.testing.assert_allclose(p["params"]["negative_slope"], 0.25)


def test_registry_functions_work_as_linen_activation_callables():
    model = nn.Sequential([nn.Dense(16), jaxact.gelu, nn.Dense(16), jaxact.closed_form.swish, nn.Dense(2)])
    params = model.init(jax.random.PRNGKey(0), X)
    assert model.apply(params, X).shape == (X.shape[0], 2)
    assert L.Activation("gelu", kwargs={"approximate": False}).apply({}, X).shape == X.shape


@pytest.mark.parametrize(
    "module,pname", [(N.PReLU, "negative_slope"), (N.ELU, "alpha"), (N.Swish, "beta")], ids=["PReLU", "ELU", "Swish"]
)
def test_nnx_module_trains_and_its_parameter_gets_gradients(module, pname):
    class Model(nnx.Module):
        def __init__(self, rngs):
            self.l1 = nnx.Linear(2, 32, rngs=rngs)
            self.act = module(32)
            self.l2 = nnx.Linear(32, 2, rngs=rngs)

        def __call__(self, x):
            return self.l2(self.act(self.l1(x)))

    model = Model(nnx.Rngs(0))
    graphdef, params = nnx.split(model, nnx.Param)
    params, losses, first_grads = _train(lambda p, x: nnx.merge(graphdef, p)(x), params)
    assert losses[-1] < 0.7 * losses[0]
    g = first_grads["act"][pname][...]
    assert g.shape == (32,) and bool(jnp.any(g != 0))
    restored = serialization.from_state_dict(params, serialization.to_state_dict(params))
    jax.tree.map(np.testing.assert_array_equal, restored, params)
