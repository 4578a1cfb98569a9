"""Signal-propagation figures: computed by integration, checked against mpmath and known values."""

import math

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest

import jaxact

from .cases import entry_params

SIGNAL = [p for p in entry_params() if p.values[0].elementwise or p.values[0].gated]


def test_known_values():
    """He (2015): ReLU's gain √2; SELU (Klambauer 2017) keeps mean 0 and variance 1; tanh′ ≤ 1."""
    r = jaxact.signal("relu")
    assert r.mean == pytest.approx(1 / math.sqrt(2 * math.pi), abs=1e-8)
    assert r.second_moment == pytest.approx(0.5, abs=1e-8) and r.derivative_second_moment == pytest.approx(
        0.5, abs=1e-8
    )
    assert r.gain == pytest.approx(math.sqrt(2), abs=1e-7) and r.lipschitz == 1.0
    s = jaxact.signal("selu")
    assert abs(s.mean) < 1e-6 and s.variance == pytest.approx(1.0, abs=1e-6) and s.gain == pytest.approx(1.0, abs=1e-6)
    assert s.lipschitz == pytest.approx(1.0507009873554805 * 1.6732632423543772, rel=1e-6)
    assert jaxact.signal("identity").gain == pytest.approx(1.0, abs=1e-9)
    assert jaxact.signal("exponential").lipschitz == math.inf
    # A jump has no Lipschitz constant: binary_step read 0 (f′ = 0 wherever it exists), hardshrink 1.
    assert jaxact.signal("binary_step").lipschitz == math.inf and jaxact.signal("hardshrink").lipschitz == math.inf
    assert jaxact.signal("threshold", threshold=1.0, value=2.0).lipschitz == math.inf
    assert jaxact.signal("threshold").lipschitz == 1.0  # value = threshold = 0: relu, no jump
    # Steep but continuous at a kink: a fixed tolerance beside it read these as jumps (a review).
    assert jaxact.signal("leaky_relu", negative_slope=2000.0).lipschitz == pytest.approx(2000.0)
    assert jaxact.signal("elu", alpha=5000.0).lipschitz == pytest.approx(5000.0)
    # A small jump, and one far out, are jumps.
    assert jaxact.signal("hardshrink", lambd=1e-7).lipschitz == math.inf
    assert jaxact.signal("threshold", threshold=1e8, value=5.0).lipschitz == math.inf
    assert jaxact.signal("exponential").second_moment == pytest.approx(math.e**2, rel=1e-7)  # E e^(2z) = e²
    st = jaxact.signal("star_relu")  # the paper's constants make StarReLU zero-mean, unit-variance
    assert abs(st.mean) < 1e-6 and st.variance == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("entry", SIGNAL)
def test_moments_match_mpmath_quadrature_of_the_definition(entry):
    s = entry.signal()
    if not entry.elementwise:  # gated: with independent halves, E (a·g(b))² = E g(b)²
        gate = lambda m, b: entry.mp(m, [m.mpf(1), b])[0]  # noqa: E731
    else:
        gate = lambda m, b: entry.mp(m, b, **entry.params)  # noqa: E731
    phi = lambda t: mpmath.exp(-t * t / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
    cuts = sorted({-12.0, 12.0, *(k for k in entry.kink_points() if abs(k) < 12)})
    with mpmath.workdps(20):  # scoped: other tests in this worker need mpmath's precision as they set it
        mean = mpmath.quad(lambda t: gate(mpmath, t) * phi(t), cuts)
        m2 = mpmath.quad(lambda t: gate(mpmath, t) ** 2 * phi(t), cuts)
    assert s.mean == pytest.approx(float(mean), abs=1e-6)
    assert s.second_moment == pytest.approx(float(m2), rel=1e-6, abs=1e-9)
    assert s.gain == pytest.approx(1 / math.sqrt(float(m2)), rel=1e-5)


@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize("entry", SIGNAL)
def test_lipschitz_bounds_the_derivative_and_is_attained(entry):
    s = entry.signal()
    x = jnp.linspace(-30, 30, 6001, dtype=jnp.float32)
    if entry.elementwise:
        d = jnp.abs(entry.derivative(x))
        if math.isfinite(s.lipschitz):
            assert float(d.max()) <= s.lipschitz * (1 + 1e-5) + 1e-6
            assert float(d.max()) >= 0.99 * s.lipschitz - 1e-6  # attained within [−30, 30]
        elif entry.smooth or not entry.kinks:
            assert float(jnp.abs(entry.derivative(jnp.asarray([-1e4, 1e4], jnp.float32))).max()) > 1e3
        else:  # f′ bounded (or growing far out) or f jumps at a kink: a jump shows beside one
            k = jnp.asarray(entry.kink_points(), jnp.float32)
            jump = jnp.abs(entry.fn(k + 1e-3) - entry.fn(k - 1e-3)).max()
            grows = jnp.abs(entry.derivative(jnp.asarray([-1e4, 1e4], jnp.float32))).max()
            assert float(jump) > 1e-2 or float(grows) > 1e3


def test_initializer_is_he_for_relu_and_lecun_for_selu():
    key = jax.random.key(0)
    np.testing.assert_allclose(
        jaxact.initializer("relu")(key, (64, 64)), jax.nn.initializers.he_normal()(key, (64, 64)), rtol=1e-6
    )
    np.testing.assert_allclose(
        jaxact.initializer("selu")(key, (64, 64)), jax.nn.initializers.lecun_normal()(key, (64, 64)), rtol=1e-5
    )


def test_the_gain_keeps_the_second_moment_through_a_deep_random_net():
    """What the gain promises: E (pre-activation)² stays ≈ 1 through 20 tanh layers of width 512."""
    key = jax.random.key(1)
    h = jax.random.normal(key, (256, 512))
    init = jaxact.initializer("tanh")
    for i in range(20):
        w = init(jax.random.fold_in(key, i), (512, 512))
        h = jaxact.tanh(h) @ w
    assert 0.8 < float(jnp.mean(h * h)) < 1.25
    h = jax.random.normal(key, (256, 512))  # He init under tanh shrinks it instead: the gain matters
    for i in range(20):
        h = jaxact.tanh(h) @ jax.nn.initializers.lecun_normal()(jax.random.fold_in(key, i), (512, 512))
    assert float(jnp.mean(h * h)) < 0.5


def test_axis_mixing_functions_say_why_they_have_no_figures():
    with pytest.raises(ValueError, match="softmax mixes a whole axis"):
        jaxact.signal("softmax")


def test_the_initializer_works_inside_a_trace():
    """A model's init runs under jax.eval_shape / jit (compare's pre-run memory check): the gain is
    computed there from the definition, not from traced values (`compare --init auto` failed so,
    whenever no call outside a trace had filled the cache first)."""
    from jaxact import propagation

    propagation._signal_of.cache_clear()
    shape = jax.eval_shape(lambda k: jaxact.initializer("gelu")(k, (4, 4)), jax.random.key(0))
    assert shape.shape == (4, 4)
    propagation._signal_of.cache_clear()
    w = jax.jit(lambda k: jaxact.initializer("selu")(k, (64, 64)))(jax.random.key(0))
    np.testing.assert_array_equal(w, jaxact.initializer("selu")(jax.random.key(0), (64, 64)))


@pytest.mark.parametrize(
    "name, params",
    [
        ("celu", {"alpha": 0.0}),
        ("squareplus", {"b": -1.0}),
        ("elu", {"alpha": -1.0}),
        ("elu", {"alpha": math.nan}),
        ("elu", {"alpha": "x"}),
        ("rrelu", {"lower": 0.5, "upper": 0.1}),
        ("srelu", {"t_left": 1.0, "t_right": -1.0}),
    ],
)
def test_signal_and_initializer_refuse_parameters_the_function_refuses(name, params):
    """Unchecked, celu's α = 0 gave NaN figures and ±inf weights, elu's α = −1 plausible ones."""
    with pytest.raises((TypeError, ValueError)) as refused:
        jaxact.get(name)(jnp.ones((2, 2)), **params)
    for ask in (jaxact.signal, jaxact.initializer):
        with pytest.raises(refused.type) as e:
            ask(name, **params)
        assert str(e.value) == str(refused.value) and "\n" not in str(e.value)


def test_signal_names_unknown_and_array_parameters_in_one_line():
    with pytest.raises(TypeError, match=r"^jaxact.signal: elu has no parameter 'alph'; its parameters: alpha.$"):
        jaxact.signal("elu", alph=1.0)
    with pytest.raises(TypeError, match=r"^jaxact.initializer: elu has no parameter 'alph'"):
        jaxact.initializer("elu", alph=1.0)
    with pytest.raises(TypeError, match=r"'negative_slope' of prelu is an array of shape \(2,\).*one concrete scalar"):
        jaxact.signal("prelu", negative_slope=np.array([0.1, 0.2]))
    with pytest.raises(TypeError, match="'key' of rrelu is an array"):
        jaxact.signal("rrelu", key=jax.random.key(0))
    with pytest.raises(TypeError, match="'alpha' of elu is a traced value"):
        jax.jit(lambda a: jaxact.signal("elu", alpha=a).gain)(0.5)
    # One number as a 0-d array (NumPy's, JAX's, bfloat16) has its figures.
    for alpha in (np.array(0.5), jnp.array(0.5), jnp.bfloat16(0.5), np.float32(0.5)):
        assert jaxact.signal("elu", alpha=alpha) == jaxact.signal("elu", alpha=0.5)


def test_signal_and_initializer_take_a_configured_value():
    conf = jaxact.configure("elu", alpha=0.5)
    assert jaxact.signal(conf) == jaxact.signal("elu", alpha=0.5) != jaxact.signal("elu")
    assert jaxact.signal(conf, alpha=2.0) == jaxact.signal("elu", alpha=2.0)  # keywords add to or override it
    key = jax.random.key(0)
    np.testing.assert_array_equal(
        jaxact.initializer(conf)(key, (8, 8)), jaxact.initializer("elu", alpha=0.5)(key, (8, 8))
    )


@pytest.mark.parametrize(
    "name, params, sup",
    [("sine", {"omega": w}, abs(w)) for w in (0.5, 1.5, 2.5, 6.5, 7.5, -2.5, 30.0)]  # f′ = ω·cos ωx
    + [("snake", {"alpha": a}, 2.0) for a in (0.05, 0.2, 0.25, 1.15, 5.0)],  # f′ = 1 + sin 2αx
)
def test_lipschitz_of_an_oscillating_derivative_is_its_amplitude(name, params, sup):
    """A point far out that fell near a zero of f′ read as 'still growing': inf at ω = 2.5, α = 0.25."""
    assert jaxact.signal(name, **params).lipschitz == pytest.approx(sup, rel=1e-9)


def test_lipschitz_of_an_oscillating_derivative_that_grows_is_inf():
    @jaxact.register(derivative=lambda x: jnp.sin(x) + x * jnp.cos(x), verify=False, oscillates=(0, 1, 2))
    def x_sin_x(x):
        """x·sin x: f′ oscillates with an amplitude that grows as |x|."""
        return x * jnp.sin(x)

    assert jaxact.signal("x_sin_x").lipschitz == math.inf


def test_the_initializer_refuses_an_activation_with_no_gain():
    """threshold with its step far out is 0 almost surely: E f² = 0 and the gain inf, which
    variance_scaling turned into ±inf weights without a word."""
    s = jaxact.signal("threshold", threshold=100.0)
    assert s.second_moment == 0.0 and s.gain == math.inf
    with pytest.raises(ValueError, match=r"^jaxact.initializer: threshold's second moment .* is 0 at threshold=100.0"):
        jaxact.initializer("threshold", threshold=100.0)


def test_signal_follows_a_replaced_entry_and_an_old_configure_value_keeps_its_own():
    """signal's cache was keyed by name: after a re-run cell replaced an entry (tanh → relu), the
    figures stayed tanh's (second moment 0.635 where relu's is 2), and so did initializer's gain."""
    ns = {"jaxact": jaxact, "jnp": jnp}
    cell = '''
@jaxact.register(derivative=lambda x, a=1.0: {d})
def my_replaced_act(x, a=1.0):
    """f. Range R."""
    return {f}
'''
    try:
        exec(cell.format(d="a * (1 - jnp.tanh(a * x) ** 2)", f="jnp.tanh(a * x)"), ns)
        old = jaxact.configure("my_replaced_act", a=2.0)
        tanh_m2 = jaxact.signal("my_replaced_act", a=2.0).second_moment
        exec(cell.format(d="a * (x > 0).astype(x.dtype)", f="a * jnp.where(x > 0, x, 0.0)"), ns)
        assert abs(jaxact.signal("my_replaced_act", a=2.0).second_moment - 2.0) < 1e-9
        assert jaxact.signal(old).second_moment == tanh_m2 < 1.0
    finally:
        jaxact.unregister("my_replaced_act")


def test_signal_takes_an_axis_beyond_four_dimensions():
    """The parameter check traced the function on a 4-D input: glu's axis=5 (of a 6-D input) was
    refused as out of range, though the figures do not depend on it."""
    assert jaxact.signal("glu", axis=5).gain == jaxact.signal("glu").gain
