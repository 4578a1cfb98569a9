"""``jaxact bench``: speed of every activation against jax.nn, PyTorch and a memory copy.

Activations are elementwise, so their limit is memory bandwidth. For each
activation and array size this measures, under jax.jit with block_until_ready
(warm-up excluded, compile time reported separately, median of repeats):

* forward, fresh output (a new buffer per call) and donated (the output reuses
  the input buffer: ``donate_argnums=0``) — on CPU most of a fresh call is the
  OS handing out new pages, so the two modes are reported side by side;
* forward+backward (``jax.vjp``) through the autodiff and the closed-form path;
* the same through jax.nn where it has the function, and torch when installed;
* reference kernels measured the same way: ``jnp.copy`` (fresh) and an in-place
  negation (donated), numpy ``copyto`` into a preallocated buffer.

Ratios are medians of per-repeat ratios of kernels timed alternately, in the
same run. Bytes moved: forward reads x and writes y (2n·itemsize); fwd+bwd
reads x and the cotangent and writes the gradient (3n·itemsize).
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import platform
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jax
import jax.ad_checkpoint
import jax.numpy as jnp
import numpy as np

from jaxact import paths, registry
from jaxact.tools import strict_json

FULL_SIZES = tuple(2**k for k in (10, 14, 18, 20, 22, 24, 26))
QUICK_SIZES = (2**16,)


@dataclass
class BenchConfig:
    sizes: Sequence[int] = FULL_SIZES
    dtypes: Sequence[str] = ("float32",)
    names: Sequence[str] | None = None
    min_repeats: int = 5
    # Up to 2000: a call of a few µs varies by ~30 % here; at the old cap of 100 the closed-vs-autodiff
    # ratio of one program at 2^10 read 0.35–1.23 from run to run, at 2000 0.97–0.99.
    max_repeats: int = 2000
    target_seconds: float = 0.25  # per kernel and size
    torch: bool = True
    block: bool = True
    block_shape: tuple[int, int, int] = (1024, 256, 1024)  # batch, width, hidden
    # The activations whose block is measured (None: those of BLOCK_NAMES that are measured at all).
    block_names: Sequence[str] | None = None
    checkpoint: Callable[[dict], Any] | None = None  # called with the partial result after each size


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        return None
    return torch


def _torch_input(torch: Any, x: jax.Array, dtype: str) -> tuple[Any, Callable[[], Any] | None]:
    """x as a torch tensor on the device jax runs on (a GPU when both see one) and the call that
    waits for torch's queued work there."""
    xt = torch.from_numpy(np.array(x, np.float32)).to(getattr(torch, dtype))
    if on_accelerator() and torch.cuda.is_available():
        return xt.to("cuda"), torch.cuda.synchronize
    return xt, None


def device_name() -> str:
    d = jax.devices()[0]
    kind = d.device_kind if d.platform != "cpu" else "cpu"
    return "".join(c if c.isalnum() else "-" for c in kind.lower()).strip("-")


def _shape(entry: registry.Activation, n: int) -> tuple[int, ...]:
    return (n,) if entry.elementwise else (max(1, n // 1024), min(n, 1024))


def _timed(call: Callable[[], Any]) -> float:
    """Seconds per call: one call on a CPU; on an accelerator ``call.inner`` calls issued back to
    back and synchronised once, so the host's dispatch overlaps the device's work and the figure is
    the device's throughput, not one launch's round trip."""
    prepare = getattr(call, "prepare", None)
    if prepare is not None:
        prepare()  # untimed set-up (fresh copies of a donated input)
    t = time.perf_counter()
    jax.block_until_ready(call())
    return (time.perf_counter() - t) / getattr(call, "inner", 1)


def on_accelerator() -> bool:
    return jax.default_backend() != "cpu"


# On an accelerator one timed sample runs for about this long (see _timed).
_SAMPLE_S = 2e-3
_MAX_INNER = 64
_ROTATE = 4


def calibrate(kernels: Any) -> bool:
    """On an accelerator, sets each kernel's ``inner`` so that one timed sample lasts about
    ``_SAMPLE_S`` (fewer fresh copies for donated kernels); on a CPU leaves one call per sample.
    Returns whether anything changed."""
    if not on_accelerator():
        return False
    for k in kernels:
        once = _timed(k) * k.inner
        k.inner = int(min(_MAX_INNER // (4 if k.donated else 1), max(1, math.ceil(_SAMPLE_S / once))))
    return True


class Kernel:
    """A callable timed by calling it. A ``donated`` kernel gives its first argument away:
    ``prepare`` (untimed) copies it into fresh buffers each round, so every round sees the same
    data (feeding the output back instead drifts it: gelu∘gelu∘… decays to subnormals). ``sync``
    waits for work that ``jax.block_until_ready`` cannot see (torch on a GPU). On an accelerator
    the calls of one sample cycle through ``_ROTATE`` copies of the inputs: an input that fits the
    device's cache (an H200's 2^24 float32, 64 MB, nearly does) would otherwise be read from it,
    not from memory, by every call after the first (a donated input is fresh each call anyway)."""

    def __init__(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        donated: bool = False,
        sync: Callable[[], Any] | None = None,
    ):
        self.fn, self.donated, self.sync = fn, donated, sync
        self.sets = [list(args)]
        self.first = args[0] if donated else None
        self.inner = 1
        self.fresh: list[Any] = []

    @property
    def args(self) -> list[Any]:
        return self.sets[0]

    def prepare(self) -> None:
        if self.donated:
            self.fresh = [jax.block_until_ready(jnp.array(self.first)) for _ in range(self.inner)]
        if on_accelerator() and self.inner > 1 and not self.donated and len(self.sets) == 1 and self.sets[0]:
            copies = [jax.tree.map(jnp.array, self.sets[0]) for _ in range(_ROTATE - 1)]
            self.sets += jax.block_until_ready(copies)

    def __call__(self) -> Any:
        out = None
        for i in range(self.inner):
            args = self.sets[i % len(self.sets)]
            if self.donated:
                args[0] = self.fresh[i]
            out = self.fn(*args)
        if self.sync is not None:
            self.sync()
        return out


def _compile(f: Callable[..., Any], args: tuple[Any, ...], donate: bool) -> tuple[Callable[..., Any], float]:
    t = time.perf_counter()
    compiled = jax.jit(f, donate_argnums=(0,) if donate else ()).lower(*args).compile()
    return compiled, time.perf_counter() - t


def fwd_bwd(f: Callable[..., Any]) -> Callable[..., Any]:
    """``(x, ct) -> (f(x), dx)``: the forward and backward of a training step's activation.

    Both outputs are returned: a program returning dx alone lets XLA compute the forward only as
    far as the backward needs it, so a derivative written from x skips work one written from
    f(x) repeats, and such ratios read lower than a step that keeps f(x) for the next layer."""

    def g(x: jax.Array, ct: jax.Array) -> tuple[jax.Array, jax.Array]:
        y, pullback = jax.vjp(f, x)
        return y, pullback(ct)[0]

    return g


def _repeats(cfg: BenchConfig, first: float) -> int:
    return int(min(cfg.max_repeats, max(cfg.min_repeats, cfg.target_seconds / max(first, 1e-6))))


def paired(kernels: dict[str, Kernel], cfg: BenchConfig) -> dict[str, list[float]]:
    """Times each kernel once per round, alternating, after one warm-up call each."""
    first = {k: _timed(v) for k, v in kernels.items()}  # warm-up (already compiled)
    if calibrate(kernels.values()):
        first = {k: _timed(v) for k, v in kernels.items()}
    reps = _repeats(cfg, max(t * kernels[k].inner for k, t in first.items()))
    times: dict[str, list[float]] = {k: [] for k in kernels}
    order = list(kernels)
    for i in range(reps):
        # Alternate the order each round so no kernel always follows the same one
        # (on CPU a fresh output's page faults depend on what was just freed).
        for k in order if i % 2 == 0 else order[::-1]:
            times[k].append(_timed(kernels[k]))
    return times


def _ratio(times: dict[str, list[float]], slow: str, fast: str) -> float | None:
    """Median over repeats of t[slow]/t[fast] (> 1: 'fast' is faster)."""
    if slow not in times or fast not in times:
        return None
    return statistics.median(a / b for a, b in zip(times[slow], times[fast], strict=True))


@dataclass
class Row:
    name: str
    size: int
    dtype: str
    median_s: dict[str, float]
    compile_s: dict[str, float]
    gbps: dict[str, float]
    ratios: dict[str, float | None] = field(default_factory=dict)


def bench_reference(n: int, dtype: str, cfg: BenchConfig) -> Row:
    """Copy-like kernels measured the same way as the activations."""
    x = jnp.asarray(np.random.default_rng(0).normal(size=n), dtype)
    copy, c1 = _compile(jnp.copy, (x,), donate=False)
    neg, c2 = _compile(jnp.negative, (jnp.array(x),), donate=True)
    xn = np.asarray(x)
    out = np.empty_like(xn)
    kernels = {
        "jax_copy": Kernel(copy, (x,)),
        "jax_negate_donated": Kernel(neg, (jnp.array(x),), donated=True),
        "numpy_copyto": Kernel(lambda: np.copyto(out, xn) or out, ()),
        "numpy_copy": Kernel(lambda: xn.copy(), ()),
    }
    torch = _torch() if cfg.torch else None
    if torch is not None and dtype in ("float32", "float64", "bfloat16"):
        xt, sync = _torch_input(torch, x, dtype)
        kernels["torch_clone"] = Kernel(lambda: xt.clone(), (), sync=sync)
        kernels["torch_neg_inplace"] = Kernel(lambda: xt.neg_(), (), sync=sync)
    times = paired(kernels, cfg)
    med = {k: statistics.median(v) for k, v in times.items()}
    nbytes = 2 * n * jnp.dtype(dtype).itemsize
    return Row(
        "(reference)",
        n,
        dtype,
        med,
        {"jax_copy": c1, "jax_negate_donated": c2},
        {k: nbytes / v / 1e9 for k, v in med.items()},
    )


_ITEMSIZE = {
    "bool": 1,
    "i8": 1,
    "u8": 1,
    "bf16": 2,
    "f16": 2,
    "i16": 2,
    "f32": 4,
    "i32": 4,
    "u32": 4,
    "f64": 8,
    "i64": 8,
}


def residual_bytes(act: Callable[..., Any], layers: int, width: int, batch: int, dtype: str) -> int:
    """Bytes JAX saves for the backward pass of a scan over Dense → act layers (arguments excluded)."""
    out = jax.eval_shape(act, jax.ShapeDtypeStruct((batch, 2 * width), jnp.dtype(dtype))).shape[-1]
    k = 2 if out == width else 1  # glu halves its input: give it twice the width
    ws = jnp.zeros((layers, width, k * width), dtype)
    x = jnp.zeros((batch, width), dtype)

    def loss(ws: jax.Array, x: jax.Array) -> jax.Array:
        def layer(h: jax.Array, w: jax.Array) -> tuple[jax.Array, None]:
            return act(h @ w), None

        return jnp.sum(jax.lax.scan(layer, x, ws)[0].astype(jnp.float32))

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):  # the public API prints "f32[4,1024,256] output of ..."
        jax.ad_checkpoint.print_saved_residuals(loss, ws, x)
    total = 0
    for line in buf.getvalue().splitlines():
        m = re.match(r"(\w+)\[([\d,]*)\] (.*)", line)
        if m is None or "argument" in m.group(3):
            continue
        dims = [int(d) for d in m.group(2).split(",") if d]
        total += math.prod(dims) * _ITEMSIZE[m.group(1)]
    return total


def bench_activation(entry: registry.Activation, n: int, dtype: str, cfg: BenchConfig) -> Row:
    shape = _shape(entry, n)
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=shape), dtype)
    ct = jnp.asarray(rng.normal(size=jax.eval_shape(entry.fn, x).shape), dtype)
    # Donation chains feed the output back in: only for shape-preserving functions (not glu).
    same_shape = ct.shape == x.shape
    fns: dict[str, tuple[Callable[..., Any], tuple[Any, ...], bool]] = {
        "fwd": (entry.fn, (x,), False),
        "fwdbwd_autodiff": (fwd_bwd(entry.autodiff), (x, ct), False),
        "fwdbwd_closed": (fwd_bwd(entry.closed_form), (x, ct), False),
    }
    if same_shape:
        fns["fwd_donated"] = (entry.fn, (jnp.array(x),), True)
    if entry.jax_nn:
        nn = getattr(jax.nn, entry.jax_nn)
        fns["jaxnn_fwd"] = (nn, (x,), False)
        fns["jaxnn_fwdbwd"] = (fwd_bwd(nn), (x, ct), False)
        if same_shape:
            fns["jaxnn_fwd_donated"] = (nn, (jnp.array(x),), True)
    compiled, compile_s = {}, {}
    for k, (f, args, donate) in fns.items():
        compiled[k], compile_s[k] = _compile(f, args, donate)
    kernels = {k: Kernel(compiled[k], fns[k][1], donated=fns[k][2]) for k in fns}
    # fwd+bwd chains need x and ct, so only the forward is donated.
    torch = _torch() if cfg.torch else None
    if torch is not None and entry.torch and dtype in ("float32", "float64", "bfloat16"):
        xt, sync = _torch_input(torch, x, dtype)
        kernels["torch_fwd"] = Kernel(lambda: entry.torch_call(torch, xt), (), sync=sync)
    times = paired(kernels, cfg)
    med = {k: statistics.median(v) for k, v in times.items()}
    item = jnp.dtype(dtype).itemsize
    # Bytes that must move: x in and f(x) out, and for fwd+bwd the cotangent in and dx out as well;
    # a gated entry's f(x) and cotangent are half of x (counted as x's size they overstated its GB/s
    # by 1.2–1.33x).
    m = ct.size
    gbps = {k: (2 * (n + m) if "bwd" in k else (n + m)) * item / v / 1e9 for k, v in med.items()}
    ratios = {
        "speed_vs_jaxnn_fwd": _ratio(times, "jaxnn_fwd", "fwd"),
        "speed_vs_jaxnn_fwd_donated": _ratio(times, "jaxnn_fwd_donated", "fwd_donated"),
        "speed_vs_jaxnn_fwdbwd_closed": _ratio(times, "jaxnn_fwdbwd", "fwdbwd_closed"),
        "speed_closed_vs_autodiff_fwdbwd": _ratio(times, "fwdbwd_autodiff", "fwdbwd_closed"),
        "speed_vs_torch_fwd": _ratio(times, "torch_fwd", "fwd"),
        "residual_bytes_closed_vs_autodiff": _residual_ratio(entry.closed_form, entry.autodiff, dtype),
    }
    return Row(entry.name, n, dtype, med, compile_s, gbps, ratios)


@functools.cache
def _residual_ratio(closed_form: Callable[..., Any], autodiff: Callable[..., Any], dtype: str) -> float:
    """Bytes the closed form saves for the backward pass over autodiff's (a scan of 4 Dense → act
    layers, 64 × 256: the ratio does not depend on the size, so it is traced once per dtype)."""
    closed, autodiff = (residual_bytes(f, 4, 256, 64, dtype) for f in (closed_form, autodiff))
    return closed / autodiff if autodiff else 1.0


def kernel_count(compiled: Any) -> int | None:
    """Kernels one call of a compiled program launches: the fusions and library calls of its entry
    computation (an activation fused into a matmul's epilogue adds none)."""
    try:
        text = compiled.as_text()
    except Exception:  # a backend without HLO text: no count
        return None
    entry = text[text.index("ENTRY") :] if "ENTRY" in text else text
    entry = entry[: entry.find("\n}") + 1 or None]
    return sum(1 for line in entry.splitlines() if re.search(r"= \S+ (fusion|custom-call|convolution|dot)\(", line))


# The block's activations by default: the common ones, each a different kind of curve.
BLOCK_NAMES = ("relu", "gelu", "swish", "tanh", "sigmoid")


def bench_block(name: str, cfg: BenchConfig) -> dict:
    """fwd+bwd of Dense → activation → Dense: the activation fused into its neighbours."""
    batch, width, hidden = cfg.block_shape
    entry = registry.get(name)
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(batch, width)), jnp.float32)
    w1 = jnp.asarray(rng.normal(size=(width, hidden)) / math.sqrt(width), jnp.float32)
    out = jax.eval_shape(entry.fn, jax.ShapeDtypeStruct((batch, hidden), jnp.float32)).shape[-1]  # a gate: half
    w2 = jnp.asarray(rng.normal(size=(out, width)) / math.sqrt(out), jnp.float32)
    acts = {"default": entry.fn, "autodiff": entry.autodiff, "closed": entry.closed_form}
    if entry.jax_nn:
        acts["jax_nn"] = getattr(jax.nn, entry.jax_nn)

    def make(act: Callable[..., Any]) -> Callable[..., Any]:
        def loss(w: tuple[jax.Array, jax.Array], x: jax.Array) -> jax.Array:
            return jnp.mean(act(x @ w[0]) @ w[1])

        return jax.grad(loss)

    kernels, counts = {}, {}
    for k, act in acts.items():
        f, _ = _compile(make(act), ((w1, w2), x), donate=False)
        kernels[k] = Kernel(f, ((w1, w2), x))
        counts[k] = kernel_count(f)
    times = paired(kernels, cfg)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "activation": name,
        "dtype": "float32",  # whatever --dtypes the sweep ran: the block is float32 (a bf16 sweep's JSON misled)
        "shape": [batch, width, hidden],
        "median_s": med,
        "kernels": counts,
        "speed_closed_vs_autodiff": _ratio(times, "autodiff", "closed"),
        "speed_vs_jaxnn": _ratio(times, "jax_nn", "autodiff"),
        "speed_default_vs_jaxnn": _ratio(times, "jax_nn", "default"),
    }


def run(cfg: BenchConfig, log: Callable[[str], None] = print) -> dict:
    names = list(cfg.names) if cfg.names else registry.names()
    entries = [registry.get(n) for n in names]
    torch = _torch() if cfg.torch else None
    result: dict[str, Any] = {
        "device": device_name(),
        "backend": jax.default_backend(),
        "device_kind": jax.devices()[0].device_kind,
        "jax": jax.__version__,
        "torch": getattr(torch, "__version__", None),
        "cpu_count": __import__("os").cpu_count(),
        "machine": platform.machine(),
        # The path JAXACT_GRADIENT_PATH forced for the "default" kernels (None: each entry's own).
        "gradient_path": paths.forced_gradient_path(),
        # How it was measured (--quick's few repeats, --seconds): read beside its figures.
        "config": {k: v for k, v in cfg.__dict__.items() if k not in ("names", "checkpoint")},
        "rows": [],
        "reference": [],
        "blocks": [],
    }
    for dtype in cfg.dtypes:
        for n in cfg.sizes:
            ref = bench_reference(n, dtype, cfg)
            result["reference"].append(ref.__dict__)
            rows = [bench_activation(e, n, dtype, cfg) for e in entries]
            for r in rows:
                r.ratios["fraction_of_copy_fwd"] = r.gbps["fwd"] / ref.gbps["jax_copy"]
                r.ratios["fraction_of_copy_fwd_donated"] = (
                    r.gbps["fwd_donated"] / ref.gbps["jax_negate_donated"] if "fwd_donated" in r.gbps else None
                )
                result["rows"].append(r.__dict__)
            log(format_size_table(ref, rows))
            if cfg.checkpoint is not None:
                cfg.checkpoint(result)
    if cfg.block:
        for name in cfg.block_names if cfg.block_names is not None else [n for n in BLOCK_NAMES if n in names]:
            result["blocks"].append(bench_block(name, cfg))
        if result["blocks"]:
            log(format_blocks(result["blocks"], result["gradient_path"]))
    return result


def _x(v: float | None, digits: int = 2) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v * 1e3:.3f}"


def format_size_table(ref: Row, rows: list[Row]) -> str:
    n, dt = ref.size, ref.dtype
    lines = [
        f"\n== {n} elements ({int(math.log2(n))} = log2), {dt}, device {device_name()} ==",
        "reference: " + ", ".join(f"{k} {ref.median_s[k] * 1e3:.3f} ms ({ref.gbps[k]:.1f} GB/s)" for k in ref.median_s),
        f"{'activation':<15} {'fwd ms':>8} {'GB/s':>6} {'/copy':>5} {'x jax.nn':>8} | {'donated ms':>10} {'GB/s':>6} "
        f"{'/neg':>5} {'x jax.nn':>8} | {'fwd+bwd closed ms':>17} {'x autodiff':>10} {'saved /ad':>9} "
        f"{'x jax.nn':>8} | {'x torch':>7}",
    ]
    lines.append("-" * len(lines[-1]))
    for r in rows:
        m, g, q = r.median_s, r.gbps, r.ratios
        lines.append(
            f"{r.name:<15} {m['fwd'] * 1e3:>8.3f} {g['fwd']:>6.1f} {q['fraction_of_copy_fwd']:>5.2f} "
            f"{_x(q['speed_vs_jaxnn_fwd']):>8} | {_ms(m.get('fwd_donated')):>10} {_x(g.get('fwd_donated'), 1):>6} "
            f"{_x(q['fraction_of_copy_fwd_donated']):>5} {_x(q['speed_vs_jaxnn_fwd_donated']):>8} | "
            f"{m['fwdbwd_closed'] * 1e3:>17.3f} {_x(q['speed_closed_vs_autodiff_fwdbwd']):>10} "
            f"{_x(q.get('residual_bytes_closed_vs_autodiff')):>9} "
            f"{_x(q['speed_vs_jaxnn_fwdbwd_closed']):>8} | {_x(q['speed_vs_torch_fwd']):>7}"
        )
    lines.append(
        "x jax.nn / x autodiff / x torch: speed ratio (median of paired per-repeat time ratios; > 1 = jaxact "
        "faster). /copy: fraction of jnp.copy bandwidth; /neg: of an in-place (donated) negation. saved /ad: "
        "bytes the closed form saves for the backward pass over autodiff's (< 1 = less memory)."
    )
    return "\n".join(lines)


def format_blocks(blocks: list[dict], forced: str | None = None) -> str:
    """The block table; ``forced``: the path the switch forced for the run that measured them
    (``result["gradient_path"]``), default the switch's now."""
    shape = "x".join(str(v) for v in blocks[0]["shape"])
    forced = forced or paths.forced_gradient_path()
    lines = [
        f"\n== Dense -> activation -> Dense, fwd+bwd (grads of both weights), float32, batch x width x hidden "
        f"{shape} ==" + (f" (default: the {forced} path everywhere, forced by the switch)" if forced else ""),
        f"{'activation':<15} {'default ms':>10} {'autodiff ms':>11} {'closed ms':>9} {'jax.nn ms':>9} "
        f"{'default x jax.nn':>16} {'kernels default/jax.nn':>22}",
    ]
    for b in blocks:
        m, k = b["median_s"], b.get("kernels", {})
        nn = f"{m['jax_nn'] * 1e3:.3f}" if "jax_nn" in m else "-"
        kk = f"{k.get('default', '-')}/{k.get('jax_nn', '-')}"
        lines.append(
            f"{b['activation']:<15} {m['default'] * 1e3:>10.3f} {m['autodiff'] * 1e3:>11.3f} {m['closed'] * 1e3:>9.3f} "
            f"{nn:>9} {_x(b.get('speed_default_vs_jaxnn')):>16} {kk:>22}"
        )
    lines.append("default x jax.nn: > 1 = jaxact's default path faster (median of paired per-repeat ratios)")
    return "\n".join(lines)


def summary(result: dict) -> dict[str, Any]:
    """Medians across activations of the key ratios, per size (for the README)."""
    out: dict[str, Any] = {}
    for key in (
        "speed_vs_jaxnn_fwd",
        "speed_vs_jaxnn_fwd_donated",
        "speed_closed_vs_autodiff_fwdbwd",
        "speed_vs_jaxnn_fwdbwd_closed",
        "fraction_of_copy_fwd",
        "fraction_of_copy_fwd_donated",
        "speed_vs_torch_fwd",
    ):
        per = {}
        for r in result["rows"]:
            v = r["ratios"].get(key)
            if v is not None:
                per.setdefault(f"{r['dtype']}:{r['size']}", []).append(v)
        out[key] = {k: {"median": statistics.median(v), "min": min(v), "n": len(v)} for k, v in per.items()}
    return out


def save(result: dict, out_dir: Path, tag: str = "") -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    result = dict(result)
    result["summary"] = summary(result)
    path = out_dir / f"{result['device']}{tag}.json"
    path.write_text(strict_json.dumps(result, indent=1))
    return path


HIGHLIGHT = {"relu": "C0", "tanh": "C1", "gelu": "C2", "softmax": "C3"}  # drawn in colour, in every panel
_MARKERS, _LINES = ("o", "^", "s", "D"), ("-", "--", ":", "-.")  # one of each per dtype


def plot(result: dict, out_dir: Path, tag: str = "") -> Path:
    from jaxact.tools._plotting import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(13, 5), sharey=True)
    for ax, kernel, ref_key, title in (
        (axes[0], "fwd", "jax_copy", "forward, fresh output"),
        (axes[1], "fwd_donated", "jax_negate_donated", "forward, donated (in place)"),
    ):
        # One line per (activation, dtype): each dtype its own marker and line style, named in the
        # legend when there are several. identity is left out of the donated panel only (a no-op there).
        by_name: dict[tuple[str, str], list[tuple[int, float]]] = {}
        for r in result["rows"]:
            if kernel in r["gbps"] and not (kernel == "fwd_donated" and r["name"] == "identity"):
                by_name.setdefault((r["name"], r["dtype"]), []).append((r["size"], r["gbps"][kernel]))
        dtypes = sorted({r["dtype"] for r in result["rows"]} | {r["dtype"] for r in result["reference"]})
        style = {d: (_MARKERS[i % len(_MARKERS)], _LINES[i % len(_LINES)]) for i, d in enumerate(dtypes)}

        def suffix(dtype: str, several: bool = len(dtypes) > 1) -> str:
            return f", {dtype}" if several else ""

        def line(pts: list[tuple[int, float]], dtype: str, ax: Any = ax, style: Any = style, **kw: Any) -> None:
            m, ls = style[dtype]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=m, ls=ls, **kw)

        # Every activation as a thin grey line (one legend entry per dtype for all of them), a few
        # named ones in the same colour in both panels; markers, so a one-size run still shows points.
        others = sorted(k for k in by_name if k[0] not in HIGHLIGHT)
        n_others = len({k[0] for k in others})
        labelled: set[str] = set()
        for name, dtype in others:
            label = (
                None if dtype in labelled else f"the other {n_others} activation{'s' * (n_others != 1)}{suffix(dtype)}"
            )
            labelled.add(dtype)
            line(sorted(by_name[(name, dtype)]), dtype, ms=2.5, lw=0.7, color="0.65", label=label)
        for name, color in HIGHLIGHT.items():
            for dtype in dtypes:
                pts = sorted(by_name.get((name, dtype), []))
                if pts:
                    line(pts, dtype, ms=4, lw=1.6, color=color, label=name + suffix(dtype))
        for dtype in dtypes:
            ref = sorted((r["size"], r["gbps"][ref_key]) for r in result["reference"] if r["dtype"] == dtype)
            if ref:
                line(ref, dtype, color="k", ms=5, lw=2.5, label=f"{ref_key} (reference{suffix(dtype)})")
        ax.set(xscale="log", xlabel=f"elements ({', '.join(dtypes)})", title=title)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("GB/s (bytes that must move / time)")
    fig.suptitle(
        f"jaxact activations, one line per activation and dtype — {result['device_kind']} (jax {result['jax']})"
    )
    fig.tight_layout()
    path = out_dir / f"{result['device']}{tag}_bandwidth.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
