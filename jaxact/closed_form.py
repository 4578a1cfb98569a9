"""The closed-form gradient path: ``jaxact.closed_form.<name>``.

Same values as ``jaxact.<name>``; under differentiation each uses the
hand-written derivative through ``jax.custom_jvp`` instead of autodiff of the
forward code. Generated from the registry.
"""

from __future__ import annotations

from typing import Any

from jaxact import registry


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return registry.get(name).closed_form
    except registry.UnknownActivationError as e:
        raise AttributeError(str(e)) from None


def __dir__() -> list[str]:
    return registry.names(include_aliases=True)
