// Import master data (CSV / XLSX): the file goes to /imports/{kind} as its raw body; errors list by line.
import { ApiFailure, busy, el, rawApi, requireUser, showError, t } from "../core.js";

const TYPES = { csv: "text/csv", xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" };
const form = document.getElementById("import-form");
const summary = document.getElementById("import-summary");
const table = document.getElementById("import-errors");

function show(result) {
  const counts = t("imports.counts", result);
  summary.textContent = result.errors.length
    ? `${t("imports.failed", { count: result.errors.length + result.errors_not_shown })} (${counts})`
    : `${counts}${result.dry_run ? ` ${t("imports.dry_note")}` : ""}`;
  const body = table.querySelector("tbody");
  body.replaceChildren(...result.errors.map((e) => el("tr", {},
    el("td", { text: String(e.line) }), el("td", { text: e.field || "" }),
    el("td", {}, el("code", { text: e.code })), el("td", { text: e.message }))));
  table.hidden = !result.errors.length;
}

async function upload(file) {
  const type = TYPES[file.name.split(".").pop().toLowerCase()];
  if (!type) throw new Error(t("imports.bad_file"));
  try {
    const response = await rawApi(`/imports/${form.kind.value}`, {
      method: "POST", query: form.dry_run.checked ? { dry_run: "true" } : {},
      file: { data: await file.arrayBuffer(), type },
    });
    return response.json();
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 422 && error.payload && error.payload.errors) return error.payload;
    throw error;
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = form.file.files[0];
  if (!file) return;
  try {
    const result = await busy(document.getElementById("import-submit"), () => upload(file));
    if (result) show(result);
  } catch (error) {
    showError(error.message);
  }
});

requireUser();
