"""`verify` and `pull` through a node that drops one connection in five: the transport retries, the answers are whole."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deploy_cli import cli, deployed_copy
from rpc_faults import Faults, FaultyRpcProxy


@pytest.fixture(scope="module")
def deployed(hardhat_node, workdir, export_file):
    path, model, export = export_file(1)
    return deployed_copy(path, workdir / "j-drops", hardhat_node.url), path, model, export


@pytest.mark.parametrize("seed", [1, 2])
def test_verify_survives_one_in_five_dropped_connections(hardhat_node, deployed, seed):
    address, path, _, export = deployed
    with FaultyRpcProxy(hardhat_node.url, Faults(drop=0.2), seed=seed) as proxy:
        result = cli("verify", address, path, "--json", rpc=proxy.url)
        dropped = proxy.counts.dropped
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["model_hash"] == export["hashes"]["model"]
    assert report["checks"] and all(check["ok"] for check in report["checks"])
    assert {"matches MODEL", "page hashes", "layer configs"} <= {check["name"] for check in report["checks"]}
    assert dropped >= 3  # the faults did happen


def test_pull_survives_one_in_five_dropped_connections(hardhat_node, deployed, workdir):
    import keras

    address, _, model, _ = deployed
    out = workdir / "pulled-through-drops.keras"
    with FaultyRpcProxy(hardhat_node.url, Faults(drop=0.2), seed=3) as proxy:
        result = cli("pull", address, "-o", out, rpc=proxy.url)
        dropped = proxy.counts.dropped
    assert result.returncode == 0, result.stderr
    pulled = keras.saving.load_model(out)
    x = np.random.default_rng(2).uniform(-1, 1, size=(4, 16)).astype(np.float32)
    assert np.max(np.abs(pulled.predict(x, verbose=0) - model.predict(x, verbose=0))) < 1e-5
    assert dropped >= 3
