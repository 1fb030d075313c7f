"""Embedding: integer ids to rows of a table (inputs are ids, not fixed point)."""

from eternal.layers.base import LayerType, Tensor, register


@register
class Embedding(LayerType):
    class_name = "Embedding"

    def normalise(self, raw, input_shapes):
        if raw.get("mask_zero"):
            raise self.reject("mask_zero", True, "False")
        return {"input_dim": int(raw["input_dim"]), "output_dim": int(raw["output_dim"])}

    def weights(self, config, arrays):
        self.expect_arrays(arrays, 1)
        return [Tensor("embeddings", arrays[0])]
