"""Fusions of the deployment plan: layers computed inside a neighbour, with the same integers.

- ``epilogues``: a BatchNormalization and a ReLU computed inside the convolution before them
  (Conv2D, DepthwiseConv2D, SeparableConv2D).
- ``deferred_activations``: a layer's activation moved past the max pooling after it.
- ``merge_epilogues``: a ReLU computed inside the Add before it (a residual block's).

The first:

MobileNet- and ResNet-style models follow most convolutions with a BatchNormalization and a
ReLU. Run as layers of their own, each costs a layer call: its whole input copied into the
call and its whole output back, ~130-160 gas a value at 16k values, mostly memory, for a
few operations a value. When a Conv2D or DepthwiseConv2D is read only by a BatchNormalization
(and that only by a plain ReLU), the deployment plan gives those two no contract and appends
their constants to the convolution's config (``SpatialBase.Post``): the convolution applies
them to its output, in place, with the same integer operations their own layers use
(``Elementwise.affineInPlace``, ``Elementwise.reluInPlace``). On chain the walk passes the
convolution's output on under their ids, as for an identity layer.

Nothing else changes: the graph, its hash, the weights and the emulator (which still runs
every layer on its own) are those of the model, so the outputs are the same integers, ``pull``
rebuilds the same model, and ``verify`` checks the fused configs against this same plan.
A convolution that is a model output or read by more than one layer keeps its epilogue
out, and so does a BatchNormalization whose output is a model output or read twice (the
ReLU after it then runs as its own layer). A fused BatchNormalization may itself be a model
output: its id then names the convolution's tensor, which holds its values.
"""

from __future__ import annotations

from eternal.layers import lookup
from eternal.layers.abi import activation_code, encode_words, tensor_ref
from eternal.layers.relu import ReLU

FUSES_INTO = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D")
NO_TENSOR = (0, 0, 0)
FUSIONS = ("epilogues", "deferred_activations", "merge_epilogues")
"""Every fusion, in the order they came (issue 12's stops, 2026-11-30 on): a plan applies all of
them; ``verify`` also accepts a deployment planned before the later ones."""
MERGES_INTO = ("Add",)
DEFERS_FROM = ("Conv2D", "Conv1D", "DepthwiseConv2D", "Dense")
DEFERS_PAST = ("MaxPooling2D", "MaxPooling1D")
NEVER_DECREASING = ("relu", "sigmoid", "tanh", "leaky_relu")


def epilogues(layers: list[dict], graph: dict) -> dict[int, tuple[bytes, list[int]]]:
    """The fusions of a deployment plan's layers (``onchain.deployment_plan``'s ``layers``):
    per convolution index, the ``Post`` words to append to its config and the indices of the
    layers fused into it (none of them a model output or read by another layer)."""
    sole_reader = _sole_readers(layers, graph)
    frac = int(graph["activation_frac_bits"])
    found = {}
    for entry in layers:
        if entry["class_name"] not in FUSES_INTO or entry["contract"] is None:
            continue
        norm = sole_reader(entry["index"])
        if norm is not None and graph["layers"][norm]["class_name"] != "BatchNormalization":
            norm = None
        after = sole_reader(norm if norm is not None else entry["index"])
        relu = after if after is not None and _plain_relu(graph["layers"][after], frac) is not None else None
        if norm is None and relu is None:
            continue
        weights = {w["name"]: w for w in graph["layers"][norm]["weights"]} if norm is not None else {}
        threshold, max_value = _plain_relu(graph["layers"][relu], frac) if relu is not None else (0, None)
        words = [tensor_ref(weights["scale"]) if weights else NO_TENSOR,
                 tensor_ref(weights["offset"]) if weights else NO_TENSOR,
                 int(relu is not None), threshold, int(max_value is not None), max_value or 0]
        found[entry["index"]] = (encode_words(words), [i for i in (norm, relu) if i is not None])
    return found


def merge_epilogues(layers: list[dict], graph: dict) -> dict[int, tuple[bytes, list[int]]]:
    """ReLUs fused into the Add before them: per Add index, the words to append to its config
    (``AddLayer``: threshold, has max, max value) and the ReLU's index, as ``epilogues`` gives.

    A residual block ends in Add then ReLU: run as a layer of its own, the ReLU costs a call that
    copies the whole sum in and out (~80 gas a value) for one compare a value. When a plain ReLU
    (``_plain_relu``) is the Add's only reader and the Add no model output, the Add applies it to
    its sums with the ReLU layer's integer operation (in its summing pass for two inputs and no
    cap, else ``Elementwise.reluInPlace``), and the walk
    passes the Add's output on under the ReLU's id. The ReLU itself may be a model output or read
    by many layers: its id then names the Add's tensor, which holds its values.
    """
    sole_reader = _sole_readers(layers, graph)
    frac = int(graph["activation_frac_bits"])
    found = {}
    for entry in layers:
        if entry["class_name"] not in MERGES_INTO or entry["contract"] != "AddLayer":  # not a broadcasting Add
            continue
        relu = sole_reader(entry["index"])
        plain = _plain_relu(graph["layers"][relu], frac) if relu is not None else None
        if plain is None or layers[relu]["contract"] is None:
            continue
        threshold, max_value = plain
        found[entry["index"]] = (encode_words([threshold, int(max_value is not None), max_value or 0]), [relu])
    return found


def _plain_relu(layer: dict, frac: int) -> tuple[int, int | None] | None:
    """``(threshold, max value or None)`` in fixed point for a ReLU without a negative slope, or an
    ``Activation('relu')``; None for any other layer."""
    if layer["class_name"] == "Activation" and layer["config"]["activation"] == "relu":
        return 0, None
    if layer["class_name"] != "ReLU":
        return None
    (q, _), threshold, max_value = ReLU.constants(layer["config"], frac)
    return (threshold, max_value) if q == 0 else None


def deferred_activations(layers: list[dict], graph: dict) -> dict[int, tuple[bytes, int, bytes]]:
    """Activations moved past a max pooling: per layer index, its config with a linear activation,
    the index of the max pooling that is its only reader, and the word to append to the pooling's
    config (the activation's code, ``Pooling2DBase``).

    For an activation that never decreases (relu, sigmoid, tanh, leaky_relu: their integer
    functions in ``eternal.activations`` are monotone), the largest of a window's activated values
    is the activation of its largest value, so pooling first gives the same integers on a quarter
    of the values (2x2 windows): EternalAI's LeNet pays its tanh on 2,030 values instead of 7,910.
    The layer's tensor then holds values before the activation, so the layer must be neither a model
    output nor read by anything but the pooling; the emulator still runs the layers as written.
    """
    sole_reader = _sole_readers(layers, graph)
    found = {}
    for entry in layers:
        layer = graph["layers"][entry["index"]]
        pool = sole_reader(entry["index"])
        if (entry["class_name"] not in DEFERS_FROM or entry["contract"] is None or pool is None
                or layers[pool]["class_name"] not in DEFERS_PAST or layers[pool]["contract"] is None
                or layer["config"].get("activation") not in NEVER_DECREASING):
            continue
        linear = dict(layer, config=dict(layer["config"], activation="linear"))
        shapes = [graph["layers"][i]["output_shape"] for i in entry["inbound"]]
        config = lookup(layer["class_name"], layer["name"]).abi_config(linear, shapes, graph)
        found[entry["index"]] = (bytes(config), pool, encode_words([activation_code(layer["config"]["activation"])]))
    return found


def _sole_readers(layers: list[dict], graph: dict):
    """``sole_reader(index)``: the one layer that reads layer ``index``, or None when it has more
    or none, or is a model output."""
    readers: dict[int, list[int]] = {entry["index"]: [] for entry in layers}
    for entry in layers:
        for source in entry["inbound"]:
            readers[source].append(entry["index"])
    outputs = {int(ref[0]) for ref in graph["outputs"]}

    def sole_reader(index: int) -> int | None:
        return readers[index][0] if index not in outputs and len(readers[index]) == 1 else None

    return sole_reader
