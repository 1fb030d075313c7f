"""SimpleRNN: ``h = activation(x @ kernel + h @ recurrent_kernel + bias)``."""

from eternal.layers.base import register
from eternal.layers.recurrent_base import Recurrent, activate, project


@register
class SimpleRNN(Recurrent):
    class_name = "SimpleRNN"
    contract = "SimpleRNNLayer"
    gated = False

    def step(self, config, x, state, kernel, recurrent, bias, frac):
        (h,) = state
        z = project(x, kernel, frac) + project(h, recurrent, frac)
        if bias is not None:
            z = z + bias
        return (activate(config["activation"], z, frac),)
