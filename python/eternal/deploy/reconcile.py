"""Reconciliation: what the journal says against what the chain has, and what is left to send.

The chain is the source of truth. A rerun first checks that the journal belongs
to this chain and this key, then settles every journaled transaction by its hashes:
mined, still pending (waited for), never received (the same signed bytes sent
again), or dropped (another transaction of the account took its nonce). Finally it
reads the model's own counters (state, layers, graph bytes, pages) to decide which
steps are missing, after checking that this export can finish what the chain holds.
"""

from __future__ import annotations

from typing import NamedTuple

from web3 import Web3

from eternal.chain import STATES
from eternal.deploy.journal import Journal
from eternal.deploy.records import DeploymentState
from eternal.deploy.transactions import TransactionSender
from eternal.errors import ChainResetError, DeployError, UnresumableError
from eternal.weightstream import PAGE_SIZE


def resume_journal(journal: Journal, fresh: bool, w3: Web3, genesis: str, deployer: str, say) -> bool:
    """Whether ``journal`` holds an earlier run to settle and go on from (checked against this
    chain and key); with ``fresh`` it is set aside first (``say`` tells where). A journal
    without transactions is no earlier run, whoever wrote it.

    Raises:
        ChainResetError, DeployError: as :func:`check_resumable`.
    """
    if fresh:
        aside = journal.abandon()
        if aside:
            say(f"earlier journal kept as {aside}")
    if not journal.exists():
        return False
    state = journal.load()
    if state.nothing_sent:
        return False
    check_resumable(journal, state, w3, genesis, deployer)
    say(f"resuming from {journal.path}")
    return True


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


def settle_pending(sender: TransactionSender) -> list[tuple[str, dict]]:
    """Settles every journaled transaction not known to be mined, lowest nonce first, by its hashes.

    May send transactions: the journaled bytes of one the node never got, or a higher-fee
    version of one stuck below the base fee. Waits (bounded) for those still pending and
    journals their receipts; journals as dropped those whose nonce another transaction took
    (their steps are done again from the chain's counters). Returns ``(step, receipt)`` of
    each one settled as mined.
    """
    settled = []
    for tx in sender.journal.state.pending():
        sender.say(f"settling {tx.step} (nonce {tx.nonce}, {tx.hash}) sent by an earlier run")
        receipt = sender.wait(tx.step)
        if receipt is not None:
            settled.append((tx.step, receipt))
    return settled


def check_continuable(model, plan: dict, state: str, stored_layer_count: int | None = None) -> None:
    """Raises unless this export can finish the model the chain holds (in ``state``).

    Raises:
        UnresumableError: the model was constructed for another export, or holds more layers than it has.
    """
    where = f"Model {model.address}"
    if state != "Created":
        committed, wanted = bytes(model.functions.modelHash().call()), bytes(plan["hashes"]["model"])
        if committed != wanted:
            raise UnresumableError(f"{where} was constructed for model hash {committed.hex()}, not this export's "
                                   f"{wanted.hex()}: "
                                   f"it cannot be finished with this export. Rerun with --fresh to deploy anew")
    elif stored_layer_count is not None and stored_layer_count > len(plan["layers"]):
        raise UnresumableError(f"{where} holds {stored_layer_count} layers; this export has {len(plan['layers'])}: "
                               f"it cannot be finished with this export. Rerun with --fresh to deploy anew")


class UploadProgress(NamedTuple):
    """How much of the upload the model contract holds."""

    graph_bytes: int
    pages: int


def model_state(model) -> str:
    """The EternalModel's state name (``Created`` … ``Finalised``)."""
    return STATES[model.functions.state().call()]


def stored_layers(model) -> int:
    return len(model.functions.layers().call())


def check_stored_layers(w3: Web3, model, plan: dict) -> None:
    """Raises unless the layers the model holds already are the ones ``plan`` gives (the same
    clones and configs, and no contract where the plan has none): a deployment begun by a
    version that planned layers otherwise (e.g. before epilogue fusion) is not finished with
    this plan, which would make another model.

    Raises:
        UnresumableError: a stored layer differs from the plan's.
    """
    from eternal.onchain import holds_planned_layer

    for n, (layer, address) in enumerate(zip(plan["layers"], model.functions.layers().call())):
        code = bytes(w3.eth.get_code(address)) if int(address, 16) else b""
        if not holds_planned_layer(layer, address, code):
            raise UnresumableError(f"Model {model.address}: layer {n} '{layer['name']}' on chain is not the one this "
                                   f"version plans (a deployment begun by another version of eternal?): it cannot be "
                                   f"finished. Rerun with --fresh to deploy anew")


def stored_upload(model) -> UploadProgress:
    return UploadProgress(len(model.functions.graph().call()), len(model.functions.pageHashes().call()))


def missing_graph_chunks(plan: dict, graph_stored: int) -> range:
    """Indices of the graph chunks still to append, given the graph bytes stored."""
    chunks = plan["graph_chunks"]
    first = graph_stored // PAGE_SIZE if graph_stored < plan["graph_bytes"] else len(chunks)
    return range(first, len(chunks))
