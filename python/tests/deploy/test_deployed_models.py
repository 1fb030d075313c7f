"""Commands on models the deployer has just put on a real Hardhat node: verify, predict, pull."""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from deploy_cli import cli, one_line_error

from eternal.chain import model_contract
from eternal.verify import check_model, read_model


def deployed_copy(path, journal, rpc) -> str:
    """The address of a new copy of the export at ``path`` (``--again``)."""
    return json.loads(cli("deploy", path, "--json", "--again", journal=journal, rpc=rpc).stdout)["address"]


def test_verify_refuses_another_model(hardhat_node, workdir, export_file):
    path, _, _ = export_file(1)
    address = deployed_copy(path, workdir / "j2", hardhat_node.url)
    other, _, _ = export_file(2)
    result = cli("verify", address, other, rpc=hardhat_node.url)
    assert result.returncode == 40
    assert "FAIL matches MODEL" in result.stdout and "failed verification" in one_line_error(result)


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


def test_verify_catches_every_kind_of_tampering(hardhat_node, w3, workdir, export_file):
    path, _, export = export_file(1)
    address = deployed_copy(path, workdir / "j12", hardhat_node.url)
    good = read_model(w3, address)
    assert check_model(good, export).ok

    def failing(onchain):
        return {name for name, ok, _ in check_model(onchain).checks if not ok}

    flipped = bytearray(good.stream)
    flipped[30000] ^= 1
    assert "page hashes" in failing(dataclasses.replace(good, stream=bytes(flipped)))
    assert {"graph hash", "graph canonical"} & failing(dataclasses.replace(good, graph_bytes=good.graph_bytes + b" "))
    committed = dict(good.committed, model="00" * 32)
    assert "model hash" in failing(dataclasses.replace(good, committed=committed))
    codes = list(good.layer_code)
    dense = next(i for i, code in enumerate(codes) if code)
    codes[dense] = codes[dense][:-1] + bytes([codes[dense][-1] ^ 1])
    assert failing(dataclasses.replace(good, layer_code=codes)) == {"layer configs"}
    assert "page count" in failing(dataclasses.replace(good, page_sizes=good.page_sizes[:-1], page_hashes=good.page_hashes[:-1]))
