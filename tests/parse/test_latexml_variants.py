"""LaTeXML markup of other versions and other styles than the real pages we hold: algorithm
floats (listing lines, or inline lines split by <br>), bibliography styles that append a date to
the title, author blocks with no-break spaces, marks and <br>, front-matter notes, deep nesting."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scalar.errors import ParseError
from scalar.parse.latexml import parse_html

BIB_ONE = ('<li class="ltx_bibitem" id="bib.bib1"><span class="ltx_tag ltx_tag_bibitem">[1]</span>'
           '<span class="ltx_bibblock">A. Author. </span><span class="ltx_bibblock">A title. </span>'
           '<span class="ltx_bibblock">Venue, 2020.</span></li>')


def _page(body: str, bib: str = BIB_ONE, front: str = "", version: str = "0.8.8") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="generator" content="LaTeXML '
            f'{version}"></head><body><div class="ltx_page_main"><div class="ltx_page_content">'
            f'<article class="ltx_document"><h1 class="ltx_title ltx_title_document">A Test Paper</h1>'
            f'{front}{body}<section class="ltx_bibliography" id="bib"><h2 class="ltx_title">References</h2>'
            f'<ul class="ltx_biblist">{bib}</ul></section></article></div></div></body></html>')


def _section(inner: str) -> str:
    return (f'<section class="ltx_section" id="S1"><h2 class="ltx_title ltx_title_section">'
            f'<span class="ltx_tag ltx_tag_section">1 </span>Method</h2>{inner}</section>')


MATH_KMAX = ('<math alttext="k=k_{\\max}" class="ltx_Math" display="inline"><semantics><mrow><mi>k</mi>'
             '<mo>=</mo><msub><mi>k</mi><mo>max</mo></msub></mrow><annotation-xml encoding="MathML-Content">'
             '<apply><eq/><ci>k</ci></apply></annotation-xml><annotation encoding="application/x-tex">'
             'k=k_{\\max}</annotation></semantics></math>')
MATH_XW = ('<math alttext="x\\cdot W" class="ltx_Math" display="inline"><semantics><mrow><mi>x</mi>'
           '<mo>\u2062</mo><mi>W</mi></mrow><annotation encoding="application/x-tex">x\\cdot W</annotation>'
           '</semantics></math>')


def _kinds(paper):
    return [(p.kind, p.text) for s in paper.sections for p in s.paragraphs]


# ----------------------------------------------------------------------------- algorithms


def test_algorithmic_listing_lines_are_one_paragraph_each():
    """LaTeXML 0.8.x algorithmic: div.ltx_listing > div.ltx_listingline, a line-number tag,
    keywords in bold spans, inline math with MathML presentation and annotations."""
    body = _section(
        '<div class="ltx_para"><p class="ltx_p">We route greedily '
        '<cite class="ltx_cite">[<a class="ltx_ref" href="#bib.bib1">1</a>]</cite>.</p></div>'
        '<figure class="ltx_float ltx_float_algorithm ltx_framed ltx_framed_top" id="alg1">'
        '<figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_float"><span class="ltx_text '
        'ltx_font_bold">Algorithm 1</span> </span>Greedy routing</figcaption>'
        '<div class="ltx_listing ltx_listing" id="alg1.1">'
        '<div class="ltx_listing_data"><a download="" href="data:text/plain;base64,AA==">⬇</a></div>'
        '<div class="ltx_listingline" id="alg1.l1"><span class="ltx_tag ltx_tag_listingline">1:</span>'
        '<span class="ltx_text ltx_font_bold">repeat</span></div>'
        f'<div class="ltx_listingline" id="alg1.l2"><span class="ltx_tag ltx_tag_listingline">2:</span>'
        f'  Set {MATH_KMAX} and route {MATH_XW} to expert <span class="ltx_text ltx_font_italic">e</span>'
        ' (see <cite class="ltx_cite">[<a class="ltx_ref" href="#bib.bib1">1</a>]</cite>)</div>'
        '<div class="ltx_listingline" id="alg1.l3"><span class="ltx_tag ltx_tag_listingline">3:</span>'
        '<span class="ltx_text ltx_font_bold">until</span> converged</div>'
        '</div></figure>')
    paper = parse_html(_page(body))
    assert _kinds(paper) == [
        (None, "We route greedily [1]."),
        ("caption", "Algorithm 1 Greedy routing"),
        ("listing", "repeat"),
        ("listing", "Set k=k_{\\max} and route x\\cdot W to expert e (see [1])"),
        ("listing", "until converged"),
    ]
    line = paper.sections[0].paragraphs[3]
    assert [(line.text[c.start:c.end], c.ref) for c in line.citations] == [("[1]", "bib.bib1")]


def test_algorithm_written_as_inline_lines_split_at_breaks():
    """An algorithm float without listing markup (older LaTeXML, algorithm2e-like output):
    inline content separated by <br>; text between the elements must not be lost."""
    body = _section(
        '<figure class="ltx_float ltx_algorithm" id="alg2">'
        '<span class="ltx_text ltx_font_bold">Input:</span> data <math alttext="D" class="ltx_Math">'
        '<semantics><mi>D</mi><annotation encoding="application/x-tex">D</annotation></semantics></math>'
        ', steps <math alttext="T" class="ltx_Math"><semantics><mi>T</mi></semantics></math>'
        '<br class="ltx_break"/><span class="ltx_text ltx_font_bold">for</span> '
        f'{MATH_KMAX} <span class="ltx_text ltx_font_bold">do</span> update'
        '<br class="ltx_break"/><span class="ltx_text ltx_font_bold">end</span>'
        '<figcaption class="ltx_caption">Algorithm 2: Training</figcaption></figure>')
    paper = parse_html(_page(body))
    assert _kinds(paper) == [
        ("figure", "Input: data D, steps T"),
        ("figure", "for k=k_{\\max} do update"),
        ("figure", "end"),
        ("caption", "Algorithm 2: Training"),
    ]


def test_figure_panel_of_inline_content_is_one_paragraph():
    body = _section(
        '<figure class="ltx_figure" id="F1"><div class="ltx_block ltx_figure_panel">'
        '<span class="ltx_text">Left:</span> accuracy of <span class="ltx_text ltx_font_bold">ours</span>'
        f' vs {MATH_XW}.</div><figcaption class="ltx_caption">Figure 1: Panels.</figcaption></figure>')
    paper = parse_html(_page(body))
    assert _kinds(paper) == [("figure", "Left: accuracy of ours vs x\\cdot W."),
                             ("caption", "Figure 1: Panels.")]


# ----------------------------------------------------------------------------- reference titles


def _bibitem(n: int, blocks: list[str], tag: str = "") -> str:
    tag = tag or f"[{n}]"
    inner = "".join(f'<span class="ltx_bibblock">{b}</span>' for b in blocks)
    return f'<li class="ltx_bibitem" id="bib.bib{n}"><span class="ltx_tag ltx_tag_bibitem">{tag}</span>{inner}</li>'


def test_reference_titles_lose_an_appended_date_in_every_style():
    bib = "".join([
        # natbib .bbl (arxiv.org/html): the title block ends in ", 2024."
        _bibitem(1, ["Anthropic.", "Claude’s character, 2024.", "URL https://www.anthropic.com/news."],
                 "Anthropic (2024)"),
        # a month as well, and a year suffix
        _bibitem(2, ["Ann Wu and Bo Li.", "Linear transformers are fast weight programmers, June 2021a.",
                     "In ICML."], "Wu & Li (2021a)"),
        # a year in parentheses after the title
        _bibitem(3, ["J. Smith.", "Sparse routing (2019).", "Journal of Things."]),
        # ACM: one block, "Authors. Year. Title. Venue."
        _bibitem(4, ["Jane Lee and Bo Wu. 2024. A survey of surveys. ACM Comput. Surv. 56, 3 (2024), 1–30."]),
        # ACM, .bbl blocks: year in the author block
        _bibitem(5, ["Jane Lee and Bo Wu. 2023.", "Routing at scale.", "In Proc. KDD. 1–9."]),
        # a title that really ends in a year keeps it
        _bibitem(6, ["I. Silva, G. Moody, and R. Mark.", "Predicting mortality: the PhysioNet challenge 2012.",
                     "Computing in Cardiology, 2012."]),
        # .bib-based LaTeXML output: semantic spans
        ('<li class="ltx_bibitem" id="bib.bib7"><span class="ltx_tag ltx_tag_bibitem">[7]</span>'
         '<span class="ltx_bibblock"><span class="ltx_text ltx_bib_author">K. Cho</span>, '
         '<span class="ltx_text ltx_bib_title">“Gated units,” 2014</span>, '
         '<span class="ltx_text ltx_bib_year">2014</span>.</span></li>'),
    ])
    paper = parse_html(_page(_section('<div class="ltx_para"><p class="ltx_p">Text.</p></div>'), bib=bib))
    got = [(r.title, r.year) for r in paper.references]
    assert got == [
        ("Claude’s character", 2024),
        ("Linear transformers are fast weight programmers", 2021),
        ("Sparse routing", 2019),
        ("A survey of surveys", 2024),
        ("Routing at scale", 2023),
        ("Predicting mortality: the PhysioNet challenge 2012", 2012),
        ("Gated units", 2014),
    ]
    assert paper.references[3].authors == ["Jane Lee", "Bo Wu"]
    assert paper.references[4].authors == ["Jane Lee", "Bo Wu"]


# ----------------------------------------------------------------------------- authors


def test_author_block_nbsp_marks_and_breaks():
    front = (
        '<div class="ltx_authors">'
        # one person name holding two authors: no-break spaces inside names, marks between them
        '<span class="ltx_creator ltx_role_author"><span class="ltx_personname">'
        'Jean\u00a0Dupont<sup class="ltx_sup">1</sup>\u2003Maria de\u00a0la\u00a0Cruz'
        '<math alttext="{}^{2}" class="ltx_Math"><semantics><msup><mi></mi><mn>2</mn></msup></semantics></math>'
        '<br class="ltx_break"/><sup class="ltx_sup">1</sup>Université Paris Cité\u2003'
        '<sup class="ltx_sup">2</sup>Instituto Tecnológico</span>'
        '<span class="ltx_author_notes"><span class="ltx_contact ltx_role_email">jd@example.org</span></span></span>'
        # a bold span broken across two lines, then the affiliation after the span
        '<span class="ltx_creator ltx_role_author"><span class="ltx_personname">'
        '<span class="ltx_text ltx_font_bold">Ann Wu<sup class="ltx_sup">3</sup>\n'
        '<br class="ltx_break"/>Bo Li<sup class="ltx_sup">3</sup></span>\n'
        '<br class="ltx_break"/>Example Lab\n<br class="ltx_break"/>Springfield'
        '</span></span>'
        # older ar5iv: names after "&" on a later line
        '<span class="ltx_creator ltx_role_author"><span class="ltx_personname">Kim Lee\n'
        '<br class="ltx_break"/>Some University\n&amp;Ola Nordmann\n<br class="ltx_break"/>Other Place'
        '</span></span>'
        # an author tabular: names in the first row's cells, affiliations below
        '<span class="ltx_creator ltx_role_author"><span class="ltx_personname">'
        '<span class="ltx_tabular ltx_align_middle"><span class="ltx_tbody">\n'
        '<span class="ltx_tr"><span class="ltx_td ltx_align_center">Lena Berg</span>'
        '<span class="ltx_td ltx_align_center">Tom Hale</span></span>\n'
        '<span class="ltx_tr"><span class="ltx_td ltx_align_center">Example Lab</span>'
        '<span class="ltx_td ltx_align_center">Riverside</span></span>\n'
        '</span></span></span></span>'
        '</div>')
    paper = parse_html(_page(_section('<div class="ltx_para"><p class="ltx_p">Text.</p></div>'), front=front))
    assert paper.authors == ["Jean Dupont", "Maria de la Cruz", "Ann Wu", "Bo Li", "Kim Lee", "Ola Nordmann",
                             "Lena Berg", "Tom Hale"]


# ----------------------------------------------------------------------------- front matter notes


def test_front_matter_footnotetext_is_not_a_section_and_note_labels_are_dropped():
    front = ('<span class="ltx_note ltx_role_footnotetext" id="footnotex1"><sup class="ltx_note_mark">†'
             '</sup><span class="ltx_note_outer"><span class="ltx_note_content"><sup class="ltx_note_mark">†'
             '</sup><span class="ltx_note_type">footnotetext: </span>* Equal contribution.</span></span></span>')
    body = _section(
        '<div class="ltx_para"><p class="ltx_p">Body text<span class="ltx_note ltx_role_footnote">'
        '<sup class="ltx_note_mark">1</sup><span class="ltx_note_outer"><span class="ltx_note_content">'
        '<sup class="ltx_note_mark">1</sup><span class="ltx_note_type">footnote: </span>'
        '<span class="ltx_tag ltx_tag_note">1</span>A note.</span></span></span>.</p></div>')
    paper = parse_html(_page(body, front=front))
    assert [s.title for s in paper.sections] == ["1 Method"]
    assert _kinds(paper) == [(None, "Body text."), ("footnote", "A note.")]
    # the same note wrapped in a paragraph of its own
    paper = parse_html(_page(body, front=f'<div class="ltx_para"><p class="ltx_p">{front}</p></div>'))
    assert [s.title for s in paper.sections] == ["1 Method"]
    # front-matter text that is not only notes still counts (a preface before Section 1)
    paper = parse_html(_page(body, front='<div class="ltx_para"><p class="ltx_p">A preface.</p></div>'))
    assert [s.title for s in paper.sections] == ["", "1 Method"]


# ----------------------------------------------------------------------------- nesting depth


def test_inline_nesting_thousands_deep_parses():
    depth = 1800
    body = _section('<div class="ltx_para"><p class="ltx_p">' + "<span>" * depth + "deep text "
                    '<cite class="ltx_cite">[<a class="ltx_ref" href="#bib.bib1">1</a>]</cite>'
                    + "</span>" * depth + " and after.</p></div>")
    paper = parse_html(_page(body))
    p = paper.sections[0].paragraphs[0]
    assert p.text == "deep text [1] and after."
    assert [(p.text[c.start:c.end], c.ref) for c in p.citations] == [("[1]", "bib.bib1")]


DEEP_BLOCKS = _page(_section('<div class="ltx_para">' * 1500 + '<p class="ltx_p">deep</p>' + "</div>" * 1500))


def test_block_nesting_too_deep_is_a_parse_error():
    with pytest.raises(ParseError, match="nested too deeply"):
        parse_html(DEEP_BLOCKS)


def test_scalar_parse_on_a_too_deep_page_exits_2_with_one_line(tmp_path):
    src = tmp_path / "deep.html"
    src.write_text(DEEP_BLOCKS, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "scalar", "parse", str(src), "-o", str(tmp_path / "o.json")],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "RecursionError" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "nested too deeply" in lines[0] and "deep.html" in lines[0]
    assert not (tmp_path / "o.json").exists()
