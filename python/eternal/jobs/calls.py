"""The calldata of a job's steps: the live set as committed, and the pieces each step reads.

Every step names the whole live set (``Tensor[]``: ids, piece hashes and ends, ~64 bytes a piece)
so the contract can check it against the job's hash, but hands over the bytes of only the
pieces it reads (:mod:`eternal.jobs.pieces`):

- ``advance``: every piece of each tensor a layer of the stage reads, and at the last step the
  model's outputs;
- ``advanceSlice``: every piece of the layer's inputs;
- ``advanceWindow``: per layer input, the pieces under its window;
- ``completeLayer``: none, but at the last layer the model's outputs (the layer's own from its slices).
"""

from __future__ import annotations

from eternal.jobs.state import JobState
from eternal.stage_plan import Stage, Topology


class StepCalls:
    """Encodes the steps of jobs on one model.

    Args:
        jobs: the InferenceJobs contract (web3).
        topology: the model's tensor ids and who reads them, as staged ``predict`` sees them
            (:class:`eternal.stage_plan.Topology`: only layers with a contract read; an input,
            identity or fused layer reads nothing).
    """

    def __init__(self, jobs, topology: Topology):
        self.jobs = jobs
        self.topology = topology

    def advance(self, state: JobState, to: int) -> str:
        needed = set(self.topology.reads(Stage(state.next_layer, to)))
        if to == state.layer_count:
            needed |= set(self.topology.output_ids)
        return self._encode("advance", state, to, self._pieces(state, needed))

    def advance_slice(self, state: JobState, end: int) -> str:
        return self._encode("advanceSlice", state, end, self._pieces(state, set(self.topology.sources[state.next_layer])))

    def advance_window(self, state: JobState, end: int, offsets: list[int], counts: list[int]) -> str:
        """A slice from windows: input k's elements ``[offsets[k], offsets[k] + counts[k])``."""
        windows = []
        for source, offset, count in zip(self.topology.sources[state.next_layer], offsets, counts, strict=True):
            tensor = state.tensor(source)
            span = tensor.covering(offset, count) if tensor is not None else range(0)
            windows.append((state.pieces(tensor, span) if span else [], span.start if span else 0,
                            offset if count else 0, count))
        return self._encode("advanceWindow", state, end, windows)

    def complete(self, state: JobState) -> str:
        """``completeLayer`` of ``state.next_layer``, whose slices are all computed."""
        last = state.next_layer + 1 == state.layer_count
        outputs = set(self.topology.output_ids) if last else set()
        output = state.output
        own = state.pieces(output) if state.next_layer in outputs else []
        return self.jobs.encode_abi("completeLayer", args=[state.job_id, _live(state), self._pieces(state, outputs),
                                                            output.abi, own])

    def _encode(self, name: str, state: JobState, at: int, given: list) -> str:
        return self.jobs.encode_abi(name, args=[state.job_id, at, _live(state), given])

    @staticmethod
    def _pieces(state: JobState, needed: set[int]) -> list[list[bytes]]:
        """Per live tensor: all its pieces if ``needed`` names it, else none."""
        return [state.pieces(t) if t.id in needed else [] for t in state.live]


def _live(state: JobState) -> list[tuple]:
    return [t.abi for t in state.live]

