// One spot check: its sampled visits in draw order and the outcome recorded for each.
import {
  announce, api, busy, clear, consoleUrl, el, fmtDateTime, pageData, rawApi, requireUser, showError, statusChip, t, tOr,
} from "../core.js";

const RECENT_KEY = "field_app.console.spot_checks";
const OUTCOMES = ["confirmed", "not_confirmed", "unreachable"];
const CHANNELS = ["phone", "home_visit"];
const user = requireUser();
const checkId = Number(pageData().spotCheckId);
const canRecord = user?.role === "auditor";

function remember() {
  let ids = [];
  try { ids = JSON.parse(sessionStorage.getItem(RECENT_KEY) || "[]"); } catch { /* start afresh */ }
  sessionStorage.setItem(RECENT_KEY, JSON.stringify([checkId, ...ids.filter((i) => i !== checkId)].slice(0, 10)));
}

function select(id, labelText, values, prefix, current) {
  return el("span", { class: "cell-field" },
    el("label", { for: id, class: "visually-hidden", text: labelText }),
    el("select", { id, name: id }, values.map((v) => el("option", { value: v, selected: v === current, text: tOr(`${prefix}.${v}`, v) }))));
}

function recordForm(item) {
  const n = item.position;  // 1-based draw order
  const form = el("form", { class: "record-form" },
    select(`outcome-${item.item_id}`, t("spot.outcome_of", { n }), OUTCOMES, "outcome", item.outcome),
    select(`channel-${item.item_id}`, t("spot.channel_of", { n }), CHANNELS, "channel", item.channel),
    el("span", { class: "cell-field" },
      el("label", { for: `note-${item.item_id}`, class: "visually-hidden", text: t("spot.note_of", { n }) }),
      el("input", { id: `note-${item.item_id}`, maxlength: "2000", placeholder: t("spot.note"), value: item.note ?? "" })),
    el("button", { type: "submit", text: t("spot.save"), "aria-label": t("spot.save_n", { n }) }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { outcome: form.elements[`outcome-${item.item_id}`].value,
      channel: form.elements[`channel-${item.item_id}`].value,
      note: form.elements[`note-${item.item_id}`].value.trim() || null };
    const saved = await busy(event.submitter,
      () => api(`/spot-checks/${checkId}/items/${item.item_id}/outcome`, { method: "POST", body }));
    if (!saved) return;
    await load();
    announce(t("spot.saved", { n, outcome: tOr(`outcome.${saved.outcome}`, saved.outcome) }));
  });
  return form;
}

function row(item) {
  const replay = consoleUrl(`/visits/${encodeURIComponent(item.visit_id)}/replay`);
  return el("tr", {},
    el("td", { class: "num", text: item.position }),
    el("th", { scope: "row" }, el("a", { href: replay, class: "mono", text: item.visit_id })),
    el("td", { class: "num", text: item.client_id }),
    el("td", { class: "num", text: item.caregiver_id }),
    el("td", { class: "nowrap", text: fmtDateTime(item.check_in_at) }),
    el("td", { text: item.stratum ?? "—" }),
    el("td", {}, statusChip(item.outcome, "outcome"), item.checked_at ? el("div", { class: "meta", text: fmtDateTime(item.checked_at) }) : null),
    el("td", {}, canRecord ? recordForm(item) : el("span", { class: "hint", text: t("spot.auditors_record") })));
}

function renderFacts(check) {
  const facts = clear(document.getElementById("spot-facts"));
  const add = (term, value) => facts.append(el("div", {}, el("dt", { text: term }), el("dd", { text: value })));
  add(t("spot.period"), `${check.period_start} – ${check.period_end}`);
  add(t("spot.method"), t(`spot.method_${check.method}`));
  add(t("spot.seed"), String(check.seed));
  add(t("spot.population"), String(check.population));
  add(t("spot.size"), `${check.items.length} / ${check.size}`);
  add(t("spot.agencies"), check.agency_ids ? check.agency_ids.join(", ") : t("spot.all_agencies"));
  add(t("spot.created"), fmtDateTime(check.created_at));
}

async function load() {
  try {
    const check = await api(`/spot-checks/${checkId}`);
    remember();
    renderFacts(check);
    const done = check.items.filter((i) => i.outcome !== "pending").length;
    document.getElementById("spot-progress").textContent = t("spot.progress", { done, n: check.items.length });
    const body = clear(document.querySelector("#items tbody"));
    if (!check.items.length) body.append(el("tr", {}, el("td", { colspan: "8", class: "empty", text: t("spot.empty") })));
    for (const item of check.items) body.append(row(item));
  } catch (error) {
    showError(error);
  }
}

document.getElementById("export").addEventListener("click", async (event) => {
  const response = await busy(event.currentTarget, () => rawApi(`/spot-checks/${checkId}/export.csv`));
  if (!response) return;
  const link = el("a", { href: URL.createObjectURL(await response.blob()), download: `spot-check-${checkId}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
});

if (user) load();
