"""Staged inference: any finalised model on any node, in as many ``eth_call``s as its gas needs.

:class:`StagedPredictor` runs samples through a plan of steps (:mod:`eternal.stage_plan`),
the client carrying the packed tensors each step returns to the steps after it. The
first plan is the whole model in one ``runStage`` call. A step that runs out of gas
under the call cap is halved (its layers, then slices of one layer's output) until
each part fits; the gas each layer used (``runStage``'s ``gasUsed``) is learned from
the parts that ran, and the plan is repacked greedily from those figures with a 10%
margin and reused for the later samples. A model that fits takes exactly one call per
sample. The calls themselves go through a :class:`eternal.stage_calls.StageCalls`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from eternal.errors import CallGasCapError, TransactionFailed
from eternal.stage_plan import Slice, Stage, Step, Topology, refine, repack, split
from eternal.tensorpack import pack, unpack

SETTLE_ROUNDS = 4  # sample 0 is rerun until it takes the plan as it stands; each round only learns more


@dataclass
class SampleRun:
    """One sample on its way through the steps: its packed tensors by canonical id, and
    each step it took with the gas that step uses as a transaction."""

    number: int
    tensors: dict[int, bytes]
    steps: list[tuple[Step, int]] = field(default_factory=list)
    layer_gas: dict[int, int] = field(default_factory=dict)  # a sliced layer: the sum of its slices
    slice_gas: dict[Slice, int] = field(default_factory=dict)
    seconds: float = 0.0  # the wall time of its run (set by settle)
    _slices: dict[int, list[np.ndarray]] = field(default_factory=dict)

    @property
    def gas(self) -> int:
        return sum(gas for _, gas in self.steps)

    @property
    def plan(self) -> list[Step]:
        return [step for step, _ in self.steps]

    def outputs(self, topology: Topology) -> list[np.ndarray]:
        """The model's outputs, flat fixed-point ints (object arrays), in predict order."""
        return [unpack(self.tensors[i], k) for k, i in enumerate(topology.output_ids)]

    def take(self, step: Step, outcome: "Outcome", topology: Topology) -> None:
        """Keeps what ``step`` returned: its tensors (a slice joins its layer's others;
        the last one makes the layer's tensor) and its gas."""
        self.steps.append((step, outcome.gas))
        for layer, gas in outcome.layer_gas.items():
            self.layer_gas[layer] = self.layer_gas.get(layer, 0) + gas
        if isinstance(step, Slice):
            self.slice_gas[step] = outcome.layer_gas[step.layer]
            parts = self._slices.setdefault(step.layer, [])
            parts.append(unpack(outcome.tensors[step.layer]))
            if step.end == topology.sizes[step.layer]:
                self.tensors[step.layer] = pack(np.concatenate(self._slices.pop(step.layer)))
        else:
            self.tensors.update(outcome.tensors)


@dataclass
class Outcome:
    """One call's result: ``ok`` with its tensors (by canonical id; a slice's under its
    layer), each running layer's gas and the call's gas as a transaction; else
    ``out_of_gas`` (with the gas the node said it needs, when it did) or a ``reason``."""

    ok: bool
    tensors: dict[int, bytes] = field(default_factory=dict)
    layer_gas: dict[int, int] = field(default_factory=dict)
    gas: int = 0
    out_of_gas: bool = False
    needs: int | None = None
    reason: str = ""
    intrinsic: bool = False  # out of gas before running: the calldata alone is over the cap


class StagedPredictor:
    """Samples through the plan, several at once (one JSON-RPC batch per step), learning
    the plan from the first sample and refining it when a later one runs out of gas.

    Thread-safe: groups of samples may run concurrently; each takes the plan as it
    stands when it starts, and the outputs do not depend on the plan.

    Args:
        calls: runs one step for several samples (:class:`eternal.stage_calls.StageCalls`).
        cap: the gas each call may use.
    """

    def __init__(self, topology: Topology, calls, cap: int):
        self.topology, self.calls, self.cap = topology, calls, cap
        self.plan: list[Step] = topology.whole()
        self.failed: set[Step] = set()
        self._layer_gas: dict[int, int] = {}  # the most each layer used in a stage
        self._slice_gas: dict[Slice, int] = {}  # the most each slice used
        self._lengths: dict[int, int] = {}  # the longest packed bytes each tensor had
        self._width = 1  # the widest value of any tensor seen, in bytes: unseen tensors are taken this wide
        self._lock = threading.Lock()

    def run(self, numbers: list[int], inputs: list[list[bytes]]) -> list[SampleRun]:
        """Samples ``numbers`` (their packed inputs, one per model input) through the plan.

        Raises:
            TransactionFailed: a sample's call reverted (the lowest such sample of the group).
            CallGasCapError: one element of a layer does not fit the cap.
        """
        with self._lock:
            plan = list(self.plan)
        runs = [SampleRun(n, dict(zip(self.topology.input_ids, packed))) for n, packed in zip(numbers, inputs)]
        failures: dict[int, Exception] = {}
        for step in plan:
            live = [run for run in runs if run.number not in failures]
            if not live:
                break
            for run, outcome in zip(live, self.calls.run(step, [run.tensors for run in live])):
                try:
                    self._take(run, step, outcome)
                except (TransactionFailed, CallGasCapError) as exc:
                    failures[run.number] = exc
        if failures:
            raise failures[min(failures)]
        self._learn(runs)
        return runs

    def settle(self, inputs: list[bytes]) -> SampleRun:
        """Sample 0 until it runs the plan as it stands (a model that fits: one run)."""
        for _ in range(SETTLE_ROUNDS):
            started = time.perf_counter()
            run = self.run([0], [inputs])[0]
            run.seconds = time.perf_counter() - started
            if run.plan == self.plan:
                break
        return run

    def _take(self, run: SampleRun, step: Step, outcome: Outcome) -> None:
        if outcome.ok:
            run.take(step, outcome, self.topology)
        elif outcome.out_of_gas:
            done = self._halve(run, step, outcome)
            with self._lock:
                self.failed.add(step)
                self.plan = refine(self.plan, step, done)
        else:
            raise TransactionFailed(f"predict on sample {run.number} failed: {outcome.reason}")

    def _halve(self, run: SampleRun, step: Step, outcome: Outcome) -> list[Step]:
        """Runs ``step`` as halves, each halved again while it runs out of gas; the steps run."""
        pieces = None if isinstance(step, Slice) and outcome.intrinsic else split(step, self.topology)
        if pieces is None:
            raise self._too_big(step, outcome)
        done: list[Step] = []
        for piece in pieces:
            result = self.calls.run(piece, [run.tensors])[0]
            if result.ok:
                run.take(piece, result, self.topology)
                done.append(piece)
            elif result.out_of_gas:
                with self._lock:
                    self.failed.add(piece)
                done += self._halve(run, piece, result)
            else:
                raise TransactionFailed(f"predict on sample {run.number} failed: {result.reason}")
        return done

    def _too_big(self, step: Step, outcome: Outcome) -> CallGasCapError:
        needs = max(self.cap + 1, outcome.needs or 0)
        if isinstance(step, Slice):
            name = self.topology.names[step.layer]
            what = f"element {step.start} of layer '{name}' (index {step.layer}) alone"
            if step.end - step.start > 1:
                what = f"elements [{step.start}, {step.end}) of layer '{name}' (index {step.layer}): the calldata alone"
        else:
            what = f"layers [{step.first}, {step.stop}), which have nothing to split,"
        return CallGasCapError(
            f"predict: {what} needs at least {needs:,} gas, over the node's call gas cap of {self.cap:,}; "
            "pass a larger --call-gas-cap if the node allows it, or use a node with a higher cap "
            "(anvil --gas-limit N, geth/reth --rpc.gascap N)")

    def _learn(self, runs: list[SampleRun]) -> None:
        """Keeps the most gas each layer and slice used and the longest bytes each tensor
        had, then repacks the plan from them."""
        with self._lock:
            for run in runs:
                sliced = {step.layer for step in run.slice_gas}
                for layer, gas in run.layer_gas.items():
                    if layer not in sliced:
                        self._layer_gas[layer] = max(gas, self._layer_gas.get(layer, 0))
                for step, gas in run.slice_gas.items():
                    self._slice_gas[step] = max(gas, self._slice_gas.get(step, 0))
                for key, data in run.tensors.items():
                    self._lengths[key] = max(len(data), self._lengths.get(key, 0))
                    self._width = max(self._width, data[0])
            self.plan = repack(self.plan, self.estimate, self.cap, self.failed, self.topology)

    def estimate(self, step: Step) -> int | None:
        """``step``'s gas as a transaction from the figures learned so far; None if unknown.

        A stage: its layers' gas; a slice: the gas of the slices run so far that tile it
        (a merged slice costs at most its parts). Plus the call's own share
        (:meth:`eternal.stage_calls.StageCalls.overhead`) for the tensors it is handed (one
        never returned so far is taken as wide as the widest seen).
        """
        if isinstance(step, Slice):
            used, at = 0, step.start
            while at < step.end:
                part = max((s for s in self._slice_gas if s.layer == step.layer and s.start == at and s.end <= step.end),
                           key=lambda s: s.end, default=None)
                if part is None:
                    return None
                used, at = used + self._slice_gas[part], part.end
        else:
            layers = self.topology.run_layers(step.first, step.stop)
            if any(n not in self._layer_gas for n in layers):
                return None
            used = sum(self._layer_gas[n] for n in layers)
        lengths = [self._lengths.get(i, 1 + self._width * self.topology.sizes[i]) for i in self.topology.reads(step)]
        return used + self.calls.overhead(step, lengths)
