"""Citation typing: the offline heuristic, span annotations, and the cached LLM typer (replayed by a
local OpenAI-compatible server on 127.0.0.1 through litellm, the same path a live run takes)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from _synth_papers import para

from scalar.errors import ConfigError
from scalar.generate._occurrences import assign_types, extract_occurrences
from scalar.generate.citation_types import HeuristicTyper, LLMTyper, make_typer
from scalar.schema import CitationSpan, Paper, Paragraph, Reference, Section


@pytest.mark.parametrize("before, expected", [
    ("three base detectors: Faster R-CNN [16], and YOLOv3 [", "attributional"),
    ("we fine-tune with LoRA (", "attributional"),
    ("we optimise with Adam (", "attributional"),
    ("the Transformer architecture [", "attributional"),
    ("results on MS-COCO [", "attributional"),
    ("following InstructGPT [", "attributional"),
    ("the long short-term memory (LSTM) unit (", "attributional"),
    ("recurrent networks forget long-range context [", "descriptive"),
    ("as shown in prior work [", "descriptive"),
    ("as proposed by Smith et al. (", "descriptive"),
    ("Recently [", "descriptive"),  # a capitalised word that only starts the sentence
    ("large language models such as LLMs [", "descriptive"),  # a generic acronym, not a name
    ("see Figure 3 and Table [", "descriptive"),
])
def test_heuristic_typer(before, expected):
    assert HeuristicTyper().type(before, "1", "] for details.") == expected


def _paper(paragraphs) -> Paper:
    keys = sorted({c.ref for p in paragraphs for c in p.citations})
    return Paper(title="t", sections=[Section(title="1 Intro", paragraphs=paragraphs)],
                 references=[Reference(key=k, authors=["Smith, J."] if k == "bib.bib2" else []) for k in keys])


def test_occurrences_types_and_groups_from_a_paper():
    paper = _paper([para("We detect with YOLOv3 {1} and compare {2,3}. As argued by {2|Smith et al. (2020)}, "
                         "context matters {4}.")])
    occ = extract_occurrences(paper)
    assign_types(paper, occ, HeuristicTyper())
    text = paper.sections[0].paragraphs[0].text
    got = [(o.key, o.grouped, o.citation_type, text[o.start:o.end]) for o in occ]
    assert got == [
        ("bib.bib1", False, "attributional", "1"),
        ("bib.bib2", True, None, "2"),
        ("bib.bib3", True, None, "3"),
        ("bib.bib2", False, "descriptive", "Smith et al. (2020)"),  # authors are part of the citation
        ("bib.bib4", False, "descriptive", "4"),
    ]


def test_an_annotation_on_the_span_wins_over_the_typer():
    p = Paragraph(text="context matters [1].", citations=[
        CitationSpan(start=17, end=18, ref="bib.bib1", citation_type="attributional")])
    paper = _paper([p])
    occ = extract_occurrences(paper)
    assign_types(paper, occ, HeuristicTyper())
    assert occ[0].citation_type == "attributional"


def test_unknown_typer_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown citation typer"):
        make_typer("magic")


class _ChatServer(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        prompt = body["messages"][0]["content"]
        context = prompt.split("Context:")[1]
        answer = "Yes" if "YOLOv3" in context else "No"
        payload = {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                   "choices": [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": answer}}],
                   "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def chat_server():
    _ChatServer.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", _ChatServer.requests
    server.shutdown()


def test_llm_typer_asks_once_and_answers_from_its_cache(chat_server, tmp_path, monkeypatch):
    base, requests = chat_server
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    typer = make_typer("llm:openai/typer-model", tmp_path / "types.sqlite", api_base=base)
    assert isinstance(typer, LLMTyper)
    assert typer.type("three base detectors, and YOLOv3 [", "33", "] on COCO.") == "attributional"
    assert typer.type("long inputs dilute attention [", "4", "] as shown.") == "descriptive"
    assert len(requests) == 2
    assert requests[0]["temperature"] == 0
    assert "YOLOv3 [ [CITATION]" in requests[0]["messages"][0]["content"]  # words kept apart by spaces
    typer.close()
    again = make_typer("llm:openai/typer-model", tmp_path / "types.sqlite", api_base=base)
    assert again.type("three base detectors, and YOLOv3 [", "33", "] on COCO.") == "attributional"
    assert len(requests) == 2  # served from the SQLite cache
    again.close()


def test_llm_typer_network_failure_is_a_clear_error_after_retries(tmp_path, monkeypatch):
    from scalar.errors import NetworkError
    from scalar.models import RetryPolicy

    waits = []

    async def sleep(seconds):
        waits.append(seconds)

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    typer = LLMTyper("openai/typer-model", tmp_path / "t.sqlite", api_base="http://127.0.0.1:9/v1",
                     retry=RetryPolicy(max_retries=2, first_wait=0.5, sleep=sleep))
    with pytest.raises(NetworkError, match="citation typer"):
        typer.type("a", "1", "b")
    assert len(waits) == 2 and 0.5 <= waits[0] <= 0.625 and 1.0 <= waits[1] <= 1.25  # backoff with jitter
    typer.close()


def test_llm_typer_cache_defaults_to_the_user_cache_folder(chat_server, tmp_path, monkeypatch):
    base, requests = chat_server
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("SCALAR_CACHE_DIR", str(tmp_path / "cachedir"))
    monkeypatch.chdir(tmp_path)
    typer = make_typer("llm:openai/typer-model", api_base=base)
    assert typer.type("long inputs dilute attention [", "4", "] as shown.") == "descriptive"
    typer.close()
    assert (tmp_path / "cachedir" / "citation_types.sqlite").is_file()
    assert not (tmp_path / ".scalar-cache").exists()


def test_generation_with_the_llm_typer_uses_its_answers(chat_server, tmp_path, monkeypatch):
    from _synth_papers import small_citing_paper

    from scalar.generate.questions import GenerationConfig, generate_questions

    base, requests = chat_server
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    config = GenerationConfig(tasks=["mcq"], citation_typer="llm:openai/typer-model",
                              typer_cache=str(tmp_path / "c.sqlite"), typer_api_base=base,
                              reject_surface_matches=False, distractors="balanced")  # robust drops this easy gold
    result = generate_questions([small_citing_paper()], config)
    asked = len(requests)
    assert asked == result.stats["single_occurrences"]  # one question per single occurrence
    # the fake model says Yes only for YOLOv3: the sole easy question is about it
    assert {q.gold_key for q in result.questions if q.difficulty == "easy"} == {"bib.bib3"}
    assert result.stats["typer"] == "llm:openai/typer-model"
    again = generate_questions([small_citing_paper()], config)
    assert len(requests) == asked  # all answers from the cache
    assert [q.id for q in again.questions] == [q.id for q in result.questions]


def test_overlapping_spans_of_two_references_become_one_grouped_region():
    p = Paragraph(text="as shown [12] here.", citations=[
        CitationSpan(start=10, end=12, ref="bib.bib1"), CitationSpan(start=11, end=12, ref="bib.bib2")])
    occ = extract_occurrences(_paper([p]))
    assert [(o.key, o.also, o.grouped, o.start, o.end) for o in occ] == [("bib.bib1", ("bib.bib2",), True, 10, 12)]


def test_author_prefix_joins_the_citation_but_the_method_name_stays_outside():
    paper = Paper(title="t", sections=[Section(title="1 Intro", paragraphs=[
        para("We optimise with Adam {1|(Kingma & Ba, 2015)} and tune it.")])],
        references=[Reference(key="bib.bib1", authors=["Diederik P. Kingma", "Jimmy Ba"])])
    occ = extract_occurrences(paper)
    assign_types(paper, occ, HeuristicTyper())
    text = paper.sections[0].paragraphs[0].text
    assert text[occ[0].start:occ[0].end] == "Kingma & Ba, 2015"
    assert occ[0].citation_type == "attributional"
