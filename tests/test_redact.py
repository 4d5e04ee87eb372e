"""Redaction of e-mails, phone numbers and street addresses (English and Chinese) before storage.

    python -m pytest tests/test_redact.py -q
"""

import pytest

from assistant.redact import redact

POSITIVES = [
    ("mail me at anna.schmidt+shop@example.co.uk please", "mail me at [email] please"),
    ("我的邮箱是 li_wei88@qq.com", "我的邮箱是 [email]"),
    ("call me on +44 20 7946 0958 after six", "call me on [phone] after six"),
    ("my number is 415-555-2671", "my number is [phone]"),
    ("(555) 123-4567 is my cell", "[phone] is my cell"),
    ("手机13812345678，谢谢", "手机[phone]，谢谢"),
    ("电话 +86 138 1234 5678", "电话 [phone]"),
    ("座机 010-12345678", "座机 [phone]"),
    ("ring +49 30 1234567 if late", "ring [phone] if late"),
    ("deliver to 221B Baker Street, London NW1 6XE tomorrow", "deliver to [address] tomorrow"),
    ("I live at 12 rue de la Paix? no, 1600 Pennsylvania Ave NW, Washington, DC 20500",
     "I live at 12 rue de la Paix? no, [address]"),
    ("ship it to 42 Wallaby Way, Sydney", "ship it to [address]"),
    ("Flat 3, 17 Queens Road", "[address]"),
    ("address: 350 5th Avenue, apt 12", "address: [address]"),
    ("送到北京市朝阳区建国路88号", "送到[address]"),
    ("上海市浦东新区世纪大道100号3楼，周六送", "[address]，周六送"),
    ("地址是阳光花园3号楼2单元501室", "地址是[address]"),
]
NEGATIVES = [
    "I need a dishwasher 60 cm wide under 600",
    "budget 10000-15000 for a fridge",
    "between 1200-1500 euros",
    "a 2000元以内的冰箱，宽60厘米",
    "3000左右，1米8的床",
    "the 8 kg washer at 499.99",
    "model WM14N2H0, 1,299 €",
    "delivered on 2024-05-01?",
    "80 x 200 cm mattress",
    "a sofa that fits 2 people in a small place",
    "a 3 seat sofa for the living room",
    "EAN 4242005233457",
    "a 65 inch TV, 55 dB, A+++",
    "我家在北京，客厅3米宽",
    "2 way speakers",
    "the 1st one",
]


@pytest.mark.parametrize("text,expected", POSITIVES)
def test_pii_is_replaced(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", NEGATIVES)
def test_shopping_numbers_stay(text):
    assert redact(text) == text


def test_redaction_keeps_the_rest_of_a_shopping_message():
    text = "a quiet dishwasher under 600, 45 cm wide; call 020 7946 0958 or mail me: a@b.de"
    assert redact(text) == "a quiet dishwasher under 600, 45 cm wide; call [phone] or mail me: [email]"
    assert redact("") == ""
