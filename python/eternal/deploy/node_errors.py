"""What a node's error answers mean, and the one line a user gets for each.

Nodes word the same fact differently (Hardhat ``Nonce too low. Expected nonce to be 5
but got 4``, geth ``nonce too low: next nonce 5, tx nonce 4``), so an answer is sorted
into a :class:`Answer` kind by its message. A kind is a hint, never a conclusion: the
engine then looks the transaction's hash up before it decides anything (an answer
lost on the way and resent by the transport may be "nonce too low" for a transaction
the node mined a moment before).

Transport failures (the retrying transport of :mod:`eternal.rpc` gave up) are told
apart from answers: :func:`node_failures` turns them into one line naming the node,
what the deployer was doing, and "rerun to resume".
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from enum import Enum

import requests
import urllib3
from web3.exceptions import ProviderConnectionError, RequestTimedOut, TooManyRequests, Web3RPCError

from eternal.chain import revert_reason
from eternal.errors import ChainError, NodeUnavailableError

TRANSPORT_ERRORS = (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, ProviderConnectionError,
                    RequestTimedOut, TooManyRequests, ConnectionError, TimeoutError)
"""What the transport raises once its retries are spent: the node did not answer."""


class Answer(Enum):
    """What a node's error answer to ``eth_sendRawTransaction`` says about the transaction."""

    KNOWN = "already known"  # the node has this very transaction
    NONCE_USED = "nonce used"  # a transaction with this nonce is mined: this one, or another
    NONCE_GAP = "nonce gap"  # an earlier nonce is missing (automining nodes refuse to queue)
    SLOT_TAKEN = "nonce slot taken"  # another transaction with this nonce waits in the pool
    FEE_TOO_LOW = "fee too low"  # below the next block's base fee or the node's lowest price
    FUNDS = "insufficient funds"
    GAS = "gas limit refused"
    REVERTED = "reverted"  # an automining node mined it, and it reverted
    UNREACHABLE = "no answer"  # the transport gave up: the node may or may not have it
    OTHER = "refused"


# (kind, words in the lower-cased message), first match wins: Hardhat, geth, Erigon, Nethermind, Besu, anvil.
PATTERNS: tuple[tuple[Answer, tuple[str, ...]], ...] = (
    (Answer.KNOWN, ("already known", "known transaction", "alreadyknown", "already imported", "already exists",
                    "already in mempool", "already in the mempool")),
    (Answer.SLOT_TAKEN, ("replacement transaction underpriced", "replacement underpriced", "replacement fee too low",
                         "replacementnotallowed", "could not replace existing tx")),
    (Answer.NONCE_USED, ("nonce too low", "oldnonce", "nonce has already been used", "nonce is too low")),
    (Answer.NONCE_GAP, ("nonce too high", "nonce gap", "nonce is too high")),
    (Answer.FUNDS, ("insufficient funds", "enough funds", "insufficient balance", "insufficientfunds")),
    (Answer.FEE_TOO_LOW, ("too low for the next block", "less than block base fee", "transaction underpriced",
                          "fee cap less than", "feecap too low", "fee too low", "gas price too low", "underpriced")),
    (Answer.GAS, ("intrinsic gas", "requires at least", "exceeds block gas limit", "gas cap", "gas limit reached",
                  "gas limit is")),
    (Answer.REVERTED, ("revert", "vm exception", "invalid opcode")),
)


def rpc_message(exc: Exception) -> str:
    """The node's own message in an RPC error, never the raw dict (``{'code': -32000, …}``)."""
    response = getattr(exc, "rpc_response", None)
    error = response.get("error") if isinstance(response, dict) else None
    message = getattr(exc, "message", None)
    if not isinstance(error, dict) and isinstance(message, dict):
        error = message
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"]).splitlines()[0][:300]
    return revert_reason(exc)


def classify(exc: Exception) -> tuple[Answer, str]:
    """The kind of a failed send, and the node's message (one line)."""
    if isinstance(exc, TRANSPORT_ERRORS):
        return Answer.UNREACHABLE, short(exc)
    message = rpc_message(exc) if isinstance(exc, Web3RPCError) else revert_reason(exc)
    lowered = message.lower()
    for kind, words in PATTERNS:
        if any(word in lowered for word in words):
            return kind, message
    return Answer.OTHER, message


def short(exc: BaseException) -> str:
    """A transport failure in a few words: its innermost reason (``[Errno 111] Connection refused``)."""
    inner = exc
    for _ in range(8):  # requests wraps urllib3, which wraps the socket's error
        wrapped = getattr(inner, "reason", None)
        if not isinstance(wrapped, BaseException):
            wrapped = next((arg for arg in reversed(inner.args) if isinstance(arg, BaseException)), None)
        if wrapped is None:
            break
        inner = wrapped
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else ""
    return text.rsplit("): ", 1)[-1][:160] or type(inner).__name__


@contextlib.contextmanager
def node_failures(url: str, doing: Callable[[], str]):
    """Turns what escapes from the node (no answer, or an unexpected RPC error) into one line.

    ``doing()`` names what the deployer was doing (``"step pages:3-5"``).

    Raises:
        NodeUnavailableError: the transport gave up on the node.
        ChainError: the node answered an RPC call with an error nothing else expected.
    """
    try:
        yield
    except TRANSPORT_ERRORS as exc:
        raise NodeUnavailableError(
            f"Node {url} stopped answering during {doing()} ({short(exc)}); rerun to resume"
        ) from None
    except Web3RPCError as exc:
        raise ChainError(f"Node {url} answered an error during {doing()}: {rpc_message(exc)}; rerun to resume") from None
