// Talking to camhub: the REST API, media URLs (with short-lived media tokens), the
// WebSocket. The session token from POST /api/auth lives in sessionStorage and is sent
// as a Bearer token; a tab signed in by cookie only sends the CSRF token instead.

const store = window.sessionStorage;
let onSignedOut = () => {};

export function signedOutHandler(fn) { onSignedOut = fn; }
export function sessionToken() { return store.getItem("token"); }
export function forget() { store.clear(); mediaGrant = null; }

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

// Media URLs (<img src>, players, media sockets) carry a media token, never the session
// token: it is short-lived, view-only and opens media URLs only, so a copied or logged
// URL is not a sign-in. One token serves every camera; a new one is fetched a minute
// before it expires, and callers asking at the same time share one request.
let mediaGrant = null; // {session, promise, expires}

async function mediaToken() {
  const session = sessionToken();
  const g = mediaGrant;
  if (g && g.session === session && g.expires - Date.now() > 60_000) return (await g.promise).token;
  const promise = api("/api/auth/media-token", { method: "POST", json: { device: null, ttl: 600 } });
  const grant = { session, promise, expires: Infinity };
  mediaGrant = grant;
  try {
    grant.expires = (await promise).expires;
  } catch (err) {
    if (mediaGrant === grant) mediaGrant = null;
    throw err;
  }
  return (await promise).token;
}

export async function withMediaToken(path, params = {}) {
  const q = new URLSearchParams(params);
  q.set("token", await mediaToken());
  return `${path}?${q}`;
}

export const mediaUrl = (name, what, params = {}) => withMediaToken(device(name, what), params);

export async function mediaSocketUrl(name, what) {
  const url = await withMediaToken(device(name, what));
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${url}`;
}

export function socketUrl(path) {
  const token = sessionToken();
  const q = token ? `?token=${encodeURIComponent(token)}` : "";
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}${q}`;
}
