"""Padding samples into batches so continuous thoughts line up across the batch.

Thought feedback runs one pass per thought over the *whole batch*, so every sample's first
``<latent>`` must sit in the same column. Samples with thoughts are left-padded until their first
latent reaches the latest first-latent column of the batch; samples without thoughts keep their
place (their ordinary tokens simply ride along in the single-position passes). Position ids
count real tokens only, so a left-padded sample sees exactly the positions it would see alone.
Training aligns every method whose samples carry markers (the method table's ``markers``), as
the reference's collator does: pause as thought too, where nothing is fed back and the padding
changes no loss; pause tokens (no markers) keep their place.

    xxxxxxxxxx<L><L>xxxxx--        x: token, <L>: latent, -: pad (attention 0)
    -----xxxxx<L>xxxxxxxx--
    ---xxxxxxx<L><L>xxxxxxx
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from .curriculum import IGNORE_INDEX, Sample


@dataclass
class Batch:
    input_ids: torch.Tensor  # [B, T]
    attention_mask: torch.Tensor  # [B, T], 0 on padding
    position_ids: torch.Tensor  # [B, T]
    labels: torch.Tensor | None  # [B, T], IGNORE_INDEX where no loss
    first_latent: int  # column of the first <latent> (meaningful when max_thoughts > 0)
    max_thoughts: int  # most <latent> positions in one sample
    first_label: int  # first column with a label (T when none)
    real_tokens: int  # non-padding tokens in the batch

    def _map(self, move: Callable[[torch.Tensor], torch.Tensor]) -> Batch:
        return dataclasses.replace(
            self,
            input_ids=move(self.input_ids),
            attention_mask=move(self.attention_mask),
            position_ids=move(self.position_ids),
            labels=None if self.labels is None else move(self.labels),
        )

    def to(self, device: torch.device) -> Batch:
        return self._map(lambda tensor: tensor.to(device, non_blocking=True))

    def pin_memory(self) -> Batch:
        """Page-locked copies, so that ``to(cuda)`` overlaps with compute (DataLoader calls this)."""
        return self._map(lambda tensor: tensor.pin_memory())

    @property
    def size(self) -> int:
        return int(self.input_ids.shape[0])


def collate(
    sequences: Sequence[list[int]],
    latent_id: int,
    pad_id: int,
    labels: Sequence[list[int]] | None = None,
    align_thoughts: bool = True,
    align_end: bool = False,
) -> Batch:
    """Pad token sequences into a batch.

    ``align_thoughts``: left-pad so the first latents share a column (needed for feedback).
    ``align_end``: left-pad so every sequence ends in the last column (prompts for generation;
    combine with equal thought counts per batch so both alignments hold at once).
    """
    first_latents = [seq.index(latent_id) if latent_id in seq else None for seq in sequences]
    thought_counts = [seq.count(latent_id) for seq in sequences]
    for seq, first, count in zip(sequences, first_latents, thought_counts, strict=True):
        if first is not None and seq[first : first + count] != [latent_id] * count:
            raise ValueError("the <latent> tokens of a sample must be contiguous")

    if align_end:
        longest = max(len(seq) for seq in sequences)
        left = [longest - len(seq) for seq in sequences]
    elif align_thoughts and any(first is not None for first in first_latents):
        latest = max(first for first in first_latents if first is not None)
        left = [0 if first is None else latest - first for first in first_latents]
    else:
        left = [0] * len(sequences)

    width = max(pad + len(seq) for pad, seq in zip(left, sequences, strict=True))
    batch_size = len(sequences)
    input_ids = torch.full((batch_size, width), pad_id, dtype=torch.long)
    attention = torch.zeros((batch_size, width), dtype=torch.long)
    positions = torch.zeros((batch_size, width), dtype=torch.long)
    label_tensor = torch.full((batch_size, width), IGNORE_INDEX, dtype=torch.long) if labels is not None else None
    for row, (pad, seq) in enumerate(zip(left, sequences, strict=True)):
        end = pad + len(seq)
        input_ids[row, pad:end] = torch.tensor(seq, dtype=torch.long)
        attention[row, pad:end] = 1
        positions[row, pad:end] = torch.arange(len(seq))
        if label_tensor is not None and labels is not None:
            label_tensor[row, pad:end] = torch.tensor(labels[row], dtype=torch.long)

    aligned_first = [pad + first for pad, first in zip(left, first_latents, strict=True) if first is not None]
    first_latent = min(aligned_first) if aligned_first else width
    if align_thoughts and aligned_first and len(set(aligned_first)) != 1:
        raise ValueError("first latents are not aligned; use equal thought counts with align_end")
    first_label = width
    if label_tensor is not None:
        labelled = (label_tensor != IGNORE_INDEX).any(dim=0).nonzero()
        first_label = int(labelled[0]) if len(labelled) else width
    return Batch(
        input_ids=input_ids,
        attention_mask=attention,
        position_ids=positions,
        labels=label_tensor,
        first_latent=first_latent,
        max_thoughts=max(thought_counts) if aligned_first else 0,
        first_label=first_label,
        real_tokens=int(attention.sum()),
    )


def collate_samples(samples: Sequence[Sample], latent_id: int, pad_id: int, align_thoughts: bool) -> Batch:
    return collate(
        [sample.input_ids for sample in samples],
        latent_id,
        pad_id,
        labels=[sample.labels for sample in samples],
        align_thoughts=align_thoughts,
    )
