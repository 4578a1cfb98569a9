"""Trace-time input checks shared by every activation.

Everything here runs in Python while JAX traces, so a bad argument fails with a
message naming the argument and the fix, before XLA ever sees it.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

# Rule for non-float input, one for every activation: booleans and integers
# are promoted to JAX's default float dtype (float32, or float64 with x64
# enabled), as jax.nn does for its transcendental functions. Complex numbers,
# strings, None and Python containers are refused.
_ARRAY_TYPES = (jax.Array, np.ndarray, np.generic, float, int, bool)
FLOATS = frozenset(np.dtype(d) for d in (jnp.bfloat16, jnp.float16, jnp.float32, jnp.float64))


def default_float() -> Any:
    return jax.dtypes.canonicalize_dtype(jnp.float64)


def as_float_array(x: Any, fname: str, argname: str = "x") -> jax.Array:
    """Returns ``x`` as a float JAX array or raises a TypeError naming the fix."""
    if isinstance(x, jax.Array) and x.dtype in FLOATS:  # the common case, kept cheap for eager calls
        return x
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(
            f"jaxact.{fname}: argument '{argname}' must be a float array, got "
            f"{type(x).__name__} {x!r:.40}. Pass a jax or numpy array of floats."
        )
    if isinstance(x, (list, tuple)):
        raise TypeError(
            f"jaxact.{fname}: argument '{argname}' must be an array, got a "
            f"{type(x).__name__}. Wrap it first: jnp.asarray({argname})."
        )
    if not isinstance(x, _ARRAY_TYPES) and not hasattr(x, "__jax_array__"):
        raise TypeError(f"jaxact.{fname}: argument '{argname}' must be a float array, got {type(x).__name__}.")
    dtype = np.result_type(x) if not isinstance(x, jax.Array) else x.dtype
    if jnp.issubdtype(dtype, jnp.complexfloating):
        raise TypeError(
            f"jaxact.{fname}: argument '{argname}' is complex ({dtype}); "
            "activations are defined on real floats. Apply it to jnp.real(x) "
            "and jnp.imag(x) separately if that is what you mean."
        )
    if jnp.issubdtype(dtype, jnp.floating):
        return jnp.asarray(x)
    if jnp.issubdtype(dtype, jnp.integer) or jnp.issubdtype(dtype, jnp.bool_):
        return jnp.asarray(x, dtype=default_float())
    raise TypeError(
        f"jaxact.{fname}: argument '{argname}' has dtype {dtype}; expected a "
        "float array (bfloat16, float16, float32 or float64)."
    )


def is_concrete(value: Any) -> bool:
    return not isinstance(value, jax.core.Tracer)


_CONSTRAINTS = {
    "positive": (lambda v: np.all(v > 0), "must be > 0"),
    "nonnegative": (lambda v: np.all(v >= 0), "must be >= 0"),
    "nonzero": (lambda v: np.all(v != 0), "must be non-zero"),
    "finite": (lambda v: np.all(np.isfinite(v)), "must be finite"),
}


def check_param(fname: str, name: str, value: Any, constraints: tuple[str, ...]) -> Any:
    """Checks a numeric parameter; traced (learnable) values skip value checks."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(
            f"jaxact.{fname}: parameter '{name}' must be a real number or array, got {type(value).__name__}."
        )
    if isinstance(value, (list, tuple)):
        raise TypeError(
            f"jaxact.{fname}: parameter '{name}' must be a number or array, got a "
            f"{type(value).__name__}. Wrap it first: jnp.asarray({name})."
        )
    dtype = value.dtype if hasattr(value, "dtype") else np.result_type(value)
    if jnp.issubdtype(dtype, jnp.complexfloating):
        raise TypeError(f"jaxact.{fname}: parameter '{name}' must be real, got {dtype}.")
    if not is_concrete(value):
        return value
    arr = np.asarray(value, dtype=np.float64)
    for c in ("finite", *constraints):
        ok, msg = _CONSTRAINTS[c]
        if not ok(arr):
            shown = f"{arr.item():g}" if arr.ndim == 0 else np.array2string(arr, threshold=6)
            raise ValueError(f"jaxact.{fname}: parameter '{name}' {msg}, got {shown}.")
    return value


def check_ordered(fname: str, lo_name: str, lo: Any, hi_name: str, hi: Any) -> None:
    """lo <= hi (elementwise) where both are concrete; traced (learned) values cannot be checked."""
    if is_concrete(lo) and is_concrete(hi) and not np.all(np.asarray(lo) <= np.asarray(hi)):
        raise ValueError(f"jaxact.{fname}: needs {lo_name} <= {hi_name}, got {lo_name}={lo} and {hi_name}={hi}.")


def normalize_axis(fname: str, axis: Any, ndim: int) -> tuple[int, ...]:
    """Normalises an int / tuple / None axis argument against ``ndim``."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    if not isinstance(axes, tuple) or not all(isinstance(a, (int, np.integer)) for a in axes):
        raise TypeError(f"jaxact.{fname}: 'axis' must be an int, a tuple of ints or None, got {axis!r}.")
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(
                f"jaxact.{fname}: axis {a} is out of range for an input of {ndim} "
                f"dimension(s); use an axis in [{-ndim}, {ndim - 1}]."
            )
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"jaxact.{fname}: 'axis' {axis!r} names a dimension twice (of {ndim}).")
    return tuple(out)
