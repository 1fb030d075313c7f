"""`eternal predict --on-chain` on real anvil and Hardhat nodes: a job's outputs equal the emulator's bit
for bit (and `predict`'s), every step fits its budget, a crash at any point resumes with the same outputs,
someone else's steps are taken up, and the errors users get are one line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_run import one_line_error
from eternal.chain import TX_GAS_CAP, artifact, connect, open_model
from eternal.emulate import emulate_sample
from eternal.fixedpoint import to_fixed
from eternal.jobs.planner import DEFAULT_STEP_BYTES
from small_models import small_cnn

CRASH_RUNNER = Path(__file__).parent / "crash_runner.py"
BUDGET = 1_200_000  # small_cnn's second Conv2D (about 2M gas) needs slices; every other layer fits a stage


@pytest.fixture(scope="module")
def export():
    from eternal.export import ModelExporter

    return ModelExporter("int32").export_model(small_cnn(4))


@pytest.fixture(scope="module")
def models(hardhat_node, anvil_node, export, tmp_path_factory):
    """``{engine: (node, model address)}``: the model deployed on both nodes."""
    from eternal.deploy import ModelDeployer

    deployed = {}
    for engine, node in (("anvil", anvil_node), ("hardhat", hardhat_node)):
        journal = tmp_path_factory.mktemp(f"deploy-{engine}")
        deployed[engine] = (node, ModelDeployer(node.url, journal_dir=str(journal)).deploy_model(export).address)
    return deployed


def sample(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 1, size=(8, 8, 1))


def expected(export, x: np.ndarray) -> list[int]:
    return [int(v) for v in emulate_sample(export, [to_fixed(x, 24)])[0].ravel()]


def on_chain(node, address, x, journal, *extra, crash_at: str | None = None, tmp=None):
    """``eternal predict ADDRESS --input X --on-chain`` in a subprocess (killed at ``crash_at``)."""
    path = Path(tmp or journal) / f"input-{abs(hash(x.tobytes()))}.npy"
    np.save(path, x)
    argv = ["predict", address, "--input", str(path), "--on-chain", "--rpc-url", node.url, "--journal-dir",
            str(journal), *map(str, extra)]
    command = ([sys.executable, str(CRASH_RUNNER), crash_at, *argv[1:]] if crash_at
               else [sys.executable, "-m", "eternal.cli", *argv])
    return subprocess.run(command, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})


def run_json(*args, **kwargs) -> dict:
    result = on_chain(*args, "--json", **kwargs)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("engine", ["anvil", "hardhat"])
def test_a_job_gives_the_emulators_outputs_bit_for_bit_in_steps_under_the_budget(models, export, engine, tmp_path):
    node, address = models[engine]
    x = sample(1)
    out = run_json(node, address, x, tmp_path, "--max-step-gas", BUDGET)
    assert out["outputs_fixed"] == [[expected(export, x)]]
    by_call = subprocess.run([sys.executable, "-m", "eternal.cli", "predict", address, "--input",
                              str(next(tmp_path.glob("input-*.npy"))), "--rpc-url", node.url, "--json"],
                             capture_output=True, text=True, timeout=300)
    assert json.loads(by_call.stdout)["outputs"] == out["outputs"]
    steps = out["steps"][0]
    names = [step["step"] for step in steps]
    assert names[0] == "impl:InferenceJobs" and names[1] == "open", names
    assert all(any(n.startswith(kind) for n in names) for kind in ("stage:", "slice:", "join:")), names
    # Every sliced layer is joined once, right after its last slice.
    sliced = sorted({int(n.split(":")[1]) for n in names if n.startswith("slice:")})
    assert [n for n in names if n.startswith("join:")] == [f"join:{layer}" for layer in sliced], names
    assert all(step["status"] == 1 for step in steps)
    assert 0 < out["max_step_gas"] <= BUDGET < TX_GAS_CAP
    assert out["gas"] == [sum(step["gas"] for step in steps)]
    # The stored outputs are on chain for any contract: outputs(jobId) says the same.
    w3 = connect(node.url)
    jobs = w3.eth.contract(address=out["jobs"], abi=artifact("InferenceJobs")["abi"])
    assert [list(o) for o in jobs.functions.outputs(out["job_ids"][0]).call()] == out["outputs_fixed"][0]

    again = run_json(node, address, x, tmp_path, "--max-step-gas", BUDGET)
    assert again["already_done"] == [True] and again["outputs_fixed"] == out["outputs_fixed"]
    assert again["steps"] == out["steps"] and again["job_ids"] == out["job_ids"]


def test_a_batch_is_one_job_per_sample_and_the_table_gives_every_step_and_the_total(models, export, tmp_path):
    node, address = models["anvil"]
    batch = np.stack([sample(2), sample(7)])
    result = on_chain(node, address, batch, tmp_path, "--max-step-gas", BUDGET)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.count("open the job (inputs)") == 2 and "elements" in text and text.count("total") == 2
    assert "sample 0: argmax" in text and "sample 1: argmax" in text
    out = run_json(node, address, batch, tmp_path, "--max-step-gas", BUDGET)
    assert out["already_done"] == [True, True] and len(set(out["job_ids"])) == 2
    assert out["outputs_fixed"] == [[expected(export, sample(2))], [expected(export, sample(7))]]


@pytest.mark.parametrize("point", ["after-steps:0", "after-steps:2", "before-send", "after-send"])
def test_a_crash_anywhere_resumes_with_the_same_outputs(models, export, point, tmp_path):
    node, address = models["anvil"]
    x = sample(3)
    crashed = on_chain(node, address, x, tmp_path, "--max-step-gas", BUDGET, crash_at=point)
    assert crashed.returncode == -9, crashed.stderr
    assert list(tmp_path.glob("*-job-*.jsonl")), "the journal stays for the rerun"
    out = run_json(node, address, x, tmp_path, "--max-step-gas", BUDGET)
    assert out["resumed"] == [True] and out["outputs_fixed"] == [[expected(export, x)]]
    names = [step["step"] for step in out["steps"][0]]
    assert names.count("open") == 1 and len(names) == len(set(names)), names
    assert not list(tmp_path.glob("*-job-*.jsonl")), "a finished job clears its journal"


def test_steps_someone_else_sent_are_taken_up(models, export, tmp_path):
    from eternal.jobs.calls import StepCalls
    from eternal.jobs.pieces import PIECE_VALUES
    from eternal.jobs.state import read_job
    from eternal.stage_plan import Topology

    node, address = models["anvil"]
    x = sample(4)
    crashed = on_chain(node, address, x, tmp_path, "--max-step-gas", BUDGET, crash_at="after-steps:1")
    assert crashed.returncode == -9, crashed.stderr
    journal = next(tmp_path.glob("*-job-*.jsonl"))
    opened = [json.loads(line) for line in journal.read_text().splitlines() if '"open"' in line][-1]
    w3 = connect(node.url)
    receipt = w3.eth.get_transaction_receipt(opened["hash"])
    jobs = w3.eth.contract(address=receipt["to"], abi=artifact("InferenceJobs")["abi"])
    job_id = jobs.events.JobOpened().process_receipt(receipt)[0]["args"]["jobId"]
    state = read_job(jobs, job_id, receipt["blockNumber"])
    assert jobs.functions.PIECE_VALUES().call() == PIECE_VALUES
    stranger = w3.eth.accounts[5]
    model = open_model(w3, address)
    calls = StepCalls(jobs, Topology(export["graph"], model.functions.layers().call()))
    if state.slices_complete:  # a layer's slices all computed: the stranger completes it
        data, theirs = calls.complete(state), f"join:{state.next_layer}"
    elif state.slice_done:  # a layer in slices: the stranger computes the rest in one go
        size = int(np.prod(export["graph"]["layers"][state.next_layer]["output_shape"]))
        data, theirs = calls.advance_slice(state, size), f"slice:{state.next_layer}:{state.slice_done}-{size}"
    else:
        data, theirs = calls.advance(state, state.next_layer + 1), f"stage:{state.next_layer}-{state.next_layer + 1}"
    sent = w3.eth.send_transaction({"from": stranger, "to": jobs.address, "data": data})
    assert w3.eth.wait_for_transaction_receipt(sent)["status"] == 1
    out = run_json(node, address, x, tmp_path, "--max-step-gas", BUDGET)
    assert out["outputs_fixed"] == [[expected(export, x)]]
    assert theirs not in [s["step"] for s in out["steps"][0]]


def test_a_layer_over_the_budget_that_slices_cannot_help_is_one_line(models, tmp_path):
    node, address = models["anvil"]
    result = on_chain(node, address, sample(5), tmp_path, "--max-step-gas", 150_000)
    line = one_line_error(result)
    assert result.returncode == 51 and "cannot run within one step of 150,000 gas" in line and "Layer " in line
    needed = re.search(r"a one-element slice needs ([\d,]+) gas", line)
    assert needed and int(needed[1].replace(",", "")) > 150_000, line


def test_a_jobs_address_that_is_no_jobs_contract_is_one_line(models, tmp_path):
    node, address = models["anvil"]
    result = on_chain(node, address, sample(6), tmp_path, "--jobs", address)
    assert result.returncode == 50 and "No InferenceJobs contract at" in one_line_error(result)


def test_a_model_over_one_transaction_runs_as_a_job_of_steps_under_the_cap(anvil_node, tmp_path):
    """Conv2D 24x24x8 -> 32 filters: its predict needs ~35M gas, its Conv2D alone ~27M."""
    import keras
    from eternal.deploy import ModelDeployer
    from eternal.export import ModelExporter

    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((24, 24, 8), name="pixels"),
                              keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(10, activation="softmax")])
    export = ModelExporter("int32").export_model(model)
    address = ModelDeployer(anvil_node.url, journal_dir=str(tmp_path / "deploy")).deploy_model(export).address
    x = np.random.default_rng(2).uniform(0, 1, size=(24, 24, 8))
    out = run_json(anvil_node, address, x, tmp_path)
    assert out["outputs_fixed"] == [[expected(export, x)]]
    steps = [step for step in out["steps"][0] if step["step"].startswith(("stage:", "slice:"))]
    assert sum(step["step"].startswith("slice:1:") for step in steps) >= 2, steps
    assert all(step["gas"] <= 15_000_000 for step in steps) and out["max_step_gas"] <= 15_000_000
    assert sum(step["gas"] for step in steps) > TX_GAS_CAP
    w3 = connect(anvil_node.url)
    sizes = [len(w3.eth.get_transaction(step["tx"])["input"]) for step in out["steps"][0]]
    assert max(sizes) <= DEFAULT_STEP_BYTES, sizes
    # A step is refused before it is sent when its calldata would be over --max-step-bytes: here the
    # pooling reads the whole 24x24x32 Conv2D output (18,432 values), whichever slice it computes.
    refused = on_chain(anvil_node, address, x, tmp_path / "small", "--max-step-bytes", 40_000, tmp=tmp_path)
    assert refused.returncode == 51
    assert "bytes of calldata, over --max-step-bytes 40,000" in one_line_error(refused)


def test_a_model_input_after_a_computed_layer_is_kept_until_read(anvil_node, tmp_path):
    """Inputs a (layer 0) and b (layer 3): a stage that ends before layer 3 must keep b for the Add."""
    import keras
    from eternal.deploy import ModelDeployer
    from eternal.export import ModelExporter

    keras.utils.set_random_seed(3)
    a = keras.Input((4,), name="a")
    h = keras.layers.Dense(4)(keras.layers.Dense(4, activation="relu")(a))
    b = keras.Input((4,), name="b")
    export = ModelExporter("int32").export_model(keras.Model([a, b], keras.layers.Add()([h, b])))
    assert export["graph"]["inputs"] == [0, 3]
    address = ModelDeployer(anvil_node.url, journal_dir=str(tmp_path / "deploy")).deploy_model(export).address
    xa, xb = np.array([0.5, -1, 2, 3.0]), np.array([1.0, 2, -3, 4])
    np.save(tmp_path / "b.npy", xb)
    # One layer a step (145,000 gas) until the crash after the first: the job then holds layer 1's output and b.
    crashed = on_chain(anvil_node, address, xa, tmp_path, "--input", tmp_path / "b.npy", "--max-step-gas", 145_000,
                       crash_at="after-steps:1")
    assert crashed.returncode == -9, crashed.stderr
    out = run_json(anvil_node, address, xa, tmp_path, "--input", tmp_path / "b.npy")
    names = [step["step"] for step in out["steps"][0]]
    assert names[2] == "stage:1-2" and names[3] == "stage:2-5", names
    want = [int(v) for v in emulate_sample(export, [to_fixed(xa, 24), to_fixed(xb, 24)])[0]]
    assert out["outputs_fixed"] == [[want]]
