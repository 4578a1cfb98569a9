"""The default gradient path, the switch that forces one, jit and dtype promotion as jax.nn."""

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.experimental import jet

import jaxact
from jaxact import paths

from .cases import entry_params, jax_nn_entries


def _uses_custom_jvp(f, x, **params) -> bool:
    return "custom_jvp_call" in str(jax.make_jaxpr(lambda v: f(v, **params))(x))


def _x(entry, dtype=jnp.float32):
    return jnp.linspace(-3, 3, 8, dtype=dtype).reshape((8,) if entry.elementwise else (2, 4))


@pytest.mark.parametrize("entry", entry_params())
def test_default_path_is_recorded_with_a_reason(entry):
    assert entry.default_path in paths.PATHS
    assert len(entry.path_reason) > 20
    assert getattr(jaxact, entry.name) is entry.fn


@pytest.mark.parametrize("entry", entry_params())
def test_public_function_differentiates_through_its_default_path(entry):
    x = _x(entry)
    assert _uses_custom_jvp(entry.fn, x) == (entry.current_path() == "closed_form")
    assert _uses_custom_jvp(entry.closed_form, x)
    assert not _uses_custom_jvp(entry.autodiff, x)
    assert getattr(jaxact.closed_form, entry.name) is entry.closed_form
    assert getattr(jaxact.autodiff, entry.name) is entry.autodiff


@pytest.mark.parametrize("entry", entry_params())
def test_scoped_switch_forces_one_path(entry):
    x = _x(entry)
    with jaxact.gradient_path("autodiff"):
        assert not _uses_custom_jvp(entry.fn, x)
        with jaxact.gradient_path("closed_form"):
            assert _uses_custom_jvp(entry.fn, x)
        with jaxact.gradient_path(None):  # back to the entry's default inside a forced block
            assert _uses_custom_jvp(entry.fn, x) == (entry.current_path() == "closed_form")
    assert _uses_custom_jvp(entry.fn, x) == (entry.current_path() == "closed_form")


def test_global_switch_and_its_reset():
    x = jnp.ones(3)
    try:
        jaxact.set_gradient_path("closed_form")
        assert jaxact.forced_gradient_path() == "closed_form"
        assert _uses_custom_jvp(jaxact.relu, x)  # relu's default is autodiff
        with jaxact.gradient_path("autodiff"):  # scoped wins over global
            assert not _uses_custom_jvp(jaxact.relu, x)
    finally:
        jaxact.set_gradient_path(None)
    assert jaxact.forced_gradient_path() is None
    assert not _uses_custom_jvp(jaxact.relu, x)


def test_a_function_jitted_before_the_switch_follows_it():
    """The switch is in JAX's jit cache key: the user's own jitted function, traced once under the
    default path, is traced anew under a forced one (and the eager call retraces too)."""
    x = jnp.ones(3)
    traced = []

    @jax.jit
    def f(v):
        traced.append(jaxact.forced_gradient_path())
        return jaxact.swish(v)

    f(x)
    with jaxact.gradient_path("autodiff"):
        f(x)
    f(x)  # the first trace again, from the cache
    assert traced == [None, "autodiff"]

    g = jax.jit(jaxact.swish)
    g(x)  # traced on the closed form, swish's default, which jet cannot expand
    with jaxact.gradient_path("autodiff"):
        _, (d1, _) = jet.jet(g, (x,), ((jnp.ones(3), jnp.zeros(3)),))
    np.testing.assert_allclose(d1, jax.vmap(jax.grad(jaxact.swish))(x), rtol=1e-6)


@pytest.mark.parametrize("bad", ["closed", "AUTODIFF", 1])
def test_switch_rejects_unknown_paths(bad):
    with pytest.raises(ValueError, match="unknown gradient path"):
        jaxact.set_gradient_path(bad)
    with pytest.raises(ValueError, match="unknown gradient path"), jaxact.gradient_path(bad):
        pass


def test_switch_from_environment():
    code = "import jaxact; print(jaxact.forced_gradient_path())"
    env = {**os.environ, "JAXACT_GRADIENT_PATH": "autodiff"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "autodiff"
    env["JAXACT_GRADIENT_PATH"] = "fast"
    bad = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "JAXACT_GRADIENT_PATH" in bad.stderr
    # An explicit switch comes before the environment, a bad value of it too.
    code = (
        "import jaxact; jaxact.set_gradient_path('autodiff'); a = jaxact.forced_gradient_path()\n"
        "with jaxact.gradient_path('closed_form'): b = jaxact.forced_gradient_path(); jaxact.tanh(1.0)\n"
        "print(a, b)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.split() == ["autodiff", "closed_form"], out.stderr


def test_jet_needs_the_autodiff_switch():
    """Taylor mode does not support custom_jvp: the switch makes it work, with the right coefficients."""
    x0 = 0.5
    with jaxact.gradient_path("autodiff"):
        _, (d1, d2) = jet.jet(jaxact.sigmoid, (x0,), ((1.0, 0.0),))
    s = 1 / (1 + np.exp(-x0))
    np.testing.assert_allclose(d1, s * (1 - s), rtol=1e-6)
    np.testing.assert_allclose(d2, s * (1 - s) * (1 - 2 * s), rtol=1e-5)  # jet's 2nd term is f″·1²
    with pytest.raises(Exception):  # noqa: B017  (jet raises NotImplementedError or a KeyError by version)
        jet.jet(jaxact.closed_form.sigmoid, (x0,), ((1.0, 0.0),))


# JAX's Taylor mode has no rule for these primitives (jax.experimental.jet, JAX 0.10).
JET_LACKS = {"arctan": "atan", "sparsemax": "sort", "entmax15": "sort"}


@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize("entry", entry_params())
def test_jet_works_under_the_switch_for_every_activation(entry):
    """Under the autodiff switch every activation expands in Taylor mode, with the coefficients
    forward mode gives: the first is f′·v, the second vᵀf″v. (A bound that is a scalar, as in
    jnp.clip(x, lo, hi), broke jet's rule for min: bounds are broadcast to x, the same XLA program.)"""
    shape = (16,) if entry.elementwise else (4, 4)
    # float64: the two expansions round differently, which float32 shows where f″ cancels (telu's at 2.2)
    x = jnp.asarray(np.linspace(-3.3, 3.1, 16).reshape(shape), jnp.float64)  # no kink on this grid
    v, zero = jnp.ones_like(x), jnp.zeros_like(x)
    if entry.name in JET_LACKS:
        with jaxact.gradient_path("autodiff"), pytest.raises(Exception, match=JET_LACKS[entry.name]):
            jet.jet(entry.fn, (x,), ((v, zero),))
        return
    with jaxact.gradient_path("autodiff"):
        _, (d1, d2) = jet.jet(entry.fn, (x,), ((v, zero),))
    f = entry.autodiff
    want1 = jax.jvp(f, (x,), (v,))[1]
    want2 = jax.jvp(lambda u: jax.jvp(f, (u,), (v,))[1], (x,), (v,))[1]
    np.testing.assert_allclose(d1, want1, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d2, want2, rtol=1e-8, atol=1e-10)


def _float_param(entry):
    return next((k for k in entry.numeric_params if isinstance(entry.params[k], float)), None)


@pytest.mark.parametrize("entry", [e for e in entry_params() if _float_param(e.values[0])])
def test_numeric_parameters_are_traced_not_static(entry):
    """A learnable parameter is an argument of the jitted call: no retrace per value, arrays accepted."""
    e, k = entry, _float_param(entry)
    x = _x(e)
    jaxpr = jax.make_jaxpr(lambda v, p: e.fn(v, **{k: p}))(x, e.params[k])
    (call,) = [q for q in jaxpr.eqns if q.primitive.name in ("pjit", "jit")]
    assert len(call.invars) == 2  # x and the parameter given (omitted ones are constants, as in jax.nn)
    # A traced array parameter, differentiated: never rejected as unhashable.
    g = jax.grad(lambda p: jnp.sum(e.fn(x, **{k: p})))(jnp.asarray(e.params[k], jnp.float32))
    assert np.isfinite(float(g))


def test_numpy_bool_static_argument_as_jax_nn():
    x = jnp.linspace(-2, 2, 5, dtype=jnp.float32)  # float64's exact form carries x/√2 in twice the precision
    np.testing.assert_array_equal(jaxact.gelu(x, approximate=np.True_), jaxact.gelu(x, approximate=True))
    np.testing.assert_array_equal(jaxact.gelu(x, np.False_), jax.nn.gelu(x, approximate=False))


def test_approximate_is_taken_by_truthiness_as_jax_nn_and_a_refused_value_poisons_nothing():
    """jax.nn's gelu reads approximate by truthiness (1, 0.0, None). jit keys its cache on the raw
    value and 1 == True: a value refused inside the trace was found again under True, so one call
    with approximate=1 made every later gelu call, the default one included, raise."""
    x = jnp.linspace(-2, 2, 5, dtype=jnp.float32)
    tanh_form, exact = jax.nn.gelu(x, approximate=True), jax.nn.gelu(x, approximate=False)
    with pytest.raises(TypeError, match=r"'approximate' must be a bool \(or a number or None.*got 'tanh'"):
        jaxact.gelu(x, approximate="tanh")  # torch's spelling, which truthiness would read as True
    for f in (jaxact.gelu, jaxact.autodiff.gelu, jaxact.closed_form.gelu):
        for value, want in ((1, tanh_form), (True, tanh_form), (0.0, exact), (None, exact), (False, exact)):
            np.testing.assert_allclose(f(x, approximate=value), want, rtol=2e-6, err_msg=repr(value))
        np.testing.assert_allclose(f(x), tanh_form, rtol=2e-6)
        g = jax.grad(lambda v, f=f: jnp.sum(f(v, approximate=1)))(x)
        np.testing.assert_allclose(g, jax.grad(lambda v: jnp.sum(jax.nn.gelu(v)))(x), rtol=1e-5)


def test_a_users_bool_static_is_passed_as_given():
    """Truthiness is jax.nn's rule for its own flags (gelu's approximate); a user's static with a
    bool default may take other values (a str mode) and gets them unchanged."""

    @jaxact.register(derivative=lambda x, flag=True: jnp.ones_like(x), range=(-jnp.inf, jnp.inf), static=("flag",))
    def user_flagged(x, flag=True):
        """x (2x for flag='double')."""
        return 2 * x if flag == "double" else x

    try:
        x = jnp.ones(3)
        np.testing.assert_array_equal(user_flagged(x, flag="double"), 2 * x)
        np.testing.assert_array_equal(user_flagged(x, flag=np.False_), x)
    finally:
        jaxact.unregister("user_flagged")


def test_softmax_axis_as_a_list_and_a_scalar_over_no_axis_as_jax_nn():
    x = jax.random.normal(jax.random.key(3), (2, 3, 4))
    for name in ("softmax", "log_softmax", "softmin"):
        for f in (jaxact.get(name).fn, jaxact.get(name).autodiff, jaxact.get(name).closed_form):
            for axis in ([0, 2], [-1], [np.int64(1)]):
                np.testing.assert_array_equal(f(x, axis=axis), f(x, axis=tuple(axis)))
            g = jax.grad(lambda v, f=f: jnp.sum(f(v, axis=[0, 2]) * v))(x)
            np.testing.assert_allclose(g, jax.grad(lambda v, f=f: jnp.sum(f(v, axis=(0, 2)) * v))(x), rtol=1e-6)
            s = jnp.float32(2.5)
            want = 0.0 if name == "log_softmax" else 1.0
            assert float(f(s, axis=None)) == want and float(f(s, axis=())) == want
            assert float(jax.grad(lambda v, f=f: f(v, axis=None))(s)) == 0.0
            with pytest.raises(ValueError, match=r"at least a 1-D input, got a scalar \(axis=None takes one"):
                f(s)
    np.testing.assert_allclose(jaxact.softmax(x, axis=[0, 2]), jax.nn.softmax(x, axis=[0, 2]), rtol=1e-6)
    np.testing.assert_array_equal(jaxact.softmax(x, np.array([0, 2])), jaxact.softmax(x, (0, 2)))
    mask = np.asarray(x > 0)  # a NumPy where= is an array, not a static to make a tuple of
    np.testing.assert_allclose(jaxact.softmax(x, -1, mask), jax.nn.softmax(x, -1, mask), rtol=1e-6)
    with pytest.raises(
        TypeError, match=r"'axis' must be an int, a mapped axis name, a tuple of those or None, got \(\(0,\),\)"
    ):
        jaxact.softmax(x, axis=[[0]])
    assert float(jax.nn.softmax(jnp.float32(2.5), axis=None)) == 1.0


def test_public_functions_are_jitted_functions_unless_they_check_values_or_take_a_list():
    for entry in jaxact.entries():
        takes_list = entry.name in ("softmax", "log_softmax", "softmin")
        assert (type(entry.fn) is type(jax.jit(abs))) == (not entry.checked_params and not takes_list), entry.name


def test_every_public_function_has_jits_clear_cache():
    """jax.nn's jitted functions have clear_cache; jaxact's with a checking frame in front (elu, celu,
    leaky_relu, squareplus, swish, log_softmax, ...) had only lower, trace and eval_shape."""
    x = jnp.linspace(-2, 2, 8).reshape(2, 4)
    # One of each kind of public function (a checking frame, jax.jit itself, the sequence frame, a keyed
    # one): clearing every entry's caches made the rest of the run compile them all again (+2.5 min of CI).
    for entry in map(jaxact.get, ("elu", "relu", "softmax", "rrelu")):
        for f in (entry.fn, entry.autodiff, entry.closed_form):
            kw = {"key": jax.random.key(0)} if entry.keyed else {}
            y = f(x, **kw)
            f.clear_cache()
            for jitted in getattr(f, "_jaxact_jitted", (f,)):
                assert jitted._cache_size() == 0, (entry.name, f)
            np.testing.assert_array_equal(f(x, **kw), y)


_PARAM_CASES = [
    ("elu", "alpha", 0.5),
    ("celu", "alpha", 2.0),
    ("leaky_relu", "negative_slope", 0.2),
    ("squareplus", "b", 0.5),
]


@pytest.mark.parametrize("name,pname,value", _PARAM_CASES)
def test_dtype_promotion_follows_jax_nn(name, pname, value):
    e = jaxact.get(name)
    nn = getattr(jax.nn, e.jax_nn)
    x = jnp.asarray(np.random.default_rng(0).normal(size=2**12), jnp.bfloat16)
    for p in (value, jnp.float32(value), jnp.asarray(value, jnp.bfloat16)):
        for f in (e.fn, e.autodiff, e.closed_form):
            assert f(x, **{pname: p}).dtype == nn(x, **{pname: p}).dtype, (f, p)
    with jax.numpy_dtype_promotion("strict"):
        assert e.fn(x, **{pname: value}).dtype == jnp.bfloat16  # a Python scalar is weak
    # A float32 learnable parameter with bfloat16 inputs: its gradient as jax.nn's (no cast to bfloat16).
    p32 = jnp.float32(value)

    def grad_p(f):
        return jax.grad(lambda q: jnp.sum(f(x, **{pname: q}).astype(jnp.float32)))(p32)

    ref = grad_p(nn)
    for f in (e.fn, e.autodiff, e.closed_form):
        np.testing.assert_allclose(grad_p(f), ref, rtol=2e-3)


@pytest.mark.parametrize("name,pname,value", [("prelu", "negative_slope", 0.2), ("threshold", "value", 0.5)])
def test_parameters_without_a_jax_nn_twin_promote_as_jax_nns_do(name, pname, value):
    """The rule of jax.nn's parameters, for entries jax.nn lacks: a Python number takes x's dtype,
    an array promotes it (a float32 one with bfloat16 x gives float32), on every path."""
    e = jaxact.get(name)
    x = jnp.asarray(np.linspace(-2, 2, 16), jnp.bfloat16)
    for f in (e.fn, e.autodiff, e.closed_form):
        assert f(x, **{pname: value}).dtype == jnp.bfloat16
        assert f(x, **{pname: jnp.float32(value)}).dtype == jnp.float32
        assert f(x, **{pname: jnp.asarray(value, jnp.bfloat16)}).dtype == jnp.bfloat16
        with jax.numpy_dtype_promotion("strict"):
            assert f(x, **{pname: value}).dtype == jnp.bfloat16


@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize("path", ["fn", "autodiff", "closed_form"])
@pytest.mark.parametrize("dtype", [jnp.float64, jnp.bfloat16], ids=["float64", "bfloat16"])
@pytest.mark.parametrize("entry", entry_params())
def test_every_entry_runs_under_strict_promotion(entry, dtype, path):
    """Under jax.numpy_dtype_promotion("strict") nothing inside may mix dtypes: log_softmax's float64
    form added an int64 count of ties (TypePromotionError on every float64 input), sparsemax's JVP
    selected between a float and a bool, entmax15's multiplied a float32 √y by a bfloat16 tangent
    and asked jnp.promote_types for its working dtype, which strict refuses too. Forward, first
    derivative and (float64) second, at the default parameters."""
    f = getattr(entry, path)
    x = jnp.asarray(np.linspace(-3, 3, 16).reshape(2, 8), dtype)
    kw = {"key": jax.random.key(0)} if entry.keyed else {}

    def total(x):
        return jnp.sum(f(x, **kw).astype(jnp.float32))

    with jax.numpy_dtype_promotion("strict"):
        assert f(x, **kw).dtype == dtype
        assert jax.grad(total)(x).dtype == dtype
        if dtype == jnp.float64:
            assert jax.grad(lambda x: jnp.sum(jax.grad(total)(x)))(x).dtype == dtype


@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16], ids=["bfloat16", "float16"])
@pytest.mark.parametrize(
    "name", [e.name for e in jaxact.entries() if e.elementwise and not e.keyed and e.learnable_params]
)
def test_half_precision_parameters_in_xs_dtype_pass_strict_promotion(name, dtype):
    """x and its parameters all in bfloat16 (or float16), as jax.nn.elu(x, α) takes them under
    jax.numpy_dtype_promotion("strict"): the float32 evaluation of half precision cast x alone,
    and the bfloat16 parameter beside the float32 x raised TypePromotionError (forward and grad)."""
    e = jaxact.get(name)
    x = jnp.asarray(np.linspace(-3, 3, 16), dtype)
    params = {k: jnp.asarray(e.params[k], dtype) for k in e.learnable_params}

    def loss(x, params, f):
        return jnp.sum(f(x, **params).astype(jnp.float32))

    with jax.numpy_dtype_promotion("strict"):
        for f in (e.fn, e.autodiff, e.closed_form):
            assert f(x, **params).dtype == dtype, f
            gx, gp = jax.grad(loss, argnums=(0, 1))(x, params, f)
            assert gx.dtype == dtype and all(g.dtype == dtype for g in gp.values()), f


@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("entry", [e for e in entry_params() if e.values[0].elementwise])
def test_derivative_at_nan_agrees_between_paths_and_with_jax_nn(entry, dtype):
    # float64 too: its σ and tanh are jaxact's own forms (_stable), not XLA's.
    x = jnp.asarray([np.nan], dtype)
    got = [np.asarray(jax.vmap(jax.grad(f))(x)) for f in (entry.fn, entry.autodiff, entry.closed_form)]
    for g in got[1:]:
        np.testing.assert_array_equal(g, got[0])
    if entry.jax_nn:
        np.testing.assert_array_equal(got[0], jax.vmap(jax.grad(getattr(jax.nn, entry.jax_nn)))(x))
    assert np.isnan(np.asarray(entry.fn(x))).all()


@pytest.mark.parametrize("entry", jax_nn_entries())
def test_values_bitwise_equal_between_paths(entry):
    x = _x(entry, jnp.float32) * 3.3
    y = entry.fn(x)
    np.testing.assert_array_equal(entry.autodiff(x), y)
    np.testing.assert_array_equal(entry.closed_form(x), y)


def test_softmax_follows_jax_flag_as_jax_nn_does():
    """JAX's own testSoftmaxGradFlag: residuals under jax_softmax_custom_jvp False and True."""
    from jax._src.ad_checkpoint import saved_residuals  # as JAX's own test reads them

    x = jnp.array([5.5, 1.3, -4.2, 0.9], jnp.float32)  # JAX's test runs without x64
    for flag in (False, True):
        with jax.softmax_custom_jvp(flag):
            ours = [a.shape for a, _ in saved_residuals(jaxact.softmax, x)]
            theirs = [a.shape for a, _ in saved_residuals(jax.nn.softmax, x)]
            assert ours == theirs, flag
            assert jaxact.get("softmax").current_path() == ("closed_form" if flag else "autodiff")
            # float64 takes the closed form whatever the flag: y and a boolean mask.
            assert jaxact.get("softmax").current_path("float64") == "closed_form"
            saved = saved_residuals(jaxact.softmax, x.astype(jnp.float64))
            assert sorted((a.shape, a.dtype.name) for a, _ in saved) == [((4,), "bool"), ((4,), "float64")]
    with jax.softmax_custom_jvp(False), jaxact.gradient_path("closed_form"):  # jaxact's switch wins
        assert len(saved_residuals(jaxact.softmax, x)) == 1
    with jaxact.gradient_path("autodiff"):  # and wins over float64's path too
        assert jaxact.get("softmax").current_path("float64") == "autodiff"


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16])
def test_half_precision_normalizers_take_the_closed_form_keeping_one_array_of_x_dtype(name, dtype):
    """bfloat16/float16 softmax-likes compute in float32 on the closed path whatever JAX's flag, and
    the backward pass keeps one array in x's dtype (autodiff of the float32 maths would keep float32
    ones, twice the bytes); the switch still forces autodiff."""
    from jax._src.ad_checkpoint import saved_residuals

    x = jnp.asarray(np.random.default_rng(0).normal(scale=4.0, size=(3, 8)), dtype)
    entry = jaxact.get(name)
    for flag in (False, True):
        with jax.softmax_custom_jvp(flag):
            assert entry.current_path(dtype) == "closed_form"
            saved = saved_residuals(entry.fn, x)
            assert [(a.shape, a.dtype) for a, _ in saved] == [((3, 8), jnp.dtype(dtype))], saved
    with jaxact.gradient_path("autodiff"):
        assert entry.current_path(dtype) == "autodiff"
    # Both paths give the same values (float32 maths rounded once) and a JVP of the float32 one.
    np.testing.assert_array_equal(entry.autodiff(x), entry.fn(x))
    t = jnp.asarray(np.random.default_rng(1).normal(size=x.shape), dtype)
    got = jax.jvp(entry.fn, (x,), (t,))[1]
    assert got.dtype == dtype
    want = jax.jvp(entry.fn, (x.astype(jnp.float32),), (t.astype(jnp.float32),))[1]
    scale = np.abs(np.asarray(want)).max(axis=-1, keepdims=True)
    # float32's JVP rounded once, plus y's own rounding: a few ulp of the row's scale, where
    # rounding after every op (the autodiff of half-precision maths) is off by hundreds.
    assert np.all(np.abs(np.asarray(got, np.float32) - want) <= 4 * float(jnp.finfo(dtype).eps) * scale)
