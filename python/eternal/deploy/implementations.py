"""Layer implementation contracts: created once per chain, shared by every model deployed there.

Each model's layers are cheap clones of one implementation per layer type. The
implementations a chain already has are remembered in ``implementations.jsonl``
next to the journals, and reused only if the code at that address is still the
artifact's (a restarted node or a recompiled contract makes a new one).
"""

from __future__ import annotations

from web3 import Web3

from eternal.chain import artifact, code_hash
from eternal.deploy.journal import Registry


def artifact_code_hash(name: str) -> str:
    """The code hash a deployed ``name`` has (its artifact's runtime bytecode)."""
    return code_hash(bytes.fromhex(artifact(name)["deployedBytecode"][2:]))


def creates_activation_kernels(name: str) -> bool:
    """Whether implementation ``name`` creates an ``ActivationKernels`` in its constructor
    (``CreatesActivationKernels``: that contract's creation code is inside its own). The recurrent
    layers do not: they run the extended activations themselves."""
    kernels = bytes.fromhex(artifact("ActivationKernels")["bytecode"][2:])
    return kernels in bytes.fromhex(artifact(name)["bytecode"][2:])


class Implementations:
    """The implementations known on one chain (by chain id and genesis hash)."""

    def __init__(self, w3: Web3, path, chain_id: int, genesis: str):
        self.w3 = w3
        self.registry = Registry(path)
        self.chain_id = chain_id
        self.genesis = genesis

    def find(self, name: str, journaled: str | None = None) -> str | None:
        """A reusable implementation of ``name`` (``journaled`` first, then the registry), if any."""
        wanted = artifact_code_hash(name)
        candidates = [journaled] if journaled else []
        entry = self.registry.find(chain_id=self.chain_id, genesis=self.genesis, name=name, code_hash=wanted)
        if entry:
            candidates.append(entry["address"])
        for address in candidates:
            if code_hash(self.w3.eth.get_code(Web3.to_checksum_address(address))) == wanted:
                return Web3.to_checksum_address(address)
        return None

    def remember(self, name: str, address: str) -> None:
        """Records a created implementation, if the chain holds the artifact's code there."""
        wanted = artifact_code_hash(name)
        if code_hash(self.w3.eth.get_code(address)) == wanted:
            self.registry.add({"chain_id": self.chain_id, "genesis": self.genesis, "name": name,
                               "code_hash": wanted, "address": address})
