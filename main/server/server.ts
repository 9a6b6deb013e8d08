/**
 * Browser mode: the built renderer and the engine's API over HTTP on loopback. Every API, event and media
 * request needs the per-run token (a bearer header, or the HttpOnly cookie set when the page is opened with
 * ?token=), and the Host header must be loopback, so another site cannot reach it through DNS rebinding.
 *
 * The cookie is SameSite=Strict, but every port of 127.0.0.1 is the same *site*: a page served by any other local
 * server would get it sent along. So those requests must also come from this server's own origin (see
 * `crossOrigin`): an `Origin` header, when sent, is one of ours; `Sec-Fetch-Site`, when sent, is `same-origin` or
 * `none`; CORS preflights are refused (no Access-Control-Allow-* header is ever sent); and an API body must be
 * `application/json` (a form or a text/plain fetch is a "simple" request that needs no preflight). Responses carry
 * `Cross-Origin-Resource-Policy: same-origin`, so another origin's <img>/<video> cannot embed them either.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isChannel, type ApiError, type EngineEvent } from '../../shared/api.ts';
import type { Engine } from '../engine/engine.ts';
import { httpStatus, toApiError } from '../engine/errors.ts';
import { parseRange, videoMime } from './range.ts';
import { rendererDir } from './renderer-build.ts';
import { contentSecurityPolicy } from '../core/csp.ts';

export const CSP = contentSecurityPolicy();

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Headers of every response of the API and media routes. */
const PRIVATE_HEADERS: http.OutgoingHttpHeaders = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * Why a request to the API or a media route is refused as coming from another origin, or null. A client that sends
 * neither header (curl, the CLI, an old browser's same-origin GET) passes; the token is still required.
 */
export function crossOrigin(headers: http.IncomingHttpHeaders, port: number): string | null {
  const origin = headers.origin;
  if (origin !== undefined && ![`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`].includes(origin)) {
    return `cross-origin request refused (Origin ${origin.slice(0, 100)})`;
  }
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return `cross-origin request refused (Sec-Fetch-Site ${site.slice(0, 40)})`;
  return null;
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
function isJson(contentType: string | undefined): boolean {
  return /^application\/json\s*(;|$)/i.test(contentType ?? '');
}

export interface ServerHandle {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(engine: Engine, opts: { port?: number; staticDir?: string; token?: string } = {}): Promise<ServerHandle> {
  const staticDir = opts.staticDir ?? rendererDir();
  const token = opts.token ?? randomBytes(24).toString('hex');
  const tokenBuf = Buffer.from(token);
  const sseClients = new Set<http.ServerResponse>();
  const onEvent = (e: EngineEvent) => {
    for (const c of sseClients) c.write(`data: ${JSON.stringify(e)}\n\n`);
  };
  engine.events.on('event', onEvent);
  let port = 0;

  /** The token came in an Authorization header, which no other origin can set without a (refused) preflight. */
  const bearerAuth = (req: http.IncomingMessage): boolean => /^Bearer (.+)$/.test(req.headers.authorization ?? '');

  const authorised = (req: http.IncomingMessage, url: URL): boolean => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const cookie = /(?:^|;\s*)glimpse_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const given = bearer ?? url.searchParams.get('token') ?? cookie;
    if (!given) return false;
    const b = Buffer.from(given);
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf);
  };

  const server = http.createServer(async (req, res) => {
    const send = (status: number, body: string | Buffer, type = 'application/json', extra: http.OutgoingHttpHeaders = {}) => {
      res.writeHead(status, { 'Content-Type': type, ...PRIVATE_HEADERS, ...extra });
      res.end(body);
    };
    const sendError = (status: number, error: string, code: ApiError['code']) => send(status, JSON.stringify({ error, code }));
    try {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) return sendError(403, 'forbidden host', 'forbidden');
      // A CORS preflight: no other origin may call this server, so never an Access-Control-Allow-* header.
      if (req.method === 'OPTIONS') return sendError(403, 'cross-origin requests are not allowed', 'forbidden');
      const target = req.url ?? '/';
      if (!target.startsWith('/')) return sendError(400, 'bad request target', 'invalid');
      let url: URL;
      try {
        url = new URL(`http://127.0.0.1:${port}${target}`);
      } catch {
        return sendError(400, 'bad URL', 'invalid');
      }
      const isPrivate = ['/api/', '/thumb/', '/media/', '/frame/'].some((p) => url.pathname.startsWith(p));
      if (isPrivate) {
        const refused = crossOrigin(req.headers, port);
        if (refused) return sendError(403, refused, 'forbidden');
      }

      if (url.pathname.startsWith('/api/')) {
        if (!authorised(req, url)) return sendError(401, 'missing or wrong token', 'forbidden');
        const name = url.pathname.slice(5);
        if (name === 'events' && req.method === 'GET') {
          res.writeHead(200, {
            'Content-Type': 'text/event-stream',
            'Cache-Control': 'no-store',
            Connection: 'keep-alive',
            ...PRIVATE_HEADERS,
          });
          res.write(': connected\n\n');
          sseClients.add(res);
          req.on('close', () => sseClients.delete(res));
          return;
        }
        if (req.method !== 'POST') return sendError(405, 'use POST', 'invalid');
        if (!isChannel(name)) return sendError(404, `unknown channel ${name.slice(0, 100)}`, 'not_found');
        // With the cookie (or ?token=) as credential, only a JSON body: a form or text/plain POST needs no preflight.
        if (!isJson(req.headers['content-type']) && !bearerAuth(req))
          return sendError(415, 'Content-Type must be application/json', 'invalid');
        let body: string;
        try {
          body = await readBody(req, 1 << 20);
        } catch (e) {
          return sendError(413, (e as Error).message, 'invalid');
        }
        let payload: unknown;
        try {
          payload = body.length ? JSON.parse(body) : {};
        } catch {
          return sendError(400, 'body is not JSON', 'invalid');
        }
        try {
          return send(200, JSON.stringify(await engine.call(name, payload)));
        } catch (e) {
          const err = toApiError(e);
          return send(httpStatus(err.code), JSON.stringify(err));
        }
      }

      if (url.pathname.startsWith('/thumb/')) {
        if (!authorised(req, url)) return send(401, 'token required', 'text/plain');
        if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed', 'text/plain');
        const id = /^\/thumb\/(\d{1,12})$/.exec(url.pathname)?.[1];
        const file = id ? engine.media.thumbnailPath(Number(id)) : null;
        if (!file) return send(404, 'no thumbnail', 'text/plain');
        return await sendImage(req, res, file, 'private, max-age=60');
      }

      if (url.pathname.startsWith('/media/') || url.pathname.startsWith('/frame/')) {
        if (!authorised(req, url)) return send(401, 'token required', 'text/plain');
        if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed', 'text/plain');
        // Only numeric ids: a path never comes from the URL, so `..`, encoded slashes and the like cannot name a file.
        const m = /^\/(media)\/(\d{1,12})$|^\/(frame)\/(\d{1,12})\/(\d{1,4})$/.exec(url.pathname);
        if (!m) return send(404, 'not found', 'text/plain');
        try {
          if (m[1]) return sendFile(req, res, engine.media.mediaPath(Number(m[2])));
          const file = await engine.media.framePath(Number(m[4]), Number(m[5]));
          return await sendImage(req, res, file, 'private, max-age=3600');
        } catch (e) {
          const err = toApiError(e);
          return send(httpStatus(err.code), err.error, 'text/plain');
        }
      }

      // Static renderer files. The token in the page's URL becomes an HttpOnly cookie for <img> and <video>.
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed', 'text/plain');
      let rel: string;
      try {
        rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
      } catch {
        return send(400, 'bad percent-encoding in the URL', 'text/plain');
      }
      if (rel.includes('\0')) return send(400, 'NUL in the URL', 'text/plain');
      const file = path.resolve(staticDir, rel);
      const stat = file.startsWith(path.resolve(staticDir) + path.sep) ? await fs.promises.stat(file).catch(() => null) : null;
      if (!stat?.isFile()) return send(404, 'not found', 'text/plain');
      const headers: http.OutgoingHttpHeaders = { 'Cache-Control': 'no-cache' };
      if (file.endsWith('.html')) {
        headers['Content-Security-Policy'] = CSP;
        headers['X-Frame-Options'] = 'DENY';
        if (authorised(req, url)) headers['Set-Cookie'] = `glimpse_token=${token}; HttpOnly; SameSite=Strict; Path=/`;
      }
      return send(200, await fs.promises.readFile(file), MIME[path.extname(file)] ?? 'application/octet-stream', headers);
    } catch (e) {
      if (!res.headersSent) send(500, JSON.stringify(toApiError(e)));
      else res.end();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        engine.events.off('event', onEvent);
        for (const c of sseClients) c.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A file with HTTP range support (what <video> needs to seek). */
export function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: string): void {
  const size = fs.statSync(file).size;
  const base: http.OutgoingHttpHeaders = {
    'Content-Type': videoMime(file),
    'Accept-Ranges': 'bytes',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'private, no-transform',
    'Content-Security-Policy': "default-src 'none'",
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
  const r = parseRange(req.headers.range, size);
  if (r.status === 416) {
    res.writeHead(416, { ...base, 'Content-Range': `bytes */${size}` });
    res.end();
    return;
  }
  const { start, end } = r;
  if (r.status === 206) base['Content-Range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(r.status, { ...base, 'Content-Length': Math.max(0, end - start + 1) });
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  const stream = fs.createReadStream(file, { start, end });
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

/** A JPEG the engine wrote (poster, frame), streamed: no file is read on the thread that answers requests. */
async function sendImage(req: http.IncomingMessage, res: http.ServerResponse, file: string, cache: string): Promise<void> {
  const stat = await fs.promises.stat(file).catch(() => null);
  if (!stat?.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain', ...PRIVATE_HEADERS });
    res.end('not found');
    return;
  }
  res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': stat.size, 'Cache-Control': cache, ...PRIVATE_HEADERS });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = fs.createReadStream(file);
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

/**
 * The request body as text, at most `limit` bytes. A larger body is read to its end and dropped, so the client gets
 * its 413 answer rather than a reset connection; one that goes on past 16 × `limit` is cut off.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const tooLarge = () => new Error(`request body is larger than ${limit >> 20} MB`);
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 16 * limit) {
        reject(tooLarge());
        req.destroy();
      } else if (size <= limit) chunks.push(c);
    });
    req.on('end', () => (size > limit ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}
