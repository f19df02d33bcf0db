// Evidence in words and numbers: each key with a label in the page's language and its value with a unit.
import { config, el, fmtDateTime, fmtNumber, tOr } from "./core.js";

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
/** Units by a word of the key: distance_m, minutes_outside, max_speed_kmh, total_yuan... */
const UNITS = { m: "unit.m", minutes: "unit.min", kmh: "unit.kmh", yuan: "unit.yuan", seconds: "unit.s",
  hours: "unit.h", mps: "unit.mps" };

/** Code-like values (check_in, zero_jitter, not_in_care_plan, no_face) read as words in the page's language. */
const VALUE_TERMS = ["kind", "signal", "reason", "face", "fence", "confirmation", "tap"];

function term(value) {
  const key = VALUE_TERMS.map((prefix) => `${prefix}.${value}`).find((k) => k in config.strings);
  return key ? config.strings[key] : value;
}

export function label(key) {
  return tOr(`ev.${key}`, key.replaceAll("_", " "));
}

function unitOf(key) {
  const word = key.split("_").find((w) => w in UNITS);
  return word ? tOr(UNITS[word], "") : "";
}

function scalar(key, value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "boolean") return tOr(value ? "common.yes" : "common.no", String(value));
  if (typeof value === "number") {
    const unit = unitOf(key);
    return unit ? `${fmtNumber(value, 2)} ${unit}` : fmtNumber(value, 4);
  }
  if (typeof value === "string" && ISO_TIME.test(value)) return fmtDateTime(value);
  return typeof value === "string" ? term(value) : String(value);
}

/** A value cell: scalars as text; lists of scalars joined; anything nested as a small nested table. */
export function valueNode(key, value) {
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== "object")) {
    return document.createTextNode(value.length ? value.map((v) => scalar(key, v)).join(", ") : "—");
  }
  if (Array.isArray(value)) {
    return el("ol", { class: "nested" }, value.map((v) => el("li", {}, valueNode(key, v))));
  }
  if (value && typeof value === "object") {
    return el("dl", { class: "nested" }, Object.entries(value).flatMap(([k, v]) => [
      el("dt", { text: label(k) }), el("dd", {}, valueNode(k, v))]));
  }
  return document.createTextNode(scalar(key, value));
}

export function evidenceRows(evidence) {
  return Object.entries(evidence || {}).map(([key, value]) => el("tr", {},
    el("th", { scope: "row" }, label(key), `ev.${key}` in config.strings ? el("span", { class: "key", text: key }) : null),
    el("td", {}, valueNode(key, value))));
}
