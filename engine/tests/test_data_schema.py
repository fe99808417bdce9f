"""The record schema's compiled checks (data.py) against jsonschema, the reference implementation
of JSON Schema: the same verdict on every field of valid and broken records."""

from __future__ import annotations

import itertools
from typing import Any

import jsonschema
import pytest
from conftest import make_records

from coconut_engine.data import compile_schema, record_schema

# Values of every JSON type, with the edge cases of each rule: blank text (JavaScript's whitespace,
# which is not Python's: U+FEFF is blank, U+001C and U+0085 are not), whole and fractional numbers,
# booleans, numbers past 2^53, lists of the wrong length and of the wrong items.
VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    1.5,
    -0.0,
    2**53 - 1,
    2**53,
    2**60,
    1e300,
    "",
    " ",
    "\t\n",
    "\u00a0",
    "\u3000",
    "\ufeff",
    "\u2028x",
    "x",
    "\x1c",
    "\x85",
    "a b",
    [],
    [""],
    [" "],
    ["a"],
    ["a", 1],
    ["a", None],
    [1, 2],
    [[0, 1]],
    [[0, 1], [2, 3]],
    [[0, 1, 2]],
    [[0]],
    [[-1, 0]],
    [[0, 1.0]],
    [[0, 1.5]],
    [["a", "b"]],
    [[True, 0]],
    [[0, 1], [2]],
    [[]],
    [[0, 2**60]],
    [None],
    {},
    {"a": 1},
]


def _valid_by_jsonschema(schema: dict[str, Any], value: Any) -> bool:
    return bool(jsonschema.Draft202012Validator(schema).is_valid(value))


def test_every_field_check_agrees_with_jsonschema() -> None:
    schema = record_schema()
    disagreements = []
    for field_name, (prop, check) in schema.fields.items():
        for value in VALUES:
            if check(value) != _valid_by_jsonschema(prop, value):
                disagreements.append((field_name, value, check(value)))
    assert disagreements == []


def test_whole_records_agree_with_jsonschema() -> None:
    whole = compile_schema(record_schema().schema)
    good = make_records(1)[0]
    assert whole(good) and _valid_by_jsonschema(record_schema().schema, good)
    for field_name, value in itertools.product([*record_schema().fields, "extra"], VALUES[::3]):
        record = {**good, field_name: value}
        assert whole(record) == _valid_by_jsonschema(record_schema().schema, record), (field_name, value)
    for missing in record_schema().required:
        record = {key: value for key, value in good.items() if key != missing}
        assert not whole(record) and not _valid_by_jsonschema(record_schema().schema, record)


def test_a_keyword_the_compiler_does_not_know_is_refused() -> None:
    with pytest.raises(ValueError, match="keyword 'format'"):
        compile_schema({"type": "string", "format": "email"})
    with pytest.raises(ValueError, match="type"):
        compile_schema({"type": ["string", "null"]})
