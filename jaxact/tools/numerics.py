"""Numerics: the edge sweep and the accuracy report (``jaxact accuracy``).

The edge sweep's reference (``reference_value`` / ``reference_derivative``) is
jaxact's own float64 run on the same rounded inputs: it checks finiteness and
limits, not accuracy. The accuracy report's reference is independent: each
entry's textbook definition (``entry.mp``) in arbitrary precision (mpmath, the
``accuracy`` extra), derivatives by central differences at a step far below
the float64 resolution, in a precision raised until two runs agree.
Error unit: ulp of the target dtype at the reference value, with an absolute
floor at the smallest normal of the dtype the CPU computes in (float32 for
float32 and the half precisions, float64 for float64), so an underflow to 0,
which XLA's CPU flush-to-zero may produce there, is not reported as millions of
ulp. (The floor was the target dtype's own smallest normal: float16's, 2⁻¹⁴,
made every float16 truth below 2⁻⁴ count in ulps of 2⁻¹⁴, an error of 2045 ulp
read as 8; half precision is computed in float32, whose flush is far below.)
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxact import _stable, paths
from jaxact.registry import Activation, UnknownActivationError, entries, get
from jaxact.tools import strict_json

LOW_PRECISION = (jnp.bfloat16, jnp.float16, jnp.float32)


def edge_values(dtype: Any) -> np.ndarray:
    """±0, ±smallest normal, ±smallest subnormal, ±1, ±20, ±1e4, ±max finite, ±inf, NaN (float64)."""
    fi = jnp.finfo(dtype)
    pos = [0.0, float(fi.tiny), float(fi.smallest_subnormal), 1.0, 20.0, 1e4, float(fi.max), math.inf]
    vals = pos + [-v for v in pos] + [math.nan]
    # Round through the dtype so the float64 reference sees exactly the tested input.
    return np.asarray(jnp.asarray(np.asarray(vals), dtype).astype(jnp.float64))


def sweep_inputs(dtype: Any, n_random: int = 64, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rand = rng.normal(scale=8.0, size=n_random)
    return np.concatenate([edge_values(dtype), np.asarray(jnp.asarray(rand, dtype).astype(jnp.float64))])


def representable(ref: np.ndarray, dtype: Any) -> np.ndarray:
    """Finite and, after rounding to ``dtype``, still finite."""
    with np.errstate(over="ignore"):
        return np.isfinite(np.asarray(jnp.asarray(ref, dtype).astype(jnp.float64)))


def reference_value(entry: Activation, params: dict[str, Any], x64: np.ndarray) -> np.ndarray:
    return np.asarray(entry.fn(jnp.asarray(x64, jnp.float64), **params), dtype=np.float64)


def reference_derivative(entry: Activation, params: dict[str, Any], x64: np.ndarray) -> np.ndarray:
    assert entry.derivative is not None
    return np.asarray(entry.derivative(jnp.asarray(x64, jnp.float64), **params), dtype=np.float64)


def ulp_unit(mag: np.ndarray, dtype: Any) -> np.ndarray:
    """The ulp of ``dtype`` at magnitudes ``mag``: 2^(e − nmant) for mag in [2^e, 2^(e+1)), the
    subnormals' spacing below the smallest normal, and at least the smallest normal of the dtype the
    CPU computes in (float32, or float64 for float64: see the module's docstring)."""
    fi = jnp.finfo(dtype)
    flushed = float(jnp.finfo(_stable.wider(dtype, jnp.float32)).tiny)
    return np.maximum(2.0 ** (np.floor(np.log2(np.maximum(mag, float(fi.tiny)))) - fi.nmant), flushed)


def ulp_error(y: np.ndarray, ref: np.ndarray, dtype: Any) -> np.ndarray:
    """|y − ref| in ulps of ``dtype`` at ref (:func:`ulp_unit`).

    Where ref is not finite in ``dtype`` (inf, NaN, or beyond its max), the error
    is 0 if y is the same non-finite value and inf otherwise; the same holds for
    a NaN/inf y against a finite ref.
    """
    y = np.asarray(y, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):  # rounding to dtype may overflow: that is the point
        overflows = np.isinf(np.asarray(jnp.asarray(ref, dtype).astype(jnp.float64))) & np.isfinite(ref)
        ref_d = np.where(overflows, np.sign(ref) * np.inf, ref)
        same = (y == ref_d) | (np.isnan(y) & np.isnan(ref_d))
        ulp = ulp_unit(np.abs(np.where(np.isfinite(ref_d), ref_d, 0.0)), dtype)
        err = np.abs(y - ref_d) / ulp
    err = np.where(same, 0.0, err)
    return np.where(np.isnan(err) | ~np.isfinite(y) | ~np.isfinite(ref_d), np.where(same, 0.0, np.inf), err)


def _summary(err: np.ndarray, mask: np.ndarray | None = None) -> tuple[float, int]:
    """(max ulp over points with a finite error, number of non-finite mismatches), within ``mask``."""
    if mask is not None:
        err = err[mask]
    finite = np.isfinite(err)
    return (float(np.max(err[finite])) if finite.any() else 0.0), int(np.sum(~finite))


def accuracy_grid(dtype: Any, dense: int = 1601, logs: int = 240) -> np.ndarray:
    """Dense grid in [−20, 20], log-spaced magnitudes from the smallest normal up to 1e4, and the
    edges (NaN left out: its truth is undefined), rounded to ``dtype``; no subnormal inputs."""
    fi = jnp.finfo(dtype)
    mags = np.logspace(math.log10(float(fi.tiny)), 4, logs)
    x = np.concatenate([np.linspace(-20, 20, dense), mags, -mags, edge_values(dtype)])
    x = np.asarray(jnp.asarray(x, dtype).astype(jnp.float64))
    # Subnormal inputs are left out: XLA on CPU reads them as 0 (denormals-are-zero: in float64
    # relu′(2.2250738585071875e-308) is 0, as jax.nn's); the edge sweep covers them for NaN/inf.
    keep = ~np.isnan(x) & ((x == 0) | (np.abs(x) >= float(fi.tiny)))
    return np.unique(x[keep])


# --- the arbitrary-precision reference ------------------------------------------------------------

_AGREE_BITS = 80  # two precisions must agree to this many bits (float64 needs 53)
_STEP = -100  # central-difference step 2^−100 (relative below |x| = 1; at most a 16th of the way to a kink)
_PRECISIONS = (192, 384, 768, 1536, 3072, 6144)
_INF_BITS = 1100  # ±inf is read as ±2^1100: past every dtype's max, and every entry's limit there


def _mpmath() -> Any:
    try:
        import mpmath
    except ImportError as err:  # the core never needs it; the report does
        raise SystemExit(
            "jaxact accuracy needs mpmath for its reference: pip install 'jaxact[accuracy]', in a clone '.[accuracy]'"
        ) from err
    return mpmath


def _central(g: Callable[[Any], Any], step: Any) -> Any:
    return (g(step) - g(-step)) / (2 * step)


def _hp_derivative(m: Any, g: Callable[[Any], Any], n: int, step: Any, c1: bool = False) -> Any:
    """The n-th derivative at 0 of g(h) (n = 0: g(0)) by central differences, in a precision
    raised until two runs agree. An exact 0 is believed only once it survives 1536 bits (below
    that, a tiny derivative of an O(1) function can cancel to 0).

    ``c1`` (n = 1): g may be only once differentiable at 0 (an entmax output at the edge of its
    support, (z − τ)₊², whose second derivative jumps there). A central difference is then off by
    O(step), (g″(0⁺) − g″(0⁻))·step/4, which no precision removes (a true 0 read as 1.7e−33, 144 ulp
    of a bfloat16 of that size); 2·D(step/2) − D(step) cancels that term. O(step²) terms are left
    (as D's own for a smooth g), ~1e−60 of the tangent's size at step 2⁻¹⁰⁰: below the smallest normal
    of every dtype but float64, whose truth of exactly 0 at such an edge would still read them."""
    last = None
    for prec in _PRECISIONS:
        with m.workprec(prec):
            if n == 0:
                val = g(m.mpf(0))
            elif n == 1:
                val = 2 * _central(g, step / 2) - _central(g, step) if c1 else _central(g, step)
            else:
                val = (g(step) - 2 * g(m.mpf(0)) + g(-step)) / (step * step)
        if last is not None:
            if val == 0 == last:
                if prec >= 1536:
                    return val
            elif abs(val - last) <= m.ldexp(abs(val), -_AGREE_BITS):
                return val
        last = val
    return last


# Reference values by entry, its ``mp`` definition (a fingerprint of its source) and parameters:
# they depend on the definition alone, not on the device, so a run on an accelerator can reuse what
# a CPU computed (``--references FILE``); a changed definition is computed anew.
_STORE: dict[str, dict[Any, Any]] = {}


_STORE_FORMAT = "jaxact reference values"


def _encoded(v: Any) -> Any:
    """A float of the store as strict JSON: ±inf and NaN (inputs at ±inf, values there) as the
    strings "inf", "-inf", "nan", which float() reads back; lists elementwise."""
    if isinstance(v, list):
        return [_encoded(e) for e in v]
    return v if math.isfinite(v) else repr(float(v))


def load_references(path: Path) -> int:
    """Reads a reference store written by :func:`save_references` (if the file exists) and
    returns how many values it holds. Any other file — another tool's JSON, a store with a malformed
    item — raises ValueError (or the parser's error) before anything is kept: the run would overwrite
    it at its end."""
    if not path.is_file():
        return 0
    raw = json.loads(path.read_text())
    parts = {"points", "rows"}
    if (
        not isinstance(raw, dict)
        or raw.get("format", _STORE_FORMAT) != _STORE_FORMAT
        or not (parts & raw.keys() and raw.keys() <= parts | {"format"})
    ):
        keys = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
        raise ValueError(f"not written by jaxact accuracy --references (it holds {keys})")
    points = {key: {(float(v), int(n)): float(y) for v, n, y in items} for key, items in raw.get("points", {}).items()}
    rows = {}
    for key, (vals, jvps) in raw.get("rows", {}).items():
        a, b = np.asarray(vals, np.float64), np.asarray(jvps, np.float64)
        if a.ndim != 2 or a.shape != b.shape:
            raise ValueError(f"rows {key!r}: values {a.shape} and JVPs {b.shape}, not two arrays of one 2-D shape")
        rows[key] = (a, b)
    for key, d in points.items():
        _STORE.setdefault(key, {}).update(d)
    _STORE.setdefault("rows", {}).update(rows)
    return sum(len(v) for v in _STORE.values())


def save_references(path: Path) -> None:
    points = {k: [_encoded([v, n, y]) for (v, n), y in d.items()] for k, d in _STORE.items() if k != "rows"}
    rows = {k: [_encoded(a.tolist()), _encoded(b.tolist())] for k, (a, b) in _STORE.get("rows", {}).items()}
    path.write_text(json.dumps({"format": _STORE_FORMAT, "points": points, "rows": rows}, allow_nan=False))


def _definition(entry: Activation) -> str:
    """A fingerprint of ``entry.mp``: the source file that defines it (the helpers it calls live there
    too: sparsemax's and entmax15's shared threshold search), else (no source file) its
    code object's bytecode, constants and names; a definition changed in place changes it."""
    import inspect

    f = entry.mp
    try:
        file = inspect.getsourcefile(f)  # type: ignore[arg-type]
        text = Path(file).read_text() if file and Path(file).is_file() else inspect.getsource(f)  # type: ignore[arg-type]
    except (OSError, TypeError):
        code = getattr(f, "__code__", None)
        text = repr(f) if code is None else repr((code.co_code, code.co_consts, code.co_names))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _store_key(entry: Activation, params: dict[str, Any]) -> str:
    return f"{entry.name}@{_definition(entry)}" + repr(sorted(params.items()))


class _Reference:
    """f, f′ and f″ of one entry's ``mp`` definition at float64 points, memoised (the dtypes'
    grids share most points)."""

    def __init__(self, entry: Activation, params: dict[str, Any]):
        self.m = _mpmath()
        self.f = entry.mp
        self.oscillates = entry.oscillates
        self.kinks = np.asarray(entry.kink_points(**params), np.float64)
        self.params = {k: (self.m.mpf(v) if isinstance(v, float) else v) for k, v in params.items()}
        self.cache: dict[tuple[float, int], float] = _STORE.setdefault(_store_key(entry, params), {})

    def _at(self, v: float, n: int) -> float:
        m = self.m
        if math.isinf(v) and n in self.oscillates:
            return math.nan  # no limit: sin(±inf)
        x0 = m.ldexp(1 if v > 0 else -1, _INF_BITS) if math.isinf(v) else m.mpf(v)
        # The step is 2^−100, or 2^−100·|x| for |x| < 1 (2^−1100 at 0): near 0 a derivative may
        # itself be tiny (tanhshrink′ ≈ x²), and an absolute step would swamp it.
        step = m.ldexp(1, _STEP) * (min(abs(x0), 1) if x0 != 0 else m.ldexp(1, -1000))
        if self.kinks.size and math.isfinite(v):
            dist = float(np.min(np.abs(self.kinks - v)))
            step = min(step, m.mpf(dist) / 16)
        return float(_hp_derivative(m, lambda h: self.f(m, x0 + h, **self.params), n, step))

    def __call__(self, x64: np.ndarray, n: int) -> np.ndarray:
        out = np.empty(len(x64))
        for i, v in enumerate(np.asarray(x64, np.float64)):
            key = (float(v), n)
            if key not in self.cache:
                self.cache[key] = self._at(float(v), n)
            out[i] = self.cache[key]
        return out


def _vector_reference(entry: Activation, rows: np.ndarray, tangents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values and JVPs of an axis-mixing entry, row by row along the last axis."""
    # hashlib, not hash(): Python salts bytes hashes per process, and the store outlives it.
    digest = hashlib.sha256(np.ascontiguousarray(rows, np.float64).tobytes())
    digest.update(np.ascontiguousarray(tangents, np.float64).tobytes())
    # Entries that are not smooth take the kink-safe difference, "c1" in the key (a store from
    # before it is not reused); smooth ones the plain one (half the evaluations).
    c1 = not entry.smooth
    key = f"{entry.name}@{_definition(entry)}:{rows.shape}:{'c1:' if c1 else ''}{digest.hexdigest()[:24]}"
    stored = _STORE.setdefault("rows", {}).get(key)
    if stored is not None and len(stored[0]) == len(rows):  # a store's rows of another count: computed anew
        return stored
    m = _mpmath()
    step = m.ldexp(1, _STEP)
    vals, jvps = [], []
    for r, t in zip(rows, tangents, strict=True):
        r_mp, t_mp = [m.mpf(float(v)) for v in r], [m.mpf(float(v)) for v in t]

        def g(h: Any, i: int, r_mp: list = r_mp, t_mp: list = t_mp) -> Any:
            return entry.mp(m, [a + h * b for a, b in zip(r_mp, t_mp, strict=True)])[i]

        n_out = len(entry.mp(m, r_mp))
        vals.append([float(_hp_derivative(m, lambda h, i=i: g(h, i), 0, step)) for i in range(n_out)])
        jvps.append([float(_hp_derivative(m, lambda h, i=i: g(h, i), 1, step, c1)) for i in range(n_out)])
    _STORE["rows"][key] = (np.asarray(vals), np.asarray(jvps))
    return _STORE["rows"][key]


# --- the report -------------------------------------------------------------------------------------

TARGET_ULPS = {"float64": 4.0, "float32": 4.0, "bfloat16": 2.0, "float16": 2.0}


@dataclass
class Cell:
    """One quantity of one implementation: max ulp where the target applies (float64: wherever
    the truth is a normal number; lower precisions: where |truth| ≥ eps × the quantity's scale,
    its max over [−10, 10]), max ulp over every normal truth (the tails), and the inputs where a
    NaN or inf appears, or an expected inf does not, against a truth that is defined."""

    ulp: float
    tail_ulp: float
    nonfinite: int


@dataclass
class AccuracyRow:
    """Values, first derivatives (JVPs for axis-mixing entries) and, in float64 for smooth
    elementwise entries, second derivatives: keyed by implementation ("default", "autodiff",
    "closed_form", "jax.nn"; values are the same code on both paths, so "jaxact" and "jax.nn")."""

    name: str
    dtype: str
    default_path: str
    value: dict[str, Cell]
    d1: dict[str, Cell]
    d2: dict[str, Cell] = field(default_factory=dict)
    # The registry's accuracy_note when the row misses a target, kept with the row: a stored row of
    # a module:function activation is explained without importing its module again.
    note: str | None = None

    def misses(self) -> list[str]:
        """The jaxact cells above the target (values, default-path derivatives), as text."""
        target = TARGET_ULPS[self.dtype]
        out = []
        for what, cells, key in (
            ("value", self.value, "jaxact"),
            ("f'", self.d1, "default"),
            ("f''", self.d2, "default"),
        ):
            c = cells.get(key)
            if c is None:
                continue
            if c.ulp > target:
                out.append(f"{what} {c.ulp:.3g} ulp")
            if c.nonfinite:
                out.append(f"{what} {c.nonfinite} NaN/inf")
        return out


def _cell(got: np.ndarray, ref: np.ndarray, dtype: Any, region: np.ndarray) -> Cell:
    err = ulp_error(got, ref, dtype)
    fi = jnp.finfo(dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        normal = np.isfinite(ref) & (np.abs(ref) >= float(fi.tiny)) & (np.abs(ref) <= float(fi.max))
    ulp, _ = _summary(err, region & normal)
    tail, _ = _summary(err, normal)
    _, bad = _summary(err, ~np.isnan(ref))
    return Cell(ulp, tail, bad)


def _region(ref: np.ndarray, x64: np.ndarray, dtype: Any) -> np.ndarray:
    if jnp.dtype(dtype) == jnp.float64:
        return np.ones(ref.shape, bool)
    inside = np.abs(x64) <= 10
    scale = float(np.max(np.abs(ref[inside & np.isfinite(ref)]), initial=0.0))
    return np.abs(ref) >= float(jnp.finfo(dtype).eps) * scale


def _term_cell(
    got: np.ndarray, ref: np.ndarray, term_scale: np.ndarray, dtype: Any, where: np.ndarray | None = None
) -> Cell:
    """For results that are sums of terms far larger than themselves, each component's error is in
    ulps of max(|truth|, term_scale), the size of its terms (the componentwise condition), not of the
    component alone: JVPs of axis-mixing entries (softmax: y_i t_i − y_i Σ y t, term_scale (|J|·|t|)_i),
    and the values (term_scale |x|) and derivatives (term_scale 1) of ``thresholded`` entries
    (a rational's polynomial near its roots). ``where``: the points measured (all by default)."""
    fi = jnp.finfo(dtype)
    with np.errstate(invalid="ignore", over="ignore"):  # as ulp_error: a truth beyond the dtype's max is its inf
        in_dtype = np.asarray(jnp.asarray(ref, dtype).astype(jnp.float64))
    finite = np.isfinite(in_dtype)
    scale = np.maximum(np.abs(np.where(finite, ref, 0.0)), np.where(np.isfinite(term_scale), term_scale, 0.0))
    unit = ulp_unit(scale, dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(got - ref) / unit
    bad = (finite & ~np.isfinite(got)) | (np.isinf(in_dtype) & (got != in_dtype))
    ok = finite & np.isfinite(got) & (scale >= float(fi.tiny))
    if where is not None:
        ok &= where
    m = float(np.max(err[ok])) if ok.any() else 0.0
    return Cell(m, m, int(np.sum(bad)))


def _row_region(ref: np.ndarray, dtype: Any) -> np.ndarray:
    """Axis-mixing entries: the scale is each row's largest |truth|."""
    if jnp.dtype(dtype) == jnp.float64:
        return np.ones(ref.shape, bool)
    scale = np.max(np.abs(np.where(np.isfinite(ref), ref, 0.0)), axis=-1, keepdims=True)
    return np.abs(ref) >= float(jnp.finfo(dtype).eps) * scale


def _derivs(f: Callable[..., jax.Array], x: jax.Array, n: int) -> np.ndarray:
    g = f
    for _ in range(n):
        g = jax.grad(g)
    return np.asarray(jax.jit(jax.vmap(g))(x).astype(jnp.float64))


def accuracy_row(entry: Activation, dtype: Any, ref: _Reference | None = None, quick: bool = False) -> AccuracyRow:
    """An elementwise entry at its default parameters on :func:`accuracy_grid` against mpmath
    (``quick``: a 5x coarser grid, for tests)."""
    x64 = accuracy_grid(dtype, 321, 48) if quick else accuracy_grid(dtype)
    x = jnp.asarray(x64, dtype)
    params = dict(entry.params)
    ref = ref or _Reference(entry, params)

    def bound(f: Callable[..., jax.Array]) -> Callable[..., jax.Array]:
        return lambda v: f(v, **params)

    impls = {"default": bound(entry.fn), "autodiff": bound(entry.autodiff), "closed_form": bound(entry.closed_form)}
    if entry.jax_nn:
        impls["jax.nn"] = getattr(jax.nn, entry.jax_nn)
    y_ref = ref(x64, 0)

    def cell(got: np.ndarray, truth: np.ndarray, at: np.ndarray, term_scale: np.ndarray) -> Cell:
        if entry.thresholded:  # where the truth is normal, as _cell (mpmath's f″ at x = ±1e−300 is 0)
            return _term_cell(got, truth, term_scale, dtype, np.abs(truth) >= float(jnp.finfo(dtype).tiny))
        return _cell(got, truth, dtype, _region(truth, at, dtype))

    value = {
        k: cell(np.asarray(jax.jit(impls[i])(x).astype(jnp.float64)), y_ref, x64, np.abs(x64))
        for k, i in (("jaxact", "default"), ("jax.nn", "jax.nn"))
        if i in impls
    }
    row = AccuracyRow(entry.name, jnp.dtype(dtype).name, entry.current_path(dtype), value, {})
    # Derivatives where they exist: not at a kink, and at ±inf only as a limit (the step is relative).
    smooth_pts = ~np.isin(x64, np.asarray(entry.kink_points(**params), np.float64))
    xs, xs64 = x[smooth_pts], x64[smooth_pts]
    orders = (1, 2) if (entry.smooth and jnp.dtype(dtype) == jnp.float64) else (1,)
    for n in orders:
        d_ref = ref(xs64, n)
        cells = {k: cell(_derivs(f, xs, n), d_ref, xs64, np.ones_like(xs64)) for k, f in impls.items()}
        if n == 1:
            row.d1 = cells
        else:
            row.d2 = cells
    return row


def vector_accuracy_row(
    entry: Activation, dtype: Any, seed: int = 0, quick: bool = False, twin: Callable[..., jax.Array] | None = None
) -> AccuracyRow:
    """Axis-mixing activations: rows of random logits (scale 10), some holding finite edge values;
    derivatives as Jacobian-vector products with a random tangent. ``twin`` replaces the jax.nn
    column (e.g. ``lambda x: jax.nn.softmax(-x)`` for softmin)."""
    rng = np.random.default_rng(seed)
    x64 = rng.normal(scale=10.0, size=(24 if quick else 48, 8))
    edges = edge_values(dtype)
    edges = edges[np.isfinite(edges)]
    x64[: edges.size, 0] = edges
    x = jnp.asarray(x64, dtype)
    x64 = np.asarray(x.astype(jnp.float64))
    t = jnp.asarray(rng.normal(size=x64.shape), dtype)
    t64 = np.asarray(t.astype(jnp.float64))
    y_ref, d_ref = _vector_reference(entry, x64, t64)

    def jvp_of(f: Callable[..., jax.Array]) -> np.ndarray:
        return np.asarray(jax.jit(lambda a, b: jax.jvp(f, (a,), (b,))[1])(x, t).astype(jnp.float64))

    impls = {"default": entry.fn, "autodiff": entry.autodiff, "closed_form": entry.closed_form}
    if twin is not None or entry.jax_nn:
        impls["jax.nn"] = twin or getattr(jax.nn, entry.jax_nn or "")
    value = {
        k: _cell(np.asarray(jax.jit(impls[i])(x).astype(jnp.float64)), y_ref, dtype, _row_region(y_ref, dtype))
        for k, i in (("jaxact", "default"), ("jax.nn", "jax.nn"))
        if i in impls
    }
    # |J|·|t| from a float64 Jacobian: only a scale, so its own rounding does not matter.
    jac = np.asarray(jax.vmap(jax.jacfwd(entry.autodiff))(jnp.asarray(x64, jnp.float64)))
    terms = np.einsum("rij,rj->ri", np.abs(np.nan_to_num(jac)), np.abs(t64))
    d1 = {k: _term_cell(jvp_of(f), d_ref, terms, dtype) for k, f in impls.items()}
    return AccuracyRow(entry.name, jnp.dtype(dtype).name, entry.current_path(dtype), value, d1)


ALL_DTYPES = (jnp.bfloat16, jnp.float16, jnp.float32, jnp.float64)


def accuracy_table(names: list[str] | None = None, dtypes: tuple[Any, ...] = ALL_DTYPES) -> list[AccuracyRow]:
    rows = []
    for e in entries():
        if names and e.name not in names:
            continue
        ref = _Reference(e, dict(e.params)) if e.elementwise else None
        for d in dtypes:
            row = accuracy_row(e, d, ref) if e.elementwise else vector_accuracy_row(e, d)
            if row.misses():
                row.note = e.accuracy_note
            rows.append(row)
    return rows


def _f(v: float | None) -> str:
    if v is None:
        return "-"
    if math.isinf(v):
        return "inf"
    return f"{v:.3g}" if v < 1e4 else f"{v:.1e}"


def _c(cells: dict[str, Cell], key: str) -> str:
    c = cells.get(key)
    if c is None:
        return "-"
    return _f(c.ulp) + (f" ({c.nonfinite} NaN/inf)" if c.nonfinite else "")


def format_markdown(rows: list[AccuracyRow], gradient_path: str | None = None) -> str:
    """The table; ``gradient_path``, the path the switch forced for every row, labels the columns
    that would otherwise say "default"."""
    head = (
        "| activation | dtype | default | value | value: jax.nn | f′ default | f′ autodiff | f′ closed form "
        "| f′ jax.nn | f″ default | f″ jax.nn | tails: value / f′ | target |"
    )
    if gradient_path is not None:
        head = head.replace("default", f"forced {gradient_path}")
    lines = [
        head,
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        miss = r.misses()
        tails = f"{_f(r.value['jaxact'].tail_ulp)} / {_f(r.d1['default'].tail_ulp)}"
        lines.append(
            f"| {r.name} | {r.dtype} | {r.default_path} | {_c(r.value, 'jaxact')} | {_c(r.value, 'jax.nn')} "
            f"| {_c(r.d1, 'default')} | {_c(r.d1, 'autodiff')} | {_c(r.d1, 'closed_form')} | {_c(r.d1, 'jax.nn')} "
            f"| {_c(r.d2, 'default')} | {_c(r.d2, 'jax.nn')} | {tails} | {'; '.join(miss) if miss else 'met'} |"
        )
    return "\n".join(lines)


# What says where (and under which forced gradient path) a table was measured: a table's rows come
# from one of each. A table written before gradient_path was recorded reads as None, the default.
WHERE = ("jax", "backend", "device_kind", "gradient_path")


def meta_now() -> dict[str, Any]:
    """Where this process measures: its jax, backend and device (and the reference and targets)."""
    return {
        "jax": jax.__version__,
        "mpmath": _mpmath().__version__,
        "backend": jax.default_backend(),
        "device_kind": jax.devices()[0].device_kind,
        # The path JAXACT_GRADIENT_PATH (or set_gradient_path) forced for every row; None: defaults.
        "gradient_path": paths.forced_gradient_path(),
        "reference": "entry.mp in arbitrary precision (mpmath); derivatives by central differences",
        "targets_ulp": TARGET_ULPS,
    }


def write(rows: list[AccuracyRow], out_dir: Path, meta: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """accuracy.json and accuracy.md in ``out_dir``; ``meta`` (default: this process's jax, backend
    and device) says where the rows were measured. Both texts are built before either is written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    js, md = out_dir / "accuracy.json", out_dir / "accuracy.md"
    if meta is None:
        meta = meta_now()
    js_text = strict_json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=1)
    md_text = _markdown_page(rows, meta)
    js.write_text(js_text)
    md.write_text(md_text)
    return js, md


def _markdown_page(rows: list[AccuracyRow], meta: dict[str, Any]) -> str:
    forced = meta.get("gradient_path")
    n_miss = sum(1 for r in rows if r.misses())
    device = f", {meta['device_kind']}" if meta.get("device_kind") and meta["backend"] != "cpu" else ""
    return (
        "# Accuracy against an arbitrary-precision reference\n\n"
        f"Measured by `jaxact accuracy` (jax {meta['jax']}, {meta['backend']}{device}, mpmath {meta['mpmath']}). "
        + (f"Code: {meta['code']}. " if meta.get("code") else "")
        + (
            f"Every row measured with the gradient path forced to {forced} (JAXACT_GRADIENT_PATH), "
            "not each entry's default. "
            if forced
            else ""
        )
        + "Reference: each entry's textbook definition evaluated with mpmath, derivatives by central "
        "differences at a step far below float64's resolution, precision raised until two runs agree to "
        f"{_AGREE_BITS} bits. Inputs at the default parameters: a dense grid in [-20, 20], log-spaced "
        "magnitudes from the smallest normal to 1e4, and the edges (±0, ±tiny, ±1, ±20, ±1e4, ±max, ±inf; "
        "subnormal inputs are left out: XLA on CPU reads them as 0); derivatives leave out the kinks. "
        "Axis-mixing entries: 48 random rows of 8 (scale 10, edges in the first column), derivatives as "
        "JVPs with a random tangent (for entries that are not smooth, differences at two steps combined, "
        "2·D(h/2) − D(h), which cancels the O(h) error where an output is only once differentiable, entmax15's at "
        "its support's edge), their error in ulps of the size "
        "of each component's terms, "
        "(|J|·|t|)_i, where that exceeds the component (a JVP component is a sum of terms of both signs). "
        "Half-precision inputs of smooth elementwise functions are computed in float32 and rounded once.\n\n"
        "Unit: ulp of the dtype at the true value. Each cell is the maximum where the target applies — "
        "float64: wherever the truth is a normal number; lower precisions: wherever |truth| is at least "
        "eps × the quantity's scale (its max over [-10, 10]) — with the count of inputs where a NaN or inf "
        "appears, or an expected inf does not, against a defined truth. 'tails' is the default path's "
        "maximum over every normal truth. Elementwise entries whose value is a sum of terms of both "
        "signs (the registry's `thresholded`: pade's polynomial, star_relu's s·x² + b) are measured "
        "against those terms: values in ulps of max(|truth|, |x|), derivatives in ulps of max(|truth|, 1), "
        "wherever the truth is normal. "
        "Targets (jaxact's value and default-path derivatives): "
        "float64 and float32 ≤ 4 ulp, bfloat16 and float16 ≤ 2 ulp, no NaN/inf. "
        f"Rows above a target: {n_miss} of {len(rows)}; their reasons are in docs/paths.md.\n\n"
        + format_markdown(rows, forced)
        + "\n\n"
        + format_reasons(rows)
    )


def load(out_dir: Path) -> list[AccuracyRow]:
    """The rows of a committed ``accuracy.json`` (for ``jaxact accuracy --update``)."""
    rows = []
    for r in json.loads((out_dir / "accuracy.json").read_text())["rows"]:
        cells = {
            k: {i: _stored_cell(c, f"{r['name']} {r['dtype']} {k} {i}") for i, c in r[k].items()} for k in _QUANTITIES
        }
        rows.append(AccuracyRow(r["name"], r["dtype"], r["default_path"], **cells, note=r.get("note")))
    return rows


_QUANTITIES = ("value", "d1", "d2")


def _stored_cell(c: Any, where: str) -> Cell:
    """A cell as :func:`write` stores it: strict JSON writes an infinite ulp as null, read back as inf;
    anything else is refused here, before a run's measurement, not in the table it would update."""
    if not isinstance(c, dict) or set(c) != {"ulp", "tail_ulp", "nonfinite"}:
        raise ValueError(f"{where}: not a cell ({c!r})")
    ulp, tail = (math.inf if c[k] is None else c[k] for k in ("ulp", "tail_ulp"))
    n = c["nonfinite"]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (ulp, tail)) or type(n) is not int:
        raise ValueError(f"{where}: ulp and tail_ulp must be numbers (or null) and nonfinite an integer, got {c!r}")
    return Cell(float(ulp), float(tail), n)


def merge(parts: list[Path], out_dir: Path) -> tuple[Path, Path]:
    """One table from the ``accuracy.json`` of runs over disjoint sets of activations (run side by
    side to share the mpmath work), with the first part's record of where it was measured."""
    rows: list[AccuracyRow] = []
    for p in parts:
        rows = merged(rows, load(p))
    return write(rows, out_dir, json.loads((parts[0] / "accuracy.json").read_text())["meta"])


def merged(old: list[AccuracyRow], new: list[AccuracyRow]) -> list[AccuracyRow]:
    """``old`` with the (name, dtype) rows of ``new`` replaced or added, in registry order."""
    fresh = {(r.name, r.dtype): r for r in new}
    rows = {(r.name, r.dtype): r for r in old} | fresh
    order = {n: i for i, n in enumerate(e.name for e in entries())}
    dts = [jnp.dtype(d).name for d in ALL_DTYPES]
    return sorted(rows.values(), key=lambda r: (order.get(r.name, len(order)), dts.index(r.dtype)))


def format_reasons(rows: list[AccuracyRow]) -> str:
    """Each entry with a cell above target, and the reason its registry entry records: kept with the
    row when it was measured (a stored row's activation may not be registered in this process)."""
    missed: dict[str, list[str]] = {}
    notes: dict[str, str | None] = {}
    for r in rows:
        if r.misses():
            missed.setdefault(r.name, []).append(r.dtype)
            notes[r.name] = notes.get(r.name) or r.note
    lines = [
        "## Cells above target, and why",
        "",
        "| activation | dtypes | reason (registry `accuracy_note`) |",
        "|---|---|---|",
    ]
    for name, dts in missed.items():
        note = notes[name]
        if note is None:  # a row stored before notes were kept: its entry's, where it is registered
            try:
                note = get(name).accuracy_note
            except UnknownActivationError:
                note = None
        note = note or "not yet explained"
        lines.append(f"| {name} | {', '.join(dts)} | {note} |")
    return "\n".join(lines) + "\n"
