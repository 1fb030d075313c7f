"""The node helper: a real Hardhat node answers and mines a signed value transfer."""

from __future__ import annotations

import pytest
from eth_account import Account

from eternal.node import HardhatNode, NodeError, rpc

# Hardhat's well-known dev accounts 0 and 1 (public test keys; never use them on a real chain).
DEV_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
DEV_ADDRESS_1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_node_answers_chain_id(hardhat_node):
    assert int(rpc(hardhat_node.url, "eth_chainId"), 16) == 31337
    assert hardhat_node.pid is not None


def test_value_transfer_is_mined(w3):
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
