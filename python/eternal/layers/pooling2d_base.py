"""What MaxPooling2D and AveragePooling2D share: window, strides, padding."""

from eternal.layers.base import LayerType, ints


class Pooling(LayerType):
    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        pool = ints(raw["pool_size"])
        strides = raw.get("strides")
        return {
            "pool_size": pool,
            "strides": ints(strides) if strides is not None else pool,
            "padding": self.padding(raw),
        }
