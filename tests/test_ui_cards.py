"""Product cards, comparison table and preference chips: escaped HTML, chips that round-trip.

    python -m pytest tests/test_ui_cards.py -q
"""

from assistant.reply import Citation, ProductCard
from assistant.state import DialogueState
from ui.app import edited
from ui.cards import chips, keep_chips, render_card, render_cards, render_comparison


def _card(**kw):
    base = dict(id="p1", name="Sofa", brand="IKEA", price=1299.5, currency="EUR", category="sofa",
                sizes={"width_cm": 200, "depth_cm": None, "height_cm": 80}, key_specs={"seats": 3},
                in_stock=True, why={"budget_max": "1,300 EUR is within your 1,500"}, source="https://shop/p1")
    return ProductCard(**{**base, **kw})


def test_card_shows_catalog_fields_and_citation():
    html = render_card(_card(), Citation("p1", "https://shop/p1", 0, "Sofa datasheet"))
    for text in ("Sofa", "IKEA", "1,300 EUR", "In stock", "200 × ? × 80 cm", "seats", "Budget up to",
                 'href="https://shop/p1"', "Sofa datasheet"):
        assert text in html


def test_card_escapes_everything_and_drops_unsafe_links():
    html = render_card(_card(name='<img src="https://evil/x.png">', brand="A&B", why={"x": "<script>"},
                             source="javascript:alert(1)", key_specs={"<b>k</b>": "<i>v</i>"}))
    assert "<img" not in html and "<script>" not in html and "<b>k" not in html and "<i>" not in html
    assert "&lt;img" in html and "A&amp;B" in html
    assert "href=" not in html


def test_empty_cards_and_comparison():
    assert "appear here" in render_cards([])
    assert render_comparison(None) == ""
    table = render_comparison([{"attribute": "name", "p1": "A<b>", "p2": "B"},
                               {"attribute": "noise_db", "p1": 42, "p2": None},
                               {"attribute": "in_stock", "p1": True, "p2": False}])
    assert "A&lt;b&gt;" in table and "<th>noise</th>" in table and "<td>42 dB</td>" in table
    assert "<td>yes</td>" in table and "<td>no</td>" in table and "—" in table and "True" not in table


def test_chips_round_trip():
    state = DialogueState(category="sofa", budget_max=800, brands=("IKEA", "Muuto"), features=("sofa bed",),
                          max_width_cm=220)
    labels = dict((v, label) for label, v in chips(state))
    assert labels == {"category=sofa": "Category: sofa", "budget_max=800": "Budget up to 800",
                      "brands=IKEA": "Brand: IKEA", "brands=Muuto": "Brand: Muuto",
                      "features=sofa bed": "Feature: sofa bed", "max_width_cm=220": "Width ≤ 220 cm"}
    assert keep_chips(state, list(labels)) == state
    kept = keep_chips(state, ["category=sofa", "brands=Muuto"])
    assert kept == DialogueState(category="sofa", brands=("Muuto",))


def test_edit_box_sets_and_adds():
    state = DialogueState(category="sofa", brands=("IKEA",))
    assert edited(state, "budget_max", "1,200 €").budget_max == 1200
    assert edited(state, "brands", "Muuto").brands == ("IKEA", "Muuto")
    assert edited(state, "room", "Living Room").room == "living room"
