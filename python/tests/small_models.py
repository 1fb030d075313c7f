"""Small Keras models the deploy tests deploy."""

from __future__ import annotations


def small_model(seed: int):
    """Input(16) -> Dense(400, relu) -> Dense(10, softmax): 3 weight pages at int32."""
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((16,), name="x"), keras.layers.Dense(400, activation="relu"), keras.layers.Dense(10, activation="softmax")],
        name=f"small_{seed}",
    )
    return model
