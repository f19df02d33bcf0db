// Trail replay: the map, a time slider that plays the visit back, and the timeline beside it.
import {
  api, clear, config, consoleUrl, el, fmtDateTime, fmtNumber, fmtTime, pageData, requireUser, showError, t, tOr,
} from "../core.js";
import { ReplayMap, legend } from "../map.js";
import { renderPresence } from "../presence.js";

const user = requireUser();
const visitId = pageData().visitId;
const slider = document.getElementById("time-slider");
const output = document.getElementById("slider-time");
const playButton = document.getElementById("play");
const timelineBox = document.getElementById("timeline");
const FRAME_MS = 100;
let view = null;
let entries = [];
let timer = null;

function span(replay, positions) {
  const times = [...positions.map((p) => p.ms),
    ...replay.timeline.filter((e) => e.type !== "alert").map((e) => Date.parse(e.time))];
  return { start: Math.min(...times), end: Math.max(...times) };
}

function elapsed(ms, start) {
  const s = Math.round((ms - start) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return `${h ? `${h}:` : ""}${pad(m)}:${pad(s % 60)}`;
}

function face(entry) {
  const d = entry.face_distance == null ? "" : ` ${t("alert.distance_vs", { d: fmtNumber(entry.face_distance, 3), th: fmtNumber(entry.face_threshold, 2) })}`;
  return `${t("alert.face")} ${tOr(`face.${entry.face_status}`, entry.face_status)}${d}`;
}

function fence(entry) {
  return `${t("alert.fence")} ${tOr(`fence.${entry.geofence_status}`, entry.geofence_status)} ${fmtNumber(entry.distance_m, 0)} ${t("unit.m")}`
    + ` ±${fmtNumber(entry.accuracy_m, 0)} ${t("unit.m")}`;
}

/** One line of words per timeline entry. */
function describe(entry) {
  switch (entry.type) {
    case "check_in_attempt":
    case "check_out_attempt":
      return `${t(`replay.${entry.type}`)}: ${face(entry)}; ${fence(entry)}`;
    case "check_in":
    case "check_out":
      return t(`kind.${entry.type}`);
    case "trail_point":
      return `${t("replay.fix")}: ${fence(entry)}${entry.speed_mps == null ? "" : `; ${fmtNumber(entry.speed_mps, 1)} ${t("unit.mps")}`}`;
    case "item":
      return `${t("replay.item")} ${entry.code}${entry.in_care_plan ? "" : ` (${t("replay.not_in_plan")})`}`;
    case "alert":
      return `${t("replay.alert")} ${entry.rule_code}: ${entry.message}`;
    default:
      return entry.type;
  }
}

function entryClass(entry) {
  const outside = entry.geofence_status === "outside";
  const badFace = entry.face_status && entry.face_status !== "matched";
  return `tl tl-${entry.type}${outside ? " tl-outside" : ""}${badFace ? " tl-bad" : ""}`;
}

function renderTimeline(replay) {
  clear(timelineBox);
  entries = replay.timeline.map((entry) => {
    const ms = Date.parse(entry.time);
    const button = el("button", { type: "button", class: "tl-seek", on: { click: () => seek(ms, true) } },
      el("time", { datetime: entry.time, text: fmtTime(entry.time) }), " ", el("span", { text: describe(entry) }));
    if (entry.type === "alert") button.lang = "en";
    const item = el("li", { class: entryClass(entry) }, button);
    if (entry.type === "alert") {
      item.append(el("a", { href: consoleUrl(`/alerts/${entry.alert_id}`), class: "tl-alert-link", text: t("replay.open_alert") }));
    }
    timelineBox.append(item);
    return { ms, item };
  });
}

function renderStats(replay) {
  const s = replay.stats;
  const list = clear(document.getElementById("stats"));
  const add = (term, value) => list.append(el("dt", { text: term }), el("dd", { text: value }));
  const min = (v) => `${fmtNumber(v, 1)} ${t("unit.min")}`;
  add(t("replay.inside"), min(s.inside_minutes));
  add(t("replay.outside"), min(s.outside_minutes));
  add(t("replay.uncertain"), min(s.uncertain_minutes));
  add(t("replay.longest_absence"), s.longest_absence
    ? `${min(s.longest_absence.minutes)} (${fmtTime(s.longest_absence.start)}–${fmtTime(s.longest_absence.end)})` : "—");
  add(t("replay.distance"), `${fmtNumber(s.distance_m, 0)} ${t("unit.m")}`);
  add(t("replay.fixes"), String(s.fixes));
  add(t("replay.gaps"), t("replay.gaps_n", { n: s.gaps.length, limit: fmtNumber(s.gap_limit_minutes, 0) }));
}

function seek(ms, focusSlider = false) {
  const seconds = Math.round((ms - view.span.start) / 1000);
  slider.value = String(Math.min(Number(slider.max), Math.max(0, seconds)));
  update();
  if (focusSlider) slider.focus();
}

function update() {
  const ms = view.span.start + Number(slider.value) * 1000;
  view.showUntil(ms);
  const text = `${fmtTime(new Date(ms).toISOString())} (+${elapsed(ms, view.span.start)})`;
  output.textContent = text;
  slider.setAttribute("aria-valuetext", text);
  let current = null;
  for (const entry of entries) {
    entry.item.classList.toggle("past", entry.ms <= ms);
    if (entry.ms <= ms) current = entry;
    entry.item.removeAttribute("aria-current");
  }
  if (current) {
    current.item.setAttribute("aria-current", "step");
    const box = timelineBox;
    const top = current.item.offsetTop;  // the list is the items' offset parent (position: relative)
    if (top < box.scrollTop || top > box.scrollTop + box.clientHeight - current.item.offsetHeight) {
      box.scrollTop = Math.max(0, top - box.clientHeight / 2);
    }
  }
}

function stop() {
  clearInterval(timer);
  timer = null;
  playButton.setAttribute("aria-pressed", "false");
  playButton.textContent = t("replay.play");
}

function play() {
  if (timer) return stop();
  if (Number(slider.value) >= Number(slider.max)) slider.value = "0";
  playButton.setAttribute("aria-pressed", "true");
  playButton.textContent = t("replay.pause");
  timer = setInterval(() => {
    const speed = Number(document.getElementById("speed").value);
    const next = Number(slider.value) + (speed * FRAME_MS) / 1000;
    slider.value = String(Math.min(Number(slider.max), next));
    update();
    if (next >= Number(slider.max)) stop();
  }, FRAME_MS);
  return undefined;
}

function datumNote(datum) {
  const name = tOr(`datum.${datum}`, datum);
  return config.map.tile_url ? t("replay.datum_tiles", { datum: name }) : t("replay.datum_blank", { datum: name });
}

async function load() {
  try {
    const replay = await api(`/visits/${encodeURIComponent(visitId)}/replay`, { query: { datum: config.map.draw_datum } });
    const container = document.getElementById("map");
    const positions = replay.map.features.filter((f) => f.geometry.type === "Point" && f.properties.time)
      .map((f) => ({ ms: Date.parse(f.properties.time) }));
    view = new ReplayMap(container, replay.map, span(replay, positions));
    document.getElementById("datum-note").textContent = datumNote(replay.map.datum);
    legend(document.getElementById("legend"), view.span);
    renderStats(replay);
    renderPresence(document.getElementById("presence"), replay.presence);
    renderTimeline(replay);
    const seconds = Math.max(1, Math.round((view.span.end - view.span.start) / 1000));
    slider.max = String(seconds);
    slider.step = "1";
    slider.value = String(seconds);
    update();
    document.getElementById("replay-heading").dataset.loaded = "true";
  } catch (error) {
    showError(error);
  }
}

const alertId = new URLSearchParams(location.search).get("alert");
if (alertId && /^\d+$/.test(alertId)) {
  const back = document.getElementById("back-link");
  back.href = consoleUrl(`/alerts/${alertId}`);
  back.textContent = t("replay.back_to_alert", { id: alertId });
}
/** Arrow keys step from event to event on the timeline; Page Up/Down jump five minutes. */
slider.addEventListener("keydown", (event) => {
  if (!view) return;
  const now = view.span.start + Number(slider.value) * 1000;
  let target = null;
  if (event.key === "ArrowRight" || event.key === "ArrowUp") target = entries.map((e) => e.ms).find((ms) => ms > now + 500);
  else if (event.key === "ArrowLeft" || event.key === "ArrowDown") target = entries.map((e) => e.ms).reverse().find((ms) => ms < now - 500);
  else if (event.key === "PageUp") target = Math.min(view.span.end, now + 300_000);
  else if (event.key === "PageDown") target = Math.max(view.span.start, now - 300_000);
  else return;
  event.preventDefault();
  if (timer) stop();
  if (target !== undefined && target !== null) seek(target);
});
playButton.addEventListener("click", play);
slider.addEventListener("input", () => { if (timer) stop(); update(); });
if (user) load();
