"""Authors a small release in the original SCALAR layout (paper objects + prompt-string questions),
so the importer is tested without the real sample too. The prompt layout follows the original's
(research notes §3.14); the texts are invented."""

from __future__ import annotations

import json
from pathlib import Path

MASK = "**[MASKED_CITATION]**"
HEADER = ('Pick the reference that belongs where the paper says "**[MASKED_CITATION]**".\n'
          "Answer with <answer>index</answer>.")
TRAILER = "Reply with the index inside <answer></answer>."

TITLE = "Sparse Widgets for Efficient Gadget Learning"
ABSTRACT = "We study widgets. Widgets are sparse and efficient."

INTRO = ("Gadget learning has a long history (Alpha et al., [2019]). Recent systems such as "
         "WidgetNet (Beta et al., [2020]) and others (Gamma, [2021]; Delta, [2022]) improved it.\n\n"
         "We build on the optimisation view of Alpha et al. ( [2019]).")
METHOD = ("Our method follows the quantum annealing schedule of Epsilon et al., [2018] "
          "and uses a Figure [1]Figure 1 ‣ 1 Introduction ‣ Sparse Widgets for Efficient Gadget Learning\") overview.")

REFS = {
    "bib.bib1": ("Alpha et al. (2019)", "Optimisation landscapes of gadget learning", "1901.00001",
                 "We map the landscapes of gadget optimisation.",
                 {"1 Introduction": "Landscapes matter.", "2 Landscape analysis": "Curvature and valleys dominate "
                  "the loss surface (see Section [2]Landscape analysis ‣ Optimisation Landscapes of Gadget Learning\"))."}),
    "bib.bib2": ("Beta et al. (2020)", "WidgetNet: a network of widgets", "2002.00002",
                 "WidgetNet connects widgets.", {"1 Introduction": "Widgets connect.",
                                                 "2 Architecture": "Layers of widgets stacked deeply."}),
    "bib.bib5": ("Epsilon et al. (2018)", "Quantum annealing schedules for sparse problems", "1803.00005",
                 "Annealing schedules for sparse problems.",
                 {"1 Introduction": "Annealing.", "2 Schedules": "Temperature decays geometrically over time."}),
    "bib.bib6": ("Zeta et al. (2017)", "Robust thermometers for cold labs", "1704.00006",
                 "Measuring cold temperatures robustly.",
                 {"1 Introduction": "Cold labs.", "2 Devices": "Thermometers built from resistors."}),
}


def _cite(content: str, text: str, key: str, single: bool, ctype: str | None, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = content.index(text, start + 1)
    return {"start_pos": start, "end_pos": start + len(text), "text": text, "paper_id": key,
            "single_citation": single, "citation_type": ctype, "nearest_citations": None}


def paper_object() -> dict:
    intro_cites = [
        _cite(INTRO, "Alpha et al., [2019]", "bib.bib1", True, "others"),
        _cite(INTRO, "Beta et al., [2020]", "bib.bib2", True, "method"),
        _cite(INTRO, "Gamma, [2021]", "bib.bib3", False, None),
        _cite(INTRO, "Delta, [2022]", "bib.bib4", False, None),
        _cite(INTRO, "Alpha et al. ( [2019]", "bib.bib1", True, "others"),
    ]
    method_cites = [_cite(METHOD, "Epsilon et al., [2018]", "bib.bib5", True, "method")]
    data = {}
    for key, (label, title, aid, abstract, sections) in REFS.items():
        data[key] = {"id": key, "citation": label, "authors": "", "year": "", "title": title + ".",
                     "venue": "", "pages": "", "url": "", "arxiv_id": aid, "doi": None,
                     "sections": {n: {"content": c, "citations": None} for n, c in sections.items()},
                     "abstract": abstract}
    return {"title": TITLE, "abstract": ABSTRACT, "paper_id": "http://arxiv.org/abs/2501.00001v2",
            "markdown_content": "# " + TITLE,
            "sections": {"1 Introduction": {"content": INTRO, "citations": intro_cites},
                         "2 Method\\": {"content": METHOD, "citations": method_cites}},
            "references": {"data": data, "key_map": {v[2]: k for k, v in REFS.items()}}}


def _paper_part(masked_section: str, span: tuple[int, int]) -> str:
    sections = {"1 Introduction": INTRO, "2 Method\\": METHOD}
    text = "\n" + TITLE + "\n" + "\nAbstract: " + ABSTRACT + "\n"
    for name, content in sections.items():
        if name == masked_section:
            content = content[:span[0]] + MASK + content[span[1]:]
        text += "\n\n## " + name + "\n" + content
    return text


def _block_full(key: str) -> str:
    _, title, _, abstract, sections = REFS[key]
    content = "".join("\n## " + n + "\n" + c + "\n" for n, c in sections.items())
    return title + ".\n\n<Abstract>Abstract: " + abstract + "</Abstract>" + "<Content>" + content + "</Content>"


def _block_body(key: str) -> str:
    _, _, _, _, sections = REFS[key]
    body = "".join("\n## " + n + "\n" + c + "\n" for n, c in sections.items() if "introduction" not in n.lower())
    return "\n<Content>\n" + body + "\n</Content>"


def question(difficulty: str, section: str, cite: dict, order: list[str], label: int, qid: int) -> dict:
    block = _block_body if difficulty == "hard" else _block_full
    cands = "\n".join(f"<Candidate>Candidate [{i}]:\n" + block(k) + "</Candidate>\n" for i, k in enumerate(order))
    prompt = (HEADER + "\n\n<Paper>\n" + _paper_part(section, (cite["start_pos"], cite["end_pos"]))
              + "</Paper>\n\n<References>\n" + cands + "\n</References>\n" + TRAILER)
    additional = {"paper_field": "full", "mask_all": False, "sample": "random"}
    return {"paper_id": "http://arxiv.org/abs/2501.00001v2", "question": prompt, "reference_id": order[label],
            "label_id": label, "mask_all": False,
            "citation": {"section_name": section, "citation_id": order[label], "citation_text": cite["text"],
                         "citation_type": cite["citation_type"], "start_pos": cite["start_pos"],
                         "end_pos": cite["end_pos"], "nearest_citations": None},
            "candidates": [{"id": k, "title": REFS[k][1] + ".", "token_count": 10} for k in order],
            "additional_fields": additional, "id": qid}


def make_original_release(root: Path, *, with_papers: bool = True) -> Path:
    """root/data/... with 1 paper object, 2 easy and 1 hard question; returns root."""
    obj = paper_object()
    data = root / "data"
    if with_papers:
        (data / "paper_obj_anno").mkdir(parents=True)
        (data / "paper_obj_anno" / "2501.00001.json").write_text(json.dumps(obj), encoding="utf-8")
    intro = obj["sections"]["1 Introduction"]["citations"]
    method = obj["sections"]["2 Method\\"]["citations"]
    qs = {
        "easy": [question("easy", "2 Method\\", method[0], ["bib.bib1", "bib.bib6", "bib.bib5", "bib.bib2"], 2, 7),
                 question("easy", "1 Introduction", intro[1], ["bib.bib2", "bib.bib1", "bib.bib6", "bib.bib5"], 0, 12)],
        "hard": [question("hard", "1 Introduction", intro[0], ["bib.bib5", "bib.bib6", "bib.bib2", "bib.bib1"], 3, 3)],
    }
    for difficulty, items in qs.items():
        folder = data / "test_data" / f"cloze_examples_{difficulty}"
        folder.mkdir(parents=True)
        for q in items:
            (folder / f"2501.00001_{q['id']}.json").write_text(json.dumps(q), encoding="utf-8")
    meta = [{"arxiv_id": "2501.00001", "metadata": {"published": "2025-01-01T10:00:00+00:00",
                                                    "entry_id": "http://arxiv.org/abs/2501.00001v2"}}]
    (data / "paper_list").mkdir(parents=True)
    (data / "paper_list" / "icl2025_metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    return root
