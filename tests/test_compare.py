"""The training comparison: end to end on a tiny configuration, and its metrics on hand-made cases."""

import dataclasses
import io
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxact
from jaxact.tools import compare, data, models
from jaxact.tools.cli import main

TINY = dict(depth=2, width=16, steps=40, batch_size=32, seeds=2, eval_every=10, learning_rates=())  # one rate
SEED_CONV = 11
TINY_RUN = dict(steps=40, batch_size=32, seeds=2, eval_every=20, learning_rates=())
# Smaller still, for what needs a step or two: on the two moons.
TINY_ONE = dict(depth=1, width=4, steps=2, batch_size=16, seeds=1, eval_every=2, learning_rates=(), dataset="moons")


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"steps": 2.0}, "steps must be an integer >= 1, got 2.0"),
        ({"steps": math.nan}, "steps must be an integer >= 1, got nan"),
        ({"seeds": True}, "seeds must be an integer >= 1, got True"),
        ({"width": 8.5}, "width must be an integer >= 1, got 8.5"),
        ({"eval_every": 1.5}, "eval_every must be an integer >= 1"),
        ({"paths": ()}, "paths must name one or both of autodiff, closed"),
        ({"optimizer": None}, "optimizer must be a name (str), got None"),
        ({"activations": [jaxact.relu]}, "activations are names or jaxact.configure values, got PjitFunction 'relu'"),
        ({"learning_rates": 1e-3}, "learning_rates must be a sequence of rates, got 0.001"),
    ],
)
def test_a_config_of_another_type_is_refused_by_validate_naming_the_field(given, said):
    """These passed validate() (nan < 1 is False) and failed in the training loop after the data was
    loaded, or failed in jax's or Python's internals without naming the field."""
    with pytest.raises(ValueError, match=re.escape(said)):
        compare.Config(**{**TINY, **given}).validate()


def test_tiny_run_end_to_end_loss_decreases():
    cfg = compare.Config(activations=("relu", "tanh"), paths=("autodiff",), **TINY)
    results = compare.run(cfg, stream=io.StringIO())
    assert [r.activation for r in results] == ["relu", "tanh"]
    for r in results:
        loss = np.asarray(r.train_loss)
        assert loss.shape == (5, 2)  # evaluations at 0, 10, 20, 30, 40; two seeds
        assert np.all(loss[-1] < loss[0])
        assert np.asarray(r.dead_fraction).shape == (5, 2, 2)
        assert np.asarray(r.grad_norm).shape == (5, 2, 3)
        assert r.compile_seconds > 0 and r.step_seconds > 0
    table = compare.format_table(results, cfg)
    assert "relu" in table and "tanh" in table and "±" in table


def test_autodiff_and_closed_form_paths_give_the_same_curves():
    cfg = compare.Config(activations=("swish", "elu"), paths=("autodiff", "closed"), **TINY)  # a gate, an exp
    results = compare.run(cfg, stream=io.StringIO())
    for auto, closed in zip(results[::2], results[1::2], strict=True):
        assert (auto.path, closed.path) == ("autodiff", "closed")
        np.testing.assert_allclose(auto.train_loss, closed.train_loss, rtol=2e-4, atol=1e-6)
        np.testing.assert_allclose(auto.test_accuracy, closed.test_accuracy, atol=0.02)


def test_same_initialisation_for_every_activation():
    ds = data.moons()
    cfg = compare.Config(**TINY)
    p1, _ = compare.Trainer(cfg, ds, "relu", "autodiff").init()
    p2, _ = compare.Trainer(cfg, ds, "sigmoid", "closed").init()
    for (w1, _), (w2, _) in zip(p1, p2, strict=True):
        np.testing.assert_array_equal(w1, w2)


def test_dead_units_hand_computed():
    neg = jnp.full((8, 4), -1.0).at[:, 0].set(jnp.linspace(-1, 1, 8))  # unit 0 sometimes positive
    relu_d = jaxact.derivative("relu")
    leaky_d = jaxact.derivative("leaky_relu")
    np.testing.assert_allclose(compare.dead_fraction([neg], relu_d), [0.75])
    np.testing.assert_allclose(compare.dead_fraction([jnp.full((8, 4), -2.0)], relu_d), [1.0])
    np.testing.assert_allclose(compare.dead_fraction([jnp.full((8, 4), -2.0)], leaky_d), [0.0])
    np.testing.assert_allclose(compare.dead_fraction([jnp.full((8, 4), 2.0)], relu_d), [0.0])


def test_grad_norm_per_layer_hand_computed():
    grads = [(jnp.full((2, 2), 1.0), jnp.zeros(2)), (jnp.array([[3.0], [4.0]]), jnp.zeros(1))]
    np.testing.assert_allclose(compare.layer_grad_norms(models.MLP().weights(grads)), [2.0, 5.0])


def test_bad_configuration_errors():
    with pytest.raises(ValueError, match="softmax mixes elements"):
        compare.Config(activations=("softmax",)).validate()
    with pytest.raises(KeyError, match="Did you mean"):
        compare.Config(activations=("rellu",)).validate()
    with pytest.raises(ValueError, match="unknown path"):
        compare.Config(paths=("manual",)).validate()
    with pytest.raises(ValueError, match="not an optax optimiser"):
        compare.Config(optimizer="adamm").validate()
    with pytest.raises(ValueError, match="not an optax optimiser"):
        compare.Config(optimizer="chain").validate()  # an optax name, but no learning rate
    for lr in (-1.0, 0.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="learning rate must be a finite number > 0"):
            compare.Config(learning_rate=lr).validate()
    with pytest.raises(ValueError, match="exceeds the 1600 training examples of 'moons'"):
        compare.Config(dataset="moons", batch_size=1601, learning_rates=()).validate()
    with pytest.raises(ValueError, match="exceeds the 1280 training examples of 'moons'"):  # less validation
        compare.Config(dataset="moons", batch_size=1281).validate()


@pytest.mark.parametrize("name", ["digits", "moons", "spirals"])
def test_datasets_are_fixed_and_standardised(name):
    a, b = data.load(name), data.load(name)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert a.x_train.dtype == np.float32 and a.y_train.dtype == np.int32
    assert abs(float(a.x_train.mean())) < 0.05
    assert set(np.unique(a.y_test)) == set(range(a.n_classes))
    if name == "digits":
        assert a.x_train.shape[1] == 64 and a.x_train.shape[0] + a.x_test.shape[0] == 1797


def test_cli_compare_writes_table_json_and_plots(tmp_path, capsys):
    rc = main(
        [
            "compare",
            "--activations",
            "relu,leaky_relu",
            "--paths",
            "autodiff,closed",
            "--depth",
            "2",
            "--width",
            "8",
            "--steps",
            "20",
            "--seeds",
            "2",
            "--eval-every",
            "10",
            "--dataset",
            "moons",
            "--out",
            str(tmp_path),
        ]
    )
    assert rc == 0
    out = capsys.readouterr().out
    assert "leaky_relu" in out and "closed" in out
    payload = json.loads((tmp_path / "compare.json").read_text())
    assert len(payload["runs"]) == 4 and payload["summary"][0]["activation"] == "relu"
    assert (tmp_path / "curves.png").stat().st_size > 10_000
    assert (tmp_path / "layers.png").stat().st_size > 10_000


def test_init_auto_scales_the_same_draws_by_each_activation_gain():
    key = jax.random.PRNGKey(3)

    def init(how, act="identity"):
        return models.MLP().init(key, compare.Config(depth=2, width=256, init=how), 64, 10, act)

    relu, tanh = init("auto", "relu"), init("auto", "tanh")
    ratio = float(jnp.std(tanh[1][0]) / jnp.std(relu[1][0]))
    assert ratio == pytest.approx(jaxact.signal("tanh").gain / jaxact.signal("relu").gain, rel=1e-5)
    he = init("he")
    np.testing.assert_allclose(relu[1][0], he[1][0], rtol=1e-5)  # ReLU's auto init is He's
    cfg = compare.Config(activations=("tanh",), paths=("closed",), init="auto", **TINY)
    (result,) = compare.run(cfg, stream=io.StringIO())
    assert np.all(np.isfinite(result.train_loss))


@pytest.mark.parametrize("model", ["mlp", "cnn", "transformer"])
def test_init_auto_puts_the_gain_on_the_weights_that_read_the_activation(model):
    """The gain was on every layer, the first (reading the data) included, and on the transformer's
    ffn_in (reading the normalised stream) rather than ffn_out (reading f(z)): sigmoid's first
    pre-activations had a second moment of ~3.2, and each activation saw its input at another scale
    (found by an audit). The data-reading weights are now the same draws for every activation."""
    key = jax.random.PRNGKey(3)
    m = models.get(model)
    n_in, n_out = (64, 256) if model == "transformer" else (64, 10)

    def init(act):
        return m.init(key, compare.Config(model=model, init="auto"), n_in, n_out, act)

    relu, sigmoid = init("relu"), init("sigmoid")
    gain = jaxact.signal("sigmoid").gain / jaxact.signal("relu").gain
    if model == "transformer":
        reads_data = [(b["ffn_in"], c["ffn_in"]) for b, c in zip(relu["blocks"], sigmoid["blocks"], strict=True)]
        reads_act = [(b["ffn_out"], c["ffn_out"]) for b, c in zip(relu["blocks"], sigmoid["blocks"], strict=True)]
    else:
        reads_data = [(relu[0][0], sigmoid[0][0])]
        reads_act = [(a[0], b[0]) for a, b in zip(relu[1:], sigmoid[1:], strict=True)]
    for a, b in reads_data:
        np.testing.assert_array_equal(a, b)
    for a, b in reads_act:
        np.testing.assert_allclose(b, a * gain, rtol=1e-5)


def test_intervals_and_paired_differences_against_the_reference():
    cfg = compare.Config(activations=("relu", "tanh"), paths=("closed",), reference="tanh", **TINY)
    results = compare.run(cfg, stream=io.StringIO())
    rows = {r["activation"]: r for r in compare.summary_rows(results, cfg.reference)}
    for name, r in zip(("relu", "tanh"), results, strict=True):
        acc = r.final("test_accuracy")
        iv = rows[name]["test_acc"]
        assert iv["n"] == 2 and iv["lo"] <= np.mean(acc) <= iv["hi"]
        np.testing.assert_allclose(iv["mean"], np.mean(acc))
    d = rows["relu"]["vs_reference"]
    assert d["activation"] == "tanh"
    paired = results[0].final("test_accuracy") - results[1].final("test_accuracy")
    np.testing.assert_allclose(d["test_acc_diff"]["mean"], np.mean(paired))
    assert rows["tanh"]["vs_reference"]["test_acc_diff"]["mean"] == 0.0
    table = compare.format_table(results, cfg)
    assert "Δ acc vs tanh" in table and "[" in table


def test_a_diverging_run_is_reported_as_diverged_and_scored_as_failed():
    cfg = compare.Config(activations=("exponential",), paths=("closed",), optimizer="sgd", learning_rate=50.0, **TINY)
    results = compare.run(cfg, stream=io.StringIO())
    row = compare.summary_rows(results)[0]
    assert row["diverged"] == 2 and row["test_acc"]["n"] == 2 and row["test_acc"]["mean"] == compare.FAILED_ACCURACY
    assert np.isnan(row["dead_pct_mean"]) and np.isnan(row["early_loss"])  # no surviving seed to average
    assert "diverged" in compare.format_table(results, cfg)


def _run(name, acc, loss=None, steps=(0, 100), lr=1e-3, grid=()):
    """A RunResult by hand: final test accuracies per seed (``loss``: final train losses, NaN diverged)."""
    n = len(acc)
    loss = [0.1] * n if loss is None else loss
    r = compare.RunResult(
        name,
        "closed",
        list(steps),
        [[1.0] * n] * (len(steps) - 1) + [list(loss)],
        [[0.1] * n] * (len(steps) - 1) + [list(acc)],
        [[[0.0]] * n] * len(steps),
        [[[1.0, 1.0]] * n] * len(steps),
        0.0,
        0.0,
        learning_rate=lr,
    )
    if grid:
        r.meta["grid"] = [{"learning_rate": g} for g in grid]
    return r


def test_an_unstable_activation_is_not_ranked_on_the_seeds_it_survived():
    """7 of 10 seeds diverged, 3 survivors better than the reference: scored as failed, the
    difference is far below 0, not a resolved gain."""
    nan = float("nan")
    ref = _run("relu", [0.95] * 10)
    shaky = _run("tanh", [0.97] * 10, loss=[nan] * 7 + [0.1] * 3)
    row = compare.summary_rows([ref, shaky])[1]
    d = row["vs_reference"]["test_acc_diff"]
    assert row["diverged"] == 7 and d["n"] == 10 and d["mean"] < -0.5 and d["hi"] < 0
    assert row["test_acc_mean"] == pytest.approx(0.97)  # the survivors' own mean, kept apart


def test_the_paired_differences_hold_together_over_the_table():
    rng = np.random.default_rng(SEED_CONV)
    runs = [_run(n, 0.9 + 0.01 * rng.normal(size=5)) for n in ("relu", "tanh", "elu", "swish", "gelu", "mish")]
    rows = compare.summary_rows(runs)
    assert compare.comparisons(runs) == 5
    for row in rows[1:]:
        adj, raw = row["vs_reference"]["test_acc_diff"], row["vs_reference"]["test_acc_diff_unadjusted"]
        assert adj["level"] == pytest.approx(0.99) and raw["level"] == 0.95
        assert adj["lo"] < raw["lo"] <= raw["hi"] < adj["hi"] and adj["mean"] == raw["mean"]
    assert "Δ acc vs relu [99% CI]" in compare.format_table(runs, compare.Config(learning_rates=()))


def test_a_rate_at_the_end_of_its_grid_is_flagged():
    grid = (1e-3, 3e-3, 1e-2)
    runs = [_run("relu", [0.9, 0.91], lr=1e-2, grid=grid), _run("tanh", [0.9, 0.92], lr=3e-3, grid=grid)]
    runs.append(_run("elu", [0.9, 0.93], lr=1e-3, grid=grid))
    edges = [row["learning_rate_at_grid_edge"] for row in compare.summary_rows(runs)]
    assert edges == ["largest", None, "smallest"]
    table = compare.format_table(runs, compare.Config(learning_rates=grid))
    assert "0.01^" in table and "0.001v" in table and "best rate may lie beyond the grid" in table
    assert compare.summary_rows([_run("relu", [0.9, 0.91])])[0]["learning_rate_at_grid_edge"] is None


def test_the_early_loss_is_read_a_quarter_of_the_way_through():
    r = _run("relu", [0.9, 0.9], steps=(0, 50, 100))  # 25 lies between 0 and 50: the later, not the initial
    assert compare.summary_rows([r])[0]["early_loss_step"] == 50
    r = _run("relu", [0.9, 0.9], steps=(0, 25, 50, 75, 100))
    assert compare.summary_rows([r])[0]["early_loss_step"] == 25


def test_saved_results_resummarize_to_themselves(tmp_path):
    """compare.json keeps every seed's record: summarising it again (--summarize) gives the summary
    and table the run wrote, NaN (a diverged seed, written as null) included."""
    cfg = compare.Config(activations=("relu", "exponential"), paths=("closed",), **(TINY | {"seeds": 3}))
    results = compare.run(cfg, stream=io.StringIO())
    results[1].train_loss[-1][0] = float("nan")  # one diverged seed
    path = compare.save(results, cfg, tmp_path)
    first = json.loads(path.read_text())
    table = (tmp_path / "table.txt").read_text()
    assert table.startswith("jaxact compare: digits") and first["data"]["test"] == 359
    assert len(first["data"]["sha256"]) == 64 and "user_activations" not in first
    assert main(["compare", "--summarize", str(tmp_path)]) == 0
    again = json.loads(path.read_text())
    assert again["summary"] == first["summary"] and again["runs"] == first["runs"]
    assert (tmp_path / "table.txt").read_text() == table


def test_a_users_activation_is_recorded_by_its_source(tmp_path):
    @jaxact.register(derivative=lambda x: 1 - jnp.tanh(x) ** 2, range=(-1, 1))
    def my_tanh_for_compare(x):
        return jnp.tanh(x)

    try:
        cfg = compare.Config(activations=("my_tanh_for_compare",), paths=("closed",), **TINY)
        payload = json.loads(compare.save(compare.run(cfg, stream=io.StringIO()), cfg, tmp_path).read_text())
    finally:
        jaxact.unregister("my_tanh_for_compare")
    rec = payload["user_activations"]["my_tanh_for_compare"]
    assert rec["function"].endswith(":test_a_users_activation_is_recorded_by_its_source.<locals>.my_tanh_for_compare")
    assert len(rec["source_sha256"]) == 64 and len(rec["derivative_source_sha256"]) == 64


def _refuse(token: str) -> float:
    raise ValueError(f"non-standard JSON token {token}")


def test_results_with_a_diverged_seed_are_strict_json(tmp_path):
    # Python's json would write NaN / Infinity, which strict parsers (a browser's JSON.parse) refuse.
    cfg = compare.Config(activations=("exponential",), paths=("closed",), optimizer="sgd", learning_rate=50.0, **TINY)
    results = compare.run(cfg, stream=io.StringIO())
    assert not np.isfinite(results[0].final("train_loss")).any()
    payload = json.loads(compare.save(results, cfg, tmp_path).read_text(), parse_constant=_refuse)
    run = payload["runs"][0]
    assert run["train_loss"][-1] == [None, None]  # the diverged values, as null
    assert payload["summary"][0]["diverged"] == 2


def test_the_reference_must_be_compared():
    with pytest.raises(ValueError, match="reference 'gelu' is not among"):
        compare.Config(activations=("relu", "tanh"), reference="gelu").validate()


def test_the_learning_rate_is_chosen_on_validation_not_test():
    def fake(lr, val, test):
        r = compare.RunResult("relu", "closed", [0], [[0.1, 0.1]], [[test, test]], [], [], 0.0, 0.0, learning_rate=lr)
        r.val_accuracy = [[val, val]]
        return r

    runs = [fake(1e-3, 0.90, 0.99), fake(1e-2, 0.95, 0.80), fake(1e-1, 0.95, 0.97)]
    best = compare.choose(runs)
    assert best.learning_rate == 1e-2  # best validation, ties to the smaller rate; test accuracy unused
    assert [g["val_acc"] for g in best.meta["grid"]] == [0.90, 0.95, 0.95]
    # a rate whose seeds diverge cannot win on the survivors
    unstable = fake(1.0, 0.99, 0.99)
    unstable.train_loss = [[float("nan"), 0.1]]
    assert compare.choose([*runs, unstable]).learning_rate == 1e-2


def test_a_grid_trains_each_rate_as_it_would_alone():
    """The vmapped grid's run at 1e-2 equals a grid of 1e-2 alone (same split, seeds, batches), and
    the validation split is carved from the training data, never from the test data."""
    cfg = compare.Config(activations=("tanh",), paths=("closed",), **(TINY | {"learning_rates": (1e-3, 1e-2)}))
    ds = data.load(cfg.dataset)
    fit, x_val, y_val = compare.split_validation(ds, cfg.validation_fraction)
    assert fit.x_train.shape[0] + x_val.shape[0] == ds.x_train.shape[0]
    np.testing.assert_array_equal(np.sort(np.concatenate([fit.y_train, y_val])), np.sort(ds.y_train))
    idx = compare.batch_indices(cfg, fit.x_train.shape[0])
    both = compare.train_grid(cfg, fit, "tanh", "closed", idx, io.StringIO(), (x_val, y_val))
    alone = compare.train_grid(
        dataclasses.replace(cfg, learning_rates=(1e-2,)),
        fit,
        "tanh",
        "closed",
        idx,
        io.StringIO(),
        (x_val, y_val),
    )
    assert [r.learning_rate for r in both] == [1e-3, 1e-2]
    np.testing.assert_allclose(both[1].train_loss, alone[0].train_loss, rtol=1e-5)
    np.testing.assert_allclose(both[1].val_accuracy, alone[0].val_accuracy)
    assert not np.allclose(both[0].train_loss, both[1].train_loss)


def test_a_grid_run_end_to_end_with_its_sensitivity_plot(tmp_path):
    pytest.importorskip("matplotlib")
    cfg = compare.Config(activations=("relu", "tanh"), paths=("closed",), **(TINY | {"learning_rates": (1e-3, 1e-2)}))
    results = compare.run(cfg, stream=io.StringIO())
    assert all(r.learning_rate in (1e-3, 1e-2) and len(r.meta["grid"]) == 2 for r in results)
    assert "lr chosen per activation" in compare.format_table(results, cfg)
    files = compare.plot(results, tmp_path)
    assert tmp_path / "lr_sensitivity.png" in files and (tmp_path / "lr_sensitivity.png").stat().st_size > 0
    saved = json.loads(compare.save(results, cfg, tmp_path).read_text())
    assert saved["config"]["learning_rates"] == [1e-3, 1e-2] and saved["summary"][0]["learning_rate"] in (1e-3, 1e-2)


def test_a_cnn_trains_on_the_digits_images():
    cfg = compare.Config.for_model("cnn", activations=("relu", "tanh"), paths=("closed",), width=4, **TINY_RUN)
    results = compare.run(cfg, stream=io.StringIO())
    for r in results:
        loss = np.asarray(r.train_loss)
        assert np.all(loss[-1] < loss[0]), r.activation
        assert np.all(np.asarray(r.test_accuracy[-1]) > 0.3)  # 10 classes: chance is 0.1
    assert "CNN 2x4ch" in compare.format_table(results, cfg)


def test_the_transformer_matches_parameter_counts_and_learns_text():
    """Gated feed-forward blocks get 2/3 of the hidden width: the same parameters as the plain ones
    (Shazeer 2020's matched comparison); both lower the held-out loss from its start near ln 256."""
    ds = data.load("pysource")
    assert ds.source["test_characters"] >= 100_000 and ds.x_test.shape[1] == data.TEXT_CONTEXT
    cfg = compare.Config.for_model("transformer", width=48, steps=30, seeds=2, eval_every=30, activations=("geglu",))
    counts = {a: compare.parameter_count(cfg, ds, a) for a in ("gelu", "geglu", "swiglu")}
    assert len(set(counts.values())) == 1, counts
    results = compare.run(cfg, stream=io.StringIO())  # the gated FFN (the plain one: the CNN's and MLP's act)
    for r in results:
        held_out = np.asarray(r.test_loss)
        assert np.all(np.abs(held_out[0] - np.log(256)) < 1.0), r.activation  # untrained: about uniform
        assert np.all(held_out[-1] < held_out[0] - 0.5), r.activation
        assert r.meta["parameters"] == counts[r.activation]
    (row,) = compare.summary_rows(results)
    assert row["test_log_ppl"]["n"] == 2 and row["vs_reference"]["test_log_ppl_diff"]["mean"] == 0
    assert "test log-ppl" in compare.format_table(results, cfg)


def test_the_language_model_chooses_its_rate_by_validation_loss():
    runs = []
    for lr, nats in ((1e-3, 2.0), (3e-3, 1.5), (1e-2, float("nan"))):
        r = compare.RunResult("gelu", "closed", [0], [[1.0, 1.0]], [[0.5, 0.5]], [], [], 0.0, 0.0, learning_rate=lr)
        r.val_loss = [[nats, nats]]
        r.test_loss = [[0.1, 0.1]]  # never looked at
        if lr == 1e-2:
            r.train_loss = [[float("nan"), 1.0]]
        runs.append(r)
    best = compare.choose(runs, language_model=True)
    assert best.learning_rate == 3e-3
    assert [p["val_log_ppl"] for p in best.meta["grid"]][:2] == [2.0, 1.5]


def test_the_results_record_versions_and_the_text_corpus(tmp_path):
    cfg = compare.Config(activations=("relu",), paths=("closed",), dataset="moons", **TINY)
    two_points = dict(train_loss=[[0.5, 0.4]] * 2, test_accuracy=[[0.9, 0.8]] * 2, dead_fraction=[[[0.0]] * 2] * 2)
    run = compare.RunResult(
        "relu", "closed", [0, 40], **two_points, grad_norm=[[[1.0, 1.0]] * 2] * 2, compile_seconds=1.0, step_seconds=0.1
    )
    path = compare.save([run], cfg, tmp_path)
    payload = json.loads(path.read_text())
    assert payload["versions"]["jax"] == jax.__version__ and payload["config"]["model"] == "mlp"
    text = data.load("pysource").source  # what a transformer run's JSON records under "data"
    assert [f["file"] for f in text["test_files"]] == list(data.TEXT_TEST_FILES)
    assert all(len(f["sha256"]) == 64 for f in text["train_files"]) and text["python"] in sys.version


SHARDED = r"""
import io, json, sys
import jax, numpy as np
from jaxact.tools import compare

assert jax.device_count() == 8
out = {}
for devices in (1, 8):
    cfg = compare.Config(
        activations=("relu", "tanh"), paths=("closed",), depth=2, width=16, steps=30, batch_size=32, seeds=2,
        eval_every=10, devices=devices, learning_rates=(),
    )
    replicated, by_batch = compare.shardings(cfg)
    assert (by_batch is None) == (devices == 1)
    results = compare.run(cfg, stream=io.StringIO())
    out[devices] = [(r.train_loss, r.test_accuracy, r.meta["devices"]) for r in results]
if by_batch is not None:
    tr = compare.Trainer(cfg, compare.data_mod.load("digits"), "relu", "closed")
    params, state = jax.device_put(tr.init(), replicated)
    idx = jax.device_put(np.zeros((2, 10, 32), np.int32), by_batch)
    hlo = jax.jit(tr.chunk).lower(params, state, idx, jax.device_put(np.zeros((2, 10), np.int32), replicated))
    out["all_reduce"] = "all-reduce" in hlo.compile().as_text()
print(json.dumps(out))
"""


def test_sharded_batches_give_the_one_device_results():
    """8 simulated CPU devices, each taking 4 of a batch of 32: the same curves as one device, up to
    the order of the gradient sums (an all-reduce in the compiled step shows the split is real)."""
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8", JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, "-c", SHARDED], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["all_reduce"]
    for one, eight in zip(out["1"], out["8"], strict=True):
        np.testing.assert_allclose(eight[0], one[0], rtol=1e-4)  # train loss at every evaluation
        np.testing.assert_allclose(eight[1], one[1], atol=1 / 359 + 1e-6)  # at most one test image flips
        assert (one[2], eight[2]) == (1, 8)


def test_the_device_count_is_validated():
    with pytest.raises(ValueError, match=r"between 0 \(all\) and the 1 devices"):
        compare.Config(devices=2).validate()


def test_a_configured_variant_is_compared_as_itself():
    """elu(alpha=0.5) beside elu: trained with its parameter (not the default's), named by it,
    its dead-unit derivative and --init auto gain taken with it; configure's value and its repr
    name the same activation."""
    cfg = compare.Config(
        activations=("elu", jaxact.configure("elu", alpha=0.5)), paths=("closed",), **(TINY | {"init": "auto"})
    )
    assert cfg.activations == ("elu", "elu(alpha=0.5)")
    results = compare.run(cfg, stream=io.StringIO())
    assert [r.activation for r in results] == ["elu", "elu(alpha=0.5)"]
    assert not np.allclose(results[0].train_loss, results[1].train_loss)
    tr = compare.Trainer(cfg, data.load(cfg.dataset), "elu(alpha=0.5)", "closed")
    x = jnp.linspace(-3.0, 1.0, 9)
    np.testing.assert_array_equal(tr.act(x), jaxact.elu(x, alpha=0.5))
    np.testing.assert_array_equal(tr.deriv(x), jaxact.get("elu").derivative(x, alpha=0.5))
    k = jax.random.key(0)
    w_half, w_one = (models.weight_init("auto", a)(k, (256, 256)) for a in ("elu(alpha=0.5)", "elu"))
    assert float(jnp.std(w_half)) != pytest.approx(float(jnp.std(w_one)), rel=1e-3)
    assert "elu(alpha=0.5)" in compare.format_table(results, cfg)
    assert models.label(models.activation("jaxact.configure('elu', alpha=0.5)")) == "elu(alpha=0.5)"
    with pytest.raises(ValueError, match="given by name"):
        models.activation("elu(0.5)")
    with pytest.raises(ValueError, match=r"alpha is given more than once"):  # the last one won, silently
        models.activation("elu(alpha=0.5, alpha=0.6)")


def test_the_memory_check_counts_what_the_backward_pass_keeps():
    """By shape alone: per layer a [batch, width] array or more (relu's boolean mask a quarter of a
    float32), the weights and the batch excluded, growing with the batch by a fixed amount per example."""
    cfg = compare.Config(depth=3, width=64)
    ds = data.load(cfg.dataset)
    shapes = compare.parameter_shapes(cfg, ds, "relu")

    def kept(name, batch, path="autodiff"):
        return compare.backward_bytes(cfg, ds, name, path, shapes, batch)

    assert kept("relu", 512) - kept("relu", 256) == 2 * (kept("relu", 256) - kept("relu", 128)) > 0
    assert 3 * 256 * 64 <= kept("relu", 256) < kept("gelu", 256)
    assert kept("gelu", 256) >= 3 * 256 * 64 * 4
    assert kept("gelu", 256, "closed") > 0


def test_one_progress_bar_for_the_whole_study():
    """A log gets one line per finished run, with the share of the whole study, elapsed and left;
    a terminal one live line ending when the study does."""
    log = io.StringIO()
    bar = compare.Progress(300, log)
    for label in ("relu (closed)", "tanh (closed)", "elu (closed)"):
        bar.advance(label, 50)  # mid-run: nothing in a log
        bar.advance(label, 50, run_done=True)
    lines = log.getvalue().splitlines()
    assert len(lines) == 3 and " 33%" in lines[0] and "100%" in lines[2] and "~0:00 left" in lines[2]

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    tty = Terminal()
    bar = compare.Progress(200, tty)
    bar.advance("relu (closed)", 100, run_done=True)
    bar.advance("tanh (closed)", 100, run_done=True)
    assert tty.getvalue().count("\r") == 2 and tty.getvalue().count("\n") == 1 and tty.getvalue().endswith("\n")


def test_the_cnn_convolution_is_xlas():
    rng = np.random.default_rng(SEED_CONV)
    h = jnp.asarray(rng.normal(size=(5, 8, 8, 3)), jnp.float32)
    w = jnp.asarray(rng.normal(size=(3, 3, 3, 4)), jnp.float32)
    ref = jax.lax.conv_general_dilated(h, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    np.testing.assert_allclose(models.conv3x3(h, w), ref, rtol=1e-5, atol=1e-5)


@pytest.mark.slow  # 29 s: each model trains in its own test (test_cli checks the real preset's sizes)
def test_a_preset_runs_every_model_under_one_progress_bar(tmp_path, capsys, monkeypatch):
    """`--preset` trains each of its models in turn, writes each one's results in a folder of its own,
    and reports progress over the whole preset (the real preset's sizes are checked in test_cli)."""
    tiny = {"mlp": {"activations": ("relu", "tanh")}, "cnn": {"activations": ("relu",)}, "transformer": {}}
    monkeypatch.setitem(compare.PRESETS, "full", tiny)
    monkeypatch.setitem(
        compare.MODEL_DEFAULTS, "transformer", compare.MODEL_DEFAULTS["transformer"] | {"activations": ("relu",)}
    )
    argv = ["compare", "--preset", "full", "--steps", "4", "--seeds", "2", "--batch-size", "16", "--eval-every", "2"]
    assert main([*argv, "--lr", "0.01", "--width", "12", "--no-plots", "--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    for model, names in (("mlp", ["relu", "tanh"]), ("cnn", ["relu"]), ("transformer", ["relu"])):
        js = json.loads((tmp_path / model / "compare.json").read_text())
        assert js["config"]["model"] == model and [r["activation"] for r in js["summary"]] == names
        assert f"## {model}" in out
    bar = [line for line in err.splitlines() if "elapsed" in line]
    # One bar, each run weighed by its model's cost per step: the transformer's last is the most.
    shares = [int(line.split("%")[0].rsplit("]", 1)[1]) for line in bar]
    assert len(bar) == 4 and shares == sorted(shares) and shares[-1] == 100 and shares[2] < 50, bar


REF_MODULE = """
import jax.numpy as jnp
import jaxact


@jaxact.register(derivative=lambda x: 1 - jnp.tanh(x) ** 2, range=(-1, 1))
def cmp_ref_act(x):
    return jnp.tanh(x)
"""


def test_a_saved_reference_is_its_runs_label_and_resummarizes_without_its_module(tmp_path, capsys):
    """The reference is kept as the label of the run it names (module:function, configure's value),
    so a study whose user module is gone keeps its paired differences when summarized again; a
    reference that names none of the runs is refused in one line, nothing written."""
    (tmp_path / "cmp_refmod.py").write_text(REF_MODULE)
    sys.path.insert(0, str(tmp_path))
    try:
        cfg = compare.Config(
            activations=("relu", "cmp_refmod:cmp_ref_act"),
            reference="cmp_refmod:cmp_ref_act",
            dataset="moons",
            **{**TINY, "seeds": 3},
        )
        runs = [_run("relu", [0.9, 0.8, 0.85]), _run("cmp_ref_act", [0.95, 0.9, 0.8])]
        compare.save(runs, cfg, tmp_path / "study")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("cmp_refmod", None)
        jaxact.unregister("cmp_ref_act")
    assert main(["compare", "--summarize", str(tmp_path / "study"), "--out", str(tmp_path / "again")]) == 0
    rows = json.loads((tmp_path / "again" / "compare.json").read_text())["summary"]
    assert rows[0]["vs_reference"] is not None
    assert rows[0]["vs_reference"]["test_acc_diff"]["mean"] == pytest.approx(-1 / 30)
    assert "Δ acc vs cmp_ref_act" in (tmp_path / "again" / "table.txt").read_text()
    assert cfg.reference == "cmp_ref_act"
    elu05 = jaxact.configure("elu", alpha=0.5)
    assert compare.Config(activations=("relu", elu05), reference=elu05).reference == "elu(alpha=0.5)"
    # A reference that names none of the runs: refused, nothing written.
    study = tmp_path / "study" / "compare.json"
    payload = json.loads(study.read_text())
    payload["config"]["reference"] = "cmp_gone_module:cmp_ref_act"
    study.write_text(json.dumps(payload))
    before = {p.name: p.read_bytes() for p in study.parent.iterdir()}
    capsys.readouterr()
    assert main(["compare", "--summarize", str(study.parent)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "matches none of its runs' activations (relu, cmp_ref_act)" in err, err
    assert {p.name: p.read_bytes() for p in study.parent.iterdir()} == before
    with pytest.raises(ValueError, match="matches none of its runs"):
        compare.resummarize(study, tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()


def test_an_optimizer_with_a_key_in_its_state_trains():
    """noisy_sgd's state holds a PRNG key: the memory estimate sizes it by its key data."""
    cfg = compare.Config(activations=("relu",), optimizer="noisy_sgd", **TINY_ONE)
    key_state = {"key": jax.random.key(0), "count": jnp.zeros((), jnp.int32)}
    assert compare._nbytes(jax.eval_shape(lambda: key_state)) == 8 + 4  # threefry: two uint32
    with pytest.warns(UserWarning, match="key"):  # optax's own, about noisy_sgd's default key
        (result,) = compare.run(cfg, stream=io.StringIO())
    assert np.all(np.isfinite(result.train_loss))


def test_an_optimizer_whose_state_cannot_be_built_is_named_in_one_line():
    """adafactor's state cannot be built under tracing: refused before training in one line naming
    it (it was JAX's nine-line TracerBoolConversionError text)."""
    with pytest.raises(ValueError, match=r"optax\.adafactor cannot train here") as err:
        compare.Config(activations=("relu",), optimizer="adafactor", **TINY_ONE).validate()
    assert len(str(err.value).splitlines()) == 1


def test_a_learning_rate_given_alone_is_the_rate_trained():
    """As --lr: Config(learning_rate=x) trains x (no grid); with a grid too it is refused, as --lr
    with --lrs; with neither, the default grid; a model's rate gives way to a grid given."""
    assert compare.Config(learning_rate=0.05).grid == (0.05,)
    assert compare.Config(learning_rate=0.05).learning_rates == ()
    assert compare.Config().grid == compare.DEFAULT_LEARNING_RATES and compare.Config().learning_rate is None
    assert compare.Config(learning_rates=()).grid == (compare.DEFAULT_LEARNING_RATE,)
    with pytest.raises(ValueError, match="not both"):
        compare.Config(learning_rate=0.05, learning_rates=(1e-3, 1e-2))
    assert compare.Config.for_model("transformer").grid == (3e-3,)
    assert compare.Config.for_model("transformer", learning_rates=(1e-3, 3e-3)).grid == (1e-3, 3e-3)
    assert compare.Config.for_preset("full", learning_rate=0.01)["mlp"].grid == (0.01,)


def test_the_printed_train_loss_spread_is_the_jsons():
    """The table's train loss ± std is the summary's (n − 1 degrees of freedom); one seed, no spread."""
    cfg = compare.Config(learning_rates=())
    three = [_run("relu", [0.9, 0.9, 0.9], loss=[0.1, 0.2, 0.4])]
    row = compare.summary_rows(three)[0]
    assert row["train_loss_std"] == pytest.approx(np.std([0.1, 0.2, 0.4], ddof=1))
    line = compare.format_table(three, cfg).splitlines()[3]
    assert f"{row['train_loss_mean']:.1e} ± {row['train_loss_std']:.1e}" in line and "1.5e-01" in line
    line = compare.format_table([_run("relu", [0.9], loss=[0.3])], cfg).splitlines()[3]
    assert "3.0e-01" in line and "±" not in line


def test_a_diverged_seed_in_the_grid_scores_the_studys_classes():
    """meta.grid's test log-ppl scores a diverged seed as uniform guessing over the study's classes
    (moons: 2), as the summary does, not over 256."""
    cfg = compare.Config(
        activations=("exponential",), optimizer="sgd", **(TINY_ONE | {"learning_rates": (50.0, 100.0), "seeds": 2})
    )
    (r,) = compare.run(cfg, stream=io.StringIO())
    row = compare.summary_rows([r])[0]
    assert row["diverged"] == 2 and row["test_log_ppl"]["mean"] == pytest.approx(np.log(2))
    for g in r.meta["grid"]:
        assert g["diverged"] == 2 and g["test_log_ppl_mean"] == pytest.approx(np.log(2))


def test_the_table_says_what_a_dead_unit_is_for_each_model():
    """A unit is an entry past the example axis: for the CNN a channel at one pixel, for the
    transformer an FFN unit at one position, and the table says so."""
    z = jnp.stack([jnp.array([[1.0, -1.0], [-1.0, -1.0]])] * 3)  # [example, position, unit]
    np.testing.assert_allclose(compare.dead_fraction([z], jaxact.derivative("relu")), [0.75])
    runs = [_run("relu", [0.9, 0.9])]
    assert "hidden units with zero activation derivative" in compare.format_table(runs, compare.Config())
    assert "(pixel, channel) pairs" in compare.format_table(runs, compare.Config.for_model("cnn"))
    lm = compare.format_table(runs, compare.Config.for_model("transformer"))
    assert "(position, hidden unit) pairs" in lm and "first 256 training windows" in lm


def test_a_str_is_one_activation():
    cfg = compare.Config(activations="relu", paths="closed")
    assert cfg.activations == ("relu",) and cfg.paths == ("closed",)


def test_a_reference_equal_to_a_compared_activation_names_its_run():
    """elu(alpha=1.0) beside elu is elu, defaults filled in (--activations elu,elu(alpha=1.0) is
    refused as one activation trained twice)."""
    cfg = compare.Config(activations=("relu", "elu"), reference="elu(alpha=1.0)", **TINY_ONE)
    cfg.validate()
    assert cfg.reference == "elu"


def test_configures_repr_is_accepted_on_the_command_line(monkeypatch):
    """models.activation takes configure's repr, and so does --activations."""
    seen = []
    argv = ["compare", "--activations", "relu,jaxact.configure('elu', alpha=0.5)", "--reference", "elu(alpha=0.5)"]
    argv += ["--steps", "2", "--seeds", "1", "--lr", "1e-2", "--dataset", "moons", "--no-plots", "--depth", "1"]
    from jaxact.tools import cli

    monkeypatch.setattr(cli, "cmd_compare", lambda args: seen.append(cli._compare_configs(args)) or 0)
    assert main(argv) == 0
    assert seen[0]["mlp"].reference == "elu(alpha=0.5)"


def test_a_numpy_learning_rate_is_a_number():
    """np.float32 rates (a sweep's np.logspace) are numbers, as they were before learning_rate's None
    default; a bool or a str is not."""
    cfg = compare.Config(learning_rate=np.float32(1e-2), steps=2, seeds=1, eval_every=1, depth=1, width=4)
    cfg.validate()
    assert cfg.grid == (float(np.float32(1e-2)),)
    compare.Config(learning_rates=(np.float32(1e-3), 1e-2), steps=2, seeds=1, eval_every=1, depth=1, width=4).validate()
    for bad in (True, "0.1"):
        with pytest.raises(ValueError, match="finite number > 0"):
            compare.Config(learning_rate=bad).validate()


def test_an_interrupted_compare_keeps_the_studies_it_trained(tmp_path, capsys, monkeypatch):
    """Each trained activation and path is checkpointed to compare.partial.json (marked partial) as it
    completes: a run cut short keeps them and leaves an earlier complete compare.json as it was; the
    checkpoint reads back as a study, a next run in the folder is refused while it is there, and a
    complete run removes its own."""
    from jaxact.tools import compare

    argv = ["compare", "--activations", "relu,tanh", "--depth", "1", "--width", "4", "--steps", "4"]
    argv += ["--seeds", "2", "--eval-every", "2", "--dataset", "moons", "--no-plots", "--out", str(tmp_path)]
    done = tmp_path / "compare.json"
    done.write_text('{"runs": "complete"}')
    trained = compare.train_grid

    def cut_short(cfg, ds, activation, *rest, **kw):
        if activation == "tanh":
            raise KeyboardInterrupt
        return trained(cfg, ds, activation, *rest, **kw)

    monkeypatch.setattr(compare, "train_grid", cut_short)
    assert main(argv) == 130
    assert done.read_text() == '{"runs": "complete"}'
    partial = tmp_path / compare.PARTIAL_FILE
    runs, cfg, payload = compare.load(partial)
    assert payload["partial"] is True and [r.activation for r in runs] == ["relu"]
    assert cfg.activations == ("relu", "tanh") and len(runs[0].steps) == 3
    done.unlink()
    capsys.readouterr()
    assert main(["compare", "--summarize", str(tmp_path)]) == 2
    assert "compare.partial.json holds the runs of a run cut short" in capsys.readouterr().err
    kept = tmp_path / "kept"  # renamed compare.json, as the message says: summarized, relu alone
    kept.mkdir()
    (kept / "compare.json").write_text(partial.read_text())
    assert main(["compare", "--summarize", str(kept)]) == 0
    assert [r["activation"] for r in json.loads((kept / "compare.json").read_text())["summary"]] == ["relu"]

    # A new run in the folder would save its progress over them, the only copy, and remove the file:
    # refused before training, until they are kept or removed.
    monkeypatch.setattr(compare, "train_grid", trained)
    capsys.readouterr()
    assert main(argv) == 2 and partial.exists()
    err = capsys.readouterr().err
    assert "compare.partial.json holds the runs an interrupted study trained" in err and err.count("\n") == 1
    partial.unlink()
    assert main(argv) == 0  # its own checkpoint removed once it is complete
    assert not partial.exists() and [r["activation"] for r in json.loads(done.read_text())["runs"]] == ["relu", "tanh"]


def test_a_study_saved_before_device_counts_were_recorded_reads_without_one():
    """The committed GPU study has no device count in its runs: its table names the backend alone (it
    printed 'backend=gpu x?')."""
    from jaxact.tools import compare

    root = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "compare-nvidia-h200" / "default"
    runs, cfg, payload = compare.load(root / "compare.json")
    assert all("devices" not in r.meta for r in runs)
    head = compare.format_table(runs, cfg, payload["device"]["backend"]).splitlines()[0]
    assert head.endswith("backend=gpu"), head


def test_a_configured_value_its_label_would_not_reproduce_is_refused():
    """Config keeps a jaxact.configure value as its label: a forced path was dropped (elu trained on
    the closed path when autodiff was asked for), and a value made before its function was registered
    again trained the new function."""
    from jaxact.tools import compare

    with pytest.raises(ValueError, match=r"forces the autodiff path; .* give it without path="):
        compare.Config(activations=("relu", jaxact.configure("elu", alpha=0.5, path="autodiff")))
    # Spelt as text (--activations, a configuration file): trained on the study's paths, path= dropped.
    for spec in ("elu(path='autodiff')", "jaxact.configure('elu', path='autodiff')"):
        with pytest.raises(ValueError, match=r"forces the autodiff path; .* --paths autodiff\): give it without"):
            compare.Config(activations=("relu", spec), **TINY_ONE).validate()

    def twice(x, a=1.0):
        return jnp.tanh(a * x)

    jaxact.register(derivative=lambda x, a=1.0: a * (1 - jnp.tanh(a * x) ** 2), verify=False)(twice)
    old = jaxact.configure("twice", a=2.0)
    assert compare.Config(activations=("relu", old)).activations == ("relu", "twice(a=2.0)")

    def twice_again(x, a=1.0):
        return 2 * x

    twice_again.__name__ = twice_again.__qualname__ = "twice"
    jaxact.unregister("twice")
    jaxact.register(derivative=lambda x, a=1.0: 2 * jnp.ones_like(x), verify=False)(twice_again)
    with pytest.raises(ValueError, match=r"made before 'twice' was registered again"):
        compare.Config(activations=("relu", old))


def test_a_users_function_failing_in_the_network_is_one_line_before_training():
    """Traced in the network by shape alone before training (the memory check): an error of the
    user's code there (not a ValueError or TypeError) was a 57-line traceback through the preflight."""
    from jaxact.tools import compare

    def small_only(x):
        if x.size > 100_000:
            raise RuntimeError("too big")
        return x

    jaxact.register(derivative=lambda x: jnp.ones_like(x))(small_only)
    try:
        cfg = compare.Config(
            activations=("relu", "small_only"), model="transformer", dataset="pysource", steps=1, width=12, depth=1
        )
        with pytest.raises(
            ValueError,
            match=r"^jaxact compare: small_only fails in the transformer's network .*"
            r"RuntimeError: too big$",
        ):
            cfg.validate()
    finally:
        jaxact.unregister("small_only")


def test_validate_refuses_one_function_named_twice():
    """The CLI refused elu beside elu(alpha=1.0) (equal configurations, defaults filled in); a Config
    built in Python trained the same network twice under two labels."""
    with pytest.raises(ValueError, match=r"^jaxact compare: elu and elu\(alpha=1.0\) are the same function"):
        compare.Config(activations=("elu", "elu(alpha=1.0)", "relu")).validate()
    compare.Config(activations=("elu", "elu(alpha=0.5)")).validate()
