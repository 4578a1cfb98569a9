import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact
from jaxact import registry

from .cases import entry_params, jax_nn_entries

# What jax.nn offers besides activations; everything else in it must be in jaxact.
_JAX_NN_NOT_ACTIVATIONS = {
    "dot_product_attention",
    "get_scaled_dot_general_config",
    "initializers",
    "log1mexp",
    "logmeanexp",
    "logsumexp",
    "one_hot",
    "scaled_dot_general",
    "scaled_matmul",
    "standardize",
}


def test_catalogue_size_and_seed_functions():
    names = jaxact.names()
    assert len(names) >= 35
    seeds = {
        "identity",
        "binary_step",
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "prelu",
        "elu",
        "softplus",
        "softmax",
        "swish",
    }
    assert seeds <= set(names)


def test_every_jax_nn_activation_is_here_with_same_signature():
    public = [n for n in dir(jax.nn) if not n.startswith("_") and n not in _JAX_NN_NOT_ACTIVATIONS]
    missing = [n for n in public if not hasattr(jaxact, n)]
    assert not missing, f"jax.nn activations missing from jaxact: {missing}"
    for n in public:
        ours = inspect.signature(getattr(jaxact, n))
        theirs = inspect.signature(inspect.unwrap(getattr(jax.nn, n)))
        mine, their_names = list(ours.parameters), list(theirs.parameters)
        assert mine[: len(their_names)] == their_names, n
        for k, p in theirs.parameters.items():
            assert ours.parameters[k].default == p.default, (n, k)
        # Extra parameters (swish's beta) come last and default to jax.nn's behaviour.
        for k in mine[len(their_names) :]:
            assert ours.parameters[k].default is not inspect.Parameter.empty, (n, k)


@pytest.mark.parametrize("entry", jax_nn_entries())
def test_ahead_of_time_methods_as_jax_nn_jitted_functions_have_them(entry):
    """f.lower / f.trace / f.eval_shape work on every public function, a Python frame that checks
    parameters (elu's alpha) included, with arrays and with shapes alone, and check the same."""
    shape = (4, 6)
    x = jnp.asarray(np.linspace(-2, 2, 24).reshape(shape), jnp.float32)
    spec = jax.ShapeDtypeStruct(shape, jnp.float32)
    f = entry.fn
    np.testing.assert_array_equal(f.lower(x).compile()(x), f(x))
    assert f.lower(spec).compile()(x).shape == f(x).shape
    assert f.eval_shape(spec) == jax.eval_shape(getattr(jax.nn, entry.jax_nn), spec)
    assert f.trace(x).lower().compile()(x).shape == f(x).shape
    numbers = [k for k in entry.numeric_params if isinstance(entry.params[k], (int, float))]  # not where=
    for name in numbers:  # a parameter given by shape alone, as jax.jit's lower takes it
        assert f.lower(spec, **{name: jax.ShapeDtypeStruct((), jnp.float32)}).compile() is not None
    for name, constraint in entry.constraints.items():
        if "positive" in constraint or "nonnegative" in constraint:
            with pytest.raises(ValueError, match=f"'{name}' must be"):
                f.lower(x, **{name: -1.0})


@pytest.mark.parametrize("entry", entry_params())
def test_a_jit_of_a_public_function_lowers_with_its_own_options(entry):
    """jax.jit(jaxact.elu, donate_argnums=0).lower(x) is the outer jit's lowering, donation included:
    jax.jit copies a function's own attributes onto the object it returns, and a ``lower`` of the
    Python frame's took the place of jax.jit's (the frame's lowering of its inner program, without
    the donation: the vs-jax-nn sweep's donated cells of celu, elu, leaky_relu, squareplus and swish
    timed a fresh output, 1.4–3.4x)."""
    x = jnp.ones((4, 6), jnp.float32)
    for kind in ("fn", "autodiff", "closed_form", "derivative"):
        f = getattr(entry, kind)
        if f is None:
            continue
        own = getattr(jax.jit(f), "__dict__", {})
        assert not {"lower", "trace", "eval_shape"} & set(own), (entry.name, kind)
        if kind == "derivative" or jax.eval_shape(f, x).shape != x.shape:
            continue  # a constant f′ does not read x; a gate halves its input: no output takes x's buffer
        text = jax.jit(f, donate_argnums=0).lower(x).as_text()
        assert "tf.aliasing_output" in text or "jax.buffer_donor" in text, (entry.name, kind)


@pytest.mark.parametrize("entry", jax_nn_entries())
def test_jax_nn_mapping_names_a_real_function(entry):
    assert callable(getattr(jax.nn, entry.jax_nn))


def test_namespace_is_generated_from_registry():
    for e in jaxact.entries():
        assert getattr(jaxact, e.name) is e.fn
        assert getattr(jaxact.closed_form, e.name) is e.closed_form
        assert getattr(jaxact.autodiff, e.name) is e.autodiff
        for a in e.aliases:
            assert jaxact.get(a) is e
            assert getattr(jaxact, a) is e.fn
    # The explicit re-exports in jaxact/__init__.py and the registry list the same names.
    exported = {n for n in dir(jaxact) if hasattr(getattr(jaxact, n), "activation")}
    assert exported == set(jaxact.names(include_aliases=True))


def test_whole_jax_nn_namespace_is_reachable():
    public = {n for n in dir(jax.nn) if not n.startswith("_")}
    assert public <= set(dir(jaxact)), sorted(public - set(dir(jaxact)))
    for n in _JAX_NN_NOT_ACTIVATIONS:
        assert getattr(jaxact, n) is getattr(jax.nn, n)


def test_unknown_name_suggests_close_names():
    with pytest.raises(registry.UnknownActivationError, match="Did you mean 'relu'"):
        jaxact.get("rleu")
    with pytest.raises(registry.UnknownActivationError, match="softplus"):
        jaxact.get("soft_plus")
    with pytest.raises(AttributeError, match="unknown activation"):
        jaxact.closed_form.rellu  # noqa: B018
    with pytest.raises(TypeError, match="must be a str"):
        jaxact.get(3)


def test_get_normalises_case_and_dashes():
    assert jaxact.get("Leaky-ReLU").name == "leaky_relu"


@pytest.mark.parametrize("entry", entry_params())
def test_entry_is_complete(entry):
    assert (
        (entry.fn.__doc__ and "f'" in entry.fn.__doc__)
        or "JVP" in (entry.fn.__doc__ or "")
        or "derivative" in (entry.fn.__doc__ or "").lower()
        or "σ'" in (entry.fn.__doc__ or "")
    )
    assert "Range" in entry.fn.__doc__ or "range" in entry.fn.__doc__ or "(0, 1)" in entry.fn.__doc__
    lo, hi = entry.output_range()
    assert lo < hi
    assert entry.formula
    assert callable(entry.jvp)
    assert (entry.derivative is None) != entry.elementwise
    families = {"rectifiers", "sigmoids", "gates", "shrink", "normalizers", "sparse", "rational", "periodic"}
    assert entry.family in families


def test_derivative_accessor():
    x = jax.numpy.array([-1.0, 2.0])
    assert jaxact.derivative("relu")(x).tolist() == [0.0, 1.0]
    with pytest.raises(TypeError, match="Jacobian-vector"):
        jaxact.derivative("softmax")


def test_double_registration_is_refused():
    with pytest.raises(ValueError, match="'relu' is already registered; pick another name"):

        @registry.register(derivative=lambda x: x, range=(0, 1), formula="x", path="autodiff", why="-")
        def relu(x):
            return x


@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize("entry", [e for e in jaxact.entries() if e.numeric_params], ids=lambda e: e.name)
def test_jump_params_are_exactly_the_parameters_with_zero_gradient(entry):
    """jump_params (not learnable) is earned: f's gradient in them is 0 on random inputs, and
    non-zero for every other numeric parameter with a number as default."""
    x = jnp.asarray(np.random.default_rng(0).normal(scale=3, size=64))
    for k in entry.numeric_params:
        if type(entry.params[k]) not in (int, float):
            continue
        p0 = float(entry.params[k]) or 0.5
        g = jax.grad(lambda p, k=k: jnp.sum(entry.fn(x, **{k: p})))(p0)
        assert (float(g) == 0.0) == (k in entry.jump_params), (k, float(g))
    assert set(entry.jump_params) <= set(entry.numeric_params)


@pytest.mark.parametrize("entry", entry_params())
def test_public_functions_pickle_and_copy_as_themselves(entry):
    """Every public function pickles and copies as itself, as a plain function does, whether it is
    jax.jit itself (no value-checked parameter) or a Python frame in front of it: by its global name
    where that finds it, else (a derivative) by its name in the registry. A frame binds as a method
    as a function does (a functools.partial does not before Python 3.14)."""
    import copy
    import functools
    import inspect
    import pickle

    for kind in ("fn", "autodiff", "closed_form", "derivative"):
        f = getattr(entry, kind)
        if f is None:
            continue
        assert inspect.isroutine(f), kind
        assert pickle.loads(pickle.dumps(f)) is f, kind
        assert copy.copy(f) is f and copy.deepcopy(f) is f, kind
    p = pickle.loads(pickle.dumps(functools.partial(entry.fn)))
    assert p.func is entry.fn
    # A wrapper (jax.jit with its own options, jax.custom_jvp with a user's rule) copies as itself: the
    # function's way of pickling and copying must not be copied onto it (functools.wraps copies the
    # function's own attributes) and return the function it wraps, without the wrapper's options.
    for wrapper in (jax.jit(entry.fn, donate_argnums=0), jax.custom_jvp(entry.fn)):
        assert copy.deepcopy(wrapper) is not entry.fn and copy.copy(wrapper) is not entry.fn


def test_a_users_validate_hook_sees_the_callers_concrete_arguments():
    """A hook may read values (a mask's contents): it runs before the jitted call, with the values."""
    seen = []

    def hook(x, mask=None):
        if mask is not None:
            m = np.asarray(mask)  # a tracer here would raise
            seen.append(m.copy())
            if not m.any():
                raise ValueError("masked_relu: the mask selects nothing")

    def d_masked_relu(x, mask=None):
        d = (x > 0).astype(x.dtype)
        return d if mask is None else jnp.where(mask, d, 0)

    @jaxact.register(derivative=d_masked_relu, range=(0.0, float("inf")), validate=hook, verify=False)
    def masked_relu(x, mask=None):
        """x⁺ where mask, else 0. Range [0, ∞).

        Example:
          >>> masked_relu(jnp.array([1.0, -1.0]), mask=jnp.array([True, True]))
        """
        y = jnp.maximum(x, 0)
        return y if mask is None else jnp.where(mask, y, 0)

    try:
        e = registry.get("masked_relu")
        x = jnp.array([1.0, -2.0, 3.0])
        np.testing.assert_array_equal(e.fn(x, mask=np.array([True, False, True])), [1.0, 0.0, 3.0])
        assert len(seen) == 1
        with pytest.raises(ValueError, match="selects nothing"):
            e.fn(x, mask=np.array([False, False, False]))
    finally:
        jaxact.unregister("masked_relu")


@pytest.mark.parametrize(
    "given,exc,match",
    [
        ((0,), TypeError, r"my_ranged's range must be a pair \(lo, hi\), or a function"),
        ("ab", TypeError, "must be a pair"),
        (None, TypeError, "must be a pair"),
        ((1, 0), ValueError, r"range \(1, 0\) must have lo <= hi"),
        ((0, float("nan")), ValueError, "neither NaN"),
        ((0, "1"), TypeError, "each end must be a real number"),
        ((True, 1), TypeError, "each end must be a real number"),
        (lambda b: (0, 1), ValueError, "my_ranged's range takes 'b', not a parameter of my_ranged"),
        (lambda a: (a, 0), ValueError, r"range's value at the default parameters \(1.0, 0\) must have lo <= hi"),
        (lambda a: 1 / 0, ValueError, "range at the default parameters raised ZeroDivisionError"),
        (lambda a: None, TypeError, r"range's value at the default parameters must be a pair \(lo, hi\), got None"),
    ],
    # A lambda's repr names its address, which differs between pytest-xdist's workers.
    ids=lambda v: "function" if callable(v) and not isinstance(v, type) else repr(v),
)
def test_a_range_register_cannot_serve_is_refused_in_one_line(given, exc, match):
    with pytest.raises(exc, match=match) as info:

        @jaxact.register(derivative=lambda x, a=1.0: jnp.ones_like(x), range=given)
        def my_ranged(x, a=1.0):
            return x

    assert "\n" not in str(info.value) and "my_ranged" not in jaxact.names()


@pytest.mark.parametrize(
    "given,want",
    [
        ((None, None), (-float("inf"), float("inf"))),  # None: unbounded, as `jaxact list --json` writes it
        ((0, None), (0.0, float("inf"))),
        ([-1, 1], (-1.0, 1.0)),
        ((np.float32(0), jnp.inf), (0.0, float("inf"))),
        ((2, 2), (2.0, 2.0)),
    ],
    ids=repr,
)
def test_a_range_is_recorded_as_a_pair_of_floats(given, want):
    # An identity with these ranges: recorded as given, as verify=False leaves them (verify would refuse them).
    @jaxact.register(derivative=lambda x: jnp.ones_like(x), range=given, verify=False)
    def my_ranged(x):
        return x

    try:
        assert jaxact.get("my_ranged").output_range() == want
        assert jaxact.get("my_ranged").bounded == all(np.isfinite(want))
    finally:
        jaxact.unregister("my_ranged")


def test_a_range_of_the_parameters_is_checked_where_it_is_read():
    @jaxact.register(derivative=lambda x, a=1.0: jnp.ones_like(x), range=lambda a: (-a, None), verify=False)
    def my_ranged(x, a=1.0):
        return x

    try:
        e = jaxact.get("my_ranged")
        assert e.output_range() == (-1.0, float("inf")) and e.output_range(a=2.0) == (-2.0, float("inf"))
        with pytest.raises(ValueError, match="parameter 'a' must be finite, got nan"):  # checked as a call checks it
            e.output_range(a=float("nan"))
    finally:
        jaxact.unregister("my_ranged")


def test_register_example_runs_under_doctest_in_the_registry_module():
    """doctest.testmod(jaxact.registry) runs register's Example in the module's own namespace: the
    example's function was taken for a built-in there, and its unregister refused."""
    import doctest

    with np.printoptions(precision=4), jax.enable_x64(False):  # as a user runs it, x64 off
        result = doctest.testmod(jaxact.registry)
    assert result.attempted > 0 and result.failed == 0
    assert "my_squared_relu" not in jaxact.names()


def test_a_users_array_parameter_of_its_own_shape_and_array_ranges_are_left_alone():
    """The shape check is for jaxact's own entries: a user's parameter may be an array that does not
    broadcast with x (a polynomial's coefficients); a range function given array or traced parameters
    returns arrays, as before the ranges were checked."""
    import jax.numpy as jnp

    @jaxact.register(derivative=lambda x, c=1.0: jnp.zeros_like(x), range=lambda c: (-jnp.inf, jnp.inf))
    def my_polynomial(x, c=1.0):
        """A polynomial with coefficients c."""
        return jnp.polyval(jnp.atleast_1d(c), x) + 0 * x

    # verify=False: x's range is no (−a, ∞), which register's check of the range would refuse.
    @jaxact.register(derivative=lambda x, a=1.0: jnp.ones_like(x), range=lambda a: (-a, jnp.inf), verify=False)
    def my_shifted(x, a=1.0):
        """x (a range that depends on a)."""
        return x + 0 * a

    try:
        assert jaxact.get("my_polynomial").fn(jnp.ones((4, 5)), c=jnp.array([1.0, 2.0, 3.0])).shape == (4, 5)
        e = jaxact.get("my_shifted")
        np.testing.assert_array_equal(e.output_range(a=np.array([0.5, 2.0]))[0], [-0.5, -2.0])
        assert float(jax.jit(lambda a: e.output_range(a=a)[0])(0.5)) == -0.5
    finally:
        jaxact.unregister("my_polynomial")
        jaxact.unregister("my_shifted")


_NP_BETA, _NP_N = np.float32(1.5), np.int32(2)


def test_a_numpy_scalar_default_is_a_number_as_a_python_one():
    """beta=np.float32(1.5) is a learnable, value-checked parameter as beta=1.5 is: it was neither
    (not learnable, a NaN beta passed unchecked)."""

    def my_np_scaled(x, beta=_NP_BETA, n=_NP_N):
        """tanh(βx)·n."""
        return jnp.tanh(beta * x) * n

    jaxact.register(derivative=lambda x, beta=1.5, n=2: n * beta * (1 - jnp.tanh(beta * x) ** 2), verify=False)(
        my_np_scaled
    )
    try:
        e = jaxact.get("my_np_scaled")
        assert e.learnable_params == ("beta", "n") and e.checked_params == ("beta", "n")
        with pytest.raises(ValueError, match="parameter 'beta' must be finite"):
            e.fn(jnp.ones(2), beta=np.nan)
    finally:
        jaxact.unregister("my_np_scaled")


def test_a_constraint_on_a_static_parameter_is_refused_in_one_line():
    """It was accepted and never applied (powabs(x, n=-1) ran): the binder checks numeric values only."""
    with pytest.raises(ValueError, match=r"constraints name static parameter.* 'n' of my_powabs: .*validate=") as e:

        @jaxact.register(
            derivative=lambda x, n=2: n * jnp.abs(x) ** (n - 1) * jnp.sign(x),
            static=("n",),
            constraints={"n": ("positive",)},
        )
        def my_powabs(x, n=2):
            return jnp.abs(x) ** n

    assert "\n" not in str(e.value) and "my_powabs" not in jaxact.names()


def test_a_validate_hook_that_reads_a_traced_value_is_told_how_to_read_values():
    """register's own checks trace the function, so a hook that reads x's values met a tracer and the
    registration failed with JAX's error alone (the docs promised concrete arguments); the error now
    says how to write the hook, as the docstring does, and a hook written so registers."""

    def hook(x, a=1.0):
        if np.any(np.isnan(np.asarray(x))):
            raise ValueError("x has a NaN")

    def my_hooked(x, a=1.0):
        """a·x."""
        return a * x

    def derivative(x, a=1.0):
        return a + 0 * x

    with pytest.raises(ValueError, match=r"validate hook read a traced value .*isinstance\(x, jax.core.Tracer") as info:
        jaxact.register(derivative=derivative, validate=hook)(my_hooked)
    assert "\n" not in str(info.value) and "my_hooked" not in jaxact.names()
    doc = registry.register.__doc__
    assert "caller's concrete arguments" not in doc and "isinstance(x, jax.core.Tracer)" in doc

    def skipping(x, a=1.0):
        if not isinstance(x, jax.core.Tracer):
            hook(x, a)

    f = jaxact.register(derivative=derivative, validate=skipping)(my_hooked)
    try:
        with pytest.raises(ValueError, match="x has a NaN"):
            f(jnp.array([1.0, jnp.nan]))
    finally:
        jaxact.unregister("my_hooked")


@pytest.mark.parametrize(
    "aliases,exc,match",
    [
        ("dbl", TypeError, r"aliases= takes a tuple of names, e.g. aliases=\('dbl',\)"),  # was 'd', 'b', 'l'
        (("Twice-X",), ValueError, "alias 'Twice-X' of my_twice must be a lowercase identifier"),  # never found
        (("my-dbl",), ValueError, "alias 'my-dbl' of my_twice must be a lowercase identifier"),
        (("one_hot",), ValueError, "alias 'one_hot' clashes with jaxact.one_hot"),
    ],
)
def test_aliases_are_held_to_the_rules_names_are(aliases, exc, match):
    def my_twice(x):
        """2x."""
        return 2 * x

    with pytest.raises(exc, match=match) as info:
        jaxact.register(derivative=lambda x: 2 + 0 * x, aliases=aliases)(my_twice)
    assert "\n" not in str(info.value) and "my_twice" not in jaxact.names(include_aliases=True)
    assert not {"d", "b", "l", "twice_x", "Twice-X"} & set(jaxact.names(include_aliases=True))
    # A tuple of lowercase names is taken, and unregistering an alias removes the whole activation.
    jaxact.register(derivative=lambda x: 2 + 0 * x, aliases=("my_dbl",))(my_twice)
    assert jaxact.get("my_dbl").name == "my_twice"
    jaxact.unregister("my_dbl")
    assert not {"my_twice", "my_dbl"} & set(jaxact.names(include_aliases=True))


@pytest.mark.parametrize(
    "option,match",
    [
        ({"kinks": "0"}, r"kinks= takes a tuple of numbers .*got '0'"),  # was: iteration over a 0-d array
        ({"kinks": 0.0}, "kinks= takes a tuple of numbers"),
        ({"examples": {"a": 2.0}}, r"examples= takes a tuple of parameter dicts"),  # was: 'str' is not a mapping
        ({"monotone": "no"}, "monotone= must be True or False, got 'no'"),  # was accepted (a truthy str)
        ({"smooth": 1}, "smooth= must be True or False, got 1"),
        ({"kinks": (True,)}, "kinks= takes a tuple of numbers"),
        # Fields register fills in itself: "got multiple values for keyword argument 'name'" before.
        ({"name": "other"}, "'name' is set by register itself.*rename the function"),
        ({"range_": (0.0, 1.0)}, "'range_' is set by register itself"),
    ],
    ids=repr,
)
def test_options_of_the_wrong_kind_are_refused_in_one_line_naming_the_option(option, match):
    def my_opt(x, a=1.0):
        """a x."""
        return a * x

    with pytest.raises(TypeError, match=match) as info:
        jaxact.register(derivative=lambda x, a=1.0: a + 0 * x, **option)(my_opt)
    assert "\n" not in str(info.value) and "my_opt" not in jaxact.names()


@pytest.mark.parametrize("why", [None, "measured"])
def test_path_none_is_the_default_path_as_the_bad_path_error_offers(why):
    """path=None ended in an AttributeError traceback (with why=: a KeyError from the check)."""

    def my_pathless(x):
        """2x."""
        return 2 * x

    f = jaxact.register(derivative=lambda x: 2 + 0 * x, path=None, why=why)(my_pathless)
    try:
        assert f.activation.default_path == "closed_form"
        assert f.activation.path_reason == (why or "user-defined: closed form (not measured)")
        np.testing.assert_array_equal(jax.grad(lambda v: f(v).sum())(jnp.ones(2)), [2.0, 2.0])
    finally:
        jaxact.unregister("my_pathless")


@pytest.mark.parametrize("name", ["one_hot", "verify", "configure", "derivative", "closed_form", "signal", "tools"])
def test_a_name_jaxact_already_uses_is_refused_in_one_line(name):
    """get() found such an activation, but jaxact.<name> stayed jax.nn's function, jaxact's own or a
    submodule (tools: importable, an attribute once imported)."""
    before = getattr(jaxact, name, None) if name != "tools" else None

    def act(x):
        """2x."""
        return 2 * x

    act.__name__ = act.__qualname__ = name
    with pytest.raises(ValueError, match=f"name '{name}' clashes with jaxact.{name}, which is not an activation") as i:
        jaxact.register(derivative=lambda x: 2 + 0 * x)(act)
    assert "\n" not in str(i.value) and name not in jaxact.names()
    if before is not None:
        assert getattr(jaxact, name) is before


@pytest.mark.parametrize("namespace", ["closed_form", "autodiff"])
def test_a_name_only_a_path_namespace_holds_is_refused(namespace, monkeypatch):
    """jaxact.closed_form.<name> / jaxact.autodiff.<name> would give the namespace's own attribute (today
    each name they hold, jaxact holds too: one held by the namespace alone is set up here)."""

    def act(x):
        """2x."""
        return 2 * x

    act.__name__ = act.__qualname__ = "my_held_only_there"
    monkeypatch.setattr(getattr(jaxact, namespace), "my_held_only_there", object(), raising=False)
    with pytest.raises(ValueError, match=rf"'my_held_only_there' clashes with jaxact\.{namespace}\.my_held_only_there"):
        jaxact.register(derivative=lambda x: 2 + 0 * x)(act)
    assert "my_held_only_there" not in jaxact.names()


def test_kinks_as_a_jax_array_and_aliases_as_a_set_are_taken():
    """a403f2f refused kinks=jnp.array([...]) (a NumPy array was taken) and aliases={...}."""

    def my_kinked(x):
        """relu(x) + relu(x − 1). Range [0, ∞). f' = 0, 1, 2."""
        return jnp.where(x > 0, x, 0.0) + jnp.where(x > 1, x - 1, 0.0)

    d = lambda x: (x > 0).astype(x.dtype) + (x > 1).astype(x.dtype)  # noqa: E731
    try:
        jaxact.register(derivative=d, kinks=jnp.array([0.0, 1.0]), aliases={"my_kinked_b", "my_kinked_a"})(my_kinked)
        e = jaxact.get("my_kinked")
        assert e.aliases == ("my_kinked_a", "my_kinked_b") and jaxact.get("my_kinked_b") is e
    finally:
        if "my_kinked" in jaxact.names():
            jaxact.unregister("my_kinked")
