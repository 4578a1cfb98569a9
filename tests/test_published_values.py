"""Values quoted from each function's paper or reference implementation, not computed from
jaxact's own formula: a wrong transcription of a definition fails here even where the mpmath
definition (written by the same hand) would agree with it."""

import jax.numpy as jnp
import numpy as np
import pytest

import jaxact

# (name, params, input row, expected output, source)
PUBLISHED = [
    # The entmax package's README (deep-spin/entmax), x = [-2, 0, 0.5]:
    ("sparsemax", {}, [-2.0, 0.0, 0.5], [0.0, 0.25, 0.75], "entmax README"),
    ("entmax15", {}, [-2.0, 0.0, 0.5], [0.0, 0.3260, 0.6740], "entmax README"),
    ("softmax", {}, [-2.0, 0.0, 0.5], [0.0486, 0.3592, 0.5922], "entmax README"),
]


@pytest.mark.parametrize("name,params,x,expected,source", PUBLISHED, ids=[f"{p[0]}-{p[4]}" for p in PUBLISHED])
def test_published_values(name, params, x, expected, source):
    got = jaxact.get(name).fn(jnp.asarray([x], jnp.float32), **params)[0]
    np.testing.assert_allclose(np.asarray(got), expected, atol=5e-5, err_msg=source)
