import json
from datetime import date

import pytest
from pydantic import ValidationError

from scalar.schema import (
    Candidate,
    CitationSpan,
    Paper,
    Paragraph,
    Prediction,
    Question,
    Reference,
    ReleaseManifest,
    RunSummary,
    Score,
    Section,
    unknown_fields,
)


def _paper() -> Paper:
    text = "as shown by Smith et al. (2023) and others"
    return Paper(
        arxiv_id="2410.05602", version="v2", title="A paper — with ünïcode", abstract="abs",
        authors=["Zoë Müller"],
        sections=[Section(title="1 Introduction", paragraphs=[Paragraph(
            text=text, citations=[CitationSpan(start=12, end=31, ref="bib.bib12")])])],
        references=[Reference(key="bib.bib12", raw="Smith. A title. 2023.", title="A title", year=2023)],
    )


def test_paper_round_trip_and_span_invariant():
    p = _paper()
    again = Paper.model_validate_json(p.model_dump_json())
    assert again == p
    c = again.sections[0].paragraphs[0].citations[0]
    assert again.sections[0].paragraphs[0].text[c.start:c.end] == "Smith et al. (2023)"
    assert again.title == "A paper — with ünïcode"


def test_citation_to_unknown_reference_is_rejected():
    data = _paper().model_dump()
    data["references"] = []
    with pytest.raises(ValidationError):
        Paper.model_validate(data)


def test_span_outside_paragraph_is_rejected():
    with pytest.raises(ValidationError):
        Paragraph(text="short", citations=[CitationSpan(start=2, end=10, ref="x")])


def test_question_round_trip_and_answer_checks():
    cands = [Candidate(key=f"bib.bib{i}", text=f"text {i}") for i in range(4)]
    q = Question(id="q1", task="mcq", difficulty="easy", paper="2410.05602v2",
                 first_public_date=date(2024, 10, 8), context="x **[MASKED_CITATION]** y",
                 candidates=cands, answer=2, context_tokens=10)
    assert Question.model_validate_json(q.model_dump_json()) == q
    with pytest.raises(ValidationError):
        Question(**{**q.model_dump(), "answer": 4})
    with pytest.raises(ValidationError):
        Question(**{**q.model_dump(), "task": "cloze"})  # cloze needs a list answer
    cloze = Question(**{**q.model_dump(), "task": "cloze", "answer": [1, 3]})
    assert Question.model_validate_json(cloze.model_dump_json()).answer == [1, 3]


def test_run_records_round_trip():
    m = ReleaseManifest(release_id="r", venue="sample", build_date=date(2026, 11, 23),
                        generator_version="0.1.0", seed=0, questions_sha256="0" * 64)
    assert ReleaseManifest.model_validate_json(m.model_dump_json()) == m
    p = Prediction(id="q1", model="baseline/random", response="<answer>2</answer>", prediction=2, correct=True)
    assert Prediction.model_validate_json(p.model_dump_json()) == p
    s = Score(accuracy=0.5, low=0.3, high=0.7, n=10, n_papers=3)
    r = RunSummary(model="m", release_id="r", n=10, accuracy=s, by_difficulty={"easy": s})
    assert RunSummary.model_validate_json(r.model_dump_json()) == r


def test_readers_ignore_fields_added_by_a_newer_writer():
    # README: schema changes are additive. A file from a newer version, with fields this version
    # does not know at the top level and nested, still loads.
    cands = [Candidate(key=f"bib.bib{i}", text=f"text {i}") for i in range(2)]
    q = Question(id="q1", task="mcq", difficulty="easy", paper="2410.05602v2", context="x **[MASKED_CITATION]** y",
                 candidates=cands, answer=1)
    data = q.model_dump(mode="json")
    data["new_top_level"] = {"anything": 1}
    data["candidates"][0]["embedding"] = [0.1, 0.2]
    again = Question.model_validate_json(json.dumps(data))
    assert again == q
    assert not hasattr(again, "new_top_level")


def test_unknown_fields_is_the_strict_check_for_writers():
    cands = [Candidate(key="a", text="A"), Candidate(key="b", text="B")]
    q = Question(id="q1", task="mcq", difficulty="easy", paper="p", context="c", candidates=cands, answer=0)
    assert unknown_fields(Question, q.model_dump_json()) == []
    data = q.model_dump(mode="json")
    data["typo_feild"] = 1
    data["candidates"][1]["extra"] = "x"
    assert sorted(unknown_fields(Question, data)) == ["candidates[1].extra", "typo_feild"]
    # Keys of free-form maps are data, not fields.
    s = RunSummary(model="m", release_id="r", n=1, accuracy=Score(accuracy=1, low=1, high=1, n=1),
                   settings={"any_setting": 3}, breakdowns={"task": {"mcq": Score(accuracy=1, low=1, high=1, n=1)}})
    assert unknown_fields(RunSummary, s.model_dump_json()) == []
    with pytest.raises(ValidationError):  # not a valid record at all
        unknown_fields(Question, {"id": "q1"})
