"""Datasets: a JSON list of ``{question: str, steps: [str], answer: str}`` records.

Every record is checked before training starts against the record schema
(``schemas/record.schema.json``, generated from the workbench's ``src/common/records.ts``, so both
languages hold one definition of a record), and the problems are reported together (up to ten),
each with the file, the record's index and the field, in the schema's own words (``x-rule``).
Extra fields (the graph: ``idx_to_symbol, edges, root, target, neg_target``, and the generators'
``frontiers``) are kept untouched in ``Record.extra`` for the analyses.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .errors import DataError

MAX_LISTED_PROBLEMS = 10
RECORD_SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "record.schema.json"

# Half of a UTF-16 surrogate pair: JSON can escape one alone ("\ud800"), and json.loads accepts it
# as a str, but it has no UTF-8 form, so the tokenizer cannot take it.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Record:
    index: int
    question: str
    steps: tuple[str, ...]
    answer: str
    extra: dict[str, Any] = field(default_factory=dict)


# ---- the record schema ------------------------------------------------------------------------
# jsonschema's validator takes about half a millisecond per graph record (20 s for the quickstart's
# 40,000), so the schema is compiled once into one Python expression per field (as fastjsonschema
# does). The compiler knows exactly the keywords the record schema uses and refuses any other, so a
# schema that grows a rule it cannot check fails loudly; test_data_schema.py checks its verdicts
# against jsonschema's on valid and broken records.

Check = Callable[[Any], bool]

# Keywords that describe and do not constrain.
_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description"})
# JSON Schema's types as Python tests on the value `{v}`. An integer is any number with no
# fractional part (1.0 is one); a boolean is never a number.
_TYPE_TESTS = {
    "string": "isinstance({v}, str)",
    "integer": "(isinstance({v}, int) and not isinstance({v}, bool) or isinstance({v}, float) and {v}.is_integer())",
    "number": "(isinstance({v}, (int, float)) and not isinstance({v}, bool))",
    "array": "isinstance({v}, list)",
    "object": "isinstance({v}, dict)",
}
# The type a keyword applies to: on values of any other type it holds.
_APPLIES_TO = {
    "pattern": "string",
    "minLength": "string",
    "minimum": "number",
    "maximum": "number",
    "minItems": "array",
    "maxItems": "array",
    "items": "array",
    "prefixItems": "array",
    "properties": "object",
    "required": "object",
}


def compile_schema(schema: dict[str, Any] | bool) -> Check:
    """A predicate that holds exactly when a JSON value is valid against ``schema`` (the subset of
    JSON Schema 2020-12 the record schema uses; any other keyword raises ValueError)."""
    patterns: list[re.Pattern[str]] = []
    source = f"lambda value: {_expression(schema, 'value', patterns, 0)}"
    # The source is built above from the schema's keywords, its constants written with repr().
    check: Check = eval(source, {"patterns": patterns})
    return check


def _expression(schema: dict[str, Any] | bool, v: str, patterns: list[re.Pattern[str]], depth: int) -> str:
    """A Python expression that is true when the value written ``v`` is valid against ``schema``;
    ``depth`` names the loop variables of nested lists apart."""
    if isinstance(schema, bool):
        return str(schema)
    declared = schema.get("type")
    parts: list[str] = []
    if declared is not None:
        if not isinstance(declared, str) or declared not in _TYPE_TESTS:
            raise ValueError(f"the record schema uses JSON Schema type {declared!r}, which data.py cannot check yet")
        parts.append(_TYPE_TESTS[declared].format(v=v))
    for keyword, argument in schema.items():
        if keyword in _ANNOTATIONS or keyword.startswith("x-") or keyword == "type":
            continue
        if keyword == "pattern":
            patterns.append(re.compile(argument))
            test = f"patterns[{len(patterns) - 1}].search({v}) is not None"
        elif keyword == "minLength":
            test = f"len({v}) >= {int(argument)}"
        elif keyword in ("minimum", "maximum"):
            test = f"{v} {'>=' if keyword == 'minimum' else '<='} {float(argument)!r}"
        elif keyword in ("minItems", "maxItems"):
            test = f"len({v}) {'>=' if keyword == 'minItems' else '<='} {int(argument)}"
        elif keyword == "items":
            skip = len(schema.get("prefixItems", []))
            if argument is False:
                test = f"len({v}) <= {skip}"
            else:
                item = f"item{depth}"
                rest = f"{v}[{skip}:]" if skip else v
                test = f"all({_expression(argument, item, patterns, depth + 1)} for {item} in {rest})"
        elif keyword == "prefixItems":
            test = (
                " and ".join(f"(len({v}) <= {k} or {_expression(sub, f'{v}[{k}]', patterns, depth)})" for k, sub in enumerate(argument))
                or "True"
            )
        elif keyword == "required":
            test = " and ".join(f"{key!r} in {v}" for key in argument) or "True"
        elif keyword == "properties":
            test = (
                " and ".join(
                    f"({key!r} not in {v} or {_expression(sub, f'{v}[{key!r}]', patterns, depth)})" for key, sub in argument.items()
                )
                or "True"
            )
        else:
            raise ValueError(f"the record schema uses JSON Schema keyword '{keyword}', which data.py cannot check yet")
        applies_to = _APPLIES_TO[keyword]
        parts.append(
            f"({test})"
            if declared == applies_to or (declared == "integer" and applies_to == "number")
            else f"(not {_TYPE_TESTS[applies_to].format(v=v)} or ({test}))"
        )
    return "(" + " and ".join(parts) + ")" if parts else "True"


@dataclass(frozen=True)
class RecordSchema:
    schema: dict[str, Any]
    required: tuple[str, ...]
    # field -> (its schema, its check)
    fields: dict[str, tuple[dict[str, Any], Check]]


@cache
def record_schema() -> RecordSchema:
    schema = json.loads(RECORD_SCHEMA_PATH.read_text(encoding="utf-8"))
    compile_schema(schema)  # refuses keywords it cannot check, on the whole schema
    fields = {key: (prop, compile_schema(prop)) for key, prop in schema["properties"].items()}
    return RecordSchema(schema=schema, required=tuple(schema["required"]), fields=fields)


def _record_problems(index: int, item: Any, name: str) -> list[tuple[str, str]]:
    """(where, message) for each thing wrong with one record: at most one per field."""
    prefix = f"{name}: record {index}"
    if not isinstance(item, dict):
        return [(prefix, f"{prefix}: must be an object with question, steps and answer, found {_json_type(item)}")]
    problems = _unencodable_text(item, prefix)
    schema = record_schema()
    for key in schema.required:
        if key not in item:
            problems.append((f"{prefix}: field '{key}'", f"{prefix}: '{key}' is missing"))
    for key, (prop, check) in schema.fields.items():
        if key in item and not check(item[key]):
            problems.append((f"{prefix}: field '{key}'", f"{prefix}: '{key}' {_field_rule(prop, item[key])}"))
    return problems


def _field_rule(prop: dict[str, Any], value: Any) -> str:
    """The words for a field that is present but wrong: its rule, or, for a text field holding
    another JSON type, what it holds (as the workbench words it)."""
    if prop.get("type") == "string" and not isinstance(value, str):
        return f"must be a string, found {_json_type(value)}"
    return str(prop["x-rule"])


def _unencodable_text(item: dict[str, Any], prefix: str) -> list[tuple[str, str]]:
    """(where, message) for each string of the record with a lone surrogate, naming the field and,
    in lists, the item (as ``coconut data validate`` does)."""
    problems: list[tuple[str, str]] = []

    def visit(value: Any, field_name: str, shown: str) -> None:
        if isinstance(value, str):
            found = _SURROGATE.search(value)
            if found is not None:
                code = ord(found.group())
                problems.append(
                    (
                        f"{prefix}: field '{field_name}'",
                        (
                            f"{prefix}: {shown} is not valid Unicode text: it holds half of a surrogate pair "
                            f'(U+{code:04X}, "\\u{code:04x}" in JSON) at character {found.start()}'
                        ),
                    )
                )
        elif isinstance(value, list):
            item_word = "step" if field_name == "steps" and shown == "'steps'" else "item"
            for index, entry in enumerate(value):
                visit(entry, field_name, f"{shown} {item_word} {index}")
        elif isinstance(value, dict):
            for key, entry in value.items():
                visit(entry, field_name, f"{shown}.{key}")

    for key, value in item.items():
        visit(value, key, f"'{key}'")
    return problems


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def load_records(path: str | Path, config_key: str) -> list[Record]:
    """Load and validate a dataset file named by ``config_key`` (``train_path`` or ``val_path``).

    Relative paths resolve against the working directory, as in the reference implementation.
    """
    path = Path(path)
    name = path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{config_key}: dataset file not found: {path.resolve()}", where=config_key) from None
    except IsADirectoryError:
        raise DataError(f"{config_key}: {path.resolve()} is a directory, not a dataset file", where=config_key) from None
    except OSError as error:
        raise DataError(f"{config_key}: cannot read {path.resolve()}: {error.strerror}", where=config_key) from None
    try:
        # utf-8-sig: a byte order mark (as some Windows tools write) is dropped, as the workbench does.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DataError(
            f"{name}: not UTF-8 text: byte 0x{data[error.start]:02X} on line {line} (byte {error.start} of the file) is not valid UTF-8; save the file as UTF-8",
            where=name,
        ) from None
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError(f"{name}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})", where=name) from None
    if not isinstance(items, list):
        raise DataError(f"{name}: must be a JSON list of {{question, steps, answer}} records, found {_json_type(items)}", where=name)
    if not items:
        raise DataError(f"{name}: the dataset has no records", where=name)

    problems: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        problems.extend(_record_problems(index, item, name))
    if problems:
        messages = [message for _, message in problems[:MAX_LISTED_PROBLEMS]]
        if len(problems) > MAX_LISTED_PROBLEMS:
            messages.append(f"and {len(problems) - MAX_LISTED_PROBLEMS} more problems")
        raise DataError("; ".join(messages), where=problems[0][0])

    return [
        Record(
            index=index,
            question=item["question"],
            steps=tuple(item["steps"]),
            answer=item["answer"],
            extra={key: value for key, value in item.items() if key not in ("question", "steps", "answer")},
        )
        for index, item in enumerate(items)
    ]


@dataclass(frozen=True)
class Datasets:
    train: list[Record]  # empty with only_eval
    val: list[Record]


def load_datasets(train_path: str, val_path: str, only_eval: bool) -> Datasets:
    """Both datasets of a run, validated (the training set is not read with ``only_eval``)."""
    train = [] if only_eval else load_records(train_path, "train_path")
    return Datasets(train=train, val=load_records(val_path, "val_path"))


def check_records(items: list[Any], name: str) -> list[dict[str, Any]]:
    """Every problem of ``items`` as ``{record, field, message}`` (``field`` null for the whole
    record), unlisted: what the parity test compares with the workbench's check."""
    found: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        for where, message in _record_problems(index, item, name):
            field_name = re.search(r"field '(.*)'$", where)
            found.append({"record": index, "field": field_name.group(1) if field_name else None, "message": message})
    return found


if __name__ == "__main__":
    # stdin: a JSON list of records (valid or not); stdout: a JSON list of their problems.
    json.dump(check_records(json.load(sys.stdin), "records.json"), sys.stdout)
