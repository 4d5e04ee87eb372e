"""Word lists that map what shoppers say onto the spec's canonical values.

General vocabulary (synonyms, plurals, paraphrases, Chinese), not sentences: the rules extractor
(assistant/extract/rules.py) matches these as whole phrases, longest first.

    >>> CATEGORY_TERMS["fridges"]
    'refrigerator'
"""

from __future__ import annotations

from pathlib import Path

from assistant.state import CATEGORIES, CATEGORY_SYNONYMS, FEATURES, ROOMS


def _plurals(term: str) -> list[str]:
    """English plural of the last word: 'dining chair' -> 'dining chairs', 'bookcase' -> 'bookcases'."""
    if not term.isascii():
        return []
    head, _, last = term.rpartition(" ")
    if last.endswith(("s", "sh", "ch", "x")):
        plural = last + "es"
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        plural = last[:-1] + "ies"
    else:
        plural = last + "s"
    return [f"{head} {plural}".strip()]


_CATEGORY_EXTRA: dict[str, str] = {
    "refrigerator": "fridge-freezer fridge freezer combi fridge 冰箱",
    "freezer": "chest freezer upright freezer deep freezer 冷柜 冰柜",
    "washing machine": "washer washing-machine clothes washer laundry machine front loader top loader 洗衣机",
    "dryer": "tumble dryer tumble drier clothes dryer drier 烘干机 干衣机",
    "dishwasher": "dish washer 洗碗机",
    "microwave": "microwave oven 微波炉",
    "oven": "wall oven steam oven 烤箱",
    "cooktop": "hob induction hob stove top stovetop cooker top 灶台 电磁炉",
    "range hood": "extractor hood cooker hood extractor fan kitchen hood 油烟机 抽油烟机",
    "coffee machine": "coffee maker espresso machine coffee machine 咖啡机",
    "air conditioner": "aircon air con ac unit a/c 空调",
    "air purifier": "purifier 空气净化器 净化器",
    "dehumidifier": "除湿机",
    "vacuum cleaner": "vacuum hoover stick vacuum 吸尘器",
    "robot vacuum": "robot vacuum cleaner robovac robot hoover 扫地机器人 扫地机",
    "water heater": "boiler hot water tank 热水器",
    "television": "tv telly 电视 电视机",
    "sofa": "couch settee loveseat 沙发",
    "armchair": "arm chair accent chair recliner chair 单人沙发 扶手椅",
    "bed": "bed frame bedframe 床",
    "mattress": "床垫",
    "wardrobe": "closet armoire 衣柜",
    "chest of drawers": "dresser drawer chest 五斗柜 斗柜",
    "bookcase": "bookshelf bookshelves book shelf shelving unit 书柜 书架",
    "tv stand": "tv bench tv unit media console tv cabinet 电视柜",
    "coffee table": "茶几",
    "dining table": "kitchen table 餐桌",
    "dining chair": "kitchen chair 餐椅",
    "desk": "writing desk computer desk standing desk 书桌 办公桌",
    "office chair": "desk chair gaming chair 办公椅",
    "bar stool": "barstool counter stool 吧台椅 吧椅",
    "shoe cabinet": "shoe rack shoe storage 鞋柜",
}

# Multi-word synonyms are written with spaces; the split keeps Chinese and single words whole.
_MULTI = {"fridge-freezer", "combi fridge", "chest freezer", "upright freezer", "deep freezer", "clothes washer",
          "laundry machine", "front loader", "top loader", "tumble dryer", "tumble drier", "clothes dryer",
          "dish washer", "microwave oven", "wall oven", "steam oven", "induction hob", "stove top", "cooker top",
          "extractor hood", "cooker hood", "extractor fan", "kitchen hood", "coffee maker", "espresso machine",
          "coffee machine", "air con", "ac unit", "stick vacuum", "robot vacuum cleaner", "robot hoover",
          "hot water tank", "arm chair", "accent chair", "recliner chair", "bed frame",
          "drawer chest", "book shelf", "shelving unit", "tv bench", "tv unit", "media console", "tv cabinet",
          "kitchen table", "kitchen chair", "writing desk", "computer desk", "standing desk", "desk chair",
          "gaming chair", "counter stool", "shoe rack", "shoe storage"}


def _split_terms(text: str) -> list[str]:
    terms, rest = [], " " + text + " "
    for multi in sorted(_MULTI, key=len, reverse=True):
        if f" {multi} " in rest:
            terms.append(multi)
            rest = rest.replace(f" {multi} ", " ")
    return terms + rest.split()


def _category_terms() -> dict[str, str]:
    terms: dict[str, str] = {}
    pairs = [(c, c) for c in CATEGORIES] + list(CATEGORY_SYNONYMS.items())
    pairs += [(t, c) for c, words in _CATEGORY_EXTRA.items() for t in _split_terms(words)]
    for term, canon in pairs:
        for t in [term, *_plurals(term)]:
            terms.setdefault(t, canon)
    return terms


CATEGORY_TERMS: dict[str, str] = _category_terms()

# Paraphrase banks: each phrase names one canonical feature.
_FEATURE_PHRASES: dict[str, list[str]] = {
    "quiet": ["quiet", "quietly", "silent", "silently", "low noise", "low-noise", "low db", "low decibel",
              "doesn't make much noise", "does not make much noise", "not too loud", "not loud", "noiseless",
              "whisper quiet", "wake the kids", "wake the baby", "wake anyone", "wake us", "不吵", "噪音小", "声音小", "静音", "安静"],
    "energy efficient": ["energy efficient", "energy-efficient", "energy saving", "energy-saving", "a+++", "a++",
                         "saves electricity", "save electricity", "saves energy", "low power bills",
                         "low energy", "efficient", "eco", "节能", "省电"],
    "smart": ["smart", "wifi", "wi-fi", "app control", "app-controlled", "app controlled", "alexa",
              "voice control", "from my phone", "from the phone", "from an app", "手机控制", "远程控制", "手机app", "connected", "智能"],
    "inverter": ["inverter", "变频"],
    "large capacity": ["large capacity", "big capacity", "high capacity", "big drum", "cook in bulk", "batch cook", "big family", "容量大", "大容量"],
    "compact": ["compact", "small apartment", "small space", "small flat", "space-saving", "space saving",
                "slim", "hog the worktop", "hog the counter", "take up much space", "small footprint", "小户型", "不占地方", "mini", "小巧"],
    "stainless steel": ["stainless steel", "stainless", "不锈钢"],
    "frost free": ["frost free", "frost-free", "no frost", "no-frost", "frostless", "无霜"],
    "ice maker": ["ice maker", "ice-maker", "ice dispenser", "makes ice", "制冰"],
    "steam": ["steam", "steam function", "蒸汽"],
    "heat pump": ["heat pump", "heat-pump", "热泵"],
    "fast": ["fast", "quick", "quickly", "rapid", "heats up fast", "速热"],
    "self cleaning": ["self cleaning", "self-cleaning", "pyrolytic", "自清洁"],
    "hepa filter": ["hepa", "hepa filter"],
    "pet friendly": ["pet friendly", "pet-friendly", "pet hair", "sheds", "shedding", "家里有猫", "家里有狗", "掉毛", "pets", "we have a dog", "we have a cat",
                     "宠物"],
    "cordless": ["cordless", "wireless", "battery powered", "无线"],
    "built-in": ["built-in", "built in", "integrated", "fully integrated", "嵌入式"],
    "freestanding": ["freestanding", "free-standing", "free standing", "独立式"],
    "storage": ["storage", "drawers underneath", "with drawers", "储物", "收纳"],
    "foldable": ["foldable", "folding", "fold away", "fold-away", "folds away", "fold up", "collapsible",
                 "折叠"],
    "extendable": ["extendable", "extending", "expandable", "extension leaf", "pulls out for guests", "pull out for guests", "可伸缩", "伸缩"],
    "sofa bed": ["sofa bed", "sofa-bed", "sleeper sofa", "sofabed", "can sleep on", "sleep on it",
                 "pull-out bed", "pull out bed", "bed in it", "沙发床"],
    "reclining": ["reclining", "recliner", "reclines", "recline", "躺椅"],
    "washable cover": ["washable cover", "washable covers", "removable cover", "removable covers",
                       "machine washable", "covers go in the washing machine", "covers in the wash", "go in the wash", "可拆洗"],
    "solid wood": ["solid wood", "real wood", "solid oak", "hardwood", "实木"],
    "adjustable height": ["adjustable height", "height adjustable", "height-adjustable", "sit-stand",
                          "sit stand", "raise and lower", "raised and lowered", "up and down", "可调高度", "standing desk", "standing desks", "升降"],
    "ergonomic": ["ergonomic", "lumbar support", "back support", "my back", "bad back", "back pain", "腰不好", "人体工学", "护腰"],
    "memory foam": ["memory foam", "memory-foam", "记忆棉"],
    "firm": ["firm", "firmer", "偏硬"],
    "soft": ["soft", "softer", "plush", "on the soft side", "偏软"],
    "outdoor": ["outdoor", "outdoors", "weatherproof", "户外"],
    "leather": ["leather", "真皮", "皮质"],
    "fabric": ["fabric", "cloth", "upholstered", "布艺"],
    "modular": ["modular", "sectional", "模块"],
}
assert set(_FEATURE_PHRASES) == set(FEATURES), set(FEATURES) ^ set(_FEATURE_PHRASES)

FEATURE_TERMS: dict[str, str] = {p: f for f, phrases in _FEATURE_PHRASES.items() for p in phrases}

_ROOM_PHRASES: dict[str, list[str]] = {
    "living room": ["living room", "lounge", "family room", "sitting room", "客厅"],
    "bedroom": ["bedroom", "master bedroom", "guest room", "卧室", "主卧"],
    "kitchen": ["kitchen", "厨房"],
    "bathroom": ["bathroom", "washroom", "卫生间", "浴室"],
    "dining room": ["dining room", "dining area", "餐厅"],
    "home office": ["home office", "study", "office", "workspace", "书房"],
    "kids room": ["kids room", "kids' room", "kid's room", "kids bedroom", "children's room", "nursery",
                  "playroom", "儿童房"],
    "laundry room": ["laundry room", "utility room", "laundry", "洗衣房"],
    "hallway": ["hallway", "hall", "entryway", "entrance", "corridor", "foyer", "玄关", "走廊"],
    "outdoor": ["garden", "patio", "balcony", "terrace", "阳台", "花园"],
}
assert set(_ROOM_PHRASES) == set(ROOMS)
ROOM_TERMS: dict[str, str] = {p: r for r, phrases in _ROOM_PHRASES.items() for p in phrases}

# Well-known brands, carried or not: the state records any brand named (spec: "brands").
KNOWN_BRANDS: tuple[str, ...] = (
    # appliances
    "Samsung", "LG", "Bosch", "Siemens", "Whirlpool", "Miele", "Haier", "Midea", "Gree", "Hisense", "TCL",
    "Electrolux", "AEG", "Beko", "Hotpoint", "Indesit", "Smeg", "Liebherr", "Panasonic", "Sharp", "Toshiba",
    "Sony", "Philips", "Dyson", "Shark", "iRobot", "Roborock", "Ecovacs", "Xiaomi", "Daikin", "Mitsubishi",
    "Fujitsu", "Hitachi", "De'Longhi", "DeLonghi", "Nespresso", "Krups", "Breville", "Jura", "Sage", "Gaggenau",
    "Neff", "Frigidaire", "GE", "KitchenAid", "Maytag", "Amana", "Fisher & Paykel", "Blomberg", "Grundig",
    "Candy", "Hoover", "Rowenta", "Tefal", "Kenwood", "Honeywell", "Blueair", "Levoit", "Coway", "Ariston",
    "Elica", "Faber", "Rheem", "A.O. Smith", "Stiebel Eltron", "Vaillant", "Viessmann", "Vizio", "Bissell", "Vorwerk",
    # furniture
    "IKEA", "Ashley", "La-Z-Boy", "Herman Miller", "Steelcase", "Tempur", "Tempur-Pedic", "Casper", "Emma",
    "Simmons", "Sealy", "Serta", "Purple", "Ethan Allen", "West Elm", "Pottery Barn", "Crate & Barrel",
    "Wayfair", "Hay", "Muji", "Habitat", "Made.com", "Natuzzi", "Ligne Roset", "BoConcept", "Flexispot",
    "Secretlab", "Humanscale", "Haworth", "Knoll", "Vitra", "Ekornes", "Stressless", "Poltrona Frau",
)

# Chinese brand names as shoppers write them.
BRAND_ALIASES: dict[str, str] = {
    "海尔": "Haier", "美的": "Midea", "格力": "Gree", "海信": "Hisense", "小米": "Xiaomi", "西门子": "Siemens",
    "博世": "Bosch", "三星": "Samsung", "松下": "Panasonic", "索尼": "Sony", "戴森": "Dyson", "宜家": "IKEA",
    "飞利浦": "Philips", "delonghi": "De'Longhi", "tempurpedic": "Tempur-Pedic", "lazboy": "La-Z-Boy",
    "la-z boy": "La-Z-Boy", "la z boy": "La-Z-Boy",
}


def store_brands(store_yaml: str | Path | None = None) -> list[str]:
    """The demo store's own brands (knowledge/demo/store.yaml), when that file exists."""
    from assistant.paths import DEMO_DATA_DIR

    path = Path(store_yaml) if store_yaml else Path(DEMO_DATA_DIR) / "store.yaml"
    if not path.exists():
        return []
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found: set[str] = set()

    def walk(node) -> None:  # the brand may sit under products, a catalog section, or a brands list
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "brand" and isinstance(value, str):
                    found.add(value.strip())
                elif key == "brands" and isinstance(value, list):
                    found.update(str(v).strip() for v in value if isinstance(v, (str, int)))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return sorted(b for b in found if b)


def brand_terms(extra: tuple[str, ...] | list[str] = ()) -> dict[str, str]:
    """lower-cased spelling -> usual spelling, for the known brands, the aliases and ``extra``."""
    terms = {b.lower(): b for b in (*KNOWN_BRANDS, *extra)}
    terms.update(BRAND_ALIASES)
    return terms
