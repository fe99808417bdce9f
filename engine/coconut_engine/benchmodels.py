"""Random-weight checkpoints for benchmarks: an offline GPT-2 of a given size over the word-level
vocabulary of a dataset, saved exactly as training saves a checkpoint (so ``export`` and the
inspector treat it like any trained run), at a chosen Coconut stage. Nothing is trained: the
figures it serves are speeds, never accuracies.

    python -m coconut_engine.benchmodels --data FILE --out FILE --layers 12 --width 768 --heads 12 \\
        --positions 1024 --stage 6 [--max-new-tokens 8]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from . import __version__
from .build import build_model
from .checkpoint import make_payload, save_atomically
from .config import config_from_dict
from .data import load_records


def write_random_checkpoint(data: str, out: str, *, layers: int, width: int, heads: int, positions: int, stage: int, max_new_tokens: int) -> dict[str, object]:
    config = config_from_dict(
        {
            "train_path": data,
            "val_path": data,
            "coconut": True,
            "c_thought": 1,
            "max_latent_stage": max(stage, 1),
            "pad_latent_to_max": True,
            "max_new_tokens": max_new_tokens,
            "offline_model": {"n_layer": layers, "n_embd": width, "n_head": heads, "n_positions": positions},
        }
    )
    torch.manual_seed(0)
    built = build_model(config, load_records(data, "data"))
    payload = make_payload(
        state_dict=built.causal_lm.state_dict(),
        model_id=built.model_id,
        model_config=built.causal_lm.config.to_dict(),
        tokenizer_json=built.codec.to_json(),
        tokenizer_meta=built.codec.metadata(),
        method=config.method,
        epoch=stage,
        stage=stage,
        optimizer_state=None,
        accuracy=None,
        run_config=config.to_dict(),
        engine_version=__version__,
    )
    save_atomically(payload, Path(out))
    return {"out": out, "parameters": sum(p.numel() for p in built.causal_lm.parameters()), "vocab_size": built.codec.vocab_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    for name in ("layers", "width", "heads", "positions", "stage"):
        parser.add_argument(f"--{name}", type=int, required=True)
    parser.add_argument("--max-new-tokens", type=int, default=8)
    args = parser.parse_args()
    summary = write_random_checkpoint(
        args.data, args.out, layers=args.layers, width=args.width, heads=args.heads, positions=args.positions, stage=args.stage, max_new_tokens=args.max_new_tokens
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
