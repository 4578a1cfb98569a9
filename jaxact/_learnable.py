"""What the Flax modules learn: an entry's numeric parameters, read from the registry.

Shared by :mod:`jaxact.linen` and :mod:`jaxact.nnx` (neither framework is imported here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from jaxact import paths
from jaxact.configured import Configured, configure


@dataclass(frozen=True)
class Plan:
    """The function to call, its fixed parameters and the learned ones with their initial values."""

    fn: Any
    fixed: dict[str, Any]
    learned: dict[str, float]
    constraints: dict[str, tuple[str, ...]]
    keyed: bool = False  # takes a PRNG key for its random (training) form (rrelu)


def plan(
    activation: str | Configured,
    learn: Sequence[str] | None,
    path: paths.GradientPath | None,
    owner: str,
) -> Plan:
    """Checks the module's settings against the entry; the message names what is wrong."""
    conf = activation if isinstance(activation, Configured) else configure(activation)
    entry = conf.entry
    can = entry.learnable_params
    names = can if learn is None else tuple([learn] if isinstance(learn, str) else learn)
    bad = [k for k in names if k not in can]
    if bad or not names:
        what = f"cannot learn {', '.join(map(repr, bad))}" if bad else "has nothing to learn"
        raise ValueError(
            f"{owner}: {entry.name} {what}; its learnable parameters: {', '.join(can) or 'none'} "
            "(fixed settings go in jaxact.configure)."
        )
    paths._checked(path, owner)
    fixed = dict(conf.params)
    learned = {k: float(fixed.pop(k, entry.params[k])) for k in names}
    fn = entry.fn if (path or conf.path) is None else entry.path(path or conf.path)  # type: ignore[arg-type]
    return Plan(fn, fixed, learned, {k: tuple(entry.constraints.get(k, ())) for k in names}, entry.keyed)


def check_dtypes(param_dtype: Any, dtype: Any, owner: str) -> None:
    """param_dtype a float dtype, dtype a float dtype or None: an integer one stored a slope of 0.25
    as 0 (prelu became relu) or truncated the inputs, silently."""
    for option, value in (("param_dtype", param_dtype), ("dtype", dtype)):
        if value is None and option == "dtype":
            continue
        try:
            got: Any = jnp.dtype(value)
        except (TypeError, ValueError):
            got = repr(value)
        if isinstance(got, str) or not jnp.issubdtype(got, jnp.floating):
            raise TypeError(f"{owner}: {option} must be a float dtype (jnp.float32, jnp.bfloat16, ...), got {got}.")


def param_shape(x: jax.Array, axis: int, per_channel: bool, owner: str) -> tuple[int, ...]:
    if not per_channel:
        return ()
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{owner}: per-channel axis {axis} is out of range for an input of shape {x.shape}.")
    return (x.shape[axis],)


def apply(
    p: Plan, x: Any, values: dict[str, jax.Array], axis: int, dtype: Any, key: jax.Array | None = None
) -> jax.Array:
    """f(x) with the learned values cast to the computation dtype (Flax's convention: parameters
    stored in ``param_dtype``, maths in ``dtype``, by default the input's) and laid along ``axis``;
    ``key`` for a keyed entry's random (training) form.

    A learned value that training pushed out of its parameter's domain is used at the domain's
    edge (a positive one at the dtype's epsilon, a nonnegative one at 0): traced values cannot be
    checked, and outside the domain the function is NaN (celu, isru). Its gradient is the one at
    the edge (straight through the clamp): a clamp's own gradient, 0 outside, froze a parameter
    there for good once one optimiser step crossed the edge.
    """
    x = jnp.asarray(x)
    dt = jnp.dtype(dtype) if dtype is not None else (x.dtype if jnp.issubdtype(x.dtype, jnp.floating) else None)
    if dt is not None:
        x = x.astype(dt)
    kw = {}
    for k, v in values.items():
        v = v.astype(dt) if dt is not None else v
        if "positive" in p.constraints[k]:
            v = v + jax.lax.stop_gradient(jnp.maximum(v, jnp.finfo(v.dtype).eps) - v)
        elif "nonnegative" in p.constraints[k]:
            v = v + jax.lax.stop_gradient(jnp.maximum(v, 0) - v)
        if v.ndim == 1 and x.ndim > 1:
            shape = [1] * x.ndim
            shape[axis] = v.shape[0]
            v = v.reshape(shape)
        kw[k] = v
    if key is not None:  # a keyed activation's training draw (rrelu)
        kw["key"] = key
    return p.fn(x, **p.fixed, **kw)
