"""Dataset validation: missing file, not a list, bad records reported with index and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import make_records, write_json

from coconut_engine.data import load_records
from coconut_engine.errors import DataError


def test_valid_records_load_and_keep_graph_fields(tmp_path: Path) -> None:
    path = write_json(tmp_path / "train.json", make_records(5))
    records = load_records(path, "train_path")
    assert len(records) == 5
    assert records[3].index == 3
    assert isinstance(records[0].steps, tuple)
    assert set(records[0].extra) == {"idx_to_symbol", "edges", "root", "target", "neg_target"}


def test_missing_file_names_the_config_key(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        load_records(tmp_path / "nope.json", "val_path")
    assert caught.value.where == "val_path"
    assert "dataset file not found" in caught.value.message and "nope.json" in caught.value.message


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "train.json"
    path.write_text("{question: 1")
    with pytest.raises(DataError, match=r"train.json: not valid JSON \(line 1"):
        load_records(path, "train_path")


def test_not_a_list(tmp_path: Path) -> None:
    path = write_json(tmp_path / "train.json", {"question": "q", "steps": [], "answer": "a"})
    with pytest.raises(DataError) as caught:
        load_records(path, "train_path")
    assert caught.value.message == "train.json: must be a JSON list of {question, steps, answer} records, found an object"
    assert caught.value.where == "train.json"


def test_empty_list(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no records"):
        load_records(write_json(tmp_path / "val.json", []), "val_path")


def test_bad_records_are_listed_with_index_and_field(tmp_path: Path) -> None:
    records: list[Any] = make_records(15)  # some entries are made the wrong type on purpose
    records[12]["steps"] = "Tom is a cat."
    records[3].pop("answer")
    records[7]["question"] = 7
    records[9] = ["not", "an", "object"]
    path = write_json(tmp_path / "val.json", records)
    with pytest.raises(DataError) as caught:
        load_records(path, "val_path")
    message = caught.value.message
    assert "val.json: record 12: 'steps' must be a list of strings" in message
    assert "val.json: record 3: 'answer' is missing" in message
    assert "val.json: record 7: 'question' must be a string, found a number" in message
    assert "val.json: record 9: must be an object" in message
    assert caught.value.where == "val.json: record 3: field 'answer'"


def test_many_bad_records_are_summarised(tmp_path: Path) -> None:
    path = write_json(tmp_path / "val.json", [{"question": "q"}] * 30)
    with pytest.raises(DataError) as caught:
        load_records(path, "val_path")
    assert caught.value.message.count("record") == 10
    assert caught.value.message.endswith("and 50 more problems")


def test_a_file_that_is_not_utf8_names_the_byte_and_line(tmp_path: Path) -> None:
    path = tmp_path / "train.json"
    path.write_bytes(b'[{"question": "q",\n "steps": [], "answer": "caf\xe9"}]')
    with pytest.raises(DataError) as caught:
        load_records(path, "train_path")
    assert caught.value.message == "train.json: not UTF-8 text: byte 0xE9 on line 2 (byte 47 of the file) is not valid UTF-8; save the file as UTF-8"
    assert caught.value.where == "train.json"


def test_half_a_surrogate_pair_is_refused_with_record_and_field(tmp_path: Path) -> None:
    path = tmp_path / "val.json"
    # Written as JSON escapes: json.loads accepts them, but the text has no UTF-8 form.
    path.write_text('[{"question": "a\\ud800b", "steps": ["ok", "\\udc00"], "answer": "\\ud83d\\ude00"}]', encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_records(path, "val_path")
    assert caught.value.message == (
        "val.json: record 0: 'question' is not valid Unicode text: it holds half of a surrogate pair (U+D800, \"\\ud800\" in JSON) at character 1; "
        "val.json: record 0: 'steps' step 1 is not valid Unicode text: it holds half of a surrogate pair (U+DC00, \"\\udc00\" in JSON) at character 0"
    )
    assert caught.value.where == "val.json: record 0: field 'question'"


def test_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "train.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(make_records(2)).encode())
    assert len(load_records(path, "train_path")) == 2
