// The latent plane: the test digits' latent means on a canvas, the decoder (decoder.js) run in the page on
// hover and drag, a click that pins z and sends only that z (and the clicked digit's index) to Python.
// Payload from Python (ui/latent_plane/__init__.py), framed by vae_core/framing.py:
//   [u32 header length][JSON header][decoder file][points][labels]. Shared helpers: ui/payload.js.
const PLANE = 480, MARGIN = { left: 44, right: 10, top: 10, bottom: 38 }, DOT_PICK_PX = 6;
const instances = new WeakMap();

function readPayload(data) {
  const { own, header, at: start } = splitPayload(data);  // ui/payload.js
  let at = start;
  const weights = own.subarray(at, at + header.weights_bytes);
  at += header.weights_bytes;
  const points = new Float32Array(own.buffer, at, 2 * header.n);
  const labels = own.subarray(at + 8 * header.n, at + 9 * header.n);
  return { header, weights, points, labels };
}

class Plane {
  constructor(root, setStateValue, setTriggerValue) {
    this.root = root;
    this.send = setTriggerValue;
    this.dots = root.querySelector(".lp-dots");
    this.overlay = root.querySelector(".lp-overlay");
    this.digit = root.querySelector(".lp-digit");
    this.zText = root.querySelector(".lp-z");
    this.what = root.querySelector(".lp-what");
    const ratio = window.devicePixelRatio || 1;
    for (const canvas of [this.dots, this.overlay]) {
      canvas.width = PLANE * ratio;
      canvas.height = PLANE * ratio;
      canvas.style.width = canvas.style.height = PLANE + "px";
      const ctx = canvas.getContext("2d");
      if (!ctx) throw new Error("no 2-D canvas");
      ctx.scale(ratio, ratio);
    }
    this.digitCtx = this.digit.getContext("2d");
    if (!this.digitCtx) throw new Error("no 2-D canvas");
    this.pixels = this.digitCtx.createImageData(28, 28);
    this.hover = null;  // [x, y] under the pointer, or null
    this.pinned = [0, 0];
    this.pinnedDigit = null;
    this.pendingSince = null;  // timeStamp of the first pointer move not painted yet
    this.frame = 0;
    this.clickSince = null;  // timeStamp of a click whose pinned image is not painted yet
    this.stats = new Timings("decodeMs", "paintMs", "clickMs");  // ui/payload.js: empty unless a bench asks
    this.listen();
    root.latentPlane = this;  // for the browser tests and bench/browser_decode.py
  }

  update(payload) {
    const { header, weights, points, labels } = payload;
    if (header.weights_key !== this.weightsKey) {
      const decoder = new LatentDecoder.Decoder(weights);
      if (decoder.size !== 28) throw new Error(`the decoder draws ${decoder.size}x${decoder.size} images, not 28x28`);
      this.decoder = decoder;
      this.weightsKey = header.weights_key;
    }
    this.header = header;
    this.base = header.base;
    this.span = header.span;
    if (header.points_key !== this.pointsKey) {
      this.points = points;
      this.labels = labels;
      this.pointsKey = header.points_key;
      this.drawDots();
    }
    if (header.sent !== this.sent) {  // a point the server set (sliders, a new range, a fresh page); after a
      this.sent = header.sent;          // click the data stays the same and the clicked point stays pinned
      this.pinned = header.pinned.slice();
      this.pinnedDigit = header.digit;
    }
    this.schedule();
  }

  // latent <-> CSS pixels of the plane canvas
  toPx(x, y) {
    const w = PLANE - MARGIN.left - MARGIN.right, h = PLANE - MARGIN.top - MARGIN.bottom, s = this.span;
    return [MARGIN.left + (x + s) / (2 * s) * w, MARGIN.top + (s - y) / (2 * s) * h];
  }

  toZ(px, py) {
    const w = PLANE - MARGIN.left - MARGIN.right, h = PLANE - MARGIN.top - MARGIN.bottom, s = this.span;
    return [(px - MARGIN.left) / w * 2 * s - s, s - (py - MARGIN.top) / h * 2 * s];
  }

  // page coordinates of latent point (x, y) (tests and bench click there)
  pagePoint(x, y) {
    const r = this.overlay.getBoundingClientRect(), [px, py] = this.toPx(x, y);
    return [r.left + px, r.top + py];
  }

  point(i) {
    return [this.points[2 * i], this.points[2 * i + 1], this.labels[i]];
  }

  fullZ([x, y]) {
    const z = this.base.slice(), [d0, d1] = this.header.dims;
    z[d0] = x;
    if (d1 >= 0) z[d1] = y;
    return z;
  }

  drawDots() {
    const ctx = this.dots.getContext("2d"), s = this.span, colours = this.header.colours;
    ctx.clearRect(0, 0, PLANE, PLANE);
    const [x0, y0] = this.toPx(-s, s), [x1, y1] = this.toPx(s, -s);
    ctx.fillStyle = "rgba(128,128,128,0.08)";
    ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    ctx.strokeStyle = "rgba(128,128,128,0.35)";
    ctx.fillStyle = "#888";
    ctx.font = "11px sans-serif";
    ctx.lineWidth = 1;
    const step = s > 6 ? 2 : 1;
    for (let v = -Math.floor(s / step) * step; v <= s + 1e-9; v += step) {
      const [px, py] = this.toPx(v, v);
      ctx.globalAlpha = v === 0 ? 1 : 0.35;
      ctx.beginPath(); ctx.moveTo(px, y0); ctx.lineTo(px, y1); ctx.moveTo(x0, py); ctx.lineTo(x1, py); ctx.stroke();
      ctx.globalAlpha = 1;
      ctx.textAlign = "center"; ctx.fillText(String(v), px, y1 + 13);
      ctx.textAlign = "right"; ctx.fillText(String(v), x0 - 4, py + 4);
    }
    ctx.textAlign = "center";
    ctx.fillText(this.header.names[0], (x0 + x1) / 2, y1 + 30);
    ctx.save(); ctx.translate(11, (y0 + y1) / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(this.header.names[1], 0, 0);
    ctx.restore();
    ctx.save();
    ctx.beginPath(); ctx.rect(x0, y0, x1 - x0, y1 - y0); ctx.clip();
    ctx.globalAlpha = 0.75;
    let last = -1;
    for (let i = 0; i < this.labels.length; i++) {
      const label = this.labels[i];
      if (label !== last) { ctx.fillStyle = colours[label]; last = label; }
      const [px, py] = this.toPx(this.points[2 * i], this.points[2 * i + 1]);
      ctx.fillRect(px - 1.5, py - 1.5, 3, 3);
    }
    ctx.restore();
  }

  // the dot under the pointer (within DOT_PICK_PX CSS pixels), nearest first; -1 for none
  dotAt(px, py) {
    return dotAt(this.labels.length, (i) => this.toPx(this.points[2 * i], this.points[2 * i + 1]), px, py, DOT_PICK_PX);
  }

  listen() {
    const o = this.overlay, local = (e) => { const r = o.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    const inside = ([px, py]) => px >= MARGIN.left && px <= PLANE - MARGIN.right && py >= MARGIN.top &&
      py <= PLANE - MARGIN.bottom;
    o.addEventListener("pointermove", (e) => {
      const p = local(e);
      this.hover = inside(p) ? this.toZ(...p) : null;
      if (this.stats.on && this.pendingSince === null) this.pendingSince = e.timeStamp;
      this.schedule();
    });
    o.addEventListener("pointerleave", () => { this.hover = null; this.schedule(); });
    o.addEventListener("pointerdown", (e) => { this.down = local(e); o.setPointerCapture(e.pointerId); });
    o.addEventListener("pointerup", (e) => {
      const p = local(e), d = this.down;
      this.down = null;
      if (!d || Math.hypot(p[0] - d[0], p[1] - d[1]) > 4 || !inside(p)) return;  // a drag only looks
      if (this.stats.on) this.clickSince = e.timeStamp;
      const i = this.dotAt(...p);
      this.pin(i >= 0 ? [this.points[2 * i], this.points[2 * i + 1]] : this.toZ(...p), i >= 0 ? i : null);
    });
    this.root.addEventListener("keydown", (e) => {
      const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
      if (!(e.key in moves)) return;
      e.preventDefault();
      const step = e.shiftKey ? 0.5 : 0.05, s = this.span, [dx, dy] = moves[e.key];
      const clip = (v) => Math.round(Math.min(s, Math.max(-s, v)) * 100) / 100;
      this.pin([clip(this.pinned[0] + dx * step), clip(this.pinned[1] + (this.header.dims[1] >= 0 ? dy * step : 0))], null);
    });
  }

  pin(z, digit) {
    this.pinned = z;
    this.pinnedDigit = digit;
    this.schedule();
    this.send("pin", { z: [z[0], z[1]], digit });  // only z and the clicked digit: Python does the rest
  }

  schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.paint(); });
  }

  paint() {
    const shown = this.hover || this.pinned, z = this.fullZ(shown);
    const timed = this.stats.on, t0 = timed ? performance.now() : 0;
    const image = this.decoder.decode(z);
    if (timed) this.stats.add("decodeMs", performance.now() - t0);
    paintGrey(this.digitCtx, this.pixels, LatentDecoder.toUint8(image));
    this.shownZ = z;
    this.zText.textContent = "z = (" + z.map((v) => v.toFixed(2)).join(", ") + ")";
    this.what.textContent = this.hover ? "under the pointer (click to pin)" : (this.pinnedDigit !== null
      ? `pinned: test digit #${this.pinnedDigit} (label ${this.labels[this.pinnedDigit]})` : "pinned");
    this.drawOverlay();
    if (this.pendingSince !== null) {  // pointer move -> this image on screen: the frame after this one starts
      const since = this.pendingSince;
      requestAnimationFrame(() => this.stats.add("paintMs", performance.now() - since));
    }
    if (this.clickSince !== null) {  // click -> the pinned point's image on screen
      const since = this.clickSince;
      requestAnimationFrame(() => this.stats.add("clickMs", performance.now() - since));
    }
    this.pendingSince = this.clickSince = null;
  }

  drawOverlay() {
    const ctx = this.overlay.getContext("2d");
    ctx.clearRect(0, 0, PLANE, PLANE);
    const [px, py] = this.toPx(...this.pinned);
    if (this.pinnedDigit !== null) {
      ctx.strokeStyle = "crimson"; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(px, py, 6, 0, 2 * Math.PI); ctx.stroke();
    }
    ctx.strokeStyle = "crimson"; ctx.lineWidth = 2.5;
    ctx.beginPath(); ctx.moveTo(px - 7, py - 7); ctx.lineTo(px + 7, py + 7); ctx.moveTo(px + 7, py - 7);
    ctx.lineTo(px - 7, py + 7); ctx.stroke();
    if (this.hover) {
      const [hx, hy] = this.toPx(...this.hover);
      ctx.strokeStyle = "rgba(128,128,128,0.8)"; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.arc(hx, hy, 5, 0, 2 * Math.PI); ctx.stroke();
    }
  }
}

export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  const root = parentElement.querySelector(".lp-root");
  try {
    let plane = instances.get(root);
    if (!plane) {
      plane = new Plane(root, setStateValue, setTriggerValue);
      instances.set(root, plane);
    }
    plane.send = setTriggerValue;
    plane.update(readPayload(data));
    root.querySelector(".lp-fallback").hidden = true;
    root.querySelector(".lp-main").hidden = false;
    if (!plane.ready) {
      plane.ready = true;
      setStateValue("ready", true);
    }
  } catch (error) {  // one line on the page, and the server decodes the sliders' z again
    console.error("latent plane could not start:", error);
    const notice = root.querySelector(".lp-fallback");
    notice.textContent = `The interactive latent plane could not start (${error.message}); the sliders below ` +
      "decode on the server.";
    notice.hidden = false;
    root.querySelector(".lp-main").hidden = true;
    const plane = instances.get(root);
    if (plane?.ready) {  // it had started (another model's weights): the server takes over decoding
      plane.ready = false;
      setStateValue("ready", false);
    }
  }
}
