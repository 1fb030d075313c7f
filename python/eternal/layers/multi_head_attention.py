"""MultiHeadAttention over sequences (query ``(Tq, dq)``, value ``(Tv, dv)``, key = value unless
given), without and with ``use_causal_mask``, in integers.

With ``project(x, W, b) = rescale(x W, F + W_frac, F) + rescale(b, b_frac, F)`` (as Dense rounds):
``Q = project(query, Wq, bq)``, ``K = project(key, Wk, bk)``, ``V = project(value, Wv, bv)``, each
``(T, heads, dim)``; ``Q' = rescale(Q m, F + m_frac, F)`` with ``(m, m_frac)`` the 32-bit multiplier
of ``1 / sqrt(key_dim)``; per head, ``S[i, j] = rescale(sum_d Q'[i, d] K[j, d], 2F, F)``; each row
of ``S`` through the shared softmax (over ``j <= i`` alone with the causal mask, the rest 0);
``O[i, d] = rescale(sum_j A[i, j] V[j, d], 2F, F)``; the output ``project(O, Wo, bo)`` over
``(heads, value_dim)``. ``MultiHeadAttentionLayer`` computes the same integers. Every input must be
in [-2^64, 2^64) and every kernel's and bias' frac bits at least 0 (|w| < 2^31 at int32), so no sum
can overflow; both sides refuse others. Refused: attention masks passed as tensors,
``attention_axes`` other than the sequence axis, ``output_shape``, Keras 3's gated attention.
"""

import numpy as np
from eth_abi import encode

from eternal.activations import quantise_multiplier, softmax
from eternal.errors import UnsupportedLayerError
from eternal.fixedpoint import rescale_array, to_ints
from eternal.layers.abi import header, tensor_ref
from eternal.layers.base import LayerType, Tensor, register
from eternal.layers.recurrent_base import TENSOR_ABI

INPUT_BITS = 64
NAMES = ("query_kernel", "query_bias", "key_kernel", "key_bias", "value_kernel", "value_bias", "output_kernel", "output_bias")
MASKS = ("attention_mask", "query_mask", "value_mask", "key_mask")


def _project(x: np.ndarray, kernel, bias, frac: int) -> np.ndarray:
    out = rescale_array(x.dot(to_ints(kernel.values).reshape(x.shape[-1], -1)), frac + kernel.frac_bits, frac)
    return out + rescale_array(to_ints(bias.values).reshape(-1), bias.frac_bits, frac) if bias is not None else out


@register
class MultiHeadAttention(LayerType):
    class_name = "MultiHeadAttention"
    contract = "MultiHeadAttentionLayer"

    def normalise(self, raw, input_shapes):
        call = raw.get("__call__", {})
        for mask in MASKS:
            if call.get(mask):
                raise self.reject(mask, "a tensor", "no mask tensor (use_causal_mask is supported)")
        if call.get("return_attention_scores"):
            raise self.reject("return_attention_scores", True, "False")
        if len(input_shapes) not in (2, 3) or any(len(shape) != 2 for shape in input_shapes):
            raise self.reject("inputs", [list(s) for s in input_shapes], "query and value (and key), each (steps, features)")
        axes = raw.get("attention_axes")
        if axes not in (None, [1], (1,), 1, [-2], -2):
            raise self.reject("attention_axes", axes, "None (the sequence axis)")
        for option in ("output_shape", "use_gate", "sliding_window"):
            if raw.get(option):
                raise self.reject(option, raw[option], "None")
        key_dim = int(raw["key_dim"])
        return {"num_heads": int(raw["num_heads"]), "key_dim": key_dim, "value_dim": int(raw.get("value_dim") or key_dim),
                "use_bias": bool(raw.get("use_bias", True)), "causal": bool(call.get("use_causal_mask", False))}

    def weights(self, config, arrays, raw):
        self.expect_arrays(arrays, 8 if config["use_bias"] else 4)
        names = NAMES if config["use_bias"] else NAMES[::2]
        return [Tensor(name, array) for name, array in zip(names, arrays)]

    def forward(self, config, inputs, weights, frac):
        query, value = (np.asarray(x, dtype=object) for x in inputs[:2])
        key = np.asarray(inputs[2], dtype=object) if len(inputs) > 2 else value
        self.expect_within(INPUT_BITS, "an input", query, value, key)
        w = dict(zip(NAMES if config["use_bias"] else NAMES[::2], weights))
        heads, dk, dv = config["num_heads"], config["key_dim"], config["value_dim"]
        q = _project(query, w["query_kernel"], w.get("query_bias"), frac).reshape(len(query), heads, dk)
        k = _project(key, w["key_kernel"], w.get("key_bias"), frac).reshape(len(key), heads, dk)
        v = _project(value, w["value_kernel"], w.get("value_bias"), frac).reshape(len(value), heads, dv)
        m, m_frac = quantise_multiplier(1.0 / np.sqrt(dk))
        q = rescale_array(q * m, frac + m_frac, frac)
        out = np.empty((len(query), heads, dv), dtype=object)
        for h in range(heads):
            scores = rescale_array(q[:, h, :].dot(k[:, h, :].T), 2 * frac, frac)
            for i in range(len(query)):
                allowed = i + 1 if config["causal"] else len(key)
                row = [0] * len(key)
                row[:allowed] = softmax([int(s) for s in scores[i, :allowed]], frac)
                out[i, h] = rescale_array(np.array(row, dtype=object).dot(v[:, h, :]), 2 * frac, frac)
        return _project(out.reshape(len(query), heads * dv), w["output_kernel"], w.get("output_bias"), frac)

    def input_windows(self, config, input_shapes, start, end):
        """Every input whole (each output row reads every key and value)."""
        return [(0, int(np.prod(shape))) for shape in input_shapes]

    def abi_config(self, layer, input_shapes, graph):
        """``header, Tq, dq, Tv, dv, Tk, dk_in, heads, key_dim, value_dim, causal, m, m_frac``, then the
        eight tensors (biases ``(0,0,0)`` without bias)."""
        config = layer["config"]
        tensors = {w["name"]: w for w in layer["weights"]}
        if any(w["frac_bits"] < 0 for w in layer["weights"]):
            raise UnsupportedLayerError(f"{self.where}: a weight of magnitude 2^31 or more (frac bits below 0) is not supported")
        shapes = [*input_shapes[:2], input_shapes[2] if len(input_shapes) > 2 else input_shapes[1]]
        m, m_frac = quantise_multiplier(1.0 / np.sqrt(config["key_dim"]))
        words = [*header(graph), *[int(d) for shape in shapes for d in shape], config["num_heads"], config["key_dim"],
                 config["value_dim"], int(config["causal"]), m, m_frac]
        refs = [tensor_ref(tensors.get(name)) for name in NAMES]
        return encode(["uint256"] * 12 + ["int256", "int256"] + [TENSOR_ABI] * 8, words + refs)

    def keras_config(self, config):
        return {"num_heads": config["num_heads"], "key_dim": config["key_dim"], "value_dim": config["value_dim"],
                "use_bias": config["use_bias"]}

    def call_options(self, config) -> dict:
        """The keyword arguments a rebuilt layer is called with."""
        return {"use_causal_mask": True} if config["causal"] else {}
