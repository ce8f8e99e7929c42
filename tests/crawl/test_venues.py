import subprocess
import sys

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
}


def test_registry_has_the_required_venues_with_their_openreview_ids():
    for name, venue_id in REQUIRED.items():
        v = get_venue(name)
        assert v.venue_id == venue_id
        assert v.source == "openreview"
        assert v.baseurl == "https://api2.openreview.net"
        assert str(v.year) in venue_id


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


def _scalar(*args):
    return subprocess.run([sys.executable, "-m", "scalar", *args], capture_output=True, text=True)


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
