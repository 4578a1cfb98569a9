"""The command line: list, check, accuracy, plot, docs (compare and bench have their own tests)."""

import json

import jaxact
from jaxact.cli import main


def test_list_shows_the_whole_catalogue(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in jaxact.names():
        assert name in out
    assert f"{len(jaxact.names())} activations" in out
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} == set(jaxact.names())
    assert {r["name"]: r["default_path"] for r in rows} == {e.name: e.current_path() for e in jaxact.entries()}


def test_check_passes_and_writes_json(tmp_path, capsys):
    path = tmp_path / "check.json"
    assert main(["check", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "0 failed" in out
    rows = json.loads(path.read_text())
    assert {r["name"] for r in rows} == set(jaxact.names())
    assert {r["dtype"] for r in rows} == {"float32", "float64"}


def test_check_fails_loudly_on_a_wrong_derivative(monkeypatch, capsys):
    from jaxact import check

    entry = jaxact.get("tanh")
    broken = type(entry)(**{**entry.__dict__, "derivative": lambda x: 1 - x * x})
    monkeypatch.setattr(
        check.testing, "cases", lambda dtypes=None: iter([(broken, {}, jaxact.testing.FLOAT_DTYPES[2])])
    )
    assert main(["check"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_accuracy_writes_table(tmp_path, capsys):
    assert main(["accuracy", "--names", "relu,sigmoid,softmax", "--dtypes", "float32", "--out", str(tmp_path)]) == 0
    md = (tmp_path / "accuracy.md").read_text()
    assert "| sigmoid | float32 |" in md and "| softmax | float32 |" in md
    assert json.loads((tmp_path / "accuracy.json").read_text())["rows"][0]["name"] == "relu"


def test_accuracy_update_replaces_only_the_measured_rows(tmp_path, capsys):
    assert main(["accuracy", "--names", "relu,sigmoid", "--dtypes", "float32", "--out", str(tmp_path)]) == 0
    before = json.loads((tmp_path / "accuracy.json").read_text())["rows"]
    stale = dict(before[1], value={"jaxact": {"ulp": 999.0, "tail_ulp": 999.0, "nonfinite": 0}})
    path = tmp_path / "accuracy.json"
    path.write_text(json.dumps({"meta": {}, "rows": [before[0], stale]}))
    args = ["accuracy", "--names", "sigmoid,elu", "--dtypes", "float32", "--out", str(tmp_path), "--update"]
    assert main(args) == 0
    rows = json.loads(path.read_text())["rows"]
    assert [r["name"] for r in rows] == ["elu", "relu", "sigmoid"]  # registry order, relu kept as it was
    assert rows[1] == before[0] and rows[2] == before[1]  # the stale sigmoid row measured anew


def test_plot_writes_one_png_per_activation_and_an_overview(tmp_path, capsys):
    assert main(["plot", "--names", "relu,softmax,glu", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == ["glu.png", "overview.png", "relu.png", "softmax.png"]
    assert all(p.stat().st_size > 5_000 for p in tmp_path.glob("*.png"))


def test_bad_names_and_settings_give_a_message_and_exit_2(capsys):
    assert main(["plot", "--names", "gelo"]) == 2
    assert "Did you mean 'gelu'" in capsys.readouterr().err
    assert main(["compare", "--activations", "softmax"]) == 2
    assert "mixes elements" in capsys.readouterr().err
