"""The fixed-point emulator: runs an export in integer arithmetic exactly as the contracts do.

``emulate_sample(export, inputs)`` predicts, bit for bit, what ``EternalModel.predict``
returns for one sample; ``emulate(export, batches)`` runs a float batch (quantised with
``fixedpoint.quantise_activations``) and also gives float outputs; ``compare_with_keras``
reports how far the fixed-point model is from Keras' float outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eternal.errors import EmulationError
from eternal.exportfile import weight_stream
from eternal.fixedpoint import bits_of, dequantise, quantise_activations
from eternal.layers import QTensor, lookup
from eternal.weightstream import layer_tensors


@dataclass
class Emulation:
    """Outputs of a batch: ``fixed`` (object arrays of ints, 2^-F) and ``floats``, one per model output."""

    fixed: list[np.ndarray]
    floats: list[np.ndarray]
    frac_bits: int


def layer_weights(export: dict, stream: bytes | None = None) -> list[list[QTensor]]:
    """Every layer's quantised tensors (in its Keras shapes), decoded from the weight bytes."""
    graph = export["graph"]
    if stream is None:
        stream = weight_stream(export)
    bits = bits_of(graph["precision"])
    return [[QTensor(q, frac) for q, frac in layer_tensors(layer, stream, bits)] for layer in graph["layers"]]


class Emulator:
    """An export prepared for repeated runs (weights decoded once)."""

    def __init__(self, export: dict):
        self.export = export
        self.graph = export["graph"]
        self.frac = int(self.graph["activation_frac_bits"])
        self.weights = layer_weights(export)
        self.types = [lookup(layer["class_name"], layer["name"]) for layer in self.graph["layers"]]

    def run(self, inputs: list) -> list[np.ndarray]:
        """One sample: fixed-point ints per model input (any shape with the right size) to
        fixed-point object arrays per model output, in their output shapes."""
        graph = self.graph
        if len(inputs) != len(graph["inputs"]):
            raise EmulationError(f"Model '{graph['name']}' takes {len(graph['inputs'])} inputs, got {len(inputs)}")
        values: list[np.ndarray | None] = [None] * len(graph["layers"])
        fed = {}
        for index, x in zip(graph["inputs"], inputs):
            shape = graph["layers"][index]["output_shape"]
            x = np.asarray(x, dtype=object)
            if x.size != int(np.prod(shape)):
                raise EmulationError(
                    f"Input '{graph['layers'][index]['name']}': expected {int(np.prod(shape))} values (shape {shape}), got {x.size}"
                )
            fed[index] = x.reshape(shape)
        for index, (layer, layer_type) in enumerate(zip(graph["layers"], self.types)):
            if index in fed:
                values[index] = fed[index]
                continue
            args = [values[ref[0]] for ref in layer["inbound"]]
            out = layer_type.forward(layer["config"], args, self.weights[index], self.frac)
            out = np.asarray(out, dtype=object)
            shape = layer["output_shape"]
            if out.size != int(np.prod(shape)):
                raise EmulationError(f"{layer_type.where}: forward gave {out.size} values, the graph says shape {shape}")
            values[index] = out.reshape(shape)
        return [values[ref[0]] for ref in graph["outputs"]]

    def run_batch(self, batches) -> Emulation:
        """Float inputs (one batch per model input, batch axis first) through the emulator."""
        batches = [np.asarray(b, dtype=np.float64) for b in (batches if isinstance(batches, (list, tuple)) else [batches])]
        per_sample = [
            self.run([quantise_activations(batch[s], self.frac) for batch in batches]) for s in range(len(batches[0]))
        ]
        fixed = [np.stack([sample[o] for sample in per_sample]) for o in range(len(self.graph["outputs"]))]
        return Emulation(fixed, [dequantise(out, self.frac) for out in fixed], self.frac)


def emulate_sample(export: dict, inputs: list) -> list[np.ndarray]:
    """One sample of fixed-point inputs to the fixed-point outputs ``predict`` returns."""
    return Emulator(export).run(inputs)


def emulate(export: dict, batches) -> Emulation:
    """A float batch (or a list, one per model input) through the fixed-point model."""
    return Emulator(export).run_batch(batches)


def compare_with_keras(export: dict, model, batches) -> dict:
    """How far the fixed-point model is from a Keras model on the same float inputs.

    Returns:
        ``{"max_abs_diff": float, "argmax_agreement": fraction of samples whose argmax (of each
        output, flattened) agrees for every output, "per_output": [max abs diff per output]}``.
    """
    batches = [np.asarray(b, dtype=np.float64) for b in (batches if isinstance(batches, (list, tuple)) else [batches])]
    result = emulate(export, batches)
    feed = [b.astype("float32") for b in batches]
    keras_out = model.predict(feed if len(feed) > 1 else feed[0], verbose=0)
    keras_out = [np.asarray(o, dtype=np.float64) for o in (keras_out if isinstance(keras_out, (list, tuple)) else [keras_out])]
    diffs, agree = [], np.ones(len(batches[0]), dtype=bool)
    for ours, theirs in zip(result.floats, keras_out):
        theirs = theirs.reshape(ours.shape)
        diffs.append(float(np.max(np.abs(ours - theirs), initial=0.0)))
        flat_ours, flat_theirs = ours.reshape(len(ours), -1), theirs.reshape(len(theirs), -1)
        agree &= np.argmax(flat_ours, axis=-1) == np.argmax(flat_theirs, axis=-1)
    return {"max_abs_diff": max(diffs, default=0.0), "argmax_agreement": float(np.mean(agree)), "per_output": diffs}
