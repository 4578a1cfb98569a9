"""The registry: one entry per activation, the single source of truth.

Each family module defines a pure ``jnp`` function and its closed-form
derivative, then registers them with :func:`register`. From the entry come the
public function (autodiff path), the closed-form gradient path, the CLI
listing, the test parametrisation, plots and benchmarks.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
from jax.custom_derivatives import SymbolicZero

from jaxact import _validate

inf = math.inf

Range = tuple[float, float]


class UnknownActivationError(KeyError):
    """Raised by :func:`get` for a name that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class Activation:
    """Everything known about one activation.

    ``fn`` is the public function, differentiated by plain autodiff through its
    ``jnp`` code. ``closed_form`` computes the same values but differentiates
    with ``derivative`` (elementwise f'(x)) or ``jvp`` (for functions that mix
    elements along an axis, such as softmax) through ``jax.custom_jvp``.
    """

    name: str
    fn: Callable[..., jax.Array]
    closed_form: Callable[..., jax.Array]
    raw: Callable[..., jax.Array]
    derivative: Callable[..., jax.Array] | None
    jvp: Callable[..., jax.Array] | None
    params: Mapping[str, Any]
    static: tuple[str, ...]
    range_: Range | Callable[..., Range]
    family: str
    formula: str
    monotone: bool = False
    smooth: bool = False
    zero_centred: bool = False  # E f(z) ≈ 0 for z ~ N(0, 1)
    odd: bool = False
    jax_nn: str | None = None
    torch: str | None = None
    kinks: tuple[float, ...] = ()
    examples: tuple[Mapping[str, Any], ...] = ()
    aliases: tuple[str, ...] = ()
    constraints: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def elementwise(self) -> bool:
        return self.derivative is not None

    def output_range(self, **params: Any) -> Range:
        if callable(self.range_):
            kw = {**self.params, **params}
            return self.range_(**{k: kw[k] for k in inspect.signature(self.range_).parameters})
        return self.range_

    @property
    def bounded(self) -> bool:
        lo, hi = self.output_range()
        return math.isfinite(lo) and math.isfinite(hi)

    @property
    def numeric_params(self) -> tuple[str, ...]:
        return tuple(k for k in self.params if k not in self.static)

    def __call__(self, x: Any, *args: Any, **kwargs: Any) -> jax.Array:
        return self.fn(x, *args, **kwargs)


_REGISTRY: dict[str, Activation] = {}
_ALIASES: dict[str, str] = {}


def names(*, include_aliases: bool = False) -> list[str]:
    """Registered activation names, sorted."""
    out = list(_REGISTRY)
    if include_aliases:
        out += list(_ALIASES)
    return sorted(out)


def entries() -> list[Activation]:
    """All registry entries, sorted by name."""
    return [_REGISTRY[n] for n in names()]


def get(name: str) -> Activation:
    """The registry entry for ``name`` (or an alias); suggests close names if unknown."""
    if not isinstance(name, str):
        raise TypeError(f"jaxact.get: name must be a str, got {type(name).__name__}.")
    key = name.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key in _REGISTRY:
        return _REGISTRY[key]
    close = difflib.get_close_matches(key, names(include_aliases=True), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise UnknownActivationError(f"unknown activation {name!r}.{hint} `jaxact list` shows all {len(_REGISTRY)}.")


def _is_zero_tangent(t: Any) -> bool:
    if t is None or isinstance(t, SymbolicZero):
        return True
    return getattr(t, "dtype", None) == jax.dtypes.float0


def _make_closed_form(
    raw: Callable[..., jax.Array],
    derivative: Callable[..., jax.Array] | None,
    jvp: Callable[..., jax.Array] | None,
    dyn_names: tuple[str, ...],
) -> Callable[..., jax.Array]:
    """Builds ``raw`` with a custom_jvp from the closed-form derivative.

    Static parameters are closed over (one custom_jvp per static setting);
    numeric parameters stay differentiable: their tangents go through autodiff
    of ``raw`` with x held fixed, since the hand-written derivative is d/dx.
    """

    @functools.cache
    def build(static_items: tuple[tuple[str, Any], ...]) -> Callable[..., jax.Array]:
        static = dict(static_items)

        @jax.custom_jvp
        def f(x: jax.Array, *dyn: Any) -> jax.Array:
            return raw(x, **dict(zip(dyn_names, dyn, strict=True)), **static)

        def f_jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
            x, *dyn = primals
            tx, *tdyn = tangents
            kw = {**dict(zip(dyn_names, dyn, strict=True)), **static}
            y = raw(x, **kw)
            if _is_zero_tangent(tx):
                ty = jax.numpy.zeros_like(y)
            elif derivative is not None:
                ty = derivative(x, **kw) * tx
            else:
                assert jvp is not None
                ty = jvp(x, tx, **kw)
            for i, (pname, tp) in enumerate(zip(dyn_names, tdyn, strict=True)):
                if _is_zero_tangent(tp):
                    continue

                def along(p: Any, pname: str = pname) -> jax.Array:
                    return raw(x, **{**kw, pname: p})

                ty = ty + jax.jvp(along, (dyn[i],), (tp,))[1]
            return y, ty

        f.defjvp(f_jvp, symbolic_zeros=True)
        return f

    def closed(x: jax.Array, **params: Any) -> jax.Array:
        static_items = tuple((k, v) for k, v in params.items() if k not in dyn_names)
        return build(static_items)(x, *(params[k] for k in dyn_names))

    return closed


def register(
    *,
    range: Range | Callable[..., Range],
    formula: str,
    derivative: Callable[..., jax.Array] | None = None,
    jvp: Callable[..., jax.Array] | None = None,
    static: tuple[str, ...] = (),
    constraints: Mapping[str, tuple[str, ...]] | None = None,
    validate: Callable[..., None] | None = None,
    **meta: Any,
) -> Callable[[Callable[..., jax.Array]], Callable[..., jax.Array]]:
    """Decorator: registers a pure jnp activation and returns its public function.

    The public function checks its input (see ``_validate``) at trace time and
    then runs the jnp body, so plain autodiff differentiates the body itself.
    ``validate(x, **params)`` is an optional extra trace-time check.
    """
    if (derivative is None) == (jvp is None):
        raise ValueError("give exactly one of derivative= (elementwise) or jvp=")
    constraints = dict(constraints or {})

    def deco(raw: Callable[..., jax.Array]) -> Callable[..., jax.Array]:
        name = raw.__name__
        if name in _REGISTRY or name in _ALIASES:
            raise ValueError(f"activation {name!r} registered twice")
        sig = inspect.signature(raw)
        pnames = list(sig.parameters)[1:]
        defaults = {k: sig.parameters[k].default for k in pnames}
        dyn_names = tuple(k for k in pnames if k not in static)
        closed_raw = _make_closed_form(raw, derivative, jvp, dyn_names)

        def bind(x: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[jax.Array, dict[str, Any]]:
            try:
                bound = sig.bind(x, *args, **kwargs)
            except TypeError as e:
                raise TypeError(f"jaxact.{name}{sig}: {e}") from None
            bound.apply_defaults()
            params = dict(bound.arguments)
            xa = _validate.as_float_array(params.pop(next(iter(sig.parameters))), name)
            for k in dyn_names:
                if k in constraints or isinstance(defaults[k], (int, float)):
                    v = _validate.check_param(name, k, params[k], constraints.get(k, ()))
                    # Parameters take x's dtype so the output keeps it (a float32
                    # learnable slope must not promote a bfloat16 activation).
                    params[k] = jax.numpy.asarray(v).astype(xa.dtype)
            if validate is not None:
                validate(xa, **params)
            return xa, params

        @functools.wraps(raw)
        def fn(x: Any, *args: Any, **kwargs: Any) -> jax.Array:
            xa, params = bind(x, args, kwargs)
            return raw(xa, **params)

        @functools.wraps(raw)
        def closed_form(x: Any, *args: Any, **kwargs: Any) -> jax.Array:
            xa, params = bind(x, args, kwargs)
            return closed_raw(xa, **params)

        closed_form.__doc__ = (
            f"Closed-form-gradient variant of :func:`jaxact.{name}`: same values, "
            f"derivative from the hand-written formula via jax.custom_jvp.\n\n{raw.__doc__}"
        )
        aliases = tuple(meta.pop("aliases", ()))
        entry = Activation(
            name=name,
            fn=fn,
            closed_form=closed_form,
            raw=raw,
            derivative=derivative,
            jvp=jvp,
            params=defaults,
            static=tuple(static),
            range_=range,
            family=raw.__module__.rsplit(".", 1)[-1],
            formula=formula,
            aliases=aliases,
            constraints=constraints,
            **meta,
        )
        _REGISTRY[name] = entry
        for a in aliases:
            _ALIASES[a] = name
        fn.activation = entry  # type: ignore[attr-defined]
        return fn

    return deco
