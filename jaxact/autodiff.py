"""The plain-autodiff gradient path: ``jaxact.autodiff.<name>``.

Same values as ``jaxact.<name>``; under differentiation JAX differentiates the
forward jnp code itself (no custom_jvp): the twin every closed form is checked
against, and the path for Taylor mode (``jax.experimental.jet``). Generated
from the registry.
"""

from __future__ import annotations

from jaxact import registry

__getattr__, __dir__ = registry.path_namespace("autodiff")
