"""Which compiled XLA programs a change moved: a fingerprint of every entry's programs.

A refactor meant to change no arithmetic (a constant built another way, a helper for a bound)
should leave every compiled program as it was, and then no speed can have moved either. This
records, for every registered activation, each of its parameter sets, each path (the default,
autodiff, closed form) and each dtype, the optimised HLO of three programs — the forward, the
VJP, and the second derivative (grad of grad) — as a SHA-1 of ``vs_jaxnn.program``'s text (names
and source locations left out), and compares two such records.

    python benchmarks/programs.py --out before.json              # float32 and bfloat16
    python benchmarks/programs.py --x64 --out before64.json      # float64
    ... change the code ...
    python benchmarks/programs.py --out after.json --against before.json   # exit 1 if any moved
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def fingerprints(names: Sequence[str] | None = None, dtypes: Sequence[str] = ("float32", "bfloat16")) -> dict[str, str]:
    """{"name|params|dtype|path|mode": SHA-1 of the compiled program} (``ERR <type>`` where a
    program does not compile, e.g. a second derivative an entry does not define)."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    import jaxact
    from jaxact import verify
    from jaxact.tools.vs_jaxnn import program

    out = {}
    for e in jaxact.entries():
        if names and e.name not in names:
            continue
        for params in verify.param_sets(e):
            shape = verify.input_shape(e, 64)
            for dt in dtypes:
                x = jnp.asarray(np.linspace(-3, 3, int(np.prod(shape))).reshape(shape), dt)
                for path in ("default", "autodiff", "closed_form"):
                    fn = e.fn if path == "default" else e.path(path)

                    def f(v: Any, fn: Callable[..., Any] = fn, params: dict = params) -> Any:
                        return fn(v, **params)

                    modes = {
                        "fwd": f,
                        "vjp": lambda v, f=f: jax.vjp(f, v)[1](jnp.ones_like(f(v)))[0],
                        "d2": lambda v, f=f: jax.grad(lambda u: jax.grad(lambda w: f(w).sum())(u).sum())(v),
                    }
                    for mode, g in modes.items():
                        try:
                            text = program(jax.jit(g).lower(x).compile())
                        except Exception as err:  # recorded, and compared like any program
                            text = f"ERR {type(err).__name__}"
                        out[f"{e.name}|{params}|{dt}|{path}|{mode}"] = hashlib.sha1(text.encode()).hexdigest()
    return out


def moved(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Keys whose program differs, or that one record has and the other lacks."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="JSON file for the fingerprints")
    p.add_argument("--x64", action="store_true", help="float64 (x64 on) instead of float32 and bfloat16")
    p.add_argument("--names", help="comma-separated activations (default: all)")
    p.add_argument("--against", help="an earlier --out file: list the programs that moved, exit 1 if any")
    args = p.parse_args(argv)
    if args.x64:
        import jax

        jax.config.update("jax_enable_x64", True)
    names = None
    if args.names:  # each name checked, an alias taken as its entry's: a typo matched nothing and read "0 moved"
        from jaxact import registry

        try:
            names = [registry.get(n.strip()).name for n in args.names.split(",")]
        except registry.UnknownActivationError as e:
            p.error(str(e).strip("'\""))
    prints = fingerprints(names, ("float64",) if args.x64 else ("float32", "bfloat16"))
    Path(args.out).write_text(json.dumps(prints, indent=0, sort_keys=True))
    print(f"{len(prints)} programs fingerprinted in {args.out}")
    if args.against:
        before = json.loads(Path(args.against).read_text())
        if names:  # a subset measured now: the rest of the earlier record is not compared
            before = {k: v for k, v in before.items() if k.split("|", 1)[0] in names}
        diff = moved(before, prints)
        print(f"{len(diff)} of {len(prints)} programs moved" + "".join(f"\n  {k}" for k in diff))
        return 1 if diff else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
