// The compliance dashboard: sign in against the API, then the trimester's weekly logs as a
// facilitator × week heat map, each facilitator's load, the offerings that have no active
// facilitator, and the health of the background job queues.
import { chooseLanguage, load, t } from "./i18n.js";

const API = "/api/v1";
// Strongest first: a cell shows the worst outcome among its offerings.
const OUTCOMES = ["missing", "incomplete", "submitted_late", "submitted_on_time"];
const SYMBOLS = { submitted_on_time: "✓", submitted_late: "!", incomplete: "…", missing: "✕" };
const $ = (selector) => document.querySelector(selector);
let language = chooseLanguage();
let token = sessionStorage.getItem("dashboard.token");
let report = null;
let unstaffed = [];
let workload = [];
let queueHealth = null; // the queues endpoint's answer, or { error: message }
// What the status line says, kept as a text key and its values rather than as text, so a
// language switch redraws it; a value may be a function of the language (a formatted time).
let status = { key: "", values: {}, isError: false };

class SessionEnded extends Error {}

async function call(path, options = {}) {
  const headers = { "Accept-Language": language, ...(options.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(API + path, { ...options, headers });
  } catch {
    throw new Error(t("status.offline"));
  }
  if (response.status === 401 && token) throw new SessionEnded();
  const body = await response.json();
  if (!response.ok) throw new Error(body.message);
  return { body, pagination: JSON.parse(response.headers.get("X-Pagination") || "{}") };
}

// Every page of a paginated list: the first page's body (for what surrounds the items) and
// all the items.
async function everyPage(path, pageSize, itemsOf = (body) => body) {
  const items = [];
  let first = null;
  for (let page = 1; ; page += 1) {
    const joiner = path.includes("?") ? "&" : "?";
    const { body, pagination } = await call(`${path}${joiner}page=${page}&page_size=${pageSize}`);
    first ??= body;
    items.push(...itemsOf(body));
    if (!pagination.total_pages || page >= pagination.total_pages) return { first, items };
  }
}

function say(key, values = {}, isError = false) {
  status = { key, values, isError };
  showStatus();
}

function showStatus() {
  const values = Object.fromEntries(
    Object.entries(status.values).map(([name, value]) => [
      name,
      typeof value === "function" ? value() : value,
    ]),
  );
  const line = $("#status");
  line.textContent = status.key ? t(status.key, values) : "";
  line.classList.toggle("error", status.isError);
}

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

// --- signing in and out ----------------------------------------------------------------------

// One sign-in at a time: the button stays disabled until the server has answered.
async function signIn(event) {
  event.preventDefault();
  const button = $("#signin-form button[type=submit]");
  button.disabled = true;
  say("signin.sending");
  try {
    await startSession({ email: $("#email").value, password: $("#password").value });
  } catch (error) {
    $("#password").value = ""; // a refused password is typed again, not corrected
    say("signin.failed", { message: error.message }, true);
  } finally {
    button.disabled = false;
  }
}

async function startSession(credentials) {
  const { body } = await call("/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(credentials),
  });
  if (body.user.role !== "manager") {
    endSession(body.access_token);
    return say("signin.not_manager", {}, true);
  }
  token = body.access_token;
  sessionStorage.setItem("dashboard.token", token);
  sessionStorage.setItem("dashboard.name", `${body.user.first_name} ${body.user.last_name}`);
  $("#password").value = "";
  await showBoard();
}

// Ends the session on the server as well, so the token stops working. Best effort: offline,
// or already ended, there is nothing more to do.
function endSession(accessToken) {
  fetch(API + "/auth/logout", {
    method: "POST",
    headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json" },
    body: "{}",
  }).catch(() => {});
}

// `reason`: the status text key saying why, if the page ended the session itself.
function signOut(reason = "") {
  if (token) endSession(token);
  token = null;
  sessionStorage.removeItem("dashboard.token");
  sessionStorage.removeItem("dashboard.name");
  $("#board").hidden = true;
  $("#signin").hidden = false;
  say(reason, {}, Boolean(reason));
}

async function showBoard() {
  $("#signin").hidden = true;
  $("#board").hidden = false;
  $("#signed-in-as").textContent = t("signin.signed_in_as", {
    name: sessionStorage.getItem("dashboard.name") || "",
  });
  await refresh();
}

// --- data ------------------------------------------------------------------------------------

function period() {
  return { year: $("#year").value, trimester: $("#trimester").value };
}

async function refresh(event) {
  event?.preventDefault();
  const { year, trimester } = period();
  const query = `trimester=${trimester}&year=${year}`;
  say("status.loading");
  try {
    const compliance = await everyPage(`/activity-logs/compliance?${query}`, 1000, (b) => b.rows);
    const staffing = await everyPage(`/admin/unstaffed-offerings?${query}`, 100);
    const loads = await everyPage(`/admin/workload?${query}`, 100);
    report = { ...compliance.first, rows: compliance.items };
    unstaffed = staffing.items;
    workload = loads.items;
    queueHealth = await loadQueues();
    render();
    const loadedAt = new Date();
    say("status.loaded", { time: () => loadedAt.toLocaleTimeString(language) });
  } catch (error) {
    if (error instanceof SessionEnded) return signOut("status.session_ended");
    say("status.failed", { message: error.message }, true);
  }
}

// Apart from the rest: the board stays useful when Redis is down (the endpoint answers 503).
async function loadQueues() {
  try {
    return (await call("/admin/queues")).body;
  } catch (error) {
    if (error instanceof SessionEnded) throw error;
    return { error: error.message };
  }
}

async function requeueFailed() {
  try {
    const { body } = await call("/admin/queues/failed/requeue", { method: "POST" });
    queueHealth = await loadQueues();
    renderQueues();
    say("queues.requeued", { count: body.requeued });
  } catch (error) {
    if (error instanceof SessionEnded) return signOut("status.session_ended");
    say("status.failed", { message: error.message }, true);
  }
}

// --- drawing ---------------------------------------------------------------------------------

function render() {
  if (!report) return;
  renderLegend();
  renderTotals();
  renderHeatmap();
  renderWorkload();
  renderUnstaffed();
  renderQueues();
}

function renderLegend() {
  const legend = $("#legend");
  legend.setAttribute("aria-label", t("legend.label"));
  legend.replaceChildren(
    ...OUTCOMES.map((outcome) => {
      const item = element("li");
      item.append(
        element("span", { class: `swatch ${outcome}`, "aria-hidden": "true" }, SYMBOLS[outcome]),
        element("span", {}, t(`outcome.${outcome}`)),
      );
      return item;
    }),
  );
}

function renderTotals() {
  const overall = report.overall;
  $("#totals").textContent = t("totals", {
    due: overall.due,
    on_time: overall.submitted_on_time,
    late: overall.submitted_late,
    incomplete: overall.incomplete,
    missing: overall.missing,
  });
}

// facilitator id → { name, weeks: week → { outcome → count } }
function byFacilitator(rows) {
  const people = new Map();
  for (const row of rows) {
    if (row.facilitator_id === null) continue; // unstaffed: listed below instead
    if (!people.has(row.facilitator_id)) {
      people.set(row.facilitator_id, { name: row.facilitator_name, weeks: new Map() });
    }
    const weeks = people.get(row.facilitator_id).weeks;
    const counts = weeks.get(row.week_number) || {};
    counts[row.status] = (counts[row.status] || 0) + 1;
    weeks.set(row.week_number, counts);
  }
  return [...people.values()].sort((a, b) => a.name.localeCompare(b.name, language));
}

function renderHeatmap() {
  const people = byFacilitator(report.rows);
  const lastWeek = Math.max(0, ...report.rows.map((row) => row.week_number));
  $("#heatmap-caption").textContent = people.length
    ? t("heatmap.caption", { trimester: report.trimester, year: report.year })
    : t("heatmap.empty");
  const head = element("tr");
  head.append(element("th", { scope: "col" }, t("heatmap.facilitator")));
  for (let week = 1; week <= lastWeek; week += 1) {
    head.append(element("th", { scope: "col", title: t("heatmap.week", { week }) }, String(week)));
  }
  $("#heatmap thead").replaceChildren(people.length ? head : "");
  $("#heatmap tbody").replaceChildren(
    ...people.map((person) => {
      const line = element("tr");
      line.append(element("th", { scope: "row" }, person.name));
      for (let week = 1; week <= lastWeek; week += 1) {
        const cell = element("td");
        cell.append(heatCell(person.name, week, person.weeks.get(week)));
        line.append(cell);
      }
      return line;
    }),
  );
}

function heatCell(name, week, counts) {
  const worst = counts && OUTCOMES.find((outcome) => counts[outcome]);
  const described = counts
    ? OUTCOMES.filter((outcome) => counts[outcome])
        .map((outcome) => t("count", { label: t(`outcome.${outcome}`), count: counts[outcome] }))
        .join(", ")
    : t("heatmap.none");
  const label = t("heatmap.cell", { name, week, counts: described });
  const cell = element("button", {
    type: "button",
    class: `cell ${worst || "none"}`,
    "aria-label": label,
    title: label,
    "data-week": String(week),
    "data-outcome": worst || "none",
  }, worst ? SYMBOLS[worst] : "");
  const show = () => { $("#cell-detail").textContent = label; };
  cell.addEventListener("focus", show);
  cell.addEventListener("mouseenter", show);
  return cell;
}

// One row per active facilitator: their offerings against their maximum, what is left, and
// the trimester's students, logs and students at risk.
function renderWorkload() {
  $("#workload-caption").textContent = t("workload.caption", {
    trimester: report.trimester,
    year: report.year,
  });
  const rows = workload.map((person) => {
    const line = element("tr", { "data-facilitator": String(person.facilitator_id) });
    const full = person.room_left === 0;
    line.append(
      element("th", { scope: "row" }, person.facilitator_name),
      listCell("workload.offerings", t("workload.load", {
        count: person.offerings,
        maximum: person.max_offerings,
      })),
      listCell("workload.room_left", full ? t("workload.full") : String(person.room_left),
               full ? { class: "full" } : {}),
      listCell("workload.students", String(person.enrolled_students)),
      listCell("workload.due", String(person.due)),
      listCell("workload.missing", String(person.missing)),
      listCell("workload.late", String(person.late)),
      listCell("workload.at_risk", String(person.at_risk_students)),
    );
    return line;
  });
  $("#workload tbody").replaceChildren(...rows);
  $("#workload").hidden = rows.length === 0;
  $("#workload-none").hidden = rows.length > 0;
}

function renderUnstaffed() {
  const rows = unstaffed.map((offering) => {
    const line = element("tr");
    const reason = offering.facilitator_id === null ? "unstaffed.unassigned"
      : "unstaffed.deactivated";
    line.append(
      listCell("unstaffed.module", `${offering.module.code} ${offering.module.name}`),
      listCell("unstaffed.class", offering.class.name),
      listCell("unstaffed.intake", offering.intake),
      listCell("unstaffed.starts",
               new Date(`${offering.start_date}T00:00:00`).toLocaleDateString(language)),
      listCell("unstaffed.why", t(reason)),
    );
    return line;
  });
  $("#unstaffed tbody").replaceChildren(...rows);
  $("#unstaffed").hidden = rows.length === 0;
  $("#unstaffed-none").hidden = rows.length > 0;
}

// A cell of a list table that names its column too: on a narrow screen each row is drawn as
// a card of "column: value" lines (style.css), the column headings being out of sight.
function listCell(column, text, attributes = {}) {
  return element("td", { "data-label": t(column), ...attributes }, text);
}

function renderQueues() {
  const health = queueHealth || { queues: [], workers: [] };
  const rows = (health.queues || []).map((queue) => {
    const line = element("tr", { "data-queue": queue.name });
    line.append(element("th", { scope: "row" }, queue.name));
    for (const count of ["queued", "started", "failed", "scheduled"]) {
      line.append(listCell(`queues.${count}`, String(queue[count]), { "data-count": count }));
    }
    return line;
  });
  $("#queues tbody").replaceChildren(...rows);
  $("#workers").textContent = workersLine(health);
  const failed = (health.queues || []).some((queue) => queue.failed > 0);
  $("#requeue").hidden = !failed || health.embedded;
}

function workersLine(health) {
  if (health.error) return t("queues.unavailable", { message: health.error });
  if (health.embedded) return t("queues.embedded");
  const alive = health.workers.filter((worker) => worker.alive);
  if (!alive.length) return t("queues.no_workers");
  const latest = alive.map((worker) => new Date(worker.last_heartbeat)).sort((a, b) => b - a)[0];
  return t("queues.workers", {
    alive: alive.length,
    count: health.workers.length,
    time: latest.toLocaleTimeString(language),
  });
}

// --- start -----------------------------------------------------------------------------------

function presetPeriod() {
  const asked = new URLSearchParams(location.search);
  const today = new Date();
  $("#year").value = asked.get("year") || today.getFullYear();
  $("#trimester").value = asked.get("trimester") || String(Math.floor(today.getMonth() / 4) + 1);
}

async function switchLanguage() {
  language = language === "en" ? "fr" : "en";
  localStorage.setItem("dashboard.language", language);
  await load(language);
  showStatus();
  if (token && !$("#board").hidden) {
    $("#signed-in-as").textContent = t("signin.signed_in_as", {
      name: sessionStorage.getItem("dashboard.name") || "",
    });
    render();
  }
}

async function start() {
  // Listeners first: a form sent before they are attached would leave the page.
  $("#signin-form").addEventListener("submit", signIn);
  $("#period-form").addEventListener("submit", refresh);
  $("#signout").addEventListener("click", () => signOut());
  $("#language-switch").addEventListener("click", switchLanguage);
  $("#requeue").addEventListener("click", requeueFailed);
  presetPeriod();
  await load(language);
  document.body.dataset.ready = "true";
  if (token) await showBoard();
}

start();
