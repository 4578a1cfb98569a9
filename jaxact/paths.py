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
``JAXACT_GRADIENT_PATH`` (read at import; a value that is no path is an error at the first
call), then each entry's default (for a float64 input, the entry's ``float64_path``, for a
bfloat16/float16 one its ``half_path``, where it has one: softmax and log_softmax take the closed
form in both).

The switch is part of JAX's jit cache key (a ``jax.make_user_context``): a
function you jitted before changing it is traced anew with the new path, as for
JAX's own flags. The scoped switch is per thread; the global one is shared.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Literal

import jax

GradientPath = Literal["closed_form", "autodiff"]
PATHS: tuple[GradientPath, ...] = ("closed_form", "autodiff")
_ENV = "JAXACT_GRADIENT_PATH"


def _checked(path: str | None, where: str) -> GradientPath | None:
    if path is None or path in PATHS:
        return path  # type: ignore[return-value]
    raise ValueError(f"{where}: unknown gradient path {path!r}; use one of {', '.join(map(repr, PATHS))} or None.")


def _from_environment() -> tuple[GradientPath | None, str | None]:
    """The path the environment variable forces, and the error of a value it cannot take: kept,
    not raised at import, so that the command line can say it in one line (and --help works);
    the first call that reads the switch raises it (:func:`forced_gradient_path`)."""
    value = os.environ.get(_ENV) or None
    if value is None or value in PATHS:
        return value, None  # type: ignore[return-value]
    return None, (
        f"environment variable {_ENV}={value!r}: unknown gradient path; set it to one of "
        f"{', '.join(PATHS)}, or unset it for each entry's default"
    )


_env_path, _ENV_ERROR = _from_environment()


def environment_error() -> str | None:
    """Why the environment variable's value was refused (None: unset or a valid path)."""
    return _ENV_ERROR


# In the jit cache key, so that a trace made under one path is never reused under another; read
# at trace time only, which keeps the eager call of a public function a plain jit dispatch.
_forced = jax.make_user_context(default_value=_env_path)


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
    _forced.set_global(_checked(path, "jaxact.set_gradient_path"))


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
    with _forced(_checked(path, "jaxact.gradient_path")):
        yield


def forced_gradient_path() -> GradientPath | None:
    """The path forced by the switch right now, or ``None`` when each entry uses its default.

    Raises ``ValueError`` while the environment variable holds a value that is no gradient path and
    no ``set_gradient_path``/``gradient_path`` forces one (they come first, as with a valid value)."""
    forced = _forced.value
    if forced is None and _ENV_ERROR is not None:
        raise ValueError(_ENV_ERROR)
    return forced
