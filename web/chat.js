// The chat widget: talks to the bot over Rasa's REST channel and keeps the
// conversation of this tab in sessionStorage, so a reload shows it again.
//
// Everything from the user, the bot or storage is data: it reaches the page only
// through textContent and attribute values this file chooses, never as markup.
"use strict";

(function () {
  const STORE_PREFIX = "sciatica-helper:";
  const SENDER_KEY = STORE_PREFIX + "sender";
  const MAX_STORED_ITEMS = 200;
  const REPLY_TIMEOUT_MS = 30000;
  const EMERGENCY_NUMBERS = [
    { number: "999", where: "UK" },
    { number: "911", where: "US" },
    { number: "112", where: "EU" },
  ];
  // Phone numbers in referral and error texts become tap-to-call links.
  const PHONE_NUMBER = /\b(999|911|112|111)\b/;
  const UNREACHABLE_TEXT =
    "Sorry, I can't reach the sciatica helper right now. Please try again in a minute. " +
    "If you have numbness around your bottom or genitals, new problems peeing or pooing, " +
    "or weakness or numbness in both legs, call 999 (UK), 911 (US) or 112 (EU), or go to A&E now.";
  const REFERRALS = {
    emergency: {
      heading: "Get emergency help now",
      icon: "!",
      text: "Call 999 (UK), 911 (US) or 112 (EU), or go to A&E / the emergency department now.",
    },
    urgent: {
      heading: "See a doctor today",
      icon: "!",
      text: "Please get an urgent same-day appointment with a GP or doctor, or call 111.",
    },
    gp: {
      heading: "See a GP or physio soon",
      icon: "i",
      text: "Book an appointment with a GP or physiotherapist so they can look at this properly.",
    },
  };
  const DOSAGE = [
    ["Hold", "hold", "hold time"],
    ["Repetitions", "reps", "repetitions"],
    ["How often", "frequency", "how often"],
  ];
  // The summary for a doctor: its sections, in the order the bot's text has them.
  const SUMMARY_TITLE = "Summary for a doctor";
  const SUMMARY_SECTIONS = {
    advice: "Advice given",
    reported: "What you said about your symptoms, in your own words",
    found: "Warning signs found",
    noted: "Also noted (not a warning sign by itself)",
    answers: "Safety questions and your answers",
    exercises: "Exercises shown",
  };
  const KIND_LABELS = {
    stretch: "Stretch",
    strengthen: "Strengthening exercise",
    release: "Release technique",
    "self-care": "Self-care",
    activity: "Everyday advice",
  };

  const list = document.getElementById("messages");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const restartButton = document.getElementById("restart");
  const announcer = document.getElementById("announcer");

  const state = { endpoint: null, sender: null, queue: Promise.resolve(), pending: 0, cardCount: 0 };

  // -- storage ------------------------------------------------------------------

  // A browser may deny storage to a panel embedded in another site (third-party
  // storage blocked): the chat then works and forgets the conversation on reload.
  const storage = (function () {
    try {
      window.sessionStorage.getItem(SENDER_KEY);
      return window.sessionStorage;
    } catch (error) {
      const kept = new Map();
      return {
        getItem: (key) => (kept.has(key) ? kept.get(key) : null),
        setItem: (key, value) => kept.set(key, String(value)),
        removeItem: (key) => kept.delete(key),
      };
    }
  })();

  function historyKey(sender) {
    return STORE_PREFIX + "history:" + sender;
  }

  function newSenderId() {
    // getRandomValues works on plain http too, where randomUUID does not.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function loadSender() {
    let sender = storage.getItem(SENDER_KEY);
    if (!sender || !/^web-[0-9a-f]{32}$/.test(sender)) {
      sender = newSenderId();
      storage.setItem(SENDER_KEY, sender);
    }
    return sender;
  }

  function loadHistory(sender) {
    try {
      const items = JSON.parse(storage.getItem(historyKey(sender)) || "[]");
      return Array.isArray(items) ? items.filter(isItem) : [];
    } catch (error) {
      return []; // unreadable history: start afresh rather than break the page
    }
  }

  function saveHistory(sender, items) {
    try {
      storage.setItem(historyKey(sender), JSON.stringify(items.slice(-MAX_STORED_ITEMS)));
    } catch (error) {
      // Storage full or disabled: the conversation goes on, only a reload forgets it.
    }
  }

  function remember(item) {
    const items = loadHistory(state.sender);
    items.push(item);
    saveHistory(state.sender, items);
  }

  function markChoicesAnswered() {
    const items = loadHistory(state.sender);
    items.forEach((item) => { if (item.buttons) item.answered = true; });
    saveHistory(state.sender, items);
  }

  function isItem(item) {
    return item !== null && typeof item === "object" && (item.from === "user" || item.from === "bot");
  }

  // -- the REST channel ---------------------------------------------------------

  async function loadEndpoint() {
    const response = await fetch("config.json", { cache: "no-store" });
    const config = await response.json();
    const port = Number(config.rasaPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error("bad rasaPort");
    return `${location.protocol}//${location.hostname}:${port}/webhooks/rest/webhook`;
  }

  async function postMessage(sender, message) {
    if (!state.endpoint) state.endpoint = await loadEndpoint();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REPLY_TIMEOUT_MS);
    try {
      const response = await fetch(state.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        // Tells the channel this client draws the cards itself (see DEVELOPERS.md).
        body: JSON.stringify({ sender, message, metadata: { cards: true } }),
        signal: controller.signal,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const replies = await response.json();
      return Array.isArray(replies) ? replies : [];
    } finally {
      clearTimeout(timer);
    }
  }

  // -- replies to display items -------------------------------------------------
  // The REST channel sends a message's text and its custom payload as separate
  // replies, and splits long text at blank lines; a card takes its own text back.

  function asText(value) {
    return typeof value === "string" ? value : value == null ? "" : String(value);
  }

  function validButtons(buttons) {
    if (!Array.isArray(buttons)) return [];
    return buttons
      .filter((b) => b && typeof b === "object" && asText(b.title) && asText(b.payload))
      .map((b) => ({ title: asText(b.title), payload: asText(b.payload) }));
  }

  function cardPayload(custom) {
    if (!custom || typeof custom !== "object") return null;
    if (custom.type === "exercise" && asText(custom.name)) return custom;
    if (custom.type === "referral") return custom;
    if (custom.type === "summary") return custom;
    return null;
  }

  function takeCardText(card, loose) {
    if (card.type === "referral") return loose.length ? loose.pop() : "";
    const name = asText(card.type === "summary" ? card.title || SUMMARY_TITLE : card.name).toLowerCase();
    for (let start = loose.length - 1; start >= 0; start--) {
      if (loose[start].toLowerCase().startsWith(name)) return loose.splice(start).join("\n\n");
    }
    return "";
  }

  function toItems(replies) {
    const items = [];
    let loose = [];
    const flush = () => {
      loose.forEach((text) => items.push({ from: "bot", text }));
      loose = [];
    };
    for (const reply of replies) {
      if (!reply || typeof reply !== "object") continue;
      const text = asText(reply.text);
      const buttons = validButtons(reply.buttons);
      const card = cardPayload(reply.custom);
      if (card) {
        let cardText = text || takeCardText(card, loose);
        let cardButtons = buttons;
        const previous = items[items.length - 1];
        if (!cardText && !loose.length && card.type === "referral" && previous && !previous.card && previous.buttons) {
          // A referral with its quick reply ("Summary for a doctor") comes as its text
          // with the buttons, then the payload: one card again.
          items.pop();
          cardText = previous.text;
          cardButtons = previous.buttons;
        }
        flush();
        items.push({ from: "bot", card, text: cardText, buttons: cardButtons });
      } else if (buttons.length) {
        flush();
        items.push({ from: "bot", text, buttons });
      } else if (text) {
        loose.push(text);
      }
    }
    flush();
    return items;
  }

  // -- rendering ----------------------------------------------------------------

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function hiddenLabel(text) {
    return element("span", "visually-hidden", text);
  }

  // Text with the phone numbers as tel: links, built node by node.
  function textWithPhoneLinks(text, className) {
    const paragraph = element("p", className);
    for (const part of asText(text).split(PHONE_NUMBER)) {
      if (PHONE_NUMBER.test(part) && part.length === 3) {
        const link = element("a", "phone", part);
        link.href = "tel:" + part;
        paragraph.appendChild(link);
      } else if (part) {
        paragraph.appendChild(document.createTextNode(part));
      }
    }
    return paragraph;
  }

  function renderUser(item) {
    const row = element("li", "message user");
    row.appendChild(hiddenLabel("You said: "));
    row.appendChild(element("p", "bubble", asText(item.text)));
    return row;
  }

  function renderBot(item) {
    const row = element("li", "message bot");
    row.appendChild(hiddenLabel("Sciatica helper said: "));
    if (item.card && item.card.type === "exercise") row.appendChild(exerciseCard(item.card, item.text));
    else if (item.card && item.card.type === "referral") row.appendChild(referralCard(item.card, item.text));
    else if (item.card && item.card.type === "summary") row.appendChild(summaryCard(item.card, item.text));
    else if (item.text) row.appendChild(element("p", "bubble", item.text));
    if (item.buttons && item.buttons.length) row.appendChild(choices(item.buttons, !item.answered));
    return row;
  }

  function exerciseCard(card, fullText) {
    const id = `card-${++state.cardCount}`;
    const article = element("article", "card exercise-card");
    article.setAttribute("aria-labelledby", id);

    const kind = asText(card.kind);
    const targets = Array.isArray(card.targets) ? card.targets.map((t) => asText(t).replace(/_/g, " ")) : [];
    const kicker = [KIND_LABELS[kind] || kind.replace(/[_-]/g, " "), targets.length ? "for " + targets.join(", ") : ""];
    article.appendChild(element("p", "card-kicker", kicker.filter(Boolean).join(" · ")));
    article.appendChild(Object.assign(element("h3", "card-title", asText(card.name)), { id }));

    const steps = Array.isArray(card.steps) ? card.steps.map(asText).filter(Boolean) : [];
    if (steps.length) {
      article.appendChild(element("h4", "card-section", "How to do it"));
      const ol = element("ol", "steps");
      ol.setAttribute("role", "list"); // keeps list semantics with the numbers drawn in CSS
      steps.forEach((step) => ol.appendChild(element("li", null, step)));
      article.appendChild(ol);
    }

    article.appendChild(dosage(card));

    if (asText(card.caution)) {
      const caution = element("p", "caution");
      caution.appendChild(element("strong", null, "Take care: "));
      caution.appendChild(document.createTextNode(asText(card.caution)));
      article.appendChild(caution);
    }

    const more = moreText(card, fullText, steps);
    if (more) {
      const details = element("details", "full-text");
      details.appendChild(element("summary", null, "Why it helps, and more"));
      details.appendChild(element("p", null, more));
      article.appendChild(details);
    }
    return article;
  }

  function dosage(card) {
    const box = element("div", "dosage");
    const given = element("dl");
    const missing = [];
    for (const [label, value, name] of DOSAGE) {
      if (!asText(card[value])) {
        missing.push(name);
        continue;
      }
      const row = element("div", "dose");
      row.appendChild(element("dt", null, label));
      row.appendChild(element("dd", null, asText(card[value])));
      given.appendChild(row);
    }
    if (given.childElementCount) box.appendChild(given);
    if (missing.length) box.appendChild(element("p", "dose-missing", `Not given in the sources: ${missing.join(", ")}.`));
    return box;
  }

  // The bot's own text, less what the card already shows (its steps and caution).
  function moreText(card, fullText, steps) {
    const shown = new Set([
      steps.map((step, i) => `${i + 1}. ${step}`).join("\n"),
      `Take care: ${asText(card.caution)}`,
    ]);
    return asText(fullText)
      .split("\n\n")
      .filter((paragraph) => !shown.has(paragraph.trim()))
      .join("\n\n");
  }

  function referralCard(card, text) {
    const level = Object.prototype.hasOwnProperty.call(REFERRALS, card.level) ? card.level : "urgent";
    const id = `card-${++state.cardCount}`;
    // An article may not be an alert (ARIA in HTML), so the emergency card is a div.
    const article = element(level === "emergency" ? "div" : "article", `card referral referral-${level}`);
    article.setAttribute("aria-labelledby", id);
    if (level === "emergency") article.setAttribute("role", "alert");

    const heading = element("h3", "referral-heading");
    heading.id = id;
    heading.appendChild(element("span", "referral-icon", REFERRALS[level].icon)).setAttribute("aria-hidden", "true");
    heading.appendChild(document.createTextNode(REFERRALS[level].heading));
    article.appendChild(heading);
    // The numbers come first, so the first screen of the card is what to do.
    if (level === "emergency") article.appendChild(callLinks());
    article.appendChild(textWithPhoneLinks(text || REFERRALS[level].text, "referral-text"));
    return article;
  }

  function callLinks() {
    const calls = element("div", "call-links");
    for (const { number, where } of EMERGENCY_NUMBERS) {
      const link = element("a", "call");
      link.href = "tel:" + number;
      link.appendChild(element("span", "call-number", "Call " + number));
      link.appendChild(element("span", "call-where", " " + where));
      calls.appendChild(link);
    }
    return calls;
  }

  // -- the summary for a doctor: shown here, copied or printed by the person, never sent anywhere

  function summaryCard(card, text) {
    const id = `card-${++state.cardCount}`;
    const article = element("article", "card summary-card");
    article.setAttribute("aria-labelledby", id);
    article.appendChild(Object.assign(element("h3", "card-title", asText(card.title) || SUMMARY_TITLE), { id }));
    const made = localTime(card.made);
    if (made) article.appendChild(element("p", "summary-made", "Made on " + made));

    const advice = summarySection(article, SUMMARY_SECTIONS.advice);
    const level = Object.prototype.hasOwnProperty.call(REFERRALS, card.level) ? card.level : null;
    if (asText(card.urgency)) advice.appendChild(element("p", `summary-urgency summary-urgency-${level || "none"}`, asText(card.urgency)));
    advice.appendChild(element("p", "summary-advice", asText(card.advice) || "No advice to see a doctor or a physiotherapist was given."));

    summaryList(article, SUMMARY_SECTIONS.reported, strings(card.reported), "quote");
    summaryList(article, SUMMARY_SECTIONS.found, strings(card.signs));
    if (strings(card.noted).length) summaryList(article, SUMMARY_SECTIONS.noted, strings(card.noted));
    const answers = Array.isArray(card.answers) ? card.answers.filter((a) => a && typeof a === "object" && asText(a.question)) : [];
    const answered = summarySection(article, SUMMARY_SECTIONS.answers);
    if (answers.length) {
      const list = element("dl", "summary-answers");
      for (const answer of answers) {
        list.appendChild(element("dt", null, asText(answer.question)));
        const said = asText(answer.said);
        list.appendChild(element("dd", null, asText(answer.answer) + (said ? ` (“${said}”)` : "")));
      }
      answered.appendChild(list);
    } else {
      answered.appendChild(element("p", "summary-none", "No safety questions were answered."));
    }
    summaryList(article, SUMMARY_SECTIONS.exercises, strings(card.exercises));
    article.appendChild(element("p", "summary-note", asText(card.note) || "This is what you told an information service. It is not a diagnosis."));
    article.appendChild(summaryActions(article, text));
    return article;
  }

  function strings(values) {
    return Array.isArray(values) ? values.map(asText).filter(Boolean) : [];
  }

  function summarySection(article, heading) {
    const section = element("section", "summary-section");
    section.appendChild(element("h4", "card-section", heading));
    article.appendChild(section);
    return section;
  }

  function summaryList(article, heading, lines, style) {
    const section = summarySection(article, heading);
    if (!lines.length) {
      section.appendChild(element("p", "summary-none", "None."));
      return;
    }
    const list = element("ul", "summary-list" + (style ? ` summary-${style}` : ""));
    lines.forEach((line) => list.appendChild(element("li", null, style === "quote" ? `“${line}”` : line)));
    section.appendChild(list);
  }

  // The time the summary was made, in the reader's own time zone.
  function localTime(iso) {
    const moment = new Date(asText(iso));
    if (Number.isNaN(moment.getTime())) return "";
    return moment.toLocaleString("en-GB", {
      day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
    });
  }

  function summaryActions(article, text) {
    const actions = element("div", "summary-actions");
    const status = element("p", "summary-status");
    status.setAttribute("role", "status");
    const copy = element("button", "summary-button", "Copy");
    copy.type = "button";
    copy.addEventListener("click", async () => {
      status.textContent = (await copyText(text || article.innerText))
        ? "Copied. You can paste it into a message or a note."
        : "Could not copy here: select the text and copy it.";
    });
    const print = element("button", "summary-button", "Print");
    print.type = "button";
    print.addEventListener("click", () => printAlone(article));
    actions.append(copy, print, status);
    return actions;
  }

  // To this device's clipboard only. The Clipboard API needs a secure origin (https or
  // localhost); elsewhere the text is selected in a hidden field and copied.
  async function copyText(text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch (error) {
      // denied: try the old way
    }
    const field = element("textarea", "visually-hidden");
    field.value = text;
    field.setAttribute("readonly", "");
    document.body.appendChild(field);
    field.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    field.remove();
    return copied;
  }

  // The print stylesheet (chat.css, @media print) shows this summary alone.
  function printAlone(article) {
    const row = article.closest("li");
    document.querySelectorAll(".print-target").forEach((other) => other.classList.remove("print-target"));
    row.classList.add("print-target");
    document.body.classList.add("printing-summary");
    window.print();
  }

  window.addEventListener("afterprint", () => {
    document.body.classList.remove("printing-summary");
    document.querySelectorAll(".print-target").forEach((row) => row.classList.remove("print-target"));
  });

  function choices(buttons, active) {
    const group = element("div", "choices");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested replies");
    for (const { title, payload } of buttons) {
      const button = element("button", "choice", title);
      button.type = "button";
      button.disabled = !active;
      button.addEventListener("click", () => choose(button, title, payload));
      group.appendChild(button);
    }
    return group;
  }

  function announce(items) {
    for (const item of items) {
      if (item.card && item.card.type === "referral" && item.card.level === "emergency") continue; // an alert already
      let text = item.text || "";
      if (item.card && item.card.type === "exercise") text = `Exercise: ${asText(item.card.name)}. ${(item.card.steps || []).length} steps.`;
      else if (item.card && item.card.type === "referral") text = `${REFERRALS[item.card.level] ? REFERRALS[item.card.level].heading : ""}. ${text}`;
      else if (item.card && item.card.type === "summary") text = `${asText(item.card.title) || SUMMARY_TITLE}, with Copy and Print buttons.`;
      if (item.buttons && item.buttons.length) text += ` ${item.buttons.length} suggested replies.`;
      if (text) announcer.appendChild(element("p", null, text));
    }
  }

  function show(item, { live = false, store = true } = {}) {
    const row = item.from === "user" ? renderUser(item) : renderBot(item);
    if (live) row.classList.add("new");
    list.appendChild(row);
    if (store) remember(item);
    return row;
  }

  function scrollToReply(first) {
    const view = document.getElementById("conversation");
    view.scrollTop = first ? first.offsetTop - 8 : view.scrollHeight;
  }

  // -- the typing indicator and errors -------------------------------------------

  function showTyping() {
    if (state.pending++ > 0) return;
    const row = element("li", "message bot typing");
    row.id = "typing";
    row.appendChild(hiddenLabel("The sciatica helper is writing a reply"));
    const dots = element("p", "bubble dots");
    dots.setAttribute("aria-hidden", "true");
    for (let i = 0; i < 3; i++) dots.appendChild(element("span", "dot"));
    row.appendChild(dots);
    list.appendChild(row);
    list.setAttribute("aria-busy", "true");
    scrollToReply(null);
  }

  function hideTyping() {
    if (--state.pending > 0) return;
    const row = document.getElementById("typing");
    if (row) row.remove();
    list.removeAttribute("aria-busy");
  }

  function showUnreachable(message) {
    const row = element("li", "message bot");
    const notice = element("div", "card notice");
    notice.setAttribute("role", "alert");
    notice.appendChild(textWithPhoneLinks(UNREACHABLE_TEXT, "notice-text"));
    const retry = element("button", "choice", "Try again");
    retry.type = "button";
    retry.addEventListener("click", () => {
      row.remove();
      exchange(message);
    });
    notice.appendChild(retry);
    row.appendChild(notice);
    list.appendChild(row); // not stored: it is about now, not part of the conversation
    scrollToReply(row);
  }

  // -- the conversation -----------------------------------------------------------

  function exchange(message) {
    const sender = state.sender;
    state.queue = state.queue.then(async () => {
      showTyping();
      let replies = null;
      try {
        replies = await postMessage(sender, message);
      } catch (error) {
        replies = null;
      } finally {
        hideTyping();
      }
      if (sender !== state.sender) return; // the user started again meanwhile
      if (replies === null) return showUnreachable(message);
      const items = toItems(replies);
      announcer.replaceChildren();
      const rows = items.map((item) => show(item, { live: true }));
      announce(items);
      scrollToReply(rows[0]);
    });
    return state.queue;
  }

  function disableChoices() {
    list.querySelectorAll("button.choice").forEach((button) => { button.disabled = true; });
    markChoicesAnswered();
  }

  function say(text) {
    disableChoices();
    scrollToReply(show({ from: "user", text }));
    return exchange(text);
  }

  function choose(button, title, payload) {
    if (button.disabled) return;
    button.classList.add("chosen");
    disableChoices();
    input.focus();
    scrollToReply(show({ from: "user", text: title }));
    exchange(payload);
  }

  function greet() {
    return exchange("/greet");
  }

  function restart() {
    const previous = state.sender;
    storage.removeItem(historyKey(previous));
    state.sender = newSenderId();
    storage.setItem(SENDER_KEY, state.sender);
    // The server forgets the old conversation too; its reply is not for this page.
    postMessage(previous, "/restart").catch(() => {});
    list.replaceChildren();
    announcer.replaceChildren(element("p", null, "Started a new conversation."));
    input.value = "";
    input.focus();
    greet();
  }

  function restore() {
    const items = loadHistory(state.sender);
    items.forEach((item) => show(item, { store: false }));
    scrollToReply(null);
    return items.length > 0;
  }

  // -- inside another website's page (web/embed.js) ---------------------------------

  function embed() {
    const params = new URLSearchParams(location.search);
    const hostOrigin = params.get("host");
    if (location.pathname.split("/").pop() !== "panel" || !hostOrigin) return;
    document.body.classList.add("embedded");
    const title = asText(params.get("title")).trim().slice(0, 80);
    if (title) {
      document.querySelector(".title").textContent = title;
      document.title = title;
    }
    const tellHost = (type) => window.parent.postMessage({ type }, hostOrigin);
    window.addEventListener("message", (event) => {
      if (event.source !== window.parent || event.origin !== hostOrigin) return;
      if (event.data && event.data.type === "sciatica-helper:focus") input.focus();
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") tellHost("sciatica-helper:close");
    });
    tellHost("sciatica-helper:ready");
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return input.focus();
    input.value = "";
    say(text);
  });
  restartButton.addEventListener("click", restart);

  embed();
  state.sender = loadSender();
  if (!restore()) greet();
})();
