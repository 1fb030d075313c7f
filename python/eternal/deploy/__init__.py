"""Phase 2: deploy an exported model as EternalModel contracts, resumable after any crash.

``python -m eternal.deploy MODEL [--precision int32] [--rpc-url URL] [--json] [--quiet]``

One concept per module, as Hardhat Ignition separates them:

- :mod:`~eternal.deploy.command`: the ``deploy`` command line.
- :mod:`~eternal.deploy.deployer`: the seed's steps, from export to finalised model.
- :mod:`~eternal.deploy.steps`: one named record per transaction, and step names.
- :mod:`~eternal.deploy.transactions`: nonces, estimates, signing, sending, replacing (and their tuning).
- :mod:`~eternal.deploy.waiting`: waiting for a receipt: bounded, said, acting on what the node holds.
- :mod:`~eternal.deploy.fees`: the EIP-1559 fees a run signs with, and a replacement's higher ones.
- :mod:`~eternal.deploy.node_errors`: what a node's error answers mean; one line for each failure.
- :mod:`~eternal.deploy.journal`: the append-only journal and its pure reducer.
- :mod:`~eternal.deploy.reconcile`: the journal against the chain, and what is left.
- :mod:`~eternal.deploy.implementations`: layer implementations shared on one chain.
- :mod:`~eternal.deploy.result`: what a deployment returns and remembers.
- :mod:`~eternal.deploy.gas`: the gas model, its measured constants and sizing bounds.
- :mod:`~eternal.deploy.keys`: the signing key.
- :mod:`~eternal.deploy.progress`: the upload's progress bar and the phase clock.

The chain is the source of truth for what is done: after a crash the deployer
first settles every journaled transaction by its hashes (sending the journaled
signed bytes again if the node lacks them), then reads the model's counters and
sends only what is missing. Nothing mined is sent again, and a step is signed anew
only when the node refused it or another transaction of the account took its nonce.
"""

from eternal.deploy.command import add_arguments, run
from eternal.deploy.deployer import DeployResult, ModelDeployer

__all__ = ["DeployResult", "ModelDeployer", "add_arguments", "run"]
