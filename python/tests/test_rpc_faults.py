"""The fault-injecting proxy itself: each fault happens, and a clean proxy is transparent."""

from __future__ import annotations

import functools
import urllib.error

import pytest
from eth_account import Account

from rpc_faults import Faults, FaultyRpcProxy

from eternal.node import rpc

DEV_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


call = functools.partial(rpc, timeout=10)  # one JSON-RPC call without web3's retries


def signed_transfer(w3, nonce: int) -> str:
    tx = {"to": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "value": 1, "gas": 21000, "nonce": nonce,
          "maxFeePerGas": w3.eth.gas_price * 2, "maxPriorityFeePerGas": 1, "chainId": w3.eth.chain_id}
    return "0x" + Account.from_key(DEV_KEY_0).sign_transaction(tx).raw_transaction.hex()


def test_a_clean_proxy_is_transparent(hardhat_node):
    with FaultyRpcProxy(hardhat_node.url) as proxy:
        assert call(proxy.url, "eth_chainId") == call(hardhat_node.url, "eth_chainId")
        assert proxy.counts.requests == 1


def test_drops_and_http_errors_happen(hardhat_node):
    with FaultyRpcProxy(hardhat_node.url, Faults(drop=1.0)) as proxy:
        with pytest.raises((ConnectionError, urllib.error.URLError, OSError)):
            call(proxy.url, "eth_chainId")
    with FaultyRpcProxy(hardhat_node.url, Faults(http_error=1.0, status_codes=(503,), retry_after=2)) as proxy:
        with pytest.raises(urllib.error.HTTPError) as raised:
            call(proxy.url, "eth_chainId")
        assert raised.value.code == 503 and raised.value.headers["Retry-After"] == "2"


def test_a_lost_send_answer_still_reaches_the_node(hardhat_node, w3):
    sender = Account.from_key(DEV_KEY_0).address
    nonce = w3.eth.get_transaction_count(sender, "pending")
    with FaultyRpcProxy(hardhat_node.url, Faults(lost_send_answer=1.0)) as proxy:
        with pytest.raises((ConnectionError, urllib.error.URLError, OSError)):
            call(proxy.url, "eth_sendRawTransaction", [signed_transfer(w3, nonce)])
    assert w3.eth.get_transaction_count(sender, "pending") == nonce + 1


def test_a_swallowed_send_never_reaches_the_node(hardhat_node, w3):
    sender = Account.from_key(DEV_KEY_0).address
    nonce = w3.eth.get_transaction_count(sender, "pending")
    with FaultyRpcProxy(hardhat_node.url, Faults(swallow={0})) as proxy:
        tx_hash = call(proxy.url, "eth_sendRawTransaction", [signed_transfer(w3, nonce)])
        assert proxy.counts.swallowed == 1
    assert w3.eth.get_transaction_count(sender, "pending") == nonce
    assert tx_hash.startswith("0x") and len(tx_hash) == 66  # looks like a real answer to the client


def test_chosen_answers_are_lost(hardhat_node, w3):
    sender = Account.from_key(DEV_KEY_0).address
    nonce = w3.eth.get_transaction_count(sender, "pending")
    first, second = signed_transfer(w3, nonce), signed_transfer(w3, nonce + 1)
    chosen = bytes.fromhex(second[2:])
    with FaultyRpcProxy(hardhat_node.url, Faults(lose_answer_if=lambda number, raw: raw == chosen)) as proxy:
        assert call(proxy.url, "eth_sendRawTransaction", [first]).startswith("0x")
        with pytest.raises((ConnectionError, urllib.error.URLError, OSError)):
            call(proxy.url, "eth_sendRawTransaction", [second])
        assert proxy.counts.lost_send_answers == 1
    assert w3.eth.get_transaction_count(sender, "pending") == nonce + 2
