"""Dense: ``activation(x @ kernel + bias)`` over the last axis."""

import math

import numpy as np

from eternal.activations import apply_activation
from eternal.errors import DenseInputTooLargeError
from eternal.fixedpoint import rescale_array
from eternal.layers.base import LayerType, Tensor, register
from eternal.layers.abi import activation_code, encode_words, header, tensor_ref


# DenseLayer's SWAR slots hold every partial sum exactly while sum|x| < 2^(127 - 32) (the
# widest weights in 128-bit slots); past that it reverts `DenseInputTooLarge` (at F = 24 the
# real inputs would have to sum past 2^71), and so does the emulator.
INPUT_SUM_LIMIT = 1 << 95


@register
class Dense(LayerType):
    class_name = "Dense"
    contract = "DenseLayer"

    def normalise(self, raw, input_shapes):
        return {"units": int(raw["units"]), "activation": self.activation(raw), "use_bias": bool(raw["use_bias"])}

    def weights(self, config, arrays, raw):
        self.expect_arrays(arrays, 2 if config["use_bias"] else 1)
        tensors = [Tensor("kernel", arrays[0], "blocked")]
        if config["use_bias"]:
            tensors.append(Tensor("bias", arrays[1]))
        return tensors

    def forward(self, config, inputs, weights, frac):
        x = np.asarray(inputs[0], dtype=object)
        kernel = weights[0]
        rows = kernel.values.shape[0]
        flat = x.reshape(-1, rows)
        for position in flat:
            if sum(abs(int(v)) for v in position) >= INPUT_SUM_LIMIT:
                raise DenseInputTooLargeError(f"{self.where}: the sum of |inputs| is at least 2^95 (fixed point)")
        total = flat.dot(kernel.values.astype(object))
        out = rescale_array(total, frac + kernel.frac_bits, frac)
        if config["use_bias"]:
            bias = weights[1]
            out = out + rescale_array(bias.values.astype(object), bias.frac_bits, frac)
        out = apply_activation(config["activation"], out, frac)
        return out.reshape(*x.shape[:-1], config["units"])

    def abi_config(self, layer, input_shapes, graph):
        """``header, rows, units, positions, activation, kernel, bias`` (bias ``(0,0,0)`` if none)."""
        config = layer["config"]
        tensors = {w["name"]: w for w in layer["weights"]}
        shape = input_shapes[0]
        rows, positions = int(shape[-1]), math.prod(int(d) for d in shape[:-1])
        return encode_words(header(graph) + [
            rows, config["units"], positions, activation_code(config["activation"]),
            tensor_ref(tensors["kernel"]), tensor_ref(tensors.get("bias")),
        ])
