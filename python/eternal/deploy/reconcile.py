"""Reconciliation: what the journal says against what the chain has, and what is left to send.

The chain is the source of truth. A rerun first checks that the journal belongs
to this chain and this key, then settles every journaled transaction by its hash
(mined, still pending, or never received), and finally reads the model's own
counters (state, layers, graph bytes, pages) to decide which steps are missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from web3 import Web3
from web3.exceptions import TransactionNotFound

from eternal.chain import STATES
from eternal.deploy.journal import DeploymentState, Journal
from eternal.deploy.transactions import SETTLE_POLL_SECONDS, TransactionSender
from eternal.errors import ChainResetError, DeployError
from eternal.weightstream import PAGE_SIZE


def check_resumable(journal: Journal, state: DeploymentState, w3: Web3, genesis: str, deployer: str) -> None:
    """Raises unless the journaled deployment can go on with this chain and this key.

    Raises:
        ChainResetError: the journal was written before the node was restarted.
        DeployError: the journal belongs to another deployer account.
    """
    chain_id = journal.chain_id
    if state.genesis != genesis:
        raise ChainResetError(
            f"Journal {journal.path} was written on another chain {chain_id} (genesis {state.genesis}, "
            f"now {genesis}): the node was restarted and its contracts are gone. Rerun with --fresh to deploy anew"
        )
    if state.deployer != deployer:
        raise DeployError(
            f"Journal {journal.path} belongs to deployer {state.deployer}, not {deployer}: "
            f"use the same key, or --fresh to start over"
        )
    address = state.model_address
    if address and not w3.eth.get_code(Web3.to_checksum_address(address)):
        raise ChainResetError(
            f"Journal {journal.path} points to model {address}, which chain id {chain_id} does not have "
            f"(node restarted?). Rerun with --fresh to deploy anew"
        )


def settle_pending(sender: TransactionSender, say: Callable[[str], None]) -> list[tuple[str, dict]]:
    """Settles every journaled transaction not known to be mined: by its hash, on the chain.

    Waits for transactions an earlier run left pending, journals their receipts, and
    journals as dropped those the node never received. Returns ``(step, receipt)``
    of each one settled as mined.

    Raises:
        DeployError: a transaction the node never received has its nonce taken by another one.
    """
    w3, journal = sender.w3, sender.journal
    settled = []
    for tx in journal.state.pending():
        try:
            receipt = w3.eth.get_transaction_receipt(tx.hash)
        except TransactionNotFound:
            receipt = None
        if receipt is None:
            try:
                w3.eth.get_transaction(tx.hash)
            except TransactionNotFound:
                # Journaled but never received (crash between journal and send): its nonce
                # is still free unless someone else used the account.
                if tx.nonce < w3.eth.get_transaction_count(sender.address, "latest"):
                    raise DeployError(
                        f"Transaction {tx.hash} (step {tx.step}, nonce {tx.nonce}) is unknown to the node and its "
                        f"nonce was used by another transaction; do not use {sender.address} elsewhere while "
                        f"deploying. Rerun with --fresh to start over"
                    ) from None
                journal.dropped(tx.step, tx.hash)
                continue
            say(f"waiting for {tx.step} ({tx.hash}) sent by an earlier run")
            receipt = sender.wait(tx.hash, tx.step, SETTLE_POLL_SECONDS)
        sender.record_receipt(tx.step, tx.hash, receipt)
        settled.append((tx.step, receipt))
    return settled


class UploadProgress(NamedTuple):
    """How much of the upload the model contract holds."""

    graph_bytes: int
    pages: int


def model_state(model) -> str:
    """The EternalModel's state name (``Created`` … ``Finalised``)."""
    return STATES[model.functions.state().call()]


def stored_layers(model) -> int:
    return len(model.functions.layers().call())


def stored_upload(model) -> UploadProgress:
    return UploadProgress(len(model.functions.graph().call()), len(model.functions.pageHashes().call()))


def missing_graph_chunks(plan: dict, graph_stored: int) -> range:
    """Indices of the graph chunks still to append, given the graph bytes stored."""
    chunks = plan["graph_chunks"]
    first = graph_stored // PAGE_SIZE if graph_stored < plan["graph_bytes"] else len(chunks)
    return range(first, len(chunks))
