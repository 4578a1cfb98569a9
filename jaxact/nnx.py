"""Flax NNX: one module that learns the numeric parameters of any activation (extra ``flax``).

Same settings as :class:`jaxact.linen.Learnable`; NNX creates parameters up front, so a
per-feature parameter needs ``num_features``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxact import _learnable, paths
from jaxact.configured import Configured

try:
    from flax import nnx
except ImportError as e:  # pragma: no cover - only without the extra
    raise ImportError("jaxact.nnx needs flax: pip install 'jaxact[flax]', in a clone '.[flax]'") from e


_NEEDS_RNGS = "{owner}: drawing its random form (training mode) needs rngs=nnx.Rngs(...)."


class Learnable(nnx.Module):
    """An activation whose numeric parameters are learned, stored as ``nnx.Param`` attributes
    named after them (``module.alpha``, ``module.negative_slope``).

    Args:
      activation: a registered name or a :func:`jaxact.configure` value (fixed settings, and
        initial values for the learned parameters).
      num_features: one value per feature along ``axis`` (an int, NumPy's too); ``None`` learns a
        scalar. An input whose ``axis`` has another size is refused.
      learn: the parameters to learn (default: every numeric one of the entry).
      axis: the feature axis; a configured ``axis`` (prelu's) with ``num_features`` must name the same one.
      gradient_path: force ``"closed_form"`` or ``"autodiff"`` (named as :class:`jaxact.linen.Learnable`'s,
        where ``path`` is Flax's own); ``path=``, its old name, still works with a DeprecationWarning.
      param_dtype: the stored parameters' dtype (float32).
      dtype: the computation dtype; ``None`` computes in the input's dtype.
      sharding: logical axis names of a per-feature parameter (``("mlp",)``), attached with
        ``nnx.with_partitioning``; creating it needs a mesh in context, as for any sharded
        NNX variable.
      rngs: for a keyed activation (rrelu), the ``nnx.Rngs`` whose ``dropout`` stream draws its
        random (training) form, or one ``nnx.RngStream``, as ``nnx.Dropout``'s.
      deterministic: the keyed activation's deterministic (evaluation) form, read by truthiness
        (``np.False_`` and ``0`` are false, as for ``nnx.Dropout``); default: when no ``rngs`` is
        given. ``model.train()`` / ``model.eval()`` and ``nnx.view(model, deterministic=...)`` set
        it, and ``__call__``'s ``deterministic`` and ``rngs`` override the module's, as for ``nnx.Dropout``.

    A learned value that training pushes out of its parameter's domain (ELU's α below 0) is used at the
    domain's edge (0, or the dtype's epsilon for a positive one), its gradient passed straight through:
    the stored value is then not the one in use; clip it into the domain before reading it back into
    :func:`jaxact.configure`, which refuses it.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxact.nnx import Learnable
      >>> act = Learnable("elu", num_features=3)
      >>> act.alpha.shape
      (3,)
      >>> act(jnp.array([[-1.0, 0.0, 1.0]])).round(3)
      Array([[-0.632,  0.   ,  1.   ]], dtype=float32)
    """

    def __init__(
        self,
        activation: str | Configured,
        *,
        num_features: int | None = None,
        learn: Sequence[str] | None = None,
        axis: int = -1,
        gradient_path: paths.GradientPath | None = None,
        param_dtype: Any = jnp.float32,
        dtype: Any = None,
        sharding: tuple[str | None, ...] | None = None,
        rngs: nnx.Rngs | nnx.RngStream | None = None,
        deterministic: bool | None = None,
        path: paths.GradientPath | None = None,
    ):
        owner = f"jaxact.nnx.Learnable({activation!r})"
        if path is not None:  # the name before gradient_path (linen's had to change: Flax's Module.path)
            if gradient_path is not None:
                raise TypeError(f"{owner}: give gradient_path= only (path= is its old name).")
            warnings.warn(f"{owner}: path= is renamed gradient_path=.", DeprecationWarning, stacklevel=_users_level())
            gradient_path = path
        plan = _learnable.plan(activation, learn, gradient_path, owner)
        _learnable.check_dtypes(param_dtype, dtype, owner)
        num_features = _learnable.check_count(num_features, "num_features", owner)
        axis = _learnable.check_axis(axis, owner)
        _learnable.check_sharding(sharding, num_features is not None, owner)
        det = _learnable.check_deterministic(deterministic, owner)
        shape = () if num_features is None else (num_features,)
        rngs = _checked_rngs(rngs, owner)
        deterministic = rngs is None if det is None else det
        if plan.keyed and not deterministic and rngs is None:
            raise ValueError(_NEEDS_RNGS.format(owner=owner))
        self._learned = tuple(k for k, _ in plan.learned)
        for k, v0 in plan.learned:
            init = nnx.initializers.constant(v0)
            if sharding is not None:
                init = nnx.with_partitioning(init, sharding if shape else ())
            setattr(self, k, nnx.Param(init(jax.random.key(0), shape, param_dtype)))
        # The static attributes (the GraphDef) hold the fixed settings only: with the initial values
        # in them, models differing only in where training starts compiled once each under nnx.jit and
        # could not share one GraphDef, and the repr showed a value training had since left.
        activation = _learnable.fixed_only(activation, self._learned, owner, gradient_path)
        self._plan = dataclasses.replace(plan, learned=())
        self._axis, self._dtype, self._num_features = axis, dtype, num_features
        self.activation = activation  # static (hashable), and what the repr shows
        self.rngs = rngs
        self.deterministic = deterministic
        self._owner = f"jaxact.nnx.Learnable({activation!r})"

    def set_view(self, deterministic: bool | None = None) -> None:
        """``nnx.view(model, deterministic=...)`` reaches this, as ``nnx.Dropout``'s.

        Args:
          deterministic: the keyed activation's evaluation form (True) or random training form (False);
            None leaves it as it is.
        """
        if deterministic is not None:
            self.deterministic = _learnable.check_deterministic(deterministic, self._owner)

    def __call__(
        self, x: jax.Array, *, deterministic: bool | None = None, rngs: nnx.Rngs | nnx.RngStream | None = None
    ) -> jax.Array:
        if self._num_features is not None:  # made before x was seen: its feature axis must fit them
            # A configured axis (prelu's) other than the module's is named first: it is why the sizes differ.
            _learnable.check_feature_axis(self._plan, np.shape(x), self._axis, self._num_features, self._owner)
            _learnable.check_features(x, self._axis, self._num_features, self._owner)
        values = {k: getattr(self, k)[...] for k in self._learned}
        given = _learnable.check_deterministic(deterministic, self._owner)
        det = self.deterministic if given is None else given
        key = None
        if self._plan.keyed and not det:  # train() may switch on a module made without rngs
            stream = _checked_rngs(rngs, self._owner) if rngs is not None else self.rngs
            if stream is None:
                raise ValueError(_NEEDS_RNGS.format(owner=self._owner))
            key = stream() if isinstance(stream, nnx.RngStream) else stream.dropout()
        return _learnable.apply(self._plan, x, values, self._axis, self._dtype, key)


_SKIPPED = (os.path.dirname(os.path.abspath(__file__)) + os.sep, os.path.dirname(os.path.abspath(nnx.__file__)))


def _users_level() -> int:
    """warnings.warn's stacklevel of the first caller outside jaxact and Flax: NNX's metaclass calls
    ``__init__`` a few frames below the user's line (stacklevel=2 named Flax's own file, and Python's
    default filters show a DeprecationWarning only where it is attributed to ``__main__``)."""
    frame, level = sys._getframe(1), 1  # __init__'s frame is level 1
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(_SKIPPED):
        frame, level = frame.f_back, level + 1
    return level


def _checked_rngs(rngs: Any, owner: str) -> nnx.Rngs | nnx.RngStream | None:
    """None, an ``nnx.Rngs`` (its ``dropout`` stream draws) or one ``nnx.RngStream``: anything else
    (a key, a seed) failed only at the first training call, inside it."""
    if rngs is None or isinstance(rngs, (nnx.Rngs, nnx.RngStream)):
        return rngs
    raise TypeError(f"{owner}: rngs must be an nnx.Rngs (or one nnx.RngStream), got {type(rngs).__name__}.")
