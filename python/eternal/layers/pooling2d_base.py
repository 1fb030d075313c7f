"""What MaxPooling2D, AveragePooling2D and MaxPooling1D share: window, strides, padding.

A window only ever covers cells inside the input: with 'same' padding the
padded cells are skipped (max over the valid cells; the average divides by
the number of valid cells, as Keras does).
"""

import numpy as np

from eternal.layers.base import LayerType, ints
from eternal.layers.abi import encode_words, header
from eternal.layers.spatial import as_2d, pair, row_window, window_geometry


class Pooling(LayerType):
    one_d = False

    def normalise(self, raw, input_shapes):
        self.channels_last(raw)
        pool = ints(raw["pool_size"])
        strides = raw.get("strides")
        return {
            "pool_size": pool,
            "strides": ints(strides) if strides is not None else pool,
            "padding": self.padding(raw),
        }

    def geometry(self, config: dict, input_shape) -> dict:
        height, width, channels = as_2d(list(input_shape))
        ph, pw = pair(config["pool_size"], self.one_d)
        sh, sw = pair(config["strides"], self.one_d)
        oh, top = window_geometry(height, ph, sh, config["padding"])
        ow, left = window_geometry(width, pw, sw, config["padding"])
        return {"h": height, "w": width, "c": channels, "ph": ph, "pw": pw, "sh": sh, "sw": sw,
                "oh": oh, "ow": ow, "top": top, "left": left}

    def input_windows(self, config, input_shapes, start, end):
        """The input rows under the output rows of ``[start, end)``."""
        g = self.geometry(config, input_shapes[0])
        return [row_window(g, g["ph"], g["c"], start, end)]

    def reduce(self, window: np.ndarray) -> np.ndarray:
        """One output pixel from the valid cells of its window, shape (cells, C)."""
        raise NotImplementedError

    def forward(self, config, inputs, weights, frac):
        x = inputs[0]
        g = self.geometry(config, x.shape)
        x = x.reshape(g["h"], g["w"], g["c"])
        out = np.empty((g["oh"], g["ow"], g["c"]), dtype=object)
        for i in range(g["oh"]):
            y0 = i * g["sh"] - g["top"]
            ys = slice(max(y0, 0), min(y0 + g["ph"], g["h"]))
            for j in range(g["ow"]):
                x0 = j * g["sw"] - g["left"]
                xs = slice(max(x0, 0), min(x0 + g["pw"], g["w"]))
                out[i, j] = self.reduce(x[ys, xs, :].reshape(-1, g["c"]))
        return out.reshape((g["ow"], g["c"]) if self.one_d else out.shape)

    def abi_config(self, layer, input_shapes, graph):
        """``header, H, W, C, PH, PW, SH, SW, padTop, padLeft, OH, OW``."""
        g = self.geometry(layer["config"], input_shapes[0])
        return encode_words(header(graph) + [g[k] for k in ("h", "w", "c", "ph", "pw", "sh", "sw", "top", "left", "oh", "ow")])
