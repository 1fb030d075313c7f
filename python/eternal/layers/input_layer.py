"""InputLayer: where a model's input enters; no math."""

import numpy as np

from eternal.errors import UnsupportedLayerError
from eternal.layers.base import LayerType, register


@register
class InputLayer(LayerType):
    class_name = "InputLayer"
    identity = True

    def normalise(self, raw, input_shapes):
        """Raises UnsupportedLayerError for an axis of unknown size (``None`` past the batch axis):
        every layer contract is sized when it is deployed."""
        shape = raw.get("batch_shape") or raw.get("batch_input_shape")
        if any(d is None for d in shape[1:]):
            raise UnsupportedLayerError(
                f"Input '{raw.get('name', '?')}' has shape {tuple(shape[1:])}: every axis but the batch needs a "
                "fixed size on chain (give the Input a fixed shape, e.g. a sequence length)")
        return {"shape": [int(d) for d in shape[1:]]}

    def forward(self, config, inputs, weights, frac):
        return np.asarray(inputs[0], dtype=object)
