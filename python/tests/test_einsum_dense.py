"""EinsumDense: which equations are a Dense over trailing axes (run by DenseLayer), and the
one-line refusals of the others. Keras 2 == Keras 3 hashes, rebuilding and the emulator vs Keras
are the keras_cases' "EinsumDense" case and the einsum_dense fixtures (on chain: test/fixtures.test.js).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from eternal.errors import UnsupportedLayerError
from eternal.export import ModelExporter
from eternal.layers.einsum_dense import split_equation


@pytest.mark.parametrize("equation, parts", [
    ("ab,bc->ac", ("a", "b", "c")),
    ("abc,cd->abd", ("ab", "c", "d")),
    ("abc,cde->abde", ("ab", "c", "de")),
    ("abcd,cde->abe", ("ab", "cd", "e")),
    ("abcd,de->abce", ("abc", "d", "e")),
    ("...b,bc->...c", ("...", "b", "c")),
    ("...cd,cde->...e", ("...", "cd", "e")),
])
def test_dense_equations_split(equation, parts):
    assert split_equation(equation) == parts


@pytest.mark.parametrize("equation", [
    "abc,cd->adb",  # output axes reordered
    "abc,bd->acd",  # contracts a middle axis
    "abc,acd->abd",  # the batch axis shared with the kernel
    "ab,ab->a",  # contracts everything, no new axis... and the batch
    "abc,cd->abcd",  # c kept: not contracted
    "ab,bc",  # no output
    "ab,bc,cd->ad",  # two kernels
    "abc,cd->abd..."  # a stray ellipsis
])
def test_other_equations_are_refused(equation):
    assert split_equation(equation) is None


def _model(equation, output_shape, bias_axes=None, shape=(3, 4)):
    x = keras.Input(shape=shape, name="x")
    layer = keras.layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes, name="e")
    return keras.Model(x, layer(x), name="m")


def test_refusal_names_the_equation():
    with pytest.raises(UnsupportedLayerError, match=r"Layer 'e' \(EinsumDense\): `equation='abc,bd->acd'` is not supported. Supported: 'L C,C N->L N'"):
        ModelExporter().export_model(_model("abc,bd->acd", (None, 5)))


def test_bias_along_a_leading_axis_is_refused():
    with pytest.raises(UnsupportedLayerError, match=r"`bias_axes='b'` is not supported"):
        ModelExporter().export_model(_model("abc,cd->abd", (3, 5), bias_axes="b"))


def test_weights_are_dense_shaped():
    """The kernel (C dims, N dims) stored as (rows, units); a bias over one of two new axes broadcast."""
    model = _model("abc,cde->abde", (None, 2, 3), bias_axes="d")
    kernel = np.arange(24, dtype="float32").reshape(4, 2, 3)
    model.set_weights([kernel, np.array([[1.0], [2.0]], dtype="float32")])
    export = ModelExporter().export_model(model)
    layer = export["graph"]["layers"][1]
    assert layer["config"]["output_shape"] == [3, 2, 3] and layer["config"]["contracted_shape"] == [4]
    assert [w["shape"] for w in layer["weights"]] == [[4, 6], [6]]
