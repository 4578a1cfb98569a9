"""Bytes saved for the backward pass: the default path never keeps more than jax.nn.

Measured on a lax.scan over Dense → activation layers with JAX's own account of
the residuals (``jax.ad_checkpoint.print_saved_residuals``), as the benchmark does.
"""

import jax
import pytest

from jaxact import registry
from jaxact.tools import bench, vs_jaxnn

from .cases import jax_nn_entries


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("entry", jax_nn_entries())
def test_default_path_saves_no_more_than_jax_nn(entry, dtype):
    ours = bench.residual_bytes(entry.fn, 2, 64, 32, dtype)
    theirs = bench.residual_bytes(getattr(jax.nn, entry.jax_nn), 2, 64, 32, dtype)
    assert 0 < ours <= theirs, (entry.name, ours, theirs)


def test_piecewise_linear_functions_save_a_boolean_mask():
    """relu's backward keeps x > 0 (one byte an element) as jax.nn's, not a float derivative."""
    import jaxact

    ours, closed, theirs = (
        bench.residual_bytes(f, 2, 64, 32, "float32") for f in (jaxact.relu, jaxact.closed_form.relu, jax.nn.relu)
    )
    assert ours == theirs < closed


@pytest.mark.parametrize(
    "entry", [pytest.param(e, id=e.name) for e in registry.entries() if e.default_path == "closed_form"]
)
def test_a_closed_form_default_saves_no_more_than_autodiff(entry):
    """Where the closed form's time ties with autodiff's, its residual bytes are the registry's reason."""
    assert bench._residual_ratio(entry.closed_form, entry.autodiff, "float32") <= 1.0


def test_interval_brackets_the_geometric_mean():
    r = vs_jaxnn.interval([0.9, 1.0, 1.1, 0.95, 1.05], seed=0)
    assert r["lo"] <= r["ratio"] <= r["hi"] and r["n"] == 5
    assert vs_jaxnn.interval([2.0] * 7)["ratio"] == pytest.approx(2.0)


def test_vs_jaxnn_quick_run(tmp_path):
    cfg = vs_jaxnn.Config(
        sizes=(1024,),
        dtypes=("float32",),
        names=("relu", "softmax"),
        rounds=3,
        target_seconds=0.0,
        eager_rounds=3,
        eager_calls=2,
        block=(16, 8, 16),
        scan_layers=1,
    )
    result = vs_jaxnn.run(cfg, log=lambda s: None)
    modes = {(r["name"], r["mode"]) for r in result["rows"]}
    assert {("relu", m) for m in vs_jaxnn.MODES} <= modes
    assert ("softmax", "fwdbwd") in modes
    js, md = vs_jaxnn.save(result, tmp_path)
    assert "| relu |" in md.read_text() and js.stat().st_size > 100
