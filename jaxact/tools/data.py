"""Datasets for the training comparison: bundled with a package or generated, never downloaded."""

from __future__ import annotations

import functools
import hashlib
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    # Where the data came from, recorded in the results (the text corpus: files, sizes, hashes).
    source: dict = field(default_factory=dict, compare=False)

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])


def _split(
    name: str, x: np.ndarray, y: np.ndarray, n_classes: int, test_fraction: float, seed: int, origin: str
) -> Dataset:
    """Stratified fixed split, features standardised with training statistics; its source records
    the origin, the split and a SHA-256 of the arrays trained and tested on."""
    rng = np.random.default_rng(seed)
    test_idx = []
    for c in range(n_classes):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        test_idx.append(idx[: round(test_fraction * idx.size)])
    test = np.zeros(y.size, dtype=bool)
    test[np.concatenate(test_idx)] = True
    mean = x[~test].mean(axis=0)
    std = x[~test].std(axis=0)
    std[std == 0] = 1.0
    xs = ((x - mean) / std).astype(np.float32)
    parts = (xs[~test], y[~test].astype(np.int32), xs[test], y[test].astype(np.int32))
    digest = hashlib.sha256()
    for a in parts:
        digest.update(np.ascontiguousarray(a).tobytes())
    source = {
        "origin": origin,
        "examples": int(y.size),
        "train": int(np.sum(~test)),
        "test": int(np.sum(test)),
        "test_fraction": test_fraction,
        "split_seed": seed,
        "sha256": digest.hexdigest(),
    }
    return Dataset(name, *parts, n_classes, source)


def digits(test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """scikit-learn's bundled 8x8 handwritten digits (1797 images, 10 classes; no download)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "the digits dataset ships with scikit-learn: pip install 'jaxact[compare]', in a clone '.[compare]' "
            "(or use --dataset moons / spirals, which need nothing extra)"
        ) from e
    import sklearn

    d = load_digits()
    origin = f"sklearn.datasets.load_digits (scikit-learn {sklearn.__version__})"
    return _split("digits", d.data.astype(np.float64), d.target, 10, test_fraction, seed, origin)


def moons(n: int = 2000, noise: float = 0.2, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """Two interleaving half circles (generated)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    y = rng.integers(0, 2, n)
    x = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    x = x + rng.normal(scale=noise, size=x.shape)
    return _split("moons", x, y, 2, test_fraction, seed, f"generated: n={n}, noise={noise}, seed={seed}")


def spirals(n: int = 3000, classes: int = 3, noise: float = 0.2, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """Interleaved spiral arms, one per class (generated)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    r = rng.uniform(0.05, 1.0, n)
    theta = 3.5 * np.pi * r + 2 * np.pi * y / classes + rng.normal(scale=noise, size=n)
    x = np.c_[r * np.cos(theta), r * np.sin(theta)]
    origin = f"generated: n={n}, classes={classes}, noise={noise}, seed={seed}"
    return _split("spirals", x, y, classes, test_fraction, seed, origin)


# The character-level corpus: the Python standard library's own sources, read from the running
# interpreter's installation (every machine with Python has them; nothing is downloaded). Fixed
# file lists; the contents differ between Python versions, so the results record the version and
# each file's size and SHA-256.
TEXT_TRAIN_FILES = (
    "argparse.py",
    "difflib.py",
    "inspect.py",
    "typing.py",
    "tarfile.py",
    "subprocess.py",
    "threading.py",
    "logging/__init__.py",
    "dataclasses.py",
    "functools.py",
    "configparser.py",
    "shutil.py",
)
TEXT_TEST_FILES = ("ast.py", "pickle.py")  # held out: other modules, > 10^5 characters
TEXT_CONTEXT = 64  # characters per training window


def _read_sources(names: tuple[str, ...]) -> tuple[np.ndarray, list[dict]]:
    root = Path(sysconfig.get_paths()["stdlib"])
    parts, files = [], []
    for name in names:
        path = root / name
        if not path.is_file():
            raise FileNotFoundError(
                f"the text corpus reads the standard library's {name}, which this Python ({sys.version.split()[0]}) "
                f"does not have at {root}"
            )
        raw = path.read_bytes()
        parts.append(np.frombuffer(raw, np.uint8))
        files.append({"file": name, "bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()})
    return np.concatenate(parts).astype(np.int32), files


def _windows(tokens: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping windows: inputs tokens[i:i+T], targets the next character of each."""
    n = (tokens.size - 1) // context
    x = tokens[: n * context].reshape(n, context)
    y = tokens[1 : n * context + 1].reshape(n, context)
    return x, y


def pysource(context: int = TEXT_CONTEXT) -> Dataset:
    """Bytes of Python standard-library sources for a character-level language model: training
    windows from TEXT_TRAIN_FILES, test windows from the held-out TEXT_TEST_FILES (256 classes)."""
    train, train_files = _read_sources(TEXT_TRAIN_FILES)
    test, test_files = _read_sources(TEXT_TEST_FILES)
    x_train, y_train = _windows(train, context)
    x_test, y_test = _windows(test, context)
    source = {
        "python": sys.version.split()[0],
        "context": context,
        "train_files": train_files,
        "test_files": test_files,
        "test_characters": int(y_test.size),
    }
    return Dataset("pysource", x_train, y_train, x_test, y_test, 256, source)


DATASETS = {"digits": digits, "moons": moons, "spirals": spirals, "pysource": pysource}


def load(name: str) -> Dataset:
    """The named dataset; built once per process (checking a configuration and training both ask)."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    return _built(name)


@functools.cache
def _built(name: str) -> Dataset:
    ds = DATASETS[name]()
    for a in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        a.setflags(write=False)  # shared between callers: nobody may change it in place
    return ds


def train_size(name: str) -> int:
    """Number of training examples of ``name`` (for checking a batch size before any work)."""
    return int(load(name).x_train.shape[0])
