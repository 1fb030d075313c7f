"""Phase 2: deploy an exported model as EternalModel contracts, resumable after any crash.

``python -m eternal.deploy MODEL [--precision int32] [--rpc-url URL] [--json] [--quiet]``

Steps (as the seed asks): connect, load the key and the journal → deploy the
main contract from its artifact → encode every layer's config → create the layer
contracts → construct (link layers, commit hashes) → upload the graph and the
weights in chunks, many transactions in flight → finalise (the chain checks the
hashes) → clear the journal entry and return the model's address.

The chain is the source of truth for what is done: after a crash the deployer
first settles every journaled transaction by its hash (mined, still pending, or
never received), then reads the model's state, layer count, stored graph bytes
and page count, and sends only what is missing. Nothing mined is sent again.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from web3 import Web3
from web3.exceptions import TimeExhausted, TransactionNotFound

from eternal.chain import (
    DEFAULT_RPC_URL,
    STATES,
    TX_GAS_CAP,
    TransactionFailed,
    artifact,
    code_hash,
    connect,
    genesis_hash,
    model_contract,
    revert_reason,
)
from eternal.errors import AlreadyDeployed, ChainResetError, DeployError, EternalError, InsufficientFunds
from eternal.fixedpoint import DEFAULT_PRECISION, PRECISIONS
from eternal.journal import DEFAULT_DIR, Journal, Registry
from eternal.keys import load_account
from eternal.weightstream import PAGE_SIZE

# Measured on the Hardhat node (solc 0.8.30, runs 200): see bench/bench_deploy.py.
GAS_PER_LAYER = 60_000  # one clone with immutable args, its push and its event
GAS_PER_CONFIG_BYTE = 250  # clone code deposit (200) + calldata + copying
GAS_PER_WEIGHT_BYTE = 222  # code deposit 200 + calldata 16 + SHA-256 + copying
GAS_PER_PAGE = 80_000  # CREATE, two storage pushes, event
GAS_MODEL_CREATION = 3_200_000  # measured 2.82M
GAS_IMPLEMENTATION_CREATION = 2_000_000  # measured 0.6M (Embedding) to 1.56M (Dense); reused once deployed
GAS_CONSTRUCT_BASE = 250_000
GAS_FINALIZE_BASE = 250_000  # measured 183k for a one-page model
PAGES_TX_BASE_GAS = 60_000  # appendPages call overhead: 21,000 + dispatch + event + state checks
SAFETY_GAS = 100_000  # headroom under a transaction's gas limit
LAYER_BATCH_SHARE = 0.3  # of the per-transaction gas limit, for one addLayers batch (estimable)
RECEIPT_TIMEOUT = 300


def _crash_point(point: str) -> None:
    """Test hook: ``ETERNAL_CRASH_AT=<point>`` kills this process (SIGKILL) at ``point``."""
    if os.environ.get("ETERNAL_CRASH_AT") == point:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class DeployResult:
    address: str
    model_hash: str
    chain_id: int
    transactions: int
    gas_used: int
    seconds: float
    resumed: bool
    weight_bytes: int
    pages: int
    layers: int
    phase_seconds: dict
    phase_gas: dict  # gas of the mined transactions per phase (implementations, model, layers, ...)


def load_model_input(source, precision: str | None = None) -> dict:
    """An export dict from an export dict, an export file (.json), a Keras file or a Keras model.

    ``precision`` (default int32) applies to Keras models; an export keeps its own and must
    match ``precision`` when one is given.
    """
    if isinstance(source, (str, os.PathLike)) and Path(source).suffix == ".json":
        from eternal.export import load_export

        source = load_export(source)
    if isinstance(source, dict):
        if precision is not None and source["graph"]["precision"] != precision:
            raise DeployError(f"The export is at {source['graph']['precision']}, not {precision}: export it again")
        return source
    from eternal.export import ModelExporter

    return ModelExporter(precision or DEFAULT_PRECISION).export_model(source)


def page_batches(first: int, count: int, per_tx: int) -> list[tuple[int, int]]:
    """``[(first, last)]`` page ranges of at most ``per_tx`` pages, from page ``first`` to ``count - 1``."""
    return [(start, min(start + per_tx, count) - 1) for start in range(first, count, per_tx)]


def layer_batches(configs: list[bytes], first: int, budget: int, max_per_tx: int | None = None) -> list[tuple[int, int]]:
    """``[(first, last)]`` layer ranges whose modelled gas stays under ``budget``."""
    batches, start, gas = [], first, 0
    for index in range(first, len(configs)):
        cost = GAS_PER_LAYER + GAS_PER_CONFIG_BYTE * len(configs[index])
        full = max_per_tx is not None and index - start >= max_per_tx
        if index > start and (gas + cost > budget or full):
            batches.append((start, index - 1))
            start, gas = index, 0
        gas += cost
    if start < len(configs):
        batches.append((start, len(configs) - 1))
    return batches


def phase_gas(plan: dict, gas_limit: int = TX_GAS_CAP) -> dict:
    """Modelled transactions and gas per phase for a deployment plan (no chain needed)."""
    per_tx = max(1, (gas_limit - SAFETY_GAS) // (GAS_PER_PAGE + PAGE_SIZE * GAS_PER_WEIGHT_BYTE))
    configs = [layer["config"] for layer in plan["layers"]]
    layers_gas = sum(GAS_PER_LAYER + GAS_PER_CONFIG_BYTE * len(c) for c in configs)
    graph_gas = sum(GAS_PER_PAGE + len(c) * GAS_PER_WEIGHT_BYTE for c in plan["graph_chunks"])
    pages_gas = sum(GAS_PER_PAGE + len(p) * GAS_PER_WEIGHT_BYTE for p in plan["pages"])
    return {
        "contracts": {"transactions": 1 + len(plan["implementations"]),
                      "gas": GAS_MODEL_CREATION + GAS_IMPLEMENTATION_CREATION * len(plan["implementations"])},
        "layers": {"transactions": len(layer_batches(configs, 0, int(gas_limit * LAYER_BATCH_SHARE))), "gas": layers_gas},
        "construct": {"transactions": 1, "gas": GAS_CONSTRUCT_BASE + 30_000 * len(plan["layers"])},
        "upload": {"transactions": len(plan["graph_chunks"]) + math.ceil(len(plan["pages"]) / per_tx),
                   "gas": graph_gas + pages_gas},
        "finalize": {"transactions": 1, "gas": GAS_FINALIZE_BASE + 2_000 * (len(plan["pages"]) + len(plan["graph_chunks"]))},
    }


PHASE_NAMES = {"impl": "layer implementations (once per chain)", "model": "EternalModel", "layers": "layer clones",
               "construct": "construct", "graph": "graph bytes", "pages": "weight pages", "finalize": "finalize"}


def gas_by_phase(transactions) -> dict[str, int]:
    """Gas of mined transactions grouped by phase (the step name before ':'), in deployment order."""
    totals = {name: 0 for name in PHASE_NAMES.values()}
    for tx in transactions:
        if tx.mined:
            phase = PHASE_NAMES.get(tx.step.split(":")[0], tx.step.split(":")[0])
            totals[phase] = totals.get(phase, 0) + tx.gas_used
    return {name: gas for name, gas in totals.items() if gas}


class ModelDeployer:
    """Deploys exports as EternalModel contracts on one chain, with a crash-safe journal.

    Every method that sends transactions says so; all of them journal each
    transaction's hash and nonce before sending it and its receipt after.
    """

    def __init__(
        self,
        rpc_url: str = DEFAULT_RPC_URL,
        keystore: str | None = None,
        journal_dir=None,
        quiet: bool = True,
        fresh: bool = False,
        again: bool = False,
        max_pages_per_tx: int | None = None,
        max_layers_per_tx: int | None = None,
        window: int = 64,
    ):
        self.rpc_url = rpc_url
        self.w3 = connect(rpc_url)
        self.chain_id = self.w3.eth.chain_id
        self.account, self.key_source = load_account(self.chain_id, keystore)
        self.address = self.account.address
        self.genesis = genesis_hash(self.w3)
        self.gas_limit = min(TX_GAS_CAP, self.w3.eth.get_block("latest")["gasLimit"])
        self.journal_dir = Path(journal_dir or os.environ.get("ETERNAL_JOURNAL_DIR") or DEFAULT_DIR)
        self.implementations = Registry(self.journal_dir / "implementations.jsonl")
        self.deployed = Registry(self.journal_dir / "deployed.jsonl")
        self.quiet = quiet
        self.fresh = fresh
        self.again = again
        self.max_pages_per_tx = max_pages_per_tx
        self.max_layers_per_tx = max_layers_per_tx
        self.window = window
        self.journal: Journal | None = None
        self._nonce: int | None = None
        self._fees: dict | None = None
        self._progress = None
        self._upload_task = None
        self._sent_this_run = 0

    # ------------------------------------------------------------------ sending

    def _say(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stderr, flush=True)

    def _fee_fields(self) -> dict:
        """EIP-1559 fee fields (legacy ``gasPrice`` on chains without a base fee)."""
        if self._fees is None:
            block = self.w3.eth.get_block("latest")
            base = block.get("baseFeePerGas")
            if base is None:
                self._fees = {"gasPrice": self.w3.eth.gas_price}
            else:
                try:
                    priority = min(self.w3.eth.max_priority_fee, Web3.to_wei(2, "gwei"))
                except Exception:
                    priority = Web3.to_wei(1, "gwei")
                self._fees = {"maxFeePerGas": 2 * base + priority, "maxPriorityFeePerGas": priority}
        return self._fees

    def _max_fee(self) -> int:
        fees = self._fee_fields()
        return fees.get("maxFeePerGas", fees.get("gasPrice"))

    def _estimate(self, to: str | None, data: str, what: str, modelled: int | None = None) -> int:
        """``eth_estimateGas``, or ``modelled`` when the node refuses to estimate near the cap.

        Hardhat estimates with headroom (about 3x the gas used) and refuses anything
        over the per-transaction cap, so big but valid transactions cannot be estimated.
        """
        # An explicit gas cap: some nodes otherwise estimate with more than EIP-7825 allows.
        tx = {"from": self.address, "data": data, "gas": self.gas_limit}
        if to:
            tx["to"] = to
        try:
            return self.w3.eth.estimate_gas(tx)
        except Exception as exc:
            reason = revert_reason(exc)
            if modelled is not None and "cap" in reason:
                return modelled
            raise TransactionFailed(f"{what} would fail: {reason}") from None

    def _gas_from_estimate(self, estimate: int, what: str) -> int:
        if estimate > self.gas_limit:
            raise DeployError(f"{what} needs {estimate:,} gas, over the per-transaction limit {self.gas_limit:,}")
        return min(self.gas_limit, int(estimate * 1.2) + 50_000)

    def _send_steps(self, steps: list[tuple[str, str | None, str, int, int]], on_mined=None) -> list[dict]:
        """Signs ``(step, to, data, gas, payload bytes)`` with consecutive nonces and sends them pipelined.

        Sends transactions. Each one's hash and nonce are journaled before it is
        sent; receipts are collected after (at most ``window`` in flight) and
        journaled. A reverted transaction stops the run with its reason.
        """
        if self._nonce is None:
            self._nonce = self.w3.eth.get_transaction_count(self.address, "pending")
        fees = self._fee_fields()
        in_flight: list[tuple[str, str, int, str | None]] = []
        receipts = []
        for step, to, data, gas, size in steps:
            tx = {"data": data, "gas": gas, "nonce": self._nonce, "chainId": self.chain_id, "value": 0, **fees}
            if to:
                tx["to"] = to
            signed = self.account.sign_transaction(tx)
            tx_hash = signed.hash.to_0x_hex()
            self.journal.sent(step, self._nonce, tx_hash)
            if step.startswith("pages:"):
                _crash_point("before-send")
            send_error = None
            try:
                self.w3.eth.send_raw_transaction(signed.raw_transaction)
            except Exception as exc:
                # Hardhat mines a reverting transaction and still answers with an error:
                # the receipt below tells a revert from a transaction the node refused.
                send_error = revert_reason(exc)
            if step.startswith("pages:"):
                _crash_point("after-send")
            self._nonce += 1
            self._sent_this_run += 1
            in_flight.append((step, tx_hash, size, send_error))
            if len(in_flight) >= self.window:
                receipts.append(self._collect(*in_flight.pop(0), on_mined))
        while in_flight:
            receipts.append(self._collect(*in_flight.pop(0), on_mined))
        return receipts

    def _collect(self, step: str, tx_hash: str, size: int, send_error: str | None, on_mined) -> dict:
        """Waits for one receipt, journals it, and raises if the transaction failed."""
        if send_error is not None:
            try:
                receipt = self.w3.eth.get_transaction_receipt(tx_hash)
            except TransactionNotFound:
                self.journal.dropped(step, tx_hash)
                self._nonce = None  # the node did not take it: its nonce is free again
                raise TransactionFailed(f"Step {step}: the node refused the transaction: {send_error}") from None
        else:
            try:
                receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT, poll_latency=0.05)
            except TimeExhausted:
                raise TransactionFailed(
                    f"Step {step}: transaction {tx_hash} not mined within {RECEIPT_TIMEOUT} s; rerun to keep waiting"
                ) from None
        self._record_receipt(step, tx_hash, receipt)
        if receipt["status"] != 1:
            reason = self._replay_reason(receipt) or send_error or "no reason given (replaying it now succeeds)"
            raise TransactionFailed(f"Step {step}: transaction {tx_hash} reverted: {reason}")
        if on_mined:
            on_mined(step, receipt, size)
        return receipt

    def _record_receipt(self, step: str, tx_hash: str, receipt) -> None:
        contract = receipt.get("contractAddress")
        self.journal.mined(step, tx_hash, int(receipt["status"]), int(receipt["gasUsed"]),
                           int(receipt["blockNumber"]), contract)

    def _replay_reason(self, receipt) -> str | None:
        tx = self.w3.eth.get_transaction(receipt["transactionHash"])
        call = {"from": tx["from"], "data": tx["input"], "gas": tx["gas"]}
        if tx.get("to"):
            call["to"] = tx["to"]
        try:
            self.w3.eth.call(call, receipt["blockNumber"] - 1)
        except Exception as exc:
            return revert_reason(exc)
        if receipt["gasUsed"] >= tx["gas"]:
            return f"out of gas (used all {tx['gas']:,})"
        return None

    # ------------------------------------------------------------------ resume

    def _settle_pending(self) -> None:
        """Settles every journaled transaction not known to be mined: by its hash, on the chain."""
        for tx in self.journal.state.pending():
            try:
                receipt = self.w3.eth.get_transaction_receipt(tx.hash)
            except TransactionNotFound:
                receipt = None
            if receipt is None:
                try:
                    self.w3.eth.get_transaction(tx.hash)
                except TransactionNotFound:
                    # Journaled but never received (crash between journal and send): its nonce
                    # is still free unless someone else used the account.
                    if tx.nonce < self.w3.eth.get_transaction_count(self.address, "latest"):
                        raise DeployError(
                            f"Transaction {tx.hash} (step {tx.step}, nonce {tx.nonce}) is unknown to the node and its "
                            f"nonce was used by another transaction; do not use {self.address} elsewhere while "
                            f"deploying. Rerun with --fresh to start over"
                        ) from None
                    self.journal.dropped(tx.step, tx.hash)
                    continue
                self._say(f"waiting for {tx.step} ({tx.hash}) sent by an earlier run")
                receipt = self.w3.eth.wait_for_transaction_receipt(tx.hash, timeout=RECEIPT_TIMEOUT, poll_latency=0.1)
            self._record_receipt(tx.step, tx.hash, receipt)
            if tx.step.startswith("impl:") and receipt["status"] == 1:
                self._remember_implementation(tx.step[5:], receipt["contractAddress"])

    def _open_journal(self, model_hash: str) -> bool:
        """Opens (or starts) the journal; returns True when resuming an earlier run."""
        self.journal = Journal(self.journal_dir, self.chain_id, model_hash)
        if self.fresh:
            aside = self.journal.abandon()
            if aside:
                self._say(f"earlier journal kept as {aside}")
        if not self.journal.exists():
            if not self.again:
                done = self.deployed.find(chain_id=self.chain_id, genesis=self.genesis, model_hash=model_hash)
                if done and self.w3.eth.get_code(Web3.to_checksum_address(done["address"])):
                    raise AlreadyDeployed(
                        f"Model {model_hash} is already deployed and finalised on chain id {self.chain_id} at "
                        f"{done['address']} (pass --again to deploy another copy)",
                        done["address"],
                    )
            self.journal.start(self.genesis, self.address)
            return False
        state = self.journal.load()
        if state.genesis != self.genesis:
            raise ChainResetError(
                f"Journal {self.journal.path} was written on another chain {self.chain_id} (genesis {state.genesis}, "
                f"now {self.genesis}): the node was restarted and its contracts are gone. Rerun with --fresh to deploy anew"
            )
        if state.deployer != self.address:
            raise DeployError(
                f"Journal {self.journal.path} belongs to deployer {state.deployer}, not {self.address}: "
                f"use the same key, or --fresh to start over"
            )
        address = state.model_address
        if address and not self.w3.eth.get_code(Web3.to_checksum_address(address)):
            raise ChainResetError(
                f"Journal {self.journal.path} points to model {address}, which chain id {self.chain_id} does not have "
                f"(node restarted?). Rerun with --fresh to deploy anew"
            )
        self._say(f"resuming from {self.journal.path}")
        return True

    # ------------------------------------------------------------------ seed steps

    def get_model_config(self, export: dict) -> dict:
        """The EternalModel calls' arguments: per layer its implementation and ABI-encoded config."""
        from eternal.onchain import deployment_plan

        plan = deployment_plan(export)
        for name in plan["implementations"]:
            artifact(name)  # fail before sending anything if a contract is not compiled
        return plan

    def _implementation_address(self, name: str) -> str | None:
        """A reusable implementation of ``name`` on this chain (same code as the artifact), if any."""
        wanted = code_hash(bytes.fromhex(artifact(name)["deployedBytecode"][2:]))
        mined = self.journal.state.mined(f"impl:{name}")
        candidates = [mined.contract] if mined else []
        entry = self.implementations.find(chain_id=self.chain_id, genesis=self.genesis, name=name, code_hash=wanted)
        if entry:
            candidates.append(entry["address"])
        for address in candidates:
            if code_hash(self.w3.eth.get_code(Web3.to_checksum_address(address))) == wanted:
                return Web3.to_checksum_address(address)
        return None

    def _remember_implementation(self, name: str, address: str) -> None:
        wanted = code_hash(bytes.fromhex(artifact(name)["deployedBytecode"][2:]))
        if code_hash(self.w3.eth.get_code(address)) == wanted:
            self.implementations.add({"chain_id": self.chain_id, "genesis": self.genesis, "name": name,
                                      "code_hash": wanted, "address": address})

    def deploy_from_artifact(self, names: list[str]) -> dict[str, str]:
        """Creates contracts from their artifacts (no constructor arguments), pipelined.

        Sends transactions (one creation per name). ``"EternalModel"`` is journaled as
        step ``model``, the others as ``impl:<name>``. Returns name -> address.
        """
        steps = []
        for name in names:
            bytecode = artifact(name)["bytecode"]
            gas = self._gas_from_estimate(self._estimate(None, bytecode, f"Creating {name}"), f"Creating {name}")
            steps.append(("model" if name == "EternalModel" else f"impl:{name}", None, bytecode, gas, 0))
        receipts = self._send_steps(steps)
        addresses = {}
        for name, receipt in zip(names, receipts):
            addresses[name] = receipt["contractAddress"]
            self._say(f"{name:<24} {receipt['contractAddress']}  ({receipt['gasUsed']:,} gas)")
            if name != "EternalModel":
                self._remember_implementation(name, receipt["contractAddress"])
        return addresses

    def deploy_layer(self, model, plan: dict, implementations: dict[str, str], first: int) -> None:
        """Creates layers ``first..`` as clones of their implementations (addLayers, batched, pipelined).

        Sends transactions.
        """
        configs = [layer["config"] for layer in plan["layers"]]
        batches = layer_batches(configs, first, int(self.gas_limit * LAYER_BATCH_SHARE), self.max_layers_per_tx)
        steps = []
        for start, last in batches:
            chosen = plan["layers"][start : last + 1]
            impls = [implementations[layer["contract"]] if layer["contract"] else "0x" + "00" * 20 for layer in chosen]
            data = model.encode_abi("addLayers", args=[impls, [layer["config"] for layer in chosen]])
            what = f"addLayers for layers {start}-{last}"
            modelled = sum(GAS_PER_LAYER + GAS_PER_CONFIG_BYTE * len(layer["config"]) for layer in chosen)
            steps.append((f"layers:{start}-{last}", model.address, data,
                          self._gas_from_estimate(self._estimate(model.address, data, what, modelled), what), 0))

        def mined(step, receipt, size):
            self._say(f"{step:<24} ({receipt['gasUsed']:,} gas)")
            if len(batches) > 1:
                _crash_point("mid-layers")

        self._send_steps(steps, mined)

    def _construct(self, model, plan: dict) -> None:
        """Links the layers and commits the hashes. Sends one transaction."""
        hashes = plan["hashes"]
        args = [
            [plan["layers"][i]["inbound"] for i in range(len(plan["layers"]))],
            plan["inputs"], plan["outputs"], hashes["graph"], hashes["weights"], hashes["model"],
            plan["weight_bytes"], plan["graph_bytes"],
        ]
        data = model.encode_abi("construct", args=args)
        gas = self._gas_from_estimate(self._estimate(model.address, data, "construct"), "construct")
        [receipt] = self._send_steps([("construct", model.address, data, gas, 0)])
        self._say(f"{'construct':<24} ({receipt['gasUsed']:,} gas)")

    def _page_gas_model(self, model, pages: list[bytes], first: int) -> tuple[int, int]:
        """``(base, per page)`` gas of appendPages: one page estimated, the split from measured costs.

        Estimating several pages is not an option: nodes estimate with headroom and
        refuse above the per-transaction cap, long before the transaction itself would.
        """
        one = self._estimate(model.address, model.encode_abi("appendPages", args=[pages[first : first + 1]]), "appendPages")
        per_page = max(one - PAGES_TX_BASE_GAS, GAS_PER_PAGE + len(pages[first]) * GAS_PER_WEIGHT_BYTE)
        return PAGES_TX_BASE_GAS, per_page

    def upload_model_weights(self, model, plan: dict, graph_stored: int, pages_stored: int) -> None:
        """Uploads the missing graph chunks and weight pages, many transactions in flight.

        Sends transactions. Pages go several per transaction: as many as fit
        under the per-transaction limit by the gas measured for 1 and 2 pages.
        """
        pages = plan["pages"]
        chunks = plan["graph_chunks"]
        steps = []
        for index in range(graph_stored // PAGE_SIZE if graph_stored < plan["graph_bytes"] else len(chunks), len(chunks)):
            data = model.encode_abi("appendGraph", args=[chunks[index]])
            what = f"appendGraph chunk {index}"
            modelled = GAS_PER_PAGE + len(chunks[index]) * GAS_PER_WEIGHT_BYTE
            estimate = self._estimate(model.address, data, what, modelled)
            steps.append((f"graph:{index}", model.address, data, self._gas_from_estimate(estimate, what), len(chunks[index])))
        if pages_stored < len(pages):
            base, per_page = self._page_gas_model(model, pages, pages_stored)
            if base + per_page + SAFETY_GAS > self.gas_limit:
                raise DeployError(f"One weight page needs {base + per_page:,} gas, over the per-transaction limit {self.gas_limit:,}")
            per_tx = max(1, (self.gas_limit - SAFETY_GAS - base) // per_page)
            if self.max_pages_per_tx:
                per_tx = min(per_tx, self.max_pages_per_tx)
            for start, last in page_batches(pages_stored, len(pages), per_tx):
                chosen = pages[start : last + 1]
                gas = min(self.gas_limit, base + per_page * len(chosen) + SAFETY_GAS)
                steps.append((f"pages:{start}-{last}", model.address, model.encode_abi("appendPages", args=[chosen]),
                              gas, sum(len(p) for p in chosen)))
        total = sum(step[4] for step in steps)
        progress = self._start_progress(total, len(steps))
        seen = {"txs": 0, "gas": 0}

        def mined(step, receipt, size):
            seen["txs"] += 1
            seen["gas"] += receipt["gasUsed"]
            if progress is not None:
                progress.update(self._upload_task, advance=size,
                                description=f"upload {seen['txs']}/{len(steps)} txs, {seen['gas']:,} gas")
            if step.startswith("pages:") and seen["txs"] < len(steps):
                _crash_point("mid-upload")

        try:
            self._send_steps(steps, mined)
        finally:
            if progress is not None:
                progress.stop()

    def _start_progress(self, total_bytes: int, transactions: int):
        if self.quiet or transactions == 0:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=False)
        self._upload_task = progress.add_task(f"upload 0/{transactions} txs", total=total_bytes)
        progress.start()
        return progress

    def _finalize(self, model) -> None:
        """Has the chain recompute and check every hash. Sends one transaction."""
        data = model.encode_abi("finalize", args=[])
        gas = self._gas_from_estimate(self._estimate(model.address, data, "finalize"), "finalize")
        [receipt] = self._send_steps([("finalize", model.address, data, gas, 0)])
        self._say(f"{'finalize':<24} ({receipt['gasUsed']:,} gas)")

    def _check_funds(self, plan: dict) -> None:
        need_gas = sum(phase["gas"] for phase in phase_gas(plan, self.gas_limit).values())
        need = need_gas * self._max_fee()
        balance = self.w3.eth.get_balance(self.address)
        if balance < need:
            raise InsufficientFunds(
                f"Account {self.address} has {Web3.from_wei(balance, 'ether')} ETH; deploying needs about "
                f"{Web3.from_wei(need, 'ether')} ETH ({need_gas:,} gas at {Web3.from_wei(self._max_fee(), 'gwei')} gwei, "
                f"see `eternal plan`)"
            )

    def deploy_model(self, model_data, precision: str | None = None) -> DeployResult:
        """Deploys (or resumes deploying) one model and returns its finalised address.

        Sends transactions. ``model_data``: an export dict, an export file, a Keras file or model.
        """
        started = time.perf_counter()
        clock = {"at": started}
        phase_seconds: dict[str, float] = {}

        def lap(phase: str) -> None:
            now = time.perf_counter()
            phase_seconds[phase] = round(phase_seconds.get(phase, 0.0) + now - clock["at"], 3)
            clock["at"] = now

        export = load_model_input(model_data, precision)
        plan = self.get_model_config(export)
        model_hash = export["hashes"]["model"]
        resumed = self._open_journal(model_hash)
        if resumed:
            self._settle_pending()
        else:
            self._check_funds(plan)

        lap("prepare")
        names = [] if self.journal.state.model_address else ["EternalModel"]
        implementations = {}
        for name in plan["implementations"]:
            address = self._implementation_address(name)
            if address:
                implementations[name] = address
            else:
                names.append(name)
        if names:
            implementations.update(self.deploy_from_artifact(names))
        address = self.journal.state.model_address
        if address is None:
            raise DeployError("EternalModel creation is not recorded as mined; rerun to resume")
        if "EternalModel" in names:
            _crash_point("after-model")
        model = model_contract(self.w3, address)
        lap("contracts")

        state = STATES[model.functions.state().call()]
        if state == "Created":
            stored_layers = len(model.functions.layers().call())
            if stored_layers < len(plan["layers"]):
                self.deploy_layer(model, plan, implementations, stored_layers)
            lap("layers")
            self._construct(model, plan)
            lap("construct")
            state = "Constructed"
        if state == "Constructed":
            graph_stored = len(model.functions.graph().call())
            pages_stored = len(model.functions.pageHashes().call())
            self.upload_model_weights(model, plan, graph_stored, pages_stored)
            lap("upload")
            state = STATES[model.functions.state().call()]
        if state == "WeightsUploaded":
            self._finalize(model)
            lap("finalize")
            state = "Finalised"
        if state != "Finalised":
            raise DeployError(f"Model {address} ended in state {state}, not Finalised")
        journal_state = self.journal.state
        result = DeployResult(
            address=address,
            model_hash=model_hash,
            chain_id=self.chain_id,
            transactions=sum(1 for tx in journal_state.steps.values() if tx.mined),
            gas_used=journal_state.gas_used,
            seconds=round(time.perf_counter() - started, 3),
            resumed=resumed,
            weight_bytes=plan["weight_bytes"],
            pages=len(plan["pages"]),
            layers=len(plan["layers"]),
            phase_seconds=phase_seconds,
            phase_gas=gas_by_phase(journal_state.steps.values()),
        )
        self.journal.finish(address)
        self._say(f"model {model_hash} finalised at {address}")
        return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .keras/.h5 model file or an export file (.json)")
    parser.add_argument("--precision", choices=sorted(PRECISIONS), help=f"weight width for a Keras model (default {DEFAULT_PRECISION})")
    parser.add_argument("--rpc-url", default=os.environ.get("ETERNAL_RPC_URL", DEFAULT_RPC_URL), help="node endpoint")
    parser.add_argument("--keystore", help="encrypted JSON keystore (password prompt, or ETERNAL_KEYSTORE_PASSWORD)")
    parser.add_argument("--journal-dir", help=f"journal directory (default {DEFAULT_DIR}, or ETERNAL_JOURNAL_DIR)")
    parser.add_argument("--fresh", action="store_true", help="set an earlier unfinished journal aside and start over")
    parser.add_argument("--again", action="store_true", help="deploy even if this model is already deployed here")
    parser.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--max-pages-per-tx", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--max-layers-per-tx", type=int, help=argparse.SUPPRESS)


def run(args) -> int:
    try:
        deployer = ModelDeployer(
            args.rpc_url, args.keystore, args.journal_dir, quiet=args.quiet or args.json, fresh=args.fresh,
            again=args.again, max_pages_per_tx=args.max_pages_per_tx, max_layers_per_tx=args.max_layers_per_tx,
        )
        result = deployer.deploy_model(args.model, args.precision)
    except KeyboardInterrupt:
        print("error: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(asdict(result)))
    else:
        print(result.address)
    return 0


if __name__ == "__main__":
    from eternal.cli import run_module  # the entry shim only; commands never import the CLI

    sys.exit(run_module("deploy"))
