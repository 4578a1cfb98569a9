"""Values quoted from each function's paper or reference implementation, not computed from
jaxact's own formula: a wrong transcription of a definition fails here even where the mpmath
definition (written by the same hand) would agree with it. The second table evaluates the
expression of each function's reference implementation in NumPy."""

import math

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


def _np_softplus(x):
    return np.logaddexp(0.0, x)


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _np_erf(x):
    return np.vectorize(math.erf)(x)


def _np_gelu(x):
    return 0.5 * x * (1 + _np_erf(x / np.sqrt(2)))


def _halves(x):
    return x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]


# The expressions of each function's reference implementation (or the code most models use),
# written in NumPy float64 from that code, not from jaxact's: (name, params, expression, source).
REFERENCE_CODE = [
    (
        "star_relu",
        {"scale": 0.8944, "bias": -0.4472},
        lambda x: 0.8944 * np.maximum(x, 0) ** 2 - 0.4472,
        "MetaFormer baselines (sail-sg/metaformer), StarReLU: s·relu(x)² + b",
    ),
    (
        "acon_c",
        {"p1": 1.0, "p2": 0.25, "beta": 1.5},
        lambda x: (1.0 * x - 0.25 * x) * _np_sigmoid(1.5 * (1.0 * x - 0.25 * x)) + 0.25 * x,
        "nmaac/acon AconC: (p1x − p2x)·σ(β(p1x − p2x)) + p2x",
    ),
    (
        "smelu",
        {"beta": 2.0},
        lambda x: np.where(np.abs(x) <= 2.0, (x + 2.0) ** 2 / (4 * 2.0), np.maximum(x, 0)),
        "SmeLU (Shamir et al.): (x + β)²/4β on |x| ≤ β, else relu",
    ),
    ("shifted_softplus", {}, lambda x: _np_softplus(x) - np.log(2.0), "SchNet / nequip ShiftedSoftPlus"),
    ("serf", {}, lambda x: x * _np_erf(np.log1p(np.exp(x))), "SERF: x·erf(log(1 + eˣ))"),
    ("telu", {}, lambda x: x * np.tanh(np.exp(x)), "TeLU: x·tanh(eˣ)"),
    ("quick_gelu", {}, lambda x: x * _np_sigmoid(1.702 * x), "CLIP (openai/CLIP) QuickGELU: x·σ(1.702x)"),
    ("squared_relu", {}, lambda x: np.maximum(x, 0) ** 2, "Primer: relu(x)²"),
    ("mish", {}, lambda x: x * np.tanh(_np_softplus(x)), "Mish: x·tanh(softplus(x))"),
    ("lisht", {}, lambda x: x * np.tanh(x), "LiSHT: x·tanh(x)"),
    (
        "elish",
        {},
        lambda x: np.where(x >= 0, x, np.expm1(np.minimum(x, 0))) * _np_sigmoid(x),
        "ELiSH: x·σ(x) for x ≥ 0, (eˣ − 1)·σ(x) below",
    ),
    ("isrlu", {"alpha": 3.0}, lambda x: np.where(x >= 0, x, x / np.sqrt(1 + 3.0 * x * x)), "ISRLU"),
    (
        "pelu",
        {"a": 1.5, "b": 0.5},
        lambda x: np.where(x >= 0, 1.5 / 0.5 * x, 1.5 * np.expm1(np.minimum(x, 0) / 0.5)),
        "PELU: (a/b)x for x ≥ 0, a(e^(x/b) − 1) below",
    ),
    (
        "srelu",
        {"t_left": -1.0, "a_left": 0.1, "t_right": 2.0, "a_right": 0.5},
        lambda x: np.where(x >= 2.0, 2.0 + 0.5 * (x - 2.0), np.where(x <= -1.0, -1.0 + 0.1 * (x + 1.0), x)),
        "SReLU: t + a(x − t) beyond each threshold, x between",
    ),
    ("penalized_tanh", {}, lambda x: np.where(x > 0, np.tanh(x), 0.25 * np.tanh(x)), "penalized tanh (Xu et al.)"),
    (
        "rrelu",
        {},
        lambda x: np.where(x >= 0, x, x * (1 / 8 + 1 / 3) / 2),
        "torch.nn.functional.rrelu(training=False): the mean slope (lower + upper)/2",
    ),
    ("exponential", {}, np.exp, "keras.activations.exponential"),
    ("reglu", {}, lambda x: _halves(x)[0] * np.maximum(_halves(x)[1], 0), "Shazeer 2020: value ⊙ relu(gate)"),
    ("geglu", {}, lambda x: _halves(x)[0] * _np_gelu(_halves(x)[1]), "Shazeer 2020: value ⊙ gelu(gate)"),
    (
        "swiglu",
        {},
        lambda x: _halves(x)[0] * _halves(x)[1] * _np_sigmoid(_halves(x)[1]),
        "Shazeer 2020: value ⊙ swish(gate)",
    ),
    ("bilinear", {}, lambda x: _halves(x)[0] * _halves(x)[1], "Shazeer 2020: value ⊙ gate"),
]


@pytest.mark.parametrize("name,params,expression,source", REFERENCE_CODE, ids=[r[0] for r in REFERENCE_CODE])
def test_reference_implementations_expressions(name, params, expression, source):
    x = np.random.default_rng(0).normal(scale=2.5, size=(4, 16))
    x[0, :8] = [-6.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]
    got = np.asarray(jaxact.get(name).fn(jnp.asarray(x, jnp.float64), **params))
    np.testing.assert_allclose(got, expression(x), rtol=1e-12, atol=1e-13, err_msg=source)
