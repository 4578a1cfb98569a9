"""Results files as strict JSON (RFC 8259): a number that is not finite is written as ``null``.

Python's ``json`` writes ``NaN`` and ``Infinity``, which JSON.parse in a browser, Go's and Rust's
decoders and other strict parsers refuse. A results file holds such numbers wherever a seed
diverged or a quantity does not apply (the dead-unit fraction of an activation with no derivative),
so every results file is written through :func:`dumps`.
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite_or_none(obj: Any) -> Any:
    """``obj`` with every non-finite float (NumPy's included) replaced by ``None``, recursively
    through dicts, lists and tuples (a tuple becomes the list JSON would write)."""
    if isinstance(obj, float):  # np.float64 is a float; np.float32 is handled below
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_none(v) for v in obj]
    if hasattr(obj, "tolist") and hasattr(obj, "dtype"):  # a NumPy scalar or array
        return finite_or_none(obj.tolist())
    return obj


def dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`finite_or_none` (``obj``); raises if a non-finite number remains.

    Example:
      >>> from jaxact.tools import strict_json
      >>> strict_json.dumps({"loss": float("nan"), "acc": [0.5, float("inf")]})
      '{"loss": null, "acc": [0.5, null]}'
    """
    return json.dumps(finite_or_none(obj), allow_nan=False, **kwargs)
