"""`eternal predict` on a real Hardhat node: the inputs it refuses, each with one clear line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_run import one_line_error, run_cli
from deploy_cli import cli, deployed_copy

from eternal.cli import main
from eternal.predict import input_limit


@pytest.fixture(scope="module")
def deployed(hardhat_node, tmp_path_factory):
    """A finalised Input(16) -> Dense(8, relu) -> Dense(3, softmax) model: its address."""
    from eternal.deploy import ModelDeployer
    from eternal.export import ModelExporter
    from eternal.keras_io import keras_module

    keras = keras_module("keras3")
    keras.utils.set_random_seed(11)
    model = keras.Sequential([keras.Input((16,), name="x"), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")], name="predict_inputs")
    export = ModelExporter("int32").export_model(model)
    journal = tmp_path_factory.mktemp("journal")
    return ModelDeployer(hardhat_node.url, journal_dir=str(journal), quiet=True).deploy_model(export).address


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
