// The dashboard's script: plain DOM, no framework. Every value from the API reaches the page
// through textContent or a whitelisted class name, never innerHTML, so data cannot become
// markup. The token lives in sessionStorage (this tab only) and goes out as a bearer header,
// the event stream included: see dashboard.rs for why.
"use strict";

const TOKEN_KEY = "flow.dashboard.token";
const PAGE_SIZE = 25;
const STATUSES = ["running", "waiting", "compensating", "paused", "manual", "completed", "failed", "cancelled"];
// Which operator instruction fits which status, as the engine checks it; the buttons that do
// not fit are disabled so that an operator is not offered a refusal.
const FITS = {
  pause: ["running", "waiting", "compensating"],
  resume: ["paused"],
  retry: ["manual"],
  skip: ["paused", "waiting", "manual"],
  cancel: ["running", "waiting", "paused", "manual"],
};
const PAST = { pause: "Paused", resume: "Resumed", retry: "Retried", skip: "Skipped", cancel: "Cancelled" };

const view = {
  token: sessionStorage.getItem(TOKEN_KEY),
  flows: [],
  diagramFlow: null, // { name, version }
  cursor: null, // the `after` of the page shown
  pageNumber: 1,
  nextCursor: null,
  detail: null, // the instance shown, as read
  pending: null, // the instruction waiting for confirmation
  stream: null, // the AbortController of the event stream
};

const byId = (id) => document.getElementById(id);

/// An element with text, never markup.
function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function statusClass(status) {
  return "status s-" + (STATUSES.includes(status) ? status : "unknown");
}

class Refusal extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

/// Calls the API with the token; a 401 asks for another token.
async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + view.token };
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.ok) return response;
  let detail = response.statusText;
  try {
    const refusal = await response.json();
    detail = refusal.detail || refusal.error || detail;
  } catch (_) {
    // Not a JSON refusal: the status text says enough.
  }
  if (response.status === 401) askForToken("The token was not accepted: " + detail);
  throw new Refusal(response.status, detail);
}

function notify(text, kind) {
  const notice = byId("notice");
  notice.textContent = text;
  notice.dataset.kind = kind || "info";
  notice.hidden = false;
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => { notice.hidden = true; }, kind === "error" ? 12000 : 5000);
}

// --- the token ----------------------------------------------------------------------------

function askForToken(problem) {
  stopStream();
  const dialog = byId("token-dialog");
  const problemLine = byId("token-problem");
  problemLine.textContent = problem || "";
  problemLine.hidden = !problem;
  if (!dialog.open) dialog.showModal();
  byId("token-input").focus();
}

async function useToken(event) {
  event.preventDefault();
  const candidate = byId("token-input").value.trim();
  if (!candidate) return;
  view.token = candidate;
  try {
    await api("GET", "/flows");
  } catch (refusal) {
    if (refusal.status !== 401) byId("token-problem").textContent = refusal.message;
    byId("token-problem").hidden = false;
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, candidate);
  byId("token-input").value = "";
  byId("token-dialog").close();
  start();
}

// --- flows and the diagram ---------------------------------------------------------------

async function loadFlows() {
  view.flows = await (await api("GET", "/flows")).json();
  const byName = new Map();
  for (const flow of view.flows) {
    if (!byName.has(flow.name)) byName.set(flow.name, []);
    byName.get(flow.name).push(flow);
  }
  const list = byId("flow-list");
  list.replaceChildren();
  const filter = byId("filter-flow");
  filter.replaceChildren(element("option", "all"));
  filter.firstChild.value = "";
  for (const [name, versions] of byName) {
    versions.sort((a, b) => a.version - b.version);
    const item = element("li");
    item.append(element("span", name, "flow-name"));
    const buttons = element("span", null, "versions");
    for (const flow of versions) {
      const button = element("button", "v" + flow.version, "version");
      button.type = "button";
      button.dataset.flow = flow.name;
      button.dataset.version = String(flow.version);
      button.title = flow.kind + " flow, " + flow.states.length + " states";
      button.addEventListener("click", () => showFlow(flow.name, flow.version, true).catch(showFailure));
      buttons.append(button);
    }
    item.append(buttons);
    list.append(item);
    const option = element("option", name);
    option.value = name;
    filter.append(option);
  }
  if (!view.diagramFlow && view.flows.length > 0) {
    const first = byName.values().next().value;
    const latest = first[first.length - 1];
    showFlow(latest.name, latest.version, false).catch(showFailure);
  }
}

async function showFlow(name, version, filterInstances) {
  view.diagramFlow = { name, version };
  for (const button of document.querySelectorAll("#flow-list button.version")) {
    const chosen = button.dataset.flow === name && button.dataset.version === String(version);
    button.classList.toggle("chosen", chosen);
    button.setAttribute("aria-pressed", chosen ? "true" : "false");
  }
  byId("diagram-title").textContent = name + " v" + version;
  if (filterInstances) {
    byId("filter-flow").value = name;
    byId("filter-version").value = String(version);
    firstPage();
  }
  await loadDiagram();
}

async function loadDiagram() {
  if (!view.diagramFlow) return;
  const { name, version } = view.diagramFlow;
  const path = "/flows/" + encodeURIComponent(name) + "/diagram.svg?version=" + version;
  const text = await (await api("GET", path)).text();
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = parsed.documentElement;
  if (svg.nodeName !== "svg" || parsed.getElementsByTagName("parsererror").length > 0) {
    byId("diagram").replaceChildren(element("p", "The diagram could not be read.", "empty"));
    return;
  }
  withoutActiveContent(svg);
  byId("diagram").replaceChildren(document.importNode(svg, true));
}

/// The server draws the SVG with every text escaped and no scripts; this is the second lock:
/// nothing in it may run or fetch once it is part of the page.
function withoutActiveContent(svg) {
  for (const node of svg.querySelectorAll("script, foreignObject, iframe, image, use")) node.remove();
  for (const node of [svg, ...svg.querySelectorAll("*")]) {
    for (const attribute of [...node.attributes]) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith("on") || name === "href" || name === "xlink:href") node.removeAttribute(attribute.name);
    }
  }
}

// --- instances ------------------------------------------------------------------------------

function firstPage() {
  view.cursor = null;
  view.pageNumber = 1;
  loadInstances().catch(showFailure);
}

async function loadInstances() {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  const status = byId("filter-status").value;
  const flow = byId("filter-flow").value;
  const version = byId("filter-version").value.trim();
  if (status) query.set("status", status);
  if (flow) query.set("flow", flow);
  if (/^[0-9]+$/.test(version)) query.set("version", version);
  if (view.cursor) query.set("after", view.cursor);
  const page = await (await api("GET", "/instances?" + query)).json();
  const rows = byId("instance-rows");
  rows.replaceChildren();
  for (const instance of page.instances) {
    const row = element("tr");
    row.dataset.id = instance.id;
    if (view.detail && view.detail.id === instance.id) row.classList.add("chosen");
    const idCell = element("td");
    const open = element("button", instance.id, "link mono");
    open.type = "button";
    open.title = "Open this instance";
    open.addEventListener("click", () => openInstance(instance.id).catch(showFailure));
    idCell.append(open);
    row.append(idCell, element("td", instance.flow + " v" + instance.version), element("td", instance.state));
    const statusCell = element("td");
    statusCell.append(element("span", instance.status, statusClass(instance.status)));
    row.append(statusCell);
    rows.append(row);
  }
  if (page.instances.length === 0) {
    const row = element("tr");
    const cell = element("td", "No instances match.", "empty");
    cell.colSpan = 4;
    row.append(cell);
    rows.append(row);
  }
  view.nextCursor = page.next || null;
  byId("page-next").disabled = !view.nextCursor;
  byId("page-first").disabled = view.pageNumber === 1;
  byId("page-info").textContent = "page " + view.pageNumber + (view.nextCursor ? "" : " (last)");
}

function nextPage() {
  if (!view.nextCursor) return;
  view.cursor = view.nextCursor;
  view.pageNumber += 1;
  loadInstances().catch(showFailure);
}

// --- one instance ------------------------------------------------------------------------

async function openInstance(id) {
  const instance = await (await api("GET", "/instances/" + encodeURIComponent(id))).json();
  view.detail = instance;
  for (const row of document.querySelectorAll("#instance-rows tr")) {
    row.classList.toggle("chosen", row.dataset.id === id);
  }
  byId("detail-id").textContent = instance.id;
  byId("detail-flow").textContent = instance.flow + " v" + instance.version;
  byId("detail-state").textContent = instance.state;
  const status = byId("detail-status");
  status.textContent = instance.status;
  status.className = statusClass(instance.status);
  byId("detail-step").textContent = instance.step + (instance.attempt > 1 ? " (attempt " + instance.attempt + ")" : "");
  const errorBox = byId("detail-error");
  errorBox.hidden = !instance.error;
  byId("detail-error-text").textContent = instance.error ? describeError(instance.error) : "";
  byId("detail-context").textContent = JSON.stringify(instance.context, null, 2);
  const journal = byId("detail-journal");
  journal.replaceChildren();
  for (const line of instance.journal) journal.append(journalItem(line));
  for (const button of document.querySelectorAll("#operator-actions button")) {
    button.disabled = !FITS[button.dataset.instruction].includes(instance.status);
  }
  byId("detail").hidden = false;
}

function describeError(error) {
  if (typeof error === "object" && error !== null && typeof error.message === "string") {
    const rest = Object.assign({}, error);
    delete rest.message;
    const more = Object.keys(rest).length > 0 ? "\n\n" + JSON.stringify(rest, null, 2) : "";
    return error.message + more;
  }
  return JSON.stringify(error, null, 2);
}

function journalItem(line) {
  const item = element("li", null, "kind-" + (/^[a-z]+$/.test(line.kind) ? line.kind : "other"));
  item.append(element("time", new Date(line.at_ms).toLocaleTimeString(), "when"));
  item.append(element("span", line.kind, "kind"));
  const moved = line.from === line.to ? line.from : line.from + " → " + line.to;
  item.append(element("span", moved, "move"));
  // An operator line names the instruction as its action and who gave it as its instruction.
  const operator = line.kind === "operator";
  const what = operator ? line.action : [line.action, line.instruction].filter((part) => part).join(" · ");
  const actor = operator ? line.instruction : line.actor;
  if (what) item.append(element("span", what, "what"));
  if (actor) item.append(element("span", "by " + actor, "actor"));
  if (line.attempt > 1) item.append(element("span", "attempt " + line.attempt, "attempt"));
  return item;
}

function closeInstance() {
  view.detail = null;
  byId("detail").hidden = true;
  for (const row of document.querySelectorAll("#instance-rows tr.chosen")) row.classList.remove("chosen");
}

// --- operator instructions, each confirmed --------------------------------------------------

function askToConfirm(instruction) {
  const instance = view.detail;
  if (!instance) return;
  view.pending = instruction;
  const verb = instruction.charAt(0).toUpperCase() + instruction.slice(1);
  byId("confirm-title").textContent = verb + " this instance?";
  byId("confirm-text").textContent =
    verb + " " + instance.flow + " v" + instance.version + " instance " + instance.id +
    ", now " + instance.status + " in " + instance.state + ". This is journaled under your token's name.";
  const skipping = instruction === "skip";
  byId("skip-label").hidden = !skipping;
  if (skipping) {
    const picker = byId("skip-state");
    picker.replaceChildren();
    const flow = view.flows.find((f) => f.name === instance.flow && f.version === instance.version);
    for (const state of flow ? flow.states : []) {
      if (state === instance.state) continue;
      const option = element("option", state);
      option.value = state;
      picker.append(option);
    }
  }
  byId("confirm-yes").textContent = verb;
  byId("confirm-yes").classList.toggle("danger", instruction === "cancel");
  byId("confirm-dialog").showModal();
}

async function confirmed(event) {
  event.preventDefault();
  const instruction = view.pending;
  const instance = view.detail;
  byId("confirm-dialog").close();
  view.pending = null;
  if (!instruction || !instance) return;
  const path = "/instances/" + encodeURIComponent(instance.id) + "/" + instruction;
  const body = instruction === "skip" ? { state: byId("skip-state").value } : undefined;
  try {
    const rest = await (await api("POST", path, body)).json();
    notify(PAST[instruction] + ": now " + rest.status + " in " + rest.state + ".", "ok");
  } catch (refusal) {
    showFailure(refusal);
  }
  await refresh(instance.id);
}

// --- live updates -------------------------------------------------------------------------

function stopStream() {
  if (view.stream) view.stream.abort();
  view.stream = null;
  setLive("off", "not connected");
}

function setLive(state, text) {
  const live = byId("live");
  live.dataset.state = state;
  live.textContent = text;
}

/// Follows /events with fetch (EventSource cannot send the bearer header), reconnecting with
/// a growing pause when the stream breaks.
async function follow(pause) {
  const controller = new AbortController();
  view.stream = controller;
  try {
    const response = await fetch("/events", {
      headers: { Authorization: "Bearer " + view.token, Accept: "text/event-stream" },
      signal: controller.signal,
      cache: "no-store",
    });
    if (response.status === 401) { askForToken("The token was not accepted."); return; }
    if (response.status === 404) { setLive("off", "no live updates (refreshing every 10 s)"); poll(); return; }
    if (!response.ok || !response.body) throw new Error("event stream: " + response.status);
    setLive("on", "live");
    pause = 1000;
    await readEvents(response.body, onEvent);
  } catch (error) {
    if (controller.signal.aborted) return;
  }
  if (view.stream !== controller) return;
  setLive("retry", "reconnecting…");
  setTimeout(() => { if (view.stream === controller) follow(Math.min(pause * 2, 15000)); }, pause);
  // What happened while the stream was down.
  refresh(view.detail && view.detail.id);
}

/// Server-sent events from a byte stream: `event:` and `data:` lines, a blank line ends one.
async function readEvents(body, handle) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length > 0) handle(name, data.join("\n"));
    }
  }
}

function onEvent(name, data) {
  let event;
  try { event = JSON.parse(data); } catch (_) { return; }
  const shown = view.detail && view.detail.id === event.instance;
  later("list", 400, () => loadInstances());
  if (shown) later("detail", 200, () => openInstance(event.instance));
  if (name === "lagged" || (view.diagramFlow && view.diagramFlow.name === event.flow)) {
    later("diagram", 1500, () => loadDiagram());
  }
}

/// Runs `work` once per `wait` at most, however many events ask for it meanwhile.
const scheduled = {};
function later(key, wait, work) {
  if (scheduled[key]) return;
  scheduled[key] = setTimeout(() => {
    scheduled[key] = null;
    work().catch(showFailure);
  }, wait);
}

function poll() {
  setTimeout(() => {
    if (!view.token) return;
    refresh(view.detail && view.detail.id).finally(poll);
  }, 10000);
}

async function refresh(detailId) {
  try {
    await loadInstances();
    if (detailId) await openInstance(detailId);
    await loadDiagram();
  } catch (failure) {
    showFailure(failure);
  }
}

function showFailure(failure) {
  if (failure instanceof Refusal && failure.status === 401) return;
  notify(failure instanceof Refusal ? failure.message : "The server cannot be reached: " + failure.message, "error");
}

// --- wiring -------------------------------------------------------------------------------

async function start() {
  stopStream();
  try {
    await loadFlows();
    await loadInstances();
  } catch (failure) {
    showFailure(failure);
    return;
  }
  follow(1000);
}

document.addEventListener("DOMContentLoaded", () => {
  byId("token-form").addEventListener("submit", useToken);
  // Without a token the page can show nothing: Escape does not close the question.
  byId("token-dialog").addEventListener("cancel", (event) => {
    if (!sessionStorage.getItem(TOKEN_KEY)) event.preventDefault();
  });
  byId("change-token").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    askForToken();
  });
  byId("filters").addEventListener("change", firstPage);
  byId("filters").addEventListener("submit", (event) => { event.preventDefault(); firstPage(); });
  byId("page-first").addEventListener("click", firstPage);
  byId("page-next").addEventListener("click", nextPage);
  byId("detail-close").addEventListener("click", closeInstance);
  for (const button of document.querySelectorAll("#operator-actions button")) {
    button.addEventListener("click", () => askToConfirm(button.dataset.instruction));
  }
  byId("confirm-form").addEventListener("submit", confirmed);
  byId("confirm-no").addEventListener("click", () => { view.pending = null; byId("confirm-dialog").close(); });
  if (view.token) start(); else askForToken();
});
