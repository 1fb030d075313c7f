"""Staged inference: any finalised model on any node, in as many ``eth_call``s as its gas needs.

:class:`StagedPredictor` runs samples through a plan of steps (:mod:`eternal.stage_plan`),
the client carrying the packed tensors each step returns to the steps after it. The
first plan is the whole model in one ``runStage`` call: a model that fits takes exactly
one call per sample. A step that runs out of gas under the call cap is run again in parts
that fit (:mod:`eternal.stage_rescue`: each layer on its own, measured by probe slices,
whole or in slices); the gas each layer used (``runStage``'s ``gasUsed``) is learned from
the parts that ran, and the plan is repacked greedily from those figures with a 10%
margin and reused for the later samples. The calls go through a
:class:`eternal.stage_calls.StageCalls`.
"""

from __future__ import annotations

import threading
import time

from eternal.errors import CallGasCapError, ModelContractError, TransactionFailed, UsageError
from eternal.predict_batch import RpcBatch
from eternal.stage_calls import StageCalls, takes_windows
from eternal.stage_calls import call_gas_cap as node_cap
from eternal.stage_gas import TX_BASE_GAS, walk_gas
from eternal.stage_plan import Slice, Step, Topology, refine, repack
from eternal.stage_rescue import Rescue
from eternal.stage_run import Outcome, SampleRun


class StagedPredictor:
    """Samples through the plan, several at once (one JSON-RPC batch per step), learning
    the plan from the first sample and refining it when a later one runs out of gas.

    Thread-safe: groups of samples may run concurrently; each takes the plan as it
    stands when it starts, and the outputs do not depend on the plan.

    Args:
        calls: runs one step for several samples (:class:`eternal.stage_calls.StageCalls`).
        cap: the gas each call may use.
        budget: the gas a planned step should stay within (default: the cap); the first
            call, the whole model, is given only this much. A step that cannot be cut
            within it (one element of a layer) still runs under the cap.
    """

    def __init__(self, topology: Topology, calls, cap: int, budget: int | None = None):
        self.topology, self.calls, self.cap, self.budget = topology, calls, cap, budget or cap
        self.plan: list[Step] = topology.whole()
        self.failed: set[Step] = set()
        self._layer_gas: dict[int, int] = {}  # the most each layer used in a stage
        self._slice_gas: dict[Slice, int] = {}  # the most each slice used
        self._lengths: dict[int, int] = {}  # the longest packed bytes each tensor had
        self._width = 1  # the widest value of any tensor seen, in bytes: unseen tensors are taken this wide
        self._lock = threading.Lock()
        self._rescue = Rescue(topology, calls, cap, self._failed, self.budget)

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
            gas = self.budget if plan == self.topology.whole() else None  # the first try: the whole model
            for run, outcome in zip(live, self.calls.run(step, [run.tensors for run in live], gas)):
                try:
                    self._take(run, step, outcome)
                except (TransactionFailed, CallGasCapError) as exc:
                    failures[run.number] = exc
        if failures:
            raise failures[min(failures)]
        self._learn(runs)
        return runs

    def first(self, inputs: list[bytes]) -> SampleRun:
        """Sample 0 alone, timed: it learns the plan when the model does not fit one call
        (its own steps are those it ran while learning)."""
        started = time.perf_counter()
        run = self.run([0], [inputs])[0]
        run.seconds = time.perf_counter() - started
        return run

    def _take(self, run: SampleRun, step: Step, outcome: Outcome) -> None:
        if outcome.ok:
            run.take(step, outcome, self.topology)
        elif outcome.out_of_gas:
            self._failed(step)
            done = self._rescue.slices(run, step, outcome) if isinstance(step, Slice) else self._rescue.stage(run, step)
            with self._lock:
                self.plan = refine(self.plan, step, done)
        else:
            raise TransactionFailed(f"predict on sample {run.number} failed: {outcome.reason}")

    def _failed(self, step: Step) -> None:
        with self._lock:
            self.failed.add(step)

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
            self.plan = repack(self.plan, self.estimate, self.budget, self.failed, self.topology)

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


def staged_predictor(w3, model, graph: dict, call_gas_cap: int | None = None,
                     budget: int | None = None) -> StagedPredictor:
    """A :class:`StagedPredictor` for ``model`` under the node's call gas cap and budget
    (:func:`eternal.stage_calls.call_gas_cap`), or the cap given (and the budget given,
    else the whole cap).

    Raises:
        UsageError: a cap below one transaction's base gas.
        ModelContractError: the model's tensor ids are not those its graph gives.
    """
    if call_gas_cap is not None and call_gas_cap <= TX_BASE_GAS:
        raise UsageError(f"--call-gas-cap {call_gas_cap:,} leaves no gas for the call (one costs {TX_BASE_GAS:,} before it runs)")
    if call_gas_cap:
        cap, budget = call_gas_cap, budget or call_gas_cap
    else:
        cap, node_budget, _ = node_cap(w3)
        budget = budget or node_budget
    topology = Topology(graph, model.functions.layers().call())
    input_ids, output_ids = model.functions.tensorIds().call()
    if list(input_ids) != topology.input_ids or list(output_ids) != topology.output_ids:
        raise ModelContractError(f"Model at {model.address}: tensorIds() gives inputs {list(input_ids)} and outputs "
                                 f"{list(output_ids)}; its graph gives {topology.input_ids} and {topology.output_ids}")
    topology.takes_windows = takes_windows(w3, model)
    walk = walk_gas(w3.eth.estimate_gas({"to": model.address, "data": model.functions.tensorIds()._encode_transaction_data()}))
    calls = StageCalls(model, topology, RpcBatch(w3.provider), cap, int(graph["activation_frac_bits"]), walk)
    return StagedPredictor(topology, calls, cap, budget)
