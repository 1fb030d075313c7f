"""Reading Keras models: which library made a model, and model files read safely.

Keras 3 cannot read tf_keras ``.keras`` files of Functional, nested or LSTM
models, so each file is read by the library that wrote it: ``.h5`` is Keras 2; a
``.keras`` zip names its ``keras_version`` in ``metadata.json``. Every layer's
class is checked against the registry *before* anything is deserialised, and
``safe_mode`` stays on: a Lambda layer is code from the file's author.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import zipfile
from pathlib import Path

from eternal.errors import ModelFileError, UnsupportedLayerError
from eternal.layers import lookup

CONTAINERS = ("Sequential", "Functional", "Model")

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def quiet_native_logs():
    """Hides what native code writes to stderr (file descriptor 2) inside the block.

    TensorFlow 2.21 prints its start-up lines (oneDNN, cudart_stub, absl) from C++
    before any Python logging exists, whatever ``TF_CPP_MIN_LOG_LEVEL`` says.
    ``ETERNAL_DEBUG=1`` shows them.
    """
    if os.environ.get("ETERNAL_DEBUG"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def library_of(model) -> str:
    """``"keras3"`` for a ``keras`` model, ``"keras2"`` for a ``tf_keras`` one."""
    for cls in type(model).__mro__:
        module = cls.__module__ or ""
        if module.startswith("tf_keras"):
            return "keras2"
        if module.startswith("keras"):
            return "keras3"
    raise ModelFileError(f"Not a Keras model: got an object of type {type(model).__name__}")


def keras_module(library: str):
    """The imported Keras package for a library name (``"keras2"`` or ``"keras3"``),
    imported without TensorFlow's start-up lines."""
    with quiet_native_logs():
        if library == "keras2":
            import tf_keras

            return tf_keras
        import keras

        return keras


SCALAR_OPS = ("Add", "Subtract", "Multiply", "TrueDivide")
"""Keras 3 tensor operations outside layers that the graph takes, with a number (``x + 3``, ``x / 6``):
they become Rescaling layers (``eternal.graph``)."""


ACTIVATION_OPS = {
    "Relu": "relu", "Relu6": "relu6", "Sigmoid": "sigmoid", "Tanh": "tanh", "Silu": "silu", "HardSigmoid": "hard_sigmoid",
    "HardSilu": "hard_silu", "Selu": "selu", "Softsign": "softsign", "Exp": "exponential", "HardTanh": "hard_tanh",
    "HardShrink": "hard_shrink", "SoftShrink": "soft_shrink", "Gelu": "gelu", "Softplus": "softplus",
    "LogSoftmax": "log_softmax",
}
"""Keras 3 activation operations (``keras.ops.relu(x)``) -> the activation function they apply; each
becomes an Activation layer (``eternal.graph``)."""

LAYER_OPS = {"LeakyRelu": "LeakyReLU", "Elu": "ELU", "Softmax": "Softmax"}
"""Keras 3 operations with a parameter -> the layer class that applies the same function."""

OPERATIONS = (*SCALAR_OPS, *ACTIVATION_OPS, *LAYER_OPS)


def is_operation(layer: dict) -> bool:
    """A Keras 3 functional graph's node for a tensor operation (``keras.ops``), not a layer."""
    return str(layer.get("module", "")).startswith("keras.src.ops")


def check_supported(config: dict) -> None:
    """Raises UnsupportedLayerError for the first layer (at any depth) Eternal cannot run."""
    for layer in config.get("config", {}).get("layers", []):
        name = layer.get("config", {}).get("name", layer.get("name", "?"))
        if layer["class_name"] in CONTAINERS:
            check_supported(layer)
        elif is_operation(layer):
            if layer["class_name"] not in OPERATIONS:
                raise UnsupportedLayerError(
                    f"Operation '{name}' ({layer['module']}.{layer['class_name']}) is not supported. Supported outside "
                    f"layers: a tensor and a number in {', '.join(SCALAR_OPS)} (x + 3, x * 0.5), and "
                    f"{', '.join(sorted({*ACTIVATION_OPS, *LAYER_OPS}))} on one tensor")
        else:
            lookup(layer["class_name"], name)


def read_file_config(path: Path) -> tuple[dict, str]:
    """A model file's architecture JSON and the library that wrote it, without loading it."""
    if not path.exists():
        raise ModelFileError(f"Model file not found: {path}")
    try:
        if path.suffix == ".keras":
            with zipfile.ZipFile(path) as archive:
                config = json.loads(archive.read("config.json"))
                metadata = json.loads(archive.read("metadata.json"))
            version = str(metadata.get("keras_version", "3"))
            return config, "keras2" if version.startswith("2") else "keras3"
        if path.suffix in (".h5", ".hdf5"):
            import h5py

            with h5py.File(path, "r") as handle:
                raw = handle.attrs.get("model_config")
            if raw is None:
                raise ModelFileError(f"{path}: an HDF5 file with no model architecture (weights only?)")
            return json.loads(raw.decode() if isinstance(raw, bytes) else raw), "keras2"
    except ModelFileError:
        raise
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ModelFileError(f"{path}: not a readable Keras model file ({exc.__class__.__name__}: {exc})") from None
    raise ModelFileError(f"{path}: unknown model file type {path.suffix!r}. Supported: .keras, .h5")


def load_model_file(path) -> object:
    """Loads a ``.keras`` or ``.h5`` model with the library that wrote it, after checking its layers."""
    path = Path(path)
    config, library = read_file_config(path)
    check_supported(config)
    keras = keras_module(library)
    try:
        if path.suffix == ".keras":
            return keras.models.load_model(path, compile=False, safe_mode=True)
        return keras.models.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many kinds; the user needs one line
        raise ModelFileError(f"{path}: Keras could not load it ({exc.__class__.__name__}: {str(exc).splitlines()[0]})") from None
