"""LSTM (Keras gate order i, f, c, o).

``z = x @ kernel + h @ recurrent_kernel + bias`` (each product rescaled to F on
its own), ``c = rescale(f*c + i*g, 2F, F)``, ``h = rescale(o * activation(c), 2F, F)``.
"""

import numpy as np

from eternal.layers.base import register
from eternal.layers.recurrent_base import Recurrent, activate, mul_add, project


@register
class LSTM(Recurrent):
    class_name = "LSTM"
    contract = "LSTMLayer"

    def initial_state(self, units):
        return (np.array([0] * units, dtype=object), np.array([0] * units, dtype=object))

    def step(self, config, x, state, kernel, recurrent, bias, frac):
        h, c = state
        u = config["units"]
        z = project(x, kernel, frac) + project(h, recurrent, frac)
        if bias is not None:
            z = z + bias
        gate = config["recurrent_activation"]
        i = activate(gate, z[:u], frac)
        f = activate(gate, z[u : 2 * u], frac)
        g = activate(config["activation"], z[2 * u : 3 * u], frac)
        o = activate(gate, z[3 * u :], frac)
        c = mul_add(self.where, frac, f, c, i, g)
        h = mul_add(self.where, frac, o, activate(config["activation"], c, frac))
        return (h, c)
