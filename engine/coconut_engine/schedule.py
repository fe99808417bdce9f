"""The learning rate at each optimizer step (config keys ``lr_schedule`` and ``warmup_steps``).

The reference keeps ``lr`` constant, and so does the default. With ``cosine`` the rate falls along
a half cosine from ``lr`` to ``lr / 10`` (nanoGPT's floor) over each curriculum **stage**, not
over the run: the curriculum configs reset the optimizer at every stage, and a stage's new layout
(fewer written steps, one more thought) is a new task to learn, so each stage starts again at
``lr``. A method without stages (CoT, no-CoT, pause tokens) has one stage, the whole run.
``warmup_steps`` raises the rate linearly over a stage's first optimizer steps (after a reset,
AdamW's moment estimates start from zero and its first updates are the largest).

The schedule depends only on where a step sits in its stage, so a resumed run continues the
schedule where it stopped.
"""

from __future__ import annotations

import math

SCHEDULES = ("constant", "cosine")
# The cosine's floor, as a fraction of lr.
FLOOR = 0.1


def lr_at(lr: float, schedule: str, warmup_steps: int, step: int, stage_steps: int) -> float:
    """The rate for the ``step``-th optimizer step (0-based) of a stage of ``stage_steps`` steps."""
    if schedule not in SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {', '.join(SCHEDULES)} (got {schedule!r})")
    scale = 1.0
    if schedule == "cosine" and stage_steps > 1:
        progress = min(step, stage_steps - 1) / (stage_steps - 1)
        scale = FLOOR + (1 - FLOOR) * 0.5 * (1 + math.cos(math.pi * progress))
    if step < warmup_steps:
        scale *= (step + 1) / warmup_steps
    return lr * scale


def stage_spans(stage_of_epoch: list[int]) -> dict[int, tuple[int, int]]:
    """Each stage's (first, last) epoch, from every epoch's stage (the run's whole plan, not only
    the epochs after a resume)."""
    spans: dict[int, tuple[int, int]] = {}
    for epoch, stage in enumerate(stage_of_epoch):
        first, _ = spans.get(stage, (epoch, epoch))
        spans[stage] = (first, epoch)
    return spans
