"""The jaxact command line: compare, list, check, accuracy, bench, plot, docs."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn


def _fmt_range(lo: float, hi: float) -> str:
    from jaxact import registry

    return registry.range_closure(lo, hi, lambda v: {math.inf: "inf", -math.inf: "-inf"}.get(v, f"{v:.4g}"))


def cmd_list(args: argparse.Namespace) -> int:
    from jaxact import registry

    rows = registry.entries()
    if args.json:
        from jaxact import paths

        forced = paths.forced_gradient_path()
        # Each entry's own paths (as its path_reason explains them); a forced one is reported beside them.
        with paths.gradient_path(None):
            listed = [{**_entry_dict(e), "forced_path": forced} for e in rows]
        print(json.dumps(listed, indent=2, allow_nan=False))
        return 0
    yn = {True: "y", False: "-", None: "n/a"}
    head = (
        f"{'name':<15} {'family':<12} {'formula':<34} {'range (closure)':<18} {'mono':>4} {'smth':>4} "
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


def _finite_or_none(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _entry_dict(e) -> dict:
    lo, hi = e.output_range()
    return {
        "name": e.name,
        "family": e.family,
        "formula": e.formula,
        "params": {k: repr(v) for k, v in e.params.items()},
        "range": [_finite_or_none(lo), _finite_or_none(hi)],  # strict JSON: an unbounded end is null
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
        "float64_path": e.current_path("float64"),
        "half_path": e.current_path("bfloat16"),
        "path_reason": e.path_reason,
    }


def cmd_check(args: argparse.Namespace) -> int:
    from jaxact import verify
    from jaxact.tools import strict_json

    verify.enable_x64()
    rows = verify.run_check(seed=args.seed, names=_names(args.names))
    print(verify.Report(rows))
    if args.json:
        _written(Path(args.json), lambda p: p.write_text(strict_json.dumps(verify.rows_as_dicts(rows), indent=2)))
    return 0 if all(r.ok for r in rows) else 1


def _written(path: Path, write: Callable[[Path], Any]) -> None:
    """``write(path)``, an OSError naming ``path`` (a full disk's has no file name of its own)."""
    try:
        write(path)
    except OSError as e:
        raise OSError(e.errno, e.strerror or str(e), str(path)) from None


def cmd_accuracy(args: argparse.Namespace) -> int:
    import jax.numpy as jnp

    from jaxact import verify
    from jaxact.tools import numerics

    verify.enable_x64()
    dtypes = tuple(jnp.dtype(d) for d in args.dtypes)
    if args.references:
        numerics.load_references(Path(args.references))
    rows = numerics.accuracy_table(_names(args.names), dtypes)
    meta = numerics.meta_now()
    if args.update:
        rows = numerics.merged(numerics.load(Path(args.out)), rows)
        old = json.loads((Path(args.out) / "accuracy.json").read_text())["meta"]
        if old.get("code"):  # the rows not measured again still come from that code
            meta["code"] = old["code"]
    print(numerics.format_markdown(rows, meta["gradient_path"]))
    try:
        js, md = numerics.write(rows, Path(args.out), meta)
    finally:  # each written whether or not the other could be: neither loses the other
        if args.references:
            _written(Path(args.references), numerics.save_references)
    print(f"\nwrote {js} and {md}")
    return 0


def _compare_configs(args: argparse.Namespace) -> dict[str, Any]:
    """The studies to run, by model: one, or a preset's (options given override every model's)."""
    from jaxact.tools import compare

    given = {
        "activations": None if args.activations is None else tuple(_specs(args.activations)),
        # closed_form as the library spells the path (jaxact.closed_form, gradient_path=); results say closed
        "paths": None
        if args.paths is None
        else tuple("closed" if x.strip() == "closed_form" else x.strip() for x in args.paths.split(",")),
        "dataset": args.dataset,
        "depth": args.depth,
        "width": args.width,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "optimizer": args.optimizer,
        "learning_rate": args.lr,
        "seeds": args.seeds,
        "eval_every": args.eval_every,
        "init": args.init,
        "reference": args.reference,
        "learning_rates": args.lrs,
        "devices": args.devices,
    }
    if args.lr is not None:
        if args.lrs is not None:
            raise ValueError("jaxact compare: give --lr (one rate for every activation) or --lrs (a grid), not both")
        given["learning_rates"] = ()  # one rate: no grid, no validation split
    # An option left out takes the model's default (compare.MODEL_DEFAULTS, else Config's).
    given = {k: v for k, v in given.items() if v is not None}
    if args.preset is not None:
        if args.model is not None:
            raise ValueError(f"jaxact compare: --preset {args.preset} runs every model; leave out --model")
        return compare.Config.for_preset(args.preset, **given)
    model = args.model or "mlp"
    return {model: compare.Config.for_model(model, **given)}


COMPARE_OUT = "jaxact-out/compare"

# compare's options that say what to train (argparse's dest, the flag): --summarize trains nothing,
# so each is refused beside it rather than ignored. Their parser defaults are None (False for
# --no-plots), so that one given is told from one left out.
_TRAINING_OPTIONS = (
    ("model", "--model"),
    ("preset", "--preset"),
    ("activations", "--activations"),
    ("paths", "--paths"),
    ("dataset", "--dataset"),
    ("depth", "--depth"),
    ("width", "--width"),
    ("steps", "--steps"),
    ("batch_size", "--batch-size"),
    ("optimizer", "--optimizer"),
    ("lr", "--lr"),
    ("lrs", "--lrs"),
    ("seeds", "--seeds"),
    ("eval_every", "--eval-every"),
    ("init", "--init"),
    ("reference", "--reference"),
    ("devices", "--devices"),
    ("no_plots", "--no-plots"),
)


def _saved_studies(folder: str) -> list[Path]:
    """FOLDER/compare.json and each FOLDER/*/compare.json (a preset's), all of them: `jaxact compare`
    and `--preset full` write into the same default folder."""
    from jaxact.tools import compare

    root = Path(folder)
    found = [root / "compare.json"] if (root / "compare.json").is_file() else []
    found += [js for js in sorted(root.glob("*/compare.json")) if js.is_file()]
    if not found:
        cut = [p for p in [root / compare.PARTIAL_FILE, *sorted(root.glob(f"*/{compare.PARTIAL_FILE}"))] if p.is_file()]
        hint = (
            f" ({cut[0]} holds the runs of a run cut short: renamed compare.json, --summarize reads them once "
            "its reference activation is among them)"
            if cut
            else ""
        )
        raise ValueError(f"--summarize {folder}: no compare.json in it or in its folders{hint}")
    return found


def _summarized_into(js: Path, args: argparse.Namespace) -> Path:
    """Where --summarize writes the study ``js`` anew: in place, or under --out as under FOLDER."""
    if args.out is None:
        return js.parent
    return Path(args.out) / js.parent.relative_to(Path(args.summarize))


def _plots_along(source: Path, into: Path) -> str:
    """A study summarized into another folder takes its plots along (they draw its runs), and that
    folder loses those of another study, which would contradict its new compare.json. What was done,
    for the 'wrote' line."""
    if into.resolve() == source.resolve():  # the same folder however spelt (an absolute path, a link)
        return ""
    import shutil

    from jaxact.tools import compare

    copied = [shutil.copy2(source / p, into / p) for p in compare.PLOT_FILES if (source / p).is_file()]
    gone = compare.remove_stale_plots(into, [Path(c) for c in copied])
    said = f", {', '.join(str(c) for c in copied)}" if copied else ""
    return said + (f"; removed another study's {', '.join(str(g) for g in gone)}" if gone else "")


def cmd_compare(args: argparse.Namespace) -> int:
    from jaxact.tools import compare

    if args.summarize is not None:
        for js in _saved_studies(args.summarize):
            into = _summarized_into(js, args)
            table = compare.resummarize(js, into)
            same = into.resolve() == js.parent.resolve()
            done = "rewrote its summary and" if same else f"wrote {into / 'compare.json'} and"
            print(f"\n## {js}\n{table}\n{done} {into / 'table.txt'}{_plots_along(js.parent, into)}")
        return 0
    cfgs = _compare_configs(args)
    # A preset writes each model's results in a folder of its own, under one progress bar.
    progress = compare.Progress(sum(compare.work(c) for c in cfgs.values()))
    root = Path(args.out or COMPARE_OUT)
    for model, cfg in cfgs.items():
        out = root / model if args.preset else root
        # Saved after each activation and path: a run cut short keeps what it trained.
        results = compare.run(
            cfg, progress=progress, checkpoint=lambda rs, cfg=cfg, out=out: compare.save(rs, cfg, out, partial=True)
        )
        print(f"\n## {model}\n" if args.preset else "", end="")
        print(compare.format_table(results, cfg))
        js = compare.save(results, cfg, out)
        msg = f"\nwrote {js}, {js.parent / 'table.txt'}"
        files: list[Path] = []
        if not args.no_plots:
            try:
                files = compare.plot(results, out)
                msg += " and " + ", ".join(str(f) for f in files)
            except ImportError as e:
                msg += f" (no plots: {e})"
        # An earlier run's plots that this one did not draw would contradict its compare.json.
        gone = compare.remove_stale_plots(out, files)
        if gone:
            msg += f"; removed an earlier run's {', '.join(str(f) for f in gone)}"
        print(msg)
    return 0


def cmd_bench_vs_jaxnn(args: argparse.Namespace) -> int:
    from jaxact.tools import bench, strict_json, vs_jaxnn

    cfg = vs_jaxnn.Config(names=_names(args.names))
    if args.dtypes:
        cfg.dtypes = args.dtypes
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
        cfg.sizes = args.sizes
    if args.seconds is not None:
        cfg.target_seconds = args.seconds
    if args.block:
        cfg.block = args.block
    if args.modes:
        cfg.modes = args.modes
    if args.out:
        partial = Path(args.out) / f"{bench.device_name()}-vs-jaxnn{args.tag}.partial.json"
        cfg.checkpoint = lambda r: partial.write_text(strict_json.dumps(r, indent=1))
    result = vs_jaxnn.run(cfg)
    if args.out:
        js, md = vs_jaxnn.save(result, Path(args.out), args.tag)
        partial.unlink(missing_ok=True)  # only now: a failed save keeps the measurement there
        print(f"\nwrote {js} and {md}")
    return 0


def _bench_files(args: argparse.Namespace) -> tuple[str, ...]:
    """The names of the files bench writes (or removes) in --out: the results, the checkpoint of a
    run in progress (<stem>.partial.json, gone when the results are written) and the plot."""
    from jaxact.tools import bench

    if args.vs_jax_nn:
        stem = f"{bench.device_name()}-vs-jaxnn{args.tag}"
        return (f"{stem}.json", f"{stem}.md", f"{stem}.partial.json")
    stem = f"{bench.device_name()}{args.tag}"
    return (f"{stem}.json", f"{stem}.partial.json", f"{stem}_bandwidth.png")


def cmd_bench(args: argparse.Namespace) -> int:
    from jaxact.tools import _plotting, bench, strict_json

    if args.dtypes and "float64" in args.dtypes:
        from jaxact import verify

        verify.enable_x64()  # else JAX truncates float64 arrays to float32 and the rows would lie
    if args.vs_jax_nn:
        return cmd_bench_vs_jaxnn(args)
    args.dtypes = args.dtypes or ("float32",)

    cfg = bench.BenchConfig(names=_names(args.names), torch=not args.no_torch, dtypes=args.dtypes)
    if args.quick:
        cfg.sizes, cfg.min_repeats, cfg.max_repeats, cfg.target_seconds, cfg.block = (
            bench.QUICK_SIZES,
            3,
            10,
            0.02,
            False,
        )
    if args.sizes:
        cfg.sizes = args.sizes
    if args.seconds is not None:
        cfg.target_seconds = args.seconds
        if args.quick:  # --seconds replaces --quick's timing, its cap of 10 repeats too
            cfg.max_repeats = bench.BenchConfig().max_repeats
    if args.block:  # measured even with --quick, which otherwise leaves the block out
        cfg.block, cfg.block_shape = True, args.block
        if cfg.names:  # each activation named, not only those of the default set
            cfg.block_names = cfg.names
    if args.out:
        # Saved after each size to a file of its own, marked partial: a run cut short keeps what it
        # measured and leaves an earlier complete <device>.json as it was.
        out = Path(args.out)
        _, partial_name, plot_name = _bench_files(args)
        partial = out / partial_name

        def checkpoint(r: dict) -> None:
            partial.write_text(strict_json.dumps({"partial": True, **r, "summary": bench.summary(r)}, indent=1))

        cfg.checkpoint = checkpoint
    result = bench.run(cfg)
    if args.out:
        path = bench.save(result, out, args.tag)
        partial.unlink(missing_ok=True)  # only now: a failed save keeps the measurement there
        msg = f"\nwrote {path}"
        drawn = None
        if not args.no_plots:
            try:
                drawn = bench.plot(result, out, args.tag)
                msg += f" and {drawn}"
            except ImportError as e:
                msg += f" (no plot: {e})"
        # An earlier run's plot would contradict the new JSON.
        for stale in _plotting.remove_unwritten(out, (plot_name,), [drawn] if drawn else []):
            msg += f"; removed an earlier run's {stale}"
        print(msg)
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from jaxact.tools import plot

    files = plot.plot(_names(args.names), Path(args.out))
    print(f"wrote {len(files)} PNG files to {args.out} (overview: {files[-1]})")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from jaxact import paths
    from jaxact.tools import docs

    with paths.gradient_path(None):  # the registry's own paths: JAXACT_GRADIENT_PATH is a run's, not the docs'
        written = docs.write(Path(args.out))
    for path in written:
        print(f"wrote {path}")
    return 0


def _names(spec: str | None, option: str = "--names") -> list[str] | None:
    """The registered names of a comma-separated list (None, the option left out: every activation);
    an empty or repeated name is an error, not "all" or a second identical row."""
    if spec is None:
        return None
    parts = [p.strip() for p in spec.split(",")]
    if not all(parts):
        raise ValueError(f"{option} {spec!r}: an empty name; give comma-separated activations, or leave {option} out")
    names = [_entry(p, option).name for p in parts]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"{option} names {', '.join(twice)} more than once")
    return names


def _specs(text: str) -> list[str]:
    """Comma-separated activations, a comma inside parentheses kept: relu,f(a=1, b=2)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


def _activation_specs(text: str) -> None:
    """compare's --activations: names, module:function or name(param=value, ...), checked now
    (a module's import errors as one line naming it); the same one twice is compare's
    ``Config.validate``'s error, which the preflight runs next."""
    from jaxact import registry
    from jaxact.tools import models

    parts = _specs(text)
    if not all(parts):
        raise ValueError(f"--activations {text!r}: an empty name; give comma-separated activations")
    for p in parts:
        name = models.spec_name(p)  # elu of elu(alpha=0.5) or of jaxact.configure('elu', alpha=0.5)
        _entry(name, "--activations")  # the name first: an unknown one gets its suggestions
        try:
            models.activation(p)
        except (ValueError, registry.UnknownActivationError) as e:
            raise ValueError(f"--activations: {e}") from None


def _entry(spec: str, option: str) -> Any:
    """The entry of a registered name or a module:function, whose import runs the user's code:
    any error raised there becomes one line naming the module."""
    from jaxact import registry

    try:
        return registry.get(spec)
    except registry.UnknownActivationError:
        raise
    except SystemExit as e:  # a script's sys.exit() on import: the command would end there, silently
        raise ValueError(f"{option} {spec}: importing its module called sys.exit({e.code!r})") from None
    except Exception as e:  # the user's module: whatever it raises is the message
        from jaxact import _validate

        raise ValueError(f"{option} {spec}: importing its module raised {_validate.error_line(e)}") from None


# --- argument types: each turns a bad value into a one-line argparse error (exit 2) -----------------

FLOAT_DTYPES = ("bfloat16", "float16", "float32", "float64")


def _int_at_least(lo: int, hi: int | None = None) -> Callable[[str], int]:
    """A whole number >= lo and, where given, <= hi (a bound far above any sensible run, so that a
    typo fails here rather than as an allocation deep in XLA)."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if v < lo:
            raise argparse.ArgumentTypeError(f"must be at least {lo}, got {v}")
        if hi is not None and v > hi:
            raise argparse.ArgumentTypeError(f"must be at most {hi:_}, got {v:_}".replace("_", " "))
        return v

    parse.__name__ = "integer"
    return parse


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return v


def _positive_floats(text: str) -> tuple[float, ...]:
    parts = [t.strip() for t in text.split(",")]
    if not all(parts):
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}")
    values = tuple(_positive_float(t) for t in parts)
    if len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(f"repeats a value: {text}")
    return values


def _seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not 0 <= v <= 60:
        raise argparse.ArgumentTypeError(f"expected seconds between 0 and 60; got {text!r}")
    return v


def _block(text: str) -> tuple[int, int, int]:
    parts = text.lower().split("x")
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        dims = ()
    if len(dims) != 3 or not all(1 <= d <= 65536 for d in dims):
        raise argparse.ArgumentTypeError(f"expected BATCHxWIDTHxHIDDEN, three whole numbers 1..65536; got {text!r}")
    return dims  # type: ignore[return-value]


def _sizes(text: str) -> tuple[int, ...]:
    out = []
    for k in text.split(","):
        try:
            e = int(k)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected comma-separated log2 sizes such as 16,20; got {k!r}") from None
        if not 4 <= e <= 28:
            raise argparse.ArgumentTypeError(f"log2 size {e} is outside 4..28")
        out.append(2**e)
    if len(set(out)) != len(out):
        raise argparse.ArgumentTypeError(f"repeats a size: {text}")
    return tuple(out)


def _path(kind: str, hint: str) -> Callable[[str], str]:
    """An argparse type for a path option: an empty or blank one is an error, not the current
    folder (``--out ""`` wrote beside the README) or the option left out (``--summarize ""``
    trained the default study)."""

    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"an empty {kind} name {text!r}; {hint}")
        return text

    parse.__name__ = kind
    return parse


_folder = _path("folder", "give a path (the current folder is .)")
_file = _path("file", "give a file's path")


def _tag(text: str) -> str:
    """A file-name suffix: letters, digits and . _ + - only (a / would name a folder)."""
    if not all(c.isalnum() or c in "._+-" for c in text):
        raise argparse.ArgumentTypeError(f"a file-name suffix of letters, digits and . _ + - only, got {text!r}")
    return text


def _comma_choices(choices: Sequence[str], noun: str) -> Callable[[str], tuple[str, ...]]:
    """An argparse type: comma-separated names, each one of ``choices``, none twice."""

    def parse(text: str) -> tuple[str, ...]:
        picked = tuple(t.strip() for t in text.split(","))
        if not all(picked):
            raise argparse.ArgumentTypeError(
                f"{text!r}: an empty {noun}; give comma-separated {noun}s from {', '.join(choices)}"
            )
        bad = [t for t in picked if t not in choices]
        if bad:
            close = [c for c in choices if c.lower() in {b.lower() for b in bad}]
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise argparse.ArgumentTypeError(
                f"unknown {noun}(s) {', '.join(bad)}{hint}; choose from {', '.join(choices)}"
            )
        if len(set(picked)) != len(picked):
            raise argparse.ArgumentTypeError(f"names a {noun} twice: {text}")
        return picked

    return parse


_dtypes = _comma_choices(FLOAT_DTYPES, "dtype")
# The modes of `bench --vs-jax-nn` (jaxact.tools.vs_jaxnn.MODES; spelt out so that building the
# parser imports no benchmark code; a test checks the two agree).
VS_JAX_NN_MODES = ("fwd", "fwd_donated", "fwdbwd", "eager", "block", "residual_bytes")
_modes = _comma_choices(VS_JAX_NN_MODES, "mode")
# bench's default log2 sizes, spelt out likewise (bench.FULL_SIZES / QUICK_SIZES, vs_jaxnn.SIZES /
# QUICK_SIZES): the sweep, the sweep with --vs-jax-nn, --quick, --quick with --vs-jax-nn.
BENCH_LOG2_SIZES = ((10, 14, 18, 20, 22, 24, 26), (16, 20, 24), (16,), (12,))


def _out_dir(path: str, what: str) -> Path:
    """The output folder, created now, so that a bad one fails before any work, not after it."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {path}: exists and is not a folder ({what} writes several files into a folder)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ValueError(f"--out {path}: cannot create the folder ({e.strerror})") from None
    _can_write_in(out, f"--out {path}")
    # What the results are written as are files (compare.json, curves.png, cpu.json, ...): a folder
    # by such a name would fail the write after the work.
    taken = sorted(c.name for c in out.iterdir() if c.is_dir() and c.suffix in _RESULT_SUFFIXES)
    if taken:
        raise ValueError(
            f"--out {path}: {', '.join(taken)} in it is a folder; {what} writes its results there as files"
        )
    return out


_RESULT_SUFFIXES = (".json", ".md", ".png", ".txt")


def _can_write_in(folder: Path, what: str) -> None:
    """Creates a file in ``folder`` and writes a byte to it (it is gone when closed): what the
    results will need after the work, tested on the file system itself, which permission bits
    alone do not show (a read-only mount, a user who is root)."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder) as f:
            f.write(b"\0")
            f.flush()
    except OSError as e:
        raise ValueError(f"{what}: cannot write in {folder} ({e.strerror or e})") from None


def _writable_results(folder: Path, names: Sequence[str], option: str) -> None:
    """Each of ``names`` already in ``folder`` (results the command will replace, or remove) is
    checked as :func:`_out_file` checks a file, opened for appending: a read-only one fails now,
    not after the work."""
    for name in names:
        if (folder / name).is_file():
            _out_file(str(folder / name), option)


def _out_file(path: str, option: str) -> Path:
    """A file the command writes at the end: checked now that it can be."""
    f = Path(path)
    if f.is_dir():
        raise ValueError(f"{option} {path}: is a folder; give a file name")
    if not f.resolve().parent.is_dir():
        raise ValueError(f"{option} {path}: its folder {f.parent} does not exist")
    if f.exists():  # written in place: opened for appending (nothing written), as it will be
        try:
            with f.open("ab"):
                pass
        except OSError as e:
            raise ValueError(f"{option} {path}: the file cannot be written ({e.strerror or e})") from None
    else:
        _can_write_in(f.resolve().parent, f"{option} {path}")
    return f


class _StoreOnce(argparse._StoreAction):
    """argparse's store, refusing an option given a second time in one command line: argparse keeps
    the last silently, so `--activations relu --activations gelu` trained gelu alone, the first value
    an option with no effect."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last: weakref.ref[argparse.Namespace] | None = None  # the namespace of the parse that saw it

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: Any = None):
        if self._last is not None and self._last() is namespace:
            parser.error(f"argument {'/'.join(self.option_strings)}: given more than once; give it once")
        self._last = weakref.ref(namespace)
        super().__call__(parser, namespace, values, option)


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose errors are one line on stderr, as every other misuse's (argparse
    prints its whole usage block first), and whose options taking a value are given once each
    (:class:`_StoreOnce`); the commands' parsers are of this class too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # No option read from a prefix of its name: compare's --seed was taken as --seeds (7 seeds, not
        # seed 7), accuracy's --reference as --references.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self.register("action", None, _StoreOnce)
        self.register("action", "store", _StoreOnce)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self._given = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        if message.startswith("the following arguments are required"):
            # argparse checks required arguments before it reports unknown ones: `jaxact --verison`
            # said the command was missing. An option misspelt before the command is the finding.
            known = self._option_string_actions
            unknown = [a for a in getattr(self, "_given", ()) if a.startswith("-") and a.split("=")[0] not in known]
            if unknown:
                import difflib

                close = difflib.get_close_matches(unknown[0].split("=")[0], list(known), n=1)
                message = f"unrecognized arguments: {' '.join(unknown)}" + (
                    f" (did you mean {close[0]}?)" if close else ""
                )
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Help with each option's default (argparse shows none otherwise); an option whose default
    depends on another (compare's on --model) says so in its own help and defaults to None."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None and action.help and "(default" in action.help:
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    from jaxact import __version__

    p = _Parser(prog="jaxact", description=__doc__, formatter_class=_Formatter)
    p.add_argument("--version", action="version", version=f"jaxact {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, formatter_class=_Formatter)

    s = command("list", "table of every registered activation")
    s.add_argument("--json", action="store_true", help="print the registry as JSON (an unbounded range end is null)")
    s.set_defaults(func=cmd_list)

    s = command("check", "autodiff vs closed-form derivative for every activation")
    s.add_argument("--names", help="comma-separated activations, registered names or module:function (default: all)")
    s.add_argument("--seed", type=_int_at_least(0, 2**32 - 1), default=0, help="seed of the random inputs")
    s.add_argument(
        "--json",
        metavar="PATH",
        type=_file,
        help="also write the table as JSON to this file (default: none, print only)",
    )
    s.set_defaults(func=cmd_check)

    s = command("accuracy", "max ulp error of values and derivatives against an mpmath reference, next to jax.nn")
    s.add_argument("--dtypes", type=_dtypes, default=",".join(FLOAT_DTYPES), help="comma-separated dtypes")
    s.add_argument("--names", help="comma-separated activations: registered names or module:function (default: all)")
    s.add_argument(
        "--out",
        type=_folder,
        default="jaxact-out/accuracy",
        help="folder for accuracy.json / accuracy.md (the committed table: --out benchmarks/results)",
    )
    s.add_argument(
        "--update",
        action="store_true",
        help="replace only the measured rows (--names, --dtypes) in the accuracy.json already in --out",
    )
    s.add_argument(
        "--references",
        metavar="FILE",
        type=_file,
        help="store of mpmath reference values: read if it exists, written after the run (they depend on the "
        "definitions alone: compute them once on a CPU, reuse them on an accelerator) (default: none, computed in "
        "the run)",
    )
    s.set_defaults(func=cmd_accuracy)

    # Defaults that depend on --model are None here and filled in by compare.Config.for_model;
    # the help gives the MLP's (building the parser imports no training code).
    s = command("compare", "train a network with each activation and compare (the main job)")
    s.add_argument(
        "--model",
        default=None,
        choices=["mlp", "cnn", "transformer"],
        help="mlp or cnn on the 8x8 digits (test accuracy); transformer: a character-level language model on the "
        "Python standard library's sources (held-out log-perplexity), relu/gelu/swish plain and gated by default "
        "(default: mlp)",
    )
    s.add_argument(
        "--preset",
        default=None,
        choices=["full"],
        help="full: the larger study, every model in turn with its defaults but these: mlp: 8 activations (the six "
        "and gelu, mish), rates 1e-4..3e-2, 10 seeds; cnn: --eval-every 100; transformer: 5 seeds, --eval-every 300; "
        "about 35 minutes on 2 CPU cores; results in <out>/<model>/. Options given apply to every model (default: "
        "none, one model)",
    )
    s.add_argument(
        "--activations",
        default=None,
        help="comma-separated: names, module:function, or with fixed parameters as jaxact.configure takes them, "
        "elu(alpha=0.5) (default: relu,leaky_relu,sigmoid,tanh,elu,swish; transformer: "
        "relu,gelu,swish,reglu,geglu,swiglu)",
    )
    s.add_argument(
        "--paths",
        default=None,
        help="gradient paths, comma-separated: autodiff, closed (or closed_form) or autodiff,closed (default: closed)",
    )
    s.add_argument(
        "--dataset",
        default=None,
        choices=["digits", "moons", "spirals", "pysource"],
        help="bundled data (default: digits; transformer: pysource)",
    )
    s.add_argument(
        "--depth",
        type=_int_at_least(1, 1000),
        default=None,
        help="hidden layers (default: mlp 6, cnn 2, transformer 2)",
    )
    s.add_argument(
        "--width",
        type=_int_at_least(1, 1 << 20),
        default=None,
        help="units, channels or FFN width (default: mlp 64, cnn 16, transformer 192)",
    )
    s.add_argument(
        "--steps",
        type=_int_at_least(1, 10**8),
        default=None,
        help="training steps (default: 1000; transformer 600)",
    )
    s.add_argument(
        "--batch-size",
        type=_int_at_least(1, 10**7),
        default=None,
        help="examples per step (default: 128; transformer 32)",
    )
    s.add_argument("--optimizer", default=None, help="any optax optimiser taking a learning rate (default: adam)")
    s.add_argument(
        "--lr",
        type=_positive_float,
        default=None,
        help="one learning rate for every activation, no grid (default: the --lrs grid; transformer 0.003)",
    )
    s.add_argument(
        "--lrs",
        type=_positive_floats,
        default=None,
        help="a learning-rate grid: all rates train side by side and each activation is reported at its best "
        "rate, chosen on a validation split of the training data (default: 3e-4,1e-3,3e-3,1e-2,3e-2; "
        "transformer: none, one rate)",
    )
    s.add_argument(
        "--seeds",
        type=_int_at_least(1, 10_000),
        default=None,
        help="independent runs per activation (default: 5; transformer 3)",
    )
    s.add_argument(
        "--eval-every",
        type=_int_at_least(1, 10**8),
        default=None,
        help="steps between evaluations (default: 50; transformer 200)",
    )
    s.add_argument(
        "--init",
        default=None,
        choices=["glorot", "he", "lecun", "auto"],
        help="weight initialisation (default: glorot); auto: each activation's variance-preserving gain "
        "(jaxact.initializer)",
    )
    s.add_argument(
        "--reference",
        default=None,
        help="the activation the others are compared with, seed by seed (default: the first of --activations)",
    )
    s.add_argument(
        "--devices",
        type=_int_at_least(0, 1 << 20),
        default=None,
        help="devices the batches are sharded over (default: 0, all that JAX sees; with several hosts, call "
        "jax.distributed.initialize() first: see the README)",
    )
    s.add_argument(
        "--out",
        type=_folder,
        default=None,
        help=f"folder for compare.json, table.txt and the PNG plots (default: {COMPARE_OUT}); with --summarize, "
        "the folder the recomputed compare.json and table.txt go to, laid out as FOLDER's, leaving FOLDER as it "
        "is (no plots; default: rewritten in FOLDER)",
    )
    s.add_argument(
        "--no-plots",
        action="store_true",
        help="write compare.json and table.txt only (an earlier run's plots in --out are removed: they would "
        "not match)",
    )
    s.add_argument(
        "--summarize",
        metavar="FOLDER",
        type=_folder,
        help="train nothing: recompute the summary of saved results (FOLDER/compare.json and each "
        "FOLDER/*/compare.json, a preset's) from their per-seed records with this version's statistics, "
        "rewriting their summary and table.txt, or writing them to --out if given; the options that say what "
        "to train are refused with it (default: off, train)",
    )
    s.set_defaults(func=cmd_compare)

    s = command("bench", "speed vs jax.nn, torch and a memory copy (prints tables, writes JSON)")
    s.add_argument(
        "--quick",
        action="store_true",
        help="one small size, few repeats: a smoke test (< 1 min); --sizes, --seconds and --block given with it "
        "replace its own",
    )
    s.add_argument(
        "--sizes",
        type=_sizes,
        help="comma-separated log2 sizes, e.g. 16,20,24 (default {}; {} with --vs-jax-nn; --quick: {}, with "
        "--vs-jax-nn {})".format(*(",".join(map(str, s)) for s in BENCH_LOG2_SIZES)),
    )
    s.add_argument(
        "--dtypes",
        type=_dtypes,
        help="e.g. float32,bfloat16 (default float32; float32,bfloat16 with --vs-jax-nn; float64 turns on JAX's x64 "
        "mode for the run)",
    )
    s.add_argument("--names", help="comma-separated activations: registered names or module:function (default: all)")
    s.add_argument("--no-torch", action="store_true", help="skip the torch column even if torch is installed")
    s.add_argument("--out", type=_folder, help="folder for <device>.json and the bandwidth plot (default: print only)")
    s.add_argument(
        "--tag",
        type=_tag,
        default="",
        help="with --out, a suffix for the output file names, e.g. --tag=-bf16 (a suffix starting with - needs the =)",
    )
    s.add_argument("--no-plots", action="store_true", help="with --out, write JSON only")
    s.add_argument(
        "--seconds",
        type=_seconds,
        help="time spent repeating each kernel at each size, when that is more than the fewest repeats "
        "(default 0.25; with --vs-jax-nn: each pair of kernels, set-up included, default 1.5)",
    )
    s.add_argument(
        "--block",
        type=_block,
        help="BATCHxWIDTHxHIDDEN of the Dense-act-Dense block (default 1024x256x1024; larger fills a GPU); "
        "given, the block of each activation of --names is measured (else of those of relu, gelu, swish, "
        "tanh, sigmoid that are measured)",
    )
    s.add_argument(
        "--modes",
        type=_modes,
        help=f"with --vs-jax-nn, the modes to measure (default: all, {','.join(VS_JAX_NN_MODES)})",
    )
    s.add_argument(
        "--vs-jax-nn",
        action="store_true",
        help="the default path of every jax.nn function against jax.nn: forward (fresh, donated), fwd+bwd, eager "
        "call, Dense-act-Dense block, scan residual bytes; ratios with 95%% intervals (2^16, 2^20, 2^24)",
    )
    s.set_defaults(func=cmd_bench)

    s = command("plot", "draw each activation and its derivative (both paths), one PNG each")
    s.add_argument("--names", help="comma-separated activations: registered names or module:function (default: all)")
    s.add_argument("--out", type=_folder, default="jaxact-out/plots", help="folder for the PNG files")
    s.set_defaults(func=cmd_plot)

    s = command("docs", "regenerate the registry-generated documentation pages")
    s.add_argument(
        "--out", type=_folder, default="jaxact-out/docs", help="folder for the pages (the repository's: --out docs)"
    )
    s.set_defaults(func=cmd_docs)
    return p


def _preflight(args: argparse.Namespace) -> None:
    """Every check that needs no work: names, settings, output folders. Raises ValueError."""
    if getattr(args, "activations", None) is not None:
        _activation_specs(args.activations)  # compare's Config.validate smokes them itself
    for name in _names(getattr(args, "names", None)) or ():
        _smoke(name)
    if args.cmd == "accuracy":
        from jaxact import registry

        chosen = [registry.get(n) for n in _names(args.names) or registry.names()]
        missing = [e.name for e in chosen if e.mp is None]
        if missing:
            raise ValueError(
                f"{', '.join(missing)}: no mpmath reference to measure against; register it with mp=(lambda m, x: ...)"
            )
    if args.cmd == "accuracy" and args.references:
        from jaxact.tools import numerics

        ref = _out_file(args.references, "--references")
        tables = {(Path(args.out) / f).resolve() for f in ("accuracy.json", "accuracy.md")}
        if ref.resolve() in tables:  # the store written first, the table over it: the store lost
            raise ValueError(f"--references {ref} is a file of the table --out writes; name a file of its own")
        if ref.exists():
            try:
                numerics.load_references(ref)  # read before the work, as the run would read it
            except Exception as e:  # a file of any other shape: one line naming it
                raise ValueError(
                    f"--references {ref}: not a store of reference values ({type(e).__name__}: {e})"
                ) from None
    if args.cmd == "accuracy" and args.update:
        from jaxact.tools import numerics

        table = Path(args.out) / "accuracy.json"
        if not table.is_file():
            raise ValueError(f"--update: no accuracy.json in {args.out} to update")
        try:
            stored = numerics.load(Path(args.out))
            old = json.loads(table.read_text())["meta"]
        except Exception as e:  # updated only after the measurement: a bad table must fail now
            raise ValueError(f"--update: {table} is not an accuracy table ({type(e).__name__}: {e})") from None
        bad = sorted({f"{r.name} {r.dtype}" for r in stored if r.dtype not in numerics.TARGET_ULPS})
        if bad:  # merged in dtype order, after the measurement: found now
            raise ValueError(
                f"--update: {table} has rows of a dtype it cannot hold ({', '.join(bad)}); "
                f"the dtypes are {', '.join(numerics.TARGET_ULPS)}"
            )
        now = numerics.meta_now()
        differ = [k for k in numerics.WHERE if old.get(k) != now[k]]
        if differ:  # the merged table is labelled with this run's: every row must come from here
            was = ", ".join(f"{k} {old.get(k)}" for k in differ)
            raise ValueError(
                f"--update: {table} was measured with {was}, this run has "
                f"{', '.join(f'{k} {now[k]}' for k in differ)}; measure all rows here (leave out --update) "
                "or update it where it was measured"
            )
    if args.cmd == "bench":
        _bench_preflight(args)
    if args.cmd == "compare" and args.summarize is not None:
        from jaxact.tools import compare

        for dest, flag in _TRAINING_OPTIONS:
            if getattr(args, dest) is not None and getattr(args, dest) is not False:  # --devices 0 is given
                raise ValueError(f"{flag} has no effect with --summarize (it trains nothing); leave it out")
        for js in _saved_studies(args.summarize):
            try:
                results, cfg, payload = compare.load(js)
            except Exception as e:  # rewritten only after reading them all: a bad one must fail now
                raise ValueError(f"--summarize: {js} is not a saved study ({type(e).__name__}: {e})") from None
            compare.check_saved(results, cfg, f"--summarize: {js}", payload.get("partial") is True)
            compare.check_reference(results, cfg, f"--summarize: {js}")
            try:  # the whole summary, as the run computes it: its statistics too fail now, not after a rewrite
                compare.with_summary(results, cfg, payload)
            except Exception as e:
                raise ValueError(
                    f"--summarize: {js}: its runs cannot be summarized ({type(e).__name__}: {e})"
                ) from None
            into = _summarized_into(js, args)
            if into.resolve() == js.parent.resolve():
                _can_write_in(js.parent, f"--summarize {args.summarize}")
                _writable_results(into, ("compare.json", "table.txt"), "--summarize")
            else:
                _out_dir(str(into), "compare --summarize")
                _writable_results(into, ("compare.json", "table.txt", *compare.PLOT_FILES), "--out")
    elif args.cmd == "compare":
        from jaxact.tools import compare, models

        if args.reference is not None:  # its module's import errors as one line naming it, as --activations'
            _entry(models.spec_name(args.reference), "--reference")
        configs = _compare_configs(args)
        for model, cfg in configs.items():
            try:
                cfg.validate()
            except ValueError as e:  # an option a preset gives every model, refused by one: say which
                if args.preset is None:
                    raise
                msg = str(e).removeprefix("jaxact compare: ")
                raise ValueError(f"--preset {args.preset}, its {model} model: {msg}") from None
        out = args.out or COMPARE_OUT
        _out_dir(out, "compare")
        folders = [Path(out)]
        if args.preset is not None:  # each model's results go to a folder of its own
            folders = [Path(out) / model for model in configs]
        for folder in folders:
            # An interrupted study's trained runs: this run would save its own progress over them
            # (and remove the file once done), the only copy, without a word. Looked for in every
            # folder before any is created: a refused preset leaves no empty model folders behind.
            kept = folder / compare.PARTIAL_FILE
            if kept.exists():
                raise ValueError(
                    f"--out {folder}: {kept.name} holds the runs an interrupted study trained, which this run "
                    f"would replace; keep them (rename it compare.json: `jaxact compare --summarize {folder}` "
                    "summarizes it) or remove it, then run again"
                )
        for folder in folders:  # the results it replaces, the plots it replaces or removes
            if args.preset is not None:
                _out_dir(str(folder), "compare")
            _writable_results(folder, compare.RESULT_FILES, "--out")
    elif args.cmd in ("accuracy", "plot", "docs") or (args.cmd == "bench" and args.out):
        out = _out_dir(args.out, args.cmd)
        _writable_results(out, _result_files(args), "--out")  # what it replaces: found now, not after the work
    if args.cmd == "check" and args.json:
        _out_file(args.json, "--json")


def _result_files(args: argparse.Namespace) -> tuple[str, ...]:
    """The names of the files accuracy, plot, docs and bench write (replace, remove) in --out."""
    if args.cmd == "accuracy":
        return ("accuracy.json", "accuracy.md")
    if args.cmd == "plot":
        from jaxact import registry

        return (*(f"{n}.png" for n in _names(args.names) or registry.names()), "overview.png")
    if args.cmd == "docs":
        from jaxact.tools import docs

        return tuple(docs.PAGES)
    return _bench_files(args)


def _smoke(name: str) -> None:
    """A user's activation (module:function) must take and return arrays of the shapes every
    command gives it: checked by shape alone before the work, not found halfway through a run."""
    from jaxact import registry, verify

    if not registry.get(name).builtin:
        verify.smoke(name)


def _bench_preflight(args: argparse.Namespace) -> None:
    if args.block:  # timed last: a block beyond the machine's memory must fail before the sweep
        from jaxact.tools.compare import memory_bytes

        batch, width, hidden = args.block
        # NumPy's float64 draws, their float32 arrays, the weight gradients and a few batch × hidden
        # intermediates of the fwd+bwd program.
        need = 12 * (batch * width + 2 * width * hidden) + 8 * width * hidden + 16 * batch * hidden
        have = memory_bytes()
        if have is not None and need > have:
            raise ValueError(
                f"--block {batch}x{width}x{hidden} needs about {need / 2**30:,.1f} GiB, more than the "
                f"{have / 2**30:,.1f} GiB here; give a smaller block"
            )
    if args.out is None:  # bench then writes no file: an option about its files would be ignored
        for given, flag in ((args.tag, "--tag"), (args.no_plots, "--no-plots")):
            if given:
                raise ValueError(f"{flag} has no effect without --out (bench then only prints); give --out too")
    if args.modes and not args.vs_jax_nn:
        raise ValueError("--modes chooses what --vs-jax-nn measures; give --vs-jax-nn too")
    if args.vs_jax_nn:  # its tables have no torch column and it draws no plot: the option would be ignored
        for given, flag in ((args.no_torch, "--no-torch"), (args.no_plots, "--no-plots")):
            if given:
                raise ValueError(
                    f"{flag} has no effect with --vs-jax-nn (it times jaxact against jax.nn only, no plots)"
                )
    if args.vs_jax_nn:
        from jaxact import paths

        forced = paths.forced_gradient_path()
        if forced is not None:
            raise ValueError(
                f"--vs-jax-nn measures each entry's default path, but JAXACT_GRADIENT_PATH forces {forced}; "
                "unset it (plain `jaxact bench` times both paths)"
            )
    if args.vs_jax_nn and args.names is not None:
        from jaxact import registry

        alone = [n for n in _names(args.names) or () if not registry.get(n).jax_nn]
        if alone:
            raise ValueError(
                f"--vs-jax-nn times each activation against its jax.nn twin; {', '.join(alone)} has none "
                "(`jaxact list` shows the jax.nn column)"
            )
    if args.block and args.vs_jax_nn and args.modes and "block" not in args.modes:
        raise ValueError("--block sets the block --vs-jax-nn measures, and --modes leaves the block out; add block")
    if args.vs_jax_nn and args.modes:
        from jaxact.tools import vs_jaxnn

        sized = set(args.modes) & vs_jaxnn.SIZED
        if args.sizes and not sized:
            raise ValueError(f"--sizes sets the sizes of {', '.join(sorted(vs_jaxnn.SIZED))}, which --modes leaves out")
        if args.seconds is not None and not sized | (set(args.modes) & {"block"}):
            raise ValueError(
                "--seconds sets how long a pair of kernels is timed, and --modes times none (eager takes "
                "fixed rounds, residual_bytes no time); leave it out"
            )
    if args.block:
        _blocks_take_their_input(args)


def _blocks_take_their_input(args: argparse.Namespace) -> None:
    """Each activation whose block the run measures takes the (batch, hidden) input --block gives it,
    checked by shape alone: a gated one of an odd HIDDEN failed after the whole sweep."""
    import jax
    import jax.numpy as jnp

    from jaxact import _validate, registry
    from jaxact.tools import bench

    batch, width, hidden = args.block
    given = _names(args.names)
    if args.vs_jax_nn:
        names = [n for n in given or registry.names() if registry.get(n).jax_nn]
    else:
        names = list(given or bench.BLOCK_NAMES)
    for n in names:
        try:
            jax.eval_shape(registry.get(n).fn, jax.ShapeDtypeStruct((batch, hidden), jnp.float32))
        except Exception as e:  # the entry's own one-line error
            raise ValueError(
                f"--block {batch}x{width}x{hidden}: {n} cannot take its (batch, hidden) = ({batch}, {hidden}) "
                f"input ({_validate.error_line(e)})"
            ) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one command. Bad input: one line on stderr, exit 2, before any work; never a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from jaxact import paths
    from jaxact.registry import UnknownActivationError

    prefix = f"jaxact {args.cmd}: "

    def fail(msg: str, code: int) -> int:
        msg = str(msg)
        while msg.startswith(prefix):  # messages from the library may name the command already
            msg = msg[len(prefix) :]
        print(f"{prefix}error: {msg}", file=sys.stderr)
        return code

    if (env_error := paths.environment_error()) is not None:  # every command reads the switch: refused before any
        return fail(env_error, 2)
    try:
        _preflight(args)
    except (UnknownActivationError, ValueError, TypeError, ImportError) as e:  # ImportError: a missing extra
        return fail(str(e), 2)
    try:
        return int(args.func(args) or 0)
    except (UnknownActivationError, ValueError) as e:
        return fail(str(e), 2)
    except ImportError as e:  # an optional dependency (an extra) is missing
        return fail(str(e), 1)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except BrokenPipeError:  # the reader went away (`jaxact list | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    except OSError as e:  # a disk full or a file gone during the run: one line, not a traceback
        # A full disk's error names no file: the folder the command was writing to, where it has one.
        out = getattr(args, "out", None)
        where = f" ({e.filename})" if e.filename else f" (writing under {out})" if out else ""
        return fail(f"{e.strerror or e}{where}", 1)


def console() -> int:
    """The installed ``jaxact`` command: ``main`` with the current folder on the import path, so that
    module:function names a module there, as ``python -m jaxact`` finds it (the script's own path
    starts at its folder instead). Appended: it shadows no installed package."""
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    return leave(main())


def leave(rc: int) -> int:
    """``rc``; after an interrupt (130) the process ends here, its output flushed, without the
    interpreter's teardown: that could meet XLA's threads still running the computation dispatched
    before Ctrl-C and end in a segfault (rc −11, about one interrupted compare in six on a busy
    machine) after the one-line message. What was saved is on disk already."""
    if rc == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc)
    return rc


if __name__ == "__main__":
    sys.exit(leave(main()))
