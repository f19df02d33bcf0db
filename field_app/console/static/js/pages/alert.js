// One alert: evidence in words and numbers, its visits and attempts (selfies on request), the review
// steps with their reasons, comments, and the audit trail.
import {
  announce, api, busy, clear, config, consoleUrl, el, fmtDateTime, fmtNumber, pageData, rawApi, requireUser,
  ruleTitle, severityBadge, showError, statusChip, t, tOr,
} from "../core.js";
import { presenceChip } from "../presence.js";
import { evidenceRows } from "../evidence.js";

const MAX_VISITS_WITH_ATTEMPTS = 5;
/** Review steps each workflow state allows (services/review.py). */
const ALLOWED = {
  open: ["start", "dismiss", "escalate"],
  in_review: ["propose_confirm", "dismiss", "escalate"],
  pending_second_review: ["confirm", "dismiss", "escalate"],
  dismissed: ["reopen"], confirmed: ["reopen"], escalated: ["reopen"], cleared: [],
};
const DANGER = new Set(["confirm", "propose_confirm", "escalate"]);

const user = requireUser();
const alertId = Number(pageData().alertId);
const usernames = new Map();
let attemptsShown = false;

function fact(list, term, value) {
  list.append(el("dt", { text: term }), el("dd", {}, value ?? "—"));
}

function actorName(actor) {
  const [kind, id] = String(actor).split(":");
  if (kind === "user") return usernames.get(Number(id)) || t("alert.user_n", { id });
  return tOr(`actor.${kind}`, actor);
}

function renderHead(alert) {
  const heading = document.getElementById("alert-heading");
  heading.textContent = `${alert.rule_code} ${ruleTitle(alert)} · #${alert.id}`;
  document.title = `${heading.textContent} · ${t("app.name")}`;
  clear(document.getElementById("alert-badges")).append(
    statusChip(alert.review.state), " ", severityBadge(alert.severity), " ",
    el("span", { class: "score-badge", text: t("alert.score_n", { score: alert.score }) }));
}

function renderEvidence(alert) {
  const message = document.getElementById("alert-message");
  message.textContent = alert.message;  // the API answers in the page's language
  const why = clear(document.getElementById("alert-explanation"));
  const explanation = alert.explanation || {};
  if (explanation.why) fact(why, t("alert.why"), explanation.why);
  if (explanation.look_alike) fact(why, t("alert.look_alike"), explanation.look_alike);
  clear(document.querySelector("#evidence-table tbody")).append(...evidenceRows(alert.evidence));
  const facts = clear(document.getElementById("alert-facts"));
  fact(facts, t("alert.subject"), alert.subject_key);
  fact(facts, t("alerts.caregiver"), alert.caregiver_id ?? "—");
  fact(facts, t("alerts.client"), alert.client_id ?? "—");
  fact(facts, t("alerts.agency_id"), alert.agency_id ?? "—");
  fact(facts, t("alerts.occurred"), fmtDateTime(alert.occurred_at));
  fact(facts, t("alert.first_seen"), fmtDateTime(alert.first_seen_at));
  fact(facts, t("alert.last_seen"), fmtDateTime(alert.last_seen_at));
  if (alert.outcome !== "hit") fact(facts, t("alert.outcome"), tOr(`outcome.${alert.outcome}`, alert.outcome));
}

function renderVisits(alert) {
  const body = clear(document.querySelector("#visits-table tbody"));
  if (!alert.visits.length) body.append(el("tr", {}, el("td", { colspan: "6", class: "empty", text: t("alert.no_visits") })));
  for (const visit of alert.visits) {
    const replay = consoleUrl(`/visits/${encodeURIComponent(visit.visit_id)}/replay?alert=${alert.id}`);
    body.append(el("tr", {},
      el("th", { scope: "row", class: "mono", text: visit.visit_id }),
      el("td", { text: fmtDateTime(visit.check_in_at) }),
      el("td", { text: fmtDateTime(visit.check_out_at) }),
      el("td", {}, statusChip(visit.verification_status)),
      el("td", {}, presenceChip(visit.presence)),
      el("td", {}, el("a", { href: replay, class: "replay-link",
        "aria-label": t("alert.replay_visit", { visit: visit.visit_id }), text: t("alert.replay") }))));
  }
}

function mayReadSelfies() {
  return config.selfies_retained && ["supervisor", "auditor"].includes(user.role);
}

async function showSelfie(attempt, holder, button) {
  const response = await busy(button, () => rawApi(`/attempts/${encodeURIComponent(attempt.attempt_id)}/selfie`));
  if (!response) return;
  const url = URL.createObjectURL(await response.blob());
  const kind = tOr(`kind.${attempt.kind}`, attempt.kind);
  holder.replaceChildren(el("img", { src: url, class: "selfie", alt: t("alert.selfie_alt", { kind, time: fmtDateTime(attempt.fix.time) }) }));
  announce(t("alert.selfie_logged"));
}

function attemptCard(attempt) {
  const face = attempt.face;
  const fence = attempt.geofence;
  const list = el("dl", { class: "facts compact" });
  fact(list, t("alert.time"), fmtDateTime(attempt.fix.time));
  fact(list, t("alert.face"), `${tOr(`face.${face.status}`, face.status)}${face.distance == null ? ""
    : ` ${t("alert.distance_vs", { d: fmtNumber(face.distance, 3), th: fmtNumber(face.threshold, 2) })}`}`);
  fact(list, t("alert.fence"), `${tOr(`fence.${fence.status}`, fence.status)} · ${fmtNumber(fence.distance_m, 0)} ${t("unit.m")}`
    + ` (±${fmtNumber(attempt.fix.accuracy_m, 0)} ${t("unit.m")})`);
  const holder = el("div", { class: "selfie-slot" });
  if (mayReadSelfies()) {
    const button = el("button", { type: "button", class: "quiet", text: t("alert.show_selfie") });
    button.addEventListener("click", () => showSelfie(attempt, holder, button));
    holder.append(button);
  }
  return el("article", { class: `attempt attempt-${face.status}` },
    el("h3", { text: tOr(`kind.${attempt.kind}`, attempt.kind) }), list, holder);
}

async function renderAttempts(alert) {
  if (attemptsShown) return;
  attemptsShown = true;
  const note = document.getElementById("selfie-note");
  if (!config.selfies_retained) note.textContent = t("alert.selfies_not_kept");
  else note.textContent = mayReadSelfies() ? t("alert.selfies_audited") : t("alert.selfies_not_allowed");
  const box = clear(document.getElementById("attempts"));
  const visits = alert.visits.slice(0, MAX_VISITS_WITH_ATTEMPTS);
  if (!visits.length) box.append(el("p", { class: "empty", text: t("alert.no_attempts") }));
  for (const summary of visits) {
    try {
      const visit = await api(`/visits/${encodeURIComponent(summary.visit_id)}`);
      box.append(el("h3", { class: "visit-label mono", text: visit.visit_id }),
        el("div", { class: "attempts" }, visit.attempts.map(attemptCard)));
    } catch (error) {
      showError(error);
    }
  }
  if (alert.visits.length > visits.length) {
    box.append(el("p", { class: "hint", text: t("alert.more_visits", { n: alert.visits.length - visits.length }) }));
  }
}

function renderReview(alert) {
  const review = alert.review;
  const facts = clear(document.getElementById("review-state"));
  fact(facts, t("alert.state"), statusChip(review.state));
  if (review.first_reviewer_id) {
    fact(facts, t("alert.first_reviewer"), `${actorName(`user:${review.first_reviewer_id}`)} · ${fmtDateTime(review.first_reviewed_at)}`);
  }
  if (review.decided_by_id) {
    fact(facts, t("alert.decided_by"), `${actorName(`user:${review.decided_by_id}`)} · ${fmtDateTime(review.decided_at)}`);
    fact(facts, t("alert.decision_reason"), review.decision_reason);
  }
  const form = document.getElementById("review-form");
  const note = document.getElementById("review-note");
  const actions = clear(document.getElementById("review-actions"));
  const allowed = ALLOWED[review.state] ?? [];
  form.hidden = user.role !== "supervisor" || allowed.length === 0;
  note.textContent = user.role === "auditor" ? t("alert.auditor_note")
    : user.role === "admin" ? t("alert.admin_note") : allowed.length === 0 ? t("alert.no_actions") : "";
  for (const action of allowed) {
    const mine = action === "confirm" && review.first_reviewer_id === user.id;
    actions.append(el("button", { type: "submit", value: action, name: "action", id: `action-${action}`,
      class: DANGER.has(action) ? "danger" : action === "dismiss" ? "" : "primary",
      disabled: mine, "aria-describedby": mine ? "second-reviewer-note" : null, text: t(`action.${action}`) }));
    if (mine) actions.append(el("p", { id: "second-reviewer-note", class: "hint", text: t("alert.second_reviewer_needed") }));
  }
}

function renderComments(alert) {
  const list = clear(document.getElementById("comments"));
  if (!alert.comments.length) list.append(el("li", { class: "empty", text: t("alert.no_comments") }));
  for (const c of alert.comments) {
    list.append(el("li", {}, el("p", { class: "meta", text: `${c.username} · ${fmtDateTime(c.at)}` }),
      el("p", { class: "comment-text", text: c.text })));
  }
  document.getElementById("comment-form").hidden = !["supervisor", "auditor"].includes(user.role);
}

function renderAudit(alert) {
  const body = clear(document.querySelector("#audit-table tbody"));
  if (!alert.trail.length) body.append(el("tr", {}, el("td", { colspan: "5", class: "empty", text: t("alert.no_audit") })));
  for (const entry of alert.trail) {
    const action = entry.action.replace(/^alert\./, "");
    const change = entry.from || entry.to
      ? `${tOr(`status.${entry.from}`, entry.from ?? "—")} → ${tOr(`status.${entry.to}`, entry.to ?? "—")}` : "—";
    body.append(el("tr", {},
      el("td", { class: "nowrap", text: fmtDateTime(entry.at) }),
      el("td", { text: actorName(entry.actor) }),
      el("td", { text: tOr(`action.${action}`, entry.action) }),
      el("td", { text: change }),
      el("td", { text: entry.reason ?? "—" })));
  }
}

async function load() {
  try {
    const alert = await api(`/alerts/${alertId}`);
    usernames.set(user.id, user.username);
    for (const c of alert.comments) usernames.set(c.user_id, c.username);
    renderHead(alert);
    renderEvidence(alert);
    renderVisits(alert);
    renderReview(alert);
    renderComments(alert);
    renderAudit(alert);
    renderAttempts(alert);
    return alert;
  } catch (error) {
    showError(error);
    return null;
  }
}

document.getElementById("review-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const action = event.submitter?.value;
  const reasonBox = document.getElementById("review-reason");
  const reason = reasonBox.value.trim();
  if (!reason) {
    showError(t("alert.reason_required"));
    reasonBox.focus();
    return;
  }
  const done = await busy(event.submitter, () => api(`/alerts/${alertId}/review`, { method: "POST", body: { action, reason } }));
  if (!done) return;
  reasonBox.value = "";
  await load();
  announce(t("alert.step_done", { action: t(`action.${action}`), state: tOr(`status.${done.review.state}`, done.review.state) }));
  document.getElementById("review-heading").focus();
});

document.getElementById("comment-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const box = document.getElementById("comment-text");
  const text = box.value.trim();
  if (!text) return;
  const done = await busy(document.getElementById("comment-submit"),
    () => api(`/alerts/${alertId}/comments`, { method: "POST", body: { text } }));
  if (!done) return;
  box.value = "";
  await load();
  announce(t("alert.comment_added"));
});

if (user) {
  document.getElementById("review-heading").tabIndex = -1;
  load();
}
