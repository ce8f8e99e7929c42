"""PDF layouts of real preprints, written with PyMuPDF (tests/parse/pdf_builder.py): hyperref's
named destinations, the arXiv stamp, booktabs tables, ACM-style references, math letters."""

from __future__ import annotations

import re

import pytest
from pdf_builder import PdfWriter

from scalar.parse.pdf import _normalise, parse_pdf

N_REFS = 30


def _marker_refs(paper):
    """(marker number, ref) of every span whose text is one number ("[7]" or a group's "7")."""
    out = []
    for s in paper.sections:
        for p in s.paragraphs:
            for c in p.citations:
                nums = re.findall(r"\d+", p.text[c.start:c.end])
                if len(nums) == 1:
                    out.append((int(nums[0]), c.ref))
    return out


@pytest.fixture(scope="module")
def hyperref_pdf():
    """Citations linked like hyperref's: GoTo a named destination "cite.kN" whose point is in
    PDF coordinates (origin bottom left). 30 entries over two pages, so a mirrored y lands on
    another entry."""
    w = PdfWriter()
    w.title("Linked Numeric Citations")
    w.stamp("arXiv:2409.01234v3 [cs.LG] 5 Sep 2024")
    w.plain("Ann Wu and Bo Li")
    w.heading("1 Introduction")
    for n in range(1, N_REFS + 1):
        # "[Rn]": no numeric rule reads it, only the link can name its entry
        w.cite(f"Claim number {n} rests on ", f"[R{n}]", " and nothing else.", dest=f"cite.k{n}")
    w.heading("References")
    for n in range(1, N_REFS + 1):
        w.reference(f"Author{n} Surname and Other Person. Title of work number {n}. In Venue, 20{n % 20:02d}.",
                    f"[{n}]", dest=f"cite.k{n}")
    return parse_pdf(w.bytes())


def test_named_destinations_link_each_marker_to_its_entry(hyperref_pdf):
    pairs = _marker_refs(hyperref_pdf)
    assert sorted(n for n, _ in pairs) == list(range(1, N_REFS + 1))  # every marker linked
    assert all(ref == f"bib.bib{n}" for n, ref in pairs), [p for p in pairs if p[1] != f"bib.bib{p[0]}"]


def test_named_destinations_beat_a_wrong_number():
    """The link decides, not the digits: a marker whose number disagrees with its link target
    (a renumbered bibliography) takes the entry the link points at."""
    w = PdfWriter()
    w.title("A Link Wins")
    w.heading("1 Introduction")
    w.cite("As shown before ", "[2]", " in detail.", dest="cite.first")
    w.heading("References")
    w.reference("A. Author. The first entry. Venue, 2020.", "[1]", dest="cite.first")
    for i in range(2, 12):
        w.reference(f"B. Author. Entry {i}. Venue, 2021.", f"[{i}]", dest=f"cite.x{i}")
    paper = parse_pdf(w.bytes())
    c = paper.sections[0].paragraphs[0].citations
    assert [x.ref for x in c] == ["bib.bib1"]


def test_arxiv_stamp_is_not_the_title_nor_text(hyperref_pdf):
    paper = hyperref_pdf
    assert paper.title == "Linked Numeric Citations"
    assert (paper.arxiv_id, paper.version) == ("2409.01234", "v3")  # named by its stamp
    assert paper.authors == ["Ann Wu", "Bo Li"]
    everything = " ".join([paper.title, paper.abstract] + [p.text for s in paper.sections for p in s.paragraphs])
    assert "arXiv:2409.01234" not in everything and "[cs.LG]" not in everything


def test_banner_above_the_title_is_not_a_section():
    w = PdfWriter()
    w.plain("Provided proper attribution is provided, permission is granted to reproduce", size=12)
    w.plain("the tables and figures in this paper solely for scholarly works.", size=12)
    w.title("A Paper Under A Banner")
    w.plain("Ann Wu")
    w.heading("1 Introduction")
    w.paragraph("Body text of the introduction.")
    w.heading("References")
    w.reference("A. Author. A title. Venue, 2020.", "[1]")
    paper = parse_pdf(w.bytes())
    assert paper.title == "A Paper Under A Banner"
    assert [s.title for s in paper.sections] == ["1 Introduction"]
    assert paper.authors == ["Ann Wu"]


def test_heading_number_set_apart_from_its_title():
    w = PdfWriter()
    w.title("Numbers Apart")
    w.heading("1 Introduction")
    w.paragraph("Intro text.")
    w.gap(10)
    w.y += 10.5 * 1.2
    w.page.insert_text((72, w.y), "1.1", fontsize=10.5, fontname="hebo")
    w.page.insert_text((100, w.y), "Encoder Stacks", fontsize=10.5, fontname="hebo")
    w.paragraph("Stack text.")
    w.heading("References")
    w.reference("A. Author. A title. Venue, 2020.", "[1]")
    paper = parse_pdf(w.bytes())
    assert [(p.kind, p.text) for p in paper.sections[0].paragraphs] == [
        (None, "Intro text."), ("heading", "1.1 Encoder Stacks"), (None, "Stack text.")]


def test_booktabs_table_is_one_table_paragraph():
    w = PdfWriter()
    w.title("Tables Without Vertical Rules")
    w.heading("1 Results")
    w.paragraph("Our results are in Table 1, which compares two systems [1].")
    w.plain("Table 1: Scores of two systems on two sets.", size=9)
    xs = [90, 250, 360]
    w.rule()
    w.row(["Model", "BLEU", "Cost"], xs)
    w.rule(width=0.4)
    w.row(["Baseline [1]", "23.75", "1.0"], xs)
    w.row(["Ours", "28.4", "2.3"], xs)
    w.rule()
    w.paragraph("The table shows a clear gain over the baseline.")
    w.heading("References")
    w.reference("A. Author. The baseline. Venue, 2020.", "[1]")
    paper = parse_pdf(w.bytes())
    paras = paper.sections[0].paragraphs
    assert [p.kind for p in paras] == [None, "caption", "table", None]
    table = paras[2]
    assert table.text == "Model | BLEU | Cost\nBaseline [1] | 23.75 | 1.0\nOurs | 28.4 | 2.3"
    assert [(table.text[c.start:c.end], c.ref) for c in table.citations] == [("[1]", "bib.bib1")]
    # no cell became a paragraph of its own
    assert not any(p.text in ("BLEU", "23.75", "Ours") for p in paras)


def test_grid_table_found_by_pymupdf():
    """A table with full grid lines and its caption below: PyMuPDF's table finder reads it."""
    w = PdfWriter()
    w.title("A Grid Table")
    w.heading("1 Results")
    w.paragraph("See the grid below.")
    top = w.y + 10
    xs = [72, 200, 330, 460]
    rows = [["Method", "Acc", "F1"], ["A", "71.2", "70.0"], ["B", "73.9", "72.5"]]
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            w.page.insert_text((xs[j] + 4, top + 16 * i + 12), cell, fontsize=9, fontname="helv")
    for i in range(len(rows) + 1):
        w.page.draw_line((xs[0], top + 16 * i), (xs[-1], top + 16 * i))
    for x in xs:
        w.page.draw_line((x, top), (x, top + 16 * len(rows)))
    w.y = top + 16 * len(rows) + 4
    w.plain("Table 2: Accuracy and F1 of two methods.", size=9)
    w.paragraph("Method B is better.")
    w.heading("References")
    w.reference("A. Author. A title. Venue, 2020.", "[1]")
    paper = parse_pdf(w.bytes())
    tables = [p for p in paper.sections[0].paragraphs if p.kind == "table"]
    assert [t.text for t in tables] == ["Method | Acc | F1\nA | 71.2 | 70.0\nB | 73.9 | 72.5"]


def test_figure_grid_without_table_caption_is_not_a_table():
    w = PdfWriter()
    w.title("A Figure Grid")
    w.heading("1 Results")
    w.paragraph("A heat map follows.")
    top = w.y + 10
    for i in range(4):
        w.page.draw_line((72, top + 16 * i), (400, top + 16 * i))
        w.page.draw_line((72 + 100 * i, top), (72 + 100 * i, top + 48))
    w.y = top + 52
    w.plain("Figure 1: A heat map.", size=9)
    w.heading("References")
    w.reference("A. Author. A title. Venue, 2020.", "[1]")
    paper = parse_pdf(w.bytes())
    assert not any(p.kind == "table" for s in paper.sections for p in s.paragraphs)
    assert [p.kind for p in paper.sections[0].paragraphs] == [None, "caption"]


def test_acm_style_references_take_the_title_not_the_year():
    w = PdfWriter()
    w.title("Citing In ACM Style")
    w.heading("1 Introduction")
    w.paragraph("Transformers (Vaswani et al., 2017) and surveys (Lee and Wu, 2024) matter.")
    w.heading("References")
    w.reference("Ashish Vaswani, Noam Shazeer, and Niki Parmar. 2017. Attention is all you need. In "
                "Advances in Neural Information Processing Systems. 5998–6008.")
    w.reference("Jane Lee and Bo Wu. 2024. A survey of surveys, 2024. ACM Comput. Surv. 56, 3 (2024), 1–30.")
    w.reference("Alex Graves. 2013. Generating sequences with recurrent neural networks. arXiv preprint "
                "arXiv:1308.0850.")
    paper = parse_pdf(w.bytes())
    titles = [r.title for r in paper.references]
    assert titles == ["Attention is all you need", "A survey of surveys",
                      "Generating sequences with recurrent neural networks"]
    assert [r.year for r in paper.references] == [2017, 2024, 2013]
    assert paper.references[2].authors == ["Alex Graves"]
    spans = [(p.text[c.start:c.end], c.ref) for p in paper.sections[0].paragraphs for c in p.citations]
    assert spans == [("(Vaswani et al., 2017)", "bib.bib1"), ("(Lee and Wu, 2024)", "bib.bib2")]


def test_math_alphanumerics_from_the_text_layer_are_folded():
    chars = [(c, float(i)) for i, c in enumerate("𝐱 ∈ ℝ𝑑, 𝑾𝟏 = 𝛼")]
    assert _normalise(chars)[0] == "x ∈ ℝd, W1 = α"


def test_rotated_text_is_left_out():
    w = PdfWriter()
    w.title("Rotated Labels")
    w.heading("1 Introduction")
    w.paragraph("Plain running text.")
    w.page.insert_text((300, 500), "axis label", fontsize=9, rotate=90)
    w.heading("References")
    w.reference("A. Author. A title. Venue, 2020.", "[1]")
    paper = parse_pdf(w.bytes())
    assert "axis label" not in " ".join(p.text for s in paper.sections for p in s.paragraphs)


def test_plot_title_by_a_vector_figure_is_not_a_section():
    """A plot drawn as vector paths, with a large bold title over it (an attention map's
    "Input-Input Layer5"): figure text, not a section; a real heading by a figure stays one."""
    w = PdfWriter()
    w.title("Plots With Titles")
    w.heading("1 Introduction")
    w.paragraph("The introduction has some text.")
    w.heading("2 Attention Maps")
    w.page.insert_text((150, w.y + 30), "Encoder Layer 5", fontsize=18, fontname="hebo")
    top = w.y + 40
    for i in range(12):  # the plot: lines from words above to words below
        w.page.draw_line((100 + 30 * i, top), (100 + 25 * (11 - i), top + 120), width=0.5)
    w.y = top + 125
    w.plain("Figure 1: Attention of head 3 in layer 5.", size=10)
    w.paragraph("The heads attend to distant words.")
    w.heading("3 Conclusion")
    w.paragraph("Done.")
    w.heading("References")
    w.reference("A. Author. A title. Venue, 2020.", "[1]")
    paper = parse_pdf(w.bytes())
    assert [s.title for s in paper.sections] == ["1 Introduction", "2 Attention Maps", "3 Conclusion"]
    assert [(p.kind, p.text) for p in paper.sections[1].paragraphs] == [
        ("figure", "Encoder Layer 5"), ("caption", "Figure 1: Attention of head 3 in layer 5."),
        (None, "The heads attend to distant words.")]


def test_two_column_references_linked_by_name():
    """An ICML-like page: body and references in two columns, entries side by side at the same
    height in both columns; each marker's named destination picks the entry in its column."""
    w = PdfWriter()
    w.title("Two Columns Of References")
    w.heading("1 Introduction")
    n = 24
    for k in range(1, n + 1):
        w.cite(f"Result {k} follows ", f"(Ref{k})", ".", dest=f"cite.r{k}")
    w._new_page()
    w.page.insert_text((50, 70), "References", fontsize=12, fontname="hebo")
    for k in range(1, n + 1):
        col, row = divmod(k - 1, n // 2)
        x, y = (50, 320)[col], 100 + 40 * row
        w.page.insert_text((x, y), f"Author{chr(64 + k)}, B. Title number {k} of the list.", fontsize=9)
        w.page.insert_text((x + 10, y + 11), f"In Venue, 20{k:02d}.", fontsize=9)
        w.named_dest(f"cite.r{k}", x, y - 9)
    paper = parse_pdf(w.bytes())
    refs = {r.key: r for r in paper.references}
    assert len(refs) == n
    got = {}
    for p in paper.sections[0].paragraphs:
        for c in p.citations:
            got[p.text[c.start:c.end]] = refs[c.ref].title
    assert got == {f"(Ref{k})": f"Title number {k} of the list" for k in range(1, n + 1)}
    assert [r.authors for r in paper.references[:2]] == [["AuthorA, B."], ["AuthorB, B."]]
