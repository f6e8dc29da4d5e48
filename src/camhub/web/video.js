// Live video: H.264 through Media Source Extensions over /video.ws (fMP4), falling back
// to MJPEG (an <img> on stream.mjpeg, or WebSocket frames in the grid) where the browser
// has no MSE or the camera no H.264.

import { api, device, mediaSocketUrl } from "./api.js";

const LIVE_EDGE = 1.5; // seconds behind the newest frame before we jump ahead
const KEEP = 20; // seconds of video kept in the buffer

export const mseAvailable = () => typeof window.MediaSource !== "undefined";

// Play the device's H.264 in `video`; `fallback()` is called (once) when that cannot work.
// Returns a handle with close().
export function playMse(video, name, fallback) {
  let ws = null, ms = null, sb = null, started = false, done = false;
  const queue = [];
  const fail = () => {
    if (done) return;
    done = true;
    close();
    fallback();
  };
  const close = () => {
    if (ws) { ws.onclose = null; ws.close(); ws = null; }
    if (video.src) { URL.revokeObjectURL(video.src); video.removeAttribute("src"); video.load(); }
  };
  const pump = () => {
    if (!sb || sb.updating || !queue.length) return;
    try {
      sb.appendBuffer(queue.shift());
    } catch (_) { fail(); return; }
    const b = video.buffered;
    if (b.length) {
      const end = b.end(b.length - 1);
      if (end - video.currentTime > LIVE_EDGE) video.currentTime = Math.max(b.start(0), end - 0.3);
      if (video.currentTime - b.start(0) > KEEP && !sb.updating) {
        queue.length || sb.remove(b.start(0), video.currentTime - KEEP / 2);
      }
    }
  };
  // ask first: a camera without H.264 (MJPEG only) goes to the fallback without a
  // refused WebSocket (which the browser reports as an error)
  api(device(name, "video")).then((offer) => offer.h264 ? mediaSocketUrl(name, "video.ws") : null).then((url) => {
    if (done) return;
    if (!url) { fail(); return; }
    ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    ws.onclose = () => { if (!started) fail(); };
    ws.onerror = () => { if (!started) fail(); };
    ws.onmessage = (m) => {
      if (typeof m.data !== "string") { queue.push(m.data); pump(); return; }
      const msg = JSON.parse(m.data);
      if (msg.type !== "mse") { fail(); return; }
      const type = `video/mp4; codecs="${msg.codecs}"`;
      if (!MediaSource.isTypeSupported(type)) { fail(); return; }
      started = true;
      ms = new MediaSource();
      video.src = URL.createObjectURL(ms);
      ms.addEventListener("sourceopen", () => {
        sb = ms.addSourceBuffer(type);
        sb.mode = "segments";
        sb.addEventListener("updateend", pump);
        pump();
        video.play().catch(() => {});
      }, { once: true });
    };
  }, fail);
  return { close: () => { done = true; close(); } };
}
