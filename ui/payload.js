// What the components' scripts (ui/latent_plane, ui/scatter_panels) share: reading the bytes Python frames
// (vae_core/framing.py), finding the dot under the pointer, painting a 28x28 grey digit, and timings for a bench.

// [magic][u32 header length][JSON header][...] -> an aligned copy of the bytes (typed arrays are read from it), the
// parsed header (a JSON object) and the offset after it. Throws an Error of one line on anything else.
function splitPayload(data, magic = "") {
  const u8 = data instanceof ArrayBuffer ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const own = u8.slice(), start = magic.length + 4;
  if (own.length < start || String.fromCharCode(...own.subarray(0, magic.length)) !== magic) {
    throw new Error(magic ? `not a ${magic} file` : "the data is too short");
  }
  const length = new DataView(own.buffer).getUint32(magic.length, true);
  if (start + length > own.length) throw new Error("the header runs past the end of the data");
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(own.subarray(start, start + length)));
  } catch {
    throw new Error("the header is not JSON");
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    throw new Error("the header is not a JSON object");
  }
  return { own, header, at: start + length };
}

// the index i < n whose point toPx(i) ([x, y] in CSS pixels) is nearest to (px, py) within radius; -1 for none
function dotAt(n, toPx, px, py, radius) {
  let best = -1, bestD = radius * radius;
  for (let i = 0; i < n; i++) {
    const [qx, qy] = toPx(i), d = (qx - px) ** 2 + (qy - py) ** 2;
    if (d <= bestD) { best = i; bestD = d; }
  }
  return best;
}

// grey levels (784 numbers in 0..255) into the 28x28 ImageData `pixels`, then onto ctx at (0, 0)
function paintGrey(ctx, pixels, grey) {
  const px = pixels.data;
  for (let p = 0; p < 784; p++) { px[4 * p] = px[4 * p + 1] = px[4 * p + 2] = grey[p]; px[4 * p + 3] = 255; }
  ctx.putImageData(pixels, 0, 0);
}

// Timings in milliseconds by name, kept only when a bench asks for them (globalThis.__vaeBench = true before the
// page's scripts run), and then only the last TIMINGS_KEPT of each: nothing grows in a user's browser.
const TIMINGS_KEPT = 1000;
class Timings {
  constructor(...names) {
    this.on = globalThis.__vaeBench === true;
    for (const name of names) this[name] = [];
  }

  add(name, ms) {
    if (!this.on) return;
    const list = this[name];
    if (list.length >= TIMINGS_KEPT) list.shift();
    list.push(ms);
  }
}
