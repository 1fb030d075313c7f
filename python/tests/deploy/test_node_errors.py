"""What node answers mean, from the messages of the major nodes: no chain."""

from __future__ import annotations

import pytest
import requests
from web3.exceptions import Web3RPCError

from eternal.deploy.node_errors import Answer, classify, node_failures, rpc_message, short
from eternal.errors import ChainError, NodeUnavailableError


def rpc_error(message: str) -> Web3RPCError:
    error = {"code": -32000, "message": message, "data": {"message": message, "data": None}}
    return Web3RPCError(str(error), rpc_response={"jsonrpc": "2.0", "id": 1, "error": error})


@pytest.mark.parametrize("message, kind", [
    ("Known transaction: 0xabc", Answer.KNOWN),  # Hardhat
    ("already known", Answer.KNOWN),  # geth
    ("Nonce too low. Expected nonce to be 5 but got 4. Note that transactions can't be queued when automining.",
     Answer.NONCE_USED),
    ("nonce too low: next nonce 5, tx nonce 4", Answer.NONCE_USED),  # geth
    ("Transaction nonce too low. Expected nonce to be at least 2 but got 1.", Answer.NONCE_USED),
    ("Nonce too high. Expected nonce to be 0 but got 1. Note that transactions can't be queued when automining.",
     Answer.NONCE_GAP),
    ("Replacement transaction underpriced. A gasPrice/maxFeePerGas of at least 1925000002 is necessary",
     Answer.SLOT_TAKEN),
    ("replacement transaction underpriced", Answer.SLOT_TAKEN),  # geth
    ("Transaction maxFeePerGas (1000000000) is too low for the next block, which has a baseFeePerGas of 5",
     Answer.FEE_TOO_LOW),
    ("max fee per gas less than block base fee: address 0x.., maxFeePerGas: 1, baseFee: 7", Answer.FEE_TOO_LOW),
    ("transaction underpriced: tip needed 1, tip permitted 0", Answer.FEE_TOO_LOW),
    ("Sender doesn't have enough funds to send tx. The max upfront cost is: 2 and the sender's balance is: 0.",
     Answer.FUNDS),
    ("insufficient funds for gas * price + value: balance 0, tx cost 2", Answer.FUNDS),
    ("Transaction requires at least 21000 gas but got 20000", Answer.GAS),
    ("intrinsic gas too low: gas 20000, minimum needed 21000", Answer.GAS),
    ("Transaction gas limit is 40000000 and exceeds transaction gas cap of 16777216", Answer.GAS),
    ("exceeds block gas limit", Answer.GAS),
    ("Error: VM Exception while processing transaction: reverted with custom error 'X()'", Answer.REVERTED),
    ("something new", Answer.OTHER),
])
def test_answers_are_sorted_by_what_they_say(message, kind):
    assert classify(rpc_error(message)) == (kind, message)


def test_a_message_is_never_the_raw_dict():
    message = rpc_message(rpc_error("Nonce too low. Expected nonce to be 1 but got 0."))
    assert message == "Nonce too low. Expected nonce to be 1 but got 0." and "{" not in message


def test_no_answer_is_told_apart_and_said_in_a_few_words():
    refused = requests.exceptions.ConnectionError(
        "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: / (Caused by "
        "NewConnectionError(\"HTTPConnection(host='127.0.0.1', port=1): Failed to establish a new connection: "
        "[Errno 111] Connection refused\"))")
    kind, message = classify(refused)
    assert kind is Answer.UNREACHABLE and "Connection refused" in message


def test_node_failures_become_one_line_naming_the_node_and_the_step():
    with pytest.raises(NodeUnavailableError) as raised:
        with node_failures("http://node:8545", lambda: "step pages:3-5"):
            raise requests.exceptions.ConnectionError("Connection refused")
    line = str(raised.value)
    assert "\n" not in line and "http://node:8545" in line and "pages:3-5" in line and "rerun to resume" in line
    with pytest.raises(ChainError, match=r"^Node http://node:8545 answered an error during step construct: boom; "):
        with node_failures("http://node:8545", lambda: "step construct"):
            raise rpc_error("boom")
    assert short(requests.exceptions.ReadTimeout("read timed out")) == "read timed out"


def test_solady_and_contract_errors_are_decoded():
    from eth_utils import keccak

    from eternal.chain import decode_revert

    assert decode_revert("0x" + keccak(text="DeploymentFailed()")[:4].hex()) == "DeploymentFailed()"  # LibClone, SSTORE2
    wrong_state = "0x" + keccak(text="WrongState(uint8,uint8)")[:4].hex() + "00" * 31 + "01" + "00" * 32
    assert decode_revert(wrong_state) == "WrongState(1, 0)"
