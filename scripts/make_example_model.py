"""Trains the bundled example model (digits MLP, Keras 3) and saves examples/digits_mlp.keras."""

import sys
from pathlib import Path

import keras

from eternal.examples import build_mlp, train

target = Path(sys.argv[1] if len(sys.argv) > 1 else "examples/digits_mlp.keras")
target.parent.mkdir(parents=True, exist_ok=True)
model, accuracy = train(keras, build_mlp)
model.save(target)
print(f"saved {target} (test accuracy {accuracy:.3f})")
