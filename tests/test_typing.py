"""Type checkers see the real signatures: explicit re-exports, py.typed, generated path stubs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jaxact.tools import _stubgen

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).with_name("typing_cases")


@pytest.mark.parametrize("module", _stubgen.MODULES)
def test_path_stubs_are_generated_from_the_current_registry(module):
    assert _stubgen.path(module).read_text() == _stubgen.render(module), "run: python -m jaxact.tools._stubgen"


def _mypy(path: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    pytest.importorskip("mypy")
    # An editable install is an import hook mypy cannot follow; point it at the source tree.
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "mypy", "--follow-imports=silent", "--cache-dir", str(tmp_path), str(path)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tmp_path)


def test_annotated_user_code_type_checks(tmp_path):
    out = _mypy(CASES / "good.py", tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def test_misspelt_keywords_are_type_errors(tmp_path):
    out = _mypy(CASES / "bad.py", tmp_path)
    assert out.returncode == 1
    assert 'Unexpected keyword argument "aproximate" for "gelu"' in out.stdout
    assert 'Unexpected keyword argument "alhpa" for "elu"' in out.stdout


def test_package_is_marked_typed():
    assert (ROOT / "jaxact" / "py.typed").exists()
