// The playground talks to the same coach as the bots, through /api/ask and /api/feedback.
// Everything from the server is inserted as text, never as HTML.
const form = document.querySelector("#ask-form");
const input = document.querySelector("#question");
const askButton = document.querySelector("#ask");
const statusEl = document.querySelector("#status");
const conversationEl = document.querySelector("#conversation");

const newId = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
let conversationId = sessionStorage.getItem("coach.conversationId") || newId();
sessionStorage.setItem("coach.conversationId", conversationId);
const clientId = localStorage.getItem("coach.clientId") || newId();
localStorage.setItem("coach.clientId", clientId);

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

/** "**bold**" spans inside a line, as DOM nodes. */
/** One part of the answer: its label in bold, its text, and the sources it cites as [n]. */
function partNodes(part) {
  const nodes = [];
  if (part.label) nodes.push(el("strong", { text: part.text ? `${part.label}: ` : part.label }));
  if (part.text) nodes.push(document.createTextNode(part.text));
  if (part.cites && part.cites.length) nodes.push(el("span", { class: "cite", text: ` ${part.cites.map((c) => `[${c + 1}]`).join("")}` }));
  return nodes;
}

/** The answer from its parts (lead, points, list items, notes), never from markup in a string. */
function renderAnswerParts(parts) {
  const box = el("div", { class: "answer" });
  let list = null;
  for (const part of parts) {
    if (part.kind === "point" || part.kind === "item") {
      if (!list) box.append((list = el("ul")));
      list.append(el("li", {}, partNodes(part)));
    } else {
      list = null;
      box.append(el("p", { class: part.kind }, partNodes(part)));
    }
  }
  return box;
}

async function sendFeedback(answerId, rating, container) {
  container.querySelectorAll("button").forEach((b) => (b.disabled = true));
  try {
    const res = await fetch("/api/feedback", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ answerId, rating, clientId }) });
    if (!res.ok) throw new Error((await res.json()).error || res.statusText);
    container.append(el("span", { class: "thanks", text: rating === "up" ? "Thanks! Recorded." : "Thanks, noted. We'll use it to improve the guide." }));
  } catch (error) {
    container.append(el("span", { text: `Could not record feedback: ${error.message}` }));
    container.querySelectorAll("button").forEach((b) => (b.disabled = false));
  }
}

function renderTurn(question, result) {
  const turn = el("article", { class: `turn ${result.outcome}`, "data-outcome": result.outcome, "data-reason": result.reason || "" });
  turn.append(el("div", { class: "question", text: question }));
  if (result.coaching && result.coaching.step && result.coaching.total) {
    const label = { quiz: "Interview practice", readiness: "Readiness check", plan: "Study plan" }[result.coaching.mode] || "Coaching";
    turn.append(el("progress", { class: "coaching-progress", max: String(result.coaching.total), value: String(result.coaching.step), "aria-label": `${label}: ${result.coaching.step} of ${result.coaching.total}` }));
  }
  turn.append(renderAnswerParts(result.parts || []));
  if (result.citations && result.citations.length) {
    const sources = el("div", { class: "sources" }, [el("strong", { text: "Sources from the guide" })]);
    const ol = el("ol");
    for (const c of result.citations) ol.append(el("li", { text: (c.path || []).join(" › ") }));
    sources.append(ol);
    turn.append(sources);
  }
  if (result.followUps && result.followUps.length) {
    const f = el("div", { class: "followups" });
    for (const q of result.followUps) {
      const b = el("button", { type: "button", class: "chip", text: q });
      b.addEventListener("click", () => ask(q, true));
      f.append(b);
    }
    turn.append(f);
  }
  if (result.outcome === "answered") {
    const fb = el("div", { class: "feedback" }, [el("span", { text: "Was this helpful?" })]);
    const up = el("button", { type: "button", "aria-label": "Helpful", text: "👍" });
    const down = el("button", { type: "button", "aria-label": "Not helpful", text: "👎" });
    up.addEventListener("click", () => sendFeedback(result.answerId, "up", fb));
    down.addEventListener("click", () => sendFeedback(result.answerId, "down", fb));
    fb.append(up, down);
    turn.append(fb);
  }
  turn.append(el("div", { class: "note", text: result.mode === "llm" ? "AI generated from the guide." : "Quoted from the guide." }));
  conversationEl.prepend(turn);
}

async function ask(question, viaButton = false) {
  question = question.trim();
  if (!question) {
    statusEl.textContent = "Type a question first.";
    return;
  }
  askButton.disabled = true;
  statusEl.textContent = "Thinking…";
  try {
    const res = await fetch("/api/ask", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question, conversationId, clientId, viaButton }) });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || res.statusText);
    renderTurn(question, body);
    statusEl.textContent = "";
    input.value = "";
  } catch (error) {
    statusEl.textContent = `Sorry, that failed: ${error.message}`;
  } finally {
    askButton.disabled = false;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  ask(input.value);
});
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) ask(input.value);
});
document.querySelector("#new-conversation").addEventListener("click", () => {
  conversationId = newId();
  sessionStorage.setItem("coach.conversationId", conversationId);
  conversationEl.replaceChildren();
  statusEl.textContent = "New conversation.";
});

fetch("/api/samples")
  .then((r) => r.json())
  .then(({ questions, modes }) => {
    const box = document.querySelector("#samples");
    for (const q of questions) {
      const b = el("button", { type: "button", class: "chip", text: q });
      b.addEventListener("click", () => ask(q));
      box.append(b);
    }
    const practice = document.querySelector("#modes");
    for (const m of modes || []) {
      const b = el("button", { type: "button", class: "chip mode", "data-mode": m.mode, text: m.label });
      b.addEventListener("click", () => ask(m.text));
      practice.append(b);
    }
  })
  .catch(() => undefined);
