"""A Keras 3 model from a canonical graph and its weight stream (the inverse of export).

Weights come back at their fixed-point values (``q * 2^-frac_bits``), so the
rebuilt model computes what was deployed, up to float rounding. Each layer module
says how its Keras layer is rebuilt (``keras_config``, ``keras_weights``); folded
layers are unfolded there (BatchNormalization: gamma=scale, beta=offset, mean=0,
variance=1-epsilon).
"""

from __future__ import annotations

import os

import numpy as np

from eternal.errors import RebuildError
from eternal.fixedpoint import bits_of, dequantise
from eternal.layers import lookup, model_input_id_count
from eternal.weightstream import layer_tensors

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def layer_arrays(layer: dict, stream: bytes, bits: int) -> list[np.ndarray]:
    """A layer's tensors, decoded and dequantised to float32, in storage order."""
    return [dequantise(q, frac).astype(np.float32) for q, frac in layer_tensors(layer, stream, bits)]


def _make_layer(keras, layer: dict, layer_type):
    """The Keras layer object for one graph layer (not yet called)."""
    name, class_name = layer["name"].replace("/", "__"), layer["class_name"]
    make = getattr(layer_type, "make_keras_layer", None)  # a wrapper builds its inner layer too
    if make is not None:
        try:
            return make(keras, layer["config"], name)
        except (AttributeError, TypeError, ValueError) as exc:
            raise RebuildError(f"Layer '{layer['name']}' ({class_name}): cannot rebuild from config {layer['config']}: {exc}") from None
    config = layer_type.keras3_config(keras, layer["config"])
    cls = getattr(keras.layers, class_name, None)
    if cls is None:
        raise RebuildError(f"Layer '{layer['name']}' ({class_name}): Keras {keras.__version__} has no such layer")
    try:
        return cls(**config, name=name)
    except (TypeError, ValueError) as exc:
        raise RebuildError(f"Layer '{layer['name']}' ({class_name}): cannot rebuild from config {config}: {exc}") from None


def build_keras_model(graph: dict, stream: bytes):
    """The Keras 3 functional model of ``graph`` with the weights of ``stream``."""
    from eternal.keras_io import keras_module

    keras = keras_module("keras3")

    bits = bits_of(graph["precision"])
    tensors: dict[int, object] = {}
    inputs = []
    for index, layer in enumerate(graph["layers"]):
        if index in graph["inputs"]:
            dtype = "float32" if model_input_id_count(graph, index) is None else "int32"
            tensor = keras.Input(shape=tuple(layer["output_shape"]), name=layer["name"].replace("/", "__"), dtype=dtype)
            inputs.append(tensor)
            tensors[index] = tensor
            continue
        layer_type = lookup(layer["class_name"], layer["name"])
        keras_layer = _make_layer(keras, layer, layer_type)
        sources = [tensors[ref[0]] for ref in layer["inbound"]]
        call_options = getattr(layer_type, "call_options", None)
        if getattr(layer_type, "list_call", False):  # inputs as one list, plus its call's options (Attention)
            tensors[index] = keras_layer(sources, **call_options(layer["config"]))
        elif call_options is not None:  # inputs as separate arguments, plus its call's options (MultiHeadAttention)
            tensors[index] = keras_layer(*sources, **call_options(layer["config"]))
        else:
            tensors[index] = keras_layer(sources if len(sources) > 1 else sources[0])
        arrays = layer_arrays(layer, stream, bits)
        if arrays or keras_layer.weights:
            wanted = layer_type.keras_weights(arrays, layer["config"])
            try:
                keras_layer.set_weights(wanted)
            except ValueError as exc:
                raise RebuildError(f"Layer '{layer['name']}' ({layer['class_name']}): weights do not fit: {exc}") from None
            if hasattr(keras_layer, "finalize_state"):
                keras_layer.finalize_state()  # e.g. Normalization computes from its weights only after this
    outputs = [tensors[ref[0]] for ref in graph["outputs"]]
    ordered_inputs = [tensors[i] for i in graph["inputs"]]
    return keras.Model(ordered_inputs if len(ordered_inputs) > 1 else ordered_inputs[0],
                       outputs if len(outputs) > 1 else outputs[0], name=graph["name"])
