// Recordings on the web page: one camera's day as a timeline (recorded ranges, event
// markers, event thumbnails) and playback from any point. Chromium plays the recorded
// MP4 files natively: playback goes file by file from the time clicked, no MSE needed.
// app.js calls mountTimeline() once signed in, and eventLinks() for each listed event.

import { api, mediaUrl } from "./api.js";
import { $, el, toast } from "./ui.js";

const DAY = 86_400_000;
const THUMBS = 24; // event pictures shown under the bar
const SPANS = [["24 h", DAY], ["1 h", 3_600_000], ["10 min", 600_000], ["1 min", 60_000]];
let box = null;
let cameras = () => [];
let shown = null; // {name, day}
let data = null; // the shown day's timeline
let focus = null; // the time the bar zooms around
let queue = []; // recordings still to play after the current one

const enc = encodeURIComponent;
const hhmm = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const hm = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const localDay = (ms) => { const d = new Date(ms); d.setHours(0, 0, 0, 0); return d.getTime(); };
// Positions go through CSSOM: the page's CSP forbids style attributes.
const placed = (node, left, width) => { node.style.left = left; if (width) node.style.width = width; return node; };

// The ?token= a media URL of this camera carries (a short-lived media token), if any.
async function tokenQuery(name) {
  const url = new URL(await mediaUrl(name, "snapshot"), location.href);
  const token = url.searchParams.get("token");
  return token ? `?token=${enc(token)}` : "";
}

function fillCameras() {
  const select = $("#tl-camera");
  const names = cameras().filter((d) => d.capabilities.includes("stream") || d.capabilities.includes("snapshot")).map((d) => d.name);
  const keep = select.value;
  select.replaceChildren(...names.map((n) => el("option", { value: n }, n)));
  if (names.includes(keep)) select.value = keep;
  box.hidden = names.length === 0;
  return names;
}

export function mountTimeline(getCameras) {
  cameras = getCameras;
  if (!box) {
    document.head.append(el("link", { rel: "stylesheet", href: "/web/timeline.css" }));
    const date = el("input", { type: "date", id: "tl-date", onchange: () => date.value && show($("#tl-camera").value, localDay(new Date(`${date.value}T00:00`).getTime())) });
    const step = (days) => show($("#tl-camera").value, localDay((shown ? shown.day : Date.now()) + days * DAY + DAY / 2));
    box = el("section", { id: "timeline" },
      el("h2", {}, "Recordings"),
      el("div", { class: "tl-controls" },
        el("select", { id: "tl-camera", onfocus: fillCameras, onchange: (e) => show(e.target.value, shown ? shown.day : localDay(Date.now())) }),
        el("button", { onclick: () => step(-1), title: "previous day" }, "<"), date,
        el("button", { onclick: () => step(1), title: "next day" }, ">"),
        el("select", { id: "tl-span", title: "zoom", onchange: draw }, ...SPANS.map(([label, ms]) => el("option", { value: ms }, label))),
        el("span", { id: "tl-summary", class: "muted" })),
      el("div", { id: "tl-bar", class: "tl-bar", title: "click to play from there", onclick: barClick }),
      el("div", { id: "tl-hours", class: "tl-hours" }),
      el("video", { id: "tl-video", controls: true, muted: true, playsinline: true, hidden: true, onended: playNext }),
      el("div", { id: "tl-events", class: "tl-events" }));
    $("#devices-view").append(box);
    $("#tl-video").muted = true;
  }
  const names = fillCameras();
  if (names.length) show(names[0], localDay(Date.now()));
}

async function show(name, day) {
  if (!name) return;
  shown = { name, day };
  $("#tl-camera").value = name;
  const d = new Date(day);
  $("#tl-date").value = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  let got;
  try {
    got = await api(`/api/devices/${enc(name)}/timeline?since=${day}&until=${day + DAY - 1}`);
  } catch (err) {
    if (err.message !== "signed out") toast(`${name}: ${err.message}`, true);
    return;
  }
  if (!shown || shown.name !== name || shown.day !== day) return; // another day was asked meanwhile
  data = got;
  await draw();
}

// The part of the day the bar shows: all of it, or `span` around `focus`.
function windowOf(day) {
  const span = Number($("#tl-span").value) || DAY;
  if (span >= DAY) return [day, DAY];
  const center = focus !== null && focus >= day && focus < day + DAY ? focus : day + DAY / 2;
  return [Math.max(day, Math.min(day + DAY - span, center - span / 2)), span];
}

async function draw() {
  if (!shown || !data) return;
  const { name, day } = shown;
  const [from, span] = windowOf(day);
  const inside = (ms) => ms >= from && ms <= from + span;
  const pct = (ms) => `${Math.max(0, Math.min(100, ((ms - from) / span) * 100))}%`;
  const width = (a, b) => `${Math.max(0.15, ((Math.min(b, from + span) - Math.max(a, from)) / span) * 100)}%`;
  const ticks = [];
  for (let i = 0; i < 8; i += 1) ticks.push(from + (span / 8) * i);
  $("#tl-hours").replaceChildren(...ticks.map((t, i) => placed(el("span", {}, span >= 3_600_000 ? hm(t) : hhmm(t)), `${(i / 8) * 100}%`)));
  const q = await tokenQuery(name);
  $("#tl-bar").replaceChildren(
    ...data.ranges.filter((r) => r.end >= from && r.start <= from + span).map((r) => placed(el("div", { class: "tl-range", title: `${hhmm(r.start)} - ${hhmm(r.end)}` }), pct(r.start), width(r.start, r.end))),
    ...data.events.filter((e) => inside(e.timestamp)).map((e) => placed(el("button", {
      class: `tl-mark${e.clip ? "" : " none"}`, "data-event": e.id,
      title: `${hhmm(e.timestamp)} ${e.type}${e.clip ? "" : " (no clip)"}`, onclick: (ev) => { ev.stopPropagation(); playEvent(name, e.id); },
    }), pct(e.timestamp))));
  const withPictures = data.events.filter((e) => e.snapshot).slice(-THUMBS).reverse();
  $("#tl-events").replaceChildren(...withPictures.map((e) => el("figure", { "data-event": e.id, onclick: () => playEvent(name, e.id) },
    el("img", { src: `${e.snapshot}${q}`, loading: "lazy", alt: `${e.type} at ${hhmm(e.timestamp)}` }),
    el("figcaption", {}, `${hhmm(e.timestamp)} ${e.type}`))));
  const hours = data.ranges.reduce((s, r) => s + (r.end - r.start), 0) / 3_600_000;
  $("#tl-summary").textContent = `${hours.toFixed(1)} h recorded, ${data.events.length} events`;
}

function barClick(e) {
  if (!shown) return;
  const rect = $("#tl-bar").getBoundingClientRect();
  const [from, span] = windowOf(shown.day);
  focus = from + span * ((e.clientX - rect.left) / rect.width);
  playFrom(shown.name, focus);
}

// Play the camera's recordings from time `t` on, one file after the other.
async function playFrom(name, t) {
  const found = await api(`/api/recordings?device=${enc(name)}&since=${Math.floor(t)}&order=asc&limit=50`).catch(() => null);
  const recs = found ? found.recordings.filter((r) => r.end > t) : [];
  if (!recs.length) { toast("Nothing recorded from there on"); return; }
  queue = recs.slice(1);
  await play(name, recs[0].url, Math.max(0, t - recs[0].start) / 1000, recs[0].id);
}

async function play(name, url, offset, id) {
  const video = $("#tl-video");
  video.hidden = false;
  video.dataset.recording = id || "";
  video.src = `${url}${await tokenQuery(name)}`;
  video.addEventListener("loadedmetadata", () => {
    if (offset > 0 && offset < video.duration) video.currentTime = offset;
    video.play().catch(() => {});
  }, { once: true });
}

async function playNext() {
  if (!queue.length || !shown) return;
  const next = queue.shift();
  await play(shown.name, next.url, 0, next.id);
}

// An event's clip: 202 while its post-roll is still being recorded, 404 when none.
async function playEvent(name, id) {
  queue = [];
  const known = data && shown && shown.name === name ? data.events.find((e) => e.id === id) : null;
  if (known) focus = known.timestamp;
  const url = `/api/events/${id}/clip`;
  const resp = await fetch(`${url}${await tokenQuery(name)}`, { headers: { Range: "bytes=0-0" }, credentials: "same-origin" });
  if (resp.status === 202) {
    const body = await resp.json().catch(() => ({}));
    toast(`The clip is still being recorded; ready in about ${body.retryAfter || resp.headers.get("Retry-After") || "a few"} s`);
    return;
  }
  if (!resp.ok) { toast("No clip for this event"); return; }
  await play(name, url, 0, null);
  box.scrollIntoView({ behavior: "smooth", block: "start" });
}

// Links for one entry of the live event list: its clip, shown in the timeline.
export function eventLinks(ev) {
  if (!ev || !ev.id || !ev.device || ev.type === "other") return [];
  return [" ", el("button", { class: "link", title: "play the clip", onclick: () => {
    if (box && cameras().some((d) => d.name === ev.device)) show(ev.device, localDay(ev.timestamp || Date.now()));
    playEvent(ev.device, ev.id);
  } }, "clip")];
}
