/** Bytes that differ from place to place, so a lost, doubled or moved chunk shows. */
export function pattern(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  const words = new Uint32Array(bytes.buffer, 0, size >>> 2);
  for (let i = 0; i < words.length; i += 1) words[i] = Math.imul(i + 1, 2654435761) ^ seed;
  for (let i = words.length * 4; i < size; i += 1) bytes[i] = i & 0xff;
  return bytes;
}

/** Whether two byte arrays are equal (compared a word at a time: messages here run to tens of MiB). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  const wa = new Uint32Array(a.buffer, a.byteOffset, a.length >>> 2);
  const wb = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
  for (let i = 0; i < wa.length; i += 1) if (wa[i] !== wb[i]) return false;
  for (let i = wa.length * 4; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}
