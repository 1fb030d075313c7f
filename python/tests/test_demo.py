"""The main job end to end on a real Hardhat node, and on anvil, the second EVM: digits CNN
trained, exported, deployed, run on chain.

Uses the first 60 of the 360 test images to stay quick; `make demo` runs all of them.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from eternal.demo import run_demo

SAMPLES = 60
# A sender no other test uses: its nonces, so every contract address and calldata byte, are the
# same on both nodes, whatever else the session deployed there before.
SENDER_KEY = "0x" + hashlib.sha256(b"eternal: the main job on two nodes").hexdigest()


def run_as_own_sender(url: str, out) -> dict:
    """The int32 demo deployed by :data:`SENDER_KEY`, funded by the node's first dev account."""
    from eth_account import Account
    from web3 import Web3

    w3 = Web3(Web3.HTTPProvider(url))
    sender = Account.from_key(SENDER_KEY).address
    if w3.eth.get_balance(sender) == 0:
        w3.eth.wait_for_transaction_receipt(
            w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": sender, "value": 10**21}))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ETERNAL_PRIVATE_KEY", SENDER_KEY)
        return run_demo(url, "int32", samples=SAMPLES, out=out, keep_node=False, quiet=True)


@pytest.fixture(scope="module")
def hardhat_run(hardhat_node, tmp_path_factory):
    """The int32 demo on the session's Hardhat node: (summary, its output directory)."""
    out = tmp_path_factory.mktemp("demo-hardhat")
    return run_as_own_sender(hardhat_node.url, out), out


def test_digits_cnn_on_chain_matches_keras_and_emulator(hardhat_run, hardhat_node):
    summary, tmp_path = hardhat_run
    assert summary["chain_equals_emulator"], "on-chain outputs differ from the emulator"
    assert summary["argmax_differences"] == 0
    assert summary["keras_accuracy"] > 0.9
    assert summary["chain_accuracy"] == summary["keras_accuracy"]
    assert summary["max_output_difference"] < 1e-4
    assert (tmp_path / "report.md").read_text().count(summary["address"]) == 1
    assert (tmp_path / "report.png").stat().st_size > 10_000
    written = json.loads((tmp_path / "summary.json").read_text())
    assert written["model_hash"] == summary["model_hash"]
    assert (written["address"], written["rpc_url"]) == (summary["address"], hardhat_node.url)  # the web page's defaults


@pytest.mark.parametrize("precision", ["int16", "int8"])
def test_lower_precisions_are_bit_exact_and_report_their_accuracy(hardhat_node, tmp_path, precision, capsys):
    summary = run_demo(hardhat_node.url, precision, samples=SAMPLES, out=tmp_path, keep_node=False, quiet=True)
    assert summary["chain_equals_emulator"], f"{precision}: on-chain outputs differ from the emulator"
    drop = summary["keras_accuracy"] - summary["chain_accuracy"]
    with capsys.disabled():
        print(
            f"\n[{precision}] digits CNN on {SAMPLES} test images: Keras {summary['keras_accuracy']:.4f}, "
            f"chain {summary['chain_accuracy']:.4f} (drop {drop:+.4f}), argmax differences {summary['argmax_differences']}, "
            f"largest output difference {summary['max_output_difference']:.3g}"
        )
    assert summary["chain_accuracy"] > 0.8  # a real drop shows in the line above; a collapse fails


def test_anvil_runs_the_main_job_with_the_same_outputs_and_gas(hardhat_run, anvil_node, tmp_path):
    """The same job on anvil (osaka): the chain's fixed-point outputs are identical to Hardhat's,
    and so is every phase's gas. Receipts' gasUsed and predict's eth_estimateGas agree exactly."""
    hardhat, _ = hardhat_run
    anvil = run_as_own_sender(anvil_node.url, tmp_path)
    assert anvil["chain_equals_emulator"], "anvil: on-chain outputs differ from the emulator"
    assert anvil["chain_outputs_sha256"] == hardhat["chain_outputs_sha256"]
    assert anvil["model_hash"] == hardhat["model_hash"]
    assert anvil["phase_gas"] == hardhat["phase_gas"]
    assert (anvil["gas_used"], anvil["transactions"]) == (hardhat["gas_used"], hardhat["transactions"])
    assert anvil["predict_gas"] == hardhat["predict_gas"]
