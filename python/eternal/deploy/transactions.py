"""The transaction engine: nonces, EIP-1559 fees, estimates, pipelined sending and receipts.

Every transaction is journaled twice: its hash and nonce right after signing,
before it is sent, and its receipt once mined (as Hardhat Ignition does).
A reverted transaction is replayed at its block to recover its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from web3 import Web3
from web3.exceptions import TimeExhausted, TransactionNotFound

from eternal.chain import revert_reason
from eternal.deploy.gas import gas_limit_from_estimate
from eternal.deploy.journal import Journal
from eternal.deploy.steps import Step
from eternal.errors import DeployError, TransactionFailed

PRIORITY_FEE_CAP = Web3.to_wei(2, "gwei")  # tip ceiling: nodes may suggest far more in a busy moment
PRIORITY_FEE_FALLBACK = Web3.to_wei(1, "gwei")  # tip for nodes without eth_maxPriorityFeePerGas
BASE_FEE_MULTIPLIER = 2  # maxFeePerGas = 2 x base fee + tip: still valid after six full blocks (+12.5% each)
SEND_WINDOW = 64  # transactions in flight before the oldest receipt is awaited
RECEIPT_TIMEOUT = 300  # seconds to wait for one receipt before giving up (a rerun keeps waiting)
RECEIPT_POLL_SECONDS = 0.05  # receipt polling while sending: a local node mines in milliseconds
SETTLE_POLL_SECONDS = 0.1  # receipt polling for a transaction an earlier run left pending

OnMined = Callable[[Step, dict], None]


class Sent(NamedTuple):
    """A transaction handed to the node, waiting for its receipt."""

    step: Step
    hash: str
    send_error: str | None  # what the node answered when it did not simply accept it


class TransactionSender:
    """Signs, journals, sends and collects the transactions of one account on one chain.

    Args:
        w3: the connection.
        account: the signing account (eth-account ``LocalAccount``).
        gas_limit: the most gas one transaction may use on this chain.
        window: transactions in flight at most.
        on_mined: called with ``(step, receipt)`` after each successful receipt is journaled.
    """

    def __init__(self, w3: Web3, account, gas_limit: int, window: int = SEND_WINDOW, on_mined: OnMined | None = None):
        self.w3 = w3
        self.account = account
        self.address = account.address
        self.chain_id = w3.eth.chain_id
        self.gas_limit = gas_limit
        self.window = window
        self.on_mined = on_mined
        self.journal: Journal | None = None  # set once the deployment's journal is open
        self._nonce: int | None = None
        self._fees: dict | None = None

    # ------------------------------------------------------------------ fees and gas

    def fee_fields(self) -> dict:
        """EIP-1559 fee fields (legacy ``gasPrice`` on chains without a base fee), fixed for the run."""
        if self._fees is None:
            base = self.w3.eth.get_block("latest").get("baseFeePerGas")
            if base is None:
                self._fees = {"gasPrice": self.w3.eth.gas_price}
            else:
                try:
                    priority = min(self.w3.eth.max_priority_fee, PRIORITY_FEE_CAP)
                except Exception:
                    priority = PRIORITY_FEE_FALLBACK
                self._fees = {"maxFeePerGas": BASE_FEE_MULTIPLIER * base + priority, "maxPriorityFeePerGas": priority}
        return self._fees

    def max_fee(self) -> int:
        """The most one unit of gas may cost."""
        fees = self.fee_fields()
        return fees.get("maxFeePerGas", fees.get("gasPrice"))

    def estimate(self, to: str | None, data: str, what: str, modelled: int | None = None) -> int:
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

    def gas_for(self, to: str | None, data: str, what: str, modelled: int | None = None) -> int:
        """The gas limit for a transaction, from its estimate (see :meth:`estimate`)."""
        estimate = self.estimate(to, data, what, modelled)
        if estimate > self.gas_limit:
            raise DeployError(f"{what} needs {estimate:,} gas, over the per-transaction limit {self.gas_limit:,}")
        return gas_limit_from_estimate(estimate, self.gas_limit)

    # ------------------------------------------------------------------ sending

    def send(self, steps: list[Step], on_mined: OnMined | None = None) -> list[dict]:
        """Signs ``steps`` with consecutive nonces and sends them pipelined; returns their receipts.

        Sends transactions. Each one's hash and nonce are journaled before it is
        sent; receipts are collected after (at most ``window`` in flight) and
        journaled, and ``on_mined`` is called for each. A reverted transaction
        stops the run with its reason.
        """
        if self._nonce is None:
            self._nonce = self.w3.eth.get_transaction_count(self.address, "pending")
        fees = self.fee_fields()
        in_flight: list[Sent] = []
        receipts = []
        for step in steps:
            tx = {"data": step.data, "gas": step.gas, "nonce": self._nonce, "chainId": self.chain_id, "value": 0, **fees}
            if step.to:
                tx["to"] = step.to
            signed = self.account.sign_transaction(tx)
            tx_hash = signed.hash.to_0x_hex()
            self.journal.sent(step.name, self._nonce, tx_hash)
            send_error = self.broadcast(step, signed)
            self._nonce += 1
            in_flight.append(Sent(step, tx_hash, send_error))
            if len(in_flight) >= self.window:
                receipts.append(self._collect(in_flight.pop(0), on_mined))
        while in_flight:
            receipts.append(self._collect(in_flight.pop(0), on_mined))
        return receipts

    def broadcast(self, step: Step, signed) -> str | None:
        """Hands a signed (and journaled) transaction to the node; returns its error answer, if any."""
        try:
            self.w3.eth.send_raw_transaction(signed.raw_transaction)
        except Exception as exc:
            # Hardhat mines a reverting transaction and still answers with an error:
            # the receipt tells a revert from a transaction the node refused.
            return revert_reason(exc)
        return None

    def _collect(self, sent: Sent, on_mined: OnMined | None) -> dict:
        """Waits for one receipt, journals it, and raises if the transaction failed."""
        step, tx_hash = sent.step, sent.hash
        if sent.send_error is not None:
            try:
                receipt = self.w3.eth.get_transaction_receipt(tx_hash)
            except TransactionNotFound:
                self.journal.dropped(step.name, tx_hash)
                self._nonce = None  # the node did not take it: its nonce is free again
                raise TransactionFailed(f"Step {step.name}: the node refused the transaction: {sent.send_error}") from None
        else:
            receipt = self.wait(tx_hash, step.name, RECEIPT_POLL_SECONDS)
        self.record_receipt(step.name, tx_hash, receipt)
        if receipt["status"] != 1:
            reason = self.replay_reason(receipt) or sent.send_error or "no reason given (replaying it now succeeds)"
            raise TransactionFailed(f"Step {step.name}: transaction {tx_hash} reverted: {reason}")
        if on_mined:
            on_mined(step, receipt)
        if self.on_mined:
            self.on_mined(step, receipt)
        return receipt

    def wait(self, tx_hash: str, step_name: str, poll_seconds: float) -> dict:
        """The receipt of a transaction the node has, once mined."""
        try:
            return self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT, poll_latency=poll_seconds)
        except TimeExhausted:
            raise TransactionFailed(
                f"Step {step_name}: transaction {tx_hash} not mined within {RECEIPT_TIMEOUT} s; rerun to keep waiting"
            ) from None

    def record_receipt(self, step_name: str, tx_hash: str, receipt) -> None:
        """Journals a receipt (mined, succeeded or reverted)."""
        self.journal.mined(step_name, tx_hash, int(receipt["status"]), int(receipt["gasUsed"]),
                           int(receipt["blockNumber"]), receipt.get("contractAddress"))

    def replay_reason(self, receipt) -> str | None:
        """Why a mined transaction reverted: replayed by ``eth_call`` on the block before it."""
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
