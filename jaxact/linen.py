"""Flax linen: one module that learns the numeric parameters of any activation (extra ``flax``).

Every jaxact function, and every :func:`jaxact.configure` value, already works wherever linen
takes an activation callable (``nn.Sequential([nn.Dense(64), jaxact.gelu, ...])``). For learned
parameters, :class:`Learnable` reads them from the registry entry: PReLU's slope, ELU's α,
swish's β, squareplus's b ... as a scalar or one value per feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from jaxact import _learnable, paths
from jaxact.configured import Configured

try:
    import flax.linen as nn
except ImportError as e:  # pragma: no cover - only without the extra
    raise ImportError("jaxact.linen needs flax: pip install 'jaxact[flax]', in a clone '.[flax]'") from e


class Learnable(nn.Module):
    """An activation whose numeric parameters are learned.

    Args:
      activation: a registered name (``"prelu"``) or a :func:`jaxact.configure` value, whose
        parameters are fixed settings or, for the learned ones, initial values
        (``jaxact.configure("elu", alpha=0.5)`` learns α from 0.5).
      learn: the parameters to learn (default: every numeric one of the entry).
      per_channel: one value per feature along ``axis`` (else one scalar).
      axis: the feature axis; a configured ``axis`` (prelu's) with ``per_channel`` must name the same one.
      gradient_path: force ``"closed_form"`` or ``"autodiff"`` (default: the entry's, and the global
        switch). Not ``path``: that is Flax's own ``Module.path`` (the module's scope), which
        ``tabulate`` and ``module_paths`` read.
      param_dtype: the stored parameters' dtype (float32).
      dtype: the computation dtype; ``None`` computes in the input's dtype (parameters are cast to
        it, so a bfloat16 activation stays bfloat16 while its parameters train in float32).
      sharding: logical axis names of a per-channel parameter (e.g. ``("mlp",)``), attached with
        ``nn.with_logical_partitioning`` for sharded training: ``nn.logical_axis_rules`` maps them to
        the mesh's axes, as for any Flax parameter.
      deterministic: for a keyed activation (rrelu): false (``False``, ``0``, ``np.False_``: read
        by truthiness, as ``nn.Dropout`` reads it) draws its random (training) form from the
        ``rng_collection`` stream, as ``nn.Dropout`` does; true or unset, its deterministic form.
        ``__call__``'s ``deterministic`` argument overrides it.
      rng_collection: the PRNG stream of those draws (``"dropout"``, as ``nn.Dropout``'s).

    A learned value that training pushes out of its parameter's domain (ELU's α below 0) is used at the
    domain's edge (0, or the dtype's epsilon for a positive one), its gradient passed straight through:
    the stored value is then not the one in use; clip it into the domain before reading it back into
    :func:`jaxact.configure`, which refuses it.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from jaxact.linen import Learnable
      >>> act = Learnable("prelu", per_channel=True)
      >>> params = act.init(jax.random.key(0), jnp.ones((2, 3)))
      >>> params["params"]["negative_slope"]
      Array([0.25, 0.25, 0.25], dtype=float32)
      >>> act.apply(params, jnp.array([[-4.0, 0.0, 2.0]]))
      Array([[-1.,  0.,  2.]], dtype=float32)
    """

    activation: str | Configured = "prelu"
    learn: Sequence[str] | None = None
    per_channel: bool = False
    axis: int = -1
    gradient_path: paths.GradientPath | None = None
    param_dtype: Any = jnp.float32
    dtype: Any = None
    sharding: tuple[str | None, ...] | None = None
    deterministic: bool | None = None
    rng_collection: str = "dropout"

    @nn.compact
    def __call__(self, x: jax.Array, deterministic: bool | None = None) -> jax.Array:
        owner = f"jaxact.linen.Learnable({self.activation!r})"
        plan = _learnable.plan(self.activation, self.learn, self.gradient_path, owner)
        _learnable.check_dtypes(self.param_dtype, self.dtype, owner)
        axis = _learnable.check_axis(self.axis, owner)
        per_channel = _learnable.check_flag(self.per_channel, "per_channel", owner)
        _learnable.check_sharding(self.sharding, per_channel, owner)
        # Both checked, the argument's overriding the attribute's, each read as nn.Dropout reads it.
        given = _learnable.check_deterministic(deterministic, owner)
        det = given if given is not None else _learnable.check_deterministic(self.deterministic, owner)
        shape = _learnable.param_shape(jnp.asarray(x), axis, per_channel, owner)
        if shape:
            _learnable.check_feature_axis(plan, jnp.shape(x), axis, shape[0], owner)
        values = {}
        for k, v0 in plan.learned:
            init = nn.initializers.constant(v0)
            if self.sharding is not None:
                init = nn.with_logical_partitioning(init, self.sharding if shape else ())
            values[k] = self.param(k, init, shape, self.param_dtype)
        key = self.make_rng(self.rng_collection) if det is False and plan.keyed else None
        return _learnable.apply(plan, x, values, axis, self.dtype, key)
