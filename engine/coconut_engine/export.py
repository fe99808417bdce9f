"""Export a trained checkpoint to the thought inspector's ONNX bundle (src/common/inspector.ts).

The bundle is a folder the workbench runs with onnxruntime, without PyTorch:

    manifest.json   what the inspector needs to know (``BundleManifestSchema``), written last
    decoder.onnx    one decoder step: new columns' embeddings + the earlier columns' keys/values →
                    logits, the last hidden state, every layer's hidden state, the new keys/values
    lens.onnx       final norm + LM head, for the logit lens
    embeddings.f32  the input-embedding matrix (little-endian float32, row-major)
    tokenizer.json  the run's tokenizer

The decoder takes embeddings rather than token ids because a continuous thought *is* an embedding:
the inspector looks up token rows in ``embeddings.f32`` itself and feeds thoughts back as they
come. Batch, sequence and past lengths stay symbolic in the graph (checked after export), so one
file serves the first pass (no past), one-column thought and decoding steps, and batches.

``hidden_states`` as transformers 5.24 returns it (checked for gpt2, llama and qwen2 with hooks on
the blocks): a tuple of layers+1 tensors; entry 0 is the input to the first block (gpt2: token +
position embeddings; llama/qwen2: the token embeddings), entry i (1 ≤ i < layers) the output of
block i, and the last entry is *after the final norm* (it replaces the last block's raw output and
equals ``last_hidden_state``). That is the bundle's contract already; the decoder still puts
``last_hidden_state`` in the last row itself, so the contract holds even if a transformers version
returned the raw output there.

Everything is written into a hidden folder beside the destination and renamed into place at the
end, so a reader sees the old bundle or the new one, never half of one, and a failed export
leaves an older bundle as it was.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn
from transformers import DynamicCache, PreTrainedModel

from . import __version__
from .build import embedding_matrix, max_positions, model_from_checkpoint
from .checkpoint import load_checkpoint
from .config import RunConfig, config_from_dict
from .curriculum import Curriculum
from .errors import ConfigError, EngineError, os_error_in, storage_reason
from .methods import METHODS
from .tokenizer import TextCodec

if TYPE_CHECKING:
    import onnx

BUNDLE_FORMAT = "coconut-workbench-onnx-bundle"
BUNDLE_VERSION = 1
BUNDLE_FILES = {
    "manifest": "manifest.json",
    "decoder": "decoder.onnx",
    "lens": "lens.onnx",
    "embeddings": "embeddings.f32",
    "tokenizer": "tokenizer.json",
}

# DECODER_IO of src/common/inspector.ts; past/present names are these plus the layer index.
INPUT_EMBEDS, INPUT_MASK, INPUT_POSITIONS = "inputs_embeds", "attention_mask", "position_ids"
PAST_KEY, PAST_VALUE = "past_key_", "past_value_"
OUTPUT_LOGITS, OUTPUT_LAST_HIDDEN, OUTPUT_HIDDEN_STATES = "logits", "last_hidden", "hidden_states"
PRESENT_KEY, PRESENT_VALUE = "present_key_", "present_value_"
LENS_INPUT, LENS_OUTPUT = "hidden", "logits"

PHASES = ("load", "decoder", "lens", "embeddings", "tokenizer", "verify")

# The final norm of each family the workbench supports, as an attribute of ``base_model``.
FINAL_NORMS = {"gpt2": "ln_f", "llama": "norm", "qwen2": "norm"}

# Example sizes the graph is traced with: all different and ≥ 2, so that torch.export neither
# specialises a dimension to 0/1 nor mistakes two of them for one.
TRACE_BATCH, TRACE_SEQ, TRACE_PAST = 2, 3, 5

# onnxruntime against PyTorch, on logits: 1e-4, scaled up for models whose logits exceed 1 in
# magnitude (float32 sums in another order differ relative to the values).
VERIFY_TOLERANCE = 1e-4
VERIFY_PROMPT_LENGTH = 6

# "A question with enough steps": the curriculum's eval thought count is capped by a record's
# steps only when the record has fewer than the stage asks for.
ENOUGH_STEPS = 1_000_000

Progress = Callable[[str, int, int], None]


class ExportError(EngineError):
    """The checkpoint cannot be exported, or the exported graph is not faithful."""


@dataclass
class ExportSource:
    """A checkpoint and what it rebuilds into: the model (float32, eval mode), its tokenizer, the
    run config it was trained with and that run's curriculum."""

    path: Path
    checkpoint: dict[str, Any]
    causal_lm: PreTrainedModel
    codec: TextCodec
    config: RunConfig
    curriculum: Curriculum

    @property
    def method(self) -> str:
        return str(self.checkpoint["method"])

    @property
    def family(self) -> str:
        return str(self.causal_lm.config.model_type)

    @property
    def layers(self) -> int:
        return int(self.causal_lm.config.num_hidden_layers)

    @property
    def stage(self) -> int:
        return max(int(self.checkpoint.get("stage") or 0), 0)


# --- loading --------------------------------------------------------------------------------------


def load_source(path: str | Path) -> ExportSource:
    """Rebuild a checkpoint for export; every problem is an ExportError naming the file."""
    path = Path(path)
    shown = f"checkpoint {path.resolve()}"
    if path.is_dir():
        raise ExportError(f"{shown} is a directory; give a checkpoint file such as checkpoints/best.pt", where=str(path))
    if not path.exists():
        raise ExportError(f"{shown}: not found", where=str(path))
    try:
        checkpoint = load_checkpoint(path)
    except ConfigError as error:
        # load_checkpoint phrases its errors for training's config key; say which file instead.
        reason = error.message.removeprefix("config key 'load_model_path': ").replace(f"{path.resolve()} ", "").removeprefix("is ")
        raise ExportError(f"{shown}: {reason}", where=str(path)) from None
    try:
        causal_lm, codec = model_from_checkpoint(checkpoint, shown, where=str(path))
    except (KeyError, TypeError, ValueError) as error:
        raise ExportError(f"{shown}: cannot rebuild its model: {error}", where=str(path)) from None
    family = causal_lm.config.model_type
    if family not in FINAL_NORMS:
        supported = ", ".join(sorted(FINAL_NORMS))
        raise ExportError(f"{shown}: model family '{family}' cannot be exported (supported: {supported})", where=str(path))
    try:
        config = config_from_dict(checkpoint.get("run_config") or {})
    except ConfigError as error:
        raise ExportError(f"{shown}: its saved run config is not valid: {error.message}", where=str(path)) from None
    # The checkpoint's own method is the one its weights were trained for.
    method = checkpoint.get("method")
    if method not in METHODS:
        raise ExportError(f"{shown}: its method {method!r} is not one of {', '.join(METHODS)}", where=str(path))
    curriculum = Curriculum.from_config(config, codec, method=method)
    causal_lm = causal_lm.float().eval()
    return ExportSource(path, checkpoint, causal_lm, codec, config, curriculum)


def final_norm(causal_lm: PreTrainedModel) -> nn.Module:
    """The norm between the last block and the LM head (gpt2 ``ln_f``; llama, qwen2 ``norm``)."""
    family = causal_lm.config.model_type
    if family not in FINAL_NORMS:
        raise ExportError(f"model family '{family}' has no known final norm (supported: {', '.join(sorted(FINAL_NORMS))})")
    return getattr(causal_lm.base_model, FINAL_NORMS[family])


def attention_shape(causal_lm: PreTrainedModel) -> tuple[int, int]:
    """(key/value heads, head size) of the cache tensors."""
    config = causal_lm.config
    if config.model_type == "gpt2":
        return int(config.n_head), int(config.n_embd // config.n_head)
    heads = int(config.num_attention_heads)
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    return int(kv_heads), int(head_dim)


# --- the graphs -----------------------------------------------------------------------------------


class DecoderStep(nn.Module):
    """One decoder call with the cache as flat tensors, as decoder.onnx runs it: ``past_key_0,
    past_value_0, past_key_1, …`` in, the grown keys/values out, plus every layer's hidden state."""

    def __init__(self, causal_lm: PreTrainedModel) -> None:
        super().__init__()
        self.causal_lm = causal_lm
        self.layers = int(causal_lm.config.num_hidden_layers)

    def forward(
        self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor, position_ids: torch.Tensor, *past: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        cache = DynamicCache(list(zip(past[0::2], past[1::2], strict=True)), config=self.causal_lm.config)
        out = self.causal_lm.base_model(
            inputs_embeds=inputs_embeds,
            attention_mask=attention_mask,
            position_ids=position_ids,
            cache=cache,
            use_cache=True,
            output_hidden_states=True,
        )
        last_hidden = out.last_hidden_state
        if len(out.hidden_states) != self.layers + 1:
            raise ExportError(f"the model returned {len(out.hidden_states)} hidden states for {self.layers} layers (expected layers + 1)")
        # Rows 0..layers-1 before the final norm, the last row after it (see the module docstring).
        hidden_states = torch.stack([*out.hidden_states[: self.layers], last_hidden])
        logits = self.causal_lm.get_output_embeddings()(last_hidden)
        # The exported families' caches are attention layers (keys, values), never linear attention.
        presents = [tensor for layer in cache.layers[: self.layers] for tensor in (layer.keys, layer.values)]  # type: ignore[union-attr]
        return (logits, last_hidden, hidden_states, *presents)


class LogitLens(nn.Module):
    """``hidden`` [n, d] → ``logits`` [n, vocab]: what the model would say if it stopped there."""

    def __init__(self, causal_lm: PreTrainedModel) -> None:
        super().__init__()
        self.norm = final_norm(causal_lm)
        self.head = causal_lm.get_output_embeddings()

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.head(self.norm(hidden))


def decoder_names(layers: int) -> tuple[list[str], list[str]]:
    """(input names, output names) of decoder.onnx, in the order of DecoderStep's arguments/results."""
    pasts = [f"{prefix}{i}" for i in range(layers) for prefix in (PAST_KEY, PAST_VALUE)]
    presents = [f"{prefix}{i}" for i in range(layers) for prefix in (PRESENT_KEY, PRESENT_VALUE)]
    return [INPUT_EMBEDS, INPUT_MASK, INPUT_POSITIONS, *pasts], [OUTPUT_LOGITS, OUTPUT_LAST_HIDDEN, OUTPUT_HIDDEN_STATES, *presents]


def _dynamic_axes(name: str) -> tuple[int, ...]:
    """The axes of a decoder input or output that must stay symbolic."""
    if name.startswith((PAST_KEY, PAST_VALUE, PRESENT_KEY, PRESENT_VALUE)):
        return (0, 2)  # batch, length
    if name == OUTPUT_HIDDEN_STATES:
        return (1, 2)  # batch, seq (axis 0 is layers + 1)
    return (0, 1)  # batch, seq (the mask: batch, past + seq)


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """The exporter warns about things that do not concern a user (torchvision missing, axis
    names merged); keep stderr for the export's own progress and errors."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def export_decoder(causal_lm: PreTrainedModel, path: Path) -> None:
    import onnx

    layers = int(causal_lm.config.num_hidden_layers)
    kv_heads, head_dim = attention_shape(causal_lm)
    width = int(causal_lm.config.hidden_size)
    batch, seq, past = torch.export.Dim("batch"), torch.export.Dim("seq"), torch.export.Dim("past", min=0)
    example = (
        torch.randn(TRACE_BATCH, TRACE_SEQ, width),
        torch.ones(TRACE_BATCH, TRACE_PAST + TRACE_SEQ, dtype=torch.long),
        torch.arange(TRACE_PAST, TRACE_PAST + TRACE_SEQ).repeat(TRACE_BATCH, 1),
        *(torch.randn(TRACE_BATCH, kv_heads, TRACE_PAST, head_dim) for _ in range(2 * layers)),
    )
    dynamic_shapes = {
        "inputs_embeds": {0: batch, 1: seq},
        # past + seq: torch.export takes no sums of dimensions here, so the mask's length is free.
        "attention_mask": {0: batch, 1: torch.export.Dim.DYNAMIC},
        "position_ids": {0: batch, 1: seq},
        "past": tuple({0: batch, 2: past} for _ in range(2 * layers)),
    }
    inputs, outputs = decoder_names(layers)
    with _quiet_exporter():
        torch.onnx.export(
            DecoderStep(causal_lm).eval(),
            example,
            str(path),
            input_names=inputs,
            output_names=outputs,
            dynamic_shapes=dynamic_shapes,
            dynamo=True,
            external_data=False,
            verbose=False,
        )
    model = onnx.load(str(path))
    check_decoder_graph(model, layers)
    # The mask's free length gets a generated name (s53); give it the one the contract uses.
    mask = next(value for value in model.graph.input if value.name == INPUT_MASK)
    mask.type.tensor_type.shape.dim[1].dim_param = "past + seq"
    onnx.save(model, str(path))


def check_decoder_graph(model: onnx.ModelProto, layers: int) -> None:
    """The exported decoder has the contract's names, and batch, sequence and past lengths are
    symbolic (a dimension the exporter fixed would make the graph refuse other sizes)."""
    inputs, outputs = decoder_names(layers)
    found = {value.name: value for value in [*model.graph.input, *model.graph.output]}
    missing = [name for name in [*inputs, *outputs] if name not in found]
    if missing:
        raise ExportError(f"{BUNDLE_FILES['decoder']}: the exported graph lacks {', '.join(missing[:4])}")
    for name in [*inputs, *outputs]:
        dims = found[name].type.tensor_type.shape.dim
        for axis in _dynamic_axes(name):
            if axis >= len(dims) or not dims[axis].dim_param:
                size = dims[axis].dim_value if axis < len(dims) else "missing"
                raise ExportError(
                    f"{BUNDLE_FILES['decoder']}: the exporter fixed axis {axis} of '{name}' to {size}; "
                    "batch, sequence and past lengths must stay dynamic"
                )


def export_lens(causal_lm: PreTrainedModel, path: Path) -> None:
    import onnx

    width = int(causal_lm.config.hidden_size)
    with _quiet_exporter():
        torch.onnx.export(
            LogitLens(causal_lm).eval(),
            (torch.randn(TRACE_SEQ, width),),
            str(path),
            input_names=[LENS_INPUT],
            output_names=[LENS_OUTPUT],
            dynamic_shapes={"hidden": {0: torch.export.Dim("n")}},
            dynamo=True,
            external_data=False,
            verbose=False,
        )
    model = onnx.load(str(path))
    for value in [*model.graph.input, *model.graph.output]:
        if not value.type.tensor_type.shape.dim[0].dim_param:
            raise ExportError(f"{BUNDLE_FILES['lens']}: the exporter fixed the row count of '{value.name}'; it must stay dynamic")


# --- the other files ------------------------------------------------------------------------------


def write_embeddings(causal_lm: PreTrainedModel, path: Path) -> dict[str, Any]:
    """The input-embedding matrix as raw float32; returns the manifest's ``embeddings`` object."""
    matrix = embedding_matrix(causal_lm).detach().float().cpu()
    matrix.numpy().astype("<f4", copy=False).tofile(path)
    rows, dim = matrix.shape
    return {"file": path.name, "rows": int(rows), "dim": int(dim), "mean_norm": float(matrix.norm(dim=1).mean())}


def stage_thoughts(source: ExportSource) -> list[dict[str, int]]:
    """The thoughts each stage 0..(the checkpoint's) uses at evaluation, for a question with
    enough steps (curriculum.eval_prompt's rule: only methods with markers have thoughts)."""
    curriculum = source.curriculum
    return [
        {"stage": stage, "thoughts": curriculum.eval_thoughts(stage, ENOUGH_STEPS) if curriculum.uses_markers else 0}
        for stage in range(source.stage + 1)
    ]


def build_manifest(source: ExportSource, embeddings: dict[str, Any], *, label: str, run_id: str | None, run_dir: str | None) -> dict[str, Any]:
    causal_lm, codec, config, checkpoint = source.causal_lm, source.codec, source.config, source.checkpoint
    kv_heads, head_dim = attention_shape(causal_lm)
    stages = stage_thoughts(source)
    stat = source.path.stat()
    accuracy = checkpoint.get("accuracy")
    return {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "engine_version": __version__,
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "dtype": "float32",
        "model": {
            "family": source.family,
            "id": str(checkpoint["model_id"]),
            "layers": source.layers,
            "hidden_size": int(causal_lm.config.hidden_size),
            "kv_heads": kv_heads,
            "head_dim": head_dim,
            "vocab_size": embeddings["rows"],
            "max_positions": max_positions(causal_lm),
        },
        "embeddings": embeddings,
        "files": {"decoder": BUNDLE_FILES["decoder"], "lens": BUNDLE_FILES["lens"], "tokenizer": BUNDLE_FILES["tokenizer"]},
        "tokenizer": {"word_level": codec.word_level, "names": asdict(codec.names)},
        "special_tokens": {"bot": codec.bot_id, "thought": codec.latent_id, "eot": codec.eot_id, "eos": codec.eos_id, "pad": codec.pad_id},
        "method": source.method,
        "feedback": source.curriculum.feeds_back_thoughts,
        "markers": source.curriculum.uses_markers,
        "c_thought": config.c_thought,
        "max_latent_stage": config.max_latent_stage,
        "pad_latent_to_max": config.pad_latent_to_max,
        "stages": stages,
        "pause_tokens": source.curriculum.pause_tokens,
        "default_thoughts": stages[-1]["thoughts"],
        # A frontier-supervised model names a node after <eot> before its last stage: the inspector
        # scores node names, not written steps, for such a bundle.
        "frontier_supervision": bool(config.frontier_supervision),
        "max_new_tokens": config.max_new_tokens,
        "source": {
            "run_id": run_id,
            "run_dir": run_dir,
            "checkpoint": label,
            # Absolute but with symlinks kept, as Node's path.resolve gives it (the staleness check).
            "checkpoint_path": os.path.abspath(source.path),
            "checkpoint_bytes": stat.st_size,
            "checkpoint_mtime_ms": stat.st_mtime_ns / 1e6,
            "epoch": int(checkpoint.get("epoch") or 0),
            "stage": source.stage,
            "accuracy": None if accuracy is None else float(accuracy),
        },
    }


# --- verification ---------------------------------------------------------------------------------


def verify_bundle(causal_lm: PreTrainedModel, folder: Path) -> None:
    """Run the exported graphs in onnxruntime and compare them with PyTorch: the decoder on a
    short prompt in two passes (no past, then one column on the first pass's keys/values), and
    the lens on the first pass's layer outputs."""
    import onnxruntime

    layers = int(causal_lm.config.num_hidden_layers)
    inputs, outputs = decoder_names(layers)
    kv_heads, head_dim = attention_shape(causal_lm)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    decoder = onnxruntime.InferenceSession(str(folder / BUNDLE_FILES["decoder"]), options, providers=["CPUExecutionProvider"])
    lens = onnxruntime.InferenceSession(str(folder / BUNDLE_FILES["lens"]), options, providers=["CPUExecutionProvider"])

    rows = embedding_matrix(causal_lm).shape[0]
    ids = torch.linspace(0, rows - 1, VERIFY_PROMPT_LENGTH).round().long()[None]
    with torch.no_grad():
        embeds = causal_lm.get_input_embeddings()(ids)
        empty = [torch.zeros(1, kv_heads, 0, head_dim) for _ in range(2 * layers)]
        expected = DecoderStep(causal_lm)(embeds, torch.ones_like(ids), torch.arange(ids.shape[1])[None], *empty)

    def run(first: int, end: int, past: list[np.ndarray]) -> list[np.ndarray]:
        feeds = {
            INPUT_EMBEDS: embeds[:, first:end].numpy(),
            INPUT_MASK: np.ones((1, end), dtype=np.int64),
            INPUT_POSITIONS: np.arange(first, end, dtype=np.int64)[None],
            **dict(zip(inputs[3:], past, strict=True)),
        }
        return decoder.run(outputs, feeds)

    split = VERIFY_PROMPT_LENGTH - 1
    first_pass = run(0, split, [tensor.numpy() for tensor in empty])
    second_pass = run(split, VERIFY_PROMPT_LENGTH, first_pass[3:])
    logits = np.concatenate([first_pass[0], second_pass[0]], axis=1)
    _compare("decoder logits", logits, expected[0].numpy(), BUNDLE_FILES["decoder"])
    _compare("decoder hidden states", first_pass[2], expected[2][:, :, :split].numpy(), BUNDLE_FILES["decoder"])
    for index, present in enumerate(second_pass[3:]):
        if present.shape != (1, kv_heads, VERIFY_PROMPT_LENGTH, head_dim):
            raise ExportError(f"{BUNDLE_FILES['decoder']}: {outputs[3 + index]} has shape {present.shape}, expected {(1, kv_heads, VERIFY_PROMPT_LENGTH, head_dim)}")

    hidden = expected[2][:layers, 0].reshape(-1, embeds.shape[-1])
    with torch.no_grad():
        lens_expected = LogitLens(causal_lm)(hidden).numpy()
    _compare("lens logits", lens.run([LENS_OUTPUT], {LENS_INPUT: hidden.numpy()})[0], lens_expected, BUNDLE_FILES["lens"])


def _compare(what: str, got: np.ndarray, expected: np.ndarray, file: str) -> None:
    if got.shape != expected.shape:
        raise ExportError(f"{file}: onnxruntime's {what} have shape {got.shape}, PyTorch's {expected.shape}")
    tolerance = VERIFY_TOLERANCE * max(1.0, float(np.abs(expected).max()))
    difference = float(np.abs(got - expected).max())
    if not difference <= tolerance:  # also catches NaN
        raise ExportError(f"{file}: onnxruntime's {what} differ from PyTorch's by {difference:.3g} (tolerance {tolerance:.3g}); the exported graph is not faithful")


# --- the bundle -----------------------------------------------------------------------------------


def export_bundle(
    checkpoint_path: str | Path,
    out_dir: str | Path,
    *,
    label: str = "best",
    run_id: str | None = None,
    run_dir: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write the bundle of ``checkpoint_path`` to ``out_dir`` (replacing an older one there) and
    return its manifest. ``progress(phase, index, total)`` is called as each phase starts, index
    counting from 1."""
    report = progress or (lambda phase, index, total: None)
    steps = iter(enumerate(PHASES, start=1))

    def phase() -> None:
        index, name = next(steps)
        report(name, index, len(PHASES))

    phase()  # load
    source = load_source(checkpoint_path)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"{out_dir.resolve()} exists and is not a folder; give a folder for the bundle", where=str(out_dir))
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    except OSError as error:
        raise ExportError(f"cannot write beside {out_dir.resolve()}: {error.strerror or error}", where=str(out_dir)) from None
    shown = _shown_folder(out_dir, run_dir)
    try:
        phase()
        with _writing(f"{shown}/{BUNDLE_FILES['decoder']}"):
            export_decoder(source.causal_lm, staging / BUNDLE_FILES["decoder"])
        phase()
        with _writing(f"{shown}/{BUNDLE_FILES['lens']}"):
            export_lens(source.causal_lm, staging / BUNDLE_FILES["lens"])
        phase()
        with _writing(f"{shown}/{BUNDLE_FILES['embeddings']}"):
            embeddings = write_embeddings(source.causal_lm, staging / BUNDLE_FILES["embeddings"])
        phase()
        with _writing(f"{shown}/{BUNDLE_FILES['tokenizer']}"):
            (staging / BUNDLE_FILES["tokenizer"]).write_text(source.codec.to_json(), encoding="utf-8")
        phase()
        verify_bundle(source.causal_lm, staging)
        manifest = build_manifest(source, embeddings, label=label, run_id=run_id, run_dir=run_dir)
        with _writing(f"{shown}/{BUNDLE_FILES['manifest']}"):
            (staging / BUNDLE_FILES["manifest"]).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        with _writing(shown):
            _move_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _shown_folder(out_dir: Path, run_dir: str | None) -> str:
    """The bundle folder as messages name it: relative to the run folder when it is inside it
    (``exports/best``), else as given."""
    if run_dir is not None:
        with contextlib.suppress(ValueError, OSError):
            return out_dir.resolve().relative_to(Path(run_dir).resolve()).as_posix()
    return str(out_dir)


@contextlib.contextmanager
def _writing(shown: str) -> Iterator[None]:
    """A write the storage refuses (disk full, quota, permissions, I/O), raised by us or inside
    the ONNX exporter, becomes one ExportError naming the bundle file; anything else goes on."""
    try:
        yield
    except EngineError:
        raise
    except Exception as error:
        cause = os_error_in(error)
        if cause is None:
            raise
        raise ExportError(f"{storage_reason(cause)} writing {shown}", where=shown) from error


def _move_into_place(staging: Path, out_dir: Path) -> None:
    """Rename the finished folder to ``out_dir``; an older bundle there is moved aside first and
    deleted only once the new one is in place (put back if the rename fails)."""
    os.chmod(staging, 0o755)  # mkdtemp makes it owner-only; a bundle is an ordinary folder
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent))
    os.replace(out_dir, retired)  # onto an empty folder: allowed
    try:
        os.replace(staging, out_dir)
    except BaseException:
        os.replace(retired, out_dir)
        raise
    shutil.rmtree(retired, ignore_errors=True)
