"""Config loading: schema validation with messages that name the key, defaults, semantic checks."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from coconut_engine.config import (
    CONFIG_SCHEMA_PATH,
    RunConfig,
    config_from_dict,
    load_config,
)
from coconut_engine.errors import ConfigError

PATHS = {"train_path": "train.json", "val_path": "val.json"}

# A reference-style ProsQA config, keys and spellings as the reference writes them.
REFERENCE_YAML = """\
project: coconut
save_path: prosqa_experiments
name: prosqa-coconut
local: True
local_path: /models/gpt2-snapshot
only_eval: False
coconut: True
special_token: False
cot: False
no_thoughts: False
no_cot: False
c_thought: 1
epochs_per_stage: 5
max_latent_stage: 6
pad_latent_to_max: True
save_only_improve: False
uniform_prob: 0.0
model_id: openai-community/gpt2
load_model_path: None
seed: 0
resume: 0
bf16: False
train_path: data/prosqa_train.json
val_path: data/prosqa_valid.json
reset_optimizer: True
batch_size_training: 32
debug: False
gradient_accumulation_steps: 1
num_epochs: 50
lr: !!float "1e-4"
weight_decay: 0.01
"""


def error_of(**keys: object) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        config_from_dict({**PATHS, **keys})
    return caught.value


def test_dataclass_mirrors_every_schema_key() -> None:
    schema = json.loads(CONFIG_SCHEMA_PATH.read_text())
    fields = [field.name for field in dataclasses.fields(RunConfig)]
    assert sorted(fields) == sorted(schema["properties"])


def test_defaults_are_filled_from_the_schema() -> None:
    config = config_from_dict(dict(PATHS))
    assert config.c_thought == 1 and config.epochs_per_stage == 5 and config.max_latent_stage == 6
    assert config.lr == 1e-4 and config.weight_decay == 0.01 and config.num_epochs == 50
    assert config.model_id == "offline-gpt2" and config.load_model_path is None
    assert config.device == "auto" and config.max_val_samples is None and config.num_threads is None
    assert dataclasses.asdict(config.offline_model) == {"n_layer": 2, "n_embd": 128, "n_head": 4, "n_positions": 256}


def test_partial_offline_model_gets_the_missing_sizes() -> None:
    config = config_from_dict({**PATHS, "offline_model": {"n_layer": 3}})
    assert dataclasses.asdict(config.offline_model) == {"n_layer": 3, "n_embd": 128, "n_head": 4, "n_positions": 256}


def test_reference_yaml_loads_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "prosqa_coconut.yaml"
    path.write_text(REFERENCE_YAML)
    config = load_config(path)
    assert config.method == "coconut"
    assert config.load_model_path is None  # the string "None"
    assert config.reset_policy == "per_epoch"  # the reference resets AdamW every epoch
    assert config.lr == 1e-4 and config.pad_latent_to_max is True and config.model_id == "openai-community/gpt2"
    assert config.model_source == "/models/gpt2-snapshot"  # local: True loads local_path


def test_model_source_is_model_id_unless_local() -> None:
    assert config_from_dict({**PATHS, "model_id": "gpt2", "local_path": "/m"}).model_source == "gpt2"
    assert config_from_dict({**PATHS, "model_id": "gpt2", "local": True, "local_path": "/m"}).model_source == "/m"
    assert error_of(local=True).where == "local_path"


def test_special_token_marks_pause_as_thought_and_excludes_method_flags() -> None:
    assert config_from_dict({**PATHS, "special_token": True, "c_thought": 2}).method == "pause_as_thought"
    error = error_of(special_token=True, coconut=True)
    assert error.where == "special_token" and "'coconut'" in error.message


def test_wrong_value_names_the_key() -> None:
    error = error_of(c_thought=-1)
    assert error.message == "config key 'c_thought': -1 is less than the minimum of 0"
    assert error.where == "c_thought"


def test_wrong_type_names_the_key() -> None:
    error = error_of(lr="fast")
    assert error.message == "config key 'lr': 'fast' is not of type 'number'"
    assert error.where == "lr"
    assert error_of(num_epochs=2.5).where == "num_epochs"


def test_unknown_keys_are_rejected_by_name() -> None:
    error = error_of(learning_rate=0.1)
    assert error.message == "unknown config key 'learning_rate'"
    assert error.where == "learning_rate"
    nested = error_of(offline_model={"n_layers": 2})
    assert nested.where == "offline_model.n_layers"


def test_missing_required_key() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"val_path": "v.json"})
    assert caught.value.where == "train_path"
    assert "'train_path' is required" in caught.value.message


def test_several_problems_are_reported_together() -> None:
    error = error_of(c_thought=-1, lr="fast", bogus=True)
    assert "'c_thought'" in error.message and "'lr'" in error.message and "'bogus'" in error.message


def test_reset_optimizer_values() -> None:
    assert config_from_dict({**PATHS, "reset_optimizer": False}).reset_policy == "never"
    assert config_from_dict({**PATHS, "reset_optimizer": "per_stage"}).reset_policy == "per_stage"
    error = error_of(reset_optimizer="sometimes")
    assert error.where == "reset_optimizer" and "per_stage" in error.message


@pytest.mark.parametrize(
    ("flags", "method"),
    [({}, "pause_as_thought"), ({"coconut": True}, "coconut"), ({"cot": True}, "cot"), ({"no_cot": True}, "no_cot"), ({"no_thoughts": True}, "no_thoughts"), ({"icot": True}, "icot")],
)
def test_method_rule(flags: dict[str, bool], method: str) -> None:
    assert config_from_dict({**PATHS, **flags}).method == method


def test_two_method_flags_are_contradictory() -> None:
    error = error_of(coconut=True, cot=True)
    assert "'coconut' and 'cot' are both true" in error.message
    assert error.where == "cot"


def test_precision_follows_the_reference_bf16_key_unless_set() -> None:
    assert config_from_dict({**PATHS, "bf16": True}).use_bf16
    assert not config_from_dict(PATHS).use_bf16
    assert config_from_dict({**PATHS, "precision": "bf16"}).use_bf16
    error = error_of(precision="fp32", bf16=True)
    assert error.where == "precision" and "contradict" in error.message


def test_fsdp_needs_several_processes() -> None:
    assert error_of(distributed="fsdp").where == "distributed"
    assert config_from_dict({**PATHS, "distributed": "fsdp", "processes": 2}).distributed == "fsdp"


def test_eval_stage_is_current_or_a_stage_number() -> None:
    assert config_from_dict(PATHS).eval_stage == "current"
    assert config_from_dict({**PATHS, "eval_stage": 3}).eval_stage == 3
    assert error_of(eval_stage="last").where == "eval_stage"


def test_heads_must_divide_width() -> None:
    error = error_of(offline_model={"n_embd": 30, "n_head": 4})
    assert error.where == "offline_model.n_head" and "divisible" in error.message


def test_only_eval_needs_a_checkpoint() -> None:
    assert error_of(only_eval=True).where == "load_model_path"


def test_eval_thoughts_forces_counts_only_when_evaluating_thoughts() -> None:
    evaluating = {"only_eval": True, "load_model_path": "best.pt"}
    assert config_from_dict(PATHS).eval_thoughts is None
    assert config_from_dict({**PATHS, **evaluating, "coconut": True, "eval_thoughts": [0, 2, 1]}).eval_thoughts == [0, 2, 1]
    assert config_from_dict({**PATHS, **evaluating, "eval_thoughts": [32]}).eval_thoughts == [32]  # pause as thought has markers

    error = error_of(coconut=True, eval_thoughts=[0, 1])
    assert error.where == "eval_thoughts" and "only_eval" in error.message
    for method in ("cot", "no_cot", "pause_token", "icot", "no_thoughts"):
        error = error_of(**evaluating, **{method: True}, eval_thoughts=[1])
        assert error.where == "eval_thoughts"
        assert f"method '{method}' has no thought markers" in error.message and "'eval_thoughts'" in error.message
    assert error_of(**evaluating, coconut=True, eval_thoughts=[1], eval_stage=2).where == "eval_thoughts"
    for bad in ([], [1, 1], [33], [-1], [1.5], list(range(34)), "0,1"):
        assert error_of(**evaluating, coconut=True, eval_thoughts=bad).where == "eval_thoughts", bad


def test_resume_past_the_end_leaves_nothing_to_train() -> None:
    assert error_of(resume=3, num_epochs=3).where == "resume"


def test_config_file_problems(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("lr: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(listy)
