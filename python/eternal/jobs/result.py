"""What a job run returns, prints with ``--json`` and remembers in ``jobs.jsonl``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from eternal.deploy.records import DeploymentState

JOB_STEPS = ("stage:", "slice:", "join:")  # the journal's names of a job's own steps, after open


def describe(step: str) -> str:
    """A journal step name in words: ``stage:0-3`` -> ``layers 0-2``, ``join:4`` -> ``layer 4: join its slices``."""
    kind, _, rest = step.partition(":")
    if kind == "stage":
        first, stop = (int(n) for n in rest.split("-"))
        return f"layer {first}" if stop == first + 1 else f"layers {first}-{stop - 1}"
    if kind == "slice":
        layer, span = rest.split(":")
        return f"layer {layer}, elements {span}"
    if kind == "join":
        return f"layer {rest}: join its slices"
    if kind == "open":
        return "open the job (inputs)"
    return "create InferenceJobs (once per chain)"


@dataclass
class JobResult:
    jobs: str  # the InferenceJobs contract
    job_id: int
    model: str
    chain_id: int
    outputs: list  # per model output: flat fixed-point ints (2^-F), as `outputs(jobId)` returns them
    steps: list  # per mined transaction, in nonce order: {"step", "what", "gas", "status", "tx"}
    gas_used: int  # all of them, reverted ones included
    transactions: int
    resumed: bool  # this run went on from an earlier run's journal
    already_done: bool = False  # found finished by an earlier run: nothing sent (not part of the record)

    @property
    def step_gas(self) -> list[int]:
        """Gas of each job step (stages, slices, joins), the most any one transaction of the job used."""
        return [s["gas"] for s in self.steps if s["step"].startswith(JOB_STEPS)]

    def record(self) -> dict:
        """The run's facts: what ``--json`` prints, the same on every rerun."""
        record = asdict(self)
        del record["already_done"]
        return record

    @classmethod
    def from_record(cls, record: dict) -> JobResult:
        """The result an earlier run recorded, as found again by this one."""
        known = {field.name for field in fields(cls)} - {"already_done"}
        return cls(**{key: value for key, value in record.items() if key in known}, already_done=True)

    @classmethod
    def of_run(cls, journaled: DeploymentState, jobs: str, job_id: int, model: str, chain_id: int, outputs: list,
               resumed: bool) -> JobResult:
        """The result of a run that finished job ``job_id``, its transactions from the journal."""
        mined = sorted((tx for tx in journaled.steps.values() if tx.mined), key=lambda tx: tx.nonce)
        steps = [{"step": tx.step, "what": describe(tx.step), "gas": tx.gas_used, "status": tx.status, "tx": tx.hash}
                 for tx in mined]
        return cls(jobs=jobs, job_id=job_id, model=model, chain_id=chain_id, outputs=outputs, steps=steps,
                   gas_used=sum(tx.gas_used for tx in mined), transactions=len(mined), resumed=resumed)
