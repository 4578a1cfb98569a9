import os

import jax
import numpy as np

# float64 references and float64 cases need x64; float32 inputs stay float32.
jax.config.update("jax_enable_x64", True)


def pytest_configure(config):
    # One seed for the whole run, drawn here in the main process so that every
    # xdist worker (they inherit the environment) uses the same random inputs.
    os.environ.setdefault("JAXACT_TEST_SEED", str(np.random.SeedSequence().entropy % (2**31)))


def pytest_report_header(config):
    return f"jaxact random inputs: JAXACT_TEST_SEED={os.environ['JAXACT_TEST_SEED']} (set it to replay this run)"
