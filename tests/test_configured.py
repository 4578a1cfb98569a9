"""Configured activations: hashable, picklable values usable as Flax attributes and static args."""

import copy
import dataclasses
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact

from .cases import entry_params


@pytest.mark.parametrize("entry", entry_params())
def test_configured_equals_the_call_with_those_parameters(entry):
    params = {**entry.params, **(entry.examples[0] if entry.examples else {})}
    params = {k: v for k, v in params.items() if isinstance(v, (bool, int, float, str)) or v is None}
    act = jaxact.configure(entry.name, **params)
    x = jnp.linspace(-3.0, 3.0, 8).reshape(2, 4)
    np.testing.assert_array_equal(act(x), entry.fn(x, **params))
    assert act == pickle.loads(pickle.dumps(act)) and hash(act) == hash(pickle.loads(pickle.dumps(act)))
    assert eval(repr(act), {"jaxact": jaxact}) == act


def test_equal_configurations_are_one_value_and_order_does_not_matter():
    a = jaxact.configure("threshold", threshold=0.5, value=-1.0)
    b = jaxact.configure("threshold", value=-1.0, threshold=0.5)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != jaxact.configure("threshold", threshold=0.5, value=-2.0)
    assert jaxact.configure("elu", alpha=np.float32(0.5)) == jaxact.configure("elu", alpha=0.5)
    # ... and computes as it: the NumPy scalar is held as the weak Python number (the docstring says so).
    x = jnp.array([-1.0, 2.0], jnp.bfloat16)
    assert jaxact.configure("elu", alpha=np.float32(0.5))(x).dtype == jnp.bfloat16


def test_forced_path_is_part_of_the_value():
    auto = jaxact.configure("swish", beta=1.5, path="autodiff")
    closed = jaxact.configure("swish", beta=1.5, path="closed_form")
    assert auto != closed
    g = [jax.grad(lambda v, f=f: f(v))(1.0) for f in (auto, closed)]
    np.testing.assert_allclose(g[0], g[1], rtol=1e-6)
    assert "custom_jvp" not in str(jax.make_jaxpr(auto)(1.0))
    assert "custom_jvp" in str(jax.make_jaxpr(closed)(1.0))


def test_static_argument_of_jit_traces_once_per_configuration():
    traces = []

    apply = jax.jit(lambda x, act: (traces.append(act), act(x))[1], static_argnums=1)
    x = jnp.ones(3)
    apply(x, jaxact.configure("elu", alpha=0.5))
    apply(x, jaxact.configure("elu", alpha=0.5))
    apply(x, jaxact.configure("elu", alpha=0.7))
    assert len(traces) == 2


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        ({"name": "elu", "alpah": 1.0}, TypeError, "has no parameter 'alpah'; its parameters: alpha"),
        ({"name": "elu", "alpha": -1.0}, ValueError, "parameter 'alpha' must be >= 0, got -1."),
        ({"name": "prelu", "negative_slope": jnp.ones(3)}, TypeError, "must be a Python scalar"),
        ({"name": "gelo"}, KeyError, "Did you mean 'gelu'"),
        ({"name": "elu", "path": "fast"}, ValueError, "unknown gradient path"),
        # A static parameter's kind (a configuration read from a file): refused at its first call before.
        ({"name": "gelu", "approximate": "false"}, TypeError, r"^jaxact.gelu: 'approximate' must be a bool"),
        ({"name": "softmax", "axis": 1.5}, TypeError, r"^jaxact.softmax: 'axis' must be an int"),
        ({"name": "prelu", "axis": "x"}, TypeError, r"^jaxact.prelu: 'axis' must be an int, got 'x'.$"),
        # Wrong for every input: an axis named twice, a key that no scalar can be (both taken until the call).
        ({"name": "softmax", "axis": (0, 0)}, ValueError, r"^jaxact.softmax: 'axis' \(0, 0\) names a dimension twice"),
        ({"name": "rrelu", "key": 1}, TypeError, r"^jaxact.rrelu: 'key' must be one PRNG key"),
        ({"name": "softmax", "where": 1.0}, TypeError, r"^jaxact.softmax: 'where' must be a boolean mask"),
        (
            {"name": "softmax", "where": "abc"},
            TypeError,
            r"^jaxact.configure: parameter 'where' of softmax is traced \(not static\): a str is no JAX type",
        ),
    ],
)
def test_bad_configurations_are_refused_at_once(kwargs, exc, match):
    name = kwargs.pop("name")
    with pytest.raises(exc, match=match):
        jaxact.configure(name, **kwargs)


def test_a_static_value_that_fits_some_input_is_taken():
    """Its fit to the input is the call's to check: an axis beyond the probe's rank, a mapped axis name,
    a user's group count the probe's size does not divide (JAX's reshape error is a TypeError too)."""

    def groupsoft(x, groups=2):
        return jax.nn.softmax(x.reshape(*x.shape[:-1], groups, -1), -1).reshape(x.shape)

    def jvp(x, y, t, groups=2):
        return jax.jvp(lambda v: groupsoft(v, groups), (x,), (t,))[1]

    jaxact.register(jvp=jvp, static=("groups",), verify=False)(groupsoft)
    try:
        act = jaxact.configure("groupsoft", groups=4)
        np.testing.assert_array_equal(act(jnp.ones((3, 8))), jnp.full((3, 8), 0.5))
    finally:
        jaxact.unregister("groupsoft")
    x = jnp.ones((1,) * 9 + (3,))
    np.testing.assert_array_equal(jaxact.configure("softmax", axis=9)(x), jaxact.softmax(x, axis=9))
    z = jnp.arange(24.0).reshape(2, 3, 4)  # one dimension twice only in a 2-D input
    np.testing.assert_array_equal(jaxact.configure("softmax", axis=(0, -2))(z), jaxact.softmax(z, axis=(0, -2)))
    assert jaxact.configure("rrelu", key=None) == jaxact.configure("rrelu")
    y = jnp.arange(12.0).reshape(3, 4)
    got = jax.vmap(jaxact.configure("softmax", axis=(0, "i")), axis_name="i")(y)
    np.testing.assert_allclose(got, jax.nn.softmax(y, axis=(0, 1)), rtol=1e-6)


def test_flax_module_attribute():
    nn = pytest.importorskip("flax.linen")

    class Block(nn.Module):
        act: jaxact.Configured = jaxact.configure("gelu", approximate=False)

        @nn.compact
        def __call__(self, x):
            return self.act(nn.Dense(4)(x))

    m = Block()
    x = jnp.ones((2, 3))
    params = m.init(jax.random.key(0), x)
    y = m.apply(params, x)
    h = nn.Dense(4).apply({"params": params["params"]["Dense_0"]}, x)
    np.testing.assert_array_equal(y, jaxact.gelu(h, approximate=False))
    assert hash(m) == hash(Block()) and pickle.loads(pickle.dumps(m.act)) == m.act


def test_docstring_example_runs():
    import doctest

    from jaxact import configured

    result = doctest.testmod(configured)
    assert result.attempted >= 4 and result.failed == 0


def test_a_static_parameter_may_be_a_tuple_as_the_function_takes_it():
    """configure("softmax", axis=(0, 1)) was refused as not a scalar; a list or NumPy ints give the
    same (hashable, equal) configuration, usable as a jit static."""
    c = jaxact.configure("softmax", axis=(0, 1))
    assert c == jaxact.configure("softmax", axis=[0, np.int64(1)]) and hash(c) == hash(
        jaxact.configure("softmax", axis=(0, 1))
    )
    x = jnp.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(jax.jit(lambda v, f: f(v), static_argnums=1)(x, c), jaxact.softmax(x, axis=(0, 1)))
    with pytest.raises(TypeError, match="also a tuple of them"):
        jaxact.configure("softmax", axis=((0,),))


def test_a_parameter_given_at_its_default_equals_it_left_out():
    """configure("elu") and configure("elu", alpha=1.0) are one function: equal, one hash (one jit
    cache entry, one row of a comparison), each printed as it was written."""
    plain, spelt = jaxact.configure("elu"), jaxact.configure("elu", alpha=1.0)
    assert plain == spelt and hash(plain) == hash(spelt) and len({plain, spelt}) == 1
    assert plain == jaxact.configure("elu", alpha=1) == jaxact.configure("elu", alpha=np.float64(1.0))
    assert repr(spelt) == "jaxact.configure('elu', alpha=1.0)" and repr(plain) == "jaxact.configure('elu')"
    assert spelt != jaxact.configure("elu", alpha=0.5)
    assert jaxact.configure("gelu", approximate=True) == jaxact.configure("gelu")
    assert jaxact.configure("gelu", approximate=False) != jaxact.configure("gelu")
    assert pickle.loads(pickle.dumps(spelt)) == plain
    assert jaxact.configure("elu", alpha=1.0, path="autodiff") != plain  # the path is part of it


def test_unpickled_value_derives_its_key_again():
    """The key equality goes by (parameters off their defaults) is not pickled but derived on loading:
    a state without it (pickled before it existed) loaded as the entry at its defaults, and jit reused
    that trace for configure("elu", alpha=0.5)."""
    import pickle

    from jaxact.configured import Configured

    c = jaxact.configure("elu", alpha=0.5)
    assert "_key" not in c.__getstate__()
    old = Configured.__new__(Configured)
    old.__setstate__({"name": "elu", "params": (("alpha", 0.5),), "path": None})
    assert old == c and hash(old) == hash(c) and old != jaxact.configure("elu")
    assert pickle.loads(pickle.dumps(c)) == c


def test_a_replaced_entry_makes_another_value_and_jit_traces_it_anew():
    """Re-running a notebook cell replaces the entry (README): a configure value made after it compared
    equal to one made before, and jit reused the old function's trace for it as a static argument.
    Values of one registration stay one value, pickled too."""
    cell = '''
@jaxact.register(derivative=lambda x: K + 0 * x)
def my_cell_scale(x):
    """K x."""
    return K * x
'''
    ns = {"jaxact": jaxact, "K": 2.0, "__name__": "notebook_cell"}
    step = jax.jit(lambda x, act: act(x), static_argnums=1)
    x = jnp.ones(2)
    try:
        exec(cell, ns)
        old = jaxact.configure("my_cell_scale")
        np.testing.assert_array_equal(step(x, old), [2.0, 2.0])
        ns["K"] = 3.0
        exec(cell, ns)  # the cell re-run with a fix
        new = jaxact.configure("my_cell_scale")
        assert new != old and new == jaxact.configure("my_cell_scale")
        assert hash(new) == hash(jaxact.configure("my_cell_scale")) and pickle.loads(pickle.dumps(new)) == new
        np.testing.assert_array_equal(step(x, new), [3.0, 3.0])
    finally:
        jaxact.unregister("my_cell_scale")
    assert jaxact.configure("elu", alpha=0.5) == jaxact.configure("elu", alpha=0.5)  # built-ins: one registration


def test_a_value_made_before_a_replacement_keeps_computing_its_function_eagerly_as_under_jit():
    """After a re-run cell, an old value called eagerly gave the new function (a lookup by name) while a
    jit keyed by it kept the old trace: one value, two functions."""
    cell = """
@jaxact.register(derivative=lambda x: {k} + 0 * x)
def my_kept_scale(x):
    \"\"\"{k} x.\"\"\"
    return {k} * x
"""
    ns = {"jaxact": jaxact, "__name__": "notebook_cell"}
    step = jax.jit(lambda x, act: act(x), static_argnums=1)
    x = jnp.ones(2)
    try:
        exec(cell.format(k=2.0), ns)
        old = jaxact.configure("my_kept_scale")
        np.testing.assert_array_equal(step(x, old), [2.0, 2.0])
        exec(cell.format(k=3.0), ns)
        np.testing.assert_array_equal(old(x), [2.0, 2.0])  # was [3, 3]
        np.testing.assert_array_equal(step(x, old), [2.0, 2.0])
        np.testing.assert_array_equal(jaxact.configure("my_kept_scale")(x), [3.0, 3.0])
        np.testing.assert_array_equal(pickle.loads(pickle.dumps(old))(x), [3.0, 3.0])  # unpickled: today's entry
        # A copy is the value itself (copy.deepcopy went through pickling: the new function), and the
        # entry is no dataclass field (asdict printed the whole entry).
        np.testing.assert_array_equal(copy.deepcopy(old)(x), [2.0, 2.0])
        np.testing.assert_array_equal(copy.copy(old)(x), [2.0, 2.0])
        # Nor is the registration counter (a number of this session): a config dump turns back into the value.
        assert set(dataclasses.asdict(old)) == {"name", "params", "path"}
        new = jaxact.configure("gelu", approximate=False)
        assert jaxact.Configured(**dataclasses.asdict(new)) == new
    finally:
        jaxact.unregister("my_kept_scale")


def test_a_function_given_for_a_name_is_named_in_the_error():
    """configure(jaxact.elu, alpha=0.5) read "jaxact.get: name must be a str, got _Frame" (an internal
    class); the message now names the function's entry and the name to give."""
    for given in (jaxact.elu, jaxact.autodiff.elu, jaxact.closed_form.elu):
        with pytest.raises(TypeError, match=r"^jaxact.configure: name must be a str, got the function of 'elu': give"):
            jaxact.configure(given, alpha=0.5)
        with pytest.raises(TypeError, match=r"^jaxact.get: name must be a str, got the function of 'elu': give its"):
            jaxact.get(given)
    with pytest.raises(TypeError, match=r"^jaxact.get: name must be a str, got int\.$"):
        jaxact.get(3)
