// Small inline-SVG charts (no library, no CDN): stacked columns per day and horizontal bars. Every
// chart comes with its numbers as a table for screen readers and for reading exact values.
import { el } from "./core.js";

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

/** The smallest round axis maximum at or above ``value`` whose quarters are whole numbers. */
function niceMax(value, ticks = 4) {
  if (value <= 0) return ticks;
  const raw = value / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => Math.max(1, m * power)).find((s) => s >= raw);
  return step * ticks;
}

/** Draw at the figure's own pixel width so text keeps its size (the viewBox is not scaled up). */
function widthOf(figure, fallback) {
  return Math.max(300, Math.round(figure.clientWidth || fallback));
}

function dataTable(caption, headers, rows) {
  return el("details", { class: "chart-data" },
    el("summary", { text: caption }),
    el("table", { class: "plain" },
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows.map((r) => el("tr", {}, r.map((v, i) => (i === 0 ? el("th", { scope: "row", text: v }) : el("td", { class: "num", text: v }))))))));
}

/** Columns per category, stacked by series: {categories, series: [{key, label, colour, values}]}. */
export function stackedColumns(figure, { categories, series, title, tableCaption, categoryLabel, height = 220 }) {
  const width = widthOf(figure, 760);
  const pad = { left: 40, right: 10, top: 10, bottom: 34 };
  const totals = categories.map((_, i) => series.reduce((sum, s) => sum + s.values[i], 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const step = plotW / Math.max(1, categories.length);
  const bar = Math.max(2, Math.min(28, step * 0.7));
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart-svg" });
  root.append(svg("title", {}, title));
  for (let k = 0; k <= 4; k += 1) {
    const y = pad.top + plotH - (plotH * k) / 4;
    root.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: "grid" }),
      svg("text", { x: pad.left - 6, y: y + 4, class: "tick", "text-anchor": "end" }, (max * k) / 4));
  }
  const labelEvery = Math.ceil(categories.length / 12);
  categories.forEach((category, i) => {
    const x = pad.left + step * i + (step - bar) / 2;
    let y = pad.top + plotH;
    for (const s of series) {
      const h = (plotH * s.values[i]) / max;
      if (h > 0) {
        const rect = svg("rect", { x, y: y - h, width: bar, height: h, fill: s.colour });
        rect.append(svg("title", {}, `${category} · ${s.label}: ${s.values[i]}`));
        root.append(rect);
      }
      y -= h;
    }
    if (i % labelEvery === 0) {
      root.append(svg("text", { x: x + bar / 2, y: height - pad.bottom + 16, class: "tick", "text-anchor": "middle" }, category.slice(5)));
    }
  });
  const legend = el("ul", { class: "chart-legend" }, series.map((s) => {
    const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
    swatch.style.background = s.colour;
    return el("li", {}, swatch, s.label);
  }));
  const rows = categories.map((c, i) => [c, ...series.map((s) => s.values[i]), totals[i]]);
  figure.replaceChildren(root, legend,
    dataTable(tableCaption, [categoryLabel, ...series.map((s) => s.label), "Σ"], rows));
}

/** Horizontal bars, largest first: [{label, value, colour?}]. */
export function horizontalBars(figure, { items, title, tableCaption, labelHeader, valueHeader, empty }) {
  const width = widthOf(figure, 380);
  if (!items.length) {
    figure.replaceChildren(el("p", { class: "empty", text: empty }));
    return;
  }
  const row = 24;
  const labelW = Math.min(220, Math.round(width * 0.4));
  const height = items.length * row + 8;
  const max = niceMax(Math.max(...items.map((i) => i.value)), 1);
  const plotW = width - labelW - 40;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart-svg" });
  root.append(svg("title", {}, title));
  items.forEach((item, i) => {
    const y = 4 + i * row;
    const w = Math.max(1, (plotW * item.value) / max);
    const room = Math.floor(labelW / 13);
    const label = item.label.length > room ? `${item.label.slice(0, room - 1)}…` : item.label;
    root.append(svg("text", { x: labelW - 6, y: y + 15, class: "bar-label", "text-anchor": "end" }, label));
    const rect = svg("rect", { x: labelW, y: y + 3, width: w, height: row - 8, fill: item.colour || "#2b5797", rx: 2 });
    rect.append(svg("title", {}, `${item.label}: ${item.value}`));
    root.append(rect, svg("text", { x: labelW + w + 4, y: y + 15, class: "bar-value" }, item.value));
  });
  figure.replaceChildren(root, dataTable(tableCaption, [labelHeader, valueHeader], items.map((i) => [i.label, i.value])));
}
