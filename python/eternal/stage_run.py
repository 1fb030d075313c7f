"""One sample's staged run and one call's outcome: what :mod:`eternal.stages` carries
between the calls of :mod:`eternal.stage_calls`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eternal.stage_plan import Slice, Step, Topology
from eternal.tensorpack import pack, unpack


@dataclass
class SampleRun:
    """One sample on its way through the steps: its packed tensors by canonical id, and
    each step it took with the gas that step uses as a transaction."""

    number: int
    tensors: dict[int, bytes]
    steps: list[tuple[Step, int]] = field(default_factory=list)
    layer_gas: dict[int, int] = field(default_factory=dict)  # a sliced layer: the sum of its slices
    slice_gas: dict[Slice, int] = field(default_factory=dict)
    seconds: float = 0.0  # the wall time of its run (sample 0's: StagedPredictor.first)
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

    def take(self, step: Step, outcome: Outcome, topology: Topology) -> None:
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
