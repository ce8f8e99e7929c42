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


@pytest.mark.parametrize("raw,title,authors", [
    # ICML / APA "Surname, I." lists end on an initial: the title is the sentence after it
    ("Vaswani, A., Shazeer, N., and Parmar, N. Attention is all you need. In NeurIPS, 2017.",
     "Attention is all you need", ["Vaswani, A.", "Shazeer, N.", "Parmar, N."]),
    ("Kingma, D. P. and Ba, J. Adam: A method for stochastic optimization. In ICLR, 2015.",
     "Adam: A method for stochastic optimization", ["Kingma, D. P.", "Ba, J."]),
    ("van den Oord, A., Li, Y., and Vinyals, O. Representation learning with contrastive predictive "
     "coding. arXiv preprint arXiv:1807.03748, 2018.",
     "Representation learning with contrastive predictive coding", ["van den Oord, A.", "Li, Y.", "Vinyals, O."]),
    ("Lee, J.-P., & Kim, S. (2021). Title with colon: sub. Venue.", "Title with colon: sub", ["Lee, J.-P.", "Kim, S."]),
    ("Brown, T. et al. Language models are few-shot learners. NeurIPS, 2020.",
     "Language models are few-shot learners", ["Brown, T."]),
    # ACM: the year after the authors is not the title
    ("Jane Lee and Bo Wu. 2024. A survey of surveys. ACM Comput. Surv. 56, 3 (2024), 1–30.",
     "A survey of surveys", ["Jane Lee", "Bo Wu"]),
    # one author, first-name first
    ("Alex Graves. Generating sequences with recurrent neural networks. arXiv preprint, 2013.",
     "Generating sequences with recurrent neural networks", ["Alex Graves"]),
    # natbib: a date appended to the title
    ("Anthropic. Claude’s character, 2024. URL https://www.anthropic.com/news/claude-character.",
     "Claude’s character", ["Anthropic"]),
])
def test_reference_styles(raw, title, authors):
    r = reference_from_text("k", raw)
    assert (r.title, r.authors) == (title, authors)
