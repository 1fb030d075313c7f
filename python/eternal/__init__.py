"""Eternal: Keras models as EVM contracts (graph, weights, on-chain hash check, inference).

The Python API (:mod:`eternal.api`)::

    from eternal import ModelExporter, ModelDeployer, predict, verify, pull

Its names load on first use, so ``import eternal`` stays light (no web3, no TensorFlow).
``eternal.predict``, ``eternal.verify`` and ``eternal.pull`` are the API's functions; their
command modules of the same names are ``importlib.import_module("eternal.predict")`` or
``from eternal.predict import …``.
"""

import sys
import types

from eternal.errors import EternalError

__version__ = "0.1.0"
API = ("ModelExporter", "ModelDeployer", "DeployResult", "predict", "verify", "pull")
__all__ = ["EternalError", *API]


def __getattr__(name: str):
    if name in API:
        from eternal import api

        return getattr(api, name)
    raise AttributeError(f"module 'eternal' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(API))


class _Package(types.ModuleType):
    """The package module: importing a command module (``eternal.predict``) does not replace
    the API function of the same name (the import system sets each submodule on its package)."""

    def __setattr__(self, name: str, value) -> None:
        if name in API and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
