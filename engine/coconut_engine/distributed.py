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

``distributed: fsdp`` shards instead of copying (FSDP2's ``fully_shard``): each transformer block
(the model's ``_no_split_modules`` classes) holds 1/N of its parameters, gradients and optimizer
state and gathers the rest only while it runs; the embeddings, final norm and head form the root
group. Checkpoints are gathered into one full state dict (every process takes part, rank 0 writes),
so a checkpoint looks the same whichever way it was trained.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.checkpoint.state_dict import (
    StateDictOptions,
    get_model_state_dict,
    get_optimizer_state_dict,
    set_optimizer_state_dict,
)
from torch.distributed.fsdp import FSDPModule, fully_shard

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


def wrap(model: nn.Module, blocks: nn.Module, ranks: Ranks, device: torch.device, strategy: str) -> nn.Module:
    """What the training loop calls: ``model`` itself with one process; with several, a
    DistributedDataParallel wrapper ("ddp") or ``model`` sharded in place ("fsdp"). ``blocks`` is
    the module whose repeated layers are sharded one by one (the causal LM)."""
    if not ranks.active:
        return model
    if strategy == "fsdp":
        layer_types = set(getattr(blocks, "_no_split_modules", None) or [])
        for module in blocks.modules():
            if type(module).__name__ in layer_types:
                fully_shard(module)
        fully_shard(model)
        return model
    return nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)


def is_sharded(model: nn.Module) -> bool:
    return isinstance(model, FSDPModule)


class Gathered:
    """A sharded model made whole for evaluation, and sharded again after. Two reasons: generation
    calls the body and head directly (FSDP's hooks on the root's ``forward`` never run), and each
    process scores its own share of questions, so their forward calls differ in number and must not
    each gather parameters (a collective every process would have to join)."""

    def __init__(self, model: nn.Module) -> None:
        self.groups = [module for module in model.modules() if isinstance(module, FSDPModule)]

    def __enter__(self) -> None:
        for group in self.groups:
            group.set_reshard_after_forward(False, recurse=False)
            group.unshard()

    def __exit__(self, *_: object) -> None:
        for group in self.groups:
            group.reshard()
            group.set_reshard_after_forward(True, recurse=False)


_FULL = StateDictOptions(full_state_dict=True, cpu_offload=True)


def full_model_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """Every parameter and buffer, whole, on the CPU. Sharded: a collective (every process calls
    it; with ``cpu_offload`` only rank 0 receives the tensors)."""
    return cast("dict[str, torch.Tensor]", get_model_state_dict(model, options=_FULL))  # a model's state: tensors only


def full_optimizer_state(model: nn.Module, optimizer: torch.optim.Optimizer) -> dict:
    """The optimizer state keyed by parameter name (the same for sharded and whole models)."""
    return get_optimizer_state_dict(model, optimizer, options=_FULL)


def load_full_optimizer_state(model: nn.Module, optimizer: torch.optim.Optimizer, state: dict) -> None:
    """Every process holds the whole checkpoint; each keeps its own shard of it."""
    set_optimizer_state_dict(model, optimizer, optim_state_dict=state, options=StateDictOptions(full_state_dict=True))
