// The alert queue: status chips, filters, risk sort, pages, and bulk dismissal with a reason.
import {
  announce, api, busy, clear, config, consoleUrl, dayStart, addDays, el, fmtDateTime, requireUser, ruleTitle,
  severityBadge, showError, statusChip, t,
} from "../core.js";

const PER_PAGE = 25;
const DEFAULT_STATUSES = ["open", "in_review"];
const UNDECIDED = ["open", "in_review", "pending_second_review"];
const FIELDS = ["rule", "severity", "agency_id", "caregiver_id", "client_id", "from", "to", "sort"];

const user = requireUser();
const form = document.getElementById("filters");
const body = document.querySelector("#queue tbody");
const selectAll = document.getElementById("select-all");
const bulk = document.getElementById("bulk");
const bulkButton = document.getElementById("bulk-dismiss");
const bulkReason = document.getElementById("bulk-reason");
const selected = new Set();
let state = readUrl();
let lastPage = 1;

function readUrl() {
  const params = new URLSearchParams(location.search);
  const statuses = params.has("status") ? params.get("status").split(",").filter(Boolean) : DEFAULT_STATUSES;
  const values = Object.fromEntries(FIELDS.map((name) => [name, params.get(name) || ""]));
  return { ...values, statuses, sort: values.sort || "risk", page: Math.max(1, Number(params.get("page")) || 1) };
}

function writeUrl() {
  const params = new URLSearchParams();
  params.set("status", state.statuses.join(","));
  for (const name of FIELDS) if (state[name]) params.set(name, state[name]);
  if (state.page > 1) params.set("page", String(state.page));
  history.replaceState(null, "", `${location.pathname}?${params}`);
}

function fillForm() {
  const rules = form.elements.rule;
  for (const rule of config.rules) rules.append(el("option", { value: rule.code, text: `${rule.code} ${rule.title}` }));
  for (const name of FIELDS) form.elements[name].value = state[name];
  syncChips();
}

function syncChips() {
  for (const chip of document.querySelectorAll(".chip-toggle")) {
    chip.setAttribute("aria-pressed", String(state.statuses.includes(chip.dataset.status)));
  }
}

function query() {
  const q = { status: state.statuses, sort: state.sort, page: state.page, per_page: PER_PAGE };
  for (const name of ["rule", "severity", "agency_id", "caregiver_id", "client_id"]) if (state[name]) q[name] = state[name];
  if (state.from) q.occurred_from = dayStart(state.from);
  if (state.to) q.occurred_to = dayStart(addDays(state.to, 1));  // the "to" day is included
  return q;
}

const canReview = user?.role === "supervisor";

function row(alert) {
  const link = el("a", { href: consoleUrl(`/alerts/${alert.id}`), class: "rule-link" },
    el("span", { class: "code", text: alert.rule_code }), " ", ruleTitle(alert));
  const reviewable = canReview && UNDECIDED.includes(alert.review.state);
  const box = el("input", { type: "checkbox", disabled: !reviewable, checked: selected.has(alert.id),
    "aria-label": t("alerts.select_one", { id: alert.id, rule: alert.rule_code }),
    on: { change: (e) => toggle(alert.id, e.target.checked) } });
  return el("tr", { dataset: { alertId: String(alert.id) } },
    el("td", { class: "col-select" }, box),
    el("td", { class: "num score", text: alert.score }),
    el("td", {}, severityBadge(alert.severity)),
    el("th", { scope: "row" }, link),
    el("td", { class: "message", title: alert.message, text: alert.message }),
    el("td", { class: "nowrap", text: fmtDateTime(alert.occurred_at) }),
    el("td", {}, statusChip(alert.review.state)),
    el("td", { class: "num", text: alert.caregiver_id ?? "—" }),
    el("td", { class: "num", text: alert.client_id ?? "—" }));
}

function toggle(id, on) {
  if (on) selected.add(id); else selected.delete(id);
  syncBulk();
}

function syncBulk() {
  document.getElementById("bulk-count").textContent = t("alerts.selected", { n: selected.size });
  bulkButton.disabled = selected.size === 0 || !bulkReason.value.trim();
  const boxes = [...body.querySelectorAll("input[type=checkbox]:not(:disabled)")];
  selectAll.checked = boxes.length > 0 && boxes.every((b) => b.checked);
  selectAll.disabled = boxes.length === 0;
}

async function load() {
  writeUrl();
  body.setAttribute("aria-busy", "true");
  try {
    const page = await api("/alerts", { query: query() });
    clear(body);
    if (page.items.length === 0) {
      body.append(el("tr", {}, el("td", { colspan: "9", class: "empty", text: t("alerts.none") })));
    }
    for (const alert of page.items) body.append(row(alert));
    lastPage = Math.max(1, Math.ceil(page.total / page.per_page));
    document.getElementById("summary").textContent = t("alerts.summary", { total: page.total });
    document.getElementById("page-info").textContent = t("alerts.page_of", { page: page.page, pages: lastPage });
    document.getElementById("prev-page").disabled = page.page <= 1;
    document.getElementById("next-page").disabled = page.page >= lastPage;
    syncBulk();
  } catch (error) {
    showError(error);
  } finally {
    body.removeAttribute("aria-busy");
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  for (const name of FIELDS) state[name] = form.elements[name].value.trim();
  state.page = 1;
  load();
});

document.getElementById("reset-filters").addEventListener("click", () => {
  form.reset();
  state = { ...Object.fromEntries(FIELDS.map((n) => [n, ""])), sort: "risk", statuses: [...DEFAULT_STATUSES], page: 1 };
  fillValues();
  load();
});

function fillValues() {
  for (const name of FIELDS) form.elements[name].value = state[name];
  syncChips();
}

for (const chip of document.querySelectorAll(".chip-toggle")) {
  chip.addEventListener("click", () => {
    const status = chip.dataset.status;
    state.statuses = state.statuses.includes(status)
      ? state.statuses.filter((s) => s !== status) : [...state.statuses, status];
    state.page = 1;
    syncChips();
    load();
  });
}

selectAll.addEventListener("change", () => {
  for (const box of body.querySelectorAll("input[type=checkbox]:not(:disabled)")) {
    box.checked = selectAll.checked;
    toggle(Number(box.closest("tr").dataset.alertId), box.checked);
  }
});

document.getElementById("prev-page").addEventListener("click", () => { state.page -= 1; load(); });
document.getElementById("next-page").addEventListener("click", () => { state.page += 1; load(); });
bulkReason.addEventListener("input", syncBulk);

bulk.addEventListener("submit", async (event) => {
  event.preventDefault();
  const reason = bulkReason.value.trim();
  if (!reason || selected.size === 0) return;
  const done = await busy(bulkButton, () => api("/alerts/bulk-dismiss", {
    method: "POST", body: { alert_ids: [...selected], reason } }));
  if (!done) return;
  selected.clear();
  bulkReason.value = "";
  await load();
  announce(t("alerts.dismissed", { n: done.dismissed.length }));
});

if (user) {
  bulk.hidden = !canReview;
  fillForm();
  load();
}
