"""Benchmark harness smoke test: runs and reports; asserts nothing about speed (see benchmarks/)."""

import json

import jax
import jax.numpy as jnp
import pytest

import jaxact
from jaxact.tools import bench
from jaxact.tools.cli import main


@pytest.mark.slow  # 25 s: every entry at 2^16; the CLI's bench paths run in the tests below on a few
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
    assert payload["config"]["sizes"] == list(bench.QUICK_SIZES) and payload["config"]["target_seconds"] == 0.02


def test_bench_block_and_plot(tmp_path):
    cfg = bench.BenchConfig(
        sizes=(1024,), names=("relu", "gelu"), min_repeats=2, max_repeats=3, target_seconds=0.01, torch=False
    )
    result = bench.run(cfg, log=lambda s: None)
    assert {b["activation"] for b in result["blocks"]} == {"relu", "gelu"}
    assert result["config"]["sizes"] == (1024,) and result["config"]["target_seconds"] == 0.01
    assert bench.plot(result, tmp_path).stat().st_size > 10_000


def test_torch_twins_get_their_arguments_from_the_entry():
    """The torch mapping lives in the entry (torch itself is optional: a recording stand-in here)."""
    import types

    calls = []

    def record(name):
        return lambda x, **kw: calls.append((name, kw)) or name

    functional = types.SimpleNamespace(**{e.torch: record(e.torch) for e in jaxact.entries() if e.torch})
    fake = types.SimpleNamespace(
        nn=types.SimpleNamespace(functional=functional), as_tensor=lambda v, dtype, device: ("t", v)
    )
    x = types.SimpleNamespace(dtype="float32", device="cpu")
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


def test_accelerator_timing_runs_on_cpu(monkeypatch, tmp_path):
    """The accelerator's timing (back-to-back calls per sample, rotated input copies, fresh copies
    for each donated call) is exercised here on the CPU, since CI has no GPU."""
    from jaxact.tools import vs_jaxnn

    monkeypatch.setattr(bench, "on_accelerator", lambda: True)
    monkeypatch.setattr(bench, "_SAMPLE_S", 0.05)
    x = jnp.arange(4096.0)
    calls = []
    k = bench.Kernel(lambda a: calls.append(a) or a + 1, (x,))
    k.inner = 8
    assert bench._timed(k) > 0 and len(calls) == 8
    assert len({id(a) for a in calls}) == bench._ROTATE  # cycled through distinct copies
    assert all(bool((a == x).all()) for a in calls)
    donated = bench.Kernel(jax.jit(lambda a: -a, donate_argnums=0), (jnp.array(x),), donated=True)
    bench._timed(donated)  # compiles
    assert bench.calibrate([donated]) and donated.inner > 1
    bench._timed(donated), bench._timed(donated)  # every call gets its own fresh copy
    cfg = bench.BenchConfig(sizes=(1024,), names=("relu", "softmax"), min_repeats=2, max_repeats=2, torch=False)
    cfg.target_seconds, cfg.block_shape = 0.0, (32, 16, 32)
    result = bench.run(cfg, log=lambda s: None)
    assert {r["name"] for r in result["rows"]} == {"relu", "softmax"}
    assert all(b["kernels"]["default"] for b in result["blocks"])
    vcfg = vs_jaxnn.Config(sizes=(1024,), dtypes=("float32",), names=("relu",), rounds=3, target_seconds=0.0)
    vcfg.eager_rounds, vcfg.eager_calls, vcfg.block, vcfg.scan_layers = 3, 2, (32, 16, 32), 2
    assert {r["mode"] for r in vs_jaxnn.run(vcfg, log=lambda s: None)["rows"]} >= {"fwd", "fwdbwd", "block"}
    vcfg.modes = ("eager", "fwd")  # a subset: those alone
    assert {r["mode"] for r in vs_jaxnn.run(vcfg, log=lambda s: None)["rows"]} == {"eager", "fwd"}
    from jaxact.tools import cli

    assert cli.VS_JAX_NN_MODES == vs_jaxnn.MODES
    sizes = (bench.FULL_SIZES, vs_jaxnn.SIZES, bench.QUICK_SIZES, vs_jaxnn.QUICK_SIZES)
    assert cli.BENCH_LOG2_SIZES == tuple(tuple(n.bit_length() - 1 for n in s) for s in sizes)


def test_same_program_ignores_names_and_sources_only():
    """The bench's same-program mark: two functions that differ only in their names and source
    lines compile to the same program; a different constant, or a different op, does not."""
    from jaxact.tools import vs_jaxnn

    x = jnp.ones(64)

    def twice(x):
        return x * 2

    def double(values):
        return values * 2

    def compiled(f):
        return jax.jit(f).lower(x).compile()

    assert vs_jaxnn.program(compiled(twice)) == vs_jaxnn.program(compiled(double))
    assert vs_jaxnn.program(compiled(twice)) != vs_jaxnn.program(compiled(lambda x: x * 3))
    assert vs_jaxnn.program(compiled(twice)) != vs_jaxnn.program(compiled(lambda x: x + x + x))
    assert vs_jaxnn.program(compiled(jaxact.identity)) == vs_jaxnn.program(compiled(jax.nn.identity))
    donated = jax.jit(twice, donate_argnums=0).lower(x).compile()
    assert vs_jaxnn.program(donated) != vs_jaxnn.program(compiled(twice))  # aliasing is part of it


def test_paired_ratio_fills_its_time_within_its_bounds():
    """fill=(seconds, most): as many rounds as fill the time, at least ``rounds``, at most ``most``."""
    from jaxact.tools import vs_jaxnn

    calls = []

    def cheap():
        calls.append(1)

    assert vs_jaxnn.paired_ratio(cheap, cheap, 3)["n"] == 3  # no fill: exactly ``rounds``
    assert vs_jaxnn.paired_ratio(cheap, cheap, 3, 0, (0.0, 50))["n"] == 3  # no time to fill: the floor
    assert vs_jaxnn.paired_ratio(cheap, cheap, 3, 0, (10.0, 50))["n"] == 50  # µs calls, 10 s: the cap
    calls.clear()
    vs_jaxnn.paired_ratio(cheap, cheap, 3, 0, (10.0, 50))
    assert len(calls) == 2 * (1 + 1 + 50)  # warm-up, the sizing round, then the rounds


def test_program_fingerprints_are_stable_and_show_what_moved(tmp_path, monkeypatch):
    """benchmarks/programs.py: the same code gives the same fingerprints; a changed formula moves
    exactly its own programs, and --against says so with exit status 1."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "programs.py"
    spec = importlib.util.spec_from_file_location("programs", path)
    programs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(programs)
    before = tmp_path / "before.json"
    assert programs.main(["--names", "relu,tanh", "--out", str(before)]) == 0
    assert programs.main(["--names", "relu,tanh", "--out", str(tmp_path / "same.json"), "--against", str(before)]) == 0
    import dataclasses

    changed = dataclasses.replace(jaxact.get("tanh"), fn=lambda x: jnp.tanh(x) * 1.5)  # another program
    monkeypatch.setattr(jaxact, "entries", lambda: [jaxact.get("relu"), changed])
    after = programs.fingerprints(["relu", "tanh"])
    moved = programs.moved(json.loads(before.read_text()), after)
    assert moved and all(k.startswith("tanh|") and "|default|" in k for k in moved)
    # A typo matched nothing and read "0 of 0 programs moved", exit 0; an alias is its entry.
    with pytest.raises(SystemExit) as e:
        programs.main(["--names", "rleu", "--out", str(tmp_path / "typo.json"), "--against", str(before)])
    assert e.value.code == 2 and not (tmp_path / "typo.json").exists()
    assert programs.main(["--names", "hard_swish", "--out", str(tmp_path / "alias.json")]) == 0
    assert all(k.startswith("hard_silu|") for k in json.loads((tmp_path / "alias.json").read_text()))


def test_a_tag_with_a_dot_names_its_own_files(tmp_path):
    """`--tag=-run.2` must not become `-run.json` (Path.with_suffix drops '.2'): two runs' files
    would overwrite each other."""
    from jaxact.tools import vs_jaxnn

    result = {"device": "cpu", "device_kind": "cpu", "jax": jax.__version__, "cpu_count": 2, "rows": [], "summary": {}}
    for tag in ("-run.1", "-run.2"):
        js, md = vs_jaxnn.save(dict(result), tmp_path, tag)
        assert js.name == f"cpu-vs-jaxnn{tag}.json" and md.name == f"cpu-vs-jaxnn{tag}.md"
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_gb_per_s_counts_the_bytes_that_move():
    """GB/s × time = x in and f(x) out (fwd), plus the cotangent in and dx out (fwd+bwd): glu's output
    and cotangent are half of x (counted as x's size, its GB/s read 1.2–1.33x too high)."""
    cfg = bench.BenchConfig(sizes=(1024,), names=("glu",), min_repeats=2, max_repeats=3, target_seconds=0.01)
    cfg.torch = False
    for name, out in (("relu", 1024), ("glu", 512)):
        r = bench.bench_activation(jaxact.get(name), 1024, "float32", cfg)
        moved = {k: r.gbps[k] * r.median_s[k] * 1e9 for k in ("fwd", "fwdbwd_closed")}
        assert moved["fwd"] == pytest.approx((1024 + out) * 4)
        assert moved["fwdbwd_closed"] == pytest.approx(2 * (1024 + out) * 4)


def test_fwd_bwd_mode_returns_the_forward_too():
    """The fwd+bwd kernel returns (f(x), dx), as a training step keeps both: returning dx alone let
    XLA compute the forward only as far as the backward needed it (elu's fwd+bwd read 0.50x jax.nn's
    time that way, 0.90x with y kept, in an audit's probe at 2^20)."""
    x = jnp.linspace(-4.0, 4.0, 64)
    for f in (jax.nn.sigmoid, jaxact.elu, jaxact.glu):  # glu: y and the cotangent half of x
        y_ref, pullback = jax.vjp(f, x)
        ct = jnp.cos(jnp.arange(y_ref.size, dtype=x.dtype))
        y, dx = jax.jit(bench.fwd_bwd(f))(x, ct)
        assert jnp.array_equal(y, y_ref) and jnp.allclose(dx, pullback(ct)[0])


def test_block_given_measures_each_named_activation_gated_ones_included(monkeypatch):
    """--block with --names measures the block of each activation named, not only of relu, gelu, swish,
    tanh and sigmoid (it was ignored for mish); a gate's output is half as wide as its input, and the
    second Dense takes that width."""
    seen = {}

    def run(cfg, log=print):
        seen["cfg"] = cfg
        return {"device": "x", "rows": [], "reference": [], "blocks": []}

    monkeypatch.setattr(bench, "run", run)
    assert main(["bench", "--quick", "--no-torch", "--names", "mish,glu", "--block", "8x4x8"]) == 0
    cfg = seen["cfg"]
    assert cfg.block and list(cfg.block_names) == ["mish", "glu"] and cfg.block_shape == (8, 4, 8)
    monkeypatch.undo()
    cfg.min_repeats, cfg.max_repeats, cfg.target_seconds = 1, 2, 0.0
    blocks = [bench.bench_block(n, cfg) for n in cfg.block_names]
    assert [b["activation"] for b in blocks] == ["mish", "glu"]
    assert all(b["median_s"]["default"] > 0 and b["kernels"]["default"] for b in blocks)


def test_block_table_says_when_the_switch_forces_the_default_path():
    block = {"activation": "sparse_sigmoid", "shape": [8, 4, 8], "kernels": {}, "speed_default_vs_jaxnn": None}
    block["median_s"] = dict.fromkeys(("default", "autodiff", "closed"), 1e-3)
    assert "forced" not in bench.format_blocks([block])
    with jaxact.gradient_path("autodiff"):
        head = bench.format_blocks([block]).splitlines()[1]
    assert "the autodiff path everywhere, forced by the switch" in head


def test_vs_jax_nn_records_only_the_settings_its_modes_read():
    from jaxact.tools import vs_jaxnn

    cfg = vs_jaxnn.Config(names=("relu",), dtypes=("float32",), modes=("residual_bytes",))
    cfg.block, cfg.scan_layers = (8, 4, 8), 2
    config = vs_jaxnn.run(cfg, log=lambda s: None)["config"]
    assert config["block"] == (8, 4, 8) and config["scan_layers"] == 2 and config["modes"] == ["residual_bytes"]
    assert not {"sizes", "eager_rounds", "eager_calls", "eager_size", "target_seconds", "rounds"} & set(config)


def test_the_summary_reads_each_slower_cell_at_parity():
    """`parity` is the geomean with every ratio above 1 read as 1: 0.5, 2 and 1 give a geomean of 1
    and a parity of 0.5 ** (1/3); a cell below 1 counts in both."""
    from jaxact.tools import vs_jaxnn

    rows = [
        {"name": n, "dtype": "float32", "size": 1024, "mode": "fwdbwd", "ratio": r, "lo": r, "hi": r}
        for n, r in (("a", 0.5), ("b", 2.0), ("c", 1.0))
    ]
    s = vs_jaxnn.summary(rows)["float32:fwdbwd"]
    assert s["geomean"] == pytest.approx(1.0)
    assert s["at_parity"] == pytest.approx(0.5 ** (1 / 3))
    text = vs_jaxnn.format_summary({"device_kind": "cpu", "jax": jax.__version__, "summary": {"float32:fwdbwd": s}})
    assert f"{s['at_parity']:.3f}" in text.splitlines()[-1]
