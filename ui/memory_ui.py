"""The chat's memory controls, page side (the handlers are in ``ui/app.py``): consent, remembered chips
offered at the start of a visit, "Forget me", and the purchase-intent event for the embedding page.

    demo.load(start_visit, [page_id, page_consent], visit, js=memory_ui.START_JS)   # ui/app.py
    result.change(None, [result], None, js=memory_ui.INTENT_JS)

The shopper id comes from the embedding page (``window.shopassist = {shopperId, consent}``) or from
the first-party cookie ``sa_shopper`` that this panel sets only after the shopper clicks "Remember
me". Remembered chips are offered unticked: nothing reaches the dialogue state until the
shopper presses "Use these". Each reply's intent is dispatched on the page as
``window.dispatchEvent(new CustomEvent("shopassist:intent", {detail: {stage, score, signals}}))``.
"""

from __future__ import annotations

COOKIE = "sa_shopper"

# Runs in the page before the start handler: the page's shopper id and consent, else the cookie.
START_JS = f"""() => {{
  const page = window.shopassist || {{}};
  const m = document.cookie.match(/(?:^|; ){COOKIE}=([^;]+)/);
  return [page.shopperId || (m ? decodeURIComponent(m[1]) : ""), page.consent === true];
}}"""


def set_cookie_js(max_age_s: int) -> str:
    """Store the shopper id in a first-party cookie (called only after consent)."""
    return f"""(id) => {{
  if (id && !(window.shopassist || {{}}).shopperId) {{
    document.cookie = "{COOKIE}=" + encodeURIComponent(id) + "; max-age={max_age_s}; path=/; SameSite=Lax"
      + (location.protocol === "https:" ? "; Secure" : "");
  }}
}}"""


FORGET_JS = f"""() => {{
  document.cookie = "{COOKIE}=; max-age=0; path=/; SameSite=Lax";
  window.dispatchEvent(new CustomEvent("shopassist:forgotten"));
}}"""

# Each reply: tell the embedding page the conversation's purchase intent.
INTENT_JS = """(reply) => {
  if (reply && reply.intent) {
    window.shopassistIntent = reply.intent;
    window.dispatchEvent(new CustomEvent("shopassist:intent", {detail: reply.intent}));
  }
}"""

AGREE_TEXT, DECLINE_TEXT = "Yes, remember me", "No thanks"
USE_TEXT, FORGET_TEXT = "Use these", "Forget me"
FORGOTTEN_TEXT = "Done: your preferences and this conversation are deleted."
CONSENT_TEXT = ("**Remember your preferences for next time?** Sizes, brands you rule out, budget and "
                "products you looked at, kept on our server for your next visit. You can delete them "
                "at any time with “Forget me”.")
