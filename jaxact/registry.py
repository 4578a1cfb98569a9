"""The registry: one entry per activation, the single source of truth.

Each family module defines a pure ``jnp`` function and its closed-form
derivative, then registers them with :func:`register`. From the entry come the
public function (the entry's default gradient path), both explicit paths
(``jaxact.autodiff.<name>``, ``jaxact.closed_form.<name>``), a validated
derivative, the CLI listing, the test parametrisation, plots and benchmarks.
"""

from __future__ import annotations

import copyreg
import difflib
import functools
import inspect
import itertools
import math
import pkgutil
import sys
import types
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from jaxact import _mutation, _stable, _validate, paths

inf = math.inf

Range = tuple[float, float]
Kinks = tuple[float, ...]
F = TypeVar("F", bound=Callable[..., Any])

_ARRAY = type(jnp.zeros(()))  # a concrete jax.Array: the eager fast path checks type(x) is _ARRAY

LEAN_PIECEWISE = (
    "piecewise linear: autodiff saves a boolean mask for the backward pass (as jax.nn's relu does), "
    "the closed form a float derivative array; fwd+bwd speed is the same"
)


_JIT_TYPE = type(jax.jit(lambda x: x))  # jax.jit's own type (C++), which jaxact.sigmoid & co. are


class UnknownActivationError(KeyError):
    """Raised by :func:`get` for a name that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class Activation:
    """Everything known about one activation.

    Public functions (all ``jax.jit``-compiled, inputs and concrete parameters
    checked first with clear errors; an entry without value-checked parameters,
    ``checked_params`` empty, has its checks run at trace time and its public
    functions are the jitted functions themselves, as jax.nn's, or behind a frame
    that only turns a list argument into a tuple: softmax's axis):

    * ``fn``: ``jaxact.<name>``, differentiated through ``default_path``
      (``"closed_form"`` or ``"autodiff"``, chosen by measurement; the reason is
      ``path_reason``) unless :func:`jaxact.gradient_path` forces one;
    * ``autodiff``: plain autodiff through the jnp code of the forward function;
    * ``closed_form``: the same values, differentiated with the hand-written
      derivative (or JVP, for functions that mix elements along an axis)
      through ``jax.custom_jvp``;
    * ``derivative(x, **params)``: the closed-form f'(x), validated and promoted
      exactly as ``fn`` (elementwise functions only), and ``jvp(x, t, **params)``
      for every function.

    ``raw``, ``raw_derivative`` and ``raw_jvp`` are the bare jnp code with no jit
    and no checks, for use inside kernels. ``raw_jvp(x, y, t, **params)``
    receives the primal output ``y`` so it never recomputes it.
    """

    name: str
    fn: Callable[..., jax.Array]
    autodiff: Callable[..., jax.Array]
    closed_form: Callable[..., jax.Array]
    derivative: Callable[..., jax.Array] | None
    jvp: Callable[..., jax.Array]
    raw: Callable[..., jax.Array]
    raw_derivative: Callable[..., jax.Array] | None
    raw_jvp: Callable[..., jax.Array]
    params: Mapping[str, Any]
    static: tuple[str, ...]
    range_: Range | Callable[..., Range]
    family: str
    formula: str
    default_path: paths.GradientPath
    path_reason: str
    monotone: bool = False
    smooth: bool = False
    zero_centred: bool = False  # |E f(z)| ≤ 0.1·std f(z) for z ~ N(0, 1) (tests/test_properties.py)
    odd: bool = False
    jax_nn: str | None = None
    # torch.nn.functional's twin, and how this entry's parameters map to its arguments:
    # torch_args(**params) -> kwargs (a callable value builds a tensor: prelu's weight); None
    # maps ``axis`` to ``dim`` and passes the other numeric parameters by their own names.
    torch: str | None = None
    torch_args: Callable[..., Mapping[str, Any]] | None = None
    kinks: Kinks | Callable[..., Kinks] = ()  # where f′, or a higher derivative, jumps
    examples: tuple[Mapping[str, Any], ...] = ()
    aliases: tuple[str, ...] = ()
    constraints: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Pairs (lo, hi) of numeric parameters that the function needs in order, lo <= hi (rrelu's lower
    # and upper): concrete values are checked at the call, and a module that learns them keeps them so.
    ordered: tuple[tuple[str, str], ...] = ()
    # The static int parameter naming the axis of x that a 1-D numeric parameter lies along, one value
    # per feature (prelu's ``axis``): a Flax module laying its per-feature parameter along another axis
    # than a configured one is refused (the configured axis would have had no effect).
    feature_axis: str | None = None
    # The definition in arbitrary precision, independent of the jnp code: mp(m, x, **params)
    # for elementwise functions, mp(m, row) -> list for one 1-D slice along the axis of the
    # axis-mixing ones; m is the mpmath module (the core never imports it).
    mp: Callable[..., Any] | None = None
    # Measured float64 accuracy bound against ``mp`` (ulp of the true value, for the value and
    # the first derivative) where it is above the 4-ulp target, and why; tests hold the entry to it.
    f64_ulps: tuple[float, float] = (4, 4)
    # The same for float32 against the test suite's 32-ulp bound (8× the target) for functions
    # without a jax.nn twin to compare with; above it only where ``accuracy_note`` says why.
    f32_ulps: tuple[float, float] = (32, 32)
    # How far (ulp of max(1, |f′|)) autodiff and the closed form may differ: both round
    # differently; more only where autodiff itself cancels (said in ``accuracy_note``).
    grad_ulps: float = 32
    accuracy_note: str = ""
    # A boolean JAX flag (a ``jax.config`` attribute) that picks the path as it does for the
    # jax.nn twin: the closed form when it is True, autodiff when False (jax_softmax_custom_jvp).
    jax_flag: str | None = None
    # The path a float64 input takes where it differs from the one above (the dtype is static at
    # trace time): softmax's float64 closed JVP is exact where one entry dominates and keeps y and a
    # mask, where exact autodiff keeps four arrays; ``path_reason`` says why.
    float64_path: paths.GradientPath | None = None
    # The same for a bfloat16/float16 input: softmax's closed JVP there is float32 maths rounded once
    # and keeps y alone in x's dtype, where autodiff, as jax.nn's, rounds after every op.
    half_path: paths.GradientPath | None = None
    # Numeric parameters that only move a jump (hardshrink's λ): f's gradient in them is zero
    # almost everywhere, so gradient descent cannot learn them (tests check both ways).
    jump_params: tuple[str, ...] = ()
    # The paper (authors, title, venue, year) that defines the function.
    citation: str = ""
    # Defined in jaxact (checked by its test suite) rather than registered by a user.
    builtin: bool = False
    # Splits x along ``axis`` into a value half and a gate half (glu): the output is half as long there.
    gated: bool = False
    # The input value that masks an entry out of an axis-mixing function (−∞ for softmax: e^−∞ = 0).
    masked_by: float | None = None
    # Outputs are sums of terms of both signs and the inputs' size (sparsemax's x_i − τ, a
    # rational's polynomial, StarReLU's s·x² + b): a small output keeps the terms' absolute error, so its value error
    # is measured against max(1, |x|) (per slice for axis-mixing entries), not in ulp of the output.
    thresholded: bool = False
    # Derivative orders (0: the value) that oscillate without a limit at ±inf (sin(ωx); snake's
    # f′ = 1 + sin 2αx, f″): the closed form gives NaN there, and the tests and accuracy tables
    # expect no value (snake's autodiff twin, which differentiates f = x at ±inf, gives 1).
    oscillates: tuple[int, ...] = ()
    # Numeric parameters whose ∂f/∂p the closed-form path takes from a hand-written formula
    # (register's ``param_derivatives``); the others' comes from autodiff of f with x fixed.
    closed_params: tuple[str, ...] = ()
    # Which registration made this entry (a counter over the session, set by register): a re-run
    # notebook cell replaces an entry under the same name, and jaxact.configure's values of the old
    # and the new one must differ (jit would reuse the old trace for a static argument).
    registration: int = field(default=0, init=False, compare=False, repr=False)

    @property
    def elementwise(self) -> bool:
        return self.raw_derivative is not None

    @property
    def keyed(self) -> bool:
        """Takes a PRNG ``key`` (random while training, deterministic without one: rrelu)."""
        return "key" in self.params

    def _call_with_params(self, f: Callable[..., Any], params: Mapping[str, Any]) -> Any:
        kw = {**self.params, **params}
        return f(**{k: kw[k] for k in inspect.signature(f).parameters})

    def _checked_params(self, params: Mapping[str, Any]) -> None:
        """Parameters given by name to a method of the entry, checked as a call checks them: a name it
        does not take, or a value its constraints refuse (output_range(alpha=-1) read (1, inf))."""
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            takes = ", ".join(self.params) or "none"
            raise TypeError(
                f"jaxact.{self.name}: no parameter {', '.join(map(repr, unknown))}; its parameters: {takes}."
            )
        checked = self.checked_params
        for k, v in params.items():
            if k in checked:
                _validate.check_param(self.name, k, v, self.constraints.get(k, ()))

    def output_range(self, **params: Any) -> Range:
        self._checked_params(params)
        if callable(self.range_):
            return self._call_with_params(self.range_, params)
        return self.range_

    def kink_points(self, **params: Any) -> Kinks:
        """Where the derivative jumps, for these parameters (kinks may move with them)."""
        self._checked_params(params)
        if callable(self.kinks):
            return tuple(float(k) for k in self._call_with_params(self.kinks, params))
        return self.kinks

    @property
    def bounded(self) -> bool:
        lo, hi = self.output_range()
        return math.isfinite(lo) and math.isfinite(hi)

    @property
    def numeric_params(self) -> tuple[str, ...]:
        return tuple(k for k in self.params if k not in self.static)

    @property
    def learnable_params(self) -> tuple[str, ...]:
        """Numeric parameters with a number as default that gradient descent can move (what the
        Flax ``Learnable`` modules learn)."""
        return tuple(k for k in self.numeric_params if _is_number(self.params[k]) and k not in self.jump_params)

    @property
    def checked_params(self) -> tuple[str, ...]:
        """The parameters whose concrete values the public functions check before the jitted call."""
        return _value_checked(self.params, self.static, self.constraints)

    def torch_call(self, torch: Any, x: Any, **params: Any) -> Any:
        """torch.nn.functional's twin of this entry applied to the tensor ``x`` with these
        parameters (the core never imports torch: the caller passes the module)."""
        if self.torch is None:
            raise ValueError(f"{self.name} has no torch twin.")
        kw = {**self.params, **params}
        if self.torch_args is not None:
            args = dict(self._call_with_params(self.torch_args, kw))
        else:
            args = {("dim" if k == "axis" else k): v for k, v in kw.items() if v is not None}
        args = {k: (v(torch, x) if callable(v) else v) for k, v in args.items()}
        return getattr(torch.nn.functional, self.torch)(x, **args)

    def signal(self, **params: Any) -> Any:
        """Signal-propagation figures for z ~ N(0, 1): :func:`jaxact.signal` of this entry."""
        from jaxact import propagation  # computed from the entry, so built on the registry

        return propagation.signal(self, **params)

    def current_path(self, dtype: Any = None) -> paths.GradientPath:
        """The path ``fn`` takes now for an input of ``dtype``: the forced one, else ``float64_path``
        for float64 (``half_path`` for bfloat16/float16), else JAX's flag (``jax_flag``), else
        ``default_path``."""
        of_dtype = None if dtype is None else _dtype_path(dtype, self.float64_path, self.half_path)
        return _path_now(self.default_path, self.jax_flag, of_dtype)

    def path(self, path: paths.GradientPath) -> Callable[..., jax.Array]:
        """The public function of one gradient path: ``"closed_form"`` or ``"autodiff"``."""
        if path not in paths.PATHS:
            raise ValueError(
                f"jaxact.{self.name}.path: unknown gradient path {path!r}; use 'closed_form' or 'autodiff'."
            )
        return {"closed_form": self.closed_form, "autodiff": self.autodiff}[path]

    def __call__(self, x: Any, *args: Any, **kwargs: Any) -> jax.Array:
        return self.fn(x, *args, **kwargs)


_REGISTRY: dict[str, Activation] = {}
_ALIASES: dict[str, str] = {}
_REGISTRATIONS = itertools.count(1)  # Activation.registration
# Activation's fields that register sets from the function and its own arguments (its keyword
# options, such as range= or path=, arrive under those names and never in **meta).
_SET_BY_REGISTER = frozenset(
    {"name", "fn", "autodiff", "closed_form", "derivative", "jvp", "raw", "raw_derivative", "raw_jvp", "params"}
    | {"static", "range_", "family", "default_path", "path_reason", "builtin", "constraints", "ordered"}
    | {"closed_params"}
    | {"registration"}
)


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
    check_name(name, "jaxact.get")
    if ":" in name:
        return _from_path(name)
    key = name.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key in _REGISTRY:
        return _REGISTRY[key]
    close = difflib.get_close_matches(key, names(include_aliases=True), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise UnknownActivationError(f"unknown activation {name!r}.{hint} `jaxact list` shows all {len(_REGISTRY)}.")


def check_name(given: Any, fname: str) -> None:
    """Raises TypeError unless ``given`` is a str, naming what was given instead: a registered
    function by its name, with the name to give (``jaxact.configure(jaxact.elu, alpha=0.5)`` read
    "got _Frame", an internal class)."""
    if isinstance(given, str):
        return
    entry = entry_of(given) if callable(given) else None
    what = type(given).__name__ if entry is None else f"the function of {entry.name!r}: give its name, {entry.name!r}"
    raise TypeError(f"{fname}: name must be a str, got {what}.")


def registered(name: str) -> Activation | None:
    """The entry registered under ``name`` (an entry's own name) now, or None: whether an entry a
    function or a value kept is still the registered one (``registered(e.name) is e``)."""
    return _REGISTRY.get(name)


def _from_path(spec: str) -> Activation:
    """The entry of ``"package.module:function"``: importing the module registers it."""
    import importlib

    module, _, attr = spec.strip().partition(":")
    if not module.strip() or not attr.strip():
        raise UnknownActivationError(f"{spec!r}: write a module path and a function's name, 'package.module:function'.")
    try:
        mod = importlib.import_module(module)
    except ImportError as e:
        raise UnknownActivationError(f"{spec!r}: cannot import module {module!r} ({e}).") from None
    fn = getattr(mod, attr, None)
    if fn is None:
        raise UnknownActivationError(f"{spec!r}: module {module!r} has no attribute {attr!r}.")
    entry = entry_of(fn)
    removed = _removed_name(fn) if entry is None else None
    if entry is None and removed is None:
        raise UnknownActivationError(
            f"{spec!r} is not a registered activation: decorate it with @jaxact.register(derivative=...)."
        )
    if entry is not None:
        current = registered(entry.name)
        if current is entry:
            return entry
        # The module stays imported after jaxact.unregister, and its function keeps the removed entry:
        # returning that entry would let configure and verify use an activation the registry no longer has.
        if current is not None and _same_source(current, entry.raw):
            return current  # registered again from the same place (a reloaded module)
        if current is not None:  # the name is another function's now: a reload would be refused
            raise UnknownActivationError(
                f"{spec!r}: {entry.name!r} was unregistered and the name is now another function's "
                f"({current.raw.__module__}:{current.raw.__qualname__})."
            )
        removed = entry.name
    raise UnknownActivationError(
        f"{spec!r}: {removed!r} was unregistered (jaxact.unregister); reload module {module!r} "
        "(importlib.reload, or import it in a new session) to register it again."
    )


# The functions a module holds for entries jaxact.unregister removed (the call form's plain function
# has no .activation to tell), so that a module:function path says why it no longer finds one.
_REMOVED: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def _removed_name(fn: Any) -> str | None:
    try:
        return _REMOVED.get(fn)
    except TypeError:  # not weak-referenceable: never recorded
        return None


def public_object(fn: Any) -> Any:
    """``fn`` where it is an entry's public function or one of its path twins, the one a ``jax.jit`` of
    it wraps (the same function, with a call's options), else None.

    ``functools.wraps`` copies ``.activation`` onto any wrapper — ``jax.custom_jvp`` with the user's own
    rule, a user's decorator —, which computes what it likes: read as the entry, its rule or change was
    dropped silently."""
    while True:
        entry = getattr(fn, "activation", None)
        if not isinstance(entry, Activation):
            return None
        if fn is entry.fn or fn is entry.autodiff or fn is entry.closed_form:
            return fn
        if type(fn) is not _JIT_TYPE:
            return None
        fn = getattr(fn, "__wrapped__", None)


def entry_of(fn: Any) -> Activation | None:
    """The entry of a registered function object: a public function's own (or a ``jax.jit`` of it; see
    :func:`public_object`), or (registered by the call form ``jaxact.register(derivative=d)(f)``, which
    leaves ``f`` itself unbound to the public function) the entry made from it (its raw function, or
    what the mutation self-test wrapped); else None."""
    if fn is None:  # a raw function without __wrapped__ compared None to None: None was identity's
        return None
    public = public_object(fn)
    if public is not None:
        return public.activation  # type: ignore[no-any-return]
    return next((e for e in _REGISTRY.values() if fn is e.raw or fn is getattr(e.raw, "__wrapped__", None)), None)


def unregister(name: str) -> None:
    """Removes a user-registered activation (built-in ones cannot be removed); given an alias, the
    whole activation, its name and every alias."""
    entry = get(name)
    if entry.builtin:
        raise ValueError(f"jaxact.unregister: {entry.name} is built in; only user activations can be removed.")
    del _REGISTRY[entry.name]
    for a in entry.aliases:
        _ALIASES.pop(a, None)
    for f in (entry.raw, getattr(entry.raw, "__wrapped__", None)):
        try:
            _REMOVED[f] = entry.name
        except TypeError:  # None, or a callable without weak references: the path then says "not registered"
            pass


def path_namespace(path: paths.GradientPath) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` serving every activation's ``path`` function by name."""

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return get(name).path(path)
        except UnknownActivationError as e:
            raise AttributeError(str(e)) from None

    def __dir__() -> list[str]:
        return names(include_aliases=True)

    return __getattr__, __dir__


def _is_zero_tangent(t: Any) -> bool:
    if t is None or isinstance(t, SymbolicZero):
        return True
    return getattr(t, "dtype", None) == jax.dtypes.float0


def _dtype_path(
    dtype: Any, float64_path: paths.GradientPath | None, half_path: paths.GradientPath | None
) -> paths.GradientPath | None:
    """The entry's own path for an input of ``dtype`` (float64_path, half_path), if it has one."""
    dtype = jnp.dtype(dtype)
    return float64_path if dtype == jnp.float64 else half_path if dtype in _stable.HALF else None


def _path_now(
    default: paths.GradientPath, jax_flag: str | None, dtype_path: paths.GradientPath | None = None
) -> paths.GradientPath:
    """The forced path, else ``dtype_path`` (the entry's float64_path or half_path, for an input of
    that dtype), else the JAX flag's choice (closed form when True), else ``default``."""
    forced = paths.forced_gradient_path() or dtype_path
    if forced or jax_flag is None:
        return forced or default
    return "closed_form" if getattr(jax.config, jax_flag) else "autodiff"


def _narrow(dtype: Any) -> bool:
    """A float type narrower than half precision (float8_*, float4_*)."""
    return jnp.issubdtype(dtype, jnp.floating) and jnp.dtype(dtype).itemsize < 2


def _in_float32(f: Callable[..., jax.Array], static: tuple[str, ...]) -> Callable[..., jax.Array]:
    """``f(x, **params)`` (a forward or a derivative) of a bfloat16/float16 x evaluated in float32
    and rounded once.

    XLA computes half-precision elementwise maths in float32 on CPU anyway, rounding after every
    op; this rounds once, which is more accurate (tanh′ = (1 − t)(1 + t) with a bfloat16 t is
    30 % off at x = −2.9) and faster. The result keeps the dtype the half-precision computation
    would have had (a float32 parameter still promotes it).
    """

    def g(x: jax.Array, **kw: Any) -> jax.Array:
        if x.dtype not in _stable.HALF:
            return f(x, **kw)
        # A parameter in x's own dtype goes to float32 with it (exactly): left in bfloat16 beside a
        # float32 x, it failed under jax.numpy_dtype_promotion("strict"), where jax.nn's elu(x, α)
        # with both in bfloat16 works. Other dtypes stay: strict refuses those as jax.nn does.
        wide = {k: _widened(v, x.dtype) if k not in static else v for k, v in kw.items()}
        return f(x.astype(jnp.float32), **wide).astype(_call_dtype(x, kw, static))

    functools.update_wrapper(g, f)
    return g


def _widened(v: Any, dtype: Any) -> Any:
    """v in float32 where it is an array of ``dtype`` (a half-precision one), else v itself."""
    return v.astype(jnp.float32) if getattr(v, "dtype", None) == dtype else v


def _shaped_like_x(d: Callable[..., Any]) -> Callable[..., jax.Array]:
    """A derivative ``d(x, **params)`` whose result has (at least) x's shape and x's dtype.

    One constant in x (``lambda x, a=2.0: a``) returns a number: the gradients are right, since
    the JVP multiplies it by the tangent, but entry.derivative(x) (plot, signal) needs one value per
    input, and a Python number has no ``astype`` for the half-precision path. Broadcast as
    :func:`_stable.broadcast_over` does: under explicit sharding the values take x's sharding, not
    a replicated copy of x's size on every device."""

    @functools.wraps(d)
    def shaped(x: jax.Array, **kw: Any) -> jax.Array:
        y = d(x, **kw)
        if getattr(y, "shape", None) == x.shape:
            return y
        return _stable.broadcast_over(jnp.asarray(y, jnp.result_type(y, x)), x)

    return shaped


def _call_dtype(x: jax.Array, kw: dict[str, Any], static: tuple[str, ...]) -> Any:
    """The dtype a call computed in x's own dtype would have: numeric parameters promote; a static
    one, a PRNG key or an absent optional one (key=None) does not."""
    nums = (v for k, v in kw.items() if k not in static and v is not None and not _is_key(v))
    return jnp.result_type(x, *nums)


def _is_key(v: Any) -> bool:
    """A PRNG key: typed (jax.random.key) or legacy (uint32 data of jax.random.PRNGKey)."""
    dtype = getattr(v, "dtype", None)
    return dtype is not None and (jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key) or np.dtype(dtype) == np.uint32)


def _make_closed_form(
    raw: Callable[..., jax.Array],
    jvp: Callable[..., jax.Array],
    dyn_names: tuple[str, ...],
    param_derivatives: Mapping[str, Callable[..., jax.Array]] | None = None,
    elementwise: bool = True,
) -> Callable[..., jax.Array]:
    """Builds ``raw`` with a custom_jvp from the closed-form JVP ``jvp(x, y, t, **params)``.

    Static parameters are closed over (one custom_jvp per static setting);
    numeric parameters stay differentiable: their tangents go through the
    closed-form ∂f/∂p where ``param_derivatives`` has one (autodiff cancels for
    some: swish's ∂/∂β = x²σ′(βx)), else through autodiff of ``raw`` with x held fixed.
    An axis-mixing function's ∂f/∂p is one array, which is its JVP for a scalar p only: an array p
    (a temperature per feature) moves other outputs than its own along the axis, and takes autodiff.
    """
    param_derivatives = dict(param_derivatives or {})

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
            ty = jnp.zeros_like(y) if _is_zero_tangent(tx) else jvp(x, y, tx, **kw)
            for i, (pname, tp) in enumerate(zip(dyn_names, tdyn, strict=True)):
                if _is_zero_tangent(tp):
                    continue
                if pname in param_derivatives and (elementwise or np.size(tp) == 1):
                    ty = ty + param_derivatives[pname](x, **kw) * tp
                    continue

                def along(p: Any, pname: str = pname) -> jax.Array:
                    return raw(x, **{**kw, pname: p})

                ty = ty + jax.jvp(along, (dyn[i],), (tp,))[1]
            # A parameter may promote y (a float32 slope with bfloat16 x, as in
            # jax.nn) where the derivative alone does not.
            return y, ty.astype(y.dtype)

        f.defjvp(f_jvp, symbolic_zeros=True)
        return f

    def closed(x: jax.Array, **params: Any) -> jax.Array:
        if _validate.named_axes(params.get("axis")):
            # A reduction over a mapped axis's name (softmax's axis="i" in a vmap): JAX traces a
            # custom_jvp's rule outside the vmap's axis names where a jit sits between them
            # (grad(jit(vmap(...)))), and the name is unbound there; autodiff's derivatives stay inside.
            return raw(x, **params)
        static_items = tuple((k, v) for k, v in params.items() if k not in dyn_names)
        return build(static_items)(x, *(params[k] for k in dyn_names))

    return closed


def _jitted(
    f: Callable[..., Any], raw: Callable[..., Any], name: str, static: tuple[str, ...], tangent: bool = False
) -> Any:
    """jax.jit of ``f(x, [t,] **params)`` with raw's signature and defaults.

    Parameters are passed by keyword, and only those the caller gave: an
    omitted one is a constant of the trace (as in jax.nn's jitted functions),
    which keeps the C++ dispatch path as cheap as theirs.
    """
    sig = inspect.signature(raw)
    defaults = {k: p.default for k, p in list(sig.parameters.items())[1:]}
    if tangent:
        x, *rest = sig.parameters.values()
        sig = sig.replace(parameters=[x, inspect.Parameter("t", inspect.Parameter.POSITIONAL_OR_KEYWORD), *rest])

    def call(*args: Any, **given: Any) -> Any:
        kw = {**defaults, **given}
        x = args[0]
        if _narrow(x.dtype):
            # float8/float4 are storage formats: jnp's maths and jaxact's constants are not written
            # for them (a 1e4 clamp is NaN in float8_e4m3fn: mish was all NaN, softmax a KeyError).
            # Computed in float32 (x, and the tangent of a JVP) and rounded once, in the dtype the
            # call would have had.
            wide = (a.astype(jnp.float32) if i < 1 + tangent else a for i, a in enumerate(args))
            return f(*wide, **kw).astype(_call_dtype(x, kw, static))
        return f(*args, **kw)

    call.__signature__ = sig  # type: ignore[attr-defined]
    call.__name__ = call.__qualname__ = name
    return jax.jit(call, static_argnames=static)


def _value_checked(
    defaults: Mapping[str, Any], static: tuple[str, ...], constraints: Mapping[str, tuple[str, ...]]
) -> tuple[str, ...]:
    """The parameters whose concrete values are checked: numeric (not static) ones with a
    constraint or a number as default (``where=None`` is a mask, not a number), NumPy scalars included."""
    # A bool is an int: checked as the number it is.
    return tuple(k for k, v in defaults.items() if k not in static and (k in constraints or isinstance(v, _REAL)))


def _is_number(v: Any) -> bool:
    """A default that is a number: a Python int or float, or a NumPy integer or floating scalar
    (``beta=np.float32(1.5)`` is a learnable parameter as ``beta=1.5`` is); not a bool, not an array."""
    return not isinstance(v, (np.ndarray, jax.Array)) and _is_real(v)


class _Binder:
    """The cheap layer before the jitted call: binds arguments, checks x and concrete parameters.

    Traced parameters (learnable ones inside jit/grad) cannot be value-checked
    here; they pass through unchecked.
    """

    def __init__(
        self,
        name: str,
        sig: inspect.Signature,
        static: tuple[str, ...],
        constraints: Mapping[str, tuple[str, ...]],
        validate: Callable[..., Mapping[str, Any] | None] | None,
        ordered: tuple[tuple[str, str], ...] = (),
        cache_validate: bool = False,
        truthy: bool = False,
        broadcast_params: bool = False,
    ):
        self.name, self.sig, self.constraints, self.validate = name, sig, constraints, validate
        self.ordered = ordered
        # Numeric parameters that broadcast with x, checked by shape here: an elementwise function's
        # without a validate hook (an axis-mixing one's may meet a reduced or split x; a hook owns the
        # shapes it takes, prelu's slope laid along its axis).
        self.broadcast_params = broadcast_params
        # The built-in hooks read x's shape and dtype only (axis ranges, even splits): their result
        # is kept per shape. A user's hook may read values, so it runs on every call.
        self.cache_validate = cache_validate
        # jaxact's own bool statics (gelu's approximate) are read by truthiness, as jax.nn reads them;
        # a user's are passed as given (a str mode with a bool default is theirs to decide).
        self.truthy = truthy
        self.pnames = list(sig.parameters)[1:]
        self.validated: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.defaults = {k: sig.parameters[k].default for k in self.pnames}
        self.static = static
        self.checked = _value_checked(self.defaults, static, constraints)
        # Static parameters annotated as taking a sequence (softmax's ``axis: int | Sequence[int] |
        # None``, as jax.nn's) may come as a list, which jit cannot hash: a frame in front of the
        # jitted function makes them hashable first (:func:`_tupling`).
        self.sequences = tuple(k for k in static if "Sequence" in str(sig.parameters[k].annotation))

    def __call__(self, x: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[jax.Array, dict[str, Any]]:
        """(x as a float array, the parameters the caller gave, checked and normalised)."""
        xa = _validate.as_float_array(x, self.name)
        if not args and not kwargs:
            if self.validate is None:
                return xa, {}
            if not self.cache_validate:
                return xa, dict(self.validate(xa, **self.defaults) or {})
            key = (xa.shape, xa.dtype)
            if key not in self.validated:
                if len(self.validated) > 256:
                    self.validated.clear()
                self.validated[key] = dict(self.validate(xa, **self.defaults) or {})
            return xa, self.validated[key]
        else:
            try:
                bound = self.sig.bind(xa, *args, **kwargs)
            except TypeError as e:
                raise TypeError(f"jaxact.{self.name}{self.sig}: {e}") from None
            given = dict(bound.arguments)
            del given[next(iter(self.sig.parameters))]
            for k in self.checked:
                if k in given:
                    given[k] = _validate.check_param(self.name, k, given[k], self.constraints.get(k, ()))
                    if self.broadcast_params:
                        _validate.check_broadcasts(self.name, k, given[k], xa)
            _validate.check_ordered_pairs(self.name, self.ordered, self.defaults, given)
            for k in self.static:
                if k in given:
                    given[k] = self._static(k, given[k])
        if self.validate is not None:
            given.update(self.validate(xa, **{**self.defaults, **given}) or {})
        return xa, given

    def _static(self, k: str, v: Any) -> Any:
        """A static parameter as the code selects on it. A built-in bool one (gelu's approximate) is
        taken by truthiness from a number or None, as jax.nn's gelu takes it, and made a bool here,
        before the implementation's caches see it: they key on the value, and 1 == True, so a value
        refused there would be found again under True. A str is refused (torch's approximate='tanh'
        would otherwise read as True)."""
        if self.truthy and isinstance(self.defaults[k], bool):
            if v is None or isinstance(v, (bool, int, float, np.bool_, np.integer, np.floating)):
                return bool(v)
            raise TypeError(
                f"jaxact.{self.name}: '{k}' must be a bool (or a number or None, read by truthiness as "
                f"jax.nn reads it), got {v!r}."
            )
        if isinstance(v, np.bool_):
            return bool(v)
        if isinstance(v, np.integer):  # NumPy scalars are accepted where jax.nn accepts them
            return int(v)
        return _hashable(v)


def _fmt_range(r: Range | Callable[..., Range]) -> str:
    if callable(r):
        return "bounds that depend on the parameters"
    lo, hi = r
    return range_closure(lo, hi, lambda v: "∞" if v == inf else "−∞" if v == -inf else f"{v:g}")


def range_closure(lo: float, hi: float, show: Callable[[float], str]) -> str:
    """A range as its closure, each end written by ``show``: an unbounded end open, a finite one
    closed (the registry does not record which finite ends are reached: sigmoid's (0, 1) reads [0, 1])."""
    return f"{'(' if lo == -inf else '['}{show(lo)}, {show(hi)}{')' if hi == inf else ']'}"


def _compose_doc(
    raw: Callable[..., Any],
    static: tuple[str, ...],
    constraints: Mapping[str, tuple[str, ...]],
    range_: Range | Callable[..., Range],
    elementwise: bool,
    ordered: tuple[tuple[str, str], ...] = (),
) -> str:
    """The public docstring in jax.nn's shape: the function's own text (formula, range,
    derivative), then Args and Returns generated from the entry, then its Example."""
    text = inspect.cleandoc(raw.__doc__ or "")
    head, sep, example = text.partition("\nExample:")
    sig = inspect.signature(raw)
    (x, *params) = sig.parameters.values()
    args = [
        f"  {x.name}: input array (a float dtype is kept; an integer or bool one where jax.nn keeps it, in "
        "relu, hard_tanh and identity, else promoted to a float as jnp.sin promotes it)."
    ]
    for p in params:
        if p.name in static:
            kind = "static (selects code; hashable)"
        elif p.default is None:
            kind = "an optional array"
        else:
            kind = "traced (a scalar or an array; may be learned)"
        checks = [*constraints.get(p.name, ()), *(f"<= {hi}" for lo, hi in ordered if lo == p.name)]
        checks += [f">= {lo}" for lo, hi in ordered if hi == p.name]
        check = f", {' and '.join(checks)}" if checks else ""
        args.append(f"  {p.name}: default {p.default!r}; {kind}{check}.")
    shape = "x's shape" if elementwise else "x's shape (along ``axis`` as documented)"
    returns = (
        f"  An array of {shape} and dtype (a float32 parameter promotes a half-precision x, as in "
        f"jax.nn); range within {_fmt_range(range_)}."
    )
    parts = [head.rstrip(), "", "Args:", *args, "", "Returns:", returns]
    if sep:
        parts += ["", "Example:" + example]
    return "\n".join(parts) + "\n"


def _same_source(entry: Activation, f: Callable[..., Any]) -> bool:
    """A user's function registered again from the same place (a re-run notebook cell) replaces it."""
    return not entry.builtin and (entry.raw.__module__, entry.raw.__qualname__) == (f.__module__, f.__qualname__)


def _integer_twin(jax_nn: str | None) -> Callable[[Any], Callable[..., jax.Array] | None]:
    """For an integer or bool x: jax.nn's own function where it keeps an integer dtype (relu,
    hard_tanh, identity: int32 in, int32 out, values exact), else None (x promotes to float).
    Decided once per input dtype, from jax.nn's output dtype."""
    twin = getattr(jax.nn, jax_nn) if jax_nn else None

    @functools.cache
    def keeps(dtype: np.dtype, weak: bool) -> bool:
        probe = jax.ShapeDtypeStruct((), dtype, weak_type=weak)
        try:
            out = jax.eval_shape(twin, probe)  # type: ignore[arg-type]
        except Exception:  # jax.nn refuses this dtype; jaxact promotes it to float
            return False
        return not jnp.issubdtype(out.dtype, jnp.inexact)

    def route(x: Any) -> Callable[..., jax.Array] | None:
        # On every call that leaves the eager fast path (a float array with parameters, too):
        # a dtype-kind test, no jnp.issubdtype.
        dtype = getattr(x, "dtype", None)
        if dtype is None and isinstance(x, (int, np.generic)):  # bool is an int
            dtype = np.result_type(x)
        if dtype is None:
            return None
        kind = np.dtype(dtype).kind
        # int4/uint4 (ml_dtypes) are kind "V" to NumPy.
        if kind not in "biu" and not (kind == "V" and jnp.issubdtype(dtype, jnp.integer)):
            return None
        weak = isinstance(x, int) or bool(getattr(x, "weak_type", False))
        return twin if keeps(jax.dtypes.canonicalize_dtype(dtype), weak) else None

    return route if twin is not None else lambda x: None


def _public_by_name(name: str, kind: str) -> Callable[..., jax.Array]:
    """What a pickled public function of an entry unpickles to: the registry's own object."""
    entry = get(name)
    return getattr(entry, kind)


def _module_attribute(module: str, qualname: str) -> Any:
    """The object ``module.qualname`` names among the loaded modules, or None."""
    obj: Any = sys.modules.get(module)
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    return obj


def _reduce_public(obj: Any, kind: tuple[str, str] | None) -> Any:
    """How a public function pickles and copies: by its global name where that finds it (jaxact.elu's
    module attribute, jaxact.autodiff.elu, a user's decorated function: loading it imports the module,
    which registers a user's activation in a fresh process too), else by its name in the registry (a
    derivative, an activation registered inside a function); copy and deepcopy give the object itself."""
    if _module_attribute(getattr(obj, "__module__", ""), getattr(obj, "__qualname__", "")) is obj:
        return obj.__qualname__
    if kind is None:
        raise TypeError(f"{obj.__qualname__} is not picklable: it has no name in jaxact's registry")
    return (_public_by_name, kind)


# The public functions that are jax.jit itself (no value-checked parameter), by id, with their kind:
# copyreg's reducer for jax's jitted type reads it. Set as the object's own __reduce_ex__/__deepcopy__,
# as it was, jax.jit(jaxact.sigmoid) and jax.custom_jvp(jaxact.sigmoid) copied them onto themselves
# (functools.wraps) and pickled and deep-copied as jaxact.sigmoid, dropping their own options or rule.
# The entries hold their objects (a registered function stays alive), so an id is never reused here.
_JITTED_PUBLIC: dict[int, tuple[Any, tuple[str, str]]] = {}


def _reduce_jitted(obj: Any) -> Any:
    hit = _JITTED_PUBLIC.get(id(obj))
    if hit is not None and hit[0] is obj:
        return _reduce_public(obj, hit[1])
    return obj.__reduce_ex__(4)  # any other jitted function: as without this reducer


copyreg.pickle(_JIT_TYPE, _reduce_jitted)


def _hashable(v: Any) -> Any:
    """A list or NumPy array (softmax's axis=[0, 1] or np.array([0]), as jax.nn takes them) as a
    tuple, nested ones too, which jit can hash and the binder's checks then read."""
    if type(v) is np.ndarray or (isinstance(v, jax.Array) and not isinstance(v, jax.core.Tracer)):
        v = np.asarray(v).tolist()  # a 0-d one a Python scalar: softmax(x, axis=jnp.array(-1)), as jax.nn takes it
    return tuple(_hashable(e) for e in v) if type(v) is list else v


def _tupling(
    jitted: Any, raw: Callable[..., Any], doc: str | None, kind: tuple[str, str] | None, binder: _Binder
) -> Callable[..., jax.Array]:
    """The jitted function behind the thinnest Python frame: the static parameters that take a
    sequence become hashable (:func:`_hashable`), and nothing else is looked at; without parameters
    the frame only forwards x."""
    names, seq = binder.pnames, binder.sequences

    def tuples(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (
            tuple(_hashable(a) if i < len(names) and names[i] in seq else a for i, a in enumerate(args)),
            {k: _hashable(v) if k in seq else v for k, v in kwargs.items()},
        )

    @functools.wraps(raw)
    def public(x: Any, *args: Any, **kwargs: Any) -> jax.Array:
        if args or kwargs:
            args, kwargs = tuples(args, kwargs)
        return jitted(x, *args, **kwargs)

    public.__doc__ = doc

    def ahead(method: str, x: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        args, kwargs = tuples(args, kwargs)
        return getattr(jitted, method)(x, *args, **kwargs)

    return _as_jitted(public, raw, kind, ahead, (jitted,))


class _Frame(functools.partial):  # type: ignore[type-arg]
    """A Python frame in front of a jitted function (the checks of concrete parameter values), with what
    a jitted function has: jax.jit's ahead-of-time methods (f.lower(x), f.trace(x), f.eval_shape(x), as
    jax.nn's have them) and pickling and copying by name.

    The methods live on this class, not on the object: jax.jit(f) copies f's own attributes onto the
    jitted object it returns (functools.wraps), where an attribute ``lower`` took the place of jax.jit's
    own method, so ``jax.jit(jaxact.elu, donate_argnums=0).lower(x)`` lowered jaxact's inner program
    without the donation (and without any option of the outer jit). A functools.partial calls the frame
    from C: an eager call costs what a plain function's does."""

    def lower(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        return self._jaxact_ahead("lower", x, args, kwargs)

    def trace(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        return self._jaxact_ahead("trace", x, args, kwargs)

    def eval_shape(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        return self._jaxact_ahead("eval_shape", x, args, kwargs)

    def clear_cache(self) -> None:
        """Drops the programs compiled behind this function, as jax.jit's ``clear_cache`` does (jax.nn's
        jitted functions have it)."""
        for jitted in self._jaxact_jitted:
            jitted.clear_cache()

    def __reduce_ex__(self, protocol: Any) -> Any:
        return _reduce_public(self, self._jaxact_kind)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        # A class attribute binds as a function (and a jitted function) does, on every Python version:
        # a functools.partial does not before 3.14. It also makes inspect/pydoc treat it as a routine.
        return self if obj is None else types.MethodType(self, obj)

    def __copy__(self) -> _Frame:
        return self

    def __deepcopy__(self, memo: Any) -> _Frame:
        return self

    def __repr__(self) -> str:
        return f"<function {self.__module__}.{self.__qualname__}>"


def _as_jitted(
    public: Callable[..., jax.Array],
    raw: Callable[..., Any],
    kind: tuple[str, str] | None,
    ahead: Callable[[str, Any, tuple[Any, ...], dict[str, Any]], Any],
    jitted: tuple[Any, ...],
) -> Callable[..., jax.Array]:
    """``public`` as a :class:`_Frame`: ``raw``'s name, signature and ``public``'s docstring, each
    ahead-of-time method ``ahead(method, x, args, kwargs)``, ``clear_cache`` clearing the ``jitted``
    behind it, pickled by ``kind`` = (name, attribute of the entry), and jaxact.autodiff.<name> /
    jaxact.closed_form.<name> named by their namespace."""
    frame = _Frame(public)
    functools.update_wrapper(frame, raw)
    frame.__doc__ = public.__doc__
    frame._jaxact_ahead = ahead  # type: ignore[attr-defined]
    frame._jaxact_kind = kind  # type: ignore[attr-defined]
    frame._jaxact_jitted = jitted  # type: ignore[attr-defined]
    if kind is not None and kind[1] in ("autodiff", "closed_form"):
        frame.__module__, frame.__qualname__ = f"jaxact.{kind[1]}", kind[0]
    return frame


def _public(
    binder: _Binder,
    impl: Callable[..., jax.Array],
    raw: Callable[..., Any],
    doc: str | None,
    integer_twin: Callable[[Any], Callable[..., jax.Array] | None],
    at_trace_time: bool = True,
    kind: tuple[str, str] | None = None,
) -> Callable[..., jax.Array]:
    """The public function: jax.jit itself where every check can run at trace time (``at_trace_time``
    and no value-checked parameter), else a Python frame that checks concrete values first.
    ``kind`` = (name, attribute of the entry): how the jitted object pickles and copies (by name)."""

    def routed(x: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> jax.Array:
        twin = integer_twin(x)
        if twin is not None:
            return twin(x, *args, **kwargs)
        xa, given = binder(x, args, kwargs)
        return impl(xa, **given)

    if at_trace_time and not binder.checked:
        # No parameter is checked by value: every check needs only x's dtype and shape and the
        # static parameters, all known at trace time, so the public function is the jitted one
        # itself and an eager call is jax.nn's single C++ dispatch, with no Python frame in front
        # (the frame cost 5–7 % of a 256-element call). None and lists reach the checks as pytrees;
        # jit itself refuses a str or another non-array leaf ("... is not a valid JAX type").
        def traced(x: Any, *args: Any, **kwargs: Any) -> jax.Array:
            return routed(x, args, kwargs)

        functools.update_wrapper(traced, raw)
        traced.__signature__ = inspect.signature(raw)  # type: ignore[attr-defined]
        traced.__doc__ = doc
        jitted = jax.jit(traced, static_argnames=binder.static)
        if kind is not None:
            # Pickled by name and copied as itself, as a plain function is: _reduce_jitted.
            _JITTED_PUBLIC[id(jitted)] = (jitted, kind)
        if binder.sequences:
            return _tupling(jitted, raw, doc, kind, binder)
        return jitted  # type: ignore[return-value]

    def checked_impl(x: jax.Array) -> jax.Array:
        # The no-parameter call with the checks done at trace time, where x's dtype and shape
        # are known (all the checks of such a call need): the eager call is then one jit
        # dispatch, as jax.nn's, with no Python attribute access (x.dtype alone costs 0.15 µs).
        return routed(x, (), {})

    checked_impl.__name__ = checked_impl.__qualname__ = raw.__name__
    eager = jax.jit(checked_impl)

    # A user's validate hook may read x's values: it sees the concrete call, never the fast path's trace.
    fast = binder.validate is None or binder.cache_validate

    @functools.wraps(raw)
    def public(x: Any, *args: Any, **kwargs: Any) -> jax.Array:
        if fast and type(x) is _ARRAY and not args and not kwargs:
            return eager(x)  # a concrete array, no parameters: the eager fast path
        return routed(x, args, kwargs)

    public.__doc__ = doc

    def ahead(method: str, x: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        # The same checks, then the jitted implementation's method.
        twin = integer_twin(x)
        if twin is not None:
            return getattr(twin, method)(x, *args, **kwargs)
        xa, given = binder(x, args, kwargs)
        return getattr(impl, method)(xa, **given)

    return _as_jitted(public, raw, kind, ahead, (impl, eager))


def _hook_hint(e: BaseException, validate: Callable[..., Any] | None) -> str:
    """Where a validate hook read a tracer's value (register's checks trace the function), how to
    write it; else nothing. Found from the tracebacks of ``e`` and the errors it was raised from."""
    code = getattr(validate, "__code__", None)
    tracer_errors = (
        jax.errors.ConcretizationTypeError,
        jax.errors.TracerArrayConversionError,
        jax.errors.TracerIntegerConversionError,
    )
    seen: set[int] = set()
    err: BaseException | None = e
    while code is not None and err is not None and id(err) not in seen:
        seen.add(id(err))
        tb = err.__traceback__
        while isinstance(err, tracer_errors) and tb is not None:
            if tb.tb_frame.f_code is code:
                return (
                    "; its validate hook read a traced value (jit, grad, vmap and these checks trace it): read "
                    "values only when not isinstance(x, jax.core.Tracer)"
                )
            tb = tb.tb_next
        err = err.__cause__ or err.__context__
    return ""


class DerivativeMismatchError(ValueError):
    """Raised by :func:`register` when a user's closed-form derivative disagrees with autodiff of
    the function; ``report`` says where."""

    def __init__(self, message: str, report: Any):
        super().__init__(message)
        self.report = report


def _ordered_pairs(ordered: Any) -> tuple[tuple[str, str], ...]:
    """register's ``ordered`` as a tuple of (lo, hi) name pairs, or a one-line error."""

    def is_pair(pair: Any) -> bool:
        return isinstance(pair, Sequence) and len(pair) == 2 and all(isinstance(k, str) for k in pair)

    ok = not isinstance(ordered, str) and isinstance(ordered, Sequence)
    ok = ok and all(not isinstance(pair, str) and is_pair(pair) for pair in ordered)
    if not ok:
        raise TypeError(
            "jaxact.register: ordered= takes a tuple of (lo, hi) pairs of parameter names, e.g. "
            f"ordered=(('lower', 'upper'),), got {ordered!r}."
        )
    return tuple((lo, hi) for lo, hi in ordered)


def _check_declaration(
    name: str,
    f: Callable[..., Any],
    static: Any,
    constraints: Mapping[str, Any],
    param_derivatives: Mapping[str, Any],
    meta: Mapping[str, Any],
    builtin: bool = False,
    elementwise: bool = True,
    ordered: tuple[tuple[str, str], ...] = (),
) -> None:
    """One-line errors for a declaration :func:`register` cannot serve: a name or alias that
    :func:`get` would not find again, or that ``jaxact.<name>`` would not give, a signature without a
    default per parameter, names of parameters that the function does not have, options of the
    wrong kind."""
    if not _is_name(name):
        raise ValueError(
            f"jaxact.register: the activation's name is its function's, {name!r}: give it a lowercase "
            "identifier (def my_act(x): ...; a lambda has none), as jaxact.get looks names up in lowercase."
        )
    if not builtin:  # jaxact's own entries are what its namespace re-exports
        _check_not_shadowing(name, "name")
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError) as e:
        raise TypeError(f"jaxact.register: cannot read {name}'s signature ({e}).") from None
    ps = list(sig.parameters.values())
    if not ps or ps[0].kind not in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
        raise TypeError(f"jaxact.register: {name} must take the input x as its first positional parameter.")
    for p in ps[1:]:
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise TypeError(f"jaxact.register: {name}({p}): name each parameter, with a default (no *args, **kwargs).")
        if p.default is inspect.Parameter.empty:
            raise TypeError(f"jaxact.register: {name}'s parameter {p.name!r} needs a default (its starting value).")
    pnames = {p.name for p in ps[1:]}
    if isinstance(static, str):
        raise TypeError(f"jaxact.register: static= takes a tuple of names, e.g. static=({static!r},).")
    for what, given in (("static", static), ("constraints", constraints), ("param_derivatives", param_derivatives)):
        unknown = [k for k in given if k not in pnames]
        if unknown:
            raise ValueError(
                f"jaxact.register: {what} names {', '.join(map(repr, unknown))}, not a parameter of {name}{sig}."
            )
    # entry.jvp(x, t, **params) takes the tangent as t: a parameter of that name would be two.
    if any(p.name == "t" for p in ps[1:]):
        raise ValueError(
            f"jaxact.register: {name}'s parameter 't' is the tangent's name in {name}'s jvp(x, t, **params); "
            "rename the parameter."
        )
    # jaxact.configure(name, *, path=None, **params) and compare's specs take these themselves: a
    # parameter so named was read as the gradient path (or a second name), or trained at its default.
    taken = [p.name for p in ps[1:] if p.name in ("name", "path")]
    if taken:
        raise ValueError(
            f"jaxact.register: {name}'s parameter {taken[0]!r} is jaxact.configure's own {taken[0]}= "
            "(configure(name, *, path=None, **params)); rename the parameter."
        )
    # jit traces every parameter not in static=: a str is no JAX type, and a bool that selects code
    # (``if approximate:``) has no truth value once traced; JAX's own errors do not say that static= is
    # the cure. A bool used as a value (jnp.where(mask, ...), per-element masks) traces: probed once.
    switches = [p for p in ps[1:] if p.name not in static and _untraceable(f, p.name, p.default)]
    if switches:
        p = switches[0]
        suggestion = ", ".join(repr(k) for k in (*static, *(q.name for q in switches)))
        raise ValueError(
            f"jaxact.register: {name}'s parameter {p.name!r} has a {type(p.default).__name__} default "
            f"({p.default!r}), which selects code and cannot be traced: declare it static=({suggestion},)."
        )
    axis_name = meta.get("feature_axis")
    if axis_name is not None:
        # A str first: a list is no name, and `in` a set of names would raise its own TypeError.
        named = isinstance(axis_name, str) and axis_name in pnames and axis_name in static
        if not named or type(sig.parameters[axis_name].default) is not int:
            raise ValueError(
                f"jaxact.register: feature_axis= names the static int parameter of {name}{sig} that says along "
                f"which axis of x a per-feature parameter lies (e.g. feature_axis='axis' with static=('axis',) "
                f"and axis: int = -1), got {axis_name!r}."
            )
    bad = [k for k in param_derivatives if k in static]
    if bad:
        raise ValueError(
            f"jaxact.register: param_derivatives for static parameter(s) {bad} of {name}: only numeric ones have one."
        )
    # The binder checks constraints on numeric values only; a static parameter's (an int, a str, a
    # tuple of axes) is the code's choice, which a validate hook can check as it needs.
    bad = [k for k in constraints if k in static]
    if bad:
        raise ValueError(
            f"jaxact.register: constraints name static parameter(s) {', '.join(map(repr, bad))} of {name}: "
            "constraints are checked on numeric parameters; check a static one's values in validate=."
        )
    for k, checks in constraints.items():
        unknown = [c for c in checks if c not in _validate._CONSTRAINTS]
        if isinstance(checks, str) or unknown:
            raise ValueError(
                f"jaxact.register: constraints[{k!r}] must be a tuple of checks among "
                f"{', '.join(sorted(_validate._CONSTRAINTS))}, got {checks!r}."
            )
    defaults = {p.name: p.default for p in ps[1:]}
    for k, checks in constraints.items():
        if _is_real(defaults[k]) or isinstance(defaults[k], np.ndarray):
            try:
                _validate.check_param(name, k, defaults[k], tuple(checks))
            except (TypeError, ValueError) as e:  # met first in the shape check, read as a wrong kind of function
                raise ValueError(f"jaxact.register: {name}'s default breaks its constraints: {e}") from None
    twice = [pair for i, pair in enumerate(ordered) if pair in ordered[:i]]
    if twice:
        raise ValueError(f"jaxact.register: ordered names the pair {twice[0]!r} of {name} twice.")
    for lo, hi in ordered:
        bad = [k for k in (lo, hi) if k not in pnames or k in static or not _is_real(defaults[k])]
        if bad or lo == hi:
            raise ValueError(
                f"jaxact.register: ordered pair ({lo!r}, {hi!r}) of {name}{sig}: "
                + (f"{bad[0]!r} is not a numeric parameter." if bad else "name two different parameters.")
            )
        try:
            _validate.check_ordered(name, lo, defaults[lo], hi, defaults[hi])
        except ValueError as e:
            raise ValueError(f"jaxact.register: {name}'s defaults are not ordered: {e}") from None
    _check_options(name, pnames, meta, builtin)
    _check_mp(name, meta.get("mp"), defaults, elementwise)


def _untraceable(fn: Callable[..., Any], param: str, default: Any) -> bool:
    """A str default (never a JAX type), or a bool one the function cannot take traced: it branches
    on it in Python (TracerBoolConversionError and its kin, probed with jax.eval_shape)."""
    if isinstance(default, str):
        return True
    if not isinstance(default, (bool, np.bool_)):
        return False
    try:
        jax.eval_shape(lambda x, v: fn(x, **{param: v}), jax.ShapeDtypeStruct((4,), jnp.float32), bool(default))
    except jax.errors.ConcretizationTypeError:  # TracerBoolConversionError is one
        return True
    except Exception:  # fails for another reason (shape, another parameter): judged by the checks after
        return False
    return False


def _check_option_names(meta: Mapping[str, Any]) -> None:
    """One-line errors for ``**meta`` keys register does not take, before any other check: a
    misspelt ``derivative=`` would otherwise read as neither derivative nor jvp given."""
    # Fields register fills in itself (from the function, its arguments or its checks): given again in
    # **meta they met Activation's "got multiple values for keyword argument" (register(name=...)).
    own = [k for k in meta if k in _SET_BY_REGISTER]
    if own:
        raise TypeError(
            f"jaxact.register: {', '.join(map(repr, own))} is set by register itself, not an option"
            + (
                " (the name is the function's __name__: rename the function to register it as another)"
                if "name" in own
                else ""
            )
            + "."
        )
    fields_taken = [f.name for f in fields(Activation) if f.name not in _SET_BY_REGISTER]
    unknown_meta = [k for k in meta if k not in fields_taken]
    if unknown_meta:
        # Hints come from what a caller may write: register's own keywords (range=, not the field
        # range_) and the fields it takes in **meta, never the ones it would refuse as its own.
        own_keywords = [p.name for p in inspect.signature(register).parameters.values() if p.kind is p.KEYWORD_ONLY]
        options = list(dict.fromkeys([*own_keywords, *fields_taken]))
        close = {k: difflib.get_close_matches(k, options, n=1) for k in unknown_meta}
        hints = ", ".join(f"{k!r}" + (f" (did you mean {c[0]!r}?)" if c else "") for k, c in close.items())
        raise TypeError(f"jaxact.register: unknown option(s) {hints}.")


def _check_mp(name: str, mp: Any, defaults: Mapping[str, Any], elementwise: bool) -> None:
    """A one-line error for an ``mp=`` the accuracy tools could not call as they do (numerics:
    ``mp(m, x, **params)`` with every parameter of an elementwise entry, ``mp(m, row)`` for an
    axis-mixing one), found now rather than as a traceback from ``jaxact accuracy``."""
    if mp is None:
        return
    if not callable(mp):
        raise TypeError(f"jaxact.register: mp= takes a function of (m, x, **params) for {name}, got {mp!r}.")
    try:
        sig = inspect.signature(mp)
    except (TypeError, ValueError):
        return  # no signature to read (a C function): a wrong one shows where it is called
    try:
        if elementwise:
            sig.bind(None, None, **defaults)
        else:
            sig.bind(None, None)
    except TypeError:
        want = f"(m, x{''.join(f', {k}' for k in defaults)})" if elementwise else "(m, row)"
        how = ", its parameters by keyword" if elementwise and defaults else ""
        raise ValueError(
            f"jaxact.register: {name}'s mp= must accept {want}{how}, as the accuracy tools call it; it takes {sig}."
        ) from None


def _check_options(name: str, pnames: set[str], meta: Mapping[str, Any], builtin: bool) -> None:
    """One-line errors for ``aliases``, ``kinks``, ``examples`` and the bool flags of the wrong kind,
    which would otherwise surface as a cryptic error from the derivative check, or not at all (a
    str flag is truthy)."""
    aliases = meta.get("aliases", ())
    if not isinstance(aliases, (tuple, list, set, frozenset)):  # a str would be a sequence of one-letter names
        raise TypeError(f"jaxact.register: aliases= takes a tuple of names, e.g. aliases=({aliases!r},).")
    for a in aliases:
        if not _is_name(a):
            raise ValueError(
                f"jaxact.register: alias {a!r} of {name} must be a lowercase identifier, as names are "
                "(jaxact.get looks names up in lowercase)."
            )
        if a == name:
            # get() would list the name twice, and a re-run of the same cell would find it taken by an alias.
            raise ValueError(f"jaxact.register: alias {a!r} of {name} is its own name; list only other names.")
        if not builtin:
            _check_not_shadowing(a, "alias")
    kinks = meta.get("kinks", ())
    sequence = isinstance(kinks, (tuple, list)) or (isinstance(kinks, (np.ndarray, jax.Array)) and kinks.ndim == 1)
    if not callable(kinks) and (not sequence or not all(_is_real(k) for k in kinks)):
        raise TypeError(
            f"jaxact.register: kinks= takes a tuple of numbers (where {name}'s derivative jumps), or a function of "
            f"the parameters returning one, got {kinks!r}."
        )
    examples = meta.get("examples", ())
    if not isinstance(examples, (tuple, list)) or not all(isinstance(ex, Mapping) for ex in examples):
        raise TypeError(
            f"jaxact.register: examples= takes a tuple of parameter dicts, e.g. examples=({{'a': 2.0}},), "
            f"got {examples!r}."
        )
    unknown = sorted({k for ex in examples for k in ex if k not in pnames})
    if unknown:
        raise ValueError(
            f"jaxact.register: examples name {', '.join(map(repr, unknown))}, not a parameter of {name}; "
            f"its parameters: {', '.join(sorted(pnames)) or 'none'}."
        )
    for k in _FLAGS:
        if k in meta and not isinstance(meta[k], (bool, np.bool_)):
            raise TypeError(f"jaxact.register: {k}= must be True or False, got {meta[k]!r}.")
    if len(set(aliases)) < len(aliases):
        raise ValueError(f"jaxact.register: aliases of {name} name {aliases!r}: each alias once.")
    _check_meta_kinds(name, pnames, meta)


def _check_meta_kinds(name: str, pnames: set[str], meta: Mapping[str, Any]) -> None:
    """One-line errors for the other ``**meta`` fields of the wrong kind, taken before and met later,
    far from the declaration (formula=5 broke `jaxact list` for every entry; oscillates='yes' broke
    jaxact.signal; jax_nn='not_in_jax' met a bare AttributeError)."""

    def refuse(k: str, want: str) -> None:
        raise TypeError(f"jaxact.register: {k}= {want}, got {meta[k]!r}.")

    for k in ("torch", "accuracy_note", "jax_flag"):
        if meta.get(k) is not None and not isinstance(meta[k], str):
            refuse(k, "takes a str" + (" or None" if k != "accuracy_note" else ""))
    jax_nn = meta.get("jax_nn")
    if jax_nn is not None and not (isinstance(jax_nn, str) and callable(getattr(jax.nn, jax_nn, None))):
        refuse("jax_nn", "names a jax.nn function (its twin, e.g. jax_nn='elu')")
    if meta.get("torch_args") is not None and not callable(meta["torch_args"]):
        refuse("torch_args", "takes a function of the parameters returning torch's keyword arguments")
    if meta.get("masked_by") is not None and not _is_real(meta["masked_by"]):
        refuse("masked_by", "takes the input value that masks an entry out (e.g. -jnp.inf) or None")
    osc = meta.get("oscillates", ())
    if not isinstance(osc, (tuple, list)) or not all(
        isinstance(o, int) and not isinstance(o, bool) and o >= 0 for o in osc
    ):
        refuse("oscillates", "takes a tuple of derivative orders (0: the value), e.g. oscillates=(0, 1)")
    for k in ("f64_ulps", "f32_ulps"):
        v = meta.get(k, (4, 4))
        if not isinstance(v, (tuple, list)) or len(v) != 2 or not all(_is_real(u) and u >= 0 for u in v):
            refuse(k, "takes a pair of ulp bounds (value, first derivative), e.g. (8, 16)")
    if "grad_ulps" in meta and not (_is_real(meta["grad_ulps"]) and meta["grad_ulps"] >= 0):
        refuse("grad_ulps", "takes a number of ulps")
    jumps = meta.get("jump_params", ())
    if not isinstance(jumps, (tuple, list)) or any(j not in pnames for j in jumps):
        refuse("jump_params", f"takes a tuple of {name}'s parameters ({', '.join(sorted(pnames)) or 'none'})")
    for k in ("float64_path", "half_path"):
        if meta.get(k) is not None:
            paths._checked(meta[k], f"jaxact.register: {k}")


_REAL = (int, float, np.integer, np.floating)


def _is_real(v: Any) -> bool:
    """One real number: a Python or NumPy int or float, or a 0-d JAX or NumPy array of one; not a bool."""
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, (np.ndarray, jax.Array)):
        return v.ndim == 0 and bool(jnp.issubdtype(v.dtype, jnp.integer) or jnp.issubdtype(v.dtype, jnp.floating))
    return isinstance(v, _REAL)


def _is_name(s: Any) -> bool:
    """The rule for names and aliases: a lowercase identifier (jaxact.get looks names up in lowercase),
    not a dunder."""
    return isinstance(s, str) and s.isidentifier() and s == s.lower() and not s.startswith("__")


# The Activation fields register takes as yes/no options (monotone, smooth, ...).
_FLAGS = tuple(f.name for f in fields(Activation) if f.type == "bool" and f.name != "builtin")


def _check_not_shadowing(name: str, what: str) -> None:
    """Refuses a name that jaxact's namespaces already hold for something else (one_hot, verify,
    configure, a submodule): get() would find the activation, but ``jaxact.<name>`` (or
    ``jaxact.closed_form.<name>``) would be that other object, as the module's own attributes win
    over its ``__getattr__``. Read from the modules as they are, so it stays true as they change."""
    for module in ("jaxact", "jaxact.closed_form", "jaxact.autodiff"):
        mod = sys.modules.get(module)
        if mod is None:
            continue
        held = set(vars(mod))
        if module == "jaxact":  # a submodule not imported yet becomes an attribute when it is
            held |= _submodules(tuple(getattr(mod, "__path__", [])))
        # The activations themselves (jaxact.relu, a user's entry registered again) are the namespace's.
        if name in held and name not in _REGISTRY and name not in _ALIASES:
            raise ValueError(
                f"jaxact.register: {what} {name!r} clashes with {module}.{name}, which is not an activation "
                f"({module}.{name} would not give this one); pick another name."
            )


@functools.cache
def _submodules(path: tuple[str, ...]) -> frozenset[str]:
    """The package's submodule names, read from its folder once (they do not change in a session)."""
    return frozenset(m.name for m in pkgutil.iter_modules(list(path)))


def _checked_range(name: str, r: Any, what: str = "range") -> Range:
    """An output range as (lo, hi) floats: a pair of real numbers, lo <= hi, not NaN; ±inf or None
    (as ``jaxact list --json`` writes one) for an unbounded end."""
    if not isinstance(r, (tuple, list)) or len(r) != 2:
        alternative = ", or a function of the parameters returning one" if what == "range" else ""
        raise TypeError(f"jaxact.register: {name}'s {what} must be a pair (lo, hi){alternative}, got {r!r}.")
    ends = []
    for v, unbounded in zip(r, (-inf, inf), strict=True):
        if v is None:
            ends.append(unbounded)
            continue
        try:
            if isinstance(v, (bool, np.bool_, str, bytes)):
                raise TypeError
            ends.append(float(v))
        except (TypeError, ValueError):
            raise TypeError(
                f"jaxact.register: {name}'s {what} {tuple(r)!r}: each end must be a real number (±inf or None: "
                "unbounded)."
            ) from None
    lo, hi = ends
    if math.isnan(lo) or math.isnan(hi) or lo > hi:
        raise ValueError(f"jaxact.register: {name}'s {what} {tuple(r)!r} must have lo <= hi, neither NaN.")
    return lo, hi


def _checked_range_fn(name: str, f: Callable[..., Any], defaults: Mapping[str, Any]) -> Callable[..., Range]:
    """A range that is a function of the parameters: it may name only the function's parameters, and
    its value, at the defaults now and at any parameters later, is checked as a pair is."""
    try:
        named = list(inspect.signature(f).parameters)
    except (TypeError, ValueError) as e:
        raise TypeError(f"jaxact.register: cannot read the signature of {name}'s range ({e}).") from None
    unknown = [k for k in named if k not in defaults]
    if unknown:
        raise ValueError(
            f"jaxact.register: {name}'s range takes {', '.join(map(repr, unknown))}, not a parameter of {name}; "
            f"its parameters: {', '.join(defaults) or 'none'}."
        )

    @functools.wraps(f)  # keeps f's signature: Activation.output_range passes the parameters it names
    def checked(**params: Any) -> Range:
        value = f(**params)
        # Array or traced parameters (a per-channel α, output_range under jit) give arrays, as before:
        # only plain numbers are checked again.
        if any(
            (isinstance(v, (np.ndarray, jax.Array)) and np.ndim(v) > 0) or isinstance(v, jax.core.Tracer)
            for v in params.values()
        ):
            return value
        return _checked_range(name, value, "range's value")

    try:
        value = f(**{k: defaults[k] for k in named})
    except Exception as e:  # the user's code: whatever it raises, one line
        raise ValueError(
            f"jaxact.register: {name}'s range at the default parameters raised {_validate.error_line(e)}"
        ) from None
    _checked_range(name, value, "range's value at the default parameters")
    return checked


def register(
    *,
    derivative: Callable[..., jax.Array] | None = None,
    jvp: Callable[..., jax.Array] | None = None,
    range: Range | Callable[..., Range] = (-inf, inf),
    formula: str | None = None,
    path: paths.GradientPath | None = "closed_form",
    why: str | None = None,
    citation: str = "",
    verify: bool | None = None,
    static: tuple[str, ...] = (),
    constraints: Mapping[str, tuple[str, ...]] | None = None,
    ordered: Sequence[tuple[str, str]] = (),
    validate: Callable[..., Mapping[str, Any] | None] | None = None,
    param_derivatives: Mapping[str, Callable[..., jax.Array]] | None = None,
    **meta: Any,
) -> Callable[[F], F]:
    """Decorator: registers a pure jnp activation — built in or your own — and returns its public
    function (``jaxact.register(derivative=d)(f)`` for a function defined elsewhere).

    A registered function gets what the built-in ones get: both gradient paths, jit, argument
    checks, the derivative check, accuracy against ``mp``, benchmarks, plots and the training
    comparison (``jaxact compare --activations mypkg.acts:my_act``).

    Args:
      derivative: elementwise f'(x, **params) (give this or ``jvp``).
      jvp: for axis-mixing functions, the JVP ``jvp(x, y, t, **params)`` with y = f(x).
      range: output range ``(lo, hi)``, lo <= hi (±inf or None: an unbounded end), or a function
        of the parameters it names returning one (checked at the defaults now).
      formula: one-line formula for listings (default: the docstring's first line).
      path: the default gradient path of the public function: ``"closed_form"`` (default; also
        ``None``) or ``"autodiff"``, chosen by measurement.
      why: the measurement or property that chose ``path``.
      citation: the paper (authors, title, venue, year) that defines the function.
      verify: check the derivative and each ``param_derivatives`` entry against autodiff before
        accepting it (default: True for your own functions; the built-in ones are checked by the test
        suite), at the defaults and at each of ``examples``, and the declared ``range`` and
        ``monotone`` against the function's values (:func:`jaxact.verify.check_claims`). A disagreement raises
        :class:`DerivativeMismatchError`, whose message says where; any other error the check meets
        a one-line ValueError. Either way nothing stays registered.
      static: parameters that select code (axis, approximate): static under jit.
      constraints: per numeric (not static) parameter, checks from ``_validate`` ("positive", ...);
        a static parameter's values can be checked in ``validate``.
      ordered: pairs ``(lo, hi)`` of numeric parameters the function needs with lo <= hi (elementwise):
        concrete values are checked at each call (a one-line error naming the first crossed pair), as
        constraints are and before ``validate`` sees them, and :mod:`jaxact.linen` / :mod:`jaxact.nnx`
        modules that learn them use a crossed pair sorted.
      validate: extra check ``validate(x, **params)`` run before the jitted call; it may return
        replacements for parameters (normalised values). An eager call gives it the caller's
        arguments, but under jit, grad or vmap, and in register's own checks (which call the
        function on inputs they generate, traced as well), x and any traced parameter are
        ``jax.core.Tracer``s: a hook that reads values, not just shapes and dtypes, reads them
        only when ``not isinstance(x, jax.core.Tracer)``.
      param_derivatives: closed forms ∂f/∂p(x, **params) for numeric parameters
        whose autodiff gradient cancels; the closed-form path uses them (for a ``jvp=`` entry, where
        the parameter is a scalar: an array one, one value per feature along the mixed axis, moves
        other outputs than its own, and takes autodiff).
      **meta: the remaining :class:`Activation` fields (monotone, kinks, mp, examples, ...);
        ``aliases``, a tuple of other lowercase names :func:`get` finds the entry by
        (``jaxact.unregister(alias)`` removes the whole activation, its name and aliases);
        ``feature_axis``, the static int parameter naming the axis of x along which a 1-D numeric
        parameter holds one value per feature (prelu's ``axis``; the function lays it along that axis
        itself): a :mod:`jaxact.linen` / :mod:`jaxact.nnx` module learning one value per feature along
        another axis than the configured one is refused.

    Returns:
      A decorator: applied to ``f(x, *params)`` (its name is the activation's name, a
      parameter's default its default value) it returns the public function; ``.activation``
      is the entry.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> @jaxact.register(derivative=lambda x: 2 * jnp.maximum(x, 0), range=(0, jnp.inf))
      ... def my_squared_relu(x):
      ...     \"\"\"relu(x)².\"\"\"
      ...     return jnp.square(jnp.maximum(x, 0))
      >>> my_squared_relu(jnp.array([-1.0, 3.0]))
      Array([0., 9.], dtype=float32)
      >>> jaxact.unregister("my_squared_relu")
    """
    _check_option_names(meta)
    for k, v in (("formula", formula), ("why", why), ("citation", citation)):
        if v is not None and not isinstance(v, str):
            raise TypeError(f"jaxact.register: {k}= takes a str, got {v!r}.")
    if verify is not None and not isinstance(verify, (bool, np.bool_)):  # a str is truthy: verify='no' checked
        raise TypeError(f"jaxact.register: verify= must be True, False or None (the default), got {verify!r}.")
    if (derivative is None) == (jvp is None):
        raise ValueError("jaxact.register: give exactly one of derivative= (elementwise) or jvp= (axis-mixing)")
    # None is what paths' error offers (as set_gradient_path's "each entry's default"): the default here.
    path = paths._checked(path, "register") or "closed_form"
    constraints = dict(constraints or {})
    ordered = _ordered_pairs(ordered)

    derivative_in = _in_float32(_shaped_like_x(derivative), tuple(static)) if derivative is not None else None
    # Smooth gated entries on the closed path (glu, bilinear, geglu, swiglu: a·g(b)) are elementwise maths
    # on two halves: their forward is computed in float32 and rounded once as well (swiglu's float16
    # value: 24 ulp → 0.5); their JVP rounds its two factors (normalizers._gated_jvp_of_pair).
    gated_upcast = bool(meta.get("gated")) and bool(meta.get("smooth")) and path == "closed_form"
    jvp_in = jvp

    def deco(public_raw: F) -> F:
        name = getattr(public_raw, "__name__", "")
        # jaxact's own modules, but not this one, which defines no activation: a doctest run over it
        # (doctest.testmod(jaxact.registry)) defines register's Example in its namespace.
        module = public_raw.__module__ or ""
        builtin = module.startswith("jaxact.") and module != __name__
        _check_declaration(
            name,
            public_raw,
            static,
            constraints,
            dict(param_derivatives or {}),
            meta,
            builtin,
            elementwise=derivative_in is not None,
            ordered=ordered,
        )
        if callable(range):
            defaults = {p.name: p.default for p in list(inspect.signature(public_raw).parameters.values())[1:]}
            out_range: Range | Callable[..., Range] = _checked_range_fn(name, range, defaults)
        else:
            out_range = _checked_range(name, range)
        if name in _ALIASES or (name in _REGISTRY and not _same_source(_REGISTRY[name], public_raw)):
            raise ValueError(
                f"jaxact.register: activation {name!r} is already registered; pick another name"
                + ("" if builtin or name in _ALIASES or _REGISTRY[name].builtin else " or jaxact.unregister it first")
                + "."
            )
        doc_line = inspect.cleandoc(public_raw.__doc__ or "").split("\n")[0].strip()
        raw, derivative, jvp, param_derivatives_in = _mutation.apply(
            name, public_raw, derivative_in, jvp_in, dict(param_derivatives or {})
        )
        sig = inspect.signature(raw)
        binder = _Binder(
            name,
            sig,
            tuple(static),
            constraints,
            validate,
            ordered=ordered,
            cache_validate=builtin,
            truthy=builtin,
            # jaxact's own entries only: a user's function may take an array parameter of another
            # shape (a polynomial's coefficients), which register cannot tell from a per-channel one.
            broadcast_params=builtin and derivative_in is not None and validate is None,
        )
        pnames = binder.pnames
        dyn_names = tuple(k for k in pnames if k not in static)

        def elementwise_jvp(x: jax.Array, y: jax.Array, t: jax.Array, **kw: Any) -> jax.Array:
            assert derivative is not None
            return derivative(x, **kw) * t

        raw_jvp = jvp if jvp is not None else elementwise_jvp
        # Elementwise functions of a half-precision x are computed in float32 and rounded once, on
        # both paths (same values): more accurate, and faster on CPU, where XLA otherwise rounds
        # to bfloat16 after every op (bfloat16 hard_silu: 1.05x jax.nn's forward time per op,
        # 0.45x in float32). Not for entries on the autodiff path: their backward pass would then
        # save float32 arrays (select zeros of the piecewise-linear ones, exponential's eˣ) where
        # jax.nn and jnp save bfloat16 ones; those are one or two ops, rounded once anyway.
        upcast = gated_upcast or (derivative is not None and path == "closed_form")
        fwd = _in_float32(raw, tuple(static)) if upcast else raw
        # ∂f/∂p as f and f′: a half-precision x computed in float32 (their σ′ and e^(βx) are
        # written for float32's range; float16's overflows at βx = 11).
        dparams = {k: _in_float32(d, tuple(static)) if upcast else d for k, d in param_derivatives_in.items()}
        closed_raw = _make_closed_form(fwd, raw_jvp, dyn_names, dparams, derivative is not None)
        impl = {
            "autodiff": _jitted(fwd, raw, name, tuple(static)),
            "closed_form": _jitted(closed_raw, raw, name, tuple(static)),
        }
        doc = _compose_doc(raw, tuple(static), constraints, out_range, derivative is not None, ordered)
        # jax.nn's own function for an integer x where it keeps the integer dtype (relu): for jaxact's
        # entries, whose tests hold them to it; a user's jax_nn= names a twin to compare against, and
        # never computes in place of the user's function (a clip to ±2 labelled hard_tanh gave ±1).
        integer_twin = _integer_twin(meta.get("jax_nn") if builtin else None)
        # A user's validate hook may read values (a mask's contents): it keeps the Python frame,
        # where it sees concrete arguments. jaxact's own hooks read shapes and dtypes only.
        at_trace_time = builtin or validate is None
        autodiff_fn = _public(
            binder,
            impl["autodiff"],
            raw,
            f"Plain-autodiff path of :func:`jaxact.{name}` (same values).\n\n{doc}",
            integer_twin,
            at_trace_time,
            (name, "autodiff"),
        )
        closed_fn = _public(
            binder,
            impl["closed_form"],
            raw,
            f"Closed-form path of :func:`jaxact.{name}`: same values, derivative from the "
            f"hand-written formula via jax.custom_jvp.\n\n{doc}",
            integer_twin,
            at_trace_time,
            (name, "closed_form"),
        )

        jax_flag = meta.get("jax_flag")
        paths_fn = {"autodiff": fwd, "closed_form": closed_raw}

        def chosen(x: jax.Array, **kw: Any) -> jax.Array:
            # At trace time: the switch and JAX's flag are in the jit cache key, so the
            # eager call is one jit dispatch with no Python check of the path.
            of_dtype = _dtype_path(x.dtype, meta.get("float64_path"), meta.get("half_path"))
            return paths_fn[_path_now(path, jax_flag, of_dtype)](x, **kw)

        fn = _public(
            binder, _jitted(chosen, raw, name, tuple(static)), raw, doc, integer_twin, at_trace_time, (name, "fn")
        )

        derivative_fn = None
        if derivative is not None:
            derivative_fn = _public(
                binder,
                _jitted(derivative, raw, f"{name}_derivative", tuple(static)),
                raw,
                f"Closed-form derivative f'(x) of :func:`jaxact.{name}`, checked and promoted as the function.",
                lambda x: None,  # an integer x promotes to float here: f′ is not an integer function
                at_trace_time,
                (name, "derivative"),
            )

        def with_output(x: jax.Array, t: jax.Array, **kw: Any) -> jax.Array:
            return raw_jvp(x, raw(x, **kw), t, **kw)

        jvp_impl = _jitted(with_output, raw, f"{name}_jvp", tuple(static), tangent=True)

        def jvp_fn(x: Any, t: Any, *args: Any, **kwargs: Any) -> jax.Array:
            xa, given = binder(x, args, kwargs)
            ta = _validate.as_float_array(t, name, "t")
            if ta.shape != xa.shape:
                raise ValueError(f"jaxact.{name}.jvp: tangent shape {ta.shape} differs from x shape {xa.shape}.")
            return jvp_impl(xa, ta, **given)

        jvp_fn.__doc__ = f"Closed-form Jacobian-vector product of :func:`jaxact.{name}` at x along t."
        given = meta.pop("aliases", ())
        aliases = tuple(sorted(given) if isinstance(given, (set, frozenset)) else given)
        entry = Activation(
            name=name,
            fn=fn,
            autodiff=autodiff_fn,
            closed_form=closed_fn,
            derivative=derivative_fn,
            jvp=jvp_fn,
            raw=raw,
            raw_derivative=derivative,
            raw_jvp=raw_jvp,
            params=binder.defaults,
            static=tuple(static),
            range_=out_range,
            family=raw.__module__.rsplit(".", 1)[-1] if builtin else "user",
            formula=formula or doc_line or name,
            default_path=path,
            path_reason=why or f"user-defined: {path.replace('_', ' ')} (not measured)",
            aliases=aliases,
            citation=citation,
            builtin=builtin,
            constraints=constraints,
            ordered=ordered,
            closed_params=tuple(dparams),
            **meta,
        )
        object.__setattr__(entry, "registration", next(_REGISTRATIONS))
        for a in aliases:
            taken = _ALIASES.get(a, a if a in _REGISTRY else None)
            if taken is not None and taken != name:
                raise ValueError(f"jaxact.register: alias {a!r} of {name} already names {taken!r}; pick another.")
        previous = _REGISTRY.get(name)
        _REGISTRY[name] = entry
        for f in (fn, autodiff_fn, closed_fn):
            f.activation = entry  # type: ignore[attr-defined]

        def restore() -> None:
            if previous is None:
                del _REGISTRY[name]
            else:
                _REGISTRY[name] = previous

        if verify if verify is not None else not builtin:
            from jaxact import verify as verifier  # the check builds on the registry

            try:
                verifier.smoke(entry)  # shapes and dtypes first, by shape alone (nothing runs)
                verifier.check_claims(entry)  # its range and monotony, as listings and docs state them
                unchecked = verifier.unchecked_param_derivatives(entry)
                if unchecked:
                    k = unchecked[0]
                    raise ValueError(
                        f"its ∂f/∂{k} (param_derivatives) cannot be checked: {k}'s default "
                        f"{entry.params[k]!r} is no number, and no example gives it one; add "
                        f"examples=({{{k!r}: ...}},) with a value to check it at"
                    )
                report = verifier.check(entry)
            except Exception as e:  # the user's code: whatever it raises, nothing stays registered
                restore()
                raise ValueError(
                    f"jaxact.register: {name} failed its checks (shapes, dtypes, range, derivatives), not registered: "
                    f"{_validate.error_line(e)}{_hook_hint(e, validate)}"
                ) from e
            if not report.ok:
                restore()
                # The CLI shows a module's import error by its first line only: that line says where.
                worst = max(report.failures, key=lambda r: r.max_abs_diff / r.tolerance if r.tolerance else math.inf)
                raise DerivativeMismatchError(
                    f"jaxact.register: the derivative of {name} disagrees with autodiff of the function, not "
                    f"registered: {worst.where()}.\n{report}",
                    report,
                )
        if previous is not None:
            for a in previous.aliases:
                _ALIASES.pop(a, None)
        for a in aliases:
            _ALIASES[a] = name
        return fn  # type: ignore[return-value]

    return deco
