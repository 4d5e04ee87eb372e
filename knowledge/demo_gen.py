"""Generate the demo store's data (fictional): catalog, buying guides, FAQs and store policies.

    python -m knowledge.demo_gen --seed 7 --out knowledge/demo

The committed files under knowledge/demo/ are what ships; this script reproduces them exactly,
including one picture per product (``images/*.svg``, see knowledge/demo_images.py).
Every brand, model name and price is invented. Real brands appear only in ``absent_brands``.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import yaml

from knowledge.demo_images import write_images

STORE = "Hearth & Hutch Home"
APPLIANCE_BRANDS = ["Nordhavn", "Kestrel Home", "Aurelio", "Brightwell", "Solvik", "Marrowby", "Tandem"]
FURNITURE_BRANDS = ["Oakhollow", "Linden & Lark", "Fjellborg", "Casa Verdi", "Hartwell", "Norrsken", "Bramble"]
ABSENT_BRANDS = ["Samsung", "LG", "Bosch", "Siemens", "Whirlpool", "Miele", "Dyson", "IKEA", "Haier", "Electrolux",
                 "Sony", "Philips", "De'Longhi", "Panasonic", "Beko", "Hisense", "Herman Miller", "Tempur", "La-Z-Boy"]
LINES = ["Quiet", "Pro", "Eco", "Smart", "Classic", "Studio", "Prime", "Flex", "Pure", "Nova", "Terra", "Loft"]
APPLIANCE_COLOURS = ["white", "stainless steel", "black", "silver", "graphite"]
FURNITURE_COLOURS = ["oak", "walnut", "white", "grey", "beige", "black", "navy", "green", "natural"]

# category: (code, price lo, hi, (w lo, hi), (d lo, hi), (h lo, hi), rooms, features, spec kind)
CATEGORIES = {
    "refrigerator": ("REF", 450, 2600, (55, 91), (60, 75), (140, 190), ["kitchen"],
                     ["quiet", "energy efficient", "frost free", "ice maker", "smart", "inverter", "large capacity",
                      "stainless steel", "compact", "freestanding", "built-in"], "cool"),
    "freezer": ("FRZ", 300, 1400, (55, 70), (55, 70), (85, 185), ["kitchen", "laundry room"],
                ["frost free", "energy efficient", "quiet", "large capacity", "compact", "freestanding"], "cool"),
    "washing machine": ("WM", 380, 1500, (60, 60), (45, 65), (85, 85), ["laundry room", "bathroom", "kitchen"],
                        ["quiet", "energy efficient", "inverter", "steam", "large capacity", "smart", "fast",
                         "compact", "freestanding", "built-in"], "laundry"),
    "dryer": ("DRY", 420, 1600, (60, 60), (55, 65), (85, 85), ["laundry room", "bathroom"],
              ["heat pump", "energy efficient", "quiet", "large capacity", "smart", "steam", "freestanding"], "laundry"),
    "dishwasher": ("DW", 350, 1400, (45, 60), (55, 60), (82, 85), ["kitchen"],
                   ["quiet", "energy efficient", "built-in", "freestanding", "stainless steel", "smart", "fast",
                    "compact"], "dish"),
    "microwave": ("MW", 70, 480, (44, 60), (33, 45), (25, 40), ["kitchen"],
                  ["stainless steel", "compact", "inverter", "built-in", "quiet", "smart", "fast"], "small"),
    "oven": ("OV", 380, 2200, (60, 90), (55, 60), (59, 90), ["kitchen"],
             ["self cleaning", "steam", "built-in", "stainless steel", "smart", "energy efficient", "fast"], "cook"),
    "cooktop": ("CT", 250, 1500, (30, 90), (50, 52), (5, 8), ["kitchen"],
                ["built-in", "fast", "smart", "stainless steel", "energy efficient"], "cook"),
    "range hood": ("RH", 180, 1200, (60, 120), (45, 55), (40, 90), ["kitchen"],
                   ["quiet", "stainless steel", "built-in", "smart", "energy efficient"], "hood"),
    "coffee machine": ("CM", 60, 1300, (15, 30), (25, 45), (30, 45), ["kitchen"],
                       ["compact", "fast", "smart", "stainless steel", "self cleaning", "quiet"], "small"),
    "air conditioner": ("AC", 300, 1900, (70, 100), (20, 40), (25, 80), ["bedroom", "living room", "home office"],
                        ["inverter", "quiet", "energy efficient", "smart", "heat pump"], "air"),
    "air purifier": ("AP", 90, 800, (20, 45), (20, 30), (40, 80), ["bedroom", "living room", "kids room"],
                     ["hepa filter", "quiet", "smart", "pet friendly", "compact", "energy efficient"], "air"),
    "dehumidifier": ("DH", 140, 600, (25, 40), (20, 30), (40, 65), ["bathroom", "laundry room", "bedroom"],
                     ["quiet", "energy efficient", "compact", "smart", "large capacity"], "air"),
    "vacuum cleaner": ("VC", 80, 750, (20, 35), (20, 35), (30, 115), ["living room", "hallway"],
                       ["cordless", "hepa filter", "pet friendly", "quiet", "compact", "large capacity"], "vac"),
    "robot vacuum": ("RV", 160, 1100, (30, 36), (30, 36), (8, 11), ["living room", "bedroom"],
                     ["smart", "pet friendly", "quiet", "self cleaning", "hepa filter"], "vac"),
    "water heater": ("WH", 250, 1700, (35, 60), (35, 60), (50, 160), ["bathroom", "laundry room", "kitchen"],
                     ["heat pump", "energy efficient", "compact", "smart", "large capacity", "fast"], "water"),
    "television": ("TV", 220, 3200, (73, 165), (6, 9), (43, 95), ["living room", "bedroom"],
                   ["smart", "energy efficient", "compact"], "tv"),
    "sofa": ("SOF", 420, 3200, (150, 300), (85, 105), (75, 95), ["living room"],
             ["sofa bed", "reclining", "washable cover", "modular", "storage", "leather", "fabric", "pet friendly"],
             "seat"),
    "armchair": ("ARM", 150, 1300, (65, 95), (70, 95), (75, 105), ["living room", "bedroom"],
                 ["reclining", "leather", "fabric", "washable cover", "ergonomic"], "seat"),
    "bed": ("BED", 250, 2600, (95, 200), (200, 220), (35, 120), ["bedroom", "kids room"],
            ["storage", "solid wood", "adjustable height", "compact"], "bed"),
    "mattress": ("MAT", 180, 2200, (90, 180), (200, 200), (18, 32), ["bedroom", "kids room"],
                 ["memory foam", "firm", "soft", "washable cover"], "mattress"),
    "wardrobe": ("WAR", 180, 2400, (50, 250), (55, 62), (180, 236), ["bedroom", "hallway", "kids room"],
                 ["storage", "solid wood", "modular", "compact"], "case"),
    "chest of drawers": ("CHD", 90, 1100, (40, 160), (40, 50), (70, 130), ["bedroom", "kids room", "hallway"],
                         ["storage", "solid wood", "compact"], "case"),
    "bookcase": ("BKC", 50, 900, (40, 200), (25, 40), (80, 220), ["living room", "home office", "kids room"],
                 ["storage", "solid wood", "modular", "compact", "adjustable height"], "case"),
    "tv stand": ("TVS", 70, 900, (90, 240), (35, 50), (40, 60), ["living room", "bedroom"],
                 ["storage", "solid wood", "compact", "modular"], "case"),
    "coffee table": ("CTB", 45, 900, (60, 140), (50, 80), (35, 50), ["living room"],
                     ["storage", "solid wood", "extendable", "adjustable height", "outdoor"], "table"),
    "dining table": ("DTB", 150, 2400, (80, 240), (75, 110), (74, 76), ["dining room", "kitchen"],
                     ["extendable", "solid wood", "foldable", "outdoor", "compact"], "table"),
    "dining chair": ("DCH", 35, 480, (40, 60), (45, 60), (78, 100), ["dining room", "kitchen"],
                     ["fabric", "leather", "solid wood", "foldable", "outdoor", "washable cover"], "chair"),
    "desk": ("DSK", 70, 1300, (80, 180), (50, 80), (72, 125), ["home office", "kids room", "bedroom"],
             ["adjustable height", "storage", "solid wood", "compact", "foldable"], "table"),
    "office chair": ("OCH", 80, 1400, (55, 75), (55, 70), (95, 130), ["home office"],
                     ["ergonomic", "adjustable height", "leather", "fabric", "reclining"], "chair"),
    "bar stool": ("BST", 40, 380, (35, 50), (35, 50), (65, 110), ["kitchen", "dining room"],
                  ["adjustable height", "solid wood", "leather", "foldable", "outdoor"], "chair"),
    "shoe cabinet": ("SHC", 45, 600, (50, 120), (17, 40), (80, 130), ["hallway"],
                     ["storage", "compact", "solid wood"], "case"),
}
# Categories where the shop holds few cheap options (honesty hooks: "nothing under X" happens).
PREMIUM_SKEW = {"range hood", "sofa", "oven", "water heater"}
MATERIALS = {"seat": ["fabric", "leather", "velvet", "boucle"], "case": ["oak veneer", "solid pine", "particleboard",
             "solid oak", "lacquered MDF"], "table": ["solid oak", "walnut veneer", "tempered glass", "ash", "steel"],
             "chair": ["solid beech", "steel and mesh", "polypropylene", "leather", "rattan"], "bed": ["solid pine",
             "upholstered fabric", "oak veneer", "steel"]}


def _price(rng: random.Random, cat: str, lo: float, hi: float) -> float:
    u = rng.random() ** (0.55 if cat in PREMIUM_SKEW else 1.4)  # skew towards the top or the bottom
    raw = lo + (hi - lo) * u
    return round(raw / 10) * 10 - 0.01 if raw > 100 else round(raw) - 0.01


def _specs(rng: random.Random, kind: str, cat: str, features: list[str], w: float, d: float, h: float) -> dict:
    s: dict = {}
    appliance = kind in {"cool", "laundry", "dish", "small", "cook", "hood", "air", "vac", "water", "tv"}
    if appliance:
        quiet = "quiet" in features
        base = {"cool": 40, "laundry": 52, "dish": 46, "small": 50, "cook": 40, "hood": 60, "air": 40, "vac": 70,
                "water": 38, "tv": 25}[kind]
        s["noise_db"] = base + rng.randint(-6, -2) if quiet else base + rng.randint(0, 8)
        s["energy_class"] = rng.choice(["A", "A+", "A++", "A+++"]) if "energy efficient" in features else \
            rng.choice(["B", "C", "D", "A"])
        s["warranty_years"] = rng.choice([2, 2, 3, 5])
    if kind == "cool":
        s["capacity_l"] = int(w * d * h / 1000 * 0.55 // 10 * 10) + (60 if "large capacity" in features else 0)
    elif kind == "laundry":
        s["capacity_kg"] = rng.choice([10, 11, 12]) if "large capacity" in features else rng.choice([6, 7, 8, 9])
        s["spin_rpm" if cat == "washing machine" else "programs"] = rng.choice([1200, 1400, 1600]) \
            if cat == "washing machine" else rng.randint(8, 16)
    elif kind == "dish":
        s["place_settings"] = 9 if w < 50 else rng.choice([12, 13, 14, 15])
    elif kind in ("small", "cook", "hood", "water", "air", "vac"):
        s["power_w"] = rng.choice({"small": [800, 900, 1000, 1200, 1450], "cook": [2000, 3500, 7200],
                                   "hood": [150, 200, 250], "water": [1500, 2000, 3000], "air": [35, 45, 900, 1200],
                                   "vac": [25, 35, 450, 650]}[kind])
        if kind == "water":
            s["capacity_l"] = rng.choice([30, 50, 80, 100, 150, 200])
        if cat == "range hood":
            s["airflow_m3h"] = rng.choice([350, 450, 600, 750])
        if cat == "air purifier":
            s["room_size_m2"] = rng.choice([20, 30, 45, 60])
    elif kind == "tv":
        s["screen_in"] = int(round(w / 2.21 / 2.54 * 2.54 * 1.0))
        s["resolution"] = rng.choice(["4K", "4K", "1080p", "8K"]) if w > 90 else "1080p"
    if kind == "mattress":
        s["firmness"] = "firm" if "firm" in features else "soft" if "soft" in features else "medium"
        s["material"] = "memory foam" if "memory foam" in features else rng.choice(["pocket springs", "latex"])
        s["warranty_years"] = rng.choice([5, 10, 15])
    if kind == "seat":
        s["seats"] = 1 if cat == "armchair" else max(2, min(6, int(w // 60)))
    if kind in MATERIALS:
        s["material"] = "leather" if "leather" in features else "solid wood" if "solid wood" in features \
            else rng.choice(MATERIALS[kind])
        s["warranty_years"] = rng.choice([1, 2, 5, 10])
    return s


def _description(rng: random.Random, p: dict) -> str:
    feats = ", ".join(p["features"][:3]) or "everyday use"
    sizes = " x ".join(f"{v:g}" for v in (p["width_cm"], p["depth_cm"], p["height_cm"]) if v is not None)
    openers = [f"The {p['name']} is a {p['colour']} {p['category']} built for {feats}.",
               f"A {p['category']} from {p['brand']} in {p['colour']}, chosen for {feats}.",
               f"The {p['name']} brings {feats} to your {p['rooms'][0]}."]
    spec_bits = [f"{k.replace('_', ' ')} {v}" for k, v in p["specs"].items()][:3]
    middle = f"Key specs: {', '.join(spec_bits)}." if spec_bits else ""
    size = f"It measures {sizes} cm (W x D x H)." if sizes else "Measurements are available on request."
    closers = ["Delivered and, where needed, installed by our own team.", "Easy to clean and built to last.",
               "A dependable choice at its price.", ""]
    return " ".join(x for x in [rng.choice(openers), middle, size, rng.choice(closers)] if x)


def products(seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for cat, (code, lo, hi, wr, dr, hr, rooms, feats, kind) in CATEGORIES.items():
        appliance = kind not in {"seat", "bed", "mattress", "case", "table", "chair"}
        brands = APPLIANCE_BRANDS if appliance else FURNITURE_BRANDS
        for i in range(15):
            brand = brands[(i + len(code)) % len(brands)]
            chosen = sorted(rng.sample(feats, k=min(len(feats), rng.randint(1, 3))))
            if cat == "mattress" and "firm" in chosen and "soft" in chosen:
                chosen.remove("soft")
            w = float(rng.randint(*wr)) if wr[0] != wr[1] else float(wr[0])
            if "compact" in chosen:
                w = float(wr[0] + (wr[1] - wr[0]) // 4)
            d, h = float(rng.randint(*dr)), float(rng.randint(*hr))
            price = _price(rng, cat, lo, hi)
            if "large capacity" in chosen or "smart" in chosen:
                price = min(round(price * 1.15, 0) - 0.01, hi - 0.01)
            line = LINES[(i * 5 + len(cat)) % len(LINES)]
            name = f"{brand} {line}{rng.choice(['', ' ', '-'])}{rng.randint(2, 9)}{rng.choice(['0', '5'])}" \
                   f"{rng.choice(['', '0'])} {cat.title()}"
            p = {"id": f"SKU-{code}-{i + 1:04d}", "name": " ".join(name.split()), "brand": brand, "category": cat,
                 "price": price, "currency": "USD", "width_cm": w, "depth_cm": d, "height_cm": h,
                 "colour": rng.choice(APPLIANCE_COLOURS if appliance else FURNITURE_COLOURS),
                 "rooms": sorted(rng.sample(rooms, k=min(len(rooms), rng.randint(1, 2)))),
                 "features": chosen, "in_stock": rng.random() > 0.08, "description": "", "specs": {},
                 "source": "knowledge/demo/catalog.jsonl", "url": None}
            if rng.random() < 0.04:  # realistic gaps: a size the supplier never gave us
                p["depth_cm"] = None
            p["specs"] = _specs(rng, kind, cat, chosen, w, d, h)
            p["description"] = _description(rng, p)
            out.append(p)
    return out


def guide(cat: str, items: list[dict]) -> str:
    prices = sorted(p["price"] for p in items)
    widths = sorted(p["width_cm"] for p in items)
    feats = sorted({f for p in items for f in p["features"]})
    return (f"---\ntitle: Buying guide - {cat}\ndoc_type: guide\ncategory: {cat}\n---\n\n"
            f"# Choosing a {cat}\n\n"
            f"Our {cat} range runs from about ${prices[0]:.0f} to ${prices[-1]:.0f}. Widths run from "
            f"{widths[0]:g} cm to {widths[-1]:g} cm, so measure the space first: width, depth and height, plus "
            f"room for doors to open and for air to circulate.\n\n"
            f"## What to look for\n\nFeatures available in this range: {', '.join(feats)}. Decide which matter "
            f"most to you before comparing prices. For appliances, a lower noise figure (dB) means a quieter "
            f"machine, and a better energy class means lower running costs. For furniture, check the material "
            f"and whether covers are washable.\n\n## Measuring tips\n\nMeasure doorways and stairs on the delivery "
            f"route as well as the final spot. Leave 2-5 cm around appliances for ventilation.\n")


def faq(cat: str) -> str:
    return (f"---\ntitle: Care and usage FAQ - {cat}\ndoc_type: faq\ncategory: {cat}\n---\n\n"
            f"# {cat.title()}: care and usage\n\n"
            f"**How do I clean my {cat}?** Wipe surfaces with a soft damp cloth and mild detergent; avoid abrasive "
            f"pads. Follow the manual for parts that need special care.\n\n"
            f"**Where do I find the manual?** Every {cat} ships with a printed manual; ask us for a PDF copy.\n\n"
            f"**What if it arrives damaged?** Tell us within 48 hours of delivery and we replace it free of charge.\n\n"
            f"**Does the warranty cover wear and tear?** No. It covers manufacturing defects for the period stated "
            f"on the product (see the warranty policy).\n")


POLICIES = {
    "delivery": ("Delivery", "Standard delivery costs $39 and takes 3-7 working days. Delivery is free on orders "
                 "over $999. Large items come with two-person delivery to the room of your choice. Express "
                 "delivery within 48 hours costs $79 where available. We take your old appliance away for $25."),
    "installation": ("Installation", "We install dishwashers, washing machines, dryers, ovens, cooktops, range "
                     "hoods, water heaters and air conditioners for a fixed fee of $129 per appliance ($199 for air "
                     "conditioners and built-in ovens). Furniture assembly costs $59 per item. Installation is "
                     "booked at checkout and done on the delivery day or within 5 working days."),
    "returns": ("Returns", "You can return any product within 30 days of delivery for a full refund if it is "
                "unused and in its original packaging. Opened mattresses can be returned within 100 nights. "
                "Return collection costs $39; returns to a store are free. Refunds go back to the original "
                "payment method within 10 working days."),
    "warranty": ("Warranty", "Every appliance comes with a 2-year manufacturer warranty, or the number of years "
                 "stated on the product page. Furniture is covered for 1 to 10 years depending on the product. "
                 "Mattresses carry 5 to 15 years. The warranty covers defects in materials and workmanship, not "
                 "wear and tear, misuse or accidental damage. An extended 3-year plan costs 10% of the price."),
    "payment": ("Payment", "We accept Visa, Mastercard, American Express, debit cards, PayPal and bank transfer. "
                "Orders over $500 can be paid in 12 interest-free monthly instalments. Prices include sales tax. "
                "We never ask for card details over chat."),
}


def write(out: Path, seed: int) -> None:
    items = products(seed)
    out.mkdir(parents=True, exist_ok=True)
    write_images(items, out)   # before the catalog: each record names its picture
    with (out / "catalog.jsonl").open("w", encoding="utf-8") as f:
        for p in items:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    store = {"name": STORE, "currency": "USD", "brands": sorted(set(APPLIANCE_BRANDS + FURNITURE_BRANDS)),
             "absent_brands": ABSENT_BRANDS}
    (out / "store.yaml").write_text(yaml.safe_dump(store, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for sub in ("guides", "faq", "policies"):
        (out / "docs" / sub).mkdir(parents=True, exist_ok=True)
    for cat in CATEGORIES:
        slug = cat.replace(" ", "-")
        (out / "docs" / "guides" / f"{slug}.md").write_text(guide(cat, [p for p in items if p["category"] == cat]))
        (out / "docs" / "faq" / f"{slug}.md").write_text(faq(cat))
    for slug, (title, body) in POLICIES.items():
        (out / "docs" / "policies" / f"{slug}.md").write_text(
            f"---\ntitle: {title} policy\ndoc_type: policy\n---\n\n# {title}\n\n{body}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "demo")
    args = parser.parse_args()
    write(args.out, args.seed)


if __name__ == "__main__":
    main()
