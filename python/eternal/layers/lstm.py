"""LSTM (Keras gate order i, f, c, o)."""

from eternal.layers.base import register
from eternal.layers.recurrent_base import Recurrent


@register
class LSTM(Recurrent):
    class_name = "LSTM"
