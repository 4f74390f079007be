// The few API calls the page makes. The access token stays in sessionStorage (gone when the
// tab closes), never in localStorage.

import { language } from "./i18n.js";

const SESSION = "reflection-session";
const base = document.querySelector('meta[name="api-base"]')?.content.replace(/\/$/, "") ?? "";

export class Offline extends Error {}

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

async function call(method, path, { body, token } = {}) {
  if (!navigator.onLine) {
    throw new Offline();
  }
  const headers = { Accept: "application/json", "Accept-Language": language() };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  if (token) {
    headers.Authorization = `Bearer ${token}`;
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
  const payload = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Refused(response.status, payload);
  }
  return payload;
}

export async function signIn(email, password) {
  const tokens = await call("POST", "/auth/login", { body: { email, password } });
  const started = { token: tokens.access_token, user: tokens.user };
  sessionStorage.setItem(SESSION, JSON.stringify(started));
  return started;
}

export function myEnrolments(token) {
  return call("GET", "/me/enrollments?page_size=100", { token });
}

// The student's own reflections: one per offering they have reviewed.
export function myReflections(token) {
  return call("GET", "/reflections?page_size=100", { token });
}

export function submitReflection(token, reflection) {
  return call("POST", "/reflections", { body: reflection, token });
}

export async function signOut(token) {
  endSession();
  try {
    await call("POST", "/auth/logout", { body: {}, token });
  } catch {
    // Signed out on this page either way; the token expires on its own.
  }
}
