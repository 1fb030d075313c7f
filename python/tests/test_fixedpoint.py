"""eternal.fixedpoint: the one number format's conversions."""

import numpy as np

from eternal.fixedpoint import dequantise, from_fixed, quantise_activations, to_fixed


def test_fixed_point_round_trip():
    x = np.array([[0.5, -1.25], [3.0, -0.0000001]])
    fixed = to_fixed(x, 24)
    assert fixed == [1 << 23, -(5 << 22), 3 << 24, round(-0.0000001 * 2**24)]
    back = from_fixed(fixed, 24, shape=(2, 2))
    assert back.shape == (2, 2)
    np.testing.assert_allclose(back, x, atol=2**-25)
    assert from_fixed([2**200], 24)[0] == 2.0**176


def test_to_fixed_is_quantise_activations_flattened_and_from_fixed_is_dequantise():
    x = np.linspace(-2, 2, 12).reshape(3, 4)
    fixed = to_fixed(x, 16)
    assert fixed == [int(v) for v in quantise_activations(x, 16).ravel()]
    np.testing.assert_array_equal(from_fixed(fixed, 16), dequantise(np.array(fixed, dtype=np.int64), 16))
