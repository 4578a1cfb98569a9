"""Documentation pages generated from the registry (``jaxact docs``)."""

from __future__ import annotations

import inspect
import math
from pathlib import Path

import jax

from jaxact import registry


def _rng(lo: float, hi: float) -> str:
    return registry.range_closure(lo, hi, lambda v: ("∞" if v > 0 else "−∞") if math.isinf(v) else f"{v:.4g}")


def _yn(v: bool | None) -> str:
    return "yes" if v else "—"


def _g(v: float) -> str:
    return "0" if abs(v) < 1e-12 else f"{v:.4g}"  # integration leaves ~1e-16 where the mean is 0


def _builtin() -> list[registry.Activation]:
    """jaxact's own entries (a user's registered activations are not part of jaxact's docs)."""
    return [e for e in registry.entries() if e.builtin]


def catalogue() -> str:
    lines = [
        "# Catalogue",
        "",
        "Generated from the registry by `jaxact docs`; `jaxact list` prints the same in a terminal.",
        "Every function has both gradient paths, `jaxact.closed_form.<name>` and `jaxact.autodiff.<name>`;",
        "`jaxact.<name>` takes the one listed in [paths.md](paths.md). The range column is the closure of",
        "each range at the defaults: an unbounded end is open, a finite end is shown closed whether or not it",
        "is reached (sigmoid's (0, 1) reads [0, 1]; in float32 both ends are reached: sigmoid(20) rounds to 1).",
        "Zero-centred: |E f(z)| ≤ 0.1·std f(z) for z ~ N(0, 1) at the defaults (the signal table below gives both).",
        "",
        "| name | family | formula | closure of range (defaults) | monotone | C¹ | zero-centred | bounded "
        "| parameters |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for e in _builtin():
        params = ", ".join(f"`{k}={v!r}`" for k, v in e.params.items()) or "—"
        mono = _yn(e.monotone) if e.elementwise else "n/a"
        lines.append(
            f"| `{e.name}` | {e.family} | `{e.formula}` | {_rng(*e.output_range())} | {mono} | {_yn(e.smooth)} | "
            f"{_yn(e.zero_centred)} | {_yn(e.bounded)} | {params} |"
        )
    lines += [
        "",
        "## Signal propagation",
        "",
        "For z ~ N(0, 1), computed by integrating each entry's own function and derivative "
        "(`jaxact.signal(name)`); gain = 1/√E f(z)², the weight scale that keeps E (pre-activation)² = 1 "
        "(`jaxact.initializer(name)`, `jaxact compare --init auto`); Lipschitz = sup |f′| (inf where f "
        "jumps: binary_step, hardshrink). Gated functions: their gate's figures (with independent halves, "
        "E (a·g(b))² = E g(b)²).",
        "",
        "| name | E f(z) | E f(z)² | E f′(z)² | gain | Lipschitz |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for e in _builtin():
        if e.elementwise or e.gated:
            g = e.signal()
            lines.append(
                f"| `{e.name}` | {_g(g.mean)} | {_g(g.second_moment)} | {_g(g.derivative_second_moment)} | "
                f"{_g(g.gain)} | {_g(g.lipschitz)} |"
            )
        else:
            lines.append(f"| `{e.name}` | n/a: mixes a whole axis | | | | |")
    lines += ["", "## Definitions", ""]
    for e in _builtin():
        doc = inspect.getdoc(e.raw) or ""
        alias = f" (aliases: {', '.join(f'`{a}`' for a in e.aliases)})" if e.aliases else ""
        lines += [f"### `{e.name}{inspect.signature(e.raw)}`{alias}", "", doc, "", f"*Source:* {e.citation}", ""]
    return "\n".join(lines)


def migrating() -> str:
    lines = [
        "# Migrating from jax.nn and torch.nn.functional",
        "",
        "Generated from the registry by `jaxact docs`.",
        "",
        "## From jax.nn",
        "",
        "`import jaxact as nn` works in existing code: every jax.nn activation is here under the same name,",
        "parameters and values (JAX's own `tests/nn_test.py` passes with `nn` = jaxact:",
        "benchmarks/results/jax-nn-tests.md), and jax.nn's other names (`one_hot`, `logsumexp`,",
        "`initializers`, `dot_product_attention`, ...) are jax.nn's own objects. The differences, all",
        "deliberate:",
        "",
        "- edge cases where jaxact is finite and jax.nn gives NaN (e.g. `soft_sign(inf)`, `gelu` gradients",
        "  in float16, `softmax` of a row of all −inf), and accuracy (the accuracy table);",
        "- concrete parameters are checked, with a one-line `ValueError` naming the parameter where jax.nn",
        "  computes something: `elu` α < 0, `celu` α ≤ 0, `squareplus` b ≤ 0 (b = 0 is relu, whose",
        "  derivative at 0 is then 0/0, NaN in jax.nn's too), and non-finite parameters; traced (learnable)",
        "  ones are not;",
        "- bad input gets jaxact's own one-line error, whose type can differ from jax.nn's (`glu` of an odd",
        "  axis: `ValueError`, jax.nn's `AssertionError`; a non-bool `where`: `TypeError`; a parameter that",
        "  does not broadcast with x: `ValueError`); complex inputs are refused (`TypeError`);",
        "- integer and bool inputs are promoted as `jnp.sin` promotes them: arrays to a strong float",
        "  (float64 for int64 under x64), Python ints to a weakly typed default float; jax.nn's result type",
        "  differs between its functions (`elu` of an int32 array is a weakly typed float there, float64",
        "  under x64). `relu`, `hard_tanh` and `identity` keep integer dtypes, as jax.nn's do;",
        "- float8 and float4 inputs are computed in float32 and rounded once;",
        "- static parameters (`axis`, `approximate`) take Python or NumPy values; a concrete `jax.Array`",
        "  too for the `axis` of softmax, log_softmax, softmin and prelu (as jax.nn's softmax takes one),",
        "  while jit refuses one as unhashable for gelu's `approximate` (jax.nn's gelu takes a 0-d one)",
        "  and the `axis` of the gated and sparse functions;",
        "- `swish` takes a `beta` (default 1: silu) and is its own function (`nn.swish is nn.silu` is",
        "  False); `squareplus`'s default `b` is `4.0` (jax.nn: `4`); `tanh`'s x is not positional-only.",
        "",
        "| jax.nn | jaxact | closed-form gradient |",
        "|---|---|---|",
    ]
    for e in _builtin():
        if e.jax_nn:
            lines.append(f"| `jax.nn.{e.jax_nn}` | `jaxact.{e.name}` | `jaxact.closed_form.{e.name}` |")
            for a in e.aliases:
                if hasattr(jax.nn, a):
                    lines.append(f"| `jax.nn.{a}` | `jaxact.{a}` (alias of `{e.name}`) | `jaxact.closed_form.{a}` |")
    lines += [
        "",
        "## From torch.nn.functional",
        "",
        "JAX arrays are immutable, so there is no `inplace=`; inside `jax.jit` XLA fuses the activation into",
        "its neighbours, and `jax.jit(f, donate_argnums=0)` reuses the input buffer. Softmax-like functions",
        "take `axis=` (default −1) where torch takes `dim=`. `prelu`'s slope broadcasts along `axis`",
        "(default −1, the JAX feature axis; torch uses dim 1: pass `axis=1` for NCHW).",
        "",
        "| torch.nn.functional | jaxact |",
        "|---|---|",
    ]
    seen = set()
    for e in _builtin():
        if e.torch and (e.torch, e.name) not in seen:
            seen.add((e.torch, e.name))
            lines.append(f"| `F.{e.torch}` | `jaxact.{e.name}`{_torch_at_defaults(e)} |")
    only = [e.name for e in _builtin() if not e.jax_nn and not e.torch]
    lines += ["", "## Only in jaxact", "", ", ".join(f"`{n}`" for n in only), ""]
    return "\n".join(lines)


def _torch_at_defaults(e: registry.Activation) -> str:
    """The torch call jaxact's defaults compute, where the entry maps them to a torch mode switch (a str
    argument: gelu's default is the tanh form, torch's the exact one, and the row said only
    `jaxact.gelu`); numbers keep their names and jaxact's defaults, which the table above gives."""
    if e.torch_args is None:
        return ""
    try:
        kw = e._call_with_params(e.torch_args, {})
    except Exception:  # no torch twin at the defaults (swish's β ≠ 1 is refused there): nothing to add
        return ""
    shown = {k: v for k, v in kw.items() if isinstance(v, str)}
    if not shown:
        return ""
    args = ", ".join(f"{k}={v!r}" for k, v in shown.items())
    return f" (its defaults: `F.{e.torch}(x, {args})`)"


def paths_page() -> str:
    lines = [
        "# Gradient paths and accuracy notes",
        "",
        "Generated from the registry by `jaxact docs`. `jaxact.<name>` differentiates through the path below,",
        "chosen by measurement (`jaxact bench --vs-jax-nn`; the closed form vs autodiff columns of `jaxact bench`:",
        "`x autodiff`, the fwd+bwd speed, and `saved /ad`, the bytes kept for the backward pass). Where the times",
        "tie, a closed form keeps the default for its smaller residuals (tests/test_memory.py holds every",
        "closed-form default to no more than its autodiff twin's). Figures below are float32 on a 2-core CPU;",
        "'0.8x autodiff's time' is faster, '1.8x faster' the same as 0.56x its time. Those that say 'f(x) kept'",
        "time a program returning f(x) and dx, as a training step keeps both; the others were measured on one",
        "returning dx alone, where XLA computes the forward only as far as the backward needs it, which reads a",
        "closed form written apart from the forward as cheaper than it is in a step (softplus's σ read",
        "1.13–1.48x autodiff's speed that way from 2^18, and took 1.15–1.58x its time with f(x) kept, before it",
        "shared the forward's exp).",
        "`jaxact.autodiff.<name>` and `jaxact.closed_form.<name>` are always available, and",
        '`with jaxact.gradient_path("autodiff"):` (or `jaxact.set_gradient_path`, or the environment variable',
        "`JAXACT_GRADIENT_PATH`) forces one path everywhere, e.g. for `jax.experimental.jet`, which does not",
        "support `custom_jvp` (under the switch jet expands every activation but arctan, sparsemax and entmax15,",
        "whose atan and sort JAX's Taylor mode has no rule for). The switch is in JAX's jit cache key: a",
        "function jitted before switching is traced anew.",
        "",
        "| name | default path | why |",
        "|---|---|---|",
    ]
    for e in _builtin():
        shown = f"{e.current_path()} (JAX flag {e.jax_flag})" if e.jax_flag else e.default_path
        if e.float64_path is not None:
            shown += f"; float64: {e.float64_path}"
        if e.half_path is not None:
            shown += f"; bfloat16/float16: {e.half_path}"
        lines.append(f"| `{e.name}` | {shown} | {e.path_reason} |")
    closed = [f"`{e.name}` ({', '.join(e.closed_params)})" for e in _builtin() if e.closed_params]
    lines += [
        "",
        "A learnable parameter's gradient on the closed path comes from a hand-written ∂f/∂p for",
        f"{', '.join(closed)}; for the others, from autodiff of f with x held fixed. Either way ∂f/∂p and",
        "∂²f/∂p² are not NaN where f is not, ±inf included ([numerics.md](numerics.md) lists the exceptions).",
        "",
        "## float64 accuracy above the 4-ulp target",
        "",
        "Values and first derivatives are checked against each entry's definition evaluated in 50-digit",
        "mpmath (`tests/test_reference.py`), in ulps of the true value. These entries exceed 4 ulp somewhere;",
        "the bound below is what the tests hold them to (value, first derivative):",
        "",
        "| name | ulps | where and why |",
        "|---|---|---|",
    ]
    for e in _builtin():
        if e.accuracy_note:
            lines.append(f"| `{e.name}` | {e.f64_ulps[0]:g}, {e.f64_ulps[1]:g} | {e.accuracy_note} |")
    return "\n".join(lines)


PAGES = {"catalogue.md": catalogue, "migrating.md": migrating, "paths.md": paths_page}


def write(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, make in PAGES.items():
        p = out / name
        p.write_text(make() + "\n")
        paths.append(p)
    return paths
