"""Which gradient path ``jaxact.<name>`` differentiates through, and the switch that forces one.

Every activation has two paths with identical values:

* ``"closed_form"``: ``jax.custom_jvp`` built from the hand-written derivative (or JVP);
* ``"autodiff"``: plain autodiff through the jnp code of the forward function.

``jaxact.<name>`` takes the path its registry entry records as best
(``jaxact.get(name).default_path`` and ``.path_reason``). The switch below forces
one path for every activation, e.g. ``"autodiff"`` for Taylor mode
(``jax.experimental.jet``), which does not support ``custom_jvp``:

>>> import jaxact
>>> with jaxact.gradient_path("autodiff"):
...     y = jaxact.sigmoid(0.0)

Precedence: the innermost ``with jaxact.gradient_path(...)``, then
``jaxact.set_gradient_path(...)``, then the environment variable
``JAXACT_GRADIENT_PATH`` (read at import), then each entry's default.

The path is chosen when the function is called, i.e. when JAX traces it. A
function you jitted *before* changing the switch keeps the path it was traced
with until it is traced again (call ``jax.clear_caches()`` or jit it anew).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from typing import Literal

GradientPath = Literal["closed_form", "autodiff"]
PATHS: tuple[GradientPath, ...] = ("closed_form", "autodiff")
_ENV = "JAXACT_GRADIENT_PATH"


def _checked(path: str | None, where: str) -> GradientPath | None:
    if path is None or path in PATHS:
        return path  # type: ignore[return-value]
    raise ValueError(f"{where}: unknown gradient path {path!r}; use one of {', '.join(map(repr, PATHS))} or None.")


_global: GradientPath | None = _checked(os.environ.get(_ENV) or None, f"environment variable {_ENV}")
_scoped: contextvars.ContextVar[GradientPath | None] = contextvars.ContextVar("jaxact_gradient_path", default=None)


def set_gradient_path(path: GradientPath | None) -> None:
    """Forces ``path`` for every activation from now on; ``None`` restores each entry's default.

    Args:
      path: ``"closed_form"``, ``"autodiff"`` or ``None``.

    Example:
      >>> import jaxact
      >>> jaxact.set_gradient_path("autodiff")
      >>> jaxact.forced_gradient_path()
      'autodiff'
      >>> jaxact.set_gradient_path(None)
    """
    global _global
    _global = _checked(path, "jaxact.set_gradient_path")


@contextlib.contextmanager
def gradient_path(path: GradientPath | None) -> Iterator[None]:
    """Context manager: forces ``path`` for every activation called (traced) inside the block.

    ``None`` inside an outer forced block restores the per-entry defaults there.

    Args:
      path: ``"closed_form"``, ``"autodiff"`` or ``None``.

    Example:
      >>> import jax, jaxact
      >>> from jax.experimental import jet
      >>> with jaxact.gradient_path("autodiff"):  # jet does not support custom_jvp
      ...     y, (d1, d2) = jet.jet(jaxact.sigmoid, (0.0,), ((1.0, 0.0),))
      >>> float(d1)
      0.25
    """
    token = _scoped.set(_checked(path, "jaxact.gradient_path") or _Unforced)  # type: ignore[arg-type]
    try:
        yield
    finally:
        _scoped.reset(token)


_Unforced = "unforced"  # a scoped None: overrides an outer forced path


def forced_gradient_path() -> GradientPath | None:
    """The path forced by the switch right now, or ``None`` when each entry uses its default."""
    scoped = _scoped.get()
    if scoped is None:
        return _global
    return None if scoped == _Unforced else scoped
