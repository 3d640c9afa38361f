// A minimal chat page over the REST channel. Text is always rendered as text.
(async function () {
  const list = document.getElementById("messages");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const config = await (await fetch("config.json")).json();
  const endpoint = `${location.protocol}//${location.hostname}:${config.rasaPort}/webhooks/rest/webhook`;
  const sender = localStorage.getItem("sender") || crypto.randomUUID();
  localStorage.setItem("sender", sender);

  function show(text, who) {
    const item = document.createElement("li");
    item.className = who;
    item.textContent = text;
    list.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  async function send(message, shown) {
    show(shown, "user");
    try {
      const reply = await fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender, message }),
      });
      for (const part of await reply.json()) {
        if (part.text) show(part.text, "bot");
        for (const button of part.buttons || []) {
          const choice = document.createElement("button");
          choice.type = "button";
          choice.textContent = button.title;
          choice.addEventListener("click", () => send(button.payload, button.title));
          list.appendChild(choice);
        }
      }
    } catch (error) {
      show("Sorry, I can't reach the helper right now. In an emergency call 999, 911 or 112.", "bot");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, text);
  });
})();
