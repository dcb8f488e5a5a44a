// highlevel-mock dashboard: plain JavaScript, no framework, no build step. Every read and change
// goes through the admin API (same origin); the admin token, if the mock needs one, is asked for
// once and kept in sessionStorage. Data is only ever inserted as text, never as HTML.
"use strict";

const TOKEN_KEY = "highlevel-mock.adminToken";
const MAX_ROWS = 2000;

// ---- small helpers ------------------------------------------------------------------------

function $(id) { return document.getElementById(id); }

/** An element with attributes (`on*` functions become listeners) and text or element children. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function pretty(text) {
  if (text === null || text === undefined || text === "") return "";
  if (typeof text !== "string") return JSON.stringify(text, null, 2);
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

function parsed(text) {
  if (typeof text !== "string") return text;
  try { return JSON.parse(text); } catch { return null; }
}

function timeOf(iso) {
  const d = new Date(iso);
  return isNaN(d) ? String(iso || "") : d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

function dateTimeOf(iso) {
  const d = new Date(iso);
  return isNaN(d) ? String(iso || "") : d.toLocaleString([], { hour12: false });
}

function statusBadge(status) {
  const cls = "badge s" + String(status)[0];
  return h("span", { class: cls }, status === 0 ? "dropped" : status);
}

let noticeTimer = 0;
function notice(text, kind) {
  const el = $("notice");
  el.textContent = text;
  el.dataset.kind = kind || "";
  clearTimeout(noticeTimer);
  if (kind !== "error") noticeTimer = setTimeout(() => { el.textContent = ""; }, 6000);
}

// ---- the admin API ------------------------------------------------------------------------

let tokenWaiters = [];

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: "Bearer " + token } : {};
}

/** Shows the token form; resolves once a token was entered. */
function askForToken() {
  const form = $("token-form");
  if (form.hidden) {
    form.hidden = false;
    $("token-input").focus();
  }
  return new Promise((resolve) => tokenWaiters.push(resolve));
}

/** One admin call: JSON in and out; asks for the admin token on 401 and tries again. */
async function api(path, options = {}) {
  const method = options.method || "GET";
  const headers = { Accept: "application/json", ...authHeaders() };
  let body;
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body || {});
  }
  const response = await fetch(path, { method, headers, body, credentials: "omit" });
  if (response.status === 401) {
    await askForToken();
    return api(path, options);
  }
  const text = await response.text();
  const data = text ? parsed(text) : null;
  if (!response.ok) {
    const message = data && data.message ? [].concat(data.message).join("; ") : response.statusText;
    throw new Error(`${method} ${path}: ${response.status} ${message}`);
  }
  return data;
}

function failed(error) { notice(error.message || String(error), "error"); }

// ---- views --------------------------------------------------------------------------------

const views = ["traffic", "state", "webhooks", "controls"];
const loaded = {};

function showView() {
  const name = views.includes(location.hash.slice(1)) ? location.hash.slice(1) : "traffic";
  for (const view of views) $("view-" + view).hidden = view !== name;
  for (const link of document.querySelectorAll("nav a[data-view]")) {
    if (link.dataset.view === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = name[0].toUpperCase() + name.slice(1) + " · highlevel-mock dashboard";
  const load = { state: loadState, webhooks: loadWebhooks, controls: loadControls }[name];
  if (load) load().catch(failed);
  loaded[name] = true;
}

// ---- traffic ------------------------------------------------------------------------------

const exchanges = [];
let nextId = 1;
let selectedId = null;
let announced = 0;
let announceTimer = 0;

function matches(x) {
  const api = $("f-api").value;
  if (api && x.api !== api) return false;
  const op = $("f-op").value.trim().toLowerCase();
  if (op && !(x.operation || "").toLowerCase().includes(op)) return false;
  const cls = $("f-status").value;
  if (cls && String(x.status)[0] !== cls) return false;
  const text = $("f-text").value.trim().toLowerCase();
  if (text) {
    const hay = [x.method, x.path, x.query, x.operation, x.tokenLocation, x.bodyExcerpt,
      x.response && x.response.body].join(" ").toLowerCase();
    if (!hay.includes(text)) return false;
  }
  return true;
}

function rowFor(x) {
  const open = () => openDetail(x.id);
  return h("tr", {
    tabindex: 0, "data-id": x.id, "aria-current": x.id === selectedId ? "true" : null,
    onclick: open,
    onkeydown: (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(); }
      else if (event.key === "ArrowDown" && event.currentTarget.nextElementSibling) { event.preventDefault(); event.currentTarget.nextElementSibling.focus(); }
      else if (event.key === "ArrowUp" && event.currentTarget.previousElementSibling) { event.preventDefault(); event.currentTarget.previousElementSibling.focus(); }
    },
  },
  h("td", { class: "mono" }, timeOf(x.at)),
  h("td", {}, x.method),
  h("td", { class: "mono" }, x.path + (x.query ? "?" + x.query : "")),
  h("td", {}, x.operation || "—"),
  h("td", {}, statusBadge(x.status)),
  h("td", { class: "mono" }, x.latencyMs.toFixed(1) + " ms"),
  h("td", { class: "mono" }, x.tokenLocation || "—"));
}

function renderTraffic() {
  const rows = exchanges.filter(matches).reverse().map(rowFor);
  $("traffic-rows").replaceChildren(...rows);
  updateCount();
}

function updateCount() {
  const shown = $("traffic-rows").children.length;
  $("traffic-count").textContent = `${shown} of ${exchanges.length} requests shown`;
  $("traffic-empty").hidden = exchanges.length > 0;
}

const operations = new Set();
/** What identifies an exchange across a reconnect's replay. */
const keyOf = (x) => [x.at, x.method, x.path, x.query, x.status, x.latencyMs].join(" ");
const known = new Set();
/** The rows listed before the current connection: its backlog replays them. */
let replayed = new Set();
let pending = [];
let frame = 0;

/** Keeps an exchange; before `ready` (the backlog) nothing is drawn, after it rows are drawn
 * once per animation frame, newest first. */
function addExchange(x, live) {
  x.id = nextId++;
  exchanges.push(x);
  known.add(keyOf(x));
  if (exchanges.length > MAX_ROWS) {
    const gone = exchanges.shift();
    known.delete(keyOf(gone));
    const row = $("traffic-rows").querySelector(`tr[data-id="${gone.id}"]`);
    if (row) row.remove();
  }
  if (x.operation && !operations.has(x.operation)) {
    operations.add(x.operation);
    $("f-op-list").append(h("option", { value: x.operation }));
  }
  if (!live) return;
  pending.push(x);
  if (!frame) frame = requestAnimationFrame(drawPending);
  if (live) {
    announced++;
    if (!announceTimer) {
      announceTimer = setTimeout(() => {
        $("traffic-announce").textContent = `${announced} new request${announced === 1 ? "" : "s"}`;
        announced = 0;
        announceTimer = 0;
      }, 2000);
    }
  }
}

function drawPending() {
  frame = 0;
  const rows = pending.filter(matches).reverse().map(rowFor);
  pending = [];
  $("traffic-rows").prepend(...rows);
  updateCount();
}

function headerTable(headers, caption) {
  const entries = Object.entries(headers || {});
  if (!entries.length) return h("p", { class: "empty" }, "No headers kept.");
  return h("table", { "aria-label": caption },
    h("tbody", {}, entries.map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k), h("td", { class: "mono" }, v)))));
}

function validationMessages(x) {
  if (x.status < 400 || x.status >= 500 || !x.response) return null;
  const body = parsed(x.response.body);
  if (!body || body.message === undefined) return null;
  const messages = [].concat(body.message).map(String);
  const title = x.status === 400 || x.status === 422 ? "Validation messages" : "Error message";
  return [h("h4", {}, title),
    h("ul", { class: "problems", "data-testid": "validation-messages" }, messages.map((m) => h("li", {}, m)))];
}

function openDetail(id) {
  const x = exchanges.find((e) => e.id === id);
  if (!x) return;
  selectedId = id;
  for (const row of $("traffic-rows").children) {
    if (Number(row.dataset.id) === id) row.setAttribute("aria-current", "true");
    else row.removeAttribute("aria-current");
  }
  $("detail-title").textContent = `${x.method} ${x.path} → ${x.status === 0 ? "dropped" : x.status}`;
  const request = [
    h("p", { class: "meta" }, `${dateTimeOf(x.at)} · ${x.api}${x.operation ? " · " + x.operation : ""} · ${x.latencyMs.toFixed(1)} ms`,
      x.tokenLocation ? ` · token's location ${x.tokenLocation}` : ""),
    h("h4", {}, "Request headers"), headerTable(x.headers, "Request headers"),
    h("h4", {}, "Request body"),
    x.bodyLen ? h("pre", { id: "detail-request-body" }, pretty(x.bodyExcerpt) + (x.bodyLen > x.bodyExcerpt.length ? `\n… (${x.bodyLen} bytes in all)` : ""))
      : h("p", { class: "empty" }, "No body."),
  ];
  let response;
  if (!x.response) {
    response = [h("h4", {}, "Response"), h("p", { class: "empty" }, "Not captured: this request finished before the page was open. Responses are kept for requests made while a dashboard watches.")];
  } else {
    response = [
      validationMessages(x),
      h("h4", {}, "Response headers"), headerTable(x.response.headers, "Response headers"),
      h("h4", {}, "Response body"),
      x.response.captured
        ? (x.response.body ? h("pre", { id: "detail-response-body" }, pretty(x.response.body)) : h("p", { class: "empty" }, "No body."))
        : h("p", { class: "empty" }, x.status === 0 ? "The connection was dropped by a fault rule." : "Not captured (streamed or over 128 KiB)."),
    ];
  }
  $("detail-body").replaceChildren(...request, ...response.flat().filter(Boolean));
  $("detail").hidden = false;
  $("detail-title").focus();
}

function closeDetail() {
  $("detail").hidden = true;
  const row = $("traffic-rows").querySelector(`tr[data-id="${selectedId}"]`);
  selectedId = null;
  for (const r of $("traffic-rows").children) r.removeAttribute("aria-current");
  if (row) row.focus();
}

/** The live stream: read with fetch (EventSource cannot send the admin token). Aborted when the
 * page is left, so a held connection never outlives the page (browsers allow six per host). */
async function connectStream() {
  const status = $("live-status");
  const leaving = new AbortController();
  window.addEventListener("pagehide", () => leaving.abort());
  while (!leaving.signal.aborted) {
    status.textContent = "Connecting…";
    status.dataset.state = "connecting";
    try {
      const response = await fetch("/__mock/journal/stream", { headers: { Accept: "text/event-stream", ...authHeaders() }, credentials: "omit", signal: leaving.signal });
      if (response.status === 401) { await askForToken(); continue; }
      if (!response.ok || !response.body) throw new Error("stream " + response.status);
      // A reconnect replays the journal's backlog: rows already listed (with their captured
      // responses) are kept, and their replays skipped.
      pending = [];
      ready = false;
      replayed = new Set(known);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          handleEvent(buffer.slice(0, end), status);
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (error) {
      console.warn(error);
    }
    status.textContent = "Disconnected, retrying…";
    status.dataset.state = "disconnected";
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

let ready = false;
function handleEvent(block, status) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (event === "exchange") {
    const x = JSON.parse(data.join("\n"));
    if (!ready && replayed.has(keyOf(x))) return;
    addExchange(x, ready);
  }
  else if (event === "ready") {
    replayed = new Set();
    renderTraffic();
    if (!performance.getEntriesByName("traffic-live").length) performance.mark("traffic-live");
    ready = true;
    status.textContent = "Live";
    status.dataset.state = "live";
  } else if (event === "lagged") notice(`The list missed ${data.join("")} requests (the page fell behind).`, "error");
}

// ---- state --------------------------------------------------------------------------------

let locations = [];
let stateData = null;
let callLogPage = 1;
let callLogPages = 1;

async function loadLocations(known) {
  const overview = known || await api("/__mock/ui/api/overview");
  locations = overview.locations;
  for (const select of [$("state-location"), $("call-location")]) {
    const current = select.value || overview.defaultLocationId;
    select.replaceChildren(...locations.map((l) => h("option", { value: l, selected: l === current }, l)));
  }
}

function actionList(actions) {
  if (!actions || !actions.length) return h("p", { class: "empty" }, "No actions.");
  return h("ul", {}, actions.map((a) => {
    // An advancedFollowup action's details are its follow-up settings (scenario, sequence, and
    // the followupSettings the follow-up endpoint sets).
    const followup = a.type === "advancedFollowup" ? a.details : null;
    return h("li", {}, h("strong", {}, a.name || a.actionName || a.id), ` (${a.actionType || a.type || "action"})`,
      followup ? h("details", { open: true, class: "followup" }, h("summary", {}, "Follow-up settings"), h("pre", {}, pretty(followup))) : null);
  }));
}

function agentCards(agents, nameKey, kind) {
  if (!agents.length) return [h("p", { class: "empty" }, `No ${kind} agents in this location.`)];
  return agents.map((a) => h("article", { class: "agent", "data-agent-id": a.id },
    h("h4", {}, a[nameKey] || "(unnamed)"),
    h("p", { class: "meta mono" }, a.id),
    actionList(a.actions),
    h("details", {}, h("summary", {}, "Agent as stored"), h("pre", {}, pretty(a)))));
}

/** The state view: locations, the location's agents and the first call-log page, fetched at once. */
async function loadState() {
  const started = performance.now();
  const loc = $("state-location").value; // empty on the first load: the default location
  const [overview, s, logs] = await Promise.all([
    api("/__mock/ui/api/overview"),
    api("/__mock/ui/api/state?locationId=" + encodeURIComponent(loc)),
    fetchCallLogs(1, loc),
  ]);
  await loadLocations(overview);
  stateData = s;
  $("state-summary").textContent = `${s.voiceAgentCount} Voice AI agents · ${s.conversationAgentCount} Conversation AI agents · ${s.generationCount} generations · ${s.callLogCount.toLocaleString()} call logs`;
  $("voice-agents").replaceChildren(...agentCards(s.voiceAgents, "agentName", "Voice AI"));
  $("conversation-agents").replaceChildren(...agentCards(s.conversationAgents, "name", "Conversation AI"));
  $("generations").replaceChildren(...(s.generations.length
    ? s.generations.map((g) => h("details", { class: "agent" }, h("summary", {}, `${g.messageId} (${g.source})`), h("pre", {}, pretty(g.details))))
    : [h("p", { class: "empty" }, "No generations registered.")]));
  performance.mark("state-agents-shown");
  const agentSelect = $("cl-agent");
  const chosen = agentSelect.value;
  agentSelect.replaceChildren(h("option", { value: "" }, "Any"),
    ...s.voiceAgents.map((a) => h("option", { value: a.id, selected: a.id === chosen }, a.agentName || a.id)));
  renderCallLogs(logs, started);
  if (!performance.getEntriesByName("state-ready").length) performance.mark("state-ready");
}

function epochOf(input) {
  return input.value ? String(new Date(input.value).getTime()) : "";
}

/** One page of call logs; the time from request to rendered rows is kept for measurement. */
async function loadCallLogs(page) {
  const started = performance.now();
  renderCallLogs(await fetchCallLogs(page, $("state-location").value), started);
}

/** One page of call logs with the form's filters (the store's indexed query, one page only). */
function fetchCallLogs(page, loc) {
  const params = new URLSearchParams({ page: String(page), pageSize: $("cl-size").value });
  if (loc) params.set("locationId", loc);
  const add = (key, value) => { if (value) params.set(key, value); };
  add("agentId", $("cl-agent").value);
  add("contactId", $("cl-contact").value.trim());
  add("callType", $("cl-type").value);
  add("actionType", $("cl-action").value.trim());
  add("startDate", epochOf($("cl-start")));
  add("endDate", epochOf($("cl-end")));
  if ($("cl-sort-by").value) { params.set("sortBy", $("cl-sort-by").value); params.set("sort", $("cl-sort").value); }
  return api("/__mock/ui/api/call-logs?" + params);
}

/** Renders a page of call logs; the time since `started` (fetch and render) is kept on the table. */
function renderCallLogs(data, started) {
  callLogPage = data.page;
  callLogPages = Math.max(1, Math.ceil(data.total / data.pageSize));
  const names = new Map((stateData ? stateData.voiceAgents : []).map((a) => [a.id, a.agentName]));
  const rows = data.callLogs.map((c) => h("tr", {},
    h("td", { class: "mono" }, dateTimeOf(c.createdAt)),
    h("td", { class: "mono" }, c.id),
    h("td", {}, names.get(c.agentId) || c.agentId),
    h("td", { class: "mono" }, c.contactId || "—"),
    h("td", {}, `${c.duration} s`),
    h("td", {}, c.trialCall ? "TRIAL" : "LIVE"),
    h("td", {}, (c.executedCallActions || []).map((a) => a.actionType).join(", ") || "—")));
  $("call-log-rows").replaceChildren(...rows);
  if (!rows.length) $("call-log-rows").append(h("tr", {}, h("td", { colspan: 7, class: "empty" }, "No call logs match.")));
  $("cl-page").textContent = `Page ${callLogPage.toLocaleString()} of ${callLogPages.toLocaleString()} (${data.total.toLocaleString()} call logs)`;
  $("cl-prev").disabled = callLogPage <= 1;
  $("cl-next").disabled = callLogPage >= callLogPages;
  const ms = performance.now() - started;
  $("call-log-table").dataset.renderMs = ms.toFixed(1);
  $("call-log-table").dataset.page = String(callLogPage);
}

// ---- webhooks -----------------------------------------------------------------------------

async function loadWebhooks() {
  const subs = await api("/__mock/webhooks/subscriptions");
  $("subscriptions").replaceChildren(...(subs.subscriptions.length ? subs.subscriptions.map((s) => h("li", {},
    h("span", { class: "mono" }, s.id), h("span", { class: "mono" }, s.url), h("span", {}, (s.events || []).join(", ")),
    h("button", { type: "button", "aria-label": `Unsubscribe ${s.url}`, onclick: () => api("/__mock/webhooks/subscriptions/" + encodeURIComponent(s.id), { method: "DELETE" }).then(loadWebhooks).catch(failed) }, "Unsubscribe")))
    : [h("li", { class: "empty" }, "No subscriptions.")]));
  const data = await api("/__mock/ui/api/deliveries");
  const list = data.deliveries.map((d) => {
    const state = d.cancelled ? "cancelled" : d.delivered ? "delivered" : d.finished ? "failed" : "in flight";
    const label = { valid: "signature valid", invalid: "signature INVALID", unknown: "signature not kept" }[d.signature];
    return h("article", { class: "delivery", "data-webhook-id": d.webhookId },
      h("h4", {}, h("span", {}, d.type), h("span", { class: "mono" }, d.webhookId),
        h("span", { class: "badge " + (d.delivered ? "s2" : d.finished ? "s5" : "s3") }, state),
        h("span", { class: "badge " + d.signature, "data-signature": d.signature }, label)),
      h("p", { class: "meta mono" }, `→ ${d.url} (subscription ${d.subscriptionId})`),
      h("table", { class: "rows" }, h("caption", { class: "sr-only" }, "Attempts"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Attempt"), h("th", { scope: "col" }, "At"), h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Error"), h("th", { scope: "col" }, "Latency"))),
        h("tbody", {}, d.attempts.length ? d.attempts.map((a) => h("tr", {},
          h("td", {}, a.attempt), h("td", { class: "mono" }, dateTimeOf(a.at)),
          h("td", {}, a.status === null ? "—" : statusBadge(a.status)), h("td", {}, a.error || "—"),
          h("td", { class: "mono" }, a.latencyMs.toFixed(1) + " ms")))
          : h("tr", {}, h("td", { colspan: 5, class: "empty" }, "No attempt yet.")))),
      d.event ? h("details", {}, h("summary", {}, "Event as sent"), h("pre", {}, pretty(d.event)),
        h("p", { class: "meta mono" }, "x-ghl-signature: " + d.signatureHeader)) : null);
  });
  $("deliveries").replaceChildren(...(list.length ? list : [h("p", { class: "empty" }, "No deliveries yet. Subscribe a receiver and simulate a call.")]));
  if (data.total > data.deliveries.length) $("deliveries").append(h("p", { class: "meta" }, `Showing the newest ${data.deliveries.length} of ${data.total}.`));
}

// ---- controls -----------------------------------------------------------------------------

async function loadControls() {
  await loadLocations();
  await loadCallAgents();
  const faults = await api("/__mock/faults");
  $("faults").replaceChildren(...(faults.faults.length ? faults.faults.map((f) => {
    const { id, ...rule } = f;
    const shown = Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== null));
    return h("li", {}, h("span", { class: "mono" }, id), h("code", {}, JSON.stringify(shown)),
      h("button", { type: "button", "aria-label": `Remove fault rule ${id}`, onclick: () => api("/__mock/faults/" + encodeURIComponent(id), { method: "DELETE" }).then(() => { notice(`Removed ${id}.`); return loadControls(); }).catch(failed) }, "Remove"));
  }) : [h("li", { class: "empty" }, "No fault rules.")]));
  const rate = await api("/__mock/rate-limit");
  $("rate-enabled").checked = rate.enabled;
  $("rate-detail").textContent = rate.enabled ? `${rate.max} requests per ${rate.intervalMs} ms, ${rate.daily} a day` : "Off: no request is limited.";
}

async function loadCallAgents() {
  const loc = $("call-location").value;
  const s = await api("/__mock/ui/api/state?locationId=" + encodeURIComponent(loc));
  $("call-agent").replaceChildren(...(s.voiceAgents.length
    ? s.voiceAgents.map((a) => h("option", { value: a.id }, `${a.agentName} (${a.id})`))
    : [h("option", { value: "" }, "No Voice AI agents here")]));
}

function faultRule() {
  const rule = {};
  const num = (id) => ($(id).value === "" ? undefined : Number($(id).value));
  if ($("fault-method").value) rule.method = $("fault-method").value;
  if ($("fault-path").value.trim()) rule.path = $("fault-path").value.trim();
  if (num("fault-status") !== undefined) rule.status = num("fault-status");
  if (num("fault-latency") !== undefined) rule.latencyMs = num("fault-latency");
  if (num("fault-probability") !== undefined) rule.probability = num("fault-probability");
  if (num("fault-times") !== undefined) rule.times = num("fault-times");
  if ($("fault-drop").checked) rule.drop = true;
  return rule;
}

async function downloadState() {
  const response = await fetch("/__mock/state", { headers: { Accept: "application/json", ...authHeaders() }, credentials: "omit" });
  if (response.status === 401) { await askForToken(); return downloadState(); }
  if (!response.ok) throw new Error("GET /__mock/state: " + response.status);
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: "highlevel-mock-state.json" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  notice("State document downloaded.");
}

// ---- wiring -------------------------------------------------------------------------------

function wire() {
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token-input").value);
    $("token-input").value = "";
    $("token-form").hidden = true;
    const waiters = tokenWaiters;
    tokenWaiters = [];
    for (const resolve of waiters) resolve();
    $("main").focus();
  });
  for (const id of ["f-api", "f-status"]) $(id).addEventListener("change", renderTraffic);
  for (const id of ["f-op", "f-text"]) $(id).addEventListener("input", renderTraffic);
  $("traffic-filters").addEventListener("submit", (event) => event.preventDefault());
  $("traffic-clear").addEventListener("click", () => { exchanges.length = 0; known.clear(); $("detail").hidden = true; renderTraffic(); });
  $("detail-close").addEventListener("click", closeDetail);
  $("detail").addEventListener("keydown", (event) => { if (event.key === "Escape") closeDetail(); });
  $("state-form").addEventListener("submit", (event) => { event.preventDefault(); loadState().catch(failed); });
  $("state-location").addEventListener("change", () => loadState().catch(failed));
  $("call-log-form").addEventListener("submit", (event) => { event.preventDefault(); loadCallLogs(1).catch(failed); });
  $("cl-prev").addEventListener("click", () => loadCallLogs(callLogPage - 1).catch(failed));
  $("cl-next").addEventListener("click", () => loadCallLogs(callLogPage + 1).catch(failed));
  $("deliveries-refresh").addEventListener("click", () => loadWebhooks().catch(failed));
  $("subscribe-form").addEventListener("submit", (event) => {
    event.preventDefault();
    api("/__mock/webhooks/subscriptions", { method: "POST", body: { url: $("sub-url").value } })
      .then(() => { $("sub-url").value = ""; notice("Subscribed."); return loadWebhooks(); }).catch(failed);
  });
  $("call-location").addEventListener("change", () => loadCallAgents().catch(failed));
  $("call-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { locationId: $("call-location").value, agentId: $("call-agent").value, wait: true };
    $("call-result").textContent = "Simulating…";
    api("/__mock/calls", { method: "POST", body }).then((r) => {
      const delivered = r.deliveries.filter((d) => d.delivered).length;
      $("call-result").textContent = `Call ${r.callLog.id} logged; webhook ${r.webhookId} went to ${r.subscribers} subscriber(s), ${delivered} delivered. See Webhooks.`;
    }).catch((error) => { $("call-result").textContent = ""; failed(error); });
  });
  $("fault-form").addEventListener("submit", (event) => {
    event.preventDefault();
    api("/__mock/faults", { method: "POST", body: faultRule() })
      .then((rule) => { notice(`Added ${rule.id}.`); $("fault-form").reset(); return loadControls(); }).catch(failed);
  });
  $("rate-enabled").addEventListener("change", (event) => {
    api("/__mock/rate-limit", { method: "PUT", body: { enabled: event.target.checked } })
      .then(() => { notice(event.target.checked ? "Rate limiting on." : "Rate limiting off."); return loadControls(); }).catch(failed);
  });
  $("download-state").addEventListener("click", () => downloadState().catch(failed));
  $("reset").addEventListener("click", () => {
    if (!confirm("Reset the mock: store, journal, tokens, fault rules, rate limit and subscriptions back to how it started?")) return;
    api("/__mock/reset", { method: "POST" }).then(() => { notice("The mock was reset."); return loadControls(); }).catch(failed);
  });
  $("forget-token").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); notice("Admin token forgotten for this tab."); });
  window.addEventListener("hashchange", showView);
}

wire();
showView();
connectStream();
