"""The ``jaxact`` command line: list, check, accuracy, bench, compare, plot."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path


def _fmt_range(lo: float, hi: float) -> str:
    def f(v: float) -> str:
        return {float("inf"): "inf", float("-inf"): "-inf"}.get(v, f"{v:.4g}")

    return f"[{f(lo)}, {f(hi)}]"


def cmd_list(args: argparse.Namespace) -> int:
    from jaxact import registry

    rows = registry.entries()
    if args.json:
        print(json.dumps([_entry_dict(e) for e in rows], indent=2))
        return 0
    yn = {True: "y", False: "-", None: "n/a"}
    head = (
        f"{'name':<15} {'family':<12} {'formula':<34} {'range':<18} {'mono':>4} {'smth':>4} "
        f"{'zc':>3} {'bnd':>3} {'jax.nn':<15} {'torch':<12} params"
    )
    print(head)
    print("-" * len(head))
    for e in rows:
        params = ", ".join(f"{k}={v}" for k, v in e.params.items())
        mono = e.monotone if e.elementwise else None
        print(
            f"{e.name:<15} {e.family:<12} {e.formula[:34]:<34} {_fmt_range(*e.output_range()):<18} "
            f"{yn[mono]:>4} {yn[e.smooth]:>4} {yn[e.zero_centred]:>3} {yn[e.bounded]:>3} "
            f"{e.jax_nn or '-':<15} {e.torch or '-':<12} {params}"
        )
    aliases = ", ".join(f"{a}->{e.name}" for e in rows for a in e.aliases)
    print(f"\n{len(rows)} activations; aliases: {aliases}")
    return 0


def _entry_dict(e) -> dict:
    lo, hi = e.output_range()
    return {
        "name": e.name,
        "family": e.family,
        "formula": e.formula,
        "params": {k: repr(v) for k, v in e.params.items()},
        "range": [lo, hi],
        "monotone": e.monotone,
        "smooth": e.smooth,
        "zero_centred": e.zero_centred,
        "bounded": e.bounded,
        "odd": e.odd,
        "elementwise": e.elementwise,
        "jax_nn": e.jax_nn,
        "torch": e.torch,
        "aliases": list(e.aliases),
        "kinks": list(e.kink_points()),
        "default_path": e.current_path(),
        "path_reason": e.path_reason,
    }


def cmd_check(args: argparse.Namespace) -> int:
    from jaxact import check

    check.enable_x64()
    rows = check.run_check(seed=args.seed)
    print(check.format_rows(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(check.rows_as_dicts(rows), indent=2))
    return 0 if all(r.ok for r in rows) else 1


def cmd_accuracy(args: argparse.Namespace) -> int:
    import jax.numpy as jnp

    from jaxact import check, numerics

    check.enable_x64()
    dtypes = tuple(jnp.dtype(d) for d in args.dtypes.split(","))
    rows = numerics.accuracy_table(_names(args.names), dtypes)
    if args.update:
        rows = numerics.merged(numerics.load(Path(args.out)), rows)
    print(numerics.format_markdown(rows))
    js, md = numerics.write(rows, Path(args.out))
    print(f"\nwrote {js} and {md}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from jaxact import compare

    cfg = compare.Config(
        activations=tuple(x.strip() for x in args.activations.split(",")),
        paths=tuple(x.strip() for x in args.paths.split(",")),
        dataset=args.dataset,
        depth=args.depth,
        width=args.width,
        steps=args.steps,
        batch_size=args.batch_size,
        optimizer=args.optimizer,
        learning_rate=args.lr,
        seeds=args.seeds,
        eval_every=args.eval_every,
        init=args.init,
    )
    results = compare.run(cfg)
    print(compare.format_table(results, cfg))
    out = Path(args.out)
    js = compare.save(results, cfg, out)
    msg = f"\nwrote {js}"
    if not args.no_plots:
        try:
            files = compare.plot(results, out)
            msg += " and " + ", ".join(str(f) for f in files)
        except ImportError as e:
            msg += f" (no plots: {e})"
    print(msg)
    return 0


def cmd_bench_vs_jaxnn(args: argparse.Namespace) -> int:
    from jaxact import vs_jaxnn

    cfg = vs_jaxnn.Config(names=_names(args.names))
    if args.dtypes:
        cfg.dtypes = tuple(args.dtypes.split(","))
    if args.quick:
        cfg.sizes, cfg.rounds, cfg.target_seconds, cfg.eager_rounds, cfg.eager_calls = (
            vs_jaxnn.QUICK_SIZES,
            3,
            0.0,
            3,
            2,
        )
        cfg.block, cfg.scan_layers = (64, 32, 64), 2
    if args.sizes:
        cfg.sizes = tuple(2 ** int(k) for k in args.sizes.split(","))
    result = vs_jaxnn.run(cfg)
    if args.out:
        js, md = vs_jaxnn.save(result, Path(args.out), args.tag)
        print(f"\nwrote {js} and {md}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from jaxact import bench

    if args.vs_jax_nn:
        return cmd_bench_vs_jaxnn(args)
    args.dtypes = args.dtypes or "float32"

    cfg = bench.BenchConfig(names=_names(args.names), torch=not args.no_torch, dtypes=tuple(args.dtypes.split(",")))
    if args.quick:
        cfg.sizes, cfg.min_repeats, cfg.max_repeats, cfg.target_seconds, cfg.block = (
            bench.QUICK_SIZES,
            3,
            10,
            0.02,
            False,
        )
    if args.sizes:
        cfg.sizes = tuple(2 ** int(k) for k in args.sizes.split(","))
    result = bench.run(cfg)
    if args.out:
        out = Path(args.out)
        path = bench.save(result, out, args.tag)
        msg = f"\nwrote {path}"
        if not args.no_plots:
            try:
                msg += f" and {bench.plot(result, out, args.tag)}"
            except ImportError as e:
                msg += f" (no plot: {e})"
        print(msg)
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from jaxact import plot

    files = plot.plot(_names(args.names), Path(args.out))
    print(f"wrote {len(files)} PNG files to {args.out} (overview: {files[-1]})")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from jaxact import docs

    for path in docs.write(Path(args.out)):
        print(f"wrote {path}")
    return 0


def _names(spec: str | None) -> list[str] | None:
    if not spec:
        return None
    from jaxact import registry

    return [registry.get(n).name for n in spec.split(",")]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jaxact", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("list", help="table of every registered activation")
    s.add_argument("--json", action="store_true", help="print the registry as JSON")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("check", help="autodiff vs closed-form derivative for every activation")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--json", metavar="PATH", help="also write the table as JSON")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser(
        "accuracy", help="max ulp error of values and derivatives against an mpmath reference, next to jax.nn"
    )
    s.add_argument("--dtypes", default="bfloat16,float16,float32,float64")
    s.add_argument("--names", help="comma-separated activations (default: all)")
    s.add_argument("--out", default="benchmarks/results", help="folder for accuracy.json / accuracy.md")
    s.add_argument(
        "--update",
        action="store_true",
        help="replace only the measured rows (--names, --dtypes) in the accuracy.json already in --out",
    )
    s.set_defaults(func=cmd_accuracy)

    d = __import__("jaxact.compare", fromlist=["Config"]).Config()
    s = sub.add_parser("compare", help="train an MLP with each activation and compare (the main job)")
    s.add_argument("--activations", default=",".join(d.activations))
    s.add_argument("--paths", default=",".join(d.paths), help="autodiff, closed, or autodiff,closed")
    s.add_argument("--dataset", default=d.dataset, choices=["digits", "moons", "spirals"])
    s.add_argument("--depth", type=int, default=d.depth, help="hidden layers")
    s.add_argument("--width", type=int, default=d.width)
    s.add_argument("--steps", type=int, default=d.steps)
    s.add_argument("--batch-size", type=int, default=d.batch_size)
    s.add_argument("--optimizer", default=d.optimizer, help="any optax optimiser taking a learning rate")
    s.add_argument("--lr", type=float, default=d.learning_rate)
    s.add_argument("--seeds", type=int, default=d.seeds)
    s.add_argument("--eval-every", type=int, default=d.eval_every)
    s.add_argument("--init", default=d.init, choices=["glorot", "he", "lecun"])
    s.add_argument("--out", default="jaxact-compare", help="folder for compare.json and the PNG plots")
    s.add_argument("--no-plots", action="store_true")
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("bench", help="speed vs jax.nn, torch and a memory copy (prints tables, writes JSON)")
    s.add_argument("--quick", action="store_true", help="one small size, few repeats: a smoke test (< 1 min)")
    s.add_argument("--sizes", help="comma-separated log2 sizes, e.g. 10,16,20,24")
    s.add_argument("--dtypes", help="e.g. float32,bfloat16 (default float32; float32,bfloat16 with --vs-jax-nn)")
    s.add_argument("--names", help="comma-separated activations (default: all)")
    s.add_argument("--no-torch", action="store_true", help="skip the torch column even if torch is installed")
    s.add_argument("--out", help="folder for <device>.json and the bandwidth plot (default: print only)")
    s.add_argument("--tag", default="", help="suffix for the output file names, e.g. -bf16")
    s.add_argument("--no-plots", action="store_true")
    s.add_argument(
        "--vs-jax-nn",
        action="store_true",
        help="the default path of every jax.nn function against jax.nn: forward (fresh, donated), fwd+bwd, eager "
        "call, Dense-act-Dense block, scan residual bytes; ratios with 95%% intervals (2^16, 2^20, 2^24)",
    )
    s.set_defaults(func=cmd_bench)

    s = sub.add_parser("plot", help="draw each activation and its derivative (both paths), one PNG each")
    s.add_argument("--names", help="comma-separated activations (default: all)")
    s.add_argument("--out", default="jaxact-plots")
    s.set_defaults(func=cmd_plot)
    s = sub.add_parser("docs", help="regenerate the registry-generated documentation pages")
    s.add_argument("--out", default="docs")
    s.set_defaults(func=cmd_docs)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from jaxact.registry import UnknownActivationError

    try:
        return int(args.func(args) or 0)
    except (UnknownActivationError, ValueError) as e:  # bad names or settings: a message, not a traceback
        print(f"jaxact {args.cmd}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
