"""``jaxact bench --vs-jax-nn``: what ``import jaxact as nn`` gives, against jax.nn itself.

For every activation jax.nn has, ``jaxact.<name>`` (its default gradient path,
no switch forced) and ``jax.nn.<name>`` are timed side by side, interleaved
round by round in one process, in each mode:

* ``fwd``: jitted forward, fresh output; ``fwd_donated``: input buffer donated;
* ``fwdbwd``: jitted ``jax.vjp`` forward and backward returning (y, dx), as a training step keeps
  both (``bench.fwd_bwd``; a program returning dx alone let XLA compute the forward only as far
  as the backward needed it, and read a derivative from x cheaper than one from y);
* ``eager``: an un-jitted call on a small array, as in a notebook;
* ``block``: fwd+bwd of Dense → activation → Dense (the activation fused into
  its neighbours), gradients of both weights;
* ``residual_bytes``: bytes saved for the backward pass of a ``lax.scan`` over
  Dense → activation layers (``jax.ad_checkpoint.saved_residuals``), not a time.

Each time ratio is jaxact / jax.nn (< 1: jaxact is faster): the geometric mean of
the per-round ratios with a 95 % bootstrap interval over rounds. A jitted cell whose
two compiled programs are the same (``same_program``: XLA's optimised HLO, names and
source locations aside) can differ only by the machine's noise: the summary counts
those apart.
"""

from __future__ import annotations

import math
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxact import paths, registry
from jaxact.tools import bench, strict_json

SIZES = (2**16, 2**20, 2**24)
QUICK_SIZES = (2**12,)


@dataclass
class Config:
    sizes: Sequence[int] = SIZES
    dtypes: Sequence[str] = ("float32", "bfloat16")
    names: Sequence[str] | None = None
    rounds: int = 21  # at least
    # A pair of kernels is timed for about this long (its set-up included), up to max_rounds:
    # a cheap kernel's single call varies by ~30 % here, so its interval needs ~1000 rounds
    # to reach ±1.5 % (two builds of one program read 0.99–1.02, against 0.84–1.08 at 41).
    target_seconds: float = 1.5
    max_rounds: int = 2000
    eager_size: int = 256
    eager_rounds: int = 1001
    eager_calls: int = 20  # calls per eager round, so one round is well above the timer's resolution
    block: tuple[int, int, int] = (1024, 256, 1024)  # batch, width, hidden
    scan_layers: int = 4
    seed: int = 0
    checkpoint: Callable[[dict[str, Any]], Any] | None = None  # called with the rows so far after each entry
    modes: Sequence[str] | None = None  # a subset of MODES (default: all)


def interval(ratios: Sequence[float], seed: int = 0) -> dict[str, float]:
    """Geometric mean of per-round ratios and its 95 % bootstrap interval (percentile, 2000 resamples)."""
    logs = np.log(np.asarray(ratios, dtype=np.float64))
    rng = np.random.default_rng(seed)
    boots = logs[rng.integers(0, logs.size, size=(2000, logs.size))].mean(axis=1)
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return {"ratio": float(np.exp(logs.mean())), "lo": float(np.exp(lo)), "hi": float(np.exp(hi)), "n": int(logs.size)}


def paired_ratio(
    ours: Callable[[], Any],
    theirs: Callable[[], Any],
    rounds: int,
    seed: int = 0,
    fill: tuple[float, int] | None = None,
) -> dict[str, float]:
    """Times both once per round, alternating which goes first; returns interval(t_ours / t_theirs).

    ``fill`` = (seconds, most rounds): after the warm-up (and an accelerator's calibration), one
    round is timed with its untimed set-up (a donated input's fresh copy, which every round costs
    too) and the rounds are as many as fill that time, at least ``rounds``."""
    bench._timed(ours), bench._timed(theirs)  # warm-up: the first call of a program is not a round's time
    bench.calibrate([k for k in (ours, theirs) if isinstance(k, bench.Kernel)])
    if fill is not None:
        seconds, most = fill
        t = time.perf_counter()
        bench._timed(ours), bench._timed(theirs)
        one = time.perf_counter() - t
        rounds = int(min(most, max(rounds, seconds / max(one, 1e-6))))
    r = []
    for i in range(rounds):
        if i % 2:
            b, a = bench._timed(theirs), bench._timed(ours)
        else:
            a, b = bench._timed(ours), bench._timed(theirs)
        r.append(a / b)
    return interval(r, seed)


def bench_input(entry: registry.Activation, n: int, dtype: str, seed: int) -> jax.Array:
    """The input every mode times: n normal values of scale 3 (both sides of every kink and tail that
    matters) in the entry's benchmark shape, from ``seed``."""
    return jnp.asarray(np.random.default_rng(seed).normal(scale=3.0, size=bench._shape(entry, n)), dtype)


def _call(f: Any, *args: Any) -> bench.Kernel:
    return bench.Kernel(f.lower(*args).compile(), args)


def program(compiled: Any) -> str:
    """A compiled XLA program's optimised HLO without what does not run: source metadata,
    parameter names, and instruction and computation names (renamed in order of appearance)."""
    names: dict[str, str] = {}
    lines = []
    for line in compiled.as_text().splitlines():
        s = line.strip()
        if s.startswith("HloModule"):  # its name goes; aliasing (donation) and layouts stay
            lines.append(re.sub(r"^HloModule [^,]+", "HloModule", s))
        elif s.startswith(("%", "ROOT", "ENTRY", "}")):
            s = re.sub(r', metadata=\{(?:[^{}"]|"(?:[^"\\]|\\.)*")*\}', "", s)  # quotes may hold braces
            if s.endswith("{"):  # a computation's signature: its parameters' names go too
                s = re.sub(r"[\w.\-]+: ", "", s)
            lines.append(re.sub(r"%[\w.\-]+", lambda m: names.setdefault(m.group(0), f"%{len(names)}"), s))
    return "\n".join(lines)


def bench_sizes(entry: registry.Activation, n: int, dtype: str, cfg: Config) -> list[dict[str, Any]]:
    nn = getattr(jax.nn, entry.jax_nn)  # type: ignore[arg-type]
    x = bench_input(entry, n, dtype, cfg.seed)
    y = jax.eval_shape(entry.fn, x)
    ct = jnp.asarray(np.random.default_rng(cfg.seed + 1).normal(size=y.shape), dtype)
    kernel: dict[str, Callable[[Callable[..., Any]], bench.Kernel]] = {
        "fwd": lambda f: _call(jax.jit(f), x),
        "fwdbwd": lambda f: _call(jax.jit(bench.fwd_bwd(f)), x, ct),
    }
    if y.shape == x.shape:
        kernel["fwd_donated"] = lambda f: bench.Kernel(
            jax.jit(f, donate_argnums=0).lower(x).compile(), (x,), donated=True
        )
    wanted = set(cfg.modes or MODES)  # compiled and timed only when asked for
    pairs = {mode: [make(f) for f in (entry.fn, nn)] for mode, make in kernel.items() if mode in wanted}
    rows = []
    for mode, (ours, theirs) in pairs.items():
        res = paired_ratio(ours, theirs, cfg.rounds, cfg.seed, (cfg.target_seconds, cfg.max_rounds))
        same = program(ours.fn) == program(theirs.fn)
        rows.append({"name": entry.name, "dtype": dtype, "size": n, "mode": mode, **res, "same_program": same})
    return rows


def bench_eager(entry: registry.Activation, dtype: str, cfg: Config) -> dict[str, Any]:
    nn = getattr(jax.nn, entry.jax_nn)  # type: ignore[arg-type]
    x = bench_input(entry, cfg.eager_size, dtype, cfg.seed)

    def calls(f: Callable[..., Any]) -> Callable[[], Any]:
        def run() -> Any:
            for _ in range(cfg.eager_calls - 1):
                f(x)
            return f(x)

        return run

    res = paired_ratio(calls(entry.fn), calls(nn), cfg.eager_rounds, cfg.seed)
    return {"name": entry.name, "dtype": dtype, "size": x.size, "mode": "eager", **res}


def _dense_act_dense(act: Callable[..., Any], batch: int, width: int, hidden: int, dtype: str, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    x = jnp.asarray(rng.normal(size=(batch, width)), dtype)
    w1 = jnp.asarray(rng.normal(size=(width, hidden)) / math.sqrt(width), dtype)
    out = jax.eval_shape(act, jax.ShapeDtypeStruct((batch, hidden), jnp.dtype(dtype))).shape[-1]
    w2 = jnp.asarray(rng.normal(size=(out, width)) / math.sqrt(out), dtype)

    def loss(w: tuple[jax.Array, jax.Array]) -> jax.Array:
        return jnp.mean((act(x @ w[0]) @ w[1]).astype(jnp.float32))

    return jax.jit(jax.grad(loss)).lower((w1, w2)).compile(), (w1, w2)


def bench_block(entry: registry.Activation, dtype: str, cfg: Config) -> dict[str, Any]:
    nn = getattr(jax.nn, entry.jax_nn)  # type: ignore[arg-type]
    calls = []
    for act in (entry.fn, nn):
        c, w = _dense_act_dense(act, *cfg.block, dtype, cfg.seed)
        calls.append(bench.Kernel(c, (w,)))
    res = paired_ratio(calls[0], calls[1], cfg.rounds, cfg.seed, (cfg.target_seconds, cfg.max_rounds))
    return {"name": entry.name, "dtype": dtype, "size": cfg.block[0] * cfg.block[2], "mode": "block", **res}


def bench_memory(entry: registry.Activation, dtype: str, cfg: Config) -> dict[str, Any]:
    nn = getattr(jax.nn, entry.jax_nn)  # type: ignore[arg-type]
    batch, width, _ = cfg.block
    ours, theirs = (bench.residual_bytes(f, cfg.scan_layers, width, batch, dtype) for f in (entry.fn, nn))
    return {
        "name": entry.name,
        "dtype": dtype,
        "size": batch * width,
        "mode": "residual_bytes",
        "ours": ours,
        "theirs": theirs,
        "ratio": ours / theirs if theirs else (1.0 if ours == 0 else math.inf),
    }


MODES = ("fwd", "fwd_donated", "fwdbwd", "eager", "block", "residual_bytes")
SIZED = frozenset({"fwd", "fwd_donated", "fwdbwd"})  # the modes measured at each size
TIMED = SIZED | {"block"}  # the modes timed in paired rounds


# The settings of Config that only some modes read: a run without them does not record them.
_MODE_SETTINGS = {
    "sizes": SIZED,
    "eager_size": {"eager"},
    "eager_rounds": {"eager"},
    "eager_calls": {"eager"},
    "block": {"block", "residual_bytes"},
    "scan_layers": {"residual_bytes"},
    "target_seconds": TIMED,
    "max_rounds": TIMED,
    "rounds": TIMED,
}


def _used(setting: str, modes: set[str]) -> bool:
    return setting not in _MODE_SETTINGS or bool(_MODE_SETTINGS[setting] & modes)


def run(cfg: Config, log: Callable[[str], None] = print) -> dict[str, Any]:
    if paths.forced_gradient_path() is not None:
        raise RuntimeError("jaxact bench --vs-jax-nn measures the default paths: unset the gradient-path switch")
    names = list(cfg.names) if cfg.names else registry.names()
    entries = [e for e in (registry.get(n) for n in names) if e.jax_nn]
    modes = set(cfg.modes or MODES)
    rows: list[dict[str, Any]] = []
    for dtype in cfg.dtypes:
        for e in entries:
            if modes & SIZED:
                for n in cfg.sizes:
                    rows += bench_sizes(e, n, dtype, cfg)
            for mode, bench_one in (("eager", bench_eager), ("block", bench_block), ("residual_bytes", bench_memory)):
                if mode in modes:
                    rows.append(bench_one(e, dtype, cfg))
            log(
                f"  {e.name:<14} {dtype:<9} "
                + "  ".join(_cell(r) for r in rows if r["name"] == e.name and r["dtype"] == dtype)
            )
            if cfg.checkpoint is not None:
                cfg.checkpoint({"partial": True, "rows": rows})
    result = {
        "device": bench.device_name(),
        "device_kind": jax.devices()[0].device_kind,
        "backend": jax.default_backend(),
        "jax": jax.__version__,
        "cpu_count": __import__("os").cpu_count(),
        "config": {k: v for k, v in cfg.__dict__.items() if k not in ("names", "checkpoint") and _used(k, modes)}
        | {"modes": sorted(modes)},
        "rows": rows,
    }
    result["summary"] = summary(rows)
    log(format_summary(result))
    return result


def _size(r: dict[str, Any]) -> str:
    """ "@2^k" for the modes measured at several sizes, "" for the others."""
    return f"@2^{int(math.log2(r['size']))}" if r["mode"] in SIZED else ""


def _cell(r: dict[str, Any]) -> str:
    return f"{r['mode']}{_size(r)} {r['ratio']:.2f}"


def _where(r: dict[str, Any]) -> str:
    return r["name"] + _size(r)


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per dtype and mode: geometric mean over functions, the worst, and those whose interval tops 1.05.

    ``at_parity`` is the geometric mean with every ratio above 1 read as 1: what the mode would read
    were each cell where jaxact is slower brought to jax.nn's time and the others as measured (a
    geomean target below it needs cells that beat jax.nn by more than they do now; a tied cell
    that reads below 1 by the machine's noise counts as it reads)."""
    out: dict[str, Any] = {}
    for dtype in sorted({r["dtype"] for r in rows}):
        for mode in MODES:
            sel = [r for r in rows if r["dtype"] == dtype and r["mode"] == mode]
            if not sel:
                continue
            worst = max(sel, key=lambda r: r["ratio"])
            logs = [math.log(max(r["ratio"], 1e-12)) for r in sel]
            out[f"{dtype}:{mode}"] = {
                "geomean": math.exp(statistics.fmean(logs)),
                "at_parity": math.exp(statistics.fmean(min(v, 0.0) for v in logs)),
                "worst": worst["ratio"],
                "worst_name": _where(worst),
                "above_1_05": sorted({_where(r) for r in sel if r.get("hi", r["ratio"]) > 1.05}),
                "above_1_05_same_program": sorted(
                    {_where(r) for r in sel if r.get("hi", r["ratio"]) > 1.05 and r.get("same_program")}
                ),
                "n": len(sel),
            }
    return out


def format_summary(result: dict[str, Any]) -> str:
    lines = [
        f"\n== jaxact default path / jax.nn, {result['device_kind']} (jax {result['jax']}); "
        "< 1: jaxact faster or leaner ==",
        f"{'dtype:mode':<24} {'geomean':>8} {'parity':>7} {'worst':>6}  {'(which)':<22} cells whose 95 % upper "
        "bound > 1.05 (= : of them, same compiled program as jax.nn's)",
    ]
    for k, s in result["summary"].items():
        above = s["above_1_05"]
        same = set(s.get("above_1_05_same_program", ()))
        differ = [c for c in above if c not in same]
        listed = ", ".join(differ[:6]) + (", ..." if len(differ) > 6 else "")
        lines.append(
            f"{k:<24} {s['geomean']:>8.3f} {s.get('at_parity', math.nan):>7.3f} {s['worst']:>6.2f}  "
            f"{s['worst_name']:<22} "
            f"{len(above)}/{s['n']}" + (f" (= {len(same)})" if same else "") + (f": {listed}" if differ else "")
        )
    return "\n".join(lines)


def markdown(result: dict[str, Any]) -> str:
    """The committed table: every function and mode, ratio [95 % interval]."""
    rows = result["rows"]
    cols = []
    for r in rows:
        key = (r["mode"], r["size"] if r["mode"] in SIZED else None)
        if key not in cols:
            cols.append(key)
    lines = [
        f"# jaxact default path vs jax.nn — {result['device_kind']} (jax {result['jax']}, {result['cpu_count']} CPUs)",
        "",
        "time(jaxact) / time(jax.nn), geometric mean of interleaved per-round ratios [95 % bootstrap interval];",
        "residual_bytes: bytes saved for the backward pass of a scan over Dense→activation layers, jaxact / jax.nn.",
        "= after a cell: both compile to the same XLA program (the ratio is the machine's noise).",
        "parity: the geomean with every ratio above 1 read as 1 (each cell where jaxact is slower at jax.nn's time).",
        "Regenerate: `jaxact bench --vs-jax-nn`.",
        *([f"Note: {result['note']}"] if result.get("note") else []),
        "",
        format_summary(result).strip().replace("== ", "").replace(" ==", ""),
        "",
    ]
    for dtype in sorted({r["dtype"] for r in rows}):
        head = [m if s is None else f"{m} 2^{int(math.log2(s))}" for m, s in cols]
        lines += [f"## {dtype}", "", "| function | " + " | ".join(head) + " |", "|---|" + "---:|" * len(cols)]
        for name in sorted({r["name"] for r in rows}):
            cells = []
            for m, s in cols:
                r = next(
                    (
                        r
                        for r in rows
                        if r["name"] == name
                        and r["dtype"] == dtype
                        and r["mode"] == m
                        and (s is None or r["size"] == s)
                    ),
                    None,
                )
                if r is None:
                    cells.append("–")
                elif "lo" in r:
                    same = " =" if r.get("same_program") else ""
                    cells.append(f"{r['ratio']:.2f} [{r['lo']:.2f}, {r['hi']:.2f}]{same}")
                else:
                    cells.append(f"{r['ratio']:.2f}")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def save(result: dict[str, Any], out_dir: Path, tag: str = "") -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{result['device']}-vs-jaxnn{tag}"  # appended, not with_suffix: a tag may hold a dot (-run.2)
    js, md = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    js.write_text(strict_json.dumps(result, indent=1))
    md.write_text(markdown(result))
    return js, md
