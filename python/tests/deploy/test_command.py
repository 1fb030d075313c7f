"""`eternal deploy` on a real Hardhat node: end to end, and the one-line errors users get."""

from __future__ import annotations

import base64
import json

import numpy as np

from small_models import small_model
from cli_run import one_line_error
from deploy_cli import cli, model_creations

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

    # The journal entry is cleared; the same command again sends nothing and prints the same.
    assert not list((workdir / "j").glob("31337-*.jsonl"))
    blocks = w3.eth.block_number
    again = cli("deploy", path, journal=workdir / "j", rpc=hardhat_node.url)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == out["address"] and "already deployed" in again.stderr
    again_json = cli("deploy", path, "--json", journal=workdir / "j", rpc=hardhat_node.url)
    assert again_json.returncode == 0 and json.loads(again_json.stdout) == out
    assert "already deployed" in again_json.stderr and w3.eth.block_number == blocks


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

    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.RandomCrop(2, 2)])  # not the identity at inference
    model.save(workdir / "unsupported.keras")
    result = cli("deploy", workdir / "unsupported.keras", journal=workdir / "j8", rpc=hardhat_node.url)
    assert result.returncode == 3 and "RandomCrop" in one_line_error(result)


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


def test_a_deploy_killed_after_it_finished_reruns_to_the_same_model(hardhat_node, w3, workdir, export_file):
    from eth_account import Account

    from eternal.deploy.keys import DEV_KEY

    path, _, export = export_file(5)
    journal = workdir / "finished"
    first_block = w3.eth.block_number + 1
    crashed = cli("deploy", path, "--quiet", journal=journal, rpc=hardhat_node.url, crash_at="after-finish")
    assert crashed.returncode == -9 and crashed.stdout == ""
    rerun = cli("deploy", path, "--json", journal=journal, rpc=hardhat_node.url)
    assert rerun.returncode == 0, rerun.stderr
    out = json.loads(rerun.stdout)
    assert "already deployed" in rerun.stderr and out["resumed"] is False
    assert check_model(read_model(w3, out["address"]), export).ok
    assert model_creations(w3, first_block, Account.from_key(DEV_KEY).address) == 1
    another = cli("deploy", path, "--again", "--json", journal=journal, rpc=hardhat_node.url)
    assert another.returncode == 0 and json.loads(another.stdout)["address"] != out["address"]


def test_a_run_that_sent_nothing_does_not_block_the_next(hardhat_node, w3, workdir, export_file):
    from eth_account import Account

    path, _, export = export_file(6)
    journal = workdir / "nothing-sent"
    poor = Account.create()
    unfunded = cli("deploy", path, journal=journal, rpc=hardhat_node.url, env={"ETERNAL_PRIVATE_KEY": poor.key.hex()})
    assert unfunded.returncode == 33
    assert not list(journal.glob("31337-*.jsonl"))  # the failed funds check left no journal
    # A journal with nothing sent, by another deployer on another chain, does not block either.
    journal.mkdir(exist_ok=True)
    started = {"type": "started", "model_hash": export["hashes"]["model"], "chain_id": 31337,
               "genesis": "0x" + "00" * 32, "deployer": poor.address}
    (journal / f"31337-{export['hashes']['model']}.jsonl").write_text(json.dumps(started) + "\n")
    result = cli("deploy", path, "--json", journal=journal, rpc=hardhat_node.url)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["resumed"] is False and check_model(read_model(w3, out["address"]), export).ok
