"""No ordinary network fault bricks or duplicates a deployment.

Each campaign deploys the ~11k-parameter CNN (``small_models.small_cnn``: 3 weight pages at
int32, sent one page per transaction) through the fault-injecting proxy, on a Hardhat node of
this module's own (mining modes change here), and asserts: one run, exactly one verified model,
no second model contract from the deployer, no reverted transaction.

``ETERNAL_FAULT_RUNS=N`` repeats every campaign N times (other seeds); with
``ETERNAL_FAULT_LOG=FILE`` each run appends one JSON line (campaign, seed, seconds, faults
injected, gas, models, reverts) for docs/RELIABILITY.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time

import pytest
from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from hexbytes import HexBytes
from web3 import Web3

from deploy_cli import model_creations
from rpc_faults import Faults, FaultyRpcProxy
from small_models import small_cnn

from eternal.chain import artifact
from eternal.deploy import ModelDeployer
from eternal.deploy.keys import DEV_KEY
from eternal.deploy.steps import Step, phase_of
from eternal.deploy.transactions import TransactionSender
from eternal.verify import check_model, read_model

RUNS = range(int(os.environ.get("ETERNAL_FAULT_RUNS", "1")))
DEPLOYER = Account.from_key(DEV_KEY)


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """A Hardhat node of this module's own, its layer implementations already created."""
    from eternal.node import HardhatNode, compile_contracts

    compile_contracts()
    with HardhatNode() as node:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 120}))
        journal = tmp_path_factory.mktemp("faults")
        ModelDeployer(node.url, journal_dir=journal).deploy_model(cnn_export(journal, 0)[0])
        yield node, w3, journal


def cnn_export(directory, seed: int):
    from eternal.export import ModelExporter, save_export

    path = directory / f"cnn_{seed}.json"
    if not path.exists():
        model = small_cnn(seed)
        assert 10_000 < model.count_params() < 12_000
        save_export(ModelExporter("int32").export_model(model), path)
    return path, json.loads(path.read_text())


@contextlib.contextmanager
def block_time(w3, milliseconds: int | None):
    """Blocks every ``milliseconds`` instead of one per transaction, for the duration."""
    if milliseconds:
        w3.provider.make_request("evm_setAutomine", [False])
        w3.provider.make_request("evm_setIntervalMining", [milliseconds])
    try:
        yield
    finally:
        if milliseconds:
            w3.provider.make_request("evm_setIntervalMining", [0])
            w3.provider.make_request("evm_setAutomine", [True])


def mining(block_ms: int | None) -> str:
    return f"{block_ms // 1000} s blocks" if block_ms else "automine"


def sent_by(w3, first_block: int, sender: str) -> tuple[int, int, int]:
    """``(transactions, gas, reverted)`` of the contract calls and creations ``sender`` got mined since
    ``first_block`` (plain transfers, like the tests' own, left out)."""
    count = gas = reverted = 0
    for number in range(first_block, w3.eth.block_number + 1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            if tx["from"] == sender and tx["input"]:
                receipt = w3.eth.get_transaction_receipt(tx["hash"])
                count, gas, reverted = count + 1, gas + receipt["gasUsed"], reverted + (receipt["status"] != 1)
    return count, gas, reverted


def deploy_under(chain, campaign: str, seed: int, faults: Faults, block_ms: int | None = None,
                 reverts: int = 0) -> list[str]:
    """Deploys CNN ``seed`` once through a proxy with ``faults``; asserts the campaign's promises
    (``reverts``: reverted transactions expected).

    Returns what the deployer said (nonce clashes, waits, replacements).
    """
    node, w3, journal = chain
    path, export = cnn_export(journal, seed)
    first_block = w3.eth.block_number + 1
    said: list[str] = []
    started = time.monotonic()
    with block_time(w3, block_ms), FaultyRpcProxy(node.url, faults, seed=seed) as proxy:
        deployer = ModelDeployer(proxy.url, journal_dir=journal, max_pages_per_tx=1)
        deployer._say = deployer.sender.say = said.append
        result = deployer.deploy_model(path)
    seconds = time.monotonic() - started
    models = model_creations(w3, first_block, DEPLOYER.address)
    on_chain, gas, reverted = sent_by(w3, first_block, DEPLOYER.address)
    if os.environ.get("ETERNAL_FAULT_LOG"):
        with open(os.environ["ETERNAL_FAULT_LOG"], "a") as log:
            log.write(json.dumps({"campaign": campaign, "seed": seed, "model_hash": result.model_hash,
                                  "seconds": round(seconds, 1),
                                  "faults": vars(proxy.counts), "gas_used": result.gas_used,
                                  "transactions": result.transactions, "models": models, "reverts": reverted,
                                  "mined": on_chain, "gas_on_chain": gas,
                                  "said": said}) + "\n")
    assert not result.resumed and result.pages == 3
    assert check_model(read_model(w3, result.address), export).ok
    assert models == 1, said
    assert reverted == reverts, said
    assert not (journal / f"31337-{result.model_hash}.jsonl").exists()  # finished: the journal entry is cleared
    return said


def selector(name: str) -> bytes:
    abi = next(item for item in artifact("EternalModel")["abi"] if item.get("name") == name)
    return Web3.keccak(text=f"{name}({','.join(arg['type'] for arg in abi['inputs'])})")[:4]


def payload(raw: bytes) -> tuple[str | None, bytes]:
    """``(to, data)`` of a signed transaction."""
    fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
    return (fields["to"] or None), bytes(fields["data"])


@pytest.mark.parametrize("run", RUNS)
def test_dropped_connections_busy_answers_and_latency(chain, run):
    said = deploy_under(chain, "network", 100 + run, Faults(drop=0.2, http_error=0.5, latency=(0.0, 0.5)))
    assert not [line for line in said if "took" in line]  # nothing was mistaken for a clash


@pytest.mark.parametrize("run", RUNS)
def test_half_the_send_answers_lost_on_2s_blocks(chain, run):
    deploy_under(chain, "lost answers, 2 s blocks", 200 + run, Faults(lost_send_answer=0.5), block_ms=2000)


@pytest.mark.parametrize("block_ms", [None, 2000], ids=["automine", "2s-blocks"])
@pytest.mark.parametrize("run", RUNS)
def test_a_transfer_from_the_same_key_mid_upload(chain, monkeypatch, block_ms, run):
    """Another wallet transaction from the deployer's key takes the nonce the next page was to use."""
    node, w3, _ = chain
    broadcast = TransactionSender.broadcast
    transfers = []

    def transfer_after_first_page(self, step_name, raw):
        answer = broadcast(self, step_name, raw)
        if phase_of(step_name) == "pages" and not transfers:
            nonce = w3.eth.get_transaction_count(DEPLOYER.address, "pending")
            base = w3.eth.get_block("latest")["baseFeePerGas"]
            tx = {"to": Account.create().address, "value": 1, "gas": 21_000, "nonce": nonce, "chainId": 31337,
                  "maxFeePerGas": 2 * base + 10**9, "maxPriorityFeePerGas": 10**9}
            transfers.append(w3.eth.send_raw_transaction(DEPLOYER.sign_transaction(tx).raw_transaction))
        return answer

    monkeypatch.setattr(TransactionSender, "broadcast", transfer_after_first_page)
    said = deploy_under(chain, f"transfer mid-upload, {mining(block_ms)}", 300 + 10 * bool(block_ms) + run, Faults(),
                        block_ms)
    assert w3.eth.get_transaction_receipt(transfers[0])["status"] == 1
    assert any("was taken by another transaction" in line for line in said), said


@pytest.mark.parametrize("run", RUNS)
def test_lost_answers_to_creation_add_layers_and_construct_on_12s_blocks(chain, run):
    creation = artifact("EternalModel")["bytecode"]
    targets = {"creation": lambda to, data: to is None and data.hex() == creation[2:],
               "addLayers": lambda to, data: data[:4] == selector("addLayers"),
               "construct": lambda to, data: data[:4] == selector("construct")}
    lost: dict[str, int] = {}

    def lose_first_answers(number: int, raw: bytes) -> bool:
        to, data = payload(raw)
        for name, matches in targets.items():
            if matches(to, data) and lost.get(name, 0) < 2:  # the transport's resend is lost too
                lost[name] = lost.get(name, 0) + 1
                return True
        return False

    deploy_under(chain, "lost answers to creation/addLayers/construct, 12 s blocks", 400 + run,
                 Faults(lose_answer_if=lose_first_answers), block_ms=12_000)
    assert lost == {"creation": 2, "addLayers": 2, "construct": 2}


@pytest.mark.parametrize("block_ms", [None, 2000], ids=["automine", "2s-blocks"])
@pytest.mark.parametrize("run", RUNS)
def test_a_send_that_never_reaches_the_node(chain, block_ms, run):
    """The first page's send is swallowed (the client hears a hash): the pages after it queue
    behind the gap (or are refused, automining); the missing one is found and sent again."""
    # Sends: model creation 0, addLayers 1, construct 2, graph 3, pages 4, 5, 6, finalize 7.
    said = deploy_under(chain, f"swallowed send, {mining(block_ms)}", 500 + 10 * bool(block_ms) + run,
                        Faults(swallow={4}), block_ms)
    assert any("missing at the node" in line or "was not at the node" in line for line in said), said


def test_another_transaction_replacing_a_sent_page_costs_reverts_never_the_model(chain, monkeypatch):
    """Worst case: a wallet transaction from the same key with a higher fee *replaces* the first page's
    transaction in the pool, after the later pages were sent at the nonces behind it. Those run first
    and revert on the contract's index check (nothing written); the deployer reads the chain again and
    sends the pages anew, in the same run."""
    node, w3, _ = chain
    broadcast = TransactionSender.broadcast
    replaced = []

    def replace_first_page(self, step_name, raw):
        answer = broadcast(self, step_name, raw)
        if step_name == "pages:0-0" and not replaced:
            ours = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
            tx = {"to": DEPLOYER.address, "value": 1, "gas": 21_000, "nonce": ours["nonce"], "chainId": 31337,
                  "maxFeePerGas": 3 * ours["maxFeePerGas"], "maxPriorityFeePerGas": 3 * ours["maxPriorityFeePerGas"]}
            replaced.append(w3.eth.send_raw_transaction(DEPLOYER.sign_transaction(tx).raw_transaction))
        return answer

    monkeypatch.setattr(TransactionSender, "broadcast", replace_first_page)
    said = deploy_under(chain, "a sent page replaced by another transaction, 2 s blocks", 600, Faults(), 2000,
                        reverts=2)
    assert w3.eth.get_transaction_receipt(replaced[0])["status"] == 1
    assert any("reading the chain again" in line for line in said), said


def test_a_transaction_stuck_below_the_base_fee_is_replaced_at_its_nonce(chain, tmp_path):
    node, w3, _ = chain
    engine, said = fresh_engine(w3, tmp_path)
    engine.fees._fields = {"maxFeePerGas": 10**9, "maxPriorityFeePerGas": 10**8}  # 1 gwei: below what follows
    with block_time(w3, 2000):
        w3.provider.make_request("hardhat_setNextBlockBaseFeePerGas", [hex(5 * 10**9)])
        [receipt] = engine.send([Step("pages:0-0", Account.create().address, "0x", 21_000)])
    first, replacement = [json.loads(line) for line in engine.journal.path.read_text().splitlines()][1:3]
    assert replacement["replaces"] == first["hash"] and replacement["nonce"] == first["nonce"]
    assert receipt["status"] == 1 and receipt["transactionHash"].to_0x_hex() == replacement["hash"]
    assert any("below the next block's base fee" in line and "replacing it" in line for line in said), said
    assert engine.fees.max_fee() > 10 * 10**9  # later transactions pay today's fee too


def test_a_fee_the_node_refuses_is_raised_and_signed_again_at_the_same_nonce(chain, tmp_path):
    node, w3, _ = chain
    engine, said = fresh_engine(w3, tmp_path)
    nonce = w3.eth.get_transaction_count(DEPLOYER.address, "pending")
    engine.fees._fields = {"maxFeePerGas": 10**9, "maxPriorityFeePerGas": 10**8}
    w3.provider.make_request("hardhat_setNextBlockBaseFeePerGas", [hex(5 * 10**9)])  # automining: refused at once
    [receipt] = engine.send([Step("graph:0", Account.create().address, "0x", 21_000)])
    assert receipt["status"] == 1 and w3.eth.get_transaction(receipt["transactionHash"])["nonce"] == nonce
    assert any("refused nonce" in line and "too low" in line for line in said), said


def test_a_node_that_dies_mid_deploy_is_named_with_the_step(tmp_path, monkeypatch):
    from eternal import rpc
    from eternal.errors import NodeUnavailableError
    from eternal.node import HardhatNode

    monkeypatch.setattr(rpc, "BACKOFF_SECONDS", 0.02)  # the transport gives up in a second, not in ~30
    monkeypatch.setattr(rpc, "BACKOFF_MAX_SECONDS", 0.1)
    path, _ = cnn_export(tmp_path, 0)
    with HardhatNode() as node:

        def stop_node_after_first_page(step, receipt):
            if step.phase == "pages":
                node.stop()

        deployer = ModelDeployer(node.url, journal_dir=tmp_path, max_pages_per_tx=1, on_mined=stop_node_after_first_page)
        with pytest.raises(NodeUnavailableError) as raised:
            deployer.deploy_model(path)
    line = str(raised.value)
    assert "\n" not in line and node.url in line and "step pages:1-1" in line and line.endswith("rerun to resume")


def fresh_engine(w3, directory) -> tuple[TransactionSender, list[str]]:
    """An engine for the deployer's key with a journal of its own, and the lines it says."""
    from eternal.chain import TX_GAS_CAP, genesis_hash
    from eternal.deploy.journal import Journal

    said: list[str] = []
    engine = TransactionSender(w3, DEPLOYER, TX_GAS_CAP, say=said.append)
    engine.journal = Journal(directory, 31337, "ab" * 32)
    engine.journal.start(genesis_hash(w3), DEPLOYER.address)
    return engine, said


def test_a_wait_is_bounded_and_says_what_it_waits_for(chain, tmp_path, monkeypatch):
    from eternal.deploy import waiting
    from eternal.errors import TransactionStuckError

    node, w3, _ = chain
    monkeypatch.setattr(waiting, "RECEIPT_TIMEOUT", 2.0)
    monkeypatch.setattr(waiting, "SAY_EVERY_SECONDS", 0.5)
    engine, said = fresh_engine(w3, tmp_path)
    w3.provider.make_request("evm_setAutomine", [False])  # and no interval: nothing is mined
    try:
        with pytest.raises(TransactionStuckError) as raised:
            engine.send([Step("finalize", Account.create().address, "0x", 21_000)])
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
        w3.provider.make_request("evm_mine", [])
    line = str(raised.value)
    assert re.match(r"Step finalize: transaction 0x[0-9a-f]{64} \(nonce \d+\) not mined after [23] s at http", line)
    assert "pending at the node" in line and line.endswith("Rerun the same command to keep waiting")
    assert any(entry.startswith("waiting for finalize") and "pending at the node" in entry for entry in said), said
    assert w3.eth.get_transaction_receipt(engine.journal.state.steps["finalize"].hash)["status"] == 1
