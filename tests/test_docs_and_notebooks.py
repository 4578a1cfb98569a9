"""The tour notebook executes; generated docs are current; the docs site builds without warnings."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import jaxact
from jaxact.tools import docs

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("nb", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_is_committed_with_its_outputs_and_executes_again(nb, tmp_path, monkeypatch):
    """Committed run in order, no errors, every figure inline as a PNG; then every cell runs again
    here (regenerate the outputs with `jupyter execute --inplace notebooks/<name>`)."""
    import matplotlib

    matplotlib.use("Agg")  # the committed run used the inline backend; here no display is needed
    cells = json.loads(nb.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code and [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), "run all cells in order"
    outputs = [o for c in code for o in c["outputs"]]
    assert all(c["outputs"] for c in code), "every code cell shows something"
    assert not [o for o in outputs if o["output_type"] == "error"]
    n_figures = sum("plt.subplots" in "".join(c["source"]) for c in code)
    assert n_figures and sum("image/png" in o.get("data", {}) for o in outputs) == n_figures
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    for i, c in enumerate(code):
        src = "".join(c["source"])
        exec(compile(src, f"{nb.name}[cell {i}]", "exec"), namespace)


@pytest.mark.parametrize("name", sorted(docs.PAGES))
def test_generated_doc_pages_are_current(name):
    committed = (ROOT / "docs" / name).read_text()
    assert committed == docs.PAGES[name]() + "\n", f"run `jaxact docs --out docs` to regenerate docs/{name}"


@pytest.mark.skipif(
    shutil.which("mkdocs") is None and not Path(sys.executable).with_name("mkdocs").exists(),
    reason="mkdocs not installed (it is in the dev extra)",
)
def test_docs_site_builds_strict(tmp_path):
    mkdocs = shutil.which("mkdocs") or str(Path(sys.executable).with_name("mkdocs"))
    out = subprocess.run(
        [mkdocs, "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ),
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / "site" / "api" / "index.html").exists()


def test_readme_python_examples_run():
    import re

    import jax
    import jax.numpy as jnp

    src = (ROOT / "README.md").read_text()
    namespace: dict = {}
    for i, block in enumerate(re.findall(r"```python\n(.*?)```", src, re.S)):
        lines = [ln for ln in block.splitlines() if 'get("rleu")' not in ln]  # the documented KeyError
        exec(compile("\n".join(lines), f"README.md[python block {i}]", "exec"), namespace)
    with pytest.raises(KeyError, match="Did you mean 'relu'"):
        namespace["jaxact"].get("rleu")
    model = namespace["MLP"]()
    params = model.init(jax.random.PRNGKey(0), jnp.ones((2, 64)))
    assert params["params"]["Learnable_0"]["negative_slope"].shape == (128,)
    assert params["params"]["Learnable_1"]["beta"] == 1.5
    assert model.apply(params, jnp.ones((2, 64))).shape == (2, 10)


def _run_doctest(doc: str, name: str) -> None:
    """The docstring's examples, printed as the docs show them (numpy precision 4)."""
    import doctest

    import numpy as np

    test = doctest.DocTestParser().get_doctest(doc, {}, name, None, 0)
    assert test.examples, f"{name} has no Example"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    import jax

    with np.printoptions(precision=4), jax.enable_x64(False):  # the suite runs in x64; a user by default not
        runner.run(test, out=out.append)
    assert runner.failures == 0, "".join(out)


@pytest.mark.parametrize("entry", jaxact.entries(), ids=lambda e: e.name)
def test_every_activation_docstring_has_the_jax_nn_shape_and_a_passing_example(entry):
    doc = entry.fn.__doc__
    heads = [h for h in ("Args:", "Returns:", "Example:") if h in doc]
    assert heads == ["Args:", "Returns:", "Example:"] and doc.index("Args:") < doc.index("Example:")
    for p in entry.params:
        assert f"  {p}: default" in doc, p
    _run_doctest(doc, entry.name)


@pytest.mark.parametrize(
    "obj",
    [
        "jaxact.linen.Learnable",
        "jaxact.nnx.Learnable",
        "jaxact.configure",
        "jaxact.register",
        "jaxact.verify.check",
        "jaxact.tools.strict_json.dumps",
    ],
)
def test_module_examples_pass(obj):
    pytest.importorskip("flax")
    import importlib

    mod, _, name = obj.rpartition(".")
    _run_doctest(getattr(importlib.import_module(mod), name).__doc__, obj)
