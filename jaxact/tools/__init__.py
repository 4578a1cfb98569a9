"""Tools built on the core: the CLI, the derivative check, accuracy against mpmath, benchmarks,
the training comparison, plots and docs.

The core (``jaxact``'s functions, registry and gradient paths) imports none of these; each
imports the core. Their optional dependencies (optax, matplotlib, scikit-learn, torch) are
imported lazily, with a message naming the extra.
"""
