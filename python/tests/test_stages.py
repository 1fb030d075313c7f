"""Staged predict on real Hardhat and anvil nodes: a forced small call gas cap runs a model in
stages and slices whose outputs are bit for bit one call's, the contract's ``predict`` and the
emulator's; a model that fits takes one call per sample; each stage's gas as a transaction
matches ``eth_estimateGas``; out of gas and a real revert are told apart on both nodes."""

from __future__ import annotations

import importlib
import json
import os

import numpy as np
import pytest

from cli_run import one_line_error, run_cli
from small_models import small_cnn

from eternal.cli import main
from eternal.errors import UsageError
from eternal.stage_plan import Slice, Stage, Topology

predict_module = importlib.import_module("eternal.predict")  # the module: eternal.predict is the API function

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENGINES = ("hardhat", "anvil")


@pytest.fixture(scope="module")
def models():
    """name -> (export, float batch): the small CNN (Flatten: an identity layer) and the
    merge fixture (a DAG whose last layer reads the model input again)."""
    from eternal.export import ModelExporter
    from eternal.fixedpoint import from_fixed
    from eternal.onchain import export_from_plan

    with open(os.path.join(ROOT, "test", "fixtures", "merge_layers.json")) as file:
        fixture = json.load(file)
    merge = [from_fixed([int(v) for v in sample["inputs"][0]], 24) for sample in fixture["samples"]]
    cnn = np.random.default_rng(3).uniform(-1, 1, (3, 8, 8, 1))
    return {"cnn": (ModelExporter("int32").export_model(small_cnn(3)), cnn),
            "merge": (export_from_plan(fixture["plan"]), np.stack(merge))}


@pytest.fixture(scope="module")
def deployed(hardhat_node, anvil_node, models, tmp_path_factory):
    """(engine, model name) -> (web3, address)."""
    from eternal.chain import connect
    from eternal.deploy import ModelDeployer

    found = {}
    for engine, node in (("hardhat", hardhat_node), ("anvil", anvil_node)):
        deployer = ModelDeployer(node.url, journal_dir=str(tmp_path_factory.mktemp("journal")), quiet=True)
        for name, (export, _) in models.items():
            found[engine, name] = (connect(node.url), deployer.deploy_model(export).address)
    return found


def forced_cap(one_call: dict, slices: bool) -> int:
    """A cap under which the model needs several stages: below its biggest layer's gas (that
    layer is sliced) or, without ``slices``, above it with room for a stage of it alone (the
    model's own share twice and 100,000 for the transaction and the tensors carried in, or, for
    a model too cheap for that margin, half the way to the whole) but below the whole."""
    profile = one_call["profile"]
    biggest = max(layer["gas"] for layer in profile["layers"])
    room = min(2 * profile["model_gas"] + 100_000, (profile["gas"] - biggest + profile["model_gas"]) // 2)
    cap = int(0.7 * biggest) if slices else biggest + room
    assert cap < profile["gas"], "the model fits one call under the forced cap: no stages to test"
    return cap


def flat(result) -> list[list[float]]:
    return [[float(v) for output in sample for v in output.ravel()] for sample in result["outputs"]]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name, slices", [("cnn", True), ("cnn", False), ("merge", False)])
def test_stages_and_slices_give_one_calls_outputs_bit_for_bit(engine, name, slices, models, deployed):
    from eternal.chain import open_model
    from eternal.emulate import Emulator
    from eternal.fixedpoint import to_fixed

    (w3, address), (export, batch) = deployed[engine, name], models[name]
    one_call = predict_module.predict(w3, address, [batch])
    assert all(len(stages) == 1 for stages in one_call["stages"])
    staged = predict_module.predict(w3, address, [batch], call_gas_cap=forced_cap(one_call, slices))
    assert all(len(stages) > 1 for stages in staged["stages"])
    assert any("slice" in stage for stage in staged["stages"][0]) == slices
    assert flat(staged) == flat(one_call)
    emulated = Emulator(export).run_batch([batch]).floats[0]
    assert np.array_equal(np.stack([sample[0] for sample in staged["outputs"]]), emulated)
    model = open_model(w3, address)
    for n, sample in enumerate(batch):
        (plain,) = model.functions.predict([to_fixed(sample, 24)]).call()
        assert [v / 2 ** 24 for v in plain] == flat(staged)[n]
    for gas, stages in zip(staged["gas"], staged["stages"]):
        assert gas == sum(stage["gas"] for stage in stages) > one_call["gas"][0]
        assert all(stage["gas"] <= staged["call_gas_cap"] for stage in stages)


class CountingCalls:
    """Wraps a provider's requests and counts the eth_calls to runStage/runSlice."""

    def __init__(self, w3, monkeypatch):
        from eternal.chain import model_contract

        abi = model_contract(w3, "0x" + "00" * 20).abi
        from eth_utils.abi import function_abi_to_4byte_selector
        self.selectors = {"0x" + function_abi_to_4byte_selector(item).hex() for item in abi
                          if item.get("name") in ("runStage", "runSlice")}
        self.count = 0
        provider = w3.provider
        batch, single = provider.make_batch_request, provider.make_request
        monkeypatch.setattr(provider, "make_batch_request", lambda requests: self.seen(requests) or batch(requests))
        monkeypatch.setattr(provider, "make_request", lambda method, params: self.seen([(method, params)])
                            or single(method, params))

    def seen(self, requests) -> None:
        self.count += sum(1 for method, params in requests
                          if method == "eth_call" and str(params[0].get("data", ""))[:10] in self.selectors)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_model_that_fits_takes_exactly_one_call_per_sample(engine, models, deployed, monkeypatch):
    w3, address = deployed[engine, "cnn"]
    counted = CountingCalls(w3, monkeypatch)
    result = predict_module.predict(w3, address, [models["cnn"][1]], per_request=2)
    assert counted.count == 3 and [len(stages) for stages in result["stages"]] == [1, 1, 1]
    assert result["stages"][0][0] == {"layers": [0, 6], "gas": result["gas"][0]}


def recorded_calls(monkeypatch) -> list:
    """Every successful staged call from now on: (step, calldata, its gas as reported)."""
    from eternal import stage_calls

    calls = []
    real = stage_calls.StageCalls._result

    def recording(self, step, data, raw):
        outcome = real(self, step, data, raw)
        calls.append((step, data, outcome.gas))
        return outcome

    monkeypatch.setattr(stage_calls.StageCalls, "_result", recording)
    return calls


@pytest.mark.parametrize("engine", ENGINES)
def test_each_stages_gas_is_what_eth_estimate_gas_says_within_1_percent(engine, models, deployed, monkeypatch):
    w3, address = deployed[engine, "cnn"]
    calls = recorded_calls(monkeypatch)
    one_call = predict_module.predict(w3, address, [models["cnn"][1][:1]])
    predict_module.predict(w3, address, [models["cnn"][1][:1]], call_gas_cap=forced_cap(one_call, True))
    assert len(calls) > 4 and any(isinstance(step, Slice) for step, _, _ in calls)
    for step, data, gas in calls:
        estimate = w3.eth.estimate_gas({"to": address, "data": "0x" + data.hex()})
        assert abs(gas - estimate) <= 0.01 * estimate, (step, gas, estimate)


@pytest.mark.parametrize("name, slices", [("cnn", True), ("merge", False)])
def test_each_stages_gas_is_the_gas_used_anvil_simulates_within_2_5_percent_or_1500(name, slices, models, deployed,
                                                                                   monkeypatch):
    w3, address = deployed["anvil", name]
    calls = recorded_calls(monkeypatch)
    one_call = predict_module.predict(w3, address, [models[name][1]])
    predict_module.predict(w3, address, [models[name][1]], call_gas_cap=forced_cap(one_call, slices))
    assert len(calls) > 8
    for step, data, gas in calls:
        simulated = w3.provider.make_request("eth_simulateV1", [
            {"blockStateCalls": [{"calls": [{"to": address, "data": "0x" + data.hex()}]}]}, "latest"])
        used = int(simulated["result"][0]["calls"][0]["gasUsed"], 16)
        assert abs(gas - used) <= max(0.025 * used, 1_500), (step, gas, used)  # stage_gas: within 2.13% of each call


@pytest.mark.parametrize("engine", ENGINES)
def test_json_gives_the_stages_each_with_its_layers_or_slice_and_gas(engine, request, models, deployed, tmp_path):
    w3, address = deployed[engine, "cnn"]
    node = request.getfixturevalue(f"{engine}_node")
    path = tmp_path / "x.npy"
    np.save(path, models["cnn"][1])
    one = json.loads(run_cli(main, "predict", address, "--input", path, "--rpc-url", node.url, "--json").stdout)
    cap = forced_cap({"profile": predict_module.predict(w3, address, [models["cnn"][1][:1]])["profile"]}, True)
    result = run_cli(main, "predict", address, "--input", path, "--rpc-url", node.url, "--json", "--call-gas-cap", cap)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"outputs", "argmax", "gas", "stages", "call_gas_cap", "samples", "complete"}
    assert out["outputs"] == one["outputs"] and out["argmax"] == one["argmax"] and out["call_gas_cap"] == cap
    for gas, stages in zip(out["gas"], out["stages"]):
        assert sum(stage["gas"] for stage in stages) == gas
        ran = []  # each running layer (conv, pool, conv, dense: 1, 2, 3, 5) once, whole or in contiguous slices
        for stage in stages:
            assert set(stage) in ({"layers", "gas"}, {"layer", "slice", "gas"})
            if "layers" in stage:
                ran += [n for n in range(*stage["layers"]) if n in (1, 2, 3, 5)]
            elif stage["slice"][0] == 0:
                ran.append(stage["layer"])
                end = 0
            if "slice" in stage:
                assert stage["slice"][0] == end
                end = stage["slice"][1]
        assert ran == [1, 2, 3, 5]
    text = run_cli(main, "predict", address, "--input", path, "--rpc-url", node.url, "--call-gas-cap", cap)
    assert f"gas {out['gas'][0]:,} in {len(out['stages'][0])} calls" in text.stdout
    assert one["call_gas_cap"] == (16_777_216 if engine == "hardhat" else w3.eth.get_block("latest")["gasLimit"])


@pytest.mark.parametrize("engine", ENGINES)
def test_one_element_over_the_cap_says_so_in_one_line(engine, request, models, deployed, tmp_path):
    _, address = deployed[engine, "cnn"]
    path = tmp_path / "x.npy"
    np.save(path, models["cnn"][1][:1])
    result = run_cli(main, "predict", address, "--input", path, "--rpc-url",
                     request.getfixturevalue(f"{engine}_node").url, "--call-gas-cap", 60_000)
    assert result.returncode == 27, result.stderr
    line = one_line_error(result)
    assert "needs at least" in line and "over the node's call gas cap of 60,000" in line
    assert "--call-gas-cap" in line and "anvil --gas-limit" in line


@pytest.mark.parametrize("engine", ENGINES)
def test_a_revert_is_a_revert_not_out_of_gas_even_in_stages(engine, request, models, deployed, tmp_path):
    w3, address = deployed[engine, "merge"]
    path = tmp_path / "x.npy"
    np.save(path, np.full((2, 6), 2.0 ** 69))  # 6 x 2^69 > 2^71: past the Dense kernel's exact sum
    staged = forced_cap(predict_module.predict(w3, address, [models["merge"][1][:1]]), False)
    for cap in ([], ["--call-gas-cap", staged]):
        result = run_cli(main, "predict", address, "--input", path, "--rpc-url",
                         request.getfixturevalue(f"{engine}_node").url, *cap)
        assert result.returncode == 22, result.stderr
        assert "predict on sample 0 failed: a Dense layer's inputs sum past 2^71" in one_line_error(result)


def test_a_cap_the_node_refuses_is_a_usage_error(hardhat_node, models, deployed, tmp_path):
    _, address = deployed["hardhat", "cnn"]
    path = tmp_path / "x.npy"
    np.save(path, models["cnn"][1][:1])
    result = run_cli(main, "predict", address, "--input", path, "--rpc-url", hardhat_node.url,
                     "--call-gas-cap", 30_000_000)
    assert result.returncode == 15 and "pass a smaller --call-gas-cap" in one_line_error(result)
    tiny = run_cli(main, "predict", address, "--input", path, "--rpc-url", hardhat_node.url, "--call-gas-cap", 100)
    assert tiny.returncode == 15 and "leaves no gas for the call" in one_line_error(tiny)


class FakeNode:
    """Just enough of web3 for call_gas_cap: a client version and a block gas limit."""

    def __init__(self, version: str, limit: int):
        self.provider = type("P", (), {"make_request": lambda _, method, params: {"result": version}})()
        self.eth = type("E", (), {"get_block": lambda _, tag: {"gasLimit": limit}})()


def test_the_call_gas_cap_comes_from_the_node(hardhat_node, anvil_node):
    from eternal.chain import connect
    from eternal.stage_calls import call_gas_cap

    assert call_gas_cap(connect(hardhat_node.url))[:2] == (16_777_216, 8_388_608)  # steps planned to half of it
    anvil = connect(anvil_node.url)
    assert call_gas_cap(anvil)[1] == 30_000_000
    assert call_gas_cap(anvil)[0] == anvil.eth.get_block("latest")["gasLimit"] == 30_000_000
    assert call_gas_cap(FakeNode("Geth/v1.16.0-stable/linux-amd64/go1.24", 60_000_000))[0] == 50_000_000
    assert call_gas_cap(FakeNode("reth/v1.5.0", 36_000_000))[0] == 36_000_000


# What nodes answer, word for word (Hardhat 2.29 / EDR, anvil 1.7), and what it means.
ANSWERS = [
    ({"code": -32603, "message": "Error: Transaction reverted and Hardhat couldn't infer the reason.",
      "data": {"message": "Error: Transaction reverted and Hardhat couldn't infer the reason.", "data": "0x"}}, "gas"),
    ({"code": -32000, "message": "Transaction ran out of gas", "data": {"message": "...", "data": "0x"}}, "gas"),
    ({"code": -32000, "message": "Transaction requires at least 30584 gas but got 30000",
      "data": {"message": "...", "data": None}}, "gas 30584"),
    ({"code": 3, "message": "execution reverted", "data": "0x"}, "gas"),
    ({"code": -32603, "message": "EVM error OutOfGas"}, "gas"),
    ({"code": -32603, "message": "EVM error MemoryOOG"}, "gas"),
    ({"code": -32000, "message": "intrinsic gas too high -- CallGasCostMoreThanGasLimit"}, "gas"),
    ({"code": 3, "message": "execution reverted: custom error 0x12345678", "data": "0x12345678"}, "revert"),
    ({"code": -32603, "message": "Error: VM Exception while processing transaction: reverted with custom error",
      "data": {"message": "...", "data": "0x1234567800000000000000000000000000000000000000000000000000000001"}},
     "revert"),
    ({"code": -32000, "message": "header not found"}, "refused"),
]


@pytest.mark.parametrize("error, meaning", ANSWERS)
def test_node_answers_are_sorted_into_out_of_gas_revert_or_refusal(error, meaning):
    from eternal.chain import artifact
    from eternal.stage_calls import StageCalls

    model = type("Model", (), {"abi": artifact("EternalModel")["abi"], "address": "0x" + "00" * 20})()
    graph = {"layers": [{"name": "x", "class_name": "InputLayer", "output_shape": [2], "inbound": []},
                        {"name": "d", "class_name": "Dense", "output_shape": [2], "inbound": [[0, 0]]}],
             "inputs": [0], "outputs": [[1, 0]]}
    calls = StageCalls(model, Topology(graph, ["0x" + "00" * 20, "0x" + "11" * 20]), None, 16_777_216, 24, 0)
    outcome = calls._outcome(Stage(0, 2), b"", {"jsonrpc": "2.0", "id": 1, "error": error})
    assert not outcome.ok
    if meaning.startswith("gas"):
        assert outcome.out_of_gas and outcome.needs == (int(meaning.split()[1]) if " " in meaning else None)
    else:
        assert not outcome.out_of_gas and outcome.reason
        assert ("unknown error 0x12345678" in outcome.reason) == (meaning == "revert")
    refused = {"code": -32000, "message": "transaction gas limit (30000000) is greater than the cap (16777216)"}
    with pytest.raises(UsageError, match="pass a smaller --call-gas-cap"):
        calls._outcome(Stage(0, 2), b"", {"error": refused})
