"""Building the model and tokenizer a run starts from, without any hub access.

Three sources, in this order of precedence:
1. ``load_model_path``: a checkpoint of this engine (architecture, weights and tokenizer inside);
2. ``model_id: offline-gpt2``: a small GPT-2 from ``offline_model`` and a word-level tokenizer
   built from the training set;
3. any other ``model_id``: a transformers model and tokenizer from a local directory (the engine
   runs with ``HF_HUB_OFFLINE=1``; a missing local copy is a config error, never a download).

New marker tokens (``<bot>``, ``<eot>``, ``<latent>``) start as a copy of an existing token's
embedding (and LM-head row when it is not tied), as in the reference: it copies ``<<``, a rare
punctuation token of GPT-2's vocabulary, so the markers start with a trained embedding's scale
but little meaning. Word-level equivalent: ``.``, the punctuation word every ProsQA sentence ends
with; the rule is "``<<`` if the vocabulary has it, else ``.``, else eos". When a method with
markers starts from a checkpoint trained without them (Coconut from a CoT run), the markers are
re-initialised this way, just as the reference adds them to the CoT model at that point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    GPT2Config,
    GPT2LMHeadModel,
    PreTrainedModel,
)

from .checkpoint import load_checkpoint
from .config import OFFLINE_MODEL_ID, OfflineModelConfig, RunConfig
from .data import Record
from .errors import ConfigError
from .frontier import vocabulary_texts
from .methods import has_markers
from .tokenizer import (
    BOT,
    EOT,
    LATENT,
    SpecialTokenNames,
    TextCodec,
    build_word_level_codec,
    word_level_texts,
)

MARKER_SEED_TOKENS: tuple[str, ...] = ("<<", ".")

# The offline GPT-2 trains without dropout: it is small, trained for minutes on generated data,
# and dropout only slows it down there. (Pretrained models keep their own settings.)
OFFLINE_DROPOUT = 0.0


@dataclass
class BuiltModel:
    causal_lm: PreTrainedModel
    codec: TextCodec
    model_id: str
    source: str  # "offline", "local", or "checkpoint"
    checkpoint: dict | None  # the loaded checkpoint, if any (optimizer state, epoch, ...)
    notes: list[str]  # things worth telling the user (become `log` events)


def embedding_matrix(causal_lm: PreTrainedModel) -> torch.Tensor:
    """The input-embedding matrix [vocab, d]. (``nn.Module`` attributes are typed ``Tensor | Module``;
    this names the one that is a tensor.)"""
    weight = causal_lm.get_input_embeddings().weight
    assert isinstance(weight, torch.Tensor)
    return weight


def build_model(config: RunConfig, train_records: Sequence[Record] | None) -> BuiltModel:
    if config.load_model_path is not None:
        return _from_checkpoint(config)
    if config.model_source == OFFLINE_MODEL_ID:
        return _offline(config, train_records)
    return _from_local_pretrained(config)


def _offline(config: RunConfig, train_records: Sequence[Record] | None) -> BuiltModel:
    if not train_records:
        raise ConfigError("the offline model builds its vocabulary from the training set, which is empty", where="train_path")
    # Frontier targets are node names, which edge tokens ("3_7") alone would leave out of the vocabulary.
    node_names = vocabulary_texts(train_records) if config.frontier_supervision else []
    codec = build_word_level_codec(word_level_texts(train_records) + node_names)
    size = config.offline_model
    causal_lm = offline_gpt2(codec, size)
    seed = initialise_marker_embeddings(causal_lm, codec)
    notes = [f"built {OFFLINE_MODEL_ID} ({size.n_layer} layers, {size.n_embd} wide) with a {codec.vocab_size}-token word-level vocabulary; markers copy '{seed}'"]
    return BuiltModel(causal_lm, codec, OFFLINE_MODEL_ID, "offline", None, notes)


def offline_gpt2(codec: TextCodec, size: OfflineModelConfig) -> GPT2LMHeadModel:
    """A randomly initialised GPT-2 of ``size`` over ``codec``'s vocabulary, without dropout."""
    return GPT2LMHeadModel(
        GPT2Config(
            vocab_size=codec.vocab_size,
            n_positions=size.n_positions,
            n_embd=size.n_embd,
            n_layer=size.n_layer,
            n_head=size.n_head,
            bos_token_id=codec.eos_id,
            eos_token_id=codec.eos_id,
            pad_token_id=codec.pad_id,
            resid_pdrop=OFFLINE_DROPOUT,
            embd_pdrop=OFFLINE_DROPOUT,
            attn_pdrop=OFFLINE_DROPOUT,
        )
    )


def _from_local_pretrained(config: RunConfig) -> BuiltModel:
    from transformers import AutoTokenizer

    # __main__ sets HF_HUB_OFFLINE=1 before transformers is imported: only local copies load.
    model_id = config.model_source
    try:
        hf_tokenizer = AutoTokenizer.from_pretrained(model_id)
        causal_lm = AutoModelForCausalLM.from_pretrained(model_id)
    except (OSError, ValueError) as error:
        key = "local_path" if config.local else "model_id"
        raise ConfigError(
            f"config key '{key}': no local copy of '{model_id}' could be loaded (the engine never downloads; "
            f"give the path of a model saved with save_pretrained, or use '{OFFLINE_MODEL_ID}'): {error}".split("\n")[0],
            where=key,
        ) from None
    backend = getattr(hf_tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ConfigError(f"config key 'model_id': '{model_id}' has no fast (tokenizers) tokenizer", where="model_id")
    if hf_tokenizer.eos_token is None:
        raise ConfigError(f"config key 'model_id': the tokenizer of '{model_id}' has no eos token", where="model_id")
    # As in the reference: markers are added as ordinary tokens, and eos doubles as padding.
    hf_tokenizer.add_tokens([BOT, EOT, LATENT])
    names = SpecialTokenNames(eos=hf_tokenizer.eos_token, pad=hf_tokenizer.pad_token or hf_tokenizer.eos_token)
    codec = TextCodec(hf_tokenizer.backend_tokenizer, names, word_level=False)
    if embedding_matrix(causal_lm).shape[0] < codec.vocab_size:
        causal_lm.resize_token_embeddings(codec.vocab_size)
    seed = initialise_marker_embeddings(causal_lm, codec)
    return BuiltModel(causal_lm, codec, model_id, "local", None, [f"loaded {model_id} from a local copy; markers copy '{seed}'"])


def _from_checkpoint(config: RunConfig) -> BuiltModel:
    assert config.load_model_path is not None
    checkpoint = load_checkpoint(config.load_model_path)
    causal_lm, codec = model_from_checkpoint(checkpoint, "config key 'load_model_path'", where="load_model_path")
    notes = [f"loaded {config.load_model_path} ({checkpoint['method']}, {checkpoint['epoch']} epochs)"]
    if checkpoint["model_id"] != config.model_id:
        notes.append(f"the checkpoint's model ({checkpoint['model_id']}) is used; model_id '{config.model_id}' is ignored")
    if has_markers(config.method) and not has_markers(checkpoint["method"]):
        seed = initialise_marker_embeddings(causal_lm, codec)
        notes.append(f"the checkpoint was trained without thought markers: their embeddings start as a copy of '{seed}'")
    return BuiltModel(causal_lm, codec, checkpoint["model_id"], "checkpoint", checkpoint, notes)


def model_from_checkpoint(checkpoint: dict, context: str, where: str) -> tuple[PreTrainedModel, TextCodec]:
    """The model and tokenizer a loaded checkpoint holds, the architecture rebuilt from its saved
    config (no hub). Shared by training (``load_model_path``) and the ONNX export, which name the
    checkpoint differently in their errors: ``context`` starts the message, ``where`` locates it."""
    model_config = AutoConfig.for_model(**checkpoint["model_config"])
    causal_lm = AutoModelForCausalLM.from_config(model_config)
    missing, unexpected = causal_lm.load_state_dict(checkpoint["state_dict"], strict=False)
    # Tied LM heads may be saved once; anything else missing means the checkpoint does not fit.
    missing = [name for name in missing if not _is_tied_copy(causal_lm, name)]
    if missing or unexpected:
        raise ConfigError(
            f"{context}: weights do not fit the saved architecture (missing {missing[:3]}, unexpected {unexpected[:3]})",
            where=where,
        )
    codec = TextCodec.from_saved(checkpoint["tokenizer_json"], checkpoint["tokenizer_meta"])
    return causal_lm, codec


def _is_tied_copy(causal_lm: PreTrainedModel, name: str) -> bool:
    """True for the LM head's weight when it is tied to the input embeddings."""
    head = causal_lm.get_output_embeddings()
    if head is None or head.weight is not embedding_matrix(causal_lm):
        return False
    return dict(causal_lm.named_parameters(remove_duplicate=False)).get(name) is head.weight


def initialise_marker_embeddings(causal_lm: PreTrainedModel, codec: TextCodec) -> str:
    """Copy the seed token's embedding (and untied LM-head row) into the three markers; returns
    the seed token's spelling."""
    seed_name = next((token for token in MARKER_SEED_TOKENS if codec.tokenizer.token_to_id(token) is not None), codec.names.eos)
    seed_id = codec.tokenizer.token_to_id(seed_name)
    embeddings = embedding_matrix(causal_lm)
    head = causal_lm.get_output_embeddings()
    with torch.no_grad():
        for token_id in (codec.bot_id, codec.eot_id, codec.latent_id):
            embeddings[token_id] = embeddings[seed_id]
            if head is not None and head.weight is not embeddings:
                head.weight[token_id] = head.weight[seed_id]
    return seed_name


def describe_model(causal_lm: PreTrainedModel, model_id: str, codec: TextCodec) -> dict[str, object]:
    """The ``model`` object of the ``started`` event."""
    config = causal_lm.config
    return {
        "id": model_id,
        "parameters": sum(parameter.numel() for parameter in causal_lm.parameters()),
        "layers": int(getattr(config, "num_hidden_layers", 0) or 0),
        "hidden_size": int(getattr(config, "hidden_size", 0) or 0),
        "vocab_size": codec.vocab_size,
    }


def max_positions(causal_lm: PreTrainedModel) -> int | None:
    """Longest sequence the model's position embeddings allow (None when unbounded/unknown)."""
    config = causal_lm.config
    for key in ("n_positions", "max_position_embeddings"):
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return None
