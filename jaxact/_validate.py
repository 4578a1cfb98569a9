"""Trace-time input checks shared by every activation.

Everything here runs in Python while JAX traces, so a bad argument fails with a
message naming the argument and the fix, before XLA ever sees it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

# Rule for non-float input, one for every activation: booleans and integers
# are promoted as jnp's transcendental functions promote them (jnp.sin): arrays of
# up to 32 bits to float32, 64-bit integers and Python ints to the default float
# (float64 with x64 enabled; a Python int gives a weakly typed float). Complex numbers,
# strings, None and Python containers are refused.
_ARRAY_TYPES = (jax.Array, np.ndarray, np.generic, float, int, bool)
FLOATS = frozenset(np.dtype(d) for d in (jnp.bfloat16, jnp.float16, jnp.float32, jnp.float64))


def default_float() -> Any:
    return jax.dtypes.canonicalize_dtype(jnp.float64)


def inexact_of(dtype: np.dtype) -> np.dtype:
    """The float dtype jnp's transcendental functions give an integer or bool array of ``dtype``
    (jnp.sin: int8–int32, uint8–uint32 and bool to float32, 64-bit integers to the default float),
    read from JAX itself rather than restated."""
    return _inexact_of(dtype, bool(jax.config.jax_enable_x64))


@functools.cache
def _inexact_of(dtype: np.dtype, x64: bool) -> np.dtype:
    return np.dtype(jax.eval_shape(jnp.sin, jax.ShapeDtypeStruct((), jax.dtypes.canonicalize_dtype(dtype))).dtype)


def as_float_array(x: Any, fname: str, argname: str = "x") -> jax.Array:
    """Returns ``x`` as a float JAX array or raises a TypeError naming the fix."""
    if isinstance(x, jax.Array) and x.dtype in FLOATS:  # the common case, kept cheap for eager calls
        return x
    if isinstance(x, jax.ShapeDtypeStruct):  # f.lower(...), f.eval_shape(...): a shape, no values
        if x.dtype in FLOATS:
            return x  # type: ignore[return-value]
        if jnp.issubdtype(x.dtype, jnp.integer) or jnp.issubdtype(x.dtype, jnp.bool_):
            return jax.ShapeDtypeStruct(x.shape, inexact_of(np.dtype(x.dtype)), sharding=x.sharding)  # type: ignore[return-value]
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
        if isinstance(x, (int, bool)):  # a Python number: a weakly typed default float, as jnp.sin(2)
            return jnp.asarray(float(x))
        a = jnp.asarray(x)
        if getattr(getattr(a, "aval", a), "weak_type", False):  # one traced under jit, as a Python number
            return a * 1.0  # a weak float of the default dtype; XLA folds the ×1 into the convert
        return a.astype(inexact_of(np.dtype(dtype)))
    raise TypeError(
        f"jaxact.{fname}: argument '{argname}' has dtype {dtype}; expected a "
        "float array (bfloat16, float16, float32 or float64)."
    )


def readable(value: Any) -> bool:
    """A value the checks can read here: not traced, not a shape alone (f.lower(x, alpha=spec)),
    and not held on an accelerator (see :func:`_on_accelerator`)."""
    return not isinstance(value, (jax.core.Tracer, jax.ShapeDtypeStruct)) and not _on_accelerator(value)


def error_line(e: BaseException) -> str:
    """An exception as one line: its type and the first line of its message."""
    text = str(e).strip()
    return f"{type(e).__name__}: {text.splitlines()[0]}" if text else type(e).__name__


_CONSTRAINTS = {
    "positive": (lambda v: np.all(v > 0), "must be > 0"),
    "nonnegative": (lambda v: np.all(v >= 0), "must be >= 0"),
    "nonzero": (lambda v: np.all(v != 0), "must be non-zero"),
    "finite": (lambda v: np.all(np.isfinite(v)), "must be finite"),
}


def _on_accelerator(value: Any) -> bool:
    """A jax.Array held on a GPU/TPU: reading its value to check it would copy it to the host and
    wait for it on every eager call (and jax.transfer_guard("disallow") refuses the copy), so it
    goes unchecked, as a traced value does. On the CPU the read is a view."""
    return isinstance(value, jax.Array) and any(d.platform != "cpu" for d in value.devices())


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
    if not readable(value):
        return value
    arr = np.asarray(value, dtype=np.float64)
    for c in ("finite", *constraints):
        ok, msg = _CONSTRAINTS[c]
        if not ok(arr):
            shown = f"{arr.item():g}" if arr.ndim == 0 else np.array2string(arr, threshold=6)
            raise ValueError(f"jaxact.{fname}: parameter '{name}' {msg}, got {shown}.")
    return value


def check_broadcasts(fname: str, name: str, value: Any, x: Any) -> None:
    """A parameter array whose shape does not broadcast with x's, named (JAX's own error names
    neither). Shapes alone, which a traced value has too: nothing is added inside jit."""
    shape = getattr(value, "shape", ())  # a Python number has none: a scalar
    if not shape or shape == x.shape:
        return
    try:
        np.broadcast_shapes(shape, x.shape)
    except ValueError:
        raise ValueError(
            f"jaxact.{fname}: parameter '{name}' of shape {tuple(shape)} does not broadcast with x of shape "
            f"{tuple(x.shape)}."
        ) from None


def _weak(v: Any) -> bool:
    """A Python number (JAX types it weakly), not a NumPy scalar (np.float64 subclasses float)."""
    return isinstance(v, (int, float)) and not isinstance(v, np.generic)


def check_ordered(fname: str, lo_name: str, lo: Any, hi_name: str, hi: Any) -> None:
    """lo <= hi (elementwise) where both are readable; traced (learned) values cannot be checked."""
    if readable(lo) and readable(hi):
        a, b = np.asarray(lo), np.asarray(hi)
        # A Python number is weakly typed, as in the computation: compared in the other's dtype (a float32
        # lower of 1/3 rounds above the Python float 1/3, and is equal to it in float32).
        if _weak(lo) and jnp.issubdtype(b.dtype, jnp.floating):  # jnp's: bfloat16 is no NumPy floating
            a = a.astype(b.dtype)
        elif _weak(hi) and jnp.issubdtype(a.dtype, jnp.floating):
            b = b.astype(a.dtype)
        try:
            a, b = np.broadcast_arrays(a, b)
        except ValueError:  # NumPy's own message names neither parameter
            raise ValueError(
                f"jaxact.{fname}: parameters '{lo_name}' of shape {a.shape} and '{hi_name}' of shape {b.shape} "
                "do not broadcast together."
            ) from None
        bad = np.argwhere(~(np.atleast_1d(a) <= np.atleast_1d(b)))
        if len(bad):  # one pair, one line: learned per-feature values print many over several lines
            i = tuple(int(j) for j in bad[0]) if a.ndim else ()
            where = f" at index {i if len(i) > 1 else i[0]} ({len(bad)} of {a.size})" if a.ndim else ""
            raise ValueError(
                f"jaxact.{fname}: needs {lo_name} <= {hi_name}, got {lo_name}={float(a[i]):.8g} and "
                f"{hi_name}={float(b[i]):.8g}{where}."
            )


def check_ordered_pairs(
    fname: str, pairs: Sequence[tuple[str, str]], defaults: Mapping[str, Any], given: Mapping[str, Any]
) -> None:
    """:func:`check_ordered` for each declared pair (an entry's ``ordered``) of which a value was given."""
    for lo, hi in pairs:
        if lo in given or hi in given:
            v = {**defaults, **given}
            check_ordered(fname, lo, v[lo], hi, v[hi])


def normalize_axis(fname: str, axis: Any, ndim: int, *, names: bool = False) -> tuple[int | str, ...]:
    """Normalises an int / tuple / None axis argument against ``ndim``. With ``names``, a str (or a
    tuple entry that is one) is a mapped axis's name (``vmap(..., axis_name=)``, ``shard_map``), kept
    as it is for the reductions, which JAX resolves; :func:`check_axis_names` says whether it is bound."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) or (names and isinstance(axis, str)) else axis
    kinds = (int, np.integer, str) if names else (int, np.integer)
    if not isinstance(axes, tuple) or not all(isinstance(a, kinds) for a in axes):
        what = "an int, a mapped axis name, a tuple of those or None" if names else "an int, a tuple of ints or None"
        raise TypeError(f"jaxact.{fname}: 'axis' must be {what}, got {axis!r}.")
    out: list[int | str] = []
    for a in axes:
        if isinstance(a, str):
            out.append(a)
            continue
        if not -ndim <= a < ndim:
            raise ValueError(
                f"jaxact.{fname}: axis {a} is out of range for an input of {ndim} "
                f"dimension(s); use an axis in [{-ndim}, {ndim - 1}]."
            )
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"jaxact.{fname}: 'axis' {axis!r} names a dimension twice (of {ndim}).")
    return tuple(out)


def named_axes(axis: Any) -> tuple[str, ...]:
    """The mapped axis names in an ``axis`` argument (a str, or the str entries of a tuple)."""
    if isinstance(axis, str):
        return (axis,)
    return tuple(a for a in axis if isinstance(a, str)) if isinstance(axis, tuple) else ()


def check_axis_names(fname: str, axis: Any) -> None:
    """A one-line error for a name in ``axis`` that no enclosing vmap or shard_map binds here (JAX's
    own is a NameError from deep in a reduction)."""
    for a in named_axes(axis):
        try:
            jax.lax.axis_size(a)
        except NameError:
            raise ValueError(
                f"jaxact.{fname}: axis {a!r} is not the name of a mapped axis here (jax.vmap(..., "
                "axis_name=), shard_map); a positional axis is an int."
            ) from None
