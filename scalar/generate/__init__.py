"""Question generation: citing papers -> multiple-choice and cloze questions at three difficulties
and any context budget, written as a release; and the audit of a release's leaks and shortcuts.

``GenerationConfig`` is the one holder and validator of generation settings.
"""

from scalar._util.lazy import lazy_exports

_EXPORTS = {
    "GenerationConfig": "scalar.generate.config",
    "GenerationResult": "scalar.generate.questions",
    "generate_questions": "scalar.generate.questions",
    "plan_questions": "scalar.generate.questions",
    "QuestionPlan": "scalar.generate.questions",
    "write_release": "scalar.generate.write",
    "stream_release": "scalar.generate.write",
    "run_build": "scalar.generate.venue_release",
    "AuditReport": "scalar.generate.audit",
    "audit_release": "scalar.generate.audit",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
