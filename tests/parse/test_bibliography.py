import pytest

from scalar.parse.bibliography import first_author_surname, reference_from_text, split_authors
from scalar.schema import Reference


@pytest.mark.parametrize("block,expected", [
    ("D. Bahdanau, K. Cho, and Y. Bengio.", ["D. Bahdanau", "K. Cho", "Y. Bengio"]),
    ("Smith, J. and Lee, K.", ["Smith, J.", "Lee, K."]),
    ("Ashish Vaswani, Noam Shazeer, et al.", ["Ashish Vaswani", "Noam Shazeer"]),
    ("Çağlar Gülçehre & Zoë Müller", ["Çağlar Gülçehre", "Zoë Müller"]),
    ("Jeffrey D Scargle.", ["Jeffrey D Scargle"]),
    ("Sepp Hochreiter and Jürgen Schmidhuber (1997).", ["Sepp Hochreiter", "Jürgen Schmidhuber"]),
])
def test_split_authors(block, expected):
    assert split_authors(block) == expected


def test_reference_from_text():
    r = reference_from_text("bib.bib3", "Tom Brown,  Benjamin Mann, and Nick Ryder. Language models are "
                            "few-shot learners. In NeurIPS, 2020.", ["https://arxiv.org/abs/2005.14165v4"])
    assert (r.title, r.year, r.arxiv_id) == ("Language models are few-shot learners", 2020, "2005.14165")
    assert r.authors == ["Tom Brown", "Benjamin Mann", "Nick Ryder"]
    assert "  " not in r.raw


@pytest.mark.parametrize("authors,raw,expected", [
    (["Zoë Müller"], "", "Müller"),
    (["Smith, J."], "", "Smith"),
    (["D. Bahdanau"], "", "Bahdanau"),
    ([], "OpenAI. GPT-4 technical report. 2023.", "OpenAI"),
])
def test_first_author_surname(authors, raw, expected):
    assert first_author_surname(Reference(key="k", authors=authors, raw=raw)) == expected
