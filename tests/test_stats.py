"""Intervals over seeds (jaxact.tools.stats): coverage, pairing, divergence."""

import math

import numpy as np
import pytest

from jaxact.tools import stats

from .cases import SEED


def test_t_quantiles_are_students():
    assert stats.t_quantile(4) == pytest.approx(2.7764451, abs=1e-6)
    assert stats.t_quantile(1000) == pytest.approx(1.9623391, abs=1e-6)


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
