"""The layer registry and the small vocabulary every layer module shares."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eternal.errors import ModelInputError, UnsupportedLayerError

REGISTRY: dict[str, type["LayerType"]] = {}

ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "relu6", "hard_sigmoid",
               "hard_sigmoid_tf", "hard_silu", "silu", "elu", "selu", "exponential", "softsign", "mish", "gelu",
               "hard_tanh", "hard_shrink", "soft_shrink", "softplus", "log_softmax", "gelu_tanh")


@dataclass(frozen=True)
class QTensor:
    """A quantised weight tensor as the emulator sees it: int64 values in the Keras shape."""

    values: np.ndarray
    frac_bits: int


@dataclass(frozen=True)
class Tensor:
    """One weight tensor of a layer, in storage order: name, float values, layout."""

    name: str
    values: np.ndarray
    layout: str = "plain"


class LayerType:
    """What Eternal knows about one Keras layer type.

    Subclasses set ``class_name`` and override what applies:
    ``normalise`` (the math-relevant config, one spelling for Keras 2 and 3),
    ``weights`` (the float tensors in storage order), ``forward`` (the emulator),
    ``abi_config`` (the contract's config), ``input_id_count`` (for layers reading ids)
    and ``keras_config``/``keras_weights`` (rebuilding the Keras layer from the graph).
    Every hook is pure: it takes what it needs from its arguments.
    """

    class_name: str = ""
    # Name of the Solidity implementation contract (cloned once per layer), or None
    # for layers that are the identity on flat tensors (no contract is created).
    contract: str | None = None
    # True for a layer that is the identity on flat tensors: it gets no contract and
    # the model passes its input on.
    identity: bool = False

    def __init__(self, name: str):
        self.name = name
        self.where = f"Layer '{name}' ({self.class_name})"

    def normalise(self, raw: dict, input_shapes: list[list[int]]) -> dict:
        """The canonical config from a Keras ``get_config()`` dict."""
        return {}

    def weights(self, config: dict, arrays: list[np.ndarray], raw: dict) -> list[Tensor]:
        """The layer's weight tensors (float) in storage order.

        Args:
            config: the canonical config (what ``normalise`` returned).
            arrays: the Keras layer's ``get_weights()``.
            raw: the Keras ``get_config()`` dict, for what only folding needs
                (e.g. BatchNormalization's ``epsilon``).
        """
        if arrays:
            raise UnsupportedLayerError(f"{self.where}: has {len(arrays)} weight tensors, expected none")
        return []

    def forward(self, config: dict, inputs: list[np.ndarray], weights: list[QTensor], frac: int) -> np.ndarray:
        """The fixed-point forward pass, bit-exact with the layer contract.

        Args:
            config: the canonical config (graph ``layers[i]["config"]``).
            inputs: one object array of Python ints per inbound tensor, in its
                shape without the batch axis, ``frac`` fractional bits.
            weights: the layer's quantised tensors in storage order.
            frac: ``activation_frac_bits`` of the graph.

        Returns:
            An object array of Python ints in the layer's output shape.
        """
        raise NotImplementedError(f"{self.where}: no emulator forward yet")

    def abi_config(self, layer: dict, input_shapes: list[list[int]], graph: dict) -> bytes:
        """The ABI-encoded config the layer contract is cloned with (see docs/CONTRACTS.md)."""
        raise NotImplementedError(f"{self.where}: no on-chain config encoding yet")

    def contract_for(self, input_shapes: list[list[int]], config: dict | None = None) -> str | None:
        """The contract that runs the layer on inputs of these shapes (``contract`` unless a
        layer picks another for some shapes, e.g. a merge that broadcasts, or for its canonical
        ``config``, e.g. a wrapper runs its inner layer's)."""
        return self.contract

    def fixed_output_shape(self, config: dict) -> list[int] | None:
        """The output shape (without the batch axis) when the canonical config fixes it and Keras may
        not know it (Keras 3's EinsumDense leaves an axis its ``output_shape`` names None); None:
        the graph asks the Keras layer."""
        return None

    def input_windows(self, config: dict, input_shapes: list[list[int]], start: int, end: int) -> list[tuple[int, int]] | None:
        """What output elements ``[start, end)`` (flat, C order, ``start < end``) read of each
        input on chain: elements ``[lo, hi)`` of its flat values, one pair per input. These
        are the windows ``runWindow`` hands the layer (``ILayer.forwardWindow`` reverts
        ``WindowTooSmall`` for less). None: the layer's contract takes whole inputs only.
        """
        return None

    def filter_block(self, config: dict) -> int | None:
        """Output elements of a slice's unit inside one output position (the last axis), when the
        contract computes only the channels of a slice that begins or ends inside a position
        (a multiple of its kernel's blocks: a slice cut at multiples of it computes no filter
        twice); None: a slice costs whole positions (or the layer has none)."""
        return None

    def input_id_count(self, config: dict) -> int | None:
        """``n`` if the layer reads its input as integer ids in ``[0, n)``; None if it reads activations."""
        return None

    def keras_config(self, config: dict) -> dict:
        """The Keras constructor arguments (without ``name``) that rebuild the layer from its canonical config."""
        return dict(config)

    def keras3_config(self, keras, config: dict) -> dict:
        """:meth:`keras_config` with its activations as Keras 3 takes them (:func:`keras3_activation`);
        `pull` builds every layer from it, the wrappers their inner layer too."""
        config = self.keras_config(config)
        for key in ("activation", "recurrent_activation"):
            if isinstance(config.get(key), str):
                config[key] = keras3_activation(keras, config[key])
        return config

    def keras_weights(self, arrays: list[np.ndarray], config: dict) -> list[np.ndarray]:
        """The Keras ``set_weights`` list from the layer's stored tensors (float, storage order)
        and its canonical config."""
        return arrays


    # Shared checks -----------------------------------------------------------------

    def reject(self, option: str, value, supported: str) -> UnsupportedLayerError:
        """The error for an option Eternal cannot run."""
        return UnsupportedLayerError(f"{self.where}: `{option}={value!r}` is not supported. Supported: {supported}")

    def activation(self, raw: dict, key: str = "activation") -> str:
        """A normalised activation name from ``raw[key]``."""
        value = raw.get(key, "linear")
        if isinstance(value, dict):  # serialised function
            value = value.get("config", {}).get("name", value.get("class_name"))
        if value is None:
            value = "linear"
        if value not in ACTIVATIONS:
            raise self.reject(key, value, ", ".join(ACTIVATIONS))
        return value

    def channels_last(self, raw: dict) -> None:
        """Rejects ``data_format='channels_first'``."""
        if raw.get("data_format", "channels_last") not in (None, "channels_last"):
            raise self.reject("data_format", raw["data_format"], "'channels_last'")

    def padding(self, raw: dict, allowed=("valid", "same")) -> str:
        """A normalised padding mode."""
        value = raw.get("padding", "valid")
        if value not in allowed:
            raise self.reject("padding", value, ", ".join(repr(a) for a in allowed))
        return value

    def expect_within(self, bits: int, what: str, *arrays) -> None:
        """Raises ModelInputError unless every value of ``arrays`` is in [-2^bits, 2^bits) (fixed point),
        the range in which the layer's contract runs its sums unchecked (it reverts outside it)."""
        if any(int(v) >> bits not in (0, -1) for array in arrays for v in np.asarray(array, dtype=object).flat):
            raise ModelInputError(f"{self.where}: {what} is outside [-2^{bits}, 2^{bits}) (fixed point)")

    def expect_arrays(self, arrays: list[np.ndarray], count: int) -> None:
        """Checks the number of weight arrays."""
        if len(arrays) != count:
            raise UnsupportedLayerError(f"{self.where}: has {len(arrays)} weight tensors, expected {count}")


def ints(value) -> list[int]:
    """A tuple/list/int/array as a list of Python ints."""
    return [int(v) for v in np.atleast_1d(np.asarray(value))]


def canonical_float(value) -> float:
    """One spelling for a float in both Keras versions (tf_keras keeps float32 values)."""
    return float(np.float32(value))


def register(cls: type[LayerType]) -> type[LayerType]:
    """Class decorator: adds a layer type to the registry under its ``class_name``."""
    if cls.class_name in REGISTRY:
        raise RuntimeError(f"layer type {cls.class_name} registered twice")
    REGISTRY[cls.class_name] = cls
    return cls


def supported_names() -> list[str]:
    """Supported Keras class names, sorted."""
    return sorted(REGISTRY)


def model_input_id_count(graph: dict, index: int) -> int | None:
    """``n`` if a layer reads model input ``index`` (a graph layer index) as integer ids in ``[0, n)``, else None."""
    for layer in graph["layers"]:
        if [index, 0] in layer["inbound"]:
            count = lookup(layer["class_name"], layer["name"]).input_id_count(layer["config"])
            if count is not None:
                return count
    return None


def lookup(class_name: str, name: str) -> LayerType:
    """The layer type for a Keras class name; raises for anything unsupported."""
    try:
        cls = REGISTRY[class_name]
    except KeyError:
        raise UnsupportedLayerError(
            f"Layer '{name}' ({class_name}) is not supported. Supported: {', '.join(supported_names())}"
        ) from None
    return cls(name)


def keras3_activation(keras, name: str):
    """An activation for a Keras 3 config: its own name, or for a function no Keras 3 name
    gives, that function registered as ``eternal>NAME`` (the exporter reads that name back):
    ``hard_sigmoid_tf`` (tf_keras' ``clip(0.2 x + 0.5, 0, 1)``) and ``gelu_tanh`` (gelu's tanh
    approximation, ``keras.ops.gelu``'s default)."""
    def hard_sigmoid_tf(x):
        return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)

    def gelu_tanh(x):
        return keras.ops.gelu(x, approximate=True)

    functions = {"hard_sigmoid_tf": hard_sigmoid_tf, "gelu_tanh": gelu_tanh}
    if name not in functions:
        return name
    return keras.saving.register_keras_serializable(package="eternal", name=name)(functions[name])
