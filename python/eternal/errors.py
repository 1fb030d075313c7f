"""Every error Eternal raises on purpose, and its exit code.

The CLI turns each into one line on stderr and its exit code. The codes are
grouped by domain (see :data:`EXIT_CODES`, documented in the README): 1 for an
unexpected error, 2-19 for models, exports, the number format and local
tooling, 20-29 for the chain, 30-39 for deployment, 40-49 for reading a model
back from the chain. Each code belongs to exactly one class.
"""

from __future__ import annotations


class EternalError(Exception):
    """Root of every error Eternal raises on purpose."""

    exit_code = 1


# -- models, exports and the number format ----------------------------------------


class ModelFileError(EternalError):
    """A model file is missing, unreadable or of an unknown kind."""

    exit_code = 2


class UnsupportedLayerError(EternalError):
    """A layer type, or an option of it, that Eternal cannot run on chain."""

    exit_code = 3


class QuantisationError(EternalError):
    """Weights that cannot be written as fixed-point integers (NaN, Inf, overflow)."""

    exit_code = 4


class ExportFileError(EternalError):
    """An export file that is missing, corrupt or of another format version."""

    exit_code = 5


class ActivationError(EternalError):
    """An activation that cannot be computed in the fixed-point format."""

    exit_code = 6


class ModelInputError(EternalError):
    """A model input the model cannot take (e.g. an Embedding id outside its vocabulary)."""

    exit_code = 7


class EmulationError(EternalError):
    """An export or an input the emulator cannot run."""

    exit_code = 8


class PlanError(EternalError):
    """An export that cannot be turned into EternalModel calls."""

    exit_code = 9


class NodeError(EternalError):
    """A local node that cannot be started or does not answer."""

    exit_code = 10


class JournalError(EternalError):
    """A journal that cannot be used as it is."""

    exit_code = 11


class JournalCorruptError(JournalError):
    """A journal line that is not a valid record; the file is moved aside, never overwritten."""

    exit_code = 12


class SigningKeyError(EternalError):
    """A signing key that is missing or cannot be read."""

    exit_code = 13


class DenseInputTooLargeError(ModelInputError):
    """Dense inputs so large that the on-chain kernel could lose exactness (it reverts)."""

    exit_code = 14


class UsageError(EternalError):
    """A command line that asks for something impossible (a bad path, address or option)."""

    exit_code = 15


class PackedTensorError(EternalError):
    """Bytes that are not a packed tensor, or a value a packed tensor cannot hold (past int256)."""

    exit_code = 16


# -- the chain ----------------------------------------------------------------------


class ChainError(EternalError):
    """A node that cannot be reached or answers unexpectedly."""

    exit_code = 20


class ArtifactError(EternalError):
    """A compiled contract artifact that is missing."""

    exit_code = 21


class TransactionFailed(EternalError):
    """A transaction that reverted or could not be sent."""

    exit_code = 22


class ModelContractError(EternalError):
    """An address that is not a (finalised) EternalModel."""

    exit_code = 23


class PredictInputError(ModelInputError):
    """Inputs that do not fit the model."""

    exit_code = 24


class NodeUnavailableError(ChainError):
    """A node that stopped answering mid-run (the transport's retries ran out): rerun to resume."""

    exit_code = 25


class TransactionStuckError(TransactionFailed):
    """A transaction the node holds but did not mine within the wait: rerun to keep waiting."""

    exit_code = 26


class CallGasCapError(EternalError):
    """A predict step that runs out of gas under the node's call gas cap even as a one-element slice."""

    exit_code = 27


# -- deployment ---------------------------------------------------------------------


class DeployError(EternalError):
    """A deployment that cannot go on as asked."""

    exit_code = 30


class ChainResetError(DeployError):
    """The journal points to contracts the chain no longer has (node restarted)."""

    exit_code = 32


class InsufficientFunds(DeployError):
    """The account cannot pay for the deployment."""

    exit_code = 33


class DeployRunningError(DeployError):
    """Another live process holds this model's deployment journal (its OS lock)."""

    exit_code = 34


class AccountBusyError(DeployError):
    """Another live process is deploying from the same account on the same chain (nonces would clash)."""

    exit_code = 35


class NonceConflictError(DeployError):
    """Another transaction from the deploying account took the nonces of the deployment's own, again and again."""

    exit_code = 36


class UnresumableError(DeployError):
    """The chain holds a model this export cannot finish (another model's hashes, more data than it has)."""

    exit_code = 37


# -- reading a model back -------------------------------------------------------------


class VerifyError(EternalError):
    """A model whose chain contents do not check out."""

    exit_code = 40


class RebuildError(EternalError):
    """A graph that cannot be turned back into a Keras model."""

    exit_code = 41


def _all_errors(cls: type[EternalError] = EternalError) -> list[type[EternalError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_all_errors(sub))
    return found


INTERRUPTED_EXIT_CODE = 130  # Ctrl-C: 128 + SIGINT, as shells report it

EXIT_CODES: dict[int, type[EternalError]] = {cls.exit_code: cls for cls in _all_errors()}
"""Exit code -> the one error class that uses it (1 is also any unexpected error)."""
