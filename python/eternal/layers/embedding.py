"""Embedding: integer ids to rows of a table.

The input is quantised like any activation (``id * 2^F``); the layer reads the id
as ``rescale(x, F, 0)`` (round half up) and rejects ids outside ``[0, input_dim)``,
as ``contracts/layers/EmbeddingLayer.sol`` does (``EmbeddingIdOutOfRange``). Each output
is the table entry rescaled from its ``frac_bits`` to F.
"""

import numpy as np
from eth_abi import encode

from eternal.errors import ModelInputError
from eternal.fixedpoint import rescale, rescale_array, to_ints
from eternal.layers.abi import header, tensor_ref
from eternal.layers.base import LayerType, Tensor, register

CONFIG_ABI = [
    "uint256",  # activationFracBits
    "uint256",  # weightBits
    "uint256",  # inputDim (vocabulary size)
    "uint256",  # outputDim
    "(uint256,uint256,int256)",  # embeddings (offset, size, fracBits)
]


@register
class Embedding(LayerType):
    class_name = "Embedding"
    contract = "EmbeddingLayer"

    def normalise(self, raw, input_shapes):
        if raw.get("mask_zero"):
            raise self.reject("mask_zero", True, "False")
        return {"input_dim": int(raw["input_dim"]), "output_dim": int(raw["output_dim"])}

    def weights(self, config, arrays, raw):
        self.expect_arrays(arrays, 1)
        return [Tensor("embeddings", arrays[0])]

    def input_id_count(self, config):
        return config["input_dim"]

    def ids(self, config, x, frac) -> list[int]:
        """The ids of a fixed-point input, checked against the vocabulary."""
        ids = [rescale(int(v), frac, 0) for v in np.asarray(x, dtype=object).flat]
        for position, value in enumerate(ids):
            if not 0 <= value < config["input_dim"]:
                raise ModelInputError(
                    f"{self.where}: input {position} is id {value}; ids must be in [0, {config['input_dim']})"
                )
        return ids

    def forward(self, config, inputs, weights, frac):
        x = np.asarray(inputs[0], dtype=object)
        table = weights[0]
        rows = rescale_array(to_ints(table.values), table.frac_bits, frac)
        out = np.empty((x.size, config["output_dim"]), dtype=object)
        for position, value in enumerate(self.ids(config, x, frac)):
            out[position] = rows[value]
        return out.reshape(*x.shape, config["output_dim"])

    def abi_config(self, layer, input_shapes, graph):
        config = layer["config"]
        (table,) = layer["weights"]
        return encode(
            CONFIG_ABI,
            [
                *header(graph),
                config["input_dim"],
                config["output_dim"],
                tensor_ref(table),
            ],
        )
