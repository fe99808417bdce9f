"""The training methods as properties, read from the table the TypeScript side defines once.

``schemas/methods.json`` is written by ``npm run schemas`` from ``src/common/methods.ts`` (the UI's
labels and the config check read the same table). Code asks a method what it does — carries
markers, feeds thoughts back, which curriculum stages it — and never compares its name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast, get_args

METHODS_PATH = Path(__file__).resolve().parent / "schemas" / "methods.json"

Method = Literal["coconut", "cot", "no_cot", "no_thoughts", "pause_token", "icot", "pause_as_thought"]
CurriculumKind = Literal["latent", "none", "icot"]


@dataclass(frozen=True)
class MethodSpec:
    name: Method
    flag: str | None  # the config flag that selects it; None for the method no flag selects
    markers: bool  # samples carry <bot>, <latent>... and <eot> (so a thought count can be forced)
    feedback: bool  # <latent> positions are fed the previous position's last hidden state
    # "latent": the Coconut curriculum; "none": one layout at every epoch (stage 0); "icot": token removal
    curriculum: CurriculumKind
    thoughts_per_c: int  # thoughts per removed step per c_thought: 1 ("c_thought") or 0
    writes_steps: bool  # at stage 0 the sample writes every reasoning step
    label: str
    description: str

    def thoughts_per_step(self, c_thought: int) -> int:
        return c_thought * self.thoughts_per_c

    @property
    def pause_tokens(self) -> bool:
        """Thoughts without markers are learned pause tokens after the question (pause_token)."""
        return not self.markers and self.thoughts_per_c > 0


def _load() -> dict[str, MethodSpec]:
    table = json.loads(METHODS_PATH.read_text(encoding="utf-8"))["methods"]
    specs = {
        name: MethodSpec(
            name=cast(Method, name),
            flag=entry["flag"],
            markers=entry["markers"],
            feedback=entry["feedback"],
            curriculum=entry["curriculum"],
            thoughts_per_c=1 if entry["thoughts_per_step"] == "c_thought" else 0,
            writes_steps=entry["writes_steps"],
            label=entry["label"],
            description=entry["description"],
        )
        for name, entry in table.items()
    }
    if set(specs) != set(get_args(Method)):
        raise RuntimeError(f"{METHODS_PATH} lists {sorted(specs)}, the engine knows {sorted(get_args(Method))}: run `npm run schemas`")
    return specs


# In flag order (the order `methodOf` tests the flags), then the method no flag selects.
METHODS: dict[str, MethodSpec] = _load()

METHOD_FLAGS: tuple[str, ...] = tuple(spec.flag for spec in METHODS.values() if spec.flag is not None)

UNFLAGGED_METHOD: Method = next(spec.name for spec in METHODS.values() if spec.flag is None)

# The methods whose samples carry <bot>, <latent>... and <eot> (so a thought count can be forced).
METHODS_WITH_MARKERS: tuple[str, ...] = tuple(name for name, spec in METHODS.items() if spec.markers)


def method_spec(name: str) -> MethodSpec:
    return METHODS[name]


def has_markers(name: str) -> bool:
    """Whether a method name (a checkpoint's, say, which may predate a method) carries markers."""
    spec = METHODS.get(name)
    return spec is not None and spec.markers
