"""Which calls run a model whose ``predict`` does not fit one ``eth_call``: the plan.

A plan is a list of steps covering the running layers in graph order (input and identity
layers compute nothing, so a gap may hold them): a :class:`Stage` runs
layers ``[first, stop)`` by ``runStage``; a :class:`Slice` computes elements ``[start,
end)`` of one layer's flat output, for a layer too costly for one call (its slices,
concatenated, are the layer's output): by ``runWindow`` with only the windows of its
inputs the slice reads (:meth:`Topology.windows`) when its layer type takes windows, else
by ``runSlice`` with its whole inputs. Nothing here touches the chain:
:class:`Topology` knows which tensors each step reads and returns, :func:`split` halves a
slice, and :func:`repack` merges steps greedily from the gas each layer was measured to use
(``runStage``'s per-layer ``gasUsed``), with a safety margin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import prod

from eternal.layers import lookup

MARGIN = 0.10  # a merged step's estimate stays under cap / (1 + MARGIN): gas varies with the data


@dataclass(frozen=True)
class Stage:
    """Layers ``[first, stop)`` in one ``runStage`` call."""

    first: int
    stop: int

    def describe(self) -> dict:
        return {"layers": [self.first, self.stop]}


@dataclass(frozen=True)
class Slice:
    """Elements ``[start, end)`` of layer ``layer``'s flat output (C order) in one ``runSlice`` call."""

    layer: int
    start: int
    end: int

    def describe(self) -> dict:
        return {"layer": self.layer, "slice": [self.start, self.end]}


Step = Stage | Slice


class Topology:
    """A model's graph as the staged calls see it: canonical tensor ids and who reads them.

    A tensor's canonical id is the index of the layer whose output it is; identity layers
    (no contract) alias their single source's id, and model inputs are their input
    layers' outputs (docs/CONTRACTS.md, staged inference).

    Args:
        graph: the graph JSON stored on chain (``layers``, ``inputs``, ``outputs``).
        addresses: each layer's contract (the zero address: an input or identity layer).
    """

    def __init__(self, graph: dict, addresses: list[str]):
        layers = graph["layers"]
        self.count = len(layers)
        self.names = [layer["name"] for layer in layers]
        self.class_names = [layer["class_name"] for layer in layers]
        self.shapes = [list(layer["output_shape"]) for layer in layers]
        self.sizes = [prod(shape) for shape in self.shapes]
        given = set(graph["inputs"])
        self.runnable = [n not in given and int(address, 16) != 0 for n, address in enumerate(addresses)]
        self.canonical: list[int] = []
        self.sources: list[list[int]] = []
        for n, layer in enumerate(layers):
            sources = [self.canonical[ref[0]] for ref in layer["inbound"]]
            self.sources.append(sources)
            self.canonical.append(n if n in given or self.runnable[n] else sources[0])
        self.input_ids = [self.canonical[n] for n in graph["inputs"]]
        self._layers = layers
        self._windows: dict[Slice, list[tuple[int, int]] | None] = {}
        self.takes_windows = True  # False for a model without runWindow: every slice by runSlice
        self.output_ids = [self.canonical[ref[0]] for ref in graph["outputs"]]

    def reads(self, step: Step) -> list[int]:
        """The tensors ``step`` must be handed (model inputs, or computed before it), ascending id."""
        if isinstance(step, Slice):
            return sorted(set(self.sources[step.layer]))
        given = set(self.input_ids)
        return sorted({s for n in range(step.first, step.stop) if self.runnable[n] for s in self.sources[n]
                       if s < step.first or s in given})

    def windows(self, step: Slice) -> list[tuple[int, int]] | None:
        """The part ``[lo, hi)`` of each input of ``step``'s layer (in its input order,
        ``sources[step.layer]``) that the slice reads on chain, for ``runWindow``
        (:meth:`eternal.layers.LayerType.input_windows`); None when the layer takes whole
        inputs only, or when the windows would be whole anyway (then ``runSlice``)."""
        if not self.takes_windows:
            return None
        if step not in self._windows:
            layer = self._layers[step.layer]
            shapes = [list(self._layers[ref[0]]["output_shape"]) for ref in layer["inbound"]]
            windows = lookup(layer["class_name"], layer["name"]).input_windows(layer["config"], shapes, step.start, step.end)
            if windows is not None:
                clipped = [(min(max(0, lo), prod(shape)), min(hi, prod(shape))) for (lo, hi), shape in zip(windows, shapes)]
                windows = [(lo, max(lo, hi)) for lo, hi in clipped]
                if all(lo == 0 and hi == prod(shape) for (lo, hi), shape in zip(windows, shapes)):
                    windows = None
            self._windows[step] = windows
        return self._windows[step]

    def filter_block(self, layer: int) -> int | None:
        """The unit of a slice of ``layer`` inside one output position, if its contract computes
        only that part of a position (:meth:`eternal.layers.LayerType.filter_block`), else None."""
        entry = self._layers[layer]
        return lookup(entry["class_name"], entry["name"]).filter_block(entry.get("config", {}))

    def returns(self, stage: Stage) -> list[int]:
        """The tensors ``runStage`` gives back for ``stage``: those a later layer reads or
        that are model outputs, among those it is handed or computes, ascending id."""
        later = {s for n in range(stage.stop, self.count) if self.runnable[n] for s in self.sources[n]}
        held = set(self.reads(stage)) | set(self.run_layers(stage.first, stage.stop))
        return sorted(i for i in held if i < stage.stop and (i in later or i in self.output_ids))

    def run_layers(self, first: int, stop: int) -> list[int]:
        """The layers of ``[first, stop)`` that run (neither input nor identity)."""
        return [n for n in range(first, stop) if self.runnable[n]]

    def whole(self) -> list[Step]:
        """The first plan: the whole model in one call."""
        return [Stage(0, self.count)]


def split(step: Slice) -> list[Slice] | None:
    """Two slices doing ``step``'s work, half its elements each; None for one element."""
    if step.end - step.start < 2:
        return None
    middle = (step.start + step.end) // 2
    return [Slice(step.layer, step.start, middle), Slice(step.layer, middle, step.end)]


def refine(plan: list[Step], step: Step, pieces: list[Step]) -> list[Step]:
    """``plan`` with ``step`` replaced by ``pieces`` (unchanged when ``step`` is not in it)."""
    if step not in plan:
        return list(plan)
    at = plan.index(step)
    return list(plan[:at]) + list(pieces) + list(plan[at + 1:])


Estimate = Callable[[Step], "int | None"]
"""A step's gas as a transaction, from what was measured; None when not known."""


def repack(plan: list[Step], estimate: Estimate, cap: int, failed: set[Step], topology: Topology,
           margin: float = MARGIN) -> list[Step]:
    """Merges consecutive steps of ``plan`` into as few as fit ``cap`` with ``margin`` to spare.

    Stages merge with stages (over their layers: a merged stage may also end between the
    plan's boundaries), slices with the adjacent slices of their layer. A step already
    in ``plan`` is kept when no bigger one fits, so repacking never makes the plan
    longer; a step in ``failed`` (it ran out of gas) is never made again.
    """
    limit = cap / (1 + margin)

    def fits(step: Step) -> bool:
        gas = estimate(step)
        return step not in failed and gas is not None and gas <= limit

    packed: list[Step] = []
    k = 0
    while k < len(plan):
        step = plan[k]
        if isinstance(step, Slice):
            run = [step]
            while k + len(run) < len(plan) and isinstance(plan[k + len(run)], Slice) \
                    and plan[k + len(run)].layer == step.layer:
                run.append(plan[k + len(run)])
            packed += _merge_slices(run, fits)
        else:
            run = [step]
            while k + len(run) < len(plan) and isinstance(plan[k + len(run)], Stage):
                run.append(plan[k + len(run)])
            packed += _merge_stages(run, fits, topology)
        k += len(run)
    return packed


def _merge_slices(run: list[Slice], fits) -> list[Step]:
    merged: list[Step] = []
    current = run[0]
    for piece in run[1:]:
        bigger = Slice(current.layer, current.start, piece.end)
        if fits(bigger):
            current = bigger
        else:
            merged.append(current)
            current = piece
    return merged + [current]


def _merge_stages(run: list[Stage], fits, topology: Topology) -> list[Step]:
    """Greedy over the running layers of consecutive stages: each new stage takes as many
    layers as fit. Where not even one fits by the estimate, the rest of the plan's stage
    holding that layer is kept as it is: it ran, so it fits the cap."""
    first, stop = run[0].first, run[-1].stop
    running = topology.run_layers(first, stop)
    merged: list[Step] = []
    at = first
    while at < stop:
        ahead = [n for n in running if n >= at]
        best = None
        for k in range(len(ahead)):
            end = ahead[k + 1] if k + 1 < len(ahead) else stop
            if not fits(Stage(at, end)):
                break
            best = end
        if best is None:
            best = stop if not ahead else next(stage.stop for stage in run if stage.first <= ahead[0] < stage.stop)
        merged.append(Stage(at, best))
        at = best
    return merged
