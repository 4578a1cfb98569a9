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

# The midpoint rule on [−Z, Z] in N cells: the Gaussian tail beyond 12 weighs 1e-33, and cell
# edges fall on every multiple of 2e-4 (0, ±1, ±3 …), so a jump there (relu′ at 0) costs O(h²).
_Z, _N = 12.0, 120_000
# |x| up to here, log-spaced, decides whether sup |f′| is finite.
_FAR = 1e6


@dataclass(frozen=True)
class Signal:
    """One activation's response to z ~ N(0, 1) (see the module docstring)."""

    name: str
    params: tuple[tuple[str, Any], ...]
    mean: float  # E f(z)
    second_moment: float  # E f(z)²
    derivative_second_moment: float  # E f′(z)²
    gain: float  # 1/√E f(z)²: weights ~ N(0, gain²/fan_in) keep E pre-activation² = 1 layer to layer
    lipschitz: float  # sup |f′| (inf where f′ is unbounded)

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
    with jax.enable_x64(True):
        xa = jnp.asarray(x, jnp.float64)
        if entry.elementwise:
            assert entry.raw_derivative is not None
            return np.asarray(entry.raw(xa, **params)), np.asarray(entry.raw_derivative(xa, **params))
        # value half 1, gate half x: the output is g(x); the gate's derivative by a JVP along the gate half.
        rows = jnp.stack([jnp.ones_like(xa), xa], axis=-1)
        t = jnp.stack([jnp.zeros_like(xa), jnp.ones_like(xa)], axis=-1)
        y = entry.raw(rows, **{**params, "axis": -1})
        dy = entry.raw_jvp(rows, y, t, **{**params, "axis": -1})
        return np.asarray(y)[:, 0], np.asarray(dy)[:, 0]


def _lipschitz(entry: registry.Activation, params: dict[str, Any]) -> float:
    dense = np.linspace(-50, 50, 100_001)
    far = np.geomspace(50, _FAR, 400)
    kinks = np.asarray(entry.kink_points(**params), np.float64)
    x = np.concatenate([dense, far, -far, kinks, kinks + 1e-9, kinks - 1e-9])
    _, d = _value_and_slope(entry, params, x)
    d = np.abs(d[np.isfinite(d)])
    _, d_far = _value_and_slope(entry, params, np.array([-_FAR, -_FAR / 10, _FAR / 10, _FAR]))
    growing = np.abs(d_far[[0, 3]]) > 1.5 * np.abs(d_far[[1, 2]]) + 1  # f′ still growing far out
    if growing.any() or not np.all(np.isfinite(d_far)):
        return math.inf
    return float(d.max())


@functools.cache
def _signal(name: str, params: tuple[tuple[str, Any], ...]) -> Signal:
    entry = registry.get(name)
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


def signal(activation: str | registry.Activation, **params: Any) -> Signal:
    """The signal-propagation figures of an activation (a name, ``"module:function"`` or an entry).

    Example:
      >>> import jaxact
      >>> s = jaxact.signal("relu")
      >>> round(s.gain, 4), round(s.mean, 4), s.lipschitz
      (1.4142, 0.3989, 1.0)
    """
    entry = activation if isinstance(activation, registry.Activation) else registry.get(activation)
    # Evaluated now, also when asked inside a trace (an initializer called under jax.eval_shape or
    # jit, as a model's init is): the figures are NumPy numbers of the definition, not of the trace.
    with jax.ensure_compile_time_eval():
        return _signal(entry.name, tuple(sorted(params.items())))


def initializer(
    activation: str | registry.Activation,
    mode: str = "fan_in",
    distribution: str = "truncated_normal",
    **params: Any,
) -> Any:
    """A ``jax.nn.initializers.variance_scaling`` initializer with the activation's gain:
    weights of variance gain²/fan_in, so that E (pre-activation)² stays 1 from layer to layer.

    For ReLU this is ``jax.nn.initializers.he_normal()``; for SELU, ``lecun_normal()``.

    Example:
      >>> import jax, jaxact
      >>> w = jaxact.initializer("tanh")(jax.random.key(0), (256, 256))
      >>> w.shape
      (256, 256)
    """
    s = signal(activation, **params)
    return jax.nn.initializers.variance_scaling(s.gain**2, mode, distribution)
