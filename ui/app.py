"""The browser chat: Gradio Blocks over any ``AssistantAPI`` (streaming reply, product cards,
editable preference chips, comparison table, feedback, hand-off).

    shopassist chat            # opens http://127.0.0.1:7860 (ui.server.launch)
    shopassist serve --port 7860

The Chatbot inserts message text as (sanitized) HTML even with markdown off, and its sanitizer
keeps ``<img src=...>``; so every message is HTML-escaped here before it reaches the browser, and
shows as the literal characters the shopper typed, with no remote image ever loaded.

Each browser tab is its own conversation: the session id is Gradio's per-connection
``session_hash``, so the assistant keeps one state per tab and nothing is shared between them.
"""


import logging
from html import escape, unescape
from typing import Any

from assistant.reply import AssistantAPI, Reply
from assistant.state import LIST_KEYS, DialogueState, StateError
from ui.cards import T, chips, keep_chips, render_bundles, render_cards, render_comparison
from ui.config import ServeConfig
from ui.memory import ShopperMemory
from ui.transcripts import TranscriptStore

log = logging.getLogger(__name__)
EDITABLE = T.EDITABLE   # what the "edit a preference" box can set, in the words the shopper sees

CSS = """
.gradio-container { max-width: 1280px !important; margin: auto; }
#sa-title h1 { margin-bottom: 0; } #sa-title p { color: var(--body-text-color-subdued); margin-top: 4px; }
.sa-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 12px; }
.sa-card { border: 1px solid var(--border-color-primary); border-radius: 12px; padding: 12px 14px;
           background: var(--background-fill-primary); box-shadow: 0 1px 3px rgba(0,0,0,.06); }
.sa-card-head { display: flex; justify-content: space-between; align-items: center; }
.sa-brand { font-size: .75rem; text-transform: uppercase; letter-spacing: .06em; color: var(--body-text-color-subdued); }
.sa-alt-title { margin: 14px 0 6px; font-size: .8rem; font-weight: 600; color: #8a5a00; }
.sa-bundle { border: 1px solid var(--color-accent); border-radius: 14px; padding: 10px 12px; margin-bottom: 14px; }
.sa-bundle-head { display: flex; justify-content: space-between; font-weight: 700; margin-bottom: 8px; }
.sa-bundle-cat { font-size: .78rem; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; margin-bottom: 4px; }
.sa-bundle-total { margin-top: 10px; font-weight: 700; font-size: 1.05rem; color: var(--color-accent); }
.sa-alt { font-size: .7rem; background: #fff4d6; color: #8a5a00; border-radius: 999px; padding: 1px 8px; }
.sa-name { font-weight: 600; font-size: 1.02rem; margin: 2px 0 6px; }
.sa-price { font-size: 1.15rem; font-weight: 700; color: var(--color-accent); }
.sa-stock { font-size: .72rem; font-weight: 600; border-radius: 999px; padding: 1px 8px; margin-left: 6px; vertical-align: middle; }
.sa-in { background: #e3f6e8; color: #1d6b34; } .sa-out { background: #fde7e7; color: #9b1c1c; }
.sa-specs, .sa-why { list-style: none; padding: 0; margin: 8px 0 0; font-size: .85rem; }
.sa-specs li, .sa-why li { margin: 2px 0; } .sa-specs b { text-transform: capitalize; font-weight: 600; }
.sa-why-title { margin-top: 8px; font-size: .75rem; font-weight: 600; text-transform: uppercase; color: var(--body-text-color-subdued); }
.sa-slot { display: inline-block; font-size: .72rem; background: var(--color-accent-soft); border-radius: 4px; padding: 0 6px; margin-right: 4px; }
.sa-cite { margin-top: 8px; font-size: .78rem; color: var(--body-text-color-subdued); }
.sa-empty { color: var(--body-text-color-subdued); font-size: .9rem; padding: 8px 0; }
.sa-compare { width: 100%; border-collapse: collapse; font-size: .85rem; margin-top: 8px; }
.sa-compare th, .sa-compare td { border-bottom: 1px solid var(--border-color-primary); padding: 6px 8px; text-align: left; }
.sa-compare th { text-transform: capitalize; background: var(--background-fill-secondary); }
#sa-chips label { border-radius: 999px !important; }
"""


def theme():
    import gradio as gr

    # System fonts only: the page must render offline (no Google Fonts request).
    return gr.themes.Soft(primary_hue="teal", font=["ui-sans-serif", "system-ui", "sans-serif"],
                          font_mono=["ui-monospace", "monospace"])


def _session(request) -> str:
    return request.session_hash or "anonymous"


def reply_json(reply: Reply) -> dict[str, Any]:
    """The structured part of a reply, as the API returns it (the text streams in the chat)."""
    from dataclasses import asdict

    return {"text": reply.text, "action": reply.action, "state": reply.state.to_dict(),
            "products": [asdict(p) for p in reply.products],
            "alternatives": [asdict(p) for p in reply.alternatives], "citations": [asdict(c) for c in reply.citations],
            "comparison": reply.comparison, "handoff_summary": reply.handoff_summary,
            "bundles": [asdict(b) for b in reply.bundles]}


def build_app(assistant: AssistantAPI, config: ServeConfig, store: TranscriptStore | None = None,
              memory: ShopperMemory | None = None):
    """The Blocks app. ``store`` records turns and feedback (None: nothing is recorded); ``memory``
    adds each turn's purchase intent and the opt-in shopper profile (default: over ``store``)."""
    import gradio as gr

    from ui import memory_ui

    if memory is None and store is not None:
        from ui.profiles import ProfileStore

        memory = ShopperMemory(store, ProfileStore(store, config.profile_retention_days))
    limit = assistant.max_message_chars   # the assistant's one limit: refused here, before the queue

    def finish(session: str, reply: Reply, history: list, turns: dict, user_text: str):
        """Stream the reply into the last chat message, record the turn, then fill the side panel."""
        history = history + [{"role": "assistant", "content": ""}]
        text = ""
        try:
            for piece in reply.stream():
                text += piece
                history[-1]["content"] = escape(text)
                yield {chatbot: history}
            data = reply_json(reply)
        except Exception:
            log.exception("reply failed for session %s", session)
            history[-1]["content"] = T.ERROR_TEXT
            yield {chatbot: history}
            return
        if reply.handoff_summary:
            history[-1]["content"] += escape(f"\n\n{T.HANDOFF_TITLE}\n" + reply.handoff_summary)
        if store is not None:
            turn, meta = memory.record(session, user_text, data)
            data["intent"] = meta["intent"]   # for the embedding page (memory_ui.INTENT_JS)
            turns = {**turns, str(len(history) - 1): turn}
        choices = chips(reply.state)
        shown = (render_bundles(reply.bundles) if reply.bundles else
                 render_cards(reply.products, reply.citations, reply.alternatives))
        yield {chatbot: history, cards: shown,
               chip_group: gr.CheckboxGroup(choices=choices, value=[v for _, v in choices]),
               comparison: render_comparison(reply.comparison), result: data, turns_state: turns}

    def chat(message: str, history: list, turns: dict, request: gr.Request):
        message = (message or "").strip()
        if not message:
            yield {box: ""}
            return
        if len(message) > limit:
            # Refused before the assistant sees it: long inputs cost time for everyone in the queue.
            shown = escape(message[:limit] + "…")
            notice = T.too_long(len(message), limit)
            yield {box: "", chatbot: history + [{"role": "user", "content": shown},
                                                {"role": "assistant", "content": notice}],
                   result: {"text": notice, "action": "refused"}}
            return
        session = _session(request)
        history = history + [{"role": "user", "content": escape(message)}]
        yield {box: "", chatbot: history}
        try:
            reply = assistant.respond(session, message)
        except Exception:
            log.exception("respond failed for session %s", session)
            yield {chatbot: history + [{"role": "assistant", "content": T.ERROR_TEXT}]}
            return
        yield from finish(session, reply, history, turns, message)

    def retry(history: list, turns: dict, request: gr.Request):
        """Drop the last exchange and ask again with the same words."""
        last_user = max((i for i, m in enumerate(history) if m["role"] == "user"), default=None)
        if last_user is None:
            yield {chatbot: history}
            return
        message = unescape(_text(history[last_user]["content"]))
        yield from chat(message, history[:last_user], turns, request)

    def clear(request: gr.Request):
        assistant.reset(_session(request))
        if memory is not None:
            memory.restart(_session(request))
        return {chatbot: [], cards: render_cards([]), chip_group: gr.CheckboxGroup(choices=[], value=[]),
                comparison: "", result: None, turns_state: {}}

    def remove_chips(kept: list[str], history: list, turns: dict, request: gr.Request):
        session = _session(request)
        state = keep_chips(assistant.get_state(session), kept or [])
        yield from finish(session, assistant.set_state(session, state), history, turns, "")

    def edit_preference(slot: str, value: str, history: list, turns: dict, request: gr.Request):
        session = _session(request)
        try:
            state = edited(assistant.get_state(session), EDITABLE[slot], value)
        except (KeyError, ValueError, StateError) as e:
            gr.Warning(T.COULD_NOT_SET.format(slot=slot, error=e))
            yield {chatbot: history}
            return
        yield from finish(session, assistant.set_state(session, state), history, turns, "")

    def handoff(history: list, turns: dict, request: gr.Request):
        session = _session(request)
        yield from finish(session, assistant.handoff(session), history, turns, "")

    def like(data: gr.LikeData, turns: dict, request: gr.Request):
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn = turns.get(str(index))
        if store is None or turn is None or data.liked is None:
            return None
        store.add_feedback(_session(request), turn, "up" if data.liked is True else "down")
        if data.liked is True and memory is not None:
            memory.liked(_session(request), store.turns(_session(request))[turn]["products"])
        return turn

    def comment(text: str, rated: int | None, turns: dict, request: gr.Request):
        text = (text or "").strip()[:limit]
        if not text or store is None:
            return gr.skip()
        turn = rated if rated is not None else (max(turns.values()) if turns else None)
        if turn is None:
            gr.Warning(T.CHAT_FIRST)
            return gr.skip()
        store.add_feedback(_session(request), turn, None, text)
        gr.Info(T.FEEDBACK_THANKS)
        return ""

    def feedback(turn_index: int, thumbs: str, comment_text: str, request: gr.Request) -> str:
        """Thumbs ("up", "down" or "") and a comment for one of this session's turns."""
        if store is None:
            return "feedback is not recorded on this server"
        if thumbs not in ("up", "down", ""):
            return f"thumbs must be 'up', 'down' or '', not {thumbs!r}"
        try:
            store.add_feedback(_session(request), int(turn_index), thumbs or None,
                               (comment_text or "")[:limit])
        except KeyError as e:
            return str(e.args[0])
        return "ok"

    # ---- shopper memory: consent, remembered chips (offered, applied only when accepted), forget me ----
    def start_visit(page_id: str, page_consent: bool, request: gr.Request):
        info = memory.start(_session(request), page_id or None, bool(page_consent)) if memory else {}
        chips_offered = info.get("chips", [])
        return {shopper: info.get("shopper_id"), consent_box: gr.Group(visible=bool(info.get("ask_consent"))),
                remembered_box: gr.Group(visible=bool(chips_offered)),
                offer: info.get("offer", ""), remembered: gr.CheckboxGroup(choices=chips_offered, value=[]),
                forget_btn: gr.Button(visible=bool(info.get("consented")))}

    def agree(shopper_id: str | None, request: gr.Request):
        shopper_id = memory.consent(_session(request), shopper_id)
        # page_id carries the id to the page's cookie script (a State's value stays on the server).
        return {shopper: shopper_id, page_id: shopper_id, consent_box: gr.Group(visible=False),
                forget_btn: gr.Button(visible=True)}

    def decline():
        return {consent_box: gr.Group(visible=False)}

    def use_remembered(ticked: list[str], shopper_id: str | None, history: list, turns: dict, request: gr.Request):
        session = _session(request)
        state = assistant.get_state(session)
        accepted = memory.accept(shopper_id, ticked or [], state)
        if accepted == state:
            yield {remembered_box: gr.Group(visible=False)}
            return
        for update in finish(session, assistant.set_state(session, accepted), history, turns, ""):
            yield {**update, remembered_box: gr.Group(visible=False)}

    def forget_me(shopper_id: str | None, request: gr.Request):
        session = _session(request)
        memory.forget(session, shopper_id)
        assistant.reset(session)
        gr.Info(memory_ui.FORGOTTEN_TEXT)
        return {**clear(request), shopper: None, forget_btn: gr.Button(visible=False),
                remembered_box: gr.Group(visible=False), consent_box: gr.Group(visible=False)}

    with gr.Blocks(title="Shopping assistant") as demo:
        turns_state = gr.State({})  # chat message index -> transcript turn index
        rated = gr.State(None)      # the turn the shopper last rated (a comment attaches to it)
        gr.Markdown("# Shopping assistant\nAppliances and furniture from our catalog: tell me what you need.",
                    elem_id="sa-title")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", height=520, allow_tags=False, sanitize_html=True,
                                     render_markdown=False, elem_id="sa-chat", buttons=["copy"],
                                     group_consecutive_messages=False,   # one thumbs pair per reply
                                     placeholder="Ask for a product, a size, a budget, or compare options.")
                with gr.Row():
                    box = gr.Textbox(show_label=False, placeholder="Type your message…", scale=5,
                                     max_length=limit, elem_id="sa-input", autofocus=True)
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="sa-send")
                with gr.Row():
                    retry_btn = gr.Button("↻ Retry", size="sm")
                    clear_btn = gr.Button("Clear", size="sm", elem_id="sa-clear")
                    person_btn = gr.Button("Talk to a person", size="sm", elem_id="sa-handoff")
                gr.Examples(T.EXAMPLES, inputs=box, label="Try")
                with gr.Accordion("Comment on a reply (rate it with the thumbs first)", open=False):
                    with gr.Row():
                        comment_box = gr.Textbox(show_label=False, placeholder="What was good or wrong?", scale=5)
                        comment_btn = gr.Button("Send comment", size="sm", scale=1)
            with gr.Column(scale=2):
                shopper = gr.State(None)   # the shopper id (page or cookie), once known
                page_id = gr.Textbox(visible=False)
                page_consent = gr.Checkbox(visible=False)
                with gr.Group(visible=False, elem_id="sa-consent") as consent_box:
                    gr.Markdown(memory_ui.CONSENT_TEXT)
                    with gr.Row():
                        agree_btn = gr.Button(memory_ui.AGREE_TEXT, size="sm", variant="primary",
                                              elem_id="sa-consent-yes")
                        decline_btn = gr.Button(memory_ui.DECLINE_TEXT, size="sm", elem_id="sa-consent-no")
                with gr.Group(visible=False, elem_id="sa-remembered") as remembered_box:
                    offer = gr.Markdown("", elem_id="sa-offer")
                    remembered = gr.CheckboxGroup(choices=[], value=[], show_label=False,
                                                  elem_id="sa-remembered-chips")
                    use_btn = gr.Button(memory_ui.USE_TEXT, size="sm", variant="primary", elem_id="sa-use-remembered")
                forget_btn = gr.Button(memory_ui.FORGET_TEXT, size="sm", visible=False, elem_id="sa-forget")
                chip_group = gr.CheckboxGroup(choices=[], value=[], elem_id="sa-chips",
                                              label="What I understood (untick to remove)")
                with gr.Accordion("Change a preference", open=False):
                    with gr.Row():
                        slot = gr.Dropdown(list(EDITABLE), value="Budget up to", show_label=False, scale=2)
                        slot_value = gr.Textbox(show_label=False, placeholder="e.g. 800", scale=2)
                        apply_btn = gr.Button("Apply", size="sm", scale=1)
                cards = gr.HTML(render_cards([]), elem_id="sa-cards")
                comparison = gr.HTML("", elem_id="sa-compare")
        result = gr.JSON(visible=False)   # the structured reply, for API clients

        side = [box, chatbot, cards, chip_group, comparison, result, turns_state]
        replies = [box.submit(chat, [box, chatbot, turns_state], side, api_name="chat",
                   api_description="Send one message: streams the chat, then the cards, chips and the reply as JSON.")]
        replies.append(send.click(chat, [box, chatbot, turns_state], side, api_visibility="private"))
        replies.append(retry_btn.click(retry, [chatbot, turns_state], side, api_visibility="private"))
        clear_btn.click(clear, None, side, api_name="clear")
        chatbot.clear(clear, None, side, api_visibility="private")   # the Chatbot's own trash icon
        replies.append(person_btn.click(handoff, [chatbot, turns_state], side, api_name="handoff"))
        replies.append(chip_group.input(remove_chips, [chip_group, chatbot, turns_state], side, api_name="set_chips"))
        replies.append(apply_btn.click(edit_preference, [slot, slot_value, chatbot, turns_state], side,
                                       api_visibility="private"))
        chatbot.like(like, [turns_state], rated, api_visibility="private")
        comment_btn.click(comment, [comment_box, rated, turns_state], comment_box, api_visibility="private")
        gr.api(feedback, api_name="feedback")
        if memory is not None:
            visit = [shopper, consent_box, remembered_box, offer, remembered, forget_btn]
            demo.load(start_visit, [page_id, page_consent], visit, js=memory_ui.START_JS, api_visibility="private")
            agree_btn.click(agree, [shopper], [shopper, page_id, consent_box, forget_btn],
                            api_visibility="private").then(None, [page_id], None, js=memory_ui.set_cookie_js(int(config.profile_retention_days * 86400)))
            decline_btn.click(decline, None, [consent_box], api_visibility="private")
            use_btn.click(use_remembered, [remembered, shopper, chatbot, turns_state], side + [remembered_box],
                          api_visibility="private")
            forget_btn.click(forget_me, [shopper], side + visit, api_visibility="private").then(
                None, None, None, js=memory_ui.FORGET_JS)
            # After each reply (a hidden JSON's .change fires only once): the intent event for the page.
            for event in replies:
                event.then(None, [result], None, js=memory_ui.INTENT_JS)
    demo.queue(max_size=config.queue_max_size, default_concurrency_limit=config.concurrency_limit)
    return demo


def edited(state: DialogueState, key: str, value: str) -> DialogueState:
    """The state with one slot set (scalars) or one value added (lists), from the edit box."""
    value = value.strip()
    if not value:
        raise ValueError("give a value")
    if key in LIST_KEYS:
        return state.replace(**{key: getattr(state, key) + (value,)})
    if key in ("category", "room"):
        return state.replace(**{key: value})
    number = float(value.replace(",", "").replace("€", "").replace("$", ""))
    if not number > 0:   # also NaN: a budget or a size is a positive amount
        raise ValueError("give an amount above zero")
    return state.replace(**{key: number})


def _text(content: Any) -> str:
    """Gradio 6 history content is a string or a list of blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return str(content)
