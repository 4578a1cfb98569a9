"""Numerics: the edge sweep and the accuracy report (``jaxact accuracy``).

Reference: each activation evaluated in float64 on the *same* (already rounded)
inputs upcast to float64, with the closed-form derivative for derivatives.
Error unit: ulp of the target dtype at the reference value, with an absolute
floor at the dtype's smallest normal (so an underflow to 0, which XLA's CPU
flush-to-zero may produce, is not reported as millions of ulp).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxact import testing
from jaxact.registry import Activation, entries

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
    return np.asarray(testing.closed_derivative(entry, params, jnp.asarray(x64, jnp.float64)), dtype=np.float64)


def ulp_error(y: np.ndarray, ref: np.ndarray, dtype: Any) -> np.ndarray:
    """|y − ref| in ulps of ``dtype`` at ref, floored at the smallest normal.

    Where ref is not finite in ``dtype`` (inf, NaN, or beyond its max), the error
    is 0 if y is the same non-finite value and inf otherwise; the same holds for
    a NaN/inf y against a finite ref.
    """
    fi = jnp.finfo(dtype)
    y = np.asarray(y, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):  # rounding to dtype may overflow: that is the point
        overflows = np.isinf(np.asarray(jnp.asarray(ref, dtype).astype(jnp.float64))) & np.isfinite(ref)
        ref_d = np.where(overflows, np.sign(ref) * np.inf, ref)
        same = (y == ref_d) | (np.isnan(y) & np.isnan(ref_d))
        mag = np.maximum(np.abs(np.where(np.isfinite(ref_d), ref_d, 0.0)), float(fi.tiny))
        ulp = np.maximum(2.0 ** (np.floor(np.log2(mag)) - fi.nmant), float(fi.tiny))
        err = np.abs(y - ref_d) / ulp
    err = np.where(same, 0.0, err)
    return np.where(np.isnan(err) | ~np.isfinite(y) | ~np.isfinite(ref_d), np.where(same, 0.0, np.inf), err)


def _summary(err: np.ndarray) -> tuple[float, int]:
    """(max ulp over points with a finite error, number of non-finite mismatches)."""
    finite = np.isfinite(err)
    return (float(np.max(err[finite])) if finite.any() else 0.0), int(np.sum(~finite))


def accuracy_grid(dtype: Any) -> np.ndarray:
    """Dense grid in [−20, 20], log-spaced magnitudes 1e−30 … 1e4, and the edges, rounded to dtype."""
    fi = jnp.finfo(dtype)
    lo = max(-30.0, math.log10(float(fi.tiny)))
    mags = np.logspace(lo, 4, 400)
    x = np.concatenate([np.linspace(-20, 20, 4001), mags, -mags, edge_values(dtype)])
    x = np.asarray(jnp.asarray(x, dtype).astype(jnp.float64))
    return np.unique(x[~np.isnan(x)])


@dataclass
class AccuracyRow:
    """Max ulp error over points where both sides are finite, and the number of
    inputs (edges included) where NaN/inf appears or vanishes wrongly."""

    name: str
    dtype: str
    value_ulp: float
    deriv_ulp_closed: float
    deriv_ulp_autodiff: float
    nonfinite: int
    value_ulp_jax_nn: float | None = None
    deriv_ulp_jax_nn: float | None = None
    nonfinite_jax_nn: int | None = None


def _grad(f: Callable[..., jax.Array], x: jax.Array) -> np.ndarray:
    return np.asarray(jax.jit(jax.vmap(jax.grad(f)))(x))


def _row(
    name: str,
    dtype: Any,
    value: Callable,
    deriv_closed: Callable,
    deriv_auto: Callable,
    ref: np.ndarray,
    dref: np.ndarray,
    nn: tuple[Callable, Callable] | None,
) -> AccuracyRow:
    v, nv = _summary(ulp_error(value(), ref, dtype))
    dc, ndc = _summary(ulp_error(deriv_closed(), dref, dtype))
    da, nda = _summary(ulp_error(deriv_auto(), dref, dtype))
    row = AccuracyRow(name, jnp.dtype(dtype).name, v, dc, da, nv + ndc + nda)
    if nn is not None:
        vn, nvn = _summary(ulp_error(nn[0](), ref, dtype))
        dn, ndn = _summary(ulp_error(nn[1](), dref, dtype))
        row.value_ulp_jax_nn, row.deriv_ulp_jax_nn, row.nonfinite_jax_nn = vn, dn, nvn + ndn
    return row


def accuracy_row(entry: Activation, dtype: Any) -> AccuracyRow:
    """Value and derivative accuracy of an elementwise activation on the dense grid and the edges."""
    x64 = accuracy_grid(dtype)
    x = jnp.asarray(x64, dtype)
    params = dict(entry.params)
    ref = reference_value(entry, params, x64)
    dref = reference_derivative(entry, params, x64)
    nn = None
    if entry.jax_nn:
        f_nn = getattr(jax.nn, entry.jax_nn)
        nn = (lambda: np.asarray(jax.jit(f_nn)(x)), lambda: _grad(f_nn, x))
    return _row(
        entry.name,
        dtype,
        lambda: np.asarray(jax.jit(entry.fn)(x)),
        lambda: _grad(entry.closed_form, x),
        lambda: _grad(entry.autodiff, x),
        ref,
        dref,
        nn,
    )


def vector_accuracy_row(entry: Activation, dtype: Any, seed: int = 0) -> AccuracyRow:
    """Axis-mixing activations: rows of random logits (scale 10), some holding finite edge values;
    derivatives as Jacobian-vector products with a random tangent."""
    rng = np.random.default_rng(seed)
    x64 = rng.normal(scale=10.0, size=(256, 8))
    edges = edge_values(dtype)
    edges = edges[np.isfinite(edges)]
    x64[: edges.size, 0] = edges
    x = jnp.asarray(x64, dtype)
    x64 = np.asarray(x.astype(jnp.float64))
    t = jnp.asarray(rng.normal(size=x64.shape), dtype)
    t64 = np.asarray(t.astype(jnp.float64))
    ref = reference_value(entry, {}, x64)
    dref = np.asarray(jax.jvp(entry.closed_form, (jnp.asarray(x64),), (jnp.asarray(t64),))[1])

    def jvp_of(f: Callable[..., jax.Array]) -> Callable[[], np.ndarray]:
        return lambda: np.asarray(jax.jit(lambda a, b: jax.jvp(f, (a,), (b,))[1])(x, t))

    nn = None
    if entry.jax_nn:
        f_nn = getattr(jax.nn, entry.jax_nn)
        nn = (lambda: np.asarray(jax.jit(f_nn)(x)), jvp_of(f_nn))
    return _row(
        entry.name,
        dtype,
        lambda: np.asarray(jax.jit(entry.fn)(x)),
        jvp_of(entry.closed_form),
        jvp_of(entry.autodiff),
        ref,
        dref,
        nn,
    )


def accuracy_table(names: list[str] | None = None, dtypes: tuple[Any, ...] = LOW_PRECISION) -> list[AccuracyRow]:
    rows = []
    for e in entries():
        if names and e.name not in names:
            continue
        for d in dtypes:
            rows.append(accuracy_row(e, d) if e.elementwise else vector_accuracy_row(e, d))
    return rows


def _f(v: float | None) -> str:
    if v is None:
        return "-"
    if math.isinf(v):
        return "inf"
    return f"{v:.3g}" if v < 1e4 else f"{v:.1e}"


def format_markdown(rows: list[AccuracyRow]) -> str:
    lines = [
        "| activation | dtype | value: jaxact | value: jax.nn | d/dx: closed form | d/dx: autodiff | d/dx: jax.nn "
        "| NaN/inf errors: jaxact | NaN/inf errors: jax.nn |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        nn_bad = "-" if r.nonfinite_jax_nn is None else str(r.nonfinite_jax_nn)
        lines.append(
            f"| {r.name} | {r.dtype} | {_f(r.value_ulp)} | {_f(r.value_ulp_jax_nn)} | {_f(r.deriv_ulp_closed)} | "
            f"{_f(r.deriv_ulp_autodiff)} | {_f(r.deriv_ulp_jax_nn)} | {r.nonfinite} | {nn_bad} |"
        )
    return "\n".join(lines)


def write(rows: list[AccuracyRow], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    js, md = out_dir / "accuracy.json", out_dir / "accuracy.md"
    meta = {"jax": jax.__version__, "backend": jax.default_backend(), "reference": "float64 path, same inputs"}

    js.write_text(json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=1))
    md.write_text(
        "# Accuracy: max error in ulp against a float64 reference\n\n"
        f"Measured by `jaxact accuracy` (jax {meta['jax']}, {meta['backend']}). Inputs: a dense grid in [-20, 20], "
        "log-spaced magnitudes down to 1e-30, and the edges (±0, ±tiny, ±subnormal, ±1, ±20, ±1e4, ±max, ±inf). "
        "Reference: float64 evaluation of the same rounded inputs; derivatives against the float64 closed form. "
        "Unit: ulp of the dtype at the reference, floored at the smallest normal; maxima over the points where "
        "result and reference are both finite. 'NaN/inf errors' counts inputs where a NaN or inf appears (or "
        "vanishes) against the reference, value and derivatives together (jaxact: both gradient paths).\n\n"
        + format_markdown(rows)
        + "\n"
    )
    return js, md
