"""SCALAR: a live long-context benchmark built from fresh conference papers and their citations."""

__version__ = "0.1.0"
