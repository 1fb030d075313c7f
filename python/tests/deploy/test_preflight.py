"""Preflight: a deployment that cannot complete under the chain's gas limits is refused before it sends
anything (exit code 38, the nonce unmoved); one that can is sent exactly as planned."""

from __future__ import annotations

import pytest

from cli_run import one_line_error
from deploy_cli import cli

from eternal.chain import STATES, TX_GAS_CAP, connect, model_contract
from eternal.deploy.gas import planned_transactions
from eternal.deploy.keys import DEV_KEY
from eternal.deploy.preflight import ChainLimits, chain_limits, check_deployable
from eternal.errors import ChainLimitError

SMALL_BLOCKS = 3_000_000  # less than one weight page, or the EternalModel creation, needs


@pytest.fixture(scope="module")
def small_blocks():
    """An anvil (osaka) whose blocks hold 3,000,000 gas, stopped by its PID at the end."""
    from eternal.node import AnvilNode, compile_contracts

    compile_contracts()
    with AnvilNode(gas_limit=SMALL_BLOCKS) as node:
        yield node


@pytest.fixture(scope="module")
def prague_node():
    """An anvil under Prague's rules: no per-transaction cap, 30,000,000 gas blocks."""
    from eternal.node import AnvilNode, compile_contracts

    compile_contracts()
    with AnvilNode(hardfork="prague") as node:
        yield node


def dev_address() -> str:
    from eth_account import Account

    return Account.from_key(DEV_KEY).address


def test_a_deployment_over_the_block_gas_limit_is_refused_before_its_first_transaction(small_blocks, export_file, workdir):
    path, _, _ = export_file(1)
    w3 = connect(small_blocks.url)
    nonce, pending, block = (w3.eth.get_transaction_count(dev_address()), w3.eth.get_transaction_count(dev_address(), "pending"),
                             w3.eth.block_number)
    result = cli("deploy", path, journal=workdir / "small-blocks", rpc=small_blocks.url)
    assert result.returncode == 38, result.stderr
    line = one_line_error(result)
    assert "refused before sending anything" in line and "3,000,000 gas per transaction" in line
    assert "a chain whose blocks hold at least" in line
    assert w3.eth.get_transaction_count(dev_address()) == nonce
    assert w3.eth.get_transaction_count(dev_address(), "pending") == pending
    assert w3.eth.block_number == block
    # Rerun: still refused, still nothing sent (no journal was started).
    again = cli("deploy", path, journal=workdir / "small-blocks", rpc=small_blocks.url)
    assert again.returncode == 38 and w3.eth.get_transaction_count(dev_address(), "pending") == pending


def test_a_deployment_that_fits_is_sent_as_planned(anvil_node, export_file, workdir):
    """Every transaction the preflight planned, in order, and nothing else; each within 5% of its
    modelled gas and planned under the limit."""
    from eternal.deploy.deployer import ModelDeployer
    from eternal.onchain import deployment_plan

    _, _, export = export_file(2)
    mined = []
    deployer = ModelDeployer(anvil_node.url, journal_dir=workdir / "fits",
                             on_mined=lambda step, receipt: mined.append((step.name, receipt["gasUsed"])))
    assert deployer.gas_limit == TX_GAS_CAP  # osaka rules: the cap under anvil's 30M blocks
    plan = deployment_plan(export)
    missing = [name for name in plan["implementations"] if not deployer.implementations.find(name)]
    planned = check_deployable(plan, deployer.limits, missing)
    address = deployer.deploy_model(export).address
    assert STATES[model_contract(deployer.w3, address).functions.state().call()] == "Finalised"
    assert [step for step, _ in mined] == [tx.step for tx in planned]
    for (step, gas), tx in zip(mined, planned):
        assert abs(gas / tx.gas - 1) < 0.05 and gas <= tx.needs * 1.05 and tx.needs <= TX_GAS_CAP, (step, gas, tx)


def test_the_limits_come_from_the_node(hardhat_node, anvil_node, small_blocks, prague_node):
    hardhat = chain_limits(connect(hardhat_node.url))
    assert hardhat.capped and hardhat.per_transaction == TX_GAS_CAP < hardhat.block_gas_limit
    assert "over the cap refused" in hardhat.rules
    anvil = chain_limits(connect(anvil_node.url))
    assert anvil.capped and anvil.rules == "eth_config" and anvil.per_transaction == TX_GAS_CAP
    small = chain_limits(connect(small_blocks.url))
    assert small.capped and small.per_transaction == small.block_gas_limit == SMALL_BLOCKS
    prague = chain_limits(connect(prague_node.url))
    assert not prague.capped and prague.per_transaction == prague.block_gas_limit == 30_000_000


def deep_plan(layers: int) -> dict:
    """A hand-made plan of ``layers`` layers in a chain, one page, no implementations to create."""
    return {"layers": [{"config": b"", "contract": None, "inbound": [i - 1] if i else []} for i in range(layers)],
            "implementations": [], "graph_chunks": [b"{" * 900], "pages": [b"\x01" * 1000]}


def test_construct_over_the_cap_says_fewer_layers_or_a_chain_without_the_cap():
    plan = deep_plan(2_000)
    [construct] = [tx for tx in planned_transactions(plan) if tx.step == "construct"]
    assert construct.needs > TX_GAS_CAP
    with pytest.raises(ChainLimitError) as refused:
        check_deployable(plan, ChainLimits(60_000_000, True, "test"), [])
    message = str(refused.value)
    assert "\n" not in message and "construct" in message and "fewer layers" in message
    assert f"no Osaka chain takes it (cap {TX_GAS_CAP:,})" in message and f"{construct.needs:,}" in message
    assert check_deployable(plan, ChainLimits(60_000_000, False, "test"), [])  # no cap: it fits a 60M block
    assert check_deployable(deep_plan(1_000), ChainLimits(60_000_000, True, "test"), [])
