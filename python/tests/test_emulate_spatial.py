"""The spatial layers' fixed-point forward against Keras (float) on small random models.

Each case is one layer after an Input, built with a fixed seed. The emulator
runs the exported integers; Keras runs the same model with its weights set to
the exported (quantised) values, so the only differences left are the
activations' 2^-24 steps and float32 rounding: we hold them to 1e-4 absolute.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

from eternal.export import ModelExporter
from eternal.exportfile import weight_stream
from eternal.fixedpoint import bits_of, dequantise, quantise_activations
from eternal.layers import QTensor, lookup
from eternal.weightstream import decode_tensor

TOLERANCE = 1e-4

# name -> (input shape, layer factory(keras))
CASES = {
    "conv2d_same_s1": ((7, 6, 3), lambda k: k.layers.Conv2D(5, 3, padding="same")),
    "conv2d_valid_s2": ((9, 8, 2), lambda k: k.layers.Conv2D(4, (3, 2), strides=2, padding="valid")),
    "conv2d_same_s2_odd": ((7, 7, 3), lambda k: k.layers.Conv2D(9, (2, 3), strides=(2, 3), padding="same")),
    "conv2d_same_even_kernel": ((6, 5, 2), lambda k: k.layers.Conv2D(3, 4, padding="same", use_bias=False)),
    "conv2d_wide": ((5, 5, 4), lambda k: k.layers.Conv2D(17, 1)),
    "conv1d_same": ((11, 3), lambda k: k.layers.Conv1D(6, 4, padding="same")),
    "conv1d_valid_s3": ((13, 2), lambda k: k.layers.Conv1D(3, 3, strides=3)),
    "depthwise_same_m2": ((6, 7, 3), lambda k: k.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2)),
    "depthwise_valid_s2": ((9, 8, 4), lambda k: k.layers.DepthwiseConv2D((2, 3), strides=2, use_bias=False)),
    "depthwise_same_s2_m3": ((5, 6, 2), lambda k: k.layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=3)),
    "maxpool_valid": ((8, 7, 3), lambda k: k.layers.MaxPooling2D(2)),
    "maxpool_same_s1": ((5, 6, 2), lambda k: k.layers.MaxPooling2D(3, strides=1, padding="same")),
    "maxpool_same_odd": ((7, 5, 2), lambda k: k.layers.MaxPooling2D((2, 3), strides=2, padding="same")),
    "avgpool_valid": ((8, 6, 3), lambda k: k.layers.AveragePooling2D(2)),
    "avgpool_same_odd": ((7, 5, 2), lambda k: k.layers.AveragePooling2D(3, strides=2, padding="same")),
    "avgpool_same_s1": ((4, 5, 3), lambda k: k.layers.AveragePooling2D((2, 3), strides=1, padding="same")),
    "global_avg": ((5, 3, 4), lambda k: k.layers.GlobalAveragePooling2D()),
    "global_avg_keepdims": ((3, 3, 2), lambda k: k.layers.GlobalAveragePooling2D(keepdims=True)),
    "global_max": ((4, 6, 3), lambda k: k.layers.GlobalMaxPooling2D()),
    "zero_padding": ((3, 4, 2), lambda k: k.layers.ZeroPadding2D(((1, 2), (0, 3)))),
    "zero_padding_int": ((2, 2, 1), lambda k: k.layers.ZeroPadding2D(1)),
    "maxpool1d_valid": ((9, 3), lambda k: k.layers.MaxPooling1D(2)),
    "maxpool1d_same_s1": ((7, 2), lambda k: k.layers.MaxPooling1D(3, strides=1, padding="same")),
    "conv2d_dilated_same": ((7, 8, 3), lambda k: k.layers.Conv2D(4, 3, dilation_rate=(2, 3), padding="same")),
    "conv1d_dilated": ((12, 2), lambda k: k.layers.Conv1D(3, 3, dilation_rate=2)),
    "depthwise_dilated_same": ((7, 6, 2), lambda k: k.layers.DepthwiseConv2D(3, dilation_rate=2, padding="same", depth_multiplier=2)),
    "avgpool1d_same_s2": ((9, 3), lambda k: k.layers.AveragePooling1D(3, strides=2, padding="same")),
    "global_avg1d_keepdims": ((7, 3), lambda k: k.layers.GlobalAveragePooling1D(keepdims=True)),
    "global_max1d": ((7, 3), lambda k: k.layers.GlobalMaxPooling1D()),
    "zero_padding1d": ((5, 2), lambda k: k.layers.ZeroPadding1D((1, 3))),
    "cropping2d": ((6, 5, 2), lambda k: k.layers.Cropping2D(((1, 2), (0, 1)))),
    "cropping1d": ((6, 2), lambda k: k.layers.Cropping1D(2)),
    "upsampling2d": ((3, 2, 2), lambda k: k.layers.UpSampling2D((2, 3))),
    "upsampling1d": ((3, 2), lambda k: k.layers.UpSampling1D(2)),
    "upsampling2d_bilinear": ((3, 4, 2), lambda k: k.layers.UpSampling2D((3, 2), interpolation="bilinear")),
    "upsampling2d_bilinear_4": ((2, 3, 1), lambda k: k.layers.UpSampling2D(4, interpolation="bilinear")),
    "repeat_vector": ((4,), lambda k: k.layers.RepeatVector(3)),
    "permute3": ((2, 3, 4), lambda k: k.layers.Permute((3, 1, 2))),
}


def keras_of(library: str):
    if library == "keras2":
        import tf_keras

        return tf_keras
    import keras

    return keras


def build(library: str, case: str, seed: int = 0):
    """The one-layer model of a case, with random weights (biases too) from ``seed``."""
    keras = keras_of(library)
    shape, factory = CASES[case]
    inputs = keras.Input(shape=shape)
    model = keras.Model(inputs, factory(keras)(inputs))
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    return model


def emulate_single_layer(export: dict, x: np.ndarray) -> np.ndarray:
    """Runs the export's one layer (after its input) with the layer's own forward."""
    graph = export["graph"]
    frac = graph["activation_frac_bits"]
    bits = bits_of(graph["precision"])
    stream = weight_stream(export)
    layer = graph["layers"][1]
    weights = [
        QTensor(decode_tensor(stream[w["offset"] : w["offset"] + w["size"]], w["shape"], w["layout"], bits), w["frac_bits"])
        for w in layer["weights"]
    ]
    layer_type = lookup(layer["class_name"], layer["name"])
    out = layer_type.forward(layer["config"], [quantise_activations(x, frac)], weights, frac)
    assert list(out.shape) == layer["output_shape"]
    return dequantise(out, frac)


def set_quantised_weights(model, export: dict) -> None:
    """Gives the Keras model the exported weights' real values."""
    graph = export["graph"]
    bits = bits_of(graph["precision"])
    stream = weight_stream(export)
    layer = graph["layers"][1]
    arrays = [
        dequantise(decode_tensor(stream[w["offset"] : w["offset"] + w["size"]], w["shape"], w["layout"], bits), w["frac_bits"])
        for w in layer["weights"]
    ]
    if arrays:
        arrays = lookup(layer["class_name"], layer["name"]).keras_weights(arrays, layer["config"])  # dilated: every d-th tap
        model.layers[-1].set_weights([a.astype("float32") for a in arrays])


def check(library: str, case: str, precision: str, seed: int = 0):
    model = build(library, case, seed)
    export = ModelExporter(precision).export_model(model)
    set_quantised_weights(model, export)
    shape = CASES[case][0]
    x = np.random.default_rng(seed + 1).normal(0, 1, (3, *shape))
    expected = np.asarray(model(x.astype("float32")))
    for sample, want in zip(x, expected):
        got = emulate_single_layer(export, sample)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=0, atol=TOLERANCE)
    return export


@pytest.mark.parametrize("case", sorted(CASES))
def test_keras3_int32(case):
    check("keras3", case, "int32")


@pytest.mark.parametrize("case", ["conv2d_same_s2_odd", "depthwise_same_m2", "conv1d_same", "avgpool_same_odd", "conv1d_dilated"])
def test_keras3_int8(case):
    check("keras3", case, "int8", seed=5)


@pytest.mark.parametrize("case", ["conv2d_same_s2_odd", "depthwise_same_s2_m3", "avgpool_same_odd", "maxpool1d_same_s1", "zero_padding",
                                  "avgpool1d_same_s2", "global_avg1d_keepdims", "cropping2d", "upsampling2d", "upsampling2d_bilinear", "repeat_vector", "permute3",
                                  "conv2d_dilated_same", "depthwise_dilated_same"])
def test_keras2_int32(case):
    check("keras2", case, "int32", seed=3)


def test_conv_is_exact_sum_then_one_rounding():
    """A hand-made Conv2D: the sum is rescaled once, then the bias is added."""
    conv = lookup("Conv2D", "c")
    config = {"filters": 1, "kernel_size": [1, 2], "strides": [1, 1], "padding": "valid", "activation": "linear", "use_bias": True}
    x = np.array([[[3], [5]]], dtype=object)  # (1, 2, 1), frac 2: 0.75, 1.25
    kernel = QTensor(np.array([[[[1]], [[1]]]]), 1)  # 0.5 each
    bias = QTensor(np.array([3]), 3)  # 0.375 -> rescaled to frac 2: (3 + 1) >> 1 = 2
    out = conv.forward(config, [x], [kernel, bias], 2)
    # (3 + 5) at frac 3 -> frac 2: (8 + 1) >> 1 = 4; + 2 = 6
    assert out.tolist() == [[[6]]]


@pytest.mark.parametrize("total,count,expected", [(5, 2, 3), (-5, 2, -2), (7, 3, 2), (-7, 3, -2), (8, 3, 3), (-8, 3, -3), (0, 9, 0), (9, 9, 1)])
def test_average_rounds_half_up(total, count, expected):
    from eternal.layers.spatial import divide_round_half_up

    assert divide_round_half_up(total, count) == expected


def test_same_geometry_pads_bottom_right_more():
    from eternal.layers.spatial import window_geometry

    assert window_geometry(7, 2, 2, "same") == (4, 0)  # total 1: all after
    assert window_geometry(6, 4, 1, "same") == (6, 1)  # total 3: 1 before, 2 after
    assert window_geometry(9, 3, 2, "valid") == (4, 0)
