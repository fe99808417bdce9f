"""Frontier supervision (config key ``frontier_supervision``): the training signal of Zhu, Hao et
al., 2025, "Reasoning by Superposition" (arXiv 2505.12514), on top of the Coconut curriculum.

The curriculum is unchanged (stage j: j·c thoughts between ``<bot>`` and ``<eot>``); what follows
``<eot>`` changes. At a stage j below the record's number of steps (and not past
``max_latent_stage``), instead of the remaining steps and the answer the continuation is

    the node's name · <eos>        (one token in a word-level vocabulary)

where the node is one of the record's ``frontiers[j]``: the nodes reachable from the root along a
walk of exactly j+1 edges (not "at distance j+1": a node one edge away can also be three edges
away along another walk). The node is drawn uniformly among them for every sample, from the
epoch's random generator (the one that draws ``uniform_prob`` stages and shuffles), so it varies
between samples and epochs and a run is reproducible from its seed. Once j reaches the record's
number of steps, and at the final stage, the continuation is ``"### " + answer`` and eos as in
the plain curriculum. Since any node of the frontier may be asked for, the thoughts are pushed to
hold the whole frontier after j thoughts rather than one path (the paper's "superposition").
Labels cover the node's tokens and eos only; the prompt at evaluation is unchanged.

With ``frontier_thought_labels`` (this workbench's addition, not the paper's) the thoughts are
labelled too: the label at step k's last ``<latent>`` column, which the thought fed there is
scored against through the LM head, is a node of ``frontiers[k]`` (drawn in the same way, its
first token), for the steps the record has. A thought is then taught what to hold directly,
rather than only through what comes after ``<eot>``: from some CoT checkpoints stage 1 otherwise
never learned to use its thought (README, "Frontier supervision on the quickstart").

Why eos follows the node: the continuation is the whole output at that stage, as the answer is at
the last one, so a model evaluated at an intermediate stage writes one node and stops (the
evaluation is not changed: it still reads the answer after the last ``#``, so an intermediate
stage's accuracy counts the questions where the node the model names is the answer).

The node is written with the tokens the answer's symbol gets after ``###`` (the answer is encoded
as ``"### " + answer``): the same ids in a word-level vocabulary, and the leading-space form
(``Ġ7``) in a BPE one. Node sets come from the record's ``frontiers`` field (written by the graph
generators); records that have ``edges`` and ``root`` as well are checked against them, and
records without the field get them computed from ``edges`` and ``root``. Every training record is
checked before training: one message names the file, the record and what is missing.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .curriculum import IGNORE_INDEX, Curriculum, EncodedRecord, Sample
from .data import Record
from .errors import DataError
from .tokenizer import UNK, TextCodec

CONFIG_KEY = "frontier_supervision"
ANSWER_MARKER = "###"


# ---- node sets ---------------------------------------------------------------------------------


def frontiers_from_edges(edges: Sequence[Sequence[int]], root: int, node_count: int) -> list[list[int]]:
    """``frontiers[j]``: the nodes reachable from ``root`` along a walk of exactly j+1 edges,
    ascending, for j = 0, 1, … until the set is empty, at most one list per node (a graph with a
    cycle would otherwise never end). The generators' definition (src/common/records.ts)."""
    children: list[list[int]] = [[] for _ in range(node_count)]
    for source, destination in edges:
        children[source].append(destination)
    layers: list[list[int]] = []
    current = {root}
    for _ in range(node_count):
        current = {child for node in current for child in children[node]}
        if not current:
            break
        layers.append(sorted(current))
    return layers


def _is_index(value: Any, node_count: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < node_count


def record_frontiers(record: Record) -> tuple[list[list[int]], list[str]] | str:
    """(the record's frontiers, its node symbols), or what is wrong with its graph fields."""
    extra = record.extra
    symbols = extra.get("idx_to_symbol")
    has_frontiers = "frontiers" in extra
    has_edges = "edges" in extra and "root" in extra
    if not isinstance(symbols, list) or not (has_frontiers or has_edges):
        return "no graph: frontier supervision needs 'idx_to_symbol' with 'frontiers', or with 'edges' and 'root' (the fields of ProsQA and reachability datasets)"
    if not symbols or not all(isinstance(symbol, str) and symbol.strip() for symbol in symbols):
        return "'idx_to_symbol' must be a list of node names, none of them blank"
    count = len(symbols)
    computed: list[list[int]] | None = None
    if has_edges:
        edges, root = extra["edges"], extra["root"]
        if not _is_index(root, count):
            return f"'root' must be a node index below {count} (the length of 'idx_to_symbol')"
        if not isinstance(edges, list) or not all(isinstance(edge, list) and len(edge) == 2 and all(_is_index(end, count) for end in edge) for edge in edges):
            return f"'edges' must be a list of [from, to] pairs of node indices below {count}"
        computed = frontiers_from_edges(edges, root, count)
    if not has_frontiers:
        assert computed is not None
        return computed, symbols
    given = extra["frontiers"]
    if not isinstance(given, list) or not all(isinstance(layer, list) and all(_is_index(node, count) for node in layer) for layer in given):
        return f"'frontiers' must be a list of lists of node indices below {count}"
    frontiers = [sorted(set(layer)) for layer in given]
    if computed is not None:
        for j, (stated, walked) in enumerate(zip(frontiers, computed, strict=False)):
            if stated != walked:
                return f"'frontiers' item {j} lists nodes {stated}, but the nodes {j + 1} edges from the root along 'edges' are {walked}"
    return frontiers, symbols


# ---- tokens ------------------------------------------------------------------------------------


def node_tokens(codec: TextCodec, symbol: str) -> list[int]:
    """The tokens ``symbol`` gets after ``###`` when it is the answer (``encode_record`` encodes
    ``"### " + answer``), or its own tokens where the marker does not tokenize apart."""
    marker = codec.encode(ANSWER_MARKER)
    as_answer = codec.encode(f"{ANSWER_MARKER} {symbol}")
    if as_answer[: len(marker)] == marker and len(as_answer) > len(marker):
        return as_answer[len(marker) :]
    return codec.encode(symbol)


def vocabulary_texts(records: Sequence[Record]) -> list[str]:
    """Node names, for an offline model's word-level vocabulary: a node that appears only inside
    edge tokens (``3_7``) must still have a token of its own to be a target."""
    return [symbol for record in records for symbol in record.extra.get("idx_to_symbol") or [] if isinstance(symbol, str)]


@dataclass(frozen=True)
class FrontierTargets:
    """One record's choices: ``nodes[j]`` are the nodes j+1 edges from the root and
    ``continuations[j][i]`` the token ids (+eos) of ``nodes[j][i]``, for j below the record's steps."""

    nodes: tuple[tuple[int, ...], ...]
    continuations: tuple[tuple[tuple[int, ...], ...], ...]

    def pick(self, stage: int, rng: random.Random | None) -> int | None:
        """Which of ``nodes[stage]`` a sample names: a uniform draw, or with no generator the one
        with the longest continuation (to size the longest sample); None past the record's steps."""
        if stage >= len(self.nodes):
            return None
        choices = self.continuations[stage]
        if rng is None:
            return max(range(len(choices)), key=lambda i: len(choices[i]))
        return rng.randrange(len(choices))


def frontier_targets(records: Sequence[Record], codec: TextCodec, file_name: str) -> dict[int, FrontierTargets]:
    """Every training record's targets by record index; a DataError naming the file and the first
    record that cannot be supervised (with the number of others) when any cannot."""
    unknown = codec.tokenizer.token_to_id(UNK) if codec.word_level else None
    # Datasets reuse a few node names in every record (ids 0..15, ProsQA's concepts): encode each once.
    encoded_names: dict[str, list[int]] = {}

    def tokens_of(symbol: str) -> list[int]:
        if symbol not in encoded_names:
            encoded_names[symbol] = node_tokens(codec, symbol)
        return encoded_names[symbol]

    targets: dict[int, FrontierTargets] = {}
    problems: list[tuple[int, str]] = []
    for record in records:
        found = record_frontiers(record)
        if isinstance(found, str):
            problems.append((record.index, found))
            continue
        frontiers, symbols = found
        n_steps = len(record.steps)
        empty = next((j for j in range(n_steps) if j >= len(frontiers) or not frontiers[j]), None)
        if empty is not None:
            problems.append((record.index, f"{n_steps} steps, but no node is {empty + 1} edges from the root, so stage {empty} has no frontier node to name"))
            continue
        layers = frontiers[:n_steps]
        encoded = [[tokens_of(symbols[node]) for node in layer] for layer in layers]
        unknown_node = next((node for layer, tokens in zip(layers, encoded, strict=True) for node, ids in zip(layer, tokens, strict=True) if unknown in ids), None)
        if unknown_node is not None:
            problems.append((record.index, f"node {unknown_node} ('{symbols[unknown_node]}') is not in the model's vocabulary, so it cannot be a frontier target"))
            continue
        targets[record.index] = FrontierTargets(
            nodes=tuple(tuple(layer) for layer in layers),
            continuations=tuple(tuple((*ids, codec.eos_id) for ids in tokens) for tokens in encoded),
        )
    if problems:
        index, problem = problems[0]
        others = len(problems) - 1
        more = f" (and {others} more record{'s' if others != 1 else ''})" if others else ""
        raise DataError(f"{file_name}: record {index}: {problem}{more} (config key '{CONFIG_KEY}')", where=f"{file_name}: record {index}")
    return targets


# ---- samples -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrontierCurriculum(Curriculum):
    """The curriculum whose samples below a record's step count end in a frontier node. Only the
    continuation after ``<eot>`` differs; stages, thoughts, plans and evaluation are the parent's."""

    targets: Mapping[int, FrontierTargets] = field(default_factory=dict)
    label_thoughts: bool = False

    def draw_sample(self, record: EncodedRecord, stage: int, rng: random.Random) -> Sample:
        return self.frontier_sample(record, self.sample_stage(stage, record.n_steps, rng), rng)

    def training_sample(self, record: EncodedRecord, stage: int) -> Sample:
        """The sample without a draw: the longest continuation at the stage (used to size batches)."""
        return self.frontier_sample(record, stage, None)

    def frontier_sample(self, record: EncodedRecord, stage: int, rng: random.Random | None) -> Sample:
        """The parent's sample at ``stage`` with its continuation replaced by a node of
        ``frontiers[stage]`` and eos, while the stage is below the record's steps and not final
        (a record without targets, which training never has, keeps the parent's layout)."""
        sample = super().training_sample(record, stage)
        targets = self.targets.get(record.index)
        if targets is None:
            return sample
        choice = None if stage >= self.final_stage else targets.pick(stage, rng)
        if choice is None and not self.label_thoughts:
            return sample  # nothing to change: no copies on the hot path
        input_ids, labels = list(sample.input_ids), list(sample.labels)
        if choice is not None:
            prefix = len(labels) - sum(1 for label in labels if label != IGNORE_INDEX)
            continuation = list(targets.continuations[stage][choice])
            input_ids = input_ids[:prefix] + continuation
            labels = [IGNORE_INDEX] * prefix + continuation
        if self.label_thoughts:
            self.label_thought_columns(input_ids, labels, sample.thoughts, targets, rng)
        return Sample(input_ids=input_ids, labels=labels, thoughts=sample.thoughts)

    def label_thought_columns(self, input_ids: list[int], labels: list[int], thoughts: int, targets: FrontierTargets, rng: random.Random | None) -> None:
        """``frontier_thought_labels``: the label at a ``<latent>`` column is what the thought fed
        there (the previous column's hidden state) names through the LM head. The last thought of
        step k's group is labelled with a node of ``frontiers[k]`` (its first token), drawn like the
        continuation's node, for the steps the record has; the other thoughts stay unlabelled."""
        latent_columns = [column for column, token in enumerate(input_ids) if token == self.latent_id][:thoughts]
        per_step = max(self.c_thought, 1)
        for step in range(min(len(latent_columns) // per_step, len(targets.nodes))):
            column = latent_columns[(step + 1) * per_step - 1]
            choice = targets.pick(step, rng)
            assert choice is not None
            labels[column] = targets.continuations[step][choice][0]

    def stage_label(self, stage: int, thoughts: int) -> str:
        label = super().stage_label(stage, thoughts)
        return label if stage > self.max_latent_stage else f"{label} · names a frontier node"


def with_frontier_supervision(
    curriculum: Curriculum, records: Sequence[Record], codec: TextCodec, train_path: str, label_thoughts: bool = False
) -> FrontierCurriculum:
    """``curriculum`` with frontier targets for ``records`` (the training set at ``train_path``),
    and with ``label_thoughts`` the thoughts' own frontier labels (``frontier_thought_labels``)."""
    fields = {item.name: getattr(curriculum, item.name) for item in dataclasses.fields(curriculum)}
    return FrontierCurriculum(**fields, targets=frontier_targets(records, codec, Path(train_path).name), label_thoughts=label_thoughts)
