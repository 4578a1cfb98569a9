"""jaxact: activation functions for JAX with verified closed-form derivatives.

``import jaxact as nn`` works where ``jax.nn`` is used: every activation jax.nn
has is here under the same name, signature and defaults (jaxact's own code),
and jax.nn's other names (``one_hot``, ``logsumexp``, ``initializers`` ...) are
re-exported. Each activation has two gradient paths with identical values:

* ``jaxact.closed_form.<name>``: ``jax.custom_jvp`` from its hand-written derivative;
* ``jaxact.autodiff.<name>``: plain autodiff through its jnp code.

``jaxact.<name>`` takes the path its registry entry records as best, with the
reason (``jaxact.get(name).default_path``, ``.path_reason``);
:func:`gradient_path` / :func:`set_gradient_path` force one everywhere.

Your own activation joins with :func:`register` (its derivative is checked against autodiff
first: :func:`jaxact.verify.check`), and then goes through everything a built-in one does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# jax.nn's names that are not activations.
from jax.nn import (
    dot_product_attention as dot_product_attention,
    get_scaled_dot_general_config as get_scaled_dot_general_config,
    initializers as initializers,
    log1mexp as log1mexp,
    logmeanexp as logmeanexp,
    logsumexp as logsumexp,
    one_hot as one_hot,
    scaled_dot_general as scaled_dot_general,
    scaled_matmul as scaled_matmul,
    standardize as standardize,
)

from jaxact import autodiff as autodiff, closed_form as closed_form, verify as verify
from jaxact.configured import Configured as Configured, configure as configure

# The activations, re-exported explicitly so IDEs and type checkers see them;
# tests/test_namespace.py checks that this list and the registry agree.
from jaxact.gates import (
    acon_c as acon_c,
    elish as elish,
    exponential as exponential,
    gaussian as gaussian,
    gelu as gelu,
    hard_silu as hard_silu,
    lisht as lisht,
    mish as mish,
    quick_gelu as quick_gelu,
    serf as serf,
    shifted_softplus as shifted_softplus,
    silu as silu,
    softplus as softplus,
    sparse_plus as sparse_plus,
    squareplus as squareplus,
    swish as swish,
    telu as telu,
)
from jaxact.normalizers import (
    bilinear as bilinear,
    geglu as geglu,
    glu as glu,
    log_softmax as log_softmax,
    reglu as reglu,
    softmax as softmax,
    softmin as softmin,
    swiglu as swiglu,
)
from jaxact.paths import (
    forced_gradient_path as forced_gradient_path,
    gradient_path as gradient_path,
    set_gradient_path as set_gradient_path,
)
from jaxact.periodic import sine as sine, snake as snake
from jaxact.propagation import Signal as Signal, initializer as initializer, signal as signal
from jaxact.rational import pade as pade, pade_fit as pade_fit
from jaxact.rectifiers import (
    binary_step as binary_step,
    celu as celu,
    elu as elu,
    identity as identity,
    isrlu as isrlu,
    leaky_relu as leaky_relu,
    pelu as pelu,
    prelu as prelu,
    relu as relu,
    relu6 as relu6,
    rrelu as rrelu,
    selu as selu,
    smelu as smelu,
    squared_relu as squared_relu,
    srelu as srelu,
    star_relu as star_relu,
    threshold as threshold,
)
from jaxact.registry import (
    Activation as Activation,
    DerivativeMismatchError as DerivativeMismatchError,
    UnknownActivationError as UnknownActivationError,
    entries as entries,
    get as get,
    names as names,
    register as register,
    unregister as unregister,
)
from jaxact.shrink import (
    hardshrink as hardshrink,
    softshrink as softshrink,
    tanhshrink as tanhshrink,
)
from jaxact.sigmoids import (
    arctan as arctan,
    hard_sigmoid as hard_sigmoid,
    hard_tanh as hard_tanh,
    isru as isru,
    log_sigmoid as log_sigmoid,
    penalized_tanh as penalized_tanh,
    sigmoid as sigmoid,
    soft_sign as soft_sign,
    sparse_sigmoid as sparse_sigmoid,
    tanh as tanh,
)
from jaxact.sparse import entmax15 as entmax15, sparsemax as sparsemax

# Aliases (registered as such: jaxact.get("logistic") is sigmoid's entry).
logistic = sigmoid
heaviside = binary_step
hard_swish = hard_silu

__version__ = "0.1.0"


def derivative(name: str):
    """The closed-form derivative f'(x, **params) of an elementwise activation (checked and jitted)."""
    entry = get(name)
    if entry.derivative is None:
        raise TypeError(
            f"jaxact.derivative: {entry.name} mixes elements along an axis; it has a "
            f"Jacobian-vector product instead: jaxact.get({entry.name!r}).jvp(x, t)."
        )
    return entry.derivative


if not TYPE_CHECKING:  # a type checker keeps flagging a misspelt jaxact.<name>

    def __getattr__(name: str):
        """``jaxact.<name>`` for an activation registered after import (your own, through
        :func:`register`), as ``jaxact.autodiff.<name>`` has it; exact names only (no fuzzy match)."""
        if not name.startswith("__") and name in names(include_aliases=True):
            return get(name).fn
        if name in _FLAX_MODULES:  # not imported by ``import jaxact``: they need the flax extra
            raise AttributeError(
                f"module 'jaxact' has no attribute {name!r}: import it first, import jaxact.{name} "
                "(needs flax: pip install 'jaxact[flax]', in a clone '.[flax]')"
            )
        raise AttributeError(f"module 'jaxact' has no attribute {name!r}")

    _FLAX_MODULES = ("linen", "nnx")
