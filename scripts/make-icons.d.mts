// Types of scripts/make-icons.mjs (plain JS so it runs before any build) for the tests that import it.
export function drawIcon(n: number): Buffer;
export function encodePng(n: number, rgba: Buffer): Buffer;
export function encodeIco(images: { size: number; png: Buffer }[]): Buffer;
export const PNG_SIZES: number[];
export const ICO_SIZES: number[];
export function makeIcons(outDir: string): string[];
