"""Mutation self-test: does the test suite catch a wrong formula in every registered activation?

For each activation and each mutation (``jaxact/_mutation.py``: the value, the derivative or the
hand-written ∂f/∂p scaled by 1 + 1e−3, or shifted by 0.1), runs the suite's value and derivative tests for that
activation in a fresh process with the mutation injected, and records whether they fail (the
mutation is caught) or pass (it survives). Then writes ``benchmarks/results/mutation.{json,md}``.

    python benchmarks/mutation.py                    # every activation, 2 jobs at once
    python benchmarks/mutation.py --names relu,gelu  # a subset
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_FILES = ("tests/test_reference.py", "tests/test_values.py", "tests/test_derivatives.py")


def run_one(name: str, kind: str, seed: int) -> tuple[bool, str, float]:
    """(caught, the first failing test or '', seconds)."""
    env = {**os.environ, "JAXACT_MUTATE": f"{name}:{kind}", "JAXACT_TEST_SEED": str(seed)}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-x",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "-k",
            name,
            *TEST_FILES,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    failed = [ln.split(" ", 1)[1].split(" - ")[0] for ln in proc.stdout.splitlines() if ln.startswith("FAILED ")]
    if proc.returncode not in (0, 1):
        raise SystemExit(f"pytest could not run for {name}:{kind} (exit {proc.returncode}):\n{proc.stdout[-2000:]}")
    return proc.returncode == 1, (failed[0] if failed else ""), time.perf_counter() - t0


def main() -> int:
    sys.path.insert(0, str(ROOT))
    import jaxact

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--names", help="comma-separated activations (default: all)")
    ap.add_argument("--seed", type=int, default=0, help="JAXACT_TEST_SEED for the runs")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    ap.add_argument("--jobs", type=int, default=2, help="pytest processes at once (default 2: one per core here)")
    ap.add_argument("--report-only", action="store_true", help="rewrite mutation.md from the mutation.json in --out")
    args = ap.parse_args()
    if args.report_only:
        saved = json.loads((args.out / "mutation.json").read_text())
        rows = saved["rows"]
        return report(rows, list(dict.fromkeys(r["name"] for r in rows)), args.out, saved["meta"]["seed"])
    names = args.names.split(",") if args.names else jaxact.names()
    for n in names:
        jaxact.get(n)  # unknown names fail here, before any run

    jobs = [(name, kind) for name in names for kind in _kinds(jaxact.get(name))]

    def one(job: tuple[str, str]) -> dict:
        name, kind = job
        caught, test, secs = run_one(name, kind, args.seed)
        print(f"{name:16s} {kind:12s} {'caught' if caught else 'SURVIVED'}  {test}", file=sys.stderr, flush=True)
        return {"name": name, "mutation": kind, "caught": caught, "by": test, "seconds": round(secs, 1)}

    # Each job is its own pytest process (the mutation is injected at import): run --jobs at once.
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        rows = list(pool.map(one, jobs))
    return report(rows, names, args.out, args.seed)


def _kinds(entry) -> tuple[str, ...]:
    from jaxact import _mutation

    return _mutation.KINDS + (_mutation.PARAM_KINDS if entry.closed_params else ())


def equivalent(name: str, kind: str) -> str:
    """Why a mutant is the same function as the original ('' if it is not): scaling an f′ that is
    identically 0 (binary_step) changes nothing, so no test can or should catch it."""
    import jax.numpy as jnp
    import numpy as np

    import jaxact

    entry = jaxact.get(name)
    if kind == "deriv_rel" and entry.derivative is not None:
        grid = jnp.linspace(-10.0, 10.0, 2001)
        if not np.any(np.asarray(entry.derivative(grid))):
            return "f′ ≡ 0: ×(1+1e-3) leaves it unchanged"
    return ""


def report(rows: list[dict], names: list[str], out: Path, seed: int) -> int:
    """Writes mutation.{json,md}; exit status 1 if a mutant that changes the function survived."""
    import jaxact
    from jaxact import _mutation

    for r in rows:
        r["equivalent"] = "" if r["caught"] else equivalent(r["name"], r["mutation"])
    survived = [r for r in rows if not r["caught"] and not r["equivalent"]]
    n_equiv = sum(1 for r in rows if r["equivalent"])
    out.mkdir(parents=True, exist_ok=True)
    meta = {"jaxact": jaxact.__version__, "seed": seed, "tests": list(TEST_FILES)}
    (out / "mutation.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    lines = [
        "# Mutation self-test",
        "",
        f"Run by `python benchmarks/mutation.py` (seed {seed}). Each activation's value, derivative "
        "(or JVP) and hand-written parameter derivatives (∂f/∂p; – where it has none) are perturbed in "
        "turn — scaled by 1 + 1e-3 (`*_rel`) or shifted by 0.1 (`*_const`) — and "
        f"the suite's {', '.join(TEST_FILES)} are run for it (`-k <name>`); a mutation is caught when a test fails.",
        "",
        f"Caught: {len(rows) - len(survived) - n_equiv} of {len(rows)}; equivalent mutants (the same function, "
        f"which no test can tell apart): {n_equiv}; survived: {len(survived)}.",
        "",
        "| activation | value ×(1+1e-3) | value +0.1 | f′ ×(1+1e-3) | f′ +0.1 | ∂f/∂p ×(1+1e-3) | ∂f/∂p +0.1 |",
        "|---|---|---|---|---|---|---|",
    ]

    def cell(r: dict | None) -> str:
        if r is None:  # no hand-written ∂f/∂p: its parameters' gradients are autodiff of f
            return "–"
        if r["caught"]:
            return "caught"
        return f"equivalent ({r['equivalent']})" if r["equivalent"] else "**survived**"

    for name in names:
        cells = {r["mutation"]: r for r in rows if r["name"] == name}
        lines.append(
            f"| {name} | " + " | ".join(cell(cells.get(k)) for k in _mutation.KINDS + _mutation.PARAM_KINDS) + " |"
        )
    (out / "mutation.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if not survived else 1


if __name__ == "__main__":
    raise SystemExit(main())
