"""Coconut: a causal LM that feeds its last hidden state back as the next input embedding.

At each ``<latent>`` position p the input embedding is replaced by the model's last hidden state
(after the final norm) at position p-1 — a *continuous thought*. Thoughts depend on each other,
so n thoughts take n+1 forward passes:

    pass 0      columns [0, first)                  everything before the first thought
    pass i      column  first+i-1        (1 ≤ i < n) thought i-1, fed back → thought i
    pass n      columns [first+n-1, T)              the last thought and everything after it

A key/value cache carries the earlier columns, so every middle pass is one column long, and
gradients flow through all passes (the cache tensors are part of the graph). The batch is
collated so the first thoughts share a column (batching.py); each pass is then one call on the
whole batch with tensor ops only — no Python loop over samples, no ``.item()`` inside the loop.
A sample with fewer thoughts than the batch's maximum simply has ordinary tokens at the later
thought columns: ``torch.where`` keeps their token embeddings.

Any transformers causal LM works: ``base_model`` gives hidden states after the final norm,
``get_output_embeddings`` the LM head; we call them separately so the logits are only computed
where they are needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import DynamicCache, PreTrainedModel

from .batching import Batch
from .curriculum import IGNORE_INDEX


@dataclass
class ThoughtPass:
    hidden: torch.Tensor  # [B, T, d] last hidden state at every column
    cache: DynamicCache | None  # keys/values of every column, for decoding on
    thoughts: torch.Tensor  # [B, n, d] the hidden state fed back at each thought column


class CoconutModel(nn.Module):
    def __init__(self, causal_lm: PreTrainedModel, latent_id: int, feedback: bool) -> None:
        super().__init__()
        self.causal_lm = causal_lm
        self.latent_id = latent_id
        # False for every method but coconut: <latent> is then an ordinary learned token.
        self.feedback = feedback

    # The body and head are views into causal_lm (not registered twice in the state dict).
    @property
    def body(self) -> nn.Module:
        return self.causal_lm.base_model

    @property
    def head(self) -> nn.Module:
        return self.causal_lm.get_output_embeddings()

    @property
    def embed(self) -> nn.Module:
        return self.causal_lm.get_input_embeddings()

    def compile_body(self) -> None:
        """Run the transformer body through ``torch.compile``. Shapes change with every pass and
        batch, so the graph is compiled for dynamic shapes. Kept out of the module tree (a plain
        attribute) so that the state dict and checkpoints keep their usual keys."""
        self.__dict__["_compiled_body"] = torch.compile(self.body, dynamic=True)

    def _body(self, embeds: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor, cache: DynamicCache | None) -> torch.Tensor:
        body = self.__dict__.get("_compiled_body", self.body)
        out = body(inputs_embeds=embeds, attention_mask=mask, position_ids=positions, cache=cache, use_cache=cache is not None)
        return out.last_hidden_state

    def run(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        position_ids: torch.Tensor,
        first_latent: int,
        max_thoughts: int,
        keep_cache: bool = False,
    ) -> ThoughtPass:
        """Hidden states of a collated batch, with thoughts fed back (see the module docstring)."""
        token_embeds = self.embed(input_ids)
        batch, width, dim = token_embeds.shape
        if not self.feedback or max_thoughts == 0:
            cache = DynamicCache(config=self.causal_lm.config) if keep_cache else None
            hidden = self._body(token_embeds, attention_mask, position_ids, cache)
            return ThoughtPass(hidden, cache, token_embeds.new_zeros(batch, 0, dim))

        is_latent = input_ids == self.latent_id  # [B, T]
        cache = DynamicCache(config=self.causal_lm.config)
        first = first_latent
        # Pass 0: everything before the first thought; its last column yields thought 0.
        chunks = [self._body(token_embeds[:, :first], attention_mask[:, :first], position_ids[:, :first], cache)]
        thought = chunks[0][:, -1]
        thoughts = []
        for i in range(max_thoughts):
            column = first + i
            # The previous column's hidden state replaces <latent>; other samples keep their token.
            fed = torch.where(is_latent[:, column, None], thought, token_embeds[:, column])
            thoughts.append(thought)
            if i < max_thoughts - 1:
                hidden = self._body(fed[:, None], attention_mask[:, : column + 1], position_ids[:, column : column + 1], cache)
                chunks.append(hidden)
                thought = hidden[:, -1]
            else:
                # Final pass: the last thought and every column after it, in one call.
                rest = torch.cat([fed[:, None], token_embeds[:, column + 1 :]], dim=1)
                chunks.append(self._body(rest, attention_mask, position_ids[:, column:], cache))
        return ThoughtPass(torch.cat(chunks, dim=1), cache if keep_cache else None, torch.stack(thoughts, dim=1))

    def forward(self, batch: Batch) -> torch.Tensor:
        """The training loss; a forward() so that DistributedDataParallel can wrap the model."""
        return self.loss(batch)

    def loss(self, batch: Batch) -> torch.Tensor:
        """Mean cross-entropy over the labelled tokens (remaining steps, answer, eos)."""
        assert batch.labels is not None
        result = self.run(batch.input_ids, batch.attention_mask, batch.position_ids, batch.first_latent, batch.max_thoughts)
        # Column t predicts token t+1; nothing before the first labelled column needs logits.
        start = max(batch.first_label - 1, 0)
        logits = self.head(result.hidden[:, start:-1])
        targets = batch.labels[:, start + 1 :]
        return F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten(), ignore_index=IGNORE_INDEX)

    @torch.no_grad()
    def generate(
        self, prompts: Batch, max_new_tokens: int, eos_id: int, should_stop: Callable[[], bool] | None = None
    ) -> list[list[int]] | None:
        """Greedy decoding after the prompt (and its thoughts), KV-cached, for a batch of prompts
        that end in the same column. Each sample stops at its eos (not included in the result).
        Returns None if ``should_stop`` turns true between two decoding steps."""
        result = self.run(
            prompts.input_ids, prompts.attention_mask, prompts.position_ids, prompts.first_latent, prompts.max_thoughts, keep_cache=True
        )
        cache = result.cache
        mask = prompts.attention_mask
        positions = prompts.position_ids[:, -1:] + 1
        next_token = self.head(result.hidden[:, -1]).argmax(dim=-1)
        finished = torch.zeros_like(next_token, dtype=torch.bool)
        produced: list[torch.Tensor] = []
        for step in range(max_new_tokens):
            next_token = torch.where(finished, eos_id, next_token)
            produced.append(next_token)
            finished = finished | (next_token == eos_id)
            if step == max_new_tokens - 1 or bool(finished.all()):
                break
            if should_stop is not None and should_stop():
                return None
            mask = torch.cat([mask, mask.new_ones(mask.shape[0], 1)], dim=1)
            hidden = self._body(self.embed(next_token)[:, None], mask, positions, cache)
            positions = positions + 1
            next_token = self.head(hidden[:, -1]).argmax(dim=-1)

        tokens = torch.stack(produced, dim=1).tolist()
        return [row[: row.index(eos_id)] if eos_id in row else row for row in tokens]
