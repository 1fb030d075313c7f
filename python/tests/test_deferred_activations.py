"""Activations deferred past max pooling (eternal.fusion.deferred_activations): which layers the
plan changes, that max pooling commutes with every deferred activation's integer function, and
that deferred and earlier deployments give the emulator's integers and verify."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eternal.activations import CODES, apply_activation
from eternal.fusion import FUSIONS, NEVER_DECREASING
from eternal.onchain import decompress_config, deployment_plan
from small_models import fixture_export, gas_under_plans

ACTIVATION_WORD = 14  # Conv2D's config: header (2), geometry (12), then the activation code


@pytest.fixture(scope="module")
def pooled():
    return fixture_export("pooled_activations")


def word(config: bytes, index: int) -> int:
    return int.from_bytes(decompress_config(config)[32 * index:32 * index + 32], "big")


def test_only_a_sole_max_pooling_readers_monotone_activation_moves(pooled):
    export, _ = pooled
    moved = {layer["name"]: layer for layer in deployment_plan(export)["layers"]}
    before = {layer["name"]: layer for layer in deployment_plan(export, FUSIONS[:1])["layers"]}
    for conv, pool, name in (("conv_tanh", "pool1", "tanh"), ("conv_sigmoid", "pool2", "sigmoid")):
        assert word(before[conv]["config"], ACTIVATION_WORD) == CODES[name]
        assert word(moved[conv]["config"], ACTIVATION_WORD) == CODES["linear"], conv
        base = decompress_config(before[pool]["config"])
        assert decompress_config(moved[pool]["config"]) == base + CODES[name].to_bytes(32, "big"), pool
    # Read twice (relu), mixing channels (softmax), and the poolings after them: as they were.
    for name in ("conv_twice_read", "conv_softmax", "pool_c", "pool3", "gap_c", "head"):
        assert moved[name] == before[name], name


@settings(max_examples=200, deadline=None)
@given(activation=st.sampled_from(NEVER_DECREASING), frac=st.sampled_from([0, 8, 16, 24, 32]),
       seed=st.integers(0, 2 ** 32 - 1), spread=st.integers(1, 140))
def test_max_then_activation_is_activation_then_max(activation, frac, seed, spread):
    """The fusion's premise, on the emulator's integers: max over windows of 2 to 9 values, with
    values near each other (ties, neighbours) and far apart, up to past the exponential's limits."""
    rng = np.random.default_rng(seed)
    centre = int(rng.integers(-spread, spread + 1)) << frac
    width = int(rng.integers(1, 4) << max(frac - int(rng.integers(0, frac + 1)), 0))
    cells = int(rng.integers(2, 10))
    windows = np.array([[centre + int(v) for v in rng.integers(-width, width + 1, cells)] for _ in range(8)],
                       dtype=object)
    pooled_first = apply_activation(activation, np.array([max(w) for w in windows], dtype=object), frac)
    activated = apply_activation(activation, windows, frac)
    assert list(pooled_first) == [max(row) for row in activated]


def test_deferred_and_earlier_deployments_give_the_emulators_integers_and_verify(pooled, anvil_node, tmp_path):
    export, fixture = pooled
    gas = gas_under_plans(anvil_node.url, export, fixture, {"deferred": FUSIONS, "earlier": FUSIONS[:1]}, tmp_path)
    assert gas["deferred"] < gas["earlier"], gas
