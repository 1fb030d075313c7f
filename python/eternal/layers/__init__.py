"""Layer types Eternal supports, one module each, registered by Keras ``class_name``.

Each module keeps everything about its layer in one place: config normalisation
(Keras 2 and 3 to one spelling), weight order and layout, and (for the emulator)
the fixed-point forward pass. An unregistered layer raises; it is never skipped.
"""

from eternal.layers.base import (
    REGISTRY,
    LayerType,
    QTensor,
    Tensor,
    lookup,
    model_input_id_count,
    register,
    supported_names,
)

# Importing the modules fills REGISTRY.
from eternal.layers import (  # noqa: F401,E402
    activation,
    add,
    attention,
    average_pooling2d,
    batch_normalization,
    bidirectional,
    concatenate,
    conv1d,
    conv2d,
    conv2d_transpose,
    depthwise_conv2d,
    dense,
    dot,
    einsum_dense,
    elu,
    embedding,
    flatten,
    global_pooling2d,
    gru,
    inference_noops,
    input_layer,
    layer_normalization,
    leaky_relu,
    lstm,
    max_pooling1d,
    max_pooling2d,
    merges,
    multi_head_attention,
    multiply,
    normalization,
    permute,
    pooling1d,
    prelu,
    relu,
    rescaling,
    reshape,
    separable_conv2d,
    simple_rnn,
    softmax,
    time_distributed,
    unit_normalization,
    upsampling,
    zero_padding2d,
)

__all__ = ["REGISTRY", "LayerType", "QTensor", "Tensor", "lookup", "model_input_id_count", "register", "supported_names"]
