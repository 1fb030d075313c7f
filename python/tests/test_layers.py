"""eternal.layers: the per-layer hooks outside the emulator (identity, ids, folding, rebuilding)."""

import numpy as np
import pytest

from eternal.layers import REGISTRY, lookup, model_input_id_count
from eternal.layers.inference_noops import NO_OPS


def test_identity_layers_are_the_contractless_reshapes_and_inference_noops():
    identities = {name for name, cls in REGISTRY.items() if cls.identity}
    assert identities == {"InputLayer", "Flatten", "Reshape", *NO_OPS}
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
    gamma, beta, mean, variance = layer_type.keras_weights([scale, offset])
    x = np.array([1.5, -3.0])
    np.testing.assert_allclose((x - mean) / np.sqrt(variance + config["epsilon"]) * gamma + beta, x * scale + offset)


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
])
def test_keras_config_turns_the_canonical_config_into_keras_arguments(class_name, config, keras_config):
    before = {key: value for key, value in config.items()}
    assert lookup(class_name, "x").keras_config(config) == keras_config
    assert config == before  # the graph's config is left as it is


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
