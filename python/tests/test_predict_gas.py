"""The gas of one predict: `plan`'s figures (measured on its private anvil) against a
predict measured afresh on the session Hardhat node, so drift in either fails here; the
stage logic on hand-made figures; `predict --profile` (runStage's figures) adds up to the whole."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

from cli_run import run_cli

from eternal.chain import TX_GAS_CAP
from eternal.cli import main
from eternal.predict_gas import CAPS, stage_plan, stages_summary

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# A spread of fixtures: Dense, convolutions, a DAG with merges, recurrent layers, Embedding, int8/int16.
FIXTURES = ("dense_relu", "conv2d_same_int16", "merge_layers", "lstm_int8", "embedding_gru_simple_rnn_dense",
            "small_cnn_int8", "pooling2d")


def layers(*gas, carry=0):
    return [{"index": n, "name": f"l{n}", "class_name": "Dense", "gas": g, "carry_gas": carry} for n, g in enumerate(gas)]


def test_a_predict_under_the_cap_fits_in_one_stage():
    plan = stage_plan(layers(0, 5_000_000, 6_000_000), 100_000, TX_GAS_CAP)
    assert plan["fits"] and plan["stages"] == 1 and plan["ranges"] == [[0, 2, 11_100_000]]
    assert stages_summary(plan) == "fits"


def test_stages_are_consecutive_layers_each_paying_the_model_share_and_its_carried_inputs():
    plan = stage_plan(layers(0, 9_000_000, 9_000_000, 9_000_000, carry=50_000), 100_000, TX_GAS_CAP)
    assert not plan["fits"] and plan["stages"] == 3 and plan["needs_slicing"] == []
    assert plan["ranges"] == [[0, 1, 9_100_000], [2, 2, 9_150_000], [3, 3, 9_150_000]]
    assert stages_summary(plan) == "3 stages"
    assert stage_plan(layers(0, 9_000_000, 9_000_000, 9_000_000), 100_000, 50_000_000)["fits"]


def test_a_layer_alone_over_the_cap_needs_slicing():
    plan = stage_plan(layers(0, 1_000_000, 20_000_000, 1_000_000), 100_000, TX_GAS_CAP)
    assert plan["stages"] is None and plan["ranges"] == []
    assert plan["needs_slicing"] == [{"index": 2, "name": "l2", "gas": 20_100_000}]
    assert stages_summary(plan) == "layer l2 alone needs 20,100,000 gas: needs slicing"


def test_a_stage_carries_every_earlier_output_a_later_layer_reads():
    figures = layers(0, 10_000_000, 10_000_000, 1_000, carry=7)  # layer 3 adds the outputs of 1 and 2
    plan = stage_plan(figures, 0, TX_GAS_CAP, inbound=[[], [0], [1], [1, 2]])
    assert plan["ranges"] == [[0, 1, 10_000_000], [2, 3, 7 + 10_000_000 + 1_000]]


@pytest.fixture(scope="module")
def fixture_exports():
    """The exports of FIXTURES, rebuilt from their cases, and each fixture's first sample."""
    import keras

    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import make_fixtures
    from fixture_cases import discover

    from eternal.export import ModelExporter

    cases, made = discover(), []
    for name in FIXTURES:
        with open(os.path.join(ROOT, "test", "fixtures", f"{name}.json")) as file:
            fixture = json.load(file)
        make_fixtures.seed_everything(keras)
        model, _ = cases[fixture["name"]].build(keras)
        export = ModelExporter(fixture["precision"]).export_model(model)
        assert export["hashes"] == fixture["hashes"], name  # the very model the fixture holds
        made.append((name, export, [[int(v) for v in x] for x in fixture["samples"][0]["inputs"]]))
    return made


def test_planned_predict_gas_is_within_5_percent_of_a_predict_measured_on_hardhat(fixture_exports, hardhat_node,
                                                                                   tmp_path):
    from eternal.chain import connect, open_model
    from eternal.deploy import ModelDeployer
    from eternal.predict_gas import measure_exports

    planned = measure_exports([export for _, export, _ in fixture_exports], [sample for *_, sample in fixture_exports])
    deployer, w3 = ModelDeployer(hardhat_node.url, journal_dir=str(tmp_path), quiet=True), connect(hardhat_node.url)
    for (name, export, sample), profile in zip(fixture_exports, planned):
        model = open_model(w3, deployer.deploy_model(export).address)
        measured = model.functions.predict(sample).estimate_gas()
        assert abs(profile["gas"] - measured) <= 0.05 * measured, (name, profile["gas"], measured)
        assert profile["method"] == "trace" and profile["model_gas"] > 0
        assert sum(layer["gas"] for layer in profile["layers"]) + profile["model_gas"] == profile["gas"]
        assert set(profile["stages"]) == set(CAPS) and profile["stages"]["transaction"]["fits"]


def test_plan_json_gives_predict_gas_and_stages_per_precision(export_file):
    path, _, _ = export_file(3)
    result = run_cli(main, "plan", path, "--json")
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)["precisions"]
    assert row["predict_note"] is None and row["predict_gas"] > 21_000
    assert [layer["class_name"] for layer in row["predict_layers"]] == ["InputLayer", "Dense", "Dense"]
    assert sum(layer["gas"] for layer in row["predict_layers"]) + row["predict_model_gas"] == row["predict_gas"]
    stages = row["predict_stages"]
    assert {name: stages[name]["cap"] for name in stages} == CAPS
    assert all(stage["fits"] and stage["stages"] == 1 for stage in stages.values())
    skipped = json.loads(run_cli(main, "plan", path, "--json", "--no-predict-gas").stdout)["precisions"][0]
    assert skipped["predict_gas"] is None and "not measured" in skipped["predict_note"]


@pytest.mark.parametrize("engine", ["hardhat", "anvil"])
def test_predict_profile_adds_up_to_the_whole(engine, request, export_file, workdir, tmp_path):
    from deploy_cli import deployed_copy

    node = request.getfixturevalue(f"{engine}_node")
    path, _, _ = export_file(3)
    address = deployed_copy(path, workdir / f"profile_{engine}", node.url)
    inputs = tmp_path / "x.npy"
    np.save(inputs, np.random.default_rng(1).uniform(0, 1, (2, 16)))
    result = run_cli(main, "predict", address, "--input", inputs, "--rpc-url", node.url, "--json", "--profile")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    profile = answer["profile"]
    assert profile["method"] == "stages" and profile["calls"] == 1  # runStage's gasUsed per layer, one call
    assert profile["gas"] == answer["gas"][0]  # the same sample, the same whole
    gas = [layer["gas"] for layer in profile["layers"]]
    assert gas[0] == 0 and all(g > 0 for g in gas[1:]) and sum(gas) + profile["model_gas"] == profile["gas"]
    assert profile["model_gas"] > 0
    table = run_cli(main, "predict", address, "--input", inputs, "--rpc-url", node.url, "--profile")
    assert table.returncode == 0 and f"{profile['gas']:,}" in table.stdout and "dense" in table.stdout
