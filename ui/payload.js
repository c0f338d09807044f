// The bytes Python sends a component (ui/latent_plane, ui/scatter_panels): [u32 header length][JSON header][...].
// Returns an aligned copy of them (typed arrays are read from it), the parsed header and the offset after it.
function splitPayload(data) {
  const u8 = data instanceof ArrayBuffer ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const own = u8.slice();
  const length = new DataView(own.buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(own.subarray(4, 4 + length)));
  return { own, header, at: 4 + length };
}
