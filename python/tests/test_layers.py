"""eternal.layers: the per-layer hooks outside the emulator (identity, ids, folding, rebuilding)."""

import re

import numpy as np
import pytest

from eternal.errors import ModelInputError, UnsupportedLayerError
from eternal.layers import REGISTRY, lookup, model_input_id_count
from eternal.layers.inference_noops import NO_OPS


def test_identity_layers_are_the_contractless_reshapes_and_inference_noops():
    identities = {name for name, cls in REGISTRY.items() if cls.identity} - {"TimeDistributed"}
    assert identities == {"InputLayer", "Flatten", "Reshape", *NO_OPS}  # TimeDistributed: around one of these
    assert {"Dropout", "GaussianNoise", "RandomFlip", "Identity"} <= set(NO_OPS)
    assert all(REGISTRY[name].contract is None for name in identities)


def test_only_an_embedding_reads_ids():
    readers = {name for name in REGISTRY if lookup(name, "x").input_id_count({"input_dim": 7}) is not None}
    assert readers == {"Embedding"}
    assert lookup("Embedding", "emb").input_id_count({"input_dim": 7, "output_dim": 2}) == 7


def test_model_input_id_count_looks_at_every_reader():
    def layer(class_name, config, inbound):
        return {"name": class_name.lower(), "class_name": class_name, "config": config, "inbound": inbound}

    graph = {"layers": [
        layer("InputLayer", {"shape": [3]}, []),
        layer("InputLayer", {"shape": [3]}, []),
        layer("Flatten", {}, [[0, 0]]),
        layer("Embedding", {"input_dim": 11, "output_dim": 2}, [[0, 0]]),
        layer("Flatten", {}, [[1, 0]]),
    ]}
    assert model_input_id_count(graph, 0) == 11
    assert model_input_id_count(graph, 1) is None


@pytest.mark.parametrize("center, scale", [(True, True), (False, True), (True, False), (False, False)])
def test_batch_normalization_folds_from_its_arguments_alone(center, scale):
    rng = np.random.default_rng(0)
    gamma, beta, mean = rng.standard_normal((3, 4))
    variance = rng.uniform(0.5, 2.0, 4)
    arrays = [gamma] * scale + [beta] * center + [mean, variance]
    raw = {"epsilon": 0.01, "center": center, "scale": scale}
    # A fresh layer type, normalise() never called: weights() needs nothing else.
    folded, offset = lookup("BatchNormalization", "bn").weights({}, arrays, raw)
    want = (gamma if scale else 1.0) / np.sqrt(variance + 0.01)
    np.testing.assert_allclose(folded.values, want)
    np.testing.assert_allclose(offset.values, (beta if center else 0.0) - mean * want)


def test_batch_normalization_rebuilds_as_scale_and_offset():
    layer_type = lookup("BatchNormalization", "bn")
    config = layer_type.keras_config({})
    scale, offset = np.array([2.0, 0.5]), np.array([0.25, -1.0])
    gamma, beta, mean, variance = layer_type.keras_weights([scale, offset], {})
    x = np.array([1.5, -3.0])
    np.testing.assert_allclose((x - mean) / np.sqrt(variance + config["epsilon"]) * gamma + beta, x * scale + offset)


@pytest.mark.parametrize("invert", [False, True])
def test_normalization_folds_adapted_and_given_statistics(invert):
    layer_type = lookup("Normalization", "norm")
    config = layer_type.normalise({"axis": [-1], "mean": None, "variance": None}, [[2, 3]])
    assert config == {"channels": 3}
    mean, variance = np.array([0.5, -1.0, 2.0]), np.array([4.0, 0.0, 0.25])  # 0: the deviation's floor, 1e-7
    deviation = np.array([2.0, 1e-7, 0.5])
    adapted = layer_type.weights(config, [mean, variance, np.asarray(7)], {"invert": invert})
    given = layer_type.weights(config, [], {"invert": invert, "mean": mean.tolist(), "variance": variance.tolist()})
    x = np.array([1.5, -3.0, 0.25])
    want = mean + x * deviation if invert else (x - mean) / deviation
    for scale, offset in (adapted, given):
        np.testing.assert_allclose(x * scale.values + offset.values, want)
    # Rebuilt (invert=True, mean=offset, variance=scale^2): the folded map again.
    rebuilt_mean, rebuilt_variance, _ = layer_type.keras_weights([adapted[0].values, adapted[1].values], config)
    np.testing.assert_allclose(rebuilt_mean + x * np.maximum(np.sqrt(rebuilt_variance), 1e-7), want)


def test_normalization_broadcasts_a_scalar_mean_and_variance():
    layer_type = lookup("Normalization", "norm")
    config = layer_type.normalise({"axis": -1, "mean": 1.0, "variance": 4.0}, [[5, 2]])
    scale, offset = layer_type.weights(config, [], {"mean": 1.0, "variance": 4.0})
    np.testing.assert_allclose(scale.values, [0.5, 0.5])
    np.testing.assert_allclose(offset.values, [-0.5, -0.5])


@pytest.mark.parametrize("raw, shape, message", [
    ({"axis": [1]}, [4, 3], "`axis=[1]` is not supported"),
    ({"axis": [-2, -1]}, [4, 3], "`axis=[-2, -1]` is not supported"),
    ({"axis": -1, "mean": [1.0, 2.0], "variance": 1.0}, [4, 3], "`mean='2 values'` is not supported. Supported: 1 or 3"),
])
def test_normalization_refuses_what_it_cannot_fold(raw, shape, message):
    with pytest.raises(UnsupportedLayerError, match=re.escape(message)):
        lookup("Normalization", "norm").normalise(raw, [shape])


def test_normalization_refuses_a_negative_variance_and_missing_statistics():
    layer_type = lookup("Normalization", "norm")
    with pytest.raises(UnsupportedLayerError, match="variance"):
        layer_type.weights({"channels": 2}, [], {"mean": [0.0, 0.0], "variance": [1.0, -1.0]})
    with pytest.raises(UnsupportedLayerError, match="adapted layer, or mean and variance given"):
        layer_type.weights({"channels": 2}, [], {"mean": None, "variance": None})


@pytest.mark.parametrize("class_name, config, keras_config", [
    ("Dense", {"units": 3, "activation": "relu", "use_bias": True}, {"units": 3, "activation": "relu", "use_bias": True}),
    ("Concatenate", {"axis": 0}, {"axis": 1}),
    ("Reshape", {"target_shape": [2, 3]}, {"target_shape": (2, 3)}),
    ("ZeroPadding2D", {"padding": [[1, 0], [2, 3]]}, {"padding": ((1, 0), (2, 3))}),
    ("Dropout", {}, {"rate": 0.0}),
    ("GaussianNoise", {}, {"stddev": 0.0}),
    ("RandomTranslation", {}, {"height_factor": 0.0, "width_factor": 0.0}),
    ("Identity", {}, {}),
    ("BatchNormalization", {}, {"epsilon": 1e-3}),
    ("Normalization", {"channels": 4}, {"axis": -1, "invert": True}),
])
def test_keras_config_turns_the_canonical_config_into_keras_arguments(class_name, config, keras_config):
    before = {key: value for key, value in config.items()}
    assert lookup(class_name, "x").keras_config(config) == keras_config
    assert config == before  # the graph's config is left as it is


def test_layer_normalization_takes_inputs_in_its_range_only():
    from eternal.layers.base import QTensor

    layer_type = lookup("LayerNormalization", "ln")
    config = layer_type.normalise({"axis": -1, "epsilon": 1e-3}, [[3]])
    ones, zeros = QTensor(np.ones(3, dtype=np.int64), 0), QTensor(np.zeros(3, dtype=np.int64), 0)
    edge = 1 << 80
    out = layer_type.forward(config, [np.array([edge - 1, -edge, 5], dtype=object)], [ones, zeros], 24)
    assert out[0] > 0 > out[1]
    for bad in (edge, -edge - 1):
        with pytest.raises(ModelInputError, match=r"outside \[-2\^80, 2\^80\)"):
            layer_type.forward(config, [np.array([0, bad, 1], dtype=object)], [ones, zeros], 24)


def test_layer_normalization_matches_the_real_function_within_its_stated_error():
    from eternal.layers.layer_normalization import normalise_row

    rng = np.random.default_rng(5)
    frac = 24
    for mode, centered_numerator in ((3, True), (2, False), (0, False)):
        for _ in range(50):
            x = rng.uniform(-4, 4, int(rng.integers(2, 40)))
            q = [int(v) for v in np.rint(x * 2**frac)]
            real = np.array(q, dtype=np.float64) / 2**frac
            stat = real - real.mean() if mode & 2 else real
            numerator = real - real.mean() if centered_numerator else real
            want = numerator / np.sqrt(np.mean(stat**2) + 1e-3)
            got = np.array(normalise_row(q, mode, round(1e-3 * 2 ** (2 * frac)), frac), dtype=np.float64) / 2**frac
            assert np.max(np.abs(got - want)) <= 2.0 ** -(frac + 1) + np.max(np.abs(want)) * 2.0**-(frac + 15) + 1e-12


def test_layer_normalization_refuses_what_it_cannot_run():
    layer_type = lookup("LayerNormalization", "ln")
    with pytest.raises(UnsupportedLayerError, match=re.escape("`axis=[1, 2]` is not supported")):
        layer_type.normalise({"axis": [1, 2]}, [[3, 4]])
    with pytest.raises(UnsupportedLayerError, match="`epsilon=0.0` is not supported"):
        layer_type.normalise({"axis": -1, "epsilon": 0.0}, [[4]])
    layer = {"config": {"epsilon": 1e-3, "rms_scaling": False, "channels": 2},
             "weights": [{"offset": 0, "size": 2, "frac_bits": -70}, {"offset": 2, "size": 2, "frac_bits": 3}]}
    with pytest.raises(UnsupportedLayerError, match="gamma or beta is out of range"):
        layer_type.abi_config(layer, [[2]], {"activation_frac_bits": 24, "precision": "int8"})


def test_separable_conv2d_takes_depthwise_outputs_in_its_range_only():
    from eternal.layers.base import QTensor

    layer_type = lookup("SeparableConv2D", "sep")
    raw = {"filters": 2, "kernel_size": [1, 1], "strides": [1, 1], "padding": "valid", "depth_multiplier": 1,
           "activation": "linear", "use_bias": False, "data_format": "channels_last", "dilation_rate": [1, 1]}
    config = layer_type.normalise(raw, [[1, 2, 1]])
    # A 1x1 depthwise kernel of 1 (frac 0): the depthwise outputs are the inputs.
    weights = [QTensor(np.ones((1, 1, 1, 1), dtype=np.int64), 0), QTensor(np.array([[1], [-1]], dtype=np.int64), 0)]
    edge = 1 << 160
    x = np.array([[[edge - 1], [-edge]]], dtype=object)
    assert layer_type.forward(config, [x], weights, 24).tolist() == [[[edge - 1, 1 - edge], [-edge, edge]]]
    for bad in (edge, -edge - 1):
        with pytest.raises(ModelInputError, match=r"outside \[-2\^160, 2\^160\)"):
            layer_type.forward(config, [np.array([[[0], [bad]]], dtype=object)], weights, 24)


def test_conv2d_transpose_takes_inputs_in_its_range_only():
    from eternal.layers.base import QTensor

    layer_type = lookup("Conv2DTranspose", "up")
    raw = {"filters": 1, "kernel_size": [1, 1], "strides": [2, 2], "padding": "valid", "activation": "linear",
           "use_bias": False, "data_format": "channels_last", "dilation_rate": [1, 1], "output_padding": None}
    config = layer_type.normalise(raw, [[1, 2, 1]])
    kernel = [QTensor(np.ones((1, 1, 1, 1), dtype=np.int64), 0)]
    edge = 1 << 160
    out = layer_type.forward(config, [np.array([[[edge - 1], [-edge]]], dtype=object)], kernel, 24)
    assert out.reshape(-1).tolist() == [edge - 1, 0, -edge, 0, 0, 0, 0, 0]  # stride 2: every other pixel is a gap
    for bad in (edge, -edge - 1):
        with pytest.raises(ModelInputError, match=r"outside \[-2\^160, 2\^160\)"):
            layer_type.forward(config, [np.array([[[0], [bad]]], dtype=object)], kernel, 24)
    with pytest.raises(UnsupportedLayerError, match="output_padding"):
        layer_type.normalise({**raw, "output_padding": [1, 1]}, [[1, 2, 1]])


def test_merges_are_exact_and_average_rounds_to_nearest_ties_up():
    a = np.array([-4, -3, -2, -1, 0, 1, 2, 3, 4, 1 << 200], dtype=object)
    zero = np.zeros(10, dtype=object)
    forward = lambda name, *xs: list(lookup(name, "m").forward({}, list(xs), [], 24))  # noqa: E731
    assert forward("Average", a, zero) == [-2, -1, -1, 0, 0, 1, 1, 2, 2, 1 << 199]
    assert forward("Average", a, zero, zero) == [-1, -1, -1, 0, 0, 0, 1, 1, 1, ((1 << 201) + 3) // 6]
    assert forward("Subtract", zero, a) == [-v for v in a]
    assert forward("Maximum", a, zero, -a) == [abs(v) for v in a]
    assert forward("Minimum", a, zero, -a) == [-abs(v) for v in a]


def test_subtract_takes_exactly_two_inputs():
    from eternal.errors import UnsupportedLayerError

    with pytest.raises(UnsupportedLayerError, match=r"Layer 's' \(Subtract\): takes exactly 2 inputs, got 3"):
        lookup("Subtract", "s").normalise({}, [[2], [2], [2]])


@pytest.mark.parametrize("shared, accepted", [(None, True), ([1], True), ([1, 2], True), ([2, 1, 3], True), ([2], False),
                                              ([1, 3], False), ([4], False)])
def test_prelu_takes_leading_shared_axes_only(shared, accepted):
    from eternal.errors import UnsupportedLayerError

    prelu = lookup("PReLU", "p")
    if accepted:
        assert prelu.normalise({"shared_axes": shared}, [[3, 4, 2]]) == {"shared_axes": sorted(shared or [])}
    else:
        with pytest.raises(UnsupportedLayerError, match=r"Layer 'p' \(PReLU\): `shared_axes=.*` is not supported"):
            prelu.normalise({"shared_axes": shared}, [[3, 4, 2]])
    # An axis of length 1 may be shared anywhere: the alphas' order is the same.
    assert prelu.normalise({"shared_axes": [2]}, [[3, 1, 2]]) == {"shared_axes": [2]}


def test_merges_broadcast_along_leading_axes_only_on_merge_layer():
    from eternal.errors import UnsupportedLayerError

    multiply = lookup("Multiply", "m")
    assert multiply.normalise({}, [[4, 4, 3], [1, 1, 3]]) == {} == multiply.normalise({}, [[3], [2, 4, 3]])
    assert multiply.contract_for([[4, 4, 3], [4, 4, 3]]) == "MultiplyLayer"
    assert multiply.contract_for([[4, 4, 3], [1, 1, 3]]) == "MergeLayer"
    assert multiply.input_windows({}, [[4, 4, 3], [1, 1, 3], [4, 3]], 5, 9) == [(5, 9), (0, 3), (0, 12)]
    with pytest.raises(UnsupportedLayerError, match=r"Layer 'm' \(Multiply\): inputs of shapes .* are not supported"):
        multiply.normalise({}, [[4, 4, 3], [4, 1, 3]])  # a broadcast in the middle: not value i % n
    x, s = np.arange(-6, 6, dtype=object).reshape(2, 2, 3), np.array([[[1, -2, 3]]], dtype=object)
    assert (lookup("Add", "a").forward({}, [s, x], [], 0) == x + s).all()


def test_wrappers_refuse_what_they_cannot_run():
    td = lookup("TimeDistributed", "td")
    with pytest.raises(UnsupportedLayerError, match="`layer='Conv2D'` is not supported"):
        td.normalise({"layer": {"class_name": "Conv2D", "config": {}}}, [[3, 4, 4, 2]])
    bi = lookup("Bidirectional", "bi")
    lstm = {"units": 2, "use_bias": True, "activation": "tanh", "recurrent_activation": "sigmoid"}
    with pytest.raises(UnsupportedLayerError, match="`merge_mode=None` is not supported"):
        bi.normalise({"layer": {"class_name": "LSTM", "config": lstm}, "merge_mode": None}, [[3, 2]])
    with pytest.raises(UnsupportedLayerError, match="`layer='Dense'` is not supported"):
        bi.normalise({"layer": {"class_name": "Dense", "config": {}}}, [[3, 2]])
    other = {"class_name": "LSTM", "config": {**lstm, "units": 3, "go_backwards": True}}
    with pytest.raises(UnsupportedLayerError, match="backward_layer"):
        bi.normalise({"layer": {"class_name": "LSTM", "config": lstm}, "backward_layer": other}, [[3, 2]])


def test_a_time_distributed_identity_runs_no_contract():
    td = lookup("TimeDistributed", "td")
    config = td.normalise({"layer": {"class_name": "Dropout", "config": {"rate": 0.5}}}, [[3, 2]])
    assert td.contract_for([[3, 2]], config) is None and td.identity
    dense = td.normalise({"layer": {"class_name": "Dense", "config": {"units": 4, "activation": "relu", "use_bias": True}}}, [[3, 2]])
    assert td.contract_for([[3, 2]], dense) == "DenseLayer"


def test_multi_head_attention_refuses_masks_and_other_axes():
    mha = lookup("MultiHeadAttention", "mha")
    raw = {"num_heads": 2, "key_dim": 3, "attention_axes": [1]}
    with pytest.raises(UnsupportedLayerError, match="`attention_mask='a tensor'` is not supported"):
        mha.normalise({**raw, "__call__": {"attention_mask": True}}, [[4, 5], [4, 5]])
    with pytest.raises(UnsupportedLayerError, match="attention_axes"):
        mha.normalise({**raw, "attention_axes": [2]}, [[4, 5], [4, 5]])
    assert mha.normalise({**raw, "__call__": {"use_causal_mask": True}}, [[4, 5], [4, 5]])["causal"] is True
