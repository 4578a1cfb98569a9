"""A user's own activation, defined here, goes through everything a built-in one does:
registration with its derivative checked, the CLI by ``module:function``, check, accuracy,
bench, plot and the training comparison; a wrong derivative is reported, not accepted."""

import io
import json
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact
from jaxact.tools.cli import main

# What a user writes in mypkg/acts.py: a parametrised function, its derivative, its definition
# for mpmath, and (for the second one) a deliberately wrong derivative registered unchecked.
USER_MODULE = textwrap.dedent(
    '''
    import jax.numpy as jnp
    import jaxact


    def _d_isrlu_like(x, a=1.0):
        return (1 + a * x * x) ** -1.5


    @jaxact.register(
        derivative=_d_isrlu_like,
        range=(-jnp.inf, jnp.inf),
        monotone=True,
        smooth=True,
        odd=True,
        constraints={"a": ("positive",)},
        examples=({"a": 2.0},),
        citation="a test's own activation, 2026",
        mp=lambda m, x, a: x / m.sqrt(1 + a * x**2),
    )
    def isrlu_like(x, a=1.0):
        """x / sqrt(1 + a x²)."""
        return x / jnp.sqrt(1 + a * x * x)


    @jaxact.register(derivative=lambda x: 1 - jnp.tanh(x), verify=False, mp=lambda m, x: m.tanh(x))
    def wrong_tanh(x):
        """tanh with a wrong derivative (1 − tanh instead of 1 − tanh²)."""
        return jnp.tanh(x)
    '''
)


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    (tmp_path / "user_acts.py").write_text(USER_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "user_acts"
    sys.modules.pop("user_acts", None)
    for name in ("isrlu_like", "wrong_tanh"):
        if name in jaxact.names():
            jaxact.unregister(name)


def test_a_user_activation_goes_through_every_tool_from_python(user_module, tmp_path):
    from jaxact.tools import bench, compare, numerics, plot

    entry = jaxact.get(f"{user_module}:isrlu_like")
    assert entry.name == "isrlu_like" and entry.family == "user" and not entry.builtin
    x = jnp.linspace(-3, 3, 7)
    np.testing.assert_allclose(entry.fn(x, a=2.0), x / jnp.sqrt(1 + 2 * x * x), rtol=1e-6)
    g = jax.vmap(jax.grad(lambda v: entry.fn(v, a=2.0)))(x)  # through the closed form (the default path)
    np.testing.assert_allclose(g, (1 + 2 * x * x) ** -1.5, rtol=1e-5)
    with pytest.raises(ValueError, match="'a' must be > 0"):
        entry.fn(x, a=-1.0)  # the constraint is checked as for built-ins

    assert jaxact.verify.check(entry).ok
    rows = numerics.accuracy_table(["isrlu_like"], (jnp.float32,))
    assert rows and rows[0].name == "isrlu_like"
    result = bench.run(
        bench.BenchConfig(
            sizes=(1024,),
            names=("isrlu_like",),
            min_repeats=2,
            max_repeats=3,
            target_seconds=0.01,
            torch=False,
            block=False,
        ),
        log=lambda s: None,
    )
    assert {r["name"] for r in result["rows"]} == {"isrlu_like"}
    files = plot.plot(["isrlu_like"], tmp_path / "plots")
    assert all(f.exists() for f in files)
    cfg = compare.Config(
        activations=("relu", "isrlu_like"),
        paths=("closed",),
        depth=2,
        width=16,
        steps=30,
        batch_size=32,
        seeds=2,
        eval_every=10,
        learning_rates=(),
    )
    results = compare.run(cfg, stream=io.StringIO())
    assert [r.activation for r in results] == ["relu", "isrlu_like"]
    assert np.all(np.isfinite(results[1].train_loss))


def test_a_user_activation_goes_through_every_tool_from_the_cli(user_module, tmp_path, capsys):
    spec = f"{user_module}:isrlu_like"
    assert main(["check", "--names", spec]) == 0
    assert "isrlu_like" in capsys.readouterr().out
    assert main(["accuracy", "--names", spec, "--dtypes", "float32", "--out", str(tmp_path / "acc")]) == 0
    assert json.loads((tmp_path / "acc" / "accuracy.json").read_text())["rows"][0]["name"] == "isrlu_like"
    assert main(["bench", "--quick", "--no-torch", "--no-plots", "--names", spec, "--out", str(tmp_path / "b")]) == 0
    assert main(["plot", "--names", spec, "--out", str(tmp_path / "p")]) == 0
    argv = ["compare", "--activations", f"relu,{spec}", "--steps", "20", "--seeds", "2", "--depth", "2"]
    assert main([*argv, "--width", "16", "--eval-every", "10", "--out", str(tmp_path / "c")]) == 0
    assert "isrlu_like" in capsys.readouterr().out


def test_a_wrong_derivative_is_reported_where_it_disagrees(user_module, capsys):
    import importlib

    importlib.import_module(user_module)
    src = "import jax.numpy as jnp\n\ndef bad(x):\n    return jnp.tanh(x)\n"
    namespace: dict = {}
    exec(compile(src, "user_code", "exec"), namespace)
    with pytest.raises(jaxact.DerivativeMismatchError, match=r"derivative of bad disagrees") as info:
        jaxact.register(derivative=lambda x: 1 - jnp.tanh(x))(namespace["bad"])
    assert "bad" not in jaxact.names()  # not accepted
    worst = info.value.report.failures[0]
    assert abs(worst.autodiff_at_worst - (1 - np.tanh(worst.worst_x) ** 2)) < 1e-5  # says where, with values
    assert "at x = " in str(info.value)

    # Registered unchecked, the CLI check reports it and fails.
    assert main(["check", "--names", f"{user_module}:wrong_tanh"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "disagreement: wrong_tanh" in out


@pytest.mark.parametrize(
    "spec,message",
    [
        ("no_such_module_xyz:f", "cannot import module"),
        ("jax.numpy:tanh", "is not a registered activation"),
        ("jax.numpy:no_such_fn", "has no attribute"),
    ],
)
def test_module_function_paths_fail_clearly(spec, message, capsys):
    assert main(["check", "--names", spec]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_builtins_cannot_be_removed():
    with pytest.raises(ValueError, match="built in"):
        jaxact.unregister("relu")


def test_every_builtin_entry_cites_its_source():
    for e in jaxact.entries():
        assert e.builtin and e.citation, e.name
        assert any(str(y) in e.citation for y in range(1940, 2027)), (e.name, e.citation)


BROKEN_MODULES = {
    "raises_at_import": ('raise RuntimeError("boom at import")\n', "importing its module raised RuntimeError: boom"),
    "syntax_error": ("def f(:\n", "importing its module raised SyntaxError"),
    "one_d_only": (
        "import jax.numpy as jnp, jaxact\n\n"
        "@jaxact.register(derivative=lambda x: jnp.ones_like(x), verify=False)\n"
        "def f(x):\n    if x.ndim > 1:\n        raise RuntimeError('I only take 1-D')\n    return x\n",
        "f fails on a float32 input of shape (2, 4): RuntimeError: I only take 1-D",
    ),
    "wrong_shape": (
        "import jax.numpy as jnp, jaxact\n\n"
        "@jaxact.register(derivative=lambda x: jnp.ones_like(x), verify=False)\n"
        "def f(x):\n    return jnp.stack([x, x])\n",
        "f returns ShapeDtypeStruct (2,) float32 for a float32 input of shape ()",
    ),
}


@pytest.mark.parametrize("module", list(BROKEN_MODULES))
@pytest.mark.parametrize("command", ["check", "plot", "compare"])
def test_a_broken_user_activation_fails_in_one_line_before_the_work(module, command, tmp_path, monkeypatch, capsys):
    """A module that raises on import, or a function that refuses a batch or returns another shape:
    one line naming it, exit 2, before any training or plotting (not a traceback halfway through)."""
    src, message = BROKEN_MODULES[module]
    (tmp_path / f"{module}.py").write_text(src)
    monkeypatch.syspath_prepend(str(tmp_path))
    out = str(tmp_path / "o")
    argv = {
        "check": ["check", "--names", f"{module}:f"],
        "plot": ["plot", "--names", f"{module}:f", "--out", out],
        "compare": ["compare", "--activations", f"relu,{module}:f", "--out", out],
    }[command]
    try:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and err.count("\n") == 1, err
        assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
    finally:
        sys.modules.pop(module, None)
        if "f" in jaxact.names():
            jaxact.unregister("f")


def test_check_fails_a_user_activation_that_is_nan_at_finite_inputs(tmp_path, monkeypatch, capsys):
    """Autodiff and the closed form agree when both are NaN: at a finite input that is a failure."""
    src = (
        "import jax.numpy as jnp, jaxact\n\n"
        "@jaxact.register(derivative=lambda x: x * jnp.nan, verify=False)\n"
        "def nan_everywhere(x):\n    return x * jnp.nan\n\n"
        "@jaxact.register(derivative=lambda x: jnp.ones_like(x), verify=False)\n"
        "def nan_above_one(x):\n    return jnp.where(x > 1, jnp.nan, x)\n"
    )
    (tmp_path / "nan_acts.py").write_text(src)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert main(["check", "--names", "nan_acts:nan_everywhere,nan_acts:nan_above_one"]) == 1
        out = capsys.readouterr().out
        assert "0 passed, 4 failed" in out
        assert "nan_everywhere [defaults, float32]: the function is NaN at the finite input" in out
        assert "nan_above_one [defaults, float32]: the function is NaN at the finite input" in out

        def nan_checked(x):
            return x * jnp.nan

        with pytest.raises(jaxact.DerivativeMismatchError):  # and registering one, checked, is refused
            jaxact.register(derivative=lambda x: x * jnp.nan)(nan_checked)
        assert "nan_checked" not in jaxact.names()
    finally:
        sys.modules.pop("nan_acts", None)
        for name in ("nan_everywhere", "nan_above_one"):
            if name in jaxact.names():
                jaxact.unregister(name)


def test_the_installed_command_finds_a_module_in_the_current_folder(tmp_path):
    """`jaxact check --names mymod:f` from the folder holding mymod.py, as `python -m jaxact` would."""
    import pathlib
    import subprocess

    script = pathlib.Path(sys.executable).parent / "jaxact"
    if not script.exists():
        pytest.skip("the jaxact console script is not installed beside this Python")
    (tmp_path / "here_acts.py").write_text(USER_MODULE)
    proc = subprocess.run(
        [str(script), "check", "--names", "here_acts:isrlu_like"], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0 and "0 failed" in proc.stdout, proc.stderr


def test_a_users_validate_hook_runs_on_every_call():
    """A built-in hook's result is kept per shape (it reads only the shape); a user's may read
    values, so it is not: the second call with a bad value raises too."""

    def hook(x, a=1.0):
        if not isinstance(x, jax.core.Tracer) and bool(jnp.any(x < -100)):
            raise ValueError("x too small")

    @jaxact.register(derivative=lambda x, a=1.0: jnp.ones_like(x) * a, validate=hook)
    def hooked_linear(x, a=1.0):
        """a·x."""
        return a * x

    try:
        hooked_linear(jnp.array([1.0, 2.0]))
        with pytest.raises(ValueError, match="x too small"):
            hooked_linear(jnp.array([-1000.0, 2.0]))
    finally:
        jaxact.unregister("hooked_linear")


def test_a_registration_that_fails_its_check_in_any_way_leaves_nothing_behind():
    """An error raised by the user's derivative (not only a disagreement) unregisters the entry and its
    aliases; a corrected one then registers under the same name."""

    def sq_user(x):
        return x * x

    with pytest.raises(ValueError, match=r"sq_user failed its checks .*, not registered: IndexError"):
        jaxact.register(derivative=lambda x: (2 * x)[0, 0, 0], aliases=("sq_alias",))(sq_user)
    assert "sq_user" not in jaxact.names(include_aliases=True) and "sq_alias" not in jaxact.names(include_aliases=True)
    try:
        f = jaxact.register(derivative=lambda x: 2 * x, aliases=("sq_alias",))(sq_user)
        assert jaxact.get("sq_alias") is f.activation
    finally:
        jaxact.unregister("sq_user")
    assert "sq_alias" not in jaxact.names(include_aliases=True)


@pytest.mark.parametrize(
    "declare,error,match",
    [
        (lambda: jaxact.register(derivative=lambda x: x)(lambda x: x), ValueError, "lowercase identifier"),
        (
            lambda: jaxact.register(derivative=lambda x: 1.0 + 0 * x, aliases=("relu",))(_user_id),
            ValueError,
            "alias 'relu'",
        ),
        (lambda: jaxact.register(derivative=lambda x, *a: x)(_user_varargs), TypeError, r"no \*args"),
        (lambda: jaxact.register(derivative=lambda x, a: a)(_user_no_default), TypeError, "'a' needs a default"),
        (lambda: jaxact.register(derivative=lambda x, a=1.0: a, static="a")(_user_scaled), TypeError, "tuple of names"),
        (
            lambda: jaxact.register(derivative=lambda x, a=1.0: a, static=("b",))(_user_scaled),
            ValueError,
            "static names 'b'",
        ),
        (
            lambda: jaxact.register(derivative=lambda x, a=1.0: a, constraints={"a": ("postive",)})(_user_scaled),
            ValueError,
            "constraints\\['a'\\] must be a tuple of checks among",
        ),
        (
            lambda: jaxact.register(derivative=lambda x, a=1.0: a, param_derivatives={"b": lambda x, a=1.0: x})(
                _user_scaled
            ),
            ValueError,
            "param_derivatives names 'b'",
        ),
        (
            lambda: jaxact.register(derivative=lambda x, a=1.0: a, monotonic=True)(_user_scaled),
            TypeError,
            "did you mean 'monotone'",
        ),
    ],
    ids=[
        "lambda",
        "alias-of-a-builtin",
        "varargs",
        "no-default",
        "static-str",
        "static-unknown",
        "constraint-typo",
        "param-derivative-unknown",
        "option-typo",
    ],
)
def test_a_declaration_register_cannot_serve_is_refused_in_one_line(declare, error, match):
    before = jaxact.names(include_aliases=True)
    with pytest.raises(error, match=match):
        declare()
    assert jaxact.names(include_aliases=True) == before and jaxact.get("relu").builtin


def _user_id(x):
    return x


def _user_varargs(x, *a):
    return x


def _user_no_default(x, a):
    return a * x


def _user_scaled(x, a=1.0):
    return a * x


def test_a_wrong_parameter_derivative_is_refused_at_registration():
    """A hand-written ∂f/∂p trains a learnable parameter: it is checked against autodiff in p like f′
    in x (a ∂f/∂β of 0 here was accepted and Learnable trained on it)."""

    def tanh_scaled(x, beta=1.0):
        return jnp.tanh(beta * x)

    def d(x, beta=1.0):
        return beta * (1 - jnp.tanh(beta * x) ** 2)

    with pytest.raises(jaxact.DerivativeMismatchError, match=r"tanh_scaled \[defaults ∂/∂beta"):
        jaxact.register(derivative=d, param_derivatives={"beta": lambda x, beta=1.0: 0 * x})(tanh_scaled)
    assert "tanh_scaled" not in jaxact.names()
    try:
        good = jaxact.register(
            derivative=d, param_derivatives={"beta": lambda x, beta=1.0: x * (1 - jnp.tanh(beta * x) ** 2)}
        )
        report = jaxact.verify.check(good(tanh_scaled))
        assert report.ok and any("∂/∂beta" in r.params for r in report.rows)
    finally:
        jaxact.unregister("tanh_scaled")


def test_a_registered_activation_is_an_attribute_of_the_package():
    """jaxact.<name> for a user's activation, as jaxact.autodiff.<name> and jaxact.closed_form.<name>
    (an AttributeError before); exact names only."""

    def twice_user(x):
        return 2 * x

    f = jaxact.register(derivative=lambda x: 2 + 0 * x)(twice_user)
    try:
        assert jaxact.twice_user is f and jaxact.autodiff.twice_user is f.activation.autodiff
        with pytest.raises(AttributeError):
            jaxact.Twice_user  # noqa: B018
    finally:
        jaxact.unregister("twice_user")
    with pytest.raises(AttributeError):
        jaxact.twice_user  # noqa: B018


@pytest.mark.parametrize(
    "body,match",
    [
        (lambda x: jnp.sum(x), "returns ShapeDtypeStruct \\(\\) float32 for a float32 input of shape"),
        (lambda x: x.astype(jnp.float16), "returns float16 for a bfloat16 input"),
        (lambda x: x * jnp.float32(2), "returns float32 for a bfloat16 input"),
    ],
    ids=["reduces", "casts", "strong-constant"],
)
def test_registration_checks_shapes_and_dtypes(body, match):
    """An activation returns x's shape and keeps x's dtype on both paths (a strongly typed constant
    made the autodiff path float32 where the closed one rounds back to bfloat16)."""

    def shaped_user(x):
        return body(x)

    with pytest.raises(ValueError, match=match):
        jaxact.register(derivative=lambda x: jnp.ones_like(x), path="autodiff")(shaped_user)
    assert "shaped_user" not in jaxact.names()


def test_a_function_that_mixes_elements_is_refused_with_derivative():
    """Checked one scalar at a time, x / sqrt(mean(x²) + 1) looked elementwise: registered with
    derivative=, its array gradients on the closed path were wrong. A function that mixes elements
    is registered with jvp=, and then passes."""

    def rms_squash(x):
        """x / sqrt(mean(x²) + 1)."""
        return x * jax.lax.rsqrt(jnp.mean(x * x) + 1)

    with pytest.raises(ValueError, match=r"rms_squash is not elementwise.*registered with jvp=") as info:
        jaxact.register(derivative=lambda x: (1 + x * x) ** -1.5)(rms_squash)
    assert "\n" not in str(info.value) and "rms_squash" not in jaxact.names()

    unchecked = jaxact.register(derivative=lambda x: (1 + x * x) ** -1.5, verify=False)(rms_squash)
    with pytest.raises(ValueError, match="not elementwise"):  # verify.check says so too
        jaxact.verify.check(unchecked)
    jaxact.unregister("rms_squash")

    def rms_jvp(x, y, t):
        r = jax.lax.rsqrt(jnp.mean(x * x) + 1)
        return t * r - y * r * r * jnp.mean(x * t)

    f = jaxact.register(jvp=rms_jvp)(rms_squash)
    assert jaxact.verify.check(f).ok


NP_BETA = np.float32(1.5)  # a NumPy scalar as a parameter's default


def test_a_parameter_derivative_is_checked_at_0_and_for_a_numpy_default():
    """A wrong ∂f/∂b was accepted where b defaults to 0 (checked beside 0 now, within its constraints)
    or to a NumPy scalar."""

    def shifted_tanh(x, b=0.0):
        return jnp.tanh(x + b)

    def d(x, b=0.0):
        return 1 - jnp.tanh(x + b) ** 2

    with pytest.raises(jaxact.DerivativeMismatchError, match=r"shifted_tanh \[b=0.5 ∂/∂b"):
        jaxact.register(derivative=d, param_derivatives={"b": lambda x, b=0.0: 0 * x})(shifted_tanh)
    assert "shifted_tanh" not in jaxact.names()
    good = jaxact.register(derivative=d, param_derivatives={"b": d}, constraints={"b": ("nonnegative",)})
    rows = jaxact.verify.check(good(shifted_tanh), dtypes=(jnp.float32,)).rows
    # Not at −0.5: b must be >= 0; f′ with b moved off its default too (at 0.5, ∂f/∂b there again).
    assert [r.params for r in rows] == ["defaults", "b=0.5 ∂/∂b", "b=0.5", "b=0.5 ∂/∂b"]
    jaxact.unregister("shifted_tanh")

    def np_scaled_tanh(x, beta=NP_BETA):
        return jnp.tanh(beta * x)

    with pytest.raises(jaxact.DerivativeMismatchError, match=r"np_scaled_tanh \[defaults ∂/∂beta"):
        jaxact.register(
            derivative=lambda x, beta=1.5: beta * (1 - jnp.tanh(beta * x) ** 2),
            param_derivatives={"beta": lambda x, beta=1.5: 0 * x},
        )(np_scaled_tanh)


def test_a_derivative_wrong_only_in_the_tails_is_refused():
    """The inputs were N(0, 3²) draws: a wrong x > 20 branch of a stable softplus, or a clip at ±10
    the derivative forgot, passed. A correct stable softplus (its branch at 20, where autodiff
    gives ½ at the tie) still registers."""

    def tail_softplus(x):
        return jnp.where(x > 20, x, jnp.log1p(jnp.exp(jnp.minimum(x, 20))))

    with pytest.raises(jaxact.DerivativeMismatchError, match=r"at x = 37.5 autodiff gives 1 and the closed form 0"):
        jaxact.register(derivative=lambda x: jnp.where(x > 20, 0.0, jax.nn.sigmoid(x)))(tail_softplus)

    def clip_ten(x):
        return jnp.clip(x, -10, 10)

    with pytest.raises(jaxact.DerivativeMismatchError, match="clip_ten"):
        jaxact.register(derivative=lambda x: jnp.ones_like(x))(clip_ten)
    assert "tail_softplus" not in jaxact.names() and "clip_ten" not in jaxact.names()

    f = jaxact.register(derivative=lambda x: jnp.where(x > 20, 1.0, jax.nn.sigmoid(x)))(tail_softplus)
    assert jaxact.verify.check(f).ok


def test_check_in_float64_without_x64_is_refused_in_one_line():
    """JAX truncated the inputs to float32 while the tolerance was float64's: tanh failed."""
    with jax.enable_x64(False):
        with pytest.raises(ValueError, match=r"float64 needs JAX's x64 mode.*jax_enable_x64") as info:
            jaxact.verify.check("tanh", dtypes=(jnp.float64,))
        assert "\n" not in str(info.value)
        assert jaxact.verify.check("tanh", dtypes=(jnp.float32,)).ok
    assert jaxact.verify.check("tanh", dtypes=(jnp.float64,)).ok  # x64 on (conftest)


def test_a_function_registered_by_the_call_form_is_found_by_module_path(tmp_path, monkeypatch, capsys):
    """register(derivative=d)(f) without rebinding f leaves the module's f the plain function: its
    module:function path and verify.check(f) find the entry made from it."""
    src = (
        "import jaxact\n\n\ndef cube_user(x):\n    return x * x * x / 3\n\n\n"
        "jaxact.register(derivative=lambda x: x * x)(cube_user)\n"
    )
    (tmp_path / "plain_call_form.py").write_text(src)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert main(["check", "--names", "plain_call_form:cube_user"]) == 0, capsys.readouterr().err
        assert "cube_user" in capsys.readouterr().out
        module = sys.modules["plain_call_form"]
        assert jaxact.get("plain_call_form:cube_user") is jaxact.get("cube_user")
        assert jaxact.verify.check(module.cube_user).ok
    finally:
        sys.modules.pop("plain_call_form", None)


def test_a_naive_forward_whose_autodiff_overflows_in_the_tail_still_registers():
    """A correct closed form beside a forward whose own autodiff is inf/inf far out (1/(1 + e^(−x)) at
    x = −137.5): the tail point cannot judge it and is left out (debe47e refused the entry there)."""

    def naive_sigmoid_tail(x):
        """1/(1 + e^(−x)). Range (0, 1). f' = σ(x)σ(−x)."""
        return 1 / (1 + jnp.exp(-x))

    try:
        jaxact.register(derivative=lambda x: jax.nn.sigmoid(x) * jax.nn.sigmoid(-x))(naive_sigmoid_tail)
        assert jaxact.verify.check(jaxact.get("naive_sigmoid_tail")).ok
    finally:
        jaxact.unregister("naive_sigmoid_tail")


@pytest.mark.parametrize("which", ["exp_over_square", "naive_softplus"])
def test_a_tail_point_autodiff_cannot_judge_is_left_out(which):
    """b3fd3f3 left such a point out only where the closed form was finite: exp(x)/(1 + x²), whose
    true derivative overflows at 137.5 (closed form inf, autodiff NaN), and a naive log(1 + eˣ) (both
    NaN there) registered before tail points were checked, and were refused."""
    if which == "exp_over_square":

        def my_exp_over_square(x):
            """eˣ/(1 + x²). Range (0, ∞). f' = eˣ(1 − x)²/(1 + x²)²."""
            return jnp.exp(x) / (1 + x * x)

        fn, d = my_exp_over_square, lambda x: jnp.exp(x) * (1 - x) ** 2 / (1 + x * x) ** 2
    else:

        def my_naive_softplus(x):
            """log(1 + eˣ). Range (0, ∞). f' = eˣ/(1 + eˣ)."""
            return jnp.log(1 + jnp.exp(x))

        fn, d = my_naive_softplus, lambda x: jnp.exp(x) / (1 + jnp.exp(x))
    try:
        jaxact.register(derivative=d)(fn)
        assert jaxact.verify.check(jaxact.get(fn.__name__)).ok
    finally:
        if fn.__name__ in jaxact.names():
            jaxact.unregister(fn.__name__)


def test_a_validate_hook_that_asserts_on_the_tails_still_registers():
    """_accepts caught only ValueError and TypeError: a hook refusing |x| > 100 with an assert failed
    registration on the tail points (it registered before they were checked)."""

    def my_asserting(x, a=1.0):
        """a·x. Range ℝ. f' = a."""
        return a * x

    def hook(x, a=1.0):
        if not isinstance(x, jax.core.Tracer):
            assert np.all(np.abs(np.asarray(x)) < 100), "x too large"

    try:
        jaxact.register(derivative=lambda x, a=1.0: a + 0 * x, validate=hook)(my_asserting)
        assert jaxact.verify.check(jaxact.get("my_asserting")).ok
    finally:
        if "my_asserting" in jaxact.names():
            jaxact.unregister("my_asserting")


def test_a_function_that_mixes_along_all_but_the_first_axis_is_refused():
    """x / √(mean over the last axis of x² + 1) is elementwise on a 1-D input: the check compared f of
    the whole 1-D input with f of each element, and it registered (closed-path gradients wrong on
    any batch)."""

    def my_row_norm(x):
        """x / √(mean(x², last axis) + 1). Range ℝ. f' = ... (not elementwise)."""
        if x.ndim < 2:
            return x * jax.lax.rsqrt(x * x + 1)
        return x * jax.lax.rsqrt(jnp.mean(x * x, axis=-1, keepdims=True) + 1)

    with pytest.raises(ValueError, match=r"is not elementwise.*within a 9x8 array") as info:
        jaxact.register(derivative=lambda x: (1 + x * x) ** -1.5)(my_row_norm)
    assert "\n" not in str(info.value).strip() and "my_row_norm" not in jaxact.names()


def test_a_derivative_that_ignores_a_parameter_is_refused():
    """f′ is checked with each numeric parameter moved off its default too: (1 + x²)^(−3/2) for
    x/√(1 + a·x²) agreed with autodiff at a = 1 alone, was registered, and trained on the wrong
    gradient at any other a (a shift b = 0 that f′ forgot, likewise)."""

    def isru_forgot(x, a=1.0):
        return x / jnp.sqrt(1 + a * x * x)

    def shifted(x, b=0.0):
        return jnp.tanh(x - b)

    for f, d in ((isru_forgot, lambda x, a=1.0: (1 + x * x) ** -1.5), (shifted, lambda x, b=0.0: 1 - jnp.tanh(x) ** 2)):
        with pytest.raises(jaxact.DerivativeMismatchError):
            jaxact.register(derivative=d)(f)
        assert f.__name__ not in jaxact.names()
    assert [
        jaxact.verify.param_id(p, jaxact.get("acon_c")) for p in jaxact.verify.moved_sets(jaxact.get("acon_c"))
    ] == ["p1=1.5"]


def test_a_declared_kink_does_not_hold_a_correct_derivative_to_autodiffs_tie():
    """At a declared kink f′ is undefined and jnp's maximum/clip/abs give ½ (or 0) there: a correct
    derivative of max(x, 0) declared with kinks=(0,) was refused (the same code without kinks= passed)."""

    def relu_by_max(x):
        return jnp.maximum(x, 0.0)

    def shifted_abs(x, b=0.5):
        return jnp.abs(x - b)

    jaxact.register(derivative=lambda x: jnp.where(x > 0, 1.0, 0.0), kinks=(0.0,))(relu_by_max)
    jaxact.register(derivative=lambda x, b=0.5: jnp.where(x > b, 1.0, -1.0), kinks=lambda b: (b,))(shifted_abs)
    assert {"relu_by_max", "shifted_abs"} <= set(jaxact.names())

    def wrong_beside(x):  # wrong just beside the kink: still refused
        return jnp.maximum(x, 0.0)

    with pytest.raises(jaxact.DerivativeMismatchError):
        jaxact.register(derivative=lambda x: jnp.where(x > 1e-2, 1.0, 0.0), kinks=(0.0,))(wrong_beside)


def test_an_axis_mixing_activation_over_axis_1_is_plotted():
    """Drawn on a row along its axis: a (4,) row has no axis 1 (an IndexError traceback from plot)."""
    from jaxact.tools import plot

    def _jvp(x, y, t, axis=1):
        r = jax.lax.rsqrt(jnp.mean(x * x, axis=axis, keepdims=True) + 1)
        return t * r - y * r * r * jnp.mean(x * t, axis=axis, keepdims=True)

    def feat_squash(x, axis=1):
        return x * jax.lax.rsqrt(jnp.mean(x * x, axis=axis, keepdims=True) + 1)

    jaxact.register(jvp=_jvp, static=("axis",))(feat_squash)
    c = plot.curves(jaxact.get("feat_squash"))
    x = plot.X
    np.testing.assert_allclose(c["f"], x / np.sqrt(x * x / 4 + 1), rtol=1e-5)
    np.testing.assert_allclose(c["closed_form"], c["autodiff"], rtol=1e-5, atol=1e-6)


def test_a_validate_hook_that_bounds_the_domain_lets_the_check_run_inside_it():
    """log(1 + x) with a hook refusing x ≤ −1 was refused by its own hook on the random draws; now the
    draws it refuses are left out. Without the hook, NaN at a finite input is still refused."""

    def hook(x, **kw):
        if not isinstance(x, jax.core.Tracer) and bool(jnp.any(x <= -1)):
            raise ValueError("log1p_act needs x > -1")

    def log1p_act(x):
        return jnp.log1p(x)

    jaxact.register(derivative=lambda x: 1 / (1 + x), validate=hook)(log1p_act)
    assert "log1p_act" in jaxact.names()

    def log1p_wrong(x):
        return jnp.log1p(x)

    with pytest.raises(jaxact.DerivativeMismatchError):  # checked where defined: a wrong f′ still fails
        jaxact.register(derivative=lambda x: 1 / (1 + 2 * x), validate=hook)(log1p_wrong)

    def log1p_nan(x):
        return jnp.log1p(x)

    with pytest.raises(jaxact.DerivativeMismatchError, match="NaN at the finite input"):
        jaxact.register(derivative=lambda x: 1 / (1 + x))(log1p_nan)


def _called_in_a_fresh_process(obj, call: str, path) -> float:
    """float(<call>) with f = obj pickled into a new Python process whose path holds ``path`` and
    which has imported only jaxact."""
    import pickle
    import subprocess

    code = (
        "import pickle, sys, jax.numpy as jnp; import jaxact\n"
        f"f = pickle.loads(sys.stdin.buffer.read()); print(float({call}))"
    )
    env = {**__import__("os").environ, "PYTHONPATH": str(path)}
    run = [sys.executable, "-c", code]
    out = subprocess.run(run, input=pickle.dumps(obj), capture_output=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr.decode()[-500:]
    return float(out.stdout.decode())


def test_a_configured_user_activation_unpickles_in_a_process_that_has_not_imported_it(user_module, tmp_path):
    """The pickle names where the function comes from: loaded in a fresh process (a data-loader worker,
    a restarted notebook) it imports it; it kept the bare name, unknown there."""
    c = jaxact.configure(f"{user_module}:isrlu_like", a=2.0)
    assert abs(_called_in_a_fresh_process(c, "f(jnp.array(1.0))", tmp_path) - 1 / np.sqrt(3.0)) < 1e-6


def test_a_users_activation_with_a_checked_parameter_unpickles_in_a_process_that_has_not_imported_it(
    user_module, tmp_path
):
    """jaxact.<name> of a user's decorated activation with a value-checked parameter (a Python frame in
    front of the jitted function) pickles by its module's name for it: a fresh process imports the
    module, which registers it; by registry name alone it was unknown there."""
    import importlib
    import pickle

    f = importlib.import_module(user_module).isrlu_like
    assert f is jaxact.get("isrlu_like").fn and pickle.loads(pickle.dumps(f)) is f
    assert abs(_called_in_a_fresh_process(f, "f(jnp.array(1.0), a=2.0)", tmp_path) - 1 / np.sqrt(3.0)) < 1e-6


def test_review_fixes_of_the_derivative_check():
    """A ∂f/∂p at a declared kink is not held to autodiff's tie either; a bool used as a traced value
    registers (one that selects code is refused with static= as the cure); the tails a domain hook
    accepts are kept (a derivative wrong past x = 100 was registered once a hook refused x <= -1); a
    NaN given at a kink is reported against autodiff's own value there; jaxact check runs the moved
    parameter sets too."""

    def clipped_below(x, lo=0.5):
        return jnp.maximum(x, lo)

    jaxact.register(
        derivative=lambda x, lo=0.5: jnp.where(x > lo, 1.0, 0.0),
        param_derivatives={"lo": lambda x, lo=0.5: jnp.where(x > lo, 0.0, 1.0)},
        kinks=lambda lo: (lo,),
    )(clipped_below)

    def halved(x, half=False):
        return jnp.where(half, 0.5 * x, x)

    jaxact.register(derivative=lambda x, half=False: jnp.where(half, 0.5, 1.0) * jnp.ones_like(x))(halved)
    np.testing.assert_array_equal(jaxact.halved(jnp.ones(2), half=jnp.array([True, False])), [0.5, 1.0])

    def branching(x, approximate=False):
        return x * 0.5 if approximate else x

    with pytest.raises(ValueError, match=r"'approximate' has a bool default .* declare it static=\('approximate',\)"):
        jaxact.register(derivative=lambda x, approximate=False: jnp.ones_like(x))(branching)

    def hook(x, **kw):
        if not isinstance(x, jax.core.Tracer) and bool(jnp.any(x <= -1)):
            raise ValueError("needs x > -1")

    def log1p_far(x):
        return jnp.log1p(x)

    with pytest.raises(jaxact.DerivativeMismatchError, match=r"at x = 137\.5|at x = 12500"):
        jaxact.register(derivative=lambda x: jnp.where(x < 100, 1 / (1 + x), 0.0), validate=hook)(log1p_far)

    def absy(x):
        return jnp.abs(x)

    with pytest.raises(jaxact.DerivativeMismatchError, match=r"at x = 0 autodiff gives 1 and the closed form nan"):
        jaxact.register(derivative=lambda x: x / jnp.abs(x), kinks=(0.0,))(absy)
    rows = jaxact.verify.run_check(dtypes=(jnp.float32,), names=["clipped_below"])
    assert [r.params for r in rows] == ["defaults", "defaults ∂/∂lo", "lo=0.75", "lo=0.75 ∂/∂lo"]


def test_a_users_ordered_pair_is_checked_at_the_call_and_kept_in_order_when_learned():
    """register(ordered=...) declares what only rrelu and srelu had (a table in the Flax modules): a
    user's clip between two learnable bounds had crossed bounds accepted at the call (a silently
    wrong answer), and a module learning them left a crossed pair as it was."""
    pytest.importorskip("flax")
    from jaxact import linen

    def _d_band(x, lo=0.5, hi=0.7):
        return jnp.where((x > lo) & (x < hi), jnp.ones_like(x), 0.5 * jnp.ones_like(x))

    @jaxact.register(derivative=_d_band, ordered=(("lo", "hi"),), kinks=lambda lo, hi: (lo, hi))
    def band(x, lo=0.5, hi=0.7):
        """Half-slope outside [lo, hi]."""
        inside = jnp.clip(x, lo, hi)
        return inside + 0.5 * (x - inside)

    try:
        x = jnp.linspace(-3.0, 3.0, 13)
        with pytest.raises(ValueError, match=r"^jaxact.band: needs lo <= hi, got lo=2 and hi=0\.7\.$"):
            band(x, lo=2.0)
        with pytest.raises(ValueError, match=r"needs lo <= hi, got lo=0\.5 and hi=0 at index 1 \(1 of 2\)"):
            band(x[:, None], lo=jnp.array([-1.0, 0.5]), hi=jnp.array([1.0, 0.0]))
        with pytest.raises(ValueError, match=r"needs lo <= hi"):
            jaxact.configure("band", hi=-2.0)
        assert jaxact.get("band").ordered == (("lo", "hi"),)
        assert "<= hi" in band.__doc__ and ">= lo" in band.__doc__
        # The check's parameter sets move each bound without crossing the other: lo×1.5 = 0.75 would.
        moved = jaxact.verify.moved_sets(jaxact.get("band"))
        assert [(s["lo"], s["hi"]) for s in moved] == [(0.25, 0.7), (0.5, 0.7 * 1.5)]
        m = linen.Learnable("band", per_channel=True)
        xs = jnp.asarray(np.random.default_rng(0).normal(scale=2.0, size=(16, 2)), jnp.float32)
        p = m.init(jax.random.key(0), xs)["params"]
        crossed = {"params": {"lo": jnp.array([-1.0, 1.5]), "hi": jnp.array([1.0, -0.5])}}
        sorted_ = {"params": {"lo": jnp.array([-1.0, -0.5]), "hi": jnp.array([1.0, 1.5])}}
        assert set(p) == {"lo", "hi"}
        np.testing.assert_array_equal(m.apply(crossed, xs), m.apply(sorted_, xs))
    finally:
        jaxact.unregister("band")


@pytest.mark.parametrize(
    "ordered,match",
    [
        ("lo", r"ordered= takes a tuple of \(lo, hi\) pairs"),
        (("lo", "hi"), r"ordered= takes a tuple of \(lo, hi\) pairs"),
        ((("lo", "high"),), r"ordered pair \('lo', 'high'\) of f.*'high' is not a numeric parameter"),
        ((("lo", "mode"),), r"'mode' is not a numeric parameter"),
        ((("lo", "lo"),), r"name two different parameters"),
        ((("lo", "hi"), ("lo", "hi")), r"ordered names the pair \('lo', 'hi'\) of f twice"),
        ((("hi", "lo"),), r"f's defaults are not ordered: jaxact.f: needs hi <= lo, got hi=1 and lo=-1"),
    ],
)
def test_a_malformed_ordered_pair_is_refused_in_one_line(ordered, match):
    def _d_clip(x, lo=-1.0, hi=1.0, mode="a"):
        return 1.0 * (x > lo) * (x < hi)

    def f(x, lo=-1.0, hi=1.0, mode="a"):
        return jnp.clip(x, lo, hi)

    with pytest.raises((TypeError, ValueError), match=match) as info:
        jaxact.register(derivative=_d_clip, static=("mode",), ordered=ordered)(f)
    assert "\n" not in str(info.value)
    assert "f" not in jaxact.names()


def test_a_reducing_function_given_a_derivative_is_told_to_use_jvp():
    """A softmax-like function registered with derivative= failed on the 0-d input of the shape checks
    ("axis -1 is out of bounds") before the elementwise check could name jvp=; the line names it now."""

    def my_rowsoft(x, axis=-1):
        """A softmax along axis."""
        return jax.nn.softmax(x, axis=axis)

    def d(x, axis=-1):
        return jnp.ones_like(x)

    with pytest.raises(ValueError, match=r"shape \(\): .*out of bounds.*register it with jvp=\)$"):
        jaxact.register(derivative=d, static=("axis",))(my_rowsoft)
    assert "my_rowsoft" not in jaxact.names()


def test_a_parameter_is_moved_where_a_validate_hook_bounds_x_away_from_zero():
    """The moved-parameter check tried each move on zeros: a hook refusing x <= 0 refused them all, and
    a derivative that ignores the parameter (0.5·x^(a−1) for a·x^(a−1)) was registered."""

    def positive_inputs(x, **params):
        if not isinstance(x, jax.core.Tracer) and bool(jnp.any(x <= 0)):
            raise ValueError("power needs x > 0")

    def power(x, a=0.5):
        return x**a

    with pytest.raises(jaxact.DerivativeMismatchError, match=r"power \[a=0.75, float32\]"):
        jaxact.register(derivative=lambda x, a=0.5: 0.5 * x ** (a - 1), validate=positive_inputs)(power)
    assert "power" not in jaxact.names()


def test_an_array_parameter_is_moved_and_its_hand_written_derivative_checked_or_refused():
    """An array of coefficients was never moved (a derivative ignoring it was registered), and a
    ∂f/∂p of a parameter whose default is None, with no example to check it at, was used unchecked."""
    coefficients = jnp.array([0.1, 1.0, 0.0])

    def poly(x, c=coefficients):
        return jnp.polyval(c, x)

    with pytest.raises(jaxact.DerivativeMismatchError, match=r"poly \[c=\[0\.15 +1\.5 +0\. *\], float32\]"):
        jaxact.register(derivative=lambda x, c=coefficients: 0.2 * x + 1.0)(poly)
    jaxact.register(derivative=lambda x, c=coefficients: jnp.polyval(jnp.polyder(c), x))(poly)  # the right one
    jaxact.unregister("poly")

    def scaled_sin(x, scale=None):
        return jnp.sin(x) * (1.0 if scale is None else scale)

    def d(x, scale=None):
        return jnp.cos(x) * (1.0 if scale is None else scale)

    right = {"scale": lambda x, scale=None: jnp.sin(x)}
    with pytest.raises(ValueError, match=r"∂f/∂scale \(param_derivatives\) cannot be checked: .*examples="):
        jaxact.register(derivative=d, param_derivatives=right)(scaled_sin)
    wrong = {"scale": lambda x, scale=None: jnp.cos(x)}
    with pytest.raises(jaxact.DerivativeMismatchError, match=r"scale=2.0 ∂/∂scale"):
        jaxact.register(derivative=d, param_derivatives=wrong, examples=({"scale": 2.0},))(scaled_sin)
    jaxact.register(derivative=d, param_derivatives=right, examples=({"scale": 2.0},))(scaled_sin)
    jaxact.unregister("scaled_sin")


def test_none_and_an_empty_path_are_no_activation():
    """None matched identity's missing __wrapped__ (check(None) reported identity passing); ':f' raised
    Python's 'Empty module name'; check's dtypes took no single dtype and no clear refusal of an int."""
    from jaxact import verify

    for call in (lambda: verify.check(None), lambda: verify.smoke(None)):
        with pytest.raises(TypeError, match="give a registered name"):
            call()
    assert jaxact.registry.entry_of(None) is None
    for spec in (":foo", "foo:", " : "):
        with pytest.raises(jaxact.UnknownActivationError, match="write a module path and a function's name"):
            jaxact.get(spec)
    assert verify.check("elu", dtypes=jnp.float32).ok and verify.check("elu", dtypes=("float32",)).ok
    with pytest.raises(TypeError, match=r"^jaxact.verify.check: dtypes takes floating dtypes"):
        verify.check("elu", dtypes=(jnp.int32,))


def test_a_jitted_function_with_static_arguments_is_told_to_declare_them():
    """jaxact's jit traces every parameter not declared static: the user's jit then met a tracer for its
    static argument, and the hint named jvp= (a 0-d input's) instead of static=."""
    import functools

    @functools.partial(jax.jit, static_argnames="neg")
    def flip(x, neg=False):
        return -jnp.sin(x) if neg else jnp.sin(x)

    def d(x, neg=False):
        return -jnp.cos(x) if neg else jnp.cos(x)

    with pytest.raises(ValueError, match=r"it is a jax.jit with static arguments, .*declare them static=\(...\) too$"):
        jaxact.register(derivative=d)(flip)
    jaxact.register(derivative=d, static=("neg",))(flip)
    try:
        assert float(jax.grad(lambda x: jaxact.get("flip").fn(x, neg=True))(0.5)) == pytest.approx(-np.cos(0.5))
    finally:
        jaxact.unregister("flip")


def test_a_ragged_tuple_parameter_is_compared_as_a_python_value():
    """param_id compared values with NumPy, which refuses a ragged tuple (a static ((0, 1), (2,)))."""
    from jaxact.verify import _differs

    assert not _differs(((0, 1), (2,)), ((0, 1), (2,))) and _differs(((0, 1), (2,)), ((0,), (2,)))
    assert _differs(None, 0.5) and not _differs(jnp.ones(3), np.ones(3)) and _differs(jnp.ones(3), np.ones(2))


def _forgets_axis(x, y, t, axis=-1):
    return y * (t - (y * t).sum(-1, keepdims=True))  # sums along the last axis whatever axis says


def softmax_on_axis(x, axis=-1):
    """softmax along axis."""
    return jax.nn.softmax(x, axis=axis)


def cube_or_square(x, cube=False):
    """x³ if cube else x²."""
    return x**3 if cube else x * x


@pytest.mark.parametrize(
    "f,kw,where",
    [
        (softmax_on_axis, {"jvp": _forgets_axis, "static": ("axis",)}, r"\[axis=0, float"),
        (cube_or_square, {"derivative": lambda x, cube=False: 2 * x, "static": ("cube",)}, r"\[cube=True, float"),
    ],
    ids=["axis", "bool"],
)
def test_a_derivative_that_ignores_a_static_parameter_is_refused(f, kw, where):
    """The check moved numeric parameters only: a JVP that ignored its axis, a derivative that ignored a
    bool switch, registered, and gave wrong gradients at the other value (found by an audit)."""
    match = rf"^jaxact.register: the derivative of {f.__name__} .*{where}"
    with pytest.raises(jaxact.DerivativeMismatchError, match=match):
        jaxact.register(**kw)(f)
    assert f.__name__ not in jaxact.names()


def signed_pow15(x):
    """sign(x)·|x|^1.5."""
    return jnp.sign(x) * jnp.abs(x) ** 1.5


def test_a_derivative_nan_at_zero_is_refused():
    """The check's inputs never held 0: 1.5|x|^1.5/|x|, NaN at 0 where autodiff gives 0, registered."""
    with pytest.raises(jaxact.DerivativeMismatchError, match=r"signed_pow15 \[defaults, float\d\d\]: at x = 0 "):
        jaxact.register(derivative=lambda x: 1.5 * jnp.abs(x) ** 1.5 / jnp.abs(x))(signed_pow15)
    assert "signed_pow15" not in jaxact.names()


def my_relu6(x):
    """clip(x, 0, 6), its kink at 0 not declared."""
    return jnp.clip(x, 0.0, 6.0)


def signed_sqrt(x):
    """sign(x)·√|x|: its slope is inf at 0."""
    return jnp.sign(x) * jnp.sqrt(jnp.abs(x))


def pow_k(x, k=3):
    """x^k, a static exponent."""
    return x**k


def naive_squareplus(x, b=4.0):
    """½(x + √(x² + b)), which cancels in float32 for x ≪ 0."""
    return 0.5 * (x + jnp.sqrt(x * x + b))


@pytest.mark.parametrize(
    "f,kw",
    [
        (my_relu6, {"derivative": lambda x: jnp.where((x > 0) & (x < 6), 1.0, 0.0)}),
        (signed_sqrt, {"derivative": lambda x: 0.5 / jnp.sqrt(jnp.abs(x))}),
        (pow_k, {"derivative": lambda x, k=3: k * x ** (k - 1), "static": ("k",)}),
        (
            naive_squareplus,
            {"derivative": lambda x, b=4.0: 0.5 * (1 + x / jnp.sqrt(x * x + b)), "monotone": True, "range": (0, None)},
        ),
    ],
    ids=["undeclared-kink-at-0", "inf-slope-at-0", "static-exponent", "monotone-with-cancellation"],
)
def test_what_registered_before_the_zero_static_and_claim_checks_still_registers(f, kw):
    """A review of those checks: relu6 without kinks= (autodiff's ½ at 0), √|x|'s inf slope at 0 (autodiff's
    NaN), a static exponent moved to 0 (0·0⁻¹), a monotone function whose float32 values wobble by x's
    rounding: each refused, none wrong."""
    try:
        jaxact.register(**kw)(f)
        assert f.__name__ in jaxact.names()
    finally:
        if f.__name__ in jaxact.names():
            jaxact.unregister(f.__name__)
