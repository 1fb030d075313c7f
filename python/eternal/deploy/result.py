"""What a deployment returns, prints with ``--json`` and remembers in ``deployed.jsonl``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class DeployResult:
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
