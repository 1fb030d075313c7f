"""ZeroPadding2D: ``[[top, bottom], [left, right]]`` zeros around the image."""

import numpy as np

from eternal.layers.base import LayerType, register


@register
class ZeroPadding2D(LayerType):
    class_name = "ZeroPadding2D"

    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        padding = np.broadcast_to(np.asarray(raw["padding"], dtype=np.int64).reshape(-1, 1) if np.ndim(raw["padding"]) < 2 else np.asarray(raw["padding"]), (2, 2))
        return {"padding": [[int(v) for v in row] for row in padding]}
