// Scatter panels with digit tooltips: the test digits' 2-D projections side by side on canvases, coloured by
// label; hovering a dot shows that digit's image and rings the same digit in every panel.
// Payload from Python (ui/scatter_panels/__init__.py), framed by vae_core/framing.py:
//   [u32 header length][JSON header][xy float32 (panels x n x 2)][labels uint8 (n)][indices uint32 (n)]
//   [images uint8 (n x 784)]
// header.marks: [x, y] for the first panels (none: []), a point of the user's (an uploaded digit's latent mean)
// drawn as a crimson star and labelled header.markLabel. Shared helpers: ui/payload.js.
const HEIGHT = 400, PAD = 8, TITLE = 22, PICK_PX = 6, GAP = 10;
const instances = new WeakMap();

function readPayload(data) {
  const { own, header, at: start } = splitPayload(data);  // ui/payload.js
  const n = header.n, p = header.titles.length;
  let at = start;  // on a 4-byte boundary: the framing pads the header
  const xy = new Float32Array(own.buffer, at, p * n * 2);
  at += 8 * p * n;
  const labels = own.subarray(at, at + n);
  at += n;
  const indices = new Uint32Array(own.slice(at, at + 4 * n).buffer);
  at += 4 * n;
  const images = own.subarray(at, at + 784 * n);
  return { header, xy, labels, indices, images };
}

class Panels {
  constructor(root) {
    this.root = root;
    this.row = root.querySelector(".sp-row");
    this.tip = root.querySelector(".sp-tip");
    this.tipCanvas = root.querySelector(".sp-tip canvas");
    this.tipText = root.querySelector(".sp-tip span");
    this.tipCtx = this.tipCanvas.getContext("2d");
    if (!this.tipCtx) throw new Error("no 2-D canvas");
    this.pixels = this.tipCtx.createImageData(28, 28);
    this.hover = -1;  // the digit (row of the data) under the pointer, or -1
    this.stats = new Timings("hoverMs");  // ui/payload.js: empty unless a bench asks
    root.scatterPanels = this;  // for the browser tests
    new ResizeObserver(() => this.layout()).observe(root);
  }

  update(payload) {
    if (payload.header.key === this.key) return;  // the same figure (a rerun of the page): nothing to redraw
    Object.assign(this, payload);
    this.key = payload.header.key;
    this.hover = -1;
    this.root.querySelector(".sp-legend").replaceChildren(...this.header.colours.map((colour, digit) => {
      const item = document.createElement("span");
      item.innerHTML = `<i style="background:${colour}"></i>${digit}`;
      return item;
    }));
    this.layout();
  }

  layout() {
    if (!this.header) return;
    const p = this.header.titles.length, width = Math.max(160, (this.root.clientWidth - GAP * (p - 1)) / p);
    if (this.canvases && this.width === width && this.canvases.length === p) return this.draw();
    this.width = width;
    this.row.replaceChildren();
    this.canvases = [];
    const ratio = window.devicePixelRatio || 1;
    for (let k = 0; k < p; k++) {
      const canvas = document.createElement("canvas");
      canvas.width = width * ratio; canvas.height = HEIGHT * ratio;
      canvas.style.width = width + "px"; canvas.style.height = HEIGHT + "px";
      canvas.getContext("2d").scale(ratio, ratio);
      canvas.addEventListener("pointermove", (e) => this.move(k, e));
      canvas.addEventListener("pointerleave", () => this.leave());
      this.row.appendChild(canvas);
      this.canvases.push(canvas);
    }
    this.bounds = [];
    const n = this.header.n;
    for (let k = 0; k < p; k++) {
      let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
      for (let i = 0; i < n; i++) {
        const x = this.xy[2 * (k * n + i)], y = this.xy[2 * (k * n + i) + 1];
        if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
      }
      const mark = this.mark(k);
      if (mark) {  // the user's point stays on the panel even far from every test digit
        x0 = Math.min(x0, mark[0]); x1 = Math.max(x1, mark[0]); y0 = Math.min(y0, mark[1]); y1 = Math.max(y1, mark[1]);
      }
      const dx = (x1 - x0) * 0.04 || 1, dy = (y1 - y0) * 0.04 || 1;
      this.bounds.push([x0 - dx, x1 + dx, y0 - dy, y1 + dy]);
    }
    this.draw();
  }

  mark(k) {
    return this.header.marks[k] || null;
  }

  // CSS pixels of the point (x, y) in panel k
  xyToPx(k, x, y) {
    const [x0, x1, y0, y1] = this.bounds[k];
    return [PAD + (x - x0) / (x1 - x0) * (this.width - 2 * PAD),
            TITLE + PAD + (y1 - y) / (y1 - y0) * (HEIGHT - TITLE - 2 * PAD)];
  }

  // CSS pixels of digit i in panel k
  toPx(k, i) {
    const n = this.header.n;
    return this.xyToPx(k, this.xy[2 * (k * n + i)], this.xy[2 * (k * n + i) + 1]);
  }

  drawMark(ctx, k) {
    const [px, py] = this.xyToPx(k, ...this.mark(k));
    ctx.beginPath();
    for (let j = 0; j < 10; j++) {  // a five-pointed star
      const r = j % 2 ? 4.5 : 11, a = -Math.PI / 2 + j * Math.PI / 5;
      ctx.lineTo(px + r * Math.cos(a), py + r * Math.sin(a));
    }
    ctx.closePath();
    ctx.fillStyle = "crimson"; ctx.fill();
    ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.5; ctx.stroke();
    if (this.header.markLabel) {
      ctx.font = "bold 13px sans-serif"; ctx.textAlign = px > this.width - 110 ? "right" : "left";
      ctx.fillStyle = "crimson";
      ctx.fillText(this.header.markLabel, px + (ctx.textAlign === "left" ? 14 : -14), py - 8);
    }
  }

  // page coordinates of digit i in panel k (the browser tests point there)
  pagePoint(k, i) {
    const r = this.canvases[k].getBoundingClientRect(), [px, py] = this.toPx(k, i);
    return [r.left + px, r.top + py];
  }

  draw() {
    const n = this.header.n, colours = this.header.colours;
    this.canvases.forEach((canvas, k) => {
      const ctx = canvas.getContext("2d");
      ctx.clearRect(0, 0, this.width, HEIGHT);
      ctx.fillStyle = "rgba(128,128,128,0.08)";
      ctx.fillRect(0, TITLE, this.width, HEIGHT - TITLE);
      ctx.fillStyle = "#888"; ctx.font = "14px sans-serif"; ctx.textAlign = "center";
      ctx.fillText(this.header.titles[k], this.width / 2, 15);
      ctx.globalAlpha = 0.8;
      let last = -1;
      for (let i = 0; i < n; i++) {
        if (this.labels[i] !== last) { last = this.labels[i]; ctx.fillStyle = colours[last]; }
        const [px, py] = this.toPx(k, i);
        ctx.fillRect(px - 1.5, py - 1.5, 3, 3);
      }
      ctx.globalAlpha = 1;
      if (this.mark(k)) this.drawMark(ctx, k);
      if (this.hover >= 0) {  // the hovered digit, ringed in every panel
        const [px, py] = this.toPx(k, this.hover);
        ctx.strokeStyle = "crimson"; ctx.lineWidth = 2;
        ctx.beginPath(); ctx.arc(px, py, 6, 0, 2 * Math.PI); ctx.stroke();
      }
    });
  }

  // the digit nearest to (px, py) in panel k within PICK_PX, or -1
  dotAt(k, px, py) {
    return dotAt(this.header.n, (i) => this.toPx(k, i), px, py, PICK_PX);
  }

  move(k, e) {
    const t0 = this.stats.on ? performance.now() : 0, r = this.canvases[k].getBoundingClientRect();
    const i = this.dotAt(k, e.clientX - r.left, e.clientY - r.top);
    if (i !== this.hover) {
      this.hover = i;
      this.draw();
    }
    if (i < 0) return this.leave(false);
    paintGrey(this.tipCtx, this.pixels, this.images.subarray(784 * i, 784 * (i + 1)));
    this.tipText.textContent = `label ${this.labels[i]} · #${this.indices[i]}`;
    const box = this.root.getBoundingClientRect();
    this.tip.style.left = Math.min(e.clientX - box.left + 14, box.width - 110) + "px";
    this.tip.style.top = (e.clientY - box.top + 14) + "px";
    this.tip.hidden = false;
    if (this.stats.on) this.stats.add("hoverMs", performance.now() - t0);
  }

  leave(redraw = true) {
    this.tip.hidden = true;
    if (redraw && this.hover >= 0) { this.hover = -1; this.draw(); }
  }
}

export default function (component) {
  const { data, parentElement } = component;
  const root = parentElement.querySelector(".sp-root");
  try {
    let panels = instances.get(root);
    if (!panels) {
      panels = new Panels(root);
      instances.set(root, panels);
    }
    panels.update(readPayload(data));
    root.querySelector(".sp-fallback").hidden = true;
  } catch (error) {
    console.error("scatter panels could not start:", error);
    root.querySelector(".sp-fallback").hidden = false;
  }
}
