"""GRU with ``reset_after=True`` (the Keras default; gate order z, r, h).

With bias ``(2, 3u)`` = (input bias, recurrent bias):
``xz = x @ kernel + b_in``, ``hz = h @ recurrent_kernel + b_rec`` (products rescaled to F),
``z, r = recurrent_activation(xz + hz)`` on the first two thirds,
``hh = activation(xz_h + rescale(r * hz_h, 2F, F))``,
``h = rescale(z * h + (2^F - z) * hh, 2F, F)``.
"""

from eternal.layers.base import register
from eternal.layers.recurrent_base import Recurrent, activate, mul_add, project


@register
class GRU(Recurrent):
    class_name = "GRU"
    contract = "GRULayer"

    def normalise(self, raw, input_shapes):
        if not raw.get("reset_after", True):
            raise self.reject("reset_after", False, "True")
        return super().normalise(raw, input_shapes)

    def step(self, config, x, state, kernel, recurrent, bias, frac):
        (h,) = state
        u = config["units"]
        xz = project(x, kernel, frac)
        hz = project(h, recurrent, frac)
        if bias is not None:
            xz = xz + bias[0]
            hz = hz + bias[1]
        gate = config["recurrent_activation"]
        z = activate(gate, xz[:u] + hz[:u], frac)
        r = activate(gate, xz[u : 2 * u] + hz[u : 2 * u], frac)
        hh = activate(config["activation"], xz[2 * u :] + mul_add(self.where, frac, r, hz[2 * u :]), frac)
        one = 1 << frac
        h = mul_add(self.where, frac, z, h, one - z, hh)
        return (h,)
