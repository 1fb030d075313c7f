"""What a ``runStage``, ``runSlice`` or ``runWindow`` call would use as a transaction, without asking the node.

The contract reports each layer's gas (``gasUsed``: ``gasleft()`` around its ``forward``
call). A transaction pays, besides, the 21,000 base, its calldata, and the model's own
share of the call: loading the walk, checking and unpacking the tensors handed in, the
graph loops, packing the tensors it returns and encoding the answer, and the memory all
that takes. :func:`own_share` models that share from the call's shape:

- ``walk_gas``: the model's walk, measured once per model (``eth_estimateGas`` of
  ``tensorIds()``, which loads the walk and does little else, less its 21,000 and calldata);
- per element unpacked (50), per tensor handed (2,290), per element packed (94), per
  tensor returned (2,642; one given back as it was handed, unpacked: 1,004 less), per
  running layer (1,837) and per source it reads (593), per byte of return data (-1.35: the
  per-element figure covers most of it), the memory of the unpacked inputs (elements^2 /
  492: the EVM's words^2 / 512, fitted 4% above for the copies), 229 per layer up to the
  call's end (the stage's end or the sliced layer's next: loops over the layers before
  it), and for ``runStage`` 3,600 plus 246 per layer of the model.

The figures are least squares over 275 calls of 12 models (the committed fixtures, the
small CNN and dense models, LeNet) on anvil, against ``eth_simulateV1``'s ``gasUsed``
(the transaction's gas): largest error 0.8% of the call's gas, and at most ~1.2k gas on
any call (since the exponential got ~5x cheaper, 2026-11-30, a 100k-gas call of the merge
fixture is off by 1,172 gas, 1.2%: the error is the fit's, not the layer's); fitted
without it, each model stays within 1% but one (a DAG of 100k-gas calls, within 2.3%).
python/tests/test_stages.py checks the figures against ``eth_estimateGas`` on both nodes.

A ``runWindow`` call (handed windows, ``handed_elements`` their values) differs from a
``runSlice`` one: it unpacks the windows straight into the layer's call, inside its
``gasUsed`` (-51 per element handed, and their memory, -elements^2 / 589), has no tensor ids
to check nor walk arena (-1,196, -3,544 per window), and reads the answer where it lands
(its output's memory, +elements^2 / 874): least squares over 84 calls of three models (the
small CNN, a Conv2D -> BatchNormalization -> ReLU -> ZeroPadding2D -> DepthwiseConv2D ->
Conv2D -> Add -> AveragePooling2D chain, LeNet) on anvil against ``eth_simulateV1``,
largest error 0.62%.
``eth_estimateGas`` is a gas limit, not the gas used: for a call whose last act is a big
inner call it is higher by up to 1/63 of that call (the 63/64 rule), e.g. a slice of a
Dense or LSTM layer (2-6%).
"""

from __future__ import annotations

from dataclasses import dataclass

TX_BASE_GAS = 21_000
CALL_GAS = 64  # a 4-byte selector's calldata (16 per non-zero byte)

PER_ELEMENT_UNPACKED = 50
PER_TENSOR_HANDED = 2_290
PER_ELEMENT_PACKED = 94
PER_TENSOR_RETURNED = 2_642
PER_TENSOR_PASSED_ON = -1_004  # returned as it was handed: no packing
PER_RUNNING_LAYER = 1_837
PER_SOURCE = 593
PER_RETURN_BYTE = -1.35
MEMORY_DIVISOR = 492  # elements^2 / 492: the EVM's words^2 / 512, fitted
PER_LAYER_TO_END = 229
STAGE_BASE = 3_600
STAGE_PER_MODEL_LAYER = 246
CONSTANT = -896
WINDOW_CONSTANT = -1_196
PER_WINDOW = -3_544
PER_WINDOW_ELEMENT = -51
WINDOW_MEMORY_DIVISOR = -589  # handed elements^2 / -589
WINDOW_OUTPUT_DIVISOR = 874  # output elements^2 / 874


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
    if shape.stage:
        gas += STAGE_BASE + STAGE_PER_MODEL_LAYER * model_layers
    if shape.windows:
        gas += (WINDOW_CONSTANT + PER_WINDOW * shape.windows + PER_WINDOW_ELEMENT * shape.handed_elements
                + shape.handed_elements ** 2 / WINDOW_MEMORY_DIVISOR + shape.packed_elements ** 2 / WINDOW_OUTPUT_DIVISOR)
    return max(0, round(gas))


def walk_gas(estimate_of_tensor_ids: int) -> int:
    """The model's walk from ``eth_estimateGas`` of ``tensorIds()``: less its 21,000 and calldata."""
    return estimate_of_tensor_ids - TX_BASE_GAS - CALL_GAS
