"""The Coconut forward pass written the plain way: one sample at a time, no padding, no cache.

Each ``<latent>`` position gets the last hidden state of a full forward pass over everything
before it, so n thoughts cost n full passes over a growing prefix plus the final one. Slow on
purpose: it is the yardstick that model.py's vectorised, KV-cached passes must equal (tests, to
1e-5 in loss and gradients) and beat (``python -m coconut_engine bench``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from transformers import PreTrainedModel

from .build import embedding_matrix
from .curriculum import IGNORE_INDEX


def naive_embeddings(lm: PreTrainedModel, ids: list[int], latent_id: int) -> torch.Tensor:
    """[T, d] input embeddings of one sample with every thought filled in, position by position."""
    device = embedding_matrix(lm).device
    embeds = list(lm.get_input_embeddings()(torch.tensor(ids, device=device)))
    for position, token in enumerate(ids):
        if token == latent_id:
            hidden = lm.base_model(inputs_embeds=torch.stack(embeds[:position])[None]).last_hidden_state
            embeds[position] = hidden[0, -1]
    return torch.stack(embeds)


def naive_loss(lm: PreTrainedModel, samples: list, latent_id: int) -> torch.Tensor:
    """Mean cross-entropy over every labelled token of ``samples`` (Sample objects)."""
    head = lm.get_output_embeddings()
    total, count = None, 0
    for sample in samples:
        embeds = naive_embeddings(lm, sample.input_ids, latent_id)
        logits = head(lm.base_model(inputs_embeds=embeds[None]).last_hidden_state)[0, :-1]
        targets = torch.tensor(sample.labels[1:], device=logits.device)
        part = F.cross_entropy(logits.float(), targets, ignore_index=IGNORE_INDEX, reduction="sum")
        total = part if total is None else total + part
        count += int((targets != IGNORE_INDEX).sum())
    assert total is not None, "naive_loss needs at least one sample"
    return total / count


@torch.no_grad()
def naive_greedy(lm: PreTrainedModel, prompt: list[int], latent_id: int, eos_id: int, max_new_tokens: int) -> list[int]:
    """Greedy decoding of one prompt, recomputing the whole sequence for every new token."""
    embed = lm.get_input_embeddings()
    head = lm.get_output_embeddings()
    embeds = naive_embeddings(lm, prompt, latent_id)
    produced: list[int] = []
    for _ in range(max_new_tokens):
        logits = head(lm.base_model(inputs_embeds=embeds[None]).last_hidden_state[0, -1])
        token = int(logits.argmax())
        if token == eos_id:
            break
        produced.append(token)
        embeds = torch.cat([embeds, embed(torch.tensor([token], device=embeds.device))])
    return produced
