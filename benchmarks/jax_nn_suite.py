"""Run JAX's own ``tests/nn_test.py`` with ``nn`` replaced by jaxact, next to the unmodified run.

The test file is not part of jaxact: take it from the JAX release that is installed, e.g.

    v=$(python -c "import jax; print(jax.__version__)")
    git clone --depth 1 --branch jax-v$v https://github.com/jax-ml/jax /tmp/jax
    pip install absl-py scipy pytest
    python benchmarks/jax_nn_suite.py /tmp/jax/tests/nn_test.py

It copies the file into a temporary folder twice — once as it is (jax.nn) and once with its
``from jax import nn`` line replaced by ``import jaxact as nn`` — runs both with pytest and
writes ``benchmarks/results/jax-nn-tests.{json,md}``: every test's outcome under both, and the
tests whose outcome differs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

IMPORT_LINE = "from jax import nn\n"


def _outcomes(test_file: Path, workdir: Path, name: str, source: str) -> dict[str, str]:
    path = workdir / f"{name}.py"
    path.write_text(source)
    report = workdir / f"{name}.xml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            str(path),
            f"--junitxml={report}",
        ],
        cwd=workdir,
        check=False,
        capture_output=True,
    )
    out = {}
    for case in ET.parse(report).iter("testcase"):
        key = f"{case.get('classname', '').split('.')[-1]}::{case.get('name')}"
        kinds = {child.tag for child in case}
        out[key] = "failed" if kinds & {"failure", "error"} else ("skipped" if "skipped" in kinds else "passed")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("nn_test", type=Path, help="path to JAX's tests/nn_test.py (same version as the installed jax)")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = ap.parse_args()
    if not args.nn_test.is_file():
        ap.error(f"{args.nn_test}: no such file")
    source = args.nn_test.read_text()
    if IMPORT_LINE not in source:
        ap.error(f"{args.nn_test}: no line {IMPORT_LINE.strip()!r} to replace")

    import jax

    import jaxact

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ref = _outcomes(args.nn_test, work, "nn_test_jax_nn", source)
        ours = _outcomes(args.nn_test, work, "nn_test_jaxact", source.replace(IMPORT_LINE, "import jaxact as nn\n"))

    names = sorted(set(ref) | set(ours))
    diff = [n for n in names if ref.get(n) != ours.get(n)]

    def count(d: dict[str, str], kind: str) -> int:
        return sum(1 for v in d.values() if v == kind)

    meta = {"jax": jax.__version__, "jaxact": jaxact.__version__, "backend": jax.default_backend()}
    summary = {
        k: {"passed": count(d, "passed"), "failed": count(d, "failed"), "skipped": count(d, "skipped")}
        for k, d in (("jax.nn", ref), ("jaxact", ours))
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "jax-nn-tests.json").write_text(
        json.dumps({"meta": meta, "summary": summary, "tests": {n: [ref.get(n), ours.get(n)] for n in names}}, indent=1)
    )
    lines = [
        "# JAX's tests/nn_test.py with `nn` = jaxact",
        "",
        f"Run by `python benchmarks/jax_nn_suite.py <jax checkout>/tests/nn_test.py` (jax {meta['jax']}, "
        f"{meta['backend']}): the file from the installed JAX release, once as it is and once with "
        "`from jax import nn` replaced by `import jaxact as nn`. Skips are JAX's own (GPU-only tests).",
        "",
        "| run | passed | failed | skipped |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {k} | {v['passed']} | {v['failed']} | {v['skipped']} |" for k, v in summary.items()]
    lines += ["", f"Tests whose outcome differs: {len(diff)}", ""]
    if diff:
        lines += ["| test | jax.nn | jaxact |", "|---|---|---|"]
        lines += [f"| {n} | {ref.get(n)} | {ours.get(n)} |" for n in diff]
    (args.out / "jax-nn-tests.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if not diff else 1


if __name__ == "__main__":
    raise SystemExit(main())
