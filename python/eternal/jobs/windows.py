"""Windows of a sliced layer's inputs, for ``advanceWindow``: found by asking the layer itself.

A slice by ``advanceSlice`` hands the model every input of the layer whole, and the model holds
them unpacked (32 bytes a value) and copies them into the layer's call: two 32x32x16 inputs of
an Add cost ~15M gas of memory before the layer adds one pair. ``advanceWindow`` hands it only
windows of the inputs, cut by the jobs contract from the committed tensors. Which windows a
slice needs is the layer's knowledge (a convolution reads the input rows under its output rows),
and ``runWindow`` says it: ``WindowTooSmall(input, needLo, needHi, haveLo, haveHi)`` for a
window that misses what the slice reads. Starting from empty windows, each answer widens one
input's window, so a layer of k inputs is settled in at most k + 1 calls (a layer that reads
more of an input once another is given is followed up to twice that). A layer that takes only
whole inputs answers ``WindowUnsupported()``: its slices go by ``advanceSlice``.
The windows are only a request: the contract cuts them from the tensors it committed to, and the
layer reverts if one misses an element, so a wrong window costs a failed estimate, never a wrong output.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from eternal.chain import revert_reason
from eternal.deploy.node_errors import TRANSPORT_ERRORS
from eternal.tensorpack import window

TOO_SMALL = re.compile(r"WindowTooSmall\((\d+), (\d+), (\d+), \d+, \d+\)")
UNSUPPORTED = "WindowUnsupported()"


@dataclass(frozen=True)
class Windows:
    """The windows of one slice's inputs, and the gas of the layer's ``forwardWindow`` on them."""

    offsets: list[int]  # per layer input: its window's first element
    counts: list[int]  # per layer input: its window's elements
    gas: int


class WindowFinder:
    """The smallest windows of a layer's inputs for a slice, by ``runWindow`` calls (``eth_call``).

    Args:
        model: the EternalModel contract (web3).
        gas_cap: the gas each call gets.
        sources: a layer's input ids, in its input order (``layerSources``).
    """

    def __init__(self, model, gas_cap: int, sources: Callable[[int], list[int]]):
        self.model = model
        self.gas_cap = gas_cap
        self.sources = sources
        self._unsupported: set[int] = set()

    def windows(self, layer: int, start: int, end: int, ids, tensors) -> Windows | None:
        """The windows slice ``[start, end)`` of ``layer`` reads from the live set
        ``ids``/``tensors``; None when the layer takes only whole inputs, or the call fails otherwise
        (out of gas, a fault of the input: the step by ``advanceSlice`` is then estimated, and says).
        """
        if layer in self._unsupported:
            return None
        by_id = dict(zip(ids, tensors))
        inputs = [bytes(by_id[source]) for source in self.sources(layer)]
        sizes = [(len(t) - 1) // t[0] for t in inputs]
        offsets, counts = [0] * len(inputs), [0] * len(inputs)
        for _ in range(2 * len(inputs) + 1):
            windows = [window(t, n, o, o + c) for t, n, o, c in zip(inputs, sizes, offsets, counts)]
            try:
                call = self.model.functions.runWindow(layer, start, end, offsets, sizes, windows)
                _, _, gas = call.call({"gas": self.gas_cap})
            except TRANSPORT_ERRORS:
                raise
            except Exception as exc:
                reason = revert_reason(exc)
                if reason == UNSUPPORTED:
                    self._unsupported.add(layer)
                    return None
                needed = TOO_SMALL.fullmatch(reason)
                if needed is None:  # out of gas, or a fault of the input: the slice step's estimate will say
                    return None
                k, lo, hi = (int(v) for v in needed.groups())
                if counts[k]:  # keep what it had: the union of both ranges
                    lo, hi = min(lo, offsets[k]), max(hi, offsets[k] + counts[k])
                offsets[k], counts[k] = lo, hi - lo
                continue
            return Windows(offsets, counts, int(gas))
        return None  # the layer kept asking for more: let advanceSlice do it
