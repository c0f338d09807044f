// Runs ui/latent_plane/decoder.js (with ui/payload.js, as the page concatenates them) in Node for
// tests/test_decoder_js.py: node decode.mjs WEIGHTS_FILE Z_JSON_FILE prints {"images": [[784 floats], ...]}, or
// {"error": "..."} (the decoder's one-line message) when it rejects the file.
import { readFileSync } from "node:fs";

const ui = new URL("../../ui/", import.meta.url);
const source = ["payload.js", "latent_plane/decoder.js"].map((path) => readFileSync(new URL(path, ui), "utf8"));
const LatentDecoder = new Function(source.join("\n") + "\nreturn LatentDecoder;")();

const [weightsFile, zFile] = process.argv.slice(2);
const zs = JSON.parse(readFileSync(zFile, "utf8"));
let decoder;
try {
  decoder = new LatentDecoder.Decoder(readFileSync(weightsFile));
} catch (error) {
  console.log(JSON.stringify({ error: error.message }));
  process.exit(0);
}
console.log(JSON.stringify({ images: zs.map((z) => Array.from(decoder.decode(z))) }));
