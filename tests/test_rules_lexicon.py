"""Categories, features, rooms and brands: synonyms, plurals, typos, paraphrases, Chinese, negation."""

import pytest

from assistant.extract.rules import RulesExtractor
from assistant.lexicon import store_brands
from assistant.state import DialogueState

EX = RulesExtractor(extra_brands=())


def said(text, state=DialogueState()):
    return EX.update(state, [], text)


@pytest.mark.parametrize("text,category", [
    ("a fridge", "refrigerator"), ("fridges please", "refrigerator"), ("fridg under 1k", "refrigerator"),
    ("need a tv stnad", "tv stand"), ("a cordless vacum", "vacuum cleaner"), ("robot vacuums", "robot vacuum"),
    ("tumble dryers", "dryer"), ("a couch", "sofa"), ("dresser", "chest of drawers"), ("an induction hob", "cooktop"),
    ("extractor hoods", "range hood"), ("我想买冰箱", "refrigerator"), ("洗衣机", "washing machine"),
    ("an office chair", "office chair"), ("dining chairs", "dining chair"), ("bookshelves", "bookcase"),
])
def test_categories(text, category):
    assert said(text).category == category


@pytest.mark.parametrize("text,features", [
    ("something that doesn't make much noise", ["quiet"]), ("low dB please", ["quiet"]),
    ("no-frost", ["frost free"]), ("A+++ rated", ["energy efficient"]), ("with wifi", ["smart"]),
    ("a sit-stand desk", ["adjustable height"]), ("good lumbar support", ["ergonomic"]),
    ("one I can sleep on", ["sofa bed"]), ("for a small apartment", ["compact"]), ("静音的", ["quiet"]),
])
def test_feature_paraphrases(text, features):
    assert list(said(text).features) == features


@pytest.mark.parametrize("text,room", [("for the lounge", "living room"), ("kids' room", "kids room"),
                                       ("for my study", "home office"), ("放卧室", "bedroom"),
                                       ("utility room", "laundry room")])
def test_rooms(text, room):
    assert said(text).room == room


def test_office_chair_is_not_the_home_office():
    assert said("an office chair").room is None


@pytest.mark.parametrize("text,excluded", [
    ("not Samsung", ["Samsung"]), ("no Samsung please", ["Samsung"]), ("anything but Samsung", ["Samsung"]),
    ("nothing from samsung or lg", ["Samsung", "LG"]), ("不要三星", ["Samsung"]), ("Not Ashley.", ["Ashley"]),
])
def test_exclusions(text, excluded):
    s = said(text)
    assert list(s.excluded_brands) == excluded and not s.brands


def test_brands_and_their_usual_spelling():
    assert said("Bosch or Siemens would be great").brands == ("Bosch", "Siemens")
    assert said("ideally from ikea").brands == ("IKEA",)
    assert said("Herman Miller or Steelcase").brands == ("Herman Miller", "Steelcase")


def test_store_brands_come_from_the_store_yaml(tmp_path):
    store = tmp_path / "store.yaml"
    store.write_text("products:\n  - {name: A, brand: Nordhem}\n  - {name: B, brand: Kallio}\n")
    assert store_brands(store) == ["Kallio", "Nordhem"]
    assert RulesExtractor(extra_brands=store_brands(store)).update(DialogueState(), [], "not Nordhem"
                                                                   ).excluded_brands == ("Nordhem",)
    assert store_brands(tmp_path / "missing.yaml") == []


@pytest.mark.parametrize("text", ["Hello there!", "Thanks, that's really helpful!", "How loud is the second one?",
                                  "谢谢！第二款多少钱？", "does the first one have a drain hose?"])
def test_small_talk_and_product_questions_change_nothing(text):
    s = DialogueState(category="microwave", budget_max=150, features=("quiet",))
    assert said(text, s) == s


@pytest.mark.parametrize("text,left", [
    ("it doesn't need to be quiet", {"leather", "ice maker"}), ("forget the ice maker", {"quiet", "leather"}),
    ("no leather please", {"quiet", "ice maker"}), ("the sofa shouldn't be leather", {"quiet", "ice maker"}),
    ("no more than 400, and quiet", {"quiet", "leather", "ice maker"}),
])
def test_feature_removal(text, left):
    s = DialogueState(features=("quiet", "leather", "ice maker"))
    assert set(said(text, s).features) == left


def test_a_negation_covers_the_list_but_not_a_wanted_brand_after_it():
    assert said("nothing from Samsung, LG or Haier").excluded_brands == ("Samsung", "LG", "Haier")
    s = said("Actually, not Siemens, Bosch only")
    assert s.brands == ("Bosch",) and s.excluded_brands == ("Siemens",)


def test_the_issue_example_in_chinese():
    assert said("想买个冰箱，3000元以内，不要海尔").to_dict() == {
        "category": "refrigerator", "budget_max": 3000, "excluded_brands": ["Haier"]}


def test_a_complaint_is_not_a_request_and_too_is_not_also():
    s = DialogueState(brands=("Bosch",))
    assert said("Miele is too pricey, Siemens then", s).brands == ("Siemens",)
    assert said("show me LG too", s).brands == ("Bosch", "LG")
