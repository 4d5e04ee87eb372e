"""Purchase intent per conversation: a funnel stage and a score from what the shopper did.

    from assistant.dialogue.intent_stage import stages, update, Intent
    stages([{"user": "a quiet dishwasher", "action": "recommend"},
            {"user": "compare the first two", "action": "compare"}])[-1].stage    # 'comparing'
    intent = update(Intent(), "送货要多久？", "policy", {"category": "refrigerator"})

Stages, furthest first: ``ready_to_buy`` ("I'll take it", 下单), ``deciding`` (delivery, returns,
warranty, installation, payment or stock questions once products were shown; "I like the second
one"), ``comparing`` (a comparison or a question about a shown product), ``browsing`` (stating needs).
``dropped``: the shopper leaves before buying ("never mind", "I'll think about it", 算了, 再看看; a plain
"bye" drops only a conversation not yet ready to buy). The stage is the furthest reached since the
last drop: a shopper who comes back after "never mind" starts the funnel again.

The score (0..1) orders conversations inside a stage: each stage has a band, and narrowing the
needs (hard constraints in the state) and active turns lift the score inside it. Pure and
deterministic: the same turns give the same stages, with no model and no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping

STAGES = ("browsing", "comparing", "deciding", "ready_to_buy", "dropped")
FUNNEL = ("browsing", "comparing", "deciding", "ready_to_buy")
_RANK = {s: i for i, s in enumerate(FUNNEL)}
# Score band per stage: (floor, ceiling); narrowing and engagement move a conversation inside its band.
BANDS = {"browsing": (0.10, 0.30), "comparing": (0.35, 0.55), "deciding": (0.60, 0.85), "ready_to_buy": (0.90, 1.0)}
# Actions after which products are on screen: a logistics question is then about buying one of them.
SHOWING = frozenset({"recommend", "more", "cheaper", "no_match", "compare", "product_question"})
COMPARING_ACTIONS = frozenset({"compare", "product_question"})
# Hard constraints: each one the shopper adds narrows the search.
NARROWING = ("category", "budget_min", "budget_max", "brands", "excluded_brands", "features", "room",
             "max_width_cm", "max_depth_cm", "max_height_cm")

_NOT = r"(?<!不)(?<!别)(?<!没)"   # Chinese negation right before a cue ("不要这个" is not "要这个")
READY = re.compile(
    r"\b(i'?ll|i will|i'?m going to|let me|gonna|we'?ll|i'?d like to) (take|buy|get|order|purchase|go (with|for))"
    r" (it|this|that|them|the|one|both)\b"
    r"|\badd (it|this|that|them|the [\w -]+?) to (my |the )?(cart|basket|order)\b"
    r"|\b(check ?out|place (an|the) order|where do i pay|sold!?$|deal!?$)"
    rf"|{_NOT}(就要|我要了|就它了|就买|我买了|下单|拍下|加入购物车|加购|结账|买(这|那)(个|款|台)|要(这|那)(个|款|台))",
    re.I)
CANCEL = re.compile(
    r"\b(never ?mind|forget (it|about it)|changed? my mind|not (interested|buying)|no longer (need|want)"
    r"|i'?ll pass|(i'?ll|let me|i need to|i want to) (think (about it|it over)|sleep on it)|maybe (later|another time))\b"
    r"|算了|不要了|不买了|不用了|再考虑|考虑一下|以后再说|再看看(?!别|其他|其它|更多|还有)",
    re.I)
GOODBYE = re.compile(r"\b(bye|goodbye|see you|that'?s all|gotta go|i'?m off)\b|再见|拜拜", re.I)
COMPARE = re.compile(
    r"\b(compare|comparison|difference|differ|versus|vs\.?|which (one|is|has|of|would)|better|\w+est one)\b"
    r"|对比|比较|区别|哪个|哪款|哪一个|哪台|差别|不同|更(好|安静|便宜|省电|大|小|划算)",
    re.I)
LOGISTICS = re.compile(
    r"\b(deliver(y|ed|ies)?|shipping|ship|returns?|refunds?|exchange|warrant(y|ies)|guarantee|install(ation|ed)?"
    r"|assembly|in stock|available|availability|pay|payment|instal?lments?|financ(e|ing)|pick (it |them )?up"
    r"|collect|how soon|lead time)\b"
    r"|送货|配送|运费|包邮|快递|退货|退换|换货|保修|质保|安装|有货|现货|库存|分期|付款|支付|自提|多久(能)?到|上门",
    re.I)
LIKE = re.compile(r"\bi (really )?(like|love) (the|this|that|it)\b|\b(looks|sounds) (good|great|perfect)\b"
                  rf"|{_NOT}(喜欢|看中|这个不错|挺好)", re.I)


@dataclass(frozen=True)
class Intent:
    """The conversation's intent after a turn; ``signals`` say what moved it this turn."""

    stage: str = "browsing"
    score: float = 0.0
    reached: str = "browsing"     # the furthest funnel stage since the last drop
    shown: bool = False           # products have been on screen in this conversation
    constraints: int = 0          # hard constraints in the latest state
    active: int = 0               # turns since the last drop that moved the shopper on or narrowed the needs
    signals: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "score": self.score, "signals": list(self.signals)}


def _count(state: Mapping[str, Any] | None) -> int:
    if not state:
        return 0
    return sum(len(v) if isinstance(v, (list, tuple)) else 1
               for k, v in state.items() if k in NARROWING and v not in (None, [], ()))


def _score(stage: str, reached: str, constraints: int, active: int) -> float:
    if stage == "dropped":
        return round(0.02 + 0.04 * _RANK[reached], 3)    # a shopper who dropped while deciding is a warmer lead
    lo, hi = BANDS[stage]
    lift = min(1.0, 0.12 * constraints + 0.08 * active)
    return round(lo + (hi - lo) * lift, 3)


def update(prev: Intent, user: str, action: str | None = None, state: Mapping[str, Any] | None = None) -> Intent:
    """The intent after one more turn: the shopper's ``user`` text, the assistant's ``action`` and
    the state after the turn (None: unknown, the constraint count stays)."""
    text = user or ""
    reached = "browsing" if prev.stage == "dropped" else prev.reached
    constraints = prev.constraints if state is None else _count(state)
    signals: list[str] = []
    if constraints > prev.constraints:
        signals.append("narrowed")
    if CANCEL.search(text):
        signals.append("cancel")
    elif GOODBYE.search(text) and reached != "ready_to_buy":
        signals.append("left")
    elif READY.search(text):
        signals.append("ready")
        reached = "ready_to_buy"
    else:
        stage = "browsing"
        if prev.shown and LOGISTICS.search(text):
            signals.append("logistics")
            stage = "deciding"
        elif prev.shown and LIKE.search(text):
            signals.append("liked")
            stage = "deciding"
        elif action in COMPARING_ACTIONS or COMPARE.search(text):
            signals.append("compared")
            stage = "comparing"
        if _RANK[stage] > _RANK[reached]:
            reached = stage
    shown = prev.shown or action in SHOWING
    dropped = "cancel" in signals or "left" in signals
    active = 0 if prev.stage == "dropped" else prev.active
    active += bool(set(signals) - {"cancel", "left"})
    stage = "dropped" if dropped else reached
    return Intent(stage, _score(stage, reached, constraints, active), reached, shown, constraints, active,
                  tuple(signals))


def stages(turns: Iterable[Mapping[str, Any]]) -> list[Intent]:
    """The intent after each turn of one conversation. A turn is a mapping with ``user`` (or
    ``user_text``, as transcripts store it), optional ``action`` and ``state``. Turns without shopper
    text (a chip edit, the hand-off button) keep the stage and only update the constraint count."""
    out, intent = [], Intent()
    for t in turns:
        text = t.get("user", t.get("user_text", "")) or ""
        if text:
            intent = update(intent, text, t.get("action"), t.get("state"))
        else:
            c = intent.constraints if t.get("state") is None else _count(t.get("state"))
            shown = intent.shown or t.get("action") in SHOWING
            intent = replace(intent, constraints=c, shown=shown, signals=(),
                             score=_score(intent.stage, intent.reached, c, intent.active))
        out.append(intent)
    return out
