"""Intervals over seeds for ``jaxact compare``: a mean with its t-interval, and paired
differences (same initialisations and batches per seed) against a reference activation, at a
level adjusted for the number of comparisons a table makes (Bonferroni).

What a diverged run (a loss that is not finite) counts as is the caller's choice: these functions
leave out the values that are not finite and count the rest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def t_quantile(df: int, level: float = 0.95) -> float:
    """The two-sided Student-t quantile: P(|T| ≤ t) = level for T with ``df`` degrees of freedom
    (2.776 for 4 at 95 %). Computed here (P(|T| > t) = I_x(df/2, ½), x = df/(df + t²), solved for
    x by bisection), so that the comparison needs no scipy.

    Example:
      >>> from jaxact.tools.stats import t_quantile
      >>> round(t_quantile(4), 4), round(t_quantile(4, 0.99), 4)
      (2.7764, 4.6041)
    """
    if not (isinstance(df, int) and df >= 1 and 0 < level < 1):
        raise ValueError(f"t_quantile: df must be an integer >= 1 and level in (0, 1), got {df}, {level}")
    tail = 1 - level
    a = df / 2
    lo, hi = 0.0, 1.0  # I_x(a, ½) rises from 0 at x = 0 to 1 at x = 1
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if _betainc(a, 0.5, mid) < tail:
            lo = mid
        else:
            hi = mid
    x = (lo + hi) / 2
    return math.sqrt(df * (1 - x) / x)


def _betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), by its continued fraction (Lentz)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny = 1e-300

    def guard(v: float) -> float:
        return v if abs(v) > tiny else tiny

    c, d = 1.0, 1 / guard(1 - (a + b) * x / (a + 1))
    h = d
    for m in range(1, 10_000):
        for aa in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 / guard(1 + aa * d)
            c = guard(1 + aa / c)
            h *= d * c
        if abs(d * c - 1) < 1e-16:
            break
    return h


def family_level(comparisons: int, level: float = 0.95) -> float:
    """The level of each of ``comparisons`` intervals that together hold at ``level`` (Bonferroni):
    five activations against a reference at 95 % take 99 % each."""
    return 1 - (1 - level) / max(comparisons, 1)


@dataclass(frozen=True)
class Interval:
    """A mean over n finite samples with a confidence interval [lo, hi] (NaN for n < 2), at
    ``level``."""

    mean: float
    lo: float
    hi: float
    n: int
    level: float = 0.95

    @property
    def resolved(self) -> bool:
        """The interval excludes 0 and has a width: a difference that the seeds resolve (seeds
        that all differ by the same amount estimate no spread, and resolve nothing)."""
        return bool(self.n >= 2 and self.hi > self.lo and (self.lo > 0 or self.hi < 0))

    def text(self, fmt: str = ".3f") -> str:
        if self.n == 0:
            return "diverged"
        if self.n < 2:
            return f"{self.mean:{fmt}}"
        if self.hi == self.lo:  # every value equal: no spread to estimate, not a precise estimate
            return f"{self.mean:{fmt}} (all {self.n} equal)"
        return f"{self.mean:{fmt}} [{self.lo:{fmt}}, {self.hi:{fmt}}]"


Samples = Sequence[float] | np.ndarray


def mean_interval(
    values: Samples, level: float = 0.95, bounds: tuple[float, float] = (-math.inf, math.inf)
) -> Interval:
    """The mean of the finite values with its t-interval: mean ± t·s/√n, s with n − 1 degrees of
    freedom; the ends clipped to ``bounds``, the values the quantity can take (an accuracy's [0, 1]).

    Example:
      >>> from jaxact.tools.stats import mean_interval
      >>> iv = mean_interval([0.9, 1.0, 1.1])
      >>> round(iv.mean, 3), round(iv.hi - iv.mean, 3)  # t(2) = 4.303, s = 0.1
      (1.0, 0.248)
    """
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    n = int(v.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0, level)
    m = float(np.mean(v))
    if n < 2:
        return Interval(m, math.nan, math.nan, 1, level)
    half = t_quantile(n - 1, level) * float(np.std(v, ddof=1)) / math.sqrt(n)
    return Interval(m, max(m - half, bounds[0]), min(m + half, bounds[1]), n, level)


def paired_difference(
    a: Samples, b: Samples, level: float = 0.95, bounds: tuple[float, float] = (-math.inf, math.inf)
) -> Interval:
    """a − b seed by seed (the same initialisation and batches), with its t-interval; seeds where
    either is not finite are left out."""
    a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a64.shape != b64.shape:
        raise ValueError(f"paired_difference: {a64.shape} and {b64.shape} pair no seeds")
    return mean_interval(a64 - b64, level, bounds)
