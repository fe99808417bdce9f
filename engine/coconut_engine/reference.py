"""The thought inspector's figures computed in PyTorch, as the reference its ONNX runs are tested
against (``python -m coconut_engine inspect-reference``).

The prompt is the engine's evaluation layout (curriculum.py ``eval_prompt``): question + "\\n"
(with the tokenizer's BOS when it adds one), then ``<bot>``, k ``<latent>``, ``<eot>`` for methods
with markers; the pause tokens for pause_token; the bare question otherwise. Thought i is the last
hidden state (after the final norm) of the column just before the i-th ``<latent>``: with
feedback (coconut) it replaces that ``<latent>``'s embedding, without it the ``<latent>`` token
is fed. The thought loop runs with a key/value cache, one column per thought as model.py does, or
(``cache=False``) re-runs the whole prefix for every thought; both must agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import DynamicCache

from .batching import collate
from .build import max_positions
from .errors import EngineError
from .export import ExportSource, final_norm, load_source
from .model import CoconutModel


def prompt_ids(source: ExportSource, question: str, thoughts: int) -> tuple[list[int], int, int]:
    """(prompt ids, column of the first ``<latent>``, number of ``<latent>``) for ``thoughts``
    continuous thoughts. As in the inspector: pause_token reads exactly its pause tokens, methods
    without markers take no thoughts."""
    codec, curriculum = source.codec, source.curriculum
    question_ids = codec.encode(question + "\n", add_special_tokens=True)
    if thoughts < 0:
        raise EngineError(f"--thoughts must be 0 or more (got {thoughts})", where="--thoughts")
    if curriculum.uses_markers:
        return [*question_ids, codec.bot_id, *[codec.latent_id] * thoughts, codec.eot_id], len(question_ids) + 1, thoughts
    if curriculum.spec.pause_tokens:
        pauses = curriculum.pause_tokens
        if thoughts != pauses:
            raise EngineError(f"a pause-token model always reads its {pauses} pause tokens; --thoughts {thoughts} is not possible", where="--thoughts")
        return [*question_ids, *[codec.latent_id] * pauses], len(question_ids), pauses
    if thoughts:
        raise EngineError(f"a {curriculum.method} model writes no continuous thoughts: --thoughts must be 0 (got {thoughts})", where="--thoughts")
    return question_ids, len(question_ids), 0


def layer_stack(model: CoconutModel, embeds: torch.Tensor, start: int, cache: DynamicCache | None) -> torch.Tensor:
    """Every layer's hidden state [layers + 1, batch, columns, d] for columns start.. of a
    sequence whose earlier columns are in ``cache`` (or absent when start is 0)."""
    columns = embeds.shape[1]
    out = model.body(
        inputs_embeds=embeds,
        attention_mask=torch.ones(embeds.shape[0], start + columns, dtype=torch.long),
        position_ids=torch.arange(start, start + columns)[None],
        cache=cache,
        use_cache=cache is not None,
        output_hidden_states=True,
    )
    # transformers' last entry is already after the final norm (export.py's docstring).
    return torch.stack(out.hidden_states)


def thought_stacks(model: CoconutModel, embeds: torch.Tensor, first: int, count: int, use_cache: bool) -> list[torch.Tensor]:
    """The layer stack [layers + 1, d] of the column before each of the ``count`` ``<latent>``
    columns starting at ``first``; the last row of stack i is thought i."""
    fed = embeds.clone()
    cache = DynamicCache(config=model.causal_lm.config) if use_cache else None
    cached = 0  # columns already in the cache
    stacks: list[torch.Tensor] = []
    for i in range(count):
        end = first + i  # columns [0, end) have been fed; column end-1 yields thought i
        start = cached if use_cache else 0
        stacks.append(layer_stack(model, fed[:, start:end], start, cache)[:, 0, -1])
        cached = end
        if model.feedback:
            fed[:, end] = stacks[-1][-1]
    return stacks


def reference_inspection(
    checkpoint_path: str | Path, question: str, thoughts: int, *, cache: bool = True, max_new_tokens: int | None = None
) -> dict[str, Any]:
    """Prompt ids, thoughts, their next-token and logit-lens distributions, the distribution after
    a forced ``<eot>`` for k = 0..thoughts, and the greedy answer (see the module docstring)."""
    source = load_source(checkpoint_path)
    codec, lm = source.codec, source.causal_lm
    model = CoconutModel(lm, codec.latent_id, feedback=source.curriculum.feeds_back_thoughts).eval()
    ids, first, count = prompt_ids(source, question, thoughts)
    limit = max_positions(lm)
    if limit is not None and len(ids) + 1 > limit:
        raise EngineError(f"the prompt takes {len(ids)} positions (with {count} thoughts) and the model has {limit}", where="--question")
    norm, head = final_norm(lm), lm.get_output_embeddings()

    def probabilities(hidden: torch.Tensor) -> torch.Tensor:
        return torch.softmax(head(hidden).float(), dim=-1)

    with torch.no_grad():
        batch = collate([ids], codec.latent_id, codec.pad_id, align_end=True)
        embeds = model.embed(batch.input_ids)
        stacks = thought_stacks(model, embeds, first, count, cache)
        if model.feedback and cache:
            # The engine's own loop (model.py), which the cached stacks must reproduce.
            vectors = model.run(batch.input_ids, batch.attention_mask, batch.position_ids, first, count).thoughts[0]
        else:
            vectors = torch.stack([stack[-1] for stack in stacks]) if stacks else embeds.new_zeros(0, embeds.shape[-1])
        # Rows 0..layers-1 need the final norm; the last row has had it.
        lens = [probabilities(torch.cat([norm(stack[:-1]), stack[-1:]])) for stack in stacks]
        eot = eot_probabilities(source, model, ids, first, count, vectors, cache) if source.curriculum.uses_markers else []

        budget = max_new_tokens or source.config.max_new_tokens
        if limit is not None:
            budget = max(1, min(budget, limit - len(ids)))
        generated = model.generate(batch, budget, codec.eos_id)
        assert generated is not None
    return {
        "prompt_ids": ids,
        "thought_vectors": vectors.tolist(),
        "thought_probs": probabilities(vectors).tolist(),
        "lens_probs": [layers.tolist() for layers in lens],
        "eot_probs": [row.tolist() for row in eot],
        "generated_ids": generated[0],
        "generated_text": codec.decode(generated[0]),
    }


def eot_probabilities(
    source: ExportSource, model: CoconutModel, ids: list[int], first: int, count: int, vectors: torch.Tensor, cache: bool
) -> list[torch.Tensor]:
    """The next-token distribution after question + ``<bot>`` + k thoughts + ``<eot>``, k = 0..count:
    the engine's model.run on each shorter prompt (cached), or one full pass with the thoughts
    put in place (``cache=False``)."""
    codec = source.codec
    head = source.causal_lm.get_output_embeddings()
    rows = []
    for k in range(count + 1):
        prompt = [*ids[: first + k], codec.eot_id]
        batch = collate([prompt], codec.latent_id, codec.pad_id, align_end=True)
        if cache:
            hidden = model.run(batch.input_ids, batch.attention_mask, batch.position_ids, first, k).hidden
        else:
            embeds = model.embed(batch.input_ids)
            if model.feedback and k > 0:
                embeds[0, first : first + k] = vectors[:k]
            hidden = model.body(inputs_embeds=embeds, attention_mask=batch.attention_mask, position_ids=batch.position_ids).last_hidden_state
        rows.append(torch.softmax(head(hidden[0, -1]).float(), dim=-1))
    return rows
