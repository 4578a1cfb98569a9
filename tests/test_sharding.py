"""Sharded arrays: activations keep their sharding and add no communication.

Runs in subprocesses with 8 simulated CPU devices (the flag must be set before JAX starts), over
a third of the entries per run, drawn from the run's seed (all with JAXACT_FULL_TESTS=1).
"""

import os
import subprocess
import sys
import textwrap

import pytest

from .cases import sampled_entries

PARTS = 2

SCRIPT = textwrap.dedent(
    r"""
    import re, sys
    import jax, jax.numpy as jnp
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    import jaxact

    assert len(jax.devices()) == 8, jax.devices()
    mesh = Mesh(np.array(jax.devices()).reshape(4, 2), ("data", "model"))
    spec = NamedSharding(mesh, P("data", "model"))
    x = jax.device_put(jnp.asarray(np.random.default_rng(0).normal(size=(64, 32)), jnp.float32), spec)
    COLLECTIVES = re.compile(r"all-gather|all-reduce|reduce-scatter|collective-permute|all-to-all")

    def collectives(f, *args):
        return COLLECTIVES.findall(jax.jit(f).lower(*args).compile().as_text())

    failures = []
    for e in map(jaxact.get, sys.argv[1:]):
        unsharded = e.fn(np.asarray(x))
        for path, f in (("autodiff", e.autodiff), ("closed", e.closed_form)):
            if e.elementwise:
                compiled = jax.jit(f).lower(x).compile()  # one compilation: run it and read it
                y = compiled(x)
                if y.sharding != x.sharding:
                    failures.append(f"{e.name}/{path}: sharding {y.sharding} != {x.sharding}")
                np.testing.assert_allclose(y, unsharded, rtol=1e-6, atol=1e-6)
                fwd_bwd = lambda v, f=f: jax.vjp(f, v)[1](v)[0]
                found = COLLECTIVES.findall(compiled.as_text()) + collectives(fwd_bwd, x)
                if found:
                    failures.append(f"{e.name}/{path}: {sorted(set(found))}")
            else:
                # Along an unsharded axis: no communication. Mixing along a sharded
                # axis needs a reduction across devices: the documented exception.
                xr = jax.device_put(x, NamedSharding(mesh, P("data", None)))
                g = (lambda v, f=f: f(v, axis=-1)) if e.name != "glu" else (lambda v, f=f: f(v, axis=-1))
                found = collectives(g, xr) + collectives(lambda v, g=g: jax.vjp(g, v)[1](g(v))[0], xr)
                if found:
                    failures.append(f"{e.name}/{path} (unsharded axis): {sorted(set(found))}")
                np.testing.assert_allclose(jax.jit(g)(xr), g(np.asarray(x)), rtol=1e-5, atol=1e-6)
                y = jax.jit(lambda v, f=f: f(v, axis=0))(x)  # sharded axis: correct, with collectives
                np.testing.assert_allclose(y, f(np.asarray(x), axis=0), rtol=1e-5, atol=1e-6)
    print("\n".join(failures) if failures else "OK")
    """
)


def _on_8_devices(script: str, *args: str) -> str:
    """Runs ``script`` in a subprocess with 8 simulated CPU devices; its output."""
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-4000:]
    return out.stdout.strip()


@pytest.mark.parametrize("part", range(PARTS))
def test_activations_keep_sharding_and_add_no_collectives(part):
    """The sampled entries, in PARTS subprocesses over disjoint parts of them (run side by side)."""
    out = _on_8_devices(SCRIPT, *(e.name for e in sampled_entries()[part::PARTS]))
    assert out.splitlines()[-1] == "OK", out[-4000:]


SHARDED_EMPTY_ROW = textwrap.dedent(
    r"""
    import jax, jax.numpy as jnp, numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    import jaxact

    mesh = Mesh(np.array(jax.devices()), ("d",))
    x = np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32)
    x[1] = -np.inf
    xs = jax.device_put(x, NamedSharding(mesh, P(None, "d")))  # one element of each row per device
    for name in ("softmax", "log_softmax"):
        f = getattr(jaxact, name)
        y = np.asarray(jax.jit(f)(xs))
        loss = lambda v: jnp.sum(jnp.where(jnp.isfinite(f(v)), f(v), 0) * jnp.arange(8.0))
        g = np.asarray(jax.jit(jax.grad(loss))(xs))
        assert not np.isnan(y).any() and not np.isnan(g).any(), (name, y, g)
        np.testing.assert_allclose(y[[0, 2, 3]], np.asarray(f(x))[[0, 2, 3]], rtol=1e-6)
    print("ok")
    """
)


def test_empty_row_sharded_one_element_per_device_is_nan_free():
    """XLA drops a reduction's start value where it covers one element, here one per device."""
    out = _on_8_devices(SHARDED_EMPTY_ROW)
    assert out == "ok", out[-4000:]
