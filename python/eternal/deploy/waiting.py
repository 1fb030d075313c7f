"""Waiting for a step's receipt: bounded, said out loud, and acting on what the node holds.

While no version of a step's transaction is mined, the engine asks the node every
:data:`CHECK_SECONDS` what it holds, and acts on it:

- pending, but below the next block's base fee: replaced at a higher fee (same nonce);
- pending, but queued behind a missing nonce of ours: that transaction is sent again;
- unknown, its nonce still free: the same raw bytes are sent again (the send never
  reached the node, or the node forgot it);
- unknown, its nonce used by a transaction that is none of its versions: *dropped*
  (another transaction of the account took the nonce); the step is done again.

Every :data:`SAY_EVERY_SECONDS` it says what it waits for; after :data:`RECEIPT_TIMEOUT`
it stops with one line naming the transaction, what the node holds, and what to do.
"""

from __future__ import annotations

import time

from web3 import Web3
from web3.exceptions import TransactionNotFound

from eternal.deploy.fees import signed_fee
from eternal.deploy.records import Transaction
from eternal.deploy.node_errors import Answer
from eternal.errors import TransactionStuckError

RECEIPT_TIMEOUT = 300.0  # seconds one step may wait for its receipt in one run (a rerun waits again)
CHECK_SECONDS = 3.0  # how often the node is asked what it holds, while waiting
SAY_EVERY_SECONDS = 15.0  # how often a long wait says what it waits for
POLL_FIRST_SECONDS = 0.05  # receipt polling starts fast (a local node mines in milliseconds) ...
POLL_MAX_SECONDS = 1.0  # ... and slows down to this
REPLACEMENTS = 5  # higher-fee versions of one step at most (fees 1.8x and today's market)


def gwei(wei: int | None) -> str:
    return "?" if wei is None else f"{Web3.from_wei(wei, 'gwei'):.3f}".rstrip("0").rstrip(".")


def mined_receipt(w3: Web3, tx: Transaction) -> dict | None:
    """The receipt of whichever version of ``tx`` is mined, if one is."""
    for tx_hash in tx.hashes:
        try:
            receipt = w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            continue
        if receipt is not None:
            return receipt
    return None


def wait_for_receipt(sender, step_name: str, timeout: float | None = None) -> dict | None:
    """The receipt of the step's transaction once a version is mined; None once it is dropped or refused.

    ``sender`` is the :class:`~eternal.deploy.transactions.TransactionSender`. May send
    transactions: the same bytes again, or a replacement at a higher fee.

    Raises:
        TransactionStuckError: nothing mined within ``timeout`` seconds (default :data:`RECEIPT_TIMEOUT`).
    """
    timeout = RECEIPT_TIMEOUT if timeout is None else timeout
    started = time.monotonic()
    poll, check_at, say_at = POLL_FIRST_SECONDS, started, started + SAY_EVERY_SECONDS
    state = "sent"
    while True:
        tx = sender.journal.state.steps.get(step_name)
        if tx is None or tx.mined:
            return None
        receipt = mined_receipt(sender.w3, tx)
        if receipt is not None:
            return receipt
        now = time.monotonic()
        if now >= check_at:
            state = check(sender, tx)
            check_at = time.monotonic() + CHECK_SECONDS
            continue
        waited = now - started
        if waited >= timeout:
            raise TransactionStuckError(
                f"Step {step_name}: transaction {tx.hash} (nonce {tx.nonce}) not mined after {waited:.0f} s at "
                f"{sender.node}: {state}. Rerun the same command to keep waiting"
            )
        if now >= say_at:
            sender.say(f"waiting for {step_name} ({tx.hash[:12]}…, nonce {tx.nonce}): {state}, {waited:.0f} s so far")
            say_at = now + SAY_EVERY_SECONDS
        time.sleep(poll)
        poll = min(poll * 2, POLL_MAX_SECONDS)


def check(sender, tx: Transaction) -> str:
    """Asks the node what it holds of ``tx`` and acts on it (see the module); returns the state, in words."""
    w3 = sender.w3
    found = sender.lookup(tx)
    if found is not None:
        if found.get("blockNumber") is not None:
            return "mined"
        fee, base = signed_fee(found), sender.fees.next_base_fee()
        if base is not None and fee < base and len(tx.earlier) < REPLACEMENTS:
            sender.replace(tx, f"its max fee {gwei(fee)} gwei is below the next block's base fee {gwei(base)} gwei")
            return "replaced at a higher fee"
        first_free = w3.eth.get_transaction_count(sender.address, "pending")
        if first_free < tx.nonce:
            if sender.fill_gap(tx.nonce):
                return f"queued behind nonce {first_free}, which was missing at the node and is sent again"
            return f"queued behind nonce {first_free}, which no transaction of this deployment holds"
        return f"pending at the node (max fee {gwei(fee)} gwei, next block's base fee {gwei(base)} gwei)"
    if w3.eth.get_transaction_count(sender.address, "latest") > tx.nonce:
        if mined_receipt(w3, tx) is not None:
            return "mined"
        sender.journal.dropped(tx.step, tx.hash)
        sender.say(f"{tx.step} (nonce {tx.nonce}): another transaction from {sender.address} took its nonce; "
                   f"the step is done again")
        return "dropped"
    if tx.raw is None:  # a journal from before raw bytes were kept: nothing to send again
        sender.journal.refused(tx.step, tx.hash, "unknown to the node, and its signed bytes were not journaled")
        return "refused"
    refusal = sender.deliver(tx)
    if refusal is None:
        sender.say(f"{tx.step} (nonce {tx.nonce}) was not at the node: sent it again (the same signed bytes)")
        return "sent again: it was not at the node"
    kind, message = refusal
    if kind is Answer.FEE_TOO_LOW and len(tx.earlier) < REPLACEMENTS:
        sender.replace(tx, message)
        return "replaced at a higher fee"
    if kind in (Answer.SLOT_TAKEN, Answer.NONCE_USED, Answer.NONCE_GAP, Answer.FEE_TOO_LOW):
        return f"not at the node, which answers: {message}"
    raise sender.refuse(tx, kind, message)
