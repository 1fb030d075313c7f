"""Bidirectional over SimpleRNN, LSTM or GRU, merge modes concat, sum, mul and ave.

The forward layer runs as its own layer would; the backward one is the same layer with
``go_backwards`` flipped and its own weights (Keras stores the forward layer's, then the backward
one's). Keras turns the backward output back into time order, then merges per step: concat
``[forward, backward]``, ``f + b``, ``rescale(f * b, 2F, F)`` (as Multiply) or the mean rounded half
up (as Average). On chain the inner layer's contract runs both (``RecurrentLayer``: its config,
then the backward tensors and the merge code). ``merge_mode=None`` (two outputs) and a backward
layer that differs from the forward one but for ``go_backwards`` are refused.
"""

import numpy as np
from eth_abi import encode

from eternal.fixedpoint import rescale_array
from eternal.layers.base import LayerType, Tensor, lookup, register
from eternal.layers.recurrent_base import TENSOR_ABI
from eternal.layers.abi import tensor_ref
from eternal.layers.spatial import divide_round_half_up

INNER = ("SimpleRNN", "LSTM", "GRU")
MERGE_MODES = ("concat", "sum", "mul", "ave")  # their codes in the config (RecurrentLayer.MERGE_*)
BACKWARD = "backward_"  # prefix of the backward layer's tensor names


@register
class Bidirectional(LayerType):
    class_name = "Bidirectional"

    def _inner(self, config: dict) -> tuple[LayerType, dict, dict]:
        """The inner layer type, the forward layer's config and the backward layer's."""
        inner = config["layer"]
        forward = inner["config"]
        return lookup(inner["class_name"], self.name), forward, dict(forward, go_backwards=not forward["go_backwards"])

    def normalise(self, raw, input_shapes):
        inner = raw["layer"]
        if inner["class_name"] not in INNER:
            raise self.reject("layer", inner["class_name"], ", ".join(INNER))
        mode = raw.get("merge_mode", "concat")
        if mode not in MERGE_MODES:
            raise self.reject("merge_mode", mode, ", ".join(MERGE_MODES))
        inner_type = lookup(inner["class_name"], self.name)
        forward = inner_type.normalise(inner["config"], input_shapes)
        backward = raw.get("backward_layer")
        if backward is not None:
            theirs = inner_type.normalise(backward["config"], input_shapes)
            if backward["class_name"] != inner["class_name"] or theirs != dict(forward, go_backwards=not forward["go_backwards"]):
                raise self.reject("backward_layer", backward["class_name"], "the forward layer with go_backwards flipped")
        return {"layer": {"class_name": inner["class_name"], "config": forward}, "merge_mode": mode}

    def weights(self, config, arrays, raw):
        inner_type, forward, backward = self._inner(config)
        half = len(arrays) // 2
        inner_raw = raw["layer"]["config"]
        tensors = inner_type.weights(forward, arrays[:half], inner_raw)
        back = inner_type.weights(backward, arrays[half:], inner_raw)
        return tensors + [Tensor(BACKWARD + t.name, t.values, t.layout) for t in back]

    def forward(self, config, inputs, weights, frac):
        inner_type, forward, backward = self._inner(config)
        half = len(weights) // 2
        f = np.asarray(inner_type.forward(forward, inputs, weights[:half], frac), dtype=object)
        b = np.asarray(inner_type.forward(backward, inputs, weights[half:], frac), dtype=object)
        if forward["return_sequences"]:
            b = b[::-1]  # Keras: the backward output back in time order
        mode = config["merge_mode"]
        if mode == "concat":
            return np.concatenate([f, b], axis=-1)
        if mode == "sum":
            return f + b
        if mode == "mul":
            return rescale_array(f * b, 2 * frac, frac)
        return divide_round_half_up(f + b, 2)

    def contract_for(self, input_shapes, config=None):
        return lookup(config["layer"]["class_name"], self.name).contract

    def input_windows(self, config, input_shapes, start, end):
        inner_type, forward, _ = self._inner(config)
        return inner_type.input_windows(forward, input_shapes, start, end)

    def abi_config(self, layer, input_shapes, graph):
        """The forward layer's config, then the backward tensors (kernel, recurrent kernel, bias)
        and the merge mode's code."""
        inner_type, forward, _ = self._inner(layer["config"])
        tensors = {w["name"]: w for w in layer["weights"]}
        own = inner_type.abi_config({**layer, "config": forward}, input_shapes, graph)
        names = ("kernel", "recurrent_kernel", "bias")
        tail = encode([TENSOR_ABI] * 3 + ["uint256"], [tensor_ref(tensors.get(BACKWARD + n)) for n in names]
                      + [MERGE_MODES.index(layer["config"]["merge_mode"])])
        return bytes(own) + tail

    def make_keras_layer(self, keras, config: dict, name: str):
        """``Bidirectional(inner, merge_mode)``, the inner layer rebuilt from the forward config."""
        inner_type, forward, _ = self._inner(config)
        inner = getattr(keras.layers, config["layer"]["class_name"])(**inner_type.keras3_config(keras, forward), name=f"{name}_forward")
        return keras.layers.Bidirectional(inner, merge_mode=config["merge_mode"], name=name)

    def keras_weights(self, arrays, config):
        inner_type, forward, backward = self._inner(config)
        half = len(arrays) // 2
        return inner_type.keras_weights(arrays[:half], forward) + inner_type.keras_weights(arrays[half:], backward)
