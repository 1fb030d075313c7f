"""SimpleRNN: ``h = activation(x @ kernel + h @ recurrent_kernel + bias)``."""

from eternal.layers.base import register
from eternal.layers.recurrent_base import Recurrent


@register
class SimpleRNN(Recurrent):
    class_name = "SimpleRNN"
    gated = False
