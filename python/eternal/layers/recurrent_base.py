"""What SimpleRNN, LSTM and GRU share: options, kernels and the checks on them."""

from eternal.layers.base import LayerType, Tensor


class Recurrent(LayerType):
    gated = True  # has a recurrent_activation

    def normalise(self, raw, input_shapes):
        for option in ("return_state", "stateful", "time_major", "unroll_with_mask"):
            if raw.get(option):
                raise self.reject(option, raw[option], "False")
        config = {
            "units": int(raw["units"]),
            "activation": self.activation(raw),
            "use_bias": bool(raw["use_bias"]),
            "return_sequences": bool(raw.get("return_sequences", False)),
            "go_backwards": bool(raw.get("go_backwards", False)),
        }
        if self.gated:
            config["recurrent_activation"] = self.activation(raw, "recurrent_activation")
        return config

    def weights(self, config, arrays):
        self.expect_arrays(arrays, 3 if config["use_bias"] else 2)
        tensors = [Tensor("kernel", arrays[0], "blocked"), Tensor("recurrent_kernel", arrays[1], "blocked")]
        if config["use_bias"]:
            tensors.append(Tensor("bias", arrays[2]))
        return tensors
