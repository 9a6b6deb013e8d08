/**
 * Browser mode: the built renderer and the engine's API over HTTP on loopback. Every API, event and media
 * request needs the per-run token (a bearer header, or the HttpOnly cookie set when the page is opened with
 * ?token=), and the Host header must be loopback, so another site cannot reach it through DNS rebinding.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isChannel, type EngineEvent } from '../../shared/api.ts';
import type { Engine } from '../engine/engine.ts';
import { httpStatus, toApiError } from '../engine/errors.ts';
import { parseRange, videoMime } from './range.ts';
import { rendererDir } from './renderer-build.ts';

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "media-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

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
      res.writeHead(status, { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', ...extra });
      res.end(body);
    };
    try {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (!['127.0.0.1', 'localhost', '[::1]'].includes(host))
        return send(403, JSON.stringify({ error: 'forbidden host', code: 'forbidden' }));
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);

      if (url.pathname.startsWith('/api/')) {
        if (!authorised(req, url)) return send(401, JSON.stringify({ error: 'missing or wrong token', code: 'forbidden' }));
        const name = url.pathname.slice(5);
        if (name === 'events' && req.method === 'GET') {
          res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
          res.write(': connected\n\n');
          sseClients.add(res);
          req.on('close', () => sseClients.delete(res));
          return;
        }
        if (req.method !== 'POST') return send(405, JSON.stringify({ error: 'use POST', code: 'invalid' }));
        if (!isChannel(name)) return send(404, JSON.stringify({ error: `unknown channel ${name}`, code: 'not_found' }));
        const body = await readBody(req, 1 << 20);
        let payload: unknown;
        try {
          payload = body.length ? JSON.parse(body) : {};
        } catch {
          return send(400, JSON.stringify({ error: 'body is not JSON', code: 'invalid' }));
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
        const file = engine.media.thumbnailPath(Number(url.pathname.slice(7)));
        if (!file) return send(404, 'no thumbnail', 'text/plain');
        return send(200, fs.readFileSync(file), 'image/jpeg', { 'Cache-Control': 'private, max-age=60' });
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
          return send(200, fs.readFileSync(file), 'image/jpeg', { 'Cache-Control': 'private, max-age=3600' });
        } catch (e) {
          const err = toApiError(e);
          return send(httpStatus(err.code), err.error, 'text/plain');
        }
      }

      // Static renderer files. The token in the page's URL becomes an HttpOnly cookie for <img> and <video>.
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed', 'text/plain');
      const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
      const file = path.resolve(staticDir, rel);
      if (!file.startsWith(path.resolve(staticDir) + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        return send(404, 'not found', 'text/plain');
      }
      const headers: http.OutgoingHttpHeaders = { 'Cache-Control': 'no-cache' };
      if (file.endsWith('.html')) {
        headers['Content-Security-Policy'] = CSP;
        headers['X-Frame-Options'] = 'DENY';
        if (authorised(req, url)) headers['Set-Cookie'] = `glimpse_token=${token}; HttpOnly; SameSite=Strict; Path=/`;
      }
      return send(200, fs.readFileSync(file), MIME[path.extname(file)] ?? 'application/octet-stream', headers);
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

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
