"""Phase 2: deploy an exported model as EternalModel contracts, resumable after any crash.

``python -m eternal.deploy MODEL [--precision int32] [--rpc-url URL] [--json] [--quiet]``

One concept per module, as Hardhat Ignition separates them:

- :mod:`~eternal.deploy.command`: the ``deploy`` command line.
- :mod:`~eternal.deploy.deployer`: the seed's steps, from export to finalised model.
- :mod:`~eternal.deploy.steps`: one named record per transaction, and step names.
- :mod:`~eternal.deploy.transactions`: nonces, fees, estimates, sending, receipts (and their tuning).
- :mod:`~eternal.deploy.journal`: the append-only journal and its pure reducer.
- :mod:`~eternal.deploy.reconcile`: the journal against the chain, and what is left.
- :mod:`~eternal.deploy.implementations`: layer implementations shared on one chain.
- :mod:`~eternal.deploy.result`: what a deployment returns and remembers.
- :mod:`~eternal.deploy.gas`: the gas model, its measured constants and sizing bounds.
- :mod:`~eternal.deploy.keys`: the signing key.
- :mod:`~eternal.deploy.progress`: the upload's progress bar and the phase clock.

The chain is the source of truth for what is done: after a crash the deployer
first settles every journaled transaction by its hash, then reads the model's
counters and sends only what is missing. Nothing mined is sent again.
"""

from eternal.deploy.command import add_arguments, run
from eternal.deploy.deployer import DeployResult, ModelDeployer

__all__ = ["DeployResult", "ModelDeployer", "add_arguments", "run"]
