"""Preflight: every transaction of a deployment sized against the chain's limits before the first is sent.

A deployment that cannot complete on this chain is refused here, with nothing spent:
:class:`~eternal.errors.ChainLimitError`, one line naming the transaction that does not
fit, what it needs and what would take it. Transactions are sized by the gas model
(:func:`~eternal.deploy.gas.planned_transactions`), batched as the deployer batches them.

The per-transaction limit is the block gas limit of the latest block and, on a chain
that follows Osaka's rules, at most 16,777,216 (EIP-7825). The node tells the rules
when it answers EIP-7910's ``eth_config`` (Osaka adds the P256VERIFY precompile) or
refuses a call over the cap (Hardhat); a node that tells nothing is taken to follow
Osaka: a transaction under the cap is valid on every chain.
"""

from __future__ import annotations

from typing import NamedTuple

from web3 import Web3

from eternal.chain import TX_GAS_CAP
from eternal.deploy.gas import PlannedTransaction, planned_transactions
from eternal.deploy.steps import PHASE_NAMES, phase_of
from eternal.errors import ChainLimitError

P256VERIFY = "0x0000000000000000000000000000000000000100"  # EIP-7951's precompile, new in Osaka
IDENTITY = "0x0000000000000000000000000000000000000004"  # a precompile to probe calls with


class ChainLimits(NamedTuple):
    """What one transaction may use on a chain, and how it was found."""

    block_gas_limit: int  # of the latest block
    capped: bool  # EIP-7825's 16,777,216 per transaction applies
    rules: str  # how the node told its rules, for messages

    @property
    def per_transaction(self) -> int:
        return min(self.block_gas_limit, TX_GAS_CAP) if self.capped else self.block_gas_limit

    def describe(self) -> str:
        """``"3,000,000 gas per transaction (block gas limit 3,000,000; Osaka rules: eth_config)"``."""
        cap = f"Osaka rules, {TX_GAS_CAP:,} cap" if self.capped else "no per-transaction cap"
        return f"{self.per_transaction:,} gas per transaction (block gas limit {self.block_gas_limit:,}; {cap}: {self.rules})"


def chain_limits(w3: Web3) -> ChainLimits:
    """The per-transaction gas limit of the chain behind ``w3`` (see the module's docstring)."""
    block_gas_limit = w3.eth.get_block("latest")["gasLimit"]
    osaka, rules = osaka_rules(w3)
    return ChainLimits(block_gas_limit, osaka is not False, rules)


def osaka_rules(w3: Web3) -> tuple[bool | None, str]:
    """Whether the node's chain follows Osaka's rules (None: it does not say), and how that was found."""
    answer = w3.provider.make_request("eth_config", [])
    current = (answer.get("result") or {}).get("current") if isinstance(answer, dict) else None
    if isinstance(current, dict) and isinstance(current.get("precompiles"), dict):
        osaka = P256VERIFY in {str(address).lower() for address in current["precompiles"].values()}
        return osaka, "eth_config"
    probe = {"to": IDENTITY, "data": "0x01", "gas": hex(TX_GAS_CAP + 1)}
    answer = w3.provider.make_request("eth_call", [probe, "latest"])
    refused = (answer.get("error") or {}).get("message", "") if isinstance(answer, dict) else ""
    if "cap" in refused:
        return True, "a call over the cap refused"
    client = str(w3.provider.make_request("web3_clientVersion", []).get("result", ""))
    if client.startswith("HardhatNetwork") and "result" in answer:
        return False, "Hardhat took a call over the cap"  # Hardhat refuses it under Osaka's rules
    return None, "not told by the node; assumed"


def transactions_over(transactions: list[PlannedTransaction], limit: int) -> list[PlannedTransaction]:
    """The planned transactions whose gas does not fit under ``limit``, in order."""
    return [tx for tx in transactions if tx.needs > limit]


def refusal(over: list[PlannedTransaction], limits: ChainLimits) -> str:
    """The one line that refuses a deployment: the biggest transaction over the limit, and the fix."""
    worst = max(over, key=lambda tx: tx.needs)
    what = f"{PHASE_NAMES[phase_of(worst.step)]} ({worst.step})"
    others = len(over) - 1
    more = f", and {others} more transaction{'s are' if others > 1 else ' is'} over it too" if others else ""
    if limits.capped and worst.needs > TX_GAS_CAP:
        fix = (f"no Osaka chain takes it (cap {TX_GAS_CAP:,}); a chain without the cap and a block gas limit of "
               f"at least {worst.needs:,} would")
        if phase_of(worst.step) == "construct":
            fix = f"{fix}, or a model with fewer layers (construct links them all in one transaction)"
    else:
        fix = f"use a chain whose blocks hold at least {worst.needs:,} gas"
    return (f"Deployment refused before sending anything: {what} needs {worst.needs:,} gas in one transaction, "
            f"over this chain's limit of {limits.describe()}{more}; {fix}")


def check_deployable(plan: dict, limits: ChainLimits, implementations: list[str],
                     max_pages_per_tx: int | None = None, max_layers_per_tx: int | None = None) -> list[PlannedTransaction]:
    """Every transaction of ``plan``'s deployment, checked to fit this chain; returns them.

    ``implementations``: the layer implementations the chain still lacks (they are created too).

    Raises:
        ChainLimitError: a transaction needs more gas than one transaction may use here.
    """
    transactions = planned_transactions(plan, limits.per_transaction, implementations, max_pages_per_tx,
                                        max_layers_per_tx)
    over = transactions_over(transactions, limits.per_transaction)
    if over:
        raise ChainLimitError(refusal(over, limits))
    return transactions
