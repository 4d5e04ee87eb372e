"""The training-data generator: deterministic, obeys the state spec, never uses dev-set sentences,
keeps the test split's phrasings unseen, and writes replies grounded in their cards."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.state import DialogueState, StateUpdate
from assistant.tracker import apply_update
from finetune.data import dev_sentences, generate, normalise_sentence
from finetune.report import is_grounded

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_dialogues.jsonl"


def rows(folder: Path, split: str) -> list[dict]:
    return [json.loads(line) for line in (folder / f"{split}.jsonl").read_text().splitlines()]


def shopper(row: dict) -> str:
    return row["messages"][1]["content"].rsplit("Shopper: ", 1)[1]


def state_before(row: dict) -> DialogueState:
    return DialogueState.from_json(row["messages"][1]["content"].splitlines()[0][len("State: "):])


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("data")
    generate(out, seed=5, dialogues=150, dev_path=DEV)
    return out


def test_same_seed_same_files_other_seed_differs(tmp_path):
    generate(tmp_path / "a", seed=1, dialogues=20)
    generate(tmp_path / "b", seed=1, dialogues=20)
    generate(tmp_path / "c", seed=2, dialogues=20)
    for name in ("train.jsonl", "validation.jsonl", "test.jsonl", "test_dialogues.jsonl", "data_card.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "train.jsonl").read_bytes() != (tmp_path / "c" / "train.jsonl").read_bytes()


def test_gold_states_follow_the_merge_rules(data):
    for split in ("train", "validation", "test"):
        for row in rows(data, split):
            if row["task"] != "state":
                continue
            update = StateUpdate.from_dict(json.loads(row["messages"][-1]["content"]))  # valid against the schema
            after = apply_update(state_before(row), update)
            assert after.to_dict() == row["state"], row
            s = after
            assert s.budget_min is None or s.budget_max is None or s.budget_min <= s.budget_max
            assert not {b.lower() for b in s.brands} & {b.lower() for b in s.excluded_brands}


MONEY = r"\$?(\d[\d,]*(?:\.\d+)?)(k)?"
MAX_WORDS = r"\b(?:under|below|less than|at most|no more than|up to|max)\s+"


def test_budget_sentences_mean_what_the_labels_say(data):
    """An independent reading of the spec's simplest budget rules must agree with the labels."""
    checked = 0
    for row in rows(data, "train"):
        if row["task"] != "state" or row["intent"] != "budget":
            continue
        text = shopper(row)
        m = re.search(MAX_WORDS + MONEY + r"(?!\s*(?:-|to|and)\s*\$?\d)", text)
        if not m or re.search(r"between|from|about|around|roughly|region", text):
            continue
        value = float(m.group(1).replace(",", "")) * (1000 if m.group(2) else 1)
        assert json.loads(row["messages"][-1]["content"]) == {"budget_max": round(value)}, text
        checked += 1
    zh = [r for r in rows(data, "train") if r["task"] == "state" and "以内" in shopper(r)]
    for r in zh:
        assert set(json.loads(r["messages"][-1]["content"])) == {"budget_max"}
    assert checked >= 5


def test_no_sentence_from_the_dev_set(data):
    dev = dev_sentences(DEV)
    assert len(dev) > 50
    for split in ("train", "validation", "test"):
        for row in rows(data, split):
            assert normalise_sentence(shopper(row)) not in dev


def test_test_split_phrasings_are_mostly_unseen(data):
    train = {normalise_sentence(shopper(r)) for r in rows(data, "train")}
    test = [normalise_sentence(shopper(r)) for r in rows(data, "test") if r["task"] == "state"]
    seen = sum(t in train for t in test)
    assert seen / len(test) < 0.15
    assert {r["dialogue_id"] for r in rows(data, "train")}.isdisjoint({r["dialogue_id"] for r in rows(data, "test")})


def test_reference_replies_are_grounded_and_cover_the_actions(data):
    replies = [r for r in rows(data, "train") if r["task"] == "reply"]
    for r in replies:
        assert is_grounded(r["messages"][-1]["content"], r["cards"]), r
        for card in r["cards"]:
            assert f"{card['price']:.0f}" in r["messages"][1]["content"]
    actions = {r["action"] for r in replies}
    assert {"recommend", "clarify", "no_match", "compare", "policy"} <= actions


def test_data_card_counts_match_the_files(data):
    card = json.loads((data / "data_card.json").read_text())
    for split in ("train", "validation", "test"):
        c = card["splits"][split]
        assert c["examples"] == len(rows(data, split)) == sum(c["tasks"].values())
    assert card["splits"]["train"]["update_keys"]["+features"] > 0
