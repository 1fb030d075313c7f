"""Chain access shared by deploy / predict / verify / pull: connection, artifacts, revert reasons."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from eth_utils import keccak
from web3 import Web3

from eternal.checkout import artifacts_dir, compile_hint
from eternal.errors import ArtifactError, ChainError, ModelContractError
from eternal.rpc import CONNECT_RETRIES, REQUEST_TIMEOUT_SECONDS, http_provider

DEFAULT_RPC_URL = "http://127.0.0.1:8545"
# EIP-7825 (Osaka): no transaction may use more gas than this, whatever the block gas limit.
TX_GAS_CAP = 16_777_216
STATES = ("Created", "Constructed", "WeightsUploaded", "Finalised")


def default_rpc_url() -> str:
    """``ETERNAL_RPC_URL`` when set and not empty, else the local node's URL."""
    return os.environ.get("ETERNAL_RPC_URL") or DEFAULT_RPC_URL


def connect(rpc_url: str = DEFAULT_RPC_URL, timeout: float = REQUEST_TIMEOUT_SECONDS) -> Web3:
    """A web3 connection that has answered ``eth_chainId``; every call retries
    dropped connections and busy answers (:mod:`eternal.rpc`).

    Raises:
        ChainError: nothing answers at ``rpc_url``.
    """
    probe = Web3(http_provider(rpc_url, timeout, retries=CONNECT_RETRIES))  # no node: say so in ~2 s, not ~25
    try:
        probe.eth.chain_id
    except Exception as exc:  # connection refused, DNS, HTTP errors, bad JSON: all "not reachable"
        hint = ("start one (`eternal node`) or pass --rpc-url" if rpc_url == DEFAULT_RPC_URL
                else "is the node up, and is the URL right?")
        raise ChainError(f"Node not reachable at {rpc_url} ({type(exc).__name__}); {hint}") from None
    return Web3(http_provider(rpc_url, timeout))


def genesis_hash(w3: Web3) -> str:
    """Block 0's hash: a node restarted from scratch has a new one."""
    return w3.eth.get_block(0)["hash"].to_0x_hex()


def artifact(name: str) -> dict:
    """The Hardhat artifact (``abi``, ``bytecode``) of contract ``name``.

    Raises:
        ArtifactError: not compiled yet.
    """
    return _artifact(str(artifacts_dir()), name)


@lru_cache(maxsize=None)
def _artifact(directory: str, name: str) -> dict:
    root = Path(directory) / "contracts"
    found = sorted(path for path in root.glob(f"**/{name}.json")) if root.exists() else []
    if not found:
        raise ArtifactError(f"Contract artifact {name}.json not found under {root}: {compile_hint()}")
    data = json.loads(found[0].read_text())
    if not data.get("bytecode") or data["bytecode"] == "0x":
        raise ArtifactError(f"Artifact {found[0]} has no bytecode (abstract contract or interface?)")
    return data


def checked_address(address: str) -> str:
    """``address`` in its EIP-55 checksum form, refusing a mixed-case one whose case
    is not that checksum (a typo, as wallets and web3 tools treat it).

    Raises:
        ModelContractError: not a 20-byte hex address, or a wrong checksum.
    """
    if not isinstance(address, str) or not Web3.is_address(address):
        raise ModelContractError(f"Not an address: {address!r}")
    checksummed = Web3.to_checksum_address(address)
    digits = address[2:]
    if digits != digits.lower() and digits != digits.upper() and address != checksummed:
        raise ModelContractError(
            f"Address {address} has a wrong EIP-55 checksum (its mixed case is not the checksum): "
            "check it for a typo, or write it all in lower case"
        )
    return checksummed


def model_contract(w3: Web3, address: str):
    """The EternalModel at ``address`` (ABI from the artifact)."""
    return w3.eth.contract(address=checked_address(address), abi=artifact("EternalModel")["abi"])


def open_model(w3: Web3, address: str, finalised: bool = True):
    """The EternalModel at ``address``, checked to hold code (and be finalised).

    Raises:
        ModelContractError: no contract there, not an EternalModel, or not finalised.
    """
    checked = checked_address(address)
    chain_id = w3.eth.chain_id
    if not w3.eth.get_code(checked):
        raise ModelContractError(f"No contract at {address} on chain id {chain_id}")
    model = model_contract(w3, address)
    try:
        state = model.functions.state().call()
    except Exception:
        raise ModelContractError(f"Contract at {address} is not an EternalModel") from None
    if finalised and STATES[state] != "Finalised":
        raise ModelContractError(f"Model at {address} is not finalised (state {STATES[state]}): deploy it to the end first")
    return model


def code_hash(code: bytes) -> str:
    return keccak(bytes(code)).hex()


def _error_selectors() -> dict[bytes, tuple[str, list[str]]]:
    """4-byte selector -> (error name, argument types) of every custom error we compiled."""
    return _error_table(str(artifacts_dir()))


@lru_cache(maxsize=None)
def _error_table(directory: str) -> dict[bytes, tuple[str, list[str]]]:
    # Every artifact, libraries included: Solady's LibClone and SSTORE2 revert with their own
    # errors (DeploymentFailed()) from assembly, so no contract that uses them lists them.
    table = {}
    for path in Path(directory).glob("**/*.json"):
        if path.name.endswith(".dbg.json") or "build-info" in path.parts:
            continue
        try:
            abi = json.loads(path.read_text()).get("abi", [])
        except (OSError, ValueError):
            continue
        for item in abi:
            if item.get("type") == "error":
                types = [arg["type"] for arg in item.get("inputs", [])]
                signature = f"{item['name']}({','.join(types)})"
                table[keccak(text=signature)[:4]] = (item["name"], types)
    return table


def decode_revert(data) -> str:
    """A custom error's name and arguments from revert data, e.g. ``WrongState(1, 0)``."""
    from eth_abi import decode

    raw = bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data or b"")
    if len(raw) < 4:
        return "reverted without a reason"
    if raw[:4] == keccak(text="Error(string)")[:4]:
        return f"Error({decode(['string'], raw[4:])[0]!r})"
    known = _error_selectors().get(raw[:4])
    if known is None:
        return f"reverted with unknown error 0x{raw[:4].hex()}"
    name, types = known
    try:
        values = decode(types, raw[4:])
    except Exception:
        return f"{name}(?)"
    shown = [("0x" + v.hex()) if isinstance(v, bytes) else str(v) for v in values]
    return f"{name}({', '.join(shown)})"


def revert_reason(exc: Exception) -> str:
    """The best one-line reason from a web3 call/transaction exception (custom errors decoded)."""
    response = getattr(exc, "rpc_response", None)
    candidates = [getattr(exc, "data", None)] + [arg for arg in exc.args if isinstance(arg, dict)]
    # web3 keeps a node's JSON-RPC error as a dict: its message, never the dict, is the reason.
    candidates += [item for item in (getattr(exc, "message", None), response and response.get("error"))
                   if isinstance(item, dict)]
    message = None
    while candidates:
        item = candidates.pop(0)
        if isinstance(item, str) and item.startswith("0x") and len(item) >= 10:
            return decode_revert(item)
        if isinstance(item, dict):
            message = message or item.get("message")
            candidates.extend([item.get("data")])
    own = getattr(exc, "message", None)
    message = message or (own if isinstance(own, str) else None) or str(exc)
    message = str(message).replace("Error: VM Exception while processing transaction: ", "")
    return message.splitlines()[0][:300] if message else type(exc).__name__
