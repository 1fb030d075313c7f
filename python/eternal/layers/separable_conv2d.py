"""SeparableConv2D and SeparableConv1D (channels last, no dilation): a DepthwiseConv2D (1D) without
bias or activation, then a pointwise (1x1) convolution with the layer's bias and activation.
SeparableConv1D is SeparableConv2D with height 1 (the same contract and weight bytes).

Each stage rounds as its own layer does: the depthwise sums are rescaled to F (as
``DepthwiseConv2D``), then ``rescale(sum_c d_c * p[c, f], F + p_frac, F) + rescale(bias_f, b_frac,
F)`` (as a 1x1 ``Conv2D``), then the activation. ``SeparableConv2DLayer`` (the depthwise contract
with a pointwise stage) computes the same integers. Every depthwise output must be in
[-2^160, 2^160) (fixed point), where the pointwise sums cannot overflow; both sides refuse others
(``SeparableInputTooLarge``).

Stored tensors: ``depthwise_kernel`` as Keras has it ``(KH, KW, C, M)``; ``pointwise_kernel``
transposed to ``(filters, C M)``, so a block of filters is one contiguous run of the weight
stream; ``bias``.
"""

import numpy as np

from eternal.fixedpoint import rescale_array
from eternal.layers.abi import activation_code, encode_words, tensor_ref
from eternal.layers.base import LayerType, QTensor, Tensor, register
from eternal.layers.depthwise_conv2d import DepthwiseConv1D, DepthwiseConv2D
from eternal.layers.dilation import expand, thin
from eternal.layers.spatial import apply_activation, row_window

DEPTHWISE_BITS = 160  # every depthwise output must be in [-2^160, 2^160) (fixed point)



@register
class SeparableConv2D(LayerType):
    class_name = "SeparableConv2D"
    contract = "SeparableConv2DLayer"
    one_d = False  # SeparableConv1D: height 1

    def _depthwise(self, config: dict) -> tuple[DepthwiseConv2D, dict]:
        """The depthwise stage as a DepthwiseConv2D layer type and its config (no bias, linear)."""
        depthwise = (DepthwiseConv1D if self.one_d else DepthwiseConv2D)(self.name)
        return depthwise, dict(config, use_bias=False, activation="linear")

    def normalise(self, raw, input_shapes):
        config = DepthwiseConv2D.normalise(self, raw, input_shapes)
        return {**config, "filters": int(raw["filters"])}

    def weights(self, config, arrays, raw):
        self.expect_arrays(arrays, 3 if config["use_bias"] else 2)
        pointwise = np.asarray(arrays[1])
        tensors = [Tensor("depthwise_kernel", expand(arrays[0], config)),
                   Tensor("pointwise_kernel", pointwise.reshape(pointwise.shape[-2], -1).T.copy())]
        if config["use_bias"]:
            tensors.append(Tensor("bias", arrays[2]))
        return tensors

    def keras_weights(self, arrays, config):
        """The depthwise kernel thinned back (``dilation_rate``), the pointwise one back to Keras'
        ``(1, 1, C M, filters)`` (1D: ``(1, C M, filters)``)."""
        ones = (1,) if self.one_d else (1, 1)
        return [thin(arrays[0], config), arrays[1].T.reshape(*ones, *arrays[1].T.shape), *arrays[2:]]

    def input_windows(self, config, input_shapes, start, end):
        """The input rows under the output rows of ``[start, end)``."""
        layer_type, _ = self._depthwise(config)
        g = layer_type.geometry(config, input_shapes[0])
        return [row_window(g, g["kh"], config["filters"], start, end)]

    def forward(self, config, inputs, weights, frac):
        layer_type, depthwise_config = self._depthwise(config)
        depthwise = layer_type.forward(depthwise_config, inputs, weights[:1], frac)
        self.expect_within(DEPTHWISE_BITS, "a depthwise output", depthwise)
        pointwise: QTensor = weights[1]  # (filters, C M)
        total = depthwise.reshape(-1, depthwise.shape[-1]).dot(pointwise.values.T.astype(object))
        out = rescale_array(total, frac + pointwise.frac_bits, frac)
        if config["use_bias"]:
            out = out + rescale_array(weights[2].values.astype(object), weights[2].frac_bits, frac)
        return apply_activation(config["activation"], out.reshape(*depthwise.shape[:-1], -1), frac)

    def abi_config(self, layer, input_shapes, graph):
        """The depthwise stage's DepthwiseConv2D config (bias absent, linear), then
        ``filters, activation, pointwise kernel, bias``."""
        config = layer["config"]
        layer_type, depthwise_config = self._depthwise(config)
        tensors = {w["name"]: w for w in layer["weights"]}
        depthwise = layer_type.abi_config(
            {"config": depthwise_config, "weights": [tensors["depthwise_kernel"]]}, input_shapes, graph)
        return bytes(depthwise) + encode_words([
            config["filters"], activation_code(config["activation"]),
            tensor_ref(tensors["pointwise_kernel"]), tensor_ref(tensors.get("bias")),
        ])


@register
class SeparableConv1D(SeparableConv2D):
    class_name = "SeparableConv1D"
    one_d = True
