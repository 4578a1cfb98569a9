"""What jaxact.register refuses in a user's declaration, and how it says so: in one line that names
the problem (the CLI prints only an error's first line), before any derivative check runs."""

import importlib
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact
from jaxact import _validate
from jaxact.tools.cli import main


def _tanh_d(x):
    return 1 - jnp.tanh(x) ** 2


def test_a_refused_derivative_says_where_on_its_first_line(tmp_path, monkeypatch, capsys):
    def tanh_off(x):
        return jnp.tanh(x)

    with pytest.raises(jaxact.DerivativeMismatchError) as info:
        jaxact.register(derivative=lambda x: 1 - jnp.tanh(x))(tanh_off)
    first = str(info.value).splitlines()[0]
    # The worst failure of all rows (relative to its tolerance), not the first row's.
    worst = max(info.value.report.failures, key=lambda r: r.max_abs_diff / r.tolerance)
    assert "tanh_off" in first and "not registered" in first
    assert f"at x = {worst.worst_x:.6g}" in first
    assert f"{worst.autodiff_at_worst:.6g}" in first and f"{worst.closed_at_worst:.6g}" in first
    assert _validate.error_line(info.value).endswith(first)  # what the CLI shows
    assert "tanh_off" not in jaxact.names()

    # What `jaxact check` shows for a module whose import raises it.
    src = (
        "import jax.numpy as jnp, jaxact\n\n@jaxact.register(derivative=lambda x: 1 - jnp.tanh(x))\ndef tanh_mod(x):\n"
    )
    (tmp_path / "where_acts.py").write_text(src + "    return jnp.tanh(x)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert main(["check", "--names", "where_acts:tanh_mod"]) == 2
        err = capsys.readouterr().err
        assert "at x = " in err and "autodiff gives" in err and err.count("\n") == 1, err
    finally:
        sys.modules.pop("where_acts", None)


def _isru(x, a=1.0):
    return x / jnp.sqrt(1 + a * x * x)


def _d_isru(x, a=1.0):
    return (1 + a * x * x) ** -1.5


def test_an_mp_that_cannot_take_the_parameters_is_refused():
    with pytest.raises(ValueError, match=r"_isru's mp= must accept \(m, x, a\)") as info:
        jaxact.register(derivative=_d_isru, mp=lambda m, x: x / m.sqrt(1 + x**2))(_isru)
    assert "\n" not in str(info.value)
    assert "_isru" not in jaxact.names()


def test_an_mp_that_takes_every_parameter_as_the_accuracy_tools_pass_them_registers():
    def isru_mode(x, a=1.0, mode="plain"):
        return x / jnp.sqrt(1 + a * x * x)

    def d(x, a=1.0, mode="plain"):
        return (1 + a * x * x) ** -1.5

    # numerics calls mp(m, x, **entry.params): static parameters included, by keyword.
    with pytest.raises(ValueError, match=r"mp= must accept \(m, x, a, mode\)"):
        jaxact.register(derivative=d, static=("mode",), mp=lambda m, x, a: x)(isru_mode)
    jaxact.register(derivative=d, static=("mode",), mp=lambda m, x, a, mode: x / m.sqrt(1 + a * x**2))(isru_mode)
    jaxact.unregister("isru_mode")
    jaxact.register(derivative=d, static=("mode",), mp=lambda m, x, **p: x / m.sqrt(1 + p["a"] * x**2))(isru_mode)


def _switch(x, approximate=False):
    if approximate:
        return x / (1 + jnp.abs(x))
    return jnp.tanh(x)


def _mode(x, mode="tanh"):
    return jnp.tanh(x) if mode == "tanh" else x / (1 + jnp.abs(x))


@pytest.mark.parametrize(
    "f,d,pname",
    [
        (_switch, lambda x, approximate=False: 1 / (1 + jnp.abs(x)) ** 2 if approximate else _tanh_d(x), "approximate"),
        (_mode, lambda x, mode="tanh": _tanh_d(x), "mode"),
    ],
    ids=["bool", "str"],
)
def test_a_bool_or_str_parameter_not_declared_static_is_refused_with_the_fix(f, d, pname):
    with pytest.raises(ValueError, match=rf"parameter '{pname}' .*declare it static=\('{pname}',\)") as info:
        jaxact.register(derivative=d)(f)
    assert "\n" not in str(info.value) and f.__name__ not in jaxact.names()
    g = jaxact.register(derivative=d, static=(pname,))(f)  # declared, it registers and switches
    flipped = {"approximate": True} if pname == "approximate" else {"mode": "softsign"}
    np.testing.assert_allclose(g(jnp.array([1.0]), **flipped), [0.5])


def test_a_derivative_returned_as_a_number_has_the_inputs_shape(tmp_path):
    def scaled_user(x, a=2.0):
        """a x."""
        return a * x

    f = jaxact.register(derivative=lambda x, a=2.0: a, mp=lambda m, x, a: a * x)(scaled_user)
    entry = f.activation
    for shape in [(5,), (2, 3), ()]:
        x = jnp.ones(shape, jnp.float32)
        assert entry.derivative(x).shape == shape and entry.derivative(x).dtype == jnp.float32
        np.testing.assert_array_equal(entry.derivative(x, a=3.0), np.full(shape, 3.0))
    for dtype in (jnp.bfloat16, jnp.float16):
        assert entry.derivative(jnp.ones(4, dtype)).dtype == dtype
    assert entry.raw_derivative(jnp.ones(3)).shape == (3,)

    from jaxact.tools import plot

    assert all(p.exists() for p in plot.plot(["scaled_user"], tmp_path / "plots"))


@pytest.mark.parametrize(
    "options,hint",
    [
        ({"derivatve": _tanh_d}, "'derivatve' (did you mean 'derivative'?)"),
        ({"derivative": _tanh_d, "param_derivative": {}}, "'param_derivative' (did you mean 'param_derivatives'?)"),
        ({"derivative": _tanh_d, "ranges": (-1, 1)}, "'ranges' (did you mean 'range'?)"),
        ({"derivative": _tanh_d, "validator": None}, "'validator' (did you mean 'validate'?)"),
        ({"derivative": _tanh_d, "verfy": False}, "'verfy' (did you mean 'verify'?)"),
        ({"derivative": _tanh_d, "kink": (0.0,)}, "'kink' (did you mean 'kinks'?)"),
    ],
    ids=["derivatve", "param_derivative", "ranges", "validator", "verfy", "kink"],
)
def test_a_misspelt_option_is_hinted_from_registers_own_keywords(options, hint):
    def typo_tanh(x):
        return jnp.tanh(x)

    with pytest.raises(TypeError) as info:
        jaxact.register(**options)(typo_tanh)
    assert str(info.value) == f"jaxact.register: unknown option(s) {hint}."
    assert "typo_tanh" not in jaxact.names()


MODULE = (
    "import jax.numpy as jnp, jaxact\n\n\n"
    "@jaxact.register(derivative=lambda x: 1 - jnp.tanh(x) ** 2)\n"
    "def tanh_gone(x):\n    return jnp.tanh(x)\n\n\n"
    "def cube_gone(x):\n    return x * x * x / 3\n\n\n"
    "jaxact.register(derivative=lambda x: x * x)(cube_gone)\n"
)


@pytest.mark.parametrize("attr", ["tanh_gone", "cube_gone"], ids=["decorated", "call-form"])
def test_an_unregistered_activation_is_not_found_by_its_module_path(attr, tmp_path, monkeypatch, capsys):
    (tmp_path / "gone_acts.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = f"gone_acts:{attr}"
    try:
        assert jaxact.get(spec) is jaxact.get(attr)
        jaxact.unregister(attr)
        for use in (jaxact.get, jaxact.configure, jaxact.verify.check):
            with pytest.raises(jaxact.UnknownActivationError, match=rf"'{attr}' was unregistered.*reload") as info:
                use(spec)
            assert "\n" not in str(info.value)
        assert main(["check", "--names", spec]) == 2
        assert "was unregistered" in capsys.readouterr().err
        importlib.reload(sys.modules["gone_acts"])  # what the message offers registers it again
        assert jaxact.get(spec) is jaxact.get(attr)
    finally:
        sys.modules.pop("gone_acts", None)


def test_an_alias_equal_to_the_name_is_refused():
    def selfy(x):
        return jnp.tanh(x)

    with pytest.raises(ValueError, match=r"alias 'selfy' of selfy is its own name") as info:
        jaxact.register(derivative=_tanh_d, aliases=("selfy", "selfy_too"))(selfy)
    assert "\n" not in str(info.value)
    assert "selfy" not in jaxact.names(include_aliases=True) and "selfy_too" not in jaxact.names(include_aliases=True)


@pytest.mark.parametrize("taken", ["path", "name"])
def test_a_parameter_named_as_configures_own_arguments_is_refused(taken):
    """configure(name, *, path=None, **params) takes these itself: compare's 'f(path=0.1)' read 0.1 as a
    gradient path, 'f(path=\'autodiff\')' trained f at its default path=1.0, and name= met Python's
    "got multiple values for argument 'name'"."""
    ns: dict = {}
    exec(f"def scaled(x, {taken}=1.0):\n    return {taken} * x", ns)
    with pytest.raises(ValueError, match=rf"^jaxact.register: scaled's parameter '{taken}' is jaxact.configure's own"):
        jaxact.register(derivative=lambda x, **kw: jnp.ones_like(x))(ns["scaled"])
    assert "scaled" not in jaxact.names()


def test_a_parameter_named_t_and_a_removed_entrys_function_are_named_in_one_line():
    """A parameter t met "duplicate parameter name: 't'" (entry.jvp takes the tangent as t); verify.check
    of a function whose entry was unregistered checked the removed entry."""

    def scaled(x, t=1.0):
        return jnp.tanh(t * x)

    with pytest.raises(ValueError, match=r"parameter 't' is the tangent's name in scaled's jvp\(x, t, \*\*params\)"):
        jaxact.register(derivative=lambda x, t=1.0: t * (1 - jnp.tanh(t * x) ** 2))(scaled)

    @jaxact.register(derivative=lambda x: 1 - jnp.tanh(x) ** 2)
    def gone(x):
        return jnp.tanh(x)

    assert jaxact.verify.check(gone, dtypes=(jnp.float32,)).ok
    jaxact.unregister("gone")
    with pytest.raises(jaxact.UnknownActivationError, match=r"entry 'gone' is no longer registered"):
        jaxact.verify.check(gone)


def test_verify_takes_a_bool_only():
    def noisy_tanh(x):
        return jnp.tanh(x)

    with pytest.raises(TypeError, match=r"^jaxact.register: verify= must be True, False or None .*got 'no'\.$"):
        jaxact.register(derivative=_tanh_d, verify="no")(noisy_tanh)
    assert "noisy_tanh" not in jaxact.names()


def _swish(x):
    return x * jax.nn.sigmoid(x)


def _swish_d(x):
    s = jax.nn.sigmoid(x)
    return s + x * s * (1 - s)


@pytest.mark.parametrize(
    "f,d,claims,match",
    [
        (jnp.tanh, _tanh_d, {"range": (0, 0.5)}, r"declared range \(0, 0.5\) does not hold: f\(-10000\) = -1;"),
        (jnp.tanh, _tanh_d, {"range": (-1, 0.5)}, r"declared range \(-1, 0.5\) does not hold: f\(\d.*\) = 1;"),
        (_swish, _swish_d, {"monotone": True}, r"\(non-decreasing\) but decreases: f\(-2.*\) = -0.19.* > f\(-2"),
        (_swish, _swish_d, {"range": (-0.2, None)}, r"range \(-0.2, inf\) does not hold: f\(-1.2.*\) = -0.278"),
    ],
    ids=["tanh-range", "tanh-hi", "swish-monotone", "swish-minimum"],
)
def test_a_declared_range_or_monotony_the_function_contradicts_is_refused(f, d, claims, match):
    """register took range=, monotone= on trust: `jaxact list`, the docs and output_range showed them."""
    ns: dict = {"f": f}
    exec("def claimed(x):\n    return f(x)", ns)
    with pytest.raises(ValueError, match=r"^jaxact.register: claimed failed its checks .*" + match) as info:
        jaxact.register(derivative=d, **claims)(ns["claimed"])
    assert "\n" not in str(info.value) and "claimed" not in jaxact.names()
    jaxact.register(derivative=d, verify=False, **claims)(ns["claimed"])  # the user's call: unchecked
    jaxact.unregister("claimed")


def test_true_claims_of_every_builtin_pass_the_check():
    """No false alarm: each built-in entry's range (every example set) and monotony hold on the check's grid."""
    for name in jaxact.names():
        jaxact.verify.check_claims(name)


@pytest.mark.parametrize(
    "options,match",
    [
        ({"formula": 5}, r"formula= takes a str, got 5\.$"),
        ({"oscillates": "yes"}, r"oscillates= takes a tuple of derivative orders"),
        ({"jax_nn": "not_in_jax"}, r"jax_nn= names a jax.nn function .*got 'not_in_jax'\.$"),
        ({"masked_by": "x"}, r"masked_by= takes the input value that masks"),
        ({"torch_args": 5}, r"torch_args= takes a function of the parameters"),
        ({"f64_ulps": "x"}, r"f64_ulps= takes a pair of ulp bounds"),
        ({"jump_params": ("zzz",)}, r"jump_params= takes a tuple of kinded's parameters \(a\), got \('zzz',\)\.$"),
        (
            {"aliases": ("kinded_too", "kinded_too")},
            r"aliases of kinded name \('kinded_too', 'kinded_too'\): each alias once",
        ),
        ({"float64_path": "fast"}, r"float64_path: unknown gradient path 'fast'"),
    ],
    ids=lambda v: next(iter(v)) if isinstance(v, dict) else None,
)
def test_a_declaration_of_the_wrong_kind_is_refused_in_one_line(options, match):
    """Each was taken, and met later far from the declaration: formula=5 broke `jaxact list` for every
    entry, oscillates='yes' jaxact.signal, jax_nn='not_in_jax' raised a bare AttributeError (found by an audit)."""

    def kinded(x, a=1.0):
        return jnp.tanh(a * x)

    with pytest.raises((TypeError, ValueError), match=r"^jaxact.register: .*" + match) as info:
        jaxact.register(derivative=lambda x, a=1.0: a * _tanh_d(a * x), **options)(kinded)
    assert "\n" not in str(info.value) and "kinded" not in jaxact.names()


def test_a_default_outside_its_constraints_is_named():
    """It read as a function that takes no 0-d input (the shape check met the constraint first)."""

    def flipped(x, a=-1.0):
        return jnp.tanh(a * x)

    with pytest.raises(
        ValueError, match=r"^jaxact.register: flipped's default breaks its constraints: .*'a' must be > 0"
    ):
        jaxact.register(derivative=lambda x, a=-1.0: a * _tanh_d(a * x), constraints={"a": ("positive",)})(flipped)
    assert "flipped" not in jaxact.names()


def clip_two(x):
    """clip(x, −2, 2)."""
    return jnp.clip(x, -2, 2)


def test_a_users_jax_nn_twin_labels_and_never_computes():
    """jax_nn='hard_tanh' on a clip to ±2 made an integer input take jax.nn.hard_tanh (±1), never the
    user's function; jaxact's own relu keeps jax.nn's integer result."""
    jaxact.register(derivative=lambda x: jnp.where(jnp.abs(x) < 2, 1.0, 0.0), jax_nn="hard_tanh", kinks=(-2.0, 2.0))(
        clip_two
    )
    try:
        np.testing.assert_array_equal(jaxact.clip_two(jnp.array([-3, -2, 1, 2, 3])), [-2.0, -2.0, 1.0, 2.0, 2.0])
        assert jaxact.get("clip_two").jax_nn == "hard_tanh"
    finally:
        jaxact.unregister("clip_two")
    assert jaxact.relu(jnp.array([-1, 2])).dtype == jax.nn.relu(jnp.array([-1, 2])).dtype
