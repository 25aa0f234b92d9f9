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

/** One part of the answer: its label in bold, its text, and the sources it cites as [n]. */
function partNodes(part) {
  const nodes = [];
  if (part.label) nodes.push(el("strong", { text: part.text ? `${part.label}: ` : part.label }));
  if (part.text) nodes.push(document.createTextNode(part.text));
  if (part.cites && part.cites.length) nodes.push(el("span", { class: "cite", text: ` ${part.cites.map((c) => `[${c + 1}]`).join("")}` }));
  return nodes;
}

/** Parts (lead, points, list items, notes) as paragraphs and lists, never from markup in a string. */
function renderAnswerParts(parts, className = "answer") {
  const box = el("div", { class: className });
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

/** The coach's own words (knowledge/coach.json), from /api/samples; plain defaults until they arrive. */
let coachWords = { sourcesHeading: "Sources", sourcesNote: { extractive: "Quoted from the guide.", llm: "AI-written from the guide." } };

function sourcesNode(citations) {
  const sources = el("div", { class: "sources" }, [el("strong", { text: coachWords.sourcesHeading })]);
  const ol = el("ol");
  for (const c of citations) ol.append(el("li", { text: (c.path || []).join(" › ") }));
  sources.append(ol);
  return sources;
}

/** A part that is only a heading (a label with no text): in practice, where the next question starts. */
const isHeading = (part) => part.kind !== "point" && part.kind !== "item" && part.label && !part.text;

/**
 * A scored practice answer as three blocks, in the order the user needs them: the grade, what
 * the guide says (the key points, with their sources), then the next question (or the summary).
 */
function renderScoredPractice(result) {
  const parts = result.parts || [];
  const nextAt = parts.findIndex((p, i) => i > 0 && isHeading(p));
  const keyPoints = parts.slice(1, nextAt === -1 ? parts.length : nextAt);
  const next = nextAt === -1 ? [] : parts.slice(nextAt);
  const blocks = [renderAnswerParts(parts.slice(0, 1), `practice-step grade ${result.coaching.score.grade}`)];
  const points = renderAnswerParts(keyPoints, "practice-step key-points");
  if (result.citations && result.citations.length) points.append(sourcesNode(result.citations));
  blocks.push(points);
  if (next.length) blocks.push(renderAnswerParts(next, `practice-step ${result.coaching.stage === "question" ? "next-question" : "practice-summary"}`));
  return el("div", { class: "answer practice" }, blocks);
}

async function postFeedback(answerId, rating, comment) {
  const res = await fetch("/api/feedback", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ answerId, rating, clientId, ...(comment ? { comment } : {}) }) });
  if (!res.ok) throw new Error((await res.json()).error || res.statusText);
}

/** 👍 records at once; 👎 first asks what was wrong (optional), like Slack and Teams. The choice stays marked. */
function feedbackNode(answerId) {
  const box = el("div", { class: "feedback" }, [el("span", { text: "Was this helpful?" })]);
  const up = el("button", { type: "button", "aria-label": "Helpful", "aria-pressed": "false", text: "👍" });
  const down = el("button", { type: "button", "aria-label": "Not helpful", "aria-pressed": "false", text: "👎" });
  box.append(up, down);
  const choose = (button) => {
    for (const b of [up, down]) b.setAttribute("aria-pressed", String(b === button));
  };
  const record = async (rating, comment, busy) => {
    for (const b of busy) b.disabled = true;
    try {
      await postFeedback(answerId, rating, comment);
      up.disabled = down.disabled = true;
      box.querySelector(".comment-box")?.remove();
      box.append(el("span", { class: "thanks", role: "status", text: rating === "up" ? "Thanks! Recorded." : "Thanks, noted. We'll use it to improve the guide." }));
    } catch (error) {
      box.append(el("span", { class: "error", text: `Could not record feedback: ${error.message}` }));
      for (const b of busy) b.disabled = false;
    }
  };
  up.addEventListener("click", () => {
    choose(up);
    box.querySelector(".comment-box")?.remove();
    record("up", undefined, [up, down]);
  });
  down.addEventListener("click", () => {
    choose(down);
    if (box.querySelector(".comment-box")) return;
    const id = `comment-${answerId}`;
    const comment = el("textarea", { id, rows: "2", maxlength: "2000", placeholder: "Optional: tell us what was wrong or missing" });
    const send = el("button", { type: "button", text: "Send" });
    const cancel = el("button", { type: "button", class: "secondary", text: "Cancel" });
    const commentBox = el("div", { class: "comment-box" }, [el("label", { for: id, text: "What was wrong?" }), comment, el("div", { class: "row" }, [send, cancel])]);
    send.addEventListener("click", () => record("down", comment.value.trim() || undefined, [send, cancel, up, down]));
    cancel.addEventListener("click", () => {
      commentBox.remove();
      down.setAttribute("aria-pressed", "false");
      down.focus();
    });
    box.append(commentBox);
    comment.focus();
  });
  return box;
}

/** Keeps the newest turn in view: its end when it fits above the question box, else its start. */
function reveal(turn) {
  const room = window.innerHeight - form.offsetHeight - 32;
  turn.scrollIntoView({ block: turn.offsetHeight <= room ? "end" : "start" });
}

/** The turn appears at the bottom as soon as the question is sent; the answer fills it in. */
function startTurn(question) {
  const turn = el("article", { class: "turn", "aria-busy": "true" });
  turn.append(el("div", { class: "question", text: question }), el("div", { class: "pending", text: "Thinking…" }));
  conversationEl.append(turn);
  reveal(turn);
  return turn;
}

function renderTurn(turn, result) {
  turn.querySelector(".pending")?.remove();
  turn.classList.add(result.outcome);
  turn.setAttribute("data-outcome", result.outcome);
  turn.setAttribute("data-reason", result.reason || "");
  const coaching = result.coaching;
  if (coaching && coaching.step && coaching.total) {
    const label = { quiz: "Interview practice", readiness: "Readiness check", plan: "Study plan" }[coaching.mode] || "Coaching";
    turn.append(el("progress", { class: "coaching-progress", max: String(coaching.total), value: String(coaching.step), "aria-label": `${label}: ${coaching.step} of ${coaching.total}` }));
  }
  if (coaching && coaching.score) turn.append(renderScoredPractice(result));
  else {
    turn.append(renderAnswerParts(result.parts || []));
    if (result.citations && result.citations.length) turn.append(sourcesNode(result.citations));
  }
  // Coaching buttons (Hint, Skip, Stop, Resume, Yes…) send their typed action; follow-ups ask their question.
  const actions = (coaching && coaching.actions) || [];
  if (actions.length || (result.followUps && result.followUps.length)) {
    const f = el("div", { class: "followups" });
    for (const a of actions) {
      const b = el("button", { type: "button", class: "chip", text: a.label });
      b.addEventListener("click", () => ask(a.label, { action: a.action }));
      f.append(b);
    }
    for (const q of result.followUps || []) {
      const b = el("button", { type: "button", class: "chip", text: q });
      b.addEventListener("click", () => ask(q));
      f.append(b);
    }
    turn.append(f);
  }
  // A practice question or checklist step waits for the user's reply: nothing to rate yet.
  const awaitingReply = coaching && coaching.stage !== "done";
  if (result.outcome === "answered" && !awaitingReply) turn.append(feedbackNode(result.answerId));
  turn.append(el("div", { class: "note", text: coachWords.sourcesNote[result.mode === "llm" ? "llm" : "extractive"] }));
  turn.setAttribute("aria-busy", "false");
  reveal(turn);
}

/** `fromInput`: the question is the box's text, cleared once sent (and given back if sending fails). */
async function ask(question, { action = undefined, fromInput = false } = {}) {
  question = question.trim();
  if (!question) {
    statusEl.textContent = "Type a question first.";
    return;
  }
  askButton.disabled = true;
  statusEl.textContent = "";
  if (fromInput) input.value = "";
  const turn = startTurn(question);
  try {
    const res = await fetch("/api/ask", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question, conversationId, clientId, action }) });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || res.statusText);
    renderTurn(turn, body);
  } catch (error) {
    turn.querySelector(".pending")?.remove();
    turn.setAttribute("aria-busy", "false");
    turn.setAttribute("data-outcome", "error");
    turn.append(el("p", { class: "error", text: `Sorry, that failed: ${error.message}` }));
    if (fromInput && !input.value) input.value = question; // give the question back to retry
  } finally {
    askButton.disabled = false;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!askButton.disabled) ask(input.value, { fromInput: true });
});
// Enter sends, Shift+Enter adds a line; Enter that confirms an input method's composition does neither.
input.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
  event.preventDefault();
  form.requestSubmit();
});
document.querySelector("#new-conversation").addEventListener("click", () => {
  conversationId = newId();
  sessionStorage.setItem("coach.conversationId", conversationId);
  conversationEl.replaceChildren();
  statusEl.textContent = "New conversation.";
});

fetch("/api/samples")
  .then((r) => r.json())
  .then(({ questions, modes, words }) => {
    if (words) coachWords = words;
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
