"""Conv1D: the Conv2D rules over one spatial axis (no causal padding).

On chain it is the Conv2D contract with height 1; the kernel ``(k, cin, cout)``
is stored exactly as a ``(1, k, cin, cout)`` Conv2D kernel would be.
"""

from eternal.layers.base import register
from eternal.layers.conv2d import Conv2D


@register
class Conv1D(Conv2D):
    class_name = "Conv1D"
    contract = "Conv1DLayer"
    one_d = True
