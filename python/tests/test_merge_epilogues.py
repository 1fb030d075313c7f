"""ReLUs fused into the Add before them (eternal.fusion.merge_epilogues): which ReLUs the plan
fuses, what the Add's config carries, and that deployments planned with and before this fusion
give the emulator's integers and verify."""

from __future__ import annotations

import pytest

from eternal.activations import quantise_constant
from eternal.fusion import FUSIONS
from eternal.onchain import decompress_config, deployment_plan
from small_models import fixture_export, gas_under_plans

F = 24


@pytest.fixture(scope="module")
def residual_relu():
    """The ``residual_relu`` fixture's export (int32), rebuilt from its case, and the fixture."""
    return fixture_export("residual_relu")


def _words(data: bytes) -> list[int]:
    return [int.from_bytes(data[k:k + 32], "big", signed=True) for k in range(0, len(data), 32)]


def test_only_an_adds_sole_plain_relu_fuses_into_it(residual_relu):
    export, _ = residual_relu
    plan, before = deployment_plan(export), deployment_plan(export, FUSIONS[:2])
    by_name = {layer["name"]: layer for layer in plan["layers"]}
    index = {layer["name"]: n for n, layer in enumerate(plan["layers"])}
    into = {name: layer["fused_into"] for name, layer in by_name.items() if "fused_into" in layer}
    # 'twice' has two readers; 'leaky' has a slope.
    assert into == {"relu_sum": index["sum"], "relu6": index["capped"], "thresh": index["three"]}
    assert all(by_name[name]["contract"] is None and by_name[name]["config"] == b"" for name in into)
    fused_words = {"sum": [0, 0, 0], "capped": [0, 1, 6 << F], "three": [quantise_constant(0.1, F), 0, 0]}
    for name, words in fused_words.items():
        whole = decompress_config(by_name[name]["config"])
        base = decompress_config(before["layers"][index[name]]["config"])
        assert whole[:len(base)] == base and _words(whole[len(base):]) == words, name
    for name in ("twice", "leaky", "last"):
        assert by_name[name] == before["layers"][index[name]], name
    assert not any("fused_into" in layer for layer in before["layers"])  # nothing else fuses here


def test_deployments_with_and_before_the_fusion_give_the_emulators_integers_and_verify(residual_relu, anvil_node, tmp_path):
    export, fixture = residual_relu
    gas = gas_under_plans(anvil_node.url, export, fixture, {"merged": FUSIONS, "before": FUSIONS[:2]}, tmp_path)
    assert gas["merged"] < gas["before"], gas


def test_a_broadcasting_add_keeps_its_relu():
    """A broadcast Add runs on MergeLayer, which has no fused ReLU: the ReLU after it stays a layer."""
    import keras

    from eternal.export import ModelExporter

    x = keras.Input((2, 2, 3), name="x")
    bias = keras.layers.Dense(3, name="bias")(keras.layers.GlobalAveragePooling2D(keepdims=True, name="g")(x))
    out = keras.layers.ReLU(name="relu")(keras.layers.Add(name="sum")([x, bias]))
    plan = deployment_plan(ModelExporter().export_model(keras.Model(x, out)))
    by_name = {layer["name"]: layer for layer in plan["layers"]}
    assert by_name["sum"]["contract"] == "MergeLayer" and by_name["relu"]["contract"] == "ReLULayer"
    assert not any("fused_into" in layer for layer in plan["layers"])
