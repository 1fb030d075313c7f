"""EinsumDense whose equation is a Dense over trailing axes, run by DenseLayer.

The equations transformers and dense stacks use contract the input's last axes with the
kernel's first ones and append the kernel's other axes: ``L C,C N->L N`` (``ab,bc->ac``,
``abc,cd->abd``, ``abc,cde->abde``, ``abcd,cde->abe``; ``...`` may lead the input and the
output). That is a Dense with ``rows = prod C`` and ``units = prod N`` over every position of
``L``: the kernel is stored reshaped to ``(rows, units)`` (blocked, as Dense's), and a bias over
axes of ``N`` alone is stored broadcast to ``(units,)``; the emulator and the chain then run
Dense's integers. Any other equation (a transposed output, an axis shared by the input and the
kernel but kept, a bias along ``L``) is refused with its equation.
"""

from __future__ import annotations

import math

import numpy as np

from eternal.layers.abi import activation_code, encode_words, header, tensor_ref
from eternal.layers.base import Tensor, register
from eternal.layers.dense import Dense

SUPPORTED = "'L C,C N->L N', a Dense over the input's trailing axes C (e.g. 'ab,bc->ac', 'abc,cde->abde')"


def split_equation(equation: str) -> tuple[str, str, str] | None:
    """``(L, C, N)`` of an equation ``L C,C N->L N`` (``L`` may start with ``...``), or None."""
    try:
        inputs, output = equation.replace(" ", "").split("->")
        source, kernel = inputs.split(",")
    except ValueError:
        return None
    letters = source.replace("...", "")
    if not (letters + kernel).isalpha() or len(set(letters)) != len(letters) or len(set(kernel)) != len(kernel):
        return None
    # C: the longest run that ends the input and starts the kernel.
    size = next((n for n in range(min(len(letters), len(kernel)), 0, -1) if source.endswith(kernel[:n])), 0)
    leading, contracted, new = source[: len(source) - size], kernel[:size], kernel[size:]
    if not leading or not contracted or not new or set(new) & set(letters) or output != leading + new:
        return None
    return leading, contracted, new


@register
class EinsumDense(Dense):
    class_name = "EinsumDense"

    def normalise(self, raw, input_shapes):
        equation = str(raw["equation"])
        parts = split_equation(equation)
        if parts is None:
            raise self.reject("equation", equation, SUPPORTED)
        leading, contracted, new = parts
        for key in ("lora_rank", "quantization_config"):
            if raw.get(key):
                raise self.reject(key, raw[key], "None")
        bias_axes = raw.get("bias_axes") or None
        if bias_axes is not None and not set(bias_axes) <= set(new):
            raise self.reject("bias_axes", bias_axes, f"axes of the kernel's output part {new!r}")
        requested = list(raw["output_shape"]) if isinstance(raw["output_shape"], (list, tuple)) else [raw["output_shape"]]
        split = len(input_shapes[0]) - len(contracted)
        shape = [int(d) for d in input_shapes[0][:split]] + [int(d) for d in requested[len(requested) - len(new):]]
        return {"equation": equation, "output_shape": shape, "bias_axes": bias_axes, "activation": self.activation(raw),
                "contracted_shape": [int(d) for d in input_shapes[0][split:]]}

    def fixed_output_shape(self, config):
        return list(config["output_shape"])

    @staticmethod
    def _sizes(config, input_shape) -> tuple[int, int, int, list[int]]:
        """``(positions, rows, units, N's dims)`` of the Dense the equation is."""
        _, contracted, new = split_equation(config["equation"])
        new_dims = config["output_shape"][len(config["output_shape"]) - len(new):]
        rows = math.prod(int(d) for d in input_shape[len(input_shape) - len(contracted):])
        positions = math.prod(int(d) for d in input_shape[: len(input_shape) - len(contracted)])
        return positions, rows, math.prod(new_dims), new_dims

    def weights(self, config, arrays, raw):
        use_bias = config["bias_axes"] is not None
        self.expect_arrays(arrays, 2 if use_bias else 1)
        kernel = np.asarray(arrays[0])
        _, _, new = split_equation(config["equation"])
        units = math.prod(kernel.shape[len(kernel.shape) - len(new):])
        tensors = [Tensor("kernel", kernel.reshape(-1, units), "blocked")]
        if use_bias:
            new_dims = kernel.shape[len(kernel.shape) - len(new):]
            bias = np.asarray(arrays[1])
            tensors.append(Tensor("bias", np.broadcast_to(bias, new_dims).reshape(units).copy()))
        return tensors

    def forward(self, config, inputs, weights, frac):
        x = np.asarray(inputs[0], dtype=object)
        positions, rows, units, _ = self._sizes(config, x.shape)
        dense = {"units": units, "activation": config["activation"], "use_bias": config["bias_axes"] is not None}
        out = super().forward(dense, [x.reshape(positions, rows)], weights, frac)
        return out.reshape(config["output_shape"])

    def abi_config(self, layer, input_shapes, graph):
        """Dense's words: ``header, rows, units, positions, activation, kernel, bias``."""
        config = layer["config"]
        tensors = {w["name"]: w for w in layer["weights"]}
        positions, rows, units, _ = self._sizes(config, input_shapes[0])
        return encode_words(header(graph) + [
            rows, units, positions, activation_code(config["activation"]),
            tensor_ref(tensors["kernel"]), tensor_ref(tensors.get("bias")),
        ])

    def keras_config(self, config):
        """Keras' own arguments: ``output_shape`` without the batch axis and the dims ``...`` stands for."""
        output = config["equation"].replace(" ", "").split("->")[1]
        explicit = len(output.replace("...", "")) - (0 if "..." in output else 1)
        shape = config["output_shape"]
        return {"equation": config["equation"], "output_shape": shape[len(shape) - explicit:],
                "bias_axes": config["bias_axes"], "activation": config["activation"]}

    def keras_weights(self, arrays, config):
        """The kernel in its Keras shape (C's dims, then N's) and the bias over ``bias_axes``."""
        new = split_equation(config["equation"])[2]
        new_dims = config["output_shape"][len(config["output_shape"]) - len(new):]
        out = [arrays[0].reshape(*config["contracted_shape"], *new_dims)]
        if config["bias_axes"] is not None:
            full = arrays[1].reshape(new_dims)
            first = min(new.index(c) for c in config["bias_axes"])
            index = tuple(slice(None) if i >= first and c in config["bias_axes"] else 0
                          for i, c in enumerate(new))
            keep = [d if c in config["bias_axes"] else 1 for c, d in zip(new[first:], new_dims[first:])]
            out.append(full[index].reshape(keep))
        return out
