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


LEARNABLE = [e for e in jaxact.entries() if e.learnable_params]


def test_learnable_entries_come_from_the_registry():
    assert {"prelu", "elu", "celu", "swish", "squareplus"} <= {e.name for e in LEARNABLE}


@pytest.mark.sampled
@pytest.mark.parametrize("path", ["autodiff", "closed_form"])
@pytest.mark.parametrize("entry", LEARNABLE, ids=lambda e: e.name)
def test_linen_learnable_trains_and_every_parameter_gets_gradients(entry, path):
    params, losses, grads = _train_linen(LinenModel(L.Learnable(entry.name, per_channel=True, gradient_path=path)))
    # A constrained parameter pushed out of its domain is used at the domain's edge, not NaN.
    assert losses[-1] < 0.8 * losses[0], losses[::30]
    for k in entry.learnable_params:
        g = grads["params"]["act"][k]
        assert g.shape == (32,) and bool(jnp.all(jnp.isfinite(g))), k
        assert bool(jnp.any(g != 0)), k
    restored = serialization.from_bytes(params, serialization.to_bytes(params))
    jax.tree.map(np.testing.assert_array_equal, restored, params)


@pytest.mark.parametrize("entry", LEARNABLE, ids=lambda e: e.name)
def test_nnx_learnable_trains_and_matches_linen(entry):
    class Model(nnx.Module):
        def __init__(self, rngs):
            self.l1 = nnx.Linear(2, 32, rngs=rngs)
            self.act = N.Learnable(entry.name, num_features=32)
            self.l2 = nnx.Linear(32, 2, rngs=rngs)

        def __call__(self, x):
            return self.l2(self.act(self.l1(x)))

    model = Model(nnx.Rngs(0))
    graphdef, params = nnx.split(model, nnx.Param)
    params, losses, first_grads = _train(lambda p, x: nnx.merge(graphdef, p)(x), params)
    assert losses[-1] < 0.8 * losses[0]
    pname = entry.learnable_params[0]
    assert first_grads["act"][pname][...].shape == (32,)
    x = jnp.linspace(-3, 3, 64).reshape(2, 32)
    lin = L.Learnable(entry.name, per_channel=True)
    np.testing.assert_array_equal(N.Learnable(entry.name, num_features=32)(x), lin.apply(lin.init(KEY, x), x))
    restored = serialization.from_state_dict(params, serialization.to_state_dict(params))
    jax.tree.map(np.testing.assert_array_equal, restored, params)


KEY = jax.random.PRNGKey(0)


def test_parameter_shape_follows_the_feature_axis_and_starts_at_the_configured_value():
    x = jnp.ones((2, 5, 7))
    assert L.Learnable("prelu", per_channel=True).init(KEY, x)["params"]["negative_slope"].shape == (7,)
    p = L.Learnable("prelu", per_channel=True, axis=1).init(KEY, x)["params"]["negative_slope"]
    assert p.shape == (5,)
    p = L.Learnable(jaxact.configure("elu", alpha=0.5)).init(KEY, x)["params"]["alpha"]
    assert p.shape == () and float(p) == 0.5
    act = L.Learnable("prelu", per_channel=True, axis=1)
    y = act.apply({"params": {"negative_slope": jnp.arange(5.0)}}, -x)
    np.testing.assert_array_equal(y[0, :, 0], -jnp.arange(5.0))
    p = L.Learnable("threshold", learn=("value",)).init(KEY, x)["params"]
    assert set(p) == {"value"}


def test_parameters_stay_float32_while_the_activation_computes_in_the_input_dtype():
    x = jnp.linspace(-2, 2, 8, dtype=jnp.bfloat16).reshape(2, 4)
    act = L.Learnable("swish", per_channel=True)
    params = act.init(KEY, x)
    assert params["params"]["beta"].dtype == jnp.float32
    assert act.apply(params, x).dtype == jnp.bfloat16
    g = jax.grad(lambda p: act.apply(p, x).astype(jnp.float32).sum())(params)
    assert g["params"]["beta"].dtype == jnp.float32
    assert L.Learnable("swish", per_channel=True, dtype=jnp.float32).apply(params, x).dtype == jnp.float32
    assert N.Learnable("swish", num_features=4)(x).dtype == jnp.bfloat16
    assert N.Learnable("swish", param_dtype=jnp.bfloat16).beta[...].dtype == jnp.bfloat16


def test_sharding_annotations_on_the_parameters():
    x = jnp.ones((2, 4))
    params = L.Learnable("prelu", per_channel=True, sharding=("mlp",)).init(KEY, x)
    assert nn.get_partition_spec(params)["params"]["negative_slope"] == jax.sharding.PartitionSpec("mlp")
    mesh = jax.sharding.Mesh(np.array(jax.devices()[:1]), ("mlp",))
    with jax.set_mesh(mesh):
        m = N.Learnable("prelu", num_features=4, sharding=("mlp",))
    assert m.negative_slope[...].sharding.spec == jax.sharding.PartitionSpec("mlp")


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: L.Learnable("gelu").init(KEY, X), "gelu has nothing to learn"),
        (
            lambda: L.Learnable("elu", learn=("beta",)).init(KEY, X),
            "elu cannot learn 'beta'; its learnable parameters: alpha",
        ),
        (lambda: L.Learnable("prelu", per_channel=True, axis=3).init(KEY, X), "per-channel axis 3 is out of range"),
        (lambda: N.Learnable("gelo"), "Did you mean 'gelu'"),
        (lambda: N.Learnable("elu", num_features=0), "num_features must be a positive int"),
        (lambda: N.Learnable("elu", gradient_path="fast"), "unknown gradient path"),
        # An integer dtype stored prelu's slope 0.25 as 0 (a relu) or truncated x, silently.
        (lambda: L.Learnable("prelu", param_dtype=jnp.int32).init(KEY, X), "param_dtype must be a float dtype"),
        (lambda: N.Learnable("prelu", param_dtype=jnp.int32), "param_dtype must be a float dtype"),
        (lambda: L.Learnable("elu", dtype=jnp.int32).init(KEY, X), "dtype must be a float dtype"),
        (lambda: N.Learnable("elu", param_dtype="float33"), "param_dtype must be a float dtype .* got 'float33'"),
        # Each setting named, not an indexing error mid-call nor a setting taken as something else.
        (lambda: L.Learnable("prelu", per_channel=True, axis=1.0).init(KEY, X), "axis must be an int .* got 1.0"),
        (lambda: L.Learnable("prelu", axis=1.0).init(KEY, X), "axis must be an int"),
        (lambda: L.Learnable("prelu", per_channel="yes").init(KEY, X), "per_channel must be a bool, got 'yes'"),
        (
            lambda: L.Learnable("prelu", per_channel=True, sharding="mlp").init(KEY, X),
            r"sharding must be a tuple of logical axis names, e.g. \('mlp',\), or None, got 'mlp'",
        ),
        (
            lambda: L.Learnable("prelu", per_channel=True, sharding=("a", "b")).init(KEY, X),
            "names 2 axes; the per-feature parameter has one",
        ),
        (lambda: L.Learnable("elu", learn=["alpha", "alpha"]).init(KEY, X), "learn names 'alpha' more than once"),
        (lambda: L.Learnable("elu", learn=3).init(KEY, X), "learn must be a parameter's name or a sequence"),
        (lambda: L.Learnable("rrelu", deterministic="no").init(KEY, X), "deterministic must be a bool .* got 'no'"),
        (
            lambda: L.Learnable("rrelu").init(KEY, X, deterministic=jnp.zeros(3, bool)),
            r"deterministic must be a bool .* got an array of shape \(3,\) \(bool\)\.",
        ),
        (
            lambda: N.Learnable("elu", num_features=3)(jnp.ones((2, 4))),
            "num_features=3, but the input's feature axis -1 has 4",
        ),
        (
            lambda: N.Learnable("elu", num_features=3)(jnp.ones(4)),
            "num_features=3, but the input's feature axis -1 has 4",
        ),
        (
            lambda: N.Learnable("elu", num_features=3, axis=4)(jnp.ones((2, 3))),
            "axis 4 is out of range for an input of shape \\(2, 3\\)",
        ),
        (lambda: N.Learnable("elu", axis=1.0), "axis must be an int .* got 1.0"),
        (lambda: N.Learnable("elu", num_features=True), "num_features must be a positive int or None, got True"),
        (lambda: N.Learnable("elu", num_features=3.0), "num_features must be a positive int or None, got 3.0"),
        (lambda: N.Learnable("prelu", sharding="mlp"), "sharding must be a tuple"),
        (lambda: N.Learnable("rrelu", deterministic="no"), "deterministic must be a bool"),
        # It said "elu has nothing to learn; its learnable parameters: alpha".
        (lambda: L.Learnable("elu", learn=[]).init(KEY, X), "elu is given learn= naming no parameter; its learnable"),
        # Same name and repr as jaxact.elu: it said "must be a registered name ..., got 'elu'".
        (
            lambda: L.Learnable(jaxact.derivative("elu")).init(KEY, X),
            r"'elu' is elu's derivative \(jaxact.derivative\('elu'\)\), not an activation; pass jaxact.elu",
        ),
        (lambda: N.Learnable(jaxact.derivative("tanh")), "'tanh' is tanh's derivative"),
    ],
)
def test_bad_module_settings_are_named(make, message):
    with pytest.raises((ValueError, KeyError, TypeError), match=message):
        make()


def test_registry_functions_and_configured_values_work_as_linen_activations():
    gelu_exact = jaxact.configure("gelu", approximate=False)
    model = nn.Sequential([nn.Dense(16), jaxact.gelu, nn.Dense(16), gelu_exact, nn.Dense(2)])
    params = model.init(KEY, X)
    assert model.apply(params, X).shape == (X.shape[0], 2)

    class Block(nn.Module):  # a configured activation as a (hashable) module attribute
        act: jaxact.Configured

        @nn.compact
        def __call__(self, x):
            return self.act(nn.Dense(4)(x))

    b = Block(gelu_exact)
    assert hash(b.act) == hash(jaxact.configure("gelu", approximate=False))
    assert b.apply(b.init(KEY, X), X).shape == (X.shape[0], 4)


@pytest.mark.parametrize("start", [-0.5, -5.0])
def test_a_parameter_pushed_out_of_its_domain_can_come_back(start):
    """Out of its domain a learned value is used at the edge (celu's α at eps), and its gradient is
    the edge's: a clamp's own gradient (0 there) froze it for good after one step crossed. The edge
    exactly: −5 + (eps + 5) rounded to α = 0 (raised eagerly, NaN under jit)."""
    x = jnp.linspace(-3, 3, 64)[:, None]
    target = jaxact.celu(x, 1.0)
    m = L.Learnable("celu")
    params = jax.tree.map(lambda v: jnp.full_like(v, start), m.init(KEY, x))  # as a large step leaves it
    loss = lambda p: jnp.mean((m.apply(p, x) - target) ** 2)  # noqa: E731
    assert bool(jnp.isfinite(loss(params)))
    for _ in range(200):
        params = jax.tree.map(lambda v, g: v - 2.0 * g, params, jax.grad(loss)(params))
    assert float(params["params"]["alpha"]) > 0.5


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16, jnp.float32])
def test_a_positive_value_below_the_dtypes_epsilon_is_used_as_it_is(dtype):
    """Only a value out of its domain moves: a bfloat16 squareplus b = 0.001 (in the domain, b > 0)
    was raised to bfloat16's eps, 0.0078 (3x the function's value at b, and 3x its gradient)."""
    x = jnp.asarray([-0.01, 0.0, 0.01, 2.0], dtype)
    # float16: a subnormal of its own (below 6.1e-5) is normal in the float32 it computes in.
    b = jnp.float32(3e-5 if dtype == jnp.float16 else 0.001)
    m = L.Learnable("squareplus")
    params = {"params": {"b": b}}
    np.testing.assert_array_equal(m.apply(params, x), jaxact.squareplus(x, b=b.astype(dtype)))
    got = jax.grad(lambda p: m.apply(p, x).astype(jnp.float32).sum())(params)["params"]["b"]
    want = jax.grad(lambda v: jaxact.squareplus(x, b=v.astype(dtype)).astype(jnp.float32).sum())(b)
    np.testing.assert_allclose(got, want, rtol=1e-2)
    # Out of the domain, at the edge as before, and NaN stays NaN.
    for v, edge in ((0.0, jnp.finfo(dtype).eps), (-1.0, jnp.finfo(dtype).eps)):
        y = m.apply({"params": {"b": jnp.float32(v)}}, x)
        np.testing.assert_array_equal(y, jaxact.squareplus(x, b=jnp.asarray(edge, dtype)))
    assert bool(jnp.isnan(jax.jit(m.apply)({"params": {"b": jnp.float32(jnp.nan)}}, x)).all())  # eagerly: raised


@pytest.mark.parametrize("false", [False, np.False_, 0, np.int64(0), np.array(False), jnp.array(0)], ids=repr)
def test_a_false_like_deterministic_draws_the_random_form_as_dropout_does(false):
    """nn.Dropout reads deterministic by truthiness: np.False_ or 0 gave the deterministic form
    (the code tested `is False`) and never drew from the rng stream."""
    x = -jnp.ones((4, 64))
    rngs = {"dropout": jax.random.key(3)}
    params = L.Learnable("rrelu").init(KEY, x)
    drawn = L.Learnable("rrelu").apply(params, x, deterministic=False, rngs=rngs)
    assert float(jnp.std(drawn)) > 0  # random slopes
    m = L.Learnable("rrelu", deterministic=false)
    np.testing.assert_array_equal(m.apply(params, x, rngs=rngs), drawn)
    np.testing.assert_array_equal(L.Learnable("rrelu").apply(params, x, deterministic=false, rngs=rngs), drawn)
    # True-like ones: the deterministic form (the slopes' mean), no rng needed.
    for true in (True, np.True_, 1, np.array(True)):
        y = L.Learnable("rrelu", deterministic=true).apply(params, x)
        np.testing.assert_allclose(y, jaxact.rrelu(x), rtol=1e-6)
    nnx_act = N.Learnable("rrelu", deterministic=false, rngs=nnx.Rngs(dropout=3))
    assert nnx_act.deterministic is False and float(jnp.std(nnx_act(x))) > 0


def test_nnx_num_features_takes_numpy_integers_and_an_axis_that_fits():
    act = N.Learnable("elu", num_features=np.int64(3), axis=np.int32(0))
    assert act.alpha.shape == (3,)
    assert act(jnp.ones((3, 2))).shape == (3, 2)
    assert L.Learnable("prelu", per_channel=np.True_, axis=np.int64(0)).init(KEY, X)["params"][
        "negative_slope"
    ].shape == (X.shape[0],)


def test_nnx_one_feature_is_one_value_shared_across_the_axis():
    """num_features=1 broadcasts one learned value over the feature axis (as torch's PReLU(1)); the
    size check refused it."""
    m = N.Learnable("elu", num_features=1)
    x = -jnp.ones((2, 5))
    np.testing.assert_allclose(m(x), jaxact.elu(x))


def test_an_nnx_graphdef_hashes_so_jit_takes_it_as_a_static_argument():
    """The functional NNX pattern (graphdef static, state traced), as for nnx.Linear: the stored plan
    held dicts, so hashing the GraphDef raised and jax.jit refused it as a static argument."""
    x = jnp.linspace(-2, 2, 6).reshape(2, 3)
    for act in (N.Learnable("elu", num_features=3), N.Learnable(jaxact.configure("prelu", negative_slope=0.1))):
        graphdef, state = nnx.split(act)
        assert hash(graphdef) == hash(nnx.split(act)[0])
        run = jax.jit(lambda g, s, x: nnx.merge(g, s)(x), static_argnums=0)
        np.testing.assert_array_equal(run(graphdef, state, x), act(x))


def test_a_configured_axis_that_is_not_the_modules_is_refused():
    """Learnable(configure("prelu", axis=1), per_channel=True) laid its slopes along the module's
    axis (−1), the configured one doing nothing; jaxact.prelu refuses slopes along another axis too."""
    x = -jnp.ones((2, 3, 4, 5))
    conf = jaxact.configure("prelu", axis=1)
    with pytest.raises(ValueError, match=r"configured axis=1 and the module's axis=-1 are different axes"):
        L.Learnable(conf, per_channel=True).init(KEY, x)
    with pytest.raises(ValueError, match=r"configured axis=1 and the module's axis=-1 are different axes"):
        N.Learnable(conf, num_features=3)(x)
    # The same axis, as given or counted from the end, is one: the slopes lie along it.
    slopes = jnp.arange(1.0, 4.0, dtype=jnp.float32)
    expected = jaxact.prelu(x, slopes, axis=1)
    for axis in (1, -3):
        np.testing.assert_array_equal(
            L.Learnable(conf, per_channel=True, axis=axis).apply({"params": {"negative_slope": slopes}}, x), expected
        )
        m = N.Learnable(conf, num_features=3, axis=axis)
        m.negative_slope[...] = slopes
        np.testing.assert_array_equal(m(x), expected)
    # A scalar slope has no axis to disagree on.
    np.testing.assert_array_equal(L.Learnable(conf).apply({"params": {"negative_slope": jnp.float32(0.5)}}, x), 0.5 * x)


@pytest.mark.parametrize("shape", [(256, 256), (65536, 1)])
@pytest.mark.parametrize("name", ["celu", "swish", "prelu", "threshold", "srelu"])
def test_a_float32_parameters_gradient_over_a_bfloat16_input_is_summed_in_float32(name, shape):
    """The parameter was cast to bfloat16 before it met x, so its gradient's sum over x ran in bfloat16,
    which XLA on CPU accumulates in bfloat16: against float64 maths on the same inputs, celu 2.2 % and
    swish 0.8 % off over 256 x 256; prelu 8 % there and 69 % over a column of 2^16 (the sum stops
    growing at 8192), threshold's value 50 % and 75 %. With the sum in float32 what is left is the
    bfloat16 rounding of each term (0.2–0.3 %)."""
    import jaxact.linen

    x = jnp.asarray(np.random.default_rng(0).normal(size=shape), jnp.bfloat16)
    ct = jnp.asarray(np.random.default_rng(1).normal(size=shape), jnp.bfloat16)
    if name in ("prelu", "threshold"):
        ct = jnp.abs(ct)  # terms of one sign: the sum grows with the count, as a loss's often does
    m = jaxact.linen.Learnable(name)
    params = m.init(jax.random.PRNGKey(0), x)
    assert m.apply(params, x).dtype == jnp.bfloat16
    g = jax.grad(lambda p: jnp.sum((m.apply(p, x) * ct).astype(jnp.float32)))(params)
    m64 = jaxact.linen.Learnable(name, dtype=jnp.float64, param_dtype=jnp.float64)
    p64 = jax.tree.map(lambda v: jnp.asarray(v, jnp.float64), params)
    g64 = jax.grad(lambda p: jnp.sum(m64.apply(p, jnp.asarray(x, jnp.float64)) * jnp.asarray(ct, jnp.float64)))(p64)
    for (where, got), want in zip(jax.tree_util.tree_leaves_with_path(g), jax.tree.leaves(g64), strict=True):
        assert got.dtype == jnp.float32
        assert abs(float(got) - float(want)) <= 4e-3 * abs(float(want)), (where, float(got), float(want))


def test_a_configured_axis_that_is_not_the_parameters_axis_is_taken():
    """9dec1b6 refused every configured axis other than the module's; only prelu's axis is the one its
    parameter lies along. A softmax over axis 1 with a learned temperature per feature (last axis)
    was refused in linen and nnx."""

    def jvp(x, y, t, temp=1.0, axis=-1):
        tt = t / temp
        return y * (tt - jnp.sum(y * tt, axis=axis, keepdims=True))

    def my_tsoftmax(x, temp=1.0, axis=-1):
        """Softmax of x/temp. Range [0, 1]."""
        return jax.nn.softmax(x / temp, axis=axis)

    jaxact.register(jvp=jvp, static=("axis",), constraints={"temp": ("positive",)})(my_tsoftmax)
    try:
        x = jax.random.normal(jax.random.key(0), (2, 5, 3))
        conf = jaxact.configure("my_tsoftmax", axis=1)
        params = L.Learnable(conf, per_channel=True).init(jax.random.key(1), x)
        assert jax.tree.leaves(params)[0].shape == (3,)
        assert N.Learnable(conf, num_features=3, rngs=nnx.Rngs(0))(x).shape == (2, 5, 3)
    finally:
        jaxact.unregister("my_tsoftmax")


def test_a_linen_model_with_a_learnable_tabulates():
    """The gradient path is ``gradient_path``: a field ``path`` hid Flax's own ``Module.path`` (the scope),
    and ``tabulate`` / ``module_paths`` failed (TypeError: NoneType has no len) for any such model."""
    model = LinenModel(L.Learnable("prelu", per_channel=True, gradient_path="autodiff"))
    table = model.tabulate(KEY, X[:4])
    assert "negative_slope" in table and "Learnable" in table
    assert ("act",) in {tuple(p.split("/")) for p in model.module_paths(KEY, X[:4])}


def test_linen_sharding_names_are_logical_axes_mapped_by_the_rules():
    """``sharding`` takes logical names, as its docstring says: ``nn.logical_axis_rules`` maps them to the
    mesh's axes (mesh axis names were required: 'mlp' not found in a mesh of ('model',))."""
    mesh = jax.sharding.Mesh(np.array(jax.devices()[:1]), ("model",))
    act = L.Learnable("prelu", per_channel=True, sharding=("mlp",))
    with jax.set_mesh(mesh), nn.logical_axis_rules((("mlp", "model"),)):
        params = jax.jit(act.init)(KEY, jnp.ones((2, 4)))
        spec = nn.logical_to_mesh(nn.get_partition_spec(params))["params"]["negative_slope"]
    assert spec == jax.sharding.PartitionSpec("model")


def test_nnx_learnable_follows_views_per_call_settings_and_takes_a_stream():
    x = -jnp.ones((64, 4))
    m = N.Learnable("rrelu", rngs=nnx.Rngs(0))
    assert not m.deterministic and len(np.unique(np.asarray(m(x)))) > 1  # the random (training) form
    evaluating = nnx.view(m, deterministic=True)
    assert evaluating.deterministic and len(np.unique(np.asarray(evaluating(x)))) == 1
    np.testing.assert_array_equal(m(x, deterministic=True), evaluating(x))
    quiet = N.Learnable("rrelu")  # no rngs: deterministic, but a call may train with its own
    assert len(np.unique(np.asarray(quiet(x, deterministic=False, rngs=nnx.Rngs(1))))) > 1
    stream = N.Learnable("rrelu", rngs=nnx.Rngs(2).dropout)
    assert len(np.unique(np.asarray(stream(x)))) > 1
    with pytest.raises(TypeError, match=r"rngs must be an nnx.Rngs \(or one nnx.RngStream\), got"):
        N.Learnable("rrelu", rngs=jax.random.key(0))
    assert "'elu'" in repr(N.Learnable("elu")) and "'celu'" in repr(N.Learnable("celu"))


@pytest.mark.parametrize("name,lo,hi", [("rrelu", "lower", "upper"), ("srelu", "t_left", "t_right")])
def test_a_learned_pair_that_training_crossed_is_used_in_order(name, lo, hi):
    """rrelu's lower and upper cross in ordinary training (7 of 32 channels after 300 Adam steps): the
    module uses the pair sorted, each value with its own gradient, eagerly and under jit alike (eagerly
    it raised, printing every channel; under jit it was silently undefined)."""
    x = jnp.asarray(np.random.default_rng(0).normal(scale=2.0, size=(16, 3)), jnp.float32)
    m = L.Learnable(name, per_channel=True)
    params = m.init(KEY, x)
    p = params["params"]
    crossed = {"params": {**p, lo: p[hi] + jnp.array([0.0, 0.1, 0.2]), hi: p[lo] - jnp.array([0.0, 0.1, 0.2])}}
    ordered = {"params": {**p, lo: crossed["params"][hi], hi: crossed["params"][lo]}}
    np.testing.assert_array_equal(m.apply(crossed, x), m.apply(ordered, x))
    np.testing.assert_array_equal(jax.jit(m.apply)(crossed, x), m.apply(ordered, x))
    g = jax.grad(lambda q: jnp.sum(m.apply(q, x) ** 2))(crossed)["params"]
    want = jax.grad(lambda q: jnp.sum(m.apply(q, x) ** 2))(ordered)["params"]
    np.testing.assert_allclose(g[lo], want[hi], rtol=1e-6)  # the value in the lower role, its gradient
    np.testing.assert_allclose(g[hi], want[lo], rtol=1e-6)
    # One learned: held at the fixed one's value, its gradient straight through (not a clamp's 0).
    one = L.Learnable(name, learn=lo, per_channel=True)
    q = one.init(KEY, x)
    fixed_hi = jaxact.get(name).params[hi]
    at = {"params": {**q["params"], lo: jnp.full((3,), fixed_hi)}}
    for far in (1e6, 0.5):  # held exactly: v + (held − v) rounded 1e6 + (1/3 − 1e6) to 0.3125
        over = {"params": {**q["params"], lo: jnp.full((3,), fixed_hi + far)}}
        np.testing.assert_array_equal(one.apply(over, x), one.apply(at, x))
    g_over = jax.grad(lambda v: jnp.sum(one.apply(v, x) ** 2))(over)["params"][lo]
    np.testing.assert_array_equal(g_over, jax.grad(lambda v: jnp.sum(one.apply(v, x) ** 2))(at)["params"][lo])
    assert np.all(np.asarray(g_over) != 0)
    with pytest.raises(ValueError, match=rf"needs {lo} <= {hi}, got {lo}=.* at index 1 \(1 of 2\)\.$"):
        jaxact.get(name).fn(x[:, :2], **{lo: np.array([0.1, 0.5]), hi: np.array([0.2, 0.4])})


@pytest.mark.parametrize("name", ["celu", "squareplus"])
def test_a_bfloat16_parameters_gradient_over_a_float32_input_is_summed_in_float32(name):
    """Stored in bfloat16, computed in float32: the parameter was laid over x in bfloat16, so its
    gradient's sum ran in bfloat16 (2.5 % off over 2^16 elements)."""
    x = jnp.asarray(np.random.default_rng(0).normal(size=(256, 256)), jnp.float32)
    ct = jnp.asarray(np.random.default_rng(1).normal(size=(256, 256)), jnp.float32)
    m = L.Learnable(name, param_dtype=jnp.bfloat16)
    params = m.init(KEY, x)
    (got,) = jax.tree.leaves(jax.grad(lambda p: jnp.sum(m.apply(p, x) * ct))(params))
    m32 = L.Learnable(name)
    (want,) = jax.tree.leaves(
        jax.grad(lambda p: jnp.sum(m32.apply(p, x) * ct))(jax.tree.map(lambda v: v.astype(jnp.float32), params))
    )
    assert got.dtype == jnp.bfloat16
    assert abs(float(got) - float(want)) <= 8e-3 * abs(float(want)), (float(got), float(want))


def test_a_registered_function_names_its_entry():
    x = jnp.linspace(-2, 2, 8).reshape(2, 4)
    for given in (jaxact.elu, jaxact.autodiff.elu, jaxact.closed_form.elu):
        m = L.Learnable(given)
        params = m.init(KEY, x)
        np.testing.assert_array_equal(m.apply(params, x), jaxact.elu(x))
        assert N.Learnable(given).alpha[...] == 1.0
        assert m.bind(params).activation == given
    with pytest.raises(TypeError, match=r"activation must be a registered name .* got 'f'\.$"):

        def f(v):
            return v

        N.Learnable(f)


def test_a_jit_of_a_registered_function_keeps_its_path_and_another_wrapper_is_refused():
    """functools.wraps, which jax.jit and jax.custom_jvp use, copies a public function's .activation onto
    the wrapper: a jit of jaxact.autodiff.elu was read as elu on its default path, and a custom_jvp of
    jaxact.elu as elu itself, the user's rule dropped."""
    from jaxact import _learnable, registry

    x = jnp.linspace(-2, 2, 8).reshape(2, 4)
    for twin, path in ((jaxact.autodiff.elu, "autodiff"), (jaxact.closed_form.elu, "closed_form")):
        assert _learnable.plan(jax.jit(twin), None, None, "o").path == path
        assert _learnable.plan(jax.jit(jax.jit(twin, donate_argnums=0)), None, None, "o").path == path
    assert _learnable.plan(jax.jit(jaxact.elu), None, None, "o").path is None
    assert registry.entry_of(jax.jit(jaxact.sigmoid)) is jaxact.get("sigmoid")
    custom = jax.custom_jvp(jaxact.elu)
    custom.defjvp(lambda p, t: (jaxact.elu(p[0]), 2 * t[0]))
    assert registry.entry_of(custom) is None
    with pytest.raises(TypeError, match=r"custom_jvp 'elu' wraps jaxact\.elu and computes what it likes; pass"):
        L.Learnable(custom).init(KEY, x)
    with pytest.raises(TypeError, match=r"jaxact\.verify\.check: give a registered name"):
        jaxact.verify.check(custom)


def test_a_learned_pair_that_starts_equal_gets_each_its_own_gradient():
    """Sorting by min/max split the gradient ½/½ at a tie: lower = upper got one averaged gradient and
    never separated. A select keeps each its own (as before the sort)."""
    x = jnp.asarray(np.random.default_rng(0).normal(scale=2.0, size=(64, 3)), jnp.float32)
    m = L.Learnable(jaxact.configure("rrelu", lower=0.2, upper=0.2), per_channel=True, deterministic=False)
    params = m.init({"params": KEY, "dropout": KEY}, x)
    g = jax.grad(lambda p: jnp.sum(m.apply(p, x, rngs={"dropout": KEY}) ** 2))(params)["params"]
    assert not np.allclose(g["lower"], g["upper"]), (g["lower"], g["upper"])


def test_a_bfloat16_bound_is_compared_in_bfloat16():
    """bfloat16 is no NumPy floating dtype: a Python-number bound was compared with it in float64 (a
    bfloat16 lower of 1/3 rounds above 1/3 and was refused eagerly)."""
    x = -jnp.ones(4, jnp.bfloat16)
    np.testing.assert_array_equal(jaxact.rrelu(x, lower=jnp.asarray(1 / 3, jnp.bfloat16)), x * jnp.bfloat16(1 / 3))
    m = L.Learnable("rrelu", learn="lower")
    params = {"params": {"lower": jnp.asarray(0.5, jnp.float32)}}  # crossed the fixed upper = 1/3
    assert m.apply(params, x).dtype == jnp.bfloat16


def test_nnx_still_takes_path_with_a_deprecation_warning():
    """Attributed to the caller's line: stacklevel=2 named Flax's metaclass, and Python's default filters
    show a DeprecationWarning only where it is attributed to __main__ (scripts never saw it)."""
    with pytest.warns(DeprecationWarning, match="path= is renamed gradient_path=") as record:
        m = N.Learnable("elu", path="autodiff")
    assert [w.filename for w in record] == [__file__]
    assert m._plan.path == "autodiff"
    with pytest.raises(TypeError, match="give gradient_path= only"):
        N.Learnable("elu", path="autodiff", gradient_path="autodiff")


def test_an_nnx_module_keeps_working_after_its_entry_is_unregistered_or_replaced():
    """An nnx module keeps the function it was made with, but each call looked the entry up again by
    name (for its ordered pairs): after jaxact.unregister it raised UnknownActivationError, and after a
    notebook cell re-registered the name it paired the old function with the new entry's ordering."""

    def my_band(x, lo=-1.0, hi=1.0):
        """x clipped to [lo, hi]."""
        return jnp.clip(x, lo, hi)

    def d(x, lo=-1.0, hi=1.0):
        return jnp.where((x > lo) & (x < hi), 1.0, 0.0).astype(x.dtype)

    x = jnp.linspace(-3, 3, 7)
    jaxact.register(derivative=d, ordered=(("lo", "hi"),))(my_band)
    try:
        m = N.Learnable("my_band")
        m.lo[...], m.hi[...] = jnp.float32(2.0), jnp.float32(-2.0)  # crossed: used sorted
        want = jnp.clip(x, -2.0, 2.0)
        np.testing.assert_array_equal(m(x), want)
        jaxact.register(derivative=d)(my_band)  # re-registered without the ordering
        np.testing.assert_array_equal(m(x), want)
    finally:
        jaxact.unregister("my_band")
    np.testing.assert_array_equal(m(x), want)


def test_nnx_models_differing_in_initial_values_share_one_graphdef():
    """The initial values were static attributes (the configured activation, the plan, the error
    messages' owner): models differing only in where α starts compiled once each under nnx.jit and
    could not share one GraphDef; the fixed settings stay in it."""
    from flax import nnx

    made = [N.Learnable(jaxact.configure("celu", alpha=a), num_features=3) for a in (0.5, 0.7)]
    (g1, s1), (g2, s2) = (nnx.split(m) for m in made)
    assert g1 == g2
    np.testing.assert_array_equal(s1["alpha"][...], np.full(3, 0.5, np.float32))
    np.testing.assert_array_equal(s2["alpha"][...], np.full(3, 0.7, np.float32))
    assert "alpha" not in repr(made[0].activation)
    fixed = N.Learnable(jaxact.configure("srelu", t_left=-2.0, a_left=0.3), learn="a_left")
    assert fixed.activation == jaxact.configure("srelu", t_left=-2.0)  # the fixed one stays
    x = -3 * jnp.ones((2, 3))
    np.testing.assert_allclose(fixed(x), jaxact.srelu(x, t_left=-2.0, a_left=0.3), rtol=1e-6)
    traces = []

    @nnx.jit
    def run(m, x):
        traces.append(1)
        return m(x)

    for m in made:
        run(m, x)
    assert len(traces) == 1


def test_nnx_models_spelling_one_activation_differently_share_one_graphdef():
    """'elu', jaxact.elu, its jax.jit, an alias's case and configure('elu', alpha=0.5) with α learned
    are one activation: each spelling was a GraphDef (and an nnx.jit compilation) of its own."""
    from flax import nnx

    made = [
        N.Learnable("elu"),
        N.Learnable(jaxact.elu),
        N.Learnable(jax.jit(jaxact.elu)),
        N.Learnable("ELU"),
        N.Learnable(jaxact.configure("elu", alpha=0.5)),
    ]
    assert all(nnx.split(m)[0] == nnx.split(made[0])[0] for m in made) and {m.activation for m in made} == {"elu"}
    # A path or a fixed setting stays.
    assert N.Learnable(jaxact.closed_form.elu).activation == jaxact.configure("elu", path="closed_form")
    prelu = jaxact.configure("prelu", axis=0)
    assert N.Learnable(prelu, num_features=3).activation == prelu
    # A setting given at its default is the default (configure('prelu', axis=-1) == configure('prelu')).
    at_default = N.Learnable(jaxact.configure("prelu", axis=-1))
    assert at_default.activation == "prelu" and nnx.split(at_default)[0] == nnx.split(N.Learnable("prelu"))[0]


def test_an_nnx_learnable_of_a_value_made_before_its_function_was_unregistered_computes_it():
    """A configured value keeps computing the function it was made with (as linen's Learnable does):
    nnx's looked the name up again to drop the learned value's start, unknown once unregistered."""

    def usin(x, a=1.0):
        return jnp.sin(a * x)

    jaxact.register(derivative=lambda x, a=1.0: a * jnp.cos(a * x))(usin)
    made = jaxact.configure("usin", a=2.0)
    jaxact.unregister("usin")
    x = jnp.linspace(-1.0, 1.0, 5)
    act = N.Learnable(made)
    np.testing.assert_allclose(act(x), jnp.sin(2.0 * x), rtol=1e-6)
    np.testing.assert_allclose(jax.grad(lambda v: act(v).sum())(x), 2.0 * jnp.cos(2.0 * x), rtol=1e-6)
    assert act.activation.entry is made.entry


def test_learnable_runs_under_strict_promotion():
    """Float32 parameters over a bfloat16 input, laid over x in the wider dtype: found with
    jnp.promote_types, which jax.numpy_dtype_promotion("strict") refuses (TypePromotionError)."""
    x = jnp.asarray(np.linspace(-2, 2, 8).reshape(2, 4), jnp.bfloat16)
    with jax.numpy_dtype_promotion("strict"):
        for name in ("prelu", "celu", "swish"):
            m = L.Learnable(name)
            params = m.init(KEY, x)
            assert m.apply(params, x).dtype == jnp.bfloat16
            g = jax.grad(lambda p, m=m: jnp.sum(m.apply(p, x).astype(jnp.float32)))(params)
            assert all(v.dtype == jnp.float32 for v in jax.tree.leaves(g))


def test_nnx_view_info_lists_the_modules_view_setting():
    """nnx.view_info reads each set_view argument from its docstring's Args: it raised KeyError
    'deterministic' for any model holding a Learnable."""
    from flax import nnx

    model = nnx.Sequential(nnx.Linear(2, 2, rngs=nnx.Rngs(0)), N.Learnable("rrelu"))
    assert "deterministic" in str(nnx.view_info(model))


def test_a_users_per_feature_parameter_declares_its_axis():
    """Which axis a per-feature parameter lies along was a table of entry names in the module code
    (prelu alone): a user's per-channel activation with its own axis= had its configured axis
    silently ignored by a module laying the parameter along another. Declared with feature_axis=, it
    is refused as prelu's is; a declaration that names no static int parameter is refused in one line."""

    def along(a, x, axis):
        a = jnp.asarray(a)
        return a.reshape([-1 if i == axis % x.ndim else 1 for i in range(x.ndim)]) if a.ndim == 1 else a

    def my_prelu(x, a=0.25, axis=-1):
        """x for x >= 0, a_c·x below, a along axis."""
        return jnp.where(x >= 0, x, along(a, x, axis) * x)

    def d(x, a=0.25, axis=-1):
        return jnp.where(x >= 0, jnp.ones_like(x), along(a, x, axis) * jnp.ones_like(x))

    jaxact.register(derivative=d, static=("axis",), feature_axis="axis")(my_prelu)
    try:
        assert jaxact.get("my_prelu").feature_axis == "axis" and jaxact.get("prelu").feature_axis == "axis"
        x = -jnp.ones((2, 3, 4))
        conf = jaxact.configure("my_prelu", axis=1)
        with pytest.raises(ValueError, match=r"configured axis=1 and the module's axis=-1 are different axes"):
            L.Learnable(conf, per_channel=True).init(KEY, x)
        with pytest.raises(ValueError, match=r"configured axis=1 and the module's axis=-1 are different axes"):
            N.Learnable(conf, num_features=4)(x)
        assert jax.tree.leaves(L.Learnable(conf, per_channel=True, axis=1).init(KEY, x))[0].shape == (3,)
    finally:
        jaxact.unregister("my_prelu")
    for bad, kw in (("ax", {"static": ("axis",)}), ("axis", {}), ("a", {"static": ("axis",)}), (["axis"], {})):
        with pytest.raises(ValueError, match=r"feature_axis= names the static int parameter of my_prelu"):
            jaxact.register(derivative=d, feature_axis=bad, verify=False, **kw)(my_prelu)
        assert "my_prelu" not in jaxact.names()


def test_an_earlier_registration_passed_as_the_activation_is_named():
    """A function object kept from before its name was registered again (a re-run notebook cell), or
    unregistered: "must be a registered name ..., got 's2'", which it looked like."""
    ns = {"jaxact": jaxact, "jnp": jnp}
    cell = "@jaxact.register(derivative=lambda x, a=2.0: a + 0 * x)\ndef s2(x, a=2.0):\n    return a * x\n"
    exec(cell, ns)
    old = ns["s2"]
    exec(cell, ns)
    try:
        with pytest.raises(TypeError, match=r"earlier registration of 's2', which now names another function: pass"):
            L.Learnable(old).init(KEY, X)
    finally:
        jaxact.unregister("s2")
    with pytest.raises(TypeError, match=r"earlier registration of 's2', which is unregistered: register it again"):
        N.Learnable(old)


def test_an_nnx_forced_path_is_in_its_repr_and_shared_with_the_paths_twin():
    """Learnable('elu', gradient_path='closed_form') showed activation='elu', the repr of Learnable('elu'),
    with another GraphDef; now the forced path shows, and the GraphDef is jaxact.closed_form.elu's."""
    forced = N.Learnable("elu", gradient_path="closed_form")
    assert forced.activation == jaxact.configure("elu", path="closed_form")
    assert "path='closed_form'" in repr(forced)
    assert nnx.graphdef(forced) == nnx.graphdef(N.Learnable(jaxact.closed_form.elu))
    assert nnx.graphdef(forced) != nnx.graphdef(N.Learnable("elu"))
    np.testing.assert_array_equal(forced(X), N.Learnable("elu")(X))


def test_none_as_the_activation_is_refused_as_what_it_is():
    """It read "'NoneType' is bilinear's derivative" (an axis-mixing entry's derivative is None)."""
    with pytest.raises(TypeError, match=r"activation must be a registered name .*got 'NoneType'"):
        N.Learnable(None)
