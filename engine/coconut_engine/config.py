"""Run configuration: load the YAML, validate it against the shared JSON Schema, fill in defaults,
then check what a schema cannot express (contradictory method flags, head sizes, ...).

The schema (``schemas/config.schema.json``) is generated from the workbench's TypeScript
definition, so both sides agree on every key, type and default. The reference implementation's
YAML files load unchanged: ``load_model_path: None`` (the string) means "no checkpoint".
"""

from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jsonschema
import yaml

from .errors import ConfigError

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
CONFIG_SCHEMA_PATH = SCHEMA_DIR / "config.schema.json"

OFFLINE_MODEL_ID = "offline-gpt2"

Method = Literal["coconut", "cot", "no_cot", "no_thoughts", "pause_token", "icot", "pause_as_thought"]
ResetPolicy = Literal["per_epoch", "per_stage", "never"]

# The method flags, in the order `methodOf` (src/common/config.ts) tests them.
METHOD_FLAGS: tuple[str, ...] = ("coconut", "cot", "no_cot", "no_thoughts", "pause_token", "icot")

# The methods whose samples carry <bot>, <latent>... and <eot> (so a thought count can be forced).
METHODS_WITH_MARKERS: tuple[str, ...] = ("coconut", "pause_as_thought")

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

    @property
    def method(self) -> Method:
        """Same rule as ``methodOf`` on the TypeScript side: with no flag set the curriculum's
        ``<latent>`` placeholders stay ordinary learned tokens ("pause as thought")."""
        return next((flag for flag in METHOD_FLAGS if getattr(self, flag)), "pause_as_thought")  # type: ignore[return-value]

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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}", where=str(path)) from None
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror}", where=str(path)) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{path} is not valid YAML{place}: {problem}", where=str(path)) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a mapping of config keys, found {type(raw).__name__}", where=str(path))
    return config_from_dict(raw)


def config_from_dict(raw: dict[str, Any]) -> RunConfig:
    """Validate a mapping of config keys against the schema, fill defaults, check semantics."""
    raw = dict(raw)
    # The reference writes the string "None" for "no checkpoint".
    if raw.get("load_model_path") == "None":
        raw["load_model_path"] = None
    schema = load_schema()
    _validate_against_schema(raw, schema)
    completed = _fill_defaults(raw, schema)
    offline = OfflineModelConfig(**completed.pop("offline_model"))
    config = RunConfig(offline_model=offline, **completed)
    _check_semantics(config)
    return config


def _key_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path)


def _describe(error: jsonschema.ValidationError) -> tuple[str, str]:
    """(where, message) for one schema violation, phrased around the config key."""
    if error.validator == "additionalProperties":
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
    if config.precision == "fp32" and config.bf16:
        raise ConfigError("config keys 'precision: fp32' and 'bf16: true' contradict each other; drop one", where="precision")
    if config.processes == 1 and config.distributed == "fsdp":
        raise ConfigError("config key 'distributed': fsdp shards the model over several processes; set processes above 1", where="distributed")
    if config.local and not config.local_path:
        raise ConfigError("config key 'local' is true but 'local_path' is not set: give the folder of a saved model", where="local_path")
    model = config.offline_model
    if model.n_embd % model.n_head != 0:
        raise ConfigError(
            f"config key 'offline_model.n_head': n_embd ({model.n_embd}) must be divisible by n_head ({model.n_head})",
            where="offline_model.n_head",
        )
    if config.only_eval and config.load_model_path is None:
        raise ConfigError("only_eval needs a checkpoint to evaluate: set load_model_path", where="load_model_path")
    if config.eval_thoughts is not None:
        if not config.only_eval:
            raise ConfigError(
                "config key 'eval_thoughts' forces thought counts when evaluating a checkpoint: set only_eval (and load_model_path)",
                where="eval_thoughts",
            )
        if config.method not in METHODS_WITH_MARKERS:
            raise ConfigError(
                f"config key 'eval_thoughts' needs continuous thoughts, but method '{config.method}' has no thought markers "
                f"(use it with {' or '.join(METHODS_WITH_MARKERS)})",
                where="eval_thoughts",
            )
        if config.eval_stage != "current":
            raise ConfigError(
                "config keys 'eval_thoughts' and 'eval_stage' both fix the thought count at evaluation; drop one",
                where="eval_thoughts",
            )
    if not config.only_eval and config.resume >= config.num_epochs:
        raise ConfigError(
            f"config key 'resume': skipping {config.resume} epochs leaves nothing to train (num_epochs is {config.num_epochs})",
            where="resume",
        )
