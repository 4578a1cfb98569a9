"""``jaxact check``: autodiff against the closed-form derivative, for every activation.

The inputs, parameter sets and tolerances are generated from the registry here and shared with
the test suite, so that both exercise the same cases: fresh random draws plus points at and
around every declared kink.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxact.registry import Activation, entries

FLOAT_DTYPES = (jnp.bfloat16, jnp.float16, jnp.float32, jnp.float64)

# Autodiff and the closed form round differently (e.g. autodiff of tanh goes
# through 1 − tanh², the closed form through sech²), so they agree to a few
# dozen ulp of the O(1) derivative scale, not bit for bit.
GRAD_ULPS = 32


def eps(dtype: Any) -> float:
    return float(jnp.finfo(dtype).eps)


def grad_tolerance(dtype: Any) -> float:
    return GRAD_ULPS * eps(dtype)


def param_sets(entry: Activation) -> list[dict[str, Any]]:
    """The default parameters, then each registered example set."""
    return [dict(entry.params)] + [{**entry.params, **ex} for ex in entry.examples]


def param_id(params: Mapping[str, Any], entry: Activation) -> str:
    diff = {k: v for k, v in params.items() if entry.params.get(k) is not v and entry.params.get(k) != v}
    return ",".join(f"{k}={v}" for k, v in diff.items()) or "defaults"


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
    """Fresh normal draws (scale 3) with the kinks and points just beside them mixed in."""
    rng = np.random.default_rng(seed)
    shape = input_shape(entry, n)
    x = rng.normal(scale=3.0, size=int(np.prod(shape)))
    near = []
    for k in kink_points(entry, params):
        near += [k, k + 1e-3, k - 1e-3, k + 0.25, k - 0.25]
    m = min(len(near), x.size // 2)
    x[:m] = near[:m]
    return jnp.asarray(x.reshape(shape), dtype=dtype)


def away_from_kinks(entry: Activation, params: Mapping[str, Any], x: np.ndarray, margin: float) -> np.ndarray:
    """Mask of points at least ``margin`` from every kink."""
    ok = np.ones(np.shape(x), dtype=bool)
    for k in kink_points(entry, params):
        ok &= np.abs(np.asarray(x, dtype=np.float64) - k) > margin
    return ok


def grad_autodiff(entry: Activation, params: Mapping[str, Any], x: jax.Array, *, closed: bool = False) -> jax.Array:
    """Elementwise derivative by jax.grad, vmapped over the flattened input, through one explicit path."""
    f = entry.closed_form if closed else entry.autodiff
    g = jax.vmap(jax.grad(lambda v: f(v, **params)))
    return g(x.reshape(-1)).reshape(x.shape)


def jvp_autodiff(
    entry: Activation, params: Mapping[str, Any], x: jax.Array, t: jax.Array, *, closed: bool = False
) -> jax.Array:
    f = entry.closed_form if closed else entry.autodiff
    return jax.jvp(lambda v: f(v, **params), (x,), (t,))[1]


def closed_derivative(entry: Activation, params: Mapping[str, Any], x: jax.Array) -> jax.Array:
    """The hand-written derivative (elementwise) evaluated through the public checks."""
    assert entry.derivative is not None
    return entry.derivative(x, **params)


def max_abs_diff(a: jax.Array, b: jax.Array) -> float:
    a64 = np.asarray(a, dtype=np.float64)
    b64 = np.asarray(b, dtype=np.float64)
    both_nan = np.isnan(a64) & np.isnan(b64)
    d = np.where(both_nan, 0.0, np.abs(a64 - b64))
    return float(np.max(d)) if d.size else 0.0


def scale_tolerance(ref: jax.Array, dtype: Any) -> float:
    """Tolerance for derivatives: GRAD_ULPS ulps of max(1, |reference|)."""
    r = np.asarray(ref, dtype=np.float64)
    finite = r[np.isfinite(r)]
    scale = max(1.0, float(np.max(np.abs(finite)))) if finite.size else 1.0
    return grad_tolerance(dtype) * scale


@dataclass
class CheckRow:
    name: str
    params: str
    dtype: str
    max_abs_diff: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return bool(self.max_abs_diff <= self.tolerance)


def check_entry(entry: Activation, params: dict[str, Any], dtype: Any, seed: int = 0) -> CheckRow:
    """max |autodiff − closed form| on random inputs plus kinks (tangent products for axis-mixing ones)."""
    x = random_inputs(entry, params, dtype, seed)
    if entry.elementwise:
        auto = grad_autodiff(entry, params, x)
        closed = closed_derivative(entry, params, x)
        via_path = grad_autodiff(entry, params, x, closed=True)
        diff = max(max_abs_diff(auto, closed), max_abs_diff(via_path, closed))
    else:
        t = jnp.asarray(np.random.default_rng(seed + 1).normal(size=x.shape), dtype)
        auto = jvp_autodiff(entry, params, x, t)
        closed = jvp_autodiff(entry, params, x, t, closed=True)
        diff = max_abs_diff(auto, closed)
    return CheckRow(
        entry.name,
        param_id(params, entry),
        jnp.dtype(dtype).name,
        diff,
        scale_tolerance(closed, dtype),
    )


def run_check(dtypes: tuple[Any, ...] = (jnp.float32, jnp.float64), seed: int = 0) -> list[CheckRow]:
    return [check_entry(e, p, d, seed) for e, p, d in cases(dtypes)]


def format_rows(rows: list[CheckRow]) -> str:
    head = f"{'activation':<15} {'params':<20} {'dtype':<8} {'max|auto-closed|':>17} {'tolerance':>10}  ok"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.name:<15} {r.params:<20} {r.dtype:<8} {r.max_abs_diff:>17.3e} {r.tolerance:>10.1e}  "
            f"{'yes' if r.ok else 'FAIL'}"
        )
    bad = [r for r in rows if not r.ok]
    lines.append(f"{len(rows) - len(bad)} passed, {len(bad)} failed")
    return "\n".join(lines)


def rows_as_dicts(rows: list[CheckRow]) -> list[dict[str, Any]]:
    return [{**asdict(r), "ok": r.ok} for r in rows]


def enable_x64() -> None:
    jax.config.update("jax_enable_x64", True)
