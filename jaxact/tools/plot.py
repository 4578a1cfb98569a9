"""``jaxact plot``: each activation and its derivative, both gradient paths overlaid.

One PNG per activation and an overview grid, generated from the registry.
Axis-mixing activations (softmax, ...) are drawn along a 1-D slice: the first
output as the first input varies with the others held at 0; gated ones (glu, swiglu, ...) with
their value and gate both x, x·g(x).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from jaxact import registry
from jaxact.tools._plotting import pyplot

X = np.linspace(-5, 5, 801)


def curves(entry: registry.Activation) -> dict[str, np.ndarray]:
    """f, the closed-form derivative and jax.grad of the autodiff path on the plotting grid."""
    x = jnp.asarray(X, jnp.float32)
    if entry.elementwise:
        assert entry.derivative is not None
        return {
            "f": np.asarray(entry.fn(x)),
            "closed_form": np.asarray(entry.derivative(x)),
            "autodiff": np.asarray(jax.vmap(jax.grad(entry.autodiff))(x)),
        }

    # A gated entry's first output is its value half's first entry times the gate of the gate half's
    # first (of four: [a, 0 | b, 0]): both are x, so that it is drawn as x·g(x), as its name says
    # (swiglu: x·silu(x)); with the gate held at 0 four of them were flat zeros.
    at = jnp.array([0, 2] if entry.gated else [0])
    shape = _row_shape(entry)

    def first(v: jax.Array, f: object) -> jax.Array:
        row = jnp.zeros((4,), v.dtype).at[at].set(v).reshape(shape)
        return f(row).reshape(-1)[0]  # type: ignore[operator]

    f = jax.vmap(lambda v: first(v, entry.fn))(x)
    auto = jax.vmap(jax.grad(lambda v: first(v, entry.autodiff)))(x)
    closed = jax.vmap(jax.grad(lambda v: first(v, entry.closed_form)))(x)
    return {
        "f": np.asarray(f),
        "closed_form": np.asarray(closed),
        "autodiff": np.asarray(auto),
    }


def _row_shape(entry: registry.Activation) -> tuple[int, ...]:
    """The row of four an axis-mixing entry is drawn on, along the last axis of the fewest dimensions
    its default axis takes: (4,), else (1, 4) (a user's softmax over axis=1 of (batch, features)) ..."""
    for shape in ((4,), (1, 4), (1, 1, 4)):
        try:
            jax.eval_shape(entry.fn, jax.ShapeDtypeStruct(shape, jnp.float32))
        except Exception:  # this shape has no such axis: try one more dimension
            continue
        return shape
    raise ValueError(f"jaxact plot: {entry.name} takes no row of 4 along its last axis in up to 3 dimensions")


def _draw(ax: object, entry: registry.Activation, c: dict[str, np.ndarray], small: bool = False) -> None:
    ax.axhline(0, color="0.8", lw=0.8)  # type: ignore[attr-defined]
    ax.axvline(0, color="0.8", lw=0.8)  # type: ignore[attr-defined]
    ax.plot(X, c["f"], color="C0", lw=2, label="f(x)")  # type: ignore[attr-defined]
    ax.plot(X, c["closed_form"], color="C3", lw=2, alpha=0.6, label="f'(x) closed form")  # type: ignore[attr-defined]
    ax.plot(X, c["autodiff"], "k:", lw=1.5, label="f'(x) autodiff")  # type: ignore[attr-defined]
    kind = "" if entry.elementwise else "  (value = gate = x)" if entry.gated else "  (first output, others 0)"
    ax.set_title(entry.name + kind, fontsize=9 if small else 12)  # type: ignore[attr-defined]
    if not small:
        ax.set_xlabel("x")  # type: ignore[attr-defined]
        ax.legend(fontsize=9)  # type: ignore[attr-defined]
        ax.text(0.02, 0.02, entry.formula, transform=ax.transAxes, fontsize=8, color="0.3")  # type: ignore[attr-defined]


def plot(names: Sequence[str] | None, out: Path) -> list[Path]:
    entries = [registry.get(n) for n in names] if names else registry.entries()
    if any(e.name == "overview" for e in entries):  # its <name>.png would be the grid's file
        raise ValueError(
            "jaxact plot: an activation named 'overview' would be overwritten by the grid, overview.png; "
            "register it under another name"
        )
    plt = pyplot()
    out.mkdir(parents=True, exist_ok=True)
    files = []
    all_curves = {e.name: curves(e) for e in entries}
    for e in entries:
        fig, ax = plt.subplots(figsize=(5.5, 4))
        _draw(ax, e, all_curves[e.name])
        fig.tight_layout()
        files.append(out / f"{e.name}.png")
        fig.savefig(files[-1], dpi=100)
        plt.close(fig)
    cols = min(6, len(entries))
    rows = math.ceil(len(entries) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.2 * rows), squeeze=False)
    for ax, e in zip(axes.flat, entries, strict=False):
        _draw(ax, e, all_curves[e.name], small=True)
    for ax in list(axes.flat)[len(entries) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower right", fontsize=9)
    fig.tight_layout()
    files.append(out / "overview.png")
    fig.savefig(files[-1], dpi=90)
    plt.close(fig)
    return files
