"""The journal's records and the pure reducer that rebuilds a deployment's state from them.

What each record type holds is described in :mod:`eternal.deploy.journal`; here they are
checked (:func:`check_record`) and folded into a :class:`DeploymentState` (:func:`reduce`,
:func:`replay`) with no file and no chain, so every rule is tested from hand-made records.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

RECORD_TYPES = ("started", "sent", "mined", "dropped", "refused", "finished")


@dataclass(frozen=True)
class Transaction:
    """A step's transaction: its newest signed version, and the versions it replaced.

    All versions share the nonce; any of them may be mined until one is.
    """

    step: str
    nonce: int
    hash: str
    raw: str | None = None  # the signed bytes of ``hash`` (hex); None in journals written before they were kept
    earlier: tuple = ()  # ((hash, raw), ...) of the versions it replaced, newest first
    mined: bool = False
    status: int | None = None
    gas_used: int = 0
    block: int | None = None
    contract: str | None = None

    @property
    def hashes(self) -> tuple[str, ...]:
        """Every version's hash, newest first."""
        return (self.hash, *(version[0] for version in self.earlier))


@dataclass(frozen=True)
class DeploymentState:
    """What the journal says about one deployment."""

    model_hash: str | None = None
    chain_id: int | None = None
    genesis: str | None = None
    deployer: str | None = None
    steps: dict = field(default_factory=dict)  # step name -> Transaction
    finished: str | None = None

    @property
    def model_address(self) -> str | None:
        """The EternalModel's address once its creation is mined."""
        tx = self.steps.get("model")
        return tx.contract if tx and tx.mined and tx.status == 1 else None

    def mined(self, step: str) -> Transaction | None:
        """The step's transaction if it is mined and succeeded."""
        tx = self.steps.get(step)
        return tx if tx and tx.mined and tx.status == 1 else None

    def pending(self) -> list[Transaction]:
        """Transactions sent but not known to be mined, in nonce order."""
        return sorted((tx for tx in self.steps.values() if not tx.mined), key=lambda tx: tx.nonce)

    @property
    def nothing_sent(self) -> bool:
        """No transaction journaled, or only ones the node never got: nothing of it is on chain."""
        return not self.steps

    @property
    def gas_used(self) -> int:
        return sum(tx.gas_used for tx in self.steps.values() if tx.mined)


def check_record(record) -> None:
    """Raises ValueError unless ``record`` is a well-formed journal record."""
    if not isinstance(record, dict) or record.get("type") not in RECORD_TYPES:
        raise ValueError(f"unknown record {str(record)[:80]!r}")
    need = {
        "started": {"model_hash": str, "chain_id": int, "genesis": str, "deployer": str},
        "sent": {"step": str, "nonce": int, "hash": str},
        "mined": {"step": str, "hash": str, "status": int, "gas_used": int},
        "dropped": {"step": str, "hash": str},
        "refused": {"step": str, "hash": str, "reason": str},
        "finished": {"address": str},
    }[record["type"]]
    for key, kind in need.items():
        if not isinstance(record.get(key), kind) or isinstance(record.get(key), bool):
            raise ValueError(f"{record['type']} record without a valid {key!r}")
    for key in ("raw", "replaces"):
        if record["type"] == "sent" and not isinstance(record.get(key, ""), str):
            raise ValueError(f"sent record with an invalid {key!r}")


def reduce(state: DeploymentState, record: dict) -> DeploymentState:
    """The state after one record (pure: returns a new state)."""
    kind = record["type"]
    if kind == "started":
        if state.model_hash is not None:
            raise ValueError("second 'started' record")
        return replace(
            state,
            model_hash=record["model_hash"],
            chain_id=record["chain_id"],
            genesis=record["genesis"],
            deployer=record["deployer"],
        )
    if state.model_hash is None:
        raise ValueError(f"{kind!r} record before 'started'")
    steps = dict(state.steps)
    step, prior = record.get("step"), state.steps.get(record.get("step"))
    if kind == "sent":
        earlier = ()
        if "replaces" in record:  # a higher fee at the same nonce: the earlier versions stay candidates
            if prior is None or prior.mined or prior.hash != record["replaces"] or prior.nonce != record["nonce"]:
                raise ValueError(f"'sent' record for {step!r} replaces {record['replaces']}, not its pending version")
            earlier = ((prior.hash, prior.raw), *prior.earlier)
        elif prior is not None and (not prior.mined or prior.status == 1):
            # Only a reverted step is sent anew: a second transaction for a live step could mine twice.
            raise ValueError(f"'sent' record for {step!r} whose transaction {prior.hash} is not settled")
        steps[step] = Transaction(step, record["nonce"], record["hash"], record.get("raw"), earlier)
        return replace(state, steps=steps)
    if kind in ("mined", "dropped", "refused"):
        versions = () if prior is None or prior.mined else prior.hashes
        if record["hash"] not in (versions[:1] if kind == "refused" else versions):
            raise ValueError(f"{kind!r} record for {step!r} {record['hash']} that is not its pending transaction")
        if kind == "refused" and prior.earlier:  # the version it replaced is the step's again
            (hash_, raw), *rest = prior.earlier
            steps[step] = replace(prior, hash=hash_, raw=raw, earlier=tuple(rest))
            return replace(state, steps=steps)
        if kind != "mined":
            del steps[step]
            return replace(state, steps=steps)
        steps[record["step"]] = replace(
            prior,
            hash=record["hash"],
            raw=None,
            earlier=(),
            mined=True,
            status=record["status"],
            gas_used=record["gas_used"],
            block=record.get("block"),
            contract=record.get("contract"),
        )
        return replace(state, steps=steps)
    return replace(state, finished=record["address"])


def replay(records) -> DeploymentState:
    """The state after all ``records``, from an empty one."""
    state = DeploymentState()
    for record in records:
        check_record(record)
        state = reduce(state, record)
    return state
