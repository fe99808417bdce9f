"""Frontier supervision: the node each stage names, its walk length from the root, the draws, the
answer at the last stages, where the node sets come from, refusals, and a real training run."""

from __future__ import annotations

import json
import random
import subprocess
from collections import deque
from pathlib import Path
from typing import Any

import pytest
from conftest import TINY_RUN, make_records, read_events, run_engine, write_config, write_json

from coconut_engine.config import config_from_dict
from coconut_engine.curriculum import IGNORE_INDEX, Curriculum, EncodedRecord, Sample, encode_record
from coconut_engine.data import Record
from coconut_engine.errors import ConfigError, DataError
from coconut_engine.frontier import FrontierCurriculum, frontiers_from_edges, node_tokens, vocabulary_texts, with_frontier_supervision
from coconut_engine.tokenizer import BOT, EOS, EOT, LATENT, NEWLINE, TextCodec, build_word_level_codec, word_level_texts
from coconut_engine.train import epoch_samples, longest_sample

REPO = Path(__file__).resolve().parents[2]

# A reachability record (edges as one token each) whose walks and distances differ: node 4 is one
# edge from the root (0→4) and two (0→2→4); node 6 is two edges away (0→4→6) and three (0→2→4→6).
SYMBOLS = ["12", "3", "9", "14", "5", "7", "10", "2", "11"]
EDGES = [[0, 1], [0, 2], [1, 3], [2, 4], [0, 4], [3, 5], [4, 6], [8, 7]]
FRONTIERS = [[1, 2, 4], [3, 4, 6], [5, 6]]
GRAPH: dict[str, Any] = {
    "question": "12_3 12_9 3_14 9_5 12_5 14_7 5_10 11_2 ? 12 : 7 2",
    "steps": ["12_3", "3_14", "14_7"],
    "answer": "7",
    "idx_to_symbol": SYMBOLS,
    "edges": EDGES,
    "root": 0,
    "target": 5,
    "neg_target": 7,
}
Q = ["12_3", "12_9", "3_14", "9_5", "12_5", "14_7", "5_10", "11_2", "?", "12", ":", "7", "2", NEWLINE]
A = ["###", "7", EOS]


def as_record(item: dict[str, Any], index: int = 0) -> Record:
    extra = {key: value for key, value in item.items() if key not in ("question", "steps", "answer")}
    return Record(index, item["question"], tuple(item["steps"]), item["answer"], extra)


def walk_ends(edges: list[list[int]], root: int, length: int) -> set[int]:
    """The nodes where a walk of exactly ``length`` edges from ``root`` can end, by enumerating the walks."""
    ends: set[int] = set()

    def walk(node: int, left: int) -> None:
        if left == 0:
            ends.add(node)
            return
        for source, destination in edges:
            if source == node:
                walk(destination, left - 1)

    walk(root, length)
    return ends


def graph_records(count: int, seed: int) -> list[dict[str, Any]]:
    """Random reachability records in the generators' format, with skip edges (so that walk length
    and distance differ) and the `frontiers` field the generators write."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    while len(records) < count:
        size = rng.randint(6, 9)
        layer = [0] + sorted(rng.randint(1, 3) for _ in range(size - 3))  # node 0 is the root
        edges = {(a, b) for a in range(size - 2) for b in range(size - 2) if 0 < layer[b] - layer[a] <= 2 and rng.random() < 0.45}
        # Two nodes outside the root's graph: the negative option and its parent.
        edges.add((size - 1, size - 2))
        edges_list = sorted([a, b] for a, b in edges)
        distance = {0: 0}
        parent: dict[int, int] = {}
        queue = deque([0])
        while queue:
            node = queue.popleft()
            for a, b in edges_list:
                if a == node and b not in distance:
                    distance[b], parent[b] = distance[node] + 1, node
                    queue.append(b)
        farthest = max(distance.values())
        if farthest < 2:
            continue
        target = min(node for node, d in distance.items() if d == farthest)
        path = [target]
        while path[-1] != 0:
            path.append(parent[path[-1]])
        path.reverse()
        ids = [str(i) for i in rng.sample(range(20), size)]
        facts = [f"{ids[a]}_{ids[b]}" for a, b in edges_list]
        rng.shuffle(facts)
        options = [ids[target], ids[size - 2]]
        rng.shuffle(options)
        records.append(
            {
                "question": " ".join(facts) + f" ? {ids[0]} : {options[0]} {options[1]}",
                "steps": [f"{ids[a]}_{ids[b]}" for a, b in zip(path, path[1:], strict=False)],
                "answer": ids[target],
                "idx_to_symbol": ids,
                "edges": edges_list,
                "root": 0,
                "target": target,
                "neg_target": size - 2,
                "frontiers": [sorted(walk_ends(edges_list, 0, j + 1)) for j in range(size) if walk_ends(edges_list, 0, j + 1)],
            }
        )
    return records


@pytest.fixture(scope="module")
def codec() -> TextCodec:
    return build_word_level_codec([*word_level_texts([as_record(GRAPH)]), *SYMBOLS])


def frontier_curriculum(codec: TextCodec, records: list[Record], **keys: object) -> FrontierCurriculum:
    config = config_from_dict({"train_path": "data/train.json", "val_path": "v.json", "coconut": True, "c_thought": 1, "max_latent_stage": 3, "frontier_supervision": True, **keys})
    return with_frontier_supervision(Curriculum.from_config(config, codec), records, codec, config.train_path, config.frontier_thought_labels)


def tokens(codec: TextCodec, ids: list[int]) -> list[str | None]:
    return [codec.tokenizer.id_to_token(i) for i in ids]


def named_node(codec: TextCodec, item: EncodedRecord, cur: FrontierCurriculum, stage: int, rng: random.Random) -> int | None:
    """The node a drawn sample at ``stage`` names (None when it ends in the answer), after checking
    the layout: question, <bot>, stage·c thoughts, <eot>, then the node and eos, labels on those only."""
    sample = cur.draw_sample(item, stage, rng)
    thoughts = min(stage, cur.max_latent_stage)
    prefix = Q + [BOT] + [LATENT] * thoughts + [EOT]
    words = tokens(codec, sample.input_ids)
    assert words[: len(prefix)] == prefix
    assert sample.labels[: len(prefix)] == [IGNORE_INDEX] * len(prefix)
    assert sample.labels[len(prefix) :] == sample.input_ids[len(prefix) :]
    assert sample.thoughts == thoughts
    continuation = words[len(prefix) :]
    if continuation == A:
        return None
    assert len(continuation) == 2 and continuation[1] == EOS and continuation[0] is not None
    return SYMBOLS.index(continuation[0])


# ---- node sets ---------------------------------------------------------------------------------


def test_frontiers_are_walks_of_exactly_j_plus_1_edges_not_distances() -> None:
    assert frontiers_from_edges(EDGES, 0, len(SYMBOLS)) == FRONTIERS
    # A graph with a cycle: walks never end, so one list per node at most.
    assert frontiers_from_edges([[0, 1], [1, 0]], 0, 2) == [[1], [0]]
    assert frontiers_from_edges([[1, 0]], 0, 2) == []


def test_frontiers_from_edges_are_the_walk_ends_on_random_graphs() -> None:
    for item in graph_records(60, seed=3):
        assert frontiers_from_edges(item["edges"], item["root"], len(item["idx_to_symbol"])) == item["frontiers"]


@pytest.mark.parametrize("kind", ["reachability", "prosqa"])
def test_frontiers_from_edges_equal_the_field_the_workbench_generators_write(tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.json"
    command = ["node", str(REPO / "bin" / "coconut.mjs"), "data", "generate", kind, "--preset", "small", "--count", "80", "--seed", "11", "--out", str(out), "--json"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    items = json.loads(out.read_text(encoding="utf-8"))
    assert len(items) == 80 and all("frontiers" in item for item in items)
    for item in items:
        assert frontiers_from_edges(item["edges"], item["root"], len(item["idx_to_symbol"])) == item["frontiers"]
    # And every record can be supervised: a node at each stage below its steps, in the vocabulary.
    records = [as_record(item, index) for index, item in enumerate(items)]
    text_codec = build_word_level_codec(word_level_texts(records) + vocabulary_texts(records))
    assert len(frontier_curriculum(text_codec, records).targets) == 80


# ---- the layout at each stage ------------------------------------------------------------------


def test_each_stage_names_a_node_of_its_frontier_then_the_answer(codec: TextCodec) -> None:
    item = encode_record(as_record(GRAPH), codec)
    cur = frontier_curriculum(codec, [as_record(GRAPH)])
    rng = random.Random(0)
    for stage, frontier in enumerate(FRONTIERS):
        named = {named_node(codec, item, cur, stage, rng) for _ in range(200)}
        # Every node of the frontier is drawn, and nothing else: always exactly stage+1 edges from the root.
        assert named == set(frontier)
        assert all(node in walk_ends(EDGES, 0, stage + 1) for node in named if node is not None)
    # Stage 3 = the record's 3 steps, and the final stage 4: the answer, as in the plain curriculum.
    assert named_node(codec, item, cur, 3, rng) is None
    assert named_node(codec, item, cur, 4, rng) is None
    plain = Curriculum.from_config(config_from_dict({"train_path": "t", "val_path": "v", "coconut": True, "max_latent_stage": 3}), codec)
    assert cur.draw_sample(item, 3, rng) == plain.training_sample(item, 3)


def test_a_record_with_fewer_steps_gets_the_answer_from_its_last_step_on(codec: TextCodec) -> None:
    short = dict(GRAPH, steps=GRAPH["steps"][:2], answer="10")  # two steps: stage 2 targets the answer
    item = encode_record(as_record(short), codec)
    cur = frontier_curriculum(codec, [as_record(short)])
    rng = random.Random(1)
    assert {named_node(codec, item, cur, 1, rng) for _ in range(50)} == set(FRONTIERS[1])
    sample = cur.draw_sample(item, 2, rng)
    assert tokens(codec, sample.input_ids)[-3:] == ["###", "10", EOS]


def test_stages_past_max_latent_stage_target_the_answer(codec: TextCodec) -> None:
    item = encode_record(as_record(GRAPH), codec)
    cur = frontier_curriculum(codec, [as_record(GRAPH)], max_latent_stage=1)
    rng = random.Random(2)
    assert named_node(codec, item, cur, 1, rng) in FRONTIERS[1]
    final = cur.draw_sample(item, 2, rng)  # stage 2 is the final stage here, though the record has 3 steps
    assert tokens(codec, final.input_ids)[-len(A) - 2 :] == [LATENT, EOT, *A]


def test_pause_as_thought_gets_the_same_targets(codec: TextCodec) -> None:
    item = encode_record(as_record(GRAPH), codec)
    cur = frontier_curriculum(codec, [as_record(GRAPH)], coconut=False)
    assert cur.method == "pause_as_thought"
    assert {named_node(codec, item, cur, 1, random.Random(seed)) for seed in range(60)} == set(FRONTIERS[1])


def test_draws_vary_by_sample_and_epoch_and_repeat_with_the_seed(codec: TextCodec) -> None:
    records = [as_record(item, index) for index, item in enumerate(graph_records(40, seed=5))]
    text_codec = build_word_level_codec(word_level_texts(records) + vocabulary_texts(records))
    encoded = [encode_record(record, text_codec) for record in records]
    cur = frontier_curriculum(text_codec, records)

    def picks(seed: int, epoch: int) -> list[tuple[int, ...]]:
        return [tuple(sample.input_ids) for sample in epoch_samples(encoded, cur, 1, seed, epoch, shuffle=False)]

    assert picks(0, 3) == picks(0, 3)
    assert picks(0, 3) != picks(0, 4)
    assert picks(0, 3) != picks(1, 3)
    # Within one epoch the same record draws differently when it appears twice.
    twice = epoch_samples([encoded[0]] * 40, cur, 0, 0, 0, shuffle=False)
    assert len({tuple(sample.input_ids) for sample in twice}) == len(records[0].extra["frontiers"][0])
    # Without frontier supervision the same epoch is what it always was.
    plain = Curriculum.from_config(config_from_dict({"train_path": "t", "val_path": "v", "coconut": True, "max_latent_stage": 3}), text_codec)
    assert [s.input_ids for s in epoch_samples(encoded, plain, 1, 0, 3)] == [plain.training_sample(e, 1).input_ids for e in _shuffled(encoded, 0, 3)]


def _shuffled(encoded: list[EncodedRecord], seed: int, epoch: int) -> list[EncodedRecord]:
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(encoded)
    rng.shuffle(order)
    return order


def test_samples_are_sized_by_the_longest_node_name(codec: TextCodec) -> None:
    record = as_record(dict(GRAPH, idx_to_symbol=[*SYMBOLS[:4], "5 5 5", *SYMBOLS[5:]]))  # node 4 takes three tokens
    item = encode_record(record, codec)
    cur = frontier_curriculum(codec, [record])
    assert tokens(codec, cur.training_sample(item, 0).input_ids)[-4:] == ["5", "5", "5", EOS]
    assert longest_sample([item], cur, [0]) == len(Q) + 2 + 4


def test_the_node_is_written_as_the_answer_s_symbol_is(codec: TextCodec) -> None:
    assert node_tokens(codec, "7") == codec.encode("### 7")[1:] == codec.encode("7")


def test_the_field_is_used_when_present_and_checked_against_the_edges(codec: TextCodec, tmp_path: Path) -> None:
    no_edges = {key: value for key, value in GRAPH.items() if key not in ("edges", "root")} | {"frontiers": [[2], [4], [6]]}
    item = encode_record(as_record(no_edges), codec)
    cur = frontier_curriculum(codec, [as_record(no_edges)])
    assert {named_node(codec, item, cur, 1, random.Random(seed)) for seed in range(20)} == {4}
    wrong = dict(GRAPH, frontiers=[[1, 2], [3, 4, 6], [5, 6]])
    with pytest.raises(DataError) as caught:
        frontier_curriculum(codec, [as_record(GRAPH), as_record(wrong, 1)])
    assert caught.value.message.startswith(
        "train.json: record 1: 'frontiers' item 0 lists nodes [1, 2], but the nodes 1 edges from the root along 'edges' are [1, 2, 4]"
    )


# ---- refusals ----------------------------------------------------------------------------------


def test_records_without_a_graph_are_refused_naming_the_file_and_record(codec: TextCodec) -> None:
    bare = {key: GRAPH[key] for key in ("question", "steps", "answer")}
    records = [as_record(GRAPH), as_record(bare, 1), as_record(bare, 2)]
    with pytest.raises(DataError) as caught:
        frontier_curriculum(codec, records)
    assert caught.value.message == (
        "train.json: record 1: no graph: frontier supervision needs 'idx_to_symbol' with 'frontiers', or with 'edges' and 'root' "
        "(the fields of ProsQA and reachability datasets) (and 1 more record) (config key 'frontier_supervision')"
    )
    assert caught.value.where == "train.json: record 1"


def test_a_record_whose_graph_is_shorter_than_its_steps_is_refused(codec: TextCodec) -> None:
    # The engine tests' ProsQA-like records carry a one-edge graph whatever their steps.
    records = [as_record(item, index) for index, item in enumerate(make_records(6, seed=0))]
    long = next(record for record in records if len(record.steps) >= 2)
    with pytest.raises(DataError) as caught:
        frontier_curriculum(build_word_level_codec(word_level_texts(records)), records)
    assert f"record {long.index}: {len(long.steps)} steps, but no node is 2 edges from the root, so stage 1 has no frontier node to name" in caught.value.message


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"root": 9}, "'root' must be a node index below 9 (the length of 'idx_to_symbol')"),
        ({"edges": [[0, 1], [1]]}, "'edges' must be a list of [from, to] pairs of node indices below 9"),
        ({"frontiers": [[1, 20]]}, "'frontiers' must be a list of lists of node indices below 9"),
        ({"idx_to_symbol": ["12", " "]}, "'idx_to_symbol' must be a list of node names, none of them blank"),
    ],
)
def test_malformed_graph_fields_are_named(codec: TextCodec, change: dict[str, Any], problem: str) -> None:
    with pytest.raises(DataError) as caught:
        frontier_curriculum(codec, [as_record(dict(GRAPH, **change))])
    assert caught.value.message == f"train.json: record 0: {problem} (config key 'frontier_supervision')"


def test_a_node_outside_the_vocabulary_is_refused(codec: TextCodec) -> None:
    narrow = build_word_level_codec(word_level_texts([as_record(GRAPH)]))  # node 3 appears only inside edge tokens
    with pytest.raises(DataError) as caught:
        frontier_curriculum(narrow, [as_record(GRAPH)])
    assert "record 0: node 1 ('3') is not in the model's vocabulary, so it cannot be a frontier target" in caught.value.message


# ---- thought labels (frontier_thought_labels) --------------------------------------------------


def thought_labels(codec: TextCodec, sample: Sample) -> list[int | None]:
    """Per <latent> column of ``sample``: the node its label names, None where it has no label."""
    columns = [column for column, token in enumerate(tokens(codec, sample.input_ids)) if token == LATENT]
    named: list[int | None] = []
    for column in columns:
        label = sample.labels[column]
        named.append(None if label == IGNORE_INDEX else SYMBOLS.index(str(codec.tokenizer.id_to_token(label))))
    return named


def test_thought_labels_name_a_node_of_each_thought_s_own_frontier(codec: TextCodec) -> None:
    item = encode_record(as_record(GRAPH), codec)
    cur = frontier_curriculum(codec, [as_record(GRAPH)], frontier_thought_labels=True)
    rng = random.Random(3)
    for stage in (1, 2, 3, 4):  # 4: the final stage (3 thoughts, then the answer)
        drawn = [cur.draw_sample(item, stage, rng) for _ in range(200)]
        by_thought = list(zip(*(thought_labels(codec, sample) for sample in drawn), strict=True))
        assert len(by_thought) == min(stage, 3)
        # Thought k (the hidden state fed at the k-th <latent>) names nodes k+1 edges from the root, all of them over the draws.
        for k, named in enumerate(by_thought):
            assert set(named) == set(FRONTIERS[k])
        # What follows <eot> is unchanged: a node of the stage's frontier, then the answer from the record's steps on.
        after = [tokens(codec, sample.input_ids)[tokens(codec, sample.input_ids).index(EOT) + 1 :] for sample in drawn]
        assert all(words == A for words in after) if stage >= 3 else {SYMBOLS.index(str(words[0])) for words in after} == set(FRONTIERS[stage])
    # Only the <latent> columns and the continuation carry labels.
    sample = cur.draw_sample(item, 2, rng)
    labelled = [column for column, label in enumerate(sample.labels) if label != IGNORE_INDEX]
    assert labelled == [len(Q) + 1, len(Q) + 2, len(Q) + 4, len(Q) + 5]


def test_thought_labels_stop_at_the_record_s_steps(codec: TextCodec) -> None:
    short = dict(GRAPH, steps=GRAPH["steps"][:2], answer="10")
    item = encode_record(as_record(short), codec)
    cur = frontier_curriculum(codec, [as_record(short)], frontier_thought_labels=True)
    # 3 thoughts (stage 3) for a 2-step record: the third thought has no frontier of the record's to name.
    named = thought_labels(codec, cur.draw_sample(item, 3, random.Random(4)))
    assert named[0] in FRONTIERS[0] and named[1] in FRONTIERS[1] and named[2] is None


def test_with_several_thoughts_per_step_the_last_of_each_step_is_labelled(codec: TextCodec) -> None:
    item = encode_record(as_record(GRAPH), codec)
    cur = frontier_curriculum(codec, [as_record(GRAPH)], frontier_thought_labels=True, c_thought=2)
    named = thought_labels(codec, cur.draw_sample(item, 2, random.Random(5)))
    assert len(named) == 4
    assert named[0] is None and named[1] in FRONTIERS[0] and named[2] is None and named[3] in FRONTIERS[1]


def test_without_the_key_thoughts_stay_unlabelled(codec: TextCodec) -> None:
    item = encode_record(as_record(GRAPH), codec)
    cur = frontier_curriculum(codec, [as_record(GRAPH)])
    assert cur.label_thoughts is False
    assert thought_labels(codec, cur.draw_sample(item, 3, random.Random(6))) == [None, None, None]


def test_thought_labels_need_frontier_supervision() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"train_path": "t", "val_path": "v", "coconut": True, "frontier_thought_labels": True})
    assert caught.value.where == "frontier_thought_labels"
    assert "set frontier_supervision: true as well" in caught.value.message


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"cot": True}, "config key 'frontier_supervision': trains what continuous thoughts hold, but method cot has no thoughts (use it with coconut or pause_as_thought)"),
        ({"no_thoughts": True}, "method no_thoughts has no thoughts"),
        ({"icot": True}, "method icot has no thoughts"),
        ({"coconut": True, "curriculum": False}, "but curriculum: false trains only the final stage, where the target is the answer; drop one"),
    ],
)
def test_the_key_is_refused_where_it_would_do_nothing(keys: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"train_path": "t", "val_path": "v", "frontier_supervision": True, **keys})
    assert message in caught.value.message
    assert caught.value.where == "frontier_supervision"


def test_the_key_is_off_by_default_and_accepted_with_thoughts() -> None:
    assert config_from_dict({"train_path": "t", "val_path": "v", "coconut": True}).frontier_supervision is False
    assert config_from_dict({"train_path": "t", "val_path": "v", "coconut": True, "frontier_supervision": True}).frontier_supervision
    assert config_from_dict({"train_path": "t", "val_path": "v", "frontier_supervision": True}).method == "pause_as_thought"


# ---- a real run --------------------------------------------------------------------------------


def test_a_tiny_frontier_run_trains_to_the_end_with_and_without_thought_labels(tmp_path: Path) -> None:
    # Node ids drawn from 0..19: most appear only inside edge tokens in 24 records, so the offline
    # vocabulary must take the node names from idx_to_symbol.
    records = graph_records(24, seed=7)
    train = write_json(tmp_path / "data" / "train.json", records)
    val = write_json(tmp_path / "data" / "val.json", graph_records(8, seed=8))
    losses: dict[bool, list[float]] = {}
    for label_thoughts in (False, True):
        run = tmp_path / f"run-{label_thoughts}"
        config = write_config(
            tmp_path / f"run-{label_thoughts}.yaml",
            train_path=str(train),
            val_path=str(val),
            coconut=True,
            frontier_supervision=True,
            frontier_thought_labels=label_thoughts,
            c_thought=1,
            max_latent_stage=2,
            epochs_per_stage=1,
            num_epochs=3,
            uniform_prob=0.3,
            seed=4,
            **TINY_RUN,
        )
        done = run_engine(config, run)
        assert done.returncode == 0, done.stderr
        events = read_events(run)
        assert events[-1]["type"] == "finished" and events[-1]["status"] == "completed"
        labels = [entry["label"] for entry in next(e for e in events if e["type"] == "started")["stages"]]
        assert labels == ["stage 0 · 0 thoughts · names a frontier node", "stage 1 · 1 thought · names a frontier node", "stage 2 · 2 thoughts · names a frontier node"]
        assert [e["stage"] for e in events if e["type"] == "eval"] == [0, 1, 2]
        vocabulary = json.loads((run / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
        assert all(symbol in vocabulary for record in records for symbol in record["idx_to_symbol"])
        losses[label_thoughts] = [e["loss"] for e in events if e["type"] == "step" and e["stage"] == 1]
    # The key reaches the curriculum: the two runs share seed, data and config but for it, so they
    # would train identically; the thoughts' labels change what stage 1 trains on.
    assert len(losses[True]) == len(losses[False]) > 0
    assert losses[True] != pytest.approx(losses[False], abs=1e-3)


def test_a_dataset_without_graphs_is_refused_before_training(tmp_path: Path) -> None:
    bare = [{key: item[key] for key in ("question", "steps", "answer")} for item in graph_records(4, seed=9)]
    train = write_json(tmp_path / "data" / "bare.json", bare)
    config = write_config(tmp_path / "run.yaml", train_path=str(train), val_path=str(train), coconut=True, frontier_supervision=True, max_latent_stage=2, **TINY_RUN)
    done = run_engine(config, tmp_path / "run")
    assert done.returncode != 0
    error = read_events(tmp_path / "run")[-1]
    assert error["type"] == "error"
    assert error["message"].startswith("bare.json: record 0: no graph: frontier supervision needs 'idx_to_symbol'")
    assert "(and 3 more records)" in error["message"]
    assert not (tmp_path / "run" / "checkpoints").exists()
