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
_MULTI = {"fridge-freezer", "fridge freezer", "combi fridge", "chest freezer", "upright freezer", "deep freezer", "clothes washer",
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
                       "machine washable", "machine-washable", "covers go in the washing machine", "covers in the wash",
                       "go in the wash", "in the washing machine", "into the washing machine", "in the washer",
                       "throw in the wash", "可拆洗"],
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

# Feature phrases that name their category too: "a sofa bed" is a sofa (the "bed" in it is not the category).
FEATURE_CATEGORY: dict[str, str] = {"sofa bed": "sofa"}

# Words of each feature's field of meaning, beyond its phrases: an LM's feature counts in the hybrid only
# when the message shares a word stem with the feature, one of its phrases or these ("sleeps next to the
# kitchen" may mean quiet; it cannot mean leather).
FEATURE_CUES: dict[str, str] = {
    "quiet": "noise noisy loud racket hum humming rattle sleep sleeps sleeping asleep night nights wake waking baby "
             "neighbours neighbors decibels whisper peaceful 吵 噪 静 睡",
    "energy efficient": "bills electricity energy power running costs efficient eco 电费 省",
    "smart": "phone app wifi alexa google remote connected voice schedule 手机 远程 智能",
    "inverter": "inverter 变频",
    "large capacity": "family families large bulk batch capacity loads plenty huge 大",
    "compact": "small tiny narrow cramped little space studio apartment worktop counter footprint slim 小 窄",
    "stainless steel": "steel stainless metal 钢",
    "frost free": "frost defrost defrosting 霜",
    "ice maker": "ice cubes 冰块",
    "steam": "steam creases wrinkles 蒸",
    "heat pump": "pump heat 热泵",
    "fast": "quick fast rapid hurry speed minutes 快",
    "self cleaning": "clean cleaning scrub scrubbing 清洁",
    "hepa filter": "allergy allergies allergic fever dust pollen asthma filter 过敏",
    "pet friendly": "pet pets dog dogs cat cats puppy kitten fur hair sheds shedding 猫 狗 宠物 毛",
    "cordless": "cord cable wire plug battery 线",
    "built-in": "fitted integrated built flush 嵌入",
    "freestanding": "standalone freestanding 独立",
    "storage": "storage store stash drawers drawer clutter 收纳 储物",
    "foldable": "fold folds folding collapse tuck 折叠",
    "extendable": "extend extends extending guests leaf stretch 伸缩",
    "sofa bed": "sleep sleeps guests overnight sleepover 床",
    "reclining": "recline reclines lean 躺",
    "washable cover": "wash washable covers cover stains spill spills 洗",
    "solid wood": "wood wooden oak walnut pine timber 木",
    "adjustable height": "stand standing height raise lower 升降",
    "ergonomic": "back posture lumbar spine neck support 腰 背",
    "memory foam": "foam memory 记忆",
    "firm": "firm hard support 硬",
    "soft": "soft plush squishy 软",
    "outdoor": "outside garden patio balcony terrace weather rain 户外",
    "leather": "leather hide 皮",
    "fabric": "fabric cloth linen velvet cotton wool textile 布",
    "modular": "modular sections pieces rearrange corner 模块",
}
assert set(FEATURE_CUES) == set(FEATURES)

# Capitalised words that are not makers: colours, materials, days, months, holidays, styles, nationalities,
# sizes and everyday words that open or end sentences. Unknown capitalised names in a brand position count as
# brands only when they are none of these (assistant/extract/rules.py).
ORDINARY_CAPITALISED: frozenset[str] = frozenset("""
red green blue grey gray black white navy teal olive cream beige ivory charcoal mustard pink yellow orange brown tan
silver gold copper rose purple sage mint stone sand natural walnut oak pine ash birch teak marble glass chrome
velvet linen cotton wool jute rattan bamboo
monday tuesday wednesday thursday friday saturday sunday weekend january february march april may june july august
september october november december christmas xmas easter halloween thanksgiving diwali eid friday boxing sale sales
prime cyber black
chesterfield scandi scandinavian nordic victorian edwardian georgian shaker windsor murphy art deco industrial rustic
boho bohemian retro vintage modern contemporary classic traditional farmhouse minimalist japandi
american british english european german italian french swedish danish norwegian finnish dutch spanish japanese
korean chinese welsh scottish irish australian belgian swiss turkish persian
king queen double single twin full super small large medium big
i i'm i'd i've hi hello hey thanks thank cheers please ok okay yes yeah yep no nope not maybe also and or but so
something anything nothing everything any some the a an my our your we it it's this that these those what which how
why when where who can could would should will is are do does did have has just still actually sorry oh well also
mum mom dad mother father wife husband partner son daughter kids family friend
tv uk us usa eu usb led lcd oled qled hd uhd 4k hdmi wifi app alexa google siri amazon netflix
""".split())

# Known makers whose names are also ordinary words: they count only written capitalised and not as a colour
# or an ailment ("sage green", "hay fever").
AMBIGUOUS_BRANDS: frozenset[str] = frozenset({"sage", "hay", "shark", "purple", "emma", "candy", "sharp", "habitat",
                                              "ashley", "ge"})
# Words after which a maker's name is something else: "sage green", "hay fever", "IKEA-style".
NOT_A_BRAND_AFTER: frozenset[str] = frozenset(
    "green grey gray blue fever bales bale leaf leaves tea style styled look looking like inspired esque type "
    "coloured colored colour color tone toned shade".split())

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

# Words that carry no slot: function words, politeness, shopping verbs, and the cue words the number and
# negation rules already read ("under", "max", "not"). A message whose words are all read by the rules or
# are these needs no LM (assistant/extract/hybrid.py).
STOP_WORDS: frozenset[str] = frozenset("""
a an the and or nor but so if then than that this these those there here it its it's itself one ones some any
anything something nothing everything else other another same such what which who whom whose when where why how
i i'm i'd i've i'll me my mine we we're we'd we've our ours us you you're your yours he she him her his they them
their is are was were be been being am do does did doing done have has had having get gets got getting go goes
going went make makes made can could would should will shall may might must need needs needed want wants wanted
wanna like likes liked love would'd 'd 's 're 've 'll don't doesn't didn't won't can't isn't aren't wasn't
not no nope yes yeah yep yup ok okay sure fine great good nice cool perfect lovely brilliant awesome excellent
hi hello hey hiya morning afternoon evening there thanks thank thx cheers please pls ta bye goodbye sorry
oh ah um uh hmm well just really very quite pretty rather too also as still even only actually maybe perhaps
probably definitely though although however anyway instead again back more less most least much many lot lots
bit little few new old best better decent cheap cheaper cheapest expensive pricey affordable reasonable
for to of in on at by with from about into onto over under below above between within without up down out off
around roughly approximately approx circa ish near nearly almost max maximum min minimum tops top upwards least
budget price prices priced cost costs spend spending pay paying afford money cash dollars dollar bucks quid pounds
pound euros euro usd rmb grand thousand hundred k
wide width deep depth tall height high long length size sized sizes cm mm metre metres meter meters inch inches
foot feet ft gap space spot fits fit fitting
show shows showing see look looking looks find finding search searching recommend recommends suggest suggestion
options option choice choices thing things stuff item items product products model models brand brands type kind
sort buy buying purchase purchasing shop shopping order get after prefer preferably ideally something
first second third last next previous earlier above now today currently these those ones
okay alright right exactly correct true
wider narrower taller shorter deeper shallower bigger smaller larger longer higher lower widest tallest deepest
possible possibly let's lets each all every both either neither somewhere anywhere everywhere ideal current
sell sells stock stocks available carry carries matter matters forget drop keep mind bother fine whatever
past beyond cap capped limit ceiling penny pence cent cents meant mean big already centimetre centimetres
centimeter centimeters millimetre millimetres millimeter millimeters yet later soon ever never always often sometimes
""".split())

# Chinese characters that carry no slot on their own (particles, verbs of wanting, bound and number words).
ZH_STOP_CHARS: frozenset[str] = frozenset(
    "的了要我想一个台款张把吗呢吧啊呀哦嗯就也都还是在和或者有没以内上下左右到之间预算块元钱多少能可给看推荐买找需帮请谢你好"
    "点些这那种样么什怎再换成其他别不考虑算排除行用得最比较太很挺稍微概约差万千百十宽高深度米厘寸公分价格位几家里放"
    "第零一二两三四五六七八九")
