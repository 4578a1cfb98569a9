"""Test parametrisation generated from the registry."""

from __future__ import annotations

import os

import jax.numpy as jnp
import numpy as np
import pytest

from jaxact import entries, verify

# Fresh random inputs every run, replayable: pytest's header prints the seed, and
# JAXACT_TEST_SEED=<seed> python -m pytest ... reruns with exactly those inputs.
SEED = int(os.environ.get("JAXACT_TEST_SEED") or np.random.SeedSequence().entropy % (2**31))  # set by conftest


def _id(entry, params, dtype=None) -> str:
    base = f"{entry.name}[{verify.param_id(params, entry)}]"
    return base if dtype is None else f"{base}-{jnp.dtype(dtype).name}"


def all_cases(dtypes=(jnp.float32, jnp.float64)):
    return [pytest.param(e, p, d, id=_id(e, p, d)) for e, p, d in verify.cases(dtypes)]


def elementwise_cases(dtypes=(jnp.float32, jnp.float64)):
    return [pytest.param(e, p, d, id=_id(e, p, d)) for e, p, d in verify.cases(dtypes) if e.elementwise]


def vector_cases(dtypes=(jnp.float32, jnp.float64)):
    return [pytest.param(e, p, d, id=_id(e, p, d)) for e, p, d in verify.cases(dtypes) if not e.elementwise]


def full_matrix() -> bool:
    """JAXACT_FULL_TESTS=1: every case of the sampled tests (the README's Development section)."""
    return os.environ.get("JAXACT_FULL_TESTS") == "1"


def keep_a_third(n: int, rng: np.random.Generator) -> np.ndarray:
    """The indices of a random third of n items (at least one)."""
    return rng.permutation(n)[: max(1, round(n / 3))]


def sampled_entries() -> list:
    """A random third of the entries, drawn from the run's seed (all with JAXACT_FULL_TESTS=1): for
    whole-catalogue loops in one test, as conftest samples the parametrised `sampled` tests."""
    es = entries()
    if full_matrix():
        return es
    return [es[i] for i in sorted(keep_a_third(len(es), np.random.default_rng(SEED)))]


def entry_params():
    return [pytest.param(e, id=e.name) for e in entries()]


def jax_nn_entries():
    return [pytest.param(e, id=e.name) for e in entries() if e.jax_nn]
