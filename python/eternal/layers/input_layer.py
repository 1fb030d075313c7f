"""InputLayer: where a model's input enters; no math."""

import numpy as np

from eternal.layers.base import LayerType, register


@register
class InputLayer(LayerType):
    class_name = "InputLayer"
    identity = True

    def normalise(self, raw, input_shapes):
        shape = raw.get("batch_shape") or raw.get("batch_input_shape")
        return {"shape": [int(d) if d is not None else None for d in shape[1:]]}

    def forward(self, config, inputs, weights, frac):
        return np.asarray(inputs[0], dtype=object)
