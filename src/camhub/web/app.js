// camhub web page: plain JS, no build step.
// Auth: the token from POST /api/auth lives in sessionStorage and is sent as a Bearer
// token (media URLs carry a media token instead, see mediaToken). Without it, the page
// falls back to the session cookie, sending the stored csrfToken on state-changing
// requests.
"use strict";

const $ = (sel) => document.querySelector(sel);
const store = window.sessionStorage;
let ws = null;
let gridOn = false;
const tiles = new Map(); // device name -> {img, url}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

async function api(path, options = {}, retried = false) {
  const headers = { ...(options.headers || {}) };
  const token = store.getItem("token");
  if (token) headers.Authorization = `Bearer ${token}`;
  const csrf = store.getItem("csrfToken");
  if (csrf && options.method && options.method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(options.json);
  }
  const resp = await fetch(path, { ...options, headers, credentials: "same-origin" });
  if (resp.status === 401) { showLogin(); throw new Error("signed out"); }
  const type = resp.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await resp.json() : null;
  if (resp.status === 403 && !retried && !token && body && body.error === "Invalid CSRF token") {
    // A tab signed in by cookie only (opened after sign-in): fetch a CSRF token, retry.
    const fresh = await api("/api/auth/csrf", {}, true);
    store.setItem("csrfToken", fresh.csrfToken);
    return api(path, options, true);
  }
  if (!resp.ok) throw new Error((body && body.error) || `HTTP ${resp.status}`);
  return body;
}

// Media URLs (<img src>, players) carry a media token, never the session token: it is
// short-lived, view-only and opens media URLs only, so a copied or logged URL is not a
// sign-in. One token serves every camera; a new one is fetched shortly before it
// expires, or when the session changes.
let mediaGrant = null; // {session, promise, expires}

async function mediaToken() {
  const session = store.getItem("token");
  const g = mediaGrant;
  if (g && g.session === session && g.expires - Date.now() > 60000) return (await g.promise).token;
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

async function withMediaToken(path, params = {}) {
  const q = new URLSearchParams(params);
  q.set("token", await mediaToken());
  return `${path}?${q}`;
}

function mediaUrl(name, what, params = {}) {
  return withMediaToken(`/api/devices/${encodeURIComponent(name)}/${what}`, params);
}

// ---- login ---------------------------------------------------------------------------
function showLogin() {
  closeSocket();
  for (const id of ["#nav", "#devices-view", "#grid-view", "#events-box"]) $(id).hidden = true;
  $("#login").hidden = false;
}

$("#login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  $("#login-error").textContent = "";
  const resp = await fetch("/api/auth", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: form.get("username"), password: form.get("password") }),
  });
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok || !body.success) {
    $("#login-error").textContent = body.lockout
      ? `Too many attempts; try again in ${body.lockoutRemaining} s`
      : body.error || "Sign-in failed";
    return;
  }
  store.setItem("token", body.token);
  store.setItem("csrfToken", body.csrfToken);
  start();
});

$("#logout").addEventListener("click", async () => {
  try { await api("/api/auth/logout", { method: "POST" }); } catch (_) { /* already out */ }
  store.clear();
  showLogin();
});

// ---- devices -------------------------------------------------------------------------
function action(name, path, json) {
  return api(`/api/devices/${encodeURIComponent(name)}/${path}`, { method: "POST", json })
    .catch((err) => alert(`${name}: ${err.message}`));
}

function card(dev) {
  const caps = new Set(dev.capabilities);
  const rows = [];
  if (caps.has("power")) {
    rows.push(el("button", { onclick: () => action(dev.name, "power", { on: "toggle" }) }, "Power"));
  }
  if (caps.has("brightness")) {
    const slider = el("input", { type: "range", min: "1", max: "100", value: "100", "aria-label": "brightness" });
    slider.addEventListener("change", () => action(dev.name, "brightness", { level: Number(slider.value) }));
    rows.push(slider);
  }
  const view = el("img", { alt: "", hidden: "" });
  if (caps.has("snapshot") || caps.has("stream")) {
    rows.push(el("button", { onclick: () => {
      view.hidden = false;
      mediaUrl(dev.name, "snapshot", { resolution: "320", t: Date.now() })
        .then((url) => { view.src = url; }, () => {});
    } }, "Snapshot"));
  }
  if (caps.has("stream")) {
    rows.push(el("button", { class: "live-btn", onclick: () => openLive(dev.name) }, "Live"));
  }
  let ptz = "";
  if (caps.has("ptz")) {
    const step = (d) => () => action(dev.name, "ptz", { action: "step", direction: d });
    ptz = el("div", { class: "ptz" },
      el("span"), el("button", { onclick: step("up"), "aria-label": "up" }, "▲"), el("span"),
      el("button", { onclick: step("left"), "aria-label": "left" }, "◀"),
      el("button", { onclick: () => action(dev.name, "ptz", { action: "home" }), "aria-label": "home" }, "●"),
      el("button", { onclick: step("right"), "aria-label": "right" }, "▶"),
      el("span"), el("button", { onclick: step("down"), "aria-label": "down" }, "▼"), el("span"));
  }
  return el("div", { class: "card", "data-device": dev.name },
    el("h3", {}, dev.name, el("span", { class: dev.online ? "muted" : "off" }, dev.online ? dev.kind : "offline")),
    el("div", { class: "muted" }, [dev.model, ...dev.capabilities].filter(Boolean).join(" · ")),
    el("div", { class: "row" }, ...rows), ptz, view);
}

let devices = [];
async function loadDevices() {
  devices = (await api("/api/devices")).devices;
  $("#devices").replaceChildren(...devices.map(card));
  if (gridOn) buildGrid();
}

function openLive(name) {
  $("#live").hidden = false;
  $("#live-name").textContent = name;
  mediaUrl(name, "stream.mjpeg").then((url) => { $("#live-img").src = url; }, () => {});
}

$("#live-close").addEventListener("click", () => {
  $("#live-img").removeAttribute("src"); // closes the HTTP stream
  $("#live").hidden = true;
});

// ---- WebSocket: events and the live grid ---------------------------------------------
function closeSocket() {
  if (ws) { ws.onclose = null; ws.close(); ws = null; }
}

function openSocket() {
  closeSocket();
  const q = store.getItem("token") ? `?token=${encodeURIComponent(store.getItem("token"))}` : "";
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/ws${q}`);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => { $("#ws-status").textContent = "live"; if (gridOn) subscribeGrid(); };
  ws.onclose = () => { $("#ws-status").textContent = "reconnecting"; setTimeout(openSocket, 2000); };
  ws.onmessage = (msg) => (typeof msg.data === "string" ? onJson(JSON.parse(msg.data)) : onFrame(msg.data));
}

function onJson(msg) {
  if (msg.type === "event") addEvent(msg.event);
  else if (msg.type === "auth_required") showLogin();
}

function addEvent(ev) {
  const when = new Date(ev.timestamp || Date.now()).toLocaleTimeString();
  const li = el("li", {}, `${when} ${ev.device || ev.device_name || ""} ${ev.type}`);
  if (ev.data && ev.data.snapshot) {
    const link = el("a", { target: "_blank" }, "snapshot");
    const refresh = () => withMediaToken(`/api/snapshots/${encodeURIComponent(ev.data.snapshot)}`)
      .then((url) => link.setAttribute("href", url), () => {});
    refresh();
    link.addEventListener("pointerenter", refresh); // media tokens expire: renew before a click
    link.addEventListener("focus", refresh);
    li.append(" ", link);
  }
  const list = $("#events");
  list.prepend(li);
  while (list.children.length > 100) list.lastChild.remove();
}

function onFrame(buf) {
  const n = new DataView(buf).getUint16(0);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 2, n)));
  const tile = tiles.get(header.device);
  if (!tile) return;
  const url = URL.createObjectURL(new Blob([new Uint8Array(buf, 2 + n)], { type: "image/jpeg" }));
  tile.img.onload = () => URL.revokeObjectURL(url);
  tile.img.src = url;
  tile.frames += 1;
}

function buildGrid() {
  tiles.clear();
  const cams = devices.filter((d) => d.capabilities.includes("stream"));
  $("#grid").replaceChildren(...cams.map((d) => {
    const img = el("img", { alt: d.name });
    tiles.set(d.name, { img, frames: 0 });
    return el("div", { class: "tile", "data-device": d.name }, img, el("span", {}, d.name));
  }));
  subscribeGrid();
}

function subscribeGrid() {
  if (!ws || ws.readyState !== WebSocket.OPEN) return;
  for (const name of tiles.keys()) ws.send(JSON.stringify({ type: "subscribe", device: name, resolution: "480", fps: 10 }));
}

function unsubscribeGrid() {
  if (ws && ws.readyState === WebSocket.OPEN) {
    for (const name of tiles.keys()) ws.send(JSON.stringify({ type: "unsubscribe", device: name }));
  }
}

for (const btn of document.querySelectorAll("nav [data-view]")) {
  btn.addEventListener("click", () => {
    for (const b of document.querySelectorAll("nav [data-view]")) b.classList.toggle("active", b === btn);
    gridOn = btn.dataset.view === "grid";
    $("#devices-view").hidden = gridOn;
    $("#grid-view").hidden = !gridOn;
    if (gridOn) buildGrid(); else unsubscribeGrid();
  });
}

// ---- start ---------------------------------------------------------------------------
async function start() {
  try {
    const status = await api("/api/auth/status");
    if (!status.authenticated) { showLogin(); return; }
    $("#who").textContent = status.username ? `${status.username} (${status.role})` : "";
  } catch (_) { return; } // showLogin() already ran on 401
  $("#login").hidden = true;
  for (const id of ["#nav", "#devices-view", "#events-box"]) $(id).hidden = false;
  await loadDevices();
  openSocket();
}

start();
