"""The lean core: `pip install jaxact` needs jax and numpy only; each tool names its extra."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OPTIONAL = ("optax", "sklearn", "matplotlib", "flax", "chex", "mpmath", "torch")


def test_core_dependencies_are_jax_and_numpy_only():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {d.split(">")[0].split("=")[0].split("[")[0].strip() for d in project["dependencies"]}
    assert names == {"jax", "jaxlib", "numpy"}
    assert {"optax", "scikit-learn", "matplotlib"} <= {
        d.split(">")[0] for d in project["optional-dependencies"]["compare"]
    }


def test_importing_jaxact_and_calling_it_loads_no_optional_dependency():
    code = (
        "import sys, jax.numpy as jnp, jaxact, jaxact.tools.cli\n"
        "jaxact.gelu(jnp.ones(3)); jaxact.tools.cli.build_parser()\n"
        f"print(sorted(m for m in {OPTIONAL!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_compare_without_optax_names_the_extra():
    # A None entry in sys.modules makes `import optax` raise ImportError, as if it were not installed.
    code = "import sys; sys.modules['optax'] = None\nfrom jaxact.tools.cli import main\nsys.exit(main(['compare']))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "pip install 'jaxact[compare]'" in proc.stderr and "Traceback" not in proc.stderr


def _jaxact_imports(path: Path) -> set[str]:
    """The jaxact modules (and test packages) a source file imports, at any depth."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.split(".")[0] in ("jaxact", "tests")}


def test_layers_core_imports_no_tool_and_no_module_imports_the_tests():
    core = [p for p in (ROOT / "jaxact").glob("*.py") if p.name != "__main__.py"]
    assert len(core) > 10 and (ROOT / "jaxact" / "tools" / "cli.py").exists()
    for p in core:
        bad = {m for m in _jaxact_imports(p) if m.startswith(("jaxact.tools", "tests"))}
        assert not bad, f"core module {p.name} imports {bad}"
    for p in (ROOT / "jaxact").rglob("*.py"):
        assert not {m for m in _jaxact_imports(p) if m.startswith("tests")}, p
