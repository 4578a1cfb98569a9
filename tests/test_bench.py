"""Benchmark harness smoke test: runs and reports; asserts nothing about speed (see benchmarks/)."""

import json

import pytest

import jaxact
from jaxact.tools import bench
from jaxact.tools.cli import main


def test_bench_quick_smoke(tmp_path, capsys):
    rc = main(["bench", "--quick", "--no-torch", "--out", str(tmp_path), "--no-plots"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "jax_copy" in out and "relu" in out and "softmax" in out
    payload = json.loads((tmp_path / f"{bench.device_name()}.json").read_text())
    names = {r["name"] for r in payload["rows"]}
    assert names == set(__import__("jaxact").names())  # generated from the registry
    for r in payload["rows"]:
        assert r["median_s"]["fwd"] > 0 and r["gbps"]["fwdbwd_closed"] > 0
        assert r["ratios"]["speed_closed_vs_autodiff_fwdbwd"] > 0
    assert payload["summary"]["speed_vs_jaxnn_fwd"]


def test_bench_block_and_plot(tmp_path):
    cfg = bench.BenchConfig(
        sizes=(1024,), names=("relu", "gelu"), min_repeats=2, max_repeats=3, target_seconds=0.01, torch=False
    )
    result = bench.run(cfg, log=lambda s: None)
    assert {b["activation"] for b in result["blocks"]} == {"relu", "gelu"}
    assert bench.plot(result, tmp_path).stat().st_size > 10_000


def test_torch_twins_get_their_arguments_from_the_entry():
    """The torch mapping lives in the entry (torch itself is optional: a recording stand-in here)."""
    import types

    calls = []

    def record(name):
        return lambda x, **kw: calls.append((name, kw)) or name

    functional = types.SimpleNamespace(**{e.torch: record(e.torch) for e in jaxact.entries() if e.torch})
    fake = types.SimpleNamespace(nn=types.SimpleNamespace(functional=functional), as_tensor=lambda v, dtype: ("t", v))
    x = types.SimpleNamespace(dtype="float32")
    for e in jaxact.entries():
        if e.torch:
            assert e.torch_call(fake, x) == e.torch
    kw = dict(calls)
    assert kw["gelu"] == {"approximate": "tanh"}  # jax.nn's default; torch's own default is exact
    assert kw["prelu"] == {"weight": ("t", [0.25])}
    assert kw["softmax"] == {"dim": -1} and kw["glu"] == {"dim": -1}
    assert kw["threshold"] == {"threshold": 0.0, "value": 0.0} and kw["elu"] == {"alpha": 1.0}
    jaxact.get("gelu").torch_call(fake, x, approximate=False)
    assert calls[-1] == ("gelu", {"approximate": "none"})
    with pytest.raises(ValueError, match="silu has β = 1 only"):
        jaxact.get("swish").torch_call(fake, x, beta=2.0)
