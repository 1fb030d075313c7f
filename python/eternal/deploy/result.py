"""What a deployment returns, prints with ``--json`` and remembers in ``deployed.jsonl``.

:meth:`ModelDeployer.deploy_model <eternal.deploy.deployer.ModelDeployer.deploy_model>` returns the
model's address, as the seed's deployer does: a :class:`DeployResult` *is* that address (a ``str``
equal to it, usable wherever an address is), and its attributes hold the deployment's facts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from web3 import Web3

from eternal.deploy.journal import Registry
from eternal.deploy.records import DeploymentState
from eternal.deploy.steps import gas_by_phase


@dataclass(eq=False)  # compared and hashed as the address string it is
class DeployResult(str):
    """The finalised model's address (EIP-55), with the deployment's facts as attributes."""

    address: str
    model_hash: str
    chain_id: int
    transactions: int
    gas_used: int
    seconds: float
    resumed: bool
    weight_bytes: int
    pages: int
    layers: int
    phase_seconds: dict
    phase_gas: dict  # gas of the mined transactions per phase (implementations, model, layers, ...)
    already_deployed: bool = False  # found deployed by an earlier run: nothing sent (not part of the record)

    def __new__(cls, address: str, *args, **kwargs):
        return super().__new__(cls, address)

    def record(self) -> dict:
        """The deployment's facts: what ``--json`` prints, the same on every rerun."""
        record = asdict(self)
        del record["already_deployed"]
        return record

    @classmethod
    def from_record(cls, record: dict) -> DeployResult:
        """The result an earlier run recorded, as found again by this one."""
        known = {field.name for field in fields(cls)} - {"already_deployed"}
        return cls(**{key: value for key, value in record.items() if key in known}, already_deployed=True)

    @classmethod
    def of_run(cls, address: str, plan: dict, journaled: DeploymentState, resumed: bool, clock) -> DeployResult:
        """The result of a run that finalised the model at ``address`` (``clock``: its PhaseClock)."""
        return cls(address=address, model_hash=journaled.model_hash, chain_id=journaled.chain_id,
                   transactions=sum(1 for tx in journaled.steps.values() if tx.mined), gas_used=journaled.gas_used,
                   seconds=clock.total(), resumed=resumed, weight_bytes=plan["weight_bytes"], pages=len(plan["pages"]),
                   layers=len(plan["layers"]), phase_seconds=clock.seconds,
                   phase_gas=gas_by_phase(journaled.steps.values()))


def earlier_result(deployed: Registry, w3: Web3, genesis: str, model_hash: str, plan: dict) -> DeployResult | None:
    """This model's earlier deployment on this chain (from ``deployed.jsonl``), if the chain still has it."""
    chain_id = w3.eth.chain_id
    done = deployed.find(chain_id=chain_id, genesis=genesis, model_hash=model_hash)
    if not done or not w3.eth.get_code(Web3.to_checksum_address(done["address"])):
        return None
    return DeployResult.from_record(done.get("result") or {
        "address": done["address"], "model_hash": model_hash, "chain_id": chain_id, "transactions": 0,
        "gas_used": 0, "seconds": 0.0, "resumed": False, "weight_bytes": plan["weight_bytes"],
        "pages": len(plan["pages"]), "layers": len(plan["layers"]), "phase_seconds": {}, "phase_gas": {},
    })
