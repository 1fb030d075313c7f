"""A step that ran out of gas, run again in parts that fit, with as few failed calls as can be.

A call that runs out of gas is costly on some nodes: Hardhat spends seconds and gigabytes
on a failed 16M-gas call (it traces it to find a reason), several times a success's. So
the parts are sized from cheap measurements, not found by trial:

- each layer of a failed stage in turn: a layer whose output has rows (at least
  :data:`PROBE_MIN_ROWS` along its first axis) is measured by two probe slices, one and two
  middle rows (``runSlice``'s or ``runWindow``'s ``gasUsed``: a fixed part and a part per
  row; a layer whose slice computes everything, such as Dense, shows no part per row). It
  then runs whole (``runStage``) if that fits the budget (the cap, or less on Hardhat)
  with :data:`eternal.stage_plan.MARGIN` to spare, else in slices of as many rows as fit with their calls' overhead (which grows
  with the rows for a slice handed only its windows); a layer without rows just runs whole;
- but a layer that computes part of an output position (a Conv2D: blocks of filters,
  :meth:`eternal.stage_plan.Topology.filter_block`) whose one row is too costly for a call,
  or which ran out of gas whole, is measured by two probe slices of one and two units of
  filters of its middle position, and runs in slices of as many whole positions as fit or,
  when one position does not fit, of as many units of one position's filters as fit;
- a part that still runs out of gas is halved (:func:`eternal.stage_plan.split`) until its
  halves fit, once its first element alone was seen to fit: when one element does not fit,
  nothing will (:class:`eternal.errors.CallGasCapError`).
"""

from __future__ import annotations

from eternal.errors import CallGasCapError, TransactionFailed
from eternal.stage_plan import MARGIN, Slice, Stage, Step, Topology, split
from eternal.stage_run import Outcome, SampleRun

PROBE_MIN_ROWS = 4  # fewer rows: the probes would cost about what the layer does


class Rescue:
    """Runs a failed step's work for one sample in parts; ``failed(step)`` is told of each
    part that ran out of gas, and each method returns the steps it ran, in order."""

    def __init__(self, topology: Topology, calls, cap: int, failed, budget: int | None = None):
        self.topology, self.calls, self.cap, self.failed = topology, calls, cap, failed
        self.limit = (budget or cap) / (1 + MARGIN)  # what a part is sized to; it runs under the cap

    def stage(self, run: SampleRun, stage: Stage) -> list[Step]:
        """Each running layer of ``stage`` on its own (whole or in slices)."""
        done: list[Step] = []
        for layer in self.topology.run_layers(stage.first, stage.stop):
            done += self.layer(run, layer)
        return done

    def layer(self, run: SampleRun, layer: int) -> list[Step]:
        """One layer, whole if its probes say it fits, else in slices of as many rows (or filters) as fit."""
        top = self.topology
        shape = top.shapes[layer]
        rows = shape[0] if len(shape) >= 2 else 1
        probe = self._probe(run, layer, rows) if rows >= PROBE_MIN_ROWS else None
        whole = Stage(layer, layer + 1)
        pieces: list[Step] = [whole]
        if probe is not None:
            fixed, per_row = probe
            if per_row > 0 and fixed + rows * per_row + self._overhead(run, whole) > self.limit:
                row = Slice(layer, 0, top.sizes[layer] // rows)
                if top.filter_block(layer) and not self._fits(run, row, fixed + per_row):
                    pieces = self._filters(run, layer) or self._rows(run, layer, rows, fixed, per_row)
                else:
                    pieces = self._rows(run, layer, rows, fixed, per_row)
        done: list[Step] = []
        for piece in pieces:
            done += self._run(run, piece)
        return done

    def _rows(self, run: SampleRun, layer: int, rows: int, fixed: int, per_row: int) -> list[Slice]:
        """Slices of whole rows of ``layer``'s output, in order, each of as many rows as fit
        by the probes' figures plus its own call's overhead (at least one row). A slice
        that takes windows is handed only the input rows it reads, so its overhead grows
        with its rows: the count is found by bisection for each slice."""
        step = self.topology.sizes[layer] // rows
        pieces: list[Slice] = []
        at = 0
        while at < rows:
            low, high = 1, rows - at  # the answer is in [low, high]; low is taken even if it does not fit
            while low < high:
                middle = (low + high + 1) // 2
                piece = Slice(layer, at * step, (at + middle) * step)
                fits = fixed + middle * per_row + self._overhead(run, piece) <= self.limit
                low, high = (middle, high) if fits else (low, middle - 1)
            pieces.append(Slice(layer, at * step, (at + low) * step))
            at += low
        return pieces

    def _filters(self, run: SampleRun, layer: int) -> list[Slice] | None:
        """Slices of ``layer`` too costly for one call, sized by probes of the middle position's
        first one and two units of filters: each of as many units as fit with its call's
        overhead, whole positions when one fits, else parts of one position cut at multiples
        of the unit (at least one). None (the caller halves) for a position of fewer than two
        units or a probe out of gas."""
        top = self.topology
        size, channels, unit = top.sizes[layer], top.shapes[layer][-1], top.filter_block(layer)
        at = size // channels // 2 * channels
        probe = self._measure(run, layer, [Slice(layer, at, at + count * unit) for count in (1, 2)]) \
            if channels >= 2 * unit else None
        if probe is None or probe[1] <= 0:
            return None
        fixed, per_unit = probe
        low, high = 1, -(-size // unit)  # units a slice: the answer is in [low, high]
        while low < high:
            middle = (low + high + 1) // 2
            fits = self._fits(run, Slice(layer, 0, min(size, middle * unit)), fixed + middle * per_unit)
            low, high = (middle, high) if fits else (low, middle - 1)
        length = low * unit
        if length >= channels:
            length -= length % channels
            return [Slice(layer, start, min(size, start + length)) for start in range(0, size, length)]
        return [Slice(layer, start, min(start + length, position + channels))
                for position in range(0, size, channels) for start in range(position, position + channels, length)]

    def _fits(self, run: SampleRun, step: Step, layer_gas: float) -> bool:
        """Whether ``step``, its layer using ``layer_gas``, fits the limit with its call's overhead."""
        return layer_gas + self._overhead(run, step) <= self.limit

    def slices(self, run: SampleRun, piece: Slice, outcome: Outcome, checked: bool = False) -> list[Step]:
        """``piece`` ran out of gas: its halves, each halved again while it does (after one
        check that its first element alone fits)."""
        halves = None if outcome.intrinsic else split(piece)
        if halves is None:
            raise self._too_big(piece, outcome)
        if not checked:
            one = Slice(piece.layer, piece.start, piece.start + 1)
            alone = self.calls.run(one, [run.tensors])[0]
            if alone.out_of_gas:
                self.failed(one)
                raise self._too_big(one, alone)
            if not alone.ok:
                raise TransactionFailed(f"predict on sample {run.number} failed: {alone.reason}")
        done: list[Step] = []
        for half in halves:
            done += self._run(run, half, checked=True)
        return done

    def _run(self, run: SampleRun, piece: Step, checked: bool = False) -> list[Step]:
        outcome = self.calls.run(piece, [run.tensors])[0]
        if outcome.ok:
            run.take(piece, outcome, self.topology)
            return [piece]
        if not outcome.out_of_gas:
            raise TransactionFailed(f"predict on sample {run.number} failed: {outcome.reason}")
        self.failed(piece)
        if isinstance(piece, Slice):
            return self.slices(run, piece, outcome, checked)
        layer = self.topology.run_layers(piece.first, piece.stop)[0]
        parts = self._filters(run, layer) if self.topology.filter_block(layer) and not outcome.intrinsic else None
        if parts:
            return [step for part in parts for step in self._run(run, part)]
        whole = Slice(layer, 0, self.topology.sizes[layer])
        return self.slices(run, whole, outcome)

    def _probe(self, run: SampleRun, layer: int, rows: int) -> tuple[int, int] | None:
        """``(fixed, per_row)``: the layer's gas in a slice, from one and two middle rows; None
        when a probe runs out of gas (then the layer is found by halving)."""
        step, middle = self.topology.sizes[layer] // rows, rows // 2
        return self._measure(run, layer, [Slice(layer, middle * step, (middle + count) * step) for count in (1, 2)])

    def _measure(self, run: SampleRun, layer: int, probes: list[Slice]) -> tuple[int, int] | None:
        """``(fixed, per_unit)`` from the layer's gas in two probe slices of one and two units;
        None when one runs out of gas."""
        used = []
        for probe in probes:
            outcome = self.calls.run(probe, [run.tensors])[0]
            if outcome.out_of_gas:
                return None
            if not outcome.ok:
                raise TransactionFailed(f"predict on sample {run.number} failed: {outcome.reason}")
            used.append(outcome.layer_gas[layer])
        per_unit = used[1] - used[0]
        return used[0] - per_unit, per_unit

    def _overhead(self, run: SampleRun, step: Step) -> int:
        return self.calls.overhead(step, [len(run.tensors[i]) for i in self.topology.reads(step)])

    def _too_big(self, step: Slice, outcome: Outcome) -> CallGasCapError:
        needs = max(self.cap + 1, outcome.needs or 0)
        name = self.topology.names[step.layer]
        what = f"element {step.start} of layer '{name}' (index {step.layer}) alone"
        if step.end - step.start > 1:
            what = f"elements [{step.start}, {step.end}) of layer '{name}' (index {step.layer}): the calldata alone"
        return CallGasCapError(
            f"predict: {what} needs at least {needs:,} gas, over the node's call gas cap of {self.cap:,}; "
            "pass a larger --call-gas-cap if the node allows it, or use a node with a higher cap "
            "(anvil --gas-limit N, geth/reth --rpc.gascap N)")
