"""The run folder's torn-tail rule: bytes are cut first, then each line is decoded on its own."""

from __future__ import annotations

import pytest

from scalar.errors import InputError
from scalar.run_folder import RunFolder, cut_torn_tail, latest_predictions
from scalar.schema import Prediction


def _line(i: int, response: str) -> bytes:
    return (Prediction(id=f"q{i}", model="m", response=response, prediction=0).model_dump_json() + "\n").encode()


def test_a_tail_torn_inside_a_multibyte_character_is_ignored_then_cut(tmp_path):
    path = tmp_path / "predictions.jsonl"
    whole = _line(1, "ok") + _line(2, "münchen — 東京")
    torn = _line(3, "東京")
    cut_at = torn.index("東".encode()) + 1  # inside the 3-byte character
    path.write_bytes(whole + torn[:cut_at])
    assert sorted(latest_predictions(path)) == ["q1", "q2"]
    cut_torn_tail(path)
    assert path.read_bytes() == whole
    cut_torn_tail(path)  # nothing torn: unchanged
    assert path.read_bytes() == whole


def test_a_complete_bad_line_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "predictions.jsonl"
    path.write_bytes(_line(1, "a") + b"\xff\xfe not utf-8\n" + _line(2, "b"))
    with pytest.raises(InputError, match="line 2 is not valid UTF-8"):
        latest_predictions(path)
    path.write_bytes(_line(1, "a") + b'{"id": 3}\n')
    with pytest.raises(InputError, match="line 2 is not a valid prediction"):
        latest_predictions(path)


def test_later_lines_supersede_earlier_ones_and_appends_never_glue(tmp_path):
    folder = RunFolder(tmp_path)
    folder.predictions.write_bytes(_line(1, "first") + _line(1, "second") + b'{"id": "q9", "mod')
    with folder.appender() as out:
        out.write(Prediction(id="q2", model="m"))
    got = folder.latest_predictions()
    assert got["q1"].response == "second" and sorted(got) == ["q1", "q2"]
    assert folder.latest_predictions(keep_response=False)["q1"].response is None
