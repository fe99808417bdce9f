"""ONNX bundles for the thought inspector: real exports of tiny GPT-2, Llama and Qwen2 checkpoints,
checked in onnxruntime against PyTorch; and the PyTorch reference inspection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from conftest import ENGINE_DIR, TINY_MODEL, engine_env, make_records, tiny_family_model, write_json
from tokenizers import Tokenizer
from transformers import PreTrainedTokenizerFast

from coconut_engine import __version__, export, train
from coconut_engine.__main__ import main
from coconut_engine.build import build_model
from coconut_engine.cancel import Cancellation
from coconut_engine.checkpoint import make_payload, save_atomically
from coconut_engine.config import config_from_dict
from coconut_engine.data import load_datasets
from coconut_engine.errors import EngineError
from coconut_engine.events import EventLog
from coconut_engine.export import DecoderStep, ExportError, decoder_names, export_bundle, final_norm, load_source
from coconut_engine.reference import reference_inspection
from coconut_engine.tokenizer import build_word_level_codec

PHASES = ["load", "decoder", "lens", "embeddings", "tokenizer", "verify"]
# The keys of BundleManifestSchema (src/common/inspector.ts).
MANIFEST_KEYS = {
    "format", "version", "engine_version", "exported_at", "dtype", "model", "embeddings", "files", "tokenizer", "special_tokens",
    "method", "feedback", "markers", "c_thought", "max_latent_stage", "pad_latent_to_max", "stages", "pause_tokens",
    "default_thoughts", "frontier_supervision", "max_new_tokens", "source",
}  # fmt: skip
QUESTION = make_records(1, seed=7)[0]["question"]


def run_config(**keys: Any) -> dict[str, Any]:
    return config_from_dict({"train_path": "t.json", "val_path": "v.json", "offline_model": TINY_MODEL, "max_new_tokens": 12, **keys}).to_dict()


@pytest.fixture(scope="module")
def gpt2_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An offline GPT-2 trained by the engine: coconut, stage 0 then stage 1 (2 thoughts)."""
    root = tmp_path_factory.mktemp("gpt2")
    train_path = write_json(root / "train.json", make_records(24, seed=1))
    val_path = write_json(root / "val.json", make_records(4, seed=2))
    config = config_from_dict(
        {
            "train_path": str(train_path), "val_path": str(val_path), "offline_model": TINY_MODEL, "batch_size_training": 8,
            "eval_batch_size": 8, "max_new_tokens": 12, "lr": 1e-3, "device": "cpu", "coconut": True, "num_epochs": 2,
            "epochs_per_stage": 1, "max_latent_stage": 1, "c_thought": 2,
        }
    )  # fmt: skip
    (root / "run").mkdir()
    events = EventLog(root / "run" / "events.jsonl")
    outcome = train.run(config, load_datasets(config.train_path, config.val_path, False), root / "run", events, Cancellation())
    events.close()
    assert outcome.status == "completed"
    return root / "run" / "checkpoints" / "epoch-2.pt"


@pytest.fixture(scope="module")
def gpt2_cli_export(gpt2_checkpoint: Path) -> dict[str, Any]:
    """The export as the workbench runs it: a real engine process with --json, over an older bundle."""
    out = gpt2_checkpoint.parent.parent / "exports" / "last"
    out.mkdir(parents=True)
    (out / "stale.txt").write_text("from an older export")
    command = [sys.executable, "-m", "coconut_engine", "export", "--checkpoint", str(gpt2_checkpoint), "--out", str(out)]
    command += ["--label", "last", "--run-id", "run-1", "--run-dir", str(gpt2_checkpoint.parent.parent), "--json"]
    process = subprocess.run(command, cwd=ENGINE_DIR.parent, env=engine_env(), capture_output=True, text=True, timeout=120)
    return {"process": process, "out": out, "checkpoint": gpt2_checkpoint}


def local_family_checkpoint(root: Path, family: str) -> Path:
    """A tiny random model of ``family`` saved as a local transformers folder, built by the engine
    (markers added) and wrapped into a coconut checkpoint at stage 2."""
    word_level = build_word_level_codec([record["question"] for record in make_records(8, seed=3)]).tokenizer
    hf_tokenizer = PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(word_level.to_str()), eos_token="<|endoftext|>", unk_token="<|unk|>")
    folder = root / f"tiny-{family}"
    hf_tokenizer.save_pretrained(folder)
    tiny_family_model(family, len(hf_tokenizer)).save_pretrained(folder)
    keys = {"model_id": str(folder), "coconut": True, "c_thought": 1, "max_latent_stage": 3}
    built = build_model(config_from_dict({"train_path": "t.json", "val_path": "v.json", **keys}), None)
    path = root / f"{family}.pt"
    payload = make_payload(
        state_dict=built.causal_lm.state_dict(), model_id=built.model_id, model_config=built.causal_lm.config.to_dict(),
        tokenizer_json=built.codec.to_json(), tokenizer_meta=built.codec.metadata(), method="coconut", epoch=3, stage=2,
        optimizer_state=None, accuracy=None, run_config=run_config(**keys), engine_version="test",
    )  # fmt: skip
    save_atomically(payload, path)
    return path


@pytest.fixture(scope="module")
def family_exports(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict[str, Any]]:
    """Exports of tiny llama and qwen2 checkpoints, each made once for the module when first asked for."""
    done: dict[str, dict[str, Any]] = {}

    def get(family: str) -> dict[str, Any]:
        if family not in done:
            root = tmp_path_factory.mktemp(family)
            checkpoint = local_family_checkpoint(root, family)
            phases: list[tuple[str, int, int]] = []
            manifest = export_bundle(checkpoint, root / "bundle", progress=lambda *phase: phases.append(phase))
            done[family] = {"family": family, "checkpoint": checkpoint, "out": root / "bundle", "manifest": manifest, "phases": phases}
        return done[family]

    return get


@pytest.fixture(params=["gpt2", "llama", "qwen2"])
def bundle(request: pytest.FixtureRequest, family_exports: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """Every exported bundle: its folder, its manifest and the checkpoint rebuilt in PyTorch."""
    if request.param == "gpt2":
        exported = request.getfixturevalue("gpt2_cli_export")
        assert exported["process"].returncode == 0, exported["process"].stderr
    else:
        exported = family_exports(request.param)
    source = load_source(exported["checkpoint"])
    manifest = json.loads((exported["out"] / "manifest.json").read_text())
    return {"out": exported["out"], "source": source, "manifest": manifest}


def session(path: Path) -> onnxruntime.InferenceSession:
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


# --- the CLI and the manifest ---------------------------------------------------------------------


def test_cli_export_prints_json_lines_and_replaces_the_older_bundle(gpt2_cli_export: dict) -> None:
    process, out = gpt2_cli_export["process"], gpt2_cli_export["out"]
    assert process.returncode == 0, process.stderr
    lines = [json.loads(line) for line in process.stdout.splitlines()]  # every stdout line is JSON
    progress = [line for line in lines if line["type"] == "progress"]
    assert [(line["phase"], line["index"], line["total"]) for line in progress] == [(phase, i + 1, 6) for i, phase in enumerate(PHASES)]
    assert lines[-1]["type"] == "done" and lines[-1]["out"] == str(out)
    assert lines[-1]["manifest"] == json.loads((out / "manifest.json").read_text())
    assert sorted(path.name for path in out.iterdir()) == sorted(export.BUNDLE_FILES.values())  # stale.txt went with the old bundle
    assert not [path.name for path in out.parent.iterdir() if path.name.startswith(".")]  # no temporary folder left
    assert "error" not in process.stderr


def test_gpt2_manifest(gpt2_cli_export: dict) -> None:
    out, checkpoint = gpt2_cli_export["out"], gpt2_cli_export["checkpoint"]
    manifest = json.loads((out / "manifest.json").read_text())
    codec = load_source(checkpoint).codec
    assert set(manifest) == MANIFEST_KEYS
    assert (manifest["format"], manifest["version"], manifest["dtype"], manifest["engine_version"]) == ("coconut-workbench-onnx-bundle", 1, "float32", __version__)
    assert datetime.fromisoformat(manifest["exported_at"]).utcoffset() == timedelta(0)
    assert manifest["model"] == {
        "family": "gpt2", "id": "offline-gpt2", "layers": 1, "hidden_size": 32, "kv_heads": 2, "head_dim": 16,
        "vocab_size": codec.vocab_size, "max_positions": TINY_MODEL["n_positions"],
    }  # fmt: skip
    assert manifest["files"] == {"decoder": "decoder.onnx", "lens": "lens.onnx", "tokenizer": "tokenizer.json"}
    assert manifest["tokenizer"] == {"word_level": True, "names": codec.metadata()["names"]}
    assert manifest["special_tokens"] == {"bot": codec.bot_id, "thought": codec.latent_id, "eot": codec.eot_id, "eos": codec.eos_id, "pad": codec.pad_id}
    assert (manifest["method"], manifest["feedback"], manifest["markers"]) == ("coconut", True, True)
    assert (manifest["c_thought"], manifest["max_latent_stage"], manifest["pad_latent_to_max"]) == (2, 1, False)
    assert manifest["stages"] == [{"stage": 0, "thoughts": 0}, {"stage": 1, "thoughts": 2}]
    assert (manifest["pause_tokens"], manifest["default_thoughts"], manifest["max_new_tokens"]) == (0, 2, 12)
    assert manifest["frontier_supervision"] is False
    stat = checkpoint.stat()
    assert manifest["source"] == {
        "run_id": "run-1", "run_dir": str(checkpoint.parent.parent), "checkpoint": "last", "checkpoint_path": os.path.abspath(checkpoint),
        "checkpoint_bytes": stat.st_size, "checkpoint_mtime_ms": pytest.approx(stat.st_mtime * 1000), "epoch": 2, "stage": 1,
        "accuracy": manifest["source"]["accuracy"],
    }  # fmt: skip
    assert isinstance(manifest["source"]["accuracy"], float)
    assert (out / "tokenizer.json").read_text() == codec.to_json()


@pytest.mark.parametrize("family", ["llama", "qwen2"])
def test_llama_and_qwen2_manifests(family_exports: Callable[[str], dict[str, Any]], family: str) -> None:
    family_export = family_exports(family)
    manifest = family_export["manifest"]
    assert [phase for phase, _, _ in family_export["phases"]] == PHASES
    assert json.loads((family_export["out"] / "manifest.json").read_text()) == manifest
    # Grouped-query attention: 2 key/value heads of 8 for 4 query heads over 32.
    assert manifest["model"] | {"vocab_size": 0} == {
        "family": family, "id": str(family_export["checkpoint"].parent / f"tiny-{family}"), "layers": 2, "hidden_size": 32,
        "kv_heads": 2, "head_dim": 8, "vocab_size": 0, "max_positions": 160,
    }  # fmt: skip
    assert manifest["tokenizer"]["word_level"] is False
    assert manifest["stages"] == [{"stage": 0, "thoughts": 0}, {"stage": 1, "thoughts": 1}, {"stage": 2, "thoughts": 2}]
    assert manifest["default_thoughts"] == 2 and manifest["source"]["run_id"] is None and manifest["source"]["accuracy"] is None


@pytest.mark.parametrize(
    ("keys", "method", "feedback", "markers", "pause_tokens", "thoughts"),
    [
        ({"cot": True}, "cot", False, False, 0, [0]),
        ({}, "pause_as_thought", False, True, 0, [0, 2, 4]),
        ({"pause_token": True}, "pause_token", False, False, 4, [0]),
        ({"icot": True}, "icot", False, False, 0, [0, 0, 0]),
    ],
)
def test_manifest_of_each_method(tmp_path: Path, keys: dict, method: str, feedback: bool, markers: bool, pause_tokens: int, thoughts: list[int]) -> None:
    keys = {**keys, "c_thought": 2, "max_latent_stage": 2}
    built = build_model(config_from_dict({"train_path": "t.json", "val_path": "v.json", "offline_model": TINY_MODEL, **keys}), _records())
    stage = len(thoughts) - 1
    path = tmp_path / "model.pt"
    save_atomically(_payload(built, method, stage, run_config(**keys)), path)
    source = load_source(path)
    manifest = export.build_manifest(source, export.write_embeddings(source.causal_lm, tmp_path / "e.f32"), label="best", run_id=None, run_dir=None)
    assert (manifest["method"], manifest["feedback"], manifest["markers"], manifest["pause_tokens"]) == (method, feedback, markers, pause_tokens)
    assert [entry["thoughts"] for entry in manifest["stages"]] == thoughts and manifest["default_thoughts"] == thoughts[-1]


# --- the graphs against PyTorch -------------------------------------------------------------------


def test_decoder_axes_stay_dynamic(bundle: dict) -> None:
    model = onnx.load(str(bundle["out"] / "decoder.onnx"))
    layers = bundle["manifest"]["model"]["layers"]
    inputs, outputs = decoder_names(layers)
    assert [value.name for value in model.graph.input] == inputs
    assert [value.name for value in model.graph.output] == outputs
    dims = {value.name: [dim.dim_param or dim.dim_value for dim in value.type.tensor_type.shape.dim] for value in model.graph.input}
    kv_heads, head_dim = bundle["manifest"]["model"]["kv_heads"], bundle["manifest"]["model"]["head_dim"]
    assert dims["inputs_embeds"] == ["batch", "seq", 32]
    assert dims["attention_mask"] == ["batch", "past + seq"] and dims["position_ids"] == ["batch", "seq"]
    assert dims["past_key_0"] == dims[f"past_value_{layers - 1}"] == ["batch", kv_heads, "past", head_dim]
    lens = onnx.load(str(bundle["out"] / "lens.onnx"))
    assert [(value.name, value.type.tensor_type.shape.dim[0].dim_param != "") for value in [*lens.graph.input, *lens.graph.output]] == [("hidden", True), ("logits", True)]


@pytest.mark.parametrize(("batch", "past", "seq"), [(2, 0, 3), (2, 4, 1), (1, 0, 1), (1, 3, 2)])
def test_onnxruntime_decoder_matches_pytorch(bundle: dict, batch: int, past: int, seq: int) -> None:
    lm = bundle["source"].causal_lm
    manifest = bundle["manifest"]["model"]
    layers, kv_heads, head_dim = manifest["layers"], manifest["kv_heads"], manifest["head_dim"]
    generator = torch.Generator().manual_seed(batch * 100 + past * 10 + seq)
    embeds = torch.randn(batch, seq, manifest["hidden_size"], generator=generator)
    mask = torch.ones(batch, past + seq, dtype=torch.long)
    if past >= 2:
        mask[0, :2] = 0  # a left-padded row: its padding is in the past columns
    positions = (mask.cumsum(dim=1) - 1).clamp(min=0)[:, past:]
    pasts = [torch.randn(batch, kv_heads, past, head_dim, generator=generator) for _ in range(2 * layers)]
    with torch.no_grad():
        expected = DecoderStep(lm)(embeds, mask, positions, *pasts)
    inputs, outputs = decoder_names(layers)
    got = session(bundle["out"] / "decoder.onnx").run(outputs, dict(zip(inputs, [t.numpy() for t in (embeds, mask, positions, *pasts)], strict=True)))
    for name, value, reference in zip(outputs, got, expected, strict=True):
        assert value.shape == tuple(reference.shape), name
        assert np.abs(value - reference.numpy()).max() <= 1e-4, name
    hidden_states = got[2]
    assert hidden_states.shape[0] == layers + 1
    assert np.array_equal(hidden_states[-1], got[1])  # the last row is after the final norm: last_hidden
    if manifest["family"] != "gpt2":  # row 0 is the input to the first block (gpt2 adds positions first)
        assert np.abs(hidden_states[0] - embeds.numpy()).max() <= 1e-6
    assert got[3].shape == (batch, kv_heads, past + seq, head_dim)


def test_lens_and_embeddings(bundle: dict) -> None:
    lm = bundle["source"].causal_lm
    hidden = torch.randn(5, bundle["manifest"]["model"]["hidden_size"], generator=torch.Generator().manual_seed(0)) * 3
    logits = session(bundle["out"] / "lens.onnx").run(["logits"], {"hidden": hidden.numpy()})[0]
    with torch.no_grad():
        expected = lm.get_output_embeddings()(final_norm(lm)(hidden))
    assert np.abs(logits - expected.numpy()).max() <= 1e-4
    weight = lm.get_input_embeddings().weight.detach().numpy()
    embeddings = bundle["manifest"]["embeddings"]
    stored = np.fromfile(bundle["out"] / embeddings["file"], dtype="<f4").reshape(embeddings["rows"], embeddings["dim"])
    assert np.array_equal(stored, weight)
    assert embeddings["rows"] == bundle["manifest"]["model"]["vocab_size"] == weight.shape[0]
    assert embeddings["mean_norm"] == pytest.approx(float(np.linalg.norm(weight, axis=1).mean()), rel=1e-5)


@pytest.mark.parametrize("family", ["gpt2", "llama"])
def test_transformers_hidden_states_follow_the_bundle_contract(family: str) -> None:
    """What export.py's docstring says transformers returns: layers+1 entries, entry i the output of
    block i, the last one after the final norm (so the exported rows need no reshuffling)."""
    lm = tiny_family_model(family, 40).eval()
    blocks = lm.base_model.h if family == "gpt2" else lm.base_model.layers
    outputs: list[torch.Tensor] = []
    hooks = [block.register_forward_hook(lambda _m, _i, out: outputs.append(out[0] if isinstance(out, tuple) else out)) for block in blocks]
    with torch.no_grad():
        result = lm.base_model(input_ids=torch.tensor([[1, 2, 3]]), output_hidden_states=True)
    for hook in hooks:
        hook.remove()
    states = result.hidden_states
    assert len(states) == len(blocks) + 1
    for i in range(1, len(blocks)):
        assert torch.equal(states[i], outputs[i - 1])
    assert torch.equal(states[-1], result.last_hidden_state)
    assert torch.allclose(states[-1], final_norm(lm)(outputs[-1]))


def test_onnx_thought_loop_reproduces_the_reference(gpt2_cli_export: dict) -> None:
    """The loop the inspector runs (one column per thought on the cached keys/values) in onnxruntime
    gives the engine's thoughts."""
    reference = reference_inspection(gpt2_cli_export["checkpoint"], QUESTION, 2)
    manifest = json.loads((gpt2_cli_export["out"] / "manifest.json").read_text())
    rows, dim = manifest["embeddings"]["rows"], manifest["embeddings"]["dim"]
    table = np.fromfile(gpt2_cli_export["out"] / "embeddings.f32", dtype="<f4").reshape(rows, dim)
    layers, heads, head_dim = manifest["model"]["layers"], manifest["model"]["kv_heads"], manifest["model"]["head_dim"]
    inputs, outputs = decoder_names(layers)
    decoder = session(gpt2_cli_export["out"] / "decoder.onnx")
    ids = reference["prompt_ids"]
    first = ids.index(manifest["special_tokens"]["thought"])
    past = [np.zeros((1, heads, 0, head_dim), np.float32) for _ in range(2 * layers)]
    fed, start, thoughts = table[ids[:first]], 0, []
    for _ in range(2):
        end = start + len(fed)
        feeds = {"inputs_embeds": fed[None], "attention_mask": np.ones((1, end), np.int64), "position_ids": np.arange(start, end)[None]}
        result = decoder.run(outputs, {**feeds, **dict(zip(inputs[3:], past, strict=True))})
        thoughts.append(result[1][0, -1])
        past, start, fed = result[3:], end, result[1][0, -1:]
    assert np.abs(np.array(thoughts) - np.array(reference["thought_vectors"])).max() <= 1e-4


# --- failures -------------------------------------------------------------------------------------


def test_failed_exports_leave_an_older_bundle_untouched(gpt2_cli_export: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "exports" / "best"
    out.mkdir(parents=True)
    for path in gpt2_cli_export["out"].iterdir():
        (out / path.name).write_bytes(path.read_bytes())
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    foreign = tmp_path / "foreign.pt"
    torch.save({"weight": torch.zeros(2)}, foreign)
    with pytest.raises(ExportError, match="not a Coconut Workbench checkpoint"):
        export_bundle(foreign, out)

    def broken_decoder(causal_lm: Any, path: Path) -> None:
        path.write_bytes(b"half a graph")
        raise RuntimeError("the exporter fell over")

    monkeypatch.setattr(export, "export_decoder", broken_decoder)
    with pytest.raises(RuntimeError, match="fell over"):
        export_bundle(gpt2_cli_export["checkpoint"], out)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert [path.name for path in out.parent.iterdir()] == ["best"]  # no temporary folder behind


def test_cli_errors_name_the_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.pt"
    assert main(["export", "--checkpoint", str(missing), "--out", str(tmp_path / "b"), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines()[-1] == f"error: checkpoint {missing.resolve()}: not found"
    assert [json.loads(line)["phase"] for line in captured.out.splitlines()] == ["load"]
    junk = tmp_path / "junk.pt"
    junk.write_text("not a checkpoint")
    assert main(["export", "--checkpoint", str(junk), "--out", str(tmp_path / "b")]) == 1
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith(f"error: checkpoint {junk.resolve()}: cannot read") and "config key" not in error
    assert not (tmp_path / "b").exists()


def test_unknown_family_is_refused_by_name(tmp_path: Path) -> None:
    from transformers import MistralConfig, MistralForCausalLM

    codec = build_word_level_codec(["Tom is a cat ."])
    lm = MistralForCausalLM(MistralConfig(vocab_size=codec.vocab_size, hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1))
    built = type("Built", (), {"causal_lm": lm, "codec": codec, "model_id": "tiny-mistral"})
    path = tmp_path / "mistral.pt"
    save_atomically(_payload(built, "coconut", 0, run_config(coconut=True)), path)
    with pytest.raises(ExportError, match="model family 'mistral' cannot be exported"):
        export_bundle(path, tmp_path / "bundle")
    assert list(tmp_path.iterdir()) == [path]


def test_fixed_axes_fail_the_export() -> None:
    def value(name: str, shape: list[Any]) -> onnx.ValueInfoProto:
        return onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, shape)

    inputs, outputs = decoder_names(1)
    shapes = {name: ["batch", "seq", 8] for name in [*inputs, *outputs]}
    shapes |= {name: ["batch", 2, "past", 4] for name in [*inputs[3:], *outputs[3:]]}
    shapes["hidden_states"] = [2, "batch", "seq", 8]
    shapes["past_value_0"] = [2, 2, "past", 4]  # batch fixed at the example's 2
    graph = onnx.helper.make_graph([], "decoder", [value(n, shapes[n]) for n in inputs], [value(n, shapes[n]) for n in outputs])
    with pytest.raises(ExportError, match="fixed axis 0 of 'past_value_0' to 2"):
        export.check_decoder_graph(onnx.helper.make_model(graph), 1)


def test_verification_refuses_differences_beyond_the_tolerance() -> None:
    export._compare("logits", np.zeros(3, np.float32), np.full(3, 5e-5, np.float32), "decoder.onnx")
    with pytest.raises(ExportError, match="decoder.onnx: onnxruntime's logits differ from PyTorch's by 0.0002"):
        export._compare("logits", np.zeros(3, np.float32), np.full(3, 2e-4, np.float32), "decoder.onnx")
    with pytest.raises(ExportError, match="not faithful"):
        export._compare("logits", np.full(3, np.nan, np.float32), np.zeros(3, np.float32), "decoder.onnx")


# --- the reference inspection ---------------------------------------------------------------------


def _assert_agree(cached: dict, uncached: dict, tolerance: float = 1e-5) -> None:
    assert cached["prompt_ids"] == uncached["prompt_ids"] and cached["generated_ids"] == uncached["generated_ids"]
    for key in ("thought_vectors", "thought_probs", "lens_probs", "eot_probs"):
        a, b = np.array(cached[key], dtype=np.float64), np.array(uncached[key], dtype=np.float64)
        assert a.shape == b.shape, key
        assert a.size == 0 or np.abs(a - b).max() <= tolerance, key


@pytest.mark.parametrize("thoughts", [0, 2, 3])
def test_reference_inspection_with_and_without_cache_agree(gpt2_checkpoint: Path, thoughts: int) -> None:
    cached = reference_inspection(gpt2_checkpoint, QUESTION, thoughts)
    uncached = reference_inspection(gpt2_checkpoint, QUESTION, thoughts, cache=False)
    _assert_agree(cached, uncached)
    source = load_source(gpt2_checkpoint)
    codec = source.codec
    assert cached["prompt_ids"] == codec.encode(QUESTION + "\n", add_special_tokens=True) + [codec.bot_id] + [codec.latent_id] * thoughts + [codec.eot_id]
    vocab, layers = codec.vocab_size, source.layers
    assert [len(vector) for vector in cached["thought_vectors"]] == [32] * thoughts
    assert np.array(cached["eot_probs"]).shape == (thoughts + 1, vocab)
    if thoughts:
        assert np.array(cached["lens_probs"]).shape == (thoughts, layers + 1, vocab)
        lens = np.array(cached["lens_probs"])
        assert np.abs(lens[:, -1] - np.array(cached["thought_probs"])).max() <= 1e-6
        assert np.allclose(lens.sum(axis=-1), 1.0, atol=1e-5)
    assert cached["generated_text"] == codec.decode(cached["generated_ids"]) and len(cached["generated_ids"]) <= 12


def test_reference_inspection_on_llama(family_exports: Callable[[str], dict[str, Any]]) -> None:
    checkpoint = family_exports("llama")["checkpoint"]
    question = make_records(1, seed=3)[0]["question"]
    cached = reference_inspection(checkpoint, question, 2, max_new_tokens=4)
    _assert_agree(cached, reference_inspection(checkpoint, question, 2, cache=False, max_new_tokens=4))
    assert np.array(cached["lens_probs"]).shape[:2] == (2, 3) and len(cached["generated_ids"]) <= 4


@pytest.mark.parametrize(("keys", "thoughts", "latents"), [({}, 2, 2), ({"pause_token": True}, 4, 4), ({"cot": True}, 0, 0)])
def test_reference_inspection_of_other_methods(tmp_path: Path, keys: dict, thoughts: int, latents: int) -> None:
    """Without feedback the thoughts are the hidden states before each ``<latent>`` (pause as
    thought, pause tokens); without markers there is no ``<eot>`` to force."""
    keys = {**keys, "c_thought": 2, "max_latent_stage": 2}
    built = build_model(config_from_dict({"train_path": "t.json", "val_path": "v.json", "offline_model": TINY_MODEL, **keys}), _records())
    path = tmp_path / "model.pt"
    save_atomically(_payload(built, config_from_dict({"train_path": "t", "val_path": "v", **keys}).method, 1, run_config(**keys)), path)
    cached = reference_inspection(path, QUESTION, thoughts, max_new_tokens=2)
    _assert_agree(cached, reference_inspection(path, QUESTION, thoughts, cache=False, max_new_tokens=2))
    assert len(cached["thought_vectors"]) == len(cached["lens_probs"]) == latents
    assert cached["prompt_ids"].count(built.codec.latent_id) == latents
    markers = not keys.get("pause_token") and not keys.get("cot")
    assert len(cached["eot_probs"]) == (thoughts + 1 if markers else 0)
    if not markers:  # the inspector's rule: pause_token reads its own pause tokens, cot none
        with pytest.raises(EngineError, match="--thoughts"):
            reference_inspection(path, QUESTION, thoughts + 1)


def test_inspect_reference_command_prints_one_json_object(gpt2_checkpoint: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["inspect-reference", "--checkpoint", str(gpt2_checkpoint), "--question", QUESTION, "--thoughts", "1", "--max-new-tokens", "3"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"prompt_ids", "thought_vectors", "thought_probs", "lens_probs", "eot_probs", "generated_ids", "generated_text"}
    assert len(result["thought_vectors"]) == 1 and len(result["eot_probs"]) == 2 and len(result["generated_ids"]) <= 3
    assert main([*argv, "--no-cache"]) == 0
    _assert_agree(result, json.loads(capsys.readouterr().out))
    assert main(["inspect-reference", "--checkpoint", str(gpt2_checkpoint.parent / "none.pt"), "--question", "x", "--thoughts", "1"]) == 1
    assert "error: checkpoint" in capsys.readouterr().err


# --- helpers --------------------------------------------------------------------------------------


def _records() -> list:
    from coconut_engine.data import Record

    return [Record(i, r["question"], tuple(r["steps"]), r["answer"]) for i, r in enumerate(make_records(8, seed=4))]


def _payload(built: Any, method: str, stage: int, config: dict[str, Any]) -> dict[str, Any]:
    return make_payload(
        state_dict=built.causal_lm.state_dict(), model_id=built.model_id, model_config=built.causal_lm.config.to_dict(),
        tokenizer_json=built.codec.to_json(), tokenizer_meta=built.codec.metadata(), method=method, epoch=stage + 1, stage=stage,
        optimizer_state=None, accuracy=0.5, run_config=config, engine_version="test",
    )  # fmt: skip

