"""Bad input gives a clear Python error at trace time, never an XLA trace or a silent wrong answer."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact
from jaxact import _validate

from .cases import entry_params


def _keeps_integers(entry, x):
    """jax.nn's twin returns an integer/bool dtype for this x (relu, hard_tanh, identity)."""
    if not entry.jax_nn:
        return None
    try:
        out = getattr(jax.nn, entry.jax_nn)(x)
    except Exception:
        return None
    return out if not jnp.issubdtype(out.dtype, jnp.inexact) else None


@pytest.mark.sampled
@pytest.mark.parametrize("entry", entry_params())
@pytest.mark.parametrize("path", ["fn", "autodiff", "closed_form"])
def test_integer_and_bool_input_as_jax_nn_else_default_float(entry, path):
    """Where jax.nn keeps an integer dtype, jaxact returns jax.nn's dtype and values on every
    path; elsewhere (jax.nn promotes, or refuses) an integer or bool x promotes to the default float."""
    f = getattr(entry, path)
    scalars = (np.int32(3), 3) if entry.elementwise else ()  # axis-mixing functions need an axis
    for x in (jnp.arange(-4, 4).reshape(2, 4), jnp.ones((2, 4), bool), *scalars):
        y, theirs = f(x), _keeps_integers(entry, x)
        if theirs is not None:
            assert y.dtype == theirs.dtype and y.weak_type == theirs.weak_type, (x, y.dtype, theirs.dtype)
            np.testing.assert_array_equal(y, theirs)
        else:
            assert y.dtype == _validate.default_float(), (x, y.dtype)
            np.testing.assert_array_equal(y, f(jnp.asarray(x, _validate.default_float())))
    if entry.derivative is not None:
        assert entry.derivative(jnp.arange(-4, 4)).dtype == _validate.default_float()


@pytest.mark.sampled
@pytest.mark.parametrize("entry", entry_params())
@pytest.mark.parametrize(
    "bad,match",
    [
        (jnp.ones((2, 4), jnp.complex64), "complex"),
        ("1.0", "must be a float array"),
        (None, "must be a float array"),
        ([1.0, 2.0], r"jnp.asarray\(x\)"),
        (object(), "must be a float array"),
    ],
    ids=["complex", "str", "None", "list", "object"],
)
def test_non_float_input_is_refused_with_the_fix(entry, bad, match):
    for f in (entry.fn, entry.autodiff, entry.closed_form):
        if type(bad) in (str, object) and not entry.checked_params:
            # A function without a value-checked parameter is jax.jit itself, as jax.nn's (no Python
            # frame in front of an eager call): jit refuses a str or a plain object before any of
            # jaxact's code runs, naming the function and the value's type.
            kind = type(bad).__name__
            with pytest.raises(TypeError, match=rf"<function {entry.raw.__name__} .* of type <class '{kind}'>"):
                f(bad)
            continue
        with pytest.raises(TypeError, match=match) as info:
            f(bad)
        assert f"jaxact.{entry.name}" in str(info.value)
        if hasattr(bad, "dtype"):  # arrays reach jit; the check still fires at trace time
            with pytest.raises(TypeError, match=match):
                jax.jit(f)(bad)


def test_errors_are_raised_at_trace_time_under_jit():
    with pytest.raises(TypeError, match=r"jaxact\.relu: argument 'x' is complex"):
        jax.jit(jaxact.relu)(jnp.ones(3, jnp.complex64))
    with pytest.raises(ValueError, match="negative_slope"):
        jax.jit(lambda x: jaxact.prelu(x, jnp.ones(4)))(jnp.ones((2, 3)))


@pytest.mark.parametrize("closed", [False, True], ids=["autodiff", "closed"])
def test_prelu_slope_shape_errors(closed):
    f = jaxact.closed_form.prelu if closed else jaxact.prelu
    x = jnp.ones((2, 3))
    with pytest.raises(ValueError, match=r"'negative_slope' has 4 entries .* axis -1 .* has 3"):
        f(x, jnp.ones(4))
    with pytest.raises(ValueError, match="does not broadcast"):
        f(x, jnp.ones((3, 2)))
    with pytest.raises(ValueError, match="out of range"):
        f(x, jnp.ones(3), axis=2)
    with pytest.raises(TypeError, match="'axis' must be an int"):
        f(x, jnp.ones(3), axis="1")
    assert f(x, jnp.ones(2) * 0.1, axis=0).shape == x.shape  # one slope per row along axis 0
    assert f(x, jnp.ones((1, 3))).shape == x.shape


@pytest.mark.parametrize(
    "name,kwargs,match",
    [
        ("elu", {"alpha": -1.0}, "'alpha' must be >= 0"),
        ("celu", {"alpha": 0.0}, "'alpha' must be > 0"),
        ("celu", {"alpha": float("nan")}, "'alpha' must be finite"),
        ("squareplus", {"b": -4.0}, "'b' must be > 0"),
        ("hardshrink", {"lambd": -0.5}, "'lambd' must be >= 0"),
        ("softshrink", {"lambd": float("inf")}, "'lambd' must be finite"),
        ("leaky_relu", {"negative_slope": float("inf")}, "'negative_slope' must be finite"),
        ("swish", {"beta": 0.0}, "'beta' must be > 0"),
        ("isru", {"alpha": -1.0}, "'alpha' must be > 0"),
        ("threshold", {"value": float("nan")}, "'value' must be finite"),
    ],
)
def test_parameter_values_forbidden_by_the_maths(name, kwargs, match):
    for f in (jaxact.get(name).autodiff, jaxact.get(name).closed_form):
        with pytest.raises(ValueError, match=match):
            f(jnp.ones(3), **kwargs)


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda: jaxact.elu(jnp.ones(3), alpha="1"), TypeError, "'alpha' must be a real number"),
        (lambda: jaxact.elu(jnp.ones(3), alpha=None), TypeError, "'alpha' must be a real number"),
        (lambda: jaxact.elu(jnp.ones(3), alpha=[1.0]), TypeError, r"jnp.asarray\(alpha\)"),
        (lambda: jaxact.elu(jnp.ones(3), alpha=1j), TypeError, "must be real"),
        (lambda: jaxact.gelu(jnp.ones(3), approximate="yes"), TypeError, "'approximate' must be a bool"),
        (lambda: jaxact.glu(jnp.ones((2, 5))), ValueError, "must be even"),
        (lambda: jaxact.glu(jnp.ones(4), axis=1), ValueError, "out of range"),
        (lambda: jaxact.softmax(jnp.ones((2, 3)), axis=2), ValueError, "axis 2 is out of range"),
        (lambda: jaxact.softmax(jnp.ones((2, 3)), axis=(1, -1)), ValueError, "names a dimension twice"),
        (lambda: jaxact.softmax(jnp.ones((2, 3)), axis="last"), TypeError, "'axis' must be an int"),
        (
            lambda: jaxact.softmax(
                jnp.ones(()),
            ),
            ValueError,
            "at least a 1-D input",
        ),
        (lambda: jaxact.softmax(jnp.ones((2, 3)), where=jnp.ones((2, 3))), TypeError, "boolean mask"),
        (lambda: jaxact.log_softmax(jnp.ones((2, 3)), where=jnp.ones((2,), bool)), ValueError, "does not broadcast"),
        (lambda: jaxact.relu(jnp.ones(3), 2.0), TypeError, "too many positional"),
        (lambda: jaxact.relu(jnp.ones(3), alpha=2.0), TypeError, "unexpected keyword"),
        (lambda: jaxact.get("sigmod"), KeyError, "Did you mean 'sigmoid'"),
    ],
)
def test_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_traced_parameters_skip_value_checks_and_stay_differentiable():
    """A learnable alpha is a tracer: its value is not known at trace time, so it is not checked."""
    x = jnp.linspace(-3, 3, 7)
    g = jax.jit(jax.grad(lambda a: jnp.sum(jaxact.elu(x, a))))(1.5)
    np.testing.assert_allclose(g, jnp.sum(jnp.where(x > 0, 0, jnp.expm1(x))), rtol=1e-6)
