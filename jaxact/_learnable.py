"""What the Flax modules learn: an entry's numeric parameters, read from the registry.

Shared by :mod:`jaxact.linen` and :mod:`jaxact.nnx` (neither framework is imported here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxact import _stable, paths, registry
from jaxact.configured import Configured, configure


@dataclass(frozen=True)
class Plan:
    """The function to call, its fixed parameters and the learned ones with their initial values.

    Hashable: (name, value) pairs, not dicts, since an nnx module keeps its plan as a static
    attribute, part of its GraphDef, which ``jax.jit``'s static arguments and caches hash.
    """

    fn: Any
    fixed: tuple[tuple[str, Any], ...]
    learned: tuple[tuple[str, float], ...]
    constraints: tuple[tuple[str, tuple[str, ...]], ...]
    keyed: bool = False  # takes a PRNG key for its random (training) form (rrelu)
    # The entry's name and the path forced for it (None: the entry's own, decided per dtype).
    name: str = ""
    path: str | None = None
    # What the calls read of the entry, taken when the module is made: a module made from a user's entry
    # kept working (with the function it was given) after a notebook re-registered or unregistered the
    # name, which then raised UnknownActivationError or paired the old function with the new ordering.
    ordered: tuple[tuple[str, str], ...] = ()
    defaults: tuple[tuple[str, Any], ...] = ()  # the ordered pairs' defaults: a learned one is held at them
    feature_axis: str | None = None


def plan(
    activation: str | Configured,
    learn: Sequence[str] | None,
    path: paths.GradientPath | None,
    owner: str,
) -> Plan:
    """Checks the module's settings against the entry; the message names what is wrong."""
    if not isinstance(activation, (Configured, str)):
        activation = _named(activation, owner)
    conf = activation if isinstance(activation, Configured) else configure(activation)
    entry = conf.entry
    can = entry.learnable_params
    if learn is not None and not isinstance(learn, str):
        if not isinstance(learn, Sequence) or not all(isinstance(k, str) for k in learn):
            raise TypeError(f"{owner}: learn must be a parameter's name or a sequence of names, got {_shown(learn)}.")
        twice = sorted({k for k in learn if list(learn).count(k) > 1})
        if twice:
            raise ValueError(f"{owner}: learn names {', '.join(map(repr, twice))} more than once.")
    names = can if learn is None else tuple([learn] if isinstance(learn, str) else learn)
    bad = [k for k in names if k not in can]
    if bad or not names:
        what = (
            f"cannot learn {', '.join(map(repr, bad))}"
            if bad
            else "has nothing to learn"
            if not can
            else "is given learn= naming no parameter"
        )
        raise ValueError(
            f"{owner}: {entry.name} {what}; its learnable parameters: {', '.join(can) or 'none'} "
            "(fixed settings go in jaxact.configure)."
        )
    paths._checked(path, owner)
    # The settings that differ from the defaults: one given at its default is the
    # default, so the plan, part of an nnx module's static structure, is the same for both spellings.
    fixed = dict(conf.non_default)
    learned = tuple((k, float(fixed.pop(k, entry.params[k]))) for k in names)
    fn = entry.fn if (path or conf.path) is None else entry.path(path or conf.path)  # type: ignore[arg-type]
    constraints = tuple((k, tuple(entry.constraints.get(k, ()))) for k in names)
    paired = {k for pair in entry.ordered for k in pair}
    return Plan(
        fn,
        tuple(fixed.items()),
        learned,
        constraints,
        entry.keyed,
        entry.name,
        path or conf.path,
        tuple(entry.ordered),
        tuple((k, entry.params[k]) for k in sorted(paired)),
        entry.feature_axis,
    )


def fixed_only(
    activation: Any, learned: Sequence[str], owner: str, path: paths.GradientPath | None = None
) -> str | Configured:
    """``activation`` without the initial values of the ``learned`` parameters, in one spelling: the
    entry's name, or a :class:`Configured` value where fixed settings or a path remain. What an nnx
    module keeps in its static structure once its parameters exist, so that models differing only in
    where training starts, or in how the activation is written (``"elu"``, ``jaxact.elu``,
    ``jaxact.configure("elu", alpha=0.5)`` with α learned), share one GraphDef (one nnx.jit
    compilation, one stacked state), and the repr does not show a value training left. A forced
    ``path`` is kept in it (``jaxact.configure('elu', path='closed_form')``): the repr showed 'elu'."""
    if not isinstance(activation, (Configured, str)):
        activation = _named(activation, owner)
    conf = activation if isinstance(activation, Configured) else configure(activation)
    kept = conf.without(learned, path)  # its own entry: a value made before its function was unregistered computes on
    current = registry.registered(conf.name) is conf.entry
    # Equal to the entry at its defaults (configure('prelu', axis=-1) == configure('prelu')): its name.
    return kept.name if current and kept.path is None and kept == configure(conf.name) else kept


def _named(fn: Any, owner: str) -> str | Configured:
    """A registered function passed itself (``jaxact.elu``, ``jaxact.closed_form.elu``, a ``jax.jit`` of
    either, a user's function registered in the call form): its name (with its path for a path's twin);
    anything else is refused in one line naming what is accepted."""
    public = registry.public_object(fn)  # a jax.jit of one too: its path is the wrapped twin's
    e = registry.entry_of(fn)
    if e is not None and registry.registered(e.name) is e:
        for p in ("closed_form", "autodiff"):
            if public is getattr(e, p):
                return configure(e.name, path=p)  # type: ignore[arg-type]
        return e.name
    what = getattr(fn, "__name__", type(fn).__name__)
    if e is not None:  # its name now registers another function (a re-run cell), or none
        fix = (
            f"now names another function: pass jaxact.{e.name} (or {e.name!r}) to use that one"
            if registry.registered(e.name) is not None
            else "is unregistered: register it again to use it"
        )
        raise TypeError(f"{owner}: activation {what!r} is an earlier registration of {e.name!r}, which {fix}.")
    for other in registry.entries():  # an entry's derivative: the same name and repr as the function
        if other.derivative is not None and (fn is other.derivative or public is other.derivative):
            raise TypeError(
                f"{owner}: activation {what!r} is {other.name}'s derivative (jaxact.derivative({other.name!r})), not "
                f"an activation; pass jaxact.{other.name} or {other.name!r}."
            )
    wrapped = getattr(fn, "activation", None)
    if isinstance(wrapped, registry.Activation) and public is None:
        # functools.wraps copied the attribute: jax.custom_jvp(jaxact.elu) has its own rule
        raise TypeError(
            f"{owner}: activation {type(fn).__name__} {what!r} wraps jaxact.{wrapped.name} and computes what it "
            f"likes; pass jaxact.{wrapped.name} (or a jax.jit of it) or register your function."
        )
    raise TypeError(
        f"{owner}: activation must be a registered name (e.g. 'prelu'), a registered function or "
        f"jaxact.configure(...), got {what!r}."
    )


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


def _shown(value: Any) -> str:
    """A setting as one line: an array by its shape and dtype (its repr may take many)."""
    if isinstance(value, jax.core.Tracer):
        return f"a traced value of shape {value.shape}"
    if isinstance(value, (np.ndarray, jax.Array)):
        return f"an array of shape {value.shape} ({value.dtype})"
    return repr(value)


def check_axis(axis: Any, owner: str) -> int:
    """The feature axis as an int (a NumPy integer too); a float or a bool is refused here, not met
    as an indexing error in the middle of the call."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{owner}: axis must be an int (the feature axis), got {_shown(axis)}.")
    return int(axis)


def check_count(value: Any, option: str, owner: str) -> int | None:
    """A positive whole number (a NumPy integer too) or None; a bool is no count."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {option} must be a positive int or None, got {_shown(value)}.")
    return int(value)


def check_flag(value: Any, option: str, owner: str) -> bool:
    """A setting that is a bool (NumPy's too): a str such as 'no' would read as True."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {option} must be a bool, got {_shown(value)}.")
    return bool(value)


def check_deterministic(value: Any, owner: str) -> bool | None:
    """``deterministic`` read by truthiness, as ``nn.Dropout`` reads it (np.False_, 0 and a 0-d array
    are False), from a concrete bool-like value: it chooses the code at trace time. None: unset."""
    if value is None:
        return None
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        return bool(value)
    if isinstance(value, (np.ndarray, jax.Array)) and not isinstance(value, jax.core.Tracer) and value.ndim == 0:
        if jnp.issubdtype(value.dtype, jnp.bool_) or jnp.issubdtype(value.dtype, jnp.number):
            return bool(value)
    raise TypeError(
        f"{owner}: deterministic must be a bool (or None; a concrete one: it chooses the code at trace time), "
        f"got {_shown(value)}."
    )


def check_sharding(sharding: Any, per_feature: bool, owner: str) -> None:
    """None, or the logical axis names of the (one-dimensional) per-feature parameter."""
    if sharding is None:
        return
    if not isinstance(sharding, (tuple, list)) or not all(a is None or isinstance(a, str) for a in sharding):
        raise TypeError(
            f"{owner}: sharding must be a tuple of logical axis names, e.g. ('mlp',), or None, got {sharding!r}."
        )
    if per_feature and len(sharding) != 1:
        raise ValueError(
            f"{owner}: sharding {tuple(sharding)!r} names {len(sharding)} axes; the per-feature parameter has one."
        )


def param_shape(x: jax.Array, axis: int, per_channel: bool, owner: str) -> tuple[int, ...]:
    if not per_channel:
        return ()
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{owner}: per-channel axis {axis} is out of range for an input of shape {x.shape}.")
    return (x.shape[axis],)


def check_features(x: Any, axis: int, num_features: int, owner: str) -> None:
    """The input's feature axis holds ``num_features`` entries (NNX made the parameters before it saw x)."""
    shape = np.shape(x)
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"{owner}: axis {axis} is out of range for an input of shape {tuple(shape)}.")
    if num_features != 1 and shape[axis] != num_features:  # 1: one value shared, as torch's PReLU(1)
        raise ValueError(
            f"{owner}: num_features={num_features}, but the input's feature axis {axis} has {shape[axis]} "
            f"entries (shape {tuple(shape)})."
        )


def check_feature_axis(p: Plan, shape: tuple[int, ...], axis: int, count: int, owner: str) -> None:
    """A configured ``axis`` (prelu's) and the module's ``axis``, along which the per-feature parameter
    is laid, name the same axis of the input: two different ones are refused, as ``jaxact.prelu``
    refuses slopes along another axis (the slope went along the module's, broadcast, and the configured
    axis had no effect). One value shared (``count`` 1) fits any axis."""
    # Only where the entry declares the axis its parameter lies along (prelu's): another function's axis
    # means something else (a softmax's, with a learned temperature per feature of the module's axis).
    axis_name = p.feature_axis
    if axis_name is None:
        return
    configured = dict(p.fixed).get(axis_name)
    n = len(shape)
    if count == 1 or not isinstance(configured, int) or isinstance(configured, bool):
        return
    if not (-n <= configured < n and -n <= axis < n):  # out of range: named by the function or the module
        return
    if configured % n != axis % n:
        raise ValueError(
            f"{owner}: the configured axis={configured} and the module's axis={axis} are different axes of an "
            f"input of shape {tuple(shape)}; give the module axis={configured} (it lays out the per-feature "
            "parameter)."
        )


def _held(value: jax.Array, v: jax.Array) -> jax.Array:
    """``value`` exactly, with ``v``'s gradient (straight through): value + (v − sg(v)), not
    v + sg(value − v), which rounds (−5 + (eps + 5) is 0 in float32: a positive α held at 0, celu
    raised eagerly and was NaN under jit; 1e6 + (1/3 − 1e6) is 0.3125)."""
    return jax.lax.stop_gradient(value) + (v - jax.lax.stop_gradient(v))


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
    constraints = dict(p.constraints)
    for k, v in values.items():
        if v.ndim == 1 and x.ndim > 1:
            shape = [1] * x.ndim
            shape[axis] = v.shape[0]
            v = v.reshape(shape)
        if dt is not None and v.dtype != dt:
            # Laid over x in the wider of the stored and the computation dtype, then cast: the
            # gradient's sum over x then runs in that dtype (float32), not in a bfloat16 one. XLA on CPU
            # accumulates a bfloat16 sum in bfloat16: prelu's slope over a column of 2^16 elements got
            # −8192 for −26276 (once the sum reaches 8192, a term below 32 is lost), 8 % off over 256 x
            # 256; celu 2.2 %, swish 0.8 %. What is left is each term's bfloat16 rounding (0.2–0.3 %).
            # The forward's values are the same (a broadcast of the cast). A hand-written ∂f/∂p's JVP
            # keeps no copy of the parameter; autodiff's (prelu, threshold, srelu; smelu's ∂f/∂β) saves
            # the laid-out one for the backward pass, one array of x's size and dtype more: the price
            # of a right gradient (param_dtype=x's dtype keeps the small one, and its bfloat16 sum).
            wide = v.astype(_stable.wider(v.dtype, dt))
            v = _stable.broadcast_over(wide, x).astype(dt)
        if "positive" in constraints[k]:
            # Only a value out of the domain moves (to eps): a positive one below eps is the maths'
            # (a maximum with eps raised a bfloat16 b = 0.001 to 0.0078, 3x squareplus's value); NaN
            # stays. A subnormal of the dtype computed in (float32 for half precision) is out too: XLA
            # on CPU flushes it to 0 (celu's α = 1e−40: x/0); float16's own subnormals are not.
            ct = _stable.wider(v.dtype, jnp.float32)
            v = _held(jnp.where(v.astype(ct) < jnp.finfo(ct).tiny, jnp.finfo(v.dtype).eps, v), v)
        elif "nonnegative" in constraints[k]:
            v = _held(jnp.maximum(v, 0), v)
        kw[k] = v
    defaults = dict(p.defaults)
    for lo, hi in p.ordered:
        # A learned pair that training crossed (rrelu's lower above upper: 7 of 32 channels in 300 Adam
        # steps) is used sorted; crossed, the function raised eagerly and was undefined under jit. Both
        # learned: swapped where crossed, the gradients following the values (the one in the lower role
        # gets that role's), so training goes on as with the pair relabelled. One learned: it is held at the
        # fixed one's value, its gradient straight through (a clamp's 0 would freeze it there).
        if lo in kw and hi in kw:
            # A select, not min/max: at a tie those split the gradient ½/½, and a pair that starts
            # equal (rrelu's lower = upper) would get one averaged gradient and never separate.
            crossed = kw[lo] > kw[hi]
            kw[lo], kw[hi] = jnp.where(crossed, kw[hi], kw[lo]), jnp.where(crossed, kw[lo], kw[hi])
        elif lo in kw or hi in kw:
            k, o, bound = (lo, hi, jnp.minimum) if lo in kw else (hi, lo, jnp.maximum)
            other = dict(p.fixed).get(o, defaults[o])
            kw[k] = _held(bound(kw[k], other), kw[k])
    if key is not None:  # a keyed activation's training draw (rrelu)
        kw["key"] = key
    return p.fn(x, **dict(p.fixed), **kw)
