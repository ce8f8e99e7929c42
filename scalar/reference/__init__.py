"""The original SCALAR release (LibrAIResearch/scalar, 2025) as one of ours: ``import_reference``
converts its questions as they are, or regenerates them with our generator."""

from scalar._util.lazy import lazy_exports

_EXPORTS = {"import_reference": "scalar.reference.importer"}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
