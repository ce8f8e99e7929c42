"""SCALAR: a live long-context benchmark built from fresh conference papers and their citations."""

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

# The version is written once, in pyproject.toml; installing (editable or not) records it in the
# distribution's metadata. A bare source tree on sys.path without any install has no metadata.
try:
    __version__ = version("scalar-bench")
except PackageNotFoundError:
    __version__ = "0+unknown"
