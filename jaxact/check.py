"""``jaxact check``: autodiff against the closed-form derivative, for every activation."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxact import testing
from jaxact.registry import Activation


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
    x = testing.random_inputs(entry, params, dtype, seed)
    if entry.elementwise:
        auto = testing.grad_autodiff(entry, params, x)
        closed = testing.closed_derivative(entry, params, x)
        via_path = testing.grad_autodiff(entry, params, x, closed=True)
        diff = max(testing.max_abs_diff(auto, closed), testing.max_abs_diff(via_path, closed))
    else:
        t = jnp.asarray(np.random.default_rng(seed + 1).normal(size=x.shape), dtype)
        auto = testing.jvp_autodiff(entry, params, x, t)
        closed = testing.jvp_autodiff(entry, params, x, t, closed=True)
        diff = testing.max_abs_diff(auto, closed)
    return CheckRow(
        entry.name,
        testing.param_id(params, entry),
        jnp.dtype(dtype).name,
        diff,
        testing.scale_tolerance(closed, dtype),
    )


def run_check(dtypes: tuple[Any, ...] = (jnp.float32, jnp.float64), seed: int = 0) -> list[CheckRow]:
    return [check_entry(e, p, d, seed) for e, p, d in testing.cases(dtypes)]


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
