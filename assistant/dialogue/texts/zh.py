"""Chinese: the bundle texts (docs/bundles.md) so far; every other name falls back to English until translated.

    python -c "from assistant.dialogue.texts import zh; print(zh.BUNDLE_CLOSED)"

Same names as ``en.py``; the manager words a bundle turn in Chinese when the shopper writes Chinese.
"""

from __future__ import annotations

from assistant.dialogue.texts.en import *  # noqa: F401,F403  (not yet translated: English)
from assistant.dialogue.texts.en import money


# ---- 套装（docs/bundles.md）：一个房间的几件商品，一个总预算 -----------------------------------------------

CATEGORY_NAMES = {
    "refrigerator": "冰箱", "freezer": "冰柜", "washing machine": "洗衣机", "dryer": "烘干机", "dishwasher": "洗碗机",
    "microwave": "微波炉", "oven": "烤箱", "cooktop": "灶台", "range hood": "油烟机", "coffee machine": "咖啡机",
    "air conditioner": "空调", "air purifier": "空气净化器", "dehumidifier": "除湿机", "vacuum cleaner": "吸尘器",
    "robot vacuum": "扫地机器人", "water heater": "热水器", "television": "电视", "sofa": "沙发", "armchair": "单人沙发",
    "bed": "床", "mattress": "床垫", "wardrobe": "衣柜", "chest of drawers": "五斗柜", "bookcase": "书柜",
    "tv stand": "电视柜", "coffee table": "茶几", "dining table": "餐桌", "dining chair": "餐椅", "desk": "书桌",
    "office chair": "办公椅", "bar stool": "吧台椅", "shoe cabinet": "鞋柜",
}
ROOM_NAMES = {"living room": "客厅", "bedroom": "卧室", "kitchen": "厨房", "bathroom": "卫生间", "dining room": "餐厅",
              "home office": "书房", "kids room": "儿童房", "laundry room": "洗衣房", "hallway": "玄关", "outdoor": "户外"}
COLOUR_NAMES = {"black": "黑色", "white": "白色", "grey": "灰色", "beige": "米色", "navy": "藏青色", "green": "绿色",
                "walnut": "胡桃色", "oak": "橡木色", "natural": "原木色", "blue": "蓝色", "brown": "棕色", "red": "红色"}
MATERIAL_NAMES = {"solid wood": "实木", "wood": "木质", "leather": "真皮", "fabric": "布艺", "glass": "玻璃",
                  "metal": "金属", "rattan": "藤编"}
UNSUPPORTED_NAMES = {"rug": "地毯", "lamp": "灯具", "floor lamp": "落地灯", "curtains": "窗帘", "mirror": "镜子",
                     "bedside table": "床头柜", "side table": "边几", "plant": "绿植", "cushions": "抱枕"}
BUNDLE_COMPARE_NEED_TWO = "目前只给您推荐过一套。您可以先换一件（比如“换个便宜点的沙发”），我再把两套做对比。"
BUNDLE_CLOSED = "好的，套装先放一边。您还想看看什么？"
_SWAP_WORDS_ZH = {"cheaper": "更便宜的", "another": "另一款", "better": "更好的"}
_DIMS_ZH = {"max_width_cm": ("宽", "width_cm"), "max_depth_cm": ("深", "depth_cm"), "max_height_cm": ("高", "height_cm")}


def _cat(c: str) -> str:
    return CATEGORY_NAMES.get(c, c)


def bundle_line(line) -> str:
    p = line.product
    qty = f"{line.quantity} × " if line.quantity > 1 else ""
    cost = f"，共 {money(line.cost, p.currency)}" if line.quantity > 1 else ""
    stock = "（暂时缺货）" if not p.in_stock else ""
    wishes = f"，满足您要的：{'、'.join(line.features_matched)}" if line.features_matched else ""
    return f"- {_cat(line.category)}：{qty}{p.name}（{p.brand}），{money(p.price, p.currency)}{cost}{stock}{wishes}"


def bundle_total(bundle) -> str:
    cur = bundle.currency
    text = f"合计：{money(bundle.total, cur)}"
    if bundle.total_max is not None:
        left = bundle.remaining
        text += (f"，预算 {money(bundle.total_max, cur)} 还剩 {money(left, cur)}" if left >= 0 else
                 f"，超出预算 {money(bundle.total_max, cur)} {money(-left, cur)}")
    return text + "。"


def _bundle_block(bundle) -> list[str]:
    return [bundle_line(line) for line in bundle.lines] + [bundle_total(bundle)]


def bundle_blocker(blocker, bundle_state) -> str:
    item, key, p = _cat(blocker.item), blocker.constraint, blocker.closest
    cur = p.currency if p else ""
    if key == "total":
        return (f"总预算 {money(bundle_state.total_max, cur)} 内配不齐：满足其他要求的最便宜一套要 "
                f"{money(blocker.cheapest_total, cur)}，超出 {money(blocker.over_by, cur)}。{item}占得最多："
                f"最便宜的合适款是 {p.name}，{money(p.price, cur)}。")
    if key == "colour":
        return f"没有{COLOUR_NAMES.get(bundle_state.colour, bundle_state.colour)}的{item}能满足您的其他要求。"
    if key == "material":
        return f"没有{MATERIAL_NAMES.get(bundle_state.material, bundle_state.material)}的{item}能满足您的其他要求。"
    if key == "match":
        return f"没法让每件的{'和'.join('颜色' if k == 'colour' else '材质' for k in bundle_state.match)}都一致：{item}配不上。"
    if key == "category":
        return f"本店不卖{item}，这套配不齐。"
    limits = bundle_state.item_state(blocker.item)
    if key == "budget_max":
        tail = f"；最便宜的是 {p.name}，{money(p.price, cur)}" if p else ""
        return f"没有 {money(limits.budget_max, cur)} 以内、又满足其他要求的{item}{tail}。"
    if key == "brands":
        tail = f"；最接近的是 {p.name}（{p.brand}）" if p else ""
        return f"没有{'或'.join(limits.brands)}的{item}能满足您的其他要求{tail}。"
    if key == "excluded_brands":
        return f"合适的{item}都来自您排除的品牌（{'、'.join(limits.excluded_brands)}）。"
    if key in _DIMS_ZH:
        word, field = _DIMS_ZH[key]
        size = getattr(p, field) if p else None
        tail = f"；最接近的是 {p.name}，{size:g} 厘米" if p and size is not None else ""
        return f"没有{word}度不超过 {getattr(limits, key):g} 厘米的{item}{tail}。"
    return f"没有满足要求的{item}。"


def bundle_unsupported(names) -> str:
    return f"本店不卖{'、'.join(UNSUPPORTED_NAMES.get(n, n) for n in names)}，这件我先没加进去。"


def bundle_reply(plan) -> str:
    b = plan.state.bundle
    lines: list[str] = []
    if plan.unsupported:
        lines.append(bundle_unsupported(plan.unsupported))
    if plan.kind == "compare_need_two":
        return BUNDLE_COMPARE_NEED_TWO
    if plan.kind == "compare":
        first, second = plan.bundles
        lines += ["两套对比如下：", "之前：", *_bundle_block(first), "现在：", *_bundle_block(second)]
        diff = round(second.total - first.total, 2)
        if diff:
            lines.append(f"新的一套{'贵' if diff > 0 else '便宜'} {money(abs(diff), second.currency)}。")
        return "\n".join(lines)
    if plan.kind == "closed":
        return BUNDLE_CLOSED
    if plan.kind == "no_swap":
        category, how = plan.swap
        lines.append(f"没有{_SWAP_WORDS_ZH[how]}{_cat(category)}既满足要求又不超总预算，这套先保持不变。")
        return "\n".join(lines + _bundle_block(plan.bundles[0]))
    if plan.kind == "unsupported":
        if plan.bundles:
            lines += ["您的套装没有变化：", *_bundle_block(plan.bundles[0])]
        return "\n".join(lines)
    if plan.blocker is not None:
        lines.append(bundle_blocker(plan.blocker, b))
        if plan.nearest is not None:
            lines += ["最接近的一套：", *_bundle_block(plan.nearest)]
        return "\n".join(lines)
    best = plan.bundles[0]
    if plan.kind == "swapped":
        category, how = plan.swap
        lines.append(f"换成了{_SWAP_WORDS_ZH[how]}{_cat(category)}，其他不变：")
    else:
        room = ROOM_NAMES.get(b.room, "") if b.room else ""
        total = f"，总预算 {money(b.total_max, best.currency)} 以内" if b.total_max is not None else ""
        lines.append(f"为您的{room or '家'}配好了一套{total}，每件都满足您的要求：")
    lines += _bundle_block(best)
    for cat, key in plan.exempt:
        lines.append(f"（商品目录没有{_cat(cat)}的{'颜色' if key == 'colour' else '材质'}信息，这件不参与匹配。）")
    if len(plan.bundles) > 1:
        alt = plan.bundles[1]
        lines.append(f"更便宜但少满足几项要求的一套：{money(alt.total, alt.currency)}（"
                     + "；".join(ln.product.name for ln in alt.lines) + "）。")
    return "\n".join(lines)
BUNDLE_TITLE = "您的套装"


def bundle_item_label(category: str, quantity: int, cost: float, currency: str) -> str:
    name = _cat(category)
    return f"{name} × {quantity}，{money(cost, currency)}" if quantity > 1 else name
