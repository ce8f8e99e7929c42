import subprocess
import sys
from pathlib import Path

import pytest

from scalar.crawl.venues import Venue, all_venues, get_venue
from scalar.errors import ConfigError

REQUIRED = {
    "iclr2024": "ICLR.cc/2024/Conference",
    "iclr2025": "ICLR.cc/2025/Conference",
    "iclr2026": "ICLR.cc/2026/Conference",
    "neurips2024": "NeurIPS.cc/2024/Conference",
    "neurips2025": "NeurIPS.cc/2025/Conference",
    "icml2025": "ICML.cc/2025/Conference",
    "icml2026": "ICML.cc/2026/Conference",
}


def test_registry_has_the_required_venues_with_their_openreview_ids():
    for name, venue_id in REQUIRED.items():
        v = get_venue(name)
        assert v.venue_id == venue_id
        assert v.source == "openreview"
        assert v.baseurl == "https://api2.openreview.net"
        assert str(v.year) in venue_id


def test_venues_are_hashable():
    assert len({get_venue("iclr2025"), get_venue("ICLR2025"), get_venue("sample")}) == 2


def test_names_are_case_insensitive_and_unique():
    assert get_venue("ICLR2025").name == "iclr2025"
    names = [v.name for v in all_venues()]
    assert len(names) == len(set(names))


def test_sample_venue_points_at_the_bundled_cache():
    v = get_venue("sample")
    assert v.source == "sample"
    assert v.default_cache is not None and v.default_cache.is_file()
    assert get_venue("iclr2025").default_cache is None


def test_unknown_venue_lists_known_ones():
    with pytest.raises(ConfigError) as e:
        get_venue("iclr1999")
    msg = str(e.value)
    assert "iclr1999" in msg
    for name in REQUIRED:
        assert name in msg


def test_venue_records_are_validated():
    with pytest.raises(ValueError):
        Venue(name="x", venue_id="X/2025/Conference", year=2025, source="dblp")


def _scalar(*args, env=None):
    import os

    full = {k: v for k, v in os.environ.items() if k != "SCALAR_VENUES"}
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "scalar", *args], capture_output=True, text=True, env=full)


# ----------------------------------------------------------------------------- the registry is data

USER_TOML = """
format = 1

[venue.colm2026]
venue_id = "colmweb.org/COLM/2026/Conference"
year = 2026
title = "COLM 2026"
presentations = { "Regular Paper" = "poster", "Outstanding Paper" = "oral" }

[venue.iclr2025]  # replaces the bundled entry of the same name
venue_id = "ICLR.cc/2025/Conference"
year = 2025
title = "ICLR 2025 (mirror)"
baseurl = "https://openreview.example.org/"
"""


def test_a_venue_is_added_by_data_only(tmp_path, monkeypatch):
    f = tmp_path / "venues.toml"
    f.write_text(USER_TOML)
    monkeypatch.setenv("SCALAR_VENUES", str(f))
    colm = get_venue("COLM2026")
    assert colm.venue_id == "colmweb.org/COLM/2026/Conference" and colm.year == 2026
    assert colm.source == "openreview" and colm.baseurl == "https://api2.openreview.net"
    assert colm.presentations == {"Regular Paper": "poster", "Outstanding Paper": "oral"}
    assert colm.origin == str(f)
    mirror = get_venue("iclr2025")
    assert mirror.title == "ICLR 2025 (mirror)" and mirror.baseurl == "https://openreview.example.org"
    names = [v.name for v in all_venues()]
    assert names.count("iclr2025") == 1 and "colm2026" in names and "sample" in names
    monkeypatch.delenv("SCALAR_VENUES")
    with pytest.raises(ConfigError, match="colm2026"):
        get_venue("colm2026")


def test_a_json_user_file_works_too(tmp_path):
    import json

    f = tmp_path / "venues.json"
    f.write_text(json.dumps({"venue": {"tmlr2026": {"venue_id": "TMLR", "year": 2026}}}))
    assert get_venue("tmlr2026", user_file=f).venue_id == "TMLR"


def test_the_venues_presentation_wording_reaches_the_listing():
    """A registry entry's presentations are used when its listing is mapped."""
    from types import SimpleNamespace

    from scalar.sources.openreview import note_to_paper

    v = Venue(name="colm2026", venue_id="colm/2026", year=2026, presentations={"Regular Paper": "poster"})
    note = SimpleNamespace(content={"venue": {"value": "COLM 2026 Regular Paper"}, "venueid": {"value": "colm/2026"},
                                    "title": {"value": "T"}}, cdate=None, odate=None, pdate=None, forum="f", id="f",
                           number=1, license=None, external_ids=None)
    assert note_to_paper(note, "colm/2026").main_track is False  # unknown to the built-in table
    paper = note_to_paper(note, "colm/2026", v.presentations)
    assert paper.presentation == "poster" and paper.main_track


@pytest.mark.parametrize(
    "text, message",
    [
        ('[venue.x]\nvenue_id = "X/2026"\n', "year: Field required"),
        ('[venue.x]\nvenue_id = "X/2026"\nyear = "soon"\n', "year:"),
        ('[venue.x]\nvenue_id = "X/2026"\nyear = 2026\nsource = "dblp"\n', "source:"),
        ('[venue.x]\nvenue_id = "X/2026"\nyear = 2026\nvenueid = "typo"\n', "venueid:"),
        ('[venue."Bad Name"]\nvenue_id = "X/2026"\nyear = 2026\n', "name:"),
        ('[venue.x]\nvenue_id = "X/2026"\nyear = 2026\nbaseurl = "ftp://x"\n', "baseurl:"),
        ('[venue.x]\nvenue_id = "X/2026"\nyear = 2026\npresentations = {talk = "keynote"}\n', "presentations.talk"),
        ('format = 2\n', "format 2"),
        ('[venues.x]\nyear = 1\n', "unknown top-level key 'venues'"),
        ('[venue.x\n', "not valid TOML"),
    ],
)
def test_a_bad_user_file_is_one_clear_line(tmp_path, text, message):
    f = tmp_path / "v.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as e:
        get_venue("iclr2025", user_file=f)
    assert message in str(e.value) and str(f) in str(e.value) and "\n" not in str(e.value)


def test_cli_venues_lists_user_venues_and_a_bad_file_exits_2(tmp_path):
    f = tmp_path / "venues.toml"
    f.write_text(USER_TOML)
    r = _scalar("venues", env={"SCALAR_VENUES": str(f)})
    assert r.returncode == 0, r.stderr
    assert "colm2026" in r.stdout and "COLM 2026" in r.stdout and "colmweb.org/COLM/2026/Conference" in r.stdout
    assert "ICLR 2025 (mirror)" in r.stdout
    r = _scalar("venues", env={"SCALAR_VENUES": str(tmp_path / "missing.toml")})
    assert r.returncode == 2 and "missing.toml" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_bundled_registry_is_a_package_data_file():
    from importlib.resources import files

    text = files("scalar.crawl").joinpath("venues.toml").read_text()
    assert "[venue.iclr2025]" in text
    assert "crawl/venues.toml" in (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()


def test_cli_venues_lists_the_registry():
    r = _scalar("venues")
    assert r.returncode == 0
    for name, venue_id in REQUIRED.items():
        assert name in r.stdout and venue_id in r.stdout


def test_cli_build_unknown_venue_exits_2_with_the_list(tmp_path):
    r = _scalar("build", "--venue", "nosuchconf", "--out", str(tmp_path / "rel"))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "nosuchconf" in r.stderr and "iclr2025" in r.stderr and "sample" in r.stderr
    assert not (tmp_path / "rel").exists()


# ----------------------------------------------------------------------------- --venues-file

SAMPLE_ALIAS = """
format = 1

[venue.mysample]  # the bundled replay under another name: builds offline
venue_id = "SCALAR.cc/2025/Sample_Venue"
year = 2025
source = "sample"

[venue.future2099]
venue_id = "Future.cc/2099/Conference"
year = 2099
"""


def test_venues_file_is_what_scalar_venues_is_for_every_command(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text(SAMPLE_ALIAS)
    other = tmp_path / "other.toml"
    other.write_text(USER_TOML)
    # the option takes the place of the environment variable
    r = _scalar("venues", "--venues-file", str(f), env={"SCALAR_VENUES": str(other)})
    assert r.returncode == 0, r.stderr
    assert "mysample" in r.stdout and "future2099" in r.stdout and "colm2026" not in r.stdout
    out = tmp_path / "rel"
    r = _scalar("build", "--venue", "mysample", "--venues-file", str(f), "--offline", "--limit", "2",
                "--distractors", "original", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert '"venue": "mysample"' in (out / "manifest.json").read_text()
    config = Path(__file__).resolve().parents[2] / "leaderboards" / "models.json"
    r = _scalar("refresh", "plan", "--config", str(config), "--venues-file", str(f), "--leaderboards",
                str(tmp_path / "lb"), "--today", "2099-12-31")
    assert r.returncode == 0 and "venue=future2099\n" in r.stdout, r.stderr


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    ("[venue.x\n", "not valid TOML"),
    ("format = 1\n[venue.x]\nyear = 2025\n", "venue_id"),
    ("folder", "is a folder"),
])
def test_a_missing_or_malformed_venues_file_is_one_line_exit_2(tmp_path, content, message):
    f = tmp_path / "v.toml"
    if content == "folder":
        f.mkdir()
    elif content is not None:
        f.write_text(content)
    for args in (["build", "--venue", "sample", "--offline", "--out", str(tmp_path / "rel")], ["venues"]):
        r = _scalar(*args, "--venues-file", str(f))
        assert r.returncode == 2, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
        assert message in r.stderr and str(f) in r.stderr and "SCALAR_VENUES" not in r.stderr
    assert not (tmp_path / "rel").exists()
