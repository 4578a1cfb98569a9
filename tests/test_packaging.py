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
        "import sys, jax.numpy as jnp, jaxact, jaxact.cli\n"
        "jaxact.gelu(jnp.ones(3)); jaxact.cli.build_parser()\n"
        f"print(sorted(m for m in {OPTIONAL!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_compare_without_optax_names_the_extra():
    # A None entry in sys.modules makes `import optax` raise ImportError, as if it were not installed.
    code = "import sys; sys.modules['optax'] = None\nfrom jaxact.cli import main\nsys.exit(main(['compare']))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "pip install 'jaxact[compare]'" in proc.stderr and "Traceback" not in proc.stderr
