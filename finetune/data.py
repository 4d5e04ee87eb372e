"""Training dialogues from the catalog: annotated multi-turn shopping chats in chat ``messages`` format.

    python -m finetune.data --out runs/finetune/data --dialogues 220 --seed 13

Each dialogue is a walk over the state machine of ``shared/spec/dialogue-state.md``: every user turn
is drawn from a paraphrase bank together with the ``StateUpdate`` it means, and the gold state is
``tracker.apply_update`` over those updates, so the labels follow the spec's merge rules by
construction. Two kinds of example come out of every dialogue, built with ``assistant.prompts``
exactly as the assistant asks at run time:

1. state: ``state_messages(previous state, user turn)`` → ``StateUpdate.to_json()``;
2. reply: ``reply_messages(state, action, user turn, cards, facts)`` → a reply that names only the
   given products at their real prices (recommend, clarify, no match, compare, policy, ...).

Splits are by dialogue *and* by template family: every bank keeps every fourth phrasing for the
test split only, so the test score measures phrasings the adapter never saw. Sentences of the dev
set (``shared/eval/dev_dialogues.jsonl``) are never produced. Same seed, same files.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from assistant.prompts import reply_messages, state_messages
from assistant.state import DialogueState, StateUpdate
from assistant.tracker import apply_update

SPLITS = ("train", "validation", "test")
HELD_OUT = 4  # every 4th phrasing of a bank is reserved for the test split


def bank(rng: random.Random, options: list[str], split: str) -> str:
    """A phrasing for this split: test draws from the held-out family, train/validation from the rest."""
    held = [o for i, o in enumerate(options) if i % HELD_OUT == HELD_OUT - 1]
    seen = [o for i, o in enumerate(options) if i % HELD_OUT != HELD_OUT - 1]
    pool = held if split == "test" and held else seen or options
    return rng.choice(pool)


# ---- the catalog ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    name: str
    brand: str
    category: str
    price: float
    currency: str
    specs: dict[str, Any] = field(default_factory=dict, hash=False)
    features: tuple[str, ...] = ()
    width_cm: float | None = None

    def card(self) -> dict[str, Any]:
        return {"name": self.name, "brand": self.brand, "price": self.price, "currency": self.currency,
                "key_specs": dict(list(self.specs.items())[:3])}


# Category -> (brands, price range, spec maker, plausible features, noun forms). Used for phrasing
# and, when no catalog file exists yet, for a small built-in sample catalog.
CATEGORY_INFO: dict[str, dict[str, Any]] = {
    "refrigerator": dict(brands=["Bosch", "LG", "Samsung", "Liebherr", "Haier"], price=(450, 2200),
                         nouns=["fridge", "refrigerator", "fridge freezer", "冰箱"],
                         features=["frost free", "ice maker", "energy efficient", "quiet", "large capacity", "stainless steel"]),
    "washing machine": dict(brands=["Bosch", "Miele", "LG", "Samsung", "Electrolux"], price=(350, 1400),
                            nouns=["washing machine", "washer", "front loader", "洗衣机"],
                            features=["quiet", "energy efficient", "steam", "large capacity", "inverter", "smart"]),
    "dishwasher": dict(brands=["Bosch", "Siemens", "Miele", "Beko", "Whirlpool"], price=(300, 1200),
                       nouns=["dishwasher", "dish washer"],
                       features=["quiet", "built-in", "freestanding", "energy efficient", "compact", "fast"]),
    "dryer": dict(brands=["Bosch", "Miele", "Electrolux", "Beko"], price=(350, 1300),
                  nouns=["dryer", "tumble dryer", "clothes dryer"],
                  features=["heat pump", "energy efficient", "quiet", "large capacity"]),
    "microwave": dict(brands=["Panasonic", "Sharp", "Samsung", "Whirlpool"], price=(60, 400),
                      nouns=["microwave", "microwave oven"],
                      features=["compact", "built-in", "inverter", "stainless steel"]),
    "robot vacuum": dict(brands=["iRobot", "Roborock", "Ecovacs", "Dyson"], price=(180, 1100),
                         nouns=["robot vacuum", "robovac", "robot hoover"],
                         features=["smart", "pet friendly", "quiet", "self cleaning"]),
    "air purifier": dict(brands=["Philips", "Dyson", "Levoit", "Xiaomi"], price=(80, 700),
                         nouns=["air purifier", "air cleaner"],
                         features=["hepa filter", "quiet", "smart", "pet friendly"]),
    "television": dict(brands=["Samsung", "LG", "Sony", "TCL", "Hisense"], price=(250, 2500),
                       nouns=["TV", "television", "telly"],
                       features=["smart", "energy efficient"]),
    "sofa": dict(brands=["IKEA", "Muuto", "HAY", "Habitat"], price=(300, 2400),
                 nouns=["sofa", "couch", "settee", "沙发"],
                 features=["sofa bed", "washable cover", "modular", "leather", "fabric", "reclining", "storage"]),
    "bed": dict(brands=["IKEA", "Habitat", "Silentnight"], price=(150, 1500),
                nouns=["bed", "bed frame"],
                features=["storage", "solid wood", "compact"]),
    "mattress": dict(brands=["Emma", "Simba", "IKEA", "Tempur"], price=(150, 1600),
                     nouns=["mattress"],
                     features=["memory foam", "firm", "soft"]),
    "wardrobe": dict(brands=["IKEA", "Habitat"], price=(120, 1200),
                     nouns=["wardrobe", "closet", "armoire"],
                     features=["storage", "solid wood", "compact"]),
    "desk": dict(brands=["IKEA", "Flexispot", "HAY"], price=(60, 900),
                 nouns=["desk", "work desk", "standing desk"],
                 features=["adjustable height", "compact", "solid wood", "storage"]),
    "office chair": dict(brands=["Herman Miller", "Steelcase", "IKEA", "Autonomous"], price=(80, 1400),
                         nouns=["office chair", "desk chair", "work chair"],
                         features=["ergonomic", "adjustable height", "leather", "fabric"]),
    "dining table": dict(brands=["IKEA", "HAY", "Habitat"], price=(90, 1500),
                         nouns=["dining table", "kitchen table"],
                         features=["extendable", "solid wood", "foldable", "compact"]),
    "bookcase": dict(brands=["IKEA", "String", "Habitat"], price=(40, 700),
                     nouns=["bookcase", "bookshelf", "shelving unit"],
                     features=["storage", "solid wood", "compact"]),
}
ROOM_WORDS = {"kitchen": ["kitchen"], "living room": ["living room", "lounge"], "bedroom": ["bedroom"],
              "home office": ["home office", "study"], "laundry room": ["laundry room", "utility room"],
              "dining room": ["dining room"], "kids room": ["kids room", "children's room"]}
CATEGORY_ROOMS = {"refrigerator": "kitchen", "dishwasher": "kitchen", "microwave": "kitchen",
                  "washing machine": "laundry room", "dryer": "laundry room", "television": "living room",
                  "sofa": "living room", "bed": "bedroom", "mattress": "bedroom", "wardrobe": "bedroom",
                  "desk": "home office", "office chair": "home office", "dining table": "dining room",
                  "bookcase": "living room", "air purifier": "bedroom", "robot vacuum": "living room"}
OTHER_BRANDS = ["Smeg", "Gorenje", "Hotpoint", "Fisher & Paykel", "Breville", "Ashley"]  # not carried
MODEL_WORDS = ["Nova", "Aria", "Pro", "Lumen", "Nord", "Terra", "Vento", "Serie 4", "Alto", "Classic", "Flex", "Zen"]


def sample_catalog(seed: int = 7) -> list[Item]:
    """A small deterministic catalog over ``CATEGORY_INFO`` for when no catalog file exists."""
    rng = random.Random(seed)
    items = []
    for category, info in CATEGORY_INFO.items():
        lo, hi = info["price"]
        for i in range(8):
            brand = info["brands"][i % len(info["brands"])]
            price = round(rng.uniform(lo, hi) / 10) * 10 - 1
            feats = tuple(rng.sample(info["features"], k=min(2, len(info["features"]))))
            specs = {"width_cm": rng.choice([45, 55, 60, 70, 80, 90, 160, 200])}
            if category in ("dishwasher", "washing machine", "refrigerator", "dryer", "air purifier"):
                specs["noise_db"] = rng.randint(38, 52)
            name = f"{brand} {rng.choice(MODEL_WORDS)} {category.title()} {100 + i * 7}"
            items.append(Item(name, brand, category, float(price), "USD", specs, feats, specs["width_cm"]))
    return items


def load_catalog(path: str | Path) -> list[Item]:
    """Items from a catalog JSONL (``Product.to_dict()`` per line), or the sample catalog when it is missing."""
    path = Path(path)
    if not path.is_file():
        return sample_catalog()
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            p = json.loads(line)
            specs = {k: v for k, v in (p.get("specs") or {}).items() if isinstance(v, (int, float, str))}
            for key in ("width_cm", "depth_cm", "height_cm"):
                if p.get(key) is not None:
                    specs.setdefault(key, p[key])
            items.append(Item(p["name"], p["brand"], p["category"], float(p["price"]), p.get("currency", "USD"),
                              specs, tuple(p.get("features") or ()), p.get("width_cm")))
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path}:{n}: not a product record ({e})") from None
    return [i for i in items if i.category in CATEGORY_INFO] or sample_catalog()


def load_policy_facts(folder: str | Path) -> list[tuple[str, str]]:
    """(topic, fact sentence) pairs from policy markdown files; a few built-in facts when none exist."""
    facts = []
    for md in sorted(Path(folder).glob("*.md")) if Path(folder).is_dir() else []:
        topic = md.stem.replace("_", " ").replace("-", " ")
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", re.sub(r"[#*`>\-]", " ", md.read_text()))
                     if 30 < len(s.strip()) < 220]
        facts.extend((topic, re.sub(r"\s+", " ", s)) for s in sentences[:4])
    return facts or [
        ("returns", "Unused items can be returned within 30 days with the receipt for a full refund."),
        ("delivery", "Standard delivery takes 3 to 5 working days and is free on orders over 500."),
        ("warranty", "Large appliances come with a 2-year manufacturer warranty."),
        ("installation", "We install dishwashers and washing machines for a flat fee of 59."),
    ]


# ---- phrasing banks --------------------------------------------------------------------------------
# Each bank is a list; the index decides the family (see ``bank``). Keep at least 4 entries.

OPEN = ["I'm looking for a {noun}.", "hi, need a {noun}", "Do you sell {noun}s?", "Can you help me find a {noun}?",
        "Hello! We need a new {noun}.", "show me {noun}s", "I want to buy a {noun}", "Looking at {noun}s today.",
        "any good {noun}s?", "My old {noun} broke, I need a replacement.", "想买 {noun}", "{noun} recommendations please"]
OPEN_ROOM = ["I need a {noun} for the {room}.", "a {noun} for my {room} please", "Looking for a {noun} in the {room}.",
             "what {noun} would suit a {room}?", "Shopping for a {noun}, it goes in the {room}.",
             "{room} {noun}, what have you got?", "We're redoing the {room} and need a {noun}.",
             "Need a {noun} that works in a {room}."]
BUDGET_MAX = ["under {m}", "below {m}", "less than {m}", "at most {m}", "no more than {m}", "up to {m}",
              "max {m}", "not over {m}"]
BUDGET_MIN = ["over {m}", "more than {m}", "at least {m}", "from {m}"]
BUDGET_RANGE = ["between {a} and {b}", "{a}-{b}", "{a} to {b}", "somewhere from {a} to {b}"]
BUDGET_AROUND = ["around {m}", "about {m}", "roughly {m}", "in the region of {m}"]
BUDGET_WRAP = ["My budget is {b}.", "{b} please", "Keep it {b}.", "I can spend {b}.", "something {b}",
               "Price-wise, {b}.", "ideally {b}", "Oh and {b}, money is tight.", "budget {b}", "{b} would be good"]
BUDGET_CORRECT = ["Actually make it {m}.", "hmm, let's say {m} instead", "Change the budget to {m}.",
                  "sorry, I meant {m}", "On second thought, {m} is fine.", "ok make that {m}",
                  "Let me raise it to {m}.", "update: {m} max"]
BUDGET_CLEAR = ["Budget doesn't matter.", "any price is fine", "Forget the budget.", "money is no object actually",
                "Price isn't important.", "ignore the budget", "I don't care about price anymore.",
                "scratch the budget"]
BRAND_ONE = ["I'd like {b1}.", "Do you have {b1}?", "only {b1} please", "Preferably {b1}.", "something from {b1}",
             "I trust {b1}.", "Is there a {b1} one?", "{b1} would be nice"]
BRAND_TWO = ["{b1} or {b2} would be great.", "either {b1} or {b2}", "Show me {b1} or {b2}.", "{b1}/{b2} only",
             "I like {b1} and {b2}.", "Maybe {b1} or {b2}?", "Brands: {b1}, {b2}.", "{b1} or {b2} pls"]
BRAND_EXCLUDE = ["Not {b1} though.", "no {b1} please", "anything but {b1}", "I don't want {b1}.",
                 "Please skip {b1}.", "nothing from {b1}", "Avoid {b1}, had a bad one.", "not {b1}!"]
FEATURE_ADD = ["It should be {f}.", "needs to be {f}", "Something {f} would be ideal.", "I want it {f}.",
               "must be {f}", "{f} is important to me", "Ideally {f}.", "preferably {f}"]
FEATURE_DROP = ["It doesn't need to be {f}.", "forget {f}", "{f} isn't needed after all.", "drop the {f} part",
                "Never mind about {f}.", "no need for {f}", "I don't care about {f} anymore.", "skip {f}"]
SIZE = {"max_width_cm": ["no wider than {n}", "it has to fit a {n} gap", "max {n} wide", "at most {n} wide"],
        "max_height_cm": ["under {n} tall", "no taller than {n}", "max height {n}", "at most {n} high"],
        "max_depth_cm": ["at most {n} deep", "no deeper than {n}", "max depth {n}", "depth under {n}"]}
SIZE_WRAP = ["It must be {s}.", "space is tight: {s}", "{s}, please.", "Oh, and {s}."]
SWITCH = ["Actually, show me {noun}s instead.", "let's look at {noun}s now", "Change of plan: a {noun}.",
          "What about {noun}s?", "Switch to {noun}s please.", "forget that, I need a {noun}",
          "Can we look at {noun}s instead?", "now {noun}s"]
OFF_TOPIC = ["Thanks!", "what's the weather like today?", "cool, thank you", "Who won the game last night?",
             "ok", "Tell me a joke.", "great, thanks a lot", "hmm let me think", "haha nice", "good morning",
             "Can you write me a poem?", "thx"]
REFER = ["Tell me more about the {ord} one.", "what about the {ord} option?", "more details on the {ord} please",
         "Is the {ord} one any good?", "I like the {ord} one, tell me more.", "the {ord} one?",
         "Can you describe the {ord} one?", "What are the specs of the {ord} one?"]
COMPARE = ["Compare the first two.", "which is better, the first or the second?", "How do the top two differ?",
           "first vs second?", "Can you compare those two?", "what's the difference between them?",
           "Put the first two side by side.", "Which of those two would you pick?"]
POLICY = ["What is your {topic} policy?", "how does {topic} work?", "Tell me about {topic}.", "{topic}?",
          "Any info on {topic}?", "what are the {topic} terms?", "Quick question about {topic}.",
          "How do you handle {topic}?"]
LONG_PREFIX = ["We just moved into a new flat and are slowly furnishing everything. ",
               "My partner and I have been arguing about this for weeks, so here goes. ",
               "I've been browsing a few shops already and I'm a bit overwhelmed. ",
               "So the thing is, we have two kids and a dog and things get messy. ",
               "This is for my parents, they're not very picky but they like good quality. ",
               "Okay, long story short, the old one died yesterday. "]
CASUAL_SUFFIX = [" pls", " lol", " thx", " asap", "!!", " :)"]
ORDINALS = ["first", "second", "third"]

FEATURE_WORDS: dict[str, list[str]] = {
    "quiet": ["quiet", "silent", "low dB", "not noisy", "whisper quiet", "low-noise", "really quiet", "hushed"],
    "energy efficient": ["energy efficient", "cheap to run", "A+++", "eco", "saves electricity", "low on power",
                         "energy saving", "efficient"],
    "smart": ["smart", "wifi", "app controlled", "connected", "smart home ready", "wi-fi enabled", "smart", "app-enabled"],
    "frost free": ["frost free", "no-frost", "frost-free", "no frost"],
    "ice maker": ["with an ice maker", "ice-making", "with ice dispenser", "with built in ice maker"],
    "large capacity": ["large capacity", "big", "roomy", "high capacity", "spacious", "big capacity", "huge", "extra large"],
    "stainless steel": ["stainless steel", "stainless", "steel finish", "in stainless"],
    "steam": ["with steam", "with a steam function", "steam capable", "steam"],
    "inverter": ["inverter", "with an inverter motor", "inverter driven", "inverter"],
    "built-in": ["built-in", "integrated", "built in", "fully integrated"],
    "freestanding": ["freestanding", "free standing", "stand-alone", "freestanding"],
    "compact": ["compact", "small", "for a small apartment", "slim", "space saving", "tiny", "narrow", "compact"],
    "fast": ["fast", "quick", "speedy", "with a quick cycle"],
    "heat pump": ["heat pump", "with a heat pump", "heat-pump", "heat pump type"],
    "pet friendly": ["pet friendly", "good with pet hair", "for pet hair", "pet proof"],
    "self cleaning": ["self cleaning", "self-emptying", "self-cleaning", "auto-cleaning"],
    "hepa filter": ["with a HEPA filter", "HEPA", "with hepa", "HEPA filtered"],
    "sofa bed": ["a sofa bed", "one I can sleep on", "convertible into a bed", "a sleeper"],
    "washable cover": ["with a washable cover", "with removable washable covers", "machine washable", "washable"],
    "modular": ["modular", "sectional", "modular", "reconfigurable"],
    "leather": ["leather", "real leather", "in leather", "leather upholstered"],
    "fabric": ["fabric", "upholstered in fabric", "cloth", "fabric covered"],
    "reclining": ["reclining", "a recliner", "with recliners", "reclinable"],
    "storage": ["with storage", "with drawers", "with built-in storage", "with storage space"],
    "solid wood": ["solid wood", "real wood", "solid oak", "made of solid wood"],
    "memory foam": ["memory foam", "foam", "with memory foam", "memory-foam"],
    "firm": ["firm", "on the firm side", "hard", "extra firm"],
    "soft": ["soft", "plush", "on the soft side", "cushy"],
    "adjustable height": ["height adjustable", "sit-stand", "a standing desk", "adjustable height"],
    "ergonomic": ["ergonomic", "with lumbar support", "good for my back", "ergonomic"],
    "extendable": ["extendable", "with an extension leaf", "expandable", "extending"],
    "foldable": ["foldable", "folding", "collapsible", "fold-away"],
}


# ---- money and typos -------------------------------------------------------------------------------

def money(rng: random.Random, amount: int, split: str) -> str:
    forms = ["{n}", "${n}", "${c}", "{n} dollars", "{k}k" if amount % 100 == 0 else "{c}", "{c} USD", "{n} bucks",
             "{c}"]
    k = f"{amount / 1000:g}"
    return bank(rng, forms, split).format(n=amount, c=f"{amount:,}", k=k)


def typo(rng: random.Random, text: str) -> str:
    """One realistic slip in a longer word: a dropped, doubled or swapped letter."""
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not idx:
        return text
    i = rng.choice(idx)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    words[i] = rng.choice([w[:j] + w[j + 1:], w[:j] + w[j] + w[j:], w[:j - 1] + w[j] + w[j - 1] + w[j + 1:]])
    return " ".join(words)


def normalise_sentence(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


# ---- dialogues -------------------------------------------------------------------------------------

@dataclass
class Turn:
    user: str
    update: StateUpdate
    intent: str
    previous: DialogueState = field(default_factory=DialogueState)
    state: DialogueState = field(default_factory=DialogueState)
    last_assistant: str | None = None
    action: str = ""
    cards: list[dict[str, Any]] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    note: str = ""
    reply: str = ""


class DialogueWriter:
    """Draws one dialogue's turns for a split; ``rng`` and ``split`` decide everything."""

    def __init__(self, rng: random.Random, split: str, catalog: list[Item], facts: list[tuple[str, str]]):
        self.rng, self.split, self.catalog, self.facts = rng, split, catalog, facts
        self.state = DialogueState()
        self.shown: list[Item] = []

    def pick(self, options: list[str]) -> str:
        return bank(self.rng, options, self.split)

    def noun(self, category: str) -> str:
        return self.pick(CATEGORY_INFO[category]["nouns"])

    # Each turn maker returns (text, update, intent) or None when it makes no sense now.
    def t_open(self):
        cat = self.rng.choice(sorted(CATEGORY_INFO))
        if self.rng.random() < 0.4 and cat in CATEGORY_ROOMS:
            room = CATEGORY_ROOMS[cat]
            text = self.pick(OPEN_ROOM).format(noun=self.noun(cat), room=self.rng.choice(ROOM_WORDS[room]))
            return text, StateUpdate(category=cat, room=room), "open"
        return self.pick(OPEN).format(noun=self.noun(cat)), StateUpdate(category=cat), "open"

    def _amount(self) -> int:
        lo, hi = CATEGORY_INFO[self.state.category or "sofa"]["price"]
        step = 50 if hi < 800 else 100
        return max(step, round(self.rng.uniform(lo, hi) / step) * step)

    def t_budget(self):
        kind = self.rng.choice(["max", "max", "min", "range", "around", "zh"])
        m = self._amount()
        if kind == "zh":
            if self.rng.random() < 0.5:
                phrase, upd = self.rng.choice([f"{m}元以内", f"{m}以内"]), StateUpdate(budget_max=m)
            else:
                phrase, upd = f"{m}左右", StateUpdate(budget_min=round(0.9 * m), budget_max=round(1.1 * m))
            if m % 1000 == 0 and self.rng.random() < 0.5:
                phrase = phrase.replace(str(m), f"{m // 1000}千")
            return self.rng.choice(["预算{p}", "{p}", "budget {p}", "价格{p}"]).format(p=phrase), upd, "budget"
        if kind == "max":
            b, upd = self.pick(BUDGET_MAX).format(m=money(self.rng, m, self.split)), StateUpdate(budget_max=m)
        elif kind == "min":
            b, upd = self.pick(BUDGET_MIN).format(m=money(self.rng, m, self.split)), StateUpdate(budget_min=m)
        elif kind == "around":
            b = self.pick(BUDGET_AROUND).format(m=money(self.rng, m, self.split))
            upd = StateUpdate(budget_min=round(0.9 * m), budget_max=round(1.1 * m))
        else:
            a, c = sorted({m, m + self.rng.choice([100, 200, 300, 500])})
            b = self.pick(BUDGET_RANGE).format(a=money(self.rng, a, self.split), b=money(self.rng, c, self.split))
            upd = StateUpdate(budget_min=a, budget_max=c)
        return self.pick(BUDGET_WRAP).format(b=b), upd, "budget"

    def t_budget_correct(self):
        if self.state.budget_max is None or self.state.budget_min is not None:
            return None
        m = self._amount()
        if m == self.state.budget_max:
            m += 100
        return self.pick(BUDGET_CORRECT).format(m=money(self.rng, m, self.split)), StateUpdate(budget_max=m), "correct"

    def t_budget_clear(self):
        if self.state.budget_max is None and self.state.budget_min is None:
            return None
        return self.pick(BUDGET_CLEAR), StateUpdate(budget_min=None, budget_max=None), "clear"

    def _brands(self) -> list[str]:
        cat = self.state.category or "sofa"
        return CATEGORY_INFO[cat]["brands"] + OTHER_BRANDS[:2]

    def t_brand(self):
        options = [b for b in self._brands() if b.lower() not in {x.lower() for x in self.state.excluded_brands}]
        if self.rng.random() < 0.5:
            b1, b2 = self.rng.sample(options, 2)
            return self.pick(BRAND_TWO).format(b1=b1, b2=b2), StateUpdate(brands=(b1, b2)), "brands"
        b1 = self.rng.choice(options)
        return self.pick(BRAND_ONE).format(b1=b1), StateUpdate(add_brands=(b1,)), "brands"

    def t_exclude(self):
        pool = list(self.state.brands) or self._brands()
        b1 = self.rng.choice(pool)
        return self.pick(BRAND_EXCLUDE).format(b1=b1), StateUpdate(exclude_brands=(b1,)), "exclude"

    def t_feature(self):
        cat = self.state.category or "sofa"
        options = [f for f in CATEGORY_INFO[cat]["features"] if f not in self.state.features]
        if not options:
            return None
        f = self.rng.choice(options)
        return self.pick(FEATURE_ADD).format(f=self.pick(FEATURE_WORDS[f])), StateUpdate(add_features=(f,)), "feature"

    def t_feature_drop(self):
        if not self.state.features:
            return None
        f = self.rng.choice(self.state.features)
        return (self.pick(FEATURE_DROP).format(f=self.pick(FEATURE_WORDS[f])), StateUpdate(remove_features=(f,)),
                "drop_feature")

    def t_size(self):
        key = self.rng.choice(sorted(SIZE))
        if self.rng.random() < 0.3:
            inches = self.rng.choice([20, 24, 30, 33, 36])
            n, text = round(inches * 2.54), f"{inches} inches" if self.rng.random() < 0.5 else f'{inches}"'
        else:
            n = self.rng.choice([45, 55, 60, 65, 70, 80, 90, 120, 160, 200])
            text = self.rng.choice([f"{n} cm", f"{n}cm", f"{n} centimetres"])
        s = self.pick(SIZE[key]).format(n=text)
        return self.pick(SIZE_WRAP).format(s=s), StateUpdate(**{key: n}), "size"

    def t_switch(self):
        cat = self.rng.choice([c for c in sorted(CATEGORY_INFO) if c != self.state.category])
        return self.pick(SWITCH).format(noun=self.noun(cat)), StateUpdate(category=cat), "switch"

    def t_off_topic(self):
        return self.pick(OFF_TOPIC), StateUpdate(), "off_topic"

    def t_refer(self):
        if len(self.shown) < 2:
            return None
        return self.pick(REFER).format(ord=self.rng.choice(ORDINALS[:len(self.shown)])), StateUpdate(), "refer"

    def t_compare(self):
        if len(self.shown) < 2:
            return None
        return self.pick(COMPARE), StateUpdate(), "compare"

    def t_policy(self):
        topic = self.rng.choice(sorted({t for t, _ in self.facts}))
        return self.pick(POLICY).format(topic=topic), StateUpdate(), "policy"

    # ---- surface noise ----
    def roughen(self, text: str) -> str:
        r = self.rng.random()
        if r < 0.15:
            text = typo(self.rng, text)
        elif r < 0.3:
            text = text.lower().rstrip(".!") + self.rng.choice(CASUAL_SUFFIX)
        elif r < 0.38:
            text = self.rng.choice(LONG_PREFIX) + text
        return text

    # ---- replies ----
    def matches(self, item: Item) -> bool:
        s = self.state
        excluded = {b.lower() for b in s.excluded_brands}
        return (item.category == s.category and item.brand.lower() not in excluded
                and (not s.brands or item.brand.lower() in {b.lower() for b in s.brands})
                and (s.budget_max is None or item.price <= s.budget_max)
                and (s.budget_min is None or item.price >= s.budget_min)
                and (s.max_width_cm is None or item.width_cm is None or item.width_cm <= s.max_width_cm))

    def respond(self, turn: Turn) -> None:
        """Fill the turn's action, cards, facts and reference reply from the state (never invented)."""
        s, rng, pick = self.state, self.rng, self.pick
        if turn.intent == "off_topic":
            turn.action = "smalltalk"
            turn.reply = pick(["Happy to help! Is there anything else you're shopping for?",
                               "I can only help with home appliances and furniture. What are you looking for?",
                               "No problem! Tell me what you need and I'll find options.",
                               "Sure thing. Anything else I can look up for you?"])
            return
        if turn.intent == "policy":
            topic = turn.user
            facts = [f for t, f in self.facts if t in topic.lower()] or [self.facts[0][1]]
            turn.action, turn.facts = "policy", facts[:2]
            turn.reply = pick(["{f}", "Here's our policy: {f}", "Good question. {f}", "In short: {f}"]).format(f=facts[0])
            return
        if turn.intent in ("refer", "compare") and len(self.shown) >= 2:
            if turn.intent == "compare":
                a, b = self.shown[:2]
                turn.action, turn.cards = "compare", [a.card(), b.card()]
                cheaper = a if a.price <= b.price else b
                turn.reply = pick([
                    "{a} costs {pa} and {b} costs {pb}; {c} is the cheaper of the two.",
                    "Side by side: {a} at {pa} versus {b} at {pb}. If price matters most, go for {c}.",
                    "{a} is {pa}, {b} is {pb}. {c} saves you money.",
                    "Comparing them: {a} ({pa}) and {b} ({pb}). I'd lean to {c} for value."]).format(
                    a=a.name, b=b.name, pa=price_text(a), pb=price_text(b), c=cheaper.name)
                return
            index = next((i for i, o in enumerate(ORDINALS) if o in turn.user.lower()), 0)
            item = self.shown[min(index, len(self.shown) - 1)]
            turn.action, turn.cards = "product_question", [item.card()]
            specs = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in list(item.specs.items())[:2])
            turn.reply = pick(["{n} by {b} costs {p}. Specs: {s}.", "Sure: {n} is {p} ({s}).",
                               "{n} ({b}) is priced at {p}; {s}.", "The {n} comes in at {p}, with {s}."]).format(
                n=item.name, b=item.brand, p=price_text(item), s=specs or "no further specs listed")
            return
        if s.category is None:
            turn.action = "clarify"
            turn.note = "missing: category"
            turn.reply = pick(["What kind of product are you looking for?",
                               "Happy to help! Which appliance or piece of furniture do you need?",
                               "Sure. What are you shopping for today?",
                               "What type of product should I look for?"])
            return
        cat_name = s.category
        if s.budget_max is None and s.budget_min is None and turn.intent == "open":
            turn.action, turn.note = "clarify", "missing: budget"
            turn.reply = pick(["Great, a {c}. What budget do you have in mind?",
                               "Sure! Roughly how much would you like to spend on the {c}?",
                               "I can help with a {c}. Do you have a price range?",
                               "What's your budget for the {c}?"]).format(c=cat_name)
            return
        hits = sorted((i for i in self.catalog if self.matches(i)), key=lambda i: i.price)[:3]
        unknown = [b for b in s.brands if not any(i.brand.lower() == b.lower() for i in self.catalog)]
        if hits:
            self.shown = hits
            turn.action, turn.cards = "recommend", [h.card() for h in hits]
            first = hits[0]
            listing = "; ".join(f"{h.name} at {price_text(h)}" for h in hits)
            turn.reply = pick(["Here are {k} options: {l}.", "These fit what you asked for: {l}.",
                               "I found {k}: {l}. The {f} is the most affordable.",
                               "Good choices within your limits: {l}."]).format(k=len(hits), l=listing, f=first.name)
            return
        near = sorted((i for i in self.catalog if i.category == s.category), key=lambda i: i.price)[:2]
        self.shown = near
        turn.action, turn.cards = "no_match", [i.card() for i in near]
        if unknown:
            turn.note = f"we do not carry {', '.join(unknown)}"
            lead = pick(["Sorry, we don't carry {b}.", "We don't stock {b}, unfortunately.",
                         "{b} isn't a brand we sell.", "I'm afraid {b} isn't in our range."]).format(b=" or ".join(unknown))
        else:
            turn.note = "nothing matches every constraint; nearest options shown"
            lead = pick(["Sorry, nothing matches all of that.", "I couldn't find a {c} that fits everything.",
                         "Nothing in stock meets every requirement.", "No exact match, I'm afraid."]).format(c=cat_name)
        alt = "; ".join(f"{i.name} at {price_text(i)}" for i in near)
        turn.reply = f"{lead} The closest {cat_name} options are {alt}." if near else lead

    def dialogue(self, n_turns: int, forbidden: set[str]) -> list[Turn]:
        makers: list[tuple[Callable, float]] = [
            (self.t_budget, 3), (self.t_feature, 3), (self.t_brand, 2), (self.t_exclude, 1.5), (self.t_size, 1),
            (self.t_budget_correct, 1), (self.t_budget_clear, 0.6), (self.t_feature_drop, 1), (self.t_switch, 0.8),
            (self.t_off_topic, 0.7), (self.t_refer, 1), (self.t_compare, 0.8), (self.t_policy, 0.6)]
        turns: list[Turn] = []
        first = self.t_open() if self.rng.random() < 0.85 else self.t_off_topic()
        while len(turns) < n_turns:
            made = first if not turns else None
            while made is None:
                fn = self.rng.choices([m for m, _ in makers], weights=[w for _, w in makers])[0]
                made = fn()
            text, update, intent = made
            text = self.roughen(text)
            if normalise_sentence(text) in forbidden:
                continue
            new_state = apply_update(self.state, update)
            turn = Turn(text, update, intent, self.state, new_state, turns[-1].reply if turns else None)
            self.state = new_state
            self.respond(turn)
            turns.append(turn)
        return turns


def price_text(item: Item) -> str:
    return f"{item.price:.0f} {item.currency}"


# ---- writing the splits ----------------------------------------------------------------------------

def examples(dialogue_id: str, turns: list[Turn], rng: random.Random, reply_share: float) -> Iterable[dict]:
    for k, t in enumerate(turns):
        yield {"task": "state", "dialogue_id": dialogue_id, "turn": k, "intent": t.intent,
               "messages": state_messages(t.previous.to_json(), t.user, t.last_assistant)
               + [{"role": "assistant", "content": t.update.to_json()}],
               "state": t.state.to_dict()}
        if t.reply and rng.random() < reply_share:
            yield {"task": "reply", "dialogue_id": dialogue_id, "turn": k, "intent": t.intent, "action": t.action,
                   "cards": t.cards,
                   "messages": reply_messages(t.state.to_json(), t.action, t.user, t.cards, t.facts, t.note)
                   + [{"role": "assistant", "content": t.reply}]}


def dev_sentences(path: str | Path) -> set[str]:
    path = Path(path)
    if not path.is_file():
        return set()
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.update(normalise_sentence(t["user"]) for t in json.loads(line)["turns"])
    return out


def generate(out_dir: str | Path, *, seed: int = 13, dialogues: int = 220, validation_share: float = 0.08,
             test_share: float = 0.12, reply_share: float = 0.35, catalog: str | Path = "",
             policies_dir: str | Path = "", dev_path: str | Path = "") -> dict[str, Any]:
    """Write ``{train,validation,test}.jsonl``, ``test_dialogues.jsonl`` (eval format) and ``data_card.json``."""
    items = load_catalog(catalog) if catalog else sample_catalog()
    facts = load_policy_facts(policies_dir) if policies_dir else load_policy_facts("")
    forbidden = dev_sentences(dev_path)
    rng = random.Random(seed)
    n_test = max(1, round(dialogues * test_share))
    n_val = max(1, round(dialogues * validation_share))
    splits = ["test"] * n_test + ["validation"] * n_val + ["train"] * (dialogues - n_test - n_val)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    card: dict[str, Any] = {"seed": seed, "catalog_items": len(items), "splits": {}}
    rows: dict[str, list[dict]] = {s: [] for s in SPLITS}
    eval_dialogues: list[dict] = []
    for d, split in enumerate(splits):
        drng = random.Random(f"{seed}-{d}")
        turns = DialogueWriter(drng, split, items, facts).dialogue(drng.randint(3, 6), forbidden)
        did = f"{split}-{d:04d}"
        rows[split].extend(examples(did, turns, drng, reply_share))
        if split == "test":
            eval_dialogues.append({"id": did, "turns": [{"user": t.user, "state": t.state.to_dict()} for t in turns]})
    rng.shuffle(rows["train"])
    for split in SPLITS:
        with (out / f"{split}.jsonl").open("w", encoding="utf-8") as f:
            for row in rows[split]:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        card["splits"][split] = data_card(rows[split])
    with (out / "test_dialogues.jsonl").open("w", encoding="utf-8") as f:
        for dlg in eval_dialogues:
            f.write(json.dumps(dlg, ensure_ascii=False) + "\n")
    (out / "data_card.json").write_text(json.dumps(card, indent=1, ensure_ascii=False))
    return card


def data_card(rows: list[dict]) -> dict[str, Any]:
    tasks, intents, actions, slots, categories = Counter(), Counter(), Counter(), Counter(), Counter()
    for r in rows:
        tasks[r["task"]] += 1
        intents[r["intent"]] += 1
        if r["task"] == "reply":
            actions[r["action"]] += 1
        else:
            slots.update(json.loads(r["messages"][-1]["content"]).keys())
            categories[r["state"].get("category", "none")] += 1
    return {"examples": len(rows), "dialogues": len({r["dialogue_id"] for r in rows}), "tasks": dict(tasks),
            "intents": dict(intents), "reply_actions": dict(actions), "update_keys": dict(slots),
            "categories": dict(categories)}


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="Generate fine-tuning dialogues.")
    p.add_argument("--out", default="runs/finetune/data")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--dialogues", type=int, default=220)
    p.add_argument("--catalog", default="knowledge/demo/catalog.jsonl")
    p.add_argument("--policies", default="knowledge/demo/docs/policies")
    p.add_argument("--dev", default="../shared/eval/dev_dialogues.jsonl")
    a = p.parse_args(argv)
    card = generate(a.out, seed=a.seed, dialogues=a.dialogues, catalog=a.catalog, policies_dir=a.policies,
                    dev_path=a.dev)
    print(json.dumps({s: c["tasks"] for s, c in card["splits"].items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
