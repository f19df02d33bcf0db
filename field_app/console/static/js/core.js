// Shared by every console page: config, text, safe DOM building, the API client and the session.
// Every value from the API reaches the page through textContent or attributes, never parsed as HTML.

export const config = JSON.parse(document.getElementById("console-config").textContent);
const SESSION_KEY = "field_app.console.session";
/** Every API call asks for the page's language: errors and alert texts come back in it. */
export const LANGUAGE_HEADER = { "Accept-Language": config.lang };

/** The interface text of a key in the page's language, with {name} placeholders filled. */
export function t(key, params = {}) {
  let text = config.strings[key] ?? key;
  for (const [name, value] of Object.entries(params)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

/** The text of a key when the language has it, else the fallback (for values such as evidence keys). */
export function tOr(key, fallback) {
  return key in config.strings ? config.strings[key] : fallback;
}

/** Create an element: el("a", {href, class, text, on: {click}}, ...children). Strings become text nodes. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else if (name === "class") node.className = value;
    else if (name === "on") for (const [event, fn] of Object.entries(value)) node.addEventListener(event, fn);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, ...children);
  return node;
}

export function append(node, ...children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

// ---- time, in the scheme's clock face (Asia/Shanghai by default) -------------------------------

const locale = config.lang === "zh" ? "zh-CN" : "en-GB";
const timeFormats = {
  datetime: new Intl.DateTimeFormat(locale, { timeZone: config.timezone, year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
  time: new Intl.DateTimeFormat(locale, { timeZone: config.timezone, hour: "2-digit", minute: "2-digit",
    second: "2-digit", hourCycle: "h23" }),
  date: new Intl.DateTimeFormat("en-CA", { timeZone: config.timezone, year: "numeric", month: "2-digit", day: "2-digit" }),
};

export function fmtDateTime(iso) {
  return iso ? timeFormats.datetime.format(new Date(iso)) : "—";
}

export function fmtTime(iso) {
  return iso ? timeFormats.time.format(new Date(iso)) : "—";
}

/** YYYY-MM-DD of a moment on the clock face. */
export function localDay(date = new Date()) {
  return timeFormats.date.format(date);
}

/** The clock face's UTC offset on a day, as "+08:00". */
export function offsetOn(day) {
  const probe = new Date(`${day}T12:00:00Z`);
  const part = new Intl.DateTimeFormat("en-US", { timeZone: config.timezone, timeZoneName: "longOffset" })
    .formatToParts(probe).find((p) => p.type === "timeZoneName");
  const match = /GMT([+-]\d{2}:\d{2})/.exec(part?.value ?? "");
  return match ? match[1] : "+00:00";
}

/** The start of a local day as ISO 8601 with its offset (what the API's occurred_from wants). */
export function dayStart(day) {
  return `${day}T00:00:00${offsetOn(day)}`;
}

export function addDays(day, n) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function fmtNumber(value, digits = 1) {
  if (value === null || value === undefined) return "—";
  if (typeof value !== "number") return String(value);
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
}

// ---- messages -----------------------------------------------------------------------------------

export function announce(message) {
  const status = document.getElementById("status");
  status.textContent = "";
  // A fresh text node makes screen readers announce the same message twice in a row too.
  requestAnimationFrame(() => { status.textContent = message; });
  hideError();
}

export function showError(error) {
  const box = document.getElementById("error");
  box.textContent = describeError(error);
  box.hidden = false;
}

export function hideError() {
  const box = document.getElementById("error");
  box.hidden = true;
  box.textContent = "";
}

export function describeError(error) {
  if (typeof error === "string") return error;
  // The API answers in the page's language (every call sends Accept-Language), so its message is shown as it is.
  if (error instanceof ApiFailure) return error.message;
  return t("error.network", { message: error?.message ?? String(error) });
}

// ---- session (sessionStorage: gone when the tab closes) -------------------------------------------

export function getSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

export function saveSession(tokens) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({
    access_token: tokens.access_token, refresh_token: tokens.refresh_token, user: tokens.user,
  }));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

export class ApiFailure extends Error {
  constructor(status, body) {
    const error = body?.error ?? {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || `http_${status}`;
    this.field = error.field ?? null;
  }
}

function goToSignIn() {
  const next = location.pathname + location.search;
  location.assign(`${config.pages.sign_in}?next=${encodeURIComponent(next)}`);
}

async function refreshTokens(session) {
  const response = await fetch(`${config.api}/auth/refresh`, {
    method: "POST", headers: { "Content-Type": "application/json", ...LANGUAGE_HEADER },
    body: JSON.stringify({ refresh_token: session.refresh_token }),
  });
  if (!response.ok) return null;
  const tokens = await response.json();
  saveSession(tokens);
  return getSession();
}

function queryString(query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null && v !== "") params.append(name, v);
    }
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Call the API with the bearer token; a 401 refreshes the tokens once, then sends to the sign-in page. */
export async function rawApi(path, { method = "GET", body, query } = {}) {
  let session = getSession();
  if (!session) {
    goToSignIn();
    throw new ApiFailure(401, { error: { code: "authentication_required", message: "Not signed in." } });
  }
  const send = (s) => fetch(config.api + path + queryString(query), {
    method,
    headers: { Authorization: `Bearer ${s.access_token}`, Accept: "application/json", ...LANGUAGE_HEADER,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let response = await send(session);
  if (response.status === 401 && session.refresh_token) {
    session = await refreshTokens(session);
    if (session) response = await send(session);
  }
  if (response.status === 401) {
    clearSession();
    goToSignIn();
  }
  if (!response.ok) {
    let payload = null;
    try { payload = await response.json(); } catch { /* not JSON */ }
    throw new ApiFailure(response.status, payload);
  }
  return response;
}

export async function api(path, options) {
  const response = await rawApi(path, options);
  return response.status === 204 ? null : response.json();
}

// ---- page set-up ----------------------------------------------------------------------------------

export const STAFF_ROLES = ["supervisor", "auditor", "admin"];

/** The signed-in user, with the header filled in; sends signed-out visitors to the sign-in page. */
export function requireUser() {
  const session = getSession();
  if (!session) {
    goToSignIn();
    return null;
  }
  const user = session.user;
  const who = document.getElementById("who");
  if (who) who.textContent = t("nav.who", { username: user.username, role: t(`role.${user.role}`) });
  const button = document.getElementById("sign-out");
  if (button) {
    button.hidden = false;
    button.addEventListener("click", signOut);
  }
  return user;
}

export async function signOut() {
  try {
    await rawApi("/auth/sign-out", { method: "POST" });
  } catch {
    // Already expired or revoked: the local session goes anyway.
  }
  clearSession();
  location.assign(`${config.pages.sign_in}?signed_out=1`);
}

/** The language link keeps the page's current query (filters) when it switches. */
function wireLanguageSwitch() {
  const link = document.getElementById("lang-switch");
  if (!link) return;
  link.addEventListener("click", (event) => {
    event.preventDefault();
    const url = new URL(location.href);
    url.searchParams.set("lang", link.dataset.lang);
    location.assign(url.toString());
  });
}

/** Read data-* of <main> (ids the server put in the page). */
export function pageData() {
  return document.getElementById("main").dataset;
}

/** A coloured status chip with its words (colour is never the only signal). */
export function statusChip(state, prefix = "status") {
  return el("span", { class: `chip chip-${state}`, text: tOr(`${prefix}.${state}`, state) });
}

export function severityBadge(severity) {
  return el("span", { class: `sev sev-${severity}`, text: tOr(`severity.${severity}`, severity) });
}

export function ruleTitle(item) {
  const title = config.lang === "zh" ? item.title_zh : item.title_en;
  return title || item.rule_name || item.rule_code;
}

/** Run an async action with a button busy, showing any failure; returns the action's result or undefined. */
export async function busy(button, action) {
  const previous = button?.disabled;
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  try {
    return await action();
  } catch (error) {
    showError(error);
    return undefined;
  } finally {
    if (button) {
      button.disabled = previous;
      button.removeAttribute("aria-busy");
    }
  }
}

export function consoleUrl(path) {
  return config.pages.root.replace(/\/$/, "") + path;
}

wireLanguageSwitch();
