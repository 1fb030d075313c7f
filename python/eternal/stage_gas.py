"""What a ``runStage``, ``runSlice`` or ``runWindow`` call would use as a transaction, without asking the node.

The contract reports each layer's gas (``gasUsed``: ``gasleft()`` around its ``forward``
call). A transaction pays, besides, the 21,000 base, its calldata, and the model's own
share of the call: loading the walk, checking and unpacking the tensors handed in, the
graph loops, packing the tensors it returns and encoding the answer, and the memory all
that takes. :func:`own_share` models that share from the call's shape:

- ``walk_gas``: the model's walk, measured once per model (``eth_estimateGas`` of
  ``tensorIds()``, which loads the walk and does little else, less its 21,000 and calldata);
- per element unpacked, per tensor handed, per element packed, per tensor returned (one
  given back as it was handed, unpacked, less), per running layer and per source it reads,
  per byte of return data, the memory of the unpacked inputs (elements^2), of the packed
  outputs (elements^2) and of both (handed x packed), per layer up to the call's end (the
  stage's end or the sliced layer's next: loops over the layers before it), and for
  ``runStage`` a base and per layer of the model.

A ``runWindow`` call (handed windows, ``handed_elements`` their values) differs from a
``runSlice`` one: it unpacks the windows straight into the layer's call, inside its
``gasUsed``, has no tensor ids to check nor walk arena, and reads the answer where it lands
(its output's memory): its own terms replace the packed-memory ones.

The figures are least squares (``bench/fit_stage_gas.py``, 2026-11-30, after the model began
calling layer implementations directly and in place) over 668 calls of 20 models (the committed
int32 fixtures that stage, the small CNN of the tests, LeNet) under caps that force stages,
slices and windows, on anvil, against ``eth_simulateV1``'s ``gasUsed`` (the transaction's gas):
every call within 2.13% of its gas, mean error 380 gas (the worst: one-layer stages of ~100k
gas off by ~2k: what a call costs besides its layers now depends on where its tensors sit in
memory, which these terms see only roughly; before, 0.8%). python/tests/test_stages.py checks
2.5% or 1,500 gas against ``eth_simulateV1`` and 1% against ``eth_estimateGas`` on both nodes.
``eth_estimateGas`` is a gas limit, not the gas used: for a call whose last act is a big
inner call it is higher by up to 1/63 of that call (the 63/64 rule), e.g. a slice of a
Dense or LSTM layer (2-6%).
"""

from __future__ import annotations

from dataclasses import dataclass

TX_BASE_GAS = 21_000
CALL_GAS = 64  # a 4-byte selector's calldata (16 per non-zero byte)

PER_ELEMENT_UNPACKED = 53
PER_TENSOR_HANDED = 3648
PER_ELEMENT_PACKED = 85
PER_TENSOR_RETURNED = 1480
PER_TENSOR_PASSED_ON = -679  # returned as it was handed: no packing
PER_RUNNING_LAYER = 2710
PER_SOURCE = -455
PER_RETURN_BYTE = 0.99
MEMORY_DIVISOR = 601  # elements^2 / 601
PER_LAYER_TO_END = 178
STAGE_BASE = 1930
STAGE_PER_MODEL_LAYER = 298
CONSTANT = -639
WINDOW_CONSTANT = -329
PER_WINDOW = -4460
PER_WINDOW_ELEMENT = -54
WINDOW_MEMORY_DIVISOR = -3280  # handed elements^2 / -3,280
WINDOW_OUTPUT_DIVISOR = 1050  # output elements^2 / 1,050
PACKED_MEMORY_DIVISOR = 1494  # elements packed^2 / 1,494 (runStage, runSlice)
CROSS_MEMORY_DIVISOR = -2281  # handed x packed elements / -2,281 (runStage, runSlice)


@dataclass(frozen=True)
class CallShape:
    """What a staged call does besides running its layers."""

    handed_elements: int  # elements of the tensors handed in (each is unpacked)
    handed_tensors: int
    packed_elements: int  # elements of the tensors it computes and returns (each is packed)
    returned_tensors: int
    return_bytes: int  # the ABI-encoded answer
    passed_on: int  # of those returned, how many were handed in (given back unpacked)
    running_layers: int
    sources: int  # the tensors the running layers read, counted per layer
    end: int  # runStage: the range's end; runSlice: the sliced layer's index + 1
    stage: bool  # runStage (else runSlice or runWindow)
    windows: int = 0  # runWindow: the windows handed (0: runStage or runSlice)


def own_share(shape: CallShape, walk_gas: int, model_layers: int) -> int:
    """The model's own gas in a staged call (all but the layers, the 21,000 and the calldata)."""
    gas = (walk_gas + CONSTANT + PER_ELEMENT_UNPACKED * shape.handed_elements
           + PER_TENSOR_HANDED * shape.handed_tensors + PER_ELEMENT_PACKED * shape.packed_elements
           + PER_TENSOR_RETURNED * shape.returned_tensors + PER_TENSOR_PASSED_ON * shape.passed_on
           + PER_RUNNING_LAYER * shape.running_layers + PER_SOURCE * shape.sources
           + PER_RETURN_BYTE * shape.return_bytes + shape.handed_elements ** 2 / MEMORY_DIVISOR
           + PER_LAYER_TO_END * shape.end)
    if not shape.windows:
        gas += (shape.packed_elements ** 2 / PACKED_MEMORY_DIVISOR
                + shape.handed_elements * shape.packed_elements / CROSS_MEMORY_DIVISOR)
    if shape.stage:
        gas += STAGE_BASE + STAGE_PER_MODEL_LAYER * model_layers
    if shape.windows:
        gas += (WINDOW_CONSTANT + PER_WINDOW * shape.windows + PER_WINDOW_ELEMENT * shape.handed_elements
                + shape.handed_elements ** 2 / WINDOW_MEMORY_DIVISOR + shape.packed_elements ** 2 / WINDOW_OUTPUT_DIVISOR)
    return max(0, round(gas))


def walk_gas(estimate_of_tensor_ids: int) -> int:
    """The model's walk from ``eth_estimateGas`` of ``tensorIds()``: less its 21,000 and calldata."""
    return estimate_of_tensor_ids - TX_BASE_GAS - CALL_GAS
