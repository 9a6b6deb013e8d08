/**
 * The renderer's Content-Security-Policy, one definition for both faces: browser mode (the HTTP server) and the
 * Electron window, which also loads posters, frames and videos from its `glimpse:` protocol.
 */
export function contentSecurityPolicy(mediaSchemes: string[] = []): string {
  const media = ['self', ...mediaSchemes].map((s) => (s === 'self' ? "'self'" : s)).join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src ${media} data:`,
    `media-src ${media}`,
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
