"""A job's state as the chain holds it: what it committed to, and the pieces behind the hashes.

A job stores only hashes (``IInferenceJobs.job``): ``stateHash`` of its live set, each tensor in
pieces (:mod:`eternal.jobs.pieces`), and ``slicesHash`` of the slice pieces of the layer in
progress (once they cover the layer, ``completeLayer`` makes them its output: ``slicesComplete``).
The pieces themselves are in its events: the live set in the newest ``JobOpened`` or
``StageDone``, each piece in the event of the step that computed it, the slices in the
``SliceDone`` events after it. :func:`read_job` reads them and checks them against the hashes,
so a driver (this one, or a rerun after a crash, or anyone else's) can take the next step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from eth_utils import keccak
from web3.logs import DISCARD

from eternal.errors import JobError
from eternal.jobs.pieces import Tensor, chain, cut_at, cut_every, join, state_hash

LIVE_EVENTS = ("JobOpened", "StageDone")


@dataclass
class JobState:
    """A job on chain: its record (``job(jobId)``) and the pieces its hashes commit to."""

    job_id: int
    model: str
    layer_count: int
    next_layer: int
    slice_done: int  # elements of next_layer's output computed by slices so far
    done: bool
    slices_complete: bool = False  # the slices cover next_layer's output: completing the layer is next
    live: list[Tensor] = field(default_factory=list)  # the live set, ascending id
    slice_hashes: list[bytes] = field(default_factory=list)  # next_layer's slice pieces so far, in order
    slice_ends: list[int] = field(default_factory=list)
    store: dict[bytes, bytes] = field(default_factory=dict)  # piece hash -> its bytes
    _wholes: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def ids(self) -> list[int]:
        return [t.id for t in self.live]

    @property
    def tensors(self) -> list[bytes]:
        """The live tensors whole, packed (for the model's views, which take whole tensors)."""
        return [self.whole(t) for t in self.live]

    def tensor(self, tensor_id: int) -> Tensor | None:
        return next((t for t in self.live if t.id == tensor_id), None)

    def pieces(self, tensor: Tensor, indices=None) -> list[bytes]:
        """The bytes of ``tensor``'s pieces (all, or those at ``indices``)."""
        return [self.store[tensor.hashes[j]] for j in (range(len(tensor.hashes)) if indices is None else indices)]

    def whole(self, tensor: Tensor) -> bytes:
        if tensor.hashes not in self._wholes:
            self._wholes[tensor.hashes] = join(self.pieces(tensor))
        return self._wholes[tensor.hashes]

    @property
    def output(self) -> Tensor:
        """``next_layer``'s output as its slice pieces so far make it (``completeLayer``'s ``output``)."""
        return Tensor(self.next_layer, tuple(self.slice_hashes), tuple(self.slice_ends))

    def keep_only_referenced(self) -> None:
        """Drops the pieces neither the live set nor the slices in progress name."""
        named = {h for t in self.live for h in t.hashes} | set(self.slice_hashes)
        self.store = {h: p for h, p in self.store.items() if h in named}
        self._wholes = {k: v for k, v in self._wholes.items() if set(k) <= named}

    def apply(self, event) -> None:
        """One of the job's events, in chain order: its pieces stored, the state moved on."""
        args, name = event["args"], event["event"]
        if name == "JobOpened" or name == "StageDone":
            self.live = [Tensor.of(entry) for entry in args["live"]]
            given = (zip(self.ids, args["tensors"]) if name == "JobOpened"
                     else zip(args["ids"], args["tensors"]))
            for tensor_id, packed in given:
                entry = self.tensor(int(tensor_id))
                if entry is not None:
                    self._remember(cut_at(bytes(packed), entry.ends))
            self.slice_done, self.slices_complete, self.slice_hashes, self.slice_ends = 0, False, [], []
            self.next_layer = int(args["to"] if name == "StageDone" else args["nextLayer"])
            self.keep_only_referenced()
        elif name == "SliceDone":
            pieces, ends = cut_every(bytes(args["packed"]), int(args["start"]))
            self.slice_hashes += self._remember(pieces)
            self.slice_ends += ends
            self.slice_done, self.slices_complete = int(args["end"]), args["end"] == args["size"]
        elif name == "JobDone":
            self.done = True

    def _remember(self, pieces: list[bytes]) -> list[bytes]:
        hashes = [keccak(p) for p in pieces]
        self.store.update(zip(hashes, pieces))
        return hashes

    def matches(self, record: dict) -> bool:
        """Whether this state is the one ``record`` (``job(jobId)``) commits to, every piece at hand."""
        return ((record["next_layer"], record["slice_done"], record["done"], record["slices_complete"])
                == (self.next_layer, self.slice_done, self.done, self.slices_complete)
                and record["state_hash"] == state_hash(self.live)
                and (record["slices_hash"] if self.slice_done else bytes(32))
                == chain(self.slice_hashes, self.slice_ends)
                and all(h in self.store for t in self.live for h in t.hashes))


def job_record(jobs, job_id: int) -> dict:
    """``job(jobId)`` as a dict with snake-case keys."""
    (model, opener, layer_count, next_layer, slice_done, state_hash_, slices_hash_, done,
     slices_complete) = jobs.functions.job(job_id).call()
    return {"model": model, "opener": opener, "layer_count": layer_count, "next_layer": next_layer,
            "slice_done": slice_done, "state_hash": bytes(state_hash_), "slices_hash": bytes(slices_hash_),
            "done": done, "slices_complete": slices_complete}


def job_events(jobs, job_id: int, from_block: int) -> list:
    """Every event of job ``job_id`` since ``from_block``, in chain order."""
    found = []
    for name in (*LIVE_EVENTS, "SliceDone", "JobDone"):
        found += getattr(jobs.events, name).get_logs(from_block=from_block, argument_filters={"jobId": job_id})
    return sorted(found, key=lambda event: (event["blockNumber"], event["logIndex"]))


def read_job(jobs, job_id: int, from_block: int) -> JobState:
    """The job's record and the live set and slices behind its hashes, from its events.

    Args:
        from_block: a block at or before the job's ``JobOpened`` (its open transaction's block).

    Raises:
        JobError: the events found do not hash to what the job committed (a node that lost
            logs, or ``from_block`` after the job was opened).
    """
    record = job_record(jobs, job_id)
    events = job_events(jobs, job_id, from_block)
    if not any(event["event"] == "JobOpened" for event in events):
        raise JobError(f"Job {job_id} at {jobs.address}: no JobOpened event since block {from_block}")
    state = JobState(job_id, record["model"], record["layer_count"], 0, 0, False)
    for event in events:
        state.apply(event)
    if not state.matches(record):
        raise JobError(f"Job {job_id} at {jobs.address}: its events since block {from_block} do not give the "
                       f"state it committed to (layer {record['next_layer']}, state hash "
                       f"{record['state_hash'].hex()}): a node that lost logs?")
    return state


def state_after(jobs, state: JobState, receipt, from_block: int) -> JobState:
    """The job's state after a mined step: the step's events applied to ``state``.

    Checked against the job's record; when they differ (another sender's step mined after
    ours, before this read) the state is read afresh from the events (:func:`read_job`).
    """
    events = []
    for name in ("StageDone", "SliceDone", "JobDone"):
        events += getattr(jobs.events, name)().process_receipt(receipt, errors=DISCARD)
    new = replace(state, live=list(state.live), slice_hashes=list(state.slice_hashes),
                  slice_ends=list(state.slice_ends), store=dict(state.store), _wholes=dict(state._wholes))
    for event in sorted(events, key=lambda e: e["logIndex"]):
        if event["args"]["jobId"] == state.job_id:
            new.apply(event)
    return new if new.matches(job_record(jobs, state.job_id)) else read_job(jobs, state.job_id, from_block)


def opened_job_id(jobs, receipt) -> int:
    """The job id a mined ``open`` transaction's ``JobOpened`` event gives."""
    events = jobs.events.JobOpened().process_receipt(receipt, errors=DISCARD)
    if len(events) != 1:
        raise JobError(f"Transaction {receipt['transactionHash'].to_0x_hex()} opened {len(events)} jobs, not one")
    return int(events[0]["args"]["jobId"])
