from __future__ import annotations

import re
from pathlib import Path

import pytest
from latexml_check import check_paper

from scalar.errors import InputError, ParseError
from scalar.parse.latexml import parse_html, parse_html_file
from scalar.schema import Paper

DATA = Path(__file__).parent / "data"


def _spans(paragraph):
    return [(paragraph.text[c.start:c.end], c.ref, c.grouped) for c in paragraph.citations]


def _all_text(paper: Paper) -> str:
    return "\n".join(p.text for s in paper.sections for p in s.paragraphs)


# ----------------------------------------------------------------- authored pages: numeric style


@pytest.fixture(scope="module")
def numeric() -> Paper:
    return parse_html_file(DATA / "numeric.html")


def test_numeric_invariants(numeric):
    counts = check_paper(numeric, (DATA / "numeric.html").read_bytes())
    assert counts == {"references": 6, "spans": 12, "links": 12}


def test_numeric_front_matter(numeric):
    assert numeric.title == r"Sparse Experts for \mu-Scale Models"  # math once, thanks-note dropped
    assert numeric.authors == ["Zoë Müller", "Ngô Bảo Châu"]  # affiliations and e-mails left out
    assert numeric.abstract == "We study sparse experts with k=2 routing."
    assert (numeric.arxiv_id, numeric.version) == ("2409.01234", "v3")  # canonical link
    assert numeric.source == "arxiv-html"


def test_numeric_groups_split_per_reference(numeric):
    intro = numeric.sections[0]
    assert intro.title == "1 Introduction"
    p = intro.paragraphs[0]
    assert _spans(p) == [
        ("1", "bib.bib1", True), ("3", "bib.bib3", True),  # "[1, 3]"
        ("[2]", "bib.bib2", False),  # a lone citation spans its brackets
        ("[4]", "bib.bib4", False),  # absolute href "https://arxiv.org/html/…#bib.bib4"
    ]
    # math once (alttext), footnote out of the running text, cross-reference title residue and
    # ltx_ERROR garbage gone, unresolved keys kept as text
    assert p.text == (
        "Mixtures of experts route tokens [1, 3] and scale well [2]. Müller et al. [4] use a loss "
        r"\mathcal{L}_{aux} for balance; see Section 2. An unresolved key smith2020 stays plain "
        "text, and garbage is dropped."
    )


def test_numeric_footnote_is_its_own_paragraph_with_its_citation(numeric):
    note = numeric.sections[0].paragraphs[1]
    assert note.kind == "footnote"
    assert note.text == "The loss was first used by [2]."
    assert _spans(note) == [("[2]", "bib.bib2", False)]


def test_numeric_blocks(numeric):
    method = numeric.sections[1]
    kinds = [(p.kind, p.text) for p in method.paragraphs]
    assert kinds == [
        ("heading", "2.1 Routing as in [3]"),
        (None, r"The router computes g(x)=\mathrm{softmax}(Wx) as in prior work [5]."),  # no "(1)"
        (None, "Top-1 routing [3, 99]."),
        (None, "Expert choice."),
        ("caption", "Table 1: Results reported by [1]."),
        ("table", "Method | Acc\nSwitch [3] | 71.2"),
    ]
    assert _spans(method.paragraphs[0]) == [("[3]", "bib.bib3", False)]  # a cite in a heading
    # a link to an entry that does not exist stays text and makes no span (every ref resolves)
    assert _spans(method.paragraphs[2]) == [("3", "bib.bib3", True)]
    appendix = numeric.sections[2]
    assert appendix.appendix and appendix.title == "Appendix A Extra results"
    assert not method.appendix
    # "[4–5]": the dash is a separator, not part of the second citation
    assert _spans(appendix.paragraphs[0]) == [("4", "bib.bib4", True), ("5", "bib.bib5", True)]


def test_numeric_bibliography(numeric):
    refs = {r.key: r for r in numeric.references}
    assert refs["bib.bib1"].arxiv_id == "1701.06538"
    assert refs["bib.bib1"].title == "Outrageously large neural networks: The sparsely-gated mixture-of-experts layer"
    assert refs["bib.bib1"].authors == ["Noam Shazeer", "Azalia Mirhoseini", "Krzysztof Maziarz"]
    assert refs["bib.bib1"].year == 2017
    # non-ASCII survives; an openreview ".../paper/2021" link is not an arXiv id
    assert refs["bib.bib2"].authors == ["Çağlar Gülçehre", "Zoë Müller"]
    assert refs["bib.bib2"].title == "Schrödinger bridges for routing"
    assert refs["bib.bib2"].arxiv_id is None and refs["bib.bib2"].year == 2021
    assert refs["bib.bib3"].doi == "10.5555/3586589.3586709" and refs["bib.bib3"].arxiv_id is None
    assert refs["bib.bib4"].arxiv_id == "2012.01234"  # CoRR "abs/…" form; 2012 is not the year
    assert refs["bib.bib4"].year == 2020
    assert refs["bib.bib5"].arxiv_id == "hep-th/9901001"  # legacy id
    assert refs["bib.bib5"].title == "Lectures on k-means for gates"  # math in a title
    assert refs["bib.bib6"].title == "An entry nobody cites"  # uncited entries are kept
    assert refs["bib.bib1"].raw.startswith("Noam Shazeer, Azalia Mirhoseini")


# ----------------------------------------------------------------- authored pages: author-year


@pytest.fixture(scope="module")
def authoryear() -> Paper:
    return parse_html_file(DATA / "authoryear.html")


def test_authoryear_invariants(authoryear):
    counts = check_paper(authoryear, (DATA / "authoryear.html").read_bytes())
    # 9 links in the body; the "<a>Brown et al.</a> (<a>2020</a>)" pair is one span
    assert counts == {"references": 5, "spans": 8, "links": 9}


def test_authoryear_spans(authoryear):
    p = authoryear.sections[0].paragraphs[0]
    assert _spans(p) == [
        ("Vaswani et al., 2017", "bib.bib4", False),  # pre-note "see, e.g.," left outside
        ("Łukasiewicz & Żółć (2021)", "bib.bib2", False),  # non-ASCII surnames whole
        ("Brown et al., 2020", "bib.bib1", True),
        ("Łukasiewicz & Żółć, 2021", "bib.bib2", True),
        ("2022", "bib.bib3", True),  # same authors, second year
        ("Brown et al. (2020)", "bib.bib1", False),  # name link + year link = one span
        ("Brown et al., 2020", "bib.bib1", False),  # post-note ", Sec. 2" left outside
    ]


def test_authoryear_front_matter_and_ids(authoryear):
    assert authoryear.authors == ["Anna Østergaard", "José Núñez"]
    assert (authoryear.arxiv_id, authoryear.version) == ("2410.05602", "v2")  # watermark
    assert authoryear.abstract == "Names, years, and groups (Vaswani et al., 2017)."
    related = authoryear.sections[1]
    assert related.title == "Related Work"  # unnumbered sections are kept
    assert [p.kind for p in related.paragraphs] == [None, "footnote"]
    assert related.paragraphs[0].text == "Earlier, Hochreiter & Schmidhuber (1997) proposed gates for memory."


def test_authoryear_bibliography(authoryear):
    refs = {r.key: r for r in authoryear.references}
    assert refs["bib.bib1"].arxiv_id == "2005.14165"  # version dropped from the link
    assert refs["bib.bib3"].arxiv_id == "2201.00001"  # from the arXiv DOI
    assert refs["bib.bib3"].doi == "10.48550/arXiv.2201.00001"
    # semantic spans (LaTeXML reading a .bib)
    assert refs["bib.bib4"].title == "Attention is all you need"
    assert refs["bib.bib4"].authors == ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"]
    assert refs["bib.bib4"].year == 2017
    assert refs["bib.bib4"].raw == "Ashish Vaswani, Noam Shazeer, and Niki Parmar (2017) Attention is all you need. NeurIPS."
    # a single block "Authors. Title. Venue, year."
    assert refs["bib.bib5"].title == "Long short-term memory"
    assert refs["bib.bib5"].authors == ["Sepp Hochreiter", "Jürgen Schmidhuber"]
    assert refs["bib.bib5"].year == 1997


# ----------------------------------------------------------------- bad and odd input


def test_no_bibliography_is_an_error_unless_allowed():
    html = (DATA / "nobib.html").read_bytes()
    with pytest.raises(ParseError, match="no bibliography"):
        parse_html(html)
    paper = parse_html(html, require_bibliography=False)  # cited papers are parsed this way
    assert paper.title == "A Note Without References"
    assert paper.references == [] and paper.sections[0].title == "1 Idea"


def test_no_sections_is_an_error():
    with pytest.raises(ParseError, match="no sections"):
        parse_html((DATA / "nosections.html").read_bytes())


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
    b'{"title": "not html"}',
    "just some plain text, no markup at all",
    b"\x00\x01\x02binary",
    b"",
])
def test_non_html_is_a_parse_error(data):
    with pytest.raises(ParseError, match="not an HTML page"):
        parse_html(data)


def test_malformed_html_is_recovered():
    paper = parse_html_file(DATA / "malformed.html")
    check_paper(paper, (DATA / "malformed.html").read_bytes())
    assert paper.sections[0].title == "1 Start"
    assert paper.title == "Truncated Download"
    assert paper.sections[0].paragraphs[0].text == "Unclosed emphasis and a cite [1] then the file ends"
    assert paper.references[0].authors == ["A. Author"]


def test_file_errors(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        parse_html_file(tmp_path / "missing.html")
    with pytest.raises(InputError, match="directory"):
        parse_html_file(tmp_path)
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    with pytest.raises(ParseError, match="empty"):
        parse_html_file(empty)


def test_id_from_file_name(tmp_path):
    # nobib.html names no arXiv id itself; the file name supplies it
    target = tmp_path / "2410.05602v2.html"
    page = (DATA / "numeric.html").read_text(encoding="utf-8")
    page = re.sub(r'<link rel="canonical"[^>]*>', "", page).replace("https://arxiv.org/html/2409.01234v3", "")
    target.write_text(page, encoding="utf-8")
    paper = parse_html_file(target)
    assert (paper.arxiv_id, paper.version) == ("2410.05602", "v2")
    assert parse_html(page, arxiv_id="2501.00001v4").version == "v4"


def test_str_and_bytes_and_latin1_charset():
    page = (DATA / "authoryear.html").read_text(encoding="utf-8")
    assert parse_html(page) == parse_html(page.encode("utf-8"))
    # a page that declares another charset is decoded with it
    latin = page.replace('charset="utf-8"', 'charset="iso-8859-1"').replace("Ł", "L").replace("Ż", "Z")
    latin = latin.replace("ż", "z").replace("ó", "ó").replace("ł", "l").replace("ć", "c")
    paper = parse_html(latin.encode("iso-8859-1", errors="replace"))
    assert "José Núñez" in paper.authors


def test_json_round_trip(numeric):
    assert Paper.model_validate_json(numeric.model_dump_json()) == numeric


# ----------------------------------------------------------------- real ar5iv pages (skip if absent)


@pytest.fixture(scope="module")
def ar5iv_pages():
    root = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "ar5iv"
    if not root.is_dir():
        pytest.skip("../shared/reference/ar5iv is absent")
    return root


def test_real_page_gru(ar5iv_pages):
    path = ar5iv_pages / "1412.3555.html"
    paper = parse_html_file(path)
    counts = check_paper(paper, path.read_bytes())
    assert counts["references"] == 20 and counts["spans"] == 32
    assert paper.arxiv_id == "1412.3555" and paper.source == "ar5iv"
    assert paper.title == "Empirical Evaluation of Gated Recurrent Neural Networks on Sequence Modeling"
    assert paper.authors == ["Junyoung Chung", "Caglar Gulcehre", "KyungHyun Cho", "Yoshua Bengio"]
    assert [s.title for s in paper.sections][:3] == [
        "1 Introduction", "2 Background: Recurrent Neural Network", "3 Gated Recurrent Neural Networks"]
    first = paper.sections[0].paragraphs[0]
    assert _spans(first) == [
        ("Graves, 2012", "bib.bib10", False),  # "(see, e.g., Graves, 2012)"
        ("Sutskever et al. (2014)", "bib.bib20", False),
        ("Bahdanau et al. (2014)", "bib.bib1", False),
    ]
    # math once: alttext only, no MathML glyphs (𝐱 …) and no repeated presentation text
    assert "more traditional recurrent units such as \\tanh units" in paper.abstract
    text = _all_text(paper)
    assert not re.search("[\U0001D400-\U0001D7FF]", text)
    assert "tanh\\tanh" not in text.replace(" ", "")
    # the footnote with a citation left the running text and kept its citation
    notes = [p for s in paper.sections for p in s.paragraphs if p.kind == "footnote"]
    assert any(p.citations and p.citations[0].ref == "bib.bib8" for p in notes)
    assert all("Note that we use the reset gate" not in p.text for s in paper.sections
               for p in s.paragraphs if p.kind is None)
    refs = {r.key: r for r in paper.references}
    assert refs["bib.bib1"].arxiv_id == "1409.0473" and refs["bib.bib1"].year == 2014
    assert refs["bib.bib1"].title == "Neural machine translation by jointly learning to align and translate"
    # a title block that runs on into the venue is cut at the venue
    assert refs["bib.bib16"].title == "Untersuchungen zu dynamischen neuronalen Netzen"
    assert all(r.title and r.authors and r.year for r in paper.references)


def test_real_page_mtan(ar5iv_pages):
    path = ar5iv_pages / "2101.10318.html"
    paper = parse_html_file(path)
    counts = check_paper(paper, path.read_bytes())
    assert counts["references"] == 35 and counts["spans"] == 71
    assert paper.authors == ["Satya Narayan Shukla", "Benjamin M. Marlin"]
    assert [s.appendix for s in paper.sections][-1] is True
    assert paper.sections[-1].title == "Appendix A Appendix"
    assert sum(s.appendix for s in paper.sections) == 1
    refs = {r.key: r for r in paper.references}
    chung = refs["bib.bib4"]
    assert chung.arxiv_id == "1412.3555"
    assert chung.authors[:2] == ["Junyoung Chung", "Çağlar Gülçehre"]  # non-ASCII intact
    assert chung.title == "Empirical evaluation of gated recurrent neural networks on sequence modeling"
    assert refs["bib.bib17"].arxiv_id == "1710.04110"
    assert refs["bib.bib20"].doi == "10.1016/j.jbi.2017.04.001"
    assert refs["bib.bib5"].authors == ["J.S. Clark", "O.N. Bjørnstad"]
    # a full stop inside a title is not a venue boundary
    assert refs["bib.bib24"].title == ("Studies in astronomical time series analysis. ii-statistical "
                                       "aspects of spectral analysis of unevenly spaced data")
    assert all(r.title and r.authors and r.year for r in paper.references)
    # no junk ids anywhere
    assert all(r.arxiv_id is None or re.fullmatch(r"\d{4}\.\d{4,5}", r.arxiv_id) for r in refs.values())
    intro = paper.sections[0].paragraphs[0]
    assert ("Marlin et al., 2012", "bib.bib16", True) in _spans(intro)
    assert ("Yadav et al., 2018", "bib.bib32", True) in _spans(intro)
    # cross-reference link titles ("Table 3 ‣ A.1 Ablation Study ‣ …") never reach the text
    text = _all_text(paper)
    assert "‣" not in text and "Ablation Study ‣" not in text
    assert "Table 3 shows the ablation results" in text


def _mutations(data: bytes, n: int, seed: int):
    import random

    rng = random.Random(seed)
    for _ in range(n):
        d = bytearray(data)
        for _ in range(rng.randrange(1, 25)):
            a = rng.randrange(len(d))
            if rng.random() < 0.5:
                del d[a:a + rng.randrange(1, 200)]
            else:
                d[a:a] = rng.choice([b"<div>", b"</p>", b"<cite class=\"ltx_cite\">", b"</section>",
                                     b"<math alttext=\"x\">", b"\xff\xfe", b"&nbsp;", b"<!--"])
        yield bytes(d)


@pytest.mark.parametrize("name", ["numeric.html", "authoryear.html"])
def test_corrupted_pages_give_a_paper_or_a_parse_error(name):
    """Whatever the damage, the parser returns a valid Paper (spans inside their paragraph,
    every ref a reference key — the schema checks both) or raises ParseError, nothing else."""
    outcomes = set()
    for data in _mutations((DATA / name).read_bytes(), 150, seed=7):
        try:
            paper = parse_html(data)
        except ParseError:
            outcomes.add("error")
            continue
        outcomes.add("paper")
        for s in paper.sections:
            for p in s.paragraphs:
                for c in p.citations:
                    t = p.text[c.start:c.end]
                    assert t and t == t.strip()
    assert outcomes == {"paper", "error"}


def test_truncated_real_page_never_crashes(ar5iv_pages):
    data = (ar5iv_pages / "2101.10318.html").read_bytes()
    for cut in range(1000, len(data), len(data) // 25):
        try:
            paper = parse_html(data[:cut])
        except ParseError as e:
            assert "no bibliography" in str(e) or "no sections" in str(e)
        else:
            check_paper(paper, data[:cut])


def test_xhtml_serialisation_parses_the_same(numeric):
    """LaTeXML can also write XHTML (XML declaration, namespaces, MathML namespace)."""
    page = (DATA / "numeric.html").read_text(encoding="utf-8")
    xhtml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1 plus MathML 2.0//EN" '
             '"http://www.w3.org/Math/DTD/mathml2/xhtml-math11-f.dtd">\n'
             + page.replace('<!DOCTYPE html><html lang="en">', '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">')
             .replace("<math ", '<math xmlns="http://www.w3.org/1998/Math/MathML" '))
    assert parse_html(xhtml) == numeric
    assert parse_html(xhtml.encode("utf-8")) == parse_html(xhtml)
