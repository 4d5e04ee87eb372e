"""Redact e-mail addresses, phone numbers and street addresses (English and Chinese) before text is stored.

    from assistant.redact import redact
    redact("call me on 138 1234 5678 or mail li.wei@example.cn")   # 'call me on [phone] or mail [email]'
    redact("a 60 cm dishwasher under 600")                          # unchanged: sizes and prices are not PII

Phone numbers are found by ``phonenumbers`` (Google's libphonenumber) with VALID leniency in the
regions below, so prices, sizes, model numbers and dates are left alone; a bare range of two plain
numbers ("10000-15000") is a budget, not a phone, unless the text calls it a phone number. Street
addresses are a house number with a street word (12 Baker Street, 1600 Pennsylvania Ave NW, Flat 3)
or a Chinese road + number (建国路88号, 3号楼2单元501室). A city or district alone is not redacted.
"""

from __future__ import annotations

import re

EMAIL_TOKEN, PHONE_TOKEN, ADDRESS_TOKEN = "[email]", "[phone]", "[address]"
# Where shoppers' numbers are read without a country code; "+CC ..." numbers are found in any region.
REGIONS = ("CN", "US", "GB", "DE", "FR")

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
PRICE_RANGE = re.compile(r"^[1-9]\d{2,5}\s*[-–~]\s*[1-9]\d{2,5}$")
PHONE_CONTEXT = re.compile(r"\b(phone|call|tel|mobile|cell|whatsapp|number|text me)\b|电话|手机|联系|号码|微信", re.I)

_SUFFIX = (r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|terrace|close"
           r"|crescent|square|sq|parkway|pkwy|highway|hwy|row|mews|gardens|strasse|straße|str|weg|allee|platz")
_STOP = (r"a|an|the|in|on|at|of|for|to|and|or|my|our|your|with|by|from|under|over|cm|mm|kg|inch|inches|seat|seats"
         r"|door|doors|people|person|small|big|large|wide|deep|tall|euros?|dollars?|pounds?|yuan|rmb|the")
_WORD = rf"(?:\d{{1,3}}(?:st|nd|rd|th)|(?!(?:{_STOP})\b)[A-Za-zÀ-ÿ'][\w'.-]*)"
STREET = re.compile(
    rf"(?:\b(?:flat|apt|apartment|unit|suite)\s*#?\w+,?\s+)?"
    rf"\b\d{{1,5}}[A-Za-z]?(?:[-/]\d{{1,4}})?,?\s+(?:{_WORD}\s+){{0,3}}{_WORD}?\s*(?:{_SUFFIX})\b\.?"
    rf"(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b)?"
    rf"(?:,?\s+(?:flat|apt|apartment|unit|suite|floor)\s*#?\w+)?"
    rf"(?:,\s*(?-i:[A-Z][a-z][\w-]*(?:\s+[A-Z][a-z][\w-]*)?))?"                    # , City
    rf"(?:,?\s+(?-i:[A-Z]{{2}}\s+\d{{5}}(?:-\d{{4}})?|[A-Z]{{1,2}}\d[A-Z\d]?\s*\d[A-Z]{{2}}|\d{{5}}))?",   # state+ZIP, UK, DE
    re.I)
# A leading house number must be followed by the street's name words, not a suffix alone ("2 way").
_NAMED = re.compile(rf"\d[\w/-]*,?\s+{_WORD}\s+\S", re.I)
ZH_ADDRESS = re.compile(
    r"(?:[\u4e00-\u9fa5]{2,8}?(?:省|自治区|市|区|县|镇|乡|街道))*"
    r"[\u4e00-\u9fa5A-Za-z0-9]{1,12}?(?:大道|路|街|巷|弄|胡同|里)\s*\d+\s*号(?:院|楼)?"
    r"(?:\s*[\dA-Za-z一二三四五六七八九十]+\s*(?:号楼|栋|幢|座|单元|层|楼|室|号))*"
    r"|(?:[\u4e00-\u9fa5]{2,10}(?:小区|花园|公寓|大厦|新村))\s*"
    r"(?:[\dA-Za-z一二三四五六七八九十]+\s*(?:号楼|栋|幢|座|单元|层|楼|室|号)\s*)+")


_ZH_LEAD = "送到寄发在是住址地为给请我家的：: "


def redact(text: str) -> str:
    """``text`` with each e-mail, phone number and street address replaced by a token."""
    if not text:
        return text
    text = EMAIL.sub(EMAIL_TOKEN, text)
    text = ZH_ADDRESS.sub(_zh_address, text)
    text = STREET.sub(lambda m: ADDRESS_TOKEN if _NAMED.match(m.group(0).split(",")[0] + " ") or
                      m.group(0).lower().startswith(("flat", "apt", "apartment", "unit", "suite"))
                      else m.group(0), text)
    return _redact_phones(text)


def _zh_address(m: re.Match) -> str:
    # Without word segmentation the match may start with the verb before the address ("送到北京市…").
    found = m.group(0)
    lead = len(found) - len(found.lstrip(_ZH_LEAD))
    return found[:lead] + ADDRESS_TOKEN


def _redact_phones(text: str) -> str:
    import phonenumbers

    spans: list[tuple[int, int]] = []
    phone_talk = bool(PHONE_CONTEXT.search(text))
    for region in REGIONS:
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            if PRICE_RANGE.match(m.raw_string) and not phone_talk:
                continue
            spans.append((m.start, m.end))
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue   # found again in another region, or overlapping
        out += [text[last:start], PHONE_TOKEN]
        last = end
    return "".join(out + [text[last:]])
