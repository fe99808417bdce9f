"""Datasets: a JSON list of ``{question: str, steps: [str], answer: str}`` records.

Every record is checked before training starts, and the problems are reported together (up to
ten), each with the file, the record's index and the field. Extra fields (ProsQA's graph:
``idx_to_symbol, edges, root, target, neg_target``) are kept untouched for the analyses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError

MAX_LISTED_PROBLEMS = 10

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


def _record_problems(index: int, item: Any, name: str) -> list[tuple[str, str]]:
    """(where, message) for each thing wrong with one record."""
    prefix = f"{name}: record {index}"
    if not isinstance(item, dict):
        return [(prefix, f"{prefix}: must be an object with question, steps and answer, found {_json_type(item)}")]
    problems = _unencodable_text(item, prefix)
    for key in ("question", "answer"):
        if key not in item:
            problems.append((f"{prefix}: field '{key}'", f"{prefix}: '{key}' is missing"))
        elif not isinstance(item[key], str):
            problems.append((f"{prefix}: field '{key}'", f"{prefix}: '{key}' must be a string, found {_json_type(item[key])}"))
    if "steps" not in item:
        problems.append((f"{prefix}: field 'steps'", f"{prefix}: 'steps' is missing"))
    elif not isinstance(item["steps"], list) or not all(isinstance(step, str) for step in item["steps"]):
        problems.append((f"{prefix}: field 'steps'", f"{prefix}: 'steps' must be a list of strings"))
    return problems


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
