// The latent plane: the test digits' latent means on a canvas, coloured by label or by a per-digit score, the
// decoder (decoder.js) run in the page on hover and drag, the hovered or pinned digit's posterior as its μ ± 2σ
// ellipse; a click pins z and sends only that z (and the clicked digit's index) to Python, a box drawn with
// shift+drag (or in select mode) sends only the box.
// Payload from Python (ui/latent_plane/__init__.py), framed by vae_core/framing.py:
//   [u32 header length][JSON header][decoder file][points][labels][padding][σ], then [values] and [visible]
//   when the header says they are there.
// Shared helpers: ui/payload.js.
const PLANE = 480, MARGIN = { left: 44, right: 10, top: 10, bottom: 38 }, DOT_PICK_PX = 6, MIN_BOX_PX = 4;
// viridis (matplotlib's sequential scale, even in lightness and readable in grey), sampled at ten stops
const SCALE_STOPS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58",
  "#b5de2b", "#fde725"];
const SCALE_STEPS = 64;  // the dots' colours: few fillStyle changes when they are drawn in the score's order
const instances = new WeakMap();

function readPayload(data) {
  const { own, header, at: start } = splitPayload(data);  // ui/payload.js
  const n = header.n;
  let at = start;
  const weights = own.subarray(at, at + header.weights_bytes);
  at += header.weights_bytes;
  const points = new Float32Array(own.buffer, at, 2 * n);
  const labels = own.subarray(at + 8 * n, at + 9 * n);
  at += 9 * n + ((4 - (n % 4)) % 4);  // the labels' bytes, then zeros to a 4-byte boundary
  const sigma = new Float32Array(own.buffer, at, 2 * n);
  at += 8 * n;
  const values = header.values ? new Float32Array(own.buffer, at, n) : null;  // null: coloured by label
  at += header.values ? 4 * n : 0;
  const visible = header.visible ? own.subarray(at, at + n) : new Uint8Array(n).fill(1);
  if (own.length < at + (header.visible ? n : 0)) throw new Error("the data is shorter than its header says");
  return { header, weights, points, labels, sigma, values, visible };
}

// SCALE_STEPS CSS colours from the lowest value's to the highest's, interpolated between SCALE_STOPS
function colourScale() {
  const rgb = SCALE_STOPS.map((h) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16)));
  return Array.from({ length: SCALE_STEPS }, (_, i) => {
    const t = i / (SCALE_STEPS - 1) * (rgb.length - 1), k = Math.min(rgb.length - 2, Math.floor(t)), f = t - k;
    const c = rgb[k].map((v, j) => Math.round(v + f * (rgb[k + 1][j] - v)));
    return `rgb(${c[0]},${c[1]},${c[2]})`;
  });
}

// a number for the legend: three significant digits
function short(v) {
  return Math.abs(v) >= 1000 ? v.toFixed(0) : String(Number(v.toPrecision(3)));
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
    this.legend = root.querySelector(".lp-legend");
    this.selectButton = root.querySelector(".lp-select");
    this.scale = colourScale();
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
    this.hoverPx = null;  // the same in CSS pixels of the plane
    this.hoverDigit = null;  // the visible dot under the pointer, or null
    this.box = null;  // the selected region [x0, y0, x1, y1] in latent coordinates, or null
    this.selectedCount = 0;
    this.selectMode = false;  // a drag draws a box without shift
    this.ellipse = null;  // the posterior drawn: {digit, mu: [x, y], sigma: [sx, sy]} (for the tests)
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
      Object.assign(this, { points, labels, sigma: payload.sigma, values: payload.values, visible: payload.visible });
      this.pointsKey = header.points_key;
      this.drawDots();
      this.drawLegend();
    }
    if (header.sent !== this.sent) {  // a point the server set (sliders, a new range, a fresh page); after a
      this.sent = header.sent;          // click the data stays the same and the clicked point stays pinned
      this.pinned = header.pinned.slice();
      this.pinnedDigit = header.digit;
      this.box = header.box;
    }
    this.selectedCount = this.box ? this.inBox(this.box).length : 0;
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

  // the visible dots inside box [x0, y0, x1, y1], edges included (the server's rule, ui/latent_plane.inside)
  inBox([x0, y0, x1, y1]) {
    const found = [];
    for (let i = 0; i < this.labels.length; i++) {
      const x = this.points[2 * i], y = this.points[2 * i + 1];
      if (this.visible[i] && x >= x0 && x <= x1 && y >= y0 && y <= y1) found.push(i);
    }
    return found;
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
    const n = this.labels.length, byValue = this.values !== null, order = [];
    ctx.fillStyle = "rgba(128,128,128,0.2)";  // the dots the label filter leaves out: dimmed, underneath
    for (let i = 0; i < n; i++) {
      if (!this.visible[i]) {
        const [px, py] = this.toPx(this.points[2 * i], this.points[2 * i + 1]);
        ctx.fillRect(px - 1, py - 1, 2, 2);
      } else order.push(i);
    }
    // by a score: the highest drawn last, on top, where a crowded region would hide it
    if (byValue) order.sort((a, b) => this.values[a] - this.values[b]);
    this.drawOrder = Uint32Array.from(order);
    const [lo, hi] = this.header.range || [0, 1], width = hi > lo ? hi - lo : 1;
    ctx.globalAlpha = byValue ? 0.9 : 0.75;
    let last = null;
    for (const i of this.drawOrder) {
      const style = byValue ? this.scale[Math.round((this.values[i] - lo) / width * (SCALE_STEPS - 1))]
        : colours[this.labels[i]];
      if (style !== last) { ctx.fillStyle = style; last = style; }
      const [px, py] = this.toPx(this.points[2 * i], this.points[2 * i + 1]);
      ctx.fillRect(px - 1.5, py - 1.5, 3, 3);
    }
    ctx.restore();
  }

  // what the colours mean: the ten labels (those filtered out faded), or the score's scale from min to max
  drawLegend() {
    const legend = this.legend, header = this.header;
    legend.replaceChildren();
    const line = (text) => { const e = document.createElement("div"); e.textContent = text; legend.append(e); return e; };
    if (this.values === null) {
      const row = line("label");
      const shown = new Set(Array.from(this.labels).filter((_, i) => this.visible[i]));
      header.colours.forEach((c, d) => {
        const swatch = document.createElement("span");
        swatch.className = "lp-swatch";
        swatch.style.background = c;
        swatch.style.opacity = shown.has(d) ? 1 : 0.25;
        row.append(swatch, String(d));
      });
      return;
    }
    line(`${header.colour} (highest on top)`);
    const bar = line("");
    bar.className = "lp-bar";
    bar.style.background = `linear-gradient(to right, ${SCALE_STOPS.join(", ")})`;
    const ends = line("");
    ends.className = "lp-ends";
    const [lo, hi] = header.range || [0, 0];
    for (const v of [lo, hi]) { const e = document.createElement("span"); e.textContent = short(v); ends.append(e); }
  }

  // the dot under the pointer (within DOT_PICK_PX CSS pixels), nearest first; -1 for none
  dotAt(px, py) {
    const at = (i) => this.visible[i] ? this.toPx(this.points[2 * i], this.points[2 * i + 1]) : [Infinity, Infinity];
    return dotAt(this.labels.length, at, px, py, DOT_PICK_PX);
  }

  listen() {
    const o = this.overlay, local = (e) => { const r = o.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    const inside = ([px, py]) => px >= MARGIN.left && px <= PLANE - MARGIN.right && py >= MARGIN.top &&
      py <= PLANE - MARGIN.bottom;
    const clamp = ([px, py]) => [Math.min(PLANE - MARGIN.right, Math.max(MARGIN.left, px)),
      Math.min(PLANE - MARGIN.bottom, Math.max(MARGIN.top, py))];
    o.addEventListener("pointermove", (e) => {
      const p = local(e);
      this.hover = inside(p) ? this.toZ(...p) : null;
      this.hoverPx = this.hover ? p : null;
      if (this.down && this.boxing) this.dragTo = clamp(p);
      if (this.stats.on && this.pendingSince === null) this.pendingSince = e.timeStamp;
      this.schedule();
    });
    o.addEventListener("pointerleave", () => { this.hover = this.hoverPx = null; this.schedule(); });
    o.addEventListener("pointerdown", (e) => {
      this.down = local(e);
      this.boxing = e.shiftKey || this.selectMode;
      o.setPointerCapture(e.pointerId);
    });
    o.addEventListener("pointerup", (e) => {
      const p = local(e), d = this.down, boxing = this.boxing;
      this.down = this.dragTo = null;
      this.boxing = false;
      if (!d) return;
      const moved = Math.abs(p[0] - d[0]) > MIN_BOX_PX || Math.abs(p[1] - d[1]) > MIN_BOX_PX;
      if (boxing && moved) {
        const [a, b] = [this.toZ(...clamp(d)), this.toZ(...clamp(p))];
        this.select([Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])]);
        return;
      }
      if (Math.hypot(p[0] - d[0], p[1] - d[1]) > 4 || !inside(p)) return;  // a drag only looks
      if (this.stats.on) this.clickSince = e.timeStamp;
      const i = this.dotAt(...p);
      this.pin(i >= 0 ? [this.points[2 * i], this.points[2 * i + 1]] : this.toZ(...p), i >= 0 ? i : null);
    });
    this.selectButton.addEventListener("click", () => {
      this.selectMode = !this.selectMode;
      this.selectButton.setAttribute("aria-pressed", String(this.selectMode));
      this.selectButton.textContent = this.selectMode ? "Selecting: drag a box" : "Select a region";
    });
    this.root.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.box) {  // forget the selection
        this.select(null);
        return;
      }
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

  // box [x0, y0, x1, y1] (latent coordinates on the shown dimensions) becomes the selection, or null none; only the
  // box is sent: Python finds the same dots in it
  select(box) {
    this.box = box;
    this.selectedCount = box ? this.inBox(box).length : 0;
    this.schedule();
    this.send("select", { box });
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
    this.what.textContent = (this.hover ? "under the pointer (click to pin)" : (this.pinnedDigit !== null
      ? `pinned: test digit #${this.pinnedDigit} (label ${this.labels[this.pinnedDigit]})` : "pinned")) +
      (this.box ? ` · ${this.selectedCount} digits selected` : "");
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
    this.hoverDigit = this.hoverPx ? this.dotAt(...this.hoverPx) : -1;
    this.drawEllipse(ctx, this.hoverDigit >= 0 ? this.hoverDigit : this.pinnedDigit);
    const boxes = [];
    if (this.box) {
      const [a, b] = [this.toPx(this.box[0], this.box[3]), this.toPx(this.box[2], this.box[1])];
      boxes.push([a[0], a[1], b[0] - a[0], b[1] - a[1]]);
    }
    if (this.down && this.dragTo) {
      const [a, b] = [this.down, this.dragTo];
      boxes.push([Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1])]);
    }
    for (const [x, y, w, h] of boxes) {
      ctx.fillStyle = "rgba(220,20,60,0.08)"; ctx.fillRect(x, y, w, h);
      ctx.strokeStyle = "crimson"; ctx.lineWidth = 1.5; ctx.setLineDash([5, 3]);
      ctx.strokeRect(x, y, w, h); ctx.setLineDash([]);
    }
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

  // the posterior of test digit i (or none) as the axis-aligned ellipse μ ± 2σ on the shown dimensions
  drawEllipse(ctx, i) {
    this.ellipse = null;
    if (i === null || i < 0 || i >= this.labels.length) return;
    const mu = [this.points[2 * i], this.points[2 * i + 1]], sigma = [this.sigma[2 * i], this.sigma[2 * i + 1]];
    this.ellipse = { digit: i, mu, sigma };
    if (!(sigma[0] > 0 || sigma[1] > 0)) return;  // an autoencoder's code is a point
    const [cx, cy] = this.toPx(...mu), [ex, ey] = this.toPx(mu[0] + 2 * sigma[0], mu[1] + 2 * sigma[1]);
    ctx.strokeStyle = "rgba(220,20,60,0.9)"; ctx.fillStyle = "rgba(220,20,60,0.1)"; ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.ellipse(cx, cy, Math.max(0.5, ex - cx), Math.max(0.5, cy - ey), 0, 0, 2 * Math.PI);
    ctx.fill(); ctx.stroke();
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
