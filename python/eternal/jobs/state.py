"""A job's state as the chain holds it: what it committed to, and the tensors behind the hashes.

A job stores only hashes (``IInferenceJobs.job``): ``stateHash`` of its live set and
``slicesHash`` of the slices of the layer in progress (once they cover the layer, ``completeLayer``
joins them: ``slicesComplete``). The tensors themselves are in
its events: the live set in the newest ``JobOpened`` or ``StageDone``, the slices in the
``SliceDone`` events after it. :func:`read_job` reads both and checks one against the other,
so a driver (this one, or a rerun after a crash, or anyone else's) can take the next step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from eth_abi import encode
from eth_utils import keccak
from web3.logs import DISCARD

from eternal.errors import JobError

LIVE_EVENTS = ("JobOpened", "StageDone")


def live_hash(ids: list[int], tensors: list[bytes]) -> bytes:
    """What a job commits to for a live set: ``keccak256(abi.encode(uint256[] ids, bytes[] tensors))``."""
    return keccak(encode(["uint256[]", "bytes[]"], [list(ids), [bytes(t) for t in tensors]]))


def slices_hash(slices: list[bytes]) -> bytes:
    """The hash chain of a layer's slices: ``h = keccak256(h ‖ keccak256(slice))`` from ``h = 0``."""
    chained = bytes(32)
    for piece in slices:
        chained = keccak(chained + keccak(bytes(piece)))
    return chained


@dataclass
class JobState:
    """A job on chain: its record (``job(jobId)``) and the tensors its hashes commit to."""

    job_id: int
    model: str
    layer_count: int
    next_layer: int
    slice_done: int  # elements of next_layer's output computed by slices so far
    done: bool
    slices_complete: bool = False  # the slices cover next_layer's output: joining them is next
    ids: list[int] = field(default_factory=list)  # the live set, ascending id
    tensors: list[bytes] = field(default_factory=list)
    slices: list[bytes] = field(default_factory=list)  # next_layer's slices so far, in order

    @property
    def live(self) -> tuple[list[int], list[bytes]]:
        return self.ids, self.tensors


def job_record(jobs, job_id: int) -> dict:
    """``job(jobId)`` as a dict with snake-case keys."""
    (model, opener, layer_count, next_layer, slice_done, state_hash, slices_hash_, done,
     slices_complete) = jobs.functions.job(job_id).call()
    return {"model": model, "opener": opener, "layer_count": layer_count, "next_layer": next_layer,
            "slice_done": slice_done, "state_hash": bytes(state_hash), "slices_hash": bytes(slices_hash_), "done": done,
            "slices_complete": slices_complete}


def job_events(jobs, job_id: int, from_block: int) -> list:
    """Every event of job ``job_id`` since ``from_block``, in chain order."""
    found = []
    for name in (*LIVE_EVENTS, "SliceDone"):
        found += getattr(jobs.events, name).get_logs(from_block=from_block, argument_filters={"jobId": job_id})
    return sorted(found, key=lambda event: (event["blockNumber"], event["logIndex"]))


def read_job(jobs, job_id: int, from_block: int) -> JobState:
    """The job's record and the live set and slices behind its hashes, from its events.

    Args:
        from_block: a block at or before the job's ``JobOpened`` (its open transaction's block).

    Raises:
        JobError: the events found do not hash to what the job committed (a node that lost
            logs, or ``from_block`` after the job's last stage).
    """
    record = job_record(jobs, job_id)
    events = job_events(jobs, job_id, from_block)
    lives = [event for event in events if event["event"] in LIVE_EVENTS]
    if not lives:
        raise JobError(f"Job {job_id} at {jobs.address}: no JobOpened or StageDone event since block {from_block}")
    last = lives[-1]
    ids, tensors = list(last["args"]["ids"]), [bytes(t) for t in last["args"]["tensors"]]
    if live_hash(ids, tensors) != record["state_hash"]:
        raise JobError(f"Job {job_id} at {jobs.address}: the tensors of its last {last['event']} event (block "
                       f"{last['blockNumber']}) do not hash to its committed state {record['state_hash'].hex()}")
    after = events[events.index(last) + 1:]
    slices = [bytes(e["args"]["packed"]) for e in after
              if e["event"] == "SliceDone" and e["args"]["layer"] == record["next_layer"]]
    if slices_hash(slices) != (record["slices_hash"] if record["slice_done"] else bytes(32)):
        raise JobError(f"Job {job_id} at {jobs.address}: the SliceDone events of layer {record['next_layer']} do "
                       f"not chain to its committed slices hash {record['slices_hash'].hex()}")
    return JobState(job_id, record["model"], record["layer_count"], record["next_layer"], record["slice_done"],
                    record["done"], record["slices_complete"], ids, tensors, slices if record["slice_done"] else [])


def state_after(jobs, state: JobState, receipt, from_block: int) -> JobState:
    """The job's state after a mined step: the step's events applied to ``state``.

    Checked against the job's record; when they differ (another sender's step mined after
    ours, before this read) the state is read afresh from the events (:func:`read_job`).
    """
    events = []
    for name in ("StageDone", "SliceDone", "JobDone"):
        events += getattr(jobs.events, name)().process_receipt(receipt, errors=DISCARD)
    new = replace(state, slices=list(state.slices))
    for event in sorted(events, key=lambda e: e["logIndex"]):
        args = event["args"]
        if args["jobId"] != state.job_id:
            continue
        if event["event"] == "SliceDone":
            new.slices.append(bytes(args["packed"]))
            new.slice_done, new.slices_complete = args["end"], args["end"] == args["size"]
        elif event["event"] == "StageDone":
            new.ids, new.tensors = list(args["ids"]), [bytes(t) for t in args["tensors"]]
            new.next_layer, new.slice_done, new.slices, new.slices_complete = args["to"], 0, [], False
        else:
            new.done = True
    record = job_record(jobs, state.job_id)
    same = ((record["next_layer"], record["slice_done"], record["done"], record["slices_complete"])
            == (new.next_layer, new.slice_done, new.done, new.slices_complete)
            and record["state_hash"] == live_hash(new.ids, new.tensors)
            and (record["slices_hash"] if new.slice_done else bytes(32)) == slices_hash(new.slices))
    return new if same else read_job(jobs, state.job_id, from_block)


def opened_job_id(jobs, receipt) -> int:
    """The job id a mined ``open`` transaction's ``JobOpened`` event gives."""
    events = jobs.events.JobOpened().process_receipt(receipt, errors=DISCARD)
    if len(events) != 1:
        raise JobError(f"Transaction {receipt['transactionHash'].to_0x_hex()} opened {len(events)} jobs, not one")
    return int(events[0]["args"]["jobId"])
