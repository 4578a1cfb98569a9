"""Signal propagation: how an activation transforms a unit Gaussian, computed from the registry.

For z ~ N(0, 1): E f(z), E f(z)², E f′(z)², the variance-preserving initialisation gain
1/√E f(z)² (√2 for ReLU, as He et al. 2015; 1 for SELU, as LeCun normal) and the Lipschitz
constant sup |f′| where it is finite. Computed by numerical integration of the entry's own
function and derivative in float64 (nothing typed in), once per entry and parameter set.

:func:`initializer` turns the gain into a ``jax.nn.initializers`` function — what
``he_normal`` is to ReLU, for any activation — and ``jaxact compare --init auto`` uses it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxact import registry
from jaxact.configured import Configured, configure

# The midpoint rule on [−Z, Z] in N cells: the Gaussian tail beyond 12 weighs 1e-33, and cell
# edges fall on every multiple of 2e-4 (0, ±1, ±3 …), so a jump there (relu′ at 0) costs O(h²).
_Z, _N = 12.0, 120_000
# |x| up to here, log-spaced, decides whether sup |f′| is finite.
_FAR = 1e6
# Samples per window of an oscillating f′ (sine, snake), drawn at random (fixed seed): an evenly spaced
# grid aliases with a period that divides its step (ω = 2π on a step of 1), random phases do not.
_WINDOW = 100_000


@dataclass(frozen=True)
class Signal:
    """One activation's response to z ~ N(0, 1) (see the module docstring)."""

    name: str
    params: tuple[tuple[str, Any], ...]
    mean: float  # E f(z)
    second_moment: float  # E f(z)²
    derivative_second_moment: float  # E f′(z)²
    gain: float  # 1/√E f(z)²: weights ~ N(0, gain²/fan_in) keep E pre-activation² = 1 layer to layer
    lipschitz: float  # sup |f′| (inf where f′ is unbounded or f jumps)

    @property
    def variance(self) -> float:
        return self.second_moment - self.mean**2


def _grid() -> tuple[np.ndarray, np.ndarray]:
    h = 2 * _Z / _N
    x = -_Z + h * (np.arange(_N) + 0.5)
    return x, h * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _value_and_slope(
    entry: registry.Activation, params: dict[str, Any], x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """f and f′ in float64 elementwise; for a gated function (glu …) those of its gate, since
    with independent value and gate halves a, b ~ N(0, 1): E (a·g(b))² = E g(b)²."""
    # Evaluated op by op, each op compiled once per shape: x padded with zeros to the grid's length
    # (or a multiple of it), so that the grid, the Lipschitz points (holding each entry's own kinks)
    # and the far points share one shape, and the ops compiled for one call serve the others and the
    # next entry (the docs' catalogue of every entry: 17.5 s → 8.3 s).
    n = x.size
    with jax.enable_x64(True):
        xa = jnp.asarray(np.concatenate([x, np.zeros(-n % _N)]), jnp.float64)
        if entry.elementwise:
            assert entry.raw_derivative is not None
            y, dy = entry.raw(xa, **params), entry.raw_derivative(xa, **params)
            return np.asarray(y)[:n], np.asarray(dy)[:n]
        # value half 1, gate half x: the output is g(x); the gate's derivative by a JVP along the gate half.
        rows = jnp.stack([jnp.ones_like(xa), xa], axis=-1)
        t = jnp.stack([jnp.zeros_like(xa), jnp.ones_like(xa)], axis=-1)
        y = entry.raw(rows, **{**params, "axis": -1})
        dy = entry.raw_jvp(rows, y, t, **{**params, "axis": -1})
        return np.asarray(y)[:n, 0], np.asarray(dy)[:n, 0]


def _beside(kinks: np.ndarray) -> np.ndarray:
    """The points :func:`_jumps` reads: each kink ± 1e-12 and ± 1e-9 of max(1, |k|)."""
    scale = np.maximum(1.0, np.abs(kinks))
    near, far = 1e-12 * scale, 1e-9 * scale
    return np.concatenate([kinks + near, kinks - near, kinks + far, kinks - far])


def _jumps(kinks: np.ndarray, y: np.ndarray) -> bool:
    """Whether f jumps at one of the kinks (binary_step, hardshrink, threshold), from its values ``y`` at
    :func:`_beside`'s points, which leaves it no Lipschitz constant whatever sup |f′| is where f′
    exists (binary_step read 0, hardshrink 1): the difference across the kink at 1e-12 and at 1e-9 of
    max(1, |k|) does not shrink with the distance, as a steep but continuous one's does (leaky_relu's
    slope 2000 differs by 4e-6 at ±1e-9; a fixed tolerance read it as a jump); a jump below 1e-12 of
    |f| is not seen."""
    n = kinks.size
    step_near, step_far = np.abs(y[:n] - y[n : 2 * n]), np.abs(y[2 * n : 3 * n] - y[3 * n :])
    with np.errstate(invalid="ignore"):
        return bool(np.any((step_near > 0.5 * step_far) & (step_near > 1e-12 * np.maximum(1.0, np.abs(y[:n])))))


def _lipschitz(entry: registry.Activation, params: dict[str, Any]) -> float:
    dense = np.linspace(-50, 50, 100_001)
    far = np.geomspace(50, _FAR, 400)
    kinks = np.asarray(entry.kink_points(**params), np.float64)
    x = np.concatenate([dense, far, -far, kinks, kinks + 1e-9, kinks - 1e-9])
    # The jump test's points in the same evaluation (one pass over the padded grid, not two).
    y, d = _value_and_slope(entry, params, np.concatenate([x, _beside(kinks)]))
    if kinks.size and _jumps(kinks, y[x.size :]):
        return math.inf
    d = d[: x.size]
    d = np.abs(d[np.isfinite(d)])
    if 1 in entry.oscillates:
        # f′ oscillates without a limit (sin ωx's ω·cos ωx): one point far out may sit near a zero of
        # it (sine's at ω = 2.5, x = 1e5), so growth is judged on the largest |f′| over wide windows
        # (each holding many periods) around ±_FAR/10 and ±_FAR, whose samples count towards the sup.
        u = np.random.default_rng(0).uniform(-0.5, 0.5, _WINDOW)
        centres = (-_FAR, -_FAR / 10, _FAR / 10, _FAR)
        _, dw = _value_and_slope(entry, params, np.concatenate([c + abs(c) * u for c in centres]))
        if not np.all(np.isfinite(dw)):
            return math.inf
        d_far = np.abs(dw).reshape(len(centres), _WINDOW).max(axis=1)
        d = np.concatenate([d, d_far])
    else:
        _, d_far = _value_and_slope(entry, params, np.array([-_FAR, -_FAR / 10, _FAR / 10, _FAR]))
    growing = np.abs(d_far[[0, 3]]) > 1.5 * np.abs(d_far[[1, 2]]) + 1  # f′ still growing far out
    if growing.any() or not np.all(np.isfinite(d_far)):
        return math.inf
    return float(d.max())


def _signal(entry: registry.Activation, params: tuple[tuple[str, Any], ...]) -> Signal:
    return _signal_of(_Entry(entry), params)


class _Entry:
    """An entry as a cache key: equal by name and registration (a re-run notebook cell that replaces an
    entry is another function, whose figures were the old one's), carrying the entry itself (a
    configure value made before the replacement keeps computing the old function, and so do its
    figures)."""

    def __init__(self, entry: registry.Activation) -> None:
        self.entry = entry

    def _key(self) -> tuple[str, int]:
        return self.entry.name, self.entry.registration

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Entry) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


@functools.cache
def _signal_of(key: _Entry, params: tuple[tuple[str, Any], ...]) -> Signal:
    entry = key.entry
    p = {**entry.params, **dict(params)}
    if not entry.elementwise and not entry.gated:
        raise ValueError(
            f"jaxact.signal: {entry.name} mixes a whole axis (its statistics depend on the axis length); "
            "signal-propagation figures exist for elementwise and gated functions."
        )
    x, w = _grid()
    f, d = _value_and_slope(entry, p, x)
    m2 = float(w @ (f * f))
    return Signal(
        name=entry.name,
        params=params,
        mean=float(w @ f),
        second_moment=m2,
        derivative_second_moment=float(w @ (d * d)),
        gain=1 / math.sqrt(m2) if m2 > 0 else math.inf,
        lipschitz=_lipschitz(entry, p),
    )


def _checked(
    activation: str | registry.Activation | Configured, params: dict[str, Any], owner: str
) -> tuple[registry.Activation, tuple[tuple[str, Any], ...]]:
    """The entry and its parameters, checked as ``jaxact.configure`` and the public function check
    them (the same one-line errors): figures at a parameter the function refuses (celu's α = 0)
    were NaN, or plausible numbers for a function that does not exist (elu's α = −1)."""
    if isinstance(activation, Configured):  # its entry and parameters, the keyword ones given here on top
        params = {**dict(activation.params), **params}
        activation = activation.entry
    entry = activation if isinstance(activation, registry.Activation) else registry.get(activation)
    given = {}
    for k, v in params.items():
        if isinstance(v, (np.ndarray, jax.Array)):
            real = any(jnp.issubdtype(v.dtype, t) for t in (jnp.floating, jnp.integer, jnp.bool_))  # not a key's
            if v.ndim == 0 and real and not isinstance(v, jax.core.Tracer):
                v = v.item()  # one concrete number (NumPy's, JAX's, bfloat16's; read once, on any device)
            else:
                shown = "a traced value" if isinstance(v, jax.core.Tracer) else f"an array of shape {v.shape}"
                raise TypeError(
                    f"jaxact.{owner}: parameter {k!r} of {entry.name} is {shown} ({v.dtype}); the figures are "
                    "computed for one concrete scalar value of each parameter: ask once per value."
                )
        given[k] = v
    try:
        conf = configure(entry.name, **given)
    except TypeError as e:  # configure's own messages name it; the caller here is signal or initializer
        text = str(e)
        if not text.startswith("jaxact.configure: "):
            raise
        raise TypeError(f"jaxact.{owner}: {text.removeprefix('jaxact.configure: ')}") from None
    # What configure leaves to the function's validate hook (rrelu's lower <= upper, srelu's
    # t_left <= t_right): the public function traced (not compiled) on a small input runs the hook.
    # As many dimensions as an int axis names (glu's axis=5 is one of a 6-D input; the figures do not
    # depend on it).
    axis = dict(conf.params).get("axis")
    ndim = max(4, axis + 1 if axis >= 0 else -axis) if isinstance(axis, int) and not isinstance(axis, bool) else 4
    try:
        jax.eval_shape(functools.partial(entry.fn, **dict(conf.params)), jax.ShapeDtypeStruct((2,) * ndim, jnp.float32))
    except (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError):
        pass  # a user's hook that reads x's values: the integration's x is no input it could read
    return entry, tuple(sorted(conf.params))


def signal(activation: str | registry.Activation | Configured, **params: Any) -> Signal:
    """The signal-propagation figures of an activation (a name, ``"module:function"``, an entry or
    a :func:`jaxact.configure` value, whose parameters ``params`` add to or override).

    Parameters are checked as the activation checks them (``signal("celu", alpha=0)`` raises its
    ``ValueError``); each is one concrete scalar (a 0-d array counts), the figures being those of
    one function.

    Example:
      >>> import jaxact
      >>> s = jaxact.signal("relu")
      >>> round(s.gain, 4), round(s.mean, 4), s.lipschitz
      (1.4142, 0.3989, 1.0)
    """
    return _figures(activation, params, "signal")


def _figures(activation: str | registry.Activation | Configured, params: dict[str, Any], owner: str) -> Signal:
    # Evaluated now, also when asked inside a trace (an initializer called under jax.eval_shape or
    # jit, as a model's init is): the figures are NumPy numbers of the definition, not of the trace.
    with jax.ensure_compile_time_eval():
        entry, checked = _checked(activation, params, owner)
        return _signal(entry, checked)


def initializer(
    activation: str | registry.Activation | Configured,
    mode: str = "fan_in",
    distribution: str = "truncated_normal",
    **params: Any,
) -> Any:
    """A ``jax.nn.initializers.variance_scaling`` initializer with the activation's gain:
    weights of variance gain²/fan_in, so that E (pre-activation)² stays 1 from layer to layer.

    For ReLU this is ``jax.nn.initializers.he_normal()``; for SELU, ``lecun_normal()``. The
    activation and its parameters are taken and checked as by :func:`signal`; where no finite gain
    exists (E f(z)² = 0: ``threshold`` with its step far out) it raises a ``ValueError``.

    Example:
      >>> import jax, jaxact
      >>> w = jaxact.initializer("tanh")(jax.random.key(0), (256, 256))
      >>> w.shape
      (256, 256)
    """
    s = _figures(activation, params, "initializer")
    if not (math.isfinite(s.gain) and s.gain > 0):  # variance_scaling(inf) drew ±inf weights, silently
        at = ", ".join(f"{k}={v!r}" for k, v in s.params) or "its defaults"
        raise ValueError(
            f"jaxact.initializer: {s.name}'s second moment E f(z)² under z ~ N(0, 1) is {s.second_moment:g} at "
            f"{at}, so no finite variance-preserving gain exists."
        )
    return jax.nn.initializers.variance_scaling(s.gain**2, mode, distribution)
