/* The shopping assistant on any page, in one line:
 *
 *   <script src="https://assistant.example.com/widget.js" defer
 *           data-lang="auto" data-accent="#0f5e59" data-position="bottom-right"></script>
 *
 * Adds a floating button (in a shadow root, so the shop's CSS and ours never mix) that opens the
 * compact chat panel, served by the same server in an iframe. Attributes (all optional):
 *   data-server    the assistant's base URL (default: the folder this script came from)
 *   data-lang      auto (default: start in the page's <html lang>, then follow the conversation), en or zh (pinned)
 *   data-accent    the button and highlight colour, #rgb or #rrggbb (text colour is chosen for contrast)
 *   data-position  bottom-right (default) or bottom-left
 *   data-open      "true" opens the panel on load
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__shopassistWidget) return;
  window.__shopassistWidget = true;

  var data = script.dataset || {};
  // Default: the folder widget.js came from (keeps a proxy prefix such as /assistant).
  var server = (data.server || new URL(script.src, location.href).href.replace(/\/widget\.js([?#].*)?$/, "")).replace(/\/+$/, "");
  var origin = new URL(server, location.href).origin;
  var pinned = data.lang === "en" || data.lang === "zh" ? data.lang : null;
  var lang = pinned || (/^zh/i.test(document.documentElement.lang || "") ? "zh" : "en");
  var accent = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(data.accent || "") ? data.accent : "#0f5e59";
  var left = data.position === "bottom-left";
  var TEXT = {
    en: { open: "Chat with us", close: "Close the chat", title: "Shopping assistant" },
    zh: { open: "在线咨询", close: "关闭对话", title: "购物助手" }
  };

  // Text on the accent: white or near-black, whichever reads better (WCAG contrast).
  function luminance(hex) {
    if (hex.length === 4) hex = "#" + hex[1] + hex[1] + hex[2] + hex[2] + hex[3] + hex[3];
    var c = [1, 3, 5].map(function (i) {
      var v = parseInt(hex.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  var onAccent = (1.05 / (luminance(accent) + 0.05)) >= ((luminance(accent) + 0.05) / 0.0556) ? "#ffffff" : "#111111";

  var host = document.createElement("div");
  host.id = "shopassist-widget";
  var root = host.attachShadow({ mode: "open" });
  var side = left ? "left" : "right";
  root.innerHTML =
    "<style>" +
    ":host { all: initial; }" +
    ".launcher { position: fixed; " + side + ": 20px; bottom: 20px; z-index: 2147483000; display: inline-flex;" +
    "  align-items: center; gap: 8px; border: 0; border-radius: 999px; padding: 12px 18px; cursor: pointer;" +
    "  font: 600 15px/1.2 system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', 'PingFang SC', sans-serif;" +
    "  background: " + accent + "; color: " + onAccent + "; box-shadow: 0 6px 20px rgba(0,0,0,.25); }" +
    ".launcher:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 3px; box-shadow: 0 0 0 6px #fff; }" +
    ".launcher svg { width: 20px; height: 20px; flex: none; }" +
    ".frame { position: fixed; " + side + ": 20px; bottom: 84px; z-index: 2147483000; width: 400px;" +
    "  height: min(680px, calc(100vh - 110px)); border-radius: 16px; overflow: hidden; background: #fff;" +
    "  box-shadow: 0 12px 48px rgba(0,0,0,.3); }" +
    ".frame[hidden] { display: none; }" +
    ".frame iframe { width: 100%; height: 100%; border: 0; display: block; }" +
    "@media (max-width: 480px) {" +
    "  .frame { inset: 0; width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; bottom: 0; }" +
    "  .open .launcher { display: none; } }" +
    "</style>" +
    "<div class='wrap'><div class='frame' hidden></div>" +
    "<button class='launcher' type='button' aria-expanded='false' aria-haspopup='dialog'>" +
    "<svg viewBox='0 0 24 24' aria-hidden='true' focusable='false'><path fill='currentColor' d='M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z'/></svg>" +
    "<span class='label'></span></button></div>";

  var wrap = root.querySelector(".wrap");
  var launcher = root.querySelector(".launcher");
  var frame = root.querySelector(".frame");
  var label = root.querySelector(".label");
  var iframe = null;
  var ready = false;

  function render() {
    var open = !frame.hidden;
    label.textContent = open ? TEXT[lang].close : TEXT[lang].open;
    launcher.setAttribute("aria-label", open ? TEXT[lang].close : TEXT[lang].open);
    launcher.setAttribute("aria-expanded", String(open));
    wrap.classList.toggle("open", open);
    if (iframe) iframe.title = TEXT[lang].title;
  }

  function post(message) {
    if (iframe && ready) iframe.contentWindow.postMessage(message, origin);
  }

  function open() {
    if (!iframe) {
      // The panel loads on the first open only: pages where nobody chats cost the server nothing.
      iframe = document.createElement("iframe");
      var params = new URLSearchParams({ lang: pinned || "auto", start: lang, accent: accent, on_accent: onAccent });
      iframe.src = server + "/widget/panel?" + params.toString();
      iframe.title = TEXT[lang].title;
      iframe.setAttribute("allow", "clipboard-write");
      frame.appendChild(iframe);
    }
    frame.hidden = false;
    render();
    iframe.focus();
    post({ type: "shopassist:open" });
  }

  function close() {
    frame.hidden = true;
    render();
    launcher.focus();
  }

  launcher.addEventListener("click", function () { frame.hidden ? open() : close(); });
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !frame.hidden) { event.preventDefault(); close(); }
  });
  window.addEventListener("message", function (event) {
    if (!iframe || event.origin !== origin || event.source !== iframe.contentWindow) return;
    var msg = event.data || {};
    if (msg.type === "shopassist:ready") {
      ready = true;
      if (!frame.hidden) post({ type: "shopassist:open" });
    } else if (msg.type === "shopassist:close") {
      close();
    } else if (msg.type === "shopassist:lang" && !pinned && TEXT[msg.lang]) {
      lang = msg.lang;
      render();
    }
  });

  render();
  (document.body || document.documentElement).appendChild(host);
  if (data.open === "true") open();
})();
