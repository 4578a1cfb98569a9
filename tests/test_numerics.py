"""Edge sweep: every activation × dtype × both gradient paths on ±0, tiny, subnormal, ±1, ±20,
±1e4, ±max, ±inf, NaN and random draws; fully masked softmax rows; the accuracy report."""

import functools
import math

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest

import jaxact
from jaxact import verify
from jaxact.tools import numerics

from .cases import SEED, entry_params, full_matrix, sampled_entries

DTYPES = [pytest.param(d, id=jnp.dtype(d).name) for d in verify.FLOAT_DTYPES]
PATHS = [pytest.param(False, id="autodiff"), pytest.param(True, id="closed")]
ELEMENTWISE = [p for p in entry_params() if p.values[0].elementwise]
VECTOR = [p for p in entry_params() if not p.values[0].elementwise]


def _limit(v: float) -> float:
    """The float64 value far out (±1e300) read as the limit at ±inf."""
    if abs(v) > 1e200:
        return math.copysign(math.inf, v)
    return 0.0 if abs(v) < 1e-200 else v


@pytest.mark.sampled
@pytest.mark.parametrize("entry", ELEMENTWISE)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("closed", PATHS)
def test_edge_sweep_elementwise(entry, dtype, closed):
    f = entry.closed_form if closed else entry.autodiff
    x64 = numerics.sweep_inputs(dtype, seed=SEED)  # the edges include ±inf
    x = jnp.asarray(x64, dtype)
    y = f(x)
    g = jax.vmap(jax.grad(f))(x)
    assert y.dtype == dtype and g.dtype == dtype
    y64, g64 = np.asarray(y.astype(jnp.float64)), np.asarray(g.astype(jnp.float64))
    # One float64 reference call for the finite inputs and for the limits at ±inf, read at ±1e300
    # (one compilation each: the sweep's shape is the same in every dtype).
    at_inf = np.isinf(x64)
    far = np.where(at_inf, np.sign(x64) * 1e300, x64)
    ref = numerics.reference_value(entry, {}, far)
    dref = numerics.reference_derivative(entry, {}, far)
    finite_in = np.isfinite(x64)
    ctx = f"{entry.name} seed={SEED} x={x64}"

    # Finite input never gives NaN (value or gradient), in any dtype.
    assert not np.any(np.isnan(y64[finite_in])), f"NaN value: {ctx} y={y64}"
    assert not np.any(np.isnan(g64[finite_in])), f"NaN gradient: {ctx} g={g64}"
    # Finite wherever the float64 reference is finite and representable in dtype.
    if dtype != jnp.float64:
        ok = finite_in & numerics.representable(ref, dtype)
        assert np.all(np.isfinite(y64[ok])), f"overflow: {ctx} y={y64}"
        okd = finite_in & numerics.representable(dref, dtype)
        assert np.all(np.isfinite(g64[okd])), f"gradient overflow: {ctx} g={g64}"
    else:
        lo, hi = entry.output_range()
        if math.isfinite(lo) and math.isfinite(hi):
            assert np.all(np.isfinite(y64[finite_in]))
    # NaN in, NaN out.
    assert np.all(np.isnan(y64[np.isnan(x64)])), ctx
    # Limits at ±inf: value and derivative equal their float64 values far out, to a few ulp (a
    # limit made of parameters, pade's a5/|b4|, rounds them to dtype first).
    # An order that oscillates there has no limit (sin(±inf) is NaN).
    if 0 not in entry.oscillates:
        lim = [_limit(v) for v in ref[at_inf]]
        np.testing.assert_allclose(y64[at_inf], lim, rtol=4 * verify.eps(dtype), err_msg=ctx)
    if 1 not in entry.oscillates:
        dlim = [_limit(v) for v in dref[at_inf]]
        np.testing.assert_allclose(g64[at_inf], dlim, rtol=4 * verify.eps(dtype), err_msg=ctx)


@pytest.mark.sampled
@pytest.mark.parametrize("entry", VECTOR)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("closed", PATHS)
def test_edge_sweep_vector(entry, dtype, closed):
    f = entry.closed_form if closed else entry.autodiff
    edges = numerics.edge_values(dtype)
    # A gated function's value half meets the gate g(−1) here, or g(1.5) where g(−1) = 0 (reglu): inf·0 is NaN.
    gate = 1.5 if entry.gated else -1.0
    rows = np.stack([np.array([v, 0.5, gate, 2.0]) for v in edges])
    x = jnp.asarray(rows, dtype)
    y = np.asarray(f(x).astype(jnp.float64))
    w = jnp.asarray(np.random.default_rng(SEED).normal(size=f(x).shape), dtype)
    g = np.asarray(jax.grad(lambda v: jnp.sum((w * f(v)).astype(jnp.float32)))(x).astype(jnp.float64))
    assert f(x).dtype == dtype
    # masked_by (−inf for softmax) masks an entry out; the other infinity is inf/inf.
    plain = np.isfinite(edges) | (edges == entry.masked_by)
    if entry.gated:  # a ±inf value half times a finite gate is ±inf, not NaN
        plain = plain | np.isinf(edges)
    assert not np.any(np.isnan(y[plain])), (entry.name, y)
    assert not np.any(np.isnan(g[np.isfinite(edges)])), (entry.name, g)
    assert np.all(np.isnan(y[np.isnan(edges)][:, 0]))  # NaN in, NaN out


@pytest.mark.sampled
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("closed", PATHS)
def test_fully_masked_rows_are_documented_and_nan_free(name, dtype, closed):
    e = jaxact.get(name)
    f = e.closed_form if closed else e.autodiff
    x = jnp.asarray(np.random.default_rng(SEED).normal(size=(3, 5)), dtype)
    mask = jnp.array([[True] * 5, [False] * 5, [True, False, True, False, False]])
    empty = 0.0 if name != "log_softmax" else -math.inf
    y = f(x, where=mask)
    np.testing.assert_array_equal(np.asarray(y[1].astype(jnp.float64)), empty)
    assert not bool(jnp.any(jnp.isnan(y)))
    g = jax.grad(lambda v: jnp.sum(jnp.where(mask, f(v, where=mask), 0).astype(jnp.float32)))(x)
    assert not bool(jnp.any(jnp.isnan(g)))
    np.testing.assert_array_equal(np.asarray(g[1].astype(jnp.float64)), 0.0)
    # A row that is all -inf (softmin: all +inf) is "fully masked" without a mask.
    sign = -1 if name != "softmin" else 1
    xi = x.at[1].set(sign * jnp.inf)
    yi = f(xi)
    np.testing.assert_array_equal(np.asarray(yi[1].astype(jnp.float64)), empty)
    gi = jax.grad(lambda v: jnp.sum(jnp.where(jnp.isfinite(f(v)), f(v), 0).astype(jnp.float32)))(xi)
    assert not bool(jnp.any(jnp.isnan(gi)))
    # Second order too: the gradient of a JVP (float16 log_softmax's was NaN on the empty row, where
    # the derivative of 1/(Σ s + c) reached its float16 input as inf).
    ti = jnp.ones_like(xi)
    g2 = jax.grad(lambda v: jnp.sum(jax.jvp(f, (v,), (ti,))[1].astype(jnp.float32)))(xi)
    assert not bool(jnp.any(jnp.isnan(g2))), g2


@pytest.mark.sampled
@pytest.mark.parametrize("name", ["sparsemax", "entmax15"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("closed", PATHS)
def test_sparse_maps_rows_without_a_finite_maximum_are_softmaxs(name, dtype, closed):
    """A row of all −inf (a fully masked attention row) is all 0 with zero derivatives, also where a
    loss masks it out (it was NaN, its gradient too); a row with +inf or NaN is all NaN (it was NaN
    at the +inf and 1/(n − 1) beside it)."""
    e = jaxact.get(name)
    f = e.closed_form if closed else e.autodiff
    x = jnp.asarray(np.random.default_rng(SEED).normal(size=(5, 4)), dtype)
    x = x.at[1].set(-jnp.inf).at[2, 1].set(jnp.inf).at[3, 2].set(jnp.nan).at[4, ::2].set(-jnp.inf)
    y = np.asarray(f(x).astype(jnp.float64))
    np.testing.assert_array_equal(y[1], 0.0)
    assert np.all(np.isnan(y[2:4])), y
    np.testing.assert_array_equal(y[4, ::2], 0.0)
    np.testing.assert_allclose(y[[0, 4]].sum(-1), 1.0, rtol=4 * verify.eps(dtype))
    keep = jnp.array([True, True, False, False, True])[:, None]
    w = jnp.asarray(np.random.default_rng(SEED + 1).normal(size=x.shape), dtype)
    g = jax.grad(lambda v: jnp.sum(jnp.where(keep, w * f(v), 0).astype(jnp.float32)))(x)
    g = np.asarray(g.astype(jnp.float64))
    assert np.all(np.isfinite(g[[0, 1, 4]])), g
    np.testing.assert_array_equal(g[1], 0.0)
    t = jnp.asarray(np.random.default_rng(SEED + 2).normal(size=x.shape), dtype)
    dy = np.asarray(jax.jvp(f, (x,), (t,))[1].astype(jnp.float64))
    np.testing.assert_array_equal(dy[1], 0.0)
    assert np.all(np.isfinite(dy[[0, 1, 4]]))
    if closed:  # the default path's NaN outputs keep NaN tangents (autodiff's select gives them 0)
        assert np.all(np.isnan(dy[2:4])), dy
    h = jax.hessian(lambda v: jnp.sum(w[1] * f(v)).astype(jnp.float32))(x[1])
    np.testing.assert_array_equal(np.asarray(h.astype(jnp.float64)), 0.0)


@pytest.mark.parametrize(
    "dtype", [jnp.float8_e4m3fn, jnp.float8_e5m2, jnp.float4_e2m1fn], ids=lambda d: jnp.dtype(d).name
)
def test_narrow_floats_are_computed_in_float32_and_rounded_once(dtype):
    """float8/float4 inputs (storage formats that jax.nn takes): each entry's value is its float32
    value of the same inputs rounded once, in the input's dtype, on both paths, and its gradient is
    finite. mish was all NaN in float8_e4m3fn (a 1e4 clamp is NaN there), gelu partly, softmax and
    log_softmax raised KeyError in every one of them."""
    x32 = jnp.asarray(np.random.default_rng(SEED).normal(scale=2, size=(3, 4)), jnp.float32)
    x = x32.astype(dtype)
    x32 = x.astype(jnp.float32)
    # Every entry's default path; both paths and the gradient of a ninth of them in one dtype (all
    # with JAXACT_FULL_TESTS=1): the cast is one place (registry._jitted), each call a compile.
    drawn = sampled_entries() if full_matrix() else sampled_entries()[::3]
    full = {e.name for e in drawn} if dtype == jnp.float8_e4m3fn else set()
    for e in jaxact.entries():
        kw = {"key": jax.random.key(SEED)} if e.keyed else {}
        want = np.asarray(e.fn(x32, **kw).astype(dtype).astype(jnp.float32))
        for f in (e.fn, e.autodiff, e.closed_form) if e.name in full else (e.fn,):
            y = f(x, **kw)
            assert y.dtype == dtype, (e.name, y.dtype)
            np.testing.assert_array_equal(np.asarray(y.astype(jnp.float32)), want, err_msg=e.name)
        if e.name in full:
            g = jax.grad(lambda v, e=e, kw=kw: jnp.sum(e.fn(v, **kw).astype(jnp.float32)))(x)
            assert g.dtype == dtype and bool(jnp.all(jnp.isfinite(g.astype(jnp.float32)))), (e.name, g)
            t = jnp.ones_like(x)
            dy = e.jvp(x, t, **kw)  # the tangent too is computed in float32
            want_dy = e.jvp(x32, t.astype(jnp.float32), **kw).astype(dtype)
            assert dy.dtype == dtype, (e.name, dy.dtype)
            np.testing.assert_array_equal(
                np.asarray(dy.astype(jnp.float32)), np.asarray(want_dy.astype(jnp.float32)), err_msg=e.name
            )


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("closed", PATHS)
def test_empty_rows_of_one_element_are_nan_free(name, closed):
    """A row of one element (and axis=(): every element its own row) is not reduced at all by XLA:
    a guard kept only as the reduction's start value would be dropped there."""
    e = jaxact.get(name)
    f = e.closed_form if closed else e.autodiff
    sign = -1 if name != "softmin" else 1
    x = jnp.array([[sign * jnp.inf], [1.5]], jnp.float32)
    empty = 0.0 if name != "log_softmax" else -math.inf
    full = 1.0 if name != "log_softmax" else 0.0
    for y in (f(x), f(x, axis=()), f(x, where=jnp.array([[False], [True]]))):
        np.testing.assert_array_equal(np.asarray(y).ravel(), [empty, full])
    g = jax.grad(lambda v: jnp.sum(jnp.where(jnp.isfinite(f(v)), f(v), 0)))(x)
    np.testing.assert_array_equal(np.asarray(g).ravel(), [0.0, 0.0])


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_zero_length_axis_differentiates_as_jax_nn(name, dtype):
    """A row of no elements: shape-preserving values and gradients on every path (float64's JVP
    looks for the row's maximum, which an empty row does not have)."""
    e = jaxact.get(name)
    x = jnp.zeros((3, 0), dtype)
    for f in (e.fn, e.autodiff, e.closed_form):
        assert f(x).shape == (3, 0)
        g = jax.grad(lambda v, f=f: jnp.sum(f(v)).astype(jnp.float32))(x)
        assert g.shape == (3, 0) and g.dtype == x.dtype


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_masked_rows_match_jax_nn_where_jax_nn_is_defined(name):
    x = jnp.asarray(np.random.default_rng(SEED).normal(size=(2, 5)), jnp.float32)
    mask = jnp.array([[True, False, True, True, False], [True] * 5])
    np.testing.assert_allclose(getattr(jaxact, name)(x, where=mask), getattr(jax.nn, name)(x, where=mask), rtol=1e-6)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64], ids=["float32", "float64"])
def test_masked_entries_are_constants_on_every_path(name, dtype):
    """A masked entry is a constant (0, or −inf for log_softmax): its row of the Jacobian is 0, and a
    cotangent there reaches no other entry. The tests above mask the cotangent too and did not see
    log_softmax's masked entries carry the row's −d log Σ (its default path, float32)."""
    x = jnp.asarray(np.random.default_rng(SEED).normal(size=(2, 5)), dtype)
    mask = jnp.array([[True, False, True, True, False], [True] * 5])
    e = jaxact.get(name)
    ref = getattr(jax.nn, name, None)
    for path, fn in (("fn", e.fn), ("autodiff", e.autodiff), ("closed_form", e.closed_form)):
        f = functools.partial(fn, where=mask)
        jf, jr = jax.jacfwd(f)(x), jax.jacrev(f)(x)
        np.testing.assert_array_equal(np.asarray(jf)[~np.asarray(mask)], 0.0, err_msg=path)
        np.testing.assert_allclose(np.asarray(jf), np.asarray(jr), rtol=1e-5, atol=1e-6, err_msg=path)
        g = jax.grad(lambda v, f=f: jnp.sum(jnp.where(mask, f(v), 7.0)))(x)  # a cotangent of 1 at masked entries
        if ref is not None:
            want = jax.grad(lambda v: jnp.sum(jnp.where(mask, ref(v, where=mask), 7.0)))(x)
            np.testing.assert_allclose(np.asarray(g), np.asarray(want), rtol=1e-5, atol=1e-6, err_msg=path)
            jn = jax.jacfwd(lambda v: ref(v, where=mask))(x)
            np.testing.assert_allclose(np.asarray(jf), np.asarray(jn), rtol=1e-5, atol=1e-6, err_msg=path)


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16], ids=["bfloat16", "float16"])
def test_softmax_low_precision_sums_to_one(dtype):
    x = jnp.asarray(np.random.default_rng(SEED).normal(scale=4, size=(8, 1024)), dtype)
    s = jnp.sum(jaxact.softmax(x).astype(jnp.float32), axis=-1)
    np.testing.assert_allclose(s, 1.0, rtol=8 * verify.eps(dtype))


def test_known_ecosystem_failures_are_fixed():
    """The classic NaN/overflow bugs, each in float16 (and both paths)."""
    h = jnp.float16
    for f in (jaxact.gelu, jaxact.closed_form.gelu):  # x**3 overflows float16 at |x| > 40
        assert jnp.isfinite(jax.grad(lambda v, f=f: f(v))(h(100.0)))
        assert jax.grad(lambda v, f=f: f(v))(h(100.0)) == 1
    for f in (jaxact.elu, jaxact.celu, jaxact.selu, jaxact.softplus, jaxact.mish):  # where + overflowing branch
        for v in (100.0, 1e4, -1e4):
            assert jnp.isfinite(jax.grad(f)(h(v))), (f, v)
    assert jaxact.sigmoid(h(-1e4)) == 0 and jaxact.sigmoid(h(1e4)) == 1
    assert jaxact.softplus(jnp.float32(1e4)) == 1e4
    assert jaxact.soft_sign(jnp.float32(jnp.inf)) == 1  # jax.nn: NaN
    assert jaxact.squareplus(h(-300.0)) > 0  # jax.nn float16: x² overflows → inf − inf


def _accuracy(entry, dtype):
    return (numerics.accuracy_row if entry.elementwise else numerics.vector_accuracy_row)(entry, dtype, quick=True)


@pytest.mark.sampled
@pytest.mark.parametrize("entry", [p for p in entry_params() if p.values[0].jax_nn])
@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float32], ids=["bfloat16", "float32"])
def test_accuracy_against_mpmath_no_worse_than_jax_nn(entry, dtype):
    """Against the arbitrary-precision reference: no NaN/inf where the truth is defined, and
    values and default-path derivatives within 1.25x (+ a few ulp) of jax.nn's error."""
    _assert_no_worse_than_twin(_accuracy(entry, dtype))


def _assert_no_worse_than_twin(row):
    # An axis-mixing entry's JVP (t − Σ s·t) cancels: two roundings of the same formula, fused
    # differently, differ by more than a quarter (bfloat16 log_softmax on an H200: jaxact's 165 ulp,
    # jax.nn's 128). A wrong formula is thousands of ulp off either way.
    jvp_ratio = 1.25 if jaxact.registry.get(row.name).elementwise else 1.5
    for cells, ours, ratio, slack in ((row.value, "jaxact", 1.25, 2), (row.d1, "default", jvp_ratio, 4)):
        c, nn = cells[ours], cells["jax.nn"]
        assert c.nonfinite == 0, row
        assert c.ulp <= ratio * nn.ulp + slack, row


@pytest.mark.parametrize("entry", [p for p in ELEMENTWISE if not p.values[0].jax_nn])
@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float32], ids=["bfloat16", "float32"])
def test_accuracy_of_functions_without_jax_nn_twin(entry, dtype):
    """No NaN/inf; within 8x the dtype's target where the target applies (a wrong formula is
    thousands of ulp off; the committed table has the exact figures and reasons)."""
    row = _accuracy(entry, dtype)
    value_bound = derivative_bound = 8 * numerics.TARGET_ULPS[row.dtype]
    if row.dtype == "float32":
        value_bound, derivative_bound = entry.f32_ulps
    for c, bound in (
        (row.value["jaxact"], value_bound),
        (row.d1["default"], derivative_bound),
        (row.d1["autodiff"], derivative_bound),
        (row.d1["closed_form"], derivative_bound),
    ):
        assert c.nonfinite == 0, row
        assert c.ulp <= bound, row


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float32], ids=["bfloat16", "float32"])
def test_softmin_accuracy_no_worse_than_jax_nn_softmax(dtype):
    """softmin(x) = softmax(−x): jax.nn.softmax of the negated rows is its twin."""
    row = numerics.vector_accuracy_row(jaxact.get("softmin"), dtype, quick=True, twin=lambda v: jax.nn.softmax(-v))
    _assert_no_worse_than_twin(row)


def test_accuracy_reference_is_independent_and_sharp():
    """The mpmath reference against known values: σ′(0) = 1/4 exactly, σ″(x) ≈ −x/8 at tiny x (a
    step relative to x, or a precision too low, gives 0 there), f′ beside a kink, and limits."""
    ref = numerics._Reference(jaxact.get("sigmoid"), {})
    assert ref(np.array([0.0]), 1)[0] == 0.25
    np.testing.assert_allclose(ref(np.array([1e-30]), 2), [-1e-30 / 8], rtol=1e-12)
    np.testing.assert_allclose(ref(np.array([40.0]), 1), [math.exp(-40) / (1 + math.exp(-40)) ** 2], rtol=1e-14)
    relu = numerics._Reference(jaxact.get("relu"), {})
    np.testing.assert_array_equal(relu(np.array([1e-300, -1e-300, math.inf, -math.inf]), 1), [1, 0, 1, 0])
    np.testing.assert_array_equal(relu(np.array([math.inf]), 0), [math.inf])
    shrink = numerics._Reference(jaxact.get("tanhshrink"), {})  # f′ = tanh², 0 at 0, ≈ x² beside it
    np.testing.assert_allclose(shrink(np.array([0.0, 1e-20]), 1), [0.0, 1e-40], rtol=1e-12, atol=1e-300)


def test_jvp_reference_exact_at_a_once_differentiable_edge():
    """entmax15's output at the edge of its support is (z − τ)₊², once differentiable: its JVP there
    is 0. A plain central difference reads O(step) (1.7e−33 here, 144 ulp of a bfloat16 of that size,
    reported as jaxact's error); the combined difference leaves O(step²), ~1e−60 of |t|. A smooth row
    keeps its JVP."""
    row = np.array([[12.3125, -11.0625, 10.3125, 1.765625]])  # z = x/2: 6.15625 − 5.15625 = 1, the edge
    t = np.array([[-3.0, 1.0, 5.0, -1.3]])
    _, jvp = numerics._vector_reference(jaxact.get("entmax15"), row, t)
    # The one entry left holds all the mass: every component's JVP is 0.
    np.testing.assert_allclose(jvp[0], 0.0, atol=1e-50 * np.abs(t).max())
    y = np.exp(row[0] - row[0].max()) / np.exp(row[0] - row[0].max()).sum()
    _, soft = numerics._vector_reference(jaxact.get("softmax"), row, t)
    np.testing.assert_allclose(soft[0], y * (t[0] - (y * t[0]).sum()), rtol=1e-12, atol=1e-300)


def test_ulp_error_unit():
    one = np.array([1.0])
    assert numerics.ulp_error(one + 2.0**-23, one, jnp.float32)[0] == 1.0
    assert numerics.ulp_error(np.array([0.0]), np.array([1e-40]), jnp.float32)[0] < 0.01  # flush-to-zero
    assert numerics.ulp_error(np.array([np.nan]), one, jnp.float32)[0] == np.inf
    assert numerics.ulp_error(np.array([np.inf]), np.array([np.inf]), jnp.float32)[0] == 0
    assert numerics.ulp_error(np.array([np.inf]), np.array([1e39]), jnp.float32)[0] == 0  # overflow expected


def _upcast(e):
    """The registry's rule: elementwise entries and smooth gated ones on the closed path are computed
    in float32 for a half-precision input."""
    if e.elementwise:
        return e.default_path == "closed_form"
    return e.gated and e.smooth and e.default_path == "closed_form"


HALF_IN_FLOAT32 = [p for p in entry_params() if _upcast(p.values[0])]


@pytest.mark.sampled
@pytest.mark.parametrize("entry", HALF_IN_FLOAT32)
@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16], ids=["bfloat16", "float16"])
def test_half_precision_is_float32_rounded_once(entry, dtype):
    """Smooth or closed-form functions of a half-precision x, the smooth gated ones (bilinear, geglu,
    swiglu) included, are float32 maths rounded once: values and f′ (elementwise) or the JVP's two
    factors g(b) and a·g′(b) (gated) equal the float32 results cast to the dtype (rounded after
    every op, swiglu's float16 value was 24 ulp off)."""
    rng = np.random.default_rng(SEED)
    shape = (4, 16) if entry.gated else (64,)
    x = jnp.asarray(rng.normal(scale=3.0, size=shape), dtype)
    x32 = x.astype(jnp.float32)
    pairs = [(entry.fn(x), entry.fn(x32))]
    if entry.gated:
        for half in (0, 1):  # a tangent on one half only: the JVP is that half's factor, exactly
            t = jnp.zeros(shape, dtype).at[:, half * 8 : half * 8 + 8].set(1)
            pairs.append((jax.jvp(entry.fn, (x,), (t,))[1], jax.jvp(entry.fn, (x32,), (t.astype(jnp.float32),))[1]))
    else:
        pairs.append(tuple(jax.vmap(jax.grad(entry.fn))(v) for v in (x, x32)))
    for got, want in pairs:
        assert got.dtype == dtype, entry.name
        np.testing.assert_array_equal(
            np.asarray(got, np.float32), np.asarray(want.astype(dtype), np.float32), entry.name
        )


@pytest.mark.parametrize("entry", HALF_IN_FLOAT32)
def test_half_precision_saves_residuals_in_its_dtype(entry):
    """Computing in float32 must not make the backward pass keep float32 arrays (twice the bytes)."""
    from jax._src.ad_checkpoint import saved_residuals  # as JAX's own tests read them

    x = jnp.ones((4, 16) if entry.gated else (64,), jnp.bfloat16)
    saved = saved_residuals(lambda v: entry.fn(v), x)
    assert all(aval.dtype != jnp.float32 for aval, _ in saved if aval.size > 1), (entry.name, saved)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_isru_derivative_for_a_tiny_alpha_where_x_squared_overflows(dtype):
    """(1 + αx²)^(−3/2) with α = 1e−30 at x = 1e20 is 1e−15: x² overflows float32, αx·x does not
    (a clip of x for the square froze f′ at 1.3e−12)."""
    x = jnp.asarray([1e20, -1e20], dtype)
    for f in (jaxact.isru, jaxact.isrlu):
        d = jax.vmap(jax.grad(lambda v, f=f: f(v, alpha=1e-30)))(x)
        t = (1 + 1e-30 * 1e40) ** -1.5  # ≈ 1e−15
        want = np.array([t if f is jaxact.isru else 1.0, t])  # isrlu: 1e20 is on its linear side
        np.testing.assert_allclose(np.asarray(d, np.float64), want, rtol=8 * float(jnp.finfo(dtype).eps))


@pytest.mark.parametrize("name", ["silu", "swish", "acon_c"])
def test_swish_derivative_meets_the_float32_target_near_its_zero(name):
    """f′ = s(s + (e·s)(1 + x)) in float32: 1 + x is exact where f′ crosses 0 (x ≈ −1.2785), so f′ holds
    4 ulp wherever it is above eps × its scale; σ + x·σ(1 − σ) (autodiff, jax.nn) is 74 ulp there."""
    row = numerics.accuracy_row(jaxact.get(name), jnp.float32, quick=True)
    assert row.d1["default"].nonfinite == 0, row
    assert row.d1["default"].ulp <= numerics.TARGET_ULPS["float32"], row
    # The left tail down to where βx is clipped (−87), and the limits beyond it.
    x = jnp.asarray([-40.0, -86.0, -1e4, -jnp.inf, 1e4, jnp.inf], jnp.float32)
    d = np.asarray(jaxact.get(name).derivative(x), np.float64)
    xs = np.asarray(x[:2], np.float64)
    np.testing.assert_allclose(d[:2], np.exp(xs) * (1 + xs) / (1 + np.exp(xs)) ** 2, rtol=4e-7)
    np.testing.assert_array_equal(d[2:], [0, 0, 1, 1])


@pytest.mark.parametrize("beta", [1.0, 1.7])
def test_swish_second_derivative_in_the_left_tail(beta):
    """f″ = βσ′(βx)(2 + βx(1 − 2σ(βx))) through the float32 closed form: autodiff of 1/(1 + e) takes
    (1 + e)², which overflows for βx < −44, and of e·s cancels where e·s rounds to 1 (f″ was twice
    the truth at x = −50)."""
    x = np.array([-80.0, -50.0, -30.0, -10.0, 3.0, 30.0]) / beta
    x = np.asarray(jnp.asarray(x, jnp.float32), np.float64)
    h = jax.vmap(jax.grad(jax.grad(lambda v: jaxact.closed_form.swish(v, beta))))
    got = np.asarray(h(jnp.asarray(x, jnp.float32)), np.float64)
    bx = beta * x
    e = np.exp(-np.abs(bx))  # σ′ = e/(1 + e)² and 1 − 2σ = −tanh(βx/2): no cancellation in float64
    want = beta * e / (1 + e) ** 2 * (2 - bx * np.tanh(bx / 2))
    np.testing.assert_allclose(got, want, rtol=2e-5)


# float64 is `slow` (12–16 s a case, eager): the axis-name plumbing is one code path for every dtype
# and function (one of the three per run; all with JAXACT_FULL_TESTS=1).
@pytest.mark.sampled(entries=True)
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize(
    "dtype", [jnp.float32, pytest.param(jnp.float64, marks=pytest.mark.slow)], ids=["float32", "float64"]
)
def test_a_mapped_axis_name_is_an_axis(name, dtype):
    """axis='i' inside vmap(axis_name='i') (alone, or beside a positional axis) normalises across the
    mapped elements: values, JVPs and gradients equal the unmapped call's along the same dimensions,
    every path, a 0-d element included."""
    rng = np.random.default_rng(SEED)
    x = jnp.asarray(rng.normal(size=(4, 3, 5)), dtype)
    t = jnp.asarray(rng.normal(size=x.shape), dtype)
    e = jaxact.get(name)
    # The default dispatches to one of the two paths (by dtype and JAX's flag): its value and gradient
    # once, each path fully (every case compiles; the default's full run repeated one path's).
    fn = e.fn
    mapped = jax.vmap(functools.partial(fn, axis=("i", 1)), axis_name="i")
    np.testing.assert_allclose(mapped(x), fn(x, axis=(0, 2)), rtol=1e-5)
    g = jax.grad(lambda v: jnp.sum(mapped(v) * t))(x)
    np.testing.assert_allclose(g, jax.grad(lambda v: jnp.sum(fn(v, axis=(0, 2)) * t))(x), rtol=1e-4, atol=1e-6)
    for fn in (e.autodiff, e.closed_form):
        for axis, plain in (("i", 0), (("i", 1), (0, 2))):
            mapped = jax.vmap(functools.partial(fn, axis=axis), axis_name="i")
            np.testing.assert_allclose(mapped(x), fn(x, axis=plain), rtol=1e-5)
            got = jax.jvp(mapped, (x,), (t,))[1]
            np.testing.assert_allclose(
                got, jax.jvp(functools.partial(fn, axis=plain), (x,), (t,))[1], rtol=1e-4, atol=1e-6
            )
            g = jax.grad(lambda v, m=mapped: jnp.sum(m(v) * t))(x)
            want = jax.grad(lambda v, a=plain, f=fn: jnp.sum(f(v, axis=a) * t))(x)
            np.testing.assert_allclose(g, want, rtol=1e-4, atol=1e-6)
        row = x[:, 0, 0]
        np.testing.assert_allclose(jax.vmap(functools.partial(fn, axis="i"), axis_name="i")(row), fn(row), rtol=1e-5)
        # A jit between grad and the vmap (JAX then traces a custom_jvp's rule outside the axis names),
        # a name longer than one letter, and a Hessian (the maximum must not be differentiated).
        m = jax.vmap(functools.partial(fn, axis="ij"), axis_name="ij")
        want = jax.grad(lambda v, f=fn: jnp.sum(f(v, axis=0) * t))(x)
        for g in (
            jax.grad(lambda v, m=m: jnp.sum(jax.jit(m)(v) * t)),
            jax.jit(jax.grad(lambda v, m=m: jnp.sum(jax.jit(m)(v) * t))),
        ):
            np.testing.assert_allclose(g(x), want, rtol=1e-4, atol=1e-6)
        h = jax.hessian(lambda v, m=m: jnp.sum(m(v)[:, 0, 0] * t[:, 0, 0]))(x[:, :2, :2])
        hw = jax.hessian(lambda v, f=fn: jnp.sum(f(v, axis=0)[:, 0, 0] * t[:, 0, 0]))(x[:, :2, :2])
        np.testing.assert_allclose(h, hw, rtol=1e-4, atol=1e-6)
    with pytest.raises(TypeError, match="mapped axis name"):
        e.fn(x, axis=1.5)
    with pytest.raises(ValueError, match="axis 'k' is not the name of a mapped axis"):
        jax.vmap(functools.partial(e.fn, axis=("k", 0)), axis_name="i")(x)


@pytest.mark.parametrize("name", ["silu", "swish"])
def test_float32_silu_derivative_keeps_its_normal_tail(name):
    """f′ ≈ x·eˣ is a normal float32 number down to x ≈ −87.3365 (jax.nn's is accurate there): a clip
    at −87 flushed it to 0 over (−87.336, −87)."""
    xs = np.array([-80.0, -87.0, -87.2, -87.3, -87.335], np.float32)
    g = jax.vmap(jax.grad(getattr(jaxact, name)))(jnp.asarray(xs))
    with mpmath.workdps(40):
        want = [float(mpmath.diff(lambda v: v / (1 + mpmath.exp(-v)), mpmath.mpf(float(x)))) for x in xs]
    np.testing.assert_allclose(np.asarray(g, np.float64), want, rtol=8 * verify.eps(jnp.float32))


def test_positional_then_mapped_reductions_start_once():
    """normalizers._along splits a reduction over positional and mapped axes in two (shard_map takes no
    single one): a sum's start value (softmax's empty-row guard) and a maximum's enter once, as in one
    reduction, not once per mapped element."""
    from jaxact.normalizers import _along

    x = jnp.zeros((8, 3))
    total = jax.vmap(lambda v: _along(jnp.sum, v, (0, "i"), initial=1.0), axis_name="i")(x)
    np.testing.assert_array_equal(total, jnp.ones((8, 1)))
    top = jax.vmap(lambda v: _along(jnp.max, v, (0, "i"), initial=-2.0), axis_name="i")(x[:, :0])
    np.testing.assert_array_equal(top, jnp.full((8, 1), -2.0))
