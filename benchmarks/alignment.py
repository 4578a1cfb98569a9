"""Where the cotangent sits: fwd+bwd at 2^24 float32, jaxact / jax.nn, with the cotangent
read k floats past the start of its buffer.

Every large buffer XLA allocates on CPU starts at the same offset within a 4 KiB page, so in
``jax.vjp(f, x)`` and its pullback of ct the loop's two input streams (x, ct) and its output streams line up
page for page. How fast such a loop runs then depends on where in the loop body LLVM placed
each load and the store — which differs between two programs that compute nearly the same
thing — and on programs returning dx alone, shifting one stream by a few floats could reverse
which of two programs was faster; with f(x) kept as well (now) every ratio held within ~4 %.
This script measures that: each cell is the fwd+bwd ratio (geometric mean of interleaved
rounds, 95 % bootstrap interval) with ct taken from a padded buffer at offset k (a slice that
XLA fuses into the loop, in both programs). k = 0 is the placement of ``jaxact bench
--vs-jax-nn``'s fwdbwd@2^24 cell, whose programs read ct directly rather than through a slice:
close, not the same programs (gelu 1.53 here, 1.40 there, in two runs of one day, when both
programs returned dx alone; they return (y, dx) now, as ``bench.fwd_bwd``). A second table
says which program moved: each program at offset k against itself at k = 0, timed the same way
(three timed pairs per shifted cell).

    python benchmarks/alignment.py                      # every function jax.nn has
    python benchmarks/alignment.py --names gelu,silu    # a subset
    python benchmarks/alignment.py --offsets 0,8,16,64 --size 24 --out benchmarks/results
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxact import registry
from jaxact.tools import bench, strict_json, vs_jaxnn


def cells(entry: registry.Activation, n: int, offsets: list[int], rounds: int, seed: int) -> list[dict[str, Any]]:
    """One row per offset. Every program reads its cotangent from one buffer, padded for the largest
    offset, so the offset-0 programs (the k = 0 row, and each side's reference for "which program
    moved") are compiled once per function."""
    x = vs_jaxnn.bench_input(entry, n, "float32", seed)
    shape = jax.eval_shape(entry.fn, x).shape
    ct = np.random.default_rng(seed + 1).normal(size=math.prod(shape) + max(offsets) + 64).astype(np.float32)
    buf = jnp.asarray(ct)
    pair = {"jaxact": entry.fn, "jax.nn": getattr(jax.nn, entry.jax_nn)}  # type: ignore[arg-type]
    at_zero = {side: program(f, x, buf, shape, 0) for side, f in pair.items()}
    rows = []
    for offset in offsets:
        kernels = at_zero if offset == 0 else {side: program(f, x, buf, shape, offset) for side, f in pair.items()}
        row = {"name": entry.name, "size": n, "offset": offset}
        row.update(vs_jaxnn.paired_ratio(kernels["jaxact"], kernels["jax.nn"], rounds, seed))
        if offset:  # which program moved: each against itself with the cotangent at offset 0
            for side, kernel in kernels.items():
                row[f"{side} vs k=0"] = vs_jaxnn.paired_ratio(kernel, at_zero[side], rounds, seed)
        rows.append(row)
    return rows


def program(f: Any, x: jax.Array, buf: jax.Array, shape: tuple[int, ...], offset: int) -> bench.Kernel:
    """The compiled fwd+bwd of f with the cotangent read ``offset`` floats into ``buf``."""
    size = math.prod(shape)

    def g(x: jax.Array, buf: jax.Array) -> tuple[jax.Array, jax.Array]:
        return bench.fwd_bwd(f)(x, jax.lax.slice(buf, (offset,), (offset + size,)).reshape(shape))

    return bench.Kernel(jax.jit(g).lower(x, buf).compile(), (x, buf))


def markdown(result: dict[str, Any]) -> str:
    offsets = result["offsets"]
    head = (
        f"# fwd+bwd at 2^{result['size_log2']} float32 against the cotangent's offset — {result['device']} "
        f"(jax {result['jax']})\n\n"
        "time(jaxact) / time(jax.nn), geometric mean of interleaved rounds [95 % bootstrap interval], with the "
        "cotangent read k floats past the start of its buffer through a slice XLA fuses into the loop (k = 0: the "
        "placement of `jaxact bench --vs-jax-nn`'s fwdbwd cell, whose programs read it directly), "
        f"{result.get('rounds', '?')} rounds a cell. Regenerate: `python benchmarks/alignment.py`.\n\n"
    )
    lines = ["| function | " + " | ".join(f"k = {k}" for k in offsets) + " |"]
    lines.append("|---|" + "---:|" * len(offsets))
    for name in dict.fromkeys(r["name"] for r in result["rows"]):
        cells = {r["offset"]: r for r in result["rows"] if r["name"] == name}
        lines.append(
            f"| {name} | "
            + " | ".join(f"{cells[k]['ratio']:.2f} [{cells[k]['lo']:.2f}, {cells[k]['hi']:.2f}]" for k in offsets)
            + " |"
        )
    geo = [
        math.exp(float(np.mean([math.log(r["ratio"]) for r in result["rows"] if r["offset"] == k]))) for k in offsets
    ]
    lines.append("| **geomean** | " + " | ".join(f"**{g:.3f}**" for g in geo) + " |")
    moved = [k for k in offsets if k]
    if moved and all("jaxact vs k=0" in r for r in result["rows"] if r["offset"]):
        lines += [
            "",
            "Which program moved: time at offset k / time of the same program at k = 0 (< 1: faster at k).",
            "",
            "| function | " + " | ".join(f"jaxact k = {k} | jax.nn k = {k}" for k in moved) + " |",
            "|---|" + "---:|" * (2 * len(moved)),
        ]
        for name in dict.fromkeys(r["name"] for r in result["rows"]):
            cells = {r["offset"]: r for r in result["rows"] if r["name"] == name}
            lines.append(
                f"| {name} | "
                + " | ".join(
                    f"{cells[k][s]['ratio']:.2f} [{cells[k][s]['lo']:.2f}, {cells[k][s]['hi']:.2f}]"
                    for k in moved
                    for s in ("jaxact vs k=0", "jax.nn vs k=0")
                )
                + " |"
            )
    return head + "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--names", default="", help="comma-separated (default: every function jax.nn has)")
    ap.add_argument("--offsets", default="0,8,16,64", help="floats past the buffer's start")
    ap.add_argument("--size", type=int, default=24, help="log2 of the element count")
    ap.add_argument("--rounds", type=int, default=25)
    ap.add_argument("--out", default="benchmarks/results")
    args = ap.parse_args()
    names = [n for n in args.names.split(",") if n] or [n for n in registry.names() if registry.get(n).jax_nn]
    offsets = [int(k) for k in args.offsets.split(",")]
    rows = []
    for name in names:
        entry = registry.get(name)
        rows += cells(entry, 2**args.size, offsets, args.rounds, 0)
        print(f"  {name:<14} " + "  ".join(f"k={r['offset']} {r['ratio']:.2f}" for r in rows if r["name"] == name))
    result = {
        "device": bench.device_name(),
        "jax": jax.__version__,
        "size_log2": args.size,
        "offsets": offsets,
        "rounds": args.rounds,
        "rows": rows,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "alignment.json").write_text(strict_json.dumps(result, indent=1))
    (out / "alignment.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
