"""The closed-form gradient path: ``jaxact.closed_form.<name>``.

Same values as ``jaxact.<name>``; under differentiation each uses the
hand-written derivative through ``jax.custom_jvp`` instead of autodiff of the
forward code. Generated from the registry.
"""

from __future__ import annotations

from jaxact import registry

__getattr__, __dir__ = registry.path_namespace("closed_form")
