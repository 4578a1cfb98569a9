"""Benchmark harness smoke test: runs and reports; asserts nothing about speed (see benchmarks/)."""

import json

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
