// camhub web page: ES modules, no build step. Every device is drawn from the capability
// specs (GET /api/capabilities): one control per capability, kept live by the
// WebSocket's `device` messages.

import { api, device, forget, mediaUrl, remember, signedOutHandler, socketUrl, withMediaToken } from "./api.js";
import { render } from "./controls.js";
import { $, el, toast } from "./ui.js";
import { mseAvailable, playMse } from "./video.js";
import { eventLinks, mountTimeline } from "./timeline.js";

let ws = null;
let gridOn = false;
let specs = new Map(); // capability -> spec
let who = { role: "guest" };
const devices = new Map(); // name -> device (with state)
const tiles = new Map(); // device name -> {img, frames}
const players = new Map(); // grid device -> MSE handle
let live = null; // the live view's MSE handle

// ---- sign-in ---------------------------------------------------------------------------
function showLogin() {
  closeSocket();
  for (const id of ["#nav", "#devices-view", "#grid-view", "#events-box"]) $(id).hidden = true;
  $("#login").hidden = false;
}
signedOutHandler(showLogin);

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
  remember(body);
  start();
});

$("#logout").addEventListener("click", async () => {
  try { await api("/api/auth/logout", { method: "POST" }); } catch (_) { /* already out */ }
  forget();
  showLogin();
});

// ---- devices ---------------------------------------------------------------------------
async function act(name, path, json, method = "POST") {
  try {
    await api(device(name, path), { method, json });
  } catch (err) {
    if (err.message !== "signed out") toast(`${name}: ${err.message}`, true);
  }
}

function controls(dev) {
  const state = dev.state || {};
  const out = [];
  // The specs' own order (power before brightness...), pictures first.
  const order = [...specs.keys()];
  const caps = [...dev.capabilities].sort((a, b) => {
    const rank = (c) => (specs.get(c) && specs.get(c).control === "video" ? -1 : order.indexOf(c));
    return rank(a) - rank(b);
  });
  for (const cap of caps) {
    const spec = specs.get(cap);
    if (!spec) continue;
    const node = render(spec.control, dev, spec, state[cap], (path, json, method) => act(dev.name, path, json, method),
      { admin: who.role === "admin", openLive });
    if (node) { node.dataset.cap = cap; out.push(node); }
  }
  return out;
}

function card(dev) {
  const status = dev.online ? (dev.model || dev.kind) : "offline";
  return el("div", { class: "card", "data-device": dev.name, id: dev.name },
    el("h3", {}, el("span", {}, dev.name), el("span", { class: dev.online ? "muted" : "off" }, status)),
    dev.parent ? el("div", { class: "muted" }, `on ${dev.parent}`) : null,
    el("div", { class: "controls" }, ...controls(dev)));
}

// Redraw one card from new state, unless the user is using one of its inputs.
function update(dev) {
  devices.set(dev.name, dev);
  const old = document.querySelector(`.card[data-device="${CSS.escape(dev.name)}"]`);
  if (!old) { $("#devices").append(card(dev)); return; }
  if (old.contains(document.activeElement) && document.activeElement.matches("input[type=range], input[type=text], input:not([type]), select, input[type=number]")) return;
  const open = [...old.querySelectorAll("details[open]")].map((d) => d.parentElement.dataset.cap);
  const fresh = card(dev);
  old.replaceWith(fresh);
  for (const cap of open) { const d = fresh.querySelector(`[data-cap="${cap}"] details, details[data-cap="${cap}"]`); if (d) d.open = true; }
}

async function loadDevices() {
  const list = (await api("/api/devices")).devices;
  const full = await Promise.all(list.map((d) => api(device(d.name))));
  devices.clear();
  for (const d of full) devices.set(d.name, d);
  $("#devices").replaceChildren(...full.map(card));
  if (gridOn) buildGrid();
}

// ---- live view -------------------------------------------------------------------------
async function openLive(name) {
  closeLive();
  $("#live").hidden = false;
  $("#live-name").textContent = name;
  const img = $("#live-img"), video = $("#live-video");
  const mjpeg = async () => { video.hidden = true; img.hidden = false; img.src = await mediaUrl(name, "stream.mjpeg"); };
  if (mseAvailable()) {
    img.hidden = true; video.hidden = false;
    live = playMse(video, name, mjpeg);
  } else {
    await mjpeg();
  }
}

function closeLive() {
  if (live) { live.close(); live = null; }
  $("#live-img").removeAttribute("src"); // closes the HTTP stream
  $("#live").hidden = true;
}
$("#live-close").addEventListener("click", closeLive);

// ---- WebSocket: events, device state, the MJPEG grid --------------------------------------
function closeSocket() {
  if (ws) { ws.onclose = null; ws.close(); ws = null; }
}

function openSocket() {
  closeSocket();
  ws = new WebSocket(socketUrl("/api/ws"));
  ws.binaryType = "arraybuffer";
  ws.onopen = () => { $("#ws-status").textContent = "live"; if (gridOn) subscribeGrid(); };
  ws.onclose = () => { $("#ws-status").textContent = "reconnecting"; setTimeout(openSocket, 2000); };
  ws.onmessage = (msg) => (typeof msg.data === "string" ? onJson(JSON.parse(msg.data)) : onFrame(msg.data));
}

function onJson(msg) {
  if (msg.type === "event") addEvent(msg.event);
  else if (msg.type === "device") update(msg.device);
  else if (msg.type === "devices") for (const d of msg.devices) if (d.state) update(d);
  else if (msg.type === "device_removed") {
    devices.delete(msg.device);
    const node = document.querySelector(`.card[data-device="${CSS.escape(msg.device)}"]`);
    if (node) node.remove();
  } else if (msg.type === "auth_required") showLogin();
}

async function addEvent(ev) {
  const when = new Date(ev.timestamp || Date.now()).toLocaleTimeString();
  const li = el("li", {}, `${when} ${ev.device || ""} ${ev.type}`, ...eventLinks(ev));
  const list = $("#events");
  list.prepend(li);
  while (list.children.length > 100) list.lastChild.remove();
  if (ev.data && ev.data.snapshot) {
    const href = await withMediaToken(`/api/snapshots/${encodeURIComponent(ev.data.snapshot)}`).catch(() => null);
    if (href) li.append(" ", el("a", { href, target: "_blank" }, "snapshot"));
  }
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
  stopGrid();
  const cams = [...devices.values()].filter((d) => d.capabilities.includes("stream"));
  $("#grid").replaceChildren(...cams.map((d) => {
    const img = el("img", { alt: d.name, hidden: true });
    const video = el("video", { muted: true, autoplay: true, playsinline: true, hidden: true });
    video.muted = true;
    const tile = el("div", { class: "tile", "data-device": d.name }, img, video, el("span", {}, d.name));
    const mjpeg = () => { video.hidden = true; img.hidden = false; tiles.set(d.name, { img, frames: 0 }); subscribeGrid(); };
    if (mseAvailable()) { video.hidden = false; players.set(d.name, playMse(video, d.name, mjpeg)); } else mjpeg();
    return tile;
  }));
}

function stopGrid() {
  if (ws && ws.readyState === WebSocket.OPEN) {
    for (const name of tiles.keys()) ws.send(JSON.stringify({ type: "unsubscribe", device: name }));
  }
  tiles.clear();
  for (const p of players.values()) p.close();
  players.clear();
}

function subscribeGrid() {
  if (!ws || ws.readyState !== WebSocket.OPEN) return;
  for (const name of tiles.keys()) ws.send(JSON.stringify({ type: "subscribe", device: name, resolution: "480", fps: 10 }));
}

for (const btn of document.querySelectorAll("nav [data-view]")) {
  btn.addEventListener("click", () => {
    for (const b of document.querySelectorAll("nav [data-view]")) b.classList.toggle("active", b === btn);
    gridOn = btn.dataset.view === "grid";
    $("#devices-view").hidden = gridOn;
    $("#grid-view").hidden = !gridOn;
    if (gridOn) buildGrid(); else stopGrid();
  });
}

// ---- start -----------------------------------------------------------------------------
async function start() {
  try {
    const status = await api("/api/auth/status");
    if (!status.authenticated) { showLogin(); return; }
    who = status;
    $("#who").textContent = status.username ? `${status.username} (${status.role})` : "";
    specs = new Map((await api("/api/capabilities")).capabilities.map((s) => [s.name, s]));
  } catch (_) { return; } // showLogin() already ran on 401
  $("#login").hidden = true;
  for (const id of ["#nav", "#devices-view", "#events-box"]) $(id).hidden = false;
  await loadDevices();
  mountTimeline(() => [...devices.values()]);
  openSocket();
}

start();
