"""The transaction engine on a real Hardhat node."""

from __future__ import annotations

import pytest

from eternal.chain import model_contract
from eternal.deploy.deployer import ModelDeployer
from eternal.deploy.steps import Step
from eternal.errors import TransactionFailed


def test_reverted_transaction_stops_with_its_reason(hardhat_node, tmp_path):
    deployer = ModelDeployer(hardhat_node.url, journal_dir=tmp_path)
    deployer._open_journal("ee" * 32)
    address = deployer.deploy_from_artifact(["EternalModel"])["EternalModel"]
    model = model_contract(deployer.w3, address)
    # appendPages in state Created: mined, reverted, and reported with the decoded custom error.
    data = model.encode_abi("appendPages", args=[[b"\x01" * 32]])
    with pytest.raises(TransactionFailed, match=r"Step pages:0-0: transaction 0x[0-9a-f]+ reverted: WrongState\(1, 0\)"):
        deployer.sender.send([Step("pages:0-0", address, data, 1_000_000, 32)])
    tx = deployer.journal.state.steps["pages:0-0"]
    assert tx.mined and tx.status == 0 and deployer.journal.state.mined("pages:0-0") is None
