"""The transaction engine: nonces, EIP-1559 fees, estimates, pipelined sending, and honest states.

Every version of a transaction is journaled, raw signed bytes included, before the
node sees it, and its receipt once mined (as Hardhat Ignition does). From then on the
engine only ever sends those same bytes again: an error answer, or none, is settled
by looking the hash up (a lost answer resent by the transport is "already known" or
"nonce too low" for a transaction the node has). A step is signed anew only when the
node refused it outright, or when another transaction of the account took its nonce
(the transaction is then *dropped*). A transaction stuck below the base fee is
*replaced*: the same nonce, fees at least 12.5% higher, journaled as a version of the
same step. Waiting is bounded and says what it waits for (:mod:`~eternal.deploy.waiting`).
"""

from __future__ import annotations

from collections.abc import Callable

from web3 import Web3
from web3.exceptions import TransactionNotFound

from eternal.chain import revert_reason
from eternal.deploy.fees import Fees, signed_fee, unsigned_fields
from eternal.deploy.gas import gas_limit_from_estimate
from eternal.deploy.journal import Journal
from eternal.deploy.node_errors import TRANSPORT_ERRORS, Answer, classify
from eternal.deploy.records import Transaction
from eternal.deploy.steps import Step
from eternal.deploy.waiting import wait_for_receipt
from eternal.errors import DeployError, InsufficientFunds, NodeUnavailableError, NonceConflictError, TransactionFailed

SEND_WINDOW = 64  # transactions in flight before the oldest receipt is awaited
SIGNINGS_PER_STEP = 8  # a step's nonce taken by other transactions this often in a row: give up
DELIVERY_TRIES = 2  # sends of the same bytes while the node neither answers nor knows them

OnMined = Callable[[Step, dict], None]


class TransactionSender:
    """Signs, journals, sends and settles the transactions of one account on one chain.

    Args:
        w3: the connection.
        account: the signing account (eth-account ``LocalAccount``).
        gas_limit: the most gas one transaction may use on this chain.
        window: transactions in flight at most.
        on_mined: called with ``(step, receipt)`` after each successful receipt is journaled.
        say: progress lines (waits, replacements, nonce clashes); silent by default.
    """

    def __init__(self, w3: Web3, account, gas_limit: int, window: int = SEND_WINDOW, on_mined: OnMined | None = None,
                 say: Callable[[str], None] | None = None):
        self.w3 = w3
        self.account = account
        self.address = account.address
        self.chain_id = w3.eth.chain_id
        self.gas_limit = gas_limit
        self.window = window
        self.on_mined = on_mined
        self.say = say or (lambda message: None)
        self.node = getattr(w3.provider, "endpoint_uri", None) or "(the node)"
        self.journal: Journal | None = None  # set once the deployment's journal is open
        self.doing = "the checks before any step"  # what the engine does now, for one-line errors ("step pages:3-5")
        self.fees = Fees(w3)
        self._nonce: int | None = None

    # ------------------------------------------------------------------ fees and gas

    def fee_fields(self) -> dict:
        """The fee fields this run signs with (see :class:`~eternal.deploy.fees.Fees`)."""
        return self.fees.fields()

    def max_fee(self) -> int:
        """The most one unit of gas may cost."""
        return self.fees.max_fee()

    def check_funds(self, need_gas: int) -> None:
        """Raises unless the account can pay ``need_gas`` at this run's fees.

        Raises:
            InsufficientFunds: with the balance, the need and the fee it assumes.
        """
        max_fee = self.max_fee()
        need, balance = need_gas * max_fee, self.w3.eth.get_balance(self.address)
        if balance < need:
            raise InsufficientFunds(
                f"Account {self.address} has {Web3.from_wei(balance, 'ether')} ETH; deploying needs about "
                f"{Web3.from_wei(need, 'ether')} ETH ({need_gas:,} gas at {Web3.from_wei(max_fee, 'gwei')} gwei, "
                f"see `eternal plan`)"
            )

    def estimate(self, to: str | None, data: str, what: str, modelled: int | None = None) -> int:
        """``eth_estimateGas``, or ``modelled`` when the node refuses to estimate near the cap.

        Hardhat estimates with headroom (about 3x the gas used) and refuses anything
        over the per-transaction cap, so big but valid transactions cannot be estimated.
        """
        self.doing = f"the gas estimate for {what}"
        # An explicit gas cap: some nodes otherwise estimate with more than EIP-7825 allows.
        tx = {"from": self.address, "data": data, "gas": self.gas_limit}
        if to:
            tx["to"] = to
        try:
            return self.w3.eth.estimate_gas(tx)
        except TRANSPORT_ERRORS:
            raise
        except Exception as exc:
            reason = revert_reason(exc)
            if modelled is not None and "cap" in reason:
                return modelled
            raise TransactionFailed(f"{what} would fail: {reason}") from None

    def gas_for(self, to: str | None, data: str, what: str, modelled: int | None = None, estimate: bool = True) -> int:
        """The gas limit for a transaction, from its estimate (see :meth:`estimate`), or from ``modelled``
        without one (``estimate=False``: an index-checked append that can only run after others mine)."""
        estimate = self.estimate(to, data, what, modelled) if estimate or modelled is None else modelled
        if estimate > self.gas_limit:
            raise DeployError(f"{what} needs {estimate:,} gas, over the per-transaction limit {self.gas_limit:,}")
        return gas_limit_from_estimate(estimate, self.gas_limit)

    # ------------------------------------------------------------------ sending

    def send(self, steps: list[Step], on_mined: OnMined | None = None) -> list[dict]:
        """Sends ``steps`` in order at consecutive nonces, pipelined; returns their receipts.

        Sends transactions (at most ``window`` in flight). ``on_mined`` is called for each
        mined one after its receipt is journaled. A reverted transaction stops the run with
        its reason.

        Raises:
            NonceConflictError: a sent step's nonce was taken by another transaction of the
                account; the steps after it are not sent (they would run out of order): read
                the chain again and send what is missing.
        """
        in_flight: list[Step] = []
        receipts: list[dict] = []
        dropped: list[str] = []
        for step in steps:
            if dropped:
                break
            self.submit(step)
            in_flight.append(step)
            if len(in_flight) >= self.window:
                self._collect(in_flight.pop(0), on_mined, receipts, dropped)
        while in_flight:
            self._collect(in_flight.pop(0), on_mined, receipts, dropped)
        if dropped:
            raise NonceConflictError(
                f"Another transaction from {self.address} took the nonce of {', '.join(dropped)} after it was sent; "
                f"do not use this key elsewhere while deploying, and rerun to resume"
            )
        return receipts

    def submit(self, step: Step) -> Transaction:
        """Signs ``step`` at the account's next nonce, journals it and hands it to the node. Sends a transaction.

        A nonce another transaction of the account took meanwhile (the node says the nonce is
        used and does not know this hash) is journaled as dropped and the step signed again at
        the next free nonce; one the node refuses for its fee or a nonce gap is signed again, at today's fees.
        """
        for _ in range(SIGNINGS_PER_STEP):
            nonce = self.next_nonce()
            fields = {"data": step.data, "gas": step.gas, "nonce": nonce, "chainId": self.chain_id, "value": 0,
                      **self.fee_fields()}
            if step.to:
                fields["to"] = step.to
            tx = self.sign_and_journal(step.name, fields)
            refusal = self.deliver(tx)
            if refusal is None:
                self._nonce = nonce + 1
                return tx
            kind, message = refusal
            if kind in (Answer.NONCE_USED, Answer.SLOT_TAKEN):  # another transaction has the nonce
                self.journal.dropped(step.name, tx.hash)
                self._nonce = None  # the node's count is the truth now
                self.say(f"{step.name}: nonce {nonce} was taken by another transaction from {self.address} "
                         f"({message}); signing it again at the next free nonce")
            elif kind in (Answer.FEE_TOO_LOW, Answer.NONCE_GAP):  # not taken: sign it again, at today's fees
                self.journal.refused(step.name, tx.hash, message)
                self.fees.refresh()
                if kind is Answer.NONCE_GAP:
                    self._nonce = None
                self.say(f"{step.name}: the node refused nonce {nonce} ({message}); signing it again")
            else:
                raise self.refuse(tx, kind, message)
        raise NonceConflictError(
            f"Step {step.name}: other transactions from {self.address} took its nonce {SIGNINGS_PER_STEP} times in "
            f"a row; stop using this key elsewhere while deploying, then rerun to resume"
        )

    def next_nonce(self) -> int:
        if self._nonce is None:
            self._nonce = self.w3.eth.get_transaction_count(self.address, "pending")
        return self._nonce

    def sign_and_journal(self, step_name: str, fields: dict, replaces: str | None = None) -> Transaction:
        """Signs ``fields`` and journals the version (raw bytes too) before anything is sent."""
        signed = self.account.sign_transaction(fields)
        raw = signed.raw_transaction.to_0x_hex()
        self.journal.sent(step_name, fields["nonce"], signed.hash.to_0x_hex(), raw, replaces)
        return self.journal.state.steps[step_name]

    def broadcast(self, step_name: str, raw: str) -> tuple[Answer, str] | None:
        """Hands signed bytes to the node: None when it takes them, else its answer's kind and message."""
        self.doing = f"step {step_name}"
        try:
            self.w3.eth.send_raw_transaction(raw)
        except Exception as exc:
            return classify(exc)
        return None

    def deliver(self, tx: Transaction) -> tuple[Answer, str] | None:
        """Sends a journaled version until the node holds it: None then, else why it will not take it.

        Any error answer is settled by looking the hashes up first. An earlier nonce of ours
        the node lacks (an automining node refuses gaps) is sent again first.

        Raises:
            NodeUnavailableError: the node neither answers nor knows the transaction.
        """
        for _ in range(DELIVERY_TRIES):
            refusal = self.broadcast(tx.step, tx.raw)
            if refusal is None or refusal[0] is Answer.KNOWN or self.lookup(tx) is not None:
                return None
            if refusal[0] is Answer.NONCE_GAP and self.fill_gap(tx.nonce):
                continue
            if refusal[0] is not Answer.UNREACHABLE:
                return refusal
        if refusal[0] is not Answer.UNREACHABLE:
            return refusal
        raise NodeUnavailableError(f"Node {self.node} did not take step {tx.step} (nonce {tx.nonce}, {tx.hash}) in "
                                   f"{DELIVERY_TRIES} tries: {refusal[1]}; rerun to resume")

    def lookup(self, tx: Transaction) -> dict | None:
        """The node's record of the newest version of ``tx`` it has (pending or mined), if any."""
        for tx_hash in tx.hashes:
            try:
                return self.w3.eth.get_transaction(tx_hash)
            except TransactionNotFound:
                continue
        return None

    def fill_gap(self, nonce: int) -> bool:
        """Sends again our journaled transactions the node lacks below ``nonce``; False if a gap is not ours."""
        first = self.w3.eth.get_transaction_count(self.address, "pending")
        ours = {tx.nonce: tx for tx in self.journal.state.pending()}
        if any(ours.get(n) is None or ours[n].raw is None for n in range(first, nonce)):
            return False
        for n in range(first, nonce):
            self.say(f"{ours[n].step} (nonce {n}) is missing at the node, before nonce {nonce}: sending it again")
            self.broadcast(ours[n].step, ours[n].raw)
        return True

    def replace(self, tx: Transaction, why: str) -> Transaction | None:
        """Signs ``tx`` again at its nonce with higher fees, journals it as a replacement and sends it.

        Sends a transaction. Returns the new version, or None if the node refused it (the
        version it replaced is the step's again).
        """
        fields = {"chainId": self.chain_id, **unsigned_fields(tx.raw)}
        fields.update(self.fees.bumped(fields))
        new = self.sign_and_journal(tx.step, fields, replaces=tx.hash)
        self.say(f"{tx.step} (nonce {tx.nonce}): {why}; replacing it with a max fee of "
                 f"{Web3.from_wei(signed_fee(fields), 'gwei')} gwei")
        refusal = self.deliver(new)
        if refusal is None or refusal[0] is Answer.NONCE_USED:
            return new  # or a version was mined meanwhile: the wait finds which
        if refusal[0] not in (Answer.SLOT_TAKEN, Answer.FEE_TOO_LOW, Answer.NONCE_GAP):
            raise self.refuse(new, *refusal)
        self.journal.refused(tx.step, new.hash, refusal[1])  # not high enough yet: the next check bumps again
        return None

    def refuse(self, tx: Transaction, kind: Answer, message: str) -> Exception:
        """The one-line error for a transaction the node will not take; journals it as refused if it
        is the newest of the account (a refused one below others would leave a gap)."""
        if tx.nonce == max(pending.nonce for pending in self.journal.state.pending()):
            self.journal.refused(tx.step, tx.hash, message)
        if kind is Answer.FUNDS:
            return InsufficientFunds(f"Step {tx.step}: account {self.address} cannot pay for it: {message}. "
                                     f"Fund the account and rerun to resume")
        if kind is Answer.GAS:
            return TransactionFailed(f"Step {tx.step}: the node refused its gas limit: {message}")
        return TransactionFailed(f"Step {tx.step}: the node refused transaction {tx.hash}: {message}; rerun to resume")

    # ------------------------------------------------------------------ receipts

    def _collect(self, step: Step, on_mined: OnMined | None, receipts: list, dropped: list) -> None:
        """Waits for one step's receipt; notes it dropped, or raises if it reverted."""
        receipt = self.wait(step.name)
        if receipt is None:
            dropped.append(step.name)
            return
        if receipt["status"] != 1:
            if dropped:  # ran out of order behind a dropped step (an index-checked append): nothing changed
                dropped.append(f"{step.name} (reverted behind it)")
                return
            reason = self.replay_reason(receipt) or "no reason given (replaying it now succeeds)"
            raise TransactionFailed(f"Step {step.name}: transaction {receipt['transactionHash'].to_0x_hex()} "
                                    f"reverted: {reason}")
        for hook in (on_mined, self.on_mined):
            if hook:
                hook(step, receipt)
        receipts.append(receipt)

    def wait(self, step_name: str) -> dict | None:
        """The journaled receipt of the step's mined version; None if the step is no longer journaled as sent
        (dropped or refused: it is to be done again). See :func:`~eternal.deploy.waiting.wait_for_receipt`."""
        self.doing = f"step {step_name}"
        receipt = wait_for_receipt(self, step_name)
        if receipt is not None:
            self.record_receipt(step_name, receipt["transactionHash"].to_0x_hex(), receipt)
        return receipt

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
        except TRANSPORT_ERRORS:
            raise
        except Exception as exc:
            return revert_reason(exc)
        if receipt["gasUsed"] >= tx["gas"]:
            return f"out of gas (used all {tx['gas']:,})"
        return None
