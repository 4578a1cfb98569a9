"""The derivative check: autodiff against the closed-form derivative (``jaxact check``).

:func:`check` verifies one activation — a registered name, a ``"module:function"`` path, a
registered function or an entry — and returns a :class:`Report` that says where the two
disagree. :func:`jaxact.register` runs it on a user's activation before accepting it.

The inputs, parameter sets and tolerances are generated from the registry here and shared with
the test suite, so that both exercise the same cases: fresh random draws plus points at and
around every declared kink; the check adds fixed points in the tails (:data:`TAIL_POINTS`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxact import _validate
from jaxact.registry import Activation, UnknownActivationError, entries, entry_of, get, registered

FLOAT_DTYPES = (jnp.bfloat16, jnp.float16, jnp.float32, jnp.float64)

# Autodiff and the closed form round differently (e.g. autodiff of tanh goes
# through 1 − tanh², the closed form through sech²), so they agree to a few
# dozen ulp of the O(1) derivative scale, not bit for bit.
GRAD_ULPS = 32


def eps(dtype: Any) -> float:
    return float(jnp.finfo(dtype).eps)


def grad_tolerance(dtype: Any, ulps: float = GRAD_ULPS) -> float:
    return ulps * eps(dtype)


def param_sets(entry: Activation) -> list[dict[str, Any]]:
    """The default parameters, then each registered example set."""
    return [dict(entry.params)] + [{**entry.params, **ex} for ex in entry.examples]


def keyed_sets(entry: Activation, seed: int = 0) -> list[dict[str, Any]]:
    """For a keyed entry, its defaults with a key (a random draw); none for the others."""
    return [{**entry.params, "key": jax.random.key(seed)}] if entry.keyed else []


def moved_sets(entry: Activation) -> list[dict[str, Any]]:
    """For each numeric parameter that no example set moves, the defaults with it moved (×1.5, else
    ×0.5; from 0 to ±0.5; an int by +1, else −1; a float array as a whole), the first value its
    constraints and validate hook accept: a derivative that ignores the parameter (x/√(1 + a·x²)
    with f′ = (1 + x²)^(−3/2)) agrees with autodiff at the default alone. Likewise each static
    parameter no example set moves: a bool flipped, an int by +1, else −1 (axis −1 to 0; an exponent
    3 to 4), where the function takes it (a JVP that sums along the last axis whatever ``axis`` says
    agreed at the default)."""
    out: list[dict[str, Any]] = []
    probe = None  # found once a parameter has a move to try: entries without one trace nothing here

    def take_first(k: str, moves: tuple[Any, ...]) -> None:
        """The defaults with ``k`` at the first of ``moves`` the function takes, into ``out``."""
        nonlocal probe
        probe = _probe(entry, jnp.float32) if probe is None else probe
        for q in moves:
            if _accepts(entry, {**entry.params, k: q}, probe):
                out.append({**entry.params, k: q})
                return

    for k in entry.numeric_params:
        given = entry.params[k]
        v = _value(given)
        if v is None or any(k in ex and _differs(ex[k], given) for ex in entry.examples):
            continue
        if isinstance(given, (int, np.integer)):
            moves: tuple[Any, ...] = (int(given) + 1, int(given) - 1)
        elif isinstance(v, np.ndarray):  # an array of starts (per feature, coefficients): moved as a whole
            moves = tuple(np.full_like(v, q) for q in NEAR_ZERO) if not v.any() else (1.5 * v, 0.5 * v)
        else:
            moves = NEAR_ZERO if v == 0 else (1.5 * v, 0.5 * v)
        take_first(k, moves)
    for k in entry.static:  # a JVP that ignores its axis, a derivative that ignores a bool switch
        given = entry.params[k]
        if any(k in ex and _differs(ex[k], given) for ex in entry.examples):
            continue
        if isinstance(given, (bool, np.bool_)):
            moves = (not given,)
        elif isinstance(given, (int, np.integer)):  # an axis's neighbour, an exponent's or a count's
            moves = (int(given) + 1, int(given) - 1)
        else:  # a str, None or tuple: no value to move to that the function is known to take
            continue
        take_first(k, moves)
    return out


def _value(v: Any) -> float | np.ndarray | None:
    """A parameter value as :func:`_number` reads it, or an array of floats of one or more elements
    (as float64); else None (None, a key, a bool)."""
    if isinstance(v, (np.ndarray, jax.Array)) and v.ndim > 0 and jnp.issubdtype(v.dtype, jnp.floating):
        return np.asarray(v, np.float64)
    return _number(v)


def _probe(entry: Activation, dtype: Any) -> jax.Array:
    """An input the function takes at its defaults, to try moved parameter values on: zeros, else ones,
    0.5 or −1 (a validate hook may bound x's domain, x > 0: on zeros alone every move was refused, and
    the parameter never moved)."""
    shape = input_shape(entry, 16)
    for c in (0.0, 1.0, 0.5, -1.0):
        x = jnp.full(shape, c, dtype)
        if _accepts(entry, entry.params, x):
            return x
    return jnp.zeros(shape, dtype)


def check_sets(entry: Activation, seed: int = 0) -> list[dict[str, Any]]:
    """:func:`param_sets`, :func:`moved_sets`, then :func:`keyed_sets`."""
    return param_sets(entry) + moved_sets(entry) + keyed_sets(entry, seed)


def param_id(params: Mapping[str, Any], entry: Activation) -> str:
    diff = {
        k: v
        for k, v in params.items()
        if entry.params.get(k) is not v and (k == "key" or _differs(entry.params.get(k), v))
    }
    shown = lambda v: np.array2string(np.asarray(v), precision=4, threshold=6) if np.ndim(v) else f"{v}"  # noqa: E731
    return ",".join("key=PRNGKey" if k == "key" else f"{k}={shown(v)}" for k, v in diff.items()) or "defaults"


def _differs(a: Any, b: Any) -> bool:
    """Whether two parameter values differ, an array's elements compared (its == is elementwise)."""
    try:
        if np.ndim(a) == 0 and np.ndim(b) == 0:
            return bool(a != b)
        return np.shape(a) != np.shape(b) or not np.array_equal(np.asarray(a), np.asarray(b))
    except ValueError:  # a ragged tuple (a static ((0, 1), (2,))) is no array: compared as Python values
        return bool(a != b)


def cases(dtypes: tuple[Any, ...] = (jnp.float32, jnp.float64)) -> Iterator[tuple[Activation, dict[str, Any], Any]]:
    for entry in entries():
        for params in param_sets(entry):
            for dtype in dtypes:
                yield entry, params, dtype


def input_shape(entry: Activation, n: int = 64) -> tuple[int, ...]:
    """1-D for elementwise functions, (4, 2k) for the axis-mixing ones."""
    return (n,) if entry.elementwise else (4, max(2, n // 8) * 2)


def kink_points(entry: Activation, params: Mapping[str, Any]) -> np.ndarray:
    return np.asarray(entry.kink_points(**params), dtype=np.float64)


def random_inputs(entry: Activation, params: Mapping[str, Any], dtype: Any, seed: int, n: int = 64) -> jax.Array:
    """Fresh normal draws (scale 3) with the kinks, points just beside them and ±0 mixed in (0, the
    commonest input, where |x|/x and x/|x| are NaN, was never drawn; after the kinks, which keep their
    places in a small input)."""
    rng = np.random.default_rng(seed)
    shape = input_shape(entry, n)
    x = rng.normal(scale=3.0, size=int(np.prod(shape)))
    near = []
    for k in kink_points(entry, params):
        near += [k, k + 1e-3, k - 1e-3, k + 0.25, k - 0.25]
    near += [0.0, -0.0]
    m = min(len(near), x.size // 2)
    x[:m] = near[:m]
    return jnp.asarray(x.reshape(shape), dtype=dtype)


# Fixed points beyond the normal draws' reach (|x| ≲ 10), where stable formulas switch branch
# (softplus past 20, a clip, eˣ's float32 overflow past 88) and a wrong branch would go unseen.
# Not round numbers: a user's threshold often is one (clip at 10, softplus at 20), and autodiff
# gives ½ exactly there (jnp.minimum's tie) where a correct derivative gives 0 or 1.
TAIL_POINTS = (12.5, 37.5, 137.5, 1.25e4)


def tail_points(dtype: Any) -> np.ndarray:
    """±:data:`TAIL_POINTS` that ``dtype`` holds with room to spare (half its largest value)."""
    big = float(jnp.finfo(dtype).max) / 2
    return np.asarray([s * t for t in TAIL_POINTS if t <= big for s in (1.0, -1.0)], dtype=np.float64)


# Each input with its tail points' scale floor (NaN for the draws and kinks), see :func:`_worst`.
Inputs = list[tuple[jax.Array, np.ndarray]]


def check_inputs(entry: Activation, params: Mapping[str, Any], dtype: Any, seed: int, n: int = 64) -> Inputs:
    """:func:`random_inputs` and the :func:`tail_points`, each input with the scale floor of its
    tail points: |x| for an elementwise function's, the largest |x| of the slice for an axis-mixing
    one's (its outputs mix the slice), NaN elsewhere. Elementwise: one input, the tails after the
    draws; axis-mixing: the draws, then two slices along the first axis that hold every tail point
    in alternate places, once in each half of the last axis (a gated function's value and gate
    halves), apart: along another axis they would swamp the draws' slices.

    The tails are left out where the function refuses them (a user's validate hook that reads x's
    values may bound its domain; an elementwise function's one by one, as its draws); the check's
    later calls see the same input, compiled once."""
    body = np.asarray(random_inputs(entry, params, dtype, seed, n), np.float64)
    tails = tail_points(dtype)
    if entry.elementwise:
        # The draws and tails the function refuses, one by one (a hook bounding log1p's domain to
        # x > −1 keeps the positive tails): the rest are checked. Every draw refused: left as they
        # are, for the check to say why.
        kept = _accepted(entry, params, body, dtype)
        body, tails = kept if kept.size else body, _accepted(entry, params, tails, dtype)
        x = np.concatenate([body.reshape(-1), tails])
        return [(jnp.asarray(x, dtype), np.concatenate([np.full(body.size, np.nan), np.abs(tails)]))]
    width = body.shape[-1]
    row = np.asarray(np.random.default_rng(seed + 2).normal(scale=3.0, size=width))
    k = min(tails.size, width // 2)
    row[0 : 2 * k : 2] = tails[:k]
    rows = np.broadcast_to(np.stack([row, np.roll(row, width // 2)]), (2, *body.shape[1:-1], width))
    inputs = [(jnp.asarray(body, dtype), np.full(body.shape, np.nan))]
    if _accepts(entry, params, jnp.asarray(rows, dtype)):
        inputs.append((jnp.asarray(rows, dtype), np.full(rows.shape, np.max(np.abs(rows)))))
    return inputs


def _accepted(entry: Activation, params: Mapping[str, Any], values: np.ndarray, dtype: Any) -> np.ndarray:
    """The values of an elementwise function's input that it takes: all where it takes them together,
    else each tried alone."""
    if _accepts(entry, params, jnp.asarray(values, dtype)):
        return values
    return values[[_accepts(entry, params, jnp.asarray(v, dtype).reshape(1)) for v in values]]


def _accepts(entry: Activation, params: Mapping[str, Any], x: jax.Array) -> bool:
    """Whether the public function takes ``x`` (its checks and validate hook raise nothing)."""
    try:
        entry.autodiff(x, **params)
    except Exception:  # any refusal: a user's hook may assert, or raise its own error class
        return False
    return True


Pairs = list[tuple[jax.Array | np.ndarray, jax.Array | np.ndarray]]


def _joined(
    entry: Activation, params: Mapping[str, Any], inputs: Inputs, pairs_at: Callable[[jax.Array], Pairs]
) -> tuple[np.ndarray, Pairs, np.ndarray, np.ndarray]:
    """``pairs_at`` each input, flattened and joined: x, the pairs, where f is NaN, and the tail
    floors of the outputs (a gated output is half its input, whose floor is then one value)."""
    per = [pairs_at(x) for x, _ in inputs]
    joined = lambda j, s: np.concatenate([np.asarray(p[j][s], np.float64).reshape(-1) for p in per])  # noqa: E731
    pairs: Pairs = [(joined(j, 0), joined(j, 1)) for j in range(len(per[0]))]
    floors = [
        fl.reshape(-1) if fl.shape == np.shape(p[0][1]) else np.full(np.size(p[0][1]), fl.reshape(-1)[0])
        for (_, fl), p in zip(inputs, per, strict=True)
    ]
    x = np.concatenate([np.asarray(x, np.float64).reshape(-1) for x, _ in inputs])
    value_nan = np.concatenate([_value_nan(entry, params, x) for x, _ in inputs])
    return x, pairs, value_nan, np.concatenate(floors)


def away_from_kinks(entry: Activation, params: Mapping[str, Any], x: np.ndarray, margin: float) -> np.ndarray:
    """Mask of points at least ``margin`` from every kink."""
    ok = np.ones(np.shape(x), dtype=bool)
    for k in kink_points(entry, params):
        ok &= np.abs(np.asarray(x, dtype=np.float64) - k) > margin
    return ok


def grad_autodiff(
    entry: Activation, params: Mapping[str, Any], x: jax.Array, *, closed: bool = False, jit: bool = True
) -> jax.Array:
    """Elementwise derivative by jax.grad, vmapped over the flattened input, through one explicit path
    (with a key: the gradient of the sum over the whole input, so the draw is the one f makes for
    x's shape, not one per scalar). ``jit``: as one program (an eager grad dispatches its primitives
    one by one, several times the time); eager, the closed path runs the derivative's own program,
    bit for bit what the derivative gives (one program may fuse and round differently)."""
    f = entry.closed_form if closed else entry.autodiff
    wrap = jax.jit if jit else (lambda g: g)
    if params.get("key") is not None:
        return wrap(jax.grad(lambda v: jnp.sum(f(v, **params))))(x)
    g = wrap(jax.vmap(jax.grad(lambda v: f(v, **params))))
    return g(x.reshape(-1)).reshape(x.shape)


def jvp_autodiff(
    entry: Activation, params: Mapping[str, Any], x: jax.Array, t: jax.Array, *, closed: bool = False
) -> jax.Array:
    f = entry.closed_form if closed else entry.autodiff
    return jax.jit(lambda x, t: jax.jvp(lambda v: f(v, **params), (x,), (t,))[1])(x, t)


def closed_derivative(entry: Activation, params: Mapping[str, Any], x: jax.Array) -> jax.Array:
    """The hand-written derivative (elementwise) evaluated through the public checks."""
    assert entry.derivative is not None
    return entry.derivative(x, **params)


def _abs_diff(a: jax.Array | np.ndarray, b: jax.Array | np.ndarray) -> np.ndarray:
    """|a − b| in float64, flattened; 0 where both are NaN or the same infinity (NaN where only one is NaN)."""
    a64 = np.asarray(a, dtype=np.float64).reshape(-1)
    b64 = np.asarray(b, dtype=np.float64).reshape(-1)
    with np.errstate(invalid="ignore"):  # inf − inf: equal infinities agree (eˣ's slope past overflow)
        return np.where((a64 == b64) | (np.isnan(a64) & np.isnan(b64)), 0.0, np.abs(a64 - b64))


def max_abs_diff(a: jax.Array, b: jax.Array) -> float:
    d = _abs_diff(a, b)
    return float(np.max(d)) if d.size else 0.0


def scale_tolerance(ref: jax.Array | np.ndarray, dtype: Any, entry: Activation | None = None) -> float:
    """Tolerance for derivatives: GRAD_ULPS ulps of max(1, |reference|)."""
    r = np.asarray(ref, dtype=np.float64)
    finite = r[np.isfinite(r)]
    scale = max(1.0, float(np.max(np.abs(finite)))) if finite.size else 1.0
    return grad_tolerance(dtype, entry.grad_ulps if entry is not None else GRAD_ULPS) * scale


@dataclass
class CheckRow:
    name: str
    params: str
    dtype: str
    # |autodiff − closed form| and its tolerance at the input closest to failing (each input has its
    # own tolerance: a tail point's is its own scale), so not always the largest difference.
    max_abs_diff: float
    tolerance: float
    # That input element and both derivatives there.
    worst_x: float | None = None
    autodiff_at_worst: float | None = None
    closed_at_worst: float | None = None
    value_nan_at_worst: bool = False  # the function itself is NaN there

    @property
    def ok(self) -> bool:
        return bool(self.max_abs_diff <= self.tolerance)

    def where(self) -> str:
        """One line saying where autodiff and the closed form disagree most."""
        if self.value_nan_at_worst or (
            self.autodiff_at_worst is not None
            and math.isnan(self.autodiff_at_worst)
            and self.closed_at_worst is not None
            and math.isnan(self.closed_at_worst)
        ):
            what = "the function is" if self.value_nan_at_worst else "both derivatives are"
            return (
                f"{self.name} [{self.params}, {self.dtype}]: {what} NaN at the finite input x = {self.worst_x:.6g} "
                f"(autodiff {self.autodiff_at_worst:.6g}, closed form {self.closed_at_worst:.6g})"
            )
        return (
            f"{self.name} [{self.params}, {self.dtype}]: at x = {self.worst_x:.6g} autodiff gives "
            f"{self.autodiff_at_worst:.6g} and the closed form {self.closed_at_worst:.6g} "
            f"(|difference| {self.max_abs_diff:.3g}, tolerance {self.tolerance:.3g})"
        )


def check_entry(entry: Activation, params: dict[str, Any], dtype: Any, seed: int = 0) -> CheckRow:
    """max |autodiff − closed form| on random inputs, kinks and tail points (tangent products for
    axis-mixing ones); an entry registered as elementwise must first be one (:func:`check_elementwise`)."""

    def pairs_at(x: jax.Array) -> Pairs:
        if entry.elementwise:
            check_elementwise(entry, params, x)
            closed = closed_derivative(entry, params, x)
            auto, via_path = grad_autodiff(entry, params, x), grad_autodiff(entry, params, x, closed=True)
            return [(_at_kinks_theirs(entry, params, x, auto, closed), closed), (via_path, closed)]
        t = jnp.asarray(np.random.default_rng(seed + 1).normal(size=x.shape), dtype)
        return [(jvp_autodiff(entry, params, x, t), jvp_autodiff(entry, params, x, t, closed=True))]

    x, pairs, value_nan, floor = _joined(entry, params, check_inputs(entry, params, dtype, seed), pairs_at)
    return _worst(entry, param_id(params, entry), dtype, x, pairs, value_nan, floor)


def _at_kinks_theirs(
    entry: Activation, params: Mapping[str, Any], x: jax.Array, auto: jax.Array, closed: jax.Array
) -> jax.Array:
    """Autodiff's derivative with a user's finite closed-form value taken at each declared kink itself:
    f′ (or ∂f/∂p) is undefined there, the value given is a convention, and autodiff's is jnp's tie (½
    for maximum, clip and abs). A NaN or inf given there is still judged (and reported) against
    autodiff's. At ±0, a kink whether declared or not (relu6 without kinks=, a clip, |x|), likewise,
    and where autodiff is NaN or inf there too it cannot judge (√|x|'s slope is inf at 0, autodiff's
    NaN): the closed form's value is taken, and only a NaN or inf where autodiff is finite fails
    (1.5|x|^1.5/|x| at 0). jaxact's own entries follow jax.nn's convention and are held to it."""
    if entry.builtin or not entry.elementwise:
        return auto
    kinks = np.asarray(jnp.asarray(kink_points(entry, params), x.dtype), np.float64)
    xs = np.asarray(x, np.float64).reshape(np.shape(auto))
    at, zero = jnp.asarray(np.isin(xs, kinks)), jnp.asarray(xs == 0)
    taken = (at | zero) & jnp.isfinite(closed) | zero & ~jnp.isfinite(auto)
    return jnp.where(taken, closed, auto)


def check_elementwise(entry: Activation, params: Mapping[str, Any], x: jax.Array) -> None:
    """Raises a one-line ValueError unless f of the whole 1-D ``x`` is f of each element alone.

    The derivative check differentiates one scalar at a time, where a function that mixes elements
    (x / rms(x)) looks elementwise: registered with ``derivative=``, its array gradients on the
    closed path would be silently wrong. Skipped with a key (a draw depends on x's shape) and for
    array-valued parameters (one per element: the scalar defaults are checked)."""
    if params.get("key") is not None or any(np.ndim(params[k]) for k in entry.numeric_params if k in params):
        return
    f = lambda v: entry.autodiff(v, **params)  # noqa: E731
    alone = np.asarray(jax.jit(jax.vmap(f))(x.reshape(-1)), np.float64)
    tol = grad_tolerance(x.dtype, entry.grad_ulps) * np.maximum(1.0, np.abs(alone))
    # The whole input, and the same as rows of 8: a function that mixes along all axes but the first
    # (a per-example norm) is elementwise on a 1-D input.
    shapes = [x.shape] + ([(x.size // 8, 8)] if x.ndim == 1 and x.size % 8 == 0 and x.size > 8 else [])
    for shape in shapes:
        whole = np.asarray(jax.jit(f)(x.reshape(shape)), np.float64).reshape(-1)
        with np.errstate(invalid="ignore"):
            bad = ~((whole == alone) | (np.isnan(whole) & np.isnan(alone)) | (np.abs(whole - alone) <= tol))
        if bad.any():
            i = int(np.argmax(bad))
            xi = float(np.asarray(x, np.float64).reshape(-1)[i])
            within = "x".join(map(str, shape))
            raise ValueError(
                f"{entry.name} is not elementwise: at x = {xi:.6g} it gives {whole[i]:.6g} within a {within} "
                f"array and {alone[i]:.6g} alone; a function that mixes elements (a mean, a norm, a softmax) is "
                "registered with jvp=(x, y, t, **params), not derivative="
            )


def _value_nan(entry: Activation, params: Mapping[str, Any], x: jax.Array) -> np.ndarray:
    return np.isnan(np.asarray(entry.autodiff(x, **params), np.float64)).reshape(-1)


def _worst(
    entry: Activation,
    label: str,
    dtype: Any,
    x: jax.Array | np.ndarray,
    pairs: Pairs,
    value_nan: np.ndarray,
    tail_floor: np.ndarray | None = None,
    *,
    in_x: bool = False,
) -> CheckRow:
    """The row of the largest |a − b| relative to its tolerance over the (autodiff, closed form)
    ``pairs``: the disagreement and tolerance where the row comes closest to failing.

    The tolerance is entry.grad_ulps ulps of a scale from the closed form (the second of each
    pair): for the draws and kinks (``tail_floor`` NaN) one scale, max(1, |closed form|) over
    them; for each tail point its own, max(floor, |closed form| there). A slope of 10⁴ at x = 10⁴
    then neither loosens the check at x = 1 nor is held to ulps of 1. The floor (max(1, |x|), see
    :func:`check_inputs`) is autodiff's own error there: it cancels terms of x's size or more
    (acon_c's ∂f/∂p2 = x − x·σ(u) − …; swish's ∂f/∂β = x²·σ·(1 − σ) from a rounded σ, 0.8 % off
    at x = 12.5 in float32) where the closed forms agree with mpmath.

    ``in_x`` (a parameter derivative): a draw's tolerance is at least its own |x| in ulps too.
    Autodiff in p differentiates p·x-sized products and rounds at their size: acon_c's ∂f/∂β =
    y²σ(1 − σ), y = (p1 − p2)x, through a rounded σ is 42 ulps of 1 off at x = 5.88 in float64
    (5430 ulps of the truth), where the closed form is within 3 ulps of mpmath. That error grows
    as y² eps, which |x| covers over the draws (|x| ≲ 10) for |p1 − p2| up to about 1.5, the
    catalogue's sets; a larger parameter can still meet it (p1 = 4 fails in float64 at most seeds).

    Every input here is finite, so a NaN derivative on either side (both included: a function that
    is NaN everywhere agrees with itself) is the worst disagreement: it ranks first and the row
    fails; so does a NaN value."""
    ref = np.asarray(pairs[0][1], np.float64).reshape(-1)
    floor = np.full(ref.shape, np.nan) if tail_floor is None else tail_floor
    tail = ~np.isnan(floor)
    tol = np.full(ref.shape, scale_tolerance(ref[~tail], dtype, entry))
    ulps = grad_tolerance(dtype, entry.grad_ulps)
    if in_x:
        ax = np.abs(np.asarray(x, np.float64).reshape(-1))
        # One output per input (an elementwise entry's; a user's gated one with param_derivatives
        # has half as many outputs: its draws keep their one scale, the stricter check).
        if ax.shape == tol.shape:
            tol = np.where(tail, tol, np.maximum(tol, ulps * ax))
    if tail.any():
        finite = np.where(np.isfinite(ref[tail]), np.abs(ref[tail]), 0.0)
        tol[tail] = ulps * np.maximum.reduce([np.ones_like(finite), floor[tail], finite])
    ratios, diffs = [], []
    for a, b in pairs:
        a64, b64 = (np.asarray(v, np.float64).reshape(-1) for v in (a, b))
        nan = np.isnan(a64) | np.isnan(b64)
        d = np.where(nan | value_nan, np.inf, _abs_diff(a64, b64))
        # A tail point where autodiff is NaN or ±inf cannot judge the closed form (autodiff of a naive
        # 1/(1 + e^(−x)) is inf/inf at x = −137.5, where a correct σ(1 − σ) is 0; of a naive log(1 + eˣ)
        # NaN at 137.5, as the closed form of the same formula): left out, as the function's own NaNs
        # there (registering such a function worked before tail points were checked). Within the draws
        # a NaN still fails.
        d = np.where(tail & ~np.isfinite(a64), 0.0, d)
        diffs.append(d)
        ratios.append(d / tol)
    k = int(np.argmax([r.max(initial=0.0) for r in ratios]))
    i = int(np.argmax(ratios[k])) if ratios[k].size else 0
    a, b = pairs[k]
    flat = lambda v: float(np.asarray(v, np.float64).reshape(-1)[i])  # noqa: E731
    return CheckRow(
        entry.name,
        label,
        jnp.dtype(dtype).name,
        float(diffs[k][i]) if diffs[k].size else 0.0,
        float(tol[i]) if tol.size else scale_tolerance(ref, dtype, entry),
        flat(x),
        flat(a),
        flat(b),
        bool(value_nan.size and value_nan[i]),
    )


def _number(v: Any) -> float | None:
    """A parameter value as a float where it is one real number (a NumPy scalar or a 0-d array
    included), else None (an array of starts, a bool, a mask)."""
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if isinstance(v, (np.ndarray, jax.Array)) and v.ndim == 0 and jnp.issubdtype(v.dtype, jnp.floating):
        return float(v)
    return None


# Where a parameter's value is 0, ∂f/∂p is checked at these instead, those its constraints and
# validate hook accept: 0 may sit at a kink of f in p, where the two sides differ by design.
NEAR_ZERO = (0.5, -0.5)


def param_points(entry: Activation, params: Mapping[str, Any], k: str, dtype: Any) -> list[dict[str, Any]]:
    """The parameter sets at which the hand-written ∂f/∂``k`` is checked: ``params`` itself where
    ``k`` is a non-zero number or float array, each of :data:`NEAR_ZERO` (an array: filled with it)
    the entry accepts where it is 0, none where it is no number (None, a key)."""
    v = _value(params[k])
    if v is None:
        return []
    if np.any(v != 0):
        return [dict(params)]
    # The public function checks the constraints and runs the validate hook, on concrete values.
    probe = _probe(entry, dtype)
    near = tuple(np.full_like(v, q) for q in NEAR_ZERO) if isinstance(v, np.ndarray) else NEAR_ZERO
    return [{**params, k: q} for q in near if _accepts(entry, {**params, k: q}, probe)]


def unchecked_param_derivatives(entry: Activation) -> list[str]:
    """The parameters whose hand-written ∂f/∂p no parameter set of :func:`check_sets` reaches (a
    default of None, and no example giving the parameter a value): a check of the entry says nothing
    about them, and register refuses them rather than use one unchecked."""
    sets = param_sets(entry) + moved_sets(entry)
    return [k for k in entry.closed_params if not any(param_points(entry, p, k, jnp.float32) for p in sets)]


def check_param_derivatives(entry: Activation, params: dict[str, Any], dtype: Any, seed: int = 0) -> list[CheckRow]:
    """Each hand-written ∂f/∂p (``param_derivatives``) against autodiff of the function in p with x
    fixed: max |autodiff − closed form| of the per-element ∂f/∂p (a JVP along p with tangent 1) on
    the inputs of :func:`check_entry`; a row per parameter and point of :func:`param_points`, its
    ``params`` marked ``∂/∂p``.

    A parameter at 0 is checked beside it, not at it: 0 may sit at a kink of f in p (pade's |b_k|:
    its ∂f/∂b_k is 0 while b_k = 0, as the reference implementation's; autodiff's sign(0) = 1)."""
    return [
        _param_row(entry, p, k, dtype, seed) for k in entry.closed_params for p in param_points(entry, params, k, dtype)
    ]


def _param_row(entry: Activation, params: dict[str, Any], k: str, dtype: Any, seed: int) -> CheckRow:
    def along(path: Callable[..., jax.Array], x: jax.Array) -> jax.Array:
        g = lambda q: path(x, **{**params, k: q})  # noqa: E731
        # Tangent 1 along each element of an array parameter: the JVPs of both paths sum ∂f/∂p_i alike.
        return jax.jit(lambda q: jax.jvp(g, (q,), (jnp.ones_like(q),))[1])(jnp.asarray(params[k], dtype))

    def pairs_at(x: jax.Array) -> Pairs:
        closed = along(entry.closed_form, x)
        return [(_at_kinks_theirs(entry, params, x, along(entry.autodiff, x), closed), closed)]

    x, pairs, value_nan, floor = _joined(entry, params, check_inputs(entry, params, dtype, seed), pairs_at)
    return _worst(entry, f"{param_id(params, entry)} ∂/∂{k}", dtype, x, pairs, value_nan, floor, in_x=True)


def check_case(entry: Activation, params: dict[str, Any], dtype: Any, seed: int = 0) -> list[CheckRow]:
    """One parameter set in one dtype: f′ (or the JVP), then each hand-written ∂f/∂p."""
    return [check_entry(entry, params, dtype, seed), *check_param_derivatives(entry, params, dtype, seed)]


@dataclass
class Report:
    """The derivative check of one or more activations: a row per parameter set and dtype."""

    rows: list[CheckRow]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def failures(self) -> list[CheckRow]:
        return [r for r in self.rows if not r.ok]

    def __str__(self) -> str:
        lines = [format_rows(self.rows)]
        lines += [f"  disagreement: {r.where()}" for r in self.failures]
        return "\n".join(lines)


def _entry(activation: Any) -> Activation:
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str):
        return get(activation)
    entry = entry_of(activation)
    if entry is not None:
        current = registered(entry.name)
        if current is not entry:  # the function keeps the entry jaxact.unregister (or a re-run) removed
            now = "was registered again since" if current is not None else "is no longer registered"
            raise UnknownActivationError(
                f"jaxact.verify.check: this function's entry {entry.name!r} {now}; check the registered one by name."
            )
        return entry
    raise TypeError(
        f"jaxact.verify.check: give a registered name, a 'module:function' path, a registered function or an "
        f"entry, got {type(activation).__name__}; register a function first with @jaxact.register(...)."
    )


def default_dtypes() -> tuple[Any, ...]:
    """float32, and float64 where x64 is enabled."""
    return (jnp.float32, jnp.float64) if jax.config.jax_enable_x64 else (jnp.float32,)


def _require_x64(dtypes: tuple[Any, ...], caller: str) -> None:
    """A float64 check needs x64: without it JAX truncates the inputs to float32 while the tolerance
    stays float64's, and a correct derivative fails. Enabling x64 here would change the caller's
    whole session (every later array), so it is for the caller to do (`jaxact check` does)."""
    if any(jnp.dtype(d) == jnp.float64 for d in dtypes) and _validate.default_float() != jnp.float64:
        raise ValueError(
            f"{caller}: float64 needs JAX's x64 mode, which is off: enable it first with "
            'jax.config.update("jax_enable_x64", True) or JAX_ENABLE_X64=1, or check in float32.'
        )


def _float_dtypes(dtypes: Any, fname: str) -> tuple[Any, ...]:
    """``dtypes`` as a tuple of floating dtypes (one dtype alone taken as one), else a one-line error."""
    many = dtypes if isinstance(dtypes, (tuple, list)) else (dtypes,)
    for d in many:
        try:
            ok = jnp.issubdtype(jnp.dtype(d), jnp.floating)
        except TypeError:
            ok = False
        if not ok:
            raise TypeError(f"{fname}: dtypes takes floating dtypes, e.g. (jnp.float32, jnp.float64); got {d!r}.")
    return tuple(many)


def check(activation: Any, *, dtypes: tuple[Any, ...] | None = None, seed: int = 0) -> Report:
    """Checks an activation's closed-form derivative (or JVP) against autodiff of its function.

    Args:
      activation: a registered name, ``"module:function"``, a registered function or an entry.
      dtypes: the dtypes to check in (default: float32, and float64 where x64 is enabled); float64
        with x64 off is a ValueError.
      seed: seed of the random inputs (the kinks and points beside them are always included).

    Returns:
      A :class:`Report`: ``report.ok``, and ``str(report)`` shows a table and, for every failure,
      the input where autodiff and the closed form disagree most.

    Example:
      >>> import jaxact
      >>> jaxact.verify.check("tanh").ok
      True
    """
    dts = default_dtypes() if dtypes is None else _float_dtypes(dtypes, "jaxact.verify.check")
    _require_x64(dts, "jaxact.verify.check")
    entry = _entry(activation)
    return Report([row for p in check_sets(entry, seed) for d in dts for row in check_case(entry, p, d, seed)])


def run_check(
    dtypes: tuple[Any, ...] = (jnp.float32, jnp.float64), seed: int = 0, names: list[str] | None = None
) -> list[CheckRow]:
    """Every case of every activation (or of the named ones)."""
    _require_x64(tuple(dtypes), "jaxact.verify.run_check")
    chosen = None if names is None else {get(n).name for n in names}
    return [
        row
        for e in entries()
        if chosen is None or e.name in chosen
        for p in check_sets(e, seed)
        for d in dtypes
        for row in check_case(e, p, d, seed)
    ]


def format_rows(rows: list[CheckRow]) -> str:
    # Each point has its own tolerance (a tail point's is its own scale): the row shows the point
    # closest to failing, not the largest difference.
    head = f"{'activation':<15} {'params':<20} {'dtype':<8} {'|auto-closed|*':>17} {'tolerance*':>10}  ok"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.name:<15} {r.params:<20} {r.dtype:<8} {r.max_abs_diff:>17.3e} {r.tolerance:>10.1e}  "
            f"{'yes' if r.ok else 'FAIL'}"
        )
    bad = [r for r in rows if not r.ok]
    lines.append(f"{len(rows) - len(bad)} passed, {len(bad)} failed")
    lines.append("* at the input closest to failing, relative to that input's tolerance")
    return "\n".join(lines)


def rows_as_dicts(rows: list[CheckRow]) -> list[dict[str, Any]]:
    return [{**asdict(r), "ok": r.ok} for r in rows]


# Where register reads its declared range and monotony: a grid over [−10, 10], where activations
# turn, and magnitudes out to 1e4 on each side, where they saturate.
# Coarse (a wrong declaration is no rounding-sized miss), and tried point by point where a user's
# validate hook bounds the domain: one compilation, ~900 calls.
_CLAIM_GRID = np.concatenate([-np.geomspace(1e4, 10, 50), np.linspace(-10, 10, 801), np.geomspace(10, 1e4, 50)])


def check_claims(activation: Any) -> None:
    """Raises a one-line ValueError where the function contradicts what its entry declares: an output
    outside its ``range`` (at the defaults and at each of ``examples``; float32 values on a grid over
    [−10, 10] and out to ±1e4, or random rows for an axis-mixing function), or a decrease of one
    declared ``monotone``, non-decreasing (at the defaults). The tolerance is loose (1e-5 of the bound,
    and 8 float32 ulps of the values and of x, whose size terms that cancel keep): a wrong
    declaration, not rounding, is the finding. ``smooth`` and
    ``kinks`` are not read (a jump is hard to tell from a steep function on a grid).

    Example:
      >>> import jaxact
      >>> jaxact.verify.check_claims("tanh")  # no error
    """
    entry = _entry(activation)
    for params in param_sets(entry):
        lo, hi = (-math.inf if v is None else float(v) for v in entry.output_range(**params))
        if entry.elementwise:
            x = jnp.asarray(_accepted(entry, params, _CLAIM_GRID, jnp.float32), jnp.float32)
        else:
            x = random_inputs(entry, params, jnp.float32, 0, 256)
        y = np.asarray(entry.fn(x, **params), np.float64)
        xs = np.broadcast_to(np.asarray(x, np.float64), y.shape) if entry.elementwise else None
        where = "" if params == dict(entry.params) else f" at {param_id(params, entry)}"
        # float32's rounding of the terms, of x's size where they cancel (½(x + √(x² + b)) at x ≪ 0).
        slack = 8 * float(jnp.finfo(jnp.float32).eps) * (np.abs(xs) if xs is not None else 0.0)
        for end, out in (
            (lo, y < lo - 1e-5 * max(1.0, abs(lo)) - slack),
            (hi, y > hi + 1e-5 * max(1.0, abs(hi)) + slack),
        ):
            out &= np.isfinite(y)
            if out.any():
                i = int(np.argmax(np.abs(np.where(out, y - end, 0))))
                at = f"f({xs.flat[i]:.6g}) = {y.flat[i]:.6g}" if xs is not None else f"an output {y.flat[i]:.6g}"
                raise ValueError(
                    f"{entry.name}'s declared range ({lo:g}, {hi:g}) does not hold{where}: {at}; declare the "
                    "range it has (range=(lo, hi), None or ±inf for an unbounded end)"
                )
        if entry.monotone and entry.elementwise and params == dict(entry.params) and y.size > 1:
            with np.errstate(invalid="ignore"):  # inf − inf where both ends overflow: not a decrease
                d = np.diff(y)
            big = np.maximum.reduce([np.abs(y[:-1]), np.abs(y[1:]), np.abs(xs[:-1]), np.abs(xs[1:])])
            down = np.isfinite(d) & (d < -8 * float(jnp.finfo(jnp.float32).eps) * big)
            if down.any():
                i = int(np.argmax(np.where(down, -d, 0)))  # the largest fall
                raise ValueError(
                    f"{entry.name} is declared monotone (non-decreasing) but decreases: f({xs[i]:.6g}) = "
                    f"{y[i]:.6g} > f({xs[i + 1]:.6g}) = {y[i + 1]:.6g}; declare monotone=False"
                )


def enable_x64() -> None:
    jax.config.update("jax_enable_x64", True)


def smoke(activation: Any) -> None:
    """Raises a one-line ValueError naming the activation unless it takes float32 inputs of the
    shapes the tools give it (a scalar under ``vmap``, a batch, an image batch) and returns the
    shape it should: the input's, or half its last axis for a gated one. Only shapes are traced
    (``jax.eval_shape``), nothing runs.

    Example:
      >>> import jaxact
      >>> jaxact.verify.smoke("gelu")  # no error
    """
    entry = _entry(activation)
    shapes = [(), (3,), (2, 4), (2, 3, 4), (2, 3, 2, 4)] if entry.elementwise else [(2, 4), (2, 3, 4)]
    for shape in shapes:
        try:
            y = jax.eval_shape(lambda v: entry.fn(v, **entry.params), jax.ShapeDtypeStruct(shape, jnp.float32))
        except Exception as e:  # the user's code: any error it raises is the finding
            why = _validate.error_line(e)
            # A softmax-like function registered with derivative= fails here first (axis −1 of a 0-d
            # input), before the elementwise check could say what is wrong.
            hint = (
                "; a function given derivative= is elementwise and takes a 0-d input (one that reduces along an "
                "axis mixes elements: register it with jvp=)"
                if entry.elementwise and shape == ()
                else ""
            )
            if "Non-hashable static arguments" in why:  # a jax.jit(f, static_argnames=...) registered
                hint = "; it is a jax.jit with static arguments, which jaxact traces: declare them static=(...) too"
            raise ValueError(f"{entry.name} fails on a float32 input of shape {shape}: {why}{hint}") from None
        want = (*shape[:-1], shape[-1] // 2) if entry.gated else shape
        if getattr(y, "shape", None) != want or not jnp.issubdtype(getattr(y, "dtype", None), jnp.floating):
            got = f"{type(y).__name__} {getattr(y, 'shape', '')} {getattr(y, 'dtype', '')}".strip()
            raise ValueError(
                f"{entry.name} returns {got} for a float32 input of shape {shape}; an activation returns a float "
                f"array of shape {want}"
            )
    # Each path keeps the input's dtype where the parameters are Python numbers (weakly typed, as
    # jax.nn's; an array parameter promotes as in jax.nn): the closed path rounds back, so a constant
    # such as jnp.float32(2) inside the function made the two paths' dtypes differ.
    if all(isinstance(v, (int, float, bool, str, tuple, type(None))) for v in entry.params.values()):
        shape = shapes[-1]
        for dtype in (jnp.bfloat16, jnp.float32):
            for path in ("autodiff", "closed_form"):
                f = getattr(entry, path)
                y = jax.eval_shape(lambda v, f=f: f(v, **entry.params), jax.ShapeDtypeStruct(shape, dtype))
                if getattr(y, "dtype", None) != dtype:
                    raise ValueError(
                        f"{entry.name} ({path}) returns {y.dtype} for a {jnp.dtype(dtype).name} input; an activation "
                        "keeps its input's dtype (write a constant as a Python number, not jnp.float32(...))"
                    )
