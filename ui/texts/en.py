"""The widget's chrome in English: labels, placeholders, chips and buttons (what the shopper reads
around the assistant's replies; the replies themselves come from the dialogue's own texts)."""

LABELS = {
    "lang_name": "English",
    "launcher": "Chat with us",
    "launcher_close": "Close the chat",
    "title": "Shopping assistant",
    "subtitle": "Appliances and furniture, found for you",
    "welcome": "Hi! Tell me what you are looking for: a product, a size, a budget.",
    "input_label": "Your message",
    "placeholder": "Type what you need…",
    "send": "Send",
    "handoff": "Talk to a person",
    "close": "Close",
    "restart": "New chat",
    "chips_label": "What I understood",
    "chips_hint": "Remove one to search again",
    "chip_edit": "Change: {label}",
    "chip_remove": "Remove: {label}",
    "suggestions_label": "Try",
    "suggestions": ["A quiet dishwasher under 600", "A sofa bed for a small living room"],
    "cards_label": "Products for this reply",
    "card_position": "{i} of {n}",
    "in_stock": "In stock",
    "out_of_stock": "Out of stock",
    "nearest": "Nearest option",
    "compare": "Compare",
    "compare_selected": "Compare the {n} selected",
    "compare_pick": "Pick one more product to compare",
    "compare_caption": "Comparison",
    "compare_message": "Compare {names}",
    "details": "Product page",
    "thinking": "Thinking…",
    "you": "You",
    "assistant": "Assistant",
    "error": "Sorry, something went wrong on our side. Please try again, or ask for a person.",
    "busy": "Many shoppers are asking right now. Please try again in a moment.",
    "too_long": "Your message is {n} characters long; the limit is {limit}. Please shorten it.",
    "handoff_summary": "Summary for our team",
    "no_picture": "No picture",
    "size": "Size",
}

# Preference chips: the prefix shown before each value ("Budget up to 600").
CHIP_LABELS = {"category": "Category:", "budget_min": "Budget from", "budget_max": "Budget up to",
               "brands": "Brand:", "excluded_brands": "Not", "features": "Feature:", "room": "Room:",
               "max_width_cm": "Width ≤", "max_depth_cm": "Depth ≤", "max_height_cm": "Height ≤"}

# Canonical values are English already; nothing to translate.
VALUES: dict[str, str] = {}

SPEC_LABELS = {"width_cm": "width (cm)", "depth_cm": "depth (cm)", "height_cm": "height (cm)", "in_stock": "in stock",
               "noise_db": "noise (dB)", "energy_class": "energy class", "warranty_years": "warranty (years)",
               "capacity_l": "capacity (l)", "capacity_kg": "capacity (kg)", "place_settings": "place settings",
               "power_w": "power (W)", "screen_in": "screen (in)", "seats": "seats", "material": "material",
               "firmness": "firmness", "price": "price", "name": "name", "brand": "brand"}
