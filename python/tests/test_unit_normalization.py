"""UnitNormalization: the two Keras versions' floors (the config carries it, so their exports hash
differently), the integer row against the real function, and the refusals. The emulator vs Keras
and the chain are the unit_normalization fixtures (test/fixtures.test.js, test_onchain.py).
"""

from __future__ import annotations

from decimal import Decimal

import keras
import numpy as np
import pytest
import tf_keras
from hypothesis import example, given, settings
from hypothesis import strategies as st

from eternal.errors import RebuildError, UnsupportedLayerError
from eternal.export import ModelExporter
from eternal.hashing import canonical_bytes
from eternal.layers import lookup
from eternal.layers.layer_normalization import EXTRA_BITS
from eternal.layers.unit_normalization import KERAS2_EPSILON, KERAS3_EPSILON


def _model(K, axis=-1, shape=(2, 3)):
    x = K.Input(shape=shape, name="x")
    return K.Model(x, K.layers.UnitNormalization(axis=axis, name="unit")(x), name="m")


def test_each_version_carries_its_floor_and_they_hash_differently():
    g3 = ModelExporter().export_model(_model(keras))["graph"]
    g2 = ModelExporter().export_model(_model(tf_keras))["graph"]
    assert g3["layers"][1]["config"] == {"axes": 1, "epsilon": KERAS3_EPSILON}
    assert g2["layers"][1]["config"] == {"axes": 1, "epsilon": KERAS2_EPSILON}
    assert canonical_bytes(g3) != canonical_bytes(g2)


def test_the_floors_differ_observably_at_f24():
    """A row of norm 5 units of 2^-24 (below tf_keras' floor 1e-6): Keras 3 gives x / |x|,
    tf_keras x / 1e-6; the emulator gives each its own."""
    x = np.array([[3, 4, 0]], dtype="float32") * np.float32(2.0**-24)
    k3 = np.asarray(keras.layers.UnitNormalization()(x))
    k2 = tf_keras.layers.UnitNormalization()(x).numpy()
    assert np.allclose(k3, [[0.6, 0.8, 0]]) and np.allclose(k2, [[0.1788, 0.2384, 0]], atol=1e-4)
    layer = lookup("UnitNormalization", "u")
    ints = np.array([[3, 4, 0]], dtype=object)
    for epsilon, expected in ((KERAS3_EPSILON, k3), (KERAS2_EPSILON, k2)):
        out = layer.forward({"axes": 1, "epsilon": epsilon}, [ints], [], 24)
        assert np.allclose(out.astype(float) / 2**24, expected, atol=1e-6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(1 << 40), 1 << 40), min_size=1, max_size=10))
@example([1, 1])
def test_row_is_within_a_unit_of_the_real_function(row):
    """Above the floor: ``x / sqrt(sum(x^2))`` within 2^-(F+1) plus the square root's floor."""
    out = lookup("UnitNormalization", "u").forward({"axes": 1, "epsilon": KERAS3_EPSILON},
                                                    [np.array([row], dtype=object)], [], 24)[0]
    norm = sum(Decimal(v) ** 2 for v in row).sqrt()
    # s = isqrt(sum(x^2) 2^2G) is below norm 2^G by less than 1: a relative error under 1 / (norm 2^G - 1),
    # which shows on rows whose norm is a few units (e.g. [1, 1]: 7.6e-6).
    floor = 1 / (norm * 2**EXTRA_BITS - 1) if norm else Decimal(0)
    for v, y in zip(row, out):
        real = Decimal(v) / norm if norm else Decimal(0)
        assert abs(Decimal(int(y)) / 2**24 - real) <= Decimal(2) ** -24 + abs(real) * floor


@pytest.mark.parametrize("axis", [1, [1], -2])
def test_a_leading_axis_alone_is_refused(axis):
    with pytest.raises(UnsupportedLayerError, match=r"`axis=.*` is not supported. Supported: the trailing axes"):
        ModelExporter().export_model(_model(keras, axis=axis))


def test_trailing_axes_make_one_row():
    graph = ModelExporter().export_model(_model(keras, axis=[1, 2]))["graph"]
    assert graph["layers"][1]["config"]["axes"] == 2


def test_pull_refuses_tf_keras_floor():
    from eternal.exportfile import weight_stream
    from eternal.rebuild import build_keras_model

    export = ModelExporter().export_model(_model(tf_keras))
    with pytest.raises(RebuildError, match="Keras 3 has no UnitNormalization with tf_keras' floor"):
        build_keras_model(export["graph"], weight_stream(export))
