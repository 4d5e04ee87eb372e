"""The training-data generator: deterministic, obeys the state spec, shows the model the numbers it must copy,
speaks English and Chinese, never uses dev-set sentences, keeps the test split's phrasings unseen, and writes
replies the chat's grounding guard accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.numbers import hints
from assistant.state import DialogueState, StateUpdate
from assistant.tracker import apply_update
from finetune.data import (dev_sentences, generate, language, length_forms, load_products, money_forms,
                           normalise_sentence, words_en, words_zh)
from finetune.report import grounded

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "knowledge" / "demo" / "catalog.jsonl"
DEV = next((p for p in (ROOT.parent / "shared" / "eval" / "dev_dialogues.jsonl",
                        ROOT.parents[1] / "shared" / "eval" / "dev_dialogues.jsonl") if p.is_file()),
           ROOT.parent / "shared" / "eval" / "dev_dialogues.jsonl")


def rows(folder: Path, split: str) -> list[dict]:
    return [json.loads(line) for line in (folder / f"{split}.jsonl").read_text().splitlines()]


def prompt_lines(row: dict) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in row["messages"][1]["content"].splitlines())


def shopper(row: dict) -> str:
    return prompt_lines(row)["Shopper"]


def state_before(row: dict) -> DialogueState:
    return DialogueState.from_json(prompt_lines(row)["State"])


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("data")
    generate(out, seed=5, dialogues=240, catalog=CATALOG, dev_path=DEV)
    return out


def state_rows(data: Path, split: str = "train") -> list[dict]:
    return [r for r in rows(data, split) if r["task"] == "state"]


def test_same_seed_same_files_other_seed_differs(tmp_path):
    generate(tmp_path / "a", seed=1, dialogues=20, catalog=CATALOG)
    generate(tmp_path / "b", seed=1, dialogues=20, catalog=CATALOG)
    generate(tmp_path / "c", seed=2, dialogues=20, catalog=CATALOG)
    for name in ("train.jsonl", "validation.jsonl", "test.jsonl", "test_dialogues.jsonl", "data_card.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "train.jsonl").read_bytes() != (tmp_path / "c" / "train.jsonl").read_bytes()


def test_gold_states_follow_the_merge_rules(data):
    for split in ("train", "validation", "test"):
        for row in state_rows(data, split):
            target = row["messages"][-1]["content"]
            update = StateUpdate.from_dict(json.loads(target))  # valid against the schema
            assert update.to_json() == target  # the compact form the chat parses
            after = apply_update(state_before(row), update)
            assert after.to_dict() == row["state"], row
            s = after
            assert s.budget_min is None or s.budget_max is None or s.budget_min <= s.budget_max
            assert not {b.lower() for b in s.brands} & {b.lower() for b in s.excluded_brands}


def test_the_numbers_line_holds_every_number_the_target_writes(data):
    """The model copies numbers, it never has to read "1.2k" or 三千 itself: the prompt's Numbers line is
    ``assistant.numbers.hints`` of the message, and each number in the target is there (an "around X"
    pair is X ±10%)."""
    checked = 0
    for row in state_rows(data):
        update = json.loads(row["messages"][-1]["content"])
        shown = prompt_lines(row).get("Numbers", "")
        assert shown == ", ".join(hints(shopper(row)))
        values = shown.split(", ") if shown else []
        for key in ("max_width_cm", "max_depth_cm", "max_height_cm"):
            if update.get(key) is not None:  # "cm" is shown where the reader saw the unit
                assert {f"{update[key]}cm", str(update[key])} & set(values), row
                checked += 1
        lo, hi = update.get("budget_min"), update.get("budget_max")
        around = lo is not None and hi is not None and any(
            v.isdigit() and (round(0.9 * int(v)), round(1.1 * int(v))) == (lo, hi) for v in values)
        for v in (lo, hi):
            if v is not None and not around:
                assert str(v) in values, row
                checked += 1
    assert checked > 100


def test_both_languages_and_chinese_brands_in_latin(data):
    train = state_rows(data)
    zh = [r for r in train if language(shopper(r)) == "zh"]
    assert 0.25 < len(zh) / len(train) < 0.6
    assert {r["lang"] for r in train} == {"en", "zh"}
    for r in zh:
        assert all(ch.isascii() for b in r["state"].get("brands", []) + r["state"].get("excluded_brands", [])
                   for ch in b)
    unchanged = [r for r in train if r["messages"][-1]["content"] == "{}"]
    assert len(unchanged) > 0.05 * len(train)  # greetings, thanks, questions about shown products


def test_number_writers():
    assert [words_zh(n) for n in (3000, 2500, 12000, 20000, 1800)] == ["三千", "两千五", "一万二", "两万", "一千八"]
    assert words_en(1250) == "one thousand two hundred and fifty"
    assert "1.2k" in money_forms(1200, "en") and "fifteen hundred" in money_forms(1500, "en")
    assert ("24 inches", 61) in length_forms(60, "en") and ("1.4 m", 140) in length_forms(140, "en")


def test_no_sentence_from_the_dev_set(data):
    dev = dev_sentences(DEV)
    assert len(dev) > 50
    for split in ("train", "validation", "test"):
        for row in state_rows(data, split):
            assert normalise_sentence(shopper(row)) not in dev


def test_test_split_phrasings_are_mostly_unseen(data):
    train = {normalise_sentence(shopper(r)) for r in state_rows(data)}
    test = [normalise_sentence(shopper(r)) for r in state_rows(data, "test")]
    seen = sum(t in train for t in test)
    assert seen / len(test) < 0.2
    assert {r["dialogue_id"] for r in rows(data, "train")}.isdisjoint({r["dialogue_id"] for r in rows(data, "test")})


def test_reference_replies_pass_the_chat_guard(data):
    products = {p.id: p for p in load_products(CATALOG)}
    replies = [r for r in rows(data, "train") if r["task"] == "reply"]
    assert replies
    for r in replies:
        given = [products[c["id"]] for c in r["cards"]]
        assert grounded(r["messages"][-1]["content"], given, DialogueState.from_dict(r["state"])), r
        for c in r["cards"]:
            assert f"{c['price']:.0f}" in r["messages"][1]["content"]
    assert {"recommend", "no_match"} <= {r["action"] for r in replies}


def test_data_card_counts_match_the_files(data):
    card = json.loads((data / "data_card.json").read_text())
    for split in ("train", "validation", "test"):
        c = card["splits"][split]
        assert c["examples"] == len(rows(data, split)) == sum(c["tasks"].values())
    keys = card["splits"]["train"]["update_keys"]
    for key in ("category", "budget_max", "budget_min", "+features", "-features", "+excluded_brands", "room",
                "max_width_cm", "brands", "+brands"):
        assert keys.get(key, 0) > 0, key
