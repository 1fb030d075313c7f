"""Attention (Luong, ``score_mode`` "dot" and "concat") and AdditiveAttention (Bahdanau) over
sequences (query ``(Tq, d)``, value ``(Tv, dv)``, key ``(Tv, d)`` = value unless given), without and
with ``use_causal_mask``, in integers.

Scores ``S[i, j]`` (fixed point 2^-F):

- "dot": ``rescale(sum_d q[i, d] k[j, d], 2F, F)``, then with ``use_scale`` times the scalar
  ``scale``: ``rescale(S s, F + s_frac, F)``;
- "concat" and AdditiveAttention: ``t = q[i, d] + k[j, d]``; Attention's ``use_scale`` makes it
  ``rescale(t s, F + s_frac, F)``; ``h = tanh(t)`` (the shared ``activations.tanh``);
  ``S = rescale(sum_d h w_d, F + w_frac, F)`` with ``w`` Attention's ``concat_score_weight``
  (one value for every ``d``), AdditiveAttention's ``scale`` (one per ``d``), or 1 (``sum_d h``)
  for AdditiveAttention without ``use_scale``.

Each row of ``S`` goes through the shared softmax (over ``j <= i`` alone with the causal mask, the
rest 0), and ``O[i, e] = rescale(sum_j A[i, j] v[j, e], 2F, F)``. ``AttentionLayer`` computes the
same integers. Inputs must be in [-2^64, 2^64) and weights' frac bits at least 0 (both sides
refuse others). ``dropout`` is a no-op at inference; tf_keras' deprecated ``causal=True`` is the
causal mask. Refused: ``mask=`` (the layers that make masks upstream are refused themselves),
``return_attention_scores``, lengths that are not fixed.
"""

import numpy as np
from eth_abi import encode

from eternal.activations import softmax, tanh
from eternal.errors import UnsupportedLayerError
from eternal.fixedpoint import rescale_array, to_ints
from eternal.layers.abi import header, tensor_ref
from eternal.layers.base import LayerType, Tensor, register
from eternal.layers.recurrent_base import TENSOR_ABI

INPUT_BITS = 64
DOT, TANH = 0, 1  # the contract's score modes


def attention_scores(config: dict, query, key, weights: dict, frac: int) -> np.ndarray:
    """``S`` (``(Tq, Tk)``), as the module docstring says; ``weights`` by name."""
    if config["score_mode"] == "dot":
        scores = rescale_array(query.dot(key.T), 2 * frac, frac)
        scale = weights.get("scale")
        return scores if scale is None else rescale_array(scores * int(scale.values.flat[0]), frac + scale.frac_bits, frac)
    pre = weights.get("scale") if config["score_mode"] == "concat" else None
    score_weight = weights.get("concat_score_weight" if config["score_mode"] == "concat" else "scale")
    summed = query[:, None, :] + key[None, :, :]
    if pre is not None:
        summed = rescale_array(summed * int(pre.values.flat[0]), frac + pre.frac_bits, frac)
    h = np.vectorize(lambda t: tanh(int(t), frac), otypes=[object])(summed)
    if score_weight is None:
        return h.sum(axis=-1)
    w = np.broadcast_to(to_ints(score_weight.values).reshape(-1).astype(object), (query.shape[-1],))
    return rescale_array((h * w).sum(axis=-1), frac + score_weight.frac_bits, frac)


def attend(scores: np.ndarray, value: np.ndarray, causal: bool, frac: int) -> np.ndarray:
    """``rescale(softmax(S[i, :allowed]) . v, 2F, F)`` per query row ``i``."""
    out = np.empty((len(scores), value.shape[-1]), dtype=object)
    for i, row in enumerate(scores):
        allowed = min(i + 1, len(row)) if causal else len(row)
        weights = [0] * len(row)
        weights[:allowed] = softmax([int(s) for s in row[:allowed]], frac)
        out[i] = rescale_array(np.array(weights, dtype=object).dot(value), 2 * frac, frac)
    return out


class _DenseAttention(LayerType):
    """What Attention and AdditiveAttention share: inputs, call options, emulator, contract config."""

    contract = "AttentionLayer"
    list_call = True  # rebuilt layers are called on [query, value(, key)]

    def _score_mode(self, raw) -> str:
        raise NotImplementedError

    def _weight_names(self, config) -> list[str]:
        raise NotImplementedError

    def normalise(self, raw, input_shapes):
        call = raw.get("__call__", {})
        if call.get("mask"):
            raise self.reject("mask", "a tensor", "no mask (use_causal_mask is supported)")
        if call.get("return_attention_scores"):
            raise self.reject("return_attention_scores", True, "False")
        if len(input_shapes) not in (2, 3) or any(len(shape) != 2 or None in shape for shape in input_shapes):
            raise self.reject("inputs", [list(s) for s in input_shapes], "[query, value] or [query, value, key], each (steps, features) of fixed sizes")
        query, value = input_shapes[:2]
        key = input_shapes[2] if len(input_shapes) > 2 else value
        if query[-1] != key[-1] or key[0] != value[0]:
            raise self.reject("inputs", [list(s) for s in input_shapes], "query and key of one feature size, key and value of one length")
        return {"score_mode": self._score_mode(raw), "use_scale": bool(raw.get("use_scale", False)),
                "causal": bool(call.get("use_causal_mask", False) or raw.get("causal", False))}

    def weights(self, config, arrays, raw):
        names = self._weight_names(config)
        self.expect_arrays(arrays, len(names))
        return [Tensor(name, np.asarray(array).reshape(-1)) for name, array in zip(names, arrays)]

    def keras_weights(self, arrays, config):
        shapes = {"scale": () if config["score_mode"] != "additive" else (-1,), "concat_score_weight": ()}
        return [np.asarray(a).reshape(shapes[n]) for n, a in zip(self._weight_names(config), arrays)]

    def forward(self, config, inputs, weights, frac):
        query, value = (np.asarray(x, dtype=object) for x in inputs[:2])
        key = np.asarray(inputs[2], dtype=object) if len(inputs) > 2 else value
        self.expect_within(INPUT_BITS, "an input", query, value, key)
        scores = attention_scores(config, query, key, dict(zip(self._weight_names(config), weights)), frac)
        return attend(scores, value, config["causal"], frac)

    def input_windows(self, config, input_shapes, start, end):
        """Every input whole (each output row reads every key and value)."""
        return [(0, int(np.prod(shape))) for shape in input_shapes]

    def abi_config(self, layer, input_shapes, graph):
        """``header, Tq, d, Tv, dv, mode, causal, preScale, scoreWeight, weightCount`` (``mode`` 0 dot
        or 1 tanh; ``preScale`` a scalar tensor or ``(0,0,0)``; ``scoreWeight`` the dot's scale or the
        tanh sum's ``w`` of ``weightCount`` values: 0 none, 1 one for every feature, or ``d``)."""
        config = layer["config"]
        if any(w["frac_bits"] < 0 for w in layer["weights"]):
            raise UnsupportedLayerError(f"{self.where}: a weight of magnitude 2^31 or more (frac bits below 0) is not supported")
        tensors = dict(zip(self._weight_names(config), layer["weights"]))
        tanh_mode = config["score_mode"] != "dot"
        pre = tensors.get("scale") if config["score_mode"] == "concat" else None
        score_weight = tensors.get({"dot": "scale", "concat": "concat_score_weight", "additive": "scale"}[config["score_mode"]])
        count = 0 if score_weight is None else (int(input_shapes[0][-1]) if config["score_mode"] == "additive" else 1)
        (tq, d), (tv, dv) = input_shapes[:2]
        words = [*header(graph), int(tq), int(d), int(tv), int(dv), int(tanh_mode), int(config["causal"])]
        return encode(["uint256"] * 8 + [TENSOR_ABI, TENSOR_ABI, "uint256"], words + [tensor_ref(pre), tensor_ref(score_weight), count])

    def call_options(self, config) -> dict:
        """The keyword arguments a rebuilt layer is called with."""
        return {"use_causal_mask": True} if config["causal"] else {}


@register
class Attention(_DenseAttention):
    class_name = "Attention"

    def _score_mode(self, raw):
        mode = raw.get("score_mode", "dot")
        if mode not in ("dot", "concat"):
            raise self.reject("score_mode", mode, "'dot', 'concat'")
        return mode

    def _weight_names(self, config):
        return ["scale"] * config["use_scale"] + ["concat_score_weight"] * (config["score_mode"] == "concat")

    def keras_config(self, config):
        return {"use_scale": config["use_scale"], "score_mode": config["score_mode"]}


@register
class AdditiveAttention(_DenseAttention):
    class_name = "AdditiveAttention"

    def _score_mode(self, raw):
        return "additive"

    def normalise(self, raw, input_shapes):
        return {**super().normalise(raw, input_shapes), "use_scale": bool(raw.get("use_scale", True))}

    def _weight_names(self, config):
        return ["scale"] * config["use_scale"]

    def keras_config(self, config):
        return {"use_scale": config["use_scale"]}
