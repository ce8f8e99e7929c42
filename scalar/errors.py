"""Typed errors. A ScalarError is the user's to fix (bad input, configuration, network): the CLI
prints its message as one line on stderr and exits 2."""


class ScalarError(Exception):
    """Bad input or configuration: reported as one line, exit code 2."""


class InputError(ScalarError):
    """A file or folder given by the user is missing or malformed."""


class ParseError(InputError):
    """A document could not be parsed into a Paper."""


class ReleaseError(InputError):
    """A release folder is missing a file or fails validation."""


class ConfigError(ScalarError):
    """An unknown venue, model or option, or a missing credential."""


class NetworkError(ScalarError):
    """A remote service could not be reached or answered with an error after retries."""


class MissingExtra(ScalarError, ImportError):
    """A feature whose optional dependencies are not installed; the message names the extra
    (``pip install 'scalar-bench[extra]'``)."""


class StorageError(ScalarError):
    """A file could not be written (disk full, read-only file system, no permission); what was
    already written is kept."""
