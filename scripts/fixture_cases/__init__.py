"""Fixture cases for ``scripts/make_fixtures.py``, one module per family of layers.

Every module here defines ``CASES = {name: build}`` where ``build(K)`` takes the
Keras package (``keras`` for Keras 3 or ``tf_keras`` for Keras 2) and returns
``(model, inputs)``: a built model and one float numpy batch (a list of batches for
a model with several inputs). Optionally ``TOLERANCE = {name: float}`` (or
``{name: {precision: float}}``) overrides the absolute tolerance to Keras for a case. Case names are global: each becomes
``test/fixtures/<name>.json``.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

import numpy as np

BATCH = 3  # samples per fixture


def seeded_weights(model, seed: int, scale: float = 0.5):
    """Gives every weight of ``model`` ``scale * N(0, 1)`` values from ``seed``; returns the model."""
    rng = np.random.default_rng(seed)
    model.set_weights([(scale * rng.standard_normal(w.shape)).astype("float32") for w in model.get_weights()])
    return model


def floats(seed: int, shape, low: float = -1.5, high: float = 1.5) -> np.ndarray:
    """A float32 batch of ``BATCH`` inputs, uniform in ``[low, high)``, from ``seed``."""
    return np.random.default_rng(1000 + seed).uniform(low, high, (BATCH, *shape)).astype("float32")


def sequential(K, shape, layers, name: str, seed: int, scale: float = 0.5):
    """A one-input model ``x -> layers...`` in Keras package ``K``, with seeded weights."""
    inputs = K.Input(shape=shape, name="x")
    out = inputs
    for layer in layers:
        out = layer(out)
    return seeded_weights(K.Model(inputs, out, name=name), seed, scale)


@dataclass(frozen=True)
class Case:
    """One fixture case: where it comes from and how to build it."""

    name: str
    module: str
    build: Callable
    tolerance: float | dict | None = None


def discover() -> dict[str, Case]:
    """Every case of every module in this package, by name.

    Raises:
        ValueError: two modules define the same case name, or a module has no ``CASES``.
    """
    cases: dict[str, Case] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        table = getattr(module, "CASES", None)
        if not isinstance(table, dict):
            raise ValueError(f"fixture module {info.name}: no CASES dict")
        tolerances = getattr(module, "TOLERANCE", {})
        for name, build in table.items():
            if name in cases:
                raise ValueError(f"fixture case {name!r} defined in both {cases[name].module} and {info.name}")
            cases[name] = Case(name, info.name, build, tolerances.get(name))
    return cases
