"""jaxact: activation functions for JAX with verified closed-form derivatives.

``import jaxact as nn`` works where ``jax.nn`` activations are used: every
function jax.nn has is here under the same name, signature and defaults. Each
activation has two gradient paths: ``jaxact.relu`` (plain autodiff through its
jnp code) and ``jaxact.closed_form.relu`` (jax.custom_jvp from its hand-written
derivative). ``jaxact.get(name)`` returns the registry entry with both,
the derivative, parameters, range and properties.
"""

from __future__ import annotations

from jaxact import closed_form, gates, normalizers, rectifiers, shrink, sigmoids  # noqa: F401  (registers)
from jaxact.registry import Activation, UnknownActivationError, entries, get, names

__version__ = "0.1.0"

# The public namespace is generated from the registry: adding an activation
# needs no edit here.
for _entry in entries():
    globals()[_entry.name] = _entry.fn
    for _alias in _entry.aliases:
        globals()[_alias] = _entry.fn
del _entry, _alias


def derivative(name: str):
    """The closed-form derivative f'(x, **params) of an elementwise activation."""
    entry = get(name)
    if entry.derivative is None:
        raise TypeError(
            f"jaxact.derivative: {entry.name} mixes elements along an axis; it has a "
            f"Jacobian-vector product instead: jaxact.get({entry.name!r}).jvp(x, t)."
        )
    return entry.derivative


__all__ = [
    "Activation",
    "UnknownActivationError",
    "closed_form",
    "derivative",
    "entries",
    "get",
    "names",
    *names(include_aliases=True),
]
