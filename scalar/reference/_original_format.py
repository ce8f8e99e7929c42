"""Readers for the original SCALAR release layout (LibrAIResearch/scalar, 2025).

    data/paper_obj_anno/<arxiv_id>.json                          annotated paper objects
    data/test_data/cloze_examples_{easy,medium,hard}/<id>_<n>.json  the 4-way questions
    data/paper_list/icl2025_metadata.json                        arXiv metadata (optional)

The questions carry their whole prompt as one string; the layout (rebuilt byte-exact from the
original generator, see research notes §3.14) is

    H "\\n\\n<Paper>\\n" P "</Paper>\\n\\n<References>\\n" C "\\n</References>\\n" T

with P = "\\n" title "\\n" "\\nAbstract: " abstract "\\n" + ("\\n\\n## " name "\\n" content)* and C the
candidate blocks "<Candidate>Candidate [i]:\\n" body "</Candidate>\\n" joined by "\\n". Bodies come in
two layouts: easy/medium (older generator) title "\\n\\n<Abstract>Abstract: " abstract "</Abstract>"
"<Content>" content "</Content>"; hard "\\n<Content>\\n" body "\\n</Content>". The newer generator's
"\\n<Abstract>\\nAbstract: …\\n</Abstract>\\n<Content>\\n…\\n</Content>" is accepted too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from scalar.errors import InputError
from scalar.schema import MCQ_MASK

MASK = MCQ_MASK  # the placeholder contract lives in scalar.schema
SETS = {"easy": "cloze_examples_easy", "medium": "cloze_examples_medium", "hard": "cloze_examples_hard"}
ANNO_DIR = "paper_obj_anno"
METADATA_FILE = Path("paper_list") / "icl2025_metadata.json"

_PAPER_OPEN = "<Paper>\n"
_PAPER_CLOSE = "</Paper>\n\n<References>\n"
_REFS_CLOSE = "\n</References>\n"
_ARXIV_URL = re.compile(r"arxiv\.org/abs/(?P<id>[a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(?P<v>v\d+)?", re.I)
_BODY_FULL = re.compile(
    r"\A(?P<title>.*?)\n*<Abstract>\n?Abstract: (?P<abstract>.*?)\n?</Abstract>\n?<Content>\n?(?P<content>.*?)\n?</Content>\Z",
    re.S)
_BODY_ONLY = re.compile(r"\A\n?<Content>\n?(?P<content>.*?)\n?</Content>\Z", re.S)


@dataclass
class CandidateBlock:
    title: str | None  # as shown in the prompt (None: not shown, hard set)
    abstract: str | None
    content: str
    raw: str  # the block body exactly as in the prompt


@dataclass
class ParsedPrompt:
    header: str
    paper_text: str  # P without its leading newline: title, abstract, sections with the mask
    title: str
    abstract: str
    candidates: list[CandidateBlock]
    trailer: str


@dataclass
class OriginalQuestion:
    path: Path
    difficulty: str
    data: dict
    prompt: ParsedPrompt
    arxiv_id: str
    version: str | None
    citation_type: str | None  # "method" | "others" | None
    candidates_meta: list[dict] = field(default_factory=list)


def arxiv_from_url(url: str) -> tuple[str, str | None]:
    """'http://arxiv.org/abs/2410.01930v1' -> ('2410.01930', 'v1'); a bare id is accepted too."""
    m = _ARXIV_URL.search(url or "")
    if m:
        return m.group("id"), m.group("v")
    m = re.fullmatch(r"(?P<id>\d{4}\.\d{4,5})(?P<v>v\d+)?", (url or "").strip())
    if m:
        return m.group("id"), m.group("v")
    raise ValueError(f"no arXiv id in {url!r}")


def load_json(path: Path) -> object:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise InputError(f"missing file: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path} is not valid JSON ({_short(e)})") from None
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from None


def _short(e: Exception) -> str:
    if isinstance(e, json.JSONDecodeError):
        return f"{e.msg} at line {e.lineno} column {e.colno}"
    return type(e).__name__


def data_root(src: str | Path) -> Path:
    """The release's data/ folder (``src`` may be the repository root or data/ itself)."""
    src = Path(src)
    if not src.exists():
        raise InputError(f"original release folder not found: {src}")
    if not src.is_dir():
        raise InputError(f"{src} is a file; give the original release's folder")
    for root in (src / "data", src):
        if (root / "test_data").is_dir() or (root / ANNO_DIR).is_dir():
            return root
    raise InputError(f"{src} is not an original SCALAR release (no data/test_data/ or data/{ANNO_DIR}/)")


def question_files(root: Path) -> dict[str, list[Path]]:
    """difficulty -> sorted question files. Missing sets are allowed, but at least one is needed."""
    found: dict[str, list[Path]] = {}
    for difficulty, folder in SETS.items():
        d = root / "test_data" / folder
        if d.is_dir():
            found[difficulty] = sorted(d.glob("*.json"), key=_natural_key)
    if not any(found.values()):
        raise InputError(f"no question files in {root / 'test_data'}/cloze_examples_{{easy,medium,hard}}/")
    return found


def paper_files(root: Path) -> list[Path]:
    d = root / ANNO_DIR
    return sorted(d.glob("*.json"), key=_natural_key) if d.is_dir() else []


def _natural_key(p: Path) -> tuple:
    # 2410.01930_5 before 2410.01930_43: numeric parts compared as numbers.
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.stem))


def published_dates(root: Path) -> dict[str, date]:
    """arXiv id -> first public date, from the paper list's arXiv metadata when it is shipped."""
    path = root / METADATA_FILE
    if not path.is_file():
        return {}
    rows = load_json(path)
    if not isinstance(rows, list):
        raise InputError(f"{path}: expected a list of papers")
    out: dict[str, date] = {}
    for row in rows:
        meta = (row or {}).get("metadata") or {}
        published = meta.get("published")
        pid = row.get("arxiv_id") or meta.get("entry_id")
        if not published or not pid:
            continue
        try:
            aid, _ = arxiv_from_url(str(pid))
            out[aid] = date.fromisoformat(str(published)[:10])
        except ValueError:
            continue
    return out


# --------------------------------------------------------------------------- prompt


def parse_prompt(question: str, n_candidates: int) -> ParsedPrompt:
    """Split an original prompt into paper text and candidate blocks; ValueError when the layout
    does not match."""
    p0 = question.find(_PAPER_OPEN)
    if p0 < 0:
        raise ValueError("no <Paper> block")
    p1 = question.find(_PAPER_CLOSE, p0)
    if p1 < 0:
        raise ValueError("no </Paper> followed by <References>")
    r1 = question.rfind(_REFS_CLOSE)
    if r1 < p1:
        raise ValueError("no closing </References>")
    header = question[:p0].rstrip("\n")
    paper = question[p0 + len(_PAPER_OPEN):p1]
    refs = question[p1 + len(_PAPER_CLOSE):r1]
    trailer = question[r1 + len(_REFS_CLOSE):]

    paper_text = paper[1:] if paper.startswith("\n") else paper
    title, abstract = _title_abstract(paper_text)
    blocks = _split_candidates(refs, n_candidates)
    return ParsedPrompt(header=header, paper_text=paper_text.rstrip(), title=title, abstract=abstract,
                        candidates=[_parse_block(b) for b in blocks], trailer=trailer)


def _title_abstract(paper_text: str) -> tuple[str, str]:
    head, sep, rest = paper_text.partition("\n\nAbstract: ")
    if not sep:
        return "", ""
    abstract = rest.split("\n\n\n## ", 1)[0]
    return head.strip(), abstract.strip()


def _split_candidates(refs: str, n: int) -> list[str]:
    starts: list[tuple[int, int]] = []
    pos = 0
    for i in range(n):
        marker = f"<Candidate>Candidate [{i}]:\n"
        at = refs.find(marker, pos)
        if at < 0:
            raise ValueError(f"candidate block [{i}] not found ({n} expected)")
        starts.append((at, at + len(marker)))
        pos = at + len(marker)
    if refs.find("<Candidate>Candidate [", pos) >= 0 and f"<Candidate>Candidate [{n}]:" in refs[pos:]:
        raise ValueError(f"more than {n} candidate blocks")
    bodies = []
    for i, (_, body_start) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < n else len(refs)
        seg = refs[body_start:end]
        close = seg.rfind("</Candidate>")
        if close < 0:
            raise ValueError(f"candidate block [{i}] is not closed")
        bodies.append(seg[:close])
    return bodies


def _parse_block(body: str) -> CandidateBlock:
    m = _BODY_FULL.match(body)
    if m:
        return CandidateBlock(title=m.group("title").strip(), abstract=m.group("abstract").strip(),
                              content=m.group("content").strip("\n"), raw=body)
    m = _BODY_ONLY.match(body)
    if m:
        return CandidateBlock(title=None, abstract=None, content=m.group("content").strip("\n"), raw=body)
    return CandidateBlock(title=None, abstract=None, content=body.strip("\n"), raw=body)


def read_question(path: Path, difficulty: str) -> OriginalQuestion:
    data = load_json(path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object")
    try:
        question = data["question"]
        candidates = data["candidates"]
        label = data["label_id"]
        if not isinstance(question, str) or not isinstance(candidates, list) or not isinstance(label, int):
            raise TypeError
    except (KeyError, TypeError):
        raise InputError(f"{path}: not an original SCALAR question (needs question, candidates, label_id)") from None
    if len(candidates) < 2 or not all(isinstance(c, dict) and c.get("id") for c in candidates):
        raise InputError(f"{path}: candidates must be two or more objects with an id")
    if not 0 <= label < len(candidates):
        raise InputError(f"{path}: label_id {label} outside 0..{len(candidates) - 1}")
    gold = data.get("reference_id")
    if gold is not None and gold != candidates[label]["id"]:
        raise InputError(f"{path}: reference_id {gold!r} is not candidate {label} ({candidates[label]['id']!r})")
    try:
        prompt = parse_prompt(question, len(candidates))
    except ValueError as e:
        raise InputError(f"{path}: unrecognised prompt layout ({e})") from None
    if prompt.paper_text.count(MASK) != 1:
        raise InputError(f"{path}: the <Paper> block has {prompt.paper_text.count(MASK)} masks, expected 1")
    try:
        arxiv_id, version = arxiv_from_url(str(data.get("paper_id") or path.stem.split("_")[0]))
    except ValueError as e:
        raise InputError(f"{path}: {e}") from None
    citation = data.get("citation") or {}
    ctype = citation.get("citation_type") or (data.get("additional_fields") or {}).get("citation_type")
    return OriginalQuestion(path=path, difficulty=difficulty, data=data, prompt=prompt, arxiv_id=arxiv_id,
                            version=version, citation_type=ctype, candidates_meta=candidates)
