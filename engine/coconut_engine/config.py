"""Run configuration: load the YAML, validate it against the shared JSON Schema, fill in defaults,
then check what a schema cannot express (contradictory method flags, head sizes, ...).

The schema (``schemas/config.schema.json``) is generated from the workbench's TypeScript
definition, so both sides agree on every key, type, bound and default. The reference
implementation's YAML files load unchanged: ``load_model_path: None`` (the string) means "no
checkpoint".

The YAML is read by the rules of the workbench's reader (``src/common/configYaml.ts``): the YAML 1.2
core schema (PyYAML alone resolves scalars by YAML 1.1, where ``name: no`` is false, ``12:30`` is 750
and ``1e-4`` is text), no anchors or aliases, no duplicate keys, only the core tags, the size, depth and node
limits the schema lists under ``x-yaml-limits``, and the same characters refused in the text.
``python -m coconut_engine.config`` checks a JSON list of YAML texts at once (the parity tests).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import math
import re
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import jsonschema
import yaml
from yaml.events import AliasEvent, MappingStartEvent, ScalarEvent, SequenceStartEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.tokens import DirectiveToken

from .errors import ConfigError
from .methods import METHOD_FLAGS, METHODS, UNFLAGGED_METHOD, Method

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
CONFIG_SCHEMA_PATH = SCHEMA_DIR / "config.schema.json"

OFFLINE_MODEL_ID = "offline-gpt2"

ResetPolicy = Literal["per_epoch", "per_stage", "never"]

# The YAML 1.1 spellings of booleans, which YAML 1.2 reads as text (yaml11BooleanHint in src/common/configMessages.ts).
_YAML_11_BOOLEANS = frozenset({"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"})

# How many schema violations one error message lists before summarising the rest.
MAX_LISTED_PROBLEMS = 10


@dataclass(frozen=True)
class OfflineModelConfig:
    n_layer: int
    n_embd: int
    n_head: int
    n_positions: int


@dataclass(frozen=True)
class RunConfig:
    """Every key of the schema, defaults filled in. Field names are the YAML keys."""

    # keys of the reference implementation
    project: str
    save_path: str
    name: str
    only_eval: bool
    coconut: bool
    cot: bool
    no_thoughts: bool
    no_cot: bool
    c_thought: int
    epochs_per_stage: int
    max_latent_stage: int
    pad_latent_to_max: bool
    save_only_improve: bool
    uniform_prob: float
    special_token: bool
    local: bool
    local_path: str | None
    model_id: str
    load_model_path: str | None
    seed: int
    resume: int
    bf16: bool
    train_path: str
    val_path: str
    reset_optimizer: bool | str
    batch_size_training: int
    debug: bool
    gradient_accumulation_steps: int
    num_epochs: int
    lr: float
    weight_decay: float
    # workbench extensions
    pause_token: bool
    curriculum: bool
    device: str
    processes: int  # the job manager starts this many through torchrun; the engine reads its rank from the environment
    offline_model: OfflineModelConfig
    eval_batch_size: int
    max_new_tokens: int
    max_val_samples: int | None
    num_threads: int | None
    precision: str  # "auto" (the bf16 key decides), "fp32" or "bf16"
    compile: bool
    workers: int
    eval_stage: str | int  # "current" or a fixed stage for every evaluation
    eval_thoughts: list[int] | None  # only_eval: one evaluation per k, exactly k thoughts then <eot> (distinct, 0..32)
    distributed: str  # "ddp" or "fsdp"
    icot: bool
    icot_tokens_per_epoch: int
    icot_smoothing: float | None
    frontier_supervision: bool  # coconut / pause_as_thought: stage j names a node j+1 edges from the root (frontier.py)
    frontier_thought_labels: bool  # with frontier_supervision: each step's last thought also names its frontier through the LM head
    lr_schedule: str  # "constant" (the reference) or "cosine": lr → lr/10 over each stage (schedule.py)
    warmup_steps: int  # optimizer steps at the start of each stage over which lr rises linearly

    @property
    def method(self) -> Method:
        """Same rule as ``methodOf`` on the TypeScript side: with no flag set the curriculum's
        ``<latent>`` placeholders stay ordinary learned tokens ("pause as thought")."""
        return next((spec.name for spec in METHODS.values() if spec.flag is not None and getattr(self, spec.flag)), UNFLAGGED_METHOD)

    @property
    def model_source(self) -> str:
        """What transformers loads: the reference's ``local_path`` when ``local`` is set."""
        return self.local_path if self.local and self.local_path else self.model_id

    @property
    def use_bf16(self) -> bool:
        """bf16 autocast wanted (it applies on CUDA only): ``precision``, else the reference's key."""
        return self.precision == "bf16" or (self.precision == "auto" and self.bf16)

    @property
    def reset_policy(self) -> ResetPolicy:
        """``reset_optimizer`` normalised: true is the reference's every-epoch reset."""
        if self.reset_optimizer is True:
            return "per_epoch"
        if self.reset_optimizer is False:
            return "never"
        return self.reset_optimizer  # type: ignore[return-value]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_schema() -> dict[str, Any]:
    with open(CONFIG_SCHEMA_PATH, encoding="utf-8") as handle:
        return json.load(handle)


def load_config(path: str | Path) -> RunConfig:
    """Read, validate and complete a YAML config file. Raises ConfigError naming the key."""
    path = Path(path)
    limit = yaml_limits(load_schema())["maxBytes"]
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}", where=str(path)) from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a folder, not a config file", where=str(path)) from None
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror}", where=str(path)) from None
    if len(data) > limit:
        raise ConfigError(f"{path} is over {limit} bytes (256 KiB); a run config is a few hundred", where=str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ConfigError(
            f"{path} is not UTF-8 text: byte 0x{data[error.start]:02X} on line {line} (byte {error.start}) is not valid UTF-8",
            where=str(path),
        ) from None
    return config_from_text(text, str(path))


def config_from_text(text: str, source: str = "the config") -> RunConfig:
    """A config from YAML text, read by the workbench's rules (see the module's docstring);
    ``source`` names the text in messages (a file's path)."""
    raw = read_config_yaml(text, source)
    return config_from_dict(raw)


def config_from_dict(raw: dict[str, Any]) -> RunConfig:
    """Validate a mapping of config keys against the schema, fill defaults, check semantics."""
    raw = dict(raw)
    # The reference writes the string "None" for "no checkpoint".
    if raw.get("load_model_path") == "None":
        raw["load_model_path"] = None
    _check_values(raw)
    schema = load_schema()
    _validate_against_schema(raw, schema)
    completed = _normalise_numbers(_fill_defaults(raw, schema), schema)
    offline = OfflineModelConfig(**completed.pop("offline_model"))
    config = RunConfig(offline_model=offline, **completed)
    _check_semantics(config)
    return config


def _key_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path)


def _describe(error: jsonschema.ValidationError) -> tuple[str, str]:
    """(where, message) for one schema violation, phrased around the config key."""
    if error.validator == "additionalProperties":
        # An additionalProperties error is raised on an object by an object schema.
        assert isinstance(error.schema, Mapping) and isinstance(error.instance, Mapping)
        allowed = set(error.schema.get("properties", {}))
        unknown = sorted(key for key in error.instance if key not in allowed)
        parent = _key_path(error)
        keys = [f"{parent}.{key}" if parent else key for key in unknown]
        where = keys[0] if keys else parent
        names = ", ".join(f"'{key}'" for key in keys)
        noun = "key" if len(keys) == 1 else "keys"
        return where, f"unknown config {noun} {names}"
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        parent = _key_path(error)
        where = f"{parent}.{missing}" if parent else missing
        return where, f"config key '{where}' is required"
    where = _key_path(error) or "(config)"
    if error.validator == "type" and error.validator_value == "boolean" and isinstance(error.instance, str) and error.instance in _YAML_11_BOOLEANS:
        meant = "true" if error.instance.lower() in ("y", "yes", "on") else "false"
        return where, f"config key '{where}': {error.message}; configs are YAML 1.2, where {error.instance} is text: write {meant}"
    if error.validator == "anyOf" and error.context:
        reasons = "; ".join(sorted({sub.message for sub in error.context}))
        return where, f"config key '{where}': {reasons}"
    return where, f"config key '{where}': {error.message}"


def _validate_against_schema(raw: dict[str, Any], schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(raw), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    if not errors:
        return
    described = [_describe(error) for error in errors]
    messages = [message for _, message in described[:MAX_LISTED_PROBLEMS]]
    if len(described) > MAX_LISTED_PROBLEMS:
        messages.append(f"and {len(described) - MAX_LISTED_PROBLEMS} more")
    raise ConfigError("; ".join(messages), where=described[0][0])


def _fill_defaults(raw: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Every property the schema lists, taken from ``raw`` or its ``default`` (recursively, so a
    partly given ``offline_model`` gets its missing sizes)."""
    filled: dict[str, Any] = {}
    for key, prop in schema.get("properties", {}).items():
        if key in raw:
            value = raw[key]
        elif "default" in prop:
            value = copy.deepcopy(prop["default"])
        else:
            continue  # required keys are present: the schema check ran first
        if prop.get("type") == "object" and isinstance(value, dict):
            value = _fill_defaults(value, prop)
        filled[key] = value
    return filled


def _types_of(prop: dict[str, Any]) -> set[str]:
    types = prop.get("type", [])
    found = {types} if isinstance(types, str) else set(types)
    for option in prop.get("anyOf", []):
        found |= _types_of(option)
    return found


def _normalise_numbers(values: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Whole-number keys as ``int`` and number keys as ``float``, whichever the YAML wrote: JSON
    Schema counts ``5.0`` as an integer, and ``range(5.0)`` fails. (The workbench's JavaScript has
    one number type, so both readings are the same value there.)"""

    def normalise(value: Any, prop: dict[str, Any]) -> Any:
        types = _types_of(prop)
        if isinstance(value, bool):
            return value
        if isinstance(value, float) and "integer" in types and value.is_integer():
            return int(value)
        if isinstance(value, int) and "number" in types and "integer" not in types:
            return float(value)
        if isinstance(value, list):
            items = prop.get("items") or next((o.get("items") for o in prop.get("anyOf", []) if o.get("items")), None)
            return [normalise(item, items) for item in value] if items else value
        if isinstance(value, dict) and "properties" in prop:
            return _normalise_numbers(value, prop)
        return value

    properties = schema.get("properties", {})
    return {key: normalise(value, properties.get(key, {})) for key, value in values.items()}


def _check_semantics(config: RunConfig) -> None:
    flags = [flag for flag in METHOD_FLAGS if getattr(config, flag)]
    if len(flags) > 1:
        names = " and ".join(f"'{flag}'" for flag in flags)
        raise ConfigError(
            f"method flags {names} are {'both' if len(flags) == 2 else 'all'} true; set at most one (none set means 'pause as thought')",
            where=flags[1],
        )
    if config.special_token and flags:
        raise ConfigError(
            f"'special_token' marks a 'pause as thought' run, but method flag '{flags[0]}' is also true; set one or the other",
            where="special_token",
        )
    _check_rules(config.to_dict(), config.method)


# ---- rules between keys ------------------------------------------------------------------------
# The table src/common/configRules.ts, as `npm run schemas` writes it: the workbench checks the
# same rules (semanticIssues in src/node/runs/configText.ts), so neither side holds a copy.

CONFIG_RULES_PATH = SCHEMA_DIR / "config.rules.json"


@functools.cache
def load_rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = json.loads(CONFIG_RULES_PATH.read_text(encoding="utf-8"))["rules"]
    return rules


def _value_at(values: Mapping[str, Any], key: str) -> Any:
    value: Any = values
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _same(value: Any, expected: Any) -> bool:
    """JSON equality: true is not 1, and null only equals null."""
    if isinstance(value, bool) or isinstance(expected, bool) or value is None or expected is None:
        return value is expected
    return bool(value == expected)


def _holds(values: Mapping[str, Any], method: str, clause: dict[str, Any]) -> bool:
    if "methodLacks" in clause:
        return not getattr(METHODS[method], clause["methodLacks"])
    value = _value_at(values, clause["key"])
    if "is" in clause:
        return _same(value, clause["is"])
    if "isNot" in clause:
        return not _same(value, clause["isNot"])
    other = _value_at(values, clause.get("atLeastKey") or clause["notMultipleOfKey"])
    if not all(isinstance(number, (int, float)) and not isinstance(number, bool) for number in (value, other)):
        return False
    if "atLeastKey" in clause:
        return bool(value >= other)
    if "notMultipleOfKey" in clause:
        return bool(value % other != 0)
    raise ValueError(f"config.rules.json: a clause this engine cannot read: {clause}")


def _placeholder(values: Mapping[str, Any], method: str, key: str) -> str:
    return method if key == "method" else str(_value_at(values, key))


def _check_rules(values: Mapping[str, Any], method: str) -> None:
    """Raise at the first broken rule of the table (``method``: the one the config's flags select), naming its key."""
    for rule in load_rules():
        if all(_holds(values, method, clause) for clause in rule["when"]):
            message = re.sub(r"\{([\w.]+)\}", lambda found: _placeholder(values, method, found.group(1)), rule["message"])
            raise ConfigError(f"config key '{rule['path']}': {message}", where=rule["path"])


# ---- reading the YAML -------------------------------------------------------------------------

_CORE = "tag:yaml.org,2002:"
# The YAML 1.2 core schema's plain scalars, as the workbench's YAML library resolves them (same
# expressions, same order); anything else is text.
_CORE_SCALARS: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...] = (
    (_CORE + "null", (re.compile(r"(?:~|[Nn]ull|NULL)?"),)),
    (_CORE + "bool", (re.compile(r"(?:[Tt]rue|TRUE|[Ff]alse|FALSE)"),)),
    (_CORE + "int", (re.compile(r"0o[0-7]+"), re.compile(r"[-+]?[0-9]+"), re.compile(r"0x[0-9a-fA-F]+"))),
    (
        _CORE + "float",
        (
            re.compile(r"(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)"),
            re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+"),
            re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)"),
        ),
    ),
)
_SCALAR_PATTERNS = dict(_CORE_SCALARS)
_CORE_TAGS = frozenset({_CORE + name for name in ("str", "int", "float", "bool", "null", "map", "seq")} | {"!"})

# Characters allowed in a config's text (after a leading byte order mark), and in a text value (the
# same less line breaks): printable, and read alike by YAML 1.1 and 1.2 parsers. The workbench
# refuses the same ones (TEXT_CHARACTER_NOT_ALLOWED in src/common/configYaml.ts).
_TEXT_NOT_ALLOWED = re.compile("[^\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_LONE_CARRIAGE_RETURN = re.compile("\r(?!\n)")
_VALUE_NOT_ALLOWED = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def describe_character(character: str) -> str:
    """``U+0009 (a tab)``: a refused character as messages name it."""
    code = ord(character)
    name = f"U+{code:04X}"
    if character == "\t":
        return f"{name} (a tab)"
    if character == "\n":
        return f"{name} (a line break)"
    if character == "\r":
        return f"{name} (a carriage return without a line feed)"
    if code in (0x85, 0x2028, 0x2029):
        return f"{name} (a Unicode line separator)"
    if 0xD800 <= code <= 0xDFFF:
        return f"{name} (an unpaired surrogate, not valid Unicode)"
    if code == 0xFEFF:
        return f"{name} (a byte order mark)"
    if code in (0xFFFE, 0xFFFF):
        return f"{name} (not a character)"
    return f"{name} (a control character)"


def yaml_limits(schema: dict[str, Any]) -> dict[str, int]:
    """``maxBytes``, ``maxDepth`` and ``maxNodes``: CONFIG_YAML_LIMITS in src/common/config.ts."""
    return schema["x-yaml-limits"]


def _place(source: str, mark: Any) -> str:
    return f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark is not None else source


def _refuse(source: str, mark: Any, message: str) -> ConfigError:
    return ConfigError(f"{_place(source, mark)}: {message}", where=source)


def _matches(tag: str, value: str) -> bool:
    return any(pattern.fullmatch(value) for pattern in _SCALAR_PATTERNS[tag])


class _ConfigLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.constructor.SafeConstructor,
    yaml.resolver.BaseResolver,
):
    """PyYAML's safe loader with the workbench's rules: YAML 1.2 core scalars, no aliases, no
    duplicate keys, only core tags, depth and node limits (checked while composing, so that a
    deep or huge text is refused before it is built)."""

    # Only the core tags construct; the rest (timestamps, binary, sets, python objects) are refused.
    yaml_constructors: ClassVar[dict[Any, Any]] = {}

    def __init__(self, text: str, source: str, limits: dict[str, int]) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.BaseResolver.__init__(self)
        self.source = source
        self.max_depth = limits["maxDepth"]
        self.max_nodes = limits["maxNodes"]
        self.depth = 0
        self.nodes = 0
        # The first anchor seen, refused once the document is composed (aliases, which expand, are
        # refused on sight and take precedence: the same single message the workbench gives).
        self.first_anchor: tuple[str, Any] | None = None

    # -- parsing: PyYAML's directive handling, with a %YAML directive other than 1.2 and unknown
    # directives refused (PyYAML reads any 1.x and skips unknown ones; the workbench refuses both)
    def process_directives(self) -> Any:
        self.yaml_version = None
        self.tag_handles = {}
        while self.check_token(DirectiveToken):
            token = self.get_token()
            if token.name == "YAML":
                if tuple(token.value) != (1, 2) or self.yaml_version is not None:
                    version = ".".join(map(str, token.value))
                    raise _refuse(self.source, token.start_mark, f"a %YAML {version} directive: configs are read as YAML 1.2 (yes, no, on and off are text); remove it")
                self.yaml_version = token.value
            elif token.name == "TAG":
                handle, prefix = token.value
                if handle in self.tag_handles:
                    raise _refuse(self.source, token.start_mark, f"duplicate tag handle {handle}")
                self.tag_handles[handle] = prefix
            else:
                raise _refuse(self.source, token.start_mark, f"unknown directive %{token.name}")
        value = self.yaml_version, (self.tag_handles.copy() if self.tag_handles else None)
        for key in self.DEFAULT_TAGS:
            self.tag_handles.setdefault(key, self.DEFAULT_TAGS[key])
        return value

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if self.first_anchor is not None:
            anchor, mark = self.first_anchor
            raise _refuse(self.source, mark, f"anchors (&{anchor}) are not allowed in a config; write the value out")
        return node

    # -- resolving: the YAML 1.2 core schema
    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                for tag, patterns in _CORE_SCALARS:
                    if any(pattern.fullmatch(value) for pattern in patterns):
                        return tag
            return _CORE + "str"
        return _CORE + ("seq" if kind is SequenceNode else "map")

    # -- composing: anchors and aliases refused, limits counted
    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            raise _refuse(self.source, event.start_mark, f"aliases (*{event.anchor}) are not allowed in a config; write the value out")
        if getattr(event, "anchor", None) is not None and self.first_anchor is None:
            # The workbench refuses them too: its parser and PyYAML accept different anchor names.
            self.first_anchor = (event.anchor, event.start_mark)
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise ConfigError(f"{self.source} has over {self.max_nodes} keys and values; a run config has about fifty", where=self.source)
        if self.depth + 1 > self.max_depth:
            raise _refuse(self.source, event.start_mark, f"nested over {self.max_depth} levels deep; a run config nests two")
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in _CORE_TAGS:
            shown = tag.replace(_CORE, "!!")
            raise _refuse(self.source, event.start_mark, f"the tag {shown} is not allowed in a config (only !!str, !!int, !!float, !!bool, !!null)")
        self.depth += 1
        try:
            if isinstance(event, ScalarEvent):
                if tag == "!":  # the non-specific tag makes a scalar text; PyYAML would resolve it as if plain
                    event.implicit = (False, False)
                return self.compose_scalar_node(None)  # type: ignore[arg-type]  # the stubs say dict; PyYAML takes the anchor name or None
            if isinstance(event, SequenceStartEvent):
                return self.compose_sequence_node(None)  # type: ignore[arg-type]  # the stubs say dict; PyYAML takes the anchor name or None
            assert isinstance(event, MappingStartEvent)
            return self.compose_mapping_node(None)  # type: ignore[arg-type]  # the stubs say dict; PyYAML takes the anchor name or None
        finally:
            self.depth -= 1

    # -- constructing
    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, MappingNode):
            raise _refuse(self.source, node.start_mark, f"expected a mapping, found a {node.id}")
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise _refuse(self.source, key_node.start_mark, "a key must be a name, not a list or mapping")
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise _refuse(self.source, key_node.start_mark, f"the key {_yaml_text(key)} is not text; config keys are names such as lr")
            if key in mapping:
                raise _refuse(self.source, key_node.start_mark, f"the key {key} is given twice")
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def _scalar(self, node: Any, tag: str, noun: str) -> str:
        if not isinstance(node, ScalarNode):
            raise _refuse(self.source, node.start_mark, f"expected {noun}, found a {node.id}")
        value: str = node.value
        if not _matches(tag, value):
            raise _refuse(self.source, node.start_mark, f"{value!r} is not {noun} (tag {node.tag.replace(_CORE, '!!')})")
        return value

    def construct_core_null(self, node: Any) -> None:
        self._scalar(node, _CORE + "null", "null")

    def construct_core_bool(self, node: Any) -> bool:
        return self._scalar(node, _CORE + "bool", "true or false").lower() == "true"

    def construct_core_int(self, node: Any) -> int:
        value = self._scalar(node, _CORE + "int", "a whole number")
        if value.startswith("0o"):
            return int(value[2:], 8)
        if value.startswith("0x"):
            return int(value[2:], 16)
        return int(value)

    def construct_core_float(self, node: Any) -> float:
        value = self._scalar(node, _CORE + "float", "a number")
        if value.lower().endswith("nan"):
            return math.nan
        if value.lower().endswith("inf"):
            return -math.inf if value.startswith("-") else math.inf
        return float(value)

    def construct_refused(self, node: Any) -> None:
        raise _refuse(self.source, node.start_mark, f"the tag {node.tag} is not allowed in a config")


# types-PyYAML binds add_constructor's loader type to the class it is called on, which a loader
# mixing SafeConstructor into a custom class cannot satisfy; the calls are PyYAML's documented use.
_ConfigLoader.add_constructor(_CORE + "null", _ConfigLoader.construct_core_null)  # type: ignore[type-var]
_ConfigLoader.add_constructor(_CORE + "bool", _ConfigLoader.construct_core_bool)  # type: ignore[type-var]
_ConfigLoader.add_constructor(_CORE + "int", _ConfigLoader.construct_core_int)  # type: ignore[type-var]
_ConfigLoader.add_constructor(_CORE + "float", _ConfigLoader.construct_core_float)  # type: ignore[type-var]
_ConfigLoader.add_constructor(_CORE + "str", yaml.constructor.SafeConstructor.construct_yaml_str)  # type: ignore[type-var]
_ConfigLoader.add_constructor(_CORE + "seq", yaml.constructor.SafeConstructor.construct_yaml_seq)  # type: ignore[type-var]
_ConfigLoader.add_constructor(_CORE + "map", yaml.constructor.SafeConstructor.construct_yaml_map)  # type: ignore[type-var]
_ConfigLoader.add_constructor(None, _ConfigLoader.construct_refused)  # type: ignore[type-var]


def _yaml_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf") if math.isinf(value) else repr(value)
    return str(value)


_DOCUMENT_END = re.compile(r"^\.\.\.(?= |\r?$)", re.MULTILINE)


def read_config_yaml(text: str, source: str = "the config") -> dict[str, Any]:
    """YAML text → the mapping it holds (an empty text is an empty mapping), by the rules of the
    workbench's reader. Raises ConfigError naming the line."""
    limits = yaml_limits(load_schema())
    if len(text.encode("utf-8", "surrogatepass")) > limits["maxBytes"]:
        raise ConfigError(f"{source} is over {limits['maxBytes']} bytes (256 KiB); a run config is a few hundred", where=source)
    body = text[1:] if text.startswith("\ufeff") else text
    # A carriage return ends a line for PyYAML but not for the workbench's YAML library: only CRLF may.
    found = _TEXT_NOT_ALLOWED.search(body) or _LONE_CARRIAGE_RETURN.search(body)
    if found is not None:
        before = body[: found.start()]
        line = before.count("\n") + 1
        column = found.start() - (before.rfind("\n") + 1) + 1
        hint = ": indent and separate with spaces (in double quotes, write \\t)" if found.group() == "\t" else " (in double quotes, write it as an escape)"
        raise ConfigError(f"{source}, line {line}, column {column}: {describe_character(found.group())} is not allowed in a config{hint}", where=source)
    # One document, and no end marker: the two parsers count "..." lines differently.
    marker = _DOCUMENT_END.search(body)
    if marker is not None:
        line = body[: marker.start()].count("\n") + 1
        raise ConfigError(f"{source}, line {line}, column 1: a document end marker (...) is not allowed in a config; a config is one document", where=source)
    loader = _ConfigLoader(body, source, limits)
    try:
        raw = loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{source} is not valid YAML{place}: {problem}", where=source) from None
    except ValueError as error:  # an escape beyond Unicode ("\\U00110000") fails in chr()
        raise ConfigError(f"{source} is not valid YAML: {error}", where=source) from None
    except RecursionError:  # below the depth limit this cannot happen; kept as a clear message all the same
        raise ConfigError(f"{source} is nested too deeply", where=source) from None
    finally:
        loader.dispose()
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source} must hold a mapping of config keys, found {type(raw).__name__}", where=source)
    return raw


def _check_values(raw: dict[str, Any]) -> None:
    """What JSON Schema lets through but the config must not hold: infinite or NaN numbers (every
    comparison with NaN is false, so ``lr: .nan`` passes ``exclusiveMinimum``), unprintable or
    multi-line text and unpaired surrogates, keys that are not text."""
    problems: list[tuple[str, str]] = []

    def walk(value: Any, path: list[str]) -> None:
        where = ".".join(path) or "(config)"
        if isinstance(value, str):
            found = _VALUE_NOT_ALLOWED.search(value)
            if found is not None:
                problems.append((where, f"config key '{where}' contains {describe_character(found.group())}; config text must be printable and on one line"))
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append((where, f"config key '{where}' must be a finite number (got {_yaml_text(value)})"))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, [*path, str(index)])
        elif isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    problems.append((where, f"config keys must be text, found {_yaml_text(key)}"))
                    continue
                walk(item, [*path, key])

    walk(raw, [])
    if problems:
        messages = [message for _, message in problems[:MAX_LISTED_PROBLEMS]]
        if len(problems) > MAX_LISTED_PROBLEMS:
            messages.append(f"and {len(problems) - MAX_LISTED_PROBLEMS} more")
        raise ConfigError("; ".join(messages), where=problems[0][0])


# ---- many texts at once (the workbench's parity tests) -----------------------------------------


def check_texts(texts: list[str]) -> list[dict[str, Any]]:
    """Each YAML text's verdict: ``{"ok": true, "config": …, "method": …}``, ``{"ok": false,
    "error": …, "where": …}``, or ``{"ok": false, "crash": traceback}`` for anything but a
    ConfigError (which the tests count as a bug)."""
    verdicts: list[dict[str, Any]] = []
    for text in texts:
        try:
            config = config_from_text(text)
        except ConfigError as error:
            verdicts.append({"ok": False, "error": error.message, "where": error.where})
        except Exception:  # noqa: BLE001 - reported, not hidden: the tests fail on it
            verdicts.append({"ok": False, "crash": traceback.format_exc()})
        else:
            verdicts.append({"ok": True, "config": config.to_dict(), "method": config.method})
    return verdicts


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return _yaml_text(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value


if __name__ == "__main__":
    # stdin: a JSON list of YAML texts; stdout: a JSON list of verdicts, in order.
    json.dump(_json_safe(check_texts(json.load(sys.stdin))), sys.stdout)
