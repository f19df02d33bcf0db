// The supervision dashboard (驾驶舱): visits per day by verification status, alerts by rule and status,
// the riskiest caregivers and agencies, and the money withheld — for a chosen period.
import { addDays, api, busy, clear, config, el, fmtNumber, localDay, requireUser, t, tOr } from "../core.js";
import { horizontalBars, stackedColumns } from "../charts.js";

const STATUS_COLOURS = { verified: "#2e7d32", needs_review: "#e08a00", unverified: "#c62828", pending: "#7b8794" };
const ALERT_COLOURS = { open: "#c62828", in_review: "#e08a00", escalated: "#6a1b9a", confirmed: "#7f0000",
  dismissed: "#7b8794", cleared: "#9aa5b1" };
const user = requireUser();
const form = document.getElementById("period");
const rules = new Map(config.rules.map((r) => [r.code, r.title]));

function kpi(label, value, id) {
  return el("div", { class: "kpi", id }, el("span", { class: "kpi-value", text: value }), el("span", { class: "kpi-label", text: label }));
}

function riskTable(rows, kind) {
  if (!rows.length) return el("p", { class: "empty", text: t("dashboard.none") });
  return el("table", { class: "plain" },
    el("thead", {}, el("tr", {}, [t(`dashboard.${kind}`), t("dashboard.risk"), t("dashboard.alerts")].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, rows.map((r) => el("tr", {},
      el("th", { scope: "row", text: `${r.code ?? "—"} (#${r.id})` }),
      el("td", { class: "num", text: r.risk }), el("td", { class: "num", text: r.alerts })))));
}

function render(data) {
  const days = data.visits_per_day;
  const sum = (key) => days.reduce((n, d) => n + d[key], 0);
  const visits = sum("visits");
  const alerts = data.alerts.by_status.reduce((n, r) => n + r.alerts, 0);
  clear(document.getElementById("kpis")).append(
    kpi(t("dashboard.visits"), fmtNumber(visits, 0), "kpi-visits"),
    kpi(t("dashboard.verified_share"), visits ? `${fmtNumber((100 * sum("verified")) / visits, 1)}%` : "—", "kpi-verified"),
    kpi(t("dashboard.alerts"), fmtNumber(alerts, 0), "kpi-alerts"),
    kpi(t("dashboard.withheld"), `¥${data.withheld.amount} · ${t("dashboard.visits_n", { n: data.withheld.visits })}`, "kpi-withheld"));
  const statuses = Object.keys(STATUS_COLOURS);
  stackedColumns(document.getElementById("chart-visits"), {
    categories: days.map((d) => d.date), title: t("dashboard.visits_per_day"), tableCaption: t("dashboard.as_table"),
    categoryLabel: t("dashboard.date"),
    series: statuses.map((s) => ({ key: s, label: tOr(`status.${s}`, s), colour: STATUS_COLOURS[s], values: days.map((d) => d[s]) })),
  });
  horizontalBars(document.getElementById("chart-rules"), {
    items: data.alerts.by_rule.slice(0, 12).map((r) => ({ label: `${r.key} ${rules.get(r.key) ?? ""}`.trim(), value: r.alerts })),
    title: t("dashboard.alerts_by_rule"), tableCaption: t("dashboard.as_table"), labelHeader: t("alerts.rule"),
    valueHeader: t("dashboard.alerts"), empty: t("dashboard.none"),
  });
  horizontalBars(document.getElementById("chart-status"), {
    items: data.alerts.by_status.map((r) => ({ label: tOr(`status.${r.key}`, String(r.key)), value: r.alerts, colour: ALERT_COLOURS[r.key] })),
    title: t("dashboard.alerts_by_status"), tableCaption: t("dashboard.as_table"), labelHeader: t("alerts.status"),
    valueHeader: t("dashboard.alerts"), empty: t("dashboard.none"),
  });
  clear(document.getElementById("risk-caregivers")).append(riskTable(data.top_risk.caregivers, "caregiver"));
  clear(document.getElementById("risk-agencies")).append(riskTable(data.top_risk.agencies, "agency"));
}

async function load() {
  const query = { from: form.from.value, to: form.to.value };
  history.replaceState(null, "", `${location.pathname}?${new URLSearchParams(query)}`);
  const data = await busy(document.getElementById("d-apply"), () => api("/dashboard", { query }));
  if (data) render(data);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});

if (user) {
  const params = new URLSearchParams(location.search);
  const today = localDay();
  form.from.value = params.get("from") || addDays(today, -29);
  form.to.value = params.get("to") || today;
  load();
}
