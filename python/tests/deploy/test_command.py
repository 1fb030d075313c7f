"""`eternal deploy` on a real Hardhat node: end to end, and the one-line errors users get."""

from __future__ import annotations

import base64
import json

import numpy as np

from small_models import small_model
from deploy_cli import cli, one_line_error

from eternal.verify import check_model, read_model


def test_deploy_verify_predict_end_to_end(hardhat_node, w3, workdir, export_file):
    path, model, export = export_file(1)
    result = cli("deploy", path, "--json", journal=workdir / "j", rpc=hardhat_node.url, subprocess_=True)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {"address", "model_hash", "chain_id", "transactions", "gas_used", "seconds"} <= set(out)
    assert out["model_hash"] == export["hashes"]["model"] and out["chain_id"] == 31337
    assert out["pages"] == 3 and out["transactions"] >= 6

    onchain = read_model(w3, out["address"])
    report = check_model(onchain, export)
    assert report.ok, report.failures()
    assert onchain.stream == base64.b64decode(export["weights"]["data"])

    verified = cli("verify", out["address"], path, rpc=hardhat_node.url)
    assert verified.returncode == 0, verified.stderr
    assert "verified" in verified.stdout

    x = np.random.default_rng(0).uniform(-1, 1, size=(3, 16)).astype(np.float32)
    np.save(workdir / "x.npy", x)
    predicted = cli("predict", out["address"], "--input", workdir / "x.npy", "--json", rpc=hardhat_node.url)
    assert predicted.returncode == 0, predicted.stderr
    answer = json.loads(predicted.stdout)
    expected = model.predict(x, verbose=0)
    assert np.max(np.abs(np.array(answer["outputs"]) - expected)) < 1e-4
    assert answer["argmax"] == list(np.argmax(expected, axis=1))
    assert all(20_000 < gas < 16_777_216 for gas in answer["gas"])

    # The journal entry is cleared; a second deploy of the same model says where it is.
    assert not list((workdir / "j").glob("31337-*.jsonl"))
    again = cli("deploy", path, journal=workdir / "j", rpc=hardhat_node.url)
    assert out["address"] in one_line_error(again) and again.returncode == 31


def test_unreachable_node(export_file, workdir):
    path, _, _ = export_file(1)
    result = cli("deploy", path, journal=workdir / "j3", rpc="http://127.0.0.1:1")
    assert result.returncode == 20 and "Node not reachable" in one_line_error(result)


def test_missing_artifacts_say_to_compile(hardhat_node, export_file, workdir):
    path, _, _ = export_file(1)
    result = cli("deploy", path, journal=workdir / "j4", rpc=hardhat_node.url, env={"ETERNAL_ARTIFACTS": str(workdir / "none")})
    assert result.returncode == 21 and "npx hardhat compile" in one_line_error(result)


def test_invalid_key_is_refused_without_echo(hardhat_node, export_file, workdir):
    path, _, _ = export_file(1)
    result = cli("deploy", path, journal=workdir / "j5", rpc=hardhat_node.url, env={"ETERNAL_PRIVATE_KEY": "0xdeadbeef"})
    assert result.returncode == 13 and "ETERNAL_PRIVATE_KEY" in one_line_error(result)
    assert "deadbeef" not in result.stderr + result.stdout


def test_insufficient_funds_before_any_transaction(hardhat_node, w3, export_file, workdir):
    from eth_account import Account

    path, _, _ = export_file(3)
    poor = Account.create()
    result = cli("deploy", path, journal=workdir / "j6", rpc=hardhat_node.url, env={"ETERNAL_PRIVATE_KEY": poor.key.hex()})
    line = one_line_error(result)
    assert result.returncode == 33 and "needs about" in line and poor.address in line
    assert w3.eth.get_transaction_count(poor.address) == 0
    assert poor.key.hex() not in result.stderr


def test_unsupported_layer(hardhat_node, workdir):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.LayerNormalization()])
    model.save(workdir / "unsupported.keras")
    result = cli("deploy", workdir / "unsupported.keras", journal=workdir / "j8", rpc=hardhat_node.url)
    assert result.returncode == 3 and "LayerNormalization" in one_line_error(result)


def test_deploy_a_keras_file_at_int8_and_verify_against_it(hardhat_node, w3, workdir):
    model = small_model(30)
    model.save(workdir / "small30.keras")
    result = cli("deploy", workdir / "small30.keras", "--precision", "int8", "--json", journal=workdir / "j11",
                 rpc=hardhat_node.url)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["pages"] == 1  # a quarter of the int32 bytes
    verified = cli("verify", out["address"], workdir / "small30.keras", "--json", rpc=hardhat_node.url)
    assert verified.returncode == 0, verified.stderr
    report = json.loads(verified.stdout)
    assert report["ok"] and {"matches MODEL", "layer configs", "page hashes"} <= {c["name"] for c in report["checks"]}
    mismatch = cli("verify", out["address"], workdir / "small30.keras", "--precision", "int16", rpc=hardhat_node.url)
    assert mismatch.returncode == 40
