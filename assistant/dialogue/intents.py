"""What the shopper wants this turn, by rules: cheap, predictable, and testable without a model."""

from __future__ import annotations

import re

# A greeting or thanks counts only when the message carries nothing else (no question, no new need).
GREETING = re.compile(r"^\s*(hi|hello|hey|good (morning|afternoon|evening)|hiya|howdy|你好)\b[^?]{0,30}$", re.I)
THANKS = re.compile(r"^\s*(thanks?|thank (you|u)|thx|cheers|great,? thanks|ok(ay)?,? thanks|bye|goodbye|谢谢)\b[^?]{0,40}$", re.I)
HANDOFF = re.compile(r"\b(human|real person|a person|someone real|agent|representative|customer service|staff member|speak to (someone|a))\b", re.I)
CHEAPER = re.compile(r"\b(cheaper|less expensive|lower[- ]priced?|more affordable|too (expensive|pricey|much))\b", re.I)
MORE = re.compile(r"\b(show( me)? (some )?more|more options|other options|anything else|next ones?|see more|what else)\b", re.I)
COMPARE = re.compile(r"\b(compare|comparison|difference between|versus|vs\.?|which (one )?is (the )?\w+er|which (one )?(is|has) (the )?(most|least|best|quietest|cheapest|biggest|smallest|lightest))\b", re.I)
POLICY = re.compile(r"\b(deliver(y|ies)?|shipping|ship|returns?|refunds?|exchange|install(ation|ed)?|warrant(y|ies)|guarantee|pay(ment)?|financ(e|ing)|instal?ments?|opening hours)\b", re.I)
PRODUCT_Q = re.compile(r"\b(how (big|wide|deep|tall|loud|quiet|heavy|much (is|does))|dimensions?|size of|measure|noise|decibels?|db|energy class|capacity|warranty|in stock|colou?rs?|made of|material|weight|(does|do) (it|they|that|this|the [\w ]+?) (have|come with)|is (it|that) )", re.I)
OFF_TOPIC = re.compile(r"\b(weather|joke|poem|recipe|news|politic\w*|football|soccer|homework|stock market|bitcoin|who won|song|movie|capital of)\b", re.I)
SHOPPING = re.compile(r"\b(buy|need|looking|want|recommend|suggest|search|find|shop|budget|price|cheap|afford|brand|product|furniture|appliance|something|help)\b", re.I)
DECLINE = re.compile(r"\b(no (idea|preference|budget)|don'?t know|not sure|doesn'?t matter|any( price| budget)?|whatever|just show|skip|no limit)\b", re.I)


# Intents that answer from what is already known: the turn leaves the dialogue state as it was.
KEEP_STATE = frozenset({"handoff", "greet", "thanks", "more", "cheaper", "compare", "product_question", "policy"})


def may_shop(message: str, has_shown: bool, refers_to_product: bool) -> bool:
    """Whether the words may change the state (so an LM extractor is worth asking): False when, if the
    rules find nothing new, the turn answers from what is known (a comparison, a store question, "more")."""
    return classify(message, False, has_shown, refers_to_product) not in KEEP_STATE


def classify(message: str, state_changed: bool, has_shown: bool, refers_to_product: bool) -> str:
    """One of: greet, thanks, handoff, more, cheaper, compare, product_question, policy, off_topic, shop.

    Order matters: a hand-off request wins over everything, a greeting only counts alone, and a
    message that updates the state is shopping even if it also says "thanks".
    """
    if HANDOFF.search(message):
        return "handoff"
    if not state_changed and GREETING.match(message):
        return "greet"
    if not state_changed and THANKS.match(message):
        return "thanks"
    if has_shown and MORE.search(message) and not state_changed:
        return "more"
    if has_shown and COMPARE.search(message):
        return "compare"   # before "cheaper": "which one is cheaper?" compares what is shown
    if has_shown and CHEAPER.search(message) and not state_changed:
        return "cheaper"
    if has_shown and PRODUCT_Q.search(message) and not state_changed:
        return "product_question"
    if not state_changed and (POLICY.search(message) or has_shown and message.rstrip().endswith("?")):
        return "policy"   # a store question: answered from the documents, or "I don't know"
    if has_shown and refers_to_product and not state_changed:
        return "product_question"
    if not state_changed and (OFF_TOPIC.search(message) or not SHOPPING.search(message) and not has_shown
                              and not DECLINE.search(message)):
        return "off_topic"
    return "shop"
