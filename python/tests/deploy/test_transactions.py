"""The transaction engine on a real Hardhat node."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak

from eternal.chain import TX_GAS_CAP, artifact, genesis_hash, model_contract
from eternal.deploy.journal import Journal
from eternal.deploy.keys import DEV_KEY
from eternal.deploy.steps import MODEL, Step
from eternal.deploy.transactions import TransactionSender
from eternal.errors import TransactionFailed


@pytest.fixture
def sender(w3, tmp_path):
    """An engine for the dev account, journaling into a fresh journal."""
    account = Account.from_key(DEV_KEY)
    engine = TransactionSender(w3, account, TX_GAS_CAP)
    engine.journal = Journal(tmp_path, w3.eth.chain_id, "ee" * 32)
    engine.journal.start(genesis_hash(w3), account.address)
    return engine


def test_reverted_transaction_stops_with_its_reason(hardhat_node, sender):
    bytecode = artifact("EternalModel")["bytecode"]
    [created] = sender.send([Step(MODEL, None, bytecode, sender.gas_for(None, bytecode, "Creating EternalModel"))])
    address = created["contractAddress"]
    model = model_contract(sender.w3, address)
    # appendPages in state Created: mined, reverted, and reported with the decoded custom error.
    data = model.encode_abi("appendPages", args=[0, [b"\x01" * 32]])
    with pytest.raises(TransactionFailed, match=r"Step pages:0-0: transaction 0x[0-9a-f]+ reverted: WrongState\(1, 0\)"):
        sender.send([Step("pages:0-0", address, data, 1_000_000, 32)])
    tx = sender.journal.state.steps["pages:0-0"]
    assert tx.mined and tx.status == 0 and sender.journal.state.mined("pages:0-0") is None


def test_every_step_is_journaled_before_it_is_sent_and_reported_once_mined(hardhat_node, sender):
    bytecode = artifact("EternalModel")["bytecode"]
    seen = []
    sender.on_mined = lambda step, receipt: seen.append((step.name, sender.journal.state.mined(step.name).hash))
    broadcast = sender.broadcast

    def checked(step_name, raw):
        journaled = sender.journal.state.steps[step_name]  # journaled first, raw bytes and all
        assert journaled.raw == raw and journaled.hash == "0x" + keccak(hexstr=raw).hex()
        return broadcast(step_name, raw)

    sender.broadcast = checked
    [receipt] = sender.send([Step(MODEL, None, bytecode, sender.gas_for(None, bytecode, "Creating EternalModel"))])
    assert seen == [(MODEL, receipt["transactionHash"].to_0x_hex())]
    assert sender.journal.state.model_address == receipt["contractAddress"]


def test_fees_are_eip1559_with_a_capped_tip(hardhat_node, sender):
    from eternal.deploy.fees import BASE_FEE_MULTIPLIER, PRIORITY_FEE_CAP

    block = sender.w3.eth.get_block("latest")
    fees = sender.fee_fields()
    assert 0 < fees["maxPriorityFeePerGas"] <= PRIORITY_FEE_CAP
    if sender.w3.eth.block_number == block["number"]:
        assert fees["maxFeePerGas"] == BASE_FEE_MULTIPLIER * block["baseFeePerGas"] + fees["maxPriorityFeePerGas"]
    assert sender.max_fee() == fees["maxFeePerGas"]


def plain_step(name: str, to: str | None = None) -> Step:
    """A cheap step: a call with no data to a fresh address (21,000 gas)."""
    return Step(name, to or Account.create().address, "0x", 21_000)


def test_a_send_whose_every_answer_is_lost_is_settled_by_its_hash(hardhat_node, w3, tmp_path):
    """The transport gives up (no answer to any try): the engine looks the hash up, never re-signs."""
    import requests
    from requests.adapters import HTTPAdapter
    from web3 import HTTPProvider, Web3

    from eternal.rpc import retry_policy
    from rpc_faults import Faults, FaultyRpcProxy

    target = plain_step("pages:0-0")
    lose = Faults(lose_answer_if=lambda number, raw: True)  # every send, every try
    with FaultyRpcProxy(hardhat_node.url, lose) as proxy:
        session = requests.Session()
        session.mount("http://", HTTPAdapter(max_retries=retry_policy(1, 1)))
        flaky = Web3(HTTPProvider(proxy.url, session=session, exception_retry_configuration=None))
        engine = TransactionSender(flaky, Account.from_key(DEV_KEY), TX_GAS_CAP)
        engine.journal = Journal(tmp_path, 31337, "ef" * 32)
        engine.journal.start(genesis_hash(w3), engine.address)
        [receipt] = engine.send([target])
        assert proxy.counts.lost_send_answers == 2 and proxy.counts.sends == 2  # one try, one retry: both lost
    tx = engine.journal.state.mined("pages:0-0")
    assert receipt["status"] == 1 and tx.hash == receipt["transactionHash"].to_0x_hex() and tx.earlier == ()


def test_a_node_that_refuses_for_funds_says_so_and_leaves_nothing_sent(hardhat_node, w3, tmp_path):
    from eternal.errors import InsufficientFunds

    poor = Account.create()
    engine = TransactionSender(w3, poor, TX_GAS_CAP)
    engine.journal = Journal(tmp_path, 31337, "fe" * 32)
    engine.journal.start(genesis_hash(w3), poor.address)
    with pytest.raises(InsufficientFunds, match=rf"Step model: account {poor.address} cannot pay for it: .*funds"):
        engine.send([plain_step(MODEL)])
    assert engine.journal.state.nothing_sent  # journaled as refused: the next run starts afresh
    assert Journal(tmp_path, 31337, "fe" * 32).load().nothing_sent


def test_an_earlier_run_s_transaction_whose_nonce_was_taken_is_dropped(hardhat_node, w3, sender):
    from eternal.deploy.reconcile import settle_pending

    account = Account.from_key(DEV_KEY)
    nonce = w3.eth.get_transaction_count(account.address, "pending")
    step = plain_step("pages:0-0")
    ours = account.sign_transaction({"to": step.to, "data": "0x", "gas": 21_000, "nonce": nonce, "chainId": 31337,
                                     "value": 0, **sender.fee_fields()})
    sender.journal.sent(step.name, nonce, ours.hash.to_0x_hex(), ours.raw_transaction.to_0x_hex())
    # Before it was sent, another wallet transaction of the same key took the nonce.
    other = account.sign_transaction({"to": account.address, "value": 1, "gas": 21_000, "nonce": nonce,
                                      "chainId": 31337, **sender.fee_fields()})
    w3.eth.send_raw_transaction(other.raw_transaction)
    said = []
    sender.say = said.append
    assert settle_pending(sender) == []
    assert "pages:0-0" not in sender.journal.state.steps  # dropped: the deployer does it again
    assert any("took its nonce" in line for line in said), said
    with pytest.raises(Exception):
        w3.eth.get_transaction(ours.hash)


def test_an_earlier_run_s_transaction_the_node_never_got_is_sent_again_as_it_was(hardhat_node, w3, sender):
    from eternal.deploy.reconcile import settle_pending

    account = Account.from_key(DEV_KEY)
    nonce = w3.eth.get_transaction_count(account.address, "pending")
    step = plain_step("graph:0")
    ours = account.sign_transaction({"to": step.to, "data": "0x", "gas": 21_000, "nonce": nonce, "chainId": 31337,
                                     "value": 0, **sender.fee_fields()})
    sender.journal.sent(step.name, nonce, ours.hash.to_0x_hex(), ours.raw_transaction.to_0x_hex())  # then a crash
    [(name, receipt)] = settle_pending(sender)
    assert name == "graph:0" and receipt["transactionHash"] == ours.hash  # the same bytes, not a new signature
    assert sender.journal.state.mined("graph:0").hash == ours.hash.to_0x_hex()
