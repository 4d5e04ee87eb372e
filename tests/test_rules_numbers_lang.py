"""Number parsing beyond digits: Chinese numerals, English number words, signs, hints for the LM.

    HF_HUB_OFFLINE=1 python -m pytest tests/test_rules_numbers_lang.py -q
"""

from __future__ import annotations

import pytest

from assistant.numbers import hints, read_numbers
from assistant.state import UNSET


@pytest.mark.parametrize("text,lo,hi", [
    ("三千以内", UNSET, 3000), ("两千到三千", 2000, 3000), ("一万左右", 9000, 11000), ("五千以内", UNSET, 5000),
    ("3千以上", 3000, UNSET), ("1万5以内", UNSET, 15000), ("两万以下", UNSET, 20000), ("一千二以内", UNSET, 1200),
    ("不超过八百", UNSET, 800), ("三千到五千之间", 3000, 5000), ("两千五左右", 2250, 2750),
    ("十万以内", UNSET, 100000), ("九百九十九以内", UNSET, 999),
    ("under two grand", UNSET, 2000), ("fifteen hundred max", UNSET, 1500), ("less than a grand", UNSET, 1000),
    ("around five hundred", 450, 550),
    ("no more than twelve hundred", UNSET, 1200), ("2.5 grand tops", UNSET, 2500),
])
def test_spoken_and_chinese_numbers(text, lo, hi):
    n = read_numbers(text)
    assert (n.budget_min, n.budget_max) == (lo, hi)


@pytest.mark.parametrize("text,sizes", [
    ("宽度1米8以内", {"max_width_cm": 180}), ("1米5宽", {"max_width_cm": 150}), ("高不超过2米", {"max_height_cm": 200}),
    ("2 m wide max", {"max_width_cm": 200}), ("1.4 m wide", {"max_width_cm": 140}), ("65寸的电视", {}),
    ("宽60厘米以内", {"max_width_cm": 60}),
])
def test_sizes_in_metres_and_chinese(text, sizes):
    assert read_numbers(text).sizes == sizes


def test_negative_numbers_keep_their_sign():
    n = read_numbers("under -300")
    assert n.budget_max is UNSET and n.budget_min is UNSET and n.negative == [-300]
    assert "-300" in hints("budget -300") and "300" not in hints("budget -300")
    assert read_numbers("500-800").negative == []  # a range dash is not a sign


def test_hints_see_chinese_numerals_and_number_words():
    assert hints("三千以内的冰箱") == ["3000"]
    assert hints("under two grand, 1米8宽") == ["2000", "180cm"]
    assert hints("fifteen hundred for a 24 inch wide one") == ["1500", "61cm"]
    assert hints("65寸电视") == ["65"]
    assert hints("a quiet one please") == []
