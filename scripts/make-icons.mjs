#!/usr/bin/env node
// Generates the app icons into resources/ (electron-builder's buildResources) from code, so no hand-made binary is
// checked in that nobody can reproduce: the Glimpse mark (◉, a ring around a dot, as in the app's header) on a
// rounded dark square, anti-aliased, written with a minimal PNG encoder (zlib from Node) and packed into a Windows
// .ico (PNG entries, Vista+). macOS's .icns is made by electron-builder from the 1024 px PNG.
//   resources/icons/<n>x<n>.png   Linux icon set (electron-builder reads the size from the name), mac source
//   resources/icon.ico            Windows (16, 24, 32, 48, 64, 128, 256)
// Deterministic: the same bytes on every run (tests/packaging/builder-config.test.ts checks that).
// Usage: node scripts/make-icons.mjs [outDir=resources]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const BG = [0x11, 0x14, 0x18]; // the window's background colour (main/electron/index.ts)
const FG = [0x5b, 0xa8, 0xff]; // the accent

/** Signed distance (in pixels) to a rounded square of half-size h and corner radius r, centred at c. */
function roundedSquare(x, y, c, h, r) {
  const qx = Math.abs(x - c) - (h - r);
  const qy = Math.abs(y - c) - (h - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** Coverage in [0, 1] from a signed distance (negative inside), one pixel of anti-aliasing. */
const cover = (d) => Math.min(1, Math.max(0, 0.5 - d));

/** RGBA pixels of the icon at n×n. */
export function drawIcon(n) {
  const px = Buffer.alloc(n * n * 4);
  const c = n / 2;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const fx = x + 0.5;
      const fy = y + 0.5;
      const square = cover(roundedSquare(fx, fy, c, n * 0.46, n * 0.2));
      const dist = Math.hypot(fx - c, fy - c);
      const ring = cover(Math.abs(dist - n * 0.3) - n * 0.055); // a ring of width 0.11 n at radius 0.3 n
      const dot = cover(dist - n * 0.14);
      const mark = Math.max(ring, dot) * square;
      const i = (y * n + x) * 4;
      for (let k = 0; k < 3; k++) px[i + k] = Math.round(BG[k] * (1 - mark) + FG[k] * mark);
      px[i + 3] = Math.round(255 * square);
    }
  }
  return px;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** An 8-bit RGBA PNG (colour type 6), each scanline with filter 0. */
export function encodePng(n, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(n, 0);
  ihdr.writeUInt32BE(n, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(n * (n * 4 + 1));
  for (let y = 0; y < n; y++) rgba.copy(raw, y * (n * 4 + 1) + 1, y * n * 4, (y + 1) * n * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A .ico whose entries are PNGs (ICONDIR + ICONDIRENTRY table, then the images). */
export function encodeIco(images) {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    const e = 6 + 16 * i;
    header[e] = size >= 256 ? 0 : size; // 0 means 256
    header[e + 1] = size >= 256 ? 0 : size;
    header.writeUInt16LE(1, e + 4); // colour planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((im) => im.png)]);
}

export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];

/** Writes every icon under `outDir`; returns the files written. */
export function makeIcons(outDir) {
  const pngs = new Map(PNG_SIZES.map((n) => [n, encodePng(n, drawIcon(n))]));
  fs.mkdirSync(path.join(outDir, 'icons'), { recursive: true });
  const written = [];
  for (const [n, png] of pngs) {
    const f = path.join(outDir, 'icons', `${n}x${n}.png`);
    fs.writeFileSync(f, png);
    written.push(f);
  }
  const ico = path.join(outDir, 'icon.ico');
  fs.writeFileSync(ico, encodeIco(ICO_SIZES.map((size) => ({ size, png: pngs.get(size) }))));
  written.push(ico);
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const out = path.resolve(process.argv[2] ?? path.join(root, 'resources'));
  for (const f of makeIcons(out)) console.log(path.relative(process.cwd(), f));
}
