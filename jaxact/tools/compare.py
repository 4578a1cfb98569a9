"""``jaxact compare``: train the same network with each activation and compare.

Three models (:mod:`jaxact.tools.models`): an MLP and a small conv net on the 8×8 digits, scored
by test accuracy, and a tiny pre-norm decoder trained as a character-level language model on the
Python standard library's sources, scored by held-out log-perplexity (nats per character).
Every activation starts from the same initial weights (per seed) and sees the
same batches (``init="auto"``: the same draws, scaled by each activation's
variance-preserving gain, :func:`jaxact.initializer`). Seeds train side by side with ``jax.vmap``; steps run in jitted
``lax.scan`` chunks. Recorded per evaluation point: train loss, test accuracy,
the fraction of dead hidden units per layer (units whose activation derivative
is exactly 0 on every training example evaluated; for the CNN and the transformer a unit is one
channel at one pixel, one FFN unit at one position of the window: :func:`dead_fraction`) and the
gradient norm of each layer's weights. Compile time is measured separately from step time.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import json
import math
import numbers
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxact import _validate, registry
from jaxact.tools import _plotting, data as data_mod, models, stats, strict_json
from jaxact.tools.models import INITS

DEFAULT_ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh", "elu", "swish")

# Each model's defaults where they differ from Config's (the MLP's); an option given overrides them.
# The transformer's: relu, gelu and swish plain and gated (Shazeer 2020's comparison) at one
# rate and 3 seeds (a grid of 3 rates and 5 seeds is 5x its quarter of an hour on 2 CPU cores).
MODEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "mlp": {},
    "cnn": {"depth": 2, "width": 16},
    "transformer": {
        "activations": ("relu", "gelu", "swish", "reglu", "geglu", "swiglu"),
        "dataset": "pysource",
        "seeds": 3,
        "learning_rates": (),
        "depth": 2,
        "width": 192,
        "steps": 600,
        "batch_size": 32,
        "learning_rate": 3e-3,
        "eval_every": 200,
    },
}
# The larger study, `jaxact compare --preset full`: every model, each with its defaults overridden
# by these. The MLP is cheap, so it gets two more activations, a six-point grid from 1e-4 to 3e-2
# (with 1e-2 at the top, half the activations chose the top) and 10 seeds; the transformer, whose
# 3-seed default resolves none of its differences, 5 seeds. About 35 minutes on 2 CPU cores.
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "full": {
        "mlp": {
            "activations": (*DEFAULT_ACTIVATIONS, "gelu", "mish"),
            "learning_rates": (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2),
            "seeds": 10,
        },
        "cnn": {"eval_every": 100},
        "transformer": {"seeds": 5, "eval_every": 300},
    },
}
# Training examples the evaluation's train loss and gradient norms use (all of the digits').
EVAL_TRAIN = {"mlp": 2048, "cnn": 2048, "transformer": 256}
EVAL_CHUNK = 512  # held-out examples per evaluation step (the text's 2k windows do not fit at once)
# The one rate trained where the grid is () and no rate is given, and the grid where neither is given.
# Five rates, a factor of ~3 apart: with 3e-4..3e-3 five of the six default activations chose the top
# (flagged in the table), so none was at its best rate; the full study's MLP grid shows every default
# activation's best at 3e-3 or 1e-2 and 3e-2 past it.
DEFAULT_LEARNING_RATE = 1e-3
DEFAULT_LEARNING_RATES = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
# The plots compare writes (plot): a run removes those of an earlier run it does not write again.
PLOT_FILES = ("curves.png", "layers.png", "lr_sensitivity.png")
# Where a run in progress saves the studies it has trained so far (compare.json's form, marked
# "partial": true): a run cut short keeps them, and an earlier complete compare.json stays as it was.
PARTIAL_FILE = "compare.partial.json"
# Every file a run writes, replaces or removes in its folder.
RESULT_FILES = ("compare.json", "table.txt", PARTIAL_FILE, *PLOT_FILES)

_COUNTS = ("depth", "width", "steps", "batch_size", "seeds", "eval_every")  # integers >= 1


@dataclass
class Config:
    model: str = "mlp"
    activations: Sequence[str] = DEFAULT_ACTIVATIONS
    # The default path alone: the two give the same curves up to rounding (a test checks).
    paths: Sequence[str] = ("closed",)
    dataset: str = "digits"
    depth: int = 6
    width: int = 64
    steps: int = 1000
    batch_size: int = 128
    optimizer: str = "adam"
    # One rate for every activation (no grid, no validation split), as --lr: given alone, it is the
    # rate trained (learning_rates becomes ()); None with a grid; DEFAULT_LEARNING_RATE where the grid
    # is () and no rate is given. Giving it with a non-empty grid is refused, as --lr with --lrs.
    learning_rate: float | None = None
    seeds: int = 5
    eval_every: int = 50
    init: str = "glorot"
    # The activation every other one is compared with, seed by seed (default: the first); kept as the
    # label of the run it names (elu(alpha=1.0) beside elu: elu), so that a saved study names it without
    # the user's module.
    reference: str | None = None
    # A learning-rate grid: every rate trains side by side (vmapped with the seeds), and each
    # activation and path is reported at the rate with the best validation score, on a
    # validation split carved from the training data (fair by default: no activation is held to
    # a rate chosen for another). Empty: learning_rate alone, no split. None: DEFAULT_LEARNING_RATES,
    # or () where learning_rate is given.
    learning_rates: Sequence[float] | None = None
    validation_fraction: float = 0.2
    # Devices the batches are sharded over (data parallel: each device takes batch_size/devices
    # examples of every step; the weights are replicated). 0: every device JAX sees.
    devices: int = 0

    def __post_init__(self) -> None:
        # One name given as a str is that name (iterating it would name its letters).
        if isinstance(self.activations, (str, models.Configured)):
            self.activations = (self.activations,)
        if isinstance(self.paths, str):
            self.paths = (self.paths,)
        # jaxact.configure values name themselves as the results do: elu(alpha=0.5).
        self.activations = tuple(
            _configured_label(a) if isinstance(a, models.Configured) else a for a in self.activations
        )
        if self.learning_rates is None:  # a rate given alone is the rate trained, as --lr
            self.learning_rates = () if self.learning_rate is not None else DEFAULT_LEARNING_RATES
        self._check_rates()
        if self.learning_rate is None and not self.learning_rates:
            self.learning_rate = DEFAULT_LEARNING_RATE
        self.reference = _reference_label(self.reference, self.activations)

    def _check_types(self, where: str) -> None:
        """What a Python caller (or a saved study) may give of another type, before anything reads it:
        steps=2.0 or nan passed as >= 1 and failed in the training loop, paths=() in max()."""
        for k in _COUNTS:
            v = getattr(self, k)
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{where}: {k} must be an integer >= 1, got {v!r}")
        if not isinstance(self.devices, numbers.Integral) or isinstance(self.devices, bool):
            raise ValueError(f"{where}: devices must be an integer, got {self.devices!r}")
        for k in ("model", "dataset", "optimizer", "init"):
            if not isinstance(getattr(self, k), str):
                raise ValueError(f"{where}: {k} must be a name (str), got {getattr(self, k)!r}")
        if not self.paths or not all(isinstance(p, str) for p in self.paths):
            raise ValueError(f"{where}: paths must name one or both of autodiff, closed; got {self.paths!r}")
        odd = [a for a in self.activations if not isinstance(a, str)]
        if odd:
            raise ValueError(
                f"{where}: activations are names or jaxact.configure values, got {type(odd[0]).__name__} "
                f"{getattr(odd[0], '__name__', odd[0])!r} (a registered function: give its name)"
            )
        if not isinstance(self.learning_rates, (tuple, list)):
            raise ValueError(f"{where}: learning_rates must be a sequence of rates, got {self.learning_rates!r}")
        if not registry._is_real(self.validation_fraction):
            raise ValueError(f"{where}: validation_fraction must be a number, got {self.validation_fraction!r}")
        for lr in self.learning_rates:
            if not _is_rate(lr):
                raise ValueError(f"{where}: every learning rate in the grid must be a finite number > 0, got {lr}")
        lr = self.learning_rate
        if lr is not None and not _is_rate(lr):
            raise ValueError(f"{where}: the learning rate must be a finite number > 0, got {lr}")

    def _check_rates(self) -> None:
        if self.learning_rates and self.learning_rate is not None:
            raise ValueError(
                f"jaxact compare: give learning_rate (one rate for every activation, {self.learning_rate}) or "
                f"learning_rates (a grid, {list(self.learning_rates)}), not both (to replace a grid by one rate: "
                "learning_rates=() beside it)"
            )

    @classmethod
    def for_model(cls, model: str, **given: Any) -> Config:
        """The configuration of ``model`` with its defaults, overridden by ``given`` (an unknown
        model is reported by :meth:`validate`)."""
        return cls(model=model, **_overridden(MODEL_DEFAULTS.get(model, {}), given))

    @classmethod
    def for_preset(cls, preset: str, **given: Any) -> dict[str, Config]:
        """Each model's configuration in ``preset``, overridden by ``given`` (the same for every model)."""
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}: choose from {', '.join(PRESETS)}")
        return {m: cls.for_model(m, **_overridden(over, given)) for m, over in PRESETS[preset].items()}

    @property
    def grid(self) -> tuple[float, ...]:
        rate = DEFAULT_LEARNING_RATE if self.learning_rate is None else self.learning_rate
        return tuple(float(v) for v in self.learning_rates or ()) or (float(rate),)

    @property
    def n_devices(self) -> int:
        return self.devices or jax.device_count()

    @property
    def language_model(self) -> bool:
        """Scored by held-out log-perplexity (lower is better) rather than test accuracy."""
        return self.model == "transformer"

    def validate(self) -> None:
        self._check_types("jaxact compare")
        models.get(self.model)  # an unknown model: its one-line error
        names = [_label(n) for n in self.activations]
        if not names:
            raise ValueError("jaxact compare: no activations to compare")
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"jaxact compare: {', '.join(twice)} named more than once among the activations")
        confs = [models.activation(n) for n in self.activations]
        same = [(a, b) for i, a in enumerate(names) for j, b in enumerate(names) if i < j and confs[i] == confs[j]]
        if same:  # elu and elu(alpha=1.0): one function trained twice under two labels
            raise ValueError(
                "jaxact compare: "
                + "; ".join(f"{a} and {b} are the same function" for a, b in same)
                + " (equal configurations): name each once"
            )
        if len(set(self.paths)) != len(self.paths):
            raise ValueError(f"jaxact compare: a gradient path named twice: {', '.join(self.paths)}")
        for conf in confs:
            e = conf.entry
            if not e.builtin:  # a user's function: takes the batches' shapes, by shape alone, before training
                from jaxact import verify

                try:
                    verify.smoke(e)
                except ValueError as err:
                    raise ValueError(f"jaxact compare: {err}") from None
            if e.gated and self.model != "transformer":
                raise ValueError(
                    f"jaxact compare: {e.name} is gated (it halves its input); only --model transformer's "
                    "feed-forward block takes a gated activation"
                )
            if not e.elementwise and not e.gated:
                raise ValueError(
                    f"jaxact compare: {e.name} mixes elements along an axis and cannot be a hidden-layer "
                    "activation; pick elementwise activations (see `jaxact list`)."
                )
        text = self.dataset == "pysource"
        if text != self.language_model:
            raise ValueError(
                "jaxact compare: the pysource text trains --model transformer only, and the transformer trains "
                f"on pysource only (got model {self.model!r}, dataset {self.dataset!r})"
            )
        if self.model == "cnn" and self.dataset != "digits":
            raise ValueError(f"jaxact compare: --model cnn takes the 8x8 digits images, not {self.dataset!r}")
        if self.language_model and self.width % 3:
            raise ValueError(
                f"jaxact compare: the transformer's FFN width must be a multiple of 3 (gated forms get 2/3 of it "
                f"at the same parameter count), got {self.width}"
            )
        if self.reference is not None and _canonical(self.reference) not in names:
            raise ValueError(
                f"jaxact compare: the reference {self.reference!r} is not among the activations compared "
                f"({', '.join(self.activations)})"
            )
        bad = [p for p in self.paths if p not in ("autodiff", "closed")]
        if bad:
            raise ValueError(f"jaxact compare: unknown path(s) {bad}; use autodiff and/or closed")
        if self.init not in (*INITS, "auto"):
            raise ValueError(f"jaxact compare: unknown init {self.init!r}; choose one of {', '.join(INITS)}, auto")
        if not _is_optimizer(self.optimizer):
            # The error path only: optax's optimisers by name, for a near miss (Adam, adamx).
            close = difflib.get_close_matches(
                self.optimizer.lower(), [n for n in dir(_optax()) if n.islower() and _is_optimizer(n)], n=3
            )
            hint = f"did you mean {' or '.join(close)}?" if close else "try adam, sgd, adamw"
            raise ValueError(
                f"jaxact compare: {self.optimizer!r} is not an optax optimiser taking a learning rate ({hint})"
            )
        _probe_optimizer(self.optimizer)
        self._check_rates()
        if len(set(self.grid)) != len(self.grid):
            raise ValueError(f"jaxact compare: the learning-rate grid repeats a value: {list(self.grid)}")
        if not 0 < self.validation_fraction <= 0.5:
            raise ValueError(
                f"jaxact compare: the validation fraction must be in (0, 0.5], got {self.validation_fraction}"
            )
        if self.devices < 0 or self.devices > jax.device_count():
            raise ValueError(
                f"jaxact compare: --devices {self.devices} is not between 0 (all) and the {jax.device_count()} "
                "devices JAX sees"
            )
        if self.batch_size % self.n_devices:
            raise ValueError(
                f"jaxact compare: batch size {self.batch_size} does not split evenly over {self.n_devices} devices"
            )
        n_train = data_mod.train_size(self.dataset)
        if self.learning_rates:
            n_train -= validation_size(n_train, self.validation_fraction)
        if self.batch_size > n_train:
            raise ValueError(
                f"jaxact compare: batch size {self.batch_size} exceeds the {n_train} training examples of "
                f"{self.dataset!r}"
            )
        self._check_memory(names, n_train)

    def _check_memory(self, names: Sequence[str], n_train: int) -> None:
        """Every seed and rate trains side by side: weights, gradients, updates and the optimiser's
        state (its own size, from optax's init by shape alone) for each, and what the backward pass
        of its largest batch saves (a training batch, or the training examples evaluated). More than
        the memory there is fails now in one line, not as an allocation error of XLA's after the
        data and compile."""
        ds = data_mod.load(self.dataset)
        opt = _optimizer(self.optimizer, self.grid[0])
        batch = max(self.batch_size, min(EVAL_TRAIN[self.model], n_train))
        need, params, saved = 0, 0, 0
        for name in names:
            shapes = parameter_shapes(self, ds, name)
            n_bytes = _nbytes(shapes)
            try:
                state = _nbytes(jax.eval_shape(opt.init, shapes))
            except Exception as e:  # the optimiser's own error (adafactor's, under tracing) in one line
                raise ValueError(
                    f"jaxact compare: optax.{self.optimizer} cannot train here: its state cannot be initialised "
                    f"for {name}'s parameters ({_validate.error_line(e)[:200]}); try adam, sgd, adamw"
                ) from None
            try:
                kept = max(backward_bytes(self, ds, name, path, shapes, batch) for path in self.paths)
            except Exception as e:
                if models.activation(name).entry.builtin:
                    raise
                # A user's function traced in the network by shape alone (a transformer's 3-D input,
                # a batch of that size): any error of its code is the finding, in one line.
                raise ValueError(
                    f"jaxact compare: {name} fails in the {self.model}'s network (traced by shape alone, a batch "
                    f"of {batch}): {_validate.error_line(e)[:300]}"
                ) from None
            if 3 * n_bytes + state + kept > need:
                need, params, saved = 3 * n_bytes + state + kept, models.n_parameters(shapes), kept
        runs = self.seeds * len(self.grid)
        need *= runs
        # batch_indices: [seeds, steps, batch] int32, built from one seed's int64 shuffles at a time.
        indices = 4 * self.seeds * self.steps * self.batch_size + 8 * self.steps * self.batch_size
        have = memory_bytes()
        if have and indices > have / 2:
            raise ValueError(
                f"jaxact compare: {self.steps:,} steps x {self.batch_size} examples x {self.seeds} seeds of batch "
                f"indices need about {indices / 2**30:,.1f} GiB of the {have / 2**30:,.1f} GiB of memory here; "
                "lower --steps, --batch-size or --seeds"
            )
        if have and need > have:
            raise ValueError(
                f"jaxact compare: {self.seeds} seeds x {len(self.grid)} rates need about {need / 2**30:,.1f} GiB "
                f"({params:,} parameters' weights, gradients, updates and optimiser state, and "
                f"{saved * runs / 2**30:,.1f} GiB that the backward pass of {batch} examples saves), more than the "
                f"{have / 2**30:,.1f} GiB of {jax.local_devices()[0].platform} memory here; lower --width, --depth, "
                "--batch-size or --seeds"
            )


def _nbytes(tree: Any) -> int:
    """Bytes of the arrays (or shapes) of ``tree``; a PRNG key array (noisy_sgd's state) by its key data."""
    total = 0
    for a in jax.tree.leaves(tree):
        if jax.dtypes.issubdtype(a.dtype, jax.dtypes.prng_key):
            a = jax.eval_shape(jax.random.key_data, a)
        total += a.size * jnp.dtype(a.dtype).itemsize
    return total


def backward_bytes(cfg: Config, ds: data_mod.Dataset, activation: str, path: str, shapes: Any, batch: int) -> int:
    """Bytes one run's backward pass over ``batch`` examples keeps from its forward pass (the
    residuals of ``jax.vjp``, by shape alone), the weights and the batch itself excluded."""
    act = _path_fn(models.activation(activation), path)
    model = models.get(cfg.model)

    def loss(p: Any, x: jax.Array, y: jax.Array) -> jax.Array:
        return cross_entropy(model.apply(p, x, act)[0], y).mean()

    x, y = (jax.ShapeDtypeStruct((batch, *a.shape[1:]), a.dtype) for a in (ds.x_train, ds.y_train))
    residuals = jax.tree.leaves(jax.eval_shape(lambda *a: jax.vjp(loss, *a)[1], shapes, x, y))
    # The weights and inputs a residual may be are arguments, counted once already.
    given = [(a.shape, jnp.dtype(a.dtype)) for a in jax.tree.leaves((shapes, x, y))]
    total = 0
    for r in residuals:
        key = (r.shape, jnp.dtype(r.dtype))
        if key in given:
            given.remove(key)
        else:
            total += _nbytes(r)
    return total


def _path_fn(c: models.Configured, path: str) -> Callable[..., jax.Array]:
    """The configured activation through one gradient path ("closed" or "autodiff"), as training calls it."""
    return functools.partial(c.entry.closed_form if path == "closed" else c.entry.autodiff, **dict(c.params))


def memory_bytes() -> int | None:
    """The first device's memory (an accelerator's limit, the host's RAM on CPU); None if unknown."""
    stats = jax.local_devices()[0].memory_stats() if jax.default_backend() != "cpu" else None
    if stats and stats.get("bytes_limit"):
        return int(stats["bytes_limit"])
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # not a POSIX system
        return None


def _is_rate(lr: Any) -> bool:
    """A learning rate: one real number, finite and > 0."""
    return registry._is_real(lr) and math.isfinite(lr) and lr > 0


def _configured_label(c: models.Configured) -> str:
    """A jaxact.configure value as the label it trains under; one the label would not reproduce is
    refused (the label names its function and parameters only): a forced path (compare trains each
    activation on its ``paths``) or a function registered again since it was made (the label would
    train the new one)."""
    label = models.label(c)
    if c.path is not None:
        raise ValueError(
            f"jaxact compare: {c!r} forces the {c.path} path; compare trains every activation on its paths "
            f"(paths=({c.path!r},), on the command line --paths {c.path}): give it without path="
        )
    if c.entry is not registry.get(c.name):
        raise ValueError(
            f"jaxact compare: {c!r} was made before {c.name!r} was registered again; compare trains the "
            "registered function: configure it again"
        )
    return label


def _canonical(name: str) -> str:
    """The label of ``name`` (any case, an alias, a module:function, with parameters: ``elu``,
    ``elu(alpha=0.5)``), or ``name`` itself where it names none (validation reports that)."""
    try:
        return _label(name)
    except (registry.UnknownActivationError, TypeError, ValueError):
        return name


def _label(spec: str) -> str:
    # Through _configured_label: a spec spelling configure's path= ("elu(path='autodiff')") was
    # trained on the study's paths under the plain label, the forced path dropped.
    return _configured_label(models.activation(spec))


def _overridden(defaults: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """``defaults`` overridden by ``given``, where a rate given alone replaces the defaults' grid
    and a grid given alone their rate (as --lr and --lrs do)."""
    out = dict(defaults)
    if "learning_rate" in given and "learning_rates" not in given:
        out.pop("learning_rates", None)
    if given.get("learning_rates") and "learning_rate" not in given:
        out.pop("learning_rate", None)
    return out | given


def _reference_label(reference: Any, activations: Sequence[str]) -> Any:
    """The label of the run ``reference`` names: that of the activation compared which it equals,
    defaults filled in (``elu(alpha=1.0)`` beside ``elu``: ``elu``), else its own label; as given
    where it names no activation here (validation reports it; a saved study's label of a user's
    activation whose module is not imported matches its run as it is)."""
    if reference is None:
        return None
    try:
        ref = models.activation(reference)
    except Exception:  # unknown here, an import that fails, not a name at all
        return reference
    for a in activations:
        try:
            if models.activation(a) == ref:
                return _label(a)
        except Exception:  # validation reports it
            continue
    return models.label(ref)


def _probe_optimizer(name: str) -> None:
    """One jitted step of ``name`` on a two-element parameter, built and called as training does
    (its rate injected, ``update(grads, state, params)``): an optimiser that needs more (a line
    search's value and value_fn, a required setting) fails here, in well under a second, rather
    than after the data is loaded and the first network compiled."""
    try:
        opt = _optimizer(name, 1e-3)

        def step(p: jax.Array) -> Any:
            updates, _ = opt.update(p, opt.init(p), p)
            return _optax().apply_updates(p, updates)

        jax.jit(step)(jnp.zeros((2,), jnp.float32))
    except Exception as e:  # the optimiser's own error, whatever it is, in one line
        raise ValueError(
            f"jaxact compare: optax.{name} cannot train here: a step as training takes it failed "
            f"({_validate.error_line(e)[:200]}); try adam, sgd, adamw"
        ) from None


def _is_optimizer(name: str) -> bool:
    opt = getattr(_optax(), name, None)
    return callable(opt) and "learning_rate" in _parameters(opt)


def _optimizer(name: str, learning_rate: float) -> Any:
    """optax's ``name`` as training builds it: the rate lives in the optimiser state
    (inject_hyperparams), so one program trains every rate of the grid."""
    optax = _optax()
    return optax.inject_hyperparams(getattr(optax, name))(learning_rate=learning_rate)


def _optax() -> Any:
    """optax, imported on first use: the comparison needs it, the activations do not."""
    try:
        import optax
    except ImportError as err:
        raise ImportError(
            "jaxact compare trains with optax: pip install 'jaxact[compare]', in a clone '.[compare]'"
        ) from err
    return optax


def _parameters(f: Callable[..., Any]) -> tuple[str, ...]:
    try:
        return tuple(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        return ()


@dataclass
class RunResult:
    activation: str
    path: str
    steps: list[int]
    train_loss: list[list[float]]  # [eval point][seed]
    test_accuracy: list[list[float]]
    dead_fraction: list[list[list[float]]]  # [eval point][seed][layer]
    grad_norm: list[list[list[float]]]  # [eval point][seed][layer] (hidden layers, then output)
    compile_seconds: float
    step_seconds: float  # wall time of one vmapped step (all seeds and learning rates), after compilation
    meta: dict[str, Any] = field(default_factory=dict)
    learning_rate: float = math.nan
    val_accuracy: list[list[float]] = field(default_factory=list)  # [eval point][seed], with a grid
    test_loss: list[list[float]] = field(default_factory=list)  # [eval point][seed]: held-out cross-entropy
    val_loss: list[list[float]] = field(default_factory=list)  # [eval point][seed], with a grid

    def final(self, key: str) -> np.ndarray:
        return np.asarray(getattr(self, key)[-1])


def cross_entropy(logits: jax.Array, y: jax.Array) -> jax.Array:
    """Per example (per position for the language model): −log p(label), in nats."""
    return _optax().softmax_cross_entropy_with_integer_labels(logits, y)


def dead_fraction(pre: Sequence[jax.Array], derivative: Callable[[jax.Array], jax.Array]) -> jax.Array:
    """Per layer: the fraction of units whose activation derivative is 0 for every example. A unit
    is an entry of a pre-activation past its example axis: the MLP's hidden unit, but the CNN's
    channel at one pixel ([N, 8, 8, C]: 64·C units) and the transformer FFN's unit at one position
    ([N, T, h]: T·h), so a channel silent at some pixels only counts in part."""
    return jnp.stack([jnp.mean(jnp.all(derivative(z) == 0, axis=0)) for z in pre])


def layer_grad_norms(weights: Sequence[jax.Array]) -> jax.Array:
    return jnp.stack([jnp.linalg.norm(w) for w in weights])


def validation_size(n_train: int, fraction: float) -> int:
    return max(1, round(n_train * fraction))


def split_validation(ds: data_mod.Dataset, fraction: float) -> tuple[data_mod.Dataset, np.ndarray, np.ndarray]:
    """The training data less a fixed random validation part (the test split is never looked at
    to choose anything): (dataset trained on, x_val, y_val)."""
    n = ds.x_train.shape[0]
    order, n_val = np.random.default_rng(7).permutation(n), validation_size(n, fraction)
    val, fit = order[:n_val], order[n_val:]
    fit_ds = replace(ds, x_train=ds.x_train[fit], y_train=ds.y_train[fit])
    return fit_ds, ds.x_train[val], ds.y_train[val]


class Trainer:
    """Holds the jitted train chunk and evaluation for one activation and gradient path: every
    learning rate of the grid times every seed, side by side (run r = lr index · seeds + seed)."""

    def __init__(
        self,
        cfg: Config,
        ds: data_mod.Dataset,
        activation: str,
        path: str,
        validation: tuple[np.ndarray, np.ndarray] | None = None,
    ):
        self.cfg, self.ds = cfg, ds
        c = models.activation(activation)
        entry, fixed = c.entry, dict(c.params)
        self.entry, self.label = entry, models.label(c)
        self.model = models.get(cfg.model)
        self.act = _path_fn(c, path)
        self.deriv = (lambda z: entry.derivative(z, **(dict(entry.params) | fixed))) if entry.elementwise else None
        self.opt = _optimizer(cfg.optimizer, cfg.grid[0])
        self.x_train, self.y_train = jnp.asarray(ds.x_train), jnp.asarray(ds.y_train)
        n_eval = EVAL_TRAIN[cfg.model]
        self.x_eval, self.y_eval = self.x_train[:n_eval], self.y_train[:n_eval]
        self.test = _chunks(ds.x_test, ds.y_test)
        self.validation = None if validation is None else _chunks(*validation)

    def init(self) -> tuple[Any, Any]:
        """Parameters and optimiser states of every run: the seeds' initial weights, the same for
        every learning rate (and every activation)."""
        keys = jax.random.split(jax.random.PRNGKey(0), self.cfg.seeds)
        ds = self.ds
        params = jax.vmap(lambda k: self.model.init(k, self.cfg, ds.n_features, ds.n_classes, self.label))(keys)
        n = len(self.cfg.grid)
        params = jax.tree.map(lambda a: jnp.concatenate([a] * n), params)
        lrs = jnp.repeat(jnp.asarray(self.cfg.grid, jnp.float32), self.cfg.seeds)

        def init_one(p: Any, lr: jax.Array) -> Any:
            state = self.opt.init(p)
            state.hyperparams["learning_rate"] = lr
            return state

        return params, jax.vmap(init_one)(params, lrs)

    def _step(self, carry: tuple, batch: tuple[jax.Array, jax.Array]) -> tuple[tuple, None]:
        params, opt_state = carry
        idx, step = batch
        # A keyed activation (rrelu) trains on its random form, one draw per seed, step and layer;
        # evaluation uses its deterministic form.
        key = jax.random.fold_in(jax.random.PRNGKey(_DRAWS_SEED), step) if self.entry.keyed else None
        grads = jax.grad(self.loss)(params, self.x_train[idx], self.y_train[idx], key)
        updates, opt_state = self.opt.update(grads, opt_state, params)
        return (_optax().apply_updates(params, updates), opt_state), None

    def chunk(self, params: Any, opt_state: Any, idx: jax.Array, steps: jax.Array) -> tuple[Any, Any]:
        """Runs idx.shape[1] steps for every seed (idx: [seeds, steps, batch]; steps: [seeds, steps],
        a number per seed and step that keys a keyed activation's draws)."""

        def one_seed(p: Any, s: Any, i: jax.Array, n: jax.Array) -> tuple[Any, Any]:
            return jax.lax.scan(self._step, (p, s), (i, n))[0]

        return jax.vmap(one_seed)(params, opt_state, idx, steps)

    def loss(self, params: Any, x: jax.Array, y: jax.Array, key: jax.Array | None = None) -> jax.Array:
        """Mean cross-entropy of a batch (``key``: a keyed activation's training draws)."""
        logits, _ = self.model.apply(params, x, self.act, key)
        return cross_entropy(logits, y).mean()

    def _held_out(self, p: Any, part: tuple[jax.Array, jax.Array, jax.Array]) -> tuple[jax.Array, jax.Array]:
        """Accuracy and mean cross-entropy over a held-out split, chunk by chunk (padding masked)."""

        x, y, w = part
        # An example's weight covers its predictions: one for a class, one per position for text.
        w = w.reshape(w.shape + (1,) * (y.ndim - w.ndim))

        def chunk(c: tuple[jax.Array, jax.Array, jax.Array]) -> tuple[jax.Array, jax.Array]:
            x, y, w = c
            logits, _ = self.model.apply(p, x, self.act)
            return jnp.sum((jnp.argmax(logits, -1) == y) * w), jnp.sum(cross_entropy(logits, y) * w)

        hits, nats = jax.lax.map(chunk, (x, y, w))
        n = jnp.sum(w) * (y[0, 0].size)
        return jnp.sum(hits) / n, jnp.sum(nats) / n

    def evaluate(self, params: Any) -> dict[str, jax.Array]:
        def one_seed(p: Any) -> dict[str, jax.Array]:
            loss, grads = jax.value_and_grad(self.loss)(p, self.x_eval, self.y_eval)
            _, pre = self.model.apply(p, self.x_eval, self.act)
            acc, test_loss = self._held_out(p, self.test)
            val_acc = val_loss = jnp.float32(jnp.nan)
            if self.validation is not None:
                val_acc, val_loss = self._held_out(p, self.validation)
            dead = dead_fraction(pre, self.deriv) if self.deriv is not None else jnp.full(len(pre), jnp.nan)
            return {
                "loss": loss,
                "acc": acc,
                "test_loss": test_loss,
                "val_acc": val_acc,
                "val_loss": val_loss,
                "dead": dead,
                "gnorm": layer_grad_norms(self.model.weights(grads)),
            }

        return jax.vmap(one_seed)(params)


def _chunks(x: np.ndarray, y: np.ndarray) -> tuple[jax.Array, jax.Array, jax.Array]:
    """A held-out split as [chunks, EVAL_CHUNK, ...] arrays and a weight per example (0: padding)."""
    n = x.shape[0]
    size = min(n, EVAL_CHUNK)
    k = -(-n // size)
    pad = k * size - n

    def shaped(a: np.ndarray) -> jax.Array:
        a = np.concatenate([a, np.zeros((pad, *a.shape[1:]), a.dtype)])
        return jnp.asarray(a.reshape(k, size, *a.shape[1:]))

    return shaped(x), shaped(y), shaped(np.ones(n, np.float32))


_DRAWS_SEED = 2000  # the root of a keyed activation's training draws (batches use 1000 + seed)


def step_numbers(cfg: Config) -> np.ndarray:
    """[seeds, steps]: seed·steps + step, distinct for every seed and step."""
    return (np.arange(cfg.seeds)[:, None] * cfg.steps + np.arange(cfg.steps)[None, :]).astype(np.int32)


def batch_indices(cfg: Config, n_train: int) -> np.ndarray:
    """[seeds, steps, batch] example indices: epochs of shuffles, the same for every activation."""
    out = np.empty((cfg.seeds, cfg.steps, cfg.batch_size), dtype=np.int32)
    per_epoch = max(1, n_train // cfg.batch_size)
    for s in range(cfg.seeds):
        rng = np.random.default_rng(1000 + s)
        rows = []
        while len(rows) < cfg.steps:
            perm = rng.permutation(n_train)
            rows += [perm[i * cfg.batch_size : (i + 1) * cfg.batch_size] for i in range(per_epoch)]
        out[s] = np.stack(rows[: cfg.steps])
    return out


def _clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "--:--"
    m, sec = divmod(round(seconds), 60)
    return f"{m // 60}:{m % 60:02d}:{sec:02d}" if m >= 60 else f"{m}:{sec:02d}"


class Progress:
    """One bar for the whole study on stderr: the run in progress, the share of the training
    work done (steps, weighed by :func:`work` across a preset's models), elapsed time and an
    estimate of the time left (from the pace so far, so the first run's compilation makes it
    pessimistic at first). A terminal gets a live bar; a log file one line per finished run."""

    def __init__(self, total: float, stream: Any = None):
        # Resolved per call: a default bound at import time outlives a replaced sys.stderr.
        self.stream = sys.stderr if stream is None else stream
        self.total, self.done, self.t0 = max(total, 1), 0.0, time.perf_counter()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.weight = 1.0  # what a step of the study in progress counts (a preset's: work() per step)

    def advance(self, label: str, steps: int, run_done: bool = False) -> None:
        self.done += steps * self.weight
        if not (self.tty or run_done):
            return
        elapsed = time.perf_counter() - self.t0
        left = elapsed / self.done * (self.total - self.done) if self.done else math.nan
        filled = int(24 * self.done / self.total)
        end = "\n" if run_done and (not self.tty or self.done >= self.total * (1 - 1e-9)) else ""
        self.stream.write(
            f"{chr(13) if self.tty else ''}{label:<28} [{'#' * filled}{'.' * (24 - filled)}] "
            f"{100 * self.done / self.total:3.0f}%  {_clock(elapsed)} elapsed, ~{_clock(left)} left{end}"
        )
        self.stream.flush()


def train_grid(
    cfg: Config,
    ds: data_mod.Dataset,
    activation: str,
    path: str,
    idx: np.ndarray,
    progress: Progress | Any = None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[RunResult]:
    """One activation and path at every learning rate of the grid, trained in one program: one
    result per rate (the seeds share their batches and initial weights across rates).
    ``progress``: the study's :class:`Progress`, or a stream for a bar of this run alone."""
    if not isinstance(progress, Progress):
        progress = Progress(cfg.steps, progress)
    tr = Trainer(cfg, ds, activation, path, validation)
    params, opt_state = tr.init()
    k = cfg.eval_every
    n_chunks = math.ceil(cfg.steps / k)
    n_lr = len(cfg.grid)
    idx_dev = jnp.asarray(np.concatenate([idx] * n_lr))
    steps_dev = jnp.asarray(np.concatenate([step_numbers(cfg)] * n_lr))
    replicated, by_batch = shardings(cfg)
    if by_batch is not None:  # each device trains on its part of every batch; XLA sums the gradients
        params, opt_state, steps_dev = jax.tree.map(lambda a: _placed(a, replicated), (params, opt_state, steps_dev))
        idx_dev = _placed(idx_dev, by_batch)
    train = jax.jit(tr.chunk, out_shardings=replicated)
    t0 = time.perf_counter()
    chunk_fn = train.lower(params, opt_state, idx_dev[:, :k], steps_dev[:, :k]).compile()
    tail = cfg.steps - (n_chunks - 1) * k
    tail_fn = (
        chunk_fn if tail == k else train.lower(params, opt_state, idx_dev[:, :tail], steps_dev[:, :tail]).compile()
    )
    eval_fn = jax.jit(tr.evaluate).lower(params).compile()
    compile_s = time.perf_counter() - t0

    out = [RunResult(tr.label, path, [], [], [], [], [], compile_s, 0.0, learning_rate=lr) for lr in cfg.grid]
    for res in out:
        res.meta["devices"] = cfg.n_devices
    S = cfg.seeds

    def record(step: int, p: Any) -> None:
        m = jax.device_get(eval_fn(p))
        for i, res in enumerate(out):
            part = slice(i * S, (i + 1) * S)
            res.steps.append(step)
            res.train_loss.append(m["loss"][part].tolist())
            res.test_accuracy.append(m["acc"][part].tolist())
            res.test_loss.append(m["test_loss"][part].tolist())
            if validation is not None:
                res.val_accuracy.append(m["val_acc"][part].tolist())
                res.val_loss.append(m["val_loss"][part].tolist())
            res.dead_fraction.append(m["dead"][part].tolist())
            res.grad_norm.append(m["gnorm"][part].tolist())

    record(0, params)
    train_s = 0.0
    label = f"{tr.label} ({path})"
    progress.advance(label, 0)
    for c in range(n_chunks):
        lo = c * k
        hi = min(cfg.steps, lo + k)
        fn = chunk_fn if hi - lo == k else tail_fn
        t = time.perf_counter()
        params, opt_state = fn(params, opt_state, idx_dev[:, lo:hi], steps_dev[:, lo:hi])
        jax.block_until_ready(params)
        train_s += time.perf_counter() - t
        record(hi, params)
        progress.advance(label, hi - lo, run_done=hi == cfg.steps)
    for res in out:
        res.step_seconds = train_s / cfg.steps
    return out


def shardings(cfg: Config) -> tuple[Any, Any]:
    """(replicated, sharded along the batch axis of [runs, steps, batch] indices) over the first
    ``cfg.n_devices`` devices; (None, None) on one device."""
    n = cfg.n_devices
    if n == 1:
        return None, None
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    mesh = Mesh(np.array(jax.devices()[:n]), ("batch",))
    return NamedSharding(mesh, PartitionSpec()), NamedSharding(mesh, PartitionSpec(None, None, "batch"))


def _placed(a: Any, sharding: Any) -> jax.Array:
    """A global array from a value every process holds whole (the seeds make it the same on every
    host): each process places the shards its own devices hold, as multi-host JAX requires."""
    host = np.asarray(a)
    return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])


def validation_score(r: RunResult, language_model: bool = False) -> float:
    """Higher is better: the mean final validation accuracy over the seeds, a diverged seed
    counting 0 (an unstable rate must not win on its surviving seeds); for the language model,
    minus the mean validation log-perplexity, a diverged seed counting as uniform guessing."""
    # Rounded to 6 digits (accuracies are counts over n in float32: far finer than 1/n, far
    # coarser than float32's noise), so that equal counts tie and the smaller rate wins.
    if language_model:
        return float(np.round(-np.mean(_scored(r, "val_loss", FAILED_LOG_PPL)), 6))
    return float(np.round(np.mean(_scored(r, "val_accuracy", FAILED_ACCURACY)), 6))


def choose(runs: list[RunResult], language_model: bool = False) -> RunResult:
    """The run at the learning rate with the best validation score (ties: the smaller rate); the
    whole grid goes into its meta["grid"] for the sensitivity plot and the JSON."""
    best = max(runs, key=lambda r: (validation_score(r, language_model), -r.learning_rate))
    key = "val_log_ppl" if language_model else "val_acc"
    best.meta["grid"] = [
        {
            "learning_rate": r.learning_rate,
            key: abs(validation_score(r, language_model)),
            "diverged": int(np.sum(diverged(r))),
            "test_acc_mean": stats.mean_interval(final_accuracy(r)).mean,
            "test_log_ppl_mean": stats.mean_interval(final_test_loss(r)).mean,
        }
        for r in runs
    ]
    return best


def total_steps(cfg: Config) -> int:
    """Training steps of a study (each trains every rate and seed of one activation and path)."""
    return len(cfg.activations) * len(cfg.paths) * cfg.steps


# Relative CPU time of one run's training step by model (step_seconds per run in the committed
# default runs: 0.5, 5.4 and 38 ms): a preset's progress bar weighs each study's steps by it, so
# that its estimate of the time left is not the MLP's pace applied to the transformer.
STEP_COST = {"mlp": 1.0, "cnn": 11.0, "transformer": 77.0}


def step_work(cfg: Config) -> float:
    """One training step of a study in MLP run-steps: runs per step × the model's step cost."""
    return cfg.seeds * len(cfg.grid) * STEP_COST.get(cfg.model, 1.0)


def work(cfg: Config) -> float:
    """A study's training work in MLP run-steps."""
    return total_steps(cfg) * step_work(cfg)


def run(
    cfg: Config,
    stream: Any = None,
    progress: Progress | None = None,
    checkpoint: Callable[[list[RunResult]], Any] | None = None,
) -> list[RunResult]:
    """Trains every activation and path of ``cfg``; ``progress``: a bar shared with other studies
    (a preset's), else one of its own on ``stream``; ``checkpoint``: called with the results so far
    after each activation and path (e.g. ``lambda rs: save(rs, cfg, out, partial=True)``)."""
    cfg.validate()
    ds = data_mod.load(cfg.dataset)
    validation = None
    if cfg.learning_rates:
        ds, x_val, y_val = split_validation(ds, cfg.validation_fraction)
        validation = (x_val, y_val)
    idx = batch_indices(cfg, ds.x_train.shape[0])
    progress = progress or Progress(work(cfg), stream)
    progress.weight = step_work(cfg)
    results = []
    for name in cfg.activations:
        for path in cfg.paths:
            runs = train_grid(cfg, ds, name, path, idx, progress, validation)
            for x in runs:  # before the choice: the grid's test log-ppl scores a diverged seed with it
                x.meta["n_classes"] = int(ds.n_classes)
            r = choose(runs, cfg.language_model) if validation is not None else runs[0]
            r.meta |= {
                "dataset": ds.name,
                "n_train": int(ds.x_train.shape[0]),
                "n_test": int(ds.x_test.shape[0]),
                "n_classes": int(ds.n_classes),
                "parameters": parameter_count(cfg, ds, name),
            }
            if validation is not None:
                r.meta["n_validation"] = int(validation[1].shape[0])
            results.append(r)
            if checkpoint is not None:
                checkpoint(results)
    return results


def _ms(mean: float, std: float, fmt: str = ".3f") -> str:
    """A summary row's mean ± std (n − 1 degrees of freedom, as the JSON's); one seed: the mean alone."""
    if not math.isfinite(mean):
        return "diverged"
    return f"{mean:{fmt}}" + (f" ± {std:{fmt}}" if math.isfinite(std) else "")


def diverged(r: RunResult) -> np.ndarray:
    """Per seed: the final training loss is not finite."""
    return ~np.isfinite(r.final("train_loss"))


# What a diverged seed scores, in the rate's choice and in the results alike: it failed, so an
# unstable activation is not ranked on the seeds it survived. Accuracy 0; a log-perplexity of
# uniform guessing over the classes (the language model's 256 byte values: FAILED_LOG_PPL), which
# the language model's survivors stay far below (~1.9); a classifier that survives overconfident
# can score worse (the CNN's ELU at 3e-2: 10.7 nats against log 10), but classifiers are ranked by
# accuracy, where 0 is the floor.
FAILED_ACCURACY = 0.0
FAILED_LOG_PPL = math.log(256)


def _failed_log_ppl(r: RunResult) -> float:
    n = r.meta.get("n_classes") or (data_mod.load(r.meta["dataset"]).n_classes if "dataset" in r.meta else 256)
    return math.log(n)


def _scored(r: RunResult, key: str, failed: float) -> np.ndarray:
    v = np.asarray(r.final(key), np.float64)
    return np.where(diverged(r) | ~np.isfinite(v), failed, v)


def final_accuracy(r: RunResult) -> np.ndarray:
    """Per seed: the final test accuracy, :data:`FAILED_ACCURACY` where the seed diverged."""
    return _scored(r, "test_accuracy", FAILED_ACCURACY)


def final_test_loss(r: RunResult) -> np.ndarray:
    """Per seed: the final held-out cross-entropy (log-perplexity, nats per prediction),
    uniform guessing's over its classes where the seed diverged; NaN for a run that recorded none."""
    if not r.test_loss:
        return np.full(len(r.train_loss[-1]), np.nan)
    return _scored(r, "test_loss", _failed_log_ppl(r))


def grid_edge(r: RunResult) -> str | None:
    """ "largest" or "smallest" where the rate chosen is an end of a grid of several: the best rate
    may lie beyond the grid, and the comparison is then not each activation at its best."""
    rates = sorted(g["learning_rate"] for g in r.meta.get("grid", ()))
    if len(rates) < 2:
        return None
    return "largest" if r.learning_rate == rates[-1] else "smallest" if r.learning_rate == rates[0] else None


def _loss_near(r: RunResult, fraction: float) -> tuple[int, float]:
    """(step, mean train loss over the seeds that did not diverge) at the evaluation point nearest
    ``fraction`` of the run, the later one of two as near, never the initial one (before training)."""
    target = fraction * r.steps[-1]
    i = min(range(1, len(r.steps)) or (0,), key=lambda j: (abs(r.steps[j] - target), -r.steps[j]))
    v = np.asarray(r.train_loss[i], np.float64)[~diverged(r)]
    return r.steps[i], float(np.mean(v)) if v.size else math.nan


def parameter_shapes(cfg: Config, ds: data_mod.Dataset, activation: str) -> Any:
    """The parameters of one run, as shapes (nothing allocated)."""
    return jax.eval_shape(
        lambda k: models.get(cfg.model).init(k, cfg, ds.n_features, ds.n_classes, activation), jax.random.PRNGKey(0)
    )


def parameter_count(cfg: Config, ds: data_mod.Dataset, activation: str) -> int:
    """Trainable parameters of one run (the transformer's gated forms: the same as the plain)."""
    return models.n_parameters(parameter_shapes(cfg, ds, activation))


def _interval_dict(iv: stats.Interval) -> dict[str, Any]:
    return {"mean": iv.mean, "lo": iv.lo, "hi": iv.hi, "n": iv.n, "level": iv.level, "resolved": iv.resolved}


def reference_name(results: list[RunResult], reference: str | None = None) -> str | None:
    """The activation the runs are compared with: ``reference`` where a run has it as its label (as
    a saved study records it: no module to import), else its label resolved here; default the first run's."""
    if not reference:
        return results[0].activation if results else None
    if any(r.activation == reference for r in results):
        return reference
    return _canonical(reference)


def check_saved(results: list[RunResult], cfg: Config, where: str, partial: bool = False) -> None:
    """A saved study as :func:`save` writes it, before its summary is rewritten: the configuration's
    types and ranges (its activations are not resolved: a user's module need not be importable), and
    runs that agree with it — one per activation and path (``partial``, a run cut short: of some of its
    activations), every series one entry per evaluation and seed, accuracies in [0, 1]. Raises
    ValueError, one line naming what is off."""
    cfg._check_types(where)
    models.get(cfg.model)
    if not results:
        raise ValueError(f"{where}: it holds no runs")
    keys = [(r.activation, r.path) for r in results]
    twice = sorted({f"{a} ({p})" for a, p in keys if keys.count((a, p)) > 1})
    if twice:
        raise ValueError(f"{where}: more than one run of {', '.join(twice)}")
    labels = list(dict.fromkeys(r.activation for r in results))
    count = len(labels) > len(cfg.activations) if partial else len(labels) != len(cfg.activations)
    if count or not {r.path for r in results} <= set(cfg.paths):
        raise ValueError(
            f"{where}: its runs ({', '.join(f'{a} ({p})' for a, p in keys)}) are not those of its configuration "
            f"(activations {', '.join(cfg.activations)}; paths {', '.join(cfg.paths)})"
        )
    for r in results:
        at = f"{where}: run {r.activation} ({r.path})"
        n = len(r.steps)
        for k in ("train_loss", "test_accuracy", "dead_fraction", "grad_norm", "val_accuracy", "test_loss", "val_loss"):
            series = getattr(r, k)
            if k in ("val_accuracy", "test_loss", "val_loss") and not series:
                continue  # recorded with a grid only, or (test_loss) by this version
            try:
                a = np.asarray(series, np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"{at}: {k} is not a table of numbers") from None
            layered = k in ("dead_fraction", "grad_norm")
            want = (n, cfg.seeds) + ((a.shape[-1],) if layered and a.ndim == 3 else ())
            if n < 1 or a.shape != want or (layered and a.shape[-1] < (2 if k == "grad_norm" else 1)):
                what = "(evaluations, seeds, layers)" if layered else "(evaluations, seeds)"
                raise ValueError(
                    f"{at}: {k} has shape {a.shape}, want {what} = ({n}, {cfg.seeds}{', …' if layered else ''})"
                )
            if k in ("test_accuracy", "val_accuracy") and np.any((a < 0) | (a > 1)):
                raise ValueError(f"{at}: {k} outside [0, 1]")
        for k in ("compile_seconds", "step_seconds", "learning_rate"):
            if not registry._is_real(getattr(r, k)):
                raise ValueError(f"{at}: {k} is not a number ({getattr(r, k)!r})")


def check_reference(results: list[RunResult], cfg: Config, where: str) -> None:
    """A saved study's reference must name one of its runs: one that names none (a user's
    activation whose module cannot be imported here, a value of another form) would drop every
    paired difference. Raises ValueError, one line."""
    if cfg.reference is None or not results:
        return
    labels = list(dict.fromkeys(r.activation for r in results))
    if reference_name(results, cfg.reference) not in labels:
        raise ValueError(
            f"{where}: its reference {cfg.reference!r} matches none of its runs' activations ({', '.join(labels)}) "
            "and does not resolve to one here (a module:function needs its module importable); nothing written"
        )


def comparisons(results: list[RunResult], reference: str | None = None) -> int:
    """The paired differences a table reports: every run but the reference's, against the
    reference's run on its own path."""
    ref = reference_name(results, reference)
    paths = {r.path for r in results if r.activation == ref}
    return sum(r.activation != ref and r.path in paths for r in results)


def summary_rows(results: list[RunResult], reference: str | None = None) -> list[dict[str, Any]]:
    """One row per run: the test accuracy (log-perplexity) with its 95 % t-interval over the seeds,
    a diverged seed scoring as failed (:data:`FAILED_ACCURACY`), and the paired difference from
    the reference activation (same path) with an interval at the level that holds for all the
    table's differences together (Bonferroni over :func:`comparisons`)."""
    ref = reference_name(results, reference)
    ref_runs = {r.path: r for r in results if r.activation == ref}
    m = comparisons(results, reference)
    family = stats.family_level(m)
    rows = []
    for r in results:
        ok = ~diverged(r)
        g = r.final("grad_norm")[ok]  # [seed, layer]
        dead = r.final("dead_fraction")[ok]  # [seed, layer]
        ratio = g[:, 0] / np.maximum(g[:, -2], 1e-30)  # first hidden vs last hidden layer
        g0 = np.asarray(r.grad_norm[0])
        ratio0 = g0[:, 0] / np.maximum(g0[:, -2], 1e-30)  # at initialisation: every seed
        acc, loss = r.final("test_accuracy")[ok], r.final("train_loss")[ok]
        vs = ref_runs.get(r.path)
        step, early = _loss_near(r, 0.25)
        rows.append(
            {
                "activation": r.activation,
                "path": r.path,
                "learning_rate": r.learning_rate,
                "learning_rate_at_grid_edge": grid_edge(r),
                "diverged": int(np.sum(~ok)),
                "test_acc": _interval_dict(stats.mean_interval(final_accuracy(r), bounds=(0.0, 1.0))),
                "test_log_ppl": _interval_dict(stats.mean_interval(final_test_loss(r), bounds=(0.0, math.inf))),
                "vs_reference": None
                if vs is None
                else {
                    "activation": ref,
                    "comparisons": m,
                    "test_acc_diff": _interval_dict(
                        stats.paired_difference(final_accuracy(r), final_accuracy(vs), family, (-1.0, 1.0))
                    ),
                    "test_log_ppl_diff": _interval_dict(
                        stats.paired_difference(final_test_loss(r), final_test_loss(vs), family)
                    ),
                    "test_acc_diff_unadjusted": _interval_dict(
                        stats.paired_difference(final_accuracy(r), final_accuracy(vs), bounds=(-1.0, 1.0))
                    ),
                    "test_log_ppl_diff_unadjusted": _interval_dict(
                        stats.paired_difference(final_test_loss(r), final_test_loss(vs))
                    ),
                },
                "parameters": r.meta.get("parameters"),
                # Over the seeds that did not diverge, std with n − 1 degrees of freedom as the intervals'.
                "test_acc_mean": float(np.mean(acc)) if acc.size else float("nan"),
                "test_acc_std": float(np.std(acc, ddof=1)) if acc.size > 1 else float("nan"),
                "train_loss_mean": float(np.mean(loss)) if loss.size else float("nan"),
                "train_loss_std": float(np.std(loss, ddof=1)) if loss.size > 1 else float("nan"),
                "steps_per_s": 1.0 / r.step_seconds if r.step_seconds > 0 else float("nan"),
                "compile_s": r.compile_seconds,
                "dead_pct_mean": float(100 * np.mean(dead)) if dead.size else float("nan"),
                "dead_pct_max_layer": float(100 * np.max(np.mean(dead, axis=0))) if dead.size else float("nan"),
                "grad_ratio_first_last": float(np.exp(np.mean(np.log(np.maximum(ratio, 1e-30)))))
                if ratio.size
                else float("nan"),
                "initial_grad_ratio_first_last": float(np.exp(np.mean(np.log(np.maximum(ratio0, 1e-30))))),
                "early_loss_step": step,
                "early_loss": early,
            }
        )
    return rows


def _iv_text(d: dict[str, Any], fmt: str = ".3f", mark: bool = False) -> str:
    iv = stats.Interval(d["mean"], d["lo"], d["hi"], d["n"])
    return iv.text(fmt) + (" *" if mark and iv.resolved else "  " if mark else "")


def describe_model(cfg: Config) -> str:
    if cfg.model == "cnn":
        return f"CNN {cfg.depth}x{cfg.width}ch 3x3"
    if cfg.language_model:
        t = models.get("transformer")
        return (
            f"transformer {cfg.depth} blocks d={t.d_model} {t.heads} heads, FFN {cfg.width} "
            f"(gated {t.hidden(cfg.width, True)})"
        )
    return f"MLP {cfg.depth}x{cfg.width}"


def format_table(
    results: list[RunResult], cfg: Config, backend: str | None = None, rows: list[dict[str, Any]] | None = None
) -> str:
    """The printed table; ``rows``: :func:`summary_rows` of the same results where already computed."""
    ref = reference_name(results, cfg.reference) or "-"
    lm = cfg.language_model
    metric, key, fmt = ("log-ppl", "test_log_ppl", ".4f") if lm else ("acc", "test_acc", ".3f")
    m = comparisons(results, cfg.reference)
    family = stats.family_level(m)
    delta = f"Δ {metric} vs {ref} [{100 * family:.3g}% CI]"
    grid = bool(cfg.learning_rates)
    rows = summary_rows(results, cfg.reference) if rows is None else rows
    early = f"loss@{rows[0]['early_loss_step']}" if rows else "loss@25%"
    aw = max([12, *(len(r.activation) for r in results)])  # elu(alpha=0.5) is longer than a name
    head = (
        f"{'activation':<{aw}} {'path':<9} {'lr' if grid else '':>8} {f'test {metric} [95% CI]':>23} {delta:>30} "
        f"{'div':>3} "
        f"{'train loss':>17} {early:>10} {'steps/s':>8} {'compile s':>9} {'dead %':>7} {'grad 1st/last@init':>18}"
    )
    if grid:
        n_val = results[0].meta.get("n_validation", "?") if results else "?"
        lr_text = (
            f"lr chosen per activation and path on {n_val} validation examples from "
            f"{', '.join(f'{v:g}' for v in cfg.grid)}"
        )
    else:
        lr_text = f"lr={cfg.learning_rate}"
    n_devices = results[0].meta.get("devices") if results else None
    devices = f" x{n_devices}" if n_devices is not None else ""  # a study saved before it was recorded: left out
    lines = [
        f"jaxact compare: {cfg.dataset}, {describe_model(cfg)}, {cfg.optimizer} {lr_text}, "
        f"{cfg.steps} steps of {cfg.batch_size}, {cfg.seeds} seeds, init={cfg.init}, "
        f"backend={backend or jax.default_backend()}{devices}",
        head,
        "-" * len(head),
    ]
    edges = False
    for row, r in zip(rows, results, strict=True):
        vs = row["vs_reference"]
        d = _iv_text(vs[f"{key}_diff"], "+" + fmt, mark=True) if vs is not None and r.activation != ref else "-"
        mark = {"largest": "^", "smallest": "v"}.get(row["learning_rate_at_grid_edge"], " ")
        edges |= mark != " "
        lines.append(
            f"{row['activation']:<{aw}} {row['path']:<9} {f'{r.learning_rate:g}{mark}' if grid else '':>8} "
            f"{_iv_text(row[key], fmt):>23} {d:>30} {row['diverged']:>3} "
            f"{_ms(row['train_loss_mean'], row['train_loss_std'], '.1e'):>17} "
            f"{_num(row['early_loss'], '.4g' if lm else '.2g'):>10} "
            f"{row['steps_per_s']:>8.0f} "
            f"{row['compile_s']:>9.2f} {_num(row['dead_pct_mean'], '.1f'):>7} "
            f"{row['initial_grad_ratio_first_last']:>18.3g}"
        )
    if lm:
        lines.append(
            f"test log-ppl: held-out cross-entropy in nats per character ({results[0].meta.get('n_test', '?')} "
            f"windows of the held-out files; lower is better), {results[0].meta.get('parameters', '?')} parameters "
            "per run for every activation."
        )
    if edges:
        lines.append(
            "^ / v: the rate chosen is the grid's largest / smallest: the activation's best rate may lie beyond "
            "the grid (widen it with --lrs) and the comparison is not at its best rate."
        )
    failed = f"uniform guessing's log-ppl, {FAILED_LOG_PPL:.3f}" if lm else f"accuracy {FAILED_ACCURACY:g}"
    lines.append(
        f"test {metric}: mean over the seeds with its 95 % t-interval, on one fixed test set (the interval is "
        f"the seeds' spread: initialisation and batch order, not the test set's sampling); Δ {metric}: the paired "
        "difference from the reference (same initialisations and batches per seed) with an interval at "
        f"{100 * family:.3g} %, so that all {m} differences of the table hold together at 95 % (Bonferroni); "
        "* where it excludes 0 (resolved), else within noise; div: seeds whose loss diverged (not finite), "
        f"scored as failed ({failed}) in both, as in the rate's choice; train loss: mean ± std, dead % and "
        f"{early} (mean train loss at that step) over the seeds that did not diverge. "
        f"steps/s: one vmapped step trains all seeds; dead %: {_dead_units_text(cfg)}; grad 1st/last@init: "
        "weight-gradient norm of the first hidden layer over the last hidden layer at initialisation "
        "(geometric mean over seeds; << 1 means vanishing gradients)."
    )
    return "\n".join(lines)


def _dead_units_text(cfg: Config) -> str:
    """What the table's dead % counts (:func:`dead_fraction`: a unit is an entry past the example axis)."""
    n = EVAL_TRAIN.get(cfg.model, 0)
    end = "at the end (mean over layers and seeds"
    if cfg.model == "cnn":
        return (
            "(pixel, channel) pairs, a channel at one of the 64 pixels, with zero activation derivative on every "
            f"training example (the first {n} where there are more) {end}; a channel silent at some pixels only "
            "counts in part)"
        )
    if cfg.language_model:
        return (
            f"the FFN's (position, hidden unit) pairs, a unit at one of the {data_mod.TEXT_CONTEXT} positions of a "
            f"window, with zero activation derivative on each of the first {n} training windows {end}; - for "
            "gated forms)"
        )
    return (
        f"hidden units with zero activation derivative on every training example (the first {n} where there "
        f"are more) {end})"
    )


def _num(v: float, fmt: str) -> str:
    return "-" if not math.isfinite(v) else f"{v:{fmt}}"


def versions() -> dict[str, str]:
    """What a run needs to be reproduced: the interpreter, the packages that compute and, run from
    a git checkout, jaxact's commit (+dirty: with changes not committed)."""
    from importlib import metadata

    out = {"python": sys.version.split()[0]}
    for pkg in ("jaxact", "jax", "jaxlib", "optax", "numpy", "scikit-learn"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    commit = _git_commit()
    if commit:
        out["jaxact_commit"] = commit
    return out


@functools.cache
def _git_commit() -> str | None:
    """The commit of the checkout jaxact is imported from, +dirty where the package's own files
    differ from it (results written into the checkout do not count); None for an installed copy,
    or without git. Once per process."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short=12", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", "jaxact")
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("-dirty" if changed else "")


def activation_sources(names: Sequence[str]) -> dict[str, dict[str, str]]:
    """Each activation compared that is not jaxact's own (registered by the user, or named as
    module:function): where its function lives and a SHA-256 of its source and of its derivative's,
    so that results name the code they measured."""
    import hashlib

    out = {}
    for name in names:
        e = models.activation(name).entry
        if e.builtin:
            continue
        rec = {"function": f"{getattr(e.raw, '__module__', '?')}:{getattr(e.raw, '__qualname__', '?')}"}
        rule = e.raw_derivative if e.raw_derivative is not None else e.raw_jvp
        for what, f in (("source_sha256", e.raw), ("derivative_source_sha256", rule)):
            try:
                rec[what] = hashlib.sha256(inspect.getsource(f).encode()).hexdigest()
            except (OSError, TypeError):  # defined at a prompt, or not Python
                rec[what] = "unavailable"
        out[e.name] = rec
    return out


def save(results: list[RunResult], cfg: Config, out: Path, partial: bool = False) -> Path:
    """Writes the study to ``out``/compare.json and its table.txt, and removes a checkpoint of it
    (:data:`PARTIAL_FILE`); with ``partial``, the results so far of a run in progress to
    :data:`PARTIAL_FILE` alone, marked ``"partial": true`` (:func:`load` reads it as a study)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / (PARTIAL_FILE if partial else "compare.json")
    payload = {
        **({"partial": True} if partial else {}),
        "config": asdict(cfg) | {"activations": list(cfg.activations), "paths": list(cfg.paths)},
        "data": data_mod.load(cfg.dataset).source,
        "versions": versions(),
        "device": {"backend": jax.default_backend(), "kind": jax.devices()[0].device_kind, "jax": jax.__version__},
        "summary": summary_rows(results, cfg.reference),
        "runs": [asdict(r) for r in results],
    }
    if users := activation_sources(cfg.activations):
        payload["user_activations"] = users
    path.write_text(strict_json.dumps(payload, indent=1))
    if not partial:
        (out / "table.txt").write_text(format_table(results, cfg, rows=payload["summary"]) + "\n")
        (out / PARTIAL_FILE).unlink(missing_ok=True)  # only now: a failed save keeps the runs there
    return path


def load(path: Path) -> tuple[list[RunResult], Config, dict[str, Any]]:
    """A saved study (its compare.json): the runs, the configuration and the whole payload; a value
    written as null (not finite) reads back as NaN."""

    def nan(v: Any) -> Any:
        return [nan(a) for a in v] if isinstance(v, list) else math.nan if v is None else v

    payload = json.loads(Path(path).read_text())
    given = dict(payload["config"])
    given.setdefault("learning_rates", ())  # written before the grid existed: one rate
    if given["learning_rates"]:  # written beside a grid that did not train it (before learning_rate was None)
        given["learning_rate"] = None
    ref = given.get("reference")
    if isinstance(ref, dict) and isinstance(ref.get("name"), str):  # a configure value, written as a dict
        params = ref.get("params") or ()
        given["reference"] = models.spelt(ref["name"], params)
    cfg = Config(**{k: tuple(v) if isinstance(v, list) else v for k, v in given.items()})
    # Every list of a run is a series of numbers (meta, a dict, keeps its own nulls).
    runs = [RunResult(**{k: nan(v) if isinstance(v, list) else v for k, v in r.items()}) for r in payload["runs"]]
    return runs, cfg, payload


def summarized(path: Path) -> tuple[dict[str, Any], str]:
    """A saved study's payload with this version's summary, and its table; nothing written. Raises
    ValueError (one line) for a study :func:`check_saved` or :func:`check_reference` refuses."""
    results, cfg, payload = load(path)
    check_saved(results, cfg, f"jaxact compare: {path}", payload.get("partial") is True)
    check_reference(results, cfg, f"jaxact compare: {path}")
    return with_summary(results, cfg, payload)


def with_summary(results: list[RunResult], cfg: Config, payload: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """``payload`` (a loaded study's) with this version's summary of ``results``, and its table."""
    payload["summary"] = summary_rows(results, cfg.reference)
    payload["summary_versions"] = versions()
    table = format_table(results, cfg, payload.get("device", {}).get("backend"), payload["summary"])
    return payload, table


def resummarize(path: Path, out: Path | None = None) -> str:
    """Rewrites a saved study's summary and table.txt with this version's statistics, from the
    per-seed results it recorded (nothing is trained; the runs stay as they are); returns the table.
    The summary records the versions that computed it. With ``out``, the study with its new summary
    and its table.txt are written to that folder instead, and ``path`` is left as it is."""
    path = Path(path)
    payload, table = summarized(path)
    folder = path.parent if out is None else Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    js, txt = folder / "compare.json" if out is not None else path, folder / "table.txt"
    for f in (js, txt):  # both or neither: an existing file that cannot be replaced fails before either
        if f.is_file():
            try:
                with f.open("ab"):
                    pass
            except OSError as e:
                raise ValueError(
                    f"jaxact compare: {f} cannot be written ({e.strerror or e}); nothing written"
                ) from None
    js.write_text(strict_json.dumps(payload, indent=1))
    txt.write_text(table + "\n")
    return table


def remove_stale_plots(out: Path, written: Sequence[Path]) -> list[Path]:
    """Removes the plots of :data:`PLOT_FILES` in ``out`` that this run did not write (``written``):
    an earlier run's, which would contradict the new compare.json (lr_sensitivity.png after a run
    with one rate, every plot after --no-plots). Nothing else in the folder is touched."""
    return _plotting.remove_unwritten(out, PLOT_FILES, written)


def _legend_outside(ax: Any) -> None:
    """The legend to the right of the last panel: inside, it covers curves wherever it is put."""
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)


def plot(results: list[RunResult], out: Path) -> list[Path]:
    from jaxact.tools._plotting import pyplot

    plt = pyplot()
    out.mkdir(parents=True, exist_ok=True)
    files = []
    # One colour per activation; the gradient path is the line style.
    colour = {a: f"C{i % 10}" for i, a in enumerate(dict.fromkeys(r.activation for r in results))}
    lm = bool(results) and results[0].meta.get("dataset") == "pysource"  # scored by held-out loss
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for r in results:
        ls = "-" if r.path == "autodiff" else "--"
        loss = np.asarray(r.train_loss)
        acc = np.asarray(r.test_loss if lm else r.test_accuracy)
        lbl = f"{r.activation} ({r.path})"
        c = colour[r.activation]
        axes[0].plot(r.steps, loss.mean(1), ls, color=c, label=lbl)
        axes[0].fill_between(r.steps, loss.min(1), loss.max(1), color=c, alpha=0.12)
        axes[1].plot(r.steps, acc.mean(1), ls, color=c, label=lbl)
    axes[0].set(yscale="log", xlabel="step", ylabel="train loss", title="Training loss (mean, min–max over seeds)")
    if lm:
        axes[1].set(
            xlabel="step", ylabel="held-out log-perplexity (nats/char)", title="Held-out loss (mean over seeds)"
        )
    else:
        axes[1].set(xlabel="step", ylabel="test accuracy", title="Test accuracy (mean over seeds)")
    _legend_outside(axes[1])
    fig.tight_layout()
    files.append(out / "curves.png")
    fig.savefig(files[-1], dpi=110, bbox_inches="tight")
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for r in results:
        ls = "-o" if r.path == "autodiff" else "--x"
        dead = np.asarray(r.dead_fraction[-1]).mean(0) * 100
        g0 = np.asarray(r.grad_norm[0])
        layers = np.arange(1, dead.size + 1)
        lbl = f"{r.activation} ({r.path})"
        axes[0].plot(layers, dead, ls, color=colour[r.activation], label=lbl)
        gm = np.exp(np.mean(np.log(np.maximum(g0, 1e-30)), axis=0))
        axes[1].plot(np.arange(1, gm.size + 1), gm, ls, color=colour[r.activation], label=lbl)
    axes[0].set(xlabel="hidden layer", ylabel="dead units (%)", title="Dead units per layer, end of training")
    axes[1].set(
        xlabel="layer (last = output)",
        ylabel="‖∂L/∂W‖",
        yscale="log",
        title="Gradient norm per layer at initialisation",
    )
    _legend_outside(axes[1])
    fig.tight_layout()
    files.append(out / "layers.png")
    fig.savefig(files[-1], dpi=110, bbox_inches="tight")
    plt.close(fig)
    gridded = [r for r in results if r.meta.get("grid")]
    if gridded:  # how forgiving each activation is of its learning rate
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for r in gridded:
            g = r.meta["grid"]
            ls = "-" if r.path == "autodiff" else "--"
            ax.plot(
                [p["learning_rate"] for p in g],
                [p["val_log_ppl" if lm else "val_acc"] for p in g],
                ls,
                marker="o",
                color=colour[r.activation],
                label=f"{r.activation} ({r.path})",
            )
        ax.set(
            xscale="log",
            xlabel="learning rate",
            ylabel="validation log-perplexity (diverged: uniform)"
            if lm
            else "validation accuracy (diverged seeds count 0)",
            title="Learning-rate sensitivity (mean over seeds)",
        )
        rates = sorted({p["learning_rate"] for r in gridded for p in r.meta["grid"]})
        ax.set_xticks(rates, [f"{v:g}" for v in rates])
        ax.minorticks_off()
        _legend_outside(ax)
        fig.tight_layout()
        files.append(out / "lr_sensitivity.png")
        fig.savefig(files[-1], dpi=110, bbox_inches="tight")
        plt.close(fig)
    return files
