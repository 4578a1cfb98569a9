"""Bad input gives a clear Python error at trace time, never an XLA trace or a silent wrong answer."""

import warnings

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
        with warnings.catch_warnings():  # jax.nn's softmax of a negated uint8 casts NaN back to uint8
            warnings.simplefilter("ignore", RuntimeWarning)
            out = getattr(jax.nn, entry.jax_nn)(x)
    except Exception:
        return None
    return out if not jnp.issubdtype(out.dtype, jnp.inexact) else None


@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize("entry", entry_params())
@pytest.mark.parametrize("path", ["fn", "autodiff", "closed_form"])
def test_integer_and_bool_input_as_jax_nn_else_as_jnp_sin(entry, path):
    """Where jax.nn keeps an integer dtype, jaxact returns jax.nn's dtype and values on every
    path; elsewhere (jax.nn promotes, or refuses) an integer or bool x promotes as jnp.sin promotes
    it: int32, uint8 and bool arrays to float32 even under x64, int64 ones and Python ints to the
    default float (a Python int to a weakly typed one), in the jitted call too."""
    f = getattr(entry, path)
    scalars = (np.int32(3), 3) if entry.elementwise else ()  # axis-mixing functions need an axis
    # An unsigned x is converted before any arithmetic (jax.nn's log_sigmoid(uint8 1) negates it to 255).
    unsigned = jnp.array([[0, 1, 2, 200], [3, 4, 5, 255]], jnp.uint8)
    xs = (
        jnp.arange(-4, 4).reshape(2, 4),
        jnp.arange(-4, 4, dtype=jnp.int32).reshape(2, 4),
        jnp.ones((2, 4), bool),
        unsigned,
        jnp.arange(-4, 4, dtype=jnp.int4).reshape(2, 4),  # kind "V" to NumPy: relu's was float32
    )
    for x in (*xs, *scalars):
        y, theirs = f(x), _keeps_integers(entry, x)
        if theirs is not None:
            assert y.dtype == theirs.dtype and y.weak_type == theirs.weak_type, (x, y.dtype, theirs.dtype)
            np.testing.assert_array_equal(y, theirs)
        else:
            want = jnp.sin(x)  # the dtype; the weak type is test_a_python_float_stays_weakly_typed_as_in_jax_nn's
            assert y.dtype == want.dtype, (x, y.dtype)
            # within an ulp: XLA may fuse the int → float convert into the function (arctan(int32 3))
            np.testing.assert_allclose(y, f(jnp.asarray(x, want.dtype)), rtol=float(jnp.finfo(want.dtype).eps))
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
        (lambda: jaxact.softmax(jnp.ones((2, 3)), axis="last"), ValueError, "axis 'last' is not the name of a mapped"),
        (lambda: jaxact.softmax(jnp.ones((2, 3)), axis=1.0), TypeError, "'axis' must be an int, a mapped axis name"),
        (
            lambda: jaxact.softmax(
                jnp.ones(()),
            ),
            ValueError,
            "at least a 1-D input",
        ),
        (lambda: jaxact.softmax(jnp.ones((2, 3)), where=jnp.ones((2, 3))), TypeError, "boolean mask"),
        (lambda: jaxact.log_softmax(jnp.ones((2, 3)), where=jnp.ones((2,), bool)), ValueError, "does not broadcast"),
        # A list mask, as a list x: jaxact's one line, not JAX's TracerArrayConversionError.
        (
            lambda: jaxact.softmax(jnp.ones(3), where=[True, False, True]),
            TypeError,
            r"'where' must be an array, got a list\. Wrap it first: jnp\.asarray\(where\)",
        ),
        (
            lambda: jaxact.log_softmax(jnp.ones(3), where=(True, False, True)),
            TypeError,
            r"'where' must be an array, got a tuple",
        ),
        (
            lambda: jaxact.softmin(jnp.ones(3), where=[True, False, True]),
            TypeError,
            r"jaxact\.softmin: argument 'where'",
        ),
        (
            lambda: jaxact.closed_form.softmax(jnp.ones(3), where=[True, True, True]),
            TypeError,
            r"jnp\.asarray\(where\)",
        ),
        # A parameter whose shape does not broadcast with x's, named (JAX's own error names neither).
        (
            lambda: jaxact.elu(jnp.ones((2, 2)), jnp.array([1.0, 2.0, 3.0])),
            ValueError,
            r"jaxact\.elu: parameter 'alpha' of shape \(3,\) does not broadcast with x of shape \(2, 2\)",
        ),
        (lambda: jaxact.autodiff.celu(jnp.ones((2, 2)), alpha=np.ones(3)), ValueError, "parameter 'alpha' of shape"),
        (lambda: jax.jit(jaxact.swish)(jnp.ones((2, 2)), jnp.ones(3)), ValueError, "parameter 'beta' of shape"),
        (lambda: jaxact.get("elu").derivative(jnp.ones((2, 2)), np.ones(3)), ValueError, "parameter 'alpha' of shape"),
        # rrelu's own hook (its key) took the place of the registry's shape check: JAX's error, frames deep.
        (lambda: jaxact.rrelu(jnp.ones(3), lower=jnp.array([0.1, 0.2])), ValueError, "parameter 'lower' of shape"),
        (
            lambda: jaxact.rrelu(jnp.ones(3), lower=np.ones(2) * 0.1, upper=np.ones(3) * 0.5),
            ValueError,
            r"parameters 'lower' of shape \(2,\) and 'upper' of shape \(3,\) do not broadcast together",
        ),
        (lambda: jaxact.relu(jnp.ones(3), 2.0), TypeError, "too many positional"),
        (lambda: jaxact.prelu(jnp.ones((2, 3)), 0.1, axis=-3), ValueError, "axis -3 is out of range"),
        # The entry's methods check the parameters they are given as a call does.
        (lambda: jaxact.get("elu").output_range(alpha=-1), ValueError, "parameter 'alpha' must be >= 0"),
        (lambda: jaxact.get("elu").output_range(beta=1), TypeError, "no parameter 'beta'; its parameters: alpha"),
        (lambda: jaxact.get("relu").kink_points(alpha=1), TypeError, "no parameter 'alpha'; its parameters: none"),
        (lambda: jaxact.get("elu").path("closed"), ValueError, "unknown gradient path 'closed'"),
        (lambda: jaxact.get("elu").path(None), ValueError, "unknown gradient path None"),
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


_WEAK_SCRIPT = """
import jax, sys
jax.config.update("jax_enable_x64", sys.argv[1] == "1")
import jax.numpy as jnp, numpy as np, jaxact
from jax._src import dtypes
from jax._src.lax import lax as lax_internal
dt = np.dtype(jax.dtypes.canonicalize_dtype(jnp.float64))  # a Python float's: float32, float64 under x64
x = lax_internal._convert_element_type(jnp.asarray(np.linspace(-2, 2, 8).reshape(2, 4), dt), dt, weak_type=True)
for e in jaxact.entries():
    if e.jax_nn:
        theirs = getattr(jax.nn, e.jax_nn)(x)
        h = jnp.ones(theirs.shape, jnp.bfloat16)
        for f in (e.fn, jax.jit(e.fn)):
            y = f(x)
            if (y.dtype, dtypes.is_weakly_typed(y), (y * h).dtype) != (
                theirs.dtype, dtypes.is_weakly_typed(theirs), (theirs * h).dtype
            ):
                print(e.name)
"""


@pytest.mark.parametrize("x64", [False, True])
def test_a_python_float_stays_weakly_typed_as_in_jax_nn(x64):
    """A weakly typed input (what a Python float becomes) gives jax.nn's dtype and weak type: with
    jax.nn, nn.relu6(0.5) * a bfloat16 array is bfloat16; a result that lost its weak type would
    promote it to float32 (and raise under strict promotion). Its own process: x64 is global."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", _WEAK_SCRIPT, "1" if x64 else "0"], capture_output=True, text=True, check=True
    )
    differ = set(proc.stdout.split())
    # The closed form binds β to its custom_jvp as a strongly typed array (float64 only).
    assert differ == ({"swish"} if x64 else set()), proc.stdout


def test_a_parameter_on_an_accelerator_is_not_read_back_to_check_it(monkeypatch):
    """A concrete jax.Array parameter on a GPU/TPU goes unchecked, as a traced one does: checking it
    would copy it to the host and wait for it on every eager call (and jax.transfer_guard refuses
    the copy). On the CPU, where the read is a view, it is checked. Here the accelerator is
    simulated; test_..._on_a_real_accelerator runs where there is one."""
    cpu = jax.devices("cpu")[0]
    x = jax.device_put(jnp.linspace(-2.0, 2.0, 8), cpu)
    alpha = jax.device_put(jnp.asarray(-1.0), cpu)
    assert not _validate._on_accelerator(alpha) and not _validate._on_accelerator(-1.0)
    with pytest.raises(ValueError, match="'alpha' must be >= 0"):
        jaxact.elu(x, alpha=alpha)  # on the CPU: checked
    monkeypatch.setattr(_validate, "_on_accelerator", lambda v: isinstance(v, jax.Array))
    np.testing.assert_allclose(jaxact.elu(x, alpha=alpha), jax.nn.elu(x, alpha=alpha), rtol=1e-6)
    lo, hi = jax.device_put(jnp.asarray(2.0), cpu), jax.device_put(jnp.asarray(1.0), cpu)
    jaxact.srelu(x, t_left=lo, t_right=hi)  # the order check of two such arrays is skipped too
    with pytest.raises(ValueError, match="'alpha' must be >= 0"):
        jaxact.elu(x, alpha=-1.0)  # a Python number is still checked


@pytest.mark.skipif(jax.default_backend() == "cpu", reason="needs a GPU or TPU (CI has none)")
def test_a_parameter_on_an_accelerator_is_not_read_back_on_a_real_accelerator():
    x = jnp.linspace(-2.0, 2.0, 8)
    alpha, lo, hi = jnp.asarray(0.5), jnp.asarray(-1.0), jnp.asarray(1.0)
    jaxact.elu(x, alpha=alpha), jaxact.srelu(x, t_left=lo, t_right=hi)  # compiled outside the guard
    with jax.transfer_guard("disallow"):
        jaxact.elu(x, alpha=alpha)
        jaxact.srelu(x, t_left=lo, t_right=hi)


def test_a_parameter_that_broadcasts_with_x_is_taken_and_a_traced_one_is_checked_by_shape():
    x = jnp.ones((2, 3))
    assert jaxact.elu(x, jnp.ones((2, 1))).shape == (2, 3)
    assert jaxact.elu(x, jnp.ones(3)).shape == (2, 3)
    assert jaxact.elu(jnp.ones(3), jnp.ones((2, 3))).shape == (2, 3)  # broadcast up, as jnp does
    with pytest.raises(ValueError, match="parameter 'alpha' of shape"):  # a tracer has a shape too
        jax.grad(lambda a: jaxact.elu(x, a).sum())(jnp.ones(2))


def test_the_flax_modules_are_named_with_the_import_they_need():
    """``import jaxact`` does not import the flax modules (an extra): the README's jaxact.nnx.Learnable
    gave a bare AttributeError."""
    import subprocess
    import sys

    code = "import jaxact\ntry:\n    jaxact.nnx\nexcept AttributeError as e:\n    print(e)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "import jaxact.nnx" in out and "pip install 'jaxact[flax]'" in out, out
    with pytest.raises(AttributeError, match=r"no attribute 'nnxx'$"):
        jaxact.nnxx  # noqa: B018


@pytest.mark.parametrize("name", ["sparsemax", "entmax15"])
def test_sorting_maps_take_one_int_axis_and_empty_rows(name):
    """A tuple, None or a name as the axis (which softmax takes) is refused in one line (it met JAX's
    errors deep in the sort); an empty axis gives an empty result, as softmax's."""
    f = getattr(jaxact, name)
    for axis in (None, (0, 1), "i", True):
        with pytest.raises(TypeError, match=rf"jaxact.{name}: 'axis' must be an int"):
            f(jnp.ones((2, 3)), axis=axis)
    for shape, axis in (((3, 0), -1), ((0,), 0), ((0, 4), 0)):
        x = jnp.zeros(shape)
        assert f(x, axis=axis).shape == shape
        assert jax.grad(lambda v, a=axis: f(v, axis=a).sum())(x).shape == shape
    x = jnp.asarray([[0.1, 2.0, -1.0], [0.5, 0.4, 0.3]])
    for axis in (0, 1):  # a one-element tuple is that axis
        np.testing.assert_array_equal(f(x, axis=(axis,)), f(x, axis=axis))
        np.testing.assert_array_equal(jax.jit(lambda v, a=axis: f(v, axis=(a,)))(x), f(x, axis=axis))


def test_an_axis_as_a_0d_array_as_jax_nn_takes_it():
    """jax.nn.softmax is not jitted: axis=jnp.array(-1) works there; jit refused it here as unhashable.
    (gelu's approximate=np.array(False) stays refused: taking it would put a Python frame before every
    eager gelu call, 8-13 % of a 256-element one.)"""
    x = jnp.array([-1.0, 0.5, 2.0])
    for axis in (np.array(-1), jnp.array(-1), np.int64(-1)):
        np.testing.assert_array_equal(jaxact.softmax(x, axis=axis), jaxact.softmax(x))
