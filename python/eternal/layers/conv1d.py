"""Conv1D: the Conv2D rules over one spatial axis (no causal padding)."""

from eternal.layers.base import register
from eternal.layers.conv2d import Conv2D


@register
class Conv1D(Conv2D):
    class_name = "Conv1D"
