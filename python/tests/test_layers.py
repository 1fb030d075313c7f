"""eternal.layers: the per-layer hooks outside the emulator (identity, ids, folding, rebuilding)."""

import numpy as np
import pytest

from eternal.layers import REGISTRY, lookup, model_input_id_count


def test_identity_layers_are_the_contractless_reshapes():
    identities = {name for name, cls in REGISTRY.items() if cls.identity}
    assert identities == {"InputLayer", "Flatten", "Reshape", "Dropout"}
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


@pytest.mark.parametrize("class_name, config, keras_config", [
    ("Dense", {"units": 3, "activation": "relu", "use_bias": True}, {"units": 3, "activation": "relu", "use_bias": True}),
    ("Concatenate", {"axis": 0}, {"axis": 1}),
    ("Reshape", {"target_shape": [2, 3]}, {"target_shape": (2, 3)}),
    ("ZeroPadding2D", {"padding": [[1, 0], [2, 3]]}, {"padding": ((1, 0), (2, 3))}),
    ("Dropout", {}, {"rate": 0.0}),
    ("BatchNormalization", {}, {"epsilon": 1e-3}),
])
def test_keras_config_turns_the_canonical_config_into_keras_arguments(class_name, config, keras_config):
    before = {key: value for key, value in config.items()}
    assert lookup(class_name, "x").keras_config(config) == keras_config
    assert config == before  # the graph's config is left as it is
