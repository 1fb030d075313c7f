"""LayerNormalization and RMSNormalization over the last axis, exactly in integers.

For each row ``x`` of ``n`` values (the last axis; fixed point 2^-F), with ``S = sum(x)``:

- ``u_i = n x_i - S`` (LayerNormalization) or ``n x_i`` (``rms_scaling``, RMSNormalization);
- ``v_i = n x_i - S`` (LayerNormalization, with or without ``rms_scaling``) or ``n x_i``
  (RMSNormalization), for the statistic;
- ``D = div_round(sum(v_i^2), n) + n^2 eps`` (``eps`` on 2F fractional bits), which is
  ``n^2 (variance + eps)`` (or ``n^2 (mean(x^2) + eps)``) on 2F bits;
- ``s = isqrt(D << 2G)`` (floor, G = :data:`EXTRA_BITS`), ``n sqrt(variance + eps)`` on F + G bits;
- the normalised value ``round_div(u_i << (F + G), s)`` on F bits (rounded half up), then
  BatchNormalization's per-channel ``x * gamma + beta`` (``batch_normalization.affine``).

No rounding but the three named ones (the statistic's division, the square root's floor, the
quotient), and the same integers in ``LayerNormalizationLayer``. Both refuse an input with a value
outside [-2^80, 2^80) (fixed point), where the contract's unchecked sums could overflow
(``NormalizationInputTooLarge``). Keras' formulas: LayerNormalization ``(x - mean) /
sqrt(var + eps) * gamma + beta``, with ``rms_scaling`` (Keras 3) ``x / sqrt(var + eps) * gamma``;
RMSNormalization (Keras 3) ``x / sqrt(mean(x^2) + eps) * scale``. A missing gamma is stored as
ones and a missing beta as zeros, except that ``rms_scaling`` and RMSNormalization store their
gamma alone (the contract reads an absent beta as zeros).
"""

from math import isqrt

import numpy as np

from eternal.activations import quantise_constant
from eternal.errors import UnsupportedLayerError
from eternal.layers.abi import encode_words, header, tensor_ref
from eternal.layers.base import LayerType, QTensor, Tensor, canonical_float, register
from eternal.layers.batch_normalization import affine

EXTRA_BITS = 16  # G: fractional bits the square root keeps beyond F
INPUT_BITS = 80  # every x must be in [-2^80, 2^80) (fixed point)
MAX_WIDTH = 1 << 16  # the longest last axis (n^2 and the sums stay far below 2^255)
SUBTRACT_MEAN, CENTERED_VARIANCE, UNIT = 1, 2, 4  # the config's mode bits (UNIT alone: UnitNormalization)



def round_div(a: int, b: int) -> int:
    """``a / b`` rounded half up, for any ``a`` and ``b > 0``."""
    return (2 * a + b) // (2 * b)


def normalise_row(x: list[int], mode: int, eps: int, frac: int) -> list[int]:
    """One row's normalised values (before gamma and beta), as the module docstring says; UNIT:
    ``x_i`` for ``u_i`` and ``s = isqrt(max(sum(x_i^2) << 2G, eps))`` (``eps``, the floor, on 2F + 2G bits)."""
    if mode == UNIT:
        s = isqrt(max(sum(t * t for t in x) << (2 * EXTRA_BITS), eps))
        return [round_div(t << (frac + EXTRA_BITS), s) for t in x]
    n, total = len(x), sum(x)
    u = [n * v - (total if mode & SUBTRACT_MEAN else 0) for v in x]
    v = [n * w - (total if mode & CENTERED_VARIANCE else 0) for w in x]
    s = isqrt((round_div(sum(t * t for t in v), n) + n * n * eps) << (2 * EXTRA_BITS))
    return [round_div(t << (frac + EXTRA_BITS), s) for t in u]


class _RowNormalization(LayerType):
    """What LayerNormalization and RMSNormalization share: config, statistic, weights, contract."""

    contract = "LayerNormalizationLayer"

    def _mode(self, config: dict) -> int:
        raise NotImplementedError

    def _check(self, raw, input_shapes) -> tuple[float, int]:
        """The epsilon and the row length, after refusing what the contract cannot run."""
        axis = raw.get("axis", -1)
        axis = axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis
        rank = len(input_shapes[0]) + 1  # with the batch axis
        if axis not in (-1, rank - 1):
            raise self.reject("axis", raw.get("axis"), "-1 (the last axis)")
        width = int(input_shapes[0][-1])
        if width > MAX_WIDTH:
            raise self.reject("last axis", width, f"at most {MAX_WIDTH:,} values")
        epsilon = canonical_float(raw.get("epsilon", 1e-3))
        if not epsilon > 0:
            raise self.reject("epsilon", epsilon, "a number above 0")
        return epsilon, width

    def forward(self, config, inputs, weights, frac):
        x = np.asarray(inputs[0], dtype=object)
        self.expect_within(INPUT_BITS, "an input", x)
        eps, mode = self._epsilon(config, frac), self._mode(config)
        rows = x.reshape(-1, x.shape[-1]) if x.size else x.reshape(0, 1)
        out = np.array([normalise_row([int(v) for v in row], mode, eps, frac) for row in rows], dtype=object)
        gamma, beta = (*weights, QTensor(np.zeros(len(weights[0].values), dtype=np.int64), 0))[:2]
        return affine(out.reshape(x.shape), gamma, beta, frac)

    @staticmethod
    def _epsilon(config, frac: int) -> int:
        """epsilon on 2F fractional bits (at least 1, so the square root is never of 0)."""
        return max(1, quantise_constant(config["epsilon"], 2 * frac))

    def input_windows(self, config, input_shapes, start, end):
        """The whole rows (runs of the last axis) that cover ``[start, end)``."""
        width = int(input_shapes[0][-1])
        return [(start - start % width, end + (width - end % width) % width)]

    def abi_config(self, layer, input_shapes, graph):
        """``header, width, mode, eps (2F bits), groups (0: rows), gamma, beta`` (tensors of ``width`` values).

        Raises:
            UnsupportedLayerError: gamma's frac bits outside [-64, 128] or beta's below -64 (values
                near 2^71 or below 2^-97, out of the contract's unchecked loop's reach).
        """
        fracs = [int(w["frac_bits"]) for w in layer["weights"]]
        if not -64 <= fracs[0] <= 128 or min(fracs) < -64:
            raise UnsupportedLayerError(f"{self.where}: gamma or beta is out of range (frac bits {fracs}; "
                                        "supported: gamma's in [-64, 128], beta's at least -64)")
        tensors = [tensor_ref(w) for w in layer["weights"]] + [tensor_ref(None)] * (2 - len(layer["weights"]))
        eps = self._epsilon(layer["config"], int(graph["activation_frac_bits"]))
        groups = layer["config"].get("groups", 0)
        return encode_words(header(graph) + [int(input_shapes[0][-1]), self._mode(layer["config"]), eps, groups, *tensors])


@register
class LayerNormalization(_RowNormalization):
    class_name = "LayerNormalization"

    def normalise(self, raw, input_shapes):
        epsilon, width = self._check(raw, input_shapes)
        return {"epsilon": epsilon, "rms_scaling": bool(raw.get("rms_scaling", False)), "channels": width}

    def _mode(self, config):
        return CENTERED_VARIANCE if config["rms_scaling"] else SUBTRACT_MEAN | CENTERED_VARIANCE

    def weights(self, config, arrays, raw):
        """gamma and beta, a missing one stored as ones (gamma) or zeros (beta); with
        ``rms_scaling`` gamma alone (Keras 3 gives that layer no beta)."""
        if config["rms_scaling"]:
            self.expect_arrays(arrays, 1)
            return [Tensor("gamma", np.asarray(arrays[0], dtype=np.float64).reshape(-1))]
        has_gamma, has_beta = bool(raw.get("scale", True)), bool(raw.get("center", True))
        self.expect_arrays(arrays, has_gamma + has_beta)
        arrays = [np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays]
        width = config["channels"]
        return [Tensor("gamma", arrays.pop(0) if has_gamma else np.ones(width)),
                Tensor("beta", arrays.pop(0) if has_beta else np.zeros(width))]

    def keras_config(self, config):
        """Rebuilt with gamma and beta (or gamma alone, with ``rms_scaling``)."""
        rebuilt = {"axis": -1, "epsilon": config["epsilon"]}
        return {**rebuilt, "rms_scaling": True} if config["rms_scaling"] else rebuilt


@register
class RMSNormalization(_RowNormalization):
    class_name = "RMSNormalization"

    def normalise(self, raw, input_shapes):
        epsilon, _ = self._check({"epsilon": 1e-6, **raw}, input_shapes)
        return {"epsilon": epsilon}

    def _mode(self, config):
        return 0

    def weights(self, config, arrays, raw):
        """The scale, as the gamma of a layer without beta."""
        self.expect_arrays(arrays, 1)
        return [Tensor("gamma", np.asarray(arrays[0], dtype=np.float64).reshape(-1))]

    def keras_config(self, config):
        return {"axis": -1, "epsilon": config["epsilon"]}


@register
class GroupNormalization(_RowNormalization):
    """GroupNormalization (last axis): group g's channels ``[g w, (g + 1) w)`` of every position,
    ``w = C / groups``, are one set (gathered position by position) normalised as a
    LayerNormalization row, then each value takes its channel's gamma and beta."""

    class_name = "GroupNormalization"

    def normalise(self, raw, input_shapes):
        epsilon, width = self._check(raw, input_shapes)
        groups = int(raw.get("groups", 32))
        groups = width if groups == -1 else groups
        if groups <= 0 or width % groups != 0:
            raise self.reject("groups", raw.get("groups"), f"a divisor of the {width} channels, or -1")
        positions = int(np.prod(input_shapes[0][:-1]))
        if positions * (width // groups) > MAX_WIDTH:
            raise self.reject("groups", groups, f"groups of at most {MAX_WIDTH:,} values (this input gives {positions * (width // groups):,})")
        return {"groups": groups, "epsilon": epsilon, "channels": width}

    def _mode(self, config):
        return SUBTRACT_MEAN | CENTERED_VARIANCE

    def weights(self, config, arrays, raw):
        return LayerNormalization.weights(self, dict(config, rms_scaling=False), arrays, raw)

    def forward(self, config, inputs, weights, frac):
        x = np.asarray(inputs[0], dtype=object)
        self.expect_within(INPUT_BITS, "an input", x)
        channels, groups = x.shape[-1], config["groups"]
        w = channels // groups
        flat = x.reshape(-1, channels).copy()
        eps = self._epsilon(config, frac)
        for g in range(groups):
            part = flat[:, g * w:(g + 1) * w]
            values = normalise_row([int(v) for v in part.flat], self._mode(config), eps, frac)
            flat[:, g * w:(g + 1) * w] = np.array(values, dtype=object).reshape(part.shape)
        return affine(flat.reshape(x.shape), *weights, frac)

    def input_windows(self, config, input_shapes, start, end):
        """The whole input (a group's statistic reads every position)."""
        return [(0, int(np.prod(input_shapes[0])))]

    def keras_config(self, config):
        return {"groups": config["groups"], "axis": -1, "epsilon": config["epsilon"]}
