import pytest

from scalar._util.ids import find_arxiv_id, find_arxiv_ids, find_doi, is_arxiv_id, split_version


@pytest.mark.parametrize("text,expected", [
    ("arXiv preprint arXiv:2309.14402, 2023", "2309.14402"),
    ("arXiv:2410.05602v2 [cs.CL] 8 Oct 2024", "2410.05602v2"),
    ("CoRR, abs/1703.03906, 2017", "1703.03906"),
    ("https://arxiv.org/pdf/2501.11120v1.pdf", "2501.11120v1"),
    ("https://ar5iv.labs.arxiv.org/html/1412.3555#bib.bib10", "1412.3555"),
    ("10.48550/arXiv.2303.08774", "2303.08774"),
    ("see hep-th/9901001 for details", "hep-th/9901001"),
    ("math.AG/0601001v2", "math/0601001v2"),  # subject class dropped, as arXiv does
    ("a bare id 1409.0473 in text", "1409.0473"),
    ("arxiv.org/abs/2101.10318%76%32", "2101.10318v2"),  # URL-encoded
])
def test_finds_real_ids(text, expected):
    assert find_arxiv_id(text) == expected


@pytest.mark.parametrize("text", [
    "https://openreview.net/paper/2021",  # the original's junk "paper/2021"
    "pages 1096.1103",  # month 96
    "volume 2019.1234",  # month 19
    "1412.35551",  # 2014 ids have 4 digits after the dot
    "2101.1031",  # 2015+ ids have 5
    "0612.12345",  # before April 2007 there were no modern ids
    "IEEE 10.1109/5.771073",
    "version 3.14159",
    "",
    None,
])
def test_rejects_junk(text):
    assert find_arxiv_id(text) is None


def test_announced_ids_win_and_no_duplicates():
    text = "Published 1409.0473 ... preprint arXiv:2303.08774 and again arXiv:2303.08774"
    assert find_arxiv_ids(text) == ["2303.08774", "1409.0473"]


def test_doi():
    assert find_doi("doi: 10.1016/j.jbi.2017.04.001.") == "10.1016/j.jbi.2017.04.001"
    assert find_doi("https://doi.org/10.1000/xyz(1)).") == "10.1000/xyz(1)"
    assert find_doi("https://doi.org/10.1145%2F3292500") == "10.1145/3292500"
    assert find_doi("no doi here 10.12/ab") is None


def test_split_version_and_is_id():
    assert split_version("2410.05602v2") == ("2410.05602", "v2")
    assert split_version("1412.3555") == ("1412.3555", None)
    assert split_version("hep-th/9901001v3") == ("hep-th/9901001", "v3")
    assert is_arxiv_id("2410.05602v2") and is_arxiv_id("cs/0112017")
    assert not is_arxiv_id("paper/2021") and not is_arxiv_id("see 2410.05602")
