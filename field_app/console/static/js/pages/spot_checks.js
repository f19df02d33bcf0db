// Spot checks (抽查): draw a reproducible sample of closed visits, or open an earlier one.
import { addDays, api, busy, consoleUrl, el, localDay, requireUser, showError, t } from "../core.js";

const RECENT_KEY = "field_app.console.spot_checks";
const user = requireUser();
const form = document.getElementById("draw-form");

function recent() {
  try {
    return JSON.parse(sessionStorage.getItem(RECENT_KEY) || "[]");
  } catch {
    return [];
  }
}

function agencyIds(text) {
  const ids = text.split(/[,\s，]+/).filter(Boolean).map(Number);
  if (ids.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(t("spot.agencies_invalid"));
  return ids.length ? ids : null;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  let agencies;
  try {
    agencies = agencyIds(form.agencies.value);
  } catch (error) {
    showError(error.message);
    form.agencies.focus();
    return;
  }
  const body = { period_start: form.period_start.value, period_end: form.period_end.value,
    method: form.method.value, size: Number(form.size.value), seed: Number(form.seed.value) };
  if (agencies) body.agency_ids = agencies;
  const check = await busy(document.getElementById("draw-submit"), () => api("/spot-checks", { method: "POST", body }));
  if (check) location.assign(consoleUrl(`/spot-checks/${check.spot_check_id}`));
});

document.getElementById("open-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const id = Number(event.target.id.value);
  if (Number.isInteger(id) && id > 0) location.assign(consoleUrl(`/spot-checks/${id}`));
});

if (user) {
  const today = localDay();
  form.period_start.value = addDays(today, -7);
  form.period_end.value = addDays(today, -1);
  form.seed.value = String(crypto.getRandomValues(new Uint32Array(1))[0] % 2147483647);
  if (user.role !== "auditor") {
    for (const control of form.elements) control.disabled = true;
    document.getElementById("draw-note").textContent = t("spot.auditors_only");
  }
  const list = document.getElementById("recent");
  const ids = recent();
  if (!ids.length) list.append(el("li", { class: "empty", text: t("spot.none_recent") }));
  for (const id of ids) list.append(el("li", {}, el("a", { href: consoleUrl(`/spot-checks/${id}`), text: t("spot.check_n", { id }) })));
}
