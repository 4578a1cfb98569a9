"""Intervals over seeds (jaxact.tools.stats): coverage, pairing, divergence."""

import math
import subprocess
import sys

import numpy as np
import pytest

from jaxact.tools import stats

from .cases import SEED


def test_t_quantiles_are_students():
    assert stats.t_quantile(4) == pytest.approx(2.7764451, abs=1e-6)
    assert stats.t_quantile(1000) == pytest.approx(1.9623391, abs=1e-6)
    scipy_stats = pytest.importorskip("scipy.stats")  # the reference only: compare does not need scipy
    for df in (*range(1, 40), 99, 1000, 10**5):
        for level in (0.5, 0.9, 0.95, 0.99, 0.995, stats.family_level(30), 1 - 1e-6):
            want = scipy_stats.t.ppf(0.5 + level / 2, df)
            assert stats.t_quantile(df, level) == pytest.approx(want, rel=1e-9), (df, level)
    with pytest.raises(ValueError, match="df must be an integer"):
        stats.t_quantile(0)


def test_the_intervals_need_no_scipy():
    code = "import sys; sys.modules['scipy'] = None; from jaxact.tools import stats; print(stats.t_quantile(4))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().startswith("2.7764")


def test_a_family_of_intervals_holds_together():
    """Bonferroni: five differences at 99 % each hold together at 95 % at least: over 2000 trials of
    five true-zero differences (5 seeds each), fewer than 5 % of trials resolve any of them."""
    assert stats.family_level(5) == pytest.approx(0.99) and stats.family_level(1) == pytest.approx(0.95)
    rng = np.random.default_rng(SEED)
    draws = rng.normal(size=(2000, 5, 5))  # trials x comparisons x seeds, no true difference
    level = stats.family_level(5)
    any_resolved = np.mean([any(stats.mean_interval(d, level).resolved for d in trial) for trial in draws])
    assert any_resolved <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 2000), any_resolved
    one_by_one = np.mean([any(stats.mean_interval(d).resolved for d in trial) for trial in draws])
    assert one_by_one > 0.15  # 1 − 0.95⁵ = 0.23 unadjusted


def test_no_spread_resolves_nothing_and_bounds_clip():
    assert not stats.paired_difference([0.9972, 0.9972], [0.9944, 0.9944]).resolved
    iv = stats.mean_interval([0.99, 0.80, 1.0], bounds=(0.0, 1.0))
    assert iv.hi == 1.0 and iv.lo > 0.0 and iv.mean == pytest.approx(0.93)


def test_the_95_percent_interval_covers_the_true_mean_95_percent_of_the_time():
    rng = np.random.default_rng(SEED)
    draws = rng.normal(loc=0.7, scale=0.05, size=(4000, 5))
    covered = np.mean([stats.mean_interval(d).lo <= 0.7 <= stats.mean_interval(d).hi for d in draws])
    assert 0.935 <= covered <= 0.965, covered  # binomial sd 0.0034 around 0.95


def test_a_paired_difference_removes_what_the_seeds_share():
    """Seed effects shared by both activations (same init and batches) cancel in the pairing:
    a 0.01 difference under ±0.05 seed noise is resolved paired, not unpaired."""
    rng = np.random.default_rng(SEED)
    seed_effect = rng.normal(scale=0.05, size=5)
    a = 0.80 + seed_effect + rng.normal(scale=0.001, size=5)
    b = 0.79 + seed_effect + rng.normal(scale=0.001, size=5)
    paired = stats.paired_difference(a, b)
    assert paired.resolved and paired.lo > 0
    ia, ib = stats.mean_interval(a), stats.mean_interval(b)
    assert ia.lo < ib.hi  # the unpaired intervals overlap
    same = stats.paired_difference(a, a)
    assert (same.mean, same.lo, same.hi, same.resolved) == (0.0, 0.0, 0.0, False)


def test_diverged_seeds_are_left_out_and_counted():
    iv = stats.mean_interval([0.9, math.nan, 0.8, math.inf])
    assert iv.n == 2 and iv.mean == pytest.approx(0.85)
    assert stats.mean_interval([math.nan, math.nan]).text() == "diverged"
    assert stats.mean_interval([0.5]).text() == "0.500"
    d = stats.paired_difference([0.9, math.nan, 0.8], [0.7, 0.6, math.nan])
    assert d.n == 1 and d.mean == pytest.approx(0.2)
    with pytest.raises(ValueError, match="pair no seeds"):
        stats.paired_difference([1.0, 2.0], [1.0])


def test_values_all_equal_are_not_printed_as_a_precise_interval():
    """Three seeds each scoring 347/359 printed '0.967 [0.967, 0.967]', a zero-width interval read as a
    precise estimate; there is no spread to estimate (found by an audit)."""
    from jaxact.tools.stats import mean_interval

    assert mean_interval([347 / 359] * 3).text() == "0.967 (all 3 equal)"
    assert mean_interval([0.9, 1.0, 1.1]).text() == "1.000 [0.752, 1.248]"
