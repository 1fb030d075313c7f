"""A job's next step: which layers, or which slice of one layer, fit one transaction.

Each layer's gas comes from the model itself: ``runStage(i, i + 1)`` by ``eth_call`` returns
the gas of layer i's ``forward`` and the live set after it, so the planner walks the layers
ahead of the job (cached for the run) and knows every stage's tensors before it sends one.
A stage ``[from, to)`` grows while its modelled gas stays under the step budget: 21,000, its
calldata (the live set's pieces it reads, :mod:`eternal.jobs.calls`), the layers' gas, and the job's own share (:data:`STAGE_GAS`
and per layer, per byte of tensors hashed and logged, per output byte stored at the end).
The node then estimates the real transaction (``eth_estimateGas``); one over the budget is cut
and estimated again, so the model only has to be close, never exact.

A layer that alone does not fit is computed in slices (``advanceSlice``): whole rows of its
output at a time (a row: the elements after the first axis), as many as fit. Sizes come from
measurements, not a model: the node's estimate of the real step with a one-element slice (what
the step costs besides the layer's compute) and the layer's gas over one and two rows. A layer
that takes windows of its inputs gets only those, and only the pieces under them
(``advanceWindow``, :mod:`eternal.jobs.windows`). Once the slices cover the layer, a small step
of its own completes it (``completeLayer``, the journal's ``join:<layer>``: the slices' pieces
become the layer's output in the live set by their hashes, what no later layer reads is dropped).
A step that cannot fit even so (a one-element slice, or the join) stops the run with its gas in
one line (:class:`~eternal.errors.StepTooBigError`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from eternal.chain import revert_reason
from eternal.deploy.gas import TX_BASE_GAS, calldata_gas, gas_limit_from_estimate
from eternal.deploy.node_errors import TRANSPORT_ERRORS
from eternal.errors import StepTooBigError, TransactionFailed
from eternal.jobs.calls import StepCalls
from eternal.jobs.state import JobState
from eternal.jobs.step_gas import (LAYER_CALL_GAS, OUTPUT_BYTE_GAS, OUTPUT_GAS, STAGE_GAS, calldata_bytes,
                                    is_out_of_gas, tensors_gas)
from eternal.jobs.windows import WindowFinder
from eternal.stage_plan import Stage, Topology

DEFAULT_STEP_BYTES = 120_000
"""The most calldata a step carries by default: geth's and reth's transaction pools refuse a
transaction of more than 128 KiB (131,072 bytes, signature and envelope included)."""
ESTIMATE_SHRINK = 0.9  # a step over the budget is cut to this share of what the estimate says fits


@dataclass(frozen=True)
class LayerRun:
    """Layer ``layer`` run alone by eth_call: its gas, and the live set after it."""

    layer: int
    gas: int  # its forward call's gas (0 for input and identity layers)
    ids: tuple
    tensors: tuple


@dataclass(frozen=True)
class PlannedStep:
    """One transaction of a job: ``advance`` (a stage), ``advanceSlice`` (a slice) or ``completeLayer``."""

    name: str  # the journal's step name: ``stage:<from>-<to>``, ``slice:<layer>:<start>-<end>``, ``join:<layer>``
    data: str  # calldata to the jobs contract
    gas: int  # the gas limit to send it with
    estimate: int  # the node's estimate of its gas, or the budget when a dry run showed it fits
    what: str  # for the report: ``layers 0-3`` or ``layer 2, elements 0-96 of 256``
    dry_run: bool = False  # the node would not estimate it: an eth_call under the budget ran it

    @property
    def checked(self) -> str:
        """How the step was found to fit, in words."""
        return f"runs under {self.estimate:,} gas (dry run)" if self.dry_run else f"estimate {self.estimate:,} gas"


class StepPlanner:
    """Plans one job's steps under ``budget`` gas each.

    Args:
        jobs, model: the InferenceJobs and EternalModel contracts (web3).
        graph: the model's canonical graph (``graph()`` on chain, parsed).
        sender: the address steps are sent from (estimates are made as it).
        budget: the most gas one step may use (its estimate).
        gas_cap: the most gas a transaction may carry on this chain (its gas limit).
        max_bytes: the most calldata one step may carry.
    """

    def __init__(self, jobs, model, graph: dict, sender: str, budget: int, gas_cap: int,
                 max_bytes: int = DEFAULT_STEP_BYTES):
        self.jobs = jobs
        self.max_bytes = max_bytes
        self.model = model
        self.topology = Topology(graph, model.functions.layers().call())
        self.sender = sender
        self.budget = budget
        self.gas_cap = gas_cap
        self.w3 = jobs.w3
        self._runs: dict = {}  # (layer, live hash) -> LayerRun, or None when one call cannot run it
        self.calls = StepCalls(jobs, self.topology)
        self.windows = WindowFinder(model, gas_cap, self.topology.sources.__getitem__)
        self.dry_run = False

    # ------------------------------------------------------------------ eth_calls

    def layer_run(self, layer: int, ids, tensors) -> LayerRun | None:
        """Layer ``layer`` alone on the live set ``ids``/``tensors``; None if it runs out of gas in one call."""
        key = (layer, tuple(ids), tuple(tensors))  # bytes cache their hash
        if key not in self._runs:
            answer = self._layer_call(layer, self.model.functions.runStage(layer, layer + 1, list(ids), list(tensors)))
            if answer is None:
                self._runs[key] = None
            else:
                out_ids, out_tensors, gas = answer
                # As the job keeps them: model inputs the stage did not reach stay in the live set.
                later = [(i, bytes(t)) for i, t in zip(ids, tensors) if i > layer]
                self._runs[key] = LayerRun(layer, int(gas[0]), (*out_ids, *(i for i, _ in later)),
                                           (*(bytes(t) for t in out_tensors), *(t for _, t in later)))
        return self._runs[key]

    def slice_gas(self, layer: int, start: int, end: int, ids, tensors) -> int | None:
        """Gas of ``forwardWindow`` (where the layer takes windows) or ``forwardSlice`` for elements
        ``[start, end)`` of the layer; None if it runs out of gas. Calls get the per-transaction cap."""
        windows = self.windows.windows(layer, start, end, ids, tensors)
        if windows is not None:
            return windows.gas
        answer = self._layer_call(layer, self.model.functions.runSlice(layer, start, end, list(ids), list(tensors)))
        return None if answer is None else int(answer[2])

    def _layer_call(self, layer: int, call):
        """``call`` (a view of layer ``layer``) by ``eth_call`` under the per-transaction cap: its
        answer, or None if it runs out of gas. Any other revert is the layer failing on this input."""
        try:
            return call.call({"gas": self.gas_cap})
        except TRANSPORT_ERRORS:
            raise
        except Exception as exc:
            if not is_out_of_gas(exc):
                raise TransactionFailed(f"Layer {self._name(layer)} fails on this input: {revert_reason(exc)}") from None
            return None

    def estimate(self, data: str) -> int | None:
        """The node's estimate of a step; None when it runs out of gas under the node's cap.
        :attr:`dry_run` says whether the last one was a dry run.

        A node that will not estimate a transaction near the cap (Hardhat estimates with headroom
        and refuses past the cap) gets a dry run instead: the step by ``eth_call`` with the budget
        as its gas limit. If it runs, it fits: the budget is returned as its (upper bound) estimate.
        """
        call = {"from": self.sender, "to": self.jobs.address, "data": data, "gas": self.gas_cap}
        self.dry_run = False
        try:
            return self.w3.eth.estimate_gas(call)
        except TRANSPORT_ERRORS:
            raise
        except Exception as exc:
            reason = revert_reason(exc)
            if is_out_of_gas(exc):
                return None
            if "cap" not in reason.lower():
                raise TransactionFailed(f"The job's next step would fail: {reason}") from None
        try:
            self.w3.eth.call({**call, "gas": self.budget})
        except TRANSPORT_ERRORS:
            raise
        except Exception as exc:
            if is_out_of_gas(exc):
                return None
            raise TransactionFailed(f"The job's next step would fail: {revert_reason(exc)}") from None
        self.dry_run = True
        return self.budget

    # ------------------------------------------------------------------ planning

    def plan(self, state: JobState) -> PlannedStep:
        """The next step of ``state``'s job: the longest stage that fits, else the biggest slice, or
        the join of a layer's slices once they cover it.

        Raises:
            StepTooBigError: a step that needs more than the budget even at its smallest.
            TransactionFailed: a layer that reverts on this input.
        """
        if state.slices_complete:
            return self._join(state)
        if state.slice_done == 0:
            stage = self._stage(state)
            if stage is not None:
                return stage
        return self._slice(state)

    def _stage(self, state: JobState) -> PlannedStep | None:
        """The longest stage from ``state.next_layer`` under the budget; None if one layer alone is over it."""
        first, count = state.next_layer, state.layer_count
        ids, tensors = state.ids, state.tensors
        fits, layer_gas = first, 0
        for layer in range(first, count):
            run = self.layer_run(layer, ids, tensors)
            if run is None:
                break
            layer_gas += run.gas
            modelled = self.stage_gas(state, run, layer_gas, layer + 1 - first, final=layer + 1 == count)
            if modelled > self.budget and layer > first:  # one layer is always put to the node's estimate
                break
            fits, ids, tensors = layer + 1, run.ids, run.tensors
        while fits > first:
            data = self.calls.advance(state, fits)
            bytes_share = self._bytes_share(data)
            estimate = None if bytes_share else self.estimate(data)
            if not bytes_share and estimate is not None and estimate <= self.budget:
                span = f"layer {first}" if fits == first + 1 else f"layers {first}-{fits - 1}"
                return PlannedStep(f"stage:{first}-{fits}", data, gas_limit_from_estimate(estimate, self.gas_cap),
                                   estimate, span, self.dry_run)
            if fits == first + 1:
                break
            layers = fits - first
            fits = first + max(1, min(layers - 1, math.floor(layers * (bytes_share or self._share(estimate)))))
        return None

    def stage_gas(self, state: JobState, run: LayerRun, layer_gas: int, layers: int, final: bool) -> int:
        """Modelled gas of a stage from ``state`` ending with ``run`` (``layers`` layers, ``layer_gas`` theirs)."""
        data = self.calls.advance(state, run.layer + 1)
        read = set(self.topology.reads(Stage(state.next_layer, run.layer + 1)))
        given = [state.whole(t) for t in state.live if t.id in read]
        gas = (TX_BASE_GAS + calldata_gas(bytes.fromhex(data[2:])) + STAGE_GAS + layer_gas + LAYER_CALL_GAS * layers
               + tensors_gas(given, run.tensors))
        if final:
            gas += OUTPUT_GAS + OUTPUT_BYTE_GAS * (64 + sum(len(t) + 64 for t in run.tensors))
        return gas

    def _slice(self, state: JobState) -> PlannedStep:
        """The biggest slice of ``state.next_layer`` under the budget, whole rows where it can."""
        layer, start = state.next_layer, state.slice_done
        shape = self.topology.shapes[layer]
        size = math.prod(shape)
        row = size // shape[0] if len(shape) > 1 and shape[0] else 1
        smallest, smallest_data = self._slice_estimate(state, start + 1)
        smallest_dry = self.dry_run
        if self._bytes_share(smallest_data):
            raise self._too_big(layer, f"a one-element slice carries {calldata_bytes(smallest_data):,} bytes of calldata, "
                                       f"over --max-step-bytes {self.max_bytes:,}", knob="bytes")
        if smallest is None or smallest > self.budget:
            raise self._too_big(layer, f"a one-element slice {self._needs(smallest, smallest_data)}")
        end = start + 1 if start + 1 == size else self._slice_end(state, smallest, row, size)
        while True:
            if end == start + 1:  # measured already: it fits
                estimate, data, self.dry_run = smallest, smallest_data, smallest_dry
            else:
                estimate, data = self._slice_estimate(state, end)
            bytes_share = self._bytes_share(data)
            if not bytes_share and estimate is not None and estimate <= self.budget:
                what = f"layer {layer}, elements {start}-{end} of {size}"
                return PlannedStep(f"slice:{layer}:{start}-{end}", data,
                                   gas_limit_from_estimate(estimate, self.gas_cap), estimate, what, self.dry_run)
            length, share = end - start, bytes_share or self._share(estimate)
            units = math.ceil(length / row)
            if units > 1:  # whole rows while there are several
                end = start + max(1, min(units - 1, math.floor(units * share))) * row
            else:
                end = start + max(1, min(length - 1, math.floor(length * share)))

    def _slice_end(self, state: JobState, smallest: int, row: int, size: int) -> int:
        """Where the next slice should end to fill the budget, from measurements: the one-element
        step's estimate ``smallest`` less its compute is what every slice step costs besides the
        layer; ``forwardSlice`` over one and two rows gives the layer's gas per row (and a fixed part).
        The node's estimate of the step has the last word (:meth:`_slice`)."""
        layer, start = state.next_layer, state.slice_done
        if self.dry_run:  # the node would not estimate it: what else the step costs is unknown
            return min(size, start + row)
        first = self.slice_gas(layer, start, start + 1, state.ids, state.tensors)
        one = self.slice_gas(layer, start, min(start + row, size), state.ids, state.tensors)
        two = self.slice_gas(layer, start, min(start + 2 * row, size), state.ids, state.tensors)
        if None in (first, one, two):  # a row runs out of gas in one call: half a row, halved as needed
            return start + max(1, min(row, size - start) // 2)
        per_row = max(two - one, 1) if start + row < size else max(one, 1)
        room = self.budget - (smallest - first) - max(one - per_row, 0)  # gas left for whole rows
        rows = room // per_row
        if rows >= 1:
            return min(size, start + rows * row)
        return min(size, start + max(1, room * row // per_row))  # part of a row: elements in proportion

    def _slice_estimate(self, state: JobState, end: int) -> tuple[int | None, str]:
        """The node's estimate of the slice step ``[slice_done, end)`` (None: out of gas), and its calldata:
        from windows of the layer's inputs where the layer takes them (:mod:`eternal.jobs.windows`)."""
        found = self.windows.windows(state.next_layer, state.slice_done, end, state.ids, state.tensors)
        data = (self.calls.advance_window(state, end, found.offsets, found.counts) if found
                else self.calls.advance_slice(state, end))
        if self._bytes_share(data):  # too big to send: no need to ask the node
            return None, data
        return self.estimate(data), data

    def _join(self, state: JobState) -> PlannedStep:
        """The step that joins the slices of ``state.next_layer`` (``completeLayer``)."""
        layer = state.next_layer
        data = self.calls.complete(state)
        if self._bytes_share(data):
            carried = "the model's outputs" if layer + 1 == state.layer_count else "the live set's piece hashes"
            raise self._too_big(layer, f"completing it carries {calldata_bytes(data):,} bytes of calldata ({carried}), "
                                       f"over --max-step-bytes {self.max_bytes:,}", sliceable=False, knob="bytes")
        estimate = self.estimate(data)
        if estimate is None or estimate > self.budget:
            raise self._too_big(layer, f"completing it from its {len(state.slice_hashes)} slice pieces "
                                       f"{self._needs(estimate, data)}", sliceable=False)
        return PlannedStep(f"join:{layer}", data, gas_limit_from_estimate(estimate, self.gas_cap), estimate,
                           f"layer {layer}: complete it from {len(state.slice_hashes)} slice pieces", self.dry_run)

    def _needs(self, estimate: int | None, data: str) -> str:
        """What a step over the budget needs, in words; one that ran out of gas under the
        transaction cap is estimated again under the block's gas limit (anvil's calls may use it)."""
        if estimate is None:
            limit = self.w3.eth.get_block("latest")["gasLimit"]
            call = {"from": self.sender, "to": self.jobs.address, "data": data, "gas": limit}
            try:
                estimate = self.w3.eth.estimate_gas(call) if limit > self.gas_cap else None
            except TRANSPORT_ERRORS:
                raise
            except Exception:
                estimate = None
            if estimate is None:
                return f"runs out of gas under {max(limit, self.gas_cap):,} (the most a call may use here)"
        return f"needs {estimate:,} gas"

    def _bytes_share(self, data: str) -> float:
        """How much of a step to keep for its calldata to fit ``max_bytes`` (0: it fits)."""
        size = calldata_bytes(data)
        return 0.0 if size <= self.max_bytes else ESTIMATE_SHRINK * self.max_bytes / size

    def _share(self, estimate: int | None) -> float:
        """How much of a step over the budget to keep (no estimate: out of gas, it needs the cap at least)."""
        return ESTIMATE_SHRINK * self.budget / (estimate or self.gas_cap)

    def _too_big(self, layer: int, why: str, sliceable: bool = True, knob: str = "gas") -> StepTooBigError:
        if knob == "bytes":
            return StepTooBigError(f"Layer {self._name(layer)} cannot run within one step of {self.max_bytes:,} bytes "
                                   f"of calldata: {why}. Raise --max-step-bytes on a chain whose transaction pool "
                                   f"takes more (geth's and reth's refuse over 131,072 bytes)")
        hint = "Only layers that compute part of their output get cheaper by slices; " if sliceable else ""
        return StepTooBigError(f"Layer {self._name(layer)} cannot run within one step of {self.budget:,} gas: {why}. "
                               f"{hint}raise --max-step-gas (at most {self.gas_cap:,})")

    def _name(self, layer: int) -> str:
        return f"{layer} '{self.topology.names[layer]}' ({self.topology.class_names[layer]})"
