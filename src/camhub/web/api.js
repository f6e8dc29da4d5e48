// Talking to camhub: the REST API, media URLs (with short-lived media tokens), the
// WebSocket. The session token from POST /api/auth lives in sessionStorage and is sent
// as a Bearer token; a tab signed in by cookie only sends the CSRF token instead.

const store = window.sessionStorage;
const mediaTokens = new Map(); // device -> {token, expires (ms)}
let onSignedOut = () => {};

export function signedOutHandler(fn) { onSignedOut = fn; }
export function sessionToken() { return store.getItem("token"); }
export function forget() { store.clear(); mediaTokens.clear(); }

export function remember(body) {
  store.setItem("token", body.token);
  store.setItem("csrfToken", body.csrfToken);
}

export async function api(path, options = {}, retried = false) {
  const headers = { ...(options.headers || {}) };
  const token = sessionToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const csrf = store.getItem("csrfToken");
  const method = options.method || "GET";
  if (csrf && method !== "GET") headers["X-CSRF-Token"] = csrf;
  const init = { ...options, method, headers, credentials: "same-origin" };
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.json);
    delete init.json;
  }
  const resp = await fetch(path, init);
  if (resp.status === 401) { onSignedOut(); throw new Error("signed out"); }
  const type = resp.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await resp.json() : null;
  if (resp.status === 403 && !retried && !token && body && body.error === "Invalid CSRF token") {
    const fresh = await api("/api/auth/csrf", {}, true); // a cookie-only tab
    store.setItem("csrfToken", fresh.csrfToken);
    return api(path, options, true);
  }
  if (!resp.ok) {
    const detail = body && Array.isArray(body.errors) ? `: ${body.errors.join("; ")}` : "";
    throw new Error(`${(body && body.error) || `HTTP ${resp.status}`}${detail}`);
  }
  return body;
}

export const device = (name, path = "") =>
  `/api/devices/${encodeURIComponent(name)}${path ? `/${path}` : ""}`;

// A view-only token for one device's media, valid a few minutes: what <img src> and
// players carry, so a leaked URL is not the session.
async function mediaToken(name) {
  const known = mediaTokens.get(name);
  if (known && known.expires - Date.now() > 60_000) return known.token;
  try {
    const body = await api("/api/auth/media-token", { method: "POST", json: { device: name, ttl: 600 } });
    mediaTokens.set(name, { token: body.token, expires: body.expires });
    return body.token;
  } catch (err) {
    if (err.message === "signed out") throw err;
    return sessionToken(); // an older camhub without media tokens
  }
}

export async function mediaUrl(name, what, params = {}) {
  const q = new URLSearchParams(params);
  const token = await mediaToken(name);
  if (token) q.set("token", token);
  return `${device(name, what)}?${q}`;
}

export async function mediaSocketUrl(name, what) {
  const token = await mediaToken(name);
  const q = token ? `?token=${encodeURIComponent(token)}` : "";
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${device(name, what)}${q}`;
}

export function socketUrl(path) {
  const token = sessionToken();
  const q = token ? `?token=${encodeURIComponent(token)}` : "";
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}${q}`;
}
