/**
 * HTTP byte ranges for media, shared by the browser-mode server and Electron's glimpse:// protocol, so <video>
 * seeks the same way in both faces. Only single ranges: that is all media elements ask for.
 */
export type RangeAnswer = { status: 200; start: number; end: number } | { status: 206; start: number; end: number } | { status: 416 };

export function parseRange(header: string | null | undefined, size: number): RangeAnswer {
  if (!header) return { status: 200, start: 0, end: size - 1 };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (!m[1] && !m[2])) return { status: 416 };
  let start: number, end: number;
  if (m[1]) {
    start = Number(m[1]);
    end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  } else {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  }
  if (start > end || start >= size) return { status: 416 };
  return { status: 206, start, end };
}

const VIDEO_MIME: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.ogv': 'video/ogg',
  '.avi': 'video/x-msvideo',
  '.gif': 'image/gif',
};

export function videoMime(file: string): string {
  const ext = /\.[^./\\]+$/.exec(file.toLowerCase())?.[0] ?? '';
  return VIDEO_MIME[ext] ?? 'application/octet-stream';
}
