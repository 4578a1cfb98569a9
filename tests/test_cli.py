"""The command line: list, check, accuracy, plot, docs (compare and bench have their own tests)."""

import argparse
import contextlib
import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import jaxact
from jaxact.tools.cli import main


def test_list_shows_the_whole_catalogue(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in jaxact.names():
        assert name in out
    assert f"{len(jaxact.names())} activations" in out
    assert main(["list", "--json"]) == 0

    def strict(constant):  # NaN / Infinity are not JSON: jq and most parsers refuse them
        raise ValueError(f"not strict JSON: {constant}")

    rows = json.loads(capsys.readouterr().out, parse_constant=strict)
    assert {tuple(r["range"]) for r in rows if r["name"] == "relu"} == {(0.0, None)}  # unbounded: null
    assert {r["name"] for r in rows} == set(jaxact.names())
    assert {r["name"]: r["default_path"] for r in rows} == {e.name: e.current_path() for e in jaxact.entries()}


def test_check_passes_and_writes_json(tmp_path, capsys):
    path = tmp_path / "check.json"
    assert main(["check", "--names", "relu,elu,softmax,glu", "--json", str(path)]) == 0  # all: test_derivatives
    out = capsys.readouterr().out
    assert "0 failed" in out
    rows = json.loads(path.read_text())
    assert {r["name"] for r in rows} == {"relu", "elu", "softmax", "glu"}
    assert {r["dtype"] for r in rows} == {"float32", "float64"}


def test_check_fails_loudly_on_a_wrong_derivative(monkeypatch, capsys):
    from jaxact import verify

    # The catalogue as tanh alone with f′ = 1 − x² (not 1 − tanh²): the command reads it from
    # verify.entries, so only its rows run (float32, float64), and the exit code and FAILs are theirs.
    entry = jaxact.get("tanh")
    broken = dataclasses.replace(entry, derivative=lambda x: 1 - x * x)
    monkeypatch.setattr(verify, "entries", lambda: [broken])
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "0 passed, 2 failed" in out
    assert "disagreement: tanh [defaults, float32]" in out and "disagreement: tanh [defaults, float64]" in out
    monkeypatch.setattr(verify, "entries", lambda: [entry])
    assert main(["check"]) == 0


def test_accuracy_writes_table(tmp_path, capsys):
    assert main(["accuracy", "--names", "relu,sigmoid,softmax", "--dtypes", "float32", "--out", str(tmp_path)]) == 0
    md = (tmp_path / "accuracy.md").read_text()
    assert "| sigmoid | float32 |" in md and "| softmax | float32 |" in md
    assert json.loads((tmp_path / "accuracy.json").read_text())["rows"][0]["name"] == "relu"


def test_accuracy_update_replaces_only_the_measured_rows(tmp_path, capsys):
    assert main(["accuracy", "--names", "relu,sigmoid", "--dtypes", "float32", "--out", str(tmp_path)]) == 0
    table = json.loads((tmp_path / "accuracy.json").read_text())
    before = table["rows"]
    stale = dict(before[1], value={"jaxact": {"ulp": 999.0, "tail_ulp": 999.0, "nonfinite": 0}})
    path = tmp_path / "accuracy.json"
    path.write_text(json.dumps({"meta": table["meta"], "rows": [before[0], stale]}))
    args = ["accuracy", "--names", "sigmoid,elu", "--dtypes", "float32", "--out", str(tmp_path), "--update"]
    assert main(args) == 0
    rows = json.loads(path.read_text())["rows"]
    assert [r["name"] for r in rows] == ["elu", "relu", "sigmoid"]  # registry order, relu kept as it was
    assert rows[1] == before[0] and rows[2] == before[1]  # the stale sigmoid row measured anew
    # A table measured elsewhere is not relabelled as this machine's (the header names one device).
    path.write_text(
        json.dumps({"meta": {**table["meta"], "device_kind": "NVIDIA H200", "backend": "gpu"}, "rows": rows})
    )
    assert main(args) == 2
    assert "was measured with backend gpu, device_kind NVIDIA H200" in capsys.readouterr().err


def test_plot_draws_a_gated_activation_as_x_times_its_gate():
    """swiglu's curve is x·silu(x), its value and gate halves both x (with the gate held at 0 it, and
    bilinear, geglu and reglu, were flat zeros)."""
    from jaxact.tools import plot

    c, x = plot.curves(jaxact.get("swiglu")), plot.X
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(c["f"], x * x * s, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c["closed_form"], 2 * x * s + x * x * s * (1 - s), rtol=1e-4, atol=1e-5)


def test_plot_writes_one_png_per_activation_and_an_overview(tmp_path, capsys):
    assert main(["plot", "--names", "relu,softmax,glu", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == ["glu.png", "overview.png", "relu.png", "softmax.png"]
    assert all(p.stat().st_size > 5_000 for p in tmp_path.glob("*.png"))


def test_plot_refuses_an_activation_named_overview_before_drawing(tmp_path, capsys):
    """Its overview.png would be the grid's file, overwritten by it."""
    import jax.numpy as jnp

    def overview(x):
        return 2 * x

    jaxact.register(derivative=lambda x: 2 * jnp.ones_like(x), verify=False)(overview)
    assert main(["plot", "--names", "relu,overview", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "named 'overview' would be overwritten by the grid" in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_bad_names_and_settings_give_a_message_and_exit_2(capsys):
    assert main(["plot", "--names", "gelo"]) == 2
    assert "Did you mean 'gelu'" in capsys.readouterr().err
    assert main(["compare", "--activations", "softmax"]) == 2
    assert "mixes elements" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv,option",
    [
        (["compare", "--activations", "relu", "--activations", "gelu"], "--activations"),  # trained gelu alone
        (["compare", "--lr", "1e-3", "--lr", "1e-2"], "--lr"),
        (["bench", "--names", "relu", "--quick", "--names", "gelu"], "--names"),
        (["accuracy", "--dtypes", "float32", "--dtypes", "float64"], "--dtypes"),
        (["check", "--seed", "1", "--seed=2"], "--seed"),
    ],
)
def test_an_option_given_twice_is_refused_before_the_work(argv, option, capsys, tmp_path, monkeypatch):
    """argparse keeps an option's last value silently: the first was an option without effect."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:  # argparse's own errors exit there
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}: given more than once" in err
    assert err.count("\n") == 1 and not any(tmp_path.iterdir())


def test_every_option_taking_a_value_is_refused_twice():
    """Options added later keep the rule: each command's value-taking options are the once-only store."""
    from jaxact.tools.cli import _StoreOnce, build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        for a in p._actions:
            if a.option_strings and a.nargs != 0 and not isinstance(a, argparse._HelpAction):
                assert isinstance(a, _StoreOnce), (name, a.option_strings, type(a).__name__)


def test_an_interrupted_command_ends_without_the_interpreters_teardown_its_output_flushed():
    """After Ctrl-C (main's 130) the command leaves by os._exit: the teardown could meet XLA's threads
    still running and segfault (1 interrupted compare in 6 on a busy machine); the other codes return."""
    from jaxact.tools.cli import leave

    assert leave(0) == 0 and leave(2) == 2
    code = "import atexit, sys; from jaxact.tools.cli import leave; atexit.register(print, 'teardown')\n"
    code += "print('saved', end=''); print('interrupted', file=sys.stderr, end=''); leave(130)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stdout, proc.stderr) == (130, "saved", "interrupted")


def test_seconds_given_with_quick_replaces_its_timing_cap_too(monkeypatch):
    """--seconds replaces --quick's timing (--help): its cap of 10 repeats stayed, while the JSON
    recorded the seconds asked for."""
    from jaxact.tools import bench

    seen = []

    def stop(cfg, *a, **k):
        seen.append(cfg)
        raise KeyboardInterrupt  # the configuration is what is checked: nothing is timed

    monkeypatch.setattr(bench, "run", stop)
    for argv, cap in ((["--quick"], 10), (["--quick", "--seconds", "2"], bench.BenchConfig().max_repeats)):
        assert main(["bench", "--names", "relu", "--no-torch", *argv]) == 130
        assert seen[-1].max_repeats == cap and seen[-1].target_seconds == (2.0 if "--seconds" in argv else 0.02)


def test_compare_paths_take_the_librarys_spelling_closed_form(capsys):
    """The library names the path closed_form (jaxact.closed_form, gradient_path=); --paths took only
    closed ("unknown path(s) ['closed_form']"). closed_form is closed: given both, one path twice."""
    assert main(["compare", "--paths", "closed_form,closed", "--steps", "1"]) == 2
    assert "a gradient path named twice: closed, closed" in capsys.readouterr().err


BAD_INVOCATIONS = [
    ["compare", "--lr", "-1"],
    ["compare", "--lr", "nan"],
    ["compare", "--lr", "fast"],
    ["compare", "--batch-size", "100000"],
    ["compare", "--depth", "0"],
    ["compare", "--optimizer", "chain"],
    ["compare", "--optimizer", "nonexistent"],
    ["compare", "--activations", "softmax"],
    ["compare", "--activations", "gelo"],
    ["compare", "--paths", "both"],
    ["compare", "--reference", "gelu"],
    ["compare", "--lrs", "1e-3,-1"],
    ["compare", "--lrs", "1e-3,1e-3"],
    ["compare", "--lrs", "1e-3,,1e-2"],
    ["compare", "--dataset", "mnist"],
    ["compare", "--model", "rnn"],
    ["compare", "--lr", "1e-3", "--lrs", "1e-3,3e-3"],
    ["compare", "--model", "transformer", "--dataset", "digits"],
    ["compare", "--model", "cnn", "--dataset", "moons"],
    ["compare", "--dataset", "pysource"],
    ["compare", "--activations", "swiglu"],
    ["compare", "--model", "transformer", "--width", "100"],
    ["compare", "--out", "README.md"],
    ["compare", "--preset", "full", "--model", "cnn"],
    ["compare", "--preset", "full", "--activations", "swiglu"],
    ["compare", "--preset", "quick"],
    ["compare", "--preset", "full", "--dataset", "moons"],  # one of its models (cnn) refuses the option
    ["bench", "--sizes", "x"],
    ["bench", "--sizes", "40"],
    ["bench", "--dtypes", "float8"],
    ["bench", "--vs-jax-nn", "--modes", "eager,slow"],
    ["bench", "--names", "nope"],
    ["accuracy", "--dtypes", "float8"],
    ["accuracy", "--update", "--out", "no-such-folder-here"],
    ["plot", "--names", "gelo"],
    ["check", "--json", "tests"],
    ["check", "--json", "no-such-folder-here/check.json"],
    # Empty or repeated names are errors, not "all" or a second identical row.
    ["check", "--names", ""],
    ["check", "--names", "relu,,tanh"],
    ["plot", "--names", "relu,Relu"],
    ["compare", "--activations", "relu,relu"],
    ["compare", "--paths", "closed,closed"],
    ["accuracy", "--dtypes", "float32,float32"],
    ["bench", "--sizes", "12,12"],
    # Sizes far beyond any run fail here, not as an allocation deep in XLA.
    ["compare", "--width", "99999999999"],
    ["compare", "--depth", "99999999999"],
    ["compare", "--steps", "99999999999999999999"],
    ["compare", "--width", "100000", "--depth", "50"],  # within the bounds, beyond any machine's memory
    ["compare", "--steps", "100000000"],  # within the bounds: batch indices beyond any machine's memory
    # Few parameters, but what 30000 runs' backward passes keep of 1150 8x8 images (about 1.7 TB).
    ["compare", "--model", "cnn", "--batch-size", "1150", "--seeds", "10000", "--steps", "10"],
    ["compare", "--summarize", "no-such-folder-here"],
    # An activation with parameters, as jaxact.configure takes them: checked as configure checks them.
    ["compare", "--activations", "elu(alpha=-1)"],
    ["compare", "--activations", "elu(beta=1)"],
    ["compare", "--activations", "elu(0.5)"],
    ["compare", "--activations", "elu(alpha=x)"],
    ["compare", "--activations", "elu,elu()"],
    ["compare", "--activations", "relu,elu(alpha=0.5", "--steps", "1"],
    ["compare", "--summarize", "tests"],  # no compare.json in it
    ["check", "--seed", "-1"],
    ["check", "--seed", "99999999999999999999999"],
    # An optax optimiser that cannot take a plain step (a line search's extra arguments, a required setting).
    ["compare", "--optimizer", "lbfgs"],
    ["compare", "--optimizer", "ScaleByBacktrackingLinesearchState"],
    ["bench", "--tag", "/x"],
    ["bench", "--block", "1024x65536x65536"],  # timed last: beyond the memory, found before the sweep
    ["bench", "--modes", "fwd"],
    ["bench", "--vs-jax-nn", "--names", "pade"],
    ["bench", "--vs-jax-nn", "--modes", "eager", "--sizes", "14"],  # no sized mode: --sizes ignored
    ["bench", "--vs-jax-nn", "--modes", "eager,residual_bytes", "--seconds", "3"],  # nothing timed for long
    # A block a gated activation cannot split (odd HIDDEN): failed after the whole sweep.
    ["bench", "--names", "glu", "--block", "8x8x9"],
    ["bench", "--vs-jax-nn", "--block", "8x8x9"],
    ["bench", "--vs-jax-nn", "--modes", "fwd", "--block", "8x8x8"],  # the block it sets is not measured
    ["compare", "--activations", "relu,elu(alpha=0.5, alpha=0.6)"],  # the last one won, silently
    # Options --vs-jax-nn would ignore: it has no torch column and draws no plot.
    ["bench", "--vs-jax-nn", "--no-torch"],
    ["bench", "--vs-jax-nn", "--no-plots", "--out", "jaxact-out/vs"],
    # An empty or blank path is an error, not the current folder or the option left out.
    ["compare", "--summarize", ""],
    ["compare", "--summarize", " "],
    ["compare", "--out", ""],
    ["compare", "--out", " "],
    ["accuracy", "--out", ""],
    ["accuracy", "--references", ""],
    ["plot", "--out", " "],
    ["docs", "--out", ""],
    ["check", "--json", ""],
    ["bench", "--out", ""],
    # Options about the files bench writes, without --out: it writes none.
    ["bench", "--tag", "x"],
    ["bench", "--no-plots"],
    # The same activation with its default spelt out trains the same network twice.
    ["compare", "--activations", "elu,elu(alpha=1.0)"],
    ["compare", "--activations", "relu,leaky_relu,leaky_relu(negative_slope=0.01)"],
    ["frobnicate"],
    [],
]


@pytest.mark.parametrize("argv", BAD_INVOCATIONS, ids=[" ".join(a) or "nothing" for a in BAD_INVOCATIONS])
def test_bad_invocations_exit_2_with_one_line_before_any_work(argv, capsys, tmp_path, monkeypatch):
    """Misuse never shows a traceback: one 'jaxact <cmd>: error: ...' line, exit 2, nothing written."""
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)  # README.md and tests/ exist here
    before = {p for p in Path("jaxact-out").rglob("*")} if Path("jaxact-out").exists() else set()
    try:
        rc = main(argv)
    except SystemExit as e:  # argparse's own errors
        rc = e.code
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err  # argparse's usage block too: one line, as the README says
    last = err.strip().splitlines()[-1]
    assert last.startswith("jaxact") and ": error: " in last, err
    assert last.count("error:") == 1 and not last.split(": error: ", 1)[1].startswith("jaxact"), last
    after = {p for p in Path("jaxact-out").rglob("*")} if Path("jaxact-out").exists() else set()
    assert after == before


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["accuracy", "--dtypes", ","], "',': an empty dtype"),
        (["accuracy", "--dtypes", "float32,,float64"], "an empty dtype"),
        (["bench", "--vs-jax-nn", "--modes", "FWD"], "unknown mode(s) FWD (did you mean fwd?)"),
        (["compare", "--optimizer", "Adam"], "(did you mean adam"),
        (["compare", "--optimizer", "adamx"], "(did you mean adamax"),
    ],
)
def test_bad_names_get_a_message_that_names_the_fix(argv, says, capsys):
    try:
        rc = main(argv)
    except SystemExit as e:  # argparse's own errors (a type's message) exit there
        rc = e.code
    assert rc == 2
    assert says in capsys.readouterr().err


def test_help_shows_defaults_and_version(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # help text is wrapped to the terminal
    assert "no grid (default: the --lrs grid; transformer 0.003)" in out and "(default: adam)" in out
    assert "(default: None)" not in out  # model-dependent defaults are spelt out
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("jaxact ")


def test_the_installed_command_reports_errors_without_a_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "jaxact.tools.cli", "compare", "--lr", "-1"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "--lr" in proc.stderr


def test_building_the_parser_imports_no_training_code():
    code = (
        "import sys, jaxact.tools.cli; jaxact.tools.cli.build_parser(); "
        "print('optax' in sys.modules, 'jaxact.tools.compare' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["False", "False"]


def test_compare_defaults_on_the_command_line_are_the_config_defaults():
    """The parser keeps its own copy of the defaults (building it must not import jaxact.tools.compare):
    this keeps the two from drifting apart."""
    from jaxact.tools import compare
    from jaxact.tools.cli import _compare_configs, build_parser

    parser = build_parser()

    def configs(*argv):
        return _compare_configs(parser.parse_args(["compare", *argv]))

    assert configs() == {"mlp": compare.Config()}
    for model in ("mlp", "cnn", "transformer"):
        assert configs("--model", model) == {model: compare.Config.for_model(model)}
    given = configs("--model", "transformer", "--steps", "7")
    assert given == {"transformer": compare.Config.for_model("transformer", steps=7)}
    # Fair by default: a grid chosen on validation; --lr alone is one rate for all, as before.
    assert len(compare.Config().learning_rates) >= 3 and compare.Config().seeds >= 5
    one = configs("--lr", "0.01")["mlp"]
    assert one.learning_rates == () and one.grid == (0.01,)
    # The full preset: every model, each larger than its default where it says so; options given
    # override every model's.
    full = configs("--preset", "full")
    assert list(full) == ["mlp", "cnn", "transformer"]
    assert full["mlp"].seeds > compare.Config().seeds and len(full["mlp"].grid) > len(compare.Config().grid)
    assert full["transformer"].seeds > compare.Config.for_model("transformer").seeds
    assert all(
        c.seeds == 2 and c.steps == 9 for c in configs("--preset", "full", "--seeds", "2", "--steps", "9").values()
    )
    # The README's committed MLP run is this command: the preset's MLP, spelt out.
    spelt = ["--activations", ",".join(full["mlp"].activations), "--seeds", str(full["mlp"].seeds)]
    spelt += ["--lrs", ",".join(f"{r:g}" for r in full["mlp"].learning_rates)]
    assert configs("--model", "mlp", *spelt)["mlp"] == full["mlp"]
    assert spelt[-1] == "0.0001,0.0003,0.001,0.003,0.01,0.03"


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", "--activations", "relu", "--steps", "2", "--seeds", "1", "--lr", "1e-3", "--out", "{tmp}"],
        ["plot", "--names", "relu", "--out", "{tmp}"],
        ["docs", "--out", "{tmp}"],
        ["accuracy", "--names", "relu", "--dtypes", "float32", "--out", "{tmp}"],
        ["bench", "--quick", "--names", "relu", "--no-torch", "--out", "{tmp}"],
        ["check", "--names", "relu", "--json", "{tmp}/check.json"],
        ["accuracy", "--names", "relu", "--dtypes", "float32", "--out", "{out}", "--references", "{tmp}/r.json"],
    ],
    ids=lambda a: a[0] + (" --references" if "--references" in a else ""),
)
def test_an_existing_folder_that_cannot_be_written_fails_before_the_work(argv, tmp_path, capsys, monkeypatch):
    """A read-only mount, a folder without write permission, a full disk: found by writing a file
    there first (as root, permissions alone would not show it), so no result is lost at the end."""
    import errno
    import tempfile

    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "a").mkdir()
    real = tempfile.TemporaryFile

    def refuse(*args, dir=None, **kw):  # tempfile's own keyword
        if dir is not None and Path(dir).resolve().is_relative_to(ro.resolve()):
            raise OSError(errno.EROFS, "Read-only file system")
        return real(*args, dir=dir, **kw)

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    from jaxact.tools import cli

    def no_work(args):
        raise AssertionError("the command started its work")

    monkeypatch.setattr(cli, f"cmd_{argv[0]}", no_work)
    assert main([a.replace("{tmp}", str(ro)).replace("{out}", str(tmp_path / "out")) for a in argv]) == 2
    err = capsys.readouterr().err
    assert "cannot write in" in err and "Read-only file system" in err and "Traceback" not in err


def test_a_table_to_update_or_a_reference_store_that_cannot_be_read_fails_before_the_work(tmp_path, capsys):
    for content, reason in (("garbage", "JSONDecodeError"), ("{}", "KeyError")):
        (tmp_path / "accuracy.json").write_text(content)
        argv = ["accuracy", "--names", "relu", "--dtypes", "float32", "--update", "--out", str(tmp_path)]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "accuracy.json is not an accuracy table" in err and reason in err
    (tmp_path / "refs.json").write_text("garbage")
    argv = ["accuracy", "--names", "relu", "--dtypes", "float32", "--references", str(tmp_path / "refs.json")]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    assert "refs.json: not a store of reference values" in capsys.readouterr().err
    assert not (tmp_path / "out" / "accuracy.json").exists()


def test_an_updated_table_reads_a_null_cell_as_inf_and_refuses_another_before_the_work(tmp_path, capsys, monkeypatch):
    """Strict JSON stores an infinite ulp as null: --update crashed on it (None > target) after
    measuring; a cell of another type got there too."""
    from jaxact.tools import cli

    table = json.loads((Path(__file__).resolve().parent.parent / "benchmarks/results/accuracy.json").read_text())
    row = next(r for r in table["rows"] if (r["name"], r["dtype"]) == ("tanh", "float32"))
    argv = ["accuracy", "--names", "relu", "--dtypes", "float32", "--update", "--out", str(tmp_path)]
    row["value"]["jaxact"]["ulp"] = "x"
    (tmp_path / "accuracy.json").write_text(json.dumps(table))
    monkeypatch.setattr(cli, "cmd_accuracy", lambda args: pytest.fail("the command started its work"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "tanh float32 value jaxact: ulp and tail_ulp must be numbers" in err and "Traceback" not in err
    monkeypatch.undo()
    row["value"]["jaxact"]["ulp"] = None
    (tmp_path / "accuracy.json").write_text(json.dumps(table))
    assert main(argv) == 0
    capsys.readouterr()
    updated = json.loads((tmp_path / "accuracy.json").read_text())
    again = next(r for r in updated["rows"] if (r["name"], r["dtype"]) == ("tanh", "float32"))
    assert again["value"]["jaxact"]["ulp"] is None


def test_a_reference_store_is_strict_json_and_another_file_is_refused_untouched(tmp_path, capsys):
    """The store was written with Python's Infinity tokens (its inputs include ±inf), which strict
    parsers refuse; and any JSON object was read as an empty store and overwritten at the run's end
    (a compare study given by mistake), a malformed rows item measured silently."""
    from jaxact.tools import numerics

    refs = tmp_path / "refs.json"
    argv = ["accuracy", "--names", "relu", "--dtypes", "float32", "--out", str(tmp_path / "out"), "--references"]
    assert main([*argv, str(refs)]) == 0
    capsys.readouterr()

    def refuse(token):
        raise ValueError(f"not strict JSON: {token}")

    raw = json.loads(refs.read_text(), parse_constant=refuse)
    assert raw["format"] == "jaxact reference values"
    assert {"inf", "-inf"} <= {item[0] for items in raw["points"].values() for item in items}
    saved = dict(numerics._STORE)
    try:
        numerics._STORE.clear()
        numerics.load_references(refs)
        numerics.save_references(tmp_path / "again.json")
    finally:
        numerics._STORE.clear()
        numerics._STORE.update(saved)
    assert (tmp_path / "again.json").read_text() == refs.read_text()
    for content, why in (
        ('{"config": {}, "runs": []}', "it holds ['config', 'runs']"),
        ('{"rows": {"k": [[1.0, 2.0], [1.0, 2.0]]}}', "not two arrays of one 2-D shape"),
        ('{"format": "other", "points": {}}', "not written by jaxact accuracy"),
    ):
        other = tmp_path / "other.json"
        other.write_text(content)
        assert main([*argv, str(other)]) == 2
        err = capsys.readouterr().err
        assert "other.json: not a store of reference values" in err and why in err and "Traceback" not in err
        assert other.read_text() == content


def test_bench_in_float64_measures_float64():
    """JAX truncates float64 to float32 unless x64 is on: the command turns it on rather than write
    float64 rows that timed float32 (in a process of its own: x64 is global)."""
    code = (
        "import json, sys, tempfile; from jaxact.tools.cli import main; d = tempfile.mkdtemp(); "
        "rc = main(['bench', '--quick', '--names', 'relu', '--no-torch', '--no-plots', '--dtypes', 'float64', "
        "'--out', d]); import jax; print(rc, jax.config.jax_enable_x64, "
        "json.load(open(d + '/' + __import__('os').listdir(d)[0]))['rows'][0]['dtype'])"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split()[-3:] == ["0", "True", "float64"], proc.stdout + proc.stderr
    assert "truncated to dtype float32" not in proc.stderr


def test_an_existing_output_file_is_tested_as_it_will_be_written(tmp_path, capsys, monkeypatch):
    """--json FILE that exists is written in place: it is opened for appending, not replaced by a
    new file in its folder, so a writable file in a folder that takes no new files is accepted."""
    import tempfile

    target = tmp_path / "check.json"
    target.write_text("old")
    monkeypatch.setattr(tempfile, "TemporaryFile", lambda *a, **k: (_ for _ in ()).throw(OSError(30, "Read-only")))
    assert main(["check", "--names", "relu", "--json", str(target)]) == 0
    assert json.loads(target.read_text())[0]["name"] == "relu"
    target.chmod(0o444)
    import os

    if os.access(target, os.W_OK):  # root writes anyway: nothing to refuse
        return
    assert main(["check", "--names", "relu", "--json", str(target)]) == 2
    assert "the file cannot be written" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv,folder",
    [
        (["compare", "--activations", "relu", "--steps", "2", "--seeds", "1", "--no-plots"], "compare.json"),
        (["compare", "--activations", "relu", "--steps", "2", "--seeds", "1"], "curves.png"),
        (["accuracy", "--names", "relu"], "accuracy.md"),
        (["docs"], "catalogue.md"),
        (["compare", "--preset", "full", "--activations", "relu", "--steps", "2", "--seeds", "1"], "transformer"),
    ],
    ids=["compare-json", "compare-plot", "accuracy", "docs", "preset-model-folder-is-a-file"],
)
def test_an_output_name_taken_by_the_wrong_kind_fails_before_the_work(argv, folder, tmp_path, capsys):
    """A folder where a results file goes (or a file where a preset's model folder goes) failed the
    write after the work, as a traceback: now one line, exit 2, before it."""
    out = tmp_path / "out"
    (out / folder).mkdir(parents=True) if folder != "transformer" else (out.mkdir(), (out / folder).touch())
    rc = main([*argv, "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err and folder in err.strip().splitlines()[-1], err


def test_compare_activations_split_at_commas_outside_parentheses():
    from jaxact.tools.cli import _specs

    assert _specs("relu, f(a=1, b=(2, 3)),elu(alpha=0.5)") == ["relu", "f(a=1, b=(2, 3))", "elu(alpha=0.5)"]


def _saved_study(folder: Path) -> Path:
    """A study as compare saves it: the committed one-rate run's compare.json and table.txt."""
    import shutil

    src = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "compare-cpu-one-rate"
    folder.mkdir(parents=True)
    for name in ("compare.json", "table.txt"):
        shutil.copy(src / name, folder / name)
    return folder


def _contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    "option",
    [
        ["--steps", "50"],
        ["--activations", "gelu"],
        ["--model", "cnn"],
        ["--preset", "full"],
        ["--lr", "1e-3"],
        ["--seeds", "2"],
        ["--devices", "0"],  # the default's value, given: still refused
        ["--no-plots"],
    ],
    ids=lambda o: o[0],
)
def test_summarize_refuses_the_options_that_say_what_to_train(option, tmp_path, capsys, monkeypatch):
    base = _saved_study(tmp_path / "base")
    before = _contents(tmp_path)
    from jaxact.tools import compare

    monkeypatch.setattr(compare, "resummarize", lambda *a: pytest.fail("resummarized"))
    assert main(["compare", "--summarize", str(base), *option]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{option[0]} has no effect with --summarize" in err, err
    assert _contents(tmp_path) == before


def test_summarize_with_out_writes_there_and_leaves_the_saved_study_as_it_is(tmp_path, capsys):
    base = _saved_study(tmp_path / "base")
    before = _contents(base)
    assert main(["compare", "--summarize", str(base), "--out", str(tmp_path / "zz")]) == 0
    assert _contents(base) == before
    assert sorted(_contents(tmp_path / "zz")) == ["compare.json", "table.txt"]
    assert f"wrote {tmp_path / 'zz' / 'compare.json'}" in capsys.readouterr().out
    # The same summary as rewriting it in place gives.
    assert main(["compare", "--summarize", str(base)]) == 0
    assert _contents(base) == _contents(tmp_path / "zz")
    # A preset's layout, one folder per model, is kept under --out.
    preset = tmp_path / "preset"
    for model in ("mlp", "cnn"):
        _saved_study(preset / model)
    before = _contents(preset)
    assert main(["compare", "--summarize", str(preset), "--out", str(tmp_path / "p2")]) == 0
    assert _contents(preset) == before
    assert sorted(_contents(tmp_path / "p2")) == [
        "cnn/compare.json",
        "cnn/table.txt",
        "mlp/compare.json",
        "mlp/table.txt",
    ]


def test_summarize_with_out_takes_the_studys_plots_along_and_removes_another_studys(tmp_path, capsys):
    """The plots draw the study's runs: they go with it, and those of another study already in --out
    (which contradicted the new compare.json) go; nothing else there is touched."""
    base = _saved_study(tmp_path / "base")
    for name in ("curves.png", "layers.png"):
        (base / name).write_bytes(b"of base's runs " + name.encode())
    other = tmp_path / "other"
    other.mkdir()
    for name in ("layers.png", "lr_sensitivity.png", "notes.txt"):
        (other / name).write_bytes(b"another study's")
    assert main(["compare", "--summarize", str(base), "--out", str(other)]) == 0
    got = _contents(other)
    assert sorted(got) == ["compare.json", "curves.png", "layers.png", "notes.txt", "table.txt"]
    assert (
        got["curves.png"] == (base / "curves.png").read_bytes()
        and got["layers.png"] == (base / "layers.png").read_bytes()
    )
    assert got["notes.txt"] == b"another study's"
    assert f"removed another study's {other / 'lr_sensitivity.png'}" in capsys.readouterr().out
    # The study's own folder spelt otherwise (through a link, or with ..): rewritten in place, plots kept.
    (tmp_path / "link").symlink_to(base)
    before = _contents(base)
    assert main(["compare", "--summarize", str(base), "--out", str(tmp_path / "link")]) == 0
    assert main(["compare", "--summarize", str(base), "--out", str(base / ".." / "base")]) == 0
    after = _contents(base)  # its summary rewritten (it records the commit that wrote it), the plots as they were
    assert sorted(after) == sorted(before) and all(after[p] == before[p] for p in ("curves.png", "layers.png"))


def test_summarize_with_out_checks_the_folder_before_the_work(tmp_path, capsys):
    base = _saved_study(tmp_path / "base")
    (tmp_path / "zz").write_text("a file")
    assert main(["compare", "--summarize", str(base), "--out", str(tmp_path / "zz")]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err


def test_bench_quick_measures_the_block_given_with_it(monkeypatch):
    """--quick leaves the Dense-act-Dense block out; --block given with it asks for it."""
    from jaxact.tools import bench, cli

    seen = {}

    def run(cfg):
        seen.update(block=cfg.block, shape=cfg.block_shape, sizes=cfg.sizes)
        raise KeyboardInterrupt

    monkeypatch.setattr(bench, "run", run)
    assert main(["bench", "--quick", "--no-torch", "--names", "relu", "--block", "8x4x8", "--sizes", "10"]) == 130
    assert seen == {"block": True, "shape": (8, 4, 8), "sizes": (1024,)}
    assert cli.build_parser().parse_args(["bench", "--quick"]).block is None


@contextlib.contextmanager
def _read_only(f: Path):
    """``f`` made read-only: by its mode, or where that does not stop this user (root) immutable
    (chattr +i); the test is skipped where neither does. Undone on leaving."""
    import subprocess

    f.chmod(0o444)
    immutable = False
    try:
        if os.access(f, os.W_OK):  # root writes through the mode bits
            immutable = subprocess.run(["chattr", "+i", str(f)], capture_output=True, check=False).returncode == 0
            if not immutable:
                pytest.skip("cannot make a file read-only here (root, no chattr +i)")
        yield f
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(f)], capture_output=True, check=False)
        f.chmod(0o644)


COMPARE_ONE_STEP = ["compare", "--activations", "relu", "--steps", "2", "--seeds", "1", "--lr", "1e-3", "--no-plots"]


def test_a_result_file_that_cannot_be_written_fails_before_the_work(tmp_path, capsys, monkeypatch):
    """compare.json or a plot already in the folder that the run would replace (or remove) and
    cannot: one line, exit 2, before training (it was a traceback after it, the results lost)."""
    from jaxact.tools import compare

    monkeypatch.setattr(compare, "run", lambda *a, **k: pytest.fail("trained"))
    out = tmp_path / "out"
    out.mkdir()
    for name in ("compare.json", "lr_sensitivity.png"):
        (out / name).write_text("old")
        with _read_only(out / name):
            assert main([*COMPARE_ONE_STEP, "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and f"{name}: the file cannot be written" in err, err
        assert (out / name).read_text() == "old"
        (out / name).unlink()


def test_summarize_in_place_with_a_file_that_cannot_be_written_fails_before_the_work(tmp_path, capsys):
    base = _saved_study(tmp_path / "base")
    before = _contents(base)
    with _read_only(base / "table.txt"):
        assert main(["compare", "--summarize", str(base)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "table.txt: the file cannot be written" in err, err
    assert _contents(base) == before


def test_a_run_removes_the_plots_of_an_earlier_run_it_does_not_draw(tmp_path, capsys, monkeypatch):
    """lr_sensitivity.png from a grid run, then a run with one rate and no plots: compare's own plot
    files go, every other file stays."""
    from jaxact.tools import compare

    def one_run(cfg, **kw):
        r = compare.RunResult(
            "relu", "closed", [0, 2], [[0.5], [0.4]], [[0.5], [0.6]], [[[0.0]]] * 2, [[[1.0, 1.0]]] * 2, 1.0, 0.1
        )
        r.learning_rate = cfg.learning_rate
        return [r]

    monkeypatch.setattr(compare, "run", one_run)
    out = tmp_path / "out"
    out.mkdir()
    keep = ("notes.png", "curves.png.bak", "my_table.txt")
    for name in ("curves.png", "layers.png", "lr_sensitivity.png", *keep):
        (out / name).write_text("old")
    assert main([*COMPARE_ONE_STEP, "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(("compare.json", "table.txt", *keep))
    assert "removed an earlier run's" in capsys.readouterr().out


def test_summarize_takes_a_folders_study_and_its_subfolders_studies(tmp_path, capsys):
    """`jaxact compare` and `--preset full` write under the same default folder: both kinds of study
    in it are summarized."""
    mixed = _saved_study(tmp_path / "mixed")
    _saved_study(mixed / "mlp")
    assert main(["compare", "--summarize", str(mixed), "--out", str(tmp_path / "again")]) == 0
    assert sorted(_contents(tmp_path / "again")) == ["compare.json", "mlp/compare.json", "mlp/table.txt", "table.txt"]
    out = capsys.readouterr().out
    assert f"## {mixed / 'compare.json'}" in out and f"## {mixed / 'mlp' / 'compare.json'}" in out


def _edited(study: Path, edit) -> None:
    js = json.loads((study / "compare.json").read_text())
    edit(js)
    (study / "compare.json").write_text(json.dumps(js))


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda js: js["config"].update(seeds="x"), "seeds must be an integer >= 1, got 'x'"),
        (lambda js: js["config"].update(learning_rate=-1.0), "the learning rate must be a finite number > 0, got -1.0"),
        (
            lambda js: js["config"].update(activations=js["config"]["activations"][:1]),
            "are not those of its configuration",
        ),
        (lambda js: js["runs"].append(js["runs"][0]), "more than one run of"),
        (lambda js: js["runs"][1]["test_accuracy"][-1].__setitem__(0, 5.0), "test_accuracy outside [0, 1]"),
        (lambda js: js["runs"][1]["grad_norm"][-1].__setitem__(0, [1.0]), "grad_norm is not a table of numbers"),
        (
            lambda js: js["runs"][1].update(grad_norm=[[g[:1] for g in at] for at in js["runs"][1]["grad_norm"]]),
            "grad_norm has shape",
        ),
        (lambda js: js["runs"][0].update(step_seconds="fast"), "step_seconds is not a number ('fast')"),
        (lambda js: js.update(runs=[]), "it holds no runs"),
    ],
)
def test_summarize_refuses_a_study_its_runs_or_configuration_contradict_before_writing_any(
    edit, said, tmp_path, capsys
):
    """Each was summarized into a wrong table (exit 0: 'x seeds', lr=-1, an accuracy of 5 shown as 1.000,
    a duplicate run without its difference) or crashed with a traceback after the studies before it
    had been rewritten."""
    root = tmp_path / "studies"
    first = _saved_study(root / "a")
    _edited(_saved_study(root / "b"), edit)
    before = _contents(root)
    assert main(["compare", "--summarize", str(root)]) == 2
    err = capsys.readouterr().err
    assert f"--summarize: {root / 'b' / 'compare.json'}" in err and said in err and "Traceback" not in err, err
    assert _contents(root) == before and (first / "compare.json").is_file()


def test_the_preset_help_says_what_the_preset_sets():
    """Each model's settings in the preset, as compare.PRESETS has them (the CNN's and the
    transformer's evaluation intervals were 'its defaults')."""
    from jaxact.tools import compare
    from jaxact.tools.cli import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices["compare"]
    (text,) = [a.help for a in sub._actions if "--preset" in a.option_strings]
    for model, over in compare.PRESETS["full"].items():
        said = re.split(rf"\b{model}: ", text, maxsplit=1)[1].split(";", 1)[0]
        for key, value in over.items():
            if key == "learning_rates":
                expected = f"rates {value[0]:.0e}..{value[-1]:.0e}".replace("e-0", "e-")
            else:
                expected = {"eval_every": "--eval-every {}", "seeds": "{} seeds", "activations": "{} activations"}[key]
                expected = expected.format(len(value) if key == "activations" else value)
            assert expected in said, (model, key, said)


# --- result files of bench, accuracy, plot and docs -------------------------------------------------


def _device() -> str:
    from jaxact.tools import bench

    return bench.device_name()


def _vs_result() -> dict:
    return {"device": _device(), "device_kind": "cpu", "jax": "0", "cpu_count": 1, "rows": [], "summary": {}}


@pytest.mark.parametrize("suffix", [".json", ".md", ".partial.json"])
def test_bench_vs_jax_nn_refuses_a_result_file_it_cannot_replace_before_the_work(suffix, tmp_path, capsys, monkeypatch):
    from jaxact.tools import vs_jaxnn

    monkeypatch.setattr(vs_jaxnn, "run", lambda *a, **k: pytest.fail("measured"))
    f = tmp_path / f"{_device()}-vs-jaxnn{suffix}"
    f.write_text("old")
    with _read_only(f):
        rc = main(["bench", "--vs-jax-nn", "--quick", "--names", "relu", "--modes", "fwd", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and f"{f.name}: the file cannot be written" in err, err


def test_bench_vs_jax_nn_keeps_its_checkpoint_until_the_results_are_saved(tmp_path, monkeypatch, capsys):
    from jaxact.tools import vs_jaxnn

    def run(cfg, log=print):
        cfg.checkpoint({"partial": True, "rows": []})
        return _vs_result()

    def save(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(vs_jaxnn, "run", run)
    monkeypatch.setattr(vs_jaxnn, "save", save)
    assert main(["bench", "--vs-jax-nn", "--quick", "--names", "relu", "--modes", "fwd", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err, err  # one line, no traceback
    assert f"(writing under {tmp_path})" in err, err  # a full disk's error names no file: the folder
    assert json.loads((tmp_path / f"{_device()}-vs-jaxnn.partial.json").read_text())["partial"] is True


@pytest.mark.parametrize(
    "argv,name",
    [
        (["bench", "--quick", "--names", "relu", "--no-torch"], "{dev}.json"),
        (["bench", "--quick", "--names", "relu", "--no-torch"], "{dev}_bandwidth.png"),
        (["bench", "--quick", "--names", "relu", "--no-torch", "--tag=-x"], "{dev}-x.partial.json"),
        (["accuracy", "--names", "relu", "--dtypes", "float32"], "accuracy.json"),
        (["accuracy", "--names", "relu", "--dtypes", "float32"], "accuracy.md"),
        (["plot", "--names", "relu,tanh"], "tanh.png"),
        (["plot", "--names", "relu"], "overview.png"),
        (["docs"], "paths.md"),
    ],
    ids=lambda v: v if isinstance(v, str) else v[0],
)
def test_a_result_file_of_bench_accuracy_plot_or_docs_that_cannot_be_replaced_fails_before_the_work(
    argv, name, tmp_path, capsys, monkeypatch
):
    from jaxact.tools import cli

    if argv[0] == "accuracy":  # a table for --update below
        assert main(["accuracy", "--names", "relu", "--dtypes", "float32", "--out", str(tmp_path / "t")]) == 0
    monkeypatch.setattr(cli, f"cmd_{argv[0]}", lambda args: pytest.fail("the command started its work"))
    f = tmp_path / name.format(dev=_device())
    f.write_text("old")
    with _read_only(f):
        assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{f.name}: the file cannot be written" in err, err
    if argv[0] == "accuracy":  # --update too: its preflight only read the table
        table = tmp_path / "accuracy.json"
        table.write_text((tmp_path / "t" / "accuracy.json").read_text())
        capsys.readouterr()
        with _read_only(table):
            assert main([*argv, "--update", "--out", str(tmp_path)]) == 2
        assert "accuracy.json: the file cannot be written" in capsys.readouterr().err


def test_an_interrupted_bench_keeps_the_earlier_complete_results(tmp_path, capsys, monkeypatch):
    """The checkpoint goes to <device>.partial.json, marked partial; <device>.json is the last
    complete run's until this one completes."""
    from jaxact.tools import bench

    done = tmp_path / f"{_device()}.json"
    done.write_text('{"rows": "complete"}')

    def cut_short(cfg, log=print):
        cfg.checkpoint({"device": _device(), "rows": [], "reference": [], "blocks": []})
        raise KeyboardInterrupt

    monkeypatch.setattr(bench, "run", cut_short)
    assert main(["bench", "--quick", "--names", "relu", "--no-torch", "--out", str(tmp_path)]) == 130
    assert done.read_text() == '{"rows": "complete"}'
    assert json.loads((tmp_path / f"{_device()}.partial.json").read_text())["partial"] is True


def test_bench_no_plots_removes_an_earlier_runs_plot_and_the_checkpoint(tmp_path, capsys, monkeypatch):
    from jaxact.tools import bench

    def run(cfg, log=print):
        r = {"device": _device(), "rows": [], "reference": [], "blocks": []}
        cfg.checkpoint(r)
        return r

    monkeypatch.setattr(bench, "run", run)
    keep = tmp_path / "notes.png"
    for f in (tmp_path / f"{_device()}_bandwidth.png", keep):
        f.write_text("old")
    assert main(["bench", "--quick", "--names", "relu", "--no-torch", "--no-plots", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{_device()}.json", "notes.png"])
    assert "removed an earlier run's" in capsys.readouterr().out


def test_bench_plot_draws_each_dtype_as_its_own_line_and_identity_where_it_is_not_a_no_op(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from jaxact.tools import bench

    kept = []
    monkeypatch.setattr(plt, "close", kept.append)

    def row(name, size, dtype):
        return {"name": name, "size": size, "dtype": dtype, "gbps": {"fwd": 1.0, "fwd_donated": 2.0}}

    def ref(size, dtype):
        return {"size": size, "dtype": dtype, "gbps": {"jax_copy": 1.0, "jax_negate_donated": 2.0}}

    rows = [row(n, s, d) for n in ("relu", "identity") for s in (1024, 4096) for d in ("float16", "float32")]
    result = {"device": "cpu", "device_kind": "cpu", "jax": "0", "rows": rows}
    result["reference"] = [ref(s, d) for s in (1024, 4096) for d in ("float16", "float32")]
    bench.plot(result, tmp_path)
    fresh, donated = kept[0].axes
    labels = [ln.get_label() for ln in fresh.lines]
    assert "relu, float16" in labels and "relu, float32" in labels
    assert all(len(ln.get_xdata()) == 2 for ln in fresh.lines)  # one point per size: no zig-zag
    assert len(fresh.lines) == len(donated.lines) + 2  # identity: in the fresh panel only
    plt.close("all")


# --- accuracy --update ------------------------------------------------------------------------------


def _table_with(tmp_path, capsys, **edit):
    assert main(["accuracy", "--names", "relu", "--dtypes", "float32", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    path = tmp_path / "accuracy.json"
    table = json.loads(path.read_text())
    return path, table


def test_accuracy_update_explains_a_stored_row_of_an_activation_not_registered_now(tmp_path, capsys):
    """A row an earlier run added for a module:function activation that misses its target: the
    update neither fails after the work nor leaves accuracy.md behind accuracy.json."""
    path, table = _table_with(tmp_path, capsys)
    gone = dict(
        table["rows"][0], name="my_isru_gone", value={"jaxact": {"ulp": 99.0, "tail_ulp": 99.0, "nonfinite": 0}}
    )
    gone["note"] = "its own reason"
    table["meta"]["code"] = "commit abc123"
    path.write_text(json.dumps({"meta": table["meta"], "rows": [table["rows"][0], gone]}))
    argv = ["accuracy", "--names", "relu", "--dtypes", "float32", "--update", "--out", str(tmp_path)]
    assert main(argv) == 0, capsys.readouterr().err
    md = (tmp_path / "accuracy.md").read_text()
    assert "| my_isru_gone | float32 | its own reason |" in md
    meta = json.loads(path.read_text())["meta"]
    assert meta["code"] == "commit abc123"  # the rows not measured again still come from that code


def test_accuracy_writes_neither_file_until_both_are_built(tmp_path, monkeypatch):
    from jaxact.tools import numerics

    cell = numerics.Cell(0.0, 0.0, 0)
    rows = [numerics.AccuracyRow("relu", "float32", "autodiff", {"jaxact": cell}, {"default": cell})]

    def broken(rows):
        raise RuntimeError("building the page failed")

    monkeypatch.setattr(numerics, "format_reasons", broken)
    with pytest.raises(RuntimeError):
        numerics.write(rows, tmp_path)
    assert not (tmp_path / "accuracy.json").exists()


def test_accuracy_update_checks_each_stored_rows_dtype_before_the_work(tmp_path, capsys, monkeypatch):
    from jaxact.tools import numerics

    path, table = _table_with(tmp_path, capsys)
    path.write_text(json.dumps({"meta": table["meta"], "rows": [dict(table["rows"][0], dtype="int8")]}))
    monkeypatch.setattr(numerics, "accuracy_table", lambda *a, **k: pytest.fail("measured"))
    assert main(["accuracy", "--names", "relu", "--dtypes", "float32", "--update", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "relu int8" in err, err


def test_accuracy_under_a_forced_path_says_so_and_update_keeps_tables_apart(tmp_path, capsys):
    assert main(["accuracy", "--names", "relu", "--dtypes", "float32", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    argv = ["accuracy", "--names", "relu", "--dtypes", "float32", "--out", str(tmp_path)]
    with jaxact.gradient_path("closed_form"):
        assert main([*argv, "--update"]) == 2  # a default-path table: its rows are not of this kind
        assert "gradient_path None" in capsys.readouterr().err
        assert main(argv) == 0
    assert json.loads((tmp_path / "accuracy.json").read_text())["meta"]["gradient_path"] == "closed_form"
    md = (tmp_path / "accuracy.md").read_text()
    assert "| forced closed_form |" in md and "| relu | float32 | closed_form |" in md


def test_accuracy_references_are_keyed_by_the_definition(tmp_path):
    """A changed mp definition must not reuse the values stored for the old one."""
    from jaxact.tools import numerics

    entry = jaxact.get("relu")
    changed = dataclasses.replace(entry, mp=lambda m, x: 2 * x)
    assert numerics._store_key(entry, {}) != numerics._store_key(changed, {})
    assert numerics._store_key(entry, {}) == numerics._store_key(jaxact.get("relu"), {})


def test_accuracy_references_see_a_changed_helper_of_the_definition(tmp_path):
    """sparsemax's and entmax15's mp share a helper beside them: changing the helper alone must key
    the references anew (the mp function's own source is the same)."""
    import importlib.util

    from jaxact.tools import numerics

    def key(helper_body: str) -> str:
        src = tmp_path / "defs_mod.py"
        src.write_text(f"def helper(x):\n    return {helper_body}\n\n\ndef mp(m, x):\n    return helper(x)\n")
        spec = importlib.util.spec_from_file_location("defs_mod", src)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return numerics._store_key(dataclasses.replace(jaxact.get("relu"), mp=mod.mp), {})

    assert key("x") != key("2 * x")


# --- the gradient-path switch -----------------------------------------------------------------------


def test_a_bad_gradient_path_in_the_environment_is_one_line_and_help_still_works():
    code = "import sys; from jaxact.tools.cli import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "JAXACT_GRADIENT_PATH": "closed", "JAX_PLATFORMS": "cpu"}
    bad = subprocess.run([sys.executable, "-c", code, "list"], env=env, capture_output=True, text=True)
    err = bad.stderr.strip()
    assert bad.returncode == 2 and len(err.splitlines()) == 1, err
    assert "JAXACT_GRADIENT_PATH" in err and "closed_form" in err and "autodiff" in err
    ok = subprocess.run([sys.executable, "-c", code, "--help"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "Traceback" not in ok.stderr


def test_bench_vs_jax_nn_under_a_forced_path_is_refused_before_the_work(tmp_path, capsys):
    out = tmp_path / "out"
    with jaxact.gradient_path("autodiff"):
        rc = main(["bench", "--vs-jax-nn", "--quick", "--names", "relu", "--modes", "fwd", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "JAXACT_GRADIENT_PATH" in err, err
    assert not out.exists()


def test_an_option_is_never_read_from_a_prefix_of_another(capsys):
    """compare's --seed was taken as --seeds (7 runs per activation, not seed 7), accuracy's
    --reference as --references: argparse's prefix matching is off, each is refused."""
    for argv in (["compare", "--seed", "7"], ["accuracy", "--reference", "x.json"], ["list", "--js"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2, argv
        err = capsys.readouterr().err
        assert "unrecognized arguments" in err and err.count("\n") == 1, err


def test_accuracy_references_may_not_be_the_table_it_writes(tmp_path, capsys):
    for name in ("accuracy.json", "accuracy.md"):
        argv = ["accuracy", "--names", "relu", "--dtypes", "float32", "--out", str(tmp_path)]
        assert main([*argv, "--references", str(tmp_path / name)]) == 2
        assert "a file of the table --out writes" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # refused before any work


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a disk that is always full)")
def test_a_failed_write_at_the_end_is_one_line_and_keeps_the_table(tmp_path, capsys):
    argv = ["accuracy", "--names", "relu", "--dtypes", "float32", "--out", str(tmp_path), "--references", "/dev/full"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device (/dev/full)" in err, err
    assert (tmp_path / "accuracy.json").is_file()  # written before the store that failed


def test_a_module_calling_sys_exit_on_import_is_refused(tmp_path, monkeypatch, capsys):
    (tmp_path / "exits_on_import.py").write_text("import sys\n\ndef f(x):\n    return x\n\nsys.exit(0)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["check", "--names", "exits_on_import:f"]) == 2
    err = capsys.readouterr().err
    assert "importing its module called sys.exit(0)" in err and err.count("\n") == 1, err


def test_list_and_docs_describe_the_registry_under_a_forced_path(tmp_path, capsys):
    """JAXACT_GRADIENT_PATH (or the switch) forces a run's path: list --json reports it as
    forced_path beside each entry's own paths, and docs are written as without it."""
    assert main(["docs", "--out", str(tmp_path / "plain")]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    with jaxact.gradient_path("autodiff"):
        assert main(["list", "--json"]) == 0
        forced = json.loads(capsys.readouterr().out)
        assert main(["docs", "--out", str(tmp_path / "forced")]) == 0
    assert {r["forced_path"] for r in plain} == {None} and {r["forced_path"] for r in forced} == {"autodiff"}
    strip = [{k: v for k, v in r.items() if k != "forced_path"} for r in forced]
    assert strip == [{k: v for k, v in r.items() if k != "forced_path"} for r in plain]
    assert "closed_form" in {r["default_path"] for r in forced}
    for page in (tmp_path / "plain").iterdir():
        assert page.read_text() == (tmp_path / "forced" / page.name).read_text(), page.name


def test_a_preset_names_the_model_that_refuses_an_option(capsys):
    assert main(["compare", "--preset", "full", "--dataset", "moons"]) == 2
    err = capsys.readouterr().err
    assert "--preset full, its cnn model: --model cnn takes the 8x8 digits images" in err, err


def test_a_refused_preset_leaves_no_model_folders_behind(tmp_path, capsys):
    """An interrupted study's checkpoint in one model's folder refuses the preset before any other
    model's folder is created."""
    (tmp_path / "transformer").mkdir()
    (tmp_path / "transformer" / "compare.partial.json").write_text("{}")
    assert main(["compare", "--preset", "full", "--out", str(tmp_path)]) == 2
    assert "holds the runs an interrupted study trained" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["transformer"]


def test_a_misspelt_option_before_the_command_is_named(capsys):
    """argparse checks required arguments first: `jaxact --verison` said the command was missing."""
    with pytest.raises(SystemExit) as info:
        main(["--verison"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err == "jaxact: error: unrecognized arguments: --verison (did you mean --version?) (see jaxact --help)\n"
    with pytest.raises(SystemExit):
        main([])
    assert "the following arguments are required: COMMAND" in capsys.readouterr().err
