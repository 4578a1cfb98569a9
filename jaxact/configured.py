"""A configured activation: an entry with fixed parameters, as a hashable, picklable value.

``jaxact.configure("elu", alpha=0.5)`` is what a Flax module attribute, a config system
or ``jax.jit``'s static arguments want: equal when name and parameters are equal (a parameter
given at its default equals it left out) and the entry is the same registration (a re-run
notebook cell that replaces it makes a new function), hashable,
picklable, printable as the call that makes it. Learnable parameters (arrays) belong in a
module's params instead (``jaxact.linen`` / ``jaxact.nnx``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from jaxact import _validate, paths, registry


@dataclass(frozen=True, eq=False)
class Configured:
    """``registry.get(name)`` called with ``params`` fixed; ``path`` forces a gradient path.

    Build it with :func:`configure`, which checks the parameters. Calling it applies the
    activation: ``configure("elu", alpha=0.5)(x) == jaxact.elu(x, alpha=0.5)``. Two are equal
    (and hash equal) when they compute the same function: ``configure("elu", alpha=1.0) ==
    configure("elu")``, α's default given or not; each keeps the parameters as given for its repr.
    A value made before its entry was replaced (a notebook cell re-run) differs from one made after,
    and keeps computing the function it was made with, eagerly as under jit (whose trace of it stays).
    """

    name: str
    params: tuple[tuple[str, Any], ...] = ()
    path: paths.GradientPath | None = None
    # What equality and the hash go by, besides name and path, is _key (set by _bind): the entry's registration (a
    # replaced entry is another function: jit must not reuse the old one's trace) and the parameters
    # that differ from the entry's defaults, so that the same function spelt with or without a default
    # is one key (one jit cache entry, one row of a comparison), read once rather than on every hash
    # (jit hashes static arguments per call). No dataclass field: dataclasses.asdict of a config holding
    # this value gave its registration counter, a number of this session, which Configured(**d) refused.

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.name, self.path, self._key) == (other.name, other.path, other._key)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.name, self.path, self._key))

    @property
    def non_default(self) -> tuple[tuple[str, Any], ...]:
        """The parameters given that differ from the entry's defaults, in signature order."""
        return self._key[1]

    def __post_init__(self) -> None:
        try:
            entry = registry.get(self.name)
        except Exception:  # not a registered name (built without configure): nothing to compare against
            entry = None
        self._bind(entry)

    def _bind(self, entry: registry.Activation | None) -> None:
        # The entry this value was made with, as a plain attribute (not a field: dataclasses.asdict of a
        # config holding this value would print the whole entry): after a replacement its calls stay the
        # old function's, as a jit trace keyed by this value does (a new lookup made the eager call the
        # new function's while jit kept the old trace). Never pickled: an unpickled value takes today's.
        defaults, registration = ({}, None) if entry is None else (entry.params, entry.registration)
        object.__setattr__(self, "_entry", entry)
        params = tuple((k, v) for k, v in self.params if not (k in defaults and _same(v, defaults[k])))
        object.__setattr__(self, "_key", (registration, params))

    def without(self, names: Sequence[str], path: paths.GradientPath | None = None) -> Configured:
        """This value with the parameters ``names`` left out (at their defaults), and the gradient
        ``path`` forced where one is given, computing with the entry it was made with (not today's
        lookup of its name: the function may have been unregistered or replaced since)."""
        names = (names,) if isinstance(names, str) else tuple(names)
        kept = dataclasses.replace(
            self, params=tuple((k, v) for k, v in self.params if k not in names), path=path or self.path
        )
        kept._bind(getattr(self, "_entry", None))
        return kept

    def __getstate__(self) -> dict[str, Any]:
        # Without _key: it is derived from today's defaults and registration, so an unpickled value
        # derives it again (a pickle of a version without _key loaded with the class default (), equal
        # to the entry at its defaults: jit reused that trace for configure("elu", alpha=0.5); and a
        # registration counter means nothing in another process).
        state = {"name": self.name, "params": self.params, "path": self.path}
        e = getattr(self, "_entry", None)
        if e is not None and not e.builtin:  # a user's function: where to import it from, in another process
            state["source"] = f"{e.raw.__module__}:{e.raw.__qualname__}"
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k in ("name", "params", "path"):
            object.__setattr__(self, k, state.get(k, () if k == "params" else None))
        if state.get("source") and self.name not in registry.names():
            try:  # importing its module registers it (a process that has not imported it yet)
                registry.get(state["source"])
            except Exception:  # not importable here: the call says what is unknown, as before
                pass
        self.__post_init__()

    @property
    def entry(self) -> registry.Activation:
        made_with = getattr(self, "_entry", None)
        return made_with if made_with is not None else registry.get(self.name)

    def __copy__(self) -> Configured:
        return self  # an immutable value: a copy is itself, the entry it was made with included

    def __deepcopy__(self, memo: dict[int, Any]) -> Configured:
        return self

    def __call__(self, x: Any) -> jax.Array:
        e = self.entry
        f = e.fn if self.path is None else e.path(self.path)
        return f(x, **dict(self.params))

    def __repr__(self) -> str:
        args = [repr(self.name), *(f"{k}={v!r}" for k, v in self.params)]
        if self.path is not None:
            args.append(f"path={self.path!r}")
        return f"jaxact.configure({', '.join(args)})"


def _same(value: Any, default: Any) -> bool:
    """A given value that computes what the default does: equal, and a bool only where the default is
    one (True == 1.0, but alpha=True is no float's spelling)."""
    try:
        return bool(value == default) and isinstance(value, bool) == isinstance(default, bool)
    except Exception:  # a comparison that is not a bool: not the default
        return False


def configure(name: str, *, path: paths.GradientPath | None = None, **params: Any) -> Configured:
    """A hashable, picklable activation with fixed parameters.

    Args:
      name: a registered activation (or alias), e.g. ``"gelu"``.
      path: ``"closed_form"`` or ``"autodiff"`` to force a gradient path; ``None`` follows the
        entry's default (and the global switch).
      **params: the activation's parameters as Python or NumPy scalars (``alpha=0.5``,
        ``approximate=False``; a static one also a tuple or list of them, ``axis=(0, 1)``); checked
        now, with the errors the function itself gives (a parameter's kind, ``approximate='false'``,
        ``where=1.0``; an axis named twice, ``axis=(0, 0)``; a ``key``, which no scalar is), and not
        its fit to an input not yet given (an axis out of range), nor a ``validate=`` hook of a user's
        entry (it sees the input: the call runs it). A NumPy scalar is kept as the
        Python number it holds, weakly typed: ``np.float32(0.5)`` does not promote a bfloat16 input
        here, where the function called with it directly would (equal configurations hash equal,
        and a jit that holds one as a static argument must not reuse a trace of another dtype).

    Returns:
      A :class:`Configured` value; calling it applies the activation.

    Example:
      >>> import jax.numpy as jnp, jaxact
      >>> act = jaxact.configure("elu", alpha=0.5)
      >>> act
      jaxact.configure('elu', alpha=0.5)
      >>> bool(act(jnp.array(-1.0)) == jaxact.elu(jnp.array(-1.0), alpha=0.5))
      True
      >>> hash(act) == hash(jaxact.configure("elu", alpha=0.5))
      True
    """
    registry.check_name(name, "jaxact.configure")
    entry = registry.get(name)
    paths._checked(path, "jaxact.configure")
    known = list(entry.params)
    unknown = [k for k in params if k not in known]
    if unknown:
        raise TypeError(
            f"jaxact.configure: {entry.name} has no parameter {', '.join(map(repr, unknown))}; "
            f"its parameters: {', '.join(known) or 'none'}."
        )
    fixed = []
    for k in known:  # signature order, so equal configurations compare and hash equal
        if k not in params:
            continue
        v = params[k]
        if isinstance(v, np.generic):
            v = v.item()
        if k in entry.static and isinstance(v, (list, tuple)):  # softmax's axis=(0, 1), as the function takes it
            v = tuple(e.item() if isinstance(e, np.generic) else e for e in v)
            scalars = all(isinstance(e, (bool, int, float, str)) for e in v)
        else:
            scalars = True
        if not scalars or not isinstance(v, (bool, int, float, str, type(None), tuple)):
            raise TypeError(
                f"jaxact.configure: parameter {k!r} of {entry.name} must be a Python scalar (a static one, such as "
                "axis, also a tuple of them) to be hashable, "
                f"got {type(v).__name__}; learnable arrays belong in a module's parameters (jaxact.linen / "
                "jaxact.nnx)."
            )
        if k in entry.checked_params:  # as the function itself checks them
            _validate.check_param(entry.name, k, v, entry.constraints.get(k, ()))
        elif isinstance(v, str) and k not in entry.static:  # jit traces it: no str is a JAX type
            raise TypeError(
                f"jaxact.configure: parameter {k!r} of {entry.name} is traced (not static): a str is no JAX "
                f"type, got {v!r}."
            )
        fixed.append((k, v))
    _validate.check_ordered_pairs(entry.name, entry.ordered, entry.params, dict(fixed))  # as the function does
    # Every parameter not checked above, the static ones and the others: no scalar is a PRNG key (rrelu's
    # key=1 was taken), nor a boolean mask of a float (softmax's where=1.0). Traced once (~0.3 ms).
    if any(k not in entry.checked_params for k, _ in fixed):
        _check_kinds(entry, dict(fixed))
    return Configured(entry.name, tuple(fixed), path)


# A shape only (nothing computed): every static value a function takes for some input fits one of
# rank 8 with even sizes (glu's halves), but an axis beyond ±8.
_PROBE = jax.ShapeDtypeStruct((2,) * 8, np.float32)


def _check_kinds(entry: registry.Activation, given: dict[str, Any]) -> None:
    """Parameters of the wrong kind (gelu's approximate='false', softmax's axis=1.5 or where=1.0,
    rrelu's key=1) refused now with the function's own error: the function checks them when it is
    traced, which for a configuration read from a file was inside a model's init. The function is
    traced on :data:`_PROBE` with these values; only its
    own errors ("jaxact.<name>: ...") are taken, and of those only the TypeErrors, and the
    ValueErrors of a tuple that repeats an element (softmax's axis=(0, 0) names one dimension twice
    in any input): another ValueError, or JAX's TypeError of a reshape, may depend on the input's
    shape (an axis out of range, a group size, axis=(0, -2))."""
    if not given:
        return
    repeats = any(isinstance(v, tuple) and len(set(v)) < len(v) for v in given.values())
    try:
        jax.eval_shape(lambda x: entry.fn(x, **given), _PROBE)
    except (TypeError, ValueError) as e:
        line = str(e).strip().splitlines()[0] if str(e).strip() else ""
        if line.startswith(f"jaxact.{entry.name}:") and (isinstance(e, TypeError) or repeats):
            raise type(e)(line) from None
        # Anything else (JAX's reshape of the probe's shape is a TypeError too): the call decides.
    except Exception:  # of the input's shape (an axis out of the probe's range): the call decides
        pass
