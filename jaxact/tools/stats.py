"""Intervals over seeds for ``jaxact compare``: a mean with its 95 % t-interval, and paired
differences (same initialisations and batches per seed) against a reference activation.

A run whose loss is not finite has diverged: it is counted, and left out of the intervals
rather than averaged into ``nan ± nan``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def t_quantile(df: int, level: float = 0.95) -> float:
    """The two-sided Student-t quantile (2.776 for 4 degrees of freedom at 95 %)."""
    from scipy import stats  # a dependency of scikit-learn, which compare needs anyway

    return float(stats.t.ppf(0.5 + level / 2, df))


@dataclass(frozen=True)
class Interval:
    """A mean over n finite samples with a confidence interval [lo, hi] (NaN for n < 2)."""

    mean: float
    lo: float
    hi: float
    n: int

    @property
    def resolved(self) -> bool:
        """The interval excludes 0: a difference that the seeds resolve."""
        return bool(self.lo > 0 or self.hi < 0)

    def text(self, fmt: str = ".3f") -> str:
        if self.n == 0:
            return "diverged"
        if self.n < 2:
            return f"{self.mean:{fmt}}"
        return f"{self.mean:{fmt}} [{self.lo:{fmt}}, {self.hi:{fmt}}]"


Samples = Sequence[float] | np.ndarray


def mean_interval(values: Samples, level: float = 0.95) -> Interval:
    """The mean of the finite values with its t-interval: mean ± t·s/√n.

    Example:
      >>> iv = mean_interval([0.9, 1.0, 1.1])
      >>> round(iv.mean, 3), round(iv.hi - iv.mean, 3)  # t(2) = 4.303, s = 0.1
      (1.0, 0.248)
    """
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    n = int(v.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    m = float(np.mean(v))
    if n < 2:
        return Interval(m, math.nan, math.nan, 1)
    half = t_quantile(n - 1, level) * float(np.std(v, ddof=1)) / math.sqrt(n)
    return Interval(m, m - half, m + half, n)


def paired_difference(a: Samples, b: Samples, level: float = 0.95) -> Interval:
    """a − b seed by seed (the same initialisation and batches), with its t-interval; seeds where
    either diverged are left out."""
    a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a64.shape != b64.shape:
        raise ValueError(f"paired_difference: {a64.shape} and {b64.shape} pair no seeds")
    return mean_interval(a64 - b64, level)
