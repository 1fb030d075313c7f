"""`eternal predict` on real Hardhat and anvil nodes: the inputs it refuses, each with one
clear line; batches run concurrently, in input order, and an interrupted one keeps its results."""

from __future__ import annotations

import importlib
import io
import json
import os
import pty
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from cli_run import one_line_error, run_cli
from deploy_cli import cli, deployed_copy

from eternal.cli import main
from eternal.predict import input_limit

predict_module = importlib.import_module("eternal.predict")  # the module: eternal.predict is the API function


@pytest.fixture(scope="module")
def export():
    """A small Input(16) -> Dense(8, relu) -> Dense(3, softmax) model's int32 export."""
    from eternal.export import ModelExporter
    from eternal.keras_io import keras_module

    keras = keras_module("keras3")
    keras.utils.set_random_seed(11)
    model = keras.Sequential([keras.Input((16,), name="x"), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")], name="predict_inputs")
    return ModelExporter("int32").export_model(model)


def deploy(node, export, journal) -> str:
    from eternal.deploy import ModelDeployer

    return ModelDeployer(node.url, journal_dir=str(journal), quiet=True).deploy_model(export).address


@pytest.fixture(scope="module")
def deployed(hardhat_node, export, tmp_path_factory):
    """The finalised model's address on the session Hardhat node."""
    return deploy(hardhat_node, export, tmp_path_factory.mktemp("journal"))


@pytest.fixture(scope="module")
def on_both(hardhat_node, anvil_node, deployed, export, tmp_path_factory):
    """``{engine: (web3, address)}``: the same model on Hardhat and on anvil."""
    from eternal.chain import connect

    on_anvil = deploy(anvil_node, export, tmp_path_factory.mktemp("journal"))
    return {"hardhat": (connect(hardhat_node.url), deployed), "anvil": (connect(anvil_node.url), on_anvil)}


BATCH = np.random.default_rng(5).uniform(-3, 3, size=(12, 16))


def predict(hardhat_node, deployed, tmp_path, array, *extra):
    path = tmp_path / "input.npy"
    np.save(path, array)
    return run_cli(main, "predict", deployed, "--input", path, "--rpc-url", hardhat_node.url, *extra)


def test_a_good_input_runs(hardhat_node, deployed, tmp_path):
    result = predict(hardhat_node, deployed, tmp_path, np.full((2, 16), 0.5), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert len(out["outputs"]) == 2 and sum(out["outputs"][0]) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("array, words", [
    (np.full(16, 1e30), "must stay below 2^71 (about 2.36e+21); got 1e+30"),
    (np.full(16, -2.0 ** 71), "must stay below 2^71"),
    (np.full(16, 1e80), "must stay below 2^71"),
    (np.zeros((0, 16)), "the batch holds no sample"),
    (np.zeros(16, dtype=complex), "expected real numbers, got dtype complex128"),
])
def test_out_of_range_inputs_are_refused_with_the_range(hardhat_node, deployed, tmp_path, array, words):
    result = predict(hardhat_node, deployed, tmp_path, array)
    assert result.returncode == 24, result.stderr
    assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr


def test_the_limit_is_the_kernels_exact_sum_bound():
    assert input_limit(24) == 2.0 ** 71 and input_limit(16) == 2.0 ** 79


def test_inputs_within_range_whose_sum_the_kernel_refuses_say_why(hardhat_node, deployed, tmp_path):
    result = predict(hardhat_node, deployed, tmp_path, np.full(16, 2.0 ** 68))  # 16 x 2^68 = 2^72
    assert result.returncode == 22, result.stderr
    assert "inputs sum past 2^71" in result.stderr and "scale the inputs down" in result.stderr


def test_a_text_file_named_npy_is_not_unpickled(hardhat_node, deployed, tmp_path):
    fake = tmp_path / "fake.npy"
    fake.write_text("1, 2, 3\n")
    result = run_cli(main, "predict", deployed, "--input", fake, "--rpc-url", hardhat_node.url)
    assert result.returncode == 24
    assert "is not a .npy array (no NumPy header)" in result.stderr and "pickle" not in result.stderr


def test_a_wrong_checksum_is_refused(hardhat_node, deployed, tmp_path):
    digits = deployed[2:]
    flipped = next(i for i, c in enumerate(digits) if c.isalpha())
    wrong = "0x" + digits[:flipped] + digits[flipped].swapcase() + digits[flipped + 1:]
    result = predict(hardhat_node, wrong, tmp_path, np.zeros(16))
    assert result.returncode == 23 and "wrong EIP-55 checksum" in result.stderr
    assert predict(hardhat_node, deployed.lower(), tmp_path, np.zeros(16)).returncode == 0


def test_predict_refuses_bad_inputs(hardhat_node, workdir, export_file):
    path, _, _ = export_file(1)
    address = deployed_copy(path, workdir / "j9", hardhat_node.url)
    np.save(workdir / "wrong.npy", np.zeros((2, 15)))
    wrong = cli("predict", address, "--input", workdir / "wrong.npy", rpc=hardhat_node.url)
    assert wrong.returncode == 24 and "fits neither one sample [16]" in one_line_error(wrong)
    bad = np.zeros(16)
    bad[3] = np.nan
    np.save(workdir / "nan.npy", bad)
    nan = cli("predict", address, "--input", workdir / "nan.npy", rpc=hardhat_node.url)
    assert nan.returncode == 24 and "NaN" in one_line_error(nan)
    nowhere = cli("predict", "0x" + "11" * 20, "--input", workdir / "wrong.npy", rpc=hardhat_node.url)
    assert nowhere.returncode == 23 and "No contract" in one_line_error(nowhere)


@pytest.mark.parametrize("engine", ["hardhat", "anvil"])
def test_a_batch_runs_concurrently_in_input_order_as_a_sequential_run(on_both, export, engine):
    from eternal.emulate import Emulator

    w3, address = on_both[engine]
    sequential = predict_module.predict(w3, address, [BATCH], workers=1, per_request=1)
    emulated = Emulator(export).run_batch([BATCH]).floats[0]
    assert np.array_equal(np.stack([sample[0] for sample in sequential["outputs"]]), emulated)  # bit for bit
    assert all(900 < gas < 16_777_216 for gas in sequential["gas"])
    for run in (predict_module.predict(w3, address, [BATCH], workers=4, per_request=5),  # 1, then 5 + 5 + 1
                predict_module.predict(w3, address, [BATCH])):  # the default sizes
        assert run["argmax"] == sequential["argmax"] and run["gas"] == sequential["gas"]
        assert np.array_equal(np.stack([sample[0] for sample in run["outputs"]]), emulated)


def test_both_nodes_give_the_same_outputs_and_gas(on_both):
    hardhat, anvil = (predict_module.predict(*on_both[engine], [BATCH]) for engine in ("hardhat", "anvil"))
    assert hardhat["gas"] == anvil["gas"]  # eth_estimateGas on Hardhat, eth_simulateV1's gasUsed on anvil
    assert all(np.array_equal(h[0], a[0]) for h, a in zip(hardhat["outputs"], anvil["outputs"]))


def test_a_failing_sample_is_named_as_a_sequential_run_names_it(on_both):
    from eternal.errors import TransactionFailed

    batch = np.zeros((12, 16))
    batch[[5, 9]] = 2.0 ** 68  # 16 x 2^68 = 2^72: past the Dense kernel's exact sum
    for engine in ("hardhat", "anvil"):
        with pytest.raises(TransactionFailed, match="predict on sample 5 failed: a Dense layer's inputs sum past"):
            predict_module.predict(*on_both[engine], [batch], workers=4, per_request=3)  # 5 and 9 in two requests


def test_a_node_that_refuses_batches_gets_one_request_per_call(on_both, monkeypatch):
    from eternal.chain import connect

    w3, address = on_both["anvil"]
    alone = connect(w3.provider.endpoint_uri)
    refusals = []

    def refuse(requests):
        refusals.append(len(requests))
        return {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "batch requests are disabled"}}

    monkeypatch.setattr(alone.provider, "make_batch_request", refuse)
    refused = predict_module.predict(alone, address, [BATCH], per_request=4)
    assert refusals == [4]  # asked once, never again
    assert refused["gas"] == predict_module.predict(w3, address, [BATCH])["gas"]


def test_the_progress_bar_counts_the_samples(on_both):
    from rich.console import Console

    drawn = io.StringIO()
    predict_module.predict(*on_both["anvil"], [BATCH], console=Console(file=drawn, force_terminal=True, width=100))
    assert "12/12" in drawn.getvalue()
    one = io.StringIO()
    predict_module.predict(*on_both["anvil"], [BATCH[:1]], console=Console(file=one, force_terminal=True, width=100))
    assert one.getvalue() == ""  # no bar for one sample


def test_stdout_holds_only_the_json_and_stderr_no_bar_off_a_terminal(hardhat_node, deployed, tmp_path):
    result = predict(hardhat_node, deployed, tmp_path, BATCH[:3], "--json")
    assert result.returncode == 0 and result.stderr == ""
    out = json.loads(result.stdout)
    assert out["complete"] is True and out["samples"] == 3 and len(out["gas"]) == 3


def test_an_interrupted_json_batch_prints_the_samples_done(hardhat_node, deployed, tmp_path, monkeypatch):
    whole = json.loads(predict(hardhat_node, deployed, tmp_path, BATCH, "--json").stdout)
    real = predict_module.run_concurrently

    def interrupted_after_two_requests(task, count, workers):
        for finished, item in enumerate(real(task, count, workers)):
            if finished == 2:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(predict_module, "samples_per_request", lambda first_call_seconds: 2)
    monkeypatch.setattr(predict_module, "run_concurrently", interrupted_after_two_requests)
    result = predict(hardhat_node, deployed, tmp_path, BATCH, "--json")
    assert result.returncode == 130
    out = json.loads(result.stdout)
    done = len(out["outputs"])
    assert out["complete"] is False and out["samples"] == 12 and 1 <= done <= 5
    assert out["outputs"] == whole["outputs"][:done] and out["argmax"] == whole["argmax"][:done]
    assert out["gas"] == whole["gas"][:done]
    assert f"interrupted after {done} of 12 samples" in one_line_error(result)


def test_ctrl_c_on_a_terminal_keeps_the_samples_done(hardhat_node, deployed, tmp_path):
    """A real SIGINT to ``eternal predict --json`` whose stderr is a terminal (the bar shows)."""
    path = tmp_path / "many.npy"
    np.save(path, np.tile(BATCH, (4, 1)))
    leader, follower = pty.openpty()
    command = subprocess.Popen([sys.executable, "-m", "eternal.predict", deployed, "--input", str(path), "--json",
                                "--rpc-url", hardhat_node.url], stdout=subprocess.PIPE, stderr=follower,
                               env={**os.environ, "COLUMNS": "100"})
    os.close(follower)
    try:
        drawn, deadline = b"", time.monotonic() + 120
        while b"/48" not in drawn and time.monotonic() < deadline:  # the bar is up: predict has begun
            drawn += os.read(leader, 4096)
        command.send_signal(signal.SIGINT)
        stdout, _ = command.communicate(timeout=60)
    finally:
        if command.poll() is None:
            command.kill()
        os.close(leader)
    assert command.returncode == 130
    out = json.loads(stdout)
    assert out["complete"] is False and out["samples"] == 48 and len(out["outputs"]) < 48
