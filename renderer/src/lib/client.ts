/**
 * The renderer's one way to reach the engine. In Electron the preload exposes `window.glimpse`; in browser mode
 * the same calls go over HTTP to the loopback server. Components never know which.
 */
import type { Channel, EngineEvent, GlimpseClient, RequestOf, Results } from '../../../shared/api.ts';

export interface ElectronBridge {
  call(channel: string, request: unknown): Promise<unknown>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  pickFolder?(): Promise<string | null>;
}

declare global {
  interface Window {
    glimpse?: ElectronBridge;
  }
}

export class ApiCallError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** the HTTP status in browser mode (401: this page was opened without the server's token) */
    readonly status = 0,
  ) {
    super(message);
  }
}

/** True when the server refused us for lack of its access token (browser mode opened without the printed URL). */
export const isUnauthorized = (e: unknown): boolean => e instanceof ApiCallError && e.status === 401;

export function createClient(): GlimpseClient {
  const bridge = window.glimpse;
  if (bridge) {
    return {
      call: async (channel, request) => (await bridge.call(channel, request)) as never,
      onEvent: (l) => bridge.onEvent(l),
      thumbnailUrl: (id) => `glimpse://thumb/${id}`,
      mediaUrl: (id) => `glimpse://media/${id}`,
      frameUrl: (id, index) => `glimpse://frame/${id}/${index}`,
      pickFolder: bridge.pickFolder ? () => bridge.pickFolder!() : undefined,
    };
  }
  return httpClient();
}

function httpClient(): GlimpseClient {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem('glimpse-token', fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url); // keep the secret out of bookmarks and screenshots
  }
  const token = fromUrl ?? sessionStorage.getItem('glimpse-token') ?? '';
  const listeners = new Set<(e: EngineEvent) => void>();
  let source: EventSource | null = null;
  return {
    async call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Results[C]> {
      const res = await fetch(`./api/${channel}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(request),
      });
      const body = await res.json().catch(() => ({ error: `HTTP ${res.status}`, code: 'internal' }));
      if (!res.ok) throw new ApiCallError(body.error ?? `HTTP ${res.status}`, body.code ?? 'internal', res.status);
      return body as Results[C];
    },
    onEvent(listener) {
      listeners.add(listener);
      if (!source) {
        source = new EventSource(`./api/events?token=${encodeURIComponent(token)}`);
        source.onmessage = (m) => {
          const e = JSON.parse(m.data) as EngineEvent;
          for (const l of listeners) l(e);
        };
      }
      return () => {
        listeners.delete(listener);
        if (!listeners.size) {
          source?.close();
          source = null;
        }
      };
    },
    thumbnailUrl: (id) => `./thumb/${id}?token=${encodeURIComponent(token)}`,
    mediaUrl: (id) => `./media/${id}?token=${encodeURIComponent(token)}`,
    frameUrl: (id, index) => `./frame/${id}/${index}?token=${encodeURIComponent(token)}`,
  };
}
