/**
 * Bytes ⇄ typed arrays, the one conversion every reader uses: SQLite BLOBs of float32 vectors (the cached
 * per-frame features) and model weight files. Reading copies the bytes: a Buffer can sit at any byte offset of a
 * larger shared ArrayBuffer, and a Float32Array view needs a 4-byte-aligned offset and must not keep (or expose)
 * the rest of that memory.
 */

/** The bytes of `b` in an ArrayBuffer of their own (a copy, exactly b.byteLength long). */
export function arrayBufferOf(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** A BLOB read from SQLite → a Float32Array of its own (the bytes are copied). */
export function f32FromBlob(b: Uint8Array): Float32Array {
  return new Float32Array(arrayBufferOf(b));
}

/** A Float32Array → a Buffer to bind as a BLOB (a view over the same bytes, no copy). */
export function blobFromF32(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
