"""Config loading: schema validation with messages that name the key, defaults, semantic checks."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import engine_env

from coconut_engine.config import (
    CONFIG_SCHEMA_PATH,
    RunConfig,
    config_from_dict,
    config_from_text,
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
        assert f"method {method} has no thought markers" in error.message and "'eval_thoughts'" in error.message
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


# ---- reading YAML by the workbench's rules (YAML 1.2 core schema, limits) ------------------------


def text_error(lines: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        config_from_text(f"train_path: t.json\nval_path: v.json\n{lines}\n")
    return caught.value


def text_config(lines: str) -> RunConfig:
    return config_from_text(f"train_path: t.json\nval_path: v.json\n{lines}\n")


@pytest.mark.parametrize(("line", "name"), [("name: no", "no"), ("name: yes", "yes"), ("name: off", "off"), ("name: 12:30", "12:30"), ("name: 2024-01-01", "2024-01-01")])
def test_yaml_11_booleans_times_and_dates_are_text(line: str, name: str) -> None:
    assert text_config(line).name == name


@pytest.mark.parametrize(("line", "meant"), [("coconut: yes", "true"), ("debug: off", "false"), ("bf16: On", "true")])
def test_yaml_11_booleans_are_refused_for_flags_with_a_hint(line: str, meant: str) -> None:
    error = text_error(line)
    key, word = line.split(": ")
    assert error.where == key
    assert error.message.endswith(f"configs are YAML 1.2, where {word} is text: write {meant}")
    assert text_config("coconut: True").coconut is True  # the reference's spelling


def test_small_numbers_and_exponents_are_numbers() -> None:
    assert text_config("lr: 0.0000005").lr == 5e-7
    assert text_config("lr: 5e-7").lr == 5e-7  # as the workbench writes it back
    assert text_config("lr: 1e-4").lr == 1e-4
    assert text_config('lr: !!float "1e-4"').lr == 1e-4


def test_whole_and_real_numbers_take_their_key_s_type() -> None:
    config = text_config("num_epochs: 5.0\nlr: 1\noffline_model: {n_layer: 3.0}\neval_stage: 2.0")
    assert type(config.num_epochs) is int and config.num_epochs == 5
    assert type(config.lr) is float and config.lr == 1.0
    assert type(config.offline_model.n_layer) is int and type(config.eval_stage) is int


@pytest.mark.parametrize(
    ("keys", "where", "bound"),
    [
        ({"offline_model": {"n_embd": 10**9}}, "offline_model.n_embd", "16384"),
        ({"workers": 100000}, "workers", "64"),
        ({"max_latent_stage": 1000}, "max_latent_stage", "64"),
        ({"lr": 11}, "lr", "10"),
        ({"seed": 2**32}, "seed", "4294967295"),
    ],
)
def test_numbers_have_upper_bounds(keys: dict[str, object], where: str, bound: str) -> None:
    error = error_of(**keys)
    assert error.where == where and f"maximum of {bound}" in error.message


@pytest.mark.parametrize(("line", "shown"), [("lr: .nan", ".nan"), ("weight_decay: .inf", ".inf"), ("icot_smoothing: -.Inf", "-.inf")])
def test_nan_and_infinities_are_refused(line: str, shown: str) -> None:
    error = text_error(line)
    assert error.where == line.split(":")[0]
    assert error.message == f"config key '{error.where}' must be a finite number (got {shown})"
    assert error_of(lr=float("nan")).where == "lr"  # from a mapping too: NaN passes every JSON Schema bound


def test_an_alias_bomb_is_one_clear_message() -> None:
    letters = "abcdefghij"
    bomb = "\n".join(["a: &a [x, x, x, x, x, x, x, x, x]"] + [f"{letters[k + 1]}: &{letters[k + 1]} [{', '.join([f'*{letters[k]}'] * 9)}]" for k in range(9)])
    error = text_error(bomb)
    assert error.message == "the config, line 4, column 8: aliases (*a) are not allowed in a config; write the value out"


def test_anchors_and_document_end_markers_are_refused_as_the_workbench_refuses_them() -> None:
    # Both found by the parity test: the two parsers accept different anchor names and count "..." differently.
    assert "anchors (&run) are not allowed" in text_error("name: &run first").message
    assert "a document end marker (...) is not allowed" in text_error("name: a\n...\n...").message


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("name: a\nname: b", "line 4, column 1: the key name is given twice"),
        ("name: !!timestamp 2024-01-01", "the tag !!timestamp is not allowed in a config"),
        ("name: !!python/name:os.system", "the tag !!python/name:os.system is not allowed"),
        ("lr: !!float 1", "'1' is not a number (tag !!float)"),
        ("name:\trun", "line 3, column 6: U+0009 (a tab) is not allowed in a config"),
        ("name: a\rlr: 1", "U+000D (a carriage return without a line feed) is not allowed"),
        ("name: a\u2028b", "U+2028 (a Unicode line separator) is not allowed"),
        ('name: "\\ud800"', "config key 'name' contains U+D800 (an unpaired surrogate, not valid Unicode)"),
        ('name: "a\\nb"', "config key 'name' contains U+000A (a line break)"),
        ("1: x", "the key 1 is not text"),
    ],
)
def test_yaml_the_two_parsers_could_read_differently_is_refused(lines: str, message: str) -> None:
    assert message in text_error(lines).message


def test_a_yaml_11_directive_is_refused() -> None:
    with pytest.raises(ConfigError, match="configs are read as YAML 1.2"):
        config_from_text("%YAML 1.1\n---\ntrain_path: t\nval_path: v\n")
    assert config_from_text("%YAML 1.2\n---\ntrain_path: t\nval_path: v\nname: yes\n").name == "yes"


def test_size_depth_and_node_limits_answer_quickly(tmp_path: Path) -> None:
    limits = json.loads(CONFIG_SCHEMA_PATH.read_text())["x-yaml-limits"]
    started = time.perf_counter()
    big = tmp_path / "big.yaml"
    big.write_text("train_path: t\nval_path: v\nname: " + "x" * limits["maxBytes"] + "\n")
    with pytest.raises(ConfigError, match=r"is over 262144 bytes \(256 KiB\)"):
        load_config(big)
    assert "nested over 16 levels deep" in text_error("eval_thoughts: " + "[" * (limits["maxBytes"] // 2 - 40)).message
    assert "nested over 16 levels deep" in text_error("eval_thoughts: " + "[" * 16 + "]" * 16).message
    many = "\n".join(f"k{k}: {k}" for k in range(15_000))
    assert text_error(many).message == "the config has over 10000 keys and values; a run config has about fifty"
    assert time.perf_counter() - started < 10


def test_a_config_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"train_path: t\nname: caf\xe9\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.message == f"{path} is not UTF-8 text: byte 0xE9 on line 2 (byte 23) is not valid UTF-8"


def test_many_texts_are_checked_by_one_process() -> None:
    texts = ["train_path: t\nval_path: v\nname: no\n", "lr: .nan\n", "a: &a [1]\nb: *a\n"]
    result = subprocess.run([sys.executable, "-m", "coconut_engine.config"], input=json.dumps(texts), env=engine_env(), capture_output=True, text=True, check=True)
    verdicts = json.loads(result.stdout)
    assert [verdict["ok"] for verdict in verdicts] == [True, False, False]
    assert verdicts[0]["config"]["name"] == "no" and verdicts[0]["method"] == "pause_as_thought"
    assert verdicts[1]["where"] == "lr" and "crash" not in verdicts[1] and "aliases" in verdicts[2]["error"]
