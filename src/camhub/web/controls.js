// One renderer per capability control kind (the `control` of each spec in
// GET /api/capabilities). Each gets the device, the spec, the capability's typed state
// and `act(path, body, method)`; it returns the control's DOM. A test checks that every
// control kind the API declares has a renderer here.

import { api, device, mediaUrl } from "./api.js";
import { el, hexToHs, hsToHex, toast } from "./ui.js";

function row(label, ...children) {
  return el("div", { class: "ctl" }, el("span", { class: "lbl" }, label), ...children);
}

function actionPath(spec, name) {
  const a = spec.actions.find((x) => x.name === name);
  return a ? a.path : spec.name;
}

function toggle(label, on, change) {
  const box = el("input", { type: "checkbox", role: "switch", checked: on, "aria-label": label });
  box.addEventListener("change", () => change(box.checked));
  return el("label", { class: "switch" }, box, el("span", { class: "state" }, on ? "on" : "off"));
}

// A button that asks for a second click before it runs (destructive actions).
function confirmButton(label, run) {
  const btn = el("button", { class: "confirm" }, label);
  btn.addEventListener("click", () => {
    if (btn.dataset.armed) { delete btn.dataset.armed; btn.textContent = label; run(); return; }
    btn.dataset.armed = "1"; btn.textContent = `${label}? Click again`;
    setTimeout(() => { delete btn.dataset.armed; btn.textContent = label; }, 4000);
  });
  return btn;
}

const gigabytes = (n) => `${(n / 1e9).toFixed(1)} GB`;

// "1:05:00", "4:59": a countdown on a control
function duration(seconds) {
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), sec = seconds % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return `${h ? `${h}:` : ""}${mm}:${String(sec).padStart(2, "0")}`;
}

const renderers = {
  none: () => null,

  switch(dev, spec, state, act) {
    const on = Boolean(state && (state.on ?? state.armed));
    return row(spec.title, toggle(spec.title, on, (v) => act(actionPath(spec, "set"), { on: v })));
  },

  slider(dev, spec, state, act) {
    const input = el("input", { type: "range", min: 1, max: 100, value: state ? state.level : 100, "aria-label": spec.title });
    const out = el("output", {}, `${input.value}%`);
    input.addEventListener("input", () => { out.textContent = `${input.value}%`; });
    input.addEventListener("change", () => act(actionPath(spec, "set"), { level: Number(input.value) }));
    return row(spec.title, input, out);
  },

  color(dev, spec, state, act) {
    const input = el("input", { type: "color", value: state ? hsToHex(state.hue, state.saturation) : "#ffffff", "aria-label": spec.title });
    input.addEventListener("change", () => act(actionPath(spec, "set"), hexToHs(input.value)));
    return row(spec.title, input, el("span", { class: "muted" }, state ? `${state.hue}°, ${state.saturation}%` : ""));
  },

  kelvin(dev, spec, state, act) {
    const min = state ? state.min_kelvin : 2500, max = state ? state.max_kelvin : 6500;
    const value = state && state.kelvin ? state.kelvin : min;
    const input = el("input", { type: "range", min, max, step: 100, value, "aria-label": spec.title });
    const out = el("output", {}, state && state.kelvin ? `${state.kelvin} K` : "colour");
    input.addEventListener("input", () => { out.textContent = `${input.value} K`; });
    input.addEventListener("change", () => act(actionPath(spec, "set"), { kelvin: Number(input.value) }));
    return row(spec.title, input, out);
  },

  effects(dev, spec, state, act) {
    const names = state ? state.available : [];
    const select = el("select", { "aria-label": spec.title },
      el("option", { value: "" }, "none"),
      ...names.map((n) => el("option", { value: n, selected: state && state.current === n }, n)));
    select.addEventListener("change", () => act(actionPath(spec, "set"), { name: select.value || null }));
    return row(spec.title, select);
  },

  energy(dev, spec, state) {
    if (!state) return row(spec.title, el("span", { class: "muted" }, "no reading yet"));
    const parts = [
      state.power_w != null && `${state.power_w.toFixed(1)} W now`,
      state.today_wh != null && `${(state.today_wh / 1000).toFixed(2)} kWh today`,
      state.month_wh != null && `${(state.month_wh / 1000).toFixed(2)} kWh this month`,
      state.voltage_v != null && `${state.voltage_v.toFixed(1)} V`,
      state.current_a != null && `${state.current_a.toFixed(2)} A`,
    ].filter(Boolean);
    return row(spec.title, el("span", { class: "energy" }, parts.join(" · ")));
  },

  light(dev, spec, state, act) {
    const on = Boolean(state && state.on);
    const modes = state ? state.modes : [];
    const children = [toggle(spec.title, on, (v) => act(actionPath(spec, "set"), { on: v }))];
    if (modes.length) {
      const select = el("select", { "aria-label": `${spec.title} mode` },
        ...modes.map((m) => el("option", { value: m, selected: state.mode === m }, m)));
      select.addEventListener("change", () => act(actionPath(spec, "set"), { on: true, mode: select.value }));
      children.push(select);
    }
    return row(spec.title, ...children);
  },

  timer(dev, spec, state, act) {
    const running = state && state.remaining_s != null;
    const mins = el("input", { type: "number", min: 1, max: state ? Math.floor(state.max_s / 60) : 1440, value: 30, "aria-label": "minutes" });
    const to = el("select", { "aria-label": "switch to" }, el("option", { value: "off" }, "off"), el("option", { value: "on" }, "on"));
    const start = el("button", { onclick: () => act(spec.name, { seconds: Number(mins.value) * 60, on: to.value === "on" }) }, "Start");
    const cancel = running ? el("button", { onclick: () => act(spec.name, { seconds: 0 }) }, "Cancel") : null;
    const now = running ? `${state.on ? "on" : "off"} in ${duration(state.remaining_s)}` : "none";
    return row(spec.title, el("span", { class: "muted" }, now), mins, el("span", {}, "min →"), to, start, cancel);
  },

  auto_off(dev, spec, state, act) {
    const enabled = Boolean(state && state.enabled);
    const mins = el("input", { type: "number", min: 1, max: state ? state.max_minutes : 1439, value: state ? state.minutes : 120, "aria-label": "minutes" });
    mins.addEventListener("change", () => act(spec.name, { minutes: Number(mins.value) }));
    const armed = state && state.remaining_s != null ? `off in ${duration(state.remaining_s)}` : "";
    return row(spec.title, toggle(spec.title, enabled, (v) => act(spec.name, { enabled: v })), mins, el("span", {}, "min"), el("span", { class: "muted" }, armed));
  },

  power_protection(dev, spec, state, act) {
    const enabled = Boolean(state && state.enabled);
    const watts = el("input", { type: "number", min: 1, max: state && state.max_w ? state.max_w : undefined, value: state && state.threshold_w ? state.threshold_w : "", "aria-label": "threshold (W)" });
    watts.addEventListener("change", () => act(spec.name, { threshold_w: Number(watts.value) }));
    const tripped = state && state.overloaded ? el("span", { class: "alert" }, "overloaded") : null;
    return row(spec.title, toggle(spec.title, enabled, (v) => act(spec.name, { enabled: v })), watts, el("span", {}, "W"), tripped);
  },

  light_presets(dev, spec, state, act) {
    const list = state ? state.presets : [];
    const look = (p) => p.hue != null ? hsToHex(p.hue, p.saturation) : "#ffffff";
    const items = list.map((p) => el("li", { class: state.current === p.id ? "current" : null },
      el("span", { class: "swatch", style: `background:${look(p)}` }),
      el("span", {}, `${p.name} · ${p.brightness}%${p.kelvin ? ` · ${p.kelvin} K` : ""}`),
      el("button", { onclick: () => act(`light_presets/${encodeURIComponent(p.id)}/apply`, undefined) }, "Apply"),
      el("button", { title: "store what the light shows now", onclick: () => act(`light_presets/${encodeURIComponent(p.id)}`, {}) }, "Store current")));
    return el("div", { class: "ctl presets" }, el("span", { class: "lbl" }, spec.title), el("ul", {}, ...items));
  },

  schedules(dev, spec, state, act) {
    const list = state ? state.schedules : [];
    const days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    const items = list.map((r) => el("li", {},
      toggle(`schedule ${r.id}`, r.enabled, (v) => act(`schedules/${encodeURIComponent(r.id)}`, { enabled: v })),
      el("span", {}, `${r.at}${r.offset_min ? ` ${r.offset_min > 0 ? "+" : ""}${r.offset_min} min` : ""} → ${r.on ? "on" : "off"} · ${r.days.length ? r.days.join(" ") : "once"}`),
      el("button", { class: "del", onclick: () => act(`schedules/${encodeURIComponent(r.id)}`, undefined, "DELETE") }, "✕")));
    const at = el("input", { type: "time", value: "07:00", required: true, "aria-label": "time" });
    const to = el("select", { "aria-label": "switch to" }, el("option", { value: "on" }, "on"), el("option", { value: "off" }, "off"));
    const boxes = days.map((d) => el("input", { type: "checkbox", "aria-label": d, value: d }));
    const form = el("form", { onsubmit: (e) => {
      e.preventDefault();
      act(spec.name, { at: at.value, on: to.value === "on", days: boxes.filter((b) => b.checked).map((b) => b.value) });
    } }, at, to, ...days.map((d, i) => el("label", {}, boxes[i], d)), el("button", { type: "submit" }, "Add"));
    const full = state && list.length >= state.max_count;
    return el("div", { class: "ctl presets" }, el("span", { class: "lbl" }, spec.title), el("ul", {}, ...items), full ? null : form);
  },

  motion(dev, spec, state, act) {
    const path = spec.actions.find((a) => a.method === "POST").path;
    const enabled = Boolean(state && state.enabled);
    const children = [toggle(spec.title, enabled, (v) => act(path, { enabled: v }))];
    if (state && state.sensitivity != null) {
      const input = el("input", { type: "range", min: 1, max: 100, value: state.sensitivity, "aria-label": "sensitivity" });
      input.addEventListener("change", () => act(path, { sensitivity: Number(input.value) }));
      children.push(input, el("output", {}, `${state.sensitivity}%`));
    }
    if (state && state.detected != null) children.push(el("span", { class: state.detected ? "alert" : "muted" }, state.detected ? "motion" : "still"));
    return row(spec.title, ...children);
  },

  presets(dev, spec, state, act) {
    const list = state ? state.presets : [];
    const name = el("input", { placeholder: "new preset", maxlength: 32, "aria-label": "preset name" });
    const items = list.map((p) => el("li", {},
      el("span", {}, p.name),
      el("button", { class: "goto", "data-preset": p.id, onclick: () => act(`presets/${encodeURIComponent(p.id)}/goto`, undefined) }, "Go"),
      el("button", { class: "del", onclick: () => act(`presets/${encodeURIComponent(p.id)}`, undefined, "DELETE") }, "✕")));
    return el("div", { class: "ctl presets" },
      el("span", { class: "lbl" }, spec.title),
      el("ul", {}, ...items),
      el("form", { onsubmit: (e) => { e.preventDefault(); if (name.value) act("presets", { name: name.value }); } },
        name, el("button", { type: "submit" }, "Save here")));
  },

  ptz(dev, spec, state, act) {
    const step = (d) => () => act("ptz", { action: "step", direction: d });
    const b = (label, aria, fn) => el("button", { "aria-label": aria, onclick: fn }, label);
    const pad = el("div", { class: "ptz" },
      el("span"), b("▲", "up", step("up")), el("span"),
      b("◀", "left", step("left")), b("●", "home", () => act("ptz", { action: "home" })), b("▶", "right", step("right")),
      el("span"), b("▼", "down", step("down")), b("■", "stop", () => act("ptz", { action: "stop" })));
    if (state && state.can_zoom) pad.append(b("+", "zoom in", step("zoom_in")), b("−", "zoom out", step("zoom_out")));
    const where = state && state.pan != null ? `pan ${state.pan}, tilt ${state.tilt}${state.estimated ? " (estimated)" : ""}` : "";
    return row(spec.title, pad, el("span", { class: "muted" }, where));
  },

  settings(dev, spec, state, act, ctx) {
    if (!ctx.admin) return null;
    const box = el("details", { class: "ctl settings" }, el("summary", {}, spec.title));
    box.addEventListener("toggle", async () => {
      if (!box.open || box.dataset.loaded) return;
      box.dataset.loaded = "1";
      try {
        const [schema, values] = await Promise.all([api(device(dev.name, "settings/schema")), api(device(dev.name, "settings"))]);
        box.append(settingsForm(schema, values, (changes) => act("settings", changes)));
      } catch (err) { toast(`${dev.name}: ${err.message}`, true); }
    });
    return box;
  },

  button(dev, spec, state, act) {
    return row(spec.title, confirmButton(spec.title, () => act(actionPath(spec, spec.actions[0].name), undefined)));
  },

  storage(dev, spec, state, act) {
    if (!state || !state.status) return row(spec.title, el("span", { class: "muted" }, "unknown"));
    const parts = [state.status];
    if (state.status === "formatting" && state.progress != null) parts.push(`${state.progress}%`);
    if (state.total_bytes != null) parts.push(`${gigabytes(state.free_bytes ?? 0)} free of ${gigabytes(state.total_bytes)}`);
    const children = [el("span", {}, parts.join(" · "))];
    if (state.status !== "absent" && state.status !== "formatting") {
      children.push(confirmButton("Format", () => act(actionPath(spec, "format"), { confirm: true })));
    }
    return row(spec.title, ...children);
  },

  firmware(dev, spec, state, act) {
    if (!state || !state.version) return row(spec.title, el("span", { class: "muted" }, "unknown"));
    const path = actionPath(spec, "act");
    const parts = [state.version];
    if (state.status !== "idle") parts.push(state.status);
    else if (state.update_available) parts.push(`${state.latest} available`);
    else if (state.update_available === false) parts.push("up to date");
    const children = [el("span", {}, parts.join(" · ")), el("button", { onclick: () => act(path, { action: "check" }) }, "Check")];
    if (state.update_available && state.status === "idle") {
      children.push(confirmButton(`Install ${state.latest}`, () => act(path, { action: "update" })));
    }
    return row(spec.title, ...children);
  },

  children(dev, spec, state) {
    const names = state ? state.devices : [];
    return row(spec.title, el("span", {}, ...names.map((n) => el("a", { href: `#${n}`, class: "child" }, n))));
  },

  events(dev, spec, state) {
    return row(spec.title, el("span", { class: "muted" }, state ? state.types.join(", ") : ""));
  },

  video(dev, spec, state, act, ctx) {
    if (spec.name !== "stream" && dev.capabilities.includes("stream")) return null; // one block
    const img = el("img", { alt: `${dev.name} snapshot`, class: "thumb", hidden: true });
    const snap = el("button", { onclick: async () => { img.hidden = false; img.src = await mediaUrl(dev.name, "snapshot", { resolution: "320", t: Date.now() }); } }, "Snapshot");
    const live = dev.capabilities.includes("stream") ? el("button", { class: "live-btn", onclick: () => ctx.openLive(dev.name) }, "Live") : null;
    return el("div", { class: "ctl video" }, el("div", { class: "row" }, snap, live), img);
  },

  audio(dev, spec) {
    const player = el("audio", { controls: true, preload: "none", "aria-label": spec.title });
    const load = el("button", { onclick: async () => { player.src = await mediaUrl(dev.name, "audio.wav"); player.play().catch(() => {}); } }, "Listen");
    return row(spec.title, load, player);
  },
};

// A form from a JSON Schema (objects of booleans, numbers, strings, enums).
function settingsForm(schema, values, save) {
  const props = schema.properties || {};
  const inputs = {};
  const fields = Object.entries(props).map(([key, prop]) => {
    const value = values[key];
    let input;
    const kind = prop.type || (prop.anyOf || []).map((x) => x.type).find((t) => t && t !== "null");
    if (prop.enum) input = el("select", {}, ...prop.enum.map((v) => el("option", { value: v, selected: v === value }, String(v))));
    else if (kind === "boolean") input = el("input", { type: "checkbox", checked: value });
    else if (kind === "integer" || kind === "number") input = el("input", { type: "number", value: value ?? "", min: prop.minimum, max: prop.maximum, step: kind === "integer" ? 1 : "any" });
    else input = el("input", { value: value ?? "" });
    if (prop.readOnly) input.disabled = true;
    inputs[key] = { input, kind, prop };
    return el("label", {}, el("span", {}, prop.title || key), input);
  });
  const form = el("form", { class: "settings-form" }, ...fields, el("button", { type: "submit" }, "Save"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const changes = {};
    for (const [key, { input, kind, prop }] of Object.entries(inputs)) {
      if (prop.readOnly) continue;
      let v = kind === "boolean" ? input.checked : input.value;
      if ((kind === "integer" || kind === "number") && v !== "") v = Number(v);
      if (prop.enum && typeof prop.enum[0] === "number") v = Number(v);
      if (v !== values[key] && v !== "") changes[key] = v;
    }
    if (Object.keys(changes).length) save(changes);
  });
  return form;
}

export function render(kind, ...args) {
  const fn = renderers[kind];
  return fn ? fn(...args) : null;
}

export const controlKinds = () => Object.keys(renderers);
