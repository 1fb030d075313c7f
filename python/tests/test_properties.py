"""Properties over drawn models and drawn damage (hypothesis).

- Any small Sequential stack (Dense, activations, Conv2D, MaxPooling2D, Flatten, …, random
  sizes, weights, precisions) exported and deployed on the session node predicts exactly
  what the emulator predicts, integer for integer.
- Any bytes flipped anywhere in a saved export file (graph, base64 weights, hashes, reports,
  the checksum) make ``load_export`` raise ``ExportFileError``: never accepted, never another error.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from eternal.errors import ExportFileError  # noqa: E402
from eternal.exportfile import load_export, save_export  # noqa: E402
from eternal.fixedpoint import PRECISIONS, to_fixed  # noqa: E402

ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu"]
CHAIN_EXAMPLES = 10  # each one is a deployment: about 2-5 s on the session node


# ---------------------------------------------------------------------------- drawn models


def _out_size(size: int, kernel: int, stride: int, padding: str) -> int:
    """Keras' output length of a window over ``size`` cells."""
    return -(-size // stride) if padding == "same" else (size - kernel) // stride + 1


@st.composite
def dense_stacks(draw) -> dict:
    """Input(n) → up to 2 of Dense / ReLU / LeakyReLU / Activation / Softmax → Dense."""
    layers = []
    for _ in range(draw(st.integers(0, 2))):
        layers.append(draw(st.one_of(
            st.tuples(st.just("Dense"), st.integers(1, 10), st.sampled_from(ACTIVATIONS), st.booleans()),
            st.tuples(st.just("ReLU")),
            st.tuples(st.just("LeakyReLU"), st.sampled_from([0.01, 0.3, 1.5])),
            st.tuples(st.just("Activation"), st.sampled_from(ACTIVATIONS)),
            st.tuples(st.just("Softmax")),
        )))
    layers.append(("Dense", draw(st.integers(1, 8)), draw(st.sampled_from(ACTIVATIONS)), draw(st.booleans())))
    return {"input": [draw(st.integers(1, 12))], "layers": layers}


@st.composite
def conv_layers(draw, height: int, width: int, channels: int) -> dict:
    """Input(h, w, c) → 1-2 of Conv2D [+ ReLU] [+ MaxPooling2D] → Flatten → Dense."""
    layers = []
    h, w = height, width
    for _ in range(draw(st.integers(1, 2))):
        kernel = draw(st.integers(1, min(3, h, w)))
        stride, padding = draw(st.integers(1, 2)), draw(st.sampled_from(["valid", "same"]))
        layers.append(("Conv2D", draw(st.integers(1, 4)), kernel, stride, padding,
                       draw(st.sampled_from(ACTIVATIONS[:4] + ["leaky_relu"])), draw(st.booleans())))
        h, w = (_out_size(n, kernel, stride, padding) for n in (h, w))
        if draw(st.booleans()):
            layers.append(("ReLU",))
        pool = draw(st.integers(1, 2))
        if pool <= min(h, w) and draw(st.booleans()):
            pool_padding = draw(st.sampled_from(["valid", "same"]))
            layers.append(("MaxPooling2D", pool, pool_padding))
            h, w = (_out_size(n, pool, pool, pool_padding) for n in (h, w))
    layers += [("Flatten",), ("Dense", draw(st.integers(1, 6)), draw(st.sampled_from(ACTIVATIONS)), True)]
    return {"input": [height, width, channels], "layers": layers}


@st.composite
def recipes(draw) -> dict:
    """A model recipe: plain data (so hypothesis prints and shrinks it), built by :func:`build`."""
    if draw(st.booleans()):
        recipe = draw(dense_stacks())
    else:
        height, width, channels = draw(st.integers(2, 7)), draw(st.integers(2, 7)), draw(st.integers(1, 3))
        recipe = draw(conv_layers(height, width, channels))
    recipe.update(seed=draw(st.integers(0, 2**16)), precision=draw(st.sampled_from(sorted(PRECISIONS))),
                  weight_scale=draw(st.sampled_from([0.05, 0.5, 2.0])), input_scale=draw(st.sampled_from([0.5, 1.0, 4.0])))
    return recipe


def build(recipe: dict):
    """The Keras model of a recipe, its weights drawn from the recipe's seed and scale."""
    import keras

    keras.utils.set_random_seed(recipe["seed"])
    made = [keras.Input(tuple(recipe["input"]), name="x")]
    for kind, *args in recipe["layers"]:
        if kind == "Dense":
            units, activation, use_bias = args
            made.append(keras.layers.Dense(units, activation=activation, use_bias=use_bias))
        elif kind == "Conv2D":
            filters, kernel, stride, padding, activation, use_bias = args
            made.append(keras.layers.Conv2D(filters, kernel, strides=stride, padding=padding, activation=activation,
                                            use_bias=use_bias))
        elif kind == "MaxPooling2D":
            pool, padding = args
            made.append(keras.layers.MaxPooling2D(pool, padding=padding))
        elif kind == "LeakyReLU":
            made.append(keras.layers.LeakyReLU(negative_slope=args[0]))
        elif kind == "Activation":
            made.append(keras.layers.Activation(args[0]))
        else:
            made.append(getattr(keras.layers, kind)())
    model = keras.Sequential(made, name=f"drawn_{recipe['seed']}")
    rng = np.random.default_rng(recipe["seed"])
    model.set_weights([rng.normal(0, recipe["weight_scale"], w.shape).astype(np.float32) for w in model.get_weights()])
    return model


# ---------------------------------------------------------------------------- chain == emulator


@given(recipe=recipes())
@settings(max_examples=CHAIN_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_drawn_models_predict_on_chain_exactly_as_emulated(recipe, hardhat_node, w3, tmp_path_factory):
    from eternal.chain import model_contract
    from eternal.deploy.deployer import ModelDeployer
    from eternal.emulate import Emulator
    from eternal.export import ModelExporter

    model = build(recipe)
    path = tmp_path_factory.mktemp("drawn") / "export.json"
    save_export(ModelExporter(recipe["precision"]).export_model(model), path)
    export = load_export(path)
    journal = tmp_path_factory.getbasetemp() / "drawn-journal"  # one for all: layer implementations are reused
    deployer = ModelDeployer(hardhat_node.url, journal_dir=journal, quiet=True)
    address = deployer.deploy_model(export).address
    contract = model_contract(w3, address)
    emulator = Emulator(export)
    frac = int(export["graph"]["activation_frac_bits"])
    rng = np.random.default_rng(recipe["seed"] + 1)
    for _ in range(2):
        x = rng.uniform(-1, 1, size=recipe["input"]) * recipe["input_scale"]
        fixed = to_fixed(x, frac)
        chain = contract.functions.predict([fixed]).call()
        emulated = [[int(v) for v in np.asarray(out).ravel()] for out in emulator.run([fixed])]
        assert [list(map(int, out)) for out in chain] == emulated, recipe


# ---------------------------------------------------------------------------- damaged export files


@pytest.fixture(scope="module")
def saved_export(tmp_path_factory) -> bytes:
    """The bytes of a small saved export (a Conv2D, a pool and a Dense: every section non-trivial)."""
    recipe = {"input": [4, 4, 2], "layers": [("Conv2D", 2, 2, 1, "valid", "relu", True), ("MaxPooling2D", 2, "valid"),
                                             ("Flatten",), ("Dense", 3, "softmax", True)],
              "seed": 7, "precision": "int8", "weight_scale": 0.5, "input_scale": 1.0}
    from eternal.export import ModelExporter

    path = tmp_path_factory.mktemp("damage") / "export.json"
    save_export(ModelExporter(recipe["precision"]).export_model(build(recipe)), path)
    load_export(path)  # the undamaged file loads
    return path.read_bytes()


def _regions(data: bytes) -> dict[str, tuple[int, int]]:
    """Byte ranges of the file's sections, so that each one is damaged often, not only the biggest."""
    def span(start: bytes, end: bytes) -> tuple[int, int]:
        first = data.index(start)
        return first, data.index(end, first + len(start)) + len(end)

    return {"anywhere": (0, len(data)), "checksum": span(b'{"checksum"', b'",'), "graph": span(b'"graph":', b'},"hashes"'),
            "hashes": span(b'"hashes":', b"}"), "reports": span(b'"quantisation":', b'},"weights"'),
            "weights": span(b'"weights":', b"}")}


@given(data=st.data())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_damaged_export_file_is_always_refused(saved_export, tmp_path, data):
    regions = _regions(saved_export)
    first, end = regions[data.draw(st.sampled_from(sorted(regions)), label="region")]
    flips = data.draw(st.lists(st.tuples(st.integers(first, end - 1), st.integers(1, 255)), min_size=1, max_size=3,
                               unique_by=lambda flip: flip[0]), label="flips (offset, xor)")
    damaged = bytearray(saved_export)
    for offset, xor in flips:
        damaged[offset] ^= xor
    path = tmp_path / "damaged.json"
    path.write_bytes(bytes(damaged))
    with pytest.raises(ExportFileError):
        load_export(path)
