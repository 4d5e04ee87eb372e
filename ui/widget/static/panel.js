/* The compact chat panel: a light client of the server's JSON API (/api/*).
 * Everything the assistant or the shopper wrote is inserted as text (textContent), never as HTML.
 * The conversation carries everything: cards under the reply that introduced them, the comparison
 * as a table in the thread, preference chips in a bar above the input, hand-off in the header. */
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  // Every URL is relative to the panel's own (…/widget/panel), so a proxy prefix just works.
  function api(name) { return new URL("../api/" + name, location.href).href; }
  var PLACEHOLDER = new URL("static/placeholder.svg", location.href).href;
  var $ = function (id) { return document.getElementById(id); };
  var log = $("log"), thread = $("thread"), input = $("input"), form = $("form");
  var chipsBox = $("chips"), chipList = $("chip-list");
  var tray = $("compare-tray"), trayHint = $("compare-hint"), trayGo = $("compare-go");
  var embedded = window.parent !== window;

  var texts = null;                      // {en: {...}, zh: {...}} from /api/labels
  var storePin = null;                   // the store's pinned language (config)
  var pagePin = params.get("lang") === "en" || params.get("lang") === "zh" ? params.get("lang") : null;
  var lang = pagePin || (params.get("start") === "zh" ? "zh" : "en");
  var maxChars = 1000;
  var busy = false;
  var chips = [];                        // [{key, value, label}]
  var selected = [];                     // products picked for comparison: [{id, name}]

  // --- colours from the script tag (validated; the text colour was picked for contrast) ---
  var hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;
  if (hex.test(params.get("accent") || "")) document.documentElement.style.setProperty("--accent", params.get("accent"));
  if (hex.test(params.get("on_accent") || "")) document.documentElement.style.setProperty("--on-accent", params.get("on_accent"));

  // --- the session: random, per tab, kept across page loads of the shop ---
  function newSession() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  var session;
  try {
    session = sessionStorage.getItem("shopassist-session") || newSession();
    sessionStorage.setItem("shopassist-session", session);
  } catch (e) { session = newSession(); }

  function t(key) { return (texts && (texts[lang] || texts.en)[key]) || key; }
  function fmt(key, values) {
    return t(key).replace(/\{(\w+)\}/g, function (_, k) { return values[k] !== undefined ? values[k] : ""; });
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // --- language: the store's pin, else the page's pin, else what the conversation speaks ---
  function setLang(next) {
    next = storePin || pagePin || next;
    if (!texts || !texts[next]) return;
    var changed = next !== lang;
    lang = next;
    document.documentElement.lang = lang === "zh" ? "zh-Hans" : "en";
    document.title = t("title");
    document.querySelectorAll("[data-t]").forEach(function (n) { n.textContent = t(n.getAttribute("data-t")); });
    document.querySelectorAll("[data-t-label]").forEach(function (n) {
      n.setAttribute("aria-label", t(n.getAttribute("data-t-label")));
      n.title = t(n.getAttribute("data-t-label"));
    });
    input.placeholder = t("placeholder");
    renderChips();
    renderTray();
    if (changed && embedded) window.parent.postMessage({ type: "shopassist:lang", lang: lang }, "*");
  }

  // --- the thread ---
  function scrollDown() { thread.scrollTop = thread.scrollHeight; }

  function addUser(text) {
    var li = el("div", "msg user");
    li.appendChild(el("span", "sr-only", t("you") + ": "));
    li.appendChild(el("p", "bubble", text));
    log.appendChild(li);
    scrollDown();
  }

  function addBot() {
    var li = el("div", "msg bot");
    li.appendChild(el("span", "sr-only", t("assistant") + ": "));
    var bubble = el("p", "bubble thinking", t("thinking"));
    li.appendChild(bubble);
    li.setAttribute("aria-busy", "true");
    log.appendChild(li);
    scrollDown();
    return { li: li, bubble: bubble };
  }

  function welcome() {
    var li = el("div", "msg bot welcome");
    li.appendChild(el("span", "sr-only", t("assistant") + ": "));
    li.appendChild(el("p", "bubble", t("welcome")));
    var row = el("div", "suggestions");
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", t("suggestions_label"));
    t("suggestions").forEach(function (s) {
      var b = el("button", "suggestion", s);
      b.type = "button";
      b.addEventListener("click", function () { send(s); });
      row.appendChild(b);
    });
    li.appendChild(row);
    log.appendChild(li);
  }

  // --- product cards: a strip under the reply; arrow keys move between cards ---
  function card(p, index, total) {
    var li = el("li", "card" + (p.alternative ? " alt" : ""));
    li.tabIndex = index === 0 ? 0 : -1;
    li.dataset.productId = p.id;
    li.setAttribute("aria-label", p.name + ", " + p.price_text + " (" + fmt("card_position", { i: index + 1, n: total }) + ")");
    var img = el("img", "pic");
    img.alt = "";                       // the name is right below: the picture adds nothing for a screen reader
    img.width = 160; img.height = 120;
    img.addEventListener("error", function () { if (img.src !== PLACEHOLDER) img.src = PLACEHOLDER; });
    img.src = p.image || PLACEHOLDER;
    li.appendChild(img);
    var body = el("div", "card-body");
    if (p.alternative) body.appendChild(el("span", "badge alt-badge", t("nearest")));
    body.appendChild(el("p", "brand", p.brand));
    body.appendChild(el("p", "name", p.name));
    var price = el("p", "price", p.price_text + " ");
    price.appendChild(el("span", "stock " + (p.in_stock ? "in" : "out"), t(p.in_stock ? "in_stock" : "out_of_stock")));
    body.appendChild(price);
    if (p.size || (p.specs && p.specs.length)) {
      var specs = el("ul", "specs");
      if (p.size) specs.appendChild(el("li", null, t("size") + " " + p.size));
      (p.specs || []).slice(0, 2).forEach(function (s) { specs.appendChild(el("li", null, s[0] + " " + s[1])); });
      body.appendChild(specs);
    }
    var actions = el("div", "card-actions");
    var cmp = el("button", "toggle", t("compare"));
    cmp.type = "button";
    cmp.dataset.compare = p.id;
    cmp.setAttribute("aria-pressed", String(selected.some(function (s) { return s.id === p.id; })));
    cmp.setAttribute("aria-label", t("compare") + ": " + p.name);
    cmp.addEventListener("click", function () { toggleCompare(p); });
    actions.appendChild(cmp);
    if (p.url) {
      var a = el("a", "link", t("details"));
      a.href = p.url; a.target = "_blank"; a.rel = "noopener noreferrer nofollow";
      a.setAttribute("aria-label", t("details") + ": " + p.name);
      actions.appendChild(a);
    }
    body.appendChild(actions);
    li.appendChild(body);
    return li;
  }

  function cards(products) {
    var ul = el("ul", "cards" + (products.length === 1 ? " single" : ""));
    ul.setAttribute("aria-label", t("cards_label"));
    products.forEach(function (p, i) { ul.appendChild(card(p, i, products.length)); });
    ul.addEventListener("keydown", function (event) {
      var items = Array.prototype.slice.call(ul.children);
      var at = items.indexOf(document.activeElement);
      if (at < 0) return;               // keys inside a card's buttons keep their meaning
      var to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      to = Math.max(0, Math.min(items.length - 1, to));
      items.forEach(function (item, i) { item.tabIndex = i === to ? 0 : -1; });
      items[to].focus();
    });
    ul.addEventListener("focusin", function (event) {
      var item = event.target.closest && event.target.closest(".card");
      if (item) item.scrollIntoView({ block: "nearest", inline: "nearest" });
    });
    return ul;
  }

  function comparison(c) {
    var wrap = el("div", "compare-wrap");
    wrap.tabIndex = 0;                  // scrollable: reachable by keyboard
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", t("compare_caption"));
    var table = el("table", "compare");
    table.appendChild(el("caption", null, t("compare_caption")));
    var head = el("tr");
    head.appendChild(el("td"));
    c.products.forEach(function (name) { var th = el("th", null, name); th.scope = "col"; head.appendChild(th); });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var tbody = el("tbody");
    c.rows.forEach(function (row) {
      var tr = el("tr");
      var th = el("th", null, row[0]); th.scope = "row"; tr.appendChild(th);
      row.slice(1).forEach(function (v) { tr.appendChild(el("td", null, v)); });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    wrap.appendChild(table);
    return wrap;
  }

  // --- comparison picks ---
  function toggleCompare(p) {
    var at = selected.findIndex(function (s) { return s.id === p.id; });
    if (at >= 0) selected.splice(at, 1); else selected.push({ id: p.id, name: p.name });
    if (selected.length > 3) selected.shift();
    document.querySelectorAll("[data-compare]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(selected.some(function (s) { return s.id === b.dataset.compare; })));
    });
    renderTray();
  }

  function renderTray() {
    tray.hidden = selected.length === 0;
    trayHint.textContent = selected.length === 1 ? t("compare_pick") : "";
    trayGo.hidden = selected.length < 2;
    trayGo.textContent = fmt("compare_selected", { n: selected.length });
  }

  trayGo.addEventListener("click", function () {
    var names = selected.map(function (s) { return s.name; });
    var joined = lang === "zh" ? names.join(" 和 ") : names.slice(0, -1).join(", ") + " and " + names[names.length - 1];
    selected = [];
    document.querySelectorAll("[data-compare]").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    renderTray();
    send(fmt("compare_message", { names: joined }));
    input.focus();
  });

  // --- preference chips: remove one, or change a number in place, and the search runs again ---
  var NUMBERS = ["budget_min", "budget_max", "max_width_cm", "max_depth_cm", "max_height_cm"];

  function renderChips() {
    chipList.textContent = "";
    chipsBox.hidden = chips.length === 0;
    chips.forEach(function (c, i) {
      var li = el("li", "chip");
      if (NUMBERS.indexOf(c.key) >= 0) {
        var edit = el("button", "chip-text editable", c.label);
        edit.type = "button";
        edit.setAttribute("aria-label", fmt("chip_edit", { label: c.label }));
        edit.addEventListener("click", function () { editChip(li, c); });
        li.appendChild(edit);
      } else {
        li.appendChild(el("span", "chip-text", c.label));
      }
      var x = el("button", "x", "×");
      x.type = "button";
      x.dataset.value = c.value;
      x.setAttribute("aria-label", fmt("chip_remove", { label: c.label }));
      x.addEventListener("click", function () { removeChip(i); });
      li.appendChild(x);
      chipList.appendChild(li);
    });
  }

  function editChip(li, c) {
    if (busy) return;
    var box = el("input", "chip-input");
    box.type = "number"; box.min = "1"; box.step = "any"; box.inputMode = "decimal";
    box.value = c.value.split("=")[1];
    box.setAttribute("aria-label", c.label);
    li.textContent = "";
    li.appendChild(box);
    box.focus(); box.select();
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); renderChips(); input.focus(); }
      if (event.key !== "Enter") return;
      event.preventDefault();
      var value = parseFloat(box.value);
      if (!(value > 0)) return;
      var set = {}; set[c.key] = value;
      var keep = chips.map(function (k) { return k.value; });
      turn(api("chips"), { keep: keep, set: set }, null).then(function () { input.focus(); });
    });
    box.addEventListener("blur", function () { if (!busy) setTimeout(function () { if (!busy && li.isConnected && li.contains(box)) renderChips(); }, 150); });
  }

  function removeChip(i) {
    if (busy) return;
    var keep = chips.filter(function (_, j) { return j !== i; }).map(function (c) { return c.value; });
    turn(api("chips"), { keep: keep }, null).then(function () {
      var buttons = chipList.querySelectorAll("button.x");
      (buttons[Math.min(i, buttons.length - 1)] || input).focus();
    });
    input.focus();   // the pressed chip is about to go: keep focus somewhere stable meanwhile
  }

  // --- one turn: stream the text, then the structured reply ---
  function turn(path, body, userText) {
    if (busy) return Promise.resolve();
    busy = true;
    form.setAttribute("aria-busy", "true");
    if (userText !== null) addUser(userText);
    var bot = addBot();
    var text = "";
    var final = null;
    var payload = Object.assign({ session: session }, body);
    if (pagePin) payload.lang = pagePin;

    function handle(obj) {
      if (obj.type === "text") {
        text += obj.text;
        bot.bubble.classList.remove("thinking");
        bot.bubble.textContent = text;
        scrollDown();
      } else if (obj.type === "reply") {
        final = obj;
      }
    }

    return fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) })
      .then(function (res) {
        if (!res.ok) throw new Error("HTTP " + res.status);
        if ((res.headers.get("content-type") || "").indexOf("ndjson") < 0) return res.json().then(handle);
        var reader = res.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            buffer += decoder.decode(chunk.value || new Uint8Array(), { stream: !chunk.done });
            var lines = buffer.split("\n");
            buffer = lines.pop();
            lines.forEach(function (line) { if (line.trim()) handle(JSON.parse(line)); });
            if (chunk.done) { if (buffer.trim()) handle(JSON.parse(buffer)); return; }
            return pump();
          });
        }
        return pump();
      })
      .catch(function () { final = { action: "error", text: t("error") }; })
      .then(function () {
        final = final || { action: "error", text: t("error") };
        if (final.language) setLang(final.language);
        bot.bubble.classList.remove("thinking");
        bot.bubble.textContent = final.text || text;
        if (final.action === "error" || final.action === "refused") bot.li.classList.add("error");
        var shown = (final.products || []).concat(final.alternatives || []);
        if (shown.length) bot.li.appendChild(cards(shown));
        if (final.comparison) bot.li.appendChild(comparison(final.comparison));
        if (final.handoff_summary) {
          var box = el("div", "summary");
          box.appendChild(el("p", "summary-title", t("handoff_summary")));
          box.appendChild(el("p", null, final.handoff_summary));
          bot.li.appendChild(box);
        }
        if (final.chips) { chips = final.chips; renderChips(); }
        bot.li.removeAttribute("aria-busy");
        form.removeAttribute("aria-busy");
        busy = false;
        scrollDown();
      });
  }

  function send(message) {
    message = (message || "").trim();
    if (!message || busy) return;
    input.value = "";
    grow();
    turn(api("chat"), { message: message }, message);
  }

  function grow() {                    // the box grows with the text, up to five lines
    input.style.height = "";
    if (input.value) input.style.height = Math.min(input.scrollHeight + 3, 120) + "px";
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); send(input.value); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); send(input.value); }
  });
  input.addEventListener("input", grow);
  $("handoff").addEventListener("click", function () { turn(api("handoff"), {}, null); });
  $("restart").addEventListener("click", function () {
    if (busy) return;
    fetch(api("reset"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ session: session }) });
    session = newSession();
    try { sessionStorage.setItem("shopassist-session", session); } catch (e) { /* private mode */ }
    log.textContent = ""; chips = []; selected = [];
    renderChips(); renderTray(); welcome();
    input.focus();
  });

  function close() { if (embedded) window.parent.postMessage({ type: "shopassist:close" }, "*"); }
  $("close").hidden = !embedded;
  $("close").addEventListener("click", close);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); }
  });
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent) return;
    if ((event.data || {}).type === "shopassist:open") input.focus();
  });

  fetch(api("labels")).then(function (r) { return r.json(); }).then(function (data) {
    texts = data.languages;
    storePin = data.pinned;
    maxChars = data.max_message_chars || maxChars;
    input.maxLength = maxChars;
    setLang(storePin || lang);
    welcome();
    document.body.classList.add("ready");
    if (embedded) window.parent.postMessage({ type: "shopassist:ready" }, "*");
    input.focus();
  });
})();
