"""The Python API for notebooks: a Keras model to a verified on-chain model in a few lines.

Importable from the package's top level (``from eternal import ModelExporter, ModelDeployer,
predict, verify, pull``); the names follow the seed's (``ModelExporter.export_model``,
``ModelDeployer.deploy_model``). Each function takes the node as a JSON-RPC URL or a
connected ``Web3``, and raises :class:`~eternal.errors.EternalError` subclasses with
one-line messages for anything a user can get wrong.
"""

from __future__ import annotations

import numpy as np

from eternal.chain import connect
from eternal.deploy.deployer import DeployResult, ModelDeployer
from eternal.errors import VerifyError
from eternal.export import ModelExporter, load_model_input
from eternal.fixedpoint import DEFAULT_PRECISION

__all__ = ["DeployResult", "ModelDeployer", "ModelExporter", "predict", "pull", "verify"]


def _web3(node):
    """A connected Web3 for a URL (checked to answer), or ``node`` itself when it is one."""
    return connect(node) if isinstance(node, str) else node


def predict(node, address: str, inputs, **options):
    """Runs the deployed model at ``address`` on ``inputs`` by ``eth_call`` (no transaction, no gas paid).

    Args:
        node: the node's JSON-RPC URL (``"http://127.0.0.1:8545"``) or a connected ``Web3``.
        address: the EternalModel's address (what :meth:`ModelDeployer.deploy_model` returned).
        inputs: for a model with one input, an array holding one sample (the input's shape)
            or a batch along the first axis; for several inputs, a list of such arrays in
            graph order. Plain floats, as given to Keras (the chain computes in fixed point
            with 24 fractional bits).
        **options: passed to :func:`eternal.predict.predict` (``workers``, ``per_request``,
            ``call_gas_cap``, ``console`` for a progress bar).

    Returns:
        Like Keras' ``model.predict``: for a model with one output, a float64 array of shape
        ``(samples, *output_shape)``; for several outputs, a list of such arrays. A single
        sample comes back as a batch of one.

    Raises:
        PredictInputError: inputs that do not fit the model's input shapes.
        ModelContractError: no finalised EternalModel at ``address``.
        ChainError: the node does not answer.
    """
    from eternal.predict import predict as predict_batch

    arrays = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    result = predict_batch(_web3(node), address, arrays, **options)
    samples = result["outputs"]
    outputs = [np.stack([sample[k] for sample in samples]) for k in range(len(samples[0]))]
    return outputs[0] if len(outputs) == 1 else outputs


def verify(node, address: str, expected=None, precision: str | None = None):
    """Checks the model at ``address`` from the chain alone: every weight page against its hash,
    the graph, weights and model hashes, and every layer contract against the graph.

    Args:
        node: the node's JSON-RPC URL or a connected ``Web3``.
        address: the EternalModel's address.
        expected: also check it is this model: an export dict, an export file, or a Keras
            model or file (exported at ``precision``, by default the one stored on chain).
        precision: ``int32``, ``int16`` or ``int8``, for a Keras ``expected`` only.

    Returns:
        The :class:`~eternal.verify.Report` (``report.checks``: ``(name, ok, detail)`` for each
        check), every check passed.

    Raises:
        VerifyError: a check failed; the message names each failed check.
        ModelContractError: no EternalModel at ``address``.
    """
    from eternal.verify import check_model, read_model

    onchain = read_model(_web3(node), address, finalised=False)
    if expected is not None and not isinstance(expected, dict):
        chosen = precision
        if chosen is None and not str(expected).endswith(".json"):
            chosen = onchain.graph.get("precision", DEFAULT_PRECISION)
        expected = load_model_input(expected, chosen)
    report = check_model(onchain, expected)
    if not report.ok:
        raise VerifyError(f"Model at {onchain.address} failed verification: {'; '.join(report.failures())}")
    return report


def pull(node, address: str):
    """Rebuilds the model at ``address`` as a Keras 3 model from the chain alone, after checking
    every hash (:func:`verify`); its weights are the fixed-point values the chain holds.

    Args:
        node: the node's JSON-RPC URL or a connected ``Web3``.
        address: the EternalModel's address.

    Returns:
        A ``keras.Model`` with the deployed graph and weights (save it with ``model.save``).

    Raises:
        VerifyError: the chain's bytes do not match the committed hashes.
        ModelContractError: no finalised EternalModel at ``address``.
    """
    from eternal.pull import pull_model

    model, _ = pull_model(_web3(node), address)
    return model
