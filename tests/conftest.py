import os

import jax
import numpy as np
import pytest

# float64 references and float64 cases need x64; float32 inputs stay float32.
jax.config.update("jax_enable_x64", True)


def pytest_configure(config):
    # One seed for the whole run, drawn here in the main process so that every
    # xdist worker (they inherit the environment) uses the same random inputs.
    os.environ.setdefault("JAXACT_TEST_SEED", str(np.random.SeedSequence().entropy % (2**31)))


def pytest_report_header(config):
    return f"jaxact random inputs: JAXACT_TEST_SEED={os.environ['JAXACT_TEST_SEED']} (set it to replay this run)"


# The cross-product tests marked `sampled` (entry × dtype × path × …) run, by default, a
# random third of each entry's cases (at least one); those marked `sampled(entries=True)` (the
# costlier per-entry sweeps whose ground other tests cover for every entry) that for a random
# third of the entries. Drawn from the run's seed so that every xdist worker collects the same
# tests and a run replays with JAXACT_TEST_SEED. The whole
# matrix: JAXACT_FULL_TESTS=1 python -m pytest (the README's Development section).
def pytest_collection_modifyitems(config, items):
    from .cases import full_matrix, keep_a_third  # after pytest_configure has set the seed

    if full_matrix():
        return
    # `slow` cases (7 s or more each, their ground covered otherwise) run with the whole matrix only.
    slow = [it for it in items if it.get_closest_marker("slow") is not None]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [it for it in items if it.get_closest_marker("slow") is None]
    rng = np.random.default_rng(int(os.environ["JAXACT_TEST_SEED"]))
    groups: dict = {}
    by_entries: set = set()  # tests marked sampled(entries=True): a third of the entries, too
    for item in items:
        mark = item.get_closest_marker("sampled")
        if mark is None:
            continue
        params = getattr(getattr(item, "callspec", None), "params", {})
        entry = params.get("entry", params.get("name"))  # an entry, or a test's own name parameter
        key = (item.originalname, getattr(entry, "name", entry))
        groups.setdefault(key, []).append(item)
        if mark.kwargs.get("entries"):
            by_entries.add(item.originalname)
    dropped = set()
    for test in sorted(by_entries):
        keys = sorted((k for k in groups if k[0] == test), key=str)
        kept = set(keep_a_third(len(keys), rng).tolist())
        for i, key in enumerate(keys):
            if i not in kept:
                dropped.update(id(item) for item in groups.pop(key))
    for key in sorted(groups, key=str):
        group = groups[key]
        kept = set(keep_a_third(len(group), rng).tolist())
        dropped.update(id(item) for i, item in enumerate(group) if i not in kept)
    if dropped:
        config.hook.pytest_deselected(items=[it for it in items if id(it) in dropped])
        items[:] = [it for it in items if id(it) not in dropped]


@pytest.fixture(autouse=True)
def _registry_left_as_found():
    """A test that registers its own activation (the README, the notebook) leaves no trace for
    the tests after it in the same worker."""
    import jaxact

    before = set(jaxact.names())
    yield
    for name in set(jaxact.names()) - before:
        jaxact.unregister(name)
