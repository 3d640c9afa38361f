// One script tag on any website adds the sciatica helper: a launcher button and
// the chat panel it opens.
//
//   <script src="http://HOST:8080/embed.js" defer></script>
//   optional: data-bot-url="https://bot.example/" (where the chat page is served;
//             default: where this script came from), data-title="Ask about sciatica"
//
// The panel is the chat page itself in an iframe: the host page's styles and
// scripts cannot reach into it and none of ours reach out (a shadow DOM would
// still inherit the host's fonts and colours, run our code in the host's
// JavaScript realm and need its CSP to allow our styles and our connection to
// the bot). The launcher lives in a shadow root with its styles set through the
// CSSOM, so the host page's CSS cannot restyle it and it needs no 'unsafe-inline'.
// This file defines no globals.
"use strict";

(function () {
  const script = document.currentScript;
  if (!script) return;
  const botUrl = new URL(script.dataset.botUrl || ".", script.dataset.botUrl ? location.href : script.src);
  const botOrigin = botUrl.origin;
  const title = (script.dataset.title || "Sciatica helper").slice(0, 80);
  const OPEN_NAME = "Chat about sciatica";
  const CLOSE_NAME = "Close chat";

  function styled(node, styles) {
    for (const [property, value] of Object.entries(styles)) node.style.setProperty(property, value, "important");
    return node;
  }

  const host = styled(document.createElement("div"), {
    all: "initial",
    position: "fixed",
    right: "1rem",
    bottom: "1rem",
    "z-index": "2147483000",
  });
  host.setAttribute("data-sciatica-helper", "");
  const root = host.attachShadow({ mode: "open" }); // open, so accessibility tools can check it

  const launcher = styled(document.createElement("button"), {
    display: "block",
    "margin-left": "auto",
    "min-height": "3rem",
    padding: "0.5rem 1.25rem",
    font: "600 1rem/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    color: "#fff",
    background: "#005eb8",
    border: "2px solid #fff",
    "border-radius": "999px",
    "box-shadow": "0 2px 8px rgba(0, 0, 0, 0.3)",
    cursor: "pointer",
  });
  launcher.type = "button";
  launcher.textContent = OPEN_NAME;
  launcher.setAttribute("aria-expanded", "false");
  // A dark ring with a yellow halo, as on the page: visible on any host background.
  launcher.addEventListener("focus", () => styled(launcher, { outline: "3px solid #212b32", "box-shadow": "0 0 0 6px #ffeb3b" }));
  launcher.addEventListener("blur", () => styled(launcher, { outline: "none", "box-shadow": "0 2px 8px rgba(0, 0, 0, 0.3)" }));

  let frame = null;

  function panelUrl() {
    const url = new URL("panel", botUrl);
    url.searchParams.set("host", location.origin);
    url.searchParams.set("title", title);
    return url.href;
  }

  function createFrame() {
    frame = styled(document.createElement("iframe"), {
      display: "block",
      width: "min(26rem, calc(100vw - 2rem))",
      height: "min(40rem, calc(100vh - 6rem))",
      "margin-bottom": "0.75rem",
      border: "0",
      "border-radius": "0.75rem",
      "box-shadow": "0 4px 24px rgba(0, 0, 0, 0.35)",
      background: "#f0f4f5",
    });
    frame.id = "sciatica-helper-panel";
    frame.title = title;
    frame.src = panelUrl();
    launcher.setAttribute("aria-controls", frame.id);
    root.insertBefore(frame, launcher);
  }

  let panelReady = false; // the panel's page has loaded and listens

  function tellPanel(type) {
    if (panelReady) frame.contentWindow.postMessage({ type }, botOrigin);
  }

  function open() {
    if (!frame) createFrame();
    styled(frame, { display: "block" });
    launcher.textContent = CLOSE_NAME;
    launcher.setAttribute("aria-expanded", "true");
    frame.focus();
    tellPanel("sciatica-helper:focus"); // the panel puts the cursor in its message box
  }

  function close({ refocus = true } = {}) {
    if (!frame) return;
    styled(frame, { display: "none" });
    launcher.textContent = OPEN_NAME;
    launcher.setAttribute("aria-expanded", "false");
    if (refocus) launcher.focus();
  }

  const isOpen = () => launcher.getAttribute("aria-expanded") === "true";

  launcher.addEventListener("click", () => (isOpen() ? close() : open()));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) close();
  });
  window.addEventListener("message", (event) => {
    if (!frame || event.source !== frame.contentWindow || event.origin !== botOrigin) return;
    const type = event.data && event.data.type;
    if (type === "sciatica-helper:close") close();
    else if (type === "sciatica-helper:ready") {
      panelReady = true;
      if (isOpen()) tellPanel("sciatica-helper:focus");
    }
  });

  root.appendChild(launcher);
  document.body.appendChild(host);
})();
