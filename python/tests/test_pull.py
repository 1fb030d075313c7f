"""`eternal pull`: it checks where it will write before it reads the chain, and rebuilds the model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_run import run_cli
from deploy_cli import cli, deployed_copy

from eternal.chain import model_contract
from eternal.cli import main

UNREACHABLE = "http://127.0.0.1:1"  # reaching the chain would fail with code 20, not 15


@pytest.mark.parametrize("output, words", [
    ("/nonexistent/dir/x.keras", "does not exist"),
    ("{tmp}", "is a directory"),
    ("{tmp}/folder.keras", "is a directory"),
    ("{tmp}/file.txt/x.keras", "(it is a file)"),
    ("{tmp}/model.h5", "must end in .keras"),
])
def test_a_bad_output_path_is_refused_first(tmp_path, output, words):
    (tmp_path / "file.txt").write_text("")
    (tmp_path / "folder.keras").mkdir()
    result = run_cli(main, "pull", "0x" + "11" * 20, "-o", output.format(tmp=tmp_path), "--rpc-url", UNREACHABLE)
    assert result.returncode == 15, result.stderr
    assert result.stderr.count("\n") == 1 and words in result.stderr


def test_pull_rebuilds_the_model(hardhat_node, w3, workdir, export_file):
    import keras

    path, model, _ = export_file(1)
    address = deployed_copy(path, workdir / "j10", hardhat_node.url)
    result = cli("pull", address, "-o", workdir / "pulled.keras", rpc=hardhat_node.url)
    assert result.returncode == 0, result.stderr
    pulled = keras.saving.load_model(workdir / "pulled.keras")
    x = np.random.default_rng(1).uniform(-1, 1, size=(4, 16)).astype(np.float32)
    assert np.max(np.abs(pulled.predict(x, verbose=0) - model.predict(x, verbose=0))) < 1e-5
    assert model_contract(w3, address).functions.modelHash().call().hex() == json.loads(
        cli("verify", address, "--json", rpc=hardhat_node.url).stdout
    )["model_hash"]
