"""Attention, AdditiveAttention and Dot: the committed fixtures (checked on chain by
test/fixtures.test.js and test/layers/AttentionLayer.test.js) are current, the emulator matches
Keras 2 and 3 within the int32 tolerance (1e-4), the integer scores follow their stated formulas,
and what the contracts cannot run is refused in one line."""

import re
import sys
from pathlib import Path

import numpy as np
import pytest

from eternal.activations import softmax, tanh
from eternal.emulate import Emulator, compare_with_keras
from eternal.errors import ModelInputError, UnsupportedLayerError
from eternal.export import ModelExporter
from eternal.fixedpoint import rescale
from eternal.layers import QTensor, lookup

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from fixture_cases import discover  # noqa: E402
from small_models import fixture_export  # noqa: E402

CASES = ("luong_attention", "dot_similarity")
INT32_TOLERANCE = 1e-4
F = 16


@pytest.mark.parametrize("precision", ["int32", "int16", "int8"])
@pytest.mark.parametrize("name", CASES)
def test_committed_fixture_matches_the_emulator(name, precision):
    export, fixture = fixture_export(name, precision)
    emulator = Emulator(export)
    for sample in fixture["samples"]:
        got = emulator.run([np.array([int(v) for v in x], dtype=object) for x in sample["inputs"]])
        assert [[str(int(v)) for v in out.ravel()] for out in got] == sample["expected"]


@pytest.mark.parametrize("library", ["keras", "tf_keras"])
@pytest.mark.parametrize("name", CASES)
def test_emulator_matches_keras_within_the_int32_tolerance(name, library):
    K = pytest.importorskip(library)
    model, inputs = discover()[name].build(K)
    report = compare_with_keras(ModelExporter("int32").export_model(model), model, inputs)
    assert report["max_abs_diff"] <= INT32_TOLERANCE, report


def _q(values, frac=F):
    return np.array([[round(v * 2**frac) for v in row] for row in values], dtype=object)


def test_scaled_dot_and_causal_rows_follow_the_formula():
    layer = lookup("Attention", "a")
    config = layer.normalise({"use_scale": True, "__call__": {"use_causal_mask": True}}, [[3, 2], [3, 2]])
    q, v = _q([[0.5, -1], [1, 0.25], [-0.75, 2]]), _q([[1, 2], [-1, 0.5], [0.25, -2]])
    scale = QTensor(np.array([3 << 13]), 14)  # 1.5
    out = layer.forward(config, [q, v], [scale], F)
    for i in range(3):
        scores = [rescale(rescale(int(q[i].dot(v[j])), 2 * F, F) * (3 << 13), F + 14, F) for j in range(i + 1)]
        weights = softmax(scores, F)
        expected = [rescale(sum(w * int(v[j][e]) for j, w in enumerate(weights)), 2 * F, F) for e in range(2)]
        assert list(out[i]) == expected
    assert list(out[0]) == list(v[0])  # the first row sees its own key alone: softmax 1 (2^F exactly)


def test_additive_and_concat_scores_follow_the_formula():
    q, k = _q([[0.5, -1]]), _q([[1, 2], [-1, 0.5]])
    h = [[tanh(int(q[0][d] + k[j][d]), F) for d in range(2)] for j in range(2)]
    w = QTensor(np.array([1 << 14, -(3 << 13)]), 15)  # 0.5, -0.75
    additive = lookup("AdditiveAttention", "b")
    scores = [rescale(h[j][0] * (1 << 14) - h[j][1] * (3 << 13), F + 15, F) for j in range(2)]
    weights = softmax(scores, F)
    got = additive.forward(additive.normalise({}, [[1, 2], [2, 2]]), [q, k], [w], F)
    assert list(got[0]) == [rescale(sum(a * int(k[j][e]) for j, a in enumerate(weights)), 2 * F, F) for e in range(2)]
    plain = additive.forward(additive.normalise({"use_scale": False}, [[1, 2], [2, 2]]), [q, k], [], F)
    weights = softmax([h[0][0] + h[0][1], h[1][0] + h[1][1]], F)
    assert list(plain[0]) == [rescale(sum(a * int(k[j][e]) for j, a in enumerate(weights)), 2 * F, F) for e in range(2)]
    concat = lookup("Attention", "c")
    c = QTensor(np.array([3 << 14]), 15)  # 1.5 for every feature
    got = concat.forward(concat.normalise({"score_mode": "concat"}, [[1, 2], [2, 2]]), [q, k], [c], F)
    weights = softmax([rescale((h[j][0] + h[j][1]) * (3 << 14), F + 15, F) for j in range(2)], F)
    assert list(got[0]) == [rescale(sum(a * int(k[j][e]) for j, a in enumerate(weights)), 2 * F, F) for e in range(2)]


def test_dot_contracts_the_given_axes_and_normalises_each_fibre():
    dot = lookup("Dot", "d")
    x, y = _q([[3, 0, -1], [4, 2, 0]]), _q([[1, 0, 0, -2], [0, 5, 0, 1]])
    plain = dot.forward(dot.normalise({"axes": [1, 1]}, [[2, 3], [2, 4]]), [x, y], [], F)
    assert plain.shape == (3, 4)
    assert all(plain[a][b] == rescale(int(x[0][a] * y[0][b] + x[1][a] * y[1][b]), 2 * F, F) for a in range(3) for b in range(4))
    cosine = dot.forward(dot.normalise({"axes": 1, "normalize": True}, [[2, 3], [2, 4]]), [x, y], [], F)
    floats = x.astype(float), y.astype(float)
    unit = [f / np.maximum(np.linalg.norm(f, axis=0), 1e-300) for f in floats]
    assert np.max(np.abs(cosine.astype(float) / 2**F - unit[0].T @ unit[1])) < 3 / 2**F
    assert cosine[2][2] == 0 and cosine[0][0] == round(0.6 * 2**F)  # a zero fibre stays 0; (0.6, 0.8) . (1, 0)
    with pytest.raises(UnsupportedLayerError, match="rank 1 or 2"):
        dot.normalise({"axes": 1}, [[2, 3, 1], [2, 3]])


@pytest.mark.parametrize("class_name, raw, shapes, message", [
    ("Attention", {"__call__": {"mask": [True, True]}}, [[3, 2], [3, 2]], "`mask='a tensor'` is not supported"),
    ("Attention", {"__call__": {"return_attention_scores": True}}, [[3, 2], [3, 2]], "`return_attention_scores=True`"),
    ("Attention", {"score_mode": "general"}, [[3, 2], [3, 2]], "`score_mode='general'`"),
    ("AdditiveAttention", {}, [[3, 2], [3, 2], [4, 2]], "key and value of one length"),
    ("Attention", {}, [[3, 2, 1], [3, 2, 1]], "each (steps, features)"),
    ("Attention", {}, [[None, 2], [None, 2]], "of fixed sizes"),
    ("Dot", {"axes": 2}, [[None, 2], [3, 2]], "of fixed sizes"),
    ("Dot", {"axes": [0, 1]}, [[2, 3], [2, 3]], "one non-batch axis"),
    ("Dot", {"axes": [1, 2]}, [[2, 3], [2, 3]], "of one size"),
])
def test_what_cannot_run_is_refused(class_name, raw, shapes, message):
    with pytest.raises(UnsupportedLayerError, match=re.escape(message)):
        lookup(class_name, "x").normalise(raw, shapes)


def test_inputs_outside_the_contract_range_are_refused():
    layer = lookup("Dot", "d")
    config = layer.normalise({"axes": -1}, [[2], [2]])
    with pytest.raises(ModelInputError, match=r"outside \[-2\^64, 2\^64\)"):
        layer.forward(config, [np.array([1 << 64, 0], dtype=object), np.array([1, 1], dtype=object)], [], F)


def test_tf_keras_deprecated_causal_argument_exports_as_use_causal_mask():
    """tf_keras' ``Attention(causal=True)`` is not in its get_config: the live layer says it."""
    tf_keras = pytest.importorskip("tf_keras")
    import keras

    def build(K, **options):
        q, v = K.Input(shape=(3, 2), name="q"), K.Input(shape=(3, 2), name="v")
        if options:
            return K.Model([q, v], K.layers.Attention(name="a", **options)([q, v]))
        return K.Model([q, v], K.layers.Attention(name="a")([q, v], use_causal_mask=True))

    old, new = ModelExporter().export_model(build(tf_keras, causal=True)), ModelExporter().export_model(build(keras))
    assert [layer["config"] for layer in old["graph"]["layers"]] == [layer["config"] for layer in new["graph"]["layers"]]
    assert old["graph"]["layers"][-1]["config"]["causal"] is True
