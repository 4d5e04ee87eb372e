"""Language the rules must read in general (own sentences, English and Chinese), not any eval set's.

    HF_HUB_OFFLINE=1 python -m pytest tests/test_rules_language.py -q
"""

from __future__ import annotations

import pytest

from assistant.extract.rules import RulesExtractor
from assistant.state import DialogueState

R = RulesExtractor(extra_brands=[])

CASES = [
    # negated and idiomatic ceilings, floors
    ({}, "a kettle? no, a microwave, nothing over 300 quid", {"category": "microwave", "budget_max": 300}),
    ({}, "dryer please, 700 tops", {"category": "dryer", "budget_max": 700}),
    ({}, "for the oven anything above 1.5k is too much", {"category": "oven", "budget_max": 1500}),
    ({}, "I can't go past 900 for a desk", {"category": "desk", "budget_max": 900}),
    ({}, "wardrobe, anything above 650 is out", {"category": "wardrobe", "budget_max": 650}),
    ({}, "a mattress, nothing under 400 because cheap ones sag", {"category": "mattress", "budget_min": 400}),
    ({}, "sofa, won't spend more than 2,000", {"category": "sofa", "budget_max": 2000}),
    ({}, "a bed frame, not a penny over 450", {"category": "bed", "budget_max": 450}),
    ({}, "a TV, I'd cap it at 800", {"category": "television", "budget_max": 800}),
    # number words
    ({}, "a dishwasher for two grand max", {"category": "dishwasher", "budget_max": 2000}),
    ({}, "fridge under fifteen hundred", {"category": "refrigerator", "budget_max": 1500}),
    ({}, "a coffee machine for under a grand", {"category": "coffee machine", "budget_max": 1000}),
    ({}, "an armchair, around five hundred", {"category": "armchair", "budget_min": 450, "budget_max": 550}),
    # sizes
    ({}, "a sofa, 2 m wide max", {"category": "sofa", "max_width_cm": 200}),
    ({}, "a 65 inch TV under 900", {"category": "television", "budget_max": 900}),
    ({"category": "wardrobe", "budget_max": 800, "max_width_cm": 120},
     "sorry, I meant 150 cm wide, not 120", {"category": "wardrobe", "budget_max": 800, "max_width_cm": 150}),
    ({"category": "desk", "budget_max": 300}, "actually the width limit is 140",
     {"category": "desk", "budget_max": 300, "max_width_cm": 140}),
    # indirect needs
    ({}, "a dishwasher that runs at night so it doesn't wake the kids",
     {"category": "dishwasher", "features": ["quiet"]}),
    ({}, "an office chair, my back is killing me", {"category": "office chair", "features": ["ergonomic"]}),
    ({}, "a desk I can raise and lower", {"category": "desk", "features": ["adjustable height"]}),
    ({}, "an air con I can control from my phone", {"category": "air conditioner", "features": ["smart"]}),
    ({}, "a vacuum, our spaniel sheds everywhere", {"category": "vacuum cleaner", "features": ["pet friendly"]}),
    ({}, "a big freezer, we cook in bulk", {"category": "freezer", "features": ["large capacity"]}),
    ({}, "a sofa where the covers go in the washing machine", {"category": "sofa", "features": ["washable cover"]}),
    ({}, "a dining table that pulls out for guests", {"category": "dining table", "features": ["extendable"]}),
    ({}, "a coffee machine that doesn't hog the worktop", {"category": "coffee machine", "features": ["compact"]}),
    ({}, "a couch with a bed in it for guests to sleep on", {"category": "sofa", "features": ["sofa bed"]}),
    # category confusions
    ({}, "a cooker hood for a small kitchen", {"category": "range hood", "room": "kitchen"}),
    ({}, "an office chair for my back at my desk", {"category": "office chair", "features": ["ergonomic"]}),
    ({}, "a sofa bed for the lounge", {"category": "sofa", "features": ["sofa bed"], "room": "living room"}),
    ({"category": "sofa"}, "the covers should go in the washing machine", {"category": "sofa", "features": ["washable cover"]}),
    ({"category": "desk"}, "a lamp sits on my desk already", {"category": "desk"}),
    # contrast
    ({"category": "sofa"}, "fabric rather than leather", {"category": "sofa", "features": ["fabric"]}),
    ({"category": "sofa"}, "not leather, fabric", {"category": "sofa", "features": ["fabric"]}),
    ({"category": "armchair"}, "leather instead of fabric", {"category": "armchair", "features": ["leather"]}),
    # brands outside the lexicon, and ordinary words
    ({"category": "cooktop"}, "Zanussi or Gorenje would be good", {"category": "cooktop", "brands": ["Zanussi", "Gorenje"]}),
    ({"category": "oven"}, "not Zanussi please", {"category": "oven", "excluded_brands": ["Zanussi"]}),
    ({"category": "oven"}, "a Lamona one would do", {"category": "oven", "brands": ["Lamona"]}),
    ({"category": "sofa"}, "anything from Loaf?", {"category": "sofa", "brands": ["Loaf"]}),
    ({}, "an air purifier, my hay fever is awful", {"category": "air purifier"}),
    ({}, "a sage green sofa", {"category": "sofa"}),
    ({}, "a Black Friday deal on a dryer", {"category": "dryer"}),
    ({}, "a Chesterfield style sofa in leather", {"category": "sofa", "features": ["leather"]}),
    ({}, "a Sage espresso machine", {"category": "coffee machine", "brands": ["Sage"]}),
    ({}, "I'd like a sofa, Thanks!", {"category": "sofa"}),
    ({}, "Hi there, I want a fridge. Maybe something quiet", {"category": "refrigerator", "features": ["quiet"]}),
    ({"category": "dishwasher"}, "Miele rather than Bosch", {"category": "dishwasher", "brands": ["Miele"],
                                                            "excluded_brands": ["Bosch"]}),
    ({"category": "dishwasher"}, "not Beko but Hotpoint", {"category": "dishwasher", "brands": ["Hotpoint"],
                                                          "excluded_brands": ["Beko"]}),
    ({"category": "oven"}, "something made by Stoves", {"category": "oven", "brands": ["Stoves"]}),
    ({"category": "armchair"}, "I like Ercol's models", {"category": "armchair", "brands": ["Ercol"]}),
    ({"category": "oven"}, "I want a Rangemaster oven", {"category": "oven", "brands": ["Rangemaster"]}),
    ({"category": "sofa"}, "an IKEA-style sofa", {"category": "sofa"}),
    ({}, "a Hay sofa", {"category": "sofa", "brands": ["Hay"]}),
    ({}, "a Welsh dresser in oak", {"category": "chest of drawers"}),
    ({}, "a sofa for the Christmas guests", {"category": "sofa"}),
    ({}, "Thursday or Friday delivery for a dryer?", {"category": "dryer"}),
    ({}, "an American fridge freezer", {"category": "refrigerator"}),
    # category words as places, and inside feature phrases
    ({}, "a bedside lamp, no, a chest of drawers next to the bed", {"category": "chest of drawers"}),
    ({}, "a TV stand for the TV in the lounge", {"category": "tv stand", "room": "living room"}),
    ({"category": "tv stand"}, "the cat sleeps on the sofa", {"category": "tv stand"}),
    ({}, "a sleeper sofa", {"category": "sofa", "features": ["sofa bed"]}),
    ({}, "沙发床", {"category": "sofa", "features": ["sofa bed"]}),
    # number words before a unit, metres and centimetres together, feet
    ({}, "a wardrobe, two metres tall at most", {"category": "wardrobe", "max_height_cm": 200}),
    ({}, "a desk no deeper than sixty centimetres", {"category": "desk", "max_depth_cm": 60}),
    ({}, "a bed a metre sixty wide", {"category": "bed", "max_width_cm": 160}),
    ({}, "a bookcase under 6 feet tall", {"category": "bookcase", "max_height_cm": 183}),
    ({}, "a microwave under ninety quid", {"category": "microwave", "budget_max": 90}),
    # Chinese: numerals, bounds, exclusions, features
    ({}, "冰箱，三千以内", {"category": "refrigerator", "budget_max": 3000}),
    ({}, "洗衣机，两千到三千", {"category": "washing machine", "budget_min": 2000, "budget_max": 3000}),
    ({}, "空调一万左右", {"category": "air conditioner", "budget_min": 9000, "budget_max": 11000}),
    ({}, "电视五千以内", {"category": "television", "budget_max": 5000}),
    ({}, "沙发3千以上", {"category": "sofa", "budget_min": 3000}),
    ({}, "床垫预算1万5以内", {"category": "mattress", "budget_max": 15000}),
    ({}, "衣柜两万以下", {"category": "wardrobe", "budget_max": 20000}),
    ({}, "床，宽度1米8以内", {"category": "bed", "max_width_cm": 180}),
    ({}, "65寸的电视", {"category": "television"}),
    ({}, "书桌，三千块左右", {"category": "desk", "budget_min": 2700, "budget_max": 3300}),
    ({}, "洗碗机，四千五以内", {"category": "dishwasher", "budget_max": 4500}),
    ({}, "冰箱在三千到五千之间", {"category": "refrigerator", "budget_min": 3000, "budget_max": 5000}),
    ({"category": "refrigerator"}, "三星的就不考虑了", {"category": "refrigerator", "excluded_brands": ["Samsung"]}),
    ({"category": "refrigerator"}, "海尔不要了", {"category": "refrigerator", "excluded_brands": ["Haier"]}),
    ({"category": "air conditioner"}, "别推荐格力", {"category": "air conditioner", "excluded_brands": ["Gree"]}),
    ({"category": "television"}, "除了小米都可以", {"category": "television", "excluded_brands": ["Xiaomi"]}),
    ({"category": "washing machine"}, "不要美的的", {"category": "washing machine", "excluded_brands": ["Midea"]}),
    ({"category": "refrigerator"}, "要海尔或者西门子", {"category": "refrigerator", "brands": ["Haier", "Siemens"]}),
    ({}, "想要一台安静的洗碗机", {"category": "dishwasher", "features": ["quiet"]}),
    ({}, "洗衣机要不吵的", {"category": "washing machine", "features": ["quiet"]}),
    ({}, "空调要能用手机控制的", {"category": "air conditioner", "features": ["smart"]}),
    ({}, "家里有猫，要一个吸尘器", {"category": "vacuum cleaner", "features": ["pet friendly"]}),
    ({}, "书桌要能升降的", {"category": "desk", "features": ["adjustable height"]}),
    ({}, "冰箱要容量大一点的", {"category": "refrigerator", "features": ["large capacity"]}),
    ({}, "油烟机放厨房", {"category": "range hood", "room": "kitchen"}),
    ({"category": "dishwasher"}, "要Lamona的", {"category": "dishwasher", "brands": ["Lamona"]}),
    ({"category": "dishwasher"}, "不要Lamona", {"category": "dishwasher", "excluded_brands": ["Lamona"]}),
]


@pytest.mark.parametrize("before,message,expected", CASES)
def test_rules_read_general_language(before, message, expected):
    state = DialogueState.from_dict(before)
    assert R.update(state, [], message).to_dict() == DialogueState.from_dict(expected).to_dict()
