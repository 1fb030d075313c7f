"""The transaction engine on a real Hardhat node."""

from __future__ import annotations

import pytest
from eth_account import Account

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

    def checked(step, signed):
        assert sender.journal.state.steps[step.name].hash == signed.hash.to_0x_hex()  # journaled first
        return broadcast(step, signed)

    sender.broadcast = checked
    [receipt] = sender.send([Step(MODEL, None, bytecode, sender.gas_for(None, bytecode, "Creating EternalModel"))])
    assert seen == [(MODEL, receipt["transactionHash"].to_0x_hex())]
    assert sender.journal.state.model_address == receipt["contractAddress"]


def test_fees_are_eip1559_with_a_capped_tip(hardhat_node, sender):
    from eternal.deploy.transactions import BASE_FEE_MULTIPLIER, PRIORITY_FEE_CAP

    block = sender.w3.eth.get_block("latest")
    fees = sender.fee_fields()
    assert 0 < fees["maxPriorityFeePerGas"] <= PRIORITY_FEE_CAP
    if sender.w3.eth.block_number == block["number"]:
        assert fees["maxFeePerGas"] == BASE_FEE_MULTIPLIER * block["baseFeePerGas"] + fees["maxPriorityFeePerGas"]
    assert sender.max_fee() == fees["maxFeePerGas"]
