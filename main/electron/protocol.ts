/**
 * The glimpse:// protocol of the Electron face: thumbnails, video playback (with byte ranges, so <video> can
 * seek) and keyframe images, the same three routes the browser-mode server has. Written against the web
 * Request/Response types and Node's fs only, so it runs (and is tested) without the Electron binary.
 *
 * Only numeric ids ever come from the URL; the file is looked up by the engine, which serves media only when
 * its real path (symlinks resolved) lies inside a library root.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { httpStatus, toApiError } from '../engine/errors.ts';
import { parseRange, videoMime } from '../server/range.ts';

/** The engine's MediaAccess, or the engine host's client (which asks the engine's process), or a stand-in in tests. */
export interface MediaSource {
  media: {
    thumbnailPath(videoId: number): string | null | Promise<string | null>;
    mediaPath(videoId: number): string | Promise<string>;
    framePath(videoId: number, index: number): Promise<string>;
  };
}

const text = (status: number, body: string) => new Response(body, { status, headers: { 'Content-Type': 'text/plain' } });

export async function glimpseProtocolResponse(source: MediaSource, req: Request): Promise<Response> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return text(400, 'bad url');
  }
  if (url.protocol !== 'glimpse:') return text(404, 'not found');
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed');
  const host = url.hostname;
  const m = host === 'frame' ? /^\/(\d{1,12})\/(\d{1,4})$/.exec(url.pathname) : /^\/(\d{1,12})$/.exec(url.pathname);
  if (!m) return text(404, 'not found');
  const id = Number(m[1]);
  try {
    if (host === 'thumb') {
      const file = await source.media.thumbnailPath(id);
      return file ? fileResponse(file, 'image/jpeg') : text(404, 'no thumbnail');
    }
    if (host === 'frame') return fileResponse(await source.media.framePath(id, Number(m[2])), 'image/jpeg');
    if (host === 'media') return rangeResponse(await source.media.mediaPath(id), req);
    return text(404, 'not found');
  } catch (e) {
    const err = toApiError(e);
    return text(httpStatus(err.code), err.error);
  }
}

function fileResponse(file: string, type: string): Response {
  return new Response(fs.readFileSync(file), { status: 200, headers: { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff' } });
}

function rangeResponse(file: string, req: Request): Response {
  const size = fs.statSync(file).size;
  const headers: Record<string, string> = {
    'Content-Type': videoMime(file),
    'Accept-Ranges': 'bytes',
    'X-Content-Type-Options': 'nosniff',
  };
  const r = parseRange(req.headers.get('range'), size);
  if (r.status === 416) return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}` } });
  if (r.status === 206) headers['Content-Range'] = `bytes ${r.start}-${r.end}/${size}`;
  headers['Content-Length'] = String(Math.max(0, r.end - r.start + 1));
  if (req.method === 'HEAD' || size === 0) return new Response(null, { status: r.status, headers });
  const body = Readable.toWeb(fs.createReadStream(file, { start: r.start, end: r.end })) as ReadableStream<Uint8Array>;
  return new Response(body, { status: r.status, headers });
}
