"""The node helpers: a real Hardhat node and a real anvil node answer and mine a signed value transfer."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import pytest
from eth_account import Account

from eternal.node import AnvilNode, HardhatNode, NodeError, free_port, rpc

# Hardhat's well-known dev accounts 0 and 1 (public test keys; never use them on a real chain).
DEV_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
DEV_ADDRESS_1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_node_answers_chain_id(hardhat_node):
    assert int(rpc(hardhat_node.url, "eth_chainId"), 16) == 31337
    assert hardhat_node.pid is not None


def test_anvil_answers_as_hardhat_does(anvil_node):
    assert int(rpc(anvil_node.url, "eth_chainId"), 16) == 31337
    assert anvil_node.pid is not None
    assert rpc(anvil_node.url, "eth_accounts")[1] == DEV_ADDRESS_1.lower()  # the same mnemonic
    assert rpc(anvil_node.url, "anvil_nodeInfo")["hardFork"].lower() == "osaka"


def test_value_transfer_is_mined(w3):
    _transfer_is_mined(w3)


def test_value_transfer_is_mined_on_anvil(anvil_node):
    from web3 import Web3

    _transfer_is_mined(Web3(Web3.HTTPProvider(anvil_node.url)))


def _transfer_is_mined(w3):
    sender = Account.from_key(DEV_KEY_0)
    before = w3.eth.get_balance(DEV_ADDRESS_1)
    tx = {
        "to": DEV_ADDRESS_1,
        "value": 12345,
        "gas": 21000,
        "maxFeePerGas": w3.eth.gas_price * 2,
        "maxPriorityFeePerGas": 1,
        "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
        "chainId": w3.eth.chain_id,
    }
    signed = sender.sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    assert receipt["status"] == 1
    assert receipt["gasUsed"] == 21000
    assert receipt["from"] == sender.address
    assert w3.eth.get_balance(DEV_ADDRESS_1) == before + 12345


def test_port_in_use_is_refused(hardhat_node):
    with pytest.raises(NodeError, match="already has a node"):
        HardhatNode(hardhat_node.port).start()
    with pytest.raises(NodeError, match="already has a node"):
        AnvilNode(hardhat_node.port).start()


STOP_SIGNALS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL]


@pytest.mark.parametrize("engine, stop_signal", [(engine, s) for engine in ("hardhat", "anvil") for s in STOP_SIGNALS])
def test_a_signal_to_eternal_node_stops_its_child(engine, stop_signal):
    port = free_port(8700, 8799)
    command = subprocess.Popen([sys.executable, "-m", "eternal.node", "--port", str(port), "--engine", engine],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = command.stdout.readline()
        assert line.startswith(f"{engine.capitalize()} node at"), line + command.stderr.read()
        child = int(re.search(r"pid (\d+)", line).group(1))
        assert int(rpc(f"http://127.0.0.1:{port}", "eth_chainId"), 16) == 31337
        command.send_signal(stop_signal)
        assert command.wait(timeout=30) == (-9 if stop_signal == signal.SIGKILL else 0), command.stderr.read()
        deadline = time.monotonic() + 15  # after a SIGKILL the node gets SIGTERM from the kernel and exits
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child)
        with pytest.raises(OSError):
            rpc(f"http://127.0.0.1:{port}", "eth_chainId", timeout=1.0)
    finally:
        if command.poll() is None:
            command.kill()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:  # a zombie (exited, not yet reaped) counts as stopped
            return stat.read().split(") ")[-1][0] != "Z"
    except FileNotFoundError:
        return False
