"""Fixtures for the tests of scalar.release: a few questions, their papers, manifest info."""

from __future__ import annotations

from datetime import date

import pytest
from _release_records import paper, question

from scalar.release import ManifestInfo
from scalar.schema import Paper, Question


@pytest.fixture
def questions() -> list[Question]:
    return [question(i, difficulty=("easy", "medium", "hard")[i % 3], tokens=900 + 10 * i) for i in range(6)]


@pytest.fixture
def papers(questions) -> list[tuple[str, Paper]]:
    return [(q.paper.removesuffix("v1"), paper(q.paper.removesuffix("v1"), f"Paper of {q.id}")) for q in questions]


@pytest.fixture
def info() -> ManifestInfo:
    return ManifestInfo(venue="test", generator_version="test 1", seed=0, build_date=date(2026, 1, 1))
