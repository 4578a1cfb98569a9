"""The plain-autodiff gradient path: ``jaxact.autodiff.<name>``.

Same values as ``jaxact.<name>``; under differentiation JAX differentiates the
forward jnp code itself (no custom_jvp): the twin every closed form is checked
against, and the path for Taylor mode (``jax.experimental.jet``). Generated
from the registry.
"""

from __future__ import annotations

from typing import Any

from jaxact import registry


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return registry.get(name).autodiff
    except registry.UnknownActivationError as e:
        raise AttributeError(str(e)) from None


def __dir__() -> list[str]:
    return registry.names(include_aliases=True)
