"""The bundle part of the state (assistant/bundle.py): validation, JSON round trips, the update rules.

    HF_HUB_OFFLINE=1 /work/main/.venv/bin/python -m pytest tests/test_bundle_state.py -q
"""

from __future__ import annotations

import pytest

from assistant.bundle import BundleItem, BundleState, BundleUpdate, ItemChange, apply_bundle_update
from assistant.state import UNSET, DialogueState, StateError

LIVING = BundleState.from_dict({"items": [{"category": "sofa", "features": ["leather"]}, {"category": "coffee table"},
                                          {"category": "tv stand"}], "total_max": 2000, "room": "living room"})


def test_canonical_values_and_round_trip():
    b = BundleState.from_dict({"items": [{"category": "couch", "quantity": 2, "brands": ["Hartwell", "hartwell"]},
                                         {"category": "closet", "max_width_cm": 120}],
                               "total_max": 3000.0, "colour": " Walnut ", "match": ["material"]})
    assert b.categories == ("sofa", "wardrobe")
    assert b.items[0].brands == ("Hartwell",)
    assert b.total_max == 3000 and isinstance(b.total_max, int)
    assert b.colour == "walnut"
    assert BundleState.from_dict(b.to_dict()) == b


@pytest.mark.parametrize("bad", [
    {"items": [{"category": "rug"}]},
    {"items": [{"category": "sofa"}, {"category": "couch"}]},            # one item per category
    {"items": [{"category": "sofa", "quantity": 0}]},
    {"items": [{"category": "sofa", "quantity": 2.5}]},
    {"items": [{"category": "sofa", "features": ["comfy"]}]},
    {"items": [{"category": "sofa", "colour": "red"}]},                  # colour is shared, not per item
    {"items": [], "total_max": -5},
    {"items": [], "room": "garage"},
    {"items": [], "match": ["style"]},
    {"items": [], "budget": 100},
    {"items": [{"category": "sofa"}], "brands": "IKEA"},
])
def test_bad_bundles_fail_clearly(bad):
    with pytest.raises(StateError):
        BundleState.from_dict(bad)


def test_dialogue_state_carries_the_bundle_without_changing_the_metrics():
    s = DialogueState.from_dict({"category": "sofa", "budget_max": 900, "bundle": LIVING.to_dict()})
    assert s.bundle == LIVING
    assert DialogueState.from_json(s.to_json()) == s
    assert s.pairs() == DialogueState(category="sofa", budget_max=900).pairs()  # the spec's ten slots only
    assert "bundle" not in DialogueState(category="sofa").to_dict()
    with pytest.raises(StateError):
        DialogueState(bundle="sofa and table")


def test_item_state_is_the_specs_state_for_one_item():
    b = LIVING.replace(excluded_brands=("Bramble",), brands=("Hartwell",))
    b = apply_bundle_update(b, BundleUpdate(change=(ItemChange("tv stand", brands=("Norrsken",), max_width_cm=150),)))
    st = b.item_state("tv stand")
    assert st == DialogueState(category="tv stand", brands=("Norrsken",), excluded_brands=("Bramble",),
                               room="living room", max_width_cm=150)
    assert b.item_state("sofa").brands == ("Hartwell",)  # no brand of its own: the shared one
    assert b.item_state("sofa").features == ("leather",)


def test_updates_add_remove_total_and_keep_the_rest():
    b = apply_bundle_update(LIVING, BundleUpdate(add=(BundleItem("armchair", quantity=2),)))
    assert b.categories == ("sofa", "coffee table", "tv stand", "armchair")
    b = apply_bundle_update(b, BundleUpdate(remove=("tv stand",)))
    assert b.categories == ("sofa", "coffee table", "armchair")
    b = apply_bundle_update(b, BundleUpdate(total_max=1500))
    assert (b.total_max, b.room, b.item("sofa").features) == (1500, "living room", ("leather",))
    b = apply_bundle_update(b, BundleUpdate(total_max=None))
    assert b.total_max is None
    assert not BundleUpdate(total_max=None).is_empty() and BundleUpdate().is_empty()


def test_adding_an_item_already_there_merges_instead_of_duplicating():
    b = apply_bundle_update(LIVING, BundleUpdate(add=(BundleItem("sofa", features=("sofa bed",), budget_max=900),)))
    assert b.categories == LIVING.categories
    assert b.item("sofa").features == ("leather", "sofa bed") and b.item("sofa").budget_max == 900


def test_excluding_a_brand_reaches_every_item():
    b = apply_bundle_update(LIVING, BundleUpdate(change=(ItemChange("sofa", brands=("Bramble",)),)))
    b = apply_bundle_update(b, BundleUpdate(exclude_brands=("bramble",)))
    assert b.item("sofa").brands == () and b.excluded_brands == ("bramble",)
    b = apply_bundle_update(b, BundleUpdate(brands=("Bramble",)))  # asked for again: no longer excluded
    assert b.brands == ("Bramble",) and b.excluded_brands == ()


def test_item_changes_replace_scalars_and_edit_features():
    b = apply_bundle_update(LIVING, BundleUpdate(change=(
        ItemChange("sofa", remove_features=("leather",), add_features=("fabric",), budget_max=1200, quantity=UNSET),)))
    assert b.item("sofa") == BundleItem("sofa", features=("fabric",), budget_max=1200)


def test_new_bundle_replaces_dropping_everything_closes_and_edits_need_an_open_bundle():
    other = BundleState(items=(BundleItem("bed"), BundleItem("mattress")), total_max=900)
    assert apply_bundle_update(LIVING, BundleUpdate(new=other)) == other
    assert apply_bundle_update(other, BundleUpdate(remove=("bed", "mattress"))) is None
    assert apply_bundle_update(LIVING, BundleUpdate(close=True)) is None
    assert apply_bundle_update(None, BundleUpdate(total_max=100)) is None
    assert apply_bundle_update(None, BundleUpdate(add=(BundleItem("desk"),))).categories == ("desk",)


def test_bundle_update_json_round_trip_and_validation():
    from assistant.extract.bundle import parse_bundle

    texts = ["Furnish my living room for 2,000: sofa, coffee table and a TV stand", "add two armchairs",
             "drop the TV stand", "make the total 1,500", "the sofa should be leather", "not Bramble", "all in walnut",
             "forget the bundle", "the sofa under 900, no wider than 200 cm"]
    b = None
    for text in texts:
        p = parse_bundle(text, b)
        assert p is not None, text
        again = BundleUpdate.from_dict(p.update.to_dict())
        assert again == p.update, text
        assert apply_bundle_update(b, again) == apply_bundle_update(b, p.update)
        b = apply_bundle_update(b, p.update) or b
    for bad in ({"+items": [{"category": "rug"}]}, {"items": {"sofa": {"+features": ["comfy"]}}}, {"total": 5},
                {"items": {"sofa": {"quantity": 0}}}, {"+match": ["style"]}, {"-items": "sofa"}):
        with pytest.raises(StateError):
            BundleUpdate.from_dict(bad)
