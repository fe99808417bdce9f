"""Shared helpers: tiny ProsQA-like datasets written by the tests themselves, configs, and a
real engine subprocess."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from itertools import pairwise
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ENGINE_DIR = Path(__file__).resolve().parents[1]
SCHEMA_DIR = ENGINE_DIR / "coconut_engine" / "schemas"

PEOPLE = ["Alex", "Tom", "Sam", "Max", "Rex", "Jack", "Fae", "Wren"]
CONCEPTS = ["wumpus", "yumpus", "zumpus", "dumpus", "rompus", "numpus", "tumpus", "vumpus", "impus", "jompus", "gorpus", "lempus"]


def make_records(count: int, seed: int = 0, max_steps: int = 3) -> list[dict[str, Any]]:
    """Small ProsQA-shaped problems: the entity reaches one concept through a chain of 1..max_steps
    facts; another person's chain leads to the distractor. Extra graph fields are included, as
    ProsQA has them."""
    rng = random.Random(seed)
    records = []
    for _ in range(count):
        person, other = rng.sample(PEOPLE, 2)
        steps_n = rng.randint(1, max_steps)
        concepts = rng.sample(CONCEPTS, steps_n + 2)
        chain, distractor = concepts[:steps_n], concepts[steps_n:]
        steps = [f"{person} is a {chain[0]}."] + [f"Every {a} is a {b}." for a, b in pairwise(chain)]
        facts = steps + [f"{other} is a {distractor[0]}.", f"Every {distractor[0]} is a {distractor[1]}."]
        rng.shuffle(facts)
        options = [chain[-1], distractor[1]]
        rng.shuffle(options)
        records.append(
            {
                "question": " ".join(facts) + f" Is {person} a {options[0]} or {options[1]}?",
                "steps": steps,
                "answer": f"{person} is a {chain[-1]}.",
                "idx_to_symbol": [person, other, *concepts],
                "edges": [[0, 2]],
                "root": 0,
                "target": 2,
                "neg_target": 3,
            }
        )
    return records


def write_json(path: Path, value: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def write_config(path: Path, **keys: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(keys, sort_keys=False), encoding="utf-8")
    return path


TINY_MODEL = {"n_layer": 1, "n_embd": 32, "n_head": 2, "n_positions": 128}
# Config keys every engine-process test shares: the tiny model, small batches, CPU.
TINY_RUN = {"offline_model": TINY_MODEL, "batch_size_training": 8, "eval_batch_size": 16, "max_new_tokens": 32, "lr": 0.001, "device": "cpu"}


@pytest.fixture
def tiny_data(tmp_path: Path) -> tuple[Path, Path]:
    train = write_json(tmp_path / "data" / "train.json", make_records(40, seed=1))
    val = write_json(tmp_path / "data" / "val.json", make_records(12, seed=2))
    return train, val


def engine_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ENGINE_DIR), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def engine_command(config: Path, run_dir: Path) -> list[str]:
    return [sys.executable, "-m", "coconut_engine", "train", "--config", str(config), "--run-dir", str(run_dir)]


def run_engine(config: Path, run_dir: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """A real engine process, started from an unrelated working directory."""
    return subprocess.run(
        engine_command(config, run_dir), cwd=config.parent, env=engine_env(), capture_output=True, text=True, timeout=timeout
    )


def read_events(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / "events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def event_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / "events.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def assert_valid_events(events: list[dict[str, Any]], validator: jsonschema.Draft202012Validator) -> None:
    for index, event in enumerate(events):
        errors = list(validator.iter_errors(event))
        assert not errors, f"event {index} ({event.get('type')}) does not match the schema: {errors[0].message}"


def tiny_family_model(family: str, vocab_size: int) -> Any:
    """A random-weight causal LM of each family the engine supports, built from a config."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(1)
    if family == "gpt2":
        from transformers import GPT2Config, GPT2LMHeadModel

        return GPT2LMHeadModel(GPT2Config(vocab_size=vocab_size, n_positions=160, n_embd=32, n_layer=2, n_head=2, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0))
    sizes: dict[str, Any] = {"vocab_size": vocab_size, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "max_position_embeddings": 160}
    if family == "llama":
        # Grouped-query attention (2 key/value heads for 4 query heads), as in current Llama models.
        return LlamaForCausalLM(LlamaConfig(num_key_value_heads=2, **sizes))
    return Qwen2ForCausalLM(Qwen2Config(num_key_value_heads=2, tie_word_embeddings=True, **sizes))
