// The replay map with Leaflet (vendored, global L): fence, home, the trail coloured by time, fixes
// (outside the fence highlighted), check-in/out markers, a moving "now" marker and a scale bar.
// Coordinates arrive in the datum of the tiles (GCJ-02 for AMap/Tencent) or WGS-84 without tiles.
import { config, el, fmtNumber, fmtTime, t, tOr } from "./core.js";

const L = window.L;
/** Time ramp, start -> end of the visit (indigo, blue, teal, green): far from the red of "outside". */
export const RAMP = ["#3b1f8f", "#1f78b4", "#1a9c9c", "#5a9e2f"];
const OUTSIDE = "#d7301f";
const UNCERTAIN = "#e08a00";

function hex(c) {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
}

export function rampColour(f) {
  const x = Math.min(1, Math.max(0, f)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const a = hex(RAMP[i]);
  const b = hex(RAMP[i + 1]);
  const mix = a.map((v, k) => Math.round(v + (b[k] - v) * (x - i)));
  return `rgb(${mix.join(",")})`;
}

const latlng = ([lng, lat]) => [lat, lng];

/** A square label; ``anchor`` says where the point is on it (check-in sits up-left of its fix, check-out
 * up-right, so that both stay readable over the home they usually share). */
function label(text, className, anchor = [15, 15]) {
  return L.divIcon({ className: `map-label ${className}`, html: el("span", { text }), iconSize: [30, 30], iconAnchor: anchor });
}
const ANCHORS = { check_in: [36, 36], check_out: [-6, 36] };

function tip(...lines) {
  return el("div", {}, lines.map((line) => el("div", { text: line })));
}

export class ReplayMap {
  constructor(container, geojson, span) {
    this.span = span;
    this.map = L.map(container, { zoomSnap: 0.25, preferCanvas: false, attributionControl: Boolean(config.map.tile_url) });
    if (config.map.tile_url) {
      L.tileLayer(config.map.tile_url, { subdomains: config.map.tile_subdomains, maxZoom: config.map.tile_max_zoom,
        attribution: config.map.tile_attribution }).addTo(this.map);
    } else {
      container.classList.add("no-tiles");
    }
    L.control.scale({ metric: true, imperial: false, maxWidth: 160 }).addTo(this.map);
    this.features = geojson.features;
    this.segments = [];
    this.fixes = [];
    this.drawFence();
    this.drawTrail();
    this.drawFixes();
    this.drawEnds();
    this.drawHome();
    this.now = L.circleMarker([0, 0], { radius: 9, color: "#111", weight: 3, fillColor: "#fff", fillOpacity: 1,
      interactive: false }).addTo(this.map);
    this.fit();
  }

  of(kind) {
    return this.features.filter((f) => f.properties.kind === kind);
  }

  fraction(iso) {
    const { start, end } = this.span;
    return end > start ? (Date.parse(iso) - start) / (end - start) : 0;
  }

  drawFence() {
    for (const fence of this.of("geofence")) {
      this.fence = L.polygon(fence.geometry.coordinates.map((ring) => ring.map(latlng)), {
        color: "#2b5797", weight: 2, dashArray: "6 4", fillColor: "#2b5797", fillOpacity: 0.07, interactive: false,
      }).addTo(this.map);
    }
  }

  drawHome() {
    for (const home of this.of("home")) {
      L.marker(latlng(home.geometry.coordinates), { icon: label(t("replay.home_short"), "home"), keyboard: false,
        title: t("replay.home") }).addTo(this.map);
    }
  }

  /** The trail as one segment per step, each coloured by the time it starts. */
  drawTrail() {
    const points = this.positions();
    for (let i = 1; i < points.length; i += 1) {
      const from = points[i - 1];
      const segment = L.polyline([from.at, points[i].at], { color: rampColour(this.fraction(from.time)), weight: 4,
        opacity: 0.9, interactive: false }).addTo(this.map);
      this.segments.push({ time: Date.parse(from.time), layer: segment });
    }
  }

  drawFixes() {
    for (const fix of this.of("fix")) {
      const p = fix.properties;
      const outside = p.geofence_status === "outside";
      const uncertain = p.geofence_status === "uncertain";
      const marker = L.circleMarker(latlng(fix.geometry.coordinates), {
        radius: outside ? 6 : 3.5, weight: outside ? 2 : 1, color: outside ? "#fff" : "#333",
        fillColor: outside ? OUTSIDE : uncertain ? UNCERTAIN : rampColour(this.fraction(p.time)), fillOpacity: 1,
        className: outside ? "fix-outside" : "fix",
      }).addTo(this.map);
      marker.bindTooltip(tip(fmtTime(p.time), `${tOr(`fence.${p.geofence_status}`, p.geofence_status)} · ±${fmtNumber(p.accuracy_m, 0)} ${t("unit.m")}`,
        p.speed_mps == null ? "" : `${fmtNumber(p.speed_mps, 1)} ${t("unit.mps")}`));
      this.fixes.push({ time: Date.parse(p.time), layer: marker, outside });
    }
  }

  drawEnds() {
    for (const kind of ["check_in", "check_out"]) {
      for (const end of this.of(kind)) {
        const p = end.properties;
        const bad = p.geofence_status === "outside" || p.face_status !== "matched";
        L.circleMarker(latlng(end.geometry.coordinates), { radius: 4, weight: 2, color: "#fff", fillColor: bad ? OUTSIDE : "#14324f",
          fillOpacity: 1, interactive: false }).addTo(this.map);
        const marker = L.marker(latlng(end.geometry.coordinates), {
          icon: label(t(kind === "check_in" ? "replay.in_short" : "replay.out_short"), `${kind}${bad ? " bad" : ""}`, ANCHORS[kind]),
          title: `${tOr(`kind.${kind}`, kind)} ${fmtTime(p.time)}`, keyboard: false, zIndexOffset: 500,
        }).addTo(this.map);
        marker.bindTooltip(tip(`${tOr(`kind.${kind}`, kind)} · ${fmtTime(p.time)}`,
          `${t("alert.face")}: ${tOr(`face.${p.face_status}`, p.face_status)}`,
          `${t("alert.fence")}: ${tOr(`fence.${p.geofence_status}`, p.geofence_status)}`));
      }
    }
  }

  /** Every timed position (trail fixes and check-in/out fixes) in time order. */
  positions() {
    if (!this._positions) {
      this._positions = this.features
        .filter((f) => f.geometry.type === "Point" && f.properties.time)
        .map((f) => ({ time: f.properties.time, ms: Date.parse(f.properties.time), at: latlng(f.geometry.coordinates) }))
        .sort((a, b) => a.ms - b.ms);
    }
    return this._positions;
  }

  fit() {
    const layers = [this.fence, ...this.segments.map((s) => s.layer), ...this.fixes.map((f) => f.layer)].filter(Boolean);
    const bounds = L.featureGroup(layers).getBounds();
    for (const p of this.positions()) bounds.extend(p.at);
    if (bounds.isValid()) this.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 18 });
    else this.map.setView([30.75, 120.75], 15);
  }

  /** Where the phone was at a moment: between the fixes around it, on the straight line. */
  positionAt(ms) {
    const points = this.positions();
    if (!points.length) return null;
    if (ms <= points[0].ms) return points[0].at;
    for (let i = 1; i < points.length; i += 1) {
      if (ms <= points[i].ms) {
        const a = points[i - 1];
        const b = points[i];
        const f = b.ms > a.ms ? (ms - a.ms) / (b.ms - a.ms) : 1;
        return [a.at[0] + (b.at[0] - a.at[0]) * f, a.at[1] + (b.at[1] - a.at[1]) * f];
      }
    }
    return points[points.length - 1].at;
  }

  /** Show the visit up to a moment: what came later is faded, the "now" marker where the phone was. */
  showUntil(ms) {
    for (const s of this.segments) s.layer.setStyle({ opacity: s.time < ms ? 0.9 : 0.2 });
    for (const f of this.fixes) f.layer.setStyle({ fillOpacity: f.time <= ms ? 1 : 0.25, opacity: f.time <= ms ? 1 : 0.3 });
    const at = this.positionAt(ms);
    if (at) this.now.setLatLng(at).bringToFront();
  }
}

/** The legend: the time ramp with its ends, and the symbols. */
export function legend(box, span) {
  const bar = el("span", { class: "ramp", "aria-hidden": "true" });
  bar.style.background = `linear-gradient(to right, ${RAMP.join(", ")})`;
  const symbol = (cls, text) => el("span", { class: "legend-item" }, el("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), text);
  box.append(
    el("span", { class: "legend-item" }, el("span", { text: fmtTime(new Date(span.start).toISOString()) }), bar,
      el("span", { text: fmtTime(new Date(span.end).toISOString()) }), el("span", { class: "visually-hidden", text: t("replay.ramp") })),
    symbol("fence", t("replay.fence")), symbol("home", t("replay.home")),
    symbol("outside", t("replay.outside_fix")), symbol("uncertain", t("replay.uncertain_fix")),
    symbol("in", t("kind.check_in")), symbol("out", t("kind.check_out")), symbol("now", t("replay.now")));
}
