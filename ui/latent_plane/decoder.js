// The VAE decoder in plain JavaScript over vae_core.export's weight file (see vae_core/export.py for the layout):
// Dense latent_dim -> 3136 ReLU, reshape (7, 7, 64), Conv2DTranspose 64 3x3 stride 2 "same" ReLU,
// Conv2DTranspose 32 3x3 stride 2 "same" ReLU, Conv2DTranspose 1 3x3 stride 1 "same" sigmoid.
// Sums in float64 (Keras sums in float32: the results agree to ~1e-6). No dependencies, no network.
const LatentDecoder = (() => {
  const MAGIC = "VAEDEC01";

  // {header, tensors: {name: Float32Array}} from the file's bytes (a Uint8Array or ArrayBuffer)
  function parse(bytes) {
    const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const own = u8.byteOffset % 4 === 0 ? u8 : u8.slice();  // Float32Array views need 4-byte alignment
    if (String.fromCharCode(...own.subarray(0, 8)) !== MAGIC) throw new Error("not a vae_core decoder file");
    const length = new DataView(own.buffer, own.byteOffset + 8, 4).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(own.subarray(12, 12 + length)));
    const start = own.byteOffset + 12 + length;
    const tensors = {};
    for (const t of header.tensors) {
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (start + 4 * (t.offset + size) > own.byteOffset + own.byteLength) throw new Error("decoder file is truncated");
      tensors[t.name] = new Float32Array(own.buffer, start + 4 * t.offset, size);
    }
    return { header, tensors };
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
      const { header, tensors } = parse(bytes);
      this.header = header;
      this.latentDim = header.latent_dim;
      this.t = tensors;
      if (tensors["t1.kernel"].length % 4 || tensors["t2.kernel"].length % 4) throw new Error("unexpected layer sizes");
      this.h0 = new Float64Array(7 * 7 * 64);
      this.h1 = new Float64Array(14 * 14 * 64);
      this.h2 = new Float64Array(28 * 28 * 32);
      this.image = new Float64Array(28 * 28);
      this.nz = new Int32Array(64);
    }

    // z (array of latent_dim numbers) -> Float64Array(784) in (0, 1), row-major 28x28 (reused between calls)
    decode(z) {
      const { t, h0, h1, h2, image } = this;
      const n = h0.length, kd = t["dense.kernel"], bd = t["dense.bias"];
      for (let p = 0; p < n; p++) h0[p] = bd[p];
      for (let d = 0; d < this.latentDim; d++) {
        const v = z[d];
        if (v === 0) continue;
        for (let p = 0, k = d * n; p < n; p++, k++) h0[p] += v * kd[k];
      }
      for (let p = 0; p < n; p++) if (h0[p] < 0) h0[p] = 0;
      transposeStride2(h0, 7, 7, 64, t["t1.kernel"], t["t1.bias"], 64, h1, this.nz);
      transposeStride2(h1, 14, 14, 64, t["t2.kernel"], t["t2.bias"], 32, h2, this.nz);
      // last layer, stride 1 ("same": input (i, j) feeds output (i + ky - 1, j + kx - 1)), gathered per output pixel
      const k3 = t["t3.kernel"], b3 = t["t3.bias"][0];
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          let s = b3;
          for (let ky = 0; ky < 3; ky++) {
            const i = y + 1 - ky;
            if (i < 0 || i >= 28) continue;
            for (let kx = 0; kx < 3; kx++) {
              const j = x + 1 - kx;
              if (j < 0 || j >= 28) continue;
              const hb = (i * 28 + j) * 32, kb = (ky * 3 + kx) * 32;
              for (let c = 0; c < 32; c++) s += h2[hb + c] * k3[kb + c];
            }
          }
          image[y * 28 + x] = 1 / (1 + Math.exp(-s));
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
