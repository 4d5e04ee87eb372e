"""Store insights from the transcripts: conversations, the purchase-intent funnel, top requests,
unmet demand, feedback per action and hand-off reasons. Aggregates only, never a shopper's words.

    from ui.insights import compute, plots, render_html
    data = compute(open_store("transcripts.sqlite3"), since=None)
    data["unmet_demand"][0]["summary"]   # 'dishwashers ≤ 45 cm wide, under 400: asked 37 times, nearest 449'
    html = render_html(data, plots(data))

Unmet demand comes from no-match turns: the blocking constraint and the nearest option are read
from the turn's ``meta["blocker"]`` when the turn stored it, else worked out from what the turn
kept (its state and the nearest-option cards, which by construction break the blocker): the first
hard constraint, in ``knowledge.filters.HARD_KEYS`` order, that every nearest option breaks.
The stage comes from the turn's ``meta["intent"]`` when stored, else from ``intent_stage.stages``.
"""

from __future__ import annotations

import base64
import io
from collections import Counter, defaultdict
from datetime import datetime, timezone
from html import escape
from typing import Any, Iterable

from assistant.dialogue.intent_stage import FUNNEL, STAGES, stages
from assistant.state import DialogueState
from knowledge import filters
from knowledge.schema import Product

KEYS = ("conversations", "funnel", "top_requests", "unmet_demand", "feedback", "handoffs")
SIZE_WORDS = {"max_width_cm": "wide", "max_depth_cm": "deep", "max_height_cm": "tall"}


# ---- aggregation ----------------------------------------------------------------------------------
def compute(store, since: float | None = None, top: int = 10) -> dict[str, Any]:
    """The six insight sections over the sessions started at or after ``since`` (Unix time)."""
    return aggregate(store.turns(since=since), top)


def aggregate(turns: Iterable[dict[str, Any]], top: int = 10) -> dict[str, Any]:
    sessions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in turns:
        sessions[t["session_id"]].append(t)
    return {"conversations": _conversations(sessions), "funnel": _funnel(sessions),
            "top_requests": _top_requests(sessions, top), "unmet_demand": _unmet(sessions, top),
            "feedback": _feedback(sessions), "handoffs": _handoffs(sessions)}


def _day(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d")


def _conversations(sessions) -> dict[str, Any]:
    per_day = Counter(_day(ts[0]["time"]) for ts in sessions.values())
    return {"total": len(sessions), "turns": sum(len(ts) for ts in sessions.values()),
            "per_day": dict(sorted(per_day.items()))}


def session_intents(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stage and score after each turn: stored with the turn, else derived from the turns."""
    if all("intent" in t.get("meta", {}) for t in turns):
        return [t["meta"]["intent"] for t in turns]
    return [i.to_dict() for i in stages(turns)]


def _funnel(sessions) -> dict[str, Any]:
    final, reached, scores = Counter(), Counter(), []
    for turns in sessions.values():
        intents = session_intents(turns)
        final[intents[-1]["stage"]] += 1
        scores.append(intents[-1]["score"])
        furthest = max((FUNNEL.index(i["stage"]) for i in intents if i["stage"] in FUNNEL), default=0)
        for stage in FUNNEL[:furthest + 1]:
            reached[stage] += 1
    return {"final": {s: final[s] for s in STAGES}, "reached": {s: reached[s] for s in FUNNEL},
            "mean_score": round(sum(scores) / len(scores), 3) if scores else None}


def _top_requests(sessions, top: int) -> dict[str, list[dict[str, Any]]]:
    counts = {k: Counter() for k in ("categories", "features", "brands", "excluded_brands", "rooms")}
    for turns in sessions.values():
        seen = defaultdict(set)   # once per conversation, however often it was repeated
        for t in turns:
            s = t["state"]
            if s.get("category"):
                seen["categories"].add(s["category"])
            if s.get("room"):
                seen["rooms"].add(s["room"])
            seen["features"].update(s.get("features", []))
            seen["brands"].update(b.strip() for b in s.get("brands", []))
            seen["excluded_brands"].update(b.strip() for b in s.get("excluded_brands", []))
        for k, values in seen.items():
            counts[k].update(values)
    return {k: [{"name": n, "conversations": c} for n, c in sorted(cnt.items(), key=lambda x: (-x[1], x[0]))[:top]]
            for k, cnt in counts.items()}


def _card_product(card: dict[str, Any]) -> Product:
    sizes = card.get("sizes") or {}
    return Product(id=str(card.get("id", "")), name=str(card.get("name", "")), brand=str(card.get("brand", "")),
                   category=card.get("category") or "", price=float(card.get("price") or 0),
                   currency=card.get("currency") or "", width_cm=sizes.get("width_cm"),
                   depth_cm=sizes.get("depth_cm"), height_cm=sizes.get("height_cm"))


def blocker_of(turn: dict[str, Any]) -> dict[str, Any] | None:
    """A no-match turn's blocking constraint and nearest option: ``{"key", "limit", "nearest":
    {"id", "name", "brand", "price", "currency", "value", "unit"}}``; None when it cannot be told."""
    stored = turn.get("meta", {}).get("blocker")
    if stored:
        return stored
    state = DialogueState.from_dict(turn["state"])
    # The nearest options: ``Reply.alternatives`` when the turn has them, else the no-match turn's cards.
    cards = turn.get("alternatives") or [c for c in turn["products"] if c.get("alternative", True)]
    if not cards:
        return {"key": "category", "limit": state.category, "nearest": None} if state.category else None
    products = [_card_product(c) for c in cards]
    broken = [set(filters.violations(p, state)) for p in products]
    key = next((k for k in filters.HARD_KEYS if k != "category" and all(k in b for b in broken)), None)
    if key is None:
        return None
    return {"key": key, "limit": getattr(state, key), "nearest": nearest_of(key, products)}


def nearest_of(key: str, products: list[Product]) -> dict[str, Any]:
    """The option closest to what blocker ``key`` asked for (cheapest, dearest, smallest, or the first)."""
    order = filters.nearest_order(key)
    best = min(products, key=order) if order else products[0]
    field = filters.NEAREST.get(key, ("price", 1.0))[0]
    value = getattr(best, field)
    return {"id": best.id, "name": best.name, "brand": best.brand, "price": best.price, "currency": best.currency,
            "value": value, "unit": "cm" if field.endswith("_cm") else best.currency}


def describe(state: dict[str, Any], blocker: str | None = None) -> str:
    """"dishwashers ≤ 45 cm wide, under 400": the hard part of an ask, the blocker first."""
    s = DialogueState.from_dict(state)
    parts: dict[str, str] = {}
    for key, word in SIZE_WORDS.items():
        if getattr(s, key) is not None:
            parts[key] = f"≤ {getattr(s, key):g} cm {word}"
    if s.budget_max is not None:
        parts["budget_max"] = f"under {s.budget_max:g}"
    if s.budget_min is not None:
        parts["budget_min"] = f"from {s.budget_min:g}"
    if s.brands:
        parts["brands"] = " or ".join(s.brands)
    if s.excluded_brands:
        parts["excluded_brands"] = "not " + ", ".join(s.excluded_brands)
    order = sorted(parts, key=lambda k: k != blocker)
    what = _plural(s.category) if s.category else "products"
    return ", ".join([what] + [parts[k] for k in order]) if parts else what


def _plural(category: str) -> str:
    if category == "chest of drawers":
        return "chests of drawers"
    return category + ("es" if category.endswith(("s", "sh", "ch")) else "s")


def _unmet(sessions, top: int) -> list[dict[str, Any]]:
    groups: dict[tuple, dict[str, Any]] = {}
    for session, turns in sessions.items():
        for t in turns:
            if t["action"] != "no_match":
                continue
            b = blocker_of(t)
            if b is None:
                continue
            hard = {k: v for k, v in t["state"].items() if k in filters.HARD_KEYS}
            key = (b["key"], tuple(sorted((k, str(v)) for k, v in hard.items())))
            g = groups.setdefault(key, {"ask": describe(hard, b["key"]), "category": hard.get("category"),
                                        "blocker": b["key"], "limit": b["limit"], "constraints": hard,
                                        "asked": 0, "sessions": set(), "nearest": None})
            g["asked"] += 1
            g["sessions"].add(session)
            n = b.get("nearest")
            if n and (g["nearest"] is None or _closer(b["key"], n, g["nearest"])):
                g["nearest"] = n
    out = []
    for g in sorted(groups.values(), key=lambda g: (-g["asked"], g["ask"])):
        g["sessions"] = len(g["sessions"])
        n = g["nearest"]
        near = "" if n is None else f", nearest {n['value']:g}{' cm' if n['unit'] == 'cm' else ''}"
        if n is not None and isinstance(g["limit"], (int, float)) and isinstance(n["value"], (int, float)):
            g["gap"] = round(n["value"] - g["limit"], 2)
        if g["blocker"] == "category":
            near = " (not carried)"
        g["summary"] = f"{g['ask']}: asked {g['asked']} time{'s' if g['asked'] != 1 else ''}{near}"
        out.append(g)
    return out[:top]


def _closer(key: str, new: dict[str, Any], old: dict[str, Any]) -> bool:
    sign = filters.NEAREST.get(key, (None, 0.0))[1]
    if not sign or new["value"] is None or old["value"] is None:
        return False
    return sign * new["value"] < sign * old["value"]


def _feedback(sessions) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for turns in sessions.values():
        for t in turns:
            f = out.setdefault(t["action"], {"turns": 0, "up": 0, "down": 0, "comments": 0})
            f["turns"] += 1
            f["up"] += t["thumbs"] == "up"
            f["down"] += t["thumbs"] == "down"
            f["comments"] += bool(t["comment"])
    for f in out.values():
        rated = f["up"] + f["down"]
        f["up_rate"] = round(f["up"] / rated, 3) if rated else None
        f["rated_share"] = round(rated / f["turns"], 3)
    return dict(sorted(out.items()))


def handoff_reason(turn: dict[str, Any]) -> str:
    """Why a conversation went to a person: stored with the turn, else read from what the turn kept."""
    reason = turn.get("meta", {}).get("handoff_reason")
    if reason:
        return reason
    if not turn["user_text"]:
        return "asked (button)"
    if "not getting this right" in turn["reply_text"]:
        return "repeated failures"
    return "asked in chat"


def _handoffs(sessions) -> dict[str, Any]:
    reasons = Counter(handoff_reason(t) for ts in sessions.values() for t in ts if t["action"] == "handoff")
    return {"total": sum(reasons.values()), "reasons": dict(reasons.most_common())}


# ---- plots ------------------------------------------------------------------------------------
PLOTS = ("conversations", "funnel", "top_requests", "unmet_demand", "feedback", "handoffs")


def plots(data: dict[str, Any]) -> dict[str, bytes]:
    """One PNG per section (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = {}
    for name in PLOTS:
        fig = _FIGURES[name](plt, data)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
        plt.close(fig)
        out[name] = buf.getvalue()
    return out


def _empty(ax, text="no data yet"):
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="grey")
    ax.set_xticks([])
    ax.set_yticks([])


def _fig_conversations(plt, data):
    fig, ax = plt.subplots(figsize=(6, 3))
    days = data["conversations"]["per_day"]
    if days:
        ax.bar(list(days), list(days.values()), color="#2a9d8f")
        ax.tick_params(axis="x", rotation=45)
    else:
        _empty(ax)
    ax.set_title("Conversations per day")
    return fig


def _fig_funnel(plt, data):
    fig, ax = plt.subplots(figsize=(6, 3))
    reached, final = data["funnel"]["reached"], data["funnel"]["final"]
    labels = [s.replace("_", " ") for s in FUNNEL] + ["dropped"]
    ax.barh(labels[:4][::-1], [reached[s] for s in FUNNEL][::-1], color="#264653", label="reached")
    ax.barh(["dropped"], [final["dropped"]], color="#e76f51", label="ended dropped")
    ax.set_title("Purchase-intent funnel (conversations)")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def _fig_top(plt, data):
    fig, axes = plt.subplots(1, 3, figsize=(11, 3))
    for ax, key in zip(axes, ("categories", "features", "brands")):
        rows = data["top_requests"][key][:8]
        if rows:
            ax.barh([r["name"] for r in rows][::-1], [r["conversations"] for r in rows][::-1], color="#e9c46a")
        else:
            _empty(ax)
        ax.set_title(f"Top {key}", fontsize=10)
    fig.tight_layout()
    return fig


def _fig_unmet(plt, data):
    rows = data["unmet_demand"][:8]
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.45 * max(len(rows), 2)))
    if rows:
        ax.barh([r["ask"] for r in rows][::-1], [r["asked"] for r in rows][::-1], color="#e76f51")
        for i, r in enumerate(rows[::-1]):
            n = r.get("nearest")
            if n:
                ax.annotate(f" nearest {n['value']:g}{' cm' if n['unit'] == 'cm' else ''}", (r["asked"], i),
                            va="center", fontsize=8)
    else:
        _empty(ax, "no unmet demand")
    ax.set_title("Unmet demand: asked, nothing fits (times asked)")
    return fig


def _fig_feedback(plt, data):
    fig, ax = plt.subplots(figsize=(6, 3))
    rows = {a: f for a, f in data["feedback"].items() if f["up"] + f["down"]}
    if rows:
        ax.bar(list(rows), [f["up_rate"] for f in rows.values()], color="#2a9d8f")
        ax.set_ylim(0, 1)
        ax.tick_params(axis="x", rotation=45)
    else:
        _empty(ax, "no ratings yet")
    ax.set_title("Thumbs-up rate per action")
    return fig


def _fig_handoffs(plt, data):
    fig, ax = plt.subplots(figsize=(6, 3))
    reasons = data["handoffs"]["reasons"]
    if reasons:
        ax.bar(list(reasons), list(reasons.values()), color="#8d99ae")
    else:
        _empty(ax, "no hand-offs")
    ax.set_title("Hand-off reasons")
    return fig


_FIGURES = {"conversations": _fig_conversations, "funnel": _fig_funnel, "top_requests": _fig_top,
            "unmet_demand": _fig_unmet, "feedback": _fig_feedback, "handoffs": _fig_handoffs}


# ---- the page ---------------------------------------------------------------------------------
def render_html(data: dict[str, Any], images: dict[str, bytes]) -> str:
    """A self-contained page (plots inline as PNG data URLs): aggregates only."""
    c, f = data["conversations"], data["funnel"]
    unmet = "".join(f"<tr><td>{escape(r['summary'])}</td><td>{escape(r['blocker'])}</td>"
                    f"<td>{escape(r['nearest']['name']) if r.get('nearest') else '—'}</td></tr>"
                    for r in data["unmet_demand"])
    figs = "".join(f'<figure><img id="plot-{n}" alt="{escape(n.replace("_", " "))}" '
                   f'src="data:image/png;base64,{base64.b64encode(png).decode()}"></figure>'
                   for n, png in images.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Store insights</title>
<meta name="robots" content="noindex">
<style>body{{font-family:system-ui,sans-serif;margin:24px;max-width:1200px}}
figure{{display:inline-block;margin:8px}} img{{max-width:100%}} table{{border-collapse:collapse}}
td,th{{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}}</style></head>
<body><h1>Store insights</h1>
<p id="summary">{c['total']} conversations, {c['turns']} turns; mean purchase-intent score
{f['mean_score'] if f['mean_score'] is not None else '—'}; {f['reached']['ready_to_buy']} reached ready-to-buy,
{f['final']['dropped']} dropped; {data['handoffs']['total']} hand-offs.</p>
<section id="plots">{figs}</section>
<h2>Unmet demand</h2><table id="unmet"><tr><th>ask</th><th>blocking constraint</th><th>nearest</th></tr>{unmet}</table>
</body></html>"""
