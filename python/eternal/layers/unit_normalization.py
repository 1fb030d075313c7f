"""UnitNormalization: ``x / sqrt(max(sum(x^2), eps))`` over the trailing axes, on LayerNormalizationLayer.

The two Keras versions floor the norm differently: Keras 3 computes ``x * min(rsqrt(sum(x^2)),
1 / 1e-12)`` (``ops.normalize``), so ``eps = 1e-24`` on the sum of squares; tf_keras calls
``tf.linalg.l2_normalize(x, epsilon=1e-12)``, ``x / sqrt(max(sum(x^2), 1e-12))``, so ``eps = 1e-12``.
In fixed point (F fractional bits; the sum of squares on 2F) a non-zero row's sum is at least
``2^-2F``: Keras 3's floor is below it up to F = 39 (only an all-zero row reaches it, and gives 0
in both), but tf_keras' is observable from F = 20 on: at F = 24 a row whose norm is below 1e-6
(under 17 units of 2^-24) comes out ``x / 1e-6`` in tf_keras, ``x / |x|`` in Keras 3. So the config
carries the floor (``epsilon``, on the sum of squares) and the two exports hash differently.

The row (the values of the normalised axes, which must be the trailing ones: contiguous in the
flat tensor) runs LayerNormalizationLayer's mode ``UNIT``: ``s = isqrt(max(sum(x_i^2) << 2G,
eps))``, ``y_i = round_div(x_i << (F + G), s)`` (``layer_normalization.normalise_row``), with
``eps = max(1, quantise_constant(epsilon, 2F + 2G))`` (on 2F + 2G bits, so tf_keras' floor is
quantised within a relative 2^-40 at F = 24, not 2^-9 as on 2F bits); no gamma or beta.
"""

from __future__ import annotations

import math

import numpy as np

from eternal.errors import RebuildError
from eternal.layers.abi import encode_words, header, tensor_ref
from eternal.layers.base import LayerType, register
from eternal.activations import quantise_constant
from eternal.layers.layer_normalization import EXTRA_BITS, INPUT_BITS, MAX_WIDTH, UNIT, normalise_row

KERAS2_EPSILON = 1e-12  # tf.linalg.l2_normalize's floor on sum(x^2)
KERAS3_EPSILON = 1e-24  # ops.normalize's floor 1e-12 on the norm, squared


@register
class UnitNormalization(LayerType):
    class_name = "UnitNormalization"
    contract = "LayerNormalizationLayer"

    def normalise(self, raw, input_shapes):
        rank = len(input_shapes[0])
        axis = raw.get("axis", -1)
        axes = sorted({(a - 1 if a > 0 else a + rank) for a in (axis if isinstance(axis, (list, tuple)) else [axis])})
        if axes != list(range(rank - len(axes), rank)) or not axes:
            raise self.reject("axis", axis, "the trailing axes, e.g. -1")
        width = math.prod(int(d) for d in input_shapes[0][rank - len(axes):])
        if width > MAX_WIDTH:
            raise self.reject("axis", axis, f"axes of at most {MAX_WIDTH:,} values")
        # Keras 3 serialises its dtype policy as {"module": "keras", ...}; tf_keras as a string
        # (or, for a mixed policy, a dict of its own module).
        dtype = raw.get("dtype")
        keras3 = isinstance(dtype, dict) and str(dtype.get("module", "")).startswith("keras")
        return {"axes": len(axes), "epsilon": KERAS3_EPSILON if keras3 else KERAS2_EPSILON}

    @staticmethod
    def floor(config, frac: int) -> int:
        """epsilon on 2F + 2G fractional bits, at least 1."""
        return max(1, quantise_constant(config["epsilon"], 2 * (frac + EXTRA_BITS)))

    @staticmethod
    def width(config, input_shape) -> int:
        """The row length: the product of the normalised (trailing) axes."""
        return math.prod(int(d) for d in input_shape[len(input_shape) - config["axes"]:])

    def forward(self, config, inputs, weights, frac):
        x = np.asarray(inputs[0], dtype=object)
        self.expect_within(INPUT_BITS, "an input", x)
        eps = self.floor(config, frac)
        rows = x.reshape(-1, self.width(config, x.shape)) if x.size else x.reshape(0, 1)
        out = [normalise_row([int(v) for v in row], UNIT, eps, frac) for row in rows]
        return np.array(out, dtype=object).reshape(x.shape)

    def input_windows(self, config, input_shapes, start, end):
        """The whole rows that cover ``[start, end)``."""
        width = self.width(config, input_shapes[0])
        return [(start - start % width, end + (width - end % width) % width)]

    def abi_config(self, layer, input_shapes, graph):
        """LayerNormalizationLayer's ``header, width, mode (UNIT), eps (2F bits), groups 0, gamma, beta``
        (no tensors)."""
        eps = self.floor(layer["config"], int(graph["activation_frac_bits"]))
        width = self.width(layer["config"], input_shapes[0])
        return encode_words(header(graph) + [width, UNIT, eps, 0, tensor_ref(None), tensor_ref(None)])

    def keras_config(self, config):
        """The trailing axes; Keras 3 (which ``pull`` rebuilds with) has no tf_keras floor.

        Raises:
            RebuildError: for a tf_keras export (its floor, 1e-12 on the sum of squares, is not
                Keras 3's: rebuilt, the model would export to another hash).
        """
        if config["epsilon"] != KERAS3_EPSILON:
            raise RebuildError(f"{self.where}: Keras 3 has no UnitNormalization with tf_keras' floor "
                               f"(epsilon={config['epsilon']} on sum(x^2)); rebuild it with tf_keras")
        return {"axis": list(range(-config["axes"], 0))}
