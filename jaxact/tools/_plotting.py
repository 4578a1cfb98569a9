"""Lazy matplotlib import with a message naming the extra to install."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any


def remove_unwritten(folder: Path, names: Iterable[str], written: Iterable[Path]) -> list[Path]:
    """Removes each of ``names`` in ``folder`` (a file or a link) that this run did not write
    (``written``): an earlier run's plot, which would contradict the new results. Nothing else in
    the folder is touched. Returns what it removed."""
    kept = {Path(f).name for f in written}
    gone = []
    for name in names:
        f = Path(folder) / name
        if name not in kept and (f.is_file() or f.is_symlink()):
            f.unlink()
            gone.append(f)
    return gone


def pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as e:
        raise ImportError("plots need matplotlib: pip install 'jaxact[plot]', in a clone '.[plot]'") from e
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
