import jax

# float64 references and float64 cases need x64; float32 inputs stay float32.
jax.config.update("jax_enable_x64", True)


def pytest_report_header(config):
    from tests.cases import SEED

    return f"jaxact random inputs: JAXACT_TEST_SEED={SEED} (set it to replay this run)"
