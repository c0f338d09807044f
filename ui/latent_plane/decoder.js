// The VAE decoder in plain JavaScript over vae_core.export's weight file (see vae_core/export.py for the layout):
// Dense latent_dim -> (g, g, c0) ReLU, Conv2DTranspose c1 3x3 stride 2 "same" ReLU, Conv2DTranspose c2 3x3 stride 2
// "same" ReLU, Conv2DTranspose 1 3x3 stride 1 "same" sigmoid (docs/reference.md §1: g 7, c0 64, c1 64, c2 32). The sizes come
// from the tensors' shapes in the file's header, the strides from that architecture. Sums in float64 (Keras sums
// in float32: the results agree to ~1e-6). Needs splitPayload (ui/payload.js); no dependencies, no network.
const LatentDecoder = (() => {
  const MAGIC = "VAEDEC01";
  const NAMES = ["dense.kernel", "dense.bias", "t1.kernel", "t1.bias", "t2.kernel", "t2.bias", "t3.kernel", "t3.bias"];
  const whole = (v) => Number.isInteger(v) && v >= 0;

  function fail(what) {
    throw new Error("decoder file: " + what);
  }

  // {header, tensors: {name: Float32Array}, shapes: {name: [...]}} from the file's bytes (a Uint8Array or
  // ArrayBuffer), its header's types, sizes and weights checked; throws an Error of one line otherwise
  function parse(bytes) {
    let own, header, at;
    try {
      ({ own, header, at } = splitPayload(bytes, MAGIC));
    } catch (error) {
      fail(error.message);
    }
    if (at % 4) fail("the weights do not start on a 4-byte boundary");
    if (!whole(header.latent_dim) || header.latent_dim < 1) fail("latent_dim is not a positive whole number");
    if (!Array.isArray(header.tensors)) fail("tensors is not a list");
    const floats = (own.length - at) / 4;
    if (!Number.isInteger(floats)) fail("the weights are not whole float32 numbers");
    const tensors = {}, shapes = {};
    for (const t of header.tensors) {
      if (t === null || typeof t !== "object" || typeof t.name !== "string") fail("a tensor entry has no name");
      if (!Array.isArray(t.shape) || !t.shape.every((v) => whole(v) && v > 0)) fail(`${t.name}: shape is not a list of sizes`);
      if (!whole(t.offset)) fail(`${t.name}: offset is not a whole number`);
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (t.offset + size > floats) fail(`${t.name}: the file is truncated`);
      const values = new Float32Array(own.buffer, at + 4 * t.offset, size);
      for (let k = 0; k < size; k++) if (!Number.isFinite(values[k])) fail(`${t.name}: a weight is not a finite number`);
      tensors[t.name] = values;
      shapes[t.name] = t.shape;
    }
    for (const name of NAMES) if (!(name in tensors)) fail(`no ${name}`);
    return { header, tensors, shapes };
  }

  // the layer sizes the shapes imply, or an Error of one line when they do not fit together
  function sizes(shapes, latentDim) {
    const [dk, db, k1, b1, k2, b2, k3, b3] = NAMES.map((name) => shapes[name]);
    const kernel = (k, cin) => k.length === 4 && k[0] === 3 && k[1] === 3 && k[2] === cin;
    if (dk.length !== 2 || dk[0] !== latentDim || db.length !== 1 || db[0] !== dk[1]) fail("dense shapes disagree");
    const c0 = k1.length === 4 ? k1[2] : 0, g = Math.round(Math.sqrt(dk[1] / c0));
    if (!c0 || g * g * c0 !== dk[1]) fail("the dense layer's units are not a square of t1's input channels");
    const [c1, c2] = [k1[3], k2[3]];
    if (!kernel(k1, c0) || b1.join() !== String(c1) || !kernel(k2, c1) || b2.join() !== String(c2)) {
      fail("t1 and t2 shapes disagree");
    }
    if (!kernel(k3, c2) || k3[3] !== 1 || b3.join() !== "1") fail("t3 is not one 3x3 output channel over t2's");
    if (c1 % 4 || c2 % 4) fail("t1's and t2's filters are not multiples of 4");
    return { g, c0, c1, c2, size: 4 * g };
  }

  // Conv2DTranspose 3x3 with stride 2 ("same": input pixel (i, j) feeds output (2i + ky, 2j + kx)), ReLU.
  // x: (h, w, cin) flat; kernel (3, 3, cin, cout); scatters each non-zero input over the output channels.
  function transposeStride2(x, h, w, cin, kernel, bias, cout, out, nz) {
    const H = 2 * h, W = 2 * w;
    for (let p = 0; p < H * W; p++) out.set(bias, p * cout);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const xbase = (i * w + j) * cin;
        let count = 0;  // the non-zero inputs of this pixel (ReLU zeros: about half), listed once for all 9 taps
        for (let c = 0; c < cin; c++) if (x[xbase + c] !== 0) nz[count++] = c;
        if (count === 0) continue;
        for (let ky = 0; ky < 3; ky++) {
          const y = 2 * i + ky;
          if (y >= H) continue;
          for (let kx = 0; kx < 3; kx++) {
            const xx = 2 * j + kx;
            if (xx >= W) continue;
            const obase = (y * W + xx) * cout, end = obase + cout;
            const kbase = (ky * 3 + kx) * cin * cout;
            for (let q = 0; q < count; q++) {
              const c = nz[q], v = x[xbase + c];
              for (let o = obase, k = kbase + c * cout; o < end; o += 4, k += 4) {
                out[o] += v * kernel[k];
                out[o + 1] += v * kernel[k + 1];
                out[o + 2] += v * kernel[k + 2];
                out[o + 3] += v * kernel[k + 3];
              }
            }
          }
        }
      }
    }
    for (let p = 0; p < out.length; p++) if (out[p] < 0) out[p] = 0;
  }

  class Decoder {
    constructor(bytes) {
      const { header, tensors, shapes } = parse(bytes);
      this.header = header;
      this.latentDim = header.latent_dim;
      this.t = tensors;
      Object.assign(this, sizes(shapes, this.latentDim));  // g, c0, c1, c2, size (the image is size x size)
      const { g, c0, c1, c2, size } = this;
      this.h0 = new Float64Array(g * g * c0);
      this.h1 = new Float64Array(4 * g * g * c1);
      this.h2 = new Float64Array(size * size * c2);
      this.image = new Float64Array(size * size);
      this.nz = new Int32Array(Math.max(c0, c1));
    }

    // z (array of latent_dim numbers) -> Float64Array(size * size) in (0, 1), row-major (reused between calls)
    decode(z) {
      const { t, h0, h1, h2, image, g, c0, c1, c2, size } = this;
      const n = h0.length, kd = t["dense.kernel"], bd = t["dense.bias"];
      for (let p = 0; p < n; p++) h0[p] = bd[p];
      for (let d = 0; d < this.latentDim; d++) {
        const v = z[d];
        if (v === 0) continue;
        for (let p = 0, k = d * n; p < n; p++, k++) h0[p] += v * kd[k];
      }
      for (let p = 0; p < n; p++) if (h0[p] < 0) h0[p] = 0;
      transposeStride2(h0, g, g, c0, t["t1.kernel"], t["t1.bias"], c1, h1, this.nz);
      transposeStride2(h1, 2 * g, 2 * g, c1, t["t2.kernel"], t["t2.bias"], c2, h2, this.nz);
      // last layer, stride 1 ("same": input (i, j) feeds output (i + ky - 1, j + kx - 1)), gathered per output pixel
      const k3 = t["t3.kernel"], b3 = t["t3.bias"][0];
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          let s = b3;
          for (let ky = 0; ky < 3; ky++) {
            const i = y + 1 - ky;
            if (i < 0 || i >= size) continue;
            for (let kx = 0; kx < 3; kx++) {
              const j = x + 1 - kx;
              if (j < 0 || j >= size) continue;
              const hb = (i * size + j) * c2, kb = (ky * 3 + kx) * c2;
              for (let c = 0; c < c2; c++) s += h2[hb + c] * k3[kb + c];
            }
          }
          image[y * size + x] = 1 / (1 + Math.exp(-s));
        }
      }
      return image;
    }
  }

  // grey levels as vae_core.images.to_uint8: floor(clip(v, 0, 1) * 255 + 0.5)
  function toUint8(image) {
    const out = new Uint8Array(image.length);
    for (let p = 0; p < image.length; p++) out[p] = Math.floor(Math.min(1, Math.max(0, image[p])) * 255 + 0.5);
    return out;
  }

  return { parse, Decoder, toUint8 };
})();
