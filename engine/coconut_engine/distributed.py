"""Several processes, one per GPU (or CPU process group for tests), started by ``torchrun``.

torchrun sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``; without them the engine is one process
and every function here is a no-op. With them:

- the model is wrapped in DistributedDataParallel (NCCL on CUDA, gloo on CPU), so gradients are
  averaged across processes after every backward pass;
- each epoch's shuffled samples (the same order in every process: same seed) are dealt out
  round-robin, padded by wrapping around so every process takes the same number of steps;
- validation records are dealt out the same way without padding, so no question is scored twice,
  and the counts are summed;
- only rank 0 writes events, the tokenizer and checkpoints; a cancel seen by any process stops all
  of them at the same step, since a process that stopped alone would leave the others waiting.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import torch
import torch.distributed as dist

from .runtime import resolve_device

T = TypeVar("T")


@dataclass(frozen=True)
class Ranks:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world > 1


def ranks_from_env() -> Ranks:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Ranks()
    return Ranks(rank=int(os.environ["RANK"]), world=world, local_rank=int(os.environ.get("LOCAL_RANK", "0")))


def start(ranks: Ranks, device_name: str) -> torch.device:
    """The device this process trains on, after joining the process group when there is one."""
    device = resolve_device(device_name)
    if not ranks.active:
        return device
    if device.type == "cuda":
        torch.cuda.set_device(ranks.local_rank)
        device = torch.device("cuda", ranks.local_rank)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device


def stop(ranks: Ranks) -> None:
    if ranks.active and dist.is_initialized():
        dist.destroy_process_group()


def sum_across(ranks: Ranks, values: Sequence[float], device: torch.device) -> list[float]:
    """Element-wise sums over every process (the values themselves with one process)."""
    if not ranks.active:
        return list(values)
    tensor = torch.tensor(list(values), dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return tensor.tolist()


def deal(items: Sequence[T], ranks: Ranks, pad: bool) -> list[T]:
    """This process's share, round-robin. With ``pad``, items wrap around so every share has the
    same length (training: equal step counts); without, shares differ by at most one (scoring)."""
    if not ranks.active:
        return list(items)
    padded = list(items)
    if pad and padded:
        target = math.ceil(len(padded) / ranks.world) * ranks.world
        padded += (padded * (target // len(padded) + 1))[: target - len(padded)]
    return padded[ranks.rank :: ranks.world]
