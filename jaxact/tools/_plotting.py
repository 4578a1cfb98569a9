"""Lazy matplotlib import with a message naming the extra to install."""

from __future__ import annotations

from typing import Any


def pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as e:
        raise ImportError("plots need matplotlib: pip install 'jaxact[plot]'") from e
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
