"""Errors a user can get. The CLI turns each into one line and an exit code."""


class EternalError(Exception):
    """Root of every error Eternal raises on purpose."""

    exit_code = 1


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


class ModelInputError(EternalError):
    """A model input the model cannot take (e.g. an Embedding id outside its vocabulary)."""

    exit_code = 7
