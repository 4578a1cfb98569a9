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


EXPLICIT = textwrap.dedent(
    r"""
    import re, sys
    import jax, jax.numpy as jnp, numpy as np
    from jax.sharding import AxisType, NamedSharding, PartitionSpec as P
    import jaxact, jaxact.linen

    # jax.make_mesh's default axis types: Explicit (a broadcast is typed replicated unless told).
    mesh = jax.make_mesh((4, 2), ("data", "model"), axis_types=(AxisType.Explicit,) * 2)
    N = (256, 128)
    # A collective's line: its result (one array or a tuple, when XLA merges several) before the op,
    # synchronous or the start of an asynchronous one.
    COLLECTIVE = re.compile(r"=(.*?) (all-gather|all-reduce|reduce-scatter|all-to-all)(?:-start)?\(")
    SHAPE = re.compile(r"[a-z0-9]+\[([0-9,]*)\]")

    def big_collectives(compiled):
        # A learned parameter's gradient is reduced across devices (small); one of a device's
        # shard of x or more is the activation gathered.
        found = set()
        for result, op in COLLECTIVE.findall(compiled.as_text()):
            sizes = [np.prod([int(s) for s in shape.split(",") if s]) for shape in SHAPE.findall(result)]
            if max(sizes, default=0) >= N[0] * N[1] // 8:
                found.add(op)
        return sorted(found)

    failures = []
    rng = np.random.default_rng(0)
    with jax.set_mesh(mesh):
        x = jax.device_put(jnp.asarray(rng.normal(size=N), jnp.bfloat16), P("data", "model"))
        for i, name in enumerate(sys.argv[1:]):
            for per_channel in ((False, True)[i % 2],):  # a scalar and a per-channel layout, alternately
                m = jaxact.linen.Learnable(name, per_channel=per_channel)
                params = m.init(jax.random.key(0), x)
                grad = jax.jit(jax.grad(lambda p, v: m.apply(p, v).astype(jnp.float32).sum(), argnums=(0, 1)))
                try:
                    compiled = grad.lower(params, x).compile()
                    _, gx = compiled(params, x)
                except Exception as e:
                    failures.append(f"{name} per_channel={per_channel}: {type(e).__name__}: {str(e)[:200]}")
                    continue
                found = big_collectives(compiled)
                if found or gx.sharding.spec != x.sharding.spec:
                    failures.append(f"{name} per_channel={per_channel}: {found}, {gx.sharding.spec}")

        # A parameter given as an array (smelu's β is broadcast against x for its clip bounds): a
        # scalar, and one per column sharded as x's columns.
        xf = x.astype(jnp.float32)
        g = jax.jit(jax.grad(lambda v, b: jaxact.smelu(v, beta=b).sum(), argnums=(0, 1)))
        per_column = jax.device_put(jnp.full((N[1],), 2.0, jnp.float32), P("model"))
        for label, b in (("scalar", jnp.float32(2.0)), ("per column", per_column)):
            if found := big_collectives(g.lower(xf, b).compile()):
                failures.append(f"smelu {label} beta: {found}")

        # A shard_map manual over one axis, the other explicit: the sort's auto_axes leaves it manual.
        rows = np.asarray(xf)[:16, :32]
        for name in ("sparsemax", "entmax15"):
            f = jax.shard_map(getattr(jaxact, name), in_specs=P("data"), out_specs=P("data"), axis_names={"data"})
            try:
                got = jax.jit(f)(jax.device_put(rows, P("data", "model")))
                np.testing.assert_allclose(got, getattr(jaxact, name)(rows), atol=1e-6)
            except Exception as ex:
                failures.append(f"{name} in a partly manual shard_map: {type(ex).__name__}: {str(ex)[:200]}")

        # The sorted axis sharded, 3-D (rows sharded on two axes); every path and order, under vmap.
        x3 = rng.normal(size=(8, 16, 32)).astype(np.float32)
        xs = jax.device_put(x3, P(None, "data", "model"))
        for name in ("sparsemax", "entmax15"):
            e = jaxact.get(name)
            for axis in (-1, 1):
                paths = (
                    ("default", lambda v: e(v, axis=axis)),
                    ("autodiff", lambda v: e.autodiff(v, axis=axis)),
                    ("vmap", jax.vmap(lambda v: e(v, axis=axis - 1 if axis > 0 else axis))),
                )
                for label, f in paths:
                    try:
                        y = jax.jit(f)(xs)
                        np.testing.assert_allclose(y, e(x3, axis=axis), atol=1e-6)
                        gg = jax.jit(jax.grad(lambda v: jax.grad(lambda w: (f(w) ** 3).sum())(v).sum()))(xs)
                        want = jax.jit(jax.grad(lambda v: jax.grad(lambda w: (f(w) ** 3).sum())(v).sum()))(x3)
                        np.testing.assert_allclose(gg, want, rtol=1e-4, atol=1e-5)
                        if y.sharding.spec != xs.sharding.spec or gg.sharding.spec != xs.sharding.spec:
                            failures.append(f"{name} axis={axis} {label}: {y.sharding.spec}, {gg.sharding.spec}")
                    except Exception as ex:
                        failures.append(f"{name} axis={axis} {label}: {type(ex).__name__}: {str(ex)[:200]}")
    # Called outside jax.set_mesh, on arrays placed on the explicit mesh (the mesh comes from x).
    xe = jax.device_put(x3, NamedSharding(mesh, P(None, "data", "model")))
    calls = (("sparsemax", jaxact.sparsemax), ("smelu", lambda v: jaxact.smelu(v, beta=jnp.float32(2.0))))
    for name, call in calls:
        try:
            y = call(xe)
            np.testing.assert_allclose(y, call(x3), atol=1e-6)
            if y.sharding.spec != xe.sharding.spec:
                failures.append(f"{name} outside set_mesh: {y.sharding.spec}")
        except Exception as ex:
            failures.append(f"{name} outside set_mesh: {type(ex).__name__}: {str(ex)[:200]}")
    # A user's derivative that is one constant (entry.derivative broadcasts it): x's sharding, not a
    # replicated array of x's size on every device.
    def double(v, a=2.0):
        return a * v

    double = jaxact.register(derivative=lambda v, a=2.0: a, verify=False)(double)
    with jax.set_mesh(mesh):
        d = jaxact.get("double").derivative(xe)
        if d.sharding.spec != xe.sharding.spec or not np.all(np.asarray(d) == 2):
            failures.append(f"a constant derivative: {d.sharding.spec}")
    print("\n".join(failures) if failures else "OK")
    """
)


def test_explicit_sharding_gathers_nothing_and_sorts_a_sharded_row():
    """Under explicit axes: a Learnable over a bfloat16 input (its float32 gradient layout) and an
    array parameter keep x's sharding with no gather of x; sparsemax/entmax15 sort a row split
    across devices, to every order of derivative (the sampled learnable entries)."""
    names = [e.name for e in sampled_entries() if e.learnable_params]
    out = _on_8_devices(EXPLICIT, *names)
    assert out.splitlines()[-1] == "OK", out[-4000:]


MIXED_AXES = textwrap.dedent(
    r"""
    import jax, jax.numpy as jnp, numpy as np
    from jax.sharding import NamedSharding, PartitionSpec as P
    import jaxact

    jax.config.update("jax_enable_x64", True)
    mesh = jax.make_mesh((8,), ("i",))
    for dtype, tol in ((np.float32, 1e-6), (np.float64, 1e-13)):
        x = np.random.default_rng(0).normal(size=(8, 4, 6)).astype(dtype)
        x[3, 1, 2] = 30.0  # one entry dominating a row: float64's exact forms take their branch
        xs = jax.device_put(x, NamedSharding(mesh, P("i")))
        w = np.cos(np.arange(x.size)).reshape(x.shape).astype(dtype)
        combos = (((1, "i"), (0, 1)), ((-1, "i"), (0, 2)), ((1, -1, "i"), (0, 1, 2)))
        for k, name in enumerate(("softmax", "log_softmax", "softmin")):
            f = getattr(jaxact, name)
            for axis, whole in combos[k:] + combos[:k] if name == "softmax" else combos[k : k + 1]:
                # Device i holds x[i]: its positional axes are whole's minus the leading one.
                sharded = jax.shard_map(
                    lambda v, axis=axis: f(v, axis=axis), mesh=mesh, in_specs=P("i"), out_specs=P("i")
                )
                np.testing.assert_allclose(jax.jit(sharded)(xs), f(x, axis=whole), rtol=tol, atol=tol)
                g = jax.jit(jax.grad(lambda v: jnp.sum(sharded(v) * w)))(xs)
                want = jax.grad(lambda v: jnp.sum(f(v, axis=whole) * w))(x)
                np.testing.assert_allclose(g, want, rtol=tol, atol=tol)
    print("ok")
    """
)


def test_positional_and_mapped_axes_together_under_shard_map():
    """softmax(x, axis=(1, 'i')) inside shard_map is the softmax over the global array's axes, values and
    gradient; jax.nn's fails a bare assertion in JAX's reduction there."""
    out = _on_8_devices(MIXED_AXES)
    assert out == "ok", out[-4000:]
