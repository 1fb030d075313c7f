"""Eternal: Keras models as EVM contracts (graph, weights, on-chain hash check, inference)."""

from eternal.errors import EternalError

__all__ = ["EternalError"]
__version__ = "0.1.0"
