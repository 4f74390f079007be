// The API calls the page makes. The access token stays in sessionStorage (gone when the tab
// closes), never in localStorage.

import { language } from "./i18n.js";

const SESSION = "facilitator-session";
const base = document.querySelector('meta[name="api-base"]')?.content.replace(/\/$/, "") ?? "";
const MAX_PAGE = 100;

export class Offline extends Error {}

// The API said no: `status`, and the error envelope as `body` (message, errors by field).
export class Refused extends Error {
  constructor(status, body) {
    super(body?.message ?? String(status));
    this.status = status;
    this.body = body;
  }
}

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION));
  } catch {
    return null;
  }
}

export function endSession() {
  sessionStorage.removeItem(SESSION);
}

// → { body, etag, pagination }
async function call(method, path, { body, etag } = {}) {
  if (!navigator.onLine) {
    throw new Offline();
  }
  const headers = { Accept: "application/json", "Accept-Language": language() };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  const token = session()?.token;
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  if (etag) {
    headers["If-Match"] = etag;
  }
  let response;
  try {
    response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
    });
  } catch {
    throw new Offline();
  }
  const payload = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    throw new Refused(response.status, payload);
  }
  return {
    body: payload,
    etag: response.headers.get("ETag"),
    pagination: JSON.parse(response.headers.get("X-Pagination") ?? "{}"),
  };
}

async function everyPage(path) {
  const items = [];
  const joiner = path.includes("?") ? "&" : "?";
  for (let page = 1; ; page += 1) {
    const { body, pagination } = await call("GET", `${path}${joiner}page=${page}&page_size=${MAX_PAGE}`);
    items.push(...body);
    if (!pagination.total_pages || page >= pagination.total_pages) {
      return items;
    }
  }
}

export async function signIn(email, password) {
  const { body } = await call("POST", "/auth/login", { body: { email, password } });
  const started = { token: body.access_token, refresh: body.refresh_token, user: body.user };
  sessionStorage.setItem(SESSION, JSON.stringify(started));
  return started;
}

// Both tokens stop working on the server; the page forgets them either way.
export async function signOut(started = session()) {
  endSession();
  if (!started) {
    return;
  }
  try {
    await fetch(`${base}/api/v1/auth/logout`, {
      method: "POST",
      headers: { Authorization: `Bearer ${started.token}`, "Content-Type": "application/json" },
      body: JSON.stringify(started.refresh ? { refresh_token: started.refresh } : {}),
      credentials: "omit",
    });
  } catch {
    // Signed out on this page either way; the tokens expire on their own.
  }
}

export const facilitators = () => everyPage("/admin/users?role=facilitator&is_active=true");
export const offerings = (facilitatorId) =>
  everyPage(facilitatorId ? `/course-offerings?facilitator_id=${facilitatorId}` : "/course-offerings");
export const offering = async (id) => (await call("GET", `/course-offerings/${id}`)).body;
export const weeks = async (id) => (await call("GET", `/course-offerings/${id}/weeks`)).body;
export const roster = async (id, week) =>
  (await call("GET", `/course-offerings/${id}/roster?week_number=${week}`)).body;
export const atRisk = (id) => everyPage(`/course-offerings/${id}/at-risk`);

// A log and the ETag to change it with: { body, etag }.
export const log = (id) => call("GET", `/activity-logs/${id}`);
export const fileLog = (fields) => call("POST", "/activity-logs", { body: fields });
export const changeLog = (id, etag, fields) =>
  call("PATCH", `/activity-logs/${id}`, { body: fields, etag });

export const createFeed = async () => (await call("POST", "/me/calendar-feed")).body;
export const revokeFeed = () => call("DELETE", "/me/calendar-feed");
