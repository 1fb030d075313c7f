"""PReLU: ``x`` if ``x >= 0``, else ``alpha * x`` with learned alphas, shared over ``shared_axes``.

The alphas are a weight tensor (plain, in the Keras shape: the input's shape with each shared
axis 1), quantised like any weight; ``alpha * x`` is ``rescale(x * q, F + alpha_frac, F)``,
LeakyReLU's arithmetic with a slope per alpha. Value ``i`` of the flat input takes alpha
``i % period`` (``period`` = the number of alphas), so the shared axes must be leading ones:
none (an alpha per value), ``[1, 2]`` on images (one per channel), every axis (one alpha).
"""

import numpy as np

from eternal.activations import leaky_relu
from eternal.layers.base import LayerType, Tensor, ints, register
from eternal.layers.abi import encode_words, header, tensor_ref


@register
class PReLU(LayerType):
    class_name = "PReLU"
    contract = "PReLULayer"

    def normalise(self, raw, input_shapes):
        shape = [int(d) for d in input_shapes[0]]
        shared = sorted(set(ints(raw["shared_axes"]))) if raw.get("shared_axes") is not None else []
        if any(not 1 <= axis <= len(shape) for axis in shared):
            raise self.reject("shared_axes", shared, f"axes 1 to {len(shape)} of a {len(shape)}-axis input")
        alpha = [1 if axis in shared else d for axis, d in enumerate(shape, start=1)]
        # Leading axes alone may be shared: alpha's shape is 1s then the input's trailing axes.
        if not any(all(d == 1 for d in alpha[:k]) and alpha[k:] == shape[k:] for k in range(len(shape) + 1)):
            raise self.reject("shared_axes", shared, "None or leading axes only (e.g. [1, 2]: one alpha per channel)")
        return {"shared_axes": shared}

    def weights(self, config, arrays, raw):
        self.expect_arrays(arrays, 1)
        return [Tensor("alpha", np.asarray(arrays[0], dtype=np.float64))]

    def forward(self, config, inputs, weights, frac):
        alpha = weights[0]
        slopes = [(int(q), alpha.frac_bits) for q in alpha.values.ravel()]
        x = np.asarray(inputs[0], dtype=object)
        out = np.empty(x.shape, dtype=object)
        out.flat[:] = [leaky_relu(int(v), frac, slopes[i % len(slopes)]) for i, v in enumerate(x.flat)]
        return out

    def input_windows(self, config, input_shapes, start, end):
        """Elementwise: ``[start, end)``."""
        return [(start, end)]

    def abi_config(self, layer, input_shapes, graph):
        """``header, period, alpha``: ``period`` alphas (plain), value ``i`` taking alpha ``i % period``."""
        (alpha,) = layer["weights"]
        return encode_words(header(graph) + [int(np.prod(alpha["shape"])), tensor_ref(alpha)])

    def keras_config(self, config):
        return {"shared_axes": config["shared_axes"] or None}
