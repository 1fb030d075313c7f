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
from eternal.predict_gas import CAPS, stages_summary

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# A spread of fixtures: Dense, convolutions, a DAG with merges, recurrent layers, Embedding, int8/int16.
FIXTURES = ("dense_relu", "conv2d_same_int16", "merge_layers", "lstm_int8", "embedding_gru_simple_rnn_dense",
            "small_cnn_int8", "pooling2d")


def test_plan_runs_a_sample_staged_as_predict_would_under_each_cap(anvil_node, export_file, workdir):
    """simulate_stages: the staged predictor itself, so its stages and gas are predict's."""
    from deploy_cli import deployed_copy

    from eternal.chain import connect
    from eternal.fixedpoint import to_fixed
    from eternal.predict import predict
    from eternal.predict_gas import simulate_stages

    path, _, export = export_file(3)
    address, w3 = deployed_copy(path, workdir / "simulate", anvil_node.url), connect(anvil_node.url)
    x = np.random.default_rng(2).uniform(0, 1, 16)
    sample = [to_fixed(x, int(export["graph"]["activation_frac_bits"]))]
    whole = simulate_stages(w3, address, export["graph"], sample, TX_GAS_CAP)
    assert whole["fits"] and whole["stages"] == 1 and stages_summary(whole) == "fits"
    cap = whole["gas"] - 1_000  # the whole model no longer fits one call
    staged = simulate_stages(w3, address, export["graph"], sample, cap)
    assert not staged["fits"] and staged["stages"] >= 2 and all(step["gas"] <= cap for step in staged["steps"])
    assert stages_summary(staged).startswith(f"{staged['stages']} calls")
    assert staged["gas"] == predict(w3, address, [np.stack([x, x])], call_gas_cap=cap)["gas"][1]
    tiny = simulate_stages(w3, address, export["graph"], sample, 30_000)
    assert tiny["stages"] is None and "30,000" in stages_summary(tiny)


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
    assert {name: (stages[name]["cap"], stages[name]["budget"]) for name in stages} == CAPS
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
