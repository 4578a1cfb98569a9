"""The networks ``jaxact compare`` trains: an MLP, a small conv net and a tiny pre-norm decoder.

Each model is pure JAX (no Flax: the comparison must see exactly one activation call per hidden
layer): ``init(key, cfg, ds, activation)`` gives the parameters, ``apply(params, x, act, key)``
the logits and the hidden pre-activations (for the dead-unit count), ``weights(params)`` the
weight matrices whose gradient norms are reported per layer. The activation ``act`` is an
elementwise function, or (transformer only) a gated one that splits its input in halves along
the last axis: FFN(x) = act(x W) W₂ with W of width 2h′ is (a(xW₁) ⊙ xV) W₂ — ReGLU, GEGLU,
SwiGLU (Shazeer 2020).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from jaxact import registry
from jaxact.configured import Configured, configure
from jaxact.propagation import initializer as jaxact_initializer

INITS = {
    "glorot": jax.nn.initializers.glorot_normal(),
    "he": jax.nn.initializers.he_normal(),
    "lecun": jax.nn.initializers.lecun_normal(),
}

Act = Callable[..., jax.Array]


_CONFIGURE_REPR = re.compile(r"\s*(?:jaxact\.)?configure\(\s*(['\"])([^'\"]+)\1\s*(?:,(.*))?\)\s*", re.S)


def _unpasted(spec: str) -> str:
    """configure's own repr, pasted (``jaxact.configure('elu', alpha=0.5)``), as ``elu(alpha=0.5)``;
    any other spec as it is."""
    m = _CONFIGURE_REPR.fullmatch(spec)
    return spec if m is None else f"{m.group(2)}({m.group(3) or ''})"


def spec_name(spec: str) -> str:
    """The activation's name in a spec :func:`activation` takes: ``elu`` of ``elu(alpha=0.5)`` and of
    ``jaxact.configure('elu', alpha=0.5)``, ``mod:f`` of ``mod:f``."""
    return _unpasted(spec).split("(", 1)[0].strip()


def activation(spec: str | Configured) -> Configured:
    """An activation as the comparison names it: a registered name or module:function, or one called
    with fixed parameters as ``jaxact.configure`` takes them, ``elu(alpha=0.5)``, or configure's
    repr, ``jaxact.configure('elu', alpha=0.5)`` (each of these on the command line too, in
    ``compare --activations`` and ``--reference``), or configure's value (from Python); checked,
    with the errors ``configure`` gives.

    Example:
      >>> from jaxact.tools.models import activation, label
      >>> label(activation("ELU(alpha=0.5)"))
      'elu(alpha=0.5)'
    """
    if isinstance(spec, Configured):
        return spec
    spec = _unpasted(spec)
    m = re.fullmatch(r"\s*([^()\s]+)\s*(?:\((.*)\))?\s*", spec, re.S)
    if m is None:
        raise ValueError(f"activation {spec!r}: write a name, or a name with parameters such as elu(alpha=0.5)")
    name, args = m.groups()
    params: dict[str, Any] = {}
    if args and args.strip():
        try:
            call = ast.parse(f"f({args})", mode="eval").body
            if not isinstance(call, ast.Call) or call.args:
                raise ValueError("parameters are given by name")
            for kw in call.keywords:
                if kw.arg is None:
                    raise ValueError("parameters are given by name")
                if kw.arg in params:  # Python's own parser refuses f(a=1, a=2); ast leaves it to the call
                    raise ValueError(f"{kw.arg} is given more than once")
                try:
                    params[kw.arg] = ast.literal_eval(kw.value)
                except ValueError:
                    raise ValueError(f"{kw.arg}'s value is not a number, string, bool or tuple of them") from None
        except (SyntaxError, ValueError) as e:
            raise ValueError(
                f"activation {spec!r}: its parameters must be name=value with Python literals, as in "
                f"elu(alpha=0.5) ({e})"
            ) from None
    try:
        return configure(name, **params)
    except TypeError as e:
        raise ValueError(str(e)) from None


def activation_entry(spec: str) -> registry.Activation:
    return activation(spec).entry


def label(act: Configured) -> str:
    """How results name a configured activation: ``elu``, ``elu(alpha=0.5)``."""
    return spelt(act.name, act.params)


def spelt(name: str, params: Any) -> str:
    """``name`` with its (key, value) pairs as results write them: ``elu``, ``elu(alpha=0.5)``."""
    return name + (f"({', '.join(f'{k}={v!r}' for k, v in params)})" if params else "")


def weight_init(init: str, act: str | None) -> Any:
    """The initializer of the weights that read ``act``'s output (``auto``: its variance-preserving
    gain with its parameters, 1/√E f(z)²), or, with ``act`` None, of those that read a unit-scale input
    (the data, a normalised stream: ``auto``'s gain 1). Other ``init`` values are one initializer for
    every layer."""
    if init != "auto":
        return INITS[init]
    if act is None:
        return jaxact_initializer("identity")
    c = activation(act)
    return jaxact_initializer(c.name, **dict(c.params))


def _scaled(init: Any, factor: float) -> Any:
    """``init``'s draws times ``factor`` (variance × factor²)."""
    return lambda key, shape, dtype=jnp.float32: init(key, shape, dtype) * factor


def _apply_act(act: Act, z: jax.Array, key: jax.Array | None, layer: int) -> jax.Array:
    # A keyed activation (rrelu) draws per layer while training; without a key, its evaluation form.
    return act(z) if key is None else act(z, key=jax.random.fold_in(key, layer))


@dataclass(frozen=True)
class MLP:
    """``depth`` hidden Dense layers of ``width`` units, then a Dense classifier."""

    name: str = "mlp"
    depth: int = 6
    width: int = 64

    def init(self, key: jax.Array, cfg: Any, n_features: int, n_out: int, activation: str) -> list:
        sizes = [n_features] + [cfg.width] * cfg.depth + [n_out]
        keys = jax.random.split(key, len(sizes) - 1)
        # The first layer reads the standardised data; every later one, the activation's output (auto's
        # gain was on the first too, which scaled the data, not f(z): sigmoid's first pre-activations
        # had a second moment of ~3.2, not 1, and each activation saw its input at another scale).
        reads = [None] + [activation] * (len(sizes) - 2)
        return [
            (weight_init(cfg.init, a)(k, (m, n), jnp.float32), jnp.zeros((n,), jnp.float32))
            for k, a, m, n in zip(keys, reads, sizes[:-1], sizes[1:], strict=True)
        ]

    def apply(
        self, params: list, x: jax.Array, act: Act, key: jax.Array | None = None
    ) -> tuple[jax.Array, list[jax.Array]]:
        pre, h = [], x
        for i, (w, b) in enumerate(params[:-1]):
            z = h @ w + b
            pre.append(z)
            h = _apply_act(act, z, key, i)
        w, b = params[-1]
        return h @ w + b, pre

    def weights(self, params: list) -> list[jax.Array]:
        return [w for w, _ in params]


@dataclass(frozen=True)
class CNN:
    """``depth`` 3×3 convolutions of ``width`` channels (stride 1, same padding) on the 8×8 digit
    images, then a Dense classifier on the flattened feature map."""

    name: str = "cnn"
    depth: int = 2
    width: int = 16
    side: int = 8

    def init(self, key: jax.Array, cfg: Any, n_features: int, n_out: int, activation: str) -> list:
        if n_features != self.side * self.side:
            raise ValueError(f"jaxact compare: --model cnn takes {self.side}x{self.side} images (the digits dataset)")
        keys = jax.random.split(key, cfg.depth + 1)
        w = weight_init(cfg.init, activation)  # the layers that read f(z); the first reads the image
        chans = [1] + [cfg.width] * cfg.depth
        layers = [
            (
                weight_init(cfg.init, None if i == 0 else activation)(k, (3, 3, a, b), jnp.float32),
                jnp.zeros((b,), jnp.float32),
            )
            for i, (k, a, b) in enumerate(zip(keys[:-1], chans[:-1], chans[1:], strict=True))
        ]
        flat = self.side * self.side * cfg.width
        return [*layers, (w(keys[-1], (flat, n_out), jnp.float32), jnp.zeros((n_out,), jnp.float32))]

    def apply(
        self, params: list, x: jax.Array, act: Act, key: jax.Array | None = None
    ) -> tuple[jax.Array, list[jax.Array]]:
        h = x.reshape(*x.shape[:-1], self.side, self.side, 1)
        pre = []
        for i, (w, b) in enumerate(params[:-1]):
            z = conv3x3(h, w) + b
            pre.append(z)
            h = _apply_act(act, z, key, i)
        w, b = params[-1]
        return h.reshape(h.shape[0], -1) @ w + b, pre

    def weights(self, params: list) -> list[jax.Array]:
        return [w for w, _ in params]


def conv3x3(h: jax.Array, w: jax.Array) -> jax.Array:
    """A 3×3 convolution, stride 1, same padding (NHWC, HWIO): lax.conv_general_dilated's result,
    computed as one matmul of the nine shifted copies — on CPU, vmapped over seeds, 17x faster
    than XLA's convolution (which the seeds' vmap turns into a grouped one)."""
    height, width = h.shape[-3], h.shape[-2]
    padded = jnp.pad(h, ((0, 0), (1, 1), (1, 1), (0, 0)))
    patches = [padded[:, i : i + height, j : j + width, :] for i in range(3) for j in range(3)]
    return jnp.concatenate(patches, axis=-1) @ w.reshape(-1, w.shape[-1])


def _norm(x: jax.Array, scale: jax.Array) -> jax.Array:
    """RMSNorm (no mean subtraction, no bias), as in current decoders."""
    return x * jax.lax.rsqrt(jnp.mean(jnp.square(x), axis=-1, keepdims=True) + 1e-6) * scale


@dataclass(frozen=True)
class Transformer:
    """A tiny pre-norm decoder for next-character prediction: byte embeddings plus learned
    positions, ``depth`` blocks of causal self-attention (``heads`` heads) and a feed-forward
    block of hidden width ``width`` — 2/3 of it for gated activations, which have a third matrix,
    so that every activation trains the same number of parameters — and tied output embeddings."""

    name: str = "transformer"
    depth: int = 2
    width: int = 192  # FFN hidden width (3 × d_model); gated: 128
    d_model: int = 64
    heads: int = 4

    @staticmethod
    def hidden(width: int, gated: bool) -> int:
        return 2 * width // 3 if gated else width

    def init(self, key: jax.Array, cfg: Any, n_features: int, n_out: int, activation: str) -> dict:
        d, entry = self.d_model, activation_entry(activation)
        h = self.hidden(cfg.width, entry.gated)
        keys = iter(jax.random.split(key, 3 + 4 * cfg.depth))
        lecun = jax.nn.initializers.lecun_normal()
        # The residual branches' output projections shrink with depth (GPT-2's 1/√(2·depth)).
        out_init = jax.nn.initializers.variance_scaling(1.0 / (2 * cfg.depth), "fan_in", "truncated_normal")
        blocks = []
        for _ in range(cfg.depth):
            blocks.append(
                {
                    "norm1": jnp.ones((d,), jnp.float32),
                    "qkv": lecun(next(keys), (d, 3 * d), jnp.float32),
                    "proj": out_init(next(keys), (d, d), jnp.float32),
                    "norm2": jnp.ones((d,), jnp.float32),
                    # ffn_in reads the normalised stream; ffn_out reads the activation's output, where
                    # auto's gain belongs (it was on ffn_in: ReLU's pre-activations had a second
                    # moment of 2.05, sigmoid's 3.5, against 1.03 with lecun), with the depth's shrink.
                    "ffn_in": weight_init(cfg.init, None)(next(keys), (d, 2 * h if entry.gated else h), jnp.float32),
                    "ffn_out": (
                        _scaled(weight_init("auto", activation), 1 / math.sqrt(2 * cfg.depth))
                        if cfg.init == "auto"
                        else out_init
                    )(next(keys), (h, d), jnp.float32),
                }
            )
        return {
            "embed": jax.random.normal(next(keys), (n_out, d), jnp.float32),
            "pos": 0.1 * jax.random.normal(next(keys), (n_features, d), jnp.float32),
            "blocks": blocks,
            "norm": jnp.ones((d,), jnp.float32),
        }

    def apply(
        self, params: dict, x: jax.Array, act: Act, key: jax.Array | None = None
    ) -> tuple[jax.Array, list[jax.Array]]:
        d, nh = self.d_model, self.heads
        t = x.shape[-1]
        h = params["embed"][x] + params["pos"][:t]
        causal = jnp.tril(jnp.ones((t, t), bool))
        pre = []
        for i, blk in enumerate(params["blocks"]):
            q, k, v = jnp.split(_norm(h, blk["norm1"]) @ blk["qkv"], 3, axis=-1)
            q, k, v = (a.reshape(*a.shape[:-1], nh, d // nh) for a in (q, k, v))
            s = jnp.einsum("...qhc,...khc->...hqk", q, k) / math.sqrt(d // nh)
            # The attention softmax is jax.nn's in every run: only the FFN's activation varies.
            p = jax.nn.softmax(jnp.where(causal, s, -jnp.inf), axis=-1)
            att = jnp.einsum("...hqk,...khc->...qhc", p, v).reshape(h.shape)
            h = h + att @ blk["proj"]
            z = _norm(h, blk["norm2"]) @ blk["ffn_in"]
            pre.append(z)
            h = h + _apply_act(act, z, key, i) @ blk["ffn_out"]
        # Tied embeddings (unit variance) read out at 1/√d: logits of unit size at the start.
        return _norm(h, params["norm"]) @ params["embed"].T / math.sqrt(d), pre

    def weights(self, params: dict) -> list[jax.Array]:
        return [b["ffn_in"] for b in params["blocks"]] + [params["embed"]]


MODELS = {"mlp": MLP(), "cnn": CNN(), "transformer": Transformer()}


def get(name: str) -> Any:
    if name not in MODELS:
        raise ValueError(f"jaxact compare: unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[name]


def n_parameters(params: Any) -> int:
    return int(sum(a.size for a in jax.tree.leaves(params)))
