"""What SimpleRNN, LSTM and GRU share: options, kernels, the time loop and the on-chain config.

Fixed-point rules of every recurrent step (bit-exact with ``contracts/layers/base/RecurrentLayer.sol``):

- ``project(v, W) = rescale(sum_r v[r] * W[r, j], F + W.frac_bits, F)``: each
  matrix product (input kernel, recurrent kernel) is rescaled to F once, on its own.
- Biases are rescaled from their ``frac_bits`` to F and added after.
- A product of two activations (gates) is ``rescale(a * b, 2F, F)``; a sum of
  such products is rescaled once (``c = rescale(f*c + i*g, 2F, F)``). Their
  operands must be below 2^126 in magnitude (else ModelInputError; the chain reverts).
- The state starts at zero; ``go_backwards`` walks the steps last to first and,
  as in Keras, returns the sequence in the order it was walked.
"""

from __future__ import annotations

import numpy as np
from eth_abi import encode

from eternal.errors import ModelInputError
from eternal.fixedpoint import rescale_array, to_ints
from eternal.layers.abi import activation_code, header, tensor_ref
from eternal.layers.base import ACTIVATIONS, LayerType, QTensor, Tensor

# Activations a recurrent layer can use on chain: all but softmax and log_softmax (Keras would
# normalise each gate over the units, a whole-vector pass per gate per step). RecurrentLayer
# applies each per value itself, the extended ones through ExtendedActivations on one word.
RECURRENT_ACTIVATIONS = tuple(a for a in ACTIVATIONS if a not in ("softmax", "log_softmax"))

TENSOR_ABI = "(uint256,uint256,int256)"
CONFIG_ABI = [
    "uint256",  # activationFracBits
    "uint256",  # weightBits
    "uint256",  # inputDim (features per step)
    "uint256",  # units
    "uint256",  # activation code
    "uint256",  # recurrent activation code (unused by SimpleRNN)
    "bool",  # returnSequences
    "bool",  # goBackwards
    TENSOR_ABI,  # kernel
    TENSOR_ABI,  # recurrent kernel
    "bool",  # useBias
    TENSOR_ABI,  # bias (zeros without bias)
]


def project(vector: np.ndarray, weight: QTensor, frac: int) -> np.ndarray:
    """``rescale(vector @ weight, frac + weight.frac_bits, frac)``, exact."""
    return rescale_array(np.dot(vector, to_ints(weight.values)), frac + weight.frac_bits, frac)


# Operands of gate products must stay below this magnitude (the contracts revert GateOperandTooLarge).
GATE_OPERAND_LIMIT = 1 << 126


def mul_add(where: str, frac: int, a, b, c=0, d=0):
    """``rescale(a * b + c * d, 2F, F)`` element-wise: products of two activations, one rounding.

    Raises:
        ModelInputError: an operand is 2^126 or more in magnitude (the chain reverts there).
    """
    for operand in (a, b, c, d):
        if np.any(np.abs(np.asarray(operand, dtype=object)) >= GATE_OPERAND_LIMIT):
            raise ModelInputError(f"{where}: a gate operand reached 2^126 (2^-{frac} scale); the input is too large")
    return rescale_array(a * b + c * d, 2 * frac, frac)


def activate(name: str, values: np.ndarray, frac: int) -> np.ndarray:
    """An activation on a fixed-point vector, as the chain computes it."""
    if name == "linear":
        return values
    from eternal.activations import apply_activation  # the shared, bit-exact one

    return np.asarray(apply_activation(name, values, frac), dtype=object)


class Recurrent(LayerType):
    gated = True  # has a recurrent_activation
    contract = None  # set by each subclass: the Solidity implementation's name

    def normalise(self, raw, input_shapes):
        for option in ("return_state", "stateful", "time_major", "unroll_with_mask"):
            if raw.get(option):
                raise self.reject(option, raw[option], "False")
        config = {
            "units": int(raw["units"]),
            "activation": self._recurrent_activation(raw, "activation"),
            "use_bias": bool(raw["use_bias"]),
            "return_sequences": bool(raw.get("return_sequences", False)),
            "go_backwards": bool(raw.get("go_backwards", False)),
        }
        if self.gated:
            config["recurrent_activation"] = self._recurrent_activation(raw, "recurrent_activation")
        return config

    def _recurrent_activation(self, raw, key):
        value = self.activation(raw, key)
        if value not in RECURRENT_ACTIVATIONS:
            raise self.reject(key, value, ", ".join(RECURRENT_ACTIVATIONS))
        return value

    def weights(self, config, arrays, raw):
        self.expect_arrays(arrays, 3 if config["use_bias"] else 2)
        tensors = [Tensor("kernel", arrays[0], "blocked"), Tensor("recurrent_kernel", arrays[1], "blocked")]
        if config["use_bias"]:
            tensors.append(Tensor("bias", arrays[2]))
        return tensors

    # Emulator ------------------------------------------------------------------------

    def initial_state(self, units: int) -> tuple:
        """The zero state (``h`` first; LSTM adds ``c``)."""
        return (np.array([0] * units, dtype=object),)

    def step(self, config, x, state, kernel, recurrent, bias, frac) -> tuple:
        """One time step: the next state from input ``x`` (F fractional bits)."""
        raise NotImplementedError

    def forward(self, config, inputs, weights, frac):
        sequence = np.asarray(inputs[0], dtype=object)
        if sequence.ndim != 2:
            raise self.reject("input shape", list(sequence.shape), "(timesteps, features)")
        kernel, recurrent = weights[0], weights[1]
        bias = None
        if config["use_bias"]:
            bias = rescale_array(to_ints(weights[2].values), weights[2].frac_bits, frac)
        order = range(sequence.shape[0] - 1, -1, -1) if config["go_backwards"] else range(sequence.shape[0])
        state = self.initial_state(config["units"])
        outputs = []
        for t in order:
            state = self.step(config, sequence[t], state, kernel, recurrent, bias, frac)
            outputs.append(state[0])
        if config["return_sequences"]:
            result = np.empty((len(outputs), config["units"]), dtype=object)
            for t, h in enumerate(outputs):
                result[t] = h
            return result
        return outputs[-1] if outputs else state[0]

    # On chain ------------------------------------------------------------------------

    def abi_config(self, layer, input_shapes, graph):
        config = layer["config"]
        tensors = {w["name"]: w for w in layer["weights"]}
        return encode(
            CONFIG_ABI,
            [
                *header(graph),
                int(input_shapes[0][-1]),
                config["units"],
                activation_code(config["activation"]),
                activation_code(config.get("recurrent_activation", "linear")),
                config["return_sequences"],
                config["go_backwards"],
                tensor_ref(tensors["kernel"]),
                tensor_ref(tensors["recurrent_kernel"]),
                config["use_bias"],
                tensor_ref(tensors.get("bias")),
            ],
        )
