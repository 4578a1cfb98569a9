"""Fusion: jitted forward+backward of the closed-form path compiles to one fused loop."""

import re

import jax
import jax.numpy as jnp
import pytest

import jaxact

from .cases import entry_params


def _does_arithmetic(entry):
    return bool(jax.make_jaxpr(entry.raw)(jnp.ones(4)).eqns)  # identity has nothing to fuse


ELEMENTWISE = [p for p in entry_params() if p.values[0].elementwise and _does_arithmetic(p.values[0])]


def _entry_fusions(f, n=1 << 14):
    def fwd_bwd(x, g):
        return jax.vjp(f, x)[1](g)[0]

    x = jnp.ones((n,), jnp.float32)
    hlo = jax.jit(fwd_bwd).lower(x, x).compile().as_text()
    entry = hlo[hlo.index("ENTRY") :]
    ops = re.findall(r"= \S+ (\w[\w-]*)\(", entry)
    return [op for op in ops if op not in ("parameter", "constant", "tuple", "get-tuple-element", "bitcast")]


@pytest.mark.parametrize("entry", ELEMENTWISE)
def test_closed_form_fwd_bwd_is_one_fusion(entry):
    assert _entry_fusions(entry.closed_form) == ["fusion"], entry.name


@pytest.mark.parametrize(
    "names",
    [
        ("relu", "gelu", "tanh", "swish", "sigmoid", "elu", "leaky_relu", "softplus"),
        ("mish", "selu", "celu", "hard_silu", "soft_sign", "log_sigmoid"),
    ],
    ids=lambda n: "-".join(n),
)
def test_chain_of_closed_form_activations_is_one_fusion(names):
    """The backward of the whole chain is one loop: no intermediate is materialised.

    (Autodiff of the same chains, jax.nn's included, compiles to several loops on CPU.)
    """

    def chain(x):
        for n in names:
            x = jaxact.get(n).closed_form(x)
        return x

    assert _entry_fusions(chain) == ["fusion"]


def test_forward_of_every_activation_is_one_fusion():
    for e in jaxact.entries():
        if e.elementwise and not _does_arithmetic(e):
            continue
        shape = (64,) if e.elementwise else (8, 64)
        hlo = jax.jit(e.fn).lower(jnp.ones(shape)).compile().as_text()
        entry = hlo[hlo.index("ENTRY") :]
        if e.elementwise:
            assert len(re.findall(r" fusion\(", entry)) == 1, e.name
