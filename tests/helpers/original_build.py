"""``run_build`` under the original distractor rules, for the crawl tests: they count crawled papers
that yield questions, and balancing (the default) drops questions of the small synthetic pools."""

from scalar.generate.venue_release import run_build as _run_build

ORIGINAL = {"distractors": "original"}


def run_build(*args, **kwargs):
    kwargs.setdefault("generation", ORIGINAL)
    return _run_build(*args, **kwargs)
