"""Markdown summary of a `jaxact bench` JSON (the tables quoted in the README).

python benchmarks/summarize.py benchmarks/results/cpu.json
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

KEYS = [
    ("speed_vs_jaxnn_fwd", "fwd vs jax.nn (fresh)"),
    ("speed_vs_jaxnn_fwd_donated", "fwd vs jax.nn (donated)"),
    ("speed_closed_vs_autodiff_fwdbwd", "closed vs autodiff fwd+bwd"),
    ("speed_vs_jaxnn_fwdbwd_closed", "closed fwd+bwd vs jax.nn fwd+bwd"),
    ("speed_vs_torch_fwd", "fwd vs torch (fresh)"),
    ("fraction_of_copy_fwd", "fwd GB/s / jnp.copy GB/s"),
    ("fraction_of_copy_fwd_donated", "donated fwd GB/s / in-place negate GB/s"),
    ("residual_bytes_closed_vs_autodiff", "closed / autodiff bytes saved for backward (< 1: leaner)"),
]
RELU_CLASS = ("relu", "leaky_relu", "relu6", "threshold", "prelu", "hard_tanh", "identity")


def main(path: str) -> None:
    d = json.loads(Path(path).read_text())
    if d.get("partial") or "torch" not in d or "rows" not in d:  # a checkpoint, a --vs-jax-nn result, another file
        sys.exit(
            f"summarize.py: {path} is not a complete `jaxact bench` sweep (a .partial.json checkpoint or a "
            "--vs-jax-nn result, whose tables are in its .md); give the sweep's <device>.json"
        )
    print(
        f"Device: {d['device_kind']} (backend {d['backend']}, jax {d['jax']}, torch {d['torch']}, "
        f"{d['cpu_count']} CPUs)\n"
    )
    for dtype in sorted({r["dtype"] for r in d["rows"]}):
        rows = [r for r in d["rows"] if r["dtype"] == dtype]
        sizes = sorted({r["size"] for r in rows})
        print(f"**{dtype}**: median over activations (min–max in brackets); > 1: jaxact faster (bytes: < 1 leaner)\n")
        print("| ratio | " + " | ".join(f"2^{s.bit_length() - 1}" for s in sizes) + " |")
        print("|---|" + "---:|" * len(sizes))
        for key, label in KEYS:
            cells = []
            for s in sizes:
                v = [r["ratios"][key] for r in rows if r["size"] == s and r["ratios"].get(key) is not None]
                cells.append(f"{statistics.median(v):.2f} ({min(v):.2f}–{max(v):.2f})" if v else "–")
            print(f"| {label} | " + " | ".join(cells) + " |")
        print()
        relu = [r for r in rows if r["name"] in RELU_CLASS]
        if relu:
            print("relu-class forward bandwidth as a fraction of the copy reference:\n")
            print("| activation | " + " | ".join(f"2^{s.bit_length() - 1} fresh / donated" for s in sizes) + " |")
            print("|---|" + "---:|" * len(sizes))
            for name in RELU_CLASS:
                cells = []
                for s in sizes:
                    r = next((r for r in relu if r["name"] == name and r["size"] == s), None)
                    q = r["ratios"] if r else {}
                    f = q.get("fraction_of_copy_fwd")
                    dn = q.get("fraction_of_copy_fwd_donated")
                    cells.append(f"{f:.2f} / {dn:.2f}" if f is not None and dn is not None else "–")
                print(f"| {name} | " + " | ".join(cells) + " |")
            print()
    below = [
        (r["name"], r["dtype"], r["size"], round(r["ratios"]["speed_vs_jaxnn_fwd"], 2))
        for r in d["rows"]
        if r["ratios"].get("speed_vs_jaxnn_fwd") is not None and r["ratios"]["speed_vs_jaxnn_fwd"] < 0.9
    ]
    print(f"Forward slower than 0.9x jax.nn (fresh mode): {below or 'none'}\n")
    if d.get("blocks"):
        print("Dense → activation → Dense, fwd+bwd (ms):\n")
        print("| activation | autodiff | closed form | jax.nn | closed vs autodiff | autodiff vs jax.nn |")
        print("|---|---:|---:|---:|---:|---:|")
        for b in d["blocks"]:
            m = b["median_s"]
            nn = f"{m['jax_nn'] * 1e3:.2f}" if "jax_nn" in m else "–"
            print(
                f"| {b['activation']} | {m['autodiff'] * 1e3:.2f} | {m['closed'] * 1e3:.2f} | {nn} | "
                f"{b['speed_closed_vs_autodiff']:.2f} | {b['speed_vs_jaxnn'] or float('nan'):.2f} |"
            )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results/cpu.json")
