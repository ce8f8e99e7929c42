"""The knowledge-cutoff registry: date forms, lookup order, user overrides, malformed files."""

from __future__ import annotations

import json
from datetime import date

import pytest

from scalar.errors import ConfigError
from scalar.leaderboard.cutoffs import CutoffRegistry, bundled_cutoffs, parse_cutoff_date


def test_month_means_last_day_of_month():
    assert parse_cutoff_date("2024-02") == date(2024, 2, 29)
    assert parse_cutoff_date("2023-10-01") == date(2023, 10, 1)
    with pytest.raises(ValueError):
        parse_cutoff_date("October 2023")


def test_bundled_registry_lookup_order():
    reg = CutoffRegistry.load()
    assert bundled_cutoffs().is_file()
    # Exact names, provider prefixes stripped, dated versions through patterns.
    assert reg.lookup("openai/gpt-4o-mini").date == date(2023, 10, 31)
    assert reg.lookup("openai/gpt-4o-mini-2024-07-18").date == date(2023, 10, 31)
    assert reg.lookup("anthropic/claude-3-5-haiku-20241022").date == date(2024, 7, 31)
    assert reg.lookup("hosted_vllm/meta-llama/Llama-3.1-8B-Instruct").date == date(2023, 12, 31)
    # The most specific pattern wins: gpt-5-mini is not gpt-5.
    assert reg.lookup("openai/gpt-5-mini").date == date(2024, 5, 31)
    assert reg.lookup("openai/gpt-5").date == date(2024, 9, 30)
    assert reg.lookup("local/fbi-llm") is None


def test_user_file_extends_and_overrides(tmp_path):
    f = tmp_path / "c.json"
    f.write_text(json.dumps({"models": {"openai/gpt-4o-mini": "2024-01", "local/fbi-llm": {"cutoff": "2023-06",
                                                                                        "source": "Amber corpus"}}}))
    reg = CutoffRegistry.load(f)
    assert reg.lookup("openai/gpt-4o-mini").date == date(2024, 1, 31)
    assert reg.lookup("openai/gpt-4o-mini").origin == "user"
    assert reg.lookup("local/fbi-llm").source == "Amber corpus"
    assert reg.lookup("openai/gpt-4o").origin == "registry"


def test_missing_user_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        CutoffRegistry.load(tmp_path / "nope.json")


def test_missing_bundled_file_is_an_error_not_an_empty_registry(monkeypatch):
    import scalar.data

    monkeypatch.setattr(scalar.data, "MODEL_CUTOFFS", "no_such_cutoffs.json")
    with pytest.raises(ConfigError, match="no_such_cutoffs.json is missing"):
        CutoffRegistry.load()
    assert CutoffRegistry.load(bundled=False).entries == {}


def test_every_bundled_entry_has_a_source():
    doc = json.loads(bundled_cutoffs().read_text())
    assert doc["schema_version"] == 1
    for name, entry in doc["models"].items():
        assert entry.get("source"), name
        parse_cutoff_date(entry["cutoff"])
