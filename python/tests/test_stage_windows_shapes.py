"""Staged predict through ``runWindow`` on anvil for the layers that only move values: a model
with Cropping2D, UpSampling2D, ZeroPadding1D, Cropping1D, UpSampling1D, AveragePooling1D,
Permute, the 1D global poolings and RepeatVector, sliced under a small call gas cap, is the
emulator's bit for bit; the windows each of these layer types asks for are the ones its contract
needs (one element less reverts ``WindowTooSmall``); the 1D ones on the 2D contracts read whole
sequences (one row)."""

from __future__ import annotations

import numpy as np
import pytest

from test_stage_windows import assert_staged_is_emulated, assert_windows_exact, deploy

WINDOWED = {"Cropping2D", "UpSampling2D"}  # the global poolings' windows: test/layers/ForwardWindow.test.js
# On the 2D contracts a sequence is one row, and they read whole rows: any slice of these reads
# the whole input (so does RepeatVector's), and goes by runSlice.
WHOLE = frozenset({"ZeroPadding1D", "Cropping1D", "UpSampling1D", "AveragePooling1D", "RepeatVector"})


def shapes_model(seed: int):
    """Input(12, 10, 3) -> Conv2D -> Cropping2D -> UpSampling2D (bilinear) -> Conv2D (stride 2) ->
    UpSampling2D (nearest), as a sequence
    -> ZeroPadding1D -> Cropping1D -> UpSampling1D -> AveragePooling1D -> Permute and the global
    poolings -> Dense -> RepeatVector -> Dense."""
    import keras

    keras.utils.set_random_seed(seed)
    layers = keras.layers
    x = keras.Input((12, 10, 3), name="image")
    a = layers.Conv2D(6, 3, padding="same")(x)
    a = layers.UpSampling2D((2, 1), interpolation="bilinear")(layers.Cropping2D(((1, 2), (0, 1)))(a))
    b = layers.UpSampling2D((1, 2))(layers.Conv2D(4, 3, strides=2)(a))
    s = layers.Cropping1D((1, 2))(layers.ZeroPadding1D((2, 1))(layers.Reshape((64, 4))(b)))
    s = layers.AveragePooling1D(3, strides=2, padding="same")(layers.UpSampling1D(2)(s))
    g = layers.GlobalAveragePooling1D()(layers.Permute((2, 1))(s))
    v = layers.Dense(3)(layers.Concatenate()([g, layers.GlobalMaxPooling1D()(s)]))
    out = layers.Dense(2)(layers.Flatten()(layers.RepeatVector(4)(v)))
    return keras.Model(x, out, name=f"shapes_{seed}")


@pytest.fixture(scope="module")
def deployed(anvil_node, tmp_path_factory):
    """(web3, address, export, float batch of 2)."""
    return deploy(anvil_node, tmp_path_factory, shapes_model(6), np.random.default_rng(9).uniform(-1, 1, (2, 12, 10, 3)))


def test_staged_by_windows_is_the_emulators_bit_for_bit(deployed):
    assert_staged_is_emulated(deployed)


def test_each_layer_types_windows_are_exactly_what_its_contract_needs(deployed):
    assert_windows_exact(deployed, WINDOWED | WHOLE, whole=WHOLE)
