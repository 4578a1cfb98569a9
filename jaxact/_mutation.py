"""Fault injection for the test suite's self-test (``benchmarks/mutation.py``); unset in normal use.

``JAXACT_MUTATE="<name>:<kind>"`` perturbs one activation as it is registered, to show that
the suite catches a wrong formula:

* ``value_rel``: f → f·(1 + 1e−3);   ``value_const``: f → f + 0.1;
* ``deriv_rel``: f′ (or the JVP) → ·(1 + 1e−3);   ``deriv_const``: f′ → f′ + 0.1 (JVP → JVP + 0.1·t);
* ``dparam_rel``, ``dparam_const``: likewise every hand-written ∂f/∂p (``param_derivatives``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

KINDS = ("value_rel", "value_const", "deriv_rel", "deriv_const")
PARAM_KINDS = ("dparam_rel", "dparam_const")  # for entries with a hand-written ∂f/∂p
_ENV = "JAXACT_MUTATE"


def _target() -> tuple[str, str] | None:
    spec = os.environ.get(_ENV)
    if not spec:
        return None
    name, _, kind = spec.partition(":")
    if kind not in KINDS + PARAM_KINDS:
        raise ValueError(f"{_ENV}={spec!r}: kind must be one of {', '.join(KINDS + PARAM_KINDS)}")
    return name, kind


def _scaled(f: Callable[..., Any], kind: str, tangent_arg: int | None = None) -> Callable[..., Any]:
    @functools.wraps(f)
    def g(*args: Any, **kw: Any) -> Any:
        y = f(*args, **kw)
        if kind.endswith("_rel"):
            return y * (1 + 1e-3)
        return y + (0.1 if tangent_arg is None else 0.1 * args[tangent_arg])

    return g


Fns = dict[str, Callable[..., Any]]


def apply(
    name: str,
    raw: Callable[..., Any],
    derivative: Callable[..., Any] | None,
    jvp: Callable[..., Any] | None,
    param_derivatives: Fns,
) -> tuple[Callable[..., Any], Callable[..., Any] | None, Callable[..., Any] | None, Fns]:
    """``(raw, derivative, jvp, param_derivatives)``, one of them perturbed (every ∂f/∂p for the
    ``dparam`` kinds) if ``JAXACT_MUTATE`` names ``name``."""
    target = _target()
    if target is None or target[0] != name:
        return raw, derivative, jvp, param_derivatives
    kind = target[1]
    if kind.startswith("dparam"):
        return raw, derivative, jvp, {k: _scaled(d, kind) for k, d in param_derivatives.items()}
    if kind.startswith("value"):
        return _scaled(raw, kind), derivative, jvp, param_derivatives
    if derivative is not None:
        return raw, _scaled(derivative, kind), jvp, param_derivatives
    assert jvp is not None
    return raw, derivative, _scaled(jvp, kind, tangent_arg=2), param_derivatives
